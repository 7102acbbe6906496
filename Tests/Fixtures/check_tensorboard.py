#!/usr/bin/env python3
"""Checks that TensorBoard's own reader reads an event file written by Descent's TensorBoardWriter.

The Swift test TensorBoardRoundTripTests.descentWrittenRunForTensorBoard writes the run folder when
DESCENT_TENSORBOARD_OUT names it (needs `python3 -m pip install tensorboard`):

    DESCENT_TENSORBOARD_OUT=/tmp/descent-tensorboard swift test --filter descentWrittenRunForTensorBoard
    python3 Tests/Fixtures/check_tensorboard.py /tmp/descent-tensorboard

This script reads the folder with TensorBoard 2.21's own code, in four ways:
1. every record through TensorBoard's record reader (PyRecordReader_New), which checks both masked CRC-32Cs;
2. the events with event_file_loader.EventFileLoader (file_version of the first event);
3. EventAccumulator, as `tensorboard --logdir` loads scalars: every tag, step, wall time and value, compared with
   SCALARS below (kept in step with TensorBoardTestFiles in the Swift tests; values are float32, as add_scalar's);
4. the HParams plugin: the three summaries parsed with plugin_data_pb2, then the plugin's own backend
   (get_experiment and list_session_groups, what the HParams dashboard shows) on a log folder holding the run.
Exit status 0 when everything matches.

With --run RUN_FOLDER it checks instead a folder written by `descent train` (TensorBoardLogger), resumed runs
included: every event file through the record reader, the purge markers (SessionLog START) found with
EventFileLoader, then EventAccumulator on the folder (which discards, at each marker, the points of earlier
events at its step and later): each step of train/loss and train/learning_rate once, in order, and the epoch
scalars equal to history.json (as float32) at the steps where the `epoch` scalar is written:

    descent train --set training.epochs=2 --output /tmp/run    # Ctrl-C, then descent train --resume /tmp/run
    python3 Tests/Fixtures/check_tensorboard.py --run /tmp/run

With --search SEARCH_FOLDER it checks a folder written by `descent search`: each trial folder holds exactly one
HParams event file (`*.hparams`, every record through the record reader), and the HParams plugin's backend on the
search folder as log folder (get_experiment and list_session_groups, what `tensorboard --logdir SEARCH_FOLDER`
shows in the HParams table) lists every searched key and both metric tags, and one session per trial with the
trial's values, status (STATUS_FAILURE for a failed trial) and metrics (the ranked one equal to results.json's, as
float32):

    descent search tiny.yaml --output /tmp/search
    python3 Tests/Fixtures/check_tensorboard.py --search /tmp/search
"""
import json
import glob
import os
import re
import shutil
import struct
import sys
import tempfile

from tensorboard import context
from tensorboard.backend.event_processing import data_provider, event_accumulator, event_file_loader
from tensorboard.backend.event_processing import plugin_event_multiplexer
from tensorboard.compat.tensorflow_stub import errors, pywrap_tensorflow
from tensorboard.plugins import base_plugin
from tensorboard.plugins.hparams import api_pb2, backend_context, get_experiment, list_session_groups, metadata
from tensorboard.plugins.hparams import plugin_data_pb2

SCALARS = [  # tag, value, step, wall time
    ("loss/train", 2.5, 1, 1700000001.0),
    ("accuracy/train", 0.0, 1, 1700000001.0),
    ("learning_rate", 0.1, 1, 1700000001.0),
    ("loss/train", 1.25, 2, 1700000002.5),
    ("accuracy/train", 0.5, 2, 1700000002.5),
    ("learning_rate", 0.05, 2, 1700000002.5),
    ("loss/train", -0.625, 3, 1700000003.25),
    ("epoch/loss", 1.4375, 3, 1700000003.25),
    ("epoch/val_loss", 0.75, 3, 1700000003.25),
    ("loss/train", 3e-8, 1 << 40, 1700000004.0),
]
HPARAMS = {"augment": True, "batch_size": 64.0, "lr": 0.01, "optimizer": "sgd"}
HPARAM_TYPES = {"augment": api_pb2.DATA_TYPE_BOOL, "batch_size": api_pb2.DATA_TYPE_FLOAT64,
                "lr": api_pb2.DATA_TYPE_FLOAT64, "optimizer": api_pb2.DATA_TYPE_STRING}
