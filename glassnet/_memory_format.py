"""torch's memory formats (``torch.channels_last`` and friends) as array layouts.

A memory format says in which order a tensor's entries lie in memory, never what they
are: ``x.to(memory_format=torch.channels_last)`` keeps every value and lays an
``(N, C, H, W)`` tensor out as ``(N, H, W, C)`` underneath. glassnet gives the
array those strides (NumPy's ``transpose`` of a C-ordered copy), so
``is_contiguous(memory_format=...)`` answers as torch's; the ops read any
layout, so results are the same in either format.
"""

from __future__ import annotations

from typing import Any

from .backend import get_array_module

__all__ = [
    "memory_format", "contiguous_format", "channels_last", "channels_last_3d",
    "preserve_format", "arrange", "is_in",
]  # fmt: skip


class memory_format:  # noqa: N801 - torch's name
    """``torch.memory_format``: the order in which a tensor's entries lie in memory."""

    def __init__(self, name: str, rank: int | None = None) -> None:
        self.name = name
        self.rank = rank  # the number of dims the format needs (None: any)

    def __repr__(self) -> str:
        return f"torch.{self.name}"


contiguous_format = memory_format("contiguous_format")
channels_last = memory_format("channels_last", 4)
channels_last_3d = memory_format("channels_last_3d", 5)
preserve_format = memory_format("preserve_format")


def _check(fmt: Any, ndim: int, who: str) -> memory_format:
    if not isinstance(fmt, memory_format):
        raise TypeError(f"{who}: expected a torch.memory_format, got {fmt!r}")
    if fmt.rank is not None and ndim != fmt.rank:
        raise RuntimeError(
            f"{who}: required rank {fmt.rank} tensor to use {fmt.name} format, got {ndim} dims"
        )
    return fmt


def _channels_last_order(ndim: int) -> tuple[int, ...]:
    return (0, *range(2, ndim), 1)


def is_in(array: Any, fmt: Any, who: str = "Tensor.is_contiguous") -> bool:
    """Does ``array`` lie in memory in ``fmt``'s order?"""
    fmt = _check(fmt, array.ndim, who)
    if fmt is preserve_format:
        raise RuntimeError(f"{who}: preserve_format is not a layout a tensor can be in")
    if fmt is contiguous_format:
        return bool(array.flags.c_contiguous)
    return bool(array.transpose(_channels_last_order(array.ndim)).flags.c_contiguous)


def arrange(array: Any, fmt: Any, who: str) -> Any:
    """``array`` itself if it is in ``fmt`` already (or ``fmt`` is ``preserve_format``),
    else a copy laid out in ``fmt``, same values."""
    fmt = _check(fmt, array.ndim, who)
    if fmt is preserve_format or is_in(array, fmt, who):
        return array
    xp = get_array_module(array)
    if fmt is contiguous_format:
        return xp.ascontiguousarray(array)
    order = _channels_last_order(array.ndim)
    back = tuple(order.index(d) for d in range(array.ndim))
    return xp.ascontiguousarray(array.transpose(order)).transpose(back)

