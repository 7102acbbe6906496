#!/usr/bin/env python3
"""Checks Descent's ONNX export with ONNX's own checker and ONNX Runtime (`pip install onnx onnxruntime`).

The Swift test ONNXExportTests.writesReferenceFiles writes, when DESCENT_ONNX_REFERENCE_DIR names a folder, one
folder per exported model (every zoo model, two `model.layers` configs covering every layer kind, transposed
convolutions): model.onnx, input.npy (4 raw samples in [0, 1]) and output.npy (Descent's outputs for them, with the
run's normalisation applied as `descent predict` applies it):

    DESCENT_ONNX_REFERENCE_DIR=/tmp/descent-onnx swift test --skip-build --filter writesReferenceFiles
    python3 Tests/Fixtures/check_onnx_export.py /tmp/descent-onnx

For each model: onnx.checker.check_model(full_check=True) (which runs shape inference), opset and dynamic batch
dimension, then ONNX Runtime on the 4 samples as one batch and on each sample alone (the batch dimension is
dynamic; a text model's sample is cut to its length, its time dimension being dynamic too), compared with
Descent's outputs (for text models, on padded batches). The relative difference of a model is max|ort − descent| / max|descent|;
it passes below 1e-4. Exit status 0 when every model passes.

A seq2seq export (int64 output; ONNXSeq2SeqExportTests.writesReferenceFiles writes seq2seq-gru and seq2seq-lstm-2
into the same folder, `--filter writesReferenceFiles` runs both) holds one Loop, the greedy decoder: ONNX Runtime's
token ids [batch, steps] for the 6 padded sources must equal Descent's greedy decoding exactly (same steps, each
row's tokens, <eos>, then <pad>), and each source alone, cut to its length, must decode to its row; its column
counts the rows that differ (0 passes).

With --spellings MODEL.onnx NUMBERS.txt SPELLED.csv it compares the spellings that ONNX Runtime's greedy decoding
gives for a file of numbers (encoded with the `vocabulary` of the export's metadata) with the `prediction` column of
`descent predict --run` on the same file:

    descent export runs/seq2seq-numbers --output /tmp/seq2seq.onnx
    descent predict numbers.txt --run runs/seq2seq-numbers --output /tmp/spelled.csv
    python3 Tests/Fixtures/check_onnx_export.py --spellings /tmp/seq2seq.onnx numbers.txt /tmp/spelled.csv

With --predictions MODEL.onnx IMAGES PREDICTIONS.csv it compares instead the classes that ONNX Runtime gives for
an IDX image file (pixels scaled by 1/255, as `descent predict` reads them) with the `class` column of
`descent predict --run RUN_FOLDER IMAGES --output PREDICTIONS.csv`, and prints how many agree:

    descent export runs/mnist-cnn --output /tmp/mnist.onnx
    descent predict --run runs/mnist-cnn $DESCENT_DATA/mnist/t10k-images-idx3-ubyte.gz --output /tmp/predict.csv
    python3 Tests/Fixtures/check_onnx_export.py --predictions /tmp/mnist.onnx \
        $DESCENT_DATA/mnist/t10k-images-idx3-ubyte.gz /tmp/predict.csv
"""
import csv
import gzip
import json
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort

TOLERANCE = 1e-4


def session(path):
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    return ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])


def trimmed(row):
    """A row of token ids without its trailing <pad> (0) entries."""
    row = list(row)
    while row and row[-1] == 0:
        row.pop()
    return row


def check_decoding(sess, x, expected):
    """A seq2seq export's greedy decoding: the int64 ids [batch, steps] of the batch must equal Descent's exactly
    (the same steps), and each source alone, cut to its length, must decode to its row (trailing <pad> aside).
    Returns the number of rows that differ."""
    got = sess.run(None, {"input": x})[0]
    assert got.dtype == np.int64, f"output type {got.dtype}"
    expected = expected.astype(np.int64)
    assert got.shape == expected.shape, f"shape {got.shape}, Descent {expected.shape}"
    wrong = int((got != expected).any(axis=1).sum())
    for i in range(len(x)):
        alone = sess.run(None, {"input": x[i : i + 1, : max(1, int((x[i] != 0).sum()))]})[0][0]
        wrong += trimmed(alone) != trimmed(expected[i])
    return wrong


