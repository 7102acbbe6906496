#!/usr/bin/env python3
"""PyTorch's side of `descent bench --workloads optimizers`: the update step of each torch.optim optimizer on one
parameter of 2^20 float32 elements with a fixed gradient, in nanoseconds per element and step (2 threads, default
implementation of the installed PyTorch, i.e. its for-loop or foreach path on CPU). Prints one JSON line.

Usage: python3 scripts/bench-optimizers-torch.py [--threads 2] [--seconds 0.3]
"""
import argparse, json, time

import torch


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=0.3)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    n = 1 << 20
    gradient = torch.randn(n) * 0.01
    cases = [
        ("sgd", lambda p: torch.optim.SGD(p, lr=0.01)),
        ("sgd_momentum", lambda p: torch.optim.SGD(p, lr=0.01, momentum=0.9, weight_decay=5e-4)),
        ("sgd_nesterov", lambda p: torch.optim.SGD(p, lr=0.01, momentum=0.9, nesterov=True)),
        ("adam", lambda p: torch.optim.Adam(p)),
        ("adamw", lambda p: torch.optim.AdamW(p)),
        ("rmsprop", lambda p: torch.optim.RMSprop(p)),
        ("rmsprop_momentum_centered", lambda p: torch.optim.RMSprop(p, momentum=0.9, centered=True)),
        ("adagrad", lambda p: torch.optim.Adagrad(p)),
        ("adamax", lambda p: torch.optim.Adamax(p)),
        ("nadam", lambda p: torch.optim.NAdam(p)),
        ("radam", lambda p: torch.optim.RAdam(p)),
    ]
    out = {"framework": "pytorch", "workload": "optimizers", "elements": n}
    for name, make in cases:
        p = torch.nn.Parameter(torch.randn(n))
        p.grad = gradient.clone()
        optimizer = make([p])
        optimizer.step()  # allocates the state
        steps, start = 0, time.perf_counter()
        while time.perf_counter() - start < a.seconds:
            optimizer.step()
            steps += 1
        out[f"{name}_ns_per_element"] = round(1e9 * (time.perf_counter() - start) / (steps * n), 3)
    out["threads"] = a.threads
    print(json.dumps(out))


if __name__ == "__main__":
    main()
