"""PyTorch's ``index_put`` and ``masked_scatter``, composed from indexing ops.

``index_put`` flattens the indexed leading dims into one, finds the flat
position of each indexed element (NumPy's advanced-indexing rules, boolean
masks included, on an ``arange``), and then writes (``setitem``) or adds
(``index_add``) the broadcast values there. ``masked_scatter`` gathers the
source's leading elements in mask order and selects them with ``where``.
Their gradients are therefore those ops' gradients, which are PyTorch's:
for ``index_put`` the input's gradient is zero at written positions (kept
with ``accumulate=True``) and the values get the gradient gathered at their
positions, summed over broadcasting; for ``masked_scatter`` the source's
first ``mask.sum()`` elements get the gradient at the masked positions.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from ..tensor import Tensor
from . import arithmetic as A
from . import select as SEL
from . import shape as S

__all__ = ["index_put", "masked_scatter"]


def _index_part(who: str, i: Any, xp: Any) -> tuple[Any, int]:
    """One entry of ``indices`` as an array, and how many dims it indexes."""
    if i is None or isinstance(i, slice):
        raise TypeError(
            f"{who}: indices must be tensors (PyTorch's index_put takes no None or slice); "
            "for x[:, idx] = v write the assignment"
        )
    arr = xp.asarray(i.array if isinstance(i, Tensor) else i)
    if arr.dtype.kind == "b":
        return arr, max(arr.ndim, 1)
    if arr.dtype.kind not in "iu":
        raise IndexError(
            f"{who}: tensors used as indices must be integer or bool tensors, got dtype {arr.dtype}"
        )
    return arr, 1


def _values(who: str, values: Any, a: Tensor) -> Tensor:
    if not isinstance(values, Tensor):
        return Tensor(a.xp.asarray(values, dtype=a.dtype))
    if values.dtype != a.dtype:
        raise TypeError(
            f"{who}: values must have the destination's dtype {a.dtype}, got {values.dtype} "
            f"(as in PyTorch; convert with values.to({a.dtype}))"
        )
    return values


def index_put(a: Tensor, indices: Sequence[Any], values: Any, accumulate: bool = False) -> Tensor:
    """``a`` with ``a[indices] = values`` (or ``+= values``, duplicates adding up), as a new tensor.

    Parameters
    ----------
    a : Tensor, shape (*lead, *rest)
    indices : tuple of integer or bool tensors
        Index the leading dims of ``a`` with NumPy's (and PyTorch's) advanced-indexing rules.
    values : Tensor or number
        Broadcast to ``a[indices].shape``; a tensor must have ``a``'s dtype.
    accumulate : bool, default False
        Add the values (every duplicate index counting) instead of writing them.

    Returns
    -------
    Tensor, the shape and dtype of ``a``
    """
    who = "index_put"
    if not isinstance(indices, (tuple, list)):
        raise TypeError(
            f"{who}: indices must be a tuple of tensors, got {type(indices).__name__} "
            "(write (index,) for one)"
        )
    xp = a.xp
    parts = [_index_part(who, i, xp) for i in indices]
    k = sum(n for _, n in parts)
    if k > a.ndim:
        raise IndexError(f"{who}: {k} indexed dims for a tensor of shape {a.shape}")
    lead, rest = a.shape[:k], a.shape[k:]
    try:
        pos = xp.arange(math.prod(lead)).reshape(lead)[tuple(p for p, _ in parts)]
    except IndexError as e:
        raise IndexError(f"{who}: {e} (tensor of shape {a.shape})") from None
    v = _values(who, values, a)
    shape = tuple(pos.shape) + tuple(rest)
    try:
        v = S.broadcast_to(v, shape) if tuple(v.shape) != shape else v
    except ValueError:
        raise ValueError(
            f"{who}: values of shape {tuple(v.shape)} cannot be broadcast to the indexed "
            f"shape {shape}"
        ) from None
    flat = S.reshape(a, (-1, *rest))
    pos, v = pos.reshape(-1), S.reshape(v, (-1, *rest))
    out = SEL.index_add(flat, 0, pos, v) if accumulate else S.setitem(flat, pos, v)
    return S.reshape(out, a.shape)


def masked_scatter(a: Tensor, mask: Any, source: Tensor) -> Tensor:
    """``a`` with its masked elements replaced by ``source``'s first elements, in order.

    Parameters
    ----------
    a : Tensor
    mask : bool tensor or array, broadcastable with ``a``
    source : Tensor with at least ``mask.sum()`` elements (after broadcasting), ``a``'s dtype

    Returns
    -------
    Tensor, the broadcast shape of ``a`` and ``mask``
    """
    who = "masked_scatter"
    xp = a.xp
    m = xp.asarray(mask.array if isinstance(mask, Tensor) else mask)
    if m.dtype.kind != "b":
        raise TypeError(f"{who}: mask must be a bool tensor, got dtype {m.dtype}")
    if not isinstance(source, Tensor):
        raise TypeError(f"{who}: source must be a Tensor, got {type(source).__name__}")
    if source.dtype != a.dtype:
        raise TypeError(
            f"{who}: source must have the input's dtype {a.dtype}, got {source.dtype}"
        )
    try:
        shape = xp.broadcast_shapes(tuple(a.shape), tuple(m.shape))
    except ValueError:
        raise ValueError(
            f"{who}: mask of shape {tuple(m.shape)} does not broadcast with input {a.shape}"
        ) from None
    m = xp.broadcast_to(m, shape)
    flat_mask = m.reshape(-1)
    count = int(flat_mask.sum())
    if source.numel() < count:
        raise ValueError(
            f"{who}: the mask selects {count} elements but source has only {source.numel()}"
        )
    if source.numel() == 0:  # nothing selected, nothing to gather from
        return A.where(m, a, a)
    order = xp.where(flat_mask, xp.cumsum(flat_mask) - 1, 0).reshape(shape)
    return A.where(m, S.getitem(S.reshape(source, (-1,)), order), a)
