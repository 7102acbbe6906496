#!/usr/bin/env python3
"""Reference values for Descent's sequence layers (Embedding, RNN, LSTM, GRU and their cells), from torch.nn.

Writes Tests/DescentTests/Fixtures/recurrent.json:

cases
    One entry per recurrent configuration: `kind` (rnn_tanh, rnn_relu, lstm, gru), the sizes and options, the
    module's `state` (PyTorch's state_dict with its keys in order, default initialisation), a random `input`,
    random initial states `h0` (and `c0`), optional `lengths` (then the module runs on
    pack_padded_sequence(input, lengths, enforce_sorted=False) and the output is pad_packed_sequence's, padded with
    zeros to the input's length), and random probes of the output and final states. It stores

        output, hn, cn = the module's outputs
        grads          = d [sum(output * probe) + sum(hn * probeH) + sum(cn * probeC)] / d (input, h0, c0, parameters)

cells
    The same for RNNCell, LSTMCell, GRUCell on one step: `hn` (and `cn`) is the new state.

embeddings
    nn.Embedding with padding_idx and max_norm: `indices`, the state before, `output`, the weight after the
    max_norm renormalisation (`weightAfter`), and d sum(output * probe) / d weight.

trained
    A 2-layer LSTM with a linear head trained by Adam for 200 steps on a toy task (sum of a sequence's signs), its
    state dict saved by safetensors.torch.save_file as lstm_trained.safetensors, with an input and the model's
    output in eval mode.

Values are rounded to 7 significant digits and to float32 before PyTorch uses them, and the modules compute in
float64, so the stored results are the exact answers for the float32 values Swift reads.

Run: python3 Tests/Fixtures/generate_recurrent.py   (needs torch and safetensors; deterministic, seeded)
"""
import json
import os

import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from fixture_values import quantize, quantize_module, tj

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_DIR = os.path.join(HERE, "..", "DescentTests", "Fixtures")


def state_json(module):
    sd = module.state_dict()
    return {"keys": list(sd.keys()), "tensors": {k: tj(v) for k, v in sd.items()}}


def make_rnn(kind, inp, hid, layers, bias, batch_first, bidirectional):
    opts = dict(num_layers=layers, bias=bias, batch_first=batch_first, bidirectional=bidirectional)
    if kind == "lstm":
        return nn.LSTM(inp, hid, **opts)
    if kind == "gru":
        return nn.GRU(inp, hid, **opts)
    return nn.RNN(inp, hid, nonlinearity="tanh" if kind == "rnn_tanh" else "relu", **opts)


def recurrent_case(kind, layers=1, bidirectional=False, batch_first=False, bias=True, lengths=None, seed=0,
                   inp=3, hid=4, steps=5, batch=3):
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed + 1000)
    m = make_rnn(kind, inp, hid, layers, bias, batch_first, bidirectional)
    quantize_module(m)
    state = state_json(m)
    m = m.double()
    d = 2 if bidirectional else 1
    shape = (batch, steps, inp) if batch_first else (steps, batch, inp)
    x = quantize(torch.randn(shape, generator=gen)).double().requires_grad_()
    h0 = quantize(0.5 * torch.randn(layers * d, batch, hid, generator=gen)).double().requires_grad_()
    c0 = quantize(0.5 * torch.randn(layers * d, batch, hid, generator=gen)).double().requires_grad_()
    hx = (h0, c0) if kind == "lstm" else h0
    if lengths is not None:
        packed = pack_padded_sequence(x, torch.tensor(lengths), batch_first=batch_first, enforce_sorted=False)
        out_p, hn = m(packed, hx)
        out, _ = pad_packed_sequence(out_p, batch_first=batch_first, total_length=steps)
    else:
        out, hn = m(x, hx)
    if kind == "lstm":
        hn, cn = hn
    probe = quantize(torch.randn(out.shape, generator=gen)).double()
    probe_h = quantize(torch.randn(hn.shape, generator=gen)).double()
    loss = (out * probe).sum() + (hn * probe_h).sum()
    case = {"kind": kind, "inputSize": inp, "hiddenSize": hid, "numLayers": layers, "bias": bias,
            "batchFirst": batch_first, "bidirectional": bidirectional, "lengths": lengths, "state": state,
            "input": tj(x), "h0": tj(h0), "probe": tj(probe), "probeH": tj(probe_h)}
    if kind == "lstm":
        probe_c = quantize(torch.randn(cn.shape, generator=gen)).double()
        loss = loss + (cn * probe_c).sum()
        case.update({"c0": tj(c0), "probeC": tj(probe_c)})
    loss.backward()
    grads = {"input": tj(x.grad), "h0": tj(h0.grad)}
    if kind == "lstm":
        grads["c0"] = tj(c0.grad)
        case["cn"] = tj(cn)
    for name, p in m.named_parameters():
        grads[name] = tj(p.grad)
    case.update({"output": tj(out), "hn": tj(hn), "grads": grads})
    return case


