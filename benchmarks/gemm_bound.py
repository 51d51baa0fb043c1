"""How much of a training step is matrix products, and how fast PyTorch's BLAS runs the same ones.

``python -m benchmarks.gemm_bound [--models seed_cnn,mlp,lstm_attn] [--threads 2] [--repeat 20]``

For every product one glassnet training step computes (batch 128, the shapes below, each
with its count per step), this times NumPy's product (the BLAS NumPy ships: OpenBLAS) and
``torch.mm`` on the same shapes (PyTorch's BLAS: MKL or oneDNN), alternating, in one
process, with the same threads. The table gives both sums per step.

Read it next to ``benchmarks/results.md``: the step's products alone, at NumPy's rate, are
the floor of glassnet's step; the difference between the two sums is what glassnet would
gain from PyTorch's BLAS with no other change. Needs torch.
"""

from __future__ import annotations

import argparse
import os
import statistics

import numpy as np

from ._report import median_ms

#: model -> [(what, (M, K, N), times per step)]: the products of one training step at batch
#: 128, as glassnet computes them (full size; glassnet runs some of them a block at a time).
SHAPES: dict[str, list[tuple[str, tuple[int, int, int], int]]] = {
    "seed_cnn": [
        ("conv1 forward: columns.T @ W", (100352, 10, 32), 1),
        ("conv1 weight gradient: columns @ grad", (10, 100352, 32), 1),
        ("conv2 forward: columns @ W", (25088, 289, 64), 1),
        ("conv2 weight gradient: grad.T @ columns", (64, 25088, 289), 1),
        ("conv2 input gradient: grad @ W.T", (25088, 64, 288), 1),
        ("fc1 forward: W @ x.T", (1024, 3136, 128), 1),
        ("fc1 weight gradient: grad.T @ x", (1024, 128, 3136), 1),
        ("fc1 input gradient: grad @ W", (128, 1024, 3136), 1),
        ("fc2 forward, both gradients", (128, 1024, 10), 3),
    ],
    "mlp": [
        ("fc1 forward: W @ x.T", (512, 784, 128), 1),
        ("fc1 weight gradient", (512, 128, 784), 1),
        ("fc2 forward, weight and input gradients", (256, 512, 128), 3),
        ("fc3 forward, weight and input gradients", (128, 256, 10), 3),
    ],
    "lstm_attn": [
        ("input projection: x @ W_ih.T", (3584, 28, 512), 1),
        ("recurrent product per step: h @ W_hh.T", (128, 128, 512), 28),
        ("recurrent input gradient per step: grad @ W_hh", (128, 512, 128), 28),
        ("recurrent weight gradient per step: grad.T @ h", (512, 128, 128), 28),
        ("input weight gradient: grad.T @ x", (512, 3584, 28), 1),
        ("attention forward and two gradients", (3584, 128, 128), 3),
    ],
}


def time_shape(mkn: tuple[int, int, int], repeat: int) -> tuple[float, float]:
    """Median ms of ``(M, K) @ (K, N)`` in NumPy and in ``torch.mm`` (float32), alternating."""
    import torch

    m, k, n = mkn
    rng = np.random.default_rng(0)
    a = rng.standard_normal((m, k), dtype=np.float32)
    b = rng.standard_normal((k, n), dtype=np.float32)
    out = np.empty((m, n), dtype=np.float32)
    ta, tb = torch.from_numpy(a), torch.from_numpy(b)
    tout = torch.empty((m, n))
    np_ms, torch_ms = [], []
    for _ in range(3):
        np_ms.append(median_ms(lambda: np.matmul(a, b, out=out), repeat, warmup=2))
        torch_ms.append(median_ms(lambda: torch.mm(ta, tb, out=tout), repeat, warmup=2))
    return statistics.median(np_ms), statistics.median(torch_ms)


def table(model: str, repeat: int) -> tuple[list[str], float, float]:
    """Markdown rows for ``model``'s products, and the two per-step sums in ms."""
    rows, total_np, total_torch = [], 0.0, 0.0
    for what, mkn, count in SHAPES[model]:
        np_ms, torch_ms = time_shape(mkn, repeat)
        gflop = 2.0 * mkn[0] * mkn[1] * mkn[2] / 1e9
        total_np += count * np_ms
        total_torch += count * torch_ms
        rows.append(
            f"| {what} | {mkn[0]} x {mkn[1]} x {mkn[2]} | {count} | {np_ms:.3f} "
            f"({gflop / np_ms * 1e3:.0f}) | {torch_ms:.3f} ({gflop / torch_ms * 1e3:.0f}) |"
        )
    return rows, total_np, total_torch


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", default="seed_cnn,mlp,lstm_attn")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=20)
    args = ap.parse_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", str(args.threads))
    import torch

    from glassnet import _blas

    from .machine import blas_summary, matmul_gflops

    torch.set_num_threads(args.threads)
    ctl = _blas.controller()
    if ctl is not None:
        ctl.set(args.threads)
    print(f"NumPy BLAS: {blas_summary()}; torch {torch.__version__}, {args.threads} threads")
    print(f"float32 matmul (2048x2048) in NumPy: {matmul_gflops():.0f} GFLOP/s\n")
    for model in args.models.split(","):
        rows, total_np, total_torch = table(model, args.repeat)
        print(f"### {model}: the products of one training step (batch 128)\n")
        print("| product | M x K x N | per step | NumPy ms (GFLOP/s) | torch.mm ms (GFLOP/s) |")
        print("|---|---|---:|---:|---:|")
        print("\n".join(rows))
        print(f"| **per step** | | | **{total_np:.2f}** | **{total_torch:.2f}** |\n")


if __name__ == "__main__":
    main()
