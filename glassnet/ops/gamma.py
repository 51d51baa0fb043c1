"""The gamma family: ``lgamma``, ``digamma`` and ``polygamma``, with their gradients.

Computed with array operations only (no SciPy), in float64 whatever the input's dtype,
then rounded to it:

* for ``x >= 0`` the argument is shifted up by the recurrences
  ``lgamma(x) = lgamma(x + 1) - log(x)`` and
  ``psi_n(x) = psi_n(x + 1) + (-1)^n n! / x^(n + 1)`` until it reaches a threshold
  (15, more for high orders ``n``), where the asymptotic (Stirling) series with Bernoulli
  numbers converges to double precision in a handful of terms;
* for ``x < 0`` the reflection formulas ``lgamma(x) = log(pi / |sin(pi x)|) - lgamma(1 - x)``
  and ``psi_n(x) = (-1)^n psi_n(1 - x) - pi^(n + 1) P_n(cot(pi x))`` are used, with
  ``P_n`` the polynomial such that ``d^n/dx^n cot(pi x) = pi^n P_n(cot(pi x))``;
  ``sin(pi x)`` and ``cot(pi x)`` are evaluated on ``x - round(x)`` (exact), so large
  negative arguments keep their accuracy.

Special points follow torch: ``lgamma`` is ``inf`` at the poles ``0, -1, -2, ...`` and at
``+-inf``; ``digamma(+0) = -inf``, ``digamma(-0) = +inf``, NaN at negative integers and at
``-inf``; ``polygamma(n, x)`` for ``n >= 1`` is ``(-1)^(n + 1) inf`` at the poles.
Against torch's float64 results (tests/ops/test_gamma.py) the relative error is below
1e-13 away from the zeros of the functions (absolute error there below 1e-13).
"""

from __future__ import annotations

import math
from fractions import Fraction
from functools import cache
from typing import Any

import numpy as np

from .._validate import is_int
from ..autograd.function import Function
from ..backend import get_array_module
from ..tensor import Tensor
from ._float_input import as_float64, floating

__all__ = [
    "lgamma", "digamma", "polygamma", "mvlgamma",
    "lgamma_array", "digamma_array", "polygamma_array",
]  # fmt: skip

_HALF_LOG_TWO_PI = 0.5 * math.log(2.0 * math.pi)
_LOG_PI = math.log(math.pi)
_THRESHOLD = 15.0  # where the asymptotic series start (shifted up to it below)
_TERMS = 10  # Bernoulli terms of the asymptotic series
_NEAR_TWO_TERMS = 40  # Taylor terms of lgamma(2 + e), |e| <= 1/2: (zeta(k) - 1) / k < 2^-k
_EULER_GAMMA = 0.5772156649015329


@cache
def _bernoulli(count: int) -> tuple[Fraction, ...]:
    """The Bernoulli numbers ``B_2, B_4, ..., B_(2 count)``, exactly."""
    b = [Fraction(1)]
    for m in range(1, 2 * count + 1):
        b.append(-sum(math.comb(m + 1, k) * b[k] for k in range(m)) / (m + 1))
    return tuple(b[2 * k] for k in range(1, count + 1))


@cache
def _cot_derivative_poly(n: int) -> tuple[float, ...]:
    """Coefficients (lowest first) of ``P_n`` with ``d^n/dx^n cot(pi x) = pi^n P_n(cot(pi x))``."""
    poly = np.polynomial.Polynomial([0.0, 1.0])
    for _ in range(n):
        poly = -poly.deriv() * np.polynomial.Polynomial([1.0, 0.0, 1.0])
    return tuple(float(c) for c in poly.coef)


def _horner(coefs: tuple[float, ...], c: Any) -> Any:
    out = c * 0.0 + coefs[-1]
    for k in coefs[-2::-1]:
        out = out * c + k
    return out



def _reduced(x: Any) -> Any:
    """``x - round(x)`` (exact, in ``[-1/2, 1/2]``): the argument for ``sin``/``cot(pi x)``."""
    xp = get_array_module(x)
    return x - xp.round(x)


def _lgamma_positive(x: Any) -> Any:
    """``lgamma`` of float64 ``x > 0`` (finite)."""
    xp = get_array_module(x)
    z = x.copy()
    prod = xp.ones_like(x)
    for _ in range(int(_THRESHOLD) + 1):
        low = z < _THRESHOLD
        if not bool(low.any()):
            break
        prod = xp.where(low, prod * z, prod)
        z = xp.where(low, z + 1.0, z)
    inv = 1.0 / z
    inv2 = inv * inv
    series = xp.zeros_like(z)
    for k, b in reversed(list(enumerate(_bernoulli(_TERMS), start=1))):
        series = series * inv2 + float(b) / (2 * k * (2 * k - 1))
    with np.errstate(over="ignore"):  # lgamma(x) overflows for x > 2.5e305, as torch's
        stirling = (z - 0.5) * xp.log(z) - z + _HALF_LOG_TWO_PI + series * inv
    return stirling - xp.log(prod)


