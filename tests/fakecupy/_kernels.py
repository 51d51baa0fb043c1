"""NumPy stand-ins for the CUDA kernels glassnet compiles with ``cupy.ElementwiseKernel``.

Each takes the kernel's arguments in order, inputs first, as NumPy arrays or
scalars, and updates the outputs in place. The LSTM step and col2im stand-ins
call glassnet's own NumPy code (``glassnet.ops.rnn.lstm_step``/``lstm_step_grad``,
``glassnet.ops._im2col.col2im``), the one Python definition the CUDA source
restates; Adam's restates the kernel's formula. So the fake GPU path checks how
glassnet calls the kernel (argument order, scalar dtypes, in-place outputs);
the real kernels are checked against the CPU path by the ``gpu``-marked tests
on a machine with a GPU.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from glassnet.ops._im2col import col2im
from glassnet.ops.rnn import lstm_step, lstm_step_grad


def _adam(g, shrink, sign, l2, omb1, beta2, omb2, denom_scale, denom_eps, sa, sb, apply, p, m, v):
    for s in (shrink, sign, l2, omb1, beta2, omb2, denom_scale, denom_eps, sa, sb, apply):
        if not isinstance(s, np.generic) or s.dtype != p.dtype:
            raise TypeError(f"glassnet_adam: scalars must be {p.dtype} scalars, got {s!r}")
    q = p * shrink
    d = sign * g
    if l2 != 0:
        d = l2 * q + d
    m[...] = m + (d - m) * omb1
    v[...] = v * beta2 + (d * omb2) * d
    if apply != 0:
        q = q - m / (np.sqrt(v) * denom_scale + denom_eps) * sa * sb
    p[...] = q


KERNELS: dict[str, Callable[..., Any]] = {"glassnet_adam": _adam}


def _gate_block(o, ig, f, g):
    """The four gates as the one (4H, N) block the NumPy path works on (rows o, i, f, g)."""
    return np.concatenate([o, ig, f, g])


def _scatter(block, parts):
    n_h = parts[0].shape[0]
    for k, part in enumerate(parts):
        part[...] = block[k * n_h : (k + 1) * n_h]


def _lstm_step(c_prev, has_prev, o, ig, f, g, c, tc, h):
    a = _gate_block(o, ig, f, g)
    lstm_step(np, a, c_prev if has_prev != 0 else None, c, tc, h, np.empty_like(c))
    _scatter(a, (o, ig, f, g))


def _lstm_step_grad(dh, g_out, tc, o, ig, f, g, c_prev, has_prev, dc, d_o, d_i, d_f, d_g):
    a = _gate_block(o, ig, f, g)
    d = np.empty_like(a)
    prev = c_prev if has_prev != 0 else None
    # dh is an input of the kernel: the reference adds g_out to a copy
    lstm_step_grad(np, dh.copy(), g_out, a, tc, prev, dc, d, np.empty_like(a), np.empty_like(dc))
    _scatter(d, (d_o, d_i, d_f, d_g))


KERNELS.update(glassnet_lstm_step=_lstm_step, glassnet_lstm_step_grad=_lstm_step_grad)


def _col2im(gc, h, w, c, ho, wo, kh, kw, sh, sw, dh, dw, pt, pl, cg, gx):
    # the CPU code: the kernel must agree with it
    n = gx.shape[0]
    pads = (int(pt), 0, int(pl), 0)  # col2im reads the leading pads only
    col2im(np, gc, (n, int(h), int(w), int(c)), (int(ho), int(wo)), (int(kh), int(kw)),
           (int(sh), int(sw)), (int(dh), int(dw)), pads, int(c) // int(cg), out=gx)  # fmt: skip


KERNELS["glassnet_col2im"] = _col2im
