"""``glassnet.special``: the functions of ``torch.special`` (``import torch.special`` under
``glassnet run``).

Everything here is differentiable. The gamma family (``gammaln``, ``digamma``/``psi``,
``polygamma``, ``multigammaln``) comes from :mod:`glassnet.ops.gamma`, the modified Bessel
functions ``i0``, ``i0e``, ``i1``, ``i1e`` from :mod:`glassnet.ops.bessel`, the error functions
from :mod:`glassnet.ops.special`, ``log_ndtr`` and ``ndtri`` from
:mod:`glassnet.ops.normal_cdf`; the rest is written with glassnet's ops. Functions of
``torch.special`` that are not listed in ``__all__`` (the Bessel functions, ``zeta``,
``erfcx``, the other Bessel functions, the orthogonal polynomials, ...) raise an error naming
them under ``glassnet run``.

The module also holds :class:`SpecialMethods`, the Tensor methods of the gamma family
(``x.lgamma()``, ``x.digamma()``, ``x.polygamma(n)``, ``x.mvlgamma(p)``),
``x.sinc()``, ``x.exp2()`` and ``x.matrix_exp()``.
"""

from __future__ import annotations

import math
from typing import Any

from . import _torch_args as _args
from .ops import activation as _act
from .ops import arithmetic as _ar
from .ops import bessel as _bessel
from .ops import gamma as _gamma
from .ops import special as _sp
from .ops.gamma import digamma, mvlgamma, polygamma
from .ops.matrix_exp import matrix_exp as _matrix_exp
from .ops.normal_cdf import log_ndtr, ndtri
from .tensor import Tensor

__all__ = [
    "erf", "erfc", "erfinv", "expit", "logit", "xlogy", "xlog1py", "gammaln", "lgamma",
    "digamma", "psi", "polygamma", "multigammaln", "mvlgamma", "ndtr", "sinc", "entr",
    "logsumexp", "softmax", "log_softmax", "log1p", "expm1", "exp2", "round", "log_ndtr", "ndtri",
    "i0", "i0e", "i1", "i1e", "SpecialMethods",
]  # fmt: skip

psi = digamma
multigammaln = mvlgamma
_INV_SQRT2 = 1.0 / math.sqrt(2.0)


def _tensor(x: Any, who: str) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"torch.special.{who}: expected a Tensor, got {type(x).__name__}")
    return x


def erf(input: Tensor) -> Tensor:  # noqa: A002
    """The error function, elementwise (see :func:`glassnet.ops.special.erf`)."""
    return _sp.erf(_args.floating(_tensor(input, "erf")))


def erfc(input: Tensor) -> Tensor:  # noqa: A002
    """``1 - erf(x)``, elementwise."""
    return _sp.erfc(_args.floating(_tensor(input, "erfc")))


def erfinv(input: Tensor) -> Tensor:  # noqa: A002
    """The inverse error function, elementwise."""
    return _sp.erfinv(_args.floating(_tensor(input, "erfinv")))


def expit(input: Tensor) -> Tensor:  # noqa: A002
    """The logistic sigmoid ``1 / (1 + exp(-x))``, elementwise."""
    return _act.sigmoid(_args.floating(_tensor(input, "expit")))


def logit(input: Tensor, eps: float | None = None) -> Tensor:  # noqa: A002
    """``log(p / (1 - p))``; with ``eps``, ``p`` is first clamped to ``[eps, 1 - eps]``."""
    return _tensor(input, "logit").logit(eps)


def _pair(x: Any, y: Any, who: str) -> tuple[Tensor, Tensor]:
    """``x`` and ``y`` as floating tensors (one of them may be a Python number)."""
    if not isinstance(x, Tensor) and not isinstance(y, Tensor):
        raise TypeError(f"torch.special.{who}: expected a Tensor argument, got two numbers")
    ref = x if isinstance(x, Tensor) else y
    ref = _args.floating(ref)
    x = _args.floating(x) if isinstance(x, Tensor) else Tensor(ref.xp.asarray(x, ref.dtype))
    y = _args.floating(y) if isinstance(y, Tensor) else Tensor(ref.xp.asarray(y, ref.dtype))
    return x, y


def xlogy(input: Any, other: Any) -> Tensor:  # noqa: A002
    """``input * log(other)``, 0 where ``input`` is 0 (NaN where ``other`` is NaN).

    Parameters
    ----------
    input, other : Tensor or number (broadcastable; at least one a Tensor)

    Returns
    -------
    Tensor (the broadcast shape)
    """
    x, y = _pair(input, other, "xlogy")
    return x.xlogy(y)


def xlog1py(input: Any, other: Any) -> Tensor:  # noqa: A002
    """``input * log1p(other)``, 0 where ``input`` is 0 (NaN where ``other`` is NaN).

    Parameters
    ----------
    input, other : Tensor or number (broadcastable; at least one a Tensor)

    Returns
    -------
    Tensor (the broadcast shape)
    """
    x, y = _pair(input, other, "xlog1py")
    # log1p(y) taken as 0 where x == 0 and it is not finite: the gradient in x is torch's
    zero = (x == 0) & ((y <= -1) | (y == x.xp.inf))
    safe_y = _ar.where(zero, x.xp.asarray(0, dtype=y.dtype), y)
    return x * _ar.log1p(safe_y) + 0.0  # + 0: 0 rather than -0 at x == 0 > log1p(y)


def gammaln(input: Tensor) -> Tensor:  # noqa: A002
    """``log|Gamma(x)|``, elementwise (see :func:`glassnet.ops.gamma.lgamma`)."""
    return _gamma.lgamma(_tensor(input, "gammaln"))


lgamma = gammaln