@cache
def _zeta_minus_one(count: int) -> tuple[float, ...]:
    """``zeta(k) - 1`` for ``k = 2 .. count + 1`` (direct sum to 999 plus Euler-Maclaurin)."""
    n = 1000
    out = []
    for k in range(2, count + 2):
        head = math.fsum(float(m) ** -k for m in range(2, n))
        tail = n ** (1.0 - k) / (k - 1) + 0.5 * n**-k + k * n ** (-k - 1.0) / 12.0
        out.append(head + tail)
    return tuple(out)


def _lgamma_near_two(e: Any) -> Any:
    """``lgamma(2 + e)`` for float64 ``|e| <= 1/2`` from its Taylor series (exact 0 at 0)."""
    coefs = _zeta_minus_one(_NEAR_TWO_TERMS)
    out = e * 0.0
    for k in range(_NEAR_TWO_TERMS + 1, 1, -1):
        out = (out + (-1.0) ** k * coefs[k - 2] / k) * e
    return (out + (1.0 - _EULER_GAMMA)) * e


def _lgamma_near_zeros(x: Any) -> Any:
    """``lgamma`` of float64 ``1/2 <= x <= 5/2`` around its zeros at 1 and 2, where the
    shifted Stirling series would leave an absolute error of a few 1e-15."""
    xp = get_array_module(x)
    low = x < 1.5
    e = xp.where(low, x - 1.0, x - 2.0)  # exact (Sterbenz)
    near = _lgamma_near_two(e)
    return xp.where(low, near - xp.log1p(e), near)


def lgamma_array(x: Any) -> Any:
    """``log|Gamma(x)|`` of an array, in its floating dtype (float64 for integers).

    Parameters
    ----------
    x : array (any shape)

    Returns
    -------
    array (same shape)
    """
    xp = get_array_module(x)
    x64, dtype = as_float64(x)
    finite = xp.isfinite(x64)
    pole = finite & (x64 <= 0) & (x64 == xp.floor(x64))
    regular = finite & ~pole
    negative = regular & (x64 < 0)
    pos_arg = xp.where(regular, xp.where(negative, 1.0 - x64, x64), 1.0)
    out = xp.asarray(_lgamma_positive(pos_arg))  # an array even for 0-d input (item assignment)
    mid = (pos_arg >= 0.5) & (pos_arg <= 2.5)
    if bool(mid.any()):
        out[mid] = _lgamma_near_zeros(pos_arg[mid])
    with np.errstate(divide="ignore"):
        sine = xp.abs(xp.sin(math.pi * _reduced(xp.where(negative, x64, 0.5))))
        reflected = _LOG_PI - xp.log(sine) - out
    out = xp.where(negative, reflected, out)
    out = xp.where(regular, out, xp.where(xp.isnan(x64), x64, xp.inf))
    return out.astype(dtype, copy=False)


def _polygamma_threshold(n: int) -> float:
    return _THRESHOLD + 2.0 * n


def _psi_positive(n: int, x: Any) -> Any:
    """``psi_n`` (``n = 0``: digamma) of float64 ``x > 0`` (finite)."""
    xp = get_array_module(x)
    threshold = _polygamma_threshold(n)
    z = x.copy()
    shift = xp.zeros_like(x)
    with np.errstate(over="ignore", divide="ignore"):
        for _ in range(int(threshold) + 1):
            low = z < threshold
            if not bool(low.any()):
                break
            shift = xp.where(low, shift + (1.0 / z if n == 0 else z ** -(n + 1.0)), shift)
            z = xp.where(low, z + 1.0, z)
        inv = 1.0 / z
        inv2 = inv * inv
        series = xp.zeros_like(z)
        if n == 0:  # psi(z) ~ log z - 1/(2z) - sum B_2k / (2k z^2k)
            for k, b in reversed(list(enumerate(_bernoulli(_TERMS), start=1))):
                series = series * inv2 + float(b) / (2 * k)
            return xp.log(z) - 0.5 * inv - series * inv2 - shift
        # psi_n(z) ~ (-1)^(n+1) (n-1)!/z^n [1 + n/(2z) + sum B_2k C(2k+n-1, 2k) / z^2k]
        for k, b in reversed(list(enumerate(_bernoulli(_TERMS), start=1))):
            series = series * inv2 + float(b * math.comb(2 * k + n - 1, 2 * k))
        tail = math.factorial(n - 1) * z ** (-float(n)) * (1.0 + 0.5 * n * inv + series * inv2)
        sign = 1.0 if n % 2 == 1 else -1.0
        return sign * (tail + math.factorial(n) * shift)