def check_model(folder):
    path = os.path.join(folder, "model.onnx")
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    opset = [o.version for o in model.opset_import if o.domain in ("", "ai.onnx")][0]
    assert opset >= 17, f"opset {opset}"
    batch = model.graph.input[0].type.tensor_type.shape.dim[0]
    assert batch.dim_param == "batch", f"input batch dimension {batch}"
    x = np.load(os.path.join(folder, "input.npy")).astype(np.float32)
    if model.graph.output[0].type.tensor_type.elem_type == onnx.TensorProto.INT64:
        expected = np.load(os.path.join(folder, "output.npy"))
        loops = [n for n in model.graph.node if n.op_type == "Loop"]
        assert len(loops) == 1, f"{len(loops)} Loop nodes"
        # Differing rows count as a relative difference of 1 each: any is a failure.
        return float(check_decoding(session(path), x, expected)), len(model.graph.node), opset, None
    expected = np.load(os.path.join(folder, "output.npy")).astype(np.float32)
    sess = session(path)
    got = sess.run(None, {"input": x})[0]
    time = model.graph.input[0].type.tensor_type.shape.dim[1] if x.ndim == 2 else None
    if time is not None and time.dim_param == "sequence":
        # A text model: each sequence alone, cut to its length (its non-zero token indices), so that both the dynamic
        # time axis and the padding's having no effect are checked.
        singles = np.concatenate(
            [sess.run(None, {"input": x[i : i + 1, : max(1, int((x[i] != 0).sum()))]})[0] for i in range(len(x))])
    else:
        singles = np.concatenate([sess.run(None, {"input": x[i : i + 1]})[0] for i in range(len(x))])
    assert got.shape == expected.shape, f"shape {got.shape}, Descent {expected.shape}"
    scale = max(float(np.abs(expected).max()), 1e-12)
    diff = max(float(np.abs(got - expected).max()), float(np.abs(singles - expected).max())) / scale
    meta = {p.key: p.value for p in model.metadata_props}
    names = json.loads(meta["class_names"]) if "class_names" in meta else None
    return diff, len(model.graph.node), opset, names


def check_folder(root):
    failures = 0
    print(f"onnx {onnx.__version__}, onnxruntime {ort.__version__}")
    print(f"{'model':<16} {'nodes':>5} {'opset':>5} {'rel. diff':>10}  result")
    for name in sorted(os.listdir(root)):
        folder = os.path.join(root, name)
        if not os.path.isfile(os.path.join(folder, "model.onnx")):
            continue
        try:
            diff, nodes, opset, names = check_model(folder)
            ok = diff < TOLERANCE
            print(f"{name:<16} {nodes:>5} {opset:>5} {diff:>10.2e}  {'ok' if ok else 'FAIL'}"
                  + (f"  ({len(names)} class names)" if names else ""))
        except Exception as e:  # noqa: BLE001 - every failure is reported, then counted
            ok = False
            print(f"{name:<16} FAIL: {type(e).__name__}: {e}")
        failures += 0 if ok else 1
    print("all models agree" if failures == 0 else f"{failures} model(s) failed")
    return failures == 0


def read_idx_images(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(dims)]
    pixels = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)
    return pixels.astype(np.float32) / 255


def check_run(model_path, images_path, predictions_csv):
    model = onnx.load(model_path)
    onnx.checker.check_model(model, full_check=True)
    sample = [d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim[1:]]
    x = read_idx_images(images_path)
    x = x.reshape([len(x)] + sample)
    sess = session(model_path)
    logits = np.concatenate([sess.run(None, {"input": x[i : i + 500]})[0] for i in range(0, len(x), 500)])
    ours = logits.argmax(axis=1)
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    probabilities = (shifted / shifted.sum(axis=1, keepdims=True)).max(axis=1)
    with open(predictions_csv) as f:
        header = f.readline().strip().split(",")
        column, p_column = header.index("class"), header.index("probability")
        rows = [line.split(",") for line in f if line.strip()]
    theirs = np.array([int(r[column]) for r in rows])
    their_p = np.array([float(r[p_column]) for r in rows])
    agree = int((ours == theirs).sum())
    print(f"{agree} of {len(theirs)} predictions agree between ONNX Runtime and descent predict; "
          f"top probability differs by at most {np.abs(probabilities - their_p).max():.2e} "
          "(descent predict writes 6 decimals)")
    return agree == len(theirs)


def check_spelling(model_path, numbers_path, predictions_csv):
    """ONNX Runtime's greedy decoding of a seq2seq export against `descent predict --run` on the same numbers."""
    model = onnx.load(model_path)
    onnx.checker.check_model(model, full_check=True)
    meta = {p.key: p.value for p in model.metadata_props}
    tokens = json.loads(meta["vocabulary"])
    index = {t: i for i, t in enumerate(tokens)}
    with open(numbers_path) as f:
        numbers = [str(int(line)) for line in f if line.strip()]
    ids = [[index.get(c, 1) for c in n] for n in numbers]  # characters; <unk> = 1
    width = max(len(i) for i in ids)
    x = np.array([i + [0] * (width - len(i)) for i in ids], dtype=np.float32)
    sess = session(model_path)
    rows = []
    for i in range(0, len(x), 256):
        rows += sess.run(None, {"input": x[i : i + 256]})[0].tolist()
    ours = []
    for row in rows:
        row = list(row)
        row = row[: row.index(3)] if 3 in row else row  # before <eos>
        ours.append(" ".join(tokens[t] for t in row if t > 3))  # specials skipped, as Vocabulary.decode does
    with open(predictions_csv) as f:
        theirs = [r["prediction"] for r in csv.DictReader(f)]
    agree = sum(a == b for a, b in zip(ours, theirs))
    print(f"{agree} of {len(theirs)} spellings agree between ONNX Runtime's Loop and descent predict"
          f" ({len(numbers)} numbers; e.g. {numbers[0]} -> '{ours[0]}')")
    return agree == len(theirs) == len(numbers)


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--predictions":
        sys.exit(0 if check_run(sys.argv[2], sys.argv[3], sys.argv[4]) else 1)
    if len(sys.argv) == 5 and sys.argv[1] == "--spellings":
        sys.exit(0 if check_spelling(sys.argv[2], sys.argv[3], sys.argv[4]) else 1)
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(0 if check_folder(sys.argv[1]) else 1)
