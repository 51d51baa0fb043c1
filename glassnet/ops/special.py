"""Special functions: the error function ``erf``, its complement ``erfc`` and its inverse ``erfinv``.

Computed with array operations only (no SciPy), in float64 whatever the input's
dtype, then rounded to it:

* ``erf(x)`` for ``|x| < 3`` from the series ``2/sqrt(pi) exp(-x^2) sum_k 2^k x^(2k+1) /
  (2k+1)!!`` (positive terms: no cancellation), else ``1 - erfc(|x|)``;
* ``erfc(x)`` for ``|x| >= 1`` from Laplace's continued fraction
  ``exp(-x^2) / sqrt(pi) / (x + (1/2) / (x + 1 / (x + (3/2) / ...)))``, evaluated from
  the back, else ``1 - erf(x)``;
* ``exp(-x^2)`` as ``exp(-h^2) exp(-(x - h)(x + h))`` with ``h`` ``x`` rounded to 1/16,
  so the rounding of ``x^2`` is not amplified for large ``x``;
* ``erfinv(y)`` from Winitzki's closed-form approximation (relative error about 2e-3),
  refined by three Halley steps on ``erf(x) - |y|`` (on ``(1 - |y|) - erfc(x)`` for
  ``|y| > 1/2``, where ``1 - |y|`` is exact); two steps leave a dozen ulps near +-1.

Against ``math.erf``/``math.erfc`` over ``[-30, 30]`` (tests/ops/test_special.py) the
relative error is below 2e-15 for ``erf`` and 5e-15 for ``erfc`` (normal results);
``erfinv`` agrees with torch's float64 ``erfinv`` to 1e-14. In float32 each is
torch's float32 result to within one rounding.
"""

from __future__ import annotations

import math
from typing import Any

from ..autograd.function import Function
from ..backend import get_array_module
from ..tensor import Tensor
from ._float_input import as_float64

__all__ = ["erf", "erfc", "erfinv", "erf_array", "erfc_array", "erfinv_array"]

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_INV_SQRT_PI = 1.0 / math.sqrt(math.pi)
#: (upper end of |x|, terms): the series' terms for erf on [previous end, end), chosen where
#: the relative error against ``math.erf`` stops falling (below 2e-15).
_SERIES_BINS = ((0.5, 12), (1.5, 30), (3.0, 50))
#: (upper end of x, terms): the continued fraction's depth for erfc on [previous end, end)
#: (relative error against ``math.erfc`` below 1e-15).
_FRACTION_BINS = ((2.0, 200), (4.0, 60), (math.inf, 20))
_SERIES_UPTO = 3.0
_CF_FROM = 1.0  # erfc below 1 is 1 - erf (erfc(1) = 0.157: a few ulps lost at most)
_WINITZKI_A = 0.147


def _exp_minus_square(x: Any) -> Any:
    """``exp(-x**2)`` for ``x >= 0`` without amplifying the rounding of ``x**2``."""
    xp = get_array_module(x)
    h = xp.floor(x * 16.0) / 16.0  # h*h is exact
    return xp.exp(-h * h) * xp.exp(-(x - h) * (x + h))


def _erf_series(a: Any, terms: int) -> Any:
    """``erf(a)`` for float64 ``0 <= a <= 3`` from ``terms`` terms of the series."""
    a2 = a * a
    term = a.copy()
    total = a.copy()
    for k in range(1, terms):
        term = term * (2.0 * a2 / (2 * k + 1))
        total = total + term
    return _TWO_OVER_SQRT_PI * _exp_minus_square(a) * total


def _erfc_fraction(a: Any, terms: int) -> Any:
    """``erfc(a)`` for float64 ``1 <= a <= 40`` from ``terms`` levels of the fraction."""
    f = a.copy()
    for k in range(terms, 0, -1):
        f = a + (0.5 * k) / f
    return _exp_minus_square(a) * _INV_SQRT_PI / f



def _by_bins(a: Any, bins: tuple, start: float, fn: Any, lo: float, hi: float) -> Any:
    """``fn(a_part, terms)`` on each bin of ``a`` (float64, ``start <= a``), the rest left 0."""
    xp = get_array_module(a)
    out = xp.zeros_like(a)
    for end, terms in bins:
        part = (a >= start) & (a < end)
        if bool(part.any()):
            out[part] = fn(xp.clip(a[part], lo, hi), terms)
        start = end
    return out


def _erf_abs(a: Any) -> Any:
    """``erf(a)`` for float64 ``a >= 0`` (NaN stays NaN)."""
    xp = get_array_module(a)
    small = _by_bins(a, _SERIES_BINS, 0.0, _erf_series, 0.0, _SERIES_UPTO)
    big = 1.0 - _by_bins(a, _FRACTION_BINS[1:], _SERIES_UPTO, _erfc_fraction, 1.0, 40.0)
    return xp.where(a < _SERIES_UPTO, small, xp.where(xp.isnan(a), a, big))


def _erfc_abs(a: Any) -> Any:
    """``erfc(a)`` for float64 ``a >= 0`` (NaN stays NaN)."""
    xp = get_array_module(a)
    small = 1.0 - _by_bins(a, _SERIES_BINS[:2], 0.0, _erf_series, 0.0, _CF_FROM)
    big = _by_bins(a, _FRACTION_BINS, _CF_FROM, _erfc_fraction, _CF_FROM, 40.0)
    return xp.where(a < _CF_FROM, small, xp.where(xp.isnan(a), a, big))


