"""torch's ``_foreach_*`` functions: one op applied to each tensor of a list.

Hand-written weight averages (``torch._foreach_mul_(ema, decay)`` then
``torch._foreach_add_(ema, params, alpha=1 - decay)``, or ``torch._foreach_lerp_``) and
gradient-norm logging (``torch._foreach_norm(grads)``) call these private-but-common
functions. Each is a loop over the list calling the tensor method of the same name, so the
in-place ones follow the methods' rules (version counter, refusal on a leaf that requires
grad while gradients are recorded). The second argument is a number, or a list (one tensor
or number per tensor), as in torch; ``_foreach_lerp_``'s weight may be either.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .tensor import Tensor

__all__ = [
    "_foreach_add_", "_foreach_sub_", "_foreach_mul_", "_foreach_div_", "_foreach_lerp_",
    "_foreach_copy_", "_foreach_zero_", "_foreach_add", "_foreach_sub", "_foreach_mul",
    "_foreach_div", "_foreach_norm",
]  # fmt: skip


def _tensors(tensors: Any, who: str) -> list[Tensor]:
    if isinstance(tensors, Tensor) or not isinstance(tensors, Sequence):
        raise TypeError(f"{who}: expected a list of tensors, got {type(tensors).__name__}")
    out = list(tensors)
    for t in out:
        if not isinstance(t, Tensor):
            raise TypeError(f"{who}: expected a list of tensors, got an item {type(t).__name__}")
    return out


def _others(other: Any, n: int, who: str) -> list[Any]:
    """``other`` once per tensor: a list is matched item by item, anything else repeated."""
    if isinstance(other, (list, tuple)):
        if len(other) != n:
            raise ValueError(f"{who}: expected {n} values to match the tensors, got {len(other)}")
        return list(other)
    return [other] * n


def _each(method: str, tensors: Any, other: Any, who: str, **kw: Any) -> list[Tensor]:
    ts = _tensors(tensors, who)
    return [getattr(t, method)(o, **kw) for t, o in zip(ts, _others(other, len(ts), who))]


def _foreach_add_(self: Sequence[Tensor], other: Any, *, alpha: float = 1) -> None:
    """``t.add_(o, alpha=alpha)`` for each tensor ``t`` of ``self`` (``o`` from ``other``)."""
    _each("add_", self, other, "torch._foreach_add_", alpha=alpha)


def _foreach_sub_(self: Sequence[Tensor], other: Any, *, alpha: float = 1) -> None:
    """``t.sub_(o, alpha=alpha)`` for each tensor of ``self``."""
    _each("sub_", self, other, "torch._foreach_sub_", alpha=alpha)


def _foreach_mul_(self: Sequence[Tensor], other: Any) -> None:
    """``t.mul_(o)`` for each tensor of ``self``."""
    _each("mul_", self, other, "torch._foreach_mul_")


def _foreach_div_(self: Sequence[Tensor], other: Any) -> None:
    """``t.div_(o)`` for each tensor of ``self``."""
    _each("div_", self, other, "torch._foreach_div_")


def _foreach_lerp_(self: Sequence[Tensor], tensors1: Sequence[Tensor], weight: Any) -> None:
    """``t.lerp_(end, w)`` for each tensor ``t`` of ``self`` and ``end`` of ``tensors1``."""
    who = "torch._foreach_lerp_"
    ts, ends = _tensors(self, who), _tensors(tensors1, who)
    if len(ends) != len(ts):
        raise ValueError(f"{who}: expected {len(ts)} end tensors, got {len(ends)}")
    for t, end, w in zip(ts, ends, _others(weight, len(ts), who)):
        t.lerp_(end, w)


def _foreach_copy_(self: Sequence[Tensor], src: Sequence[Tensor]) -> None:
    """``t.copy_(s)`` for each tensor of ``self`` and ``s`` of ``src``."""
    who = "torch._foreach_copy_"
    if len(_tensors(src, who)) != len(_tensors(self, who)):
        raise ValueError(f"{who}: expected {len(self)} source tensors, got {len(src)}")
    _each("copy_", self, list(src), who)


def _foreach_zero_(self: Sequence[Tensor]) -> None:
    """``t.zero_()`` for each tensor of ``self``."""
    for t in _tensors(self, "torch._foreach_zero_"):
        t.zero_()


def _foreach_add(self: Sequence[Tensor], other: Any, *, alpha: float = 1) -> tuple[Tensor, ...]:
    """``(t.add(o, alpha=alpha), ...)``: new tensors (a tuple, as torch's), differentiable."""
    return tuple(_each("add", self, other, "torch._foreach_add", alpha=alpha))


def _foreach_sub(self: Sequence[Tensor], other: Any, *, alpha: float = 1) -> tuple[Tensor, ...]:
    """``(t.sub(o, alpha=alpha), ...)``."""
    return tuple(_each("sub", self, other, "torch._foreach_sub", alpha=alpha))


def _foreach_mul(self: Sequence[Tensor], other: Any) -> tuple[Tensor, ...]:
    """``(t.mul(o), ...)``."""
    return tuple(_each("mul", self, other, "torch._foreach_mul"))


def _foreach_div(self: Sequence[Tensor], other: Any) -> tuple[Tensor, ...]:
    """``(t.div(o), ...)``."""
    return tuple(_each("div", self, other, "torch._foreach_div"))


def _foreach_norm(self: Sequence[Tensor], ord: float = 2) -> tuple[Tensor, ...]:  # noqa: A002
    """The vector ``ord``-norm of each tensor of ``self`` (a tuple of 0-d tensors)."""
    return tuple(t.norm(p=ord) for t in _tensors(self, "torch._foreach_norm"))
