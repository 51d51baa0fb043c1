"""The modified Bessel functions of the first kind of orders 0 and 1: ``i0``, ``i0e``, ``i1``,
``i1e`` (``torch.special``; ``torch.i0``), differentiable.

All four come from the scaled values ``e^{-|x|} I0(x)`` and ``e^{-|x|} I1(x)``, computed in
float64 and cast back:

- for ``|x| <= 30`` by the power series ``I0 = sum q^k / k!^2``, ``I1 = (x/2) sum q^k /
  (k! (k+1)!)`` with ``q = x^2/4``: every term is positive, so summing 90 of them loses no
  accuracy (the terms past ``k = 90`` are below ``1e-30`` of the sum for ``q <= 225``);
- beyond, by the large-argument expansion ``e^{-x} I_n(x) ~ (2 pi x)^{-1/2} sum_k
  (-1)^k prod_{j<=k} (4n^2 - (2j-1)^2) / (k! (8x)^k)``, whose first 30 terms reach float64
  accuracy for ``x > 30`` (the ratio of successive terms is about ``k / (2x)``).

``I0`` is even and ``I1`` odd. ``i0`` and ``i1`` overflow to ``inf`` past ``|x| ~ 713`` in
float64 (``~ 89`` in float32) and are ``nan`` at ``+-inf``, as torch's (whose gradient of
``i1`` is ``inf - inf = nan`` past the dtype's overflow, here too). The gradients: ``I0' = I1``, ``I1' = I0 - I1/x``
(``1/2`` at 0), and for the scaled forms ``i0e' = i1e - sign(x) i0e``,
``i1e' = i0e - i1e (sign(x) + 1/x)`` (``1/2`` at 0).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..autograd.function import Function
from ..backend import get_array_module
from ..tensor import Tensor
from ._float_input import as_float64, floating

__all__ = ["i0", "i0e", "i1", "i1e", "I0", "I0e", "I1", "I1e", "scaled_i0_i1"]

_SERIES_TERMS = 90
_ASYMPTOTIC_TERMS = 30
_SWITCH = 30.0


def _series(xp: Any, ax: Any) -> tuple[Any, Any]:
    """``(I0(ax), I1(ax) / (ax/2))`` by the power series, for ``0 <= ax <= 30``."""
    q = ax * ax / 4.0
    t0 = xp.ones_like(ax)
    t1 = xp.ones_like(ax)
    s0 = xp.ones_like(ax)
    s1 = xp.ones_like(ax)
    for k in range(1, _SERIES_TERMS):
        t0 = t0 * q / (k * k)
        t1 = t1 * q / (k * (k + 1))
        s0 = s0 + t0
        s1 = s1 + t1
    return s0, s1


def _asymptotic(xp: Any, ax: Any, order: int) -> Any:
    """``e^{-ax} I_order(ax)`` by the large-argument expansion, for ``ax > 30``."""
    mu = 4.0 * order * order
    term = xp.ones_like(ax)
    total = xp.ones_like(ax)
    for k in range(1, _ASYMPTOTIC_TERMS):
        term = -term * (mu - (2 * k - 1) ** 2) / (k * 8.0 * ax)
        total = total + term
    return total / xp.sqrt(2.0 * math.pi * ax)


def scaled_i0_i1(x: Any) -> tuple[Any, Any]:
    """``(e^{-|x|} I0(x), e^{-|x|} I1(x))`` of an array, in float64.

    Parameters
    ----------
    x : array (any shape)

    Returns
    -------
    tuple of two float64 arrays, each of ``x``'s shape
    """
    xp = get_array_module(x)
    x64, _ = as_float64(x)
    ax = xp.abs(x64)
    small = ax <= _SWITCH
    a_small = xp.where(small, ax, 0.0)
    a_large = xp.where(small, _SWITCH + 1.0, ax)
    with np.errstate(over="ignore", invalid="ignore"):
        s0, s1 = _series(xp, a_small)
        decay = xp.exp(-a_small)
        e0 = xp.where(small, s0 * decay, _asymptotic(xp, a_large, 0))
        e1 = xp.where(small, s1 * (a_small / 2.0) * decay, _asymptotic(xp, a_large, 1))
    e1 = xp.where(x64 < 0, -e1, e1)
    nan = xp.isnan(x64)
    e0 = xp.where(nan, x64, e0)
    e1 = xp.where(nan, x64, e1)
    return e0, e1


def _unscaled(x64: Any, scaled: Any) -> Any:
    """``scaled * e^{|x|}`` (``nan`` at ``+-inf``, as torch's ``i0`` and ``i1``)."""
    xp = get_array_module(x64)
    with np.errstate(over="ignore", invalid="ignore"):
        return scaled * xp.exp(xp.abs(x64))


def _over_x(x64: Any, e1: Any) -> Any:
    """``e1 / x``, with its limit ``1/2`` at ``x = 0`` (``I1(x)/x -> 1/2``)."""
    xp = get_array_module(x64)
    zero = x64 == 0
    return xp.where(zero, 0.5, e1 / xp.where(zero, 1.0, x64))


class _Bessel(Function):
    """Shared forward: the value from the scaled pair, the input kept for backward."""

    def _pair(self, a: Any) -> tuple[Any, Any, Any]:
        x64, _ = as_float64(a)
        e0, e1 = scaled_i0_i1(a)
        return x64, e0, e1

    def forward(self, a: Any) -> Any:
        if self.requires_grad:
            self.a = a
        with np.errstate(over="ignore"):  # float32 overflows to inf, as torch's
            return self._value(*self._pair(a)).astype(a.dtype, copy=False)

    def backward(self, g: Any) -> Any:
        with np.errstate(over="ignore"):
            return g * self._slope(*self._pair(self.a)).astype(g.dtype, copy=False)

    def _value(self, x64: Any, e0: Any, e1: Any) -> Any:
        raise NotImplementedError

    def _slope(self, x64: Any, e0: Any, e1: Any) -> Any:
        raise NotImplementedError


class I0(_Bessel):
    """``I0(x)``; the gradient is ``I1(x)``."""

    def _value(self, x64: Any, e0: Any, e1: Any) -> Any:
        return _unscaled(x64, e0)

    def _slope(self, x64: Any, e0: Any, e1: Any) -> Any:
        return _unscaled(x64, e1)


class I0e(_Bessel):
    """``e^{-|x|} I0(x)``; the gradient is ``i1e(x) - sign(x) i0e(x)``."""

    def _value(self, x64: Any, e0: Any, e1: Any) -> Any:
        return e0

    def _slope(self, x64: Any, e0: Any, e1: Any) -> Any:
        return e1 - get_array_module(x64).sign(x64) * e0


class I1(_Bessel):
    """``I1(x)``; the gradient is ``I0(x) - I1(x)/x`` (``1/2`` at 0)."""

    def _value(self, x64: Any, e0: Any, e1: Any) -> Any:
        return _unscaled(x64, e1)

    def _slope(self, x64: Any, e0: Any, e1: Any) -> Any:
        dt = self.a.dtype  # inf - inf past the dtype's overflow: nan, as torch's
        with np.errstate(over="ignore", invalid="ignore"):
            return _unscaled(x64, e0).astype(dt) - _unscaled(x64, _over_x(x64, e1)).astype(dt)


class I1e(_Bessel):
    """``e^{-|x|} I1(x)``; the gradient is ``i0e(x) - i1e(x) (sign(x) + 1/x)`` (``1/2``
    at 0)."""

    def _value(self, x64: Any, e0: Any, e1: Any) -> Any:
        return e1

    def _slope(self, x64: Any, e0: Any, e1: Any) -> Any:
        xp = get_array_module(x64)
        return e0 - xp.sign(x64) * e1 - _over_x(x64, e1)


def i0(x: Tensor) -> Tensor:
    """The modified Bessel function of the first kind of order 0, elementwise.

    Parameters
    ----------
    x : Tensor (any shape)
        Integer input is computed in the default float dtype, as torch.

    Returns
    -------
    Tensor (same shape); ``inf`` where the value overflows the dtype
    """
    return I0.apply(floating(x, "i0"))


def i0e(x: Tensor) -> Tensor:
    """``exp(-|x|) * i0(x)``, elementwise, without overflow (shapes as :func:`i0`)."""
    return I0e.apply(floating(x, "i0e"))


def i1(x: Tensor) -> Tensor:
    """The modified Bessel function of the first kind of order 1, elementwise (odd;
    shapes as :func:`i0`)."""
    return I1.apply(floating(x, "i1"))


def i1e(x: Tensor) -> Tensor:
    """``exp(-|x|) * i1(x)``, elementwise, without overflow (shapes as :func:`i0`)."""
    return I1e.apply(floating(x, "i1e"))
