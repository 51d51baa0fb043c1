"""What machine a benchmark ran on: CPU, threads, the BLAS NumPy calls, and its matmul rate."""

from __future__ import annotations

import os
import platform
import time
from typing import Any

import numpy as np


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def blas_info() -> list[dict[str, Any]]:
    """The BLAS libraries NumPy loaded (via threadpoolctl), with kernel and thread count."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return [{"internal_api": "unknown (install threadpoolctl)"}]
    return [
        {k: i.get(k) for k in ("internal_api", "version", "architecture", "num_threads")}
        for i in threadpool_info()
        if i.get("user_api") == "blas"
    ]


def blas_summary() -> str:
    parts = []
    for b in blas_info():
        parts.append(
            f"{b.get('internal_api')} {b.get('version') or ''} kernel={b.get('architecture')} "
            f"threads={b.get('num_threads')}".strip()
        )
    env = {k: os.environ[k] for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if k in os.environ}
    if env:
        parts.append(f"env {env}")
    return "; ".join(parts) or "none found"


def matmul_gflops(n: int = 2048, repeats: int = 7) -> float:
    """Median float32 GFLOP/s of an ``n x n`` matrix product in NumPy."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    out = np.empty((n, n), dtype=np.float32)
    np.matmul(a, b, out=out)
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        np.matmul(a, b, out=out)
        times.append(time.perf_counter() - t)
    return 2 * n**3 / float(np.median(times)) / 1e9


def describe() -> dict[str, Any]:
    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "blas": blas_summary(),
    }
