"""Each compiled kernel against its NumPy reference, in one process.

``python -m benchmarks.kernels [--rounds 5] [--repeat 10] [--threads 1] [--only pool,adam]``
``python -m benchmarks.kernels --startup`` (start-up cost: NumPy path, empty cache, cached)

Every case times the op or the optimizer step as glassnet runs it, with
``GLASSNET_KERNELS`` flipped between ``numba`` and ``numpy`` round by round so both paths
see the same machine noise; the table gives the medians and the ratio (NumPy time over
kernel time: above 1, the kernel is faster). ``--threads`` is glassnet's thread count
(``gn.set_num_threads``), which the kernels' ``prange`` loops use for big passes. Compile
time is kept out: each case runs once on each path before timing. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

import numpy as np

import glassnet as gn
from glassnet import kernels
from glassnet.ops.norm import BatchNorm
from glassnet.ops.pool import MaxPool2d

from .machine import cpu_model
from .models import batches, build_glassnet

#: (N, H, W, C) of the seed CNN's first pooling at batch 128
POOL_SHAPE = (128, 28, 28, 32)
#: parameters of the seed CNN (conv 1->32, conv 32->64, linear 3136->1024, linear 1024->10)
SEED_PARAMS = ((32, 1, 3, 3), (32,), (64, 32, 3, 3), (64,), (1024, 3136), (1024,), (10, 1024),
               (10,))  # fmt: skip


def _pool_case(backward: bool) -> Callable[[], None]:
    rng = np.random.default_rng(0)
    x = rng.standard_normal(POOL_SHAPE, dtype=np.float32).transpose(0, 3, 1, 2)
    n, c, h, w = x.shape
    g = rng.standard_normal((n, h // 2, w // 2, c), dtype=np.float32).transpose(0, 3, 1, 2)
    geom = dict(kernel=(2, 2), stride=(2, 2), padding=(0, 0), dilation=(1, 1),
                out_hw=(h // 2, w // 2))  # fmt: skip

    def forward() -> MaxPool2d:
        op = MaxPool2d()
        op.requires_grad = True
        op.forward(x, **geom)
        return op

    if not backward:
        return lambda: forward() and None
    ops: dict[bool, MaxPool2d] = {}

    def run() -> None:
        path = kernels.enabled()
        if path not in ops:  # the forward of the same path keeps what backward needs
            ops[path] = forward()
        ops[path].backward(g)

    return run


def _norm_case(backward: bool) -> Callable[[], None]:
    """Batch norm in training of the seed CNN's first conv output (NHWC in memory)."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal(POOL_SHAPE, dtype=np.float32).transpose(0, 3, 1, 2)
    g = rng.standard_normal(POOL_SHAPE, dtype=np.float32).transpose(0, 3, 1, 2)
    c = x.shape[1]
    w, b = np.ones(c, np.float32), np.zeros(c, np.float32)

    def forward() -> BatchNorm:
        op = BatchNorm()
        op.requires_grad = True
        op.needs_input_grad = (True, True, True)
        op.forward(x, w, b, np.zeros(c, np.float32), np.ones(c, np.float32), training=True)
        return op

    if not backward:
        return lambda: forward() and None
    ops: dict[bool, BatchNorm] = {}

    def run() -> None:
        path = kernels.enabled()
        if path not in ops:
            ops[path] = forward()
        ops[path].backward(g)

    return run


def _optim_case(make: Callable[[list], Any]) -> Callable[[], None]:
    rng = np.random.default_rng(0)
    params = []
    for shape in SEED_PARAMS:
        p = gn.tensor(rng.standard_normal(shape, dtype=np.float32) * 0.05, requires_grad=True)
        p.grad = gn.tensor(rng.standard_normal(shape, dtype=np.float32) * 1e-3)
        params.append(p)
    opts: dict[bool, Any] = {}

    def run() -> None:
        path = kernels.enabled()
        if path not in opts:
            opts[path] = make(params)
        opts[path].step()

    return run


def _step_case(model: str) -> Callable[[], None]:
    """One training step (zero_grad, forward, cross-entropy, backward, Adam) of ``model``."""
    gn.manual_seed(0)
    net = build_glassnet(model)
    opt = gn.optim.Adam(net.parameters(), lr=1e-3)
    data = [(gn.tensor(x), gn.tensor(y)) for x, y in batches(model, 128)]
    turn = [0]

    def run() -> None:
        x, y = data[turn[0] % len(data)]
        turn[0] += 1
        opt.zero_grad()
        gn.functional.cross_entropy(net(x), y).backward()
        opt.step()

    return run


