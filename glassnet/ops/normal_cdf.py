"""The log of the standard normal CDF, ``log_ndtr``, and its inverse CDF, ``ndtri``.

Computed in float64 with array operations (no SciPy), then rounded to the input's dtype:

* ``log_ndtr(x)`` is ``log1p(-erfc(x / sqrt 2) / 2)`` for ``x >= -1`` (no cancellation near
  1), ``log(erfc(t) / 2)`` with ``t = -x / sqrt 2`` down to ``x = -5``, and below
  ``-t^2 + log(erfcx(t) / 2)``, ``erfcx(t) = exp(t^2) erfc(t)`` from Laplace's continued
  fraction, so the result stays finite where ``ndtr`` underflows (``x < -38``);
* ``ndtri(p)`` solves ``erfc(t) = 2 min(p, 1 - p)`` (``1 - p`` is exact for ``p >= 1/2``) by
  Newton's method on ``log erfc``, from the asymptotic ``erfc(t) ~ exp(-t^2) / (t sqrt pi)``
  (or ``erfinv`` for moderate tails), so tiny ``p`` keep their relative accuracy.

Against torch's float64 ``special.log_ndtr`` / ``special.ndtri`` (tests/ops/test_normal_cdf.py)
the relative error is below 1e-13.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..autograd.function import Function
from ..backend import get_array_module
from ..tensor import Tensor
from ._float_input import as_float64, floating
from .special import erfc_array, erfinv_array

__all__ = ["log_ndtr", "ndtri", "log_ndtr_array", "ndtri_array"]

_SQRT2 = math.sqrt(2.0)
_LOG2 = math.log(2.0)
_LOG_SQRT_PI = 0.5 * math.log(math.pi)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_FRACTION_FROM = 3.5  # t from which log erfc(t) comes from the continued fraction
_FRACTION_TERMS = 60  # enough for 1e-16 at t >= 3.5


def _log_erfcx_big(t: Any) -> Any:
    """``log(exp(t^2) erfc(t))`` for float64 ``t >= 3.5`` (Laplace's continued fraction)."""
    xp = get_array_module(t)
    f = t.copy()
    for k in range(_FRACTION_TERMS, 0, -1):
        f = t + (0.5 * k) / f
    return -xp.log(f) - _LOG_SQRT_PI


def _log_erfc(t: Any) -> Any:
    """``log(erfc(t))`` for float64 ``t >= 0``, finite however large ``t`` is."""
    xp = get_array_module(t)
    small = xp.minimum(t, _FRACTION_FROM)
    big = xp.maximum(t, _FRACTION_FROM)
    with np.errstate(divide="ignore"):
        near = xp.log(erfc_array(small))
    far = -big * big + _log_erfcx_big(big)
    return xp.where(t < _FRACTION_FROM, near, far)



def log_ndtr_array(x: Any) -> Any:
    """``log(ndtr(x))`` of an array, in its floating dtype (float64 for integers).

    Parameters
    ----------
    x : array (any shape)

    Returns
    -------
    array (same shape)
    """
    xp = get_array_module(x)
    x64, dtype = as_float64(x)
    upper = xp.log1p(-0.5 * erfc_array(xp.maximum(x64, -1.0) / _SQRT2))
    lower = _log_erfc(xp.maximum(-x64, 1.0) / _SQRT2) - _LOG2
    out = xp.where(x64 >= -1.0, upper, lower)
    return xp.where(xp.isnan(x64), x64, out).astype(dtype, copy=False)


def _erfc_root(y: Any) -> Any:
    """``t >= 0`` with ``erfc(t) = y``, for float64 ``0 < y <= 1``."""
    xp = get_array_module(y)
    log_y = xp.log(y)
    # start: erfinv where 1 - y keeps its digits, else the asymptotic form iterated twice
    moderate = erfinv_array(1.0 - xp.maximum(y, 1e-3))
    t = xp.sqrt(xp.maximum(-log_y, 1.0))  # (the moderate start replaces t where y > 1e-3)
    for _ in range(2):
        t = xp.sqrt(xp.maximum(-log_y - xp.log(t * math.sqrt(math.pi)), 0.25))
    t = xp.where(y > 1e-3, moderate, t)
    for _ in range(4):  # Newton on log erfc(t) - log y; d/dt log erfc = -2/sqrt(pi) / erfcx
        log_e = _log_erfc(t)
        slope = -2.0 / math.sqrt(math.pi) * xp.exp(-t * t - log_e)
        t = xp.maximum(t - (log_e - log_y) / slope, 0.0)
    return t


def ndtri_array(p: Any) -> Any:
    """The standard normal quantile of an array: ``ndtr(ndtri(p)) == p`` on ``[0, 1]``.

    ``ndtri(0) = -inf``, ``ndtri(1) = inf``, NaN outside ``[0, 1]``, as torch's.

    Parameters
    ----------
    p : array (any shape)

    Returns
    -------
    array (same shape)
    """
    xp = get_array_module(p)
    p64, dtype = as_float64(p)
    inside = (p64 > 0.0) & (p64 < 1.0)
    q = xp.where(inside, xp.minimum(p64, 1.0 - p64), 0.25)  # 1 - p exact for p >= 1/2
    x = _SQRT2 * _erfc_root(2.0 * q)
    x = xp.where(p64 < 0.5, -x, x)
    edge = xp.where(p64 == 0.0, -xp.inf, xp.where(p64 == 1.0, xp.inf, xp.nan))
    return xp.where(inside, x, edge).astype(dtype, copy=False)


class LogNdtr(Function):
    """``log(ndtr(x))``; the gradient is ``phi(x) / ndtr(x)``."""

    def forward(self, a: Any) -> Any:
        out = log_ndtr_array(a)
        if self.requires_grad:
            self.a, self.out = a, out
        return out

    def backward(self, g: Any) -> Any:
        xp = get_array_module(g)
        a = self.a.astype(xp.float64)
        slope = _INV_SQRT_2PI * xp.exp(-0.5 * a * a - self.out.astype(xp.float64))
        return g * slope.astype(g.dtype, copy=False)


class Ndtri(Function):
    """``ndtri(p)``; the gradient is ``sqrt(2 pi) exp(ndtri(p)^2 / 2)``."""

    def forward(self, a: Any) -> Any:
        out = ndtri_array(a)
        if self.requires_grad:
            self.out = out
        return out

    def backward(self, g: Any) -> Any:
        xp = get_array_module(g)
        x = self.out.astype(xp.float64)
        with np.errstate(over="ignore"):
            slope = xp.exp(0.5 * x * x) / _INV_SQRT_2PI
        return g * slope.astype(g.dtype, copy=False)



def log_ndtr(x: Tensor) -> Tensor:
    """The log of the standard normal CDF, accurate in both tails, elementwise.

    Parameters
    ----------
    x : Tensor (any shape)

    Returns
    -------
    Tensor (same shape)
    """
    return LogNdtr.apply(floating(x, "log_ndtr"))


def ndtri(p: Tensor) -> Tensor:
    """The standard normal quantile (inverse CDF), elementwise.

    Parameters
    ----------
    p : Tensor (any shape)
        Probabilities; ``0`` and ``1`` give ``-inf``/``inf``, others outside ``[0, 1]`` NaN.

    Returns
    -------
    Tensor (same shape)
    """
    return Ndtri.apply(floating(p, "ndtri"))