def polygamma_array(n: int, x: Any) -> Any:
    """The ``n``-th derivative of the digamma function of an array (``n = 0``: digamma).

    Parameters
    ----------
    n : int
        Order, ``>= 0``.
    x : array (any shape)

    Returns
    -------
    array (same shape), in ``x``'s floating dtype (float64 for integers)
    """
    xp = get_array_module(x)
    x64, dtype = as_float64(x)
    finite = xp.isfinite(x64)
    pole = finite & (x64 <= 0) & (x64 == xp.floor(x64))
    regular = finite & ~pole
    negative = regular & (x64 < 0)
    out = _psi_positive(n, xp.where(regular, xp.where(negative, 1.0 - x64, x64), 1.0))
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        cot = 1.0 / xp.tan(math.pi * _reduced(xp.where(negative, x64, 0.25)))
        mirror = -(math.pi ** (n + 1)) * _horner(_cot_derivative_poly(n), cot)
        out = xp.where(negative, (-1.0) ** n * out + mirror, out)
    if n == 0:
        at_pole = xp.where(x64 == 0, xp.copysign(xp.inf, -x64), xp.nan)
        at_inf = xp.where(x64 > 0, xp.inf, xp.nan)
    else:
        at_pole = xp.full_like(x64, (-1.0) ** (n + 1) * math.inf)
        at_inf = xp.where(x64 > 0, 0.0, xp.nan)
    edge = xp.where(pole, at_pole, xp.where(xp.isnan(x64), x64, at_inf))
    return xp.where(regular, out, edge).astype(dtype, copy=False)


def digamma_array(x: Any) -> Any:
    """The digamma function ``d/dx lgamma(x)`` of an array (see :func:`polygamma_array`).

    Parameters
    ----------
    x : array (any shape)

    Returns
    -------
    array (same shape)
    """
    return polygamma_array(0, x)


class Lgamma(Function):
    """``log|Gamma(x)|``; the gradient is ``digamma(x)``."""

    def forward(self, a: Any) -> Any:
        if self.requires_grad:
            self.a = a
        return lgamma_array(a)

    def backward(self, g: Any) -> Any:
        return g * digamma_array(self.a).astype(g.dtype, copy=False)


class Digamma(Function):
    """``digamma(x)``; the gradient is ``polygamma(1, x)``."""

    def forward(self, a: Any) -> Any:
        if self.requires_grad:
            self.a = a
        return digamma_array(a)

    def backward(self, g: Any) -> Any:
        return g * polygamma_array(1, self.a).astype(g.dtype, copy=False)


class Polygamma(Function):
    """``polygamma(n, x)``; the gradient is ``polygamma(n + 1, x)``."""

    def forward(self, a: Any, n: int = 1) -> Any:
        self.n = n
        if self.requires_grad:
            self.a = a
        return polygamma_array(n, a)

    def backward(self, g: Any) -> Any:
        return g * polygamma_array(self.n + 1, self.a).astype(g.dtype, copy=False)



def lgamma(x: Tensor) -> Tensor:
    """``log|Gamma(x)|``, elementwise (``inf`` at ``0, -1, -2, ...``).

    Parameters
    ----------
    x : Tensor (any shape)
        Integer input is computed in float32, as torch.

    Returns
    -------
    Tensor (same shape)
    """
    return Lgamma.apply(floating(x, "lgamma"))


def digamma(x: Tensor) -> Tensor:
    """The digamma function ``psi(x) = d/dx lgamma(x)``, elementwise.

    Parameters
    ----------
    x : Tensor (any shape)

    Returns
    -------
    Tensor (same shape)
    """
    return Digamma.apply(floating(x, "digamma"))


def polygamma(n: int, x: Tensor) -> Tensor:
    """The ``n``-th derivative of the digamma function, elementwise (torch's argument order).

    Parameters
    ----------
    n : int
        Order, ``>= 0`` (``0`` is digamma).
    x : Tensor (any shape)

    Returns
    -------
    Tensor (same shape)
    """
    if not is_int(n) or n < 0:
        raise ValueError(f"polygamma: n must be an integer >= 0, got {n!r}")
    x = floating(x, "polygamma")
    return Digamma.apply(x) if n == 0 else Polygamma.apply(x, n=int(n))


def mvlgamma(x: Tensor, p: int) -> Tensor:
    """The multivariate log-gamma ``p(p-1)/4 log(pi) + sum_{j<p} lgamma(x - j/2)``, elementwise.

    Parameters
    ----------
    x : Tensor (any shape)
        Every element must exceed ``(p - 1) / 2``.
    p : int
        Dimension, ``>= 1``.

    Returns
    -------
    Tensor (same shape)
    """
    if not is_int(p) or p < 1:
        raise ValueError(f"mvlgamma: p must be an integer >= 1, got {p!r}")
    x = floating(x, "mvlgamma")
    low = (p - 1) / 2
    if x.numel() and not bool((x.array > low).all()):
        raise ValueError(
            f"mvlgamma: all elements must be greater than (p-1)/2 = {low} for p={p}, "
            f"got a minimum of {float(x.array.min())}"
        )
    out = lgamma(x)
    for j in range(1, int(p)):
        out = out + lgamma(x - 0.5 * j)
    return out + p * (p - 1) / 4 * _LOG_PI
