"""``x[index] = value`` inside the autograd graph, as torch records it.

``outputs[t] = decoder_output`` (a seq2seq loop filling a preallocated tensor) and
``h[:, 0] = h0`` are ordinary in PyTorch scripts: the assignment is an in-place op whose
gradient reaches ``value`` through the written region and the old ``x`` everywhere else.
:class:`SetItem` is that op out of place; ``Tensor.__setitem__`` runs it through
:func:`glassnet._inplace.update`, which applies torch's in-place rules (a leaf that
requires grad is refused, the version counter is bumped).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .autograd.function import Function
from .backend import get_array_module
from .ops.shape import _unwrap_index
from .tensor import Tensor

__all__ = ["SetItem", "setitem"]


class SetItem(Function):
    """``a`` with ``a[index]`` replaced by ``value`` (broadcast to the indexed region)."""

    def forward(self, a: Any, value: Any, index: Any = None) -> Any:
        out = a.copy()
        out[index] = value
        if self.requires_grad:
            self.index = index
            self.value_meta = (tuple(getattr(value, "shape", ())), getattr(value, "dtype", None))
        return out

    def backward(self, g: Any) -> tuple:
        need_a, need_value = self.needs_input_grad
        grad_a = grad_value = None
        if need_a:
            grad_a = g.copy()
            grad_a[self.index] = 0
        if need_value:
            shape, dtype = self.value_meta
            grad_value = _sum_to(get_array_module(g).asarray(g[self.index]), shape)
            grad_value = grad_value.astype(dtype, copy=False) if dtype is not None else grad_value
        return grad_a, grad_value


def _sum_to(g: Any, shape: tuple) -> Any:
    """``g`` summed over the axes along which an array of ``shape`` was broadcast to it."""
    size = int(np.prod(shape)) if shape else 1
    if g.size == size:
        return g.reshape(shape)
    lead = g.ndim - len(shape)
    if lead < 0:  # the value had leading 1-dims the region lacks
        g = g.reshape((1,) * -lead + g.shape)
    elif lead > 0:
        g = g.sum(axis=tuple(range(lead)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    return (g.sum(axis=axes, keepdims=True) if axes else g).reshape(shape)


def setitem(a: Tensor, index: Any, value: Any) -> Tensor:
    """A new tensor: ``a`` with ``a[index] = value``, differentiable in ``a`` and ``value``.

    Parameters
    ----------
    a : Tensor
        The tensor written into, any shape.
    index : Any
        A NumPy/torch index: ints, slices, ``None``, ``...``, integer or boolean tensors.
    value : Tensor or number
        Broadcast to the shape of ``a[index]``; cast to ``a``'s dtype.

    Returns
    -------
    Tensor
        Same shape and dtype as ``a``.
    """
    if isinstance(value, Tensor) and value.device != a.device:
        value = value.to(a.device)
    return SetItem.apply(a, value, index=_unwrap_index(index, a.xp))
