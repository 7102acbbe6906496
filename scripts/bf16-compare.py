#!/usr/bin/env python3
"""PyTorch's CPU bf16 autocast against its float32 on the peer workloads w1 (MLP training) and w2 (CNN training).

The models, data, optimizers, warm-up and step counts are those of shared/bench/peer/torch_bench.py (imported from
there: --peer, default $DESCENT_PEER, else ../shared/bench/peer beside the repository);
with --precision bf16 each training step runs its forward pass and loss under
torch.autocast("cpu", dtype=torch.bfloat16) (Linear and Conv2d in bf16, float32 master weights and gradients, no
loss scaling: PyTorch's CPU autocast uses none), the backward pass and the optimizer step outside it, as PyTorch
documents. Prints one JSON line per workload and precision, with torch_bench.py's fields plus "precision" and
"cpu_ms_per_step" (as `descent bench` reports it); with
--rounds N the precisions alternate N times (medians are the reader's to take).

Descent's side of the comparison: `descent bench --workloads w1,w2 --precision float32|bf16` (release build).

Usage: python3 scripts/bf16-compare.py [--threads 2] [--workloads w1,w2] [--precision float32,bf16] [--rounds 1]
"""
import argparse, contextlib, json, os, resource, sys, time
from pathlib import Path

import torch
import torch.nn.functional as F


def find_peer(given):
    """The folder of torch_bench.py."""
    here = Path(__file__).resolve().parent.parent
    for candidate in [given, os.environ.get("DESCENT_PEER"), here.parent / "shared/bench/peer"]:
        if candidate and (Path(candidate) / "torch_bench.py").is_file():
            return str(candidate)
    raise SystemExit("bf16-compare.py: torch_bench.py not found (give --peer FOLDER or set DESCENT_PEER)")


def train_loop(model, opt, shape, batch, steps, bf16, warmup=5):
    """torch_bench.train_loop with the forward pass and loss under bf16 autocast when `bf16`; returns the wall-clock
    and CPU seconds (user + system, all threads: steadier than wall-clock time on a shared machine) of the timed
    steps."""
    g = torch.Generator().manual_seed(0)
    xs = torch.randn((8, batch) + shape, generator=g)
    ys = torch.randint(0, 10, (8, batch), generator=g)
    model.train()

    def step(i):
        opt.zero_grad(set_to_none=True)
        scope = torch.autocast("cpu", dtype=torch.bfloat16) if bf16 else contextlib.nullcontext()
        with scope:
            loss = F.cross_entropy(model(xs[i % 8]), ys[i % 8])
        loss.backward()
        opt.step()

    for i in range(warmup):
        step(i)
    t, cpu = time.perf_counter(), time.process_time()
    for i in range(steps):
        step(i)
    return time.perf_counter() - t, time.process_time() - cpu


def run(tb, name, bf16):
    torch.manual_seed(0)
    if name == "w1":
        m = tb.mlp([784, 512, 512, 10]); steps, batch = 100, 128
        dt, cpu = train_loop(m, torch.optim.Adam(m.parameters(), lr=1e-3), (784,), batch, steps, bf16)
    elif name == "w2":
        m = tb.cnn(); steps, batch = 50, 64
        dt, cpu = train_loop(m, torch.optim.SGD(m.parameters(), lr=0.01, momentum=0.9), (1, 28, 28), batch, steps, bf16)
    else:
        raise SystemExit(f"bf16-compare.py: unknown workload '{name}' (available: w1, w2)")
    return {"workload": name, "samples_per_s": steps * batch / dt, "ms_per_step": 1000 * dt / steps,
            "cpu_ms_per_step": 1000 * cpu / steps, "steps": steps, "batch": batch}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--workloads", default="w1,w2")
    ap.add_argument("--precision", default="float32,bf16", help="comma-separated: float32, bf16")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--peer", help="folder of torch_bench.py")
    a = ap.parse_args()
    precisions = a.precision.split(",")
    for p in precisions:
        if p not in ("float32", "bf16"):
            raise SystemExit(f"bf16-compare.py: --precision: unknown precision '{p}' (available: float32, bf16)")
    sys.path.insert(0, find_peer(a.peer))
    import torch_bench as tb

    torch.set_num_threads(a.threads)
    for _ in range(a.rounds):
        for w in a.workloads.split(","):
            for p in precisions:
                r = run(tb, w, p == "bf16")
                r.update(framework=f"pytorch-{torch.__version__}", precision=p, threads=a.threads,
                         peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
                print(json.dumps(r), flush=True)


if __name__ == "__main__":
    main()
