"""``Flatten``: merge a range of dimensions into one (by default all but the batch axis);
``Unflatten``: split one dimension into several."""

from __future__ import annotations

import math
from typing import Any

from ..._validate import is_int
from ...ops.shape import flatten, reshape
from ...tensor import Tensor
from ..module import Module

__all__ = ["Flatten", "Unflatten"]


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


def _sizes_fit(sizes: tuple[int, ...], n: int) -> bool:
    """Whether ``sizes`` (at most one -1, which takes what is left) multiply to ``n``."""
    known = math.prod(s for s in sizes if s != -1)
    if -1 not in sizes:
        return known == n
    return sizes.count(-1) == 1 and known > 0 and n % known == 0


class Unflatten(Module):
    """Split dim ``dim`` into ``unflattened_size``, e.g. ``(N, 784)`` to ``(N, 1, 28, 28)``.

    Parameters
    ----------
    dim : int
        The dim to split (negative counts from the end).
    unflattened_size : tuple or list of int
        The new sizes; their product must be the size of ``dim`` (one may be -1).

    Shape
    -----
    - Input: ``(*, S_dim, *)``
    - Output: ``(*, U_1, ..., U_n, *)``
    """

    def __init__(self, dim: int, unflattened_size: tuple[int, ...] | list[int]) -> None:
        super().__init__()
        if not is_int(dim):
            raise TypeError(f"Unflatten: dim must be an int, got {dim!r}")
        if not isinstance(unflattened_size, (tuple, list)) or not all(
            is_int(s) for s in unflattened_size
        ):
            raise TypeError(
                f"Unflatten: unflattened_size must be a tuple or list of ints, got "
                f"{unflattened_size!r}"
            )
        self.dim, self.unflattened_size = dim, unflattened_size

    def forward(self, x: Tensor) -> Tensor:
        n = x.ndim
        if not -n <= self.dim < n:
            raise ValueError(f"{self!r}: dim {self.dim} is out of range for shape {x.shape}")
        d = self.dim % n
        sizes = tuple(self.unflattened_size)
        if not _sizes_fit(sizes, x.shape[d]):
            raise ValueError(
                f"{self!r}: sizes {sizes} do not multiply to {x.shape[d]}, the size of dim "
                f"{self.dim} of input {x.shape}"
            )
        return reshape(x, tuple(x.shape[:d]) + sizes + tuple(x.shape[d + 1 :]))

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
