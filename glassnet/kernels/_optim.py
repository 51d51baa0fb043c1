"""The optimizers' updates, compiled: one pass over each parameter, in place.

The NumPy reference (``optim/adam.py``, ``sgd.py``, ``rmsprop.py``) walks each parameter
in cache-sized blocks with a few passes per block and two scratch arrays. Each kernel
here reads every element of the parameter, its gradient and its state once and writes
them back once, with the same float operations in the same order and no ``fastmath``
(no fused multiply-adds, no reordering), so the results are the reference's bit for bit
(a memory-bound loop gains nothing from ``fastmath``). Scalars come in the
parameters' dtype, so float32 parameters are updated in float32 arithmetic, as NumPy
does. The loops are ``prange`` loops over the flattened arrays.

Each public function returns False, and touches nothing, when an array is not
C-contiguous or its dtype differs from the parameter's; the caller then runs its NumPy
code.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit, prange

from ._threads import use_threads

__all__ = ["adam", "sgd", "rmsprop", "fits"]


def fits(p: Any, *others: Any) -> bool:
    """Whether ``p`` and ``others`` are C-contiguous arrays of one shape and dtype, which
    the kernels update as flat views."""
    return all(
        a.flags.c_contiguous and a.dtype == p.dtype and a.shape == p.shape
        for a in (p, *others)
    ) and p.dtype in (np.float32, np.float64)


@njit(cache=True, parallel=True)
def _adam(p, g, m, v, shrink, sign, l2, omb1, beta2, omb2, ds, de, sa, sb, apply):  # pragma: no cover
    for i in prange(p.size):
        q = p[i] * shrink
        d = sign * g[i]
        if l2 != 0:
            d = l2 * q + d
        mi = m[i] + (d - m[i]) * omb1
        vi = v[i] * beta2 + (d * omb2) * d
        m[i] = mi
        v[i] = vi
        if apply != 0:
            q = q - mi / (np.sqrt(vi) * ds + de) * sa * sb
        p[i] = q


@njit(cache=True, parallel=True)
def _sgd(p, g, buf, lr, sign, wd, momentum, keep, fresh, nesterov, has_buf):  # pragma: no cover
    for i in prange(p.size):
        q = p[i]
        d = sign * g[i]
        if wd != 0:
            d = q * wd + d
        u = d
        if has_buf:
            b = d if fresh else buf[i] * momentum + d * keep
            buf[i] = b
            u = b * momentum + d if nesterov else b
        p[i] = q - u * lr


@njit(cache=True, parallel=True)
def _rmsprop(p, g, sq, buf, gavg, lr, sign, wd, alpha, oma, eps, momentum,
             has_buf, centered):  # fmt: skip  # pragma: no cover
    zero = p.dtype.type(0)
    for i in prange(p.size):
        q = p[i]
        d = sign * g[i]
        if wd != 0:
            d = q * wd + d
        s2 = sq[i] * alpha + (d * oma) * d
        sq[i] = s2
        if centered:
            ga = gavg[i] + (d - gavg[i]) * oma
            gavg[i] = ga
            den = np.sqrt(max(s2 - ga * ga, zero))
        else:
            den = np.sqrt(s2)
        u = d / (den + eps)
        if has_buf:
            b = buf[i] * momentum + u
            buf[i] = b
            u = b
        p[i] = q - u * lr


def _flat(*arrays: Any) -> list:
    return [a.reshape(-1) for a in arrays]


def adam(
    p: Any, g: Any, m: Any, v: Any, *, shrink: float, maximize: bool, l2: float, beta1: float,
    beta2: float, scale: tuple[float, float, float, float] | None, threads: int = 1,
) -> bool:  # fmt: skip
    """Adam's step on one parameter, in place (``Adam``'s docstring has the formulas).

    Parameters
    ----------
    p, g, m, v : ndarray, one shape
        The parameter, its gradient (read only), the first and second moments.
    shrink : float
        ``1 - lr * weight_decay`` with decoupled decay (AdamW), else 1.
    maximize : bool
    l2 : float
        The L2 factor added to the gradient (coupled weight decay), or 0.
    beta1, beta2 : float
    scale : (float, float, float, float) or None
        ``(a, b, c, d)`` of the update ``p -= m / (sqrt(v) * a + b) * c * d``; None
        updates the moments only (``lr == 0``).
    threads : int, default 1

    Returns
    -------
    bool
        False (nothing done) when the arrays do not fit the kernel (:func:`fits`).
    """
    if not fits(p, g, m, v):
        return False
    k = p.dtype.type
    a, b, c, d = scale if scale is not None else (0.0, 0.0, 0.0, 0.0)
    use_threads(threads)
    _adam(*_flat(p, g, m, v), k(shrink), k(-1.0 if maximize else 1.0), k(l2), k(1.0 - beta1),
          k(beta2), k(1.0 - beta2), k(a), k(b), k(c), k(d), scale is not None)  # fmt: skip
    return True


def sgd(
    p: Any, g: Any, buf: Any | None, *, lr: float, maximize: bool, weight_decay: float,
    momentum: float, dampening: float, fresh: bool, nesterov: bool, threads: int = 1,
) -> bool:  # fmt: skip
    """SGD's step on one parameter, in place (``SGD``'s docstring has the formulas).

    Parameters
    ----------
    p, g : ndarray, one shape
    buf : ndarray or None
        The momentum buffer (None without momentum); ``fresh`` when this is its first step.
    lr, weight_decay, momentum, dampening : float
    maximize, fresh, nesterov : bool
    threads : int, default 1

    Returns
    -------
    bool
        False (nothing done) when the arrays do not fit the kernel.
    """
    if not fits(p, g, *(() if buf is None else (buf,))):
        return False
    k = p.dtype.type
    use_threads(threads)
    fp, fg = _flat(p, g)
    fb = fp if buf is None else buf.reshape(-1)
    _sgd(fp, fg, fb, k(lr), k(-1.0 if maximize else 1.0), k(weight_decay), k(momentum),
         k(1.0 - dampening), fresh, nesterov, buf is not None)  # fmt: skip
    return True


def rmsprop(
    p: Any, g: Any, sq: Any, buf: Any | None, gavg: Any | None, *, lr: float, maximize: bool,
    weight_decay: float, alpha: float, eps: float, momentum: float, threads: int = 1,
) -> bool:  # fmt: skip
    """RMSprop's step on one parameter, in place (``RMSprop``'s docstring has the formulas).

    Parameters
    ----------
    p, g, sq : ndarray, one shape
        The parameter, its gradient, the running mean of squared gradients.
    buf, gavg : ndarray or None
        The momentum buffer (``momentum > 0``) and the running mean gradient (``centered``).
    lr, weight_decay, alpha, eps, momentum : float
        ``eps`` as the parameters' dtype holds it (nonzero).
    maximize : bool
    threads : int, default 1

    Returns
    -------
    bool
        False (nothing done) when the arrays do not fit the kernel.
    """
    extra = tuple(a for a in (buf, gavg) if a is not None)
    if not fits(p, g, sq, *extra):
        return False
    k = p.dtype.type
    use_threads(threads)
    fp, fg, fs = _flat(p, g, sq)
    fb = fp if buf is None else buf.reshape(-1)
    fa = fp if gavg is None else gavg.reshape(-1)
    _rmsprop(fp, fg, fs, fb, fa, k(lr), k(-1.0 if maximize else 1.0), k(weight_decay), k(alpha),
             k(1.0 - alpha), k(eps), k(momentum), buf is not None, gavg is not None)  # fmt: skip
    return True
