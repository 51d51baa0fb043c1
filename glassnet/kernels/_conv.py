"""The convolution's im2col and col2im, compiled: kernels behind ``ops/conv.py``.

**im2col.** The NumPy reference pads the input into a buffer (one full copy) and copies
the windows out of it with one strided copy. :func:`im2col_rows` reads the unpadded
input and writes the zeros of the padding itself, so the padded copy is never made.

The NumPy reference (``col2im`` in ``ops/_im2col.py``) adds the gradient columns back
onto the input one kernel tap at a time: ``kH*kW`` strided passes over the whole input
gradient. Those adds run fast only when each tap's columns are one contiguous block,
so the reference computes the gradient columns with one matrix product per tap (nine
products of width ``C_in`` for a 3x3 kernel). This kernel gathers instead: each input
element sums the taps that read it, once, in one pass, so the columns can come from a
single wider product ``(rows, C_out) @ (C_out, kH*kW*C_in)``, which BLAS runs faster.

Each input element adds its taps in row-major tap order starting from zero; the
reference adds the same numbers, in another order for the edges, so the two agree to
float rounding.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit, prange

from ._threads import use_threads

__all__ = ["col2im", "im2col_rows", "supports"]


def supports(dtype: Any, groups: int) -> bool:
    """Whether the kernel covers this input gradient: float32 or float64, no groups."""
    return dtype in (np.float32, np.float64) and groups == 1


@njit(cache=True, parallel=True)
def _im2col_rows(x, cols, n0, ho, wo, kh, kw, sh, sw, dh, dw, pt, pl):  # pragma: no cover
    _, h, w, c = x.shape
    zero = cols.dtype.type(0)
    nb = cols.shape[0] // (ho * wo)
    for r in prange(nb * ho):
        b = r // ho
        i = r - b * ho
        for j in range(wo):
            row = cols[r * wo + j]
            for a in range(kh):
                y = i * sh + a * dh - pt
                for e in range(kw):
                    xx = j * sw + e * dw - pl
                    base = (a * kw + e) * c
                    if 0 <= y < h and 0 <= xx < w:
                        src = x[n0 + b, y, xx]
                        for ch in range(c):
                            row[base + ch] = src[ch]
                    else:
                        for ch in range(c):
                            row[base + ch] = zero


@njit(cache=True, parallel=True)
def _gather(gc, gx, sh, sw, dh, dw, pt, pl):  # pragma: no cover - compiled
    nb, h, w, c = gx.shape
    ho, wo, kh, kw = gc.shape[1], gc.shape[2], gc.shape[3], gc.shape[4]
    zero = gx.dtype.type(0)
    for r in prange(nb * h):
        b = r // h
        y = r - b * h
        for x in range(w):
            out = gx[b, y, x]
            for ch in range(c):
                out[ch] = zero
            for a in range(kh):
                ny = y + pt - a * dh
                if ny < 0 or ny % sh != 0 or ny // sh >= ho:
                    continue
                oy = ny // sh
                for e in range(kw):
                    nx = x + pl - e * dw
                    if nx < 0 or nx % sw != 0 or nx // sw >= wo:
                        continue
                    src = gc[b, oy, nx // sw, a, e]
                    for ch in range(c):
                        out[ch] += src[ch]


def im2col_rows(
    x: Any,
    cols: Any,
    n0: int,
    out_hw: tuple[int, int],
    kernel: tuple[int, int],
    stride: tuple[int, int],
    dilation: tuple[int, int],
    pads: tuple[int, int, int, int],
    threads: int = 1,
) -> None:
    """The windows of samples ``n0 ..`` of ``x`` as rows of ``cols``, zeros where they
    overhang the input (the padding).

    Parameters
    ----------
    x : ndarray, shape (N, H, W, C)
        The unpadded channels-last input (any strides).
    cols : ndarray, shape (rows, K[+1])
        C-contiguous; ``rows = samples * H_out * W_out``. Row ``(b, i, j)`` receives the
        window at output position ``(i, j)`` of sample ``n0 + b`` in ``(kH, kW, C)``
        order in its first ``K = kH*kW*C`` entries; the entries after them (the bias's
        ones) are left alone.
    n0 : int
        The first sample.
    out_hw, kernel, stride, dilation : (int, int)
    pads : (int, int, int, int)
        Top, bottom, left, right.
    threads : int, default 1
    """
    use_threads(threads)
    _im2col_rows(x, cols, n0, out_hw[0], out_hw[1], kernel[0], kernel[1], stride[0], stride[1],
                 dilation[0], dilation[1], pads[0], pads[2])  # fmt: skip


def col2im(
    gc: Any,
    out: Any,
    stride: tuple[int, int],
    dilation: tuple[int, int],
    pads: tuple[int, int, int, int],
    threads: int = 1,
) -> Any:
    """Sum window gradients back onto the (unpadded) input, channels-last.

    Parameters
    ----------
    gc : ndarray, shape (N, H_out, W_out, kH, kW, C)
        The gradient of every window's columns (C-contiguous for speed; any strides work).
    out : ndarray, shape (N, H, W, C)
        Written (every element): the input's gradient. Taps that fall in the padding
        are skipped.
    stride, dilation : (int, int)
    pads : (int, int, int, int)
        Top, bottom, left, right (only top and left place the windows).
    threads : int, default 1
        numba threads for the pass.

    Returns
    -------
    ndarray
        ``out``.
    """
    use_threads(threads)
    _gather(gc, out, stride[0], stride[1], dilation[0], dilation[1], pads[0], pads[2])
    return out
