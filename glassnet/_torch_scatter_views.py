"""torch's ``*_scatter`` functions, ``fill_diagonal_`` and ``split_with_sizes``.

``select_scatter``, ``slice_scatter`` and ``diagonal_scatter`` return a copy of the input
with ``src`` written where ``select``/a slice/``diagonal`` would read; they are a clone
and one assignment (the :class:`~glassnet.ops.shape.SetItem` op), so the gradient of the
input is zero there and ``src``'s is the gradient read back from there, as in torch.
:class:`ScatterViewMethods` is attached to ``Tensor``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _inplace
from .ops import arithmetic as _ar
from .tensor import Tensor

__all__ = ["select_scatter", "slice_scatter", "diagonal_scatter", "ScatterViewMethods"]


def _axis(x: Tensor, dim: int, who: str) -> int:
    if not -x.ndim <= dim < x.ndim:
        raise IndexError(f"{who}: dim {dim} is out of range for a {x.ndim}-d tensor")
    return dim % x.ndim


def select_scatter(input: Tensor, src: Tensor, dim: int, index: int) -> Tensor:  # noqa: A002
    """A copy of ``input`` with ``input.select(dim, index)`` replaced by ``src``."""
    d = _axis(input, dim, "select_scatter")
    want = tuple(input.shape[:d]) + tuple(input.shape[d + 1 :])
    if tuple(src.shape) != want:
        raise RuntimeError(f"select_scatter: expected src of shape {want}, got {tuple(src.shape)}")
    out = input.clone()
    out[(slice(None),) * d + (index,)] = src
    return out


def slice_scatter(
    input: Tensor, src: Tensor, dim: int = 0, start: int | None = None,  # noqa: A002
    end: int | None = None, step: int = 1,
) -> Tensor:  # fmt: skip
    """A copy of ``input`` with the slice ``start:end:step`` along ``dim`` replaced by ``src``."""
    d = _axis(input, dim, "slice_scatter")
    key = (slice(None),) * d + (slice(start, end, step),)
    out = input.clone()
    out[key] = src
    return out


def diagonal_scatter(
    input: Tensor, src: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1  # noqa: A002
) -> Tensor:
    """A copy of ``input`` with ``input.diagonal(offset, dim1, dim2)`` replaced by ``src``
    (whose last axis runs along the diagonal)."""
    d1, d2 = _axis(input, dim1, "diagonal_scatter"), _axis(input, dim2, "diagonal_scatter")
    n1, n2 = input.shape[d1], input.shape[d2]
    k = max(0, min(n1 + min(offset, 0), n2 - max(offset, 0)))
    rows = np.arange(k) + max(-offset, 0)
    cols = np.arange(k) + max(offset, 0)
    rest = [i for i in range(input.ndim) if i not in (d1, d2)]
    moved = input.permute(*rest, d1, d2).clone()
    moved[..., Tensor(rows), Tensor(cols)] = src
    back = [0] * input.ndim
    for pos, axis in enumerate(rest + [d1, d2]):
        back[axis] = pos
    return moved.permute(*back).contiguous()


class ScatterViewMethods:
    """The Tensor methods of this module (attached by ``_tensor_methods.attach``)."""

    def select_scatter(self, src: Tensor, dim: int, index: int) -> Tensor:
        return select_scatter(self, src, dim, index)

    def slice_scatter(self, src: Tensor, dim: int = 0, start: int | None = None,
                      end: int | None = None, step: int = 1) -> Tensor:  # fmt: skip
        return slice_scatter(self, src, dim, start, end, step)

    def diagonal_scatter(self, src: Tensor, offset: int = 0, dim1: int = 0,
                         dim2: int = 1) -> Tensor:  # fmt: skip
        return diagonal_scatter(self, src, offset, dim1, dim2)

    def split_with_sizes(self, split_sizes: Any, dim: int = 0) -> tuple[Tensor, ...]:
        if sum(int(s) for s in split_sizes) != self.shape[dim]:
            raise RuntimeError(
                f"split_with_sizes: sizes {list(split_sizes)} must sum to the size of dim {dim}, "
                f"{self.shape[dim]}"
            )
        return tuple(self.split(list(split_sizes), dim))

    def fill_diagonal_(self, fill_value: float, wrap: bool = False) -> Tensor:
        """Write ``fill_value`` on the main diagonal, in place (every dim the same size, or a
        tall 2-D tensor; ``wrap``: a tall matrix's diagonal starts again every ``cols + 1``
        rows, as NumPy's ``fill_diagonal``)."""
        if self.ndim < 2 or (self.ndim > 2 and len(set(self.shape)) != 1):
            raise RuntimeError(
                f"fill_diagonal_: expected a 2-D tensor or one with all dims equal, got shape "
                f"{tuple(self.shape)}"
            )
        mask = np.zeros(self.shape, dtype=bool)
        np.fill_diagonal(mask, True, wrap=wrap)
        cond = Tensor(mask if self.device.type == "cpu" else self.xp.asarray(mask))
        value = self.xp.asarray(fill_value, dtype=self.dtype)
        return _inplace.update(self, "fill_diagonal_", lambda s: _ar.where(cond, value, s))
