#!/usr/bin/env python3
"""Writes Tests/DescentTests/Fixtures/core.json: PyTorch reference values for Descent's core tensor ops.

Every case has float32 inputs (generated under torch.manual_seed and rounded to two decimals, so that the
JSON stays small and the values are exact in float32), the forward outputs, fixed random weights per output,
and the gradients of  L = sum_i sum(output_i * weight_i)  with respect to every differentiable input.
References are computed in float64 from those float32 inputs and stored with 7 significant digits, so the
Swift side (float32) is compared against values that carry no float32 rounding of their own.

Format (the FixtureTensor format is {"shape": [...], "data": [...]}):
    {"cases": {NAME: {"group": "elementwise" | "unary" | ..., "inputs": [T], "outputs": [T],
                       "weights": [T | null], "grads": [T | null]}}}
A null weight marks a non-differentiable output (masks, indices); a null grad a non-differentiable input.
Integer outputs (argmax, max indices) are stored as float tensors.

Run from the repository root:  python3 Tests/Fixtures/generate_core.py
"""
import json
import os

import torch

torch.manual_seed(0)
F64 = torch.float64

CASES = {}


def rnd(*shape, lo=None, away=None, scale=1.0):
    """float32 normal samples rounded to 2 decimals; `lo` shifts |x| to be >= lo (positive inputs),
    `away` keeps every value at least that far from each point in the list (kinks)."""
    x = torch.randn(shape) * scale
    if lo is not None:
        x = x.abs() + lo
    x = torch.round(x * 100) / 100
    if away is not None:
        for k in away:
            d = x - k
            close = d.abs() < 0.05
            x = torch.where(close, k + torch.where(d >= 0, torch.tensor(0.1), torch.tensor(-0.1)), x)
        x = torch.round(x * 100) / 100
    return x.float()