def ndtr(input: Tensor) -> Tensor:  # noqa: A002
    """The standard normal CDF ``(1 + erf(x / sqrt(2))) / 2``, as ``erfc(-x / sqrt(2)) / 2``.

    Parameters
    ----------
    input : Tensor (any shape)

    Returns
    -------
    Tensor (same shape)
    """
    x = _args.floating(_tensor(input, "ndtr"))
    return _sp.erfc(x * -_INV_SQRT2) * 0.5


def sinc(input: Tensor) -> Tensor:  # noqa: A002
    """The normalised sinc ``sin(pi x) / (pi x)``, 1 at 0, elementwise.

    Parameters
    ----------
    input : Tensor (any shape)

    Returns
    -------
    Tensor (same shape)
    """
    x = _args.floating(_tensor(input, "sinc"))
    zero = x == 0
    one = x.xp.asarray(1, dtype=x.dtype)
    px = _ar.where(zero, one, x) * math.pi
    return _ar.where(zero, one, _ar.sin(px) / px)


def entr(input: Tensor) -> Tensor:  # noqa: A002
    """The entropy term ``-x log(x)``: 0 at 0, ``-inf`` for ``x < 0``, elementwise.

    The gradient at exactly 0 is 0 (torch's is ``inf``).

    Parameters
    ----------
    input : Tensor (any shape)

    Returns
    -------
    Tensor (same shape)
    """
    x = _args.floating(_tensor(input, "entr"))
    xp = x.xp
    positive = x > 0
    safe = _ar.where(positive, x, xp.asarray(1, dtype=x.dtype))
    rest = _ar.where(x == 0, xp.asarray(0, dtype=x.dtype), xp.asarray(-xp.inf, dtype=x.dtype))
    rest = _ar.where(x.isnan(), x, rest)
    return _ar.where(positive, -(safe * _ar.log(safe)), rest)


def logsumexp(input: Tensor, dim: Any, keepdim: bool = False) -> Tensor:  # noqa: A002
    """``log(sum(exp(x)))`` over ``dim``, computed stably."""
    return _tensor(input, "logsumexp").logsumexp(dim, keepdim)


def softmax(input: Tensor, dim: int, *, dtype: Any = None) -> Tensor:  # noqa: A002
    """The softmax over ``dim`` (``dtype``: cast first, as torch)."""
    return _tensor(input, "softmax").softmax(dim, dtype=dtype)


def log_softmax(input: Tensor, dim: int, *, dtype: Any = None) -> Tensor:  # noqa: A002
    """The log-softmax over ``dim`` (``dtype``: cast first, as torch)."""
    return _tensor(input, "log_softmax").log_softmax(dim, dtype=dtype)


def log1p(input: Tensor) -> Tensor:  # noqa: A002
    """``log(1 + x)``, accurate near 0."""
    return _tensor(input, "log1p").log1p()


def expm1(input: Tensor) -> Tensor:  # noqa: A002
    """``exp(x) - 1``, accurate near 0."""
    return _tensor(input, "expm1").expm1()


def exp2(input: Tensor) -> Tensor:  # noqa: A002
    """``2 ** x``, elementwise (integer input in the default float dtype, as torch).

    Parameters
    ----------
    input : Tensor (any shape)

    Returns
    -------
    Tensor (same shape)
    """
    return 2.0 ** _args.floating(_tensor(input, "exp2"))


def round(input: Tensor, *, decimals: int = 0) -> Tensor:  # noqa: A001, A002
    """Round half to even, to ``decimals`` decimal places."""
    return _tensor(input, "round").round(decimals=decimals)


def i0(input: Tensor) -> Tensor:  # noqa: A002
    """The modified Bessel function of the first kind of order 0 (see
    :func:`glassnet.ops.bessel.i0`)."""
    return _bessel.i0(_tensor(input, "i0"))


def i0e(input: Tensor) -> Tensor:  # noqa: A002
    """``exp(-|x|) * i0(x)``, elementwise, without overflow."""
    return _bessel.i0e(_tensor(input, "i0e"))


def i1(input: Tensor) -> Tensor:  # noqa: A002
    """The modified Bessel function of the first kind of order 1, elementwise."""
    return _bessel.i1(_tensor(input, "i1"))


def i1e(input: Tensor) -> Tensor:  # noqa: A002
    """``exp(-|x|) * i1(x)``, elementwise, without overflow."""
    return _bessel.i1e(_tensor(input, "i1e"))


class SpecialMethods:
    """The Tensor methods of this module (attached by ``_tensor_methods.attach``)."""

    def lgamma(self) -> Tensor:
        """``log|Gamma(x)|``, elementwise."""
        return _gamma.lgamma(self)

    def digamma(self) -> Tensor:
        """The digamma function, elementwise."""
        return _gamma.digamma(self)

    def polygamma(self, n: int) -> Tensor:
        """The ``n``-th derivative of digamma, elementwise (``torch.polygamma(n, self)``)."""
        return _gamma.polygamma(n, self)

    def mvlgamma(self, p: int) -> Tensor:
        """The multivariate log-gamma of dimension ``p``, elementwise."""
        return _gamma.mvlgamma(self, p)

    def sinc(self) -> Tensor:
        """``sin(pi x) / (pi x)``, 1 at 0."""
        return sinc(self)

    def i0(self) -> Tensor:
        """The modified Bessel function of the first kind of order 0 (``torch.i0``)."""
        return _bessel.i0(self)

    def exp2(self) -> Tensor:
        """``2 ** x``."""
        return exp2(self)

    def matrix_exp(self) -> Tensor:
        """The exponential of each square matrix (see :func:`glassnet.ops.matrix_exp.matrix_exp`)."""
        return _matrix_exp(self)
