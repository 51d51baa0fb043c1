"""Training step of the row-by-row LSTM + attention classifier: glassnet vs PyTorch, interleaved.

``python -m benchmarks.rnn_step [--blocks 8] [--steps 5] [--batch 128] [--hidden 128]``

The model: each 28x28 image is 28 steps of 28 features; ``LSTM(28 -> H)``,
additive temporal attention ``v . tanh(W h_t + b)`` over the 28 outputs, and
``Linear(H, 10)`` on the context. A step is zero_grad, forward, cross-entropy,
backward and an Adam update, on batch 128 of random images.

Both frameworks run in this one process, in alternating blocks of ``--steps``
timed steps. Each block starts with a 0.3 s pause (PyTorch's OpenMP threads
and OpenBLAS's threads keep spinning for a while after their last call and
would steal a core from the other framework) and one untimed step. The
medians of all timed steps and their ratio are printed. PyTorch gets ``--threads`` threads; NumPy's BLAS
uses its own default.

Like ``benchmarks.run``, the script restarts itself without
``OPENBLAS_CORETYPE`` / ``OPENBLAS_L2_SIZE`` (some machines set them, which
forces a slower OpenBLAS kernel); ``--keep-openblas-env`` keeps them.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Any

import numpy as np

_STRIPPED = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def _restart_without_openblas_env(argv: list[str]) -> None:
    if any(k in os.environ for k in _STRIPPED) and "--keep-openblas-env" not in argv:
        env = {k: v for k, v in os.environ.items() if k not in _STRIPPED}
        os.chdir(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        os.execve(sys.executable, [sys.executable, "-m", "benchmarks.rnn_step", *argv], env)


def build_glassnet(hidden: int) -> Any:
    from glassnet.models import RowAttentionClassifier

    return RowAttentionClassifier(10, hidden)


def build_torch(hidden: int) -> Any:
    import torch
    from torch import nn

    class LSTMAttn(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lstm = nn.LSTM(28, hidden, batch_first=True)
            self.w = nn.Linear(hidden, hidden)
            self.v = nn.Linear(hidden, 1, bias=False)
            self.fc = nn.Linear(hidden, 10)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            out, _ = self.lstm(x)
            weights = torch.softmax(self.v(torch.tanh(self.w(out))).squeeze(-1), dim=1)
            return self.fc((weights.unsqueeze(-1) * out).sum(1))

    return LSTMAttn()


def glassnet_step(hidden: int, x: np.ndarray, y: np.ndarray) -> Any:
    import glassnet as gn
    import glassnet.functional as F
    from glassnet import optim

    gn.manual_seed(0)
    model = build_glassnet(hidden)
    opt = optim.Adam(model.parameters(), lr=1e-3)
    gx, gy = gn.tensor(x), gn.tensor(y)

    def step() -> float:
        opt.zero_grad()
        loss = F.cross_entropy(model(gx), gy)
        loss.backward()
        opt.step()
        return loss.item()

    return step


def torch_step(hidden: int, x: np.ndarray, y: np.ndarray, threads: int) -> Any:
    import torch

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = build_torch(hidden)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()
    tx, ty = torch.from_numpy(x), torch.from_numpy(y)

    def step() -> float:
        opt.zero_grad()
        loss = loss_fn(model(tx), ty)
        loss.backward()
        opt.step()
        return loss.item()

    return step


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--blocks", type=int, default=8, help="alternating blocks per framework")
    p.add_argument("--steps", type=int, default=5, help="timed steps per block")
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--hidden", type=int, default=128)
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    p.add_argument("--keep-openblas-env", action="store_true")
    args = p.parse_args(argv)
    _restart_without_openblas_env(argv)

    rng = np.random.default_rng(0)
    x = rng.random((args.batch, 28, 28), dtype=np.float32)
    y = rng.integers(0, 10, args.batch)
    steps = {
        "glassnet": glassnet_step(args.hidden, x, y),
        "torch": torch_step(args.hidden, x, y, args.threads),
    }
    times: dict[str, list[float]] = {k: [] for k in steps}
    for _ in range(args.blocks):
        for name, step in steps.items():
            time.sleep(0.3)  # let the other framework's worker threads stop spinning
            step()  # untimed: the first step after the other framework ran
            for _ in range(args.steps):
                t = time.perf_counter()
                step()
                times[name].append(time.perf_counter() - t)

    try:
        from .machine import blas_summary

        blas = blas_summary()
    except ImportError:  # pragma: no cover - run as a plain script
        blas = "unknown"
    print(f"LSTM(28->{args.hidden}) + additive attention + Linear({args.hidden}, 10), "
          f"batch {args.batch}, 28 steps; torch threads {args.threads}; NumPy BLAS: {blas}")  # fmt: skip
    med = {k: float(np.median(v)) for k, v in times.items()}
    for k, v in times.items():
        print(f"{k:9s} median {med[k] * 1e3:7.2f} ms/step  {args.batch / med[k]:8.0f} samples/s  "
              f"(min {min(v) * 1e3:.2f}, max {max(v) * 1e3:.2f}, {len(v)} steps)")  # fmt: skip
    print(f"throughput ratio glassnet / torch: {med['torch'] / med['glassnet']:.2f}x")


if __name__ == "__main__":
    main()
