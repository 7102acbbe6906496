#!/usr/bin/env python3
"""Reference trajectories for Descent's optimizers and learning-rate schedules, from torch.optim.

Writes two files next to the Swift tests (Tests/DescentTests/Fixtures/):

optim.json
    Two parameters (shapes [3, 4] and [4]) start from fixed values and take 100 steps. The gradient at step t
    (1-based) is computed in float32 from the current parameter value p:

        grad_t = (p - target) * (2 * sign) + noise[t - 1] * weight

    `target`, `weight` and `noise` are stored (float32 values), so Swift reproduces exactly the same gradients
    from its own parameter values. A case may skip a parameter's gradient on some steps (its `.grad` is None, so
    the optimizer must leave it and its state alone), clip the gradients (by value or by global norm, the norms
    returned by clip_grad_norm_ are stored) and use parameter groups. The parameters are stored after steps
    10, 20, ..., 100.

schedules.json
    200 learning rates per schedule: get_last_lr() right after construction (index 0) and after each of 199
    scheduler.step() calls. ReduceLROnPlateau is fed a stored metric sequence (the rate after each of 200 steps).

Run: python3 Tests/Fixtures/generate_optim.py   (needs torch; deterministic, no randomness)
"""
import json
import math
import os
import warnings

import torch

warnings.filterwarnings("ignore")
torch.set_default_dtype(torch.float32)

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "DescentTests", "Fixtures")
STEPS = 100
SHAPES = [[3, 4], [4]]


def f32(x):
    """A Python float holding exactly the float32 value nearest to x, printed with 9 significant digits."""
    return float("%.9g" % float(torch.tensor(x, dtype=torch.float32).item()))


def flat(t):
    return [float("%.9g" % v) for v in t.detach().reshape(-1).tolist()]


def tensor_json(t):
    return {"shape": list(t.shape), "data": flat(t)}


def make_values(shape, phase, scale):
    n = 1
    for s in shape:
        n *= s
    vals = [f32(scale * math.sin(phase + 0.9 * i) + 0.1 * i / n) for i in range(n)]
    return torch.tensor(vals, dtype=torch.float32).reshape(shape)


INIT = [make_values(SHAPES[0], 0.3, 1.5), make_values(SHAPES[1], 1.1, 0.8)]
TARGET = [make_values(SHAPES[0], 2.0, 1.0), make_values(SHAPES[1], -0.4, 1.2)]
WEIGHT = [make_values(SHAPES[0], 0.7, 1.0), make_values(SHAPES[1], 2.5, 1.0)]
NOISE = [f32(0.1 * math.sin(0.7 * t) + 0.05 * math.cos(1.3 * t)) for t in range(1, STEPS + 1)]

