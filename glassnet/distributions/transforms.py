"""``torch.distributions.transforms``: invertible elementwise maps with their log-Jacobians.

A :class:`Transform` maps ``x`` to ``y = t(x)``, back with ``t.inv(y)``, and gives
``log |dy/dx|`` elementwise with :meth:`Transform.log_abs_det_jacobian`. They are made of
glassnet's differentiable ops, so a :class:`~glassnet.distributions.TransformedDistribution`
built from them back-propagates through ``rsample`` and ``log_prob`` (a tanh-squashed
Gaussian policy, as SAC uses). With ``cache_size=1`` a transform remembers its last
``(x, y)`` pair and inverts that ``y`` to that ``x`` exactly, as PyTorch's does: the
log-probability of a sample does not go through ``atanh`` of a value rounded to 1.

Every transform here is elementwise (``event_dim`` 0), as :class:`ExpTransform`,
:class:`AffineTransform` (with ``event_dim=0``), :class:`SigmoidTransform`,
:class:`TanhTransform`, :class:`PowerTransform`, :class:`SoftplusTransform`,
:class:`AbsTransform` (not invertible) and their :class:`ComposeTransform`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..ops.activation import softplus
from ..tensor import Tensor
from . import constraints
from .distribution import as_param

__all__ = [
    "Transform", "ExpTransform", "AffineTransform", "SigmoidTransform", "TanhTransform",
    "PowerTransform", "SoftplusTransform", "AbsTransform", "ComposeTransform",
    "identity_transform",
]  # fmt: skip


class Transform:
    """An invertible map ``y = t(x)``; subclasses define ``_call``, ``_inverse`` and
    ``log_abs_det_jacobian``.

    Parameters
    ----------
    cache_size : {0, 1}, default 0
        1 keeps the last ``(x, y)`` so that ``inv(y)`` of that very ``y`` returns that ``x``.
    """

    domain: Any = constraints.real
    codomain: Any = constraints.real
    bijective = True
    sign = 1
    event_dim = 0

    def __init__(self, cache_size: int = 0) -> None:
        if cache_size not in (0, 1):
            raise ValueError(f"{type(self).__name__}: cache_size must be 0 or 1, got {cache_size!r}")
        self._cache_size = cache_size
        self._cached: tuple[Any, Any] | None = None

    def __call__(self, x: Any) -> Tensor:
        x = as_param(x, "x", type(self).__name__)
        if self._cache_size and self._cached is not None and self._cached[0] is x:
            return self._cached[1]
        y = self._call(x)
        if self._cache_size:
            self._cached = (x, y)
        return y

    def _inv_call(self, y: Any) -> Tensor:
        y = as_param(y, "y", type(self).__name__)
        if self._cache_size and self._cached is not None and self._cached[1] is y:
            return self._cached[0]
        x = self._inverse(y)
        if self._cache_size:
            self._cached = (x, y)
        return x

    @property
    def inv(self) -> Transform:
        """The inverse transform (``inv(y)`` calls it)."""
        return _Inverse(self)

    def _call(self, x: Tensor) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__}: the forward map is not defined")

    def _inverse(self, y: Tensor) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__}: this transform is not invertible")

    def log_abs_det_jacobian(self, x: Any, y: Any) -> Tensor:
        """``log |dy/dx|``, elementwise (the shape of ``x``)."""
        raise NotImplementedError(f"{type(self).__name__}: log_abs_det_jacobian is not defined")

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class _Inverse(Transform):
    """``t.inv``: the same transform run backwards (and its cache shared)."""

    def __init__(self, base: Transform) -> None:
        super().__init__(0)
        self.base = base
        self.domain, self.codomain = base.codomain, base.domain
        self.bijective, self.sign = base.bijective, base.sign

    def __call__(self, y: Any) -> Tensor:
        return self.base._inv_call(y)

    @property
    def inv(self) -> Transform:
        return self.base

    def log_abs_det_jacobian(self, x: Any, y: Any) -> Tensor:
        return -self.base.log_abs_det_jacobian(y, x)

    def __repr__(self) -> str:
        return f"{self.base!r}.inv"


class ExpTransform(Transform):
    """``y = exp(x)``."""

    codomain = constraints.positive

    def _call(self, x: Tensor) -> Tensor:
        return x.exp()

    def _inverse(self, y: Tensor) -> Tensor:
        return y.log()

    def log_abs_det_jacobian(self, x: Any, y: Any) -> Tensor:
        return as_param(x, "x", "ExpTransform")


class AffineTransform(Transform):
    """``y = loc + scale * x`` (elementwise, ``event_dim=0`` only)."""

    def __init__(self, loc: Any, scale: Any, event_dim: int = 0, cache_size: int = 0) -> None:
        super().__init__(cache_size)
        if event_dim != 0:
            raise NotImplementedError("AffineTransform: glassnet supports event_dim=0 only (an "
                                      "elementwise map); wrap the distribution in Independent")  # fmt: skip
        self.loc, self.scale = loc, scale
        scale_value = scale if isinstance(scale, (int, float)) else None
        self.sign = 1 if scale_value is None or scale_value > 0 else -1

    def _call(self, x: Tensor) -> Tensor:
        return x * self.scale + self.loc

    def _inverse(self, y: Tensor) -> Tensor:
        return (y - self.loc) / self.scale

    def log_abs_det_jacobian(self, x: Any, y: Any) -> Tensor:
        x = as_param(x, "x", "AffineTransform")
        if not isinstance(self.scale, Tensor):  # a constant: no gradient, as torch's
            return Tensor(np.full(x.shape, np.log(abs(self.scale)), dtype=x.dtype))
        return self.scale.abs().log().expand(*x.shape)

    def __repr__(self) -> str:
        return f"AffineTransform(loc={self.loc!r}, scale={self.scale!r})"


class SigmoidTransform(Transform):
    """``y = 1 / (1 + exp(-x))``."""

    codomain = constraints.unit_interval

    def _call(self, x: Tensor) -> Tensor:
        return x.sigmoid()

    def _inverse(self, y: Tensor) -> Tensor:
        info = np.finfo(y.array.dtype)
        y = y.clamp(float(info.tiny), 1 - float(info.eps))
        return y.log() - (-y).log1p()

    def log_abs_det_jacobian(self, x: Any, y: Any) -> Tensor:
        x = as_param(x, "x", "SigmoidTransform")
        return -softplus(-x) - softplus(x)


class TanhTransform(Transform):
    """``y = tanh(x)``; its log-Jacobian is computed as ``2 (log 2 - x - softplus(-2x))``,
    which stays finite where ``1 - tanh(x)^2`` rounds to 0."""

    codomain = constraints.interval(-1.0, 1.0)

    def _call(self, x: Tensor) -> Tensor:
        return x.tanh()

    def _inverse(self, y: Tensor) -> Tensor:
        return y.atanh()

    def log_abs_det_jacobian(self, x: Any, y: Any) -> Tensor:
        x = as_param(x, "x", "TanhTransform")
        return 2.0 * (math.log(2.0) - x - softplus(-2.0 * x))


class PowerTransform(Transform):
    """``y = x ** exponent`` on positive ``x``."""

    domain = constraints.positive
    codomain = constraints.positive

    def __init__(self, exponent: Any, cache_size: int = 0) -> None:
        super().__init__(cache_size)
        self.exponent = exponent

    def _call(self, x: Tensor) -> Tensor:
        return x**self.exponent

    def _inverse(self, y: Tensor) -> Tensor:
        return y ** (1.0 / self.exponent)

    def log_abs_det_jacobian(self, x: Any, y: Any) -> Tensor:
        x, y = as_param(x, "x", "PowerTransform"), as_param(y, "y", "PowerTransform")
        return (self.exponent * y / x).abs().log()


class SoftplusTransform(Transform):
    """``y = log(1 + exp(x))``."""

    codomain = constraints.positive

    def _call(self, x: Tensor) -> Tensor:
        return softplus(x)

    def _inverse(self, y: Tensor) -> Tensor:
        return (-(-y).expm1()).log() + y

    def log_abs_det_jacobian(self, x: Any, y: Any) -> Tensor:
        return -softplus(-as_param(x, "x", "SoftplusTransform"))


class AbsTransform(Transform):
    """``y = |x|`` (not invertible: ``inv`` is refused)."""

    codomain = constraints.positive
    bijective = False

    def _call(self, x: Tensor) -> Tensor:
        return x.abs()


class ComposeTransform(Transform):
    """The transforms applied in order: ``parts[-1](...parts[0](x))``."""

    def __init__(self, parts: Sequence[Transform], cache_size: int = 0) -> None:
        super().__init__(cache_size)
        self.parts = list(parts)
        if self.parts:
            self.domain, self.codomain = self.parts[0].domain, self.parts[-1].codomain
        self.bijective = all(p.bijective for p in self.parts)
        self.sign = math.prod(p.sign for p in self.parts) if self.parts else 1

    def _call(self, x: Tensor) -> Tensor:
        for part in self.parts:
            x = part(x)
        return x

    def _inverse(self, y: Tensor) -> Tensor:
        for part in reversed(self.parts):
            y = part.inv(y)
        return y

    def log_abs_det_jacobian(self, x: Any, y: Any) -> Tensor:
        x = as_param(x, "x", "ComposeTransform")
        if not self.parts:
            return x * 0
        total = None
        for part in self.parts:
            nxt = part(x)
            term = part.log_abs_det_jacobian(x, nxt)
            total = term if total is None else total + term
            x = nxt
        return total

    def __repr__(self) -> str:
        return f"ComposeTransform({self.parts!r})"


#: The transform that changes nothing (``ComposeTransform([])``).
identity_transform = ComposeTransform([])

