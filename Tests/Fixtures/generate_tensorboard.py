"""Writes Tests/DescentTrainTests/Fixtures/tensorboard/torch_written.tfevents with TensorBoard's own writer.

Run from the repository root: `python3 Tests/Fixtures/generate_tensorboard.py` (needs torch and tensorboard:
`python3 -m pip install torch tensorboard`). torch.utils.tensorboard.SummaryWriter writes through TensorBoard's
EventFileWriter: a few add_scalar calls (simple_value, one new_style tensor scalar), then the three HParams
summaries of torch.utils.tensorboard.summary.hparams and the metric scalar, as add_hparams does (add_hparams
itself would open a second writer in a timestamped sub-folder; this keeps everything in one file). Wall times
are given explicitly except the first event's (file_version), which the writer stamps with the current time.
TensorBoardFixtureTests reads the file with TensorBoardReader and checks the values listed here.
"""
import glob
import os
import shutil
import tempfile

from torch.utils.tensorboard import SummaryWriter
from torch.utils.tensorboard.summary import hparams

OUT = os.path.join(os.path.dirname(__file__), "..", "DescentTrainTests", "Fixtures", "tensorboard",
                   "torch_written.tfevents")

SCALARS = [  # tag, value, step, wall time
    ("loss/train", 2.5, 0, 1700000000.0),
    ("loss/train", 1.25, 1, 1700000001.5),
    ("accuracy/train", 0.75, 1, 1700000001.5),
    ("learning_rate", 0.001, 1, 1700000001.5),
    ("loss/train", -0.0625, 100, 1700000002.0),
]
NEW_STYLE = ("loss/validation", 0.5, 2, 1700000003.0)
HPARAMS = {"lr": 0.01, "batch_size": 32, "optimizer": "adam"}
METRICS = {"hparam/accuracy": 0.875}
HPARAMS_TIME = 1700000004.0


def main():
    folder = tempfile.mkdtemp()
    try:
        with SummaryWriter(log_dir=folder) as w:
            for tag, value, step, time in SCALARS:
                w.add_scalar(tag, value, step, walltime=time)
            tag, value, step, time = NEW_STYLE
            w.add_scalar(tag, value, step, walltime=time, new_style=True)
            for summary in hparams(HPARAMS, METRICS):
                w.file_writer.add_summary(summary, None, HPARAMS_TIME)
            for tag, value in METRICS.items():
                w.add_scalar(tag, value, None, walltime=HPARAMS_TIME)
        (written,) = glob.glob(os.path.join(folder, "events.out.tfevents.*"))
        os.makedirs(os.path.dirname(OUT), exist_ok=True)
        shutil.copyfile(written, OUT)
    finally:
        shutil.rmtree(folder)
    print(f"wrote {os.path.relpath(OUT)} ({os.path.getsize(OUT)} bytes)")


if __name__ == "__main__":
    main()
