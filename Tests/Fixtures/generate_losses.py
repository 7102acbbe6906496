#!/usr/bin/env python3
"""Reference values for Descent's losses (Sources/Descent/Losses) and a safetensors file written by PyTorch.

Writes, under Tests/DescentTests/Fixtures/:

losses.json
    {"cases": [...]}, one case per loss and option combination (reductions, class weights, ignore index, label
    smoothing, probability targets, pos_weight, beta/delta, log_target, batchmean). A case holds

        loss        the torch.nn.functional name: mse_loss, l1_loss, smooth_l1_loss, huber_loss, cross_entropy,
                    nll_loss, binary_cross_entropy, binary_cross_entropy_with_logits, kl_div
        reduction   "mean", "sum", "none" (or "batchmean" for kl_div)
        options     ignoreIndex, labelSmoothing, beta, delta, logTarget where the case sets them
        input       the input tensor; target (a tensor) or targetIndices (class indices, row-major)
        weight, posWeight    optional constant tensors
        output      the loss
        probe       a fixed random tensor of the output's shape
        inputGrad   d sum(output * probe) / d input
        targetGrad  d sum(output * probe) / d target, where the target is differentiable (absent otherwise)

    Inputs, targets, weights and probes are rounded to 7 significant digits and to float32 before PyTorch uses
    them, and the losses run in float64, so the stored values are the exact answers for the float32 numbers
    Swift reads; Swift compares with a relative tolerance of 1e-4.

torch_written.safetensors, torch_written.json
    A file written by safetensors.torch.save_file (F32 4-D and 1-D, an I64 scalar, an I64 vector, F16, BF16,
    F64, I32, U8 and an empty tensor, with metadata), and its expected contents: metadata and, in data order,
    each tensor's name, dtype, shape and values (as float, exactly the values the file holds).

Run: python3 Tests/Fixtures/generate_losses.py   (needs torch and safetensors; deterministic, seeded)
"""
import json
import os
import struct
import warnings

import torch
import torch.nn.functional as F
from safetensors.torch import save_file

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_DIR = os.path.join(HERE, "..", "DescentTests", "Fixtures")
DIGITS = 7
F64 = torch.float64
CASES = []
# kl_div's advice to prefer 'batchmean': the 'mean' cases are wanted.
warnings.filterwarnings("ignore", message="reduction: 'mean' divides")
GEN = torch.Generator().manual_seed(20240611)


def q(t):
    """float32 values that print exactly with DIGITS significant digits, as float64 (what Swift reads)."""
    vals = [float("%.*g" % (DIGITS, v)) for v in t.detach().double().reshape(-1).tolist()]
    return torch.tensor(vals, dtype=torch.float32).reshape(t.shape).double()


def tj(t):
    """FixtureTensor JSON; values below float32's normal range (as 1e-79 from exp(-180)) are flushed to 0, which
    Swift's JSONDecoder would otherwise reject as a Float and which the relative-error floor ignores anyway."""
    vals = [float("%.*g" % (DIGITS, v)) for v in t.detach().double().reshape(-1).tolist()]
    return {"shape": list(t.shape), "data": [0.0 if abs(v) < 1.2e-38 else v for v in vals]}


def randn(*shape, scale=1.0):
    return torch.randn(shape, generator=GEN, dtype=F64) * scale


def rand(*shape):
    return torch.rand(shape, generator=GEN, dtype=F64)


def add_case(name, loss, reduction, fn, x, target=None, indices=None, target_grad=False, weight=None,
             pos_weight=None, **options):
    """Runs fn(input, target) in float64 and records output, probe and gradients."""
    x = q(x).requires_grad_()
    t = None
    if target is not None:
        t = q(target)
        if target_grad:
            t.requires_grad_()
    if t is None:
        # Class indices; a 1-D input (one sample) takes a 0-D target in PyTorch.
        t_idx = torch.tensor(indices if x.dim() > 1 else indices[0], dtype=torch.long)
        if x.dim() > 2:
            t_idx = t_idx.reshape([x.shape[0]] + list(x.shape[2:]))
    out = fn(x, t if t is not None else t_idx)
    probe = q(torch.randn(out.shape, generator=GEN, dtype=F64))
    (out * probe).sum().backward()
    case = {"name": name, "loss": loss, "reduction": reduction, "input": tj(x), "output": tj(out),
            "probe": tj(probe), "inputGrad": tj(x.grad)}
    if t is not None:
        case["target"] = tj(t)
    if indices is not None:
        case["targetIndices"] = list(indices)
    if target_grad:
        case["targetGrad"] = tj(t.grad)
    if weight is not None:
        case["weight"] = tj(weight)
    if pos_weight is not None:
        case["posWeight"] = tj(pos_weight)
    for k, v in options.items():
        case[k] = v
    CASES.append(case)


