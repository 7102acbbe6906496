#!/usr/bin/env python3
"""Checks that PyTorch reads a safetensors file written by Descent (the other direction of torch_written.safetensors).

The Swift test SafeTensorsTests.descentWrittenFileForPython writes the file when DESCENT_SAFETENSORS_OUT names it:

    DESCENT_SAFETENSORS_OUT=/tmp/descent_written.safetensors \
        swift test --filter SafeTensorsTests/descentWrittenFileForPython
    python3 Tests/Fixtures/check_descent_written.py /tmp/descent_written.safetensors

This script loads it with safetensors.torch.load_file (and its metadata with safe_open) and compares every tensor's
dtype, shape and values, bit for bit, with the values the Swift test writes (kept in step with
descentWrittenEntries() there). Exit status 0 when everything matches.
"""
import math
import sys

import torch
from safetensors import safe_open
from safetensors.torch import load_file

EXPECTED = {
    "linear.weight": (torch.float32, [2, 3], [(i - 2.5) * 0.25 for i in range(6)]),
    "conv.weight": (torch.float32, [2, 1, 2, 2], [i / 8 - 0.5 for i in range(8)]),
    "bn.num_batches_tracked": (torch.int64, [], [42]),
    "steps": (torch.int64, [3], [-5, 0, 16777216]),
    "empty": (torch.float32, [0, 4], []),
    "special": (torch.float32, [5], [math.nan, math.inf, -math.inf, -0.0, 1.401298464324817e-45]),
}
METADATA = {"producer": "descent", "note": "quote \" backslash \\ tab \t üñí"}


def same(a, b):
    """Equal as numbers, NaN equal to NaN, and -0.0 distinct from 0.0."""
    if isinstance(a, float) and math.isnan(a):
        return isinstance(b, float) and math.isnan(b)
    return a == b and math.copysign(1, a) == math.copysign(1, b)


def main(path):
    tensors = load_file(path)
    with safe_open(path, framework="pt") as f:
        metadata = f.metadata()
        order = list(f.keys())
    problems = []
    if set(tensors) != set(EXPECTED):
        problems.append(f"names {sorted(tensors)} != {sorted(EXPECTED)}")
    for name, (dtype, shape, values) in EXPECTED.items():
        t = tensors.get(name)
        if t is None:
            continue
        if t.dtype != dtype:
            problems.append(f"{name}: dtype {t.dtype} != {dtype}")
        if list(t.shape) != shape:
            problems.append(f"{name}: shape {list(t.shape)} != {shape}")
        got = t.reshape(-1).tolist()
        want = [float(v) if dtype.is_floating_point else int(v) for v in values]
        if dtype.is_floating_point:
            want = torch.tensor(want, dtype=torch.float32).tolist()  # the float32 values Swift wrote
        if len(got) != len(want) or not all(same(a, b) for a, b in zip(got, want)):
            problems.append(f"{name}: values {got} != {want}")
    if metadata != METADATA:
        problems.append(f"metadata {metadata!r} != {METADATA!r}")
    if problems:
        print("MISMATCH in " + path)
        for p in problems:
            print("  " + p)
        return 1
    print(f"OK: {path}: {len(tensors)} tensors ({', '.join(order)}) and metadata match, read by "
          f"safetensors.torch.load_file (torch {torch.__version__})")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__)
        sys.exit(2)
    sys.exit(main(sys.argv[1]))