METRICS = {"hparam/accuracy": 0.875, "hparam/loss": 0.25}
HPARAMS_TIME = 1700000005.0
RECORDS = 1 + len(SCALARS) + 3 + len(METRICS)


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def check(problems, condition, message):
    if not condition:
        problems.append(message)


def check_records(path, problems):
    reader = pywrap_tensorflow.PyRecordReader_New(path)
    count = 0
    while True:
        try:
            reader.GetNext()
        except errors.OutOfRangeError:
            break
        count += 1
    check(problems, count == RECORDS, f"record reader: {count} records, expected {RECORDS}")
    events = list(event_file_loader.EventFileLoader(path).Load())
    check(problems, len(events) == RECORDS, f"EventFileLoader: {len(events)} events, expected {RECORDS}")
    if events:
        check(problems, events[0].file_version == "brain.Event:2", f"file_version {events[0].file_version!r}")
    print(f"record reader: {count} records, both CRC-32Cs of each verified; first event file_version "
          f"{events[0].file_version if events else None!r}")


def check_scalars(folder, problems):
    acc = event_accumulator.EventAccumulator(folder, size_guidance={event_accumulator.SCALARS: 0})
    acc.Reload()
    expected = {}
    for tag, value, step, time in SCALARS + [(k, v, 0, HPARAMS_TIME) for k, v in METRICS.items()]:
        expected.setdefault(tag, []).append((time, step, f32(value)))
    tags = acc.Tags()["scalars"]
    check(problems, sorted(tags) == sorted(expected), f"scalar tags {sorted(tags)} != {sorted(expected)}")
    for tag in tags:
        got = [(e.wall_time, e.step, e.value) for e in acc.Scalars(tag)]
        check(problems, got == expected.get(tag), f"{tag}: {got} != {expected.get(tag)}")
        print(f"EventAccumulator scalars {tag}: " + ", ".join(f"step {s} = {v!r}" for _, s, v in got))
    return acc.PluginTagToContent(metadata.PLUGIN_NAME)


def check_hparams_summaries(contents, problems):
    tags = {metadata.EXPERIMENT_TAG, metadata.SESSION_START_INFO_TAG, metadata.SESSION_END_INFO_TAG}
    check(problems, set(contents) == tags, f"hparams tags {sorted(contents)}")
    if set(contents) != tags:
        return
    data = {tag: plugin_data_pb2.HParamsPluginData.FromString(contents[tag]) for tag in tags}
    check(problems, all(d.version == metadata.PLUGIN_DATA_VERSION for d in data.values()), "plugin data version")
    experiment = metadata.parse_experiment_plugin_data(contents[metadata.EXPERIMENT_TAG])
    infos = {h.name: h.type for h in experiment.hparam_infos}
    check(problems, infos == HPARAM_TYPES, f"experiment hparam_infos {infos}")
    metric_tags = [m.name.tag for m in experiment.metric_infos]
    check(problems, metric_tags == sorted(METRICS), f"experiment metric_infos {metric_tags}")
    start = metadata.parse_session_start_info_plugin_data(contents[metadata.SESSION_START_INFO_TAG])
    values = {k: getattr(v, v.WhichOneof("kind")) for k, v in start.hparams.items()}
    check(problems, values == HPARAMS, f"session_start_info hparams {values}")
    end = metadata.parse_session_end_info_plugin_data(contents[metadata.SESSION_END_INFO_TAG])
    check(problems, end.status == api_pb2.STATUS_SUCCESS, f"session_end_info status {end.status}")
    print(f"plugin_data_pb2: experiment hparams {sorted(infos)} metrics {metric_tags}; session_start {values}; "
          f"session_end {api_pb2.Status.Name(end.status)}")


def hparams_dashboard(logdir):
    """The HParams dashboard's backend over `logdir`: (backend, request context, experiment), as TensorBoard serves it."""
    multiplexer = plugin_event_multiplexer.EventMultiplexer()
    multiplexer.AddRunsFromDirectory(logdir)
    multiplexer.Reload()
    provider = data_provider.MultiplexerDataProvider(multiplexer, logdir)
    backend = backend_context.Context(base_plugin.TBContext(logdir=logdir, data_provider=provider,
                                                            multiplexer=multiplexer))
    request_context = context.RequestContext()
    experiment = get_experiment.Handler(request_context, backend, "", api_pb2.GetExperimentRequest()).run()
    return backend, request_context, experiment


