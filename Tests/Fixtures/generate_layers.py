#!/usr/bin/env python3
"""Reference values for Descent's layers (Sources/Descent/Layers), from torch.nn.

Writes Tests/DescentTests/Fixtures/layers.json:

cases
    One entry per layer configuration. The layer is built by PyTorch (its default initialisation; BatchNorm and
    LayerNorm get random affine parameters so that their gradients say something), and its `state` (the
    state_dict, in order, as {"keys": [...], "tensors": {...}}) is stored so that Swift loads the very same
    weights. With a random `input` and a fixed random `probe` of the output's shape, the case stores

        output    = layer(input)
        inputGrad = d sum(output * probe) / d input
        grads     = d sum(output * probe) / d parameter, by state-dict key

    BatchNorm cases run three training steps (on `input`, then on each of `extraInputs`; outputs and gradients
    are those of the first step), store the state after them in `after` (running_mean, running_var,
    num_batches_tracked), then switch to eval mode and store `evalOutput`, `evalInputGrad` and `evalGrads` for
    `evalInput` (with the same probe).

stateKeys
    The state_dict key lists of a Sequential with BatchNorm and of ResNet basic blocks (as in
    ../shared/bench/peer/torch_bench.py beside the checkout), to compare names and order.

All values are rounded to 7 significant digits and to float32 *before* PyTorch uses them (inputs, probes,
weights), and the layers compute in float64, so the stored outputs are the exact answers for the float32
values Swift reads; Swift compares with a relative tolerance of 1e-4.

Run: python3 Tests/Fixtures/generate_layers.py   (needs torch; deterministic, seeded)
"""
import json
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "DescentTests", "Fixtures", "layers.json")
DIGITS = 7


def quantize(t):
    """float32 values that print exactly with DIGITS significant digits (so Swift reads the same numbers)."""
    vals = [float("%.*g" % (DIGITS, v)) for v in t.detach().double().reshape(-1).tolist()]
    return torch.tensor(vals, dtype=torch.float32).reshape(t.shape)


def tj(t):
    return {"shape": list(t.shape), "data": [float("%.*g" % (DIGITS, v)) for v in t.detach().double().reshape(-1).tolist()]}


def state_json(module):
    sd = module.state_dict()
    return {"keys": list(sd.keys()), "tensors": {k: tj(v.double()) for k, v in sd.items()}}


def quantize_module(module):
    with torch.no_grad():
        for t in list(module.parameters()) + [b for b in module.buffers() if b.is_floating_point()]:
            t.copy_(quantize(t))


def randomize_affine(module, gen):
    """Random γ around 1 and β around 0 for every norm layer (PyTorch initialises them to 1 and 0)."""
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d, nn.LayerNorm)) and m.weight is not None:
                m.weight.copy_(1 + 0.5 * torch.randn(m.weight.shape, generator=gen))
                m.bias.copy_(0.5 * torch.randn(m.bias.shape, generator=gen))


def run_case(module, input_shape, gen, input_scale=1.0):
    quantize_module(module)
    module = module.double()
    x = quantize(input_scale * torch.randn(input_shape, generator=gen)).double().requires_grad_()
    out = module(x)
    probe = quantize(torch.randn(out.shape, generator=gen)).double()
    (out * probe).sum().backward()
    grads = {name: tj(p.grad) for name, p in module.named_parameters() if p.grad is not None}
    return x, out, probe, grads


def simple_case(module, input_shape, seed, input_scale=1.0, train=True):
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    module.train(train)
    state_before = None
    quantize_module(module)
    state_before = state_json(module)
    x, out, probe, grads = run_case(module, input_shape, gen, input_scale)
    return {"state": state_before, "input": tj(x), "output": tj(out), "probe": tj(probe),
            "inputGrad": tj(x.grad), "grads": grads}


def norm_case(make, input_shape, seed, extra_steps=2):
    """BatchNorm: three training steps, then eval."""
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    module = make()
    randomize_affine(module, gen)
    quantize_module(module)
    state = state_json(module)
    module = module.double().train()
    x = quantize(1.5 * torch.randn(input_shape, generator=gen) + 0.7).double().requires_grad_()
    out = module(x)
    probe = quantize(torch.randn(out.shape, generator=gen)).double()
    (out * probe).sum().backward()
    case = {"state": state, "input": tj(x), "output": tj(out), "probe": tj(probe), "inputGrad": tj(x.grad),
            "grads": {n: tj(p.grad) for n, p in module.named_parameters()}}
    extras = []
    with torch.no_grad():
        for i in range(extra_steps):
            xi = quantize(torch.randn(input_shape, generator=gen) * (1 + i) - 0.3 * i).double()
            extras.append(tj(xi))
            module(xi)
    case["extraInputs"] = extras
    case["after"] = {k: tj(v.double()) for k, v in module.state_dict().items()}
    module.eval()
    module.zero_grad()
    xe = quantize(torch.randn(input_shape, generator=gen)).double().requires_grad_()
    oe = module(xe)
    (oe * probe).sum().backward()
    case["evalInput"] = tj(xe)
    case["evalOutput"] = tj(oe)
    case["evalInputGrad"] = tj(xe.grad)
    case["evalGrads"] = {n: tj(p.grad) for n, p in module.named_parameters()}
    return case


