"""Shared by the fixture generators: values rounded so that Swift reads exactly the numbers PyTorch used.

quantize(t): float32 values that print exactly with DIGITS significant digits; tj(t): a tensor as JSON
{"shape", "data"} with DIGITS significant digits; quantize_module(m): every parameter and float buffer quantized.
"""
import torch

DIGITS = 7


def quantize(t):
    """float32 values that print exactly with DIGITS significant digits (so Swift reads the same numbers)."""
    vals = [float("%.*g" % (DIGITS, v)) for v in t.detach().double().reshape(-1).tolist()]
    return torch.tensor(vals, dtype=torch.float32).reshape(t.shape)


def tj(t):
    """A tensor as {"shape", "data"}, the data with DIGITS significant digits."""
    return {"shape": list(t.shape), "data": [float("%.*g" % (DIGITS, v)) for v in t.detach().double().reshape(-1).tolist()]}


def quantize_module(module):
    """Every parameter and floating-point buffer of `module` replaced by its quantized values, in place."""
    with torch.no_grad():
        for t in list(module.parameters()) + [b for b in module.buffers() if b.is_floating_point()]:
            t.copy_(quantize(t))
