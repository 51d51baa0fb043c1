"""More of torch's Tensor methods, met in tutorial scripts (round 3 of the script tests).

Each is composed from glassnet's differentiable ops (``where``, ``clip``, ``log``,
indexing), so gradients follow torch's where torch has them; integer-valued results
(``argwhere``, the indices of ``aminmax``) are outside the graph as in torch.
:func:`glassnet._tensor_methods.attach` copies the methods of :class:`ExtraMethods`
onto :class:`~glassnet.tensor.Tensor`.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from . import _torch_args as _args
from ._torch_config import result_type_of
from .ops import arithmetic as _ar
from .ops import logic as _logic
from .ops import pointwise as _pw
from .tensor import Tensor

__all__ = ["ExtraMethods", "aminmax"]


class aminmax(NamedTuple):  # noqa: N801 - named as torch.return_types.aminmax
    """``(min, max)`` of :meth:`ExtraMethods.aminmax`."""

    min: Tensor
    max: Tensor


def _float(x: Tensor) -> Tensor:
    return _args.floating(x)


def _bool(x: Any, like: Tensor) -> Tensor:
    t = x if isinstance(x, Tensor) else Tensor(like.xp.asarray(x))
    return t if t.dtype == np.bool_ else t != 0


class ExtraMethods:
    """Methods :func:`glassnet._tensor_methods.attach` copies onto ``Tensor`` (never instantiated)."""

    # ---------------------------------------------------------------- clamping
    def clamp_min(self, min: Any) -> Tensor:  # noqa: A002
        """``clamp(min=min)``."""
        return _ar.clip(self, min, None)

    def clamp_max(self, max: Any) -> Tensor:  # noqa: A002
        """``clamp(max=max)``."""
        return _ar.clip(self, None, max)

    def nan_to_num(
        self, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None
    ) -> Tensor:
        """NaN, +inf and -inf replaced by ``nan``, ``posinf``, ``neginf`` (by default 0 and
        the dtype's largest and lowest finite values); the gradient is 0 at replaced entries."""
        if self.dtype.kind != "f":
            return self.clone()
        info = np.finfo(self.dtype)
        hi = info.max if posinf is None else posinf
        lo = info.min if neginf is None else neginf
        a = self.array  # the tests below are ops, so that an ONNX export records them
        out = _ar.where(_logic.classify(self, "isnan"), self.xp.asarray(nan, a.dtype), self)
        out = _ar.where(_logic.classify(self, "isposinf"), self.xp.asarray(hi, a.dtype), out)
        return _ar.where(_logic.classify(self, "isneginf"), self.xp.asarray(lo, a.dtype), out)

    # ------------------------------------------------ more elementwise functions
    def log2(self) -> Tensor:
        """Base-2 logarithm (integers give the default float dtype)."""
        return _float(self).log() * (1.0 / math.log(2.0))

    def log10(self) -> Tensor:
        """Base-10 logarithm (``10 * torch.log10(1 / mse)`` for a PSNR)."""
        return _float(self).log() * (1.0 / math.log(10.0))

    def tan(self) -> Tensor:
        x = _float(self)
        return x.sin() / x.cos()

    def atan(self) -> Tensor:
        """The arc tangent in (-pi/2, pi/2)."""
        x = _float(self)
        return x.atan2(x.new_ones(()))

    def asin(self) -> Tensor:
        """The arc sine in [-pi/2, pi/2] (NaN outside [-1, 1])."""
        x = _float(self)
        return x.atan2((1 - x * x).sqrt())

    def acos(self) -> Tensor:
        """The arc cosine in [0, pi] (NaN outside [-1, 1])."""
        x = _float(self)
        return (1 - x * x).sqrt().atan2(x)

    def sinh(self) -> Tensor:
        x = _float(self)
        return (x.expm1() - (-x).expm1()) * 0.5  # no cancellation near 0

    def cosh(self) -> Tensor:
        x = _float(self)
        return (x.exp() + (-x).exp()) * 0.5

    arcsin, arccos, arctan = asin, acos, atan

    # --------------------------------------------------------------- functions
    def logit(self, eps: float | None = None) -> Tensor:
        """``log(p / (1 - p))``; with ``eps``, ``p`` is first clamped to ``[eps, 1 - eps]``."""
        x = _float(self)
        p = x if eps is None else _ar.clip(x, eps, 1 - eps)
        return _ar.log(p / (1 - p))

    def xlogy(self, other: Any) -> Tensor:
        """``self * log(other)``, 0 where ``self`` is 0 (NaN where ``other`` is NaN)."""
        x = _float(self)
        y = other if isinstance(other, Tensor) else Tensor(self.xp.asarray(other, x.dtype))
        y = _float(y)
        # x * log(y) with log(y) taken as 0 where x == 0 and log(y) is not finite: the value
        # is 0 there, and the gradient in x is log(y) elsewhere (torch's, also at x == 0)
        zero = (x == 0) & ((y <= 0) | (y == self.xp.inf))
        safe_y = _ar.where(zero, self.xp.asarray(1, dtype=y.dtype), y)
        return x * _ar.log(safe_y) + 0.0  # + 0: 0 rather than -0 at x == 0 < log(y)

    def fmod(self, other: Any) -> Tensor:
        """The C remainder: ``self - trunc(self / other) * other``, the dividend's sign."""
        a, b = _args.promote(self, other)  # torch's result dtype (0-d tensors, numbers)
        if a.dtype.kind != "f" and not (isinstance(b, Tensor) and b.dtype.kind == "f"):
            _logic.refuse_while_tracing("fmod of integers", "not written with glassnet's ops")
            o = b.array if isinstance(b, Tensor) else np.asarray(b)
            _pw.refuse_integer_zero_divisor(o)
            return Tensor(self.xp.fmod(a.array, o).astype(result_type_of(self, other), copy=False))
        return a - (a / b).trunc() * b

    def frac(self) -> Tensor:
        """The fractional part, ``self - trunc(self)`` (the sign of ``self``)."""
        return self - self.trunc()

    # ----------------------------------------------------------------- logical
    def logical_and(self, other: Any) -> Tensor:
        return _logic.logic(_bool(self, self), _bool(other, self), "__and__")

    def logical_or(self, other: Any) -> Tensor:
        return _logic.logic(_bool(self, self), _bool(other, self), "__or__")

    def logical_xor(self, other: Any) -> Tensor:
        return _logic.logic(_bool(self, self), _bool(other, self), "__xor__")

    # -------------------------------------------------------------- reductions
    def nansum(self, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
        """The sum over ``dim`` with NaNs counted as 0 (in ``dtype`` when given)."""
        zero = self.xp.asarray(0, dtype=self.dtype)
        kept = _ar.where(_logic.classify(self, "isnan"), zero, self)
        return kept.sum(dim, keepdim=keepdim, dtype=dtype)

    def nanmean(self, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
        """The mean over ``dim`` of the entries that are not NaN (in ``dtype`` when given)."""
        x = self if dtype is None else self.to(dtype)
        if x.array.dtype.kind not in "fc":
            raise RuntimeError(f"nanmean: expected a floating input (as torch), got {x.dtype}")
        kept = (~_logic.classify(x, "isnan")).sum(dim, keepdim=keepdim)
        return x.nansum(dim, keepdim) / kept.to(x.dtype)

    def aminmax(self, *, dim: int | None = None, keepdim: bool = False) -> aminmax:
        """``(min, max)`` over ``dim`` (all entries when ``None``), as a named pair."""
        return aminmax(self.amin(dim, keepdim=keepdim), self.amax(dim, keepdim=keepdim))

    # --------------------------------------------------------------- selecting
    def argwhere(self) -> Tensor:
        """The indices of the non-zero entries, ``(n, ndim)`` int64: :meth:`nonzero`."""
        return self.nonzero()

    def index_fill(self, dim: int, index: Any, value: Any) -> Tensor:
        """This tensor with the entries at ``index`` along ``dim`` set to ``value``."""
        d = dim % max(self.ndim, 1)
        idx = index.array if isinstance(index, Tensor) else self.xp.asarray(index)
        mask = self.xp.zeros(self.shape[d] if self.ndim else 1, dtype=bool)
        mask[idx.reshape(-1)] = True
        mask = mask.reshape((-1,) + (1,) * (self.ndim - d - 1)) if self.ndim else mask.reshape(())
        if isinstance(value, Tensor) and value.ndim != 0:
            raise RuntimeError(
                f"index_fill: only a 0-dimensional value tensor is supported, got shape {tuple(value.shape)}"
            )
        fill = value if isinstance(value, Tensor) else self.xp.asarray(value, dtype=self.dtype)
        return _ar.where(mask, fill, self)