REDUCTIONS = ["mean", "sum", "none"]

# ------------------------------------------------------------------------------------- regression losses
for shape in [(4, 5), (2, 3, 2)]:
    sname = "x".join(map(str, shape))
    for r in REDUCTIONS:
        add_case(f"mse_{sname}_{r}", "mse_loss", r, lambda a, b, r=r: F.mse_loss(a, b, reduction=r),
                 randn(*shape), randn(*shape), target_grad=True)
        add_case(f"l1_{sname}_{r}", "l1_loss", r, lambda a, b, r=r: F.l1_loss(a, b, reduction=r),
                 randn(*shape), randn(*shape), target_grad=True)
for beta in [1.0, 0.5, 2.0, 0.0]:
    for r in REDUCTIONS:
        add_case(f"smooth_l1_beta{beta}_{r}", "smooth_l1_loss", r,
                 lambda a, b, r=r, beta=beta: F.smooth_l1_loss(a, b, reduction=r, beta=beta),
                 randn(4, 5, scale=1.5), randn(4, 5, scale=1.5), target_grad=True, beta=beta)
for delta in [1.0, 0.5, 2.0]:
    for r in REDUCTIONS:
        add_case(f"huber_delta{delta}_{r}", "huber_loss", r,
                 lambda a, b, r=r, delta=delta: F.huber_loss(a, b, reduction=r, delta=delta),
                 randn(4, 5, scale=1.5), randn(4, 5, scale=1.5), target_grad=True, delta=delta)

# ------------------------------------------------------------------------------- class-index losses
CLASS_SHAPES = {"2d": (6, 5), "1d": (5,), "4d": (2, 3, 2, 2)}


def class_targets(shape, variant):
    """Targets in row-major order of [N, d1, ...]; `variant` decides which ones are ignored."""
    classes = shape[1] if len(shape) > 1 else shape[0]
    positions = 1 if len(shape) == 1 else shape[0] * (torch.tensor(shape[2:]).prod().item() if len(shape) > 2 else 1)
    t = torch.randint(0, classes, (positions,), generator=GEN).tolist()
    if variant == "ignore_default":
        t[1] = -100
        t[-1] = -100
        return t, {}
    if variant == "ignore_custom":
        t[0] = 1
        t[2] = 1
        t[1] = 0
        return t, {"ignoreIndex": 1}
    return t, {}


for sname, shape in CLASS_SHAPES.items():
    classes = shape[1] if len(shape) > 1 else shape[0]
    variants = ["plain"] if len(shape) == 1 else ["plain", "ignore_default", "ignore_custom"]
    for variant in variants:
        for weighted in [False, True]:
            for r in REDUCTIONS:
                targets, opts = class_targets(shape, variant)
                w = q(rand(classes) + 0.5) if weighted else None
                ignore = opts.get("ignoreIndex", -100)
                for ls in [0.0, 0.1]:
                    add_case(f"cross_entropy_{sname}_{variant}_{'w' if weighted else 'nw'}_ls{ls}_{r}", "cross_entropy",
                             r, lambda a, t, r=r, w=w, ignore=ignore, ls=ls:
                             F.cross_entropy(a, t, weight=w, ignore_index=ignore, reduction=r, label_smoothing=ls),
                             randn(*shape, scale=2), indices=targets, weight=w, labelSmoothing=ls, **opts)
                add_case(f"nll_{sname}_{variant}_{'w' if weighted else 'nw'}_{r}", "nll_loss", r,
                         lambda a, t, r=r, w=w, ignore=ignore:
                         F.nll_loss(a, t, weight=w, ignore_index=ignore, reduction=r),
                         torch.log_softmax(randn(*shape), dim=1 if len(shape) > 1 else 0), indices=targets,
                         weight=w, **opts)