def erf_array(x: Any) -> Any:
    """The error function of an array, in its floating dtype (float64 for integers).

    Parameters
    ----------
    x : array (any shape)

    Returns
    -------
    array (same shape)
    """
    xp = get_array_module(x)
    x64, dtype = as_float64(x)
    return xp.copysign(_erf_abs(xp.abs(x64)), x64).astype(dtype, copy=False)


def erfc_array(x: Any) -> Any:
    """``1 - erf(x)`` of an array, accurate where it is small (large ``x``).

    Parameters
    ----------
    x : array (any shape)

    Returns
    -------
    array (same shape)
    """
    xp = get_array_module(x)
    x64, dtype = as_float64(x)
    a = xp.abs(x64)
    out = xp.where(x64 >= 0, _erfc_abs(a), 1.0 + _erf_abs(a))
    return xp.where(xp.isnan(x64), x64, out).astype(dtype, copy=False)


def _winitzki(a: Any) -> Any:
    """A first guess at ``erfinv(a)`` for ``0 <= a < 1`` (relative error about 2e-3)."""
    xp = get_array_module(a)
    w = xp.log((1.0 - a) * (1.0 + a))
    t = 2.0 / (math.pi * _WINITZKI_A) + 0.5 * w
    return xp.sqrt(xp.sqrt(t * t - w / _WINITZKI_A) - t)


def erfinv_array(y: Any) -> Any:
    """The inverse error function of an array: ``erf(erfinv(y)) == y`` on ``[-1, 1]``.

    ``erfinv(+-1)`` is ``+-inf``; outside ``[-1, 1]`` the result is NaN, as torch's.

    Parameters
    ----------
    y : array (any shape)

    Returns
    -------
    array (same shape)
    """
    xp = get_array_module(y)
    y64, dtype = as_float64(y)
    a = xp.abs(y64)
    inside = a < 1.0
    a_in = xp.where(inside, a, 0.5)  # a stand-in keeps the iteration finite outside
    tail = a_in > 0.5
    rest = 1.0 - a_in  # exact for a_in > 1/2 (Sterbenz)
    x = _winitzki(a_in)
    for _ in range(3):
        residual = xp.where(tail, rest - _erfc_abs(x), _erf_abs(x) - a_in)
        step = residual / (_TWO_OVER_SQRT_PI * _exp_minus_square(x))
        x = x - step / (1.0 + x * step)  # Halley: erf'' = -2x erf'
    x = xp.where(inside, x, xp.where(a == 1.0, xp.inf, xp.nan))
    return xp.copysign(x, y64).astype(dtype, copy=False)


class Erf(Function):
    """``erf(x)``; the gradient is ``2/sqrt(pi) exp(-x^2)``."""

    def forward(self, a: Any) -> Any:
        if self.requires_grad:
            self.a = a
        return erf_array(a)

    def backward(self, g: Any) -> Any:
        xp = get_array_module(g)
        return g * (_TWO_OVER_SQRT_PI * xp.exp(-self.a * self.a)).astype(g.dtype, copy=False)

    def backward_graph(self, g: Any) -> Any:
        a = self.inputs[0]
        return g * (a * a * -1).exp() * _TWO_OVER_SQRT_PI


class Erfc(Function):
    """``erfc(x) = 1 - erf(x)``; the gradient is ``-2/sqrt(pi) exp(-x^2)``."""

    def forward(self, a: Any) -> Any:
        if self.requires_grad:
            self.a = a
        return erfc_array(a)

    def backward(self, g: Any) -> Any:
        xp = get_array_module(g)
        return g * (-_TWO_OVER_SQRT_PI * xp.exp(-self.a * self.a)).astype(g.dtype, copy=False)


class Erfinv(Function):
    """``erfinv(y)``; the gradient is ``sqrt(pi)/2 exp(erfinv(y)^2)``."""

    def forward(self, a: Any) -> Any:
        out = erfinv_array(a)
        if self.requires_grad:
            self.out = out
        return out

    def backward(self, g: Any) -> Any:
        xp = get_array_module(g)
        slope = (0.5 / _INV_SQRT_PI) * xp.exp(self.out * self.out)
        return g * slope.astype(g.dtype, copy=False)


def erf(x: Tensor) -> Tensor:
    """The error function ``2/sqrt(pi) * integral_0^x exp(-t^2) dt``, elementwise.

    Parameters
    ----------
    x : Tensor (any shape)

    Returns
    -------
    Tensor (same shape)
    """
    return Erf.apply(x)


def erfc(x: Tensor) -> Tensor:
    """``1 - erf(x)``, elementwise, accurate for large ``x`` (no cancellation).

    Parameters
    ----------
    x : Tensor (any shape)

    Returns
    -------
    Tensor (same shape)
    """
    return Erfc.apply(x)


def erfinv(x: Tensor) -> Tensor:
    """The inverse of ``erf`` on ``[-1, 1]``, elementwise (``+-inf`` at ``+-1``, NaN outside).

    Parameters
    ----------
    x : Tensor (any shape)

    Returns
    -------
    Tensor (same shape)
    """
    return Erfinv.apply(x)