def cell_case(kind, seed, inp=3, hid=4, batch=3, bias=True):
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed + 1000)
    m = {"lstm": nn.LSTMCell, "gru": nn.GRUCell}.get(kind)
    m = m(inp, hid, bias=bias) if m else nn.RNNCell(inp, hid, bias=bias, nonlinearity="tanh" if kind == "rnn_tanh" else "relu")
    quantize_module(m)
    state = state_json(m)
    m = m.double()
    x = quantize(torch.randn(batch, inp, generator=gen)).double().requires_grad_()
    h0 = quantize(0.5 * torch.randn(batch, hid, generator=gen)).double().requires_grad_()
    c0 = quantize(0.5 * torch.randn(batch, hid, generator=gen)).double().requires_grad_()
    probe_h = quantize(torch.randn(batch, hid, generator=gen)).double()
    probe_c = quantize(torch.randn(batch, hid, generator=gen)).double()
    case = {"kind": kind, "inputSize": inp, "hiddenSize": hid, "bias": bias, "state": state, "input": tj(x),
            "h0": tj(h0), "probeH": tj(probe_h)}
    if kind == "lstm":
        hn, cn = m(x, (h0, c0))
        loss = (hn * probe_h).sum() + (cn * probe_c).sum()
        case.update({"c0": tj(c0), "probeC": tj(probe_c), "cn": tj(cn)})
    else:
        hn = m(x, h0)
        loss = (hn * probe_h).sum()
    loss.backward()
    grads = {"input": tj(x.grad), "h0": tj(h0.grad)}
    if kind == "lstm":
        grads["c0"] = tj(c0.grad)
    for name, p in m.named_parameters():
        grads[name] = tj(p.grad)
    case.update({"hn": tj(hn), "grads": grads})
    return case


def embedding_case(seed, padding_idx=None, max_norm=None, num=7, dim=4, shape=(2, 5)):
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed + 1000)
    m = nn.Embedding(num, dim, padding_idx=padding_idx, max_norm=max_norm)
    quantize_module(m)
    state = state_json(m)
    m = m.double()
    idx = torch.randint(0, num, shape, generator=gen)
    if padding_idx is not None:
        idx[0, 0] = padding_idx % num
        idx[1, -1] = padding_idx % num
    idx[1, 1] = idx[0, 1]  # a repeated index: gradients add up
    out = m(idx)
    probe = quantize(torch.randn(out.shape, generator=gen)).double()
    (out * probe).sum().backward()
    return {"numEmbeddings": num, "embeddingDim": dim, "paddingIndex": padding_idx, "maxNorm": max_norm,
            "state": state, "indices": idx.reshape(-1).tolist(), "shape": list(shape), "output": tj(out),
            "probe": tj(probe), "weightAfter": tj(m.weight), "grad": tj(m.weight.grad)}


class TrainedLSTM(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(2, 8, num_layers=2, batch_first=True)
        self.head = nn.Linear(8, 1)

    def forward(self, x):
        return self.head(self.lstm(x)[0][:, -1])


def trained_case():
    from safetensors.torch import save_file
    torch.manual_seed(3)
    gen = torch.Generator().manual_seed(4)
    m = TrainedLSTM()
    opt = torch.optim.Adam(m.parameters(), lr=1e-2)
    for _ in range(200):
        x = torch.randn(16, 6, 2, generator=gen)
        y = torch.sign(x[:, :, 0]).sum(dim=1, keepdim=True)
        loss = ((m(x) - y) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    m.eval()
    path = os.path.join(OUT_DIR, "lstm_trained.safetensors")
    save_file({k: v.contiguous() for k, v in m.state_dict().items()}, path)
    os.chmod(path, 0o644)
    x = quantize(torch.randn(4, 6, 2, generator=gen))
    with torch.no_grad():
        m = m.double()
        seq = m.lstm(x.double())[0]
        prediction = m(x.double())
    return {"input": tj(x), "sequence": tj(seq), "prediction": tj(prediction), "finalLoss": loss.item()}


def main():
    cases = {}
    n = 0
    for kind in ["rnn_tanh", "rnn_relu", "lstm", "gru"]:
        for layers in [1, 2]:
            for bidirectional in [False, True]:
                for batch_first in [False, True]:
                    n += 1
                    name = f"{kind}_l{layers}{'_bi' if bidirectional else ''}{'_bf' if batch_first else ''}"
                    cases[name] = recurrent_case(kind, layers, bidirectional, batch_first, seed=n)
                    n += 1
                    cases[name + "_lengths"] = recurrent_case(kind, layers, bidirectional, batch_first,
                                                              lengths=[5, 2, 4], seed=n)
        n += 1
        cases[f"{kind}_nobias"] = recurrent_case(kind, 1, False, False, bias=False, seed=n)
    cells = {kind: cell_case(kind, 100 + i) for i, kind in enumerate(["rnn_tanh", "rnn_relu", "lstm", "gru"])}
    embeddings = {
        "plain": embedding_case(200),
        "padding": embedding_case(201, padding_idx=2),
        "padding_negative": embedding_case(202, padding_idx=-1),
        "max_norm": embedding_case(203, max_norm=1.5),
        "padding_max_norm": embedding_case(204, padding_idx=0, max_norm=1.0),
    }
    trained = trained_case()
    path = os.path.join(OUT_DIR, "recurrent.json")
    text = json.dumps({"generator": "Tests/Fixtures/generate_recurrent.py", "torch": torch.__version__,
                       "cases": cases, "cells": cells, "embeddings": embeddings, "trained": trained},
                      separators=(",", ":"), allow_nan=False)
    with open(path, "w") as f:
        f.write(text + "\n")
    print(f"wrote {os.path.normpath(path)}: {len(cases)} cases, {len(cells)} cells, {len(embeddings)} embeddings, "
          f"{len(text) / 1024:.1f} KiB")


if __name__ == "__main__":
    main()
