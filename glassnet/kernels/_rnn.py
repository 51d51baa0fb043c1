"""The LSTM's and GRU's per-step elementwise work, compiled: the kernels behind ``ops/rnn.py``.

``lstm_step`` and ``lstm_step_grad`` in ``ops/rnn.py`` are the reference definitions
(about 5 NumPy calls forward and 14 backward on ``(H, N)`` blocks per step). Here the
forward step keeps NumPy's ``tanh`` (numba's wheel has no SVML: a ``tanh`` in a loop runs
about 10x slower than the ufunc) and fuses what lies around the two ``tanh`` calls; the
backward step, which needs no transcendental, is one loop. The float operations and
their order are the reference's, without ``fastmath``: the states and gradients come out
bit for bit the same.

The GRU's forward step is here too; its backward step as one loop was not faster than
the NumPy code (its output gradient arrives transposed), so ``GRULayer`` keeps that.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit, prange

from ._threads import use_threads

__all__ = ["lstm_step", "lstm_step_grad", "gru_step", "fits"]


def fits(a: Any) -> bool:
    """Whether the gate block ``a`` (4H, N) is a C-contiguous float32/float64 array."""
    return a.dtype in (np.float32, np.float64) and a.flags.c_contiguous


@njit(cache=True, parallel=True)
def _cell(a, c_prev, has_prev, c):  # pragma: no cover - compiled
    nh, n = c.shape
    half = a.dtype.type(0.5)
    for r in prange(nh):
        for j in range(n):
            o = a[r, j] * half + half
            i = a[nh + r, j] * half + half
            f = a[2 * nh + r, j] * half + half
            a[r, j] = o
            a[nh + r, j] = i
            a[2 * nh + r, j] = f
            cc = i * a[3 * nh + r, j]
            if has_prev:
                cc = cc + f * c_prev[r, j]
            c[r, j] = cc


@njit(cache=True, parallel=True)
def _hidden(a, tc, h):  # pragma: no cover - compiled
    nh, n = h.shape
    for r in prange(nh):
        for j in range(n):
            h[r, j] = a[r, j] * tc[r, j]


@njit(cache=True, parallel=True)
def _grad(dh, g_out, a, tc, c_prev, has_prev, dc, d):  # pragma: no cover - compiled
    nh, n = dh.shape
    one = a.dtype.type(1)
    zero = a.dtype.type(0)
    for r in prange(nh):
        for j in range(n):
            dhv = dh[r, j] + g_out[r, j]
            dh[r, j] = dhv
            o = a[r, j]
            i = a[nh + r, j]
            f = a[2 * nh + r, j]
            g = a[3 * nh + r, j]
            t = tc[r, j]
            dov = dhv * t
            dcv = dc[r, j] + (dhv - dov * t) * o
            dfv = dcv * c_prev[r, j] if has_prev else zero
            d[r, j] = dov * ((one - o) * o)
            d[nh + r, j] = (dcv * g) * ((one - i) * i)
            d[2 * nh + r, j] = dfv * ((one - f) * f)
            d[3 * nh + r, j] = (dcv * i) * (one - g * g)
            dc[r, j] = dcv * f


def lstm_step(a: Any, c_prev: Any | None, c: Any, tc: Any, h: Any, threads: int = 1) -> None:
    """:func:`glassnet.ops.rnn.lstm_step` on NumPy arrays, in place (same parameters,
    without ``xp`` and the scratch array)."""
    use_threads(threads)
    np.tanh(a, out=a)  # one tanh serves all four gates
    _cell(a, c if c_prev is None else c_prev, c_prev is not None, c)
    np.tanh(c, out=tc)
    _hidden(a, tc, h)


def lstm_step_grad(
    dh: Any, g_out: Any, a: Any, tc: Any, c_prev: Any | None, dc: Any, d: Any, threads: int = 1
) -> None:
    """:func:`glassnet.ops.rnn.lstm_step_grad` on NumPy arrays, in place (same parameters,
    without ``xp`` and the scratch arrays)."""
    use_threads(threads)
    _grad(dh, g_out, a, tc, dc if c_prev is None else c_prev, c_prev is not None, dc, d)


@njit(cache=True, parallel=True)
def _gru_add(a, r_h):  # pragma: no cover - compiled
    rows, n = a.shape
    for r in prange(2 * (rows // 3)):
        for j in range(n):
            a[r, j] = a[r, j] + r_h[r, j]


@njit(cache=True, parallel=True)
def _gru_candidate(a, r_h):  # pragma: no cover - compiled
    nh = a.shape[0] // 3
    n = a.shape[1]
    half = a.dtype.type(0.5)
    for r in prange(nh):
        for j in range(n):
            rr = a[r, j] * half + half
            a[r, j] = rr
            a[nh + r, j] = a[nh + r, j] * half + half
            a[2 * nh + r, j] = a[2 * nh + r, j] + rr * r_h[2 * nh + r, j]


@njit(cache=True, parallel=True)
def _gru_hidden(a, h_prev, h):  # pragma: no cover - compiled
    nh, n = h.shape
    for r in prange(nh):
        for j in range(n):
            nv = a[2 * nh + r, j]
            h[r, j] = nv + (h_prev[r, j] - nv) * a[nh + r, j]


def gru_step(a: Any, r_h: Any, h_prev: Any, h: Any, threads: int = 1) -> None:
    """One GRU step after its two products, in place, as ``GRULayer.forward`` does it.

    Parameters
    ----------
    a : ndarray, shape (3H, N)
        The input side's pre-activations (r, z rows halved); becomes ``(r, z, n)``.
    r_h : ndarray, shape (3H, N)
        The hidden side's pre-activations (r, z rows halved; ``W_hn h + b_hn`` last).
    h_prev : ndarray, shape (H, N)
    h : ndarray, shape (H, N)
        Written: ``n + z * (h_prev - n)``.
    threads : int, default 1
    """
    use_threads(threads)
    _gru_add(a, r_h)
    nh = a.shape[0] // 3
    np.tanh(a[: 2 * nh], out=a[: 2 * nh])
    _gru_candidate(a, r_h)
    np.tanh(a[2 * nh :], out=a[2 * nh :])
    _gru_hidden(a, h_prev, h)