O = torch.optim
# name, optimizer, constructor keyword arguments, extra settings
CASES = [
    ("sgd", "SGD", {"lr": 0.05}, {}),
    ("sgd_defaults", "SGD", {}, {}),
    ("sgd_momentum", "SGD", {"lr": 0.05, "momentum": 0.9}, {}),
    ("sgd_momentum_dampening", "SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.5}, {}),
    ("sgd_nesterov", "SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True}, {}),
    ("sgd_nesterov_weight_decay", "SGD", {"lr": 0.05, "momentum": 0.8, "nesterov": True, "weight_decay": 0.05}, {}),
    ("sgd_weight_decay", "SGD", {"lr": 0.05, "momentum": 0.5, "weight_decay": 0.1}, {}),
    ("sgd_maximize", "SGD", {"lr": 0.05, "momentum": 0.9, "maximize": True}, {"sign": -1.0}),
    ("sgd_skip_grad", "SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.1}, {"skip": {"param": 1, "every": 3}}),
    ("sgd_clip_value", "SGD", {"lr": 0.05, "momentum": 0.9}, {"clip": {"kind": "value", "value": 0.5}}),
    ("sgd_clip_norm", "SGD", {"lr": 0.05, "momentum": 0.9}, {"clip": {"kind": "norm", "value": 1.0, "norm_type": 2.0}}),
    ("sgd_groups", "SGD", {"lr": 0.01, "momentum": 0.9},
     {"groups": [{"params": [0], "lr": 0.05, "weight_decay": 0.1}, {"params": [1], "momentum": 0.5}]}),
    ("rmsprop", "RMSprop", {"lr": 0.02}, {}),
    ("rmsprop_defaults", "RMSprop", {}, {}),
    ("rmsprop_weight_decay", "RMSprop", {"lr": 0.01, "alpha": 0.9, "weight_decay": 0.1}, {}),
    ("rmsprop_centered", "RMSprop", {"lr": 0.01, "centered": True}, {}),
    ("rmsprop_momentum", "RMSprop", {"lr": 0.005, "momentum": 0.9}, {}),
    ("rmsprop_centered_momentum", "RMSprop", {"lr": 0.005, "momentum": 0.8, "centered": True, "eps": 1e-6}, {}),
    ("rmsprop_maximize", "RMSprop", {"lr": 0.01, "maximize": True}, {"sign": -1.0}),
    ("adam", "Adam", {"lr": 0.05}, {}),
    ("adam_defaults", "Adam", {}, {}),
    ("adam_amsgrad", "Adam", {"lr": 0.05, "amsgrad": True}, {}),
    ("adam_weight_decay", "Adam", {"lr": 0.05, "betas": (0.8, 0.99), "weight_decay": 0.1}, {}),
    ("adam_maximize", "Adam", {"lr": 0.05, "maximize": True}, {"sign": -1.0}),
    ("adam_skip_grad", "Adam", {"lr": 0.05}, {"skip": {"param": 0, "every": 4}}),
    ("adam_clip_norm_inf", "Adam", {"lr": 0.05}, {"clip": {"kind": "norm", "value": 0.3, "norm_type": "inf"}}),
    ("adam_clip_norm", "Adam", {"lr": 0.05}, {"clip": {"kind": "norm", "value": 0.5, "norm_type": 2.0}}),
    ("adam_clip_value", "Adam", {"lr": 0.05}, {"clip": {"kind": "value", "value": 0.2}}),
    ("adam_groups", "Adam", {"lr": 0.05},
     {"groups": [{"params": [0], "lr": 0.02, "betas": (0.8, 0.999)}, {"params": [1], "weight_decay": 0.1}]}),
    ("adamw", "AdamW", {"lr": 0.05}, {}),
    ("adamw_defaults", "AdamW", {}, {}),
    ("adamw_strong_decay", "AdamW", {"lr": 0.05, "weight_decay": 0.5}, {}),
    ("adamw_amsgrad", "AdamW", {"lr": 0.05, "weight_decay": 0.1, "amsgrad": True}, {}),
    ("adamw_groups", "AdamW", {"lr": 0.05, "weight_decay": 0.2},
     {"groups": [{"params": [0]}, {"params": [1], "weight_decay": 0.0, "lr": 0.1}]}),
    ("adagrad", "Adagrad", {"lr": 0.1}, {}),
    ("adagrad_defaults", "Adagrad", {}, {}),
    ("adagrad_options", "Adagrad", {"lr": 0.2, "lr_decay": 0.01, "initial_accumulator_value": 0.1,
                                    "weight_decay": 0.05, "eps": 1e-6}, {}),
    ("nadam", "NAdam", {"lr": 0.05}, {}),
    ("nadam_defaults", "NAdam", {}, {}),
    ("nadam_weight_decay", "NAdam", {"lr": 0.05, "weight_decay": 0.1, "momentum_decay": 0.01}, {}),
    ("nadam_decoupled", "NAdam", {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True}, {}),
    ("radam", "RAdam", {"lr": 0.05}, {}),
    ("radam_defaults", "RAdam", {}, {}),
    ("radam_weight_decay", "RAdam", {"lr": 0.05, "weight_decay": 0.1, "betas": (0.9, 0.99)}, {}),
    ("radam_decoupled", "RAdam", {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True}, {}),
    ("adamax", "Adamax", {"lr": 0.05}, {}),
    ("adamax_defaults", "Adamax", {}, {}),
    ("adamax_weight_decay", "Adamax", {"lr": 0.05, "weight_decay": 0.1, "betas": (0.8, 0.99)}, {}),
]


def jsonable_options(kw):
    options, flags = {}, []
    for k, v in kw.items():
        if isinstance(v, bool):
            if v:
                flags.append(k)
        elif isinstance(v, tuple):
            options["beta1"], options["beta2"] = v
        else:
            options[k] = v
    return options, flags


def run_case(name, opt_name, kw, extra):
    params = [t.clone().requires_grad_(True) for t in INIT]
    sign = extra.get("sign", 1.0)
    if "groups" in extra:
        groups = []
        for g in extra["groups"]:
            d = {k: v for k, v in g.items() if k != "params"}
            d["params"] = [params[i] for i in g["params"]]
            groups.append(d)
        opt = getattr(O, opt_name)(groups, foreach=False, **kw)
    else:
        opt = getattr(O, opt_name)(params, foreach=False, **kw)
    skip = extra.get("skip")
    clip = extra.get("clip")
    snapshots, norms = [], []
    for t in range(1, STEPS + 1):
        opt.zero_grad(set_to_none=True)
        with torch.no_grad():
            for i, p in enumerate(params):
                if skip and i == skip["param"] and t % skip["every"] == 0:
                    continue
                p.grad = (p - TARGET[i]) * (2.0 * sign) + WEIGHT[i] * NOISE[t - 1]
        if clip and clip["kind"] == "value":
            torch.nn.utils.clip_grad_value_(params, clip["value"])
        elif clip and clip["kind"] == "norm":
            nt = float("inf") if clip["norm_type"] == "inf" else clip["norm_type"]
            norms.append(float("%.9g" % torch.nn.utils.clip_grad_norm_(params, clip["value"], norm_type=nt).item()))
        opt.step()
        if t % 10 == 0:
            snapshots.append({"step": t, "params": [flat(p) for p in params]})
    options, flags = jsonable_options(kw)
    case = {"name": name, "optimizer": opt_name, "options": options, "flags": flags, "sign": sign,
            "snapshots": snapshots}
    if "groups" in extra:
        gs = []
        for g in extra["groups"]:
            o, _ = jsonable_options({k: v for k, v in g.items() if k != "params"})
            gs.append({"params": g["params"], "options": o})
        case["groups"] = gs
    if skip:
        case["skip"] = skip
    if clip:
        c = {"kind": clip["kind"], "value": clip["value"]}
        if clip["kind"] == "norm":
            c["normType"] = -1.0 if clip["norm_type"] == "inf" else clip["norm_type"]
            case["norms"] = norms
        case["clip"] = c
    return case


def optim_fixture():
    return {
        "steps": STEPS,
        "initial": [tensor_json(t) for t in INIT],
        "targets": [tensor_json(t) for t in TARGET],
        "weights": [tensor_json(t) for t in WEIGHT],
        "noise": NOISE,
        "cases": [run_case(*c) for c in CASES],
    }


# ---------------------------------------------------------------------------------------------------------
# Schedules

L = torch.optim.lr_scheduler
N = 200


def run_schedule(make, lrs=(0.1,), record_momentum=False):
    params = [torch.nn.Parameter(torch.zeros(1)) for _ in lrs]
    opt = O.SGD([{"params": [p], "lr": lr} for p, lr in zip(params, lrs)], lr=lrs[0], momentum=0.9)
    sched = make(opt)
    out = [list(sched.get_last_lr())]
    moms = [opt.param_groups[0]["momentum"]]
    for _ in range(N - 1):
        opt.step()
        sched.step()
        out.append(list(sched.get_last_lr()))
        moms.append(opt.param_groups[0]["momentum"])
    seqs = [[row[g] for row in out] for g in range(len(lrs))]
    return seqs, (moms if record_momentum else None)


PLATEAU_METRICS = [f32(1.0 / (1 + 0.05 * min(t, 70)) + (0.02 * math.sin(1.7 * t) if t > 60 else 0.0)
                       + (0.3 if 120 <= t < 125 else 0.0) - 0.0004 * max(0, t - 150)) for t in range(N)]
PLATEAU_MAX_METRICS = [f32(min(0.9, 0.3 + 0.01 * t) + 0.005 * math.cos(2.3 * t)) for t in range(N)]

SCHEDULES = [
    ("step", {"step_size": 30, "gamma": 0.5}, lambda o: L.StepLR(o, step_size=30, gamma=0.5)),
    ("step_defaults", {"step_size": 7}, lambda o: L.StepLR(o, step_size=7)),
    ("multistep", {"milestones": [20, 50, 50, 120], "gamma": 0.3},
     lambda o: L.MultiStepLR(o, milestones=[20, 50, 50, 120], gamma=0.3)),
    ("exponential", {"gamma": 0.98}, lambda o: L.ExponentialLR(o, gamma=0.98)),
    ("constant_lr", {"factor": 0.25, "total_iters": 20}, lambda o: L.ConstantLR(o, factor=0.25, total_iters=20)),
    ("constant_lr_defaults", {}, lambda o: L.ConstantLR(o)),
    ("inverse_time", {"gamma": 0.05}, lambda o: L.LambdaLR(o, lambda k: 1.0 / (1.0 + 0.05 * k))),
    ("harmonic", {"gamma": 1.0}, lambda o: L.LambdaLR(o, lambda k: 1.0 / (k + 1))),
    ("polynomial", {"total_iters": 150, "power": 2.0}, lambda o: L.PolynomialLR(o, total_iters=150, power=2.0)),
    ("polynomial_linear", {"total_iters": 100, "power": 1.0}, lambda o: L.PolynomialLR(o, total_iters=100)),
    ("polynomial_defaults", {}, lambda o: L.PolynomialLR(o)),
    ("cosine", {"t_max": 50, "eta_min": 0.001}, lambda o: L.CosineAnnealingLR(o, T_max=50, eta_min=0.001)),
    ("cosine_long", {"t_max": 200, "eta_min": 0.0}, lambda o: L.CosineAnnealingLR(o, T_max=200)),
    ("cosine_odd", {"t_max": 37, "eta_min": 0.01}, lambda o: L.CosineAnnealingLR(o, T_max=37, eta_min=0.01)),
    ("cosine_groups", {"t_max": 50, "eta_min": 0.001}, lambda o: L.CosineAnnealingLR(o, T_max=50, eta_min=0.001),
     (0.1, 0.02)),
    ("warm_restarts", {"t_0": 10, "t_mult": 2, "eta_min": 0.0001},
     lambda o: L.CosineAnnealingWarmRestarts(o, T_0=10, T_mult=2, eta_min=0.0001)),
    ("warm_restarts_mult1", {"t_0": 30, "t_mult": 1, "eta_min": 0.0},
     lambda o: L.CosineAnnealingWarmRestarts(o, T_0=30)),
    ("warm_restarts_mult3", {"t_0": 5, "t_mult": 3, "eta_min": 0.002},
     lambda o: L.CosineAnnealingWarmRestarts(o, T_0=5, T_mult=3, eta_min=0.002)),
    ("linear", {"start_factor": 0.25, "end_factor": 1.0, "total_iters": 40},
     lambda o: L.LinearLR(o, start_factor=0.25, end_factor=1.0, total_iters=40)),
    ("linear_decay", {"start_factor": 1.0, "end_factor": 0.1, "total_iters": 100},
     lambda o: L.LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=100)),
    ("linear_defaults", {}, lambda o: L.LinearLR(o)),
    ("warmup_cosine", {"warmup": 10, "start_factor": 0.1, "t_max": 190, "eta_min": 0.0},
     lambda o: L.SequentialLR(o, [L.LinearLR(o, start_factor=0.1, total_iters=10),
                                  L.CosineAnnealingLR(o, T_max=190)], milestones=[10])),
    ("warmup_cosine_groups", {"warmup": 25, "start_factor": 0.01, "t_max": 100, "eta_min": 0.0005},
     lambda o: L.SequentialLR(o, [L.LinearLR(o, start_factor=0.01, total_iters=25),
                                  L.CosineAnnealingLR(o, T_max=100, eta_min=0.0005)], milestones=[25]),
     (0.1, 0.03)),
    ("warmup_step", {"warmup": 20, "start_factor": 0.05, "step_size": 30, "gamma": 0.5},
     lambda o: L.SequentialLR(o, [L.LinearLR(o, start_factor=0.05, total_iters=20),
                                  L.StepLR(o, step_size=30, gamma=0.5)], milestones=[20])),
    ("warmup_exponential", {"warmup": 15, "start_factor": 0.2, "gamma": 0.97},
     lambda o: L.SequentialLR(o, [L.LinearLR(o, start_factor=0.2, total_iters=15),
                                  L.ExponentialLR(o, gamma=0.97)], milestones=[15])),
    ("sequential_three", {"milestones": [30, 80]},
     lambda o: L.SequentialLR(o, [L.ConstantLR(o, factor=0.5, total_iters=10),
                                  L.ExponentialLR(o, gamma=0.95),
                                  L.CosineAnnealingLR(o, T_max=60, eta_min=0.001)], milestones=[30, 80])),
    ("one_cycle", {"max_lr": 0.1, "total_steps": 200},
     lambda o: L.OneCycleLR(o, max_lr=0.1, total_steps=200)),
    ("one_cycle_three_phase", {"max_lr": 0.5, "total_steps": 200, "three_phase": True, "pct_start": 0.25,
                               "div_factor": 10.0, "final_div_factor": 100.0},
     lambda o: L.OneCycleLR(o, max_lr=0.5, total_steps=200, three_phase=True, pct_start=0.25,
                            div_factor=10.0, final_div_factor=100.0)),
    ("one_cycle_linear", {"max_lr": 0.2, "total_steps": 200, "anneal_strategy": "linear", "pct_start": 0.4},
     lambda o: L.OneCycleLR(o, max_lr=0.2, total_steps=200, anneal_strategy="linear", pct_start=0.4)),
]


def schedules_fixture():
    out = []
    for entry in SCHEDULES:
        name, params, make = entry[:3]
        lrs = entry[3] if len(entry) > 3 else (0.1,)
        if name.startswith("one_cycle"):
            lrs = (params["max_lr"],)
        seqs, moms = run_schedule(make, lrs, record_momentum=name.startswith("one_cycle"))
        item = {"name": name, "params": params, "base_lrs": list(lrs), "lrs": seqs}
        if moms is not None:
            item["momentum"] = moms
        out.append(item)
    plateaus = []
    for name, kw, metrics, lrs in [
        ("plateau_min", {}, PLATEAU_METRICS, (0.1,)),
        ("plateau_min_abs", {"patience": 5, "threshold": 0.01, "threshold_mode": "abs", "factor": 0.5,
                             "cooldown": 3, "min_lr": 0.002}, PLATEAU_METRICS, (0.1, 0.01)),
        ("plateau_max", {"mode": "max", "patience": 3, "factor": 0.5, "cooldown": 5, "min_lr": 0.001,
                         "threshold": 0.05}, PLATEAU_MAX_METRICS, (0.1,)),
        ("plateau_max_abs_eps", {"mode": "max", "patience": 2, "factor": 0.7, "threshold_mode": "abs",
                                 "threshold": 0.001, "min_lr": 0.0299, "eps": 0.001}, PLATEAU_MAX_METRICS, (0.1,)),
    ]:
        params = [torch.nn.Parameter(torch.zeros(1)) for _ in lrs]
        opt = O.SGD([{"params": [p], "lr": lr} for p, lr in zip(params, lrs)], lr=lrs[0])
        sched = L.ReduceLROnPlateau(opt, **kw)
        seqs = [[] for _ in lrs]
        for m in metrics:
            opt.step()
            sched.step(m)
            for g, group in enumerate(opt.param_groups):
                seqs[g].append(group["lr"])
        plateaus.append({"name": name, "params": kw, "base_lrs": list(lrs), "metrics": metrics, "lrs": seqs})
    return {"steps": N, "schedules": out, "plateaus": plateaus}


def main():
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "optim.json"), "w") as f:
        json.dump(optim_fixture(), f, separators=(",", ":"))
    with open(os.path.join(OUT, "schedules.json"), "w") as f:
        json.dump(schedules_fixture(), f, separators=(",", ":"))
    for name in ("optim.json", "schedules.json"):
        print(name, os.path.getsize(os.path.join(OUT, name)), "bytes")


if __name__ == "__main__":
    main()
