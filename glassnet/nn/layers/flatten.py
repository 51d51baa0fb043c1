"""``Flatten``: merge a range of dimensions into one (by default all but the batch axis)."""

from __future__ import annotations

from typing import Any

from ..._validate import is_int
from ...ops.shape import flatten
from ...tensor import Tensor
from ..module import Module

__all__ = ["Flatten"]


def _int(name: str, value: Any) -> int:
    if not is_int(value):
        raise TypeError(f"Flatten: {name} must be an int, got {value!r}")
    return value


class Flatten(Module):
    """Flatten dims ``start_dim..end_dim`` into one, e.g. images ``(N, C, H, W)`` to ``(N, C*H*W)``.

    Parameters
    ----------
    start_dim : int, default 1
        First dim to flatten (1 keeps the batch axis).
    end_dim : int, default -1
        Last dim to flatten (inclusive).

    Shape
    -----
    - Input: ``(*, S_start, ..., S_end, *)``
    - Output: ``(*, S_start * ... * S_end, *)``
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = _int("start_dim", start_dim)
        self.end_dim = _int("end_dim", end_dim)
        if start_dim >= 0 and end_dim >= 0 and start_dim > end_dim:
            raise ValueError(f"Flatten: start_dim {start_dim} comes after end_dim {end_dim}")

    def forward(self, x: Tensor) -> Tensor:
        n = x.ndim
        if not (-n <= self.start_dim < n and -n <= self.end_dim < n):
            need = max(self.start_dim + 1, -self.start_dim, self.end_dim + 1, -self.end_dim)
            raise ValueError(
                f"{self!r}: expected input with at least {need} dims, got shape {x.shape}"
            )
        return flatten(x, self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"
