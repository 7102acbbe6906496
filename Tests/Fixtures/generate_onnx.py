#!/usr/bin/env python3
"""An ONNX file exported by PyTorch (torch.onnx.export, TorchScript exporter, opset 17) with PyTorch's outputs, for
Descent's import test (Tests/DescentONNXTests/ONNXImportTests.swift).

Writes Tests/DescentONNXTests/Fixtures/torch_net.onnx and torch_net.json. The network has a convolution stem with
batch norm, a residual block (Add), a grouped dilated convolution, max and average pooling, flatten, two linear
layers with leaky ReLU and dropout between them, and log-softmax; it is in eval mode with random batch norm
statistics, exported with a dynamic batch dimension. torch_net.json holds `input` (3 samples [1, 12, 12] in [0, 1],
rounded to float32), `output` (PyTorch's outputs for them, computed in float64 from the same float32 weights),
the opset and the torch version. Swift compares with a relative tolerance of 1e-4.

Run: python3 Tests/Fixtures/generate_onnx.py   (needs torch and onnx; deterministic, seeded)
"""
import json
import os

import onnx
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "DescentONNXTests", "Fixtures")


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv1 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c)
        self.conv2 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c)

    def forward(self, x):
        return torch.relu(self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x))))) + x)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(1, 8, 3, padding=1)
        self.bn = nn.BatchNorm2d(8)
        self.block = Block(8)
        self.pool = nn.MaxPool2d(2)
        self.grouped = nn.Conv2d(8, 8, 3, padding=2, dilation=2, groups=4)
        self.avg = nn.AvgPool2d(2)
        self.fc1 = nn.Linear(8 * 3 * 3, 16)
        self.act = nn.LeakyReLU(0.1)
        self.drop = nn.Dropout(0.5)
        self.fc2 = nn.Linear(16, 5)

    def forward(self, x):
        x = self.pool(self.block(torch.relu(self.bn(self.stem(x)))))
        x = self.avg(torch.sigmoid(self.grouped(x)))
        x = self.drop(self.act(self.fc1(torch.flatten(x, 1))))
        return torch.log_softmax(self.fc2(x), dim=1)


def main():
    torch.manual_seed(20)
    net = Net()
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.normal_(0, 0.3)
                m.running_var.uniform_(0.5, 1.5)
                m.weight.uniform_(0.5, 1.5)
                m.bias.normal_(0, 0.2)
    net.eval()
    x = torch.rand(3, 1, 12, 12)
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, "torch_net.onnx")
    torch.onnx.export(
        net, (x,), path, input_names=["input"], output_names=["output"], opset_version=17,
        dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}}, dynamo=False)
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    with torch.no_grad():
        expected = net.double()(x.double())
    with open(os.path.join(OUT, "torch_net.json"), "w") as f:
        json.dump({
            "torch": torch.__version__, "opset": 17,
            "operators": sorted({n.op_type for n in model.graph.node}),
            "inputShape": list(x.shape), "input": [float(v) for v in x.flatten()],
            "output": [float(v) for v in expected.flatten()],
        }, f, indent=1)
        f.write("\n")
    print("wrote", path, sorted({n.op_type for n in model.graph.node}))


if __name__ == "__main__":
    main()
