"""Micro benchmark: one training step of the seed CNN in glassnet and in PyTorch, side by side.

``python -m benchmarks.conv_step [--batch 128] [--steps 20] [--threads 2] [--batch-norm]``

Both models are built the same way and start from the same weights (torch's
initialisation copied into glassnet). Each step is zero_grad, forward,
cross-entropy, backward and an Adam update. The two frameworks alternate step
by step, so both see the same machine noise. Printed: median step times,
samples per second, the glassnet/PyTorch speed ratio (> 1: glassnet is
faster), the same for inference (eval mode, no gradients), and a per-op time
breakdown of glassnet's step (every ``Function``'s forward and backward is
timed with ``perf_counter``).

Run it with ``OPENBLAS_CORETYPE`` and ``OPENBLAS_L2_SIZE`` unset when the
machine sets them (they pick a slower OpenBLAS kernel)::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python -m benchmarks.conv_step
"""

from __future__ import annotations

import argparse
import functools
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import numpy as np

_TIMES: dict[str, float] = defaultdict(float)


def _timed(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        t = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            _TIMES[name] += time.perf_counter() - t

    wrapper._bench_original = fn  # type: ignore[attr-defined]
    return wrapper


def _subclasses(cls: type) -> list[type]:
    out, stack = [], [cls]
    while stack:
        c = stack.pop()
        for s in c.__subclasses__():
            out.append(s)
            stack.append(s)
    return out


def instrument(on: bool) -> None:
    """Wrap (or unwrap) every Function's forward/backward with a timer."""
    from glassnet.autograd.function import Function

    for cls in _subclasses(Function):
        for meth in ("forward", "backward"):
            f = cls.__dict__.get(meth)
            if f is None:
                continue
            orig = getattr(f, "_bench_original", None)
            if on and orig is None:
                setattr(cls, meth, _timed(f"{cls.__name__}.{meth}", f))
            elif not on and orig is not None:
                setattr(cls, meth, orig)


def build(batch_norm: bool, seed: int = 0) -> tuple[Any, Any]:
    import torch
    from torch import nn

    from glassnet.models import seed_cnn

    torch.manual_seed(seed)
    layers: list[Any] = [nn.Conv2d(1, 32, 3, padding=1)]
    layers += [nn.BatchNorm2d(32)] if batch_norm else []
    layers += [nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3, padding=1)]
    layers += [nn.BatchNorm2d(64)] if batch_norm else []
    layers += [nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(3136, 1024)]
    layers += [nn.BatchNorm1d(1024)] if batch_norm else []
    layers += [nn.ReLU(), nn.Dropout(0.5), nn.Linear(1024, 10)]
    tmodel = nn.Sequential(*layers)
    gmodel = seed_cnn(batch_norm=batch_norm)
    gmodel.load_state_dict(tmodel.state_dict())
    return gmodel, tmodel


def _median_ms(ts: list[float]) -> float:
    return float(np.median(ts)) * 1e3


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--batch-norm", action="store_true")
    p.add_argument("--no-breakdown", action="store_true")
    args = p.parse_args(argv)

    import torch

    import glassnet as gn
    from glassnet import optim
    from glassnet.ops.loss import cross_entropy

    torch.set_num_threads(args.threads)
    gmodel, tmodel = build(args.batch_norm)
    gopt = optim.Adam(gmodel.parameters(), lr=1e-3)
    topt = torch.optim.Adam(tmodel.parameters(), lr=1e-3)
    rng = np.random.default_rng(0)
    batches = [
        (rng.random((args.batch, 1, 28, 28), dtype=np.float32), rng.integers(0, 10, args.batch))
        for _ in range(4)
    ]
    gdata = [(gn.tensor(x), gn.tensor(y)) for x, y in batches]
    tdata = [(torch.from_numpy(x), torch.from_numpy(y)) for x, y in batches]

    def g_step(i: int) -> None:
        x, y = gdata[i % len(gdata)]
        gopt.zero_grad()
        loss = cross_entropy(gmodel(x), y)
        loss.backward()
        gopt.step()

    def t_step(i: int) -> None:
        x, y = tdata[i % len(tdata)]
        topt.zero_grad()
        loss = torch.nn.functional.cross_entropy(tmodel(x), y)
        loss.backward()
        topt.step()

    def g_infer(i: int) -> None:
        with gn.no_grad():
            gmodel(gdata[i % len(gdata)][0])

    def t_infer(i: int) -> None:
        with torch.inference_mode():
            tmodel(tdata[i % len(tdata)][0])

    def race(fg: Callable[[int], None], ft: Callable[[int], None]) -> tuple[list, list]:
        gt, tt = [], []
        for i in range(args.warmup + args.steps):
            for f, out in ((fg, gt), (ft, tt)) if i % 2 == 0 else ((ft, tt), (fg, gt)):
                t = time.perf_counter()
                f(i)
                out.append(time.perf_counter() - t)
        return gt[args.warmup :], tt[args.warmup :]

    from benchmarks.machine import blas_summary, cpu_model

    print(f"cpu: {cpu_model()}; torch {torch.__version__} threads={torch.get_num_threads()}")
    print(f"numpy {np.__version__}: {blas_summary()}")
    model = "seed CNN" + (" + batch norm" if args.batch_norm else "")
    print(
        f"{model}, batch {args.batch}, {args.steps} steps after {args.warmup} warm-up, interleaved"
    )

    gmodel.train()
    tmodel.train()
    gt, tt = race(g_step, t_step)
    gmodel.eval()
    tmodel.eval()
    gi, ti = race(g_infer, t_infer)
    b = args.batch
    for what, g, t in (("train step", gt, tt), ("inference", gi, ti)):
        mg, mt = _median_ms(g), _median_ms(t)
        print(
            f"{what:10s}  glassnet {mg:7.2f} ms ({b / mg * 1e3:7.0f} samples/s)   "
            f"torch {mt:7.2f} ms ({b / mt * 1e3:7.0f} samples/s)   speed ratio {mt / mg:.2f}x"
        )

    if args.no_breakdown:
        return
    gmodel.train()
    _TIMES.clear()
    instrument(True)
    n = max(5, args.steps // 2)
    steps = []
    try:
        for i in range(n):
            x, y = gdata[i % len(gdata)]
            t0 = time.perf_counter()
            gopt.zero_grad()
            loss = cross_entropy(gmodel(x), y)
            t1 = time.perf_counter()
            loss.backward()
            t2 = time.perf_counter()
            gopt.step()
            t3 = time.perf_counter()
            _TIMES["[forward total]"] += t1 - t0
            _TIMES["[backward total]"] += t2 - t1
            _TIMES["[optimizer step]"] += t3 - t2
            steps.append(t3 - t0)
    finally:
        instrument(False)
    print(f"\nglassnet per-op time, mean over {n} instrumented steps "
          f"(step {np.mean(steps) * 1e3:.2f} ms):")  # fmt: skip
    for name, total in sorted(_TIMES.items(), key=lambda kv: -kv[1]):
        print(f"  {name:28s} {total / n * 1e3:7.2f} ms")


if __name__ == "__main__":
    main()
