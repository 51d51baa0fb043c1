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


def _lstm_step(c_prev, has_prev, o, ig, f, g, c, tc, h):
    half = o.dtype.type(0.5)
    for gate in (o, ig, f):
        gate[...] = np.tanh(gate) * half + half
    g[...] = np.tanh(g)
    cc = ig * g
    if has_prev != 0:
        cc = cc + f * c_prev
    c[...] = cc
    tc[...] = np.tanh(cc)
    h[...] = o * tc


def _lstm_step_grad(dh, g_out, tc, o, ig, f, g, c_prev, has_prev, dc, d_o, d_i, d_f, d_g):
    one = o.dtype.type(1)
    dhv = dh + g_out
    dov = dhv * tc
    dcv = dc + (dhv - dov * tc) * o
    dfv = dcv * c_prev if has_prev != 0 else np.zeros_like(dcv)
    d_o[...] = dov * ((one - o) * o)
    d_i[...] = (dcv * g) * ((one - ig) * ig)
    d_f[...] = dfv * ((one - f) * f)
    d_g[...] = (dcv * ig) * (one - g * g)
    dc[...] = dcv * f


KERNELS.update(glassnet_lstm_step=_lstm_step, glassnet_lstm_step_grad=_lstm_step_grad)


def _col2im(gc, h, w, c, ho, wo, kh, kw, sh, sw, dh, dw, pt, pl, cg, gx):
    from glassnet.ops._im2col import col2im  # the CPU code: the kernel must agree with it

    n = gx.shape[0]
    pads = (int(pt), 0, int(pl), 0)  # col2im reads the leading pads only
    col2im(np, gc, (n, int(h), int(w), int(c)), (int(ho), int(wo)), (int(kh), int(kw)),
           (int(sh), int(sw)), (int(dh), int(dw)), pads, int(c) // int(cg), out=gx)  # fmt: skip


KERNELS["glassnet_col2im"] = _col2im
