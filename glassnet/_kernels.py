"""Fused GPU kernels: one launch where the array code would make a dozen.

On a GPU each NumPy-style pass (``m += ...``, ``xp.tanh(a, out=a)``) is a kernel
launch costing a few microseconds of host time, which dominates the step of
small models. Where the array module offers ``ElementwiseKernel`` (CuPy), the
ops and optimizers that use :func:`elementwise` run such a sequence as one
kernel; elsewhere (NumPy, or an array module without it) they keep their
pass-by-pass code, which stays the reference. A kernel does the same float
operations in the same order as that code, so results agree to rounding (the
GPU's ``tanh`` and fused multiply-adds differ in the last bits).

Kernels are compiled by CuPy on first use and cached on disk by CuPy.
"""

from __future__ import annotations

from typing import Any

__all__ = ["elementwise", "SOURCES"]

#: name -> (in_params, out_params, operation); ``T`` is the floating dtype.
SOURCES: dict[str, tuple[str, str, str]] = {
    # Adam (optim/adam.py): p, m, v updated in place
    "glassnet_adam": (
        "T g, T shrink, T sign, T l2, T one_minus_beta1, T beta2, T one_minus_beta2, "
        "T denom_scale, T denom_eps, T step_a, T step_b, T apply",
        "T p, T m, T v",
        """
        T q = p * shrink;
        T d = sign * g;
        if (l2 != (T)0) d = l2 * q + d;
        m = m + (d - m) * one_minus_beta1;
        v = v * beta2 + (d * one_minus_beta2) * d;
        if (apply != (T)0) q = q - m / (sqrt(v) * denom_scale + denom_eps) * step_a * step_b;
        p = q;
        """,
    ),
    # one LSTM step forward, ops.rnn.lstm_step restated: the gate pre-activations o, ig, f,
    # g (sigmoid rows halved in the weights) become activations in place; c, tanh(c), h out
    "glassnet_lstm_step": (
        "T c_prev, T has_prev",
        "T o, T ig, T f, T g, T c, T tc, T h",
        """
        const T half = (T)0.5;
        o = tanh(o) * half + half;
        ig = tanh(ig) * half + half;
        f = tanh(f) * half + half;
        g = tanh(g);
        T cc = ig * g;
        if (has_prev != (T)0) cc = cc + f * c_prev;
        c = cc;
        T t = tanh(cc);
        tc = t;
        h = o * t;
        """,
    ),
    # one LSTM step backward, ops.rnn.lstm_step_grad restated: from dh (+ the output's gradient at this step) and dc to
    # the gate pre-activation gradients; dc becomes the previous step's
    "glassnet_lstm_step_grad": (
        "T dh, T g_out, T tc, T o, T ig, T f, T g, T c_prev, T has_prev",
        "T dc, T d_o, T d_i, T d_f, T d_g",
        """
        const T one = (T)1;
        T dhv = dh + g_out;
        T dov = dhv * tc;
        T dcv = dc + (dhv - dov * tc) * o;
        T dfv = (has_prev != (T)0) ? dcv * c_prev : (T)0;
        d_o = dov * ((one - o) * o);
        d_i = (dcv * g) * ((one - ig) * ig);
        d_f = dfv * ((one - f) * f);
        d_g = (dcv * ig) * (one - g * g);
        dc = dcv * f;
        """,
    ),
    # col2im (ops/_im2col.py): each input element (N, H, W, C) gathers the window
    # gradients gc (N, Ho, Wo, G, kh*kw, C/G) of the taps that read it; no atomics
    "glassnet_col2im": (
        "raw T gc, int32 H, int32 W, int32 C, int32 Ho, int32 Wo, int32 KH, int32 KW, "
        "int32 SH, int32 SW, int32 DH, int32 DW, int32 PT, int32 PL, int32 CG",
        "T gx",
        """
        const ptrdiff_t c = i % C;
        ptrdiff_t r = i / C;
        const ptrdiff_t x = r % W;
        r /= W;
        const ptrdiff_t y = r % H;
        const ptrdiff_t b_n = r / H;
        const ptrdiff_t grp = c / CG, cc = c % CG, groups = C / CG;
        T acc = (T)0;
        for (int a = 0; a < KH; ++a) {
            const ptrdiff_t ty = y + PT - (ptrdiff_t)a * DH;
            if (ty < 0 || ty % SH != 0 || ty / SH >= Ho) continue;
            const ptrdiff_t oy = ty / SH;
            for (int b = 0; b < KW; ++b) {
                const ptrdiff_t tx = x + PL - (ptrdiff_t)b * DW;
                if (tx < 0 || tx % SW != 0 || tx / SW >= Wo) continue;
                const ptrdiff_t ox = tx / SW;
                acc += gc[((((b_n * Ho + oy) * Wo + ox) * groups + grp) * (KH * KW)
                           + a * KW + b) * CG + cc];
            }
        }
        gx = acc;
        """,
    ),
}

_compiled: dict[tuple[int, str], Any] = {}


def elementwise(xp: Any, name: str) -> Any:
    """The kernel ``name`` of :data:`SOURCES` for array module ``xp``, or None without one.

    Parameters
    ----------
    xp : module
        The array module of the operands (``numpy``, ``cupy``).
    name : str
        A key of :data:`SOURCES`.

    Returns
    -------
    callable or None
        ``kernel(*inputs, *outputs)``, outputs updated in place; None when ``xp``
        has no ``ElementwiseKernel`` (NumPy).
    """
    make = getattr(xp, "ElementwiseKernel", None)
    if make is None:
        return None
    key = (id(make), name)
    kernel = _compiled.get(key)
    if kernel is None:
        in_params, out_params, body = SOURCES[name]
        kernel = _compiled[key] = make(in_params, out_params, body, name)
    return kernel