# Large logits: the fused kernel must stay finite and exact.
for r in REDUCTIONS:
    add_case(f"cross_entropy_large_logits_{r}", "cross_entropy", r,
             lambda a, t, r=r: F.cross_entropy(a, t, reduction=r),
             torch.tensor([[1000.0, -1000.0, 0.0, 999.0], [-500.0, -520.0, -510.0, -505.0], [88.0, 90.0, 1e-3, -90.0]],
                          dtype=F64), indices=[3, 1, 0])

# Probability targets (soft labels), differentiable in the target as in PyTorch.
for sname, shape in CLASS_SHAPES.items():
    classes = shape[1] if len(shape) > 1 else shape[0]
    dim = 1 if len(shape) > 1 else 0
    for weighted in [False, True]:
        for ls in [0.0, 0.2]:
            for r in REDUCTIONS:
                w = q(rand(classes) + 0.5) if weighted else None
                add_case(f"cross_entropy_probs_{sname}_{'w' if weighted else 'nw'}_ls{ls}_{r}", "cross_entropy", r,
                         lambda a, t, r=r, w=w, ls=ls: F.cross_entropy(a, t, weight=w, reduction=r, label_smoothing=ls),
                         randn(*shape, scale=2), torch.softmax(randn(*shape), dim=dim), target_grad=True,
                         weight=w, labelSmoothing=ls)

# ------------------------------------------------------------------------------------ binary losses
for r in REDUCTIONS:
    for wname, w in [("nw", None), ("wfull", q(rand(4, 5) + 0.5)), ("wrow", q(rand(5) + 0.5))]:
        add_case(f"bce_{wname}_{r}", "binary_cross_entropy", r,
                 lambda a, b, r=r, w=w: F.binary_cross_entropy(a, b, weight=w, reduction=r),
                 torch.sigmoid(randn(4, 5, scale=2)), rand(4, 5), target_grad=True, weight=w)
    # Exact 0 and 1: the logs clamp at -100 and the gradient uses max(x(1-x), 1e-12), as in PyTorch.
    x = torch.tensor([[0.0, 1.0, 0.0, 1.0, 0.25], [0.5, 1e-30, 1.0, 0.0, 0.75]], dtype=F64)
    y = torch.tensor([[0.0, 1.0, 1.0, 0.0, 1.0], [0.5, 0.0, 0.3, 0.7, 0.0]], dtype=F64)
    add_case(f"bce_extremes_{r}", "binary_cross_entropy", r,
             lambda a, b, r=r: F.binary_cross_entropy(a, b, reduction=r), x, y)
    for wname, w in [("nw", None), ("w", q(rand(5) + 0.5))]:
        for pname, pw in [("np", None), ("pw", q(rand(5) * 3 + 0.2))]:
            add_case(f"bce_logits_{wname}_{pname}_{r}", "binary_cross_entropy_with_logits", r,
                     lambda a, b, r=r, w=w, pw=pw:
                     F.binary_cross_entropy_with_logits(a, b, weight=w, pos_weight=pw, reduction=r),
                     randn(4, 5, scale=3), rand(4, 5), target_grad=True, weight=w, pos_weight=pw)
    pw = q(torch.tensor([0.5, 2.0, 4.0], dtype=F64))
    add_case(f"bce_logits_large_{r}", "binary_cross_entropy_with_logits", r,
             lambda a, b, r=r, pw=pw: F.binary_cross_entropy_with_logits(a, b, pos_weight=pw, reduction=r),
             torch.tensor([[60.0, -60.0, 0.0], [-100.0, 100.0, 20.0]], dtype=F64),
             torch.tensor([[1.0, 0.0, 0.5], [1.0, 0.0, 1.0]], dtype=F64), target_grad=True, pos_weight=pw)
    pw = q(rand(4) * 2 + 0.5)
    add_case(f"bce_logits_3d_pw_{r}", "binary_cross_entropy_with_logits", r,
             lambda a, b, r=r, pw=pw: F.binary_cross_entropy_with_logits(a, b, pos_weight=pw, reduction=r),
             randn(2, 3, 4, scale=2), (rand(2, 3, 4) > 0.5).double(), target_grad=True, pos_weight=pw)

