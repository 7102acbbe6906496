#!/usr/bin/env python3
"""An LSTM text classifier exported by PyTorch's own ONNX exporter, with PyTorch's outputs, for Descent's import test
(Tests/DescentONNXTests/ONNXImportTests.swift, `pytorchsLSTMExportImports`).

Writes Tests/DescentONNXTests/Fixtures/torch_lstm.onnx and torch_lstm.json. The network is an embedding (30 tokens
of 6, padding index 0), a 2-layer bidirectional LSTM (hidden 5, batch first) and a linear head on the last layer's
final states of both directions joined with the last step's output — `torch.cat([h[-2], h[-1], out[:, -1]], 1)`.
torch.onnx.export (the TorchScript exporter, `dynamo=False`: the new exporter needs onnxscript, which is not
installed) builds the LSTMs' initial states in the graph from the batch size — Shape, Gather, Unsqueeze, Concat,
ConstantOfShape, Slice — and reads the heads' inputs with Concat and Gather; opset 17, batch and sequence dynamic.
torch_lstm.json holds `input` (3 rows of 7 token indices as float32, the input type Descent's text models take),
`output` (PyTorch's outputs, computed in float64 from the same float32 weights), the operators, opset and torch
version. Swift compares with a relative tolerance of 1e-4.

Run: python3 Tests/Fixtures/generate_onnx_lstm.py   (needs torch and onnx; deterministic, seeded)
"""
import json
import os

import onnx
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "DescentONNXTests", "Fixtures")


class TextLSTM(nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(30, 6, padding_idx=0)
        self.lstm = nn.LSTM(6, 5, num_layers=2, batch_first=True, bidirectional=True)
        self.head = nn.Linear(20, 4)

    def forward(self, x):
        out, (h, _) = self.lstm(self.embedding(x.long()))
        return self.head(torch.cat([h[-2], h[-1], out[:, -1]], dim=1))


def main():
    torch.manual_seed(20)
    net = TextLSTM().eval()
    x = torch.randint(1, 30, (3, 7)).float()
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, "torch_lstm.onnx")
    torch.onnx.export(
        net, (x,), path, input_names=["input"], output_names=["output"], opset_version=17,
        dynamic_axes={"input": {0: "batch", 1: "sequence"}, "output": {0: "batch"}}, dynamo=False)
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    with torch.no_grad():
        expected = net.double()(x.double())
    operators = sorted({n.op_type for n in model.graph.node})
    with open(os.path.join(OUT, "torch_lstm.json"), "w") as f:
        json.dump({
            "torch": torch.__version__, "opset": 17, "operators": operators,
            "inputShape": list(x.shape), "input": [float(v) for v in x.flatten()],
            "output": [float(v) for v in expected.flatten()],
        }, f, indent=1)
        f.write("\n")
    print("wrote", path, operators)


if __name__ == "__main__":
    main()