def check_dashboard(folder, problems):
    logdir = tempfile.mkdtemp()
    try:
        shutil.copytree(folder, os.path.join(logdir, "trial"))
        backend, request_context, experiment = hparams_dashboard(logdir)
        names = sorted(h.name for h in experiment.hparam_infos)
        check(problems, names == sorted(HPARAMS), f"dashboard experiment hparams {names}")
        request = api_pb2.ListSessionGroupsRequest(
            start_index=0, slice_size=10, allowed_statuses=[api_pb2.STATUS_SUCCESS],
            col_params=[api_pb2.ColParams(metric=api_pb2.MetricName(tag=t)) for t in sorted(METRICS)])
        groups = list_session_groups.Handler(request_context, backend, "", request).run()
        check(problems, groups.total_size == 1, f"dashboard session groups {groups.total_size}")
        if groups.session_groups:
            group = groups.session_groups[0]
            values = {k: getattr(v, v.WhichOneof("kind")) for k, v in group.hparams.items()}
            metrics = {m.name.tag: m.value for m in group.metric_values}
            statuses = [api_pb2.Status.Name(s.status) for s in group.sessions]
            check(problems, values == HPARAMS, f"dashboard hparams {values}")
            check(problems, metrics == METRICS, f"dashboard metrics {metrics}")
            check(problems, statuses == ["STATUS_SUCCESS"], f"dashboard sessions {statuses}")
            print(f"HParams dashboard: 1 session group {group.name!r}: hparams {values}, metrics {metrics}, "
                  f"sessions {statuses}")
    finally:
        shutil.rmtree(logdir)


def main(folder):
    files = glob.glob(os.path.join(folder, "events.out.tfevents.*"))
    if len(files) != 1:
        print(f"expected one event file in {folder}, found {len(files)}")
        return 1
    name = os.path.basename(files[0])
    problems = []
    check(problems, re.fullmatch(r"events\.out\.tfevents\.1700000000\.[^/]+", name) is not None, f"file name {name}")
    check_records(files[0], problems)
    contents = check_scalars(folder, problems)
    check_hparams_summaries(contents, problems)
    check_dashboard(folder, problems)
    for problem in problems:
        print("MISMATCH", problem)
    print("OK: TensorBoard reads every tag, step, value and hparams summary" if not problems
          else f"{len(problems)} mismatches")
    return 0 if not problems else 1


EPOCH_TAGS = {"epoch/train_loss": "trainLoss", "epoch/train_accuracy": "trainAccuracy",
              "epoch/validation_loss": "validationLoss", "epoch/validation_accuracy": "validationAccuracy",
              "epoch/learning_rate": "learningRate"}


def check_run(folder):
    problems = []
    files = sorted(glob.glob(os.path.join(folder, "events.out.tfevents.*")))
    check(problems, len(files) >= 1, f"no event file in {folder}")
    for path in files:
        reader = pywrap_tensorflow.PyRecordReader_New(path)
        count = 0
        while True:
            try:
                reader.GetNext()
            except errors.OutOfRangeError:
                break
            count += 1
        events = list(event_file_loader.EventFileLoader(path).Load())
        markers = [e.step for e in events if e.HasField("session_log") and e.session_log.status == e.session_log.START]
        check(problems, events and events[0].file_version == "brain.Event:2", f"{path}: file_version")
        print(f"{os.path.basename(path)}: {count} records, both CRC-32Cs verified; purge markers (SessionLog START) "
              f"at steps {markers}")
    acc = event_accumulator.EventAccumulator(folder, size_guidance={event_accumulator.SCALARS: 0})
    acc.Reload()
    scalars = {tag: [(e.step, e.value) for e in acc.Scalars(tag)] for tag in acc.Tags()["scalars"]}
    with open(os.path.join(folder, "history.json")) as f:
        history = json.load(f)["epochs"]
    epochs = scalars.get("epoch", [])
    check(problems, [v for _, v in epochs] == [float(e["epoch"]) for e in history],
          f"epoch scalar {epochs} != history epochs {[e['epoch'] for e in history]}")
    last = epochs[-1][0] if epochs else 0
    for tag in ("train/loss", "train/learning_rate"):
        steps = [s for s, _ in scalars.get(tag, [])]
        check(problems, steps == list(range(1, last + 1)), f"{tag}: steps {steps} != 1...{last}")
        print(f"EventAccumulator {tag}: {len(steps)} points, steps {steps[:3]}…{steps[-3:]}, each once")
    for tag, key in EPOCH_TAGS.items():
        expected = [(s, f32(e[key])) for (s, _), e in zip(epochs, history) if e.get(key) is not None]
        got = scalars.get(tag, [])
        check(problems, got == expected, f"{tag}: {got} != history.json {expected}")
        print(f"EventAccumulator {tag}: " + ", ".join(f"step {s} = {v!r}" for s, v in got))
    for problem in problems:
        print("MISMATCH", problem)
    print("OK: TensorBoard shows each step once and the epoch scalars of history.json" if not problems
          else f"{len(problems)} mismatches")
    return 0 if not problems else 1


