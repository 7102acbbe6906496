#!/usr/bin/env python3
"""Reference values for Descent's losses and (log-)softmax at extreme logits (±1e4) and at probabilities of
exactly 0 and 1 (issue 16, numerical robustness).

Writes Tests/DescentTests/Fixtures/extremes.json: {"cases": [...]}, each case

    name        what it checks
    op          cross_entropy, cross_entropy_probs (probability targets), log_softmax, softmax, sigmoid, binary_cross_entropy_with_logits,
                binary_cross_entropy, nll_loss, kl_div
    reduction   "none", "mean" or "sum" (losses only)
    options     labelSmoothing where the case sets it
    input       the input tensor; target (a tensor) or targetIndices (class indices)
    output      the result, computed by PyTorch in float64 from the float32 inputs
    probe       a fixed tensor of the output's shape
    inputGrad   d sum(output * probe) / d input

Every value is also computed by PyTorch in float32, and the script checks that those results (outputs and
gradients) are finite: PyTorch stays finite at ±1e4, and so must Descent. Swift compares its float32 results
with a relative tolerance of 1e-4 (floor 1e-3) and expects every value finite.

Run: python3 Tests/Fixtures/generate_extremes.py   (needs torch; deterministic)
"""
import json
import math
import os

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "DescentTests", "Fixtures", "extremes.json")
BIG = 1e4

LOGITS = [[BIG, -BIG, 0.0], [-BIG, -BIG, BIG], [BIG, BIG, -BIG], [-BIG, 0.0, BIG]]
PROBE3 = [[0.5, -1.25, 2.0], [1.5, 0.75, -0.5], [-1.0, 0.25, 1.0], [0.125, -2.0, 0.5]]
PROBE4 = [0.5, -1.25, 2.0, 1.5]
PROBE6 = [0.5, -1.25, 2.0, 1.5, -0.75, 1.0]


def tj(t):
    return {"shape": list(t.shape), "data": [float("%.9g" % v) for v in t.detach().double().reshape(-1).tolist()]}


CASES = []


def case(name, op, fn, inp, probe, target=None, target_indices=None, reduction=None, **options):
    results = {}
    for dtype in (torch.float32, torch.float64):
        x = torch.tensor(inp, dtype=torch.float32).to(dtype).requires_grad_()
        y = None if target is None else torch.tensor(target, dtype=torch.float32).to(dtype)
        out = fn(x, y)
        p = torch.tensor(probe, dtype=dtype).reshape(out.shape)
        (out * p).sum().backward()
        results[dtype] = (x, y, out, p)
        if dtype == torch.float32:
            assert torch.isfinite(out).all() and torch.isfinite(x.grad).all(), (name, out, x.grad)
    x, y, out, p = results[torch.float64]
    c = {"name": name, "op": op, "input": tj(x), "output": tj(out), "probe": tj(p), "inputGrad": tj(x.grad)}
    if reduction is not None:
        c["reduction"] = reduction
    if y is not None:
        c["target"] = tj(y)
    if target_indices is not None:
        c["targetIndices"] = target_indices
    c.update(options)
    CASES.append(c)


TARGETS = [1, 2, 0, 0]
for reduction in ("none", "mean", "sum"):
    probe = PROBE4 if reduction == "none" else [1.0]
    case(
        f"cross_entropy ±1e4 {reduction}", "cross_entropy",
        lambda x, _, r=reduction: F.cross_entropy(x, torch.tensor(TARGETS), reduction=r),
        LOGITS, probe if reduction == "none" else 1.0, target_indices=TARGETS, reduction=reduction)
case(
    "cross_entropy ±1e4 label smoothing 0.1", "cross_entropy",
    lambda x, _: F.cross_entropy(x, torch.tensor(TARGETS), reduction="none", label_smoothing=0.1),
    LOGITS, PROBE4, target_indices=TARGETS, reduction="none", labelSmoothing=0.1)
case(
    "cross_entropy ±1e4 probability targets", "cross_entropy_probs",
    lambda x, y: F.cross_entropy(x, y, reduction="none"),
    LOGITS, PROBE4, target=[[0.0, 1.0, 0.0], [0.25, 0.25, 0.5], [0.5, 0.5, 0.0], [1.0, 0.0, 0.0]], reduction="none")
case("log_softmax ±1e4", "log_softmax", lambda x, _: F.log_softmax(x, dim=-1), LOGITS, PROBE3)
case("softmax ±1e4", "softmax", lambda x, _: F.softmax(x, dim=-1), LOGITS, PROBE3)
case("sigmoid ±1e4", "sigmoid", lambda x, _: torch.sigmoid(x), [BIG, -BIG, 0.0, 20.0, -20.0, -80.0], PROBE6)
for reduction in ("none", "mean"):
    case(
        f"bce_with_logits ±1e4 {reduction}", "binary_cross_entropy_with_logits",
        lambda x, y, r=reduction: F.binary_cross_entropy_with_logits(x, y, reduction=r),
        [BIG, -BIG, BIG, -BIG, 0.0, -BIG], PROBE6 if reduction == "none" else 1.0,
        target=[0.0, 1.0, 1.0, 0.0, 0.5, 0.25], reduction=reduction)
# Probabilities of exactly 0 and 1: log clamped at −100 (loss 100), gradient through max(x(1 − x), 1e-12).
case(
    "bce at 0 and 1 (log clamped at -100)", "binary_cross_entropy",
    lambda x, y: F.binary_cross_entropy(x, y, reduction="none"),
    [0.0, 1.0, 0.0, 1.0, 0.5, 1e-30], PROBE6, target=[1.0, 0.0, 0.0, 1.0, 0.5, 1.0], reduction="none")
# NLL of log-probabilities of −2e4 (what log_softmax gives at ±1e4).
case(
    "nll_loss of log_softmax ±1e4", "nll_loss",
    lambda x, _: F.nll_loss(x, torch.tensor(TARGETS), reduction="none"),
    F.log_softmax(torch.tensor(LOGITS, dtype=torch.float64), dim=-1).tolist(), PROBE4,
    target_indices=TARGETS, reduction="none")
# KL divergence: zero target probabilities contribute 0 even against log-probabilities of −2e4.
case(
    "kl_div zero targets, log-probabilities -2e4", "kl_div",
    lambda x, y: F.kl_div(x, y, reduction="none"),
    [[-2e4, 0.0, -BIG], [-0.6931471805599453, -0.6931471805599453, -2e4]], PROBE3[:2],
    target=[[0.0, 1.0, 0.0], [0.5, 0.5, 0.0]], reduction="none")

with open(OUT, "w") as f:
    json.dump({"cases": CASES}, f, indent=1)
    f.write("\n")
print(f"wrote {len(CASES)} cases to {os.path.relpath(OUT)}")