# ---------------------------------------------------------------------------------------- KL divergence
for r in ["mean", "sum", "none", "batchmean"]:
    for log_target in [False, True]:
        target = torch.softmax(randn(4, 5), dim=1)
        if log_target:
            target = torch.log(target)
        add_case(f"kl_div_{r}_{'log' if log_target else 'prob'}", "kl_div", r,
                 lambda a, b, r=r, lt=log_target: F.kl_div(a, b, reduction=r, log_target=lt),
                 torch.log_softmax(randn(4, 5), dim=1), target, target_grad=True, logTarget=log_target)
    # Zeros in the target contribute 0 (xlogy); the target gradient there is NaN in PyTorch, so not stored.
    target = torch.softmax(randn(3, 4), dim=1)
    target[0, 1] = 0.0
    target[2, 3] = 0.0
    add_case(f"kl_div_zero_target_{r}", "kl_div", r,
             lambda a, b, r=r: F.kl_div(a, b, reduction=r), torch.log_softmax(randn(3, 4), dim=1), target,
             logTarget=False)


# ------------------------------------------------------------------------------------------ safetensors
def write_torch_safetensors():
    g = torch.Generator().manual_seed(7)
    tensors = {
        "conv.weight": torch.randn(2, 3, 2, 2, generator=g),
        "bn.running_mean": torch.randn(3, generator=g),
        "bn.num_batches_tracked": torch.tensor(7, dtype=torch.int64),
        "steps": torch.tensor([-3, 0, 16777216, 123456], dtype=torch.int64),
        "half": torch.tensor([0.5, -2.0, 65504.0, 6.1035156e-05, 5.9604645e-08, -0.0, 1.0009766], dtype=torch.float16),
        "brain": torch.tensor([1.0, -3.140625, 1.0e20, 2.5e-20], dtype=torch.bfloat16),
        "double": torch.tensor([[1.0 / 3.0, -2.5], [1e-3, 12345.678]], dtype=torch.float64),
        "counts": torch.tensor([-7, 0, 2147483647], dtype=torch.int32),
        "bytes": torch.tensor([0, 1, 128, 255], dtype=torch.uint8),
        "empty": torch.zeros(0, 3),
    }
    metadata = {"format": "pt"}  # one key: Rust orders a map's keys at random, and the file stays byte-reproducible
    path = os.path.join(OUT_DIR, "torch_written.safetensors")
    save_file(tensors, path, metadata=metadata)
    os.chmod(path, 0o644)  # save_file creates it private (0600)
    # Data order, read from the file's own header.
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
    names = sorted((k for k in header if k != "__metadata__"), key=lambda k: tuple(header[k]["data_offsets"]) + (k,))
    entries = []
    for name in names:
        t = tensors[name]
        entries.append({"name": name, "dtype": header[name]["dtype"], "shape": list(t.shape),
                        "data": [float(v) for v in t.double().reshape(-1).tolist()]})
    with open(os.path.join(OUT_DIR, "torch_written.json"), "w") as f:
        json.dump({"metadata": metadata, "tensors": entries}, f, indent=1)
        f.write("\n")
    return len(entries)


if __name__ == "__main__":
    path = os.path.join(OUT_DIR, "losses.json")
    text = json.dumps({"generator": "Tests/Fixtures/generate_losses.py", "torch": torch.__version__, "cases": CASES},
                      separators=(",", ":"), allow_nan=False)
    with open(path, "w") as f:
        f.write(text + "\n")
    print(f"wrote {os.path.normpath(path)}: {len(CASES)} cases, {len(text) / 1024:.1f} KiB")
    print(f"wrote torch_written.safetensors: {write_torch_safetensors()} tensors")