SEARCH_METRICS = ["hparams/val_accuracy", "hparams/val_loss"]


def check_search(folder):
    problems = []
    with open(os.path.join(folder, "results.json")) as f:
        results = json.load(f)
    trials = {f"trials/{t['number']:03d}": t for t in results["trials"]}
    for run, trial in trials.items():
        files = glob.glob(os.path.join(folder, run, "events.out.tfevents.*.hparams"))
        check(problems, len(files) == 1, f"{run}: {len(files)} hparams event files")
        for path in files:
            reader = pywrap_tensorflow.PyRecordReader_New(path)
            count = 0
            while True:
                try:
                    reader.GetNext()
                except errors.OutOfRangeError:
                    break
                count += 1
            print(f"{run}/{os.path.basename(path)}: {count} records, both CRC-32Cs verified")
    backend, request_context, experiment = hparams_dashboard(folder)
    names = sorted(h.name for h in experiment.hparam_infos)
    metric_tags = sorted(m.name.tag for m in experiment.metric_infos)
    check(problems, names == sorted(results["keys"]), f"dashboard hparams {names} != {sorted(results['keys'])}")
    check(problems, metric_tags == SEARCH_METRICS, f"dashboard metrics {metric_tags}")
    print(f"HParams dashboard experiment: hparams {names}, metrics {metric_tags}")
    request = api_pb2.ListSessionGroupsRequest(
        start_index=0, slice_size=1000,
        allowed_statuses=[api_pb2.STATUS_UNKNOWN, api_pb2.STATUS_SUCCESS, api_pb2.STATUS_FAILURE,
                          api_pb2.STATUS_RUNNING],
        col_params=[api_pb2.ColParams(metric=api_pb2.MetricName(tag=t)) for t in SEARCH_METRICS])
    groups = list_session_groups.Handler(request_context, backend, "", request).run()
    sessions = {s.name: (g, s) for g in groups.session_groups for s in g.sessions}
    ended = {run: t for run, t in trials.items() if t["status"] in ("done", "failed", "stopped")}
    check(problems, sorted(sessions) == sorted(ended), f"dashboard sessions {sorted(sessions)} != {sorted(ended)}")
    metric_tag = "hparams/" + results["metric"]
    for run in sorted(sessions):
        group, session = sessions[run]
        trial = trials.get(run, {})
        values = {k: getattr(v, v.WhichOneof("kind")) for k, v in group.hparams.items()}
        for parameter in trial.get("parameters", []):
            key, text = parameter.split("=", 1)
            value = values.get(key)
            expected = (float(text) if isinstance(value, float) else text == "true" if isinstance(value, bool)
                        else text)
            check(problems, value == expected, f"{run}: {key} = {value!r}, expected {text}")
        status = api_pb2.Status.Name(session.status)
        expected_status = "STATUS_FAILURE" if trial.get("status") == "failed" else "STATUS_SUCCESS"
        check(problems, status == expected_status, f"{run}: status {status}, expected {expected_status}")
        metrics = {m.name.tag: m.value for m in session.metric_values}
        if trial.get("metric") is not None:
            check(problems, metrics.get(metric_tag) == f32(trial["metric"]),
                  f"{run}: {metric_tag} {metrics.get(metric_tag)} != results.json {trial['metric']}")
        else:
            check(problems, not metrics, f"{run}: metrics {metrics} for a trial without a metric")
        print(f"HParams table row {run} ({trial.get('status')}): {values}, {status}, metrics {metrics}")
    for problem in problems:
        print("MISMATCH", problem)
    print("OK: the HParams table shows every trial with its values, status and metrics" if not problems
          else f"{len(problems)} mismatches")
    return 0 if not problems else 1


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--run":
        sys.exit(check_run(sys.argv[2]))
    if len(sys.argv) == 3 and sys.argv[1] == "--search":
        sys.exit(check_search(sys.argv[2]))
    if len(sys.argv) != 2:
        print(__doc__)
        sys.exit(2)
    sys.exit(main(sys.argv[1]))
