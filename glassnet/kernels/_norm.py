"""Batch normalisation's passes over a channels-last ``(rows, C)`` array, compiled.

``ops/norm.py`` makes two passes forward (the per-channel sums, then ``x * scale +
shift``) and two backward (two per-channel sums, then the input gradient), each over
cache-sized blocks with a scratch array and two or three NumPy calls per block. Each
kernel here is one loop over the rows. The sums are taken per chunk of rows in float64
and added at the end (more accurate than the reference's float32 block sums, so the
statistics agree to float32 rounding, not bit for bit); the elementwise passes do the
reference's operations in its order.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit, prange

from ._threads import use_threads

__all__ = ["centred_sums", "affine", "assemble", "fits"]

#: Rows per partial sum (one chunk per ``prange`` iteration).
CHUNK_ROWS = 256


def fits(*arrays: Any) -> bool:
    """Whether the arrays are C-contiguous float32/float64 arrays of one dtype."""
    dt = arrays[0].dtype
    return dt in (np.float32, np.float64) and all(
        a.flags.c_contiguous and a.dtype == dt for a in arrays
    )


@njit(cache=True, parallel=True)
def _sums(a, b, centre, with_b, parts):  # pragma: no cover - compiled
    m, c = a.shape
    for k in prange(parts.shape[0]):
        s1 = parts[k, 0]
        s2 = parts[k, 1]
        s1[:] = 0.0
        s2[:] = 0.0
        for r in range(k * CHUNK_ROWS, min(m, (k + 1) * CHUNK_ROWS)):
            ar = a[r]
            br = b[r]
            for ch in range(c):
                d = np.float64(ar[ch]) - centre[ch]
                o = np.float64(br[ch]) if with_b else d
                s1[ch] += o
                s2[ch] += o * d


@njit(cache=True, parallel=True)
def _affine(x, scale, shift, out):  # pragma: no cover - compiled
    m, c = x.shape
    for r in prange(m):
        for ch in range(c):
            out[r, ch] = x[r, ch] * scale[ch] + shift[ch]


@njit(cache=True, parallel=True)
def _assemble(x, g, coef_x, const, scale, out):  # pragma: no cover - compiled
    m, c = x.shape
    for r in prange(m):
        for ch in range(c):
            out[r, ch] = g[r, ch] * scale[ch] + (x[r, ch] * coef_x[ch] + const[ch])


def centred_sums(a2: Any, b2: Any | None, centre: Any, threads: int = 1) -> tuple[Any, Any]:
    """Per-channel ``(sum(a2 - centre), sum((a2 - centre)**2))``, or with ``b2``
    ``(sum(b2), sum((a2 - centre) * b2))``.

    Parameters
    ----------
    a2, b2 : ndarray, shape (M, C), C-contiguous
    centre : ndarray, shape (C,)
    threads : int, default 1

    Returns
    -------
    (ndarray, ndarray), each shape (C,), in ``a2``'s dtype
    """
    m, c = a2.shape
    parts = np.empty((-(-m // CHUNK_ROWS), 2, c), dtype=np.float64)
    use_threads(threads)
    _sums(a2, a2 if b2 is None else b2, centre.astype(np.float64), b2 is not None, parts)
    total = parts.sum(axis=0).astype(a2.dtype)
    return total[0], total[1]


def affine(x2: Any, scale: Any, shift: Any, threads: int = 1) -> Any:
    """``x2 * scale + shift`` per channel, a new ``(M, C)`` array."""
    out = np.empty(x2.shape, dtype=x2.dtype)
    use_threads(threads)
    _affine(x2, np.ascontiguousarray(scale, x2.dtype), np.ascontiguousarray(shift, x2.dtype), out)
    return out


def assemble(x2: Any, g2: Any, coef_x: Any, const: Any, scale: Any, threads: int = 1) -> Any:
    """The input gradient ``g2 * scale + (x2 * coef_x + const)`` per channel, a new array."""
    out = np.empty(g2.shape, dtype=g2.dtype)
    dt = g2.dtype
    use_threads(threads)
    _assemble(x2, g2, np.ascontiguousarray(coef_x, dt), np.ascontiguousarray(const, dt),
              np.ascontiguousarray(scale, dt), out)  # fmt: skip
    return out
