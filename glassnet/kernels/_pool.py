"""Max pooling on channels-last arrays, compiled: the kernels behind ``ops/pool.py``.

Windows without padding or dilation (``MaxPool2d(2)`` after a convolution). The
forward pass keeps, per output element, the tap of the window's first maximum in
row-major order (PyTorch's choice on ties) as one ``uint8``; the backward pass sends
each gradient to that tap. A NaN in a window wins, as ``np.maximum`` lets it through.
The loops over output rows are ``prange`` loops; 2x2 windows have their own kernels
(the loops over taps unrolled: about 2.5x faster than the general ones).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit, prange

from ._threads import use_threads

__all__ = [
    "NO_GRAD", "max_pool_forward", "max_pool_backward", "max_pool_backward_2x2",
    "relu_max_pool_2x2", "supports",
]  # fmt: skip

#: The tap code of a pooled value whose gradient is zero (:func:`relu_max_pool_2x2`: its
#: maximum is not positive, so the ReLU after the pool passes no gradient).
NO_GRAD = 255


def supports(dtype: Any, kernel: tuple, padding: tuple, dilation: tuple, needs_pad: bool) -> bool:
    """Whether the compiled kernels cover this input and window: float32 or float64, no
    padding, no dilation, fewer than 256 taps (the tap index is one byte)."""
    return (
        dtype in (np.float32, np.float64)
        and not needs_pad
        and not any(padding)
        and dilation == (1, 1)
        and kernel[0] * kernel[1] < 256
    )


@njit(cache=True, inline="always")
def _takes(v, best):  # pragma: no cover - compiled
    """Whether ``v`` replaces the window's maximum so far: larger, or a NaN (NaN wins, as
    ``np.maximum`` lets it through)."""
    return v > best or (v != v and best == best)


@njit(cache=True, parallel=True)
def _forward(x, kh, kw, sh, sw, out, idx):  # pragma: no cover - compiled
    n, ho, wo, c = out.shape
    for r in prange(n * ho):
        b = r // ho
        i = r - b * ho
        for j in range(wo):
            o = out[b, i, j]
            d = idx[b, i, j]
            first = x[b, i * sh, j * sw]
            for ch in range(c):
                o[ch] = first[ch]
                d[ch] = 0
            t = 0
            for a in range(kh):
                for e in range(kw):
                    if t > 0:
                        row = x[b, i * sh + a, j * sw + e]
                        for ch in range(c):
                            v = row[ch]
                            cur = o[ch]
                            take = _takes(v, cur)
                            o[ch] = v if take else cur
                            d[ch] = t if take else d[ch]
                    t += 1


@njit(cache=True, parallel=True)
def _forward_2x2(x, out, idx):  # pragma: no cover - compiled
    n, ho, wo, c = out.shape
    for r in prange(n * ho):
        b = r // ho
        i = r - b * ho
        for j in range(wo):
            top = x[b, 2 * i, 2 * j : 2 * j + 2]
            bottom = x[b, 2 * i + 1, 2 * j : 2 * j + 2]
            o = out[b, i, j]
            d = idx[b, i, j]
            for ch in range(c):
                best = top[0, ch]
                arg = 0
                v = top[1, ch]
                if _takes(v, best):
                    best = v
                    arg = 1
                v = bottom[0, ch]
                if _takes(v, best):
                    best = v
                    arg = 2
                v = bottom[1, ch]
                if _takes(v, best):
                    best = v
                    arg = 3
                o[ch] = best
                d[ch] = arg


@njit(cache=True, parallel=True)
def _relu_forward_2x2(x, out, idx, keep):  # pragma: no cover - compiled
    # the maximum as _forward_2x2 takes it (NaN wins), then ReLU as np.maximum(v, 0) does;
    # with keep, the tap of the maximum where it is positive, NO_GRAD elsewhere
    n, ho, wo, c = out.shape
    zero = out.dtype.type(0)
    for r in prange(n * ho):
        b = r // ho
        i = r - b * ho
        for j in range(wo):
            top = x[b, 2 * i, 2 * j : 2 * j + 2]
            bottom = x[b, 2 * i + 1, 2 * j : 2 * j + 2]
            o = out[b, i, j]
            d = idx[b, i, j] if keep else idx[0, 0, 0]
            for ch in range(c):
                best = top[0, ch]
                arg = 0
                v = top[1, ch]
                if _takes(v, best):
                    best = v
                    arg = 1
                v = bottom[0, ch]
                if _takes(v, best):
                    best = v
                    arg = 2
                v = bottom[1, ch]
                if _takes(v, best):
                    best = v
                    arg = 3
                o[ch] = best if (best >= zero or best != best) else zero
                if keep:
                    d[ch] = arg if best > zero else NO_GRAD


@njit(cache=True, parallel=True)
def _backward_2x2(g, idx, gx):  # pragma: no cover - compiled
    n, ho, wo, c = g.shape
    zero = gx.dtype.type(0)
    for r in prange(n * ho):
        b = r // ho
        i = r - b * ho
        for j in range(wo):
            top = gx[b, 2 * i, 2 * j : 2 * j + 2]
            bottom = gx[b, 2 * i + 1, 2 * j : 2 * j + 2]
            gr = g[b, i, j]
            d = idx[b, i, j]
            for ch in range(c):
                v = gr[ch]
                t = d[ch]
                top[0, ch] = v if t == 0 else zero
                top[1, ch] = v if t == 1 else zero
                bottom[0, ch] = v if t == 2 else zero
                bottom[1, ch] = v if t == 3 else zero


@njit(cache=True, parallel=True)
def _backward(g, idx, kw, sh, sw, gx):  # pragma: no cover - compiled
    # gx starts at zero and gathers; windows may overlap, so one sample per thread
    n, ho, wo, c = g.shape
    for b in prange(n):
        for i in range(ho):
            for j in range(wo):
                gr = g[b, i, j]
                d = idx[b, i, j]
                for ch in range(c):
                    t = d[ch]
                    a = t // kw
                    gx[b, i * sh + a, j * sw + (t - a * kw), ch] += gr[ch]


def max_pool_forward(
    xh: Any, kernel: tuple, stride: tuple, out_hw: tuple, threads: int = 1
) -> tuple[Any, Any]:
    """Max pooling of a channels-last array.

    Parameters
    ----------
    xh : ndarray, shape (N, H, W, C)
        Any strides (a channels-last array is fastest).
    kernel, stride : (int, int)
    out_hw : (int, int)
        ``(H_out, W_out)``; every window lies inside the input.
    threads : int, default 1
        numba threads for the pass.

    Returns
    -------
    out : ndarray, shape (N, H_out, W_out, C)
    idx : ndarray of uint8, shape (N, H_out, W_out, C)
        The row-major tap ``a * kw + b`` of each window's first maximum.
    """
    n, _, _, c = xh.shape
    out = np.empty((n, *out_hw, c), dtype=xh.dtype)
    idx = np.empty((n, *out_hw, c), dtype=np.uint8)
    use_threads(threads)
    if kernel == (2, 2) and stride == (2, 2):
        _forward_2x2(xh, out, idx)
    else:
        _forward(xh, kernel[0], kernel[1], stride[0], stride[1], out, idx)
    return out, idx


def relu_max_pool_2x2(xh: Any, out: Any, idx: Any = None, threads: int = 1) -> Any:
    """``maximum(max_pool_2x2(xh), 0)`` written into ``out``, and into ``idx`` (when given)
    the tap of each window's first maximum where that maximum is positive, else
    :data:`NO_GRAD` (ReLU's gradient is zero there).

    Parameters
    ----------
    xh : ndarray, shape (N, 2*H_out, 2*W_out, C)
        Channels-last input, float32 or float64 (any strides; C-contiguous is fastest).
    out : ndarray, shape (N, H_out, W_out, C)
    idx : ndarray of uint8, shape (N, H_out, W_out, C), optional
        For :func:`max_pool_backward_2x2`; None when no gradient is wanted.
    threads : int, default 1

    Returns
    -------
    ndarray
        ``out``.
    """
    use_threads(threads)
    keep = idx is not None
    _relu_forward_2x2(xh, out, idx if keep else np.empty((1, 1, 1, 1), np.uint8), keep)
    return out


def max_pool_backward_2x2(gh: Any, idx: Any, out: Any, threads: int = 1) -> Any:
    """The gradient of a 2x2, stride-2 max pool (from :func:`max_pool_forward` or
    :func:`relu_max_pool_2x2`) written into ``out``: each gradient at its window's tap,
    zeros elsewhere (everywhere in a window marked :data:`NO_GRAD`).

    Parameters
    ----------
    gh : ndarray, shape (N, H_out, W_out, C)
        The pooled output's gradient, any strides.
    idx : ndarray of uint8, shape (N, H_out, W_out, C)
    out : ndarray, shape (N, 2*H_out, 2*W_out, C)
        Every element is written.
    threads : int, default 1

    Returns
    -------
    ndarray
        ``out``.
    """
    use_threads(threads)
    _backward_2x2(gh, idx, out)
    return out


def max_pool_backward(
    gh: Any, idx: Any, kernel: tuple, stride: tuple, in_hw: tuple, threads: int = 1
) -> Any:
    """The gradient of :func:`max_pool_forward` with respect to its input.

    Parameters
    ----------
    gh : ndarray, shape (N, H_out, W_out, C)
        The output's gradient, any strides.
    idx : ndarray of uint8, shape (N, H_out, W_out, C)
        From :func:`max_pool_forward`.
    kernel, stride : (int, int)
    in_hw : (int, int)
        The input's ``(H, W)``.
    threads : int, default 1

    Returns
    -------
    ndarray, shape (N, H, W, C)
        Each window's gradient at its first maximum, summed where windows overlap.
    """
    n, ho, wo, c = gh.shape
    shape = (n, *in_hw, c)
    use_threads(threads)
    if kernel == (2, 2) and stride == (2, 2) and in_hw == (2 * ho, 2 * wo):
        gx = np.empty(shape, dtype=gh.dtype)
        _backward_2x2(gh, idx, gx)
    else:
        gx = np.zeros(shape, dtype=gh.dtype)
        _backward(gh, idx, kernel[1], stride[0], stride[1], gx)
    return gx