class BasicBlock(nn.Module):
    """As in ../shared/bench/peer/torch_bench.py beside the checkout."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False); self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False); self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = nn.Sequential()
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return F.relu(y + self.shortcut(x))


def seq_cnn():
    return nn.Sequential(nn.Conv2d(2, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(36, 5), nn.ReLU(), nn.Dropout(0.5), nn.Linear(5, 3))


def main():
    torch.set_default_dtype(torch.float32)
    cases = {}
    S = simple_case
    # Linear
    cases["linear"] = S(nn.Linear(5, 3), (4, 5), 1)
    cases["linear_nobias_3d"] = S(nn.Linear(5, 3, bias=False), (2, 3, 5), 2)
    cases["linear_1d"] = S(nn.Linear(4, 2), (4,), 3)
    # Conv2d
    cases["conv_basic"] = S(nn.Conv2d(3, 4, 3), (2, 3, 6, 6), 10)
    cases["conv_stride_pad"] = S(nn.Conv2d(3, 4, 3, stride=2, padding=1), (2, 3, 7, 7), 11)
    cases["conv_dilation"] = S(nn.Conv2d(2, 3, 3, padding=2, dilation=2), (2, 2, 7, 6), 12)
    cases["conv_groups"] = S(nn.Conv2d(4, 6, 3, padding=1, groups=2), (2, 4, 5, 5), 13)
    cases["conv_depthwise"] = S(nn.Conv2d(3, 3, 3, stride=2, padding=1, groups=3, bias=False), (2, 3, 6, 6), 14)
    cases["conv_rect"] = S(nn.Conv2d(2, 3, (3, 2), stride=(2, 1), padding=(1, 0), dilation=(1, 2)), (2, 2, 7, 5), 15)
    cases["conv_pointwise"] = S(nn.Conv2d(4, 5, 1), (2, 4, 4, 4), 16)
    cases["conv_pointwise_stride"] = S(nn.Conv2d(4, 5, 1, stride=2), (2, 4, 5, 5), 17)
    cases["conv_unbatched"] = S(nn.Conv2d(2, 3, 3, padding=1), (2, 4, 4), 18)
    # ConvTranspose2d
    cases["convt_basic"] = S(nn.ConvTranspose2d(3, 2, 3), (2, 3, 4, 4), 20)
    cases["convt_stride"] = S(nn.ConvTranspose2d(3, 4, 3, stride=2, padding=1, output_padding=1), (2, 3, 4, 4), 21)
    cases["convt_groups_dilation"] = S(nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, dilation=2,
                                                          groups=2, bias=False), (2, 4, 3, 3), 22)
    cases["convt_rect"] = S(nn.ConvTranspose2d(2, 3, (2, 3), stride=(2, 1), padding=(0, 1)), (2, 2, 3, 4), 23)
    cases["convt_outpad_dilation"] = S(nn.ConvTranspose2d(2, 2, 2, stride=1, output_padding=1, dilation=3),
                                       (1, 2, 3, 3), 24)
    # Pooling
    cases["maxpool_basic"] = S(nn.MaxPool2d(2), (2, 3, 6, 6), 30)
    cases["maxpool_pad_stride"] = S(nn.MaxPool2d(3, stride=2, padding=1), (2, 2, 7, 7), 31)
    cases["maxpool_dilation_ceil"] = S(nn.MaxPool2d(2, stride=2, dilation=2, ceil_mode=True), (1, 2, 7, 8), 32)
    cases["maxpool_rect"] = S(nn.MaxPool2d((3, 2), stride=(1, 2), padding=(1, 0)), (1, 2, 5, 6), 33)
    cases["avgpool_basic"] = S(nn.AvgPool2d(2), (2, 3, 6, 6), 34)
    cases["avgpool_pad"] = S(nn.AvgPool2d(3, stride=2, padding=1), (2, 2, 7, 7), 35)
    cases["avgpool_pad_exclude"] = S(nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False), (2, 2, 7, 7), 36)
    cases["avgpool_ceil"] = S(nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True), (1, 2, 6, 6), 37)
    cases["adaptive_global"] = S(nn.AdaptiveAvgPool2d(1), (2, 3, 5, 5), 38)
    cases["adaptive_3x2"] = S(nn.AdaptiveAvgPool2d((3, 2)), (2, 2, 7, 5), 39)
    # Normalisation
    cases["batchnorm1d"] = norm_case(lambda: nn.BatchNorm1d(3), (4, 3), 40)
    cases["batchnorm1d_3d_cumulative"] = norm_case(lambda: nn.BatchNorm1d(3, momentum=None), (4, 3, 5), 41)
    cases["batchnorm2d"] = norm_case(lambda: nn.BatchNorm2d(3, momentum=0.3, eps=1e-3), (4, 3, 4, 4), 42)
    cases["batchnorm2d_noaffine"] = norm_case(lambda: nn.BatchNorm2d(2, affine=False), (3, 2, 3, 3), 43)
    ln = nn.LayerNorm([4, 5])
    randomize_affine(ln, torch.Generator().manual_seed(44))
    cases["layernorm"] = S(ln, (3, 4, 5), 44, input_scale=2.0)
    cases["layernorm_noaffine"] = S(nn.LayerNorm(6, eps=1e-3, elementwise_affine=False), (4, 6), 45)
    # Activations and shape layers
    act = (3, 7)
    cases["relu"] = S(nn.ReLU(), act, 50, input_scale=2.0)
    cases["leaky_relu"] = S(nn.LeakyReLU(0.2), act, 51, input_scale=2.0)
    cases["elu"] = S(nn.ELU(1.3), act, 52, input_scale=2.0)
    cases["gelu"] = S(nn.GELU(), act, 53, input_scale=2.0)
    cases["gelu_tanh"] = S(nn.GELU(approximate="tanh"), act, 54, input_scale=2.0)
    cases["silu"] = S(nn.SiLU(), act, 55, input_scale=2.0)
    cases["sigmoid"] = S(nn.Sigmoid(), act, 56, input_scale=2.0)
    cases["tanh"] = S(nn.Tanh(), act, 57, input_scale=2.0)
    cases["softmax"] = S(nn.Softmax(dim=1), (2, 3, 4), 58, input_scale=2.0)
    cases["log_softmax"] = S(nn.LogSoftmax(dim=-1), (2, 3, 4), 59, input_scale=2.0)
    cases["flatten"] = S(nn.Flatten(), (2, 3, 2, 2), 60)
    cases["dropout_eval"] = S(nn.Dropout(0.5), (3, 4), 61, train=False)
    # Compositions (training mode, so BatchNorm uses batch statistics; Dropout is left out of the train case)
    torch.manual_seed(70)
    seq = seq_cnn()
    randomize_affine(seq, torch.Generator().manual_seed(70))
    seq[7].p = 0.0
    cases["sequential_cnn"] = S(seq, (2, 2, 6, 6), 70)
    torch.manual_seed(71)
    block = BasicBlock(3, 4, 2)
    randomize_affine(block, torch.Generator().manual_seed(71))
    cases["basic_block_downsample"] = S(block, (2, 3, 6, 6), 71)
    torch.manual_seed(72)
    block = BasicBlock(3, 3, 1)
    randomize_affine(block, torch.Generator().manual_seed(72))
    cases["basic_block_identity"] = S(block, (2, 3, 5, 5), 72)
    # Channel counts that are multiples of 16: Descent runs these in oneDNN's blocked layout (nChw16c).
    torch.manual_seed(73)
    block = nn.Sequential(BasicBlock(16, 32, 2), BasicBlock(32, 32, 1))
    randomize_affine(block, torch.Generator().manual_seed(73))
    cases["basic_blocks_blocked"] = S(block, (2, 16, 6, 6), 73)
    torch.manual_seed(74)
    stack = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(32, 16, 1), nn.ReLU(), nn.Flatten(), nn.Linear(64, 3))
    randomize_affine(stack, torch.Generator().manual_seed(74))
    cases["conv_stack_blocked"] = S(stack, (2, 1, 8, 8), 74)

    state_keys = {
        "sequential_cnn": list(seq_cnn().state_dict().keys()),
        "basic_block_downsample": list(BasicBlock(16, 32, 2).state_dict().keys()),
        "basic_block_identity": list(BasicBlock(16, 16, 1).state_dict().keys()),
        "nested": list(nn.Sequential(nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2)), nn.ReLU(),
                                     BasicBlock(2, 2, 1)).state_dict().keys()),
    }
    with open(OUT, "w") as f:
        json.dump({"cases": cases, "stateKeys": state_keys}, f, separators=(",", ":"))
    print("wrote %s (%d bytes, %d cases)" % (os.path.relpath(OUT), os.path.getsize(OUT), len(cases)))


if __name__ == "__main__":
    main()
