"""NumPy stand-ins for the CUDA kernels glassnet compiles with ``cupy.ElementwiseKernel``.

Each takes the kernel's arguments in order, inputs first, as NumPy arrays or
scalars, and updates the outputs in place. They restate the kernel's formula,
so the fake GPU path checks how glassnet calls the kernel (argument order,
scalar dtypes, in-place outputs); the real kernels are checked against the CPU
path by the ``gpu``-marked tests on a machine with a GPU.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


def _adam(g, shrink, sign, l2, omb1, beta2, omb2, denom_scale, denom_eps, apply, p, m, v):
    for s in (shrink, sign, l2, omb1, beta2, omb2, denom_scale, denom_eps, apply):
        if not isinstance(s, np.generic) or s.dtype != p.dtype:
            raise TypeError(f"glassnet_adam: scalars must be {p.dtype} scalars, got {s!r}")
    q = p * shrink
    d = sign * g
    if l2 != 0:
        d = l2 * q + d
    m[...] = m + (d - m) * omb1
    v[...] = v * beta2 + (d * d) * omb2
    if apply != 0:
        q = q - m / (np.sqrt(v) * denom_scale + denom_eps)
    p[...] = q


KERNELS: dict[str, Callable[..., Any]] = {"glassnet_adam": _adam}