CASES: dict[str, tuple[str, Callable[[], Callable[[], None]]]] = {
    "pool": ("max-pool 2x2 forward, NHWC (128,28,28,32) float32", lambda: _pool_case(False)),
    "pool_backward": ("max-pool 2x2 backward, same shape", lambda: _pool_case(True)),
    "batch_norm": ("batch norm forward (training), NHWC (128,28,28,32) float32",
                   lambda: _norm_case(False)),
    "batch_norm_backward": ("batch norm backward, same shape", lambda: _norm_case(True)),
    "adam": ("Adam step, seed CNN's 3.3M float32 parameters",
             lambda: _optim_case(lambda ps: gn.optim.Adam(ps, lr=1e-3))),
    "adamw": ("AdamW step, same parameters",
              lambda: _optim_case(lambda ps: gn.optim.AdamW(ps, lr=1e-3))),
    "sgd": ("SGD with momentum 0.9, same parameters",
            lambda: _optim_case(lambda ps: gn.optim.SGD(ps, lr=1e-2, momentum=0.9))),
    "rmsprop": ("RMSprop, same parameters",
                lambda: _optim_case(lambda ps: gn.optim.RMSprop(ps, lr=1e-3))),
    "seed_cnn_step": ("seed CNN training step, batch 128, Adam", lambda: _step_case("seed_cnn")),
    "seed_cnn_bn_step": ("seed CNN + batch norm training step, batch 128, Adam",
                         lambda: _step_case("seed_cnn_bn")),
    "mlp_step": ("MLP training step, batch 128, Adam", lambda: _step_case("mlp")),
    "lstm_attn_step": ("LSTM(28->128) + attention training step, batch 128, Adam",
                       lambda: _step_case("lstm_attn")),
}  # fmt: skip


def _time(fn: Callable[[], None], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def _set_path(path: str) -> None:
    os.environ[kernels.ENV] = path


def measure(name: str, rounds: int, repeat: int) -> dict[str, float]:
    """Median seconds of case ``name`` on each path, the paths alternating round by round."""
    fn = CASES[name][1]()
    for path in ("numba", "numpy"):  # compile (or load the cache) and warm up, untimed
        _set_path(path)
        fn()
    res: dict[str, list[float]] = {"numba": [], "numpy": []}
    for _ in range(rounds):
        for path in ("numpy", "numba"):
            _set_path(path)
            res[path].append(_time(fn, repeat))
    return {k: statistics.median(v) for k, v in res.items()}


#: A fresh process: import glassnet, one training step of a conv-ReLU-pool model with Adam.
STARTUP_PROBE = """
import time
t0, c0 = time.perf_counter(), time.process_time()
import numpy as np
import glassnet as gn
m = gn.nn.Sequential(gn.nn.Conv2d(1, 4, 3), gn.nn.ReLU(), gn.nn.MaxPool2d(2))
opt = gn.optim.Adam(m.parameters())
m(gn.tensor(np.ones((2, 1, 6, 6), np.float32))).sum().backward()
opt.step()
print(time.perf_counter() - t0, time.process_time() - c0)
"""


def startup(rounds: int) -> list[tuple[str, float, float]]:
    """Median (wall, CPU) seconds of :data:`STARTUP_PROBE` on the NumPy path, with an empty
    numba cache (``NUMBA_CACHE_DIR`` a new folder: every kernel it uses compiles) and with
    that cache filled."""
    res: dict[str, list[tuple[float, float]]] = {"numpy": [], "numba, empty cache": [],
                                                 "numba, cached": []}  # fmt: skip
    for _ in range(rounds):
        with tempfile.TemporaryDirectory() as cache:
            for label, path in (("numpy", "numpy"), ("numba, empty cache", "numba"),
                                ("numba, cached", "numba")):  # fmt: skip
                env = {**os.environ, kernels.ENV: path, "NUMBA_CACHE_DIR": cache}
                out = subprocess.run([sys.executable, "-c", STARTUP_PROBE], env=env, check=True,
                                     capture_output=True, text=True).stdout  # fmt: skip
                res[label].append(tuple(json.loads("[" + ",".join(out.split()) + "]")))
    return [(k, statistics.median(w for w, _ in v), statistics.median(c for _, c in v))
            for k, v in res.items()]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.kernels", description=__doc__)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--repeat", type=int, default=10)
    ap.add_argument("--threads", type=int, default=1, help="gn.set_num_threads (default 1)")
    ap.add_argument("--only", default="", help="comma-separated case names: " + ", ".join(CASES))
    ap.add_argument(
        "--startup",
        action="store_true",
        help="time a fresh process's first step instead (NumPy, empty cache, cached)",
    )
    args = ap.parse_args(argv)
    if args.startup:
        print("| path | wall s | CPU s |\n|---|---:|---:|")
        for label, wall, cpu in startup(args.rounds):
            print(f"| {label} | {wall:.2f} | {cpu:.2f} |")
        return 0
    names = [n for n in args.only.split(",") if n] or list(CASES)
    unknown = sorted(set(names) - set(CASES))
    if unknown:
        ap.error(f"--only: unknown cases {unknown}; expected some of {list(CASES)}")
    if not kernels.available():
        print("numba is not installed: nothing to compare")
        return 1
    saved = os.environ.get(kernels.ENV)
    gn.set_num_threads(args.threads)
    print(f"{cpu_model()}, glassnet threads {args.threads}, medians of {args.rounds} rounds "
          f"x {args.repeat} calls\n")  # fmt: skip
    print("| kernel | NumPy ms | numba ms | NumPy / numba |")
    print("|---|---:|---:|---:|")
    try:
        for name in names:
            t = measure(name, args.rounds, args.repeat)
            print(f"| {CASES[name][0]} | {t['numpy'] * 1e3:.2f} | {t['numba'] * 1e3:.2f} | "
                  f"{t['numpy'] / t['numba']:.2f}x |", flush=True)  # fmt: skip
    finally:
        if saved is None:
            os.environ.pop(kernels.ENV, None)
        else:
            os.environ[kernels.ENV] = saved
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