def distinct(*shape, scale=0.1):
    """A random permutation of evenly spaced values: no ties anywhere (for max/min/argmax)."""
    n = 1
    for s in shape:
        n *= s
    v = (torch.randperm(n).float() - n // 2) * scale
    return (torch.round(v * 100) / 100).reshape(*shape)


def T(t):
    """A FixtureTensor. Magnitudes below float32's normal range are written as 0: Swift's JSONDecoder rejects a
    number that underflows Float (and float32 kernels produce 0 or a denormal there anyway)."""
    t = t.detach().to(F64).contiguous()
    data = [0.0 if abs(v) < 1e-37 else float(f"{v:.7g}") for v in t.reshape(-1).tolist()]
    return {"shape": list(t.shape), "data": data}


def case(group, name, fn, inputs, grad=None):
    """Records `fn(*inputs)` (a tensor or a tuple/list of tensors). `grad[i]` says whether input i is
    differentiable (default: all)."""
    assert name not in CASES, name
    grad = grad if grad is not None else [True] * len(inputs)
    xs = [x.to(F64).clone().requires_grad_(g) for x, g in zip(inputs, grad)]
    out = fn(*xs)
    outs = list(out) if isinstance(out, (tuple, list)) else [out]
    weights, loss = [], None
    for o in outs:
        if o.requires_grad and o.is_floating_point():
            w = torch.round(torch.randn(o.shape) * 100) / 100
            weights.append(w)
            term = (o * w.to(F64)).sum()
            loss = term if loss is None else loss + term
        else:
            weights.append(None)
    grads = [None] * len(xs)
    if loss is not None:
        gs = torch.autograd.grad(loss, [x for x in xs if x.requires_grad], allow_unused=True)
        it = iter(gs)
        for i, x in enumerate(xs):
            if x.requires_grad:
                g = next(it)
                grads[i] = T(g if g is not None else torch.zeros_like(x))
    CASES[name] = {
        "group": group,
        "inputs": [T(x) for x in inputs],
        "outputs": [T(o.to(F64)) for o in outs],
        "weights": [T(w) if w is not None else None for w in weights],
        "grads": grads,
    }


# ---------------------------------------------------------------------------------------------- elementwise
g = "elementwise"
case(g, "add_same", lambda a, b: a + b, [rnd(2, 3), rnd(2, 3)])
case(g, "add_row", lambda a, b: a + b, [rnd(2, 3), rnd(3)])
case(g, "add_scalar_tensor", lambda a, b: a + b, [rnd(2, 3), rnd()])
case(g, "add_both_broadcast", lambda a, b: a + b, [rnd(3, 1), rnd(1, 4)])
case(g, "sub_broadcast", lambda a, b: a - b, [rnd(2, 1, 4), rnd(3, 1)])
case(g, "mul_broadcast", lambda a, b: a * b, [rnd(2, 1, 4), rnd(3, 1)])
case(g, "mul_middle", lambda a, b: a * b, [rnd(2, 3, 4), rnd(3, 1)])
case(g, "div_broadcast", lambda a, b: a / b, [rnd(4, 3), rnd(4, 1, lo=0.5)])
case(g, "div_lead", lambda a, b: a / b, [rnd(3), rnd(2, 3, lo=0.5)])
case(g, "neg", lambda a: -a, [rnd(2, 3)])
case(g, "add_scalar", lambda a: a + 1.5, [rnd(2, 3)])
case(g, "sub_scalar", lambda a: a - 0.75, [rnd(2, 3)])
case(g, "rsub_scalar", lambda a: 2.0 - a, [rnd(2, 3)])
case(g, "mul_scalar", lambda a: a * 2.5, [rnd(2, 3)])
case(g, "div_scalar", lambda a: a / 4.0, [rnd(2, 3)])
case(g, "rdiv_scalar", lambda a: 3.0 / a, [rnd(2, 3, lo=0.5)])
case(g, "pow_tensor", lambda a, b: torch.pow(a, b), [rnd(2, 3, lo=0.5), rnd(3)])
case(g, "pow_scalar_2", lambda a: a ** 2, [rnd(2, 3)])
case(g, "pow_scalar_3", lambda a: a ** 3, [rnd(2, 3)])
case(g, "pow_scalar_frac", lambda a: a ** 2.5, [rnd(2, 3, lo=0.3)])
case(g, "pow_scalar_neg", lambda a: a ** -1.5, [rnd(2, 3, lo=0.5)])
case(g, "pow_tensor_zero_base", lambda a, b: torch.pow(a, b),
     [torch.tensor([[0.0, 0.0, 2.0], [1.5, 0.0, 0.5]]), torch.tensor([0.0, 2.0, 0.0])])
case(g, "maximum", lambda a, b: torch.maximum(a, b), [distinct(2, 3), distinct(3, scale=0.13) + 0.005])
case(g, "minimum", lambda a, b: torch.minimum(a, b), [distinct(3, 1), distinct(1, 4, scale=0.17) + 0.005])

# ---------------------------------------------------------------------------------------------- unary
g = "unary"
case(g, "exp", torch.exp, [rnd(2, 3)])
case(g, "log", torch.log, [rnd(2, 3, lo=0.2)])
case(g, "sqrt", torch.sqrt, [rnd(2, 3, lo=0.2)])
case(g, "rsqrt", torch.rsqrt, [rnd(2, 3, lo=0.2)])
case(g, "abs", torch.abs, [rnd(2, 3, away=[0])])
case(g, "sign", torch.sign, [torch.tensor([[-1.5, 0.0, 2.0], [0.3, -0.2, 0.0]])])
case(g, "tanh", torch.tanh, [rnd(2, 3, scale=2)])
case(g, "sigmoid", torch.sigmoid, [torch.cat([rnd(4, scale=2), torch.tensor([-30.0, 30.0])]).reshape(2, 3)])
case(g, "relu", torch.relu, [rnd(2, 3, away=[0])])
case(g, "clamp", lambda a: torch.clamp(a, -0.5, 0.5), [rnd(3, 4, away=[-0.5, 0.5])])
case(g, "clamp_min", lambda a: torch.clamp(a, min=-0.25), [rnd(3, 4, away=[-0.25])])
case(g, "clamp_max", lambda a: torch.clamp(a, max=0.3), [rnd(3, 4, away=[0.3])])
case(g, "sin", torch.sin, [rnd(2, 3, scale=2)])
case(g, "cos", torch.cos, [rnd(2, 3, scale=2)])
case(g, "squared", torch.square, [rnd(2, 3)])

# ---------------------------------------------------------------------------------------------- reductions
g = "reductions"
x234 = rnd(2, 3, 4)
case(g, "sum_all", lambda a: a.sum(), [x234])
case(g, "sum_axis0", lambda a: a.sum(0), [rnd(2, 3, 4)])
case(g, "sum_axis_last", lambda a: a.sum(-1), [rnd(2, 3, 4)])
case(g, "sum_axes_keepdim", lambda a: a.sum((0, 2), keepdim=True), [rnd(2, 3, 4)])
case(g, "sum_axis1_keepdim", lambda a: a.sum(1, keepdim=True), [rnd(2, 3, 4)])
case(g, "mean_all", lambda a: a.mean(), [rnd(2, 3, 4)])
case(g, "mean_axis1_keepdim", lambda a: a.mean(1, keepdim=True), [rnd(2, 3, 4)])
case(g, "mean_axes", lambda a: a.mean((0, 2)), [rnd(2, 3, 4)])
case(g, "var_axis1_c0", lambda a: a.var(1, correction=0), [rnd(3, 5)])
case(g, "var_axis1_c1", lambda a: a.var(1, correction=1), [rnd(3, 5)])
case(g, "var_axes_keepdim_c1", lambda a: a.var((0, 2), correction=1, keepdim=True), [rnd(2, 3, 4)])
case(g, "var_all_c0", lambda a: a.var(correction=0), [rnd(2, 3, 4)])
case(g, "var_all_c1", lambda a: a.var(), [rnd(2, 3, 4)])
case(g, "std_axis0_c0", lambda a: a.std(0, correction=0), [rnd(4, 3)])
case(g, "std_axis0_c1", lambda a: a.std(0, correction=1), [rnd(4, 3)])
case(g, "std_axes_keepdim_c0", lambda a: a.std((1, 2), correction=0, keepdim=True), [rnd(2, 3, 4)])
case(g, "std_all_c1", lambda a: a.std(), [rnd(2, 3, 4)])
case(g, "max_axis1", lambda a: (lambda r: (r.values, r.indices.to(F64)))(a.max(1)), [distinct(2, 3, 4)])
case(g, "max_axis0_keepdim", lambda a: (lambda r: (r.values, r.indices.to(F64)))(a.max(0, keepdim=True)),
     [distinct(3, 4)])
case(g, "min_axis_last", lambda a: (lambda r: (r.values, r.indices.to(F64)))(a.min(-1)), [distinct(2, 3, 4)])
case(g, "min_axis1_keepdim", lambda a: (lambda r: (r.values, r.indices.to(F64)))(a.min(1, keepdim=True)),
     [distinct(3, 4)])
case(g, "max_all", lambda a: a.max(), [distinct(3, 4)])
case(g, "min_all", lambda a: a.min(), [distinct(3, 4)])
case(g, "argmax_axis1", lambda a: a.argmax(1).to(F64), [distinct(2, 3, 4)], grad=[False])
case(g, "argmin_axis0", lambda a: a.argmin(0).to(F64), [distinct(2, 3, 4)], grad=[False])
case(g, "argmax_all", lambda a: a.argmax().to(F64), [distinct(3, 4)], grad=[False])
case(g, "argmin_all", lambda a: a.argmin().to(F64), [distinct(3, 4)], grad=[False])
case(g, "logsumexp_axis1", lambda a: torch.logsumexp(a, 1), [rnd(3, 4, scale=3)])
case(g, "logsumexp_axis0_keepdim", lambda a: torch.logsumexp(a, 0, keepdim=True), [rnd(3, 4, scale=3)])
case(g, "logsumexp_large", lambda a: torch.logsumexp(a, -1), [rnd(2, 3) + torch.tensor([100.0, -100.0, 0.0])])
case(g, "norm2_all", lambda a: torch.linalg.vector_norm(a), [rnd(2, 3, 4)])
case(g, "norm1_all", lambda a: torch.linalg.vector_norm(a, ord=1), [rnd(2, 3, 4, away=[0])])
case(g, "norm3_all", lambda a: torch.linalg.vector_norm(a, ord=3), [rnd(2, 3, 4, away=[0])])
case(g, "norm2_axis1_keepdim", lambda a: torch.linalg.vector_norm(a, dim=1, keepdim=True), [rnd(3, 4)])
case(g, "norm2_zero_row", lambda a: torch.linalg.vector_norm(a, dim=1), [torch.tensor([[0.0, 0.0], [3.0, -4.0]])])
case(g, "norm3_zero_all", lambda a: torch.linalg.vector_norm(a, ord=3), [torch.zeros(2, 2)])
case(g, "norm1_axis0", lambda a: torch.linalg.vector_norm(a, ord=1, dim=0), [rnd(3, 4, away=[0])])

# ---------------------------------------------------------------------------------------------- shape ops
g = "shapeops"
case(g, "reshape_infer", lambda a: a.reshape(3, -1), [rnd(2, 3, 2)])
case(g, "view", lambda a: a.view(4, 3), [rnd(2, 6)])
case(g, "flatten_middle", lambda a: a.flatten(1, 2), [rnd(2, 3, 2, 2)])
case(g, "flatten_all", lambda a: a.flatten(), [rnd(2, 3, 2)])
case(g, "unsqueeze", lambda a: a.unsqueeze(1), [rnd(2, 3)])
case(g, "unsqueeze_last", lambda a: a.unsqueeze(-1), [rnd(2, 3)])
case(g, "squeeze_all", lambda a: a.squeeze(), [rnd(2, 1, 3, 1)])
case(g, "squeeze_dim", lambda a: a.squeeze(1), [rnd(2, 1, 3, 1)])
case(g, "permute_201", lambda a: a.permute(2, 0, 1), [rnd(2, 3, 4)])
case(g, "permute_021", lambda a: a.permute(0, 2, 1), [rnd(2, 3, 4)])
case(g, "permute_4d", lambda a: a.permute(1, 3, 0, 2), [rnd(2, 3, 2, 3)])
case(g, "transpose_02", lambda a: a.transpose(0, 2), [rnd(2, 3, 4)])
case(g, "T", lambda a: a.T, [rnd(3, 5)])
case(g, "expand", lambda a: a.expand(2, 3, 4), [rnd(3, 1)])
case(g, "expand_lead", lambda a: a.expand(2, 3, 4), [rnd(1, 1, 4)])

# ---------------------------------------------------------------------------------------------- indexing
g = "indexing"
case(g, "slice_axis1", lambda a: a[:, 1:3], [rnd(3, 4)])
case(g, "slice_axis0", lambda a: a[1:3], [rnd(4, 2, 3)])
case(g, "slice_last", lambda a: a[..., 2:5], [rnd(2, 2, 5)])
case(g, "subscript", lambda a: a[1], [rnd(3, 4)])
case(g, "subscript_negative", lambda a: a[-1], [rnd(3, 2, 2)])
case(g, "index_select_axis0", lambda a: torch.index_select(a, 0, torch.tensor([2, 0, 2])), [rnd(3, 4)])
case(g, "index_select_axis1", lambda a: torch.index_select(a, 1, torch.tensor([3, 1])), [rnd(2, 4, 3)])
case(g, "gather_axis1", lambda a: torch.gather(a, 1, torch.tensor([[0, 3], [1, 1], [2, 0]])), [rnd(3, 4)])
case(g, "gather_axis0", lambda a: torch.gather(a, 0, torch.tensor([[1, 0, 2, 2], [0, 0, 1, 2]])), [rnd(3, 4)])
case(g, "cat_axis0", lambda a, b, c: torch.cat([a, b, c], 0), [rnd(1, 3), rnd(2, 3), rnd(3, 3)])
case(g, "cat_axis1", lambda a, b: torch.cat([a, b], 1), [rnd(2, 2, 3), rnd(2, 1, 3)])
case(g, "stack_axis0", lambda a, b: torch.stack([a, b], 0), [rnd(2, 3), rnd(2, 3)])
case(g, "stack_axis_last", lambda a, b, c: torch.stack([a, b, c], -1), [rnd(2, 3), rnd(2, 3), rnd(2, 3)])
case(g, "split_axis1", lambda a: torch.split(a, [1, 3], 1), [rnd(2, 4)])
case(g, "split_axis0", lambda a: torch.split(a, [2, 1, 2], 0), [rnd(5, 2)])
case(g, "chunk_uneven", lambda a: torch.chunk(a, 3, 0), [rnd(5, 2)])
case(g, "chunk_axis1", lambda a: torch.chunk(a, 2, 1), [rnd(2, 4)])

# ---------------------------------------------------------------------------------------------- matmul
g = "matmul"
case(g, "mm", torch.matmul, [rnd(3, 4), rnd(4, 5)])
case(g, "bmm", torch.matmul, [rnd(2, 3, 4), rnd(2, 4, 5)])
case(g, "broadcast_batch", torch.matmul, [rnd(2, 1, 3, 4), rnd(3, 4, 2)])
case(g, "matrix_times_batch", torch.matmul, [rnd(3, 4), rnd(2, 4, 5)])
case(g, "batch_times_matrix", torch.matmul, [rnd(2, 3, 4), rnd(4, 2)])
case(g, "dot", torch.matmul, [rnd(5), rnd(5)])
case(g, "vector_matrix", torch.matmul, [rnd(4), rnd(4, 3)])
case(g, "matrix_vector", torch.matmul, [rnd(3, 4), rnd(4)])
case(g, "vector_batch", torch.matmul, [rnd(4), rnd(2, 4, 3)])
case(g, "batch_vector", torch.matmul, [rnd(2, 3, 4), rnd(4)])

# ---------------------------------------------------------------------------------------------- softmax
g = "softmax"
case(g, "softmax_last", lambda a: torch.softmax(a, -1), [rnd(3, 4)])
case(g, "softmax_axis0", lambda a: torch.softmax(a, 0), [rnd(3, 4)])
case(g, "softmax_middle", lambda a: torch.softmax(a, 1), [rnd(2, 3, 4)])
case(g, "softmax_large", lambda a: torch.softmax(a, -1), [rnd(2, 3) + torch.tensor([[100.0], [-100.0]])])
case(g, "log_softmax_last", lambda a: torch.log_softmax(a, -1), [rnd(3, 4)])
case(g, "log_softmax_axis0", lambda a: torch.log_softmax(a, 0), [rnd(3, 4)])
case(g, "log_softmax_middle", lambda a: torch.log_softmax(a, 1), [rnd(2, 3, 4)])
case(g, "log_softmax_large", lambda a: torch.log_softmax(a, -1), [rnd(2, 3) + torch.tensor([[100.0], [-100.0]])])

# ---------------------------------------------------------------------------------------------- comparison
g = "comparison"
ca = torch.tensor([[0.0, 1.0, 2.0], [3.0, 1.0, -1.0]])
cb = torch.tensor([1.0, 1.0, 0.0])
nograd2 = [False, False]
as_float = lambda f: (lambda a, b: f(a, b).to(F64))
case(g, "eq", as_float(torch.eq), [ca, cb], grad=nograd2)
case(g, "ne", as_float(torch.ne), [ca, cb], grad=nograd2)
case(g, "lt", as_float(torch.lt), [ca, cb], grad=nograd2)
case(g, "le", as_float(torch.le), [ca, cb], grad=nograd2)
case(g, "gt", as_float(torch.gt), [ca, cb], grad=nograd2)
case(g, "ge", as_float(torch.ge), [ca, cb], grad=nograd2)
case(g, "lt_broadcast_both", as_float(torch.lt), [rnd(3, 1), rnd(1, 4)], grad=nograd2)
case(g, "eq_scalar", lambda a: (a == 1.0).to(F64), [ca], grad=[False])
case(g, "lt_scalar", lambda a: (a < 1.0).to(F64), [ca], grad=[False])
case(g, "le_scalar", lambda a: (a <= 1.0).to(F64), [ca], grad=[False])
case(g, "gt_scalar", lambda a: (a > 1.0).to(F64), [ca], grad=[False])
case(g, "ge_scalar", lambda a: (a >= 1.0).to(F64), [ca], grad=[False])
case(g, "where_same", lambda m, a, b: torch.where(m != 0, a, b),
     [torch.tensor([[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]]), rnd(2, 3), rnd(2, 3)], grad=[False, True, True])
case(g, "where_broadcast", lambda m, a, b: torch.where(m != 0, a, b),
     [torch.tensor([[[1.0], [0.0], [1.0]]]), rnd(2, 1, 4), rnd(4)], grad=[False, True, True])

# ---------------------------------------------------------------------------------------------- creation
g = "creation"
case(g, "zeros", lambda: torch.zeros(2, 3, dtype=F64), [])
case(g, "ones", lambda: torch.ones(3, 1, 2, dtype=F64), [])
case(g, "full", lambda: torch.full((2, 2), 2.5, dtype=F64), [])
case(g, "arange_end", lambda: torch.arange(5, dtype=torch.float32), [])
case(g, "arange_step", lambda: torch.arange(1, 2.6, 0.5, dtype=torch.float32), [])
case(g, "arange_negative_step", lambda: torch.arange(5, 0, -1.5, dtype=torch.float32), [])
case(g, "arange_fraction", lambda: torch.arange(-1, 1, 0.3, dtype=torch.float32), [])
case(g, "linspace_5", lambda: torch.linspace(0, 1, 5, dtype=torch.float32), [])
case(g, "linspace_7", lambda: torch.linspace(-1, 2, 7, dtype=torch.float32), [])
case(g, "linspace_down", lambda: torch.linspace(3, -3, 4, dtype=torch.float32), [])
case(g, "linspace_1", lambda: torch.linspace(2, 5, 1, dtype=torch.float32), [])
case(g, "eye_3", lambda: torch.eye(3, dtype=F64), [])
case(g, "eye_2x4", lambda: torch.eye(2, 4, dtype=F64), [])
case(g, "eye_4x2", lambda: torch.eye(4, 2, dtype=F64), [])
case(g, "one_hot", lambda: torch.nn.functional.one_hot(torch.tensor([2, 0, 3, 2]), 4).to(F64), [])

if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(here, "..", "DescentTests", "Fixtures", "core.json")
    text = json.dumps({"generator": "Tests/Fixtures/generate_core.py", "torch": torch.__version__,
                       "cases": CASES}, separators=(",", ":"))
    with open(path, "w") as f:
        f.write(text + "\n")
    print(f"wrote {os.path.normpath(path)}: {len(CASES)} cases, {len(text) / 1024:.1f} KiB")
