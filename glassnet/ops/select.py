"""Selecting, reordering and repeating elements, composed from indexing (torch's names).

``gather``, ``scatter``, ``index_select``, ``masked_fill``, ``masked_select``,
``narrow``, ``flip``, ``roll``, ``repeat``, ``chunk``, ``unbind``, ``sort``,
``argsort``, ``topk``, ``kthvalue``, ``median``, ``nanmedian``, ``mode`` and
``max``/``min`` along a dim. Each computes index arrays (never values) and picks the
values with :func:`~glassnet.ops.shape.getitem`, :func:`~glassnet.ops.arithmetic.where`
or :func:`~glassnet.ops.shape.concat`, so gradients, devices and ONNX export
come from those ops. The one op of its own is :class:`ScatterAdd`
(``scatter_add``, ``index_add``): adding up, where several entries meet, is
not a selection.

While an exporter traces, the index arrays come from :mod:`glassnet.ops.logic` ops
(``Order``, ``ArgExtreme``) and the values from one ``TakeAlong``, so the ONNX graph
computes them from the input.

Where several results are equal, ``sort``/``topk``/``max(dim)`` pick the first
occurrence (``sort`` is stable); PyTorch leaves the order of ties unspecified.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import return_types as rt
from .._errors import IndexBoundsError, ShapeError
from ..autograd.function import Function
from ..backend import get_array_module, is_cupy_array, to_device
from ..tensor import Tensor
from . import arithmetic as _ar
from . import logic as _logic
from . import reduce as _reduce
from . import shape as _sh
from .reduce import normalize_axis

__all__ = [
    "gather", "scatter", "index_select", "masked_fill", "masked_select", "narrow", "flip",
    "roll", "repeat", "chunk", "unbind", "sort", "argsort", "topk", "kthvalue", "median",
    "nanmedian", "mode", "max_along", "min_along", "take_along", "unbind_one", "scatter_add", "index_add",
    "ScatterAdd",
]  # fmt: skip


def _dim(dim: Any, ndim: int, who: str) -> int:
    """``dim`` as a non-negative int (0 for a 0-d tensor, which accepts 0 and -1)."""
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
        raise TypeError(f"{who}: dim must be an int, got {dim!r}")
    axes = normalize_axis(int(dim), ndim, who)
    return axes[0] if axes else 0


def _index_array(index: Any, a: Tensor, who: str) -> Any:
    """``index`` (a tensor, array or list of ints) as an int64 array on ``a``'s device."""
    if isinstance(index, Tensor):
        arr = index.array
    else:
        arr = index if is_cupy_array(index) else np.asarray(index)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"{who}: index must hold integers, got dtype {arr.dtype}")
    if type(arr) is not type(a.array):
        arr = to_device(arr, a.device) if a.device.type != "cpu" else np.asarray(arr.get())
    return arr.astype(np.int64, copy=False)


def _grid(xp: Any, shape: Sequence[int], dim: int, index: Any) -> tuple:
    """Open index arrays over ``shape`` with ``index`` in place of the ``dim`` one."""
    parts = list(xp.ix_(*[xp.arange(n) for n in shape])) if shape else []
    parts[dim] = index
    return tuple(parts)


def take_along(a: Tensor, index: Any, dim: int) -> Tensor:
    """``out[..., i, ...] = a[..., index[..., i, ...], ...]`` along ``dim`` (an index array or
    tensor; one :class:`~glassnet.ops.logic.TakeAlong` op while an exporter traces)."""
    if a.ndim == 0:
        return _sh.getitem(a, ())
    if _logic.tracing_active():
        return _logic.take_along(a, index, dim)
    index = index.array if isinstance(index, Tensor) else index
    return _sh.getitem(a, _grid(a.xp, index.shape, dim, index))


def gather(a: Tensor, dim: int, index: Any) -> Tensor:
    """Values of ``a`` at ``index`` along ``dim``, as ``torch.gather`` (``index`` shape out).

    Raises
    ------
    ShapeError
        When ``index`` has another number of dims than ``a``, or is larger outside ``dim``
        (a ``ValueError``; torch's ``RuntimeError``).
    IndexBoundsError
        When an index is out of range (an ``IndexError``; torch's ``RuntimeError``).
    """
    d = _dim(dim, a.ndim, "gather")
    idx = _index_array(index, a, "gather")
    if idx.ndim != a.ndim or any(idx.shape[i] > a.shape[i] for i in range(a.ndim) if i != d):
        raise ShapeError(
            f"gather: index of shape {idx.shape} does not fit input of shape {a.shape} "
            f"outside dim {dim}"
        )
    try:
        if isinstance(index, Tensor) and _logic.tracing_active():
            return take_along(a, index, d)  # the tensor itself, so the trace sees where it came from
        return take_along(a, idx, d)
    except IndexError as e:
        raise IndexBoundsError(f"gather: {e} (input of shape {a.shape}, dim {dim})") from e


def scatter(a: Tensor, dim: int, index: Any, src: Any) -> Tensor:
    """A copy of ``a`` with ``src`` written at ``index`` along ``dim`` (out-of-place ``scatter_``).

    ``src`` is a tensor (its leading ``index.shape`` block is written) or a
    number. Differentiable in ``a`` (zero where overwritten) and in ``src``.
    With repeated indices the last write wins (PyTorch leaves the value
    unspecified) and only the written entry of ``src`` gets a gradient (PyTorch
    sends one to each).
    """
    d = _dim(dim, a.ndim, "scatter")
    idx = _index_array(index, a, "scatter")
    xp = a.xp
    if idx.ndim == 0 and a.ndim == 1:  # torch: a 0-d index is one entry of a 1-D tensor
        idx = idx.reshape(1)  # (``zeros(10).scatter_(0, torch.tensor(y), value=1)``)
        src = _sh.reshape(src, (1,)) if isinstance(src, Tensor) and src.ndim == 0 else src
    if idx.ndim != a.ndim:
        raise ValueError(f"scatter: index has {idx.ndim} dims, input has {a.ndim}")
    if _logic.tracing_active() and a.ndim:
        return _traced_scatter(a, d, index, idx, src)
    try:
        target = xp.ravel_multi_index(
            xp.broadcast_arrays(*_grid(xp, idx.shape, d, idx)), a.shape
        ).ravel()
    except ValueError as e:  # NumPy's "invalid entry in coordinates array"
        _scatter_failed(a, d, idx, e)
    if not isinstance(src, Tensor):
        mask = xp.zeros(a.numel(), dtype=bool)
        mask[target] = True
        return _ar.where(mask.reshape(a.shape), xp.asarray(src, dtype=a.dtype), a)
    src = src if src.dtype == a.dtype else _ar.cast(src, a.dtype)
    pick = xp.arange(a.numel())
    sources = xp.ravel_multi_index(
        xp.broadcast_arrays(*xp.ix_(*[xp.arange(n) for n in idx.shape])), src.shape
    ).ravel()
    pick[target] = a.numel() + sources
    both = _sh.concat([_sh.reshape(a, (-1,)), _sh.reshape(src, (-1,))], 0)
    return _sh.reshape(_sh.getitem(both, pick), a.shape)


def _scatter_failed(a: Tensor, d: int, idx: Any, err: ValueError) -> None:
    """Raise :func:`scatter`'s error for an index NumPy could not place, in torch's terms."""
    if idx.size and int(idx.max()) >= a.shape[d]:
        raise IndexBoundsError(
            f"scatter: index {int(idx.max())} is out of bounds for dimension {d} with size "
            f"{a.shape[d]}"
        ) from err
    raise ShapeError(
        f"scatter: index of shape {tuple(idx.shape)} does not fit input of shape {a.shape} "
        f"outside dim {d}"
    ) from err


def _traced_scatter(a: Tensor, d: int, index: Any, idx: Any, src: Any) -> Tensor:
    """:func:`scatter` from ops an exporter records, so the written positions follow the index
    in the graph: each output position ``p`` along ``d`` takes ``src`` at the last ``j`` with
    ``index[..., j, ...] == p`` (the last write wins, as the eager scatter), else keeps ``a``.
    The comparison of every ``j`` with every ``p`` takes memory of their product."""
    if any(idx.shape[i] != a.shape[i] for i in range(a.ndim) if i != d):
        raise TypeError(
            f"export_onnx: scatter with an index of shape {tuple(idx.shape)} smaller than the "
            f"input {tuple(a.shape)} outside dim {d} has no ONNX export in glassnet (the "
            f"positions it leaves alone are not computed in the graph); give the index the "
            f"input's shape outside dim {d}"
        )
    if idx.size and (int(idx.min()) < 0 or int(idx.max()) >= a.shape[d]):
        raise IndexError(f"scatter: index out of range for dim {d} of size {a.shape[d]}")
    if isinstance(index, Tensor):
        ids = index if index.ndim == idx.ndim else _sh.reshape(index, idx.shape)
    else:
        ids = Tensor._make(idx, False, None, 0)
    same = _logic.compare(a, a, "__eq__")
    if a.dtype.kind in "fc":
        same = _logic.logic(same, _logic.classify(a, "isnan"), "__or__")
    pos = _ar.sub(_reduce.cumsum(_ar.cast(same, np.int64), d), 1)  # a's position along d
    hits = _logic.compare(_sh.unsqueeze(ids, d + 1), _sh.unsqueeze(pos, d), "__eq__")  # j, p
    if not isinstance(src, Tensor):
        written = _logic.truth(hits, "any", d)
        return _ar.where(written, a.xp.asarray(src, dtype=a.dtype), a)
    j = _ar.sub(_reduce.cumsum(_ar.cast(_logic.compare(ids, ids, "__eq__"), np.int64), d), 1)
    last = _reduce.max(_ar.where(hits, _sh.unsqueeze(j, d + 1), np.int64(-1)), d)
    src = src if src.dtype == a.dtype else _ar.cast(src, a.dtype)
    picked = take_along(src, _ar.maximum(last, 0), d)
    return _ar.where(_logic.compare(last, 0, "__ge__"), picked, a)


def index_select(a: Tensor, dim: int, index: Any) -> Tensor:
    """The entries ``index`` (1-D) of ``a`` along ``dim``."""
    d = _dim(dim, a.ndim, "index_select")
    idx = _index_array(index, a, "index_select")
    idx = idx if idx.ndim == 1 else idx.reshape(-1)  # the same array: an exporter's trace knows it
    return _sh.getitem(a, (slice(None),) * d + (idx,))


def refuse_negative_index(who: str, index: Any) -> None:
    """Refuse negative indices, as torch's ``gather``, ``scatter``, ``index_select``, ... do
    (glassnet's own ops read them from the end, as NumPy)."""
    arr = index.array if isinstance(index, Tensor) else index
    arr = arr if hasattr(arr, "dtype") else np.asarray(arr)
    if arr.dtype.kind == "i" and arr.size and bool((arr < 0).any()):
        raise IndexBoundsError(  # torch: IndexError or RuntimeError
            f"{who}: index {int(arr.min())} is out of bounds (negative indices are not "
            "allowed, as in torch)"
        )


def need_bool_condition(who: str, condition: Any) -> None:
    """Refuse a tensor condition that is neither bool nor uint8, as torch does."""
    if isinstance(condition, Tensor) and condition.dtype not in (np.bool_, np.uint8):
        raise RuntimeError(
            f"{who}: expected condition to be a boolean tensor, got dtype {condition.dtype} "
            "(compare it first: x > 0)"
        )


def need_bool_mask(who: str, mask: Any) -> None:
    """Refuse a tensor mask that is not bool, as torch does (an int mask reads as a bool one
    in NumPy, but ``x.masked_fill(m, v)`` with ``m`` of 0/1 is usually a mistaken dtype)."""
    if isinstance(mask, Tensor) and mask.dtype != np.bool_:
        raise RuntimeError(
            f"{who}: only supports boolean masks, got a mask of dtype {mask.dtype} "
            "(use mask.bool())"
        )


def masked_fill(a: Tensor, mask: Any, value: Any) -> Tensor:
    """``value`` where ``mask`` (broadcast to ``a``) is true, else ``a``; keeps ``a``'s dtype."""
    m = mask.array if isinstance(mask, Tensor) else mask
    if isinstance(value, Tensor):
        return _ar.where(m, _ar.cast(value, a.dtype) if value.dtype != a.dtype else value, a)
    return _ar.where(m, a.xp.asarray(value, dtype=a.dtype), a)


def masked_select(a: Tensor, mask: Any) -> Tensor:
    """The entries of ``a`` where ``mask`` (broadcast together) is true, as a 1-D tensor."""
    m = mask.array if isinstance(mask, Tensor) else a.xp.asarray(mask)
    shape = np.broadcast_shapes(a.shape, m.shape)
    full = a if a.shape == shape else _sh.broadcast_to(a, shape)
    if isinstance(mask, Tensor) and mask.shape != shape:  # an op, so an exporter's trace sees it
        return _sh.getitem(full, _sh.broadcast_to(mask, shape).array)
    return _sh.getitem(full, m if m.shape == shape else a.xp.broadcast_to(m, shape))


def narrow(a: Tensor, dim: int, start: int, length: int) -> Tensor:
    """``length`` entries of ``a`` from ``start`` along ``dim``."""
    d = _dim(dim, a.ndim, "narrow")
    n = a.shape[d]
    s = int(start) + n if start < 0 else int(start)
    if not 0 <= s <= n or length < 0 or s + length > n:
        raise ShapeError(f"narrow: start {start} + length {length} exceeds dim {dim} of size {n}")
    return _sh.getitem(a, (slice(None),) * d + (slice(s, s + int(length)),))


def flip(a: Tensor, dims: int | Sequence[int]) -> Tensor:
    """``a`` with the order of entries reversed along ``dims``."""
    axes = normalize_axis(dims, a.ndim, "flip")
    return _sh.getitem(
        a, tuple(slice(None, None, -1) if i in axes else slice(None) for i in range(a.ndim))
    )


def roll(a: Tensor, shifts: int | Sequence[int], dims: Any = None) -> Tensor:
    """Shift entries by ``shifts`` along ``dims``, wrapping around (the flattened tensor
    when ``dims`` is ``None``)."""
    if dims is None:
        return _sh.reshape(roll(_sh.reshape(a, (-1,)), shifts, 0), a.shape)
    shifts = (shifts,) if isinstance(shifts, (int, np.integer)) else tuple(shifts)
    dims = (dims,) if isinstance(dims, (int, np.integer)) else tuple(dims)
    if len(shifts) != len(dims):
        raise ValueError(f"roll: {len(shifts)} shifts for {len(dims)} dims")
    out = a
    for s, dim in zip(shifts, dims):
        d = _dim(dim, a.ndim, "roll")
        n = a.shape[d]
        idx = (a.xp.arange(n) - int(s)) % max(n, 1)
        out = _sh.getitem(out, (slice(None),) * d + (idx,))
    return out


def repeat(a: Tensor, sizes: Sequence[int]) -> Tensor:
    """Tile ``a``: ``sizes[i]`` copies along dim ``i`` (``torch.Tensor.repeat``)."""
    sizes = tuple(int(s) for s in sizes)
    if len(sizes) < a.ndim:
        raise ShapeError(
            f"repeat: {len(sizes)} repeat counts for a tensor with {a.ndim} dims (need at least {a.ndim})"
        )
    shape = (1,) * (len(sizes) - a.ndim) + tuple(a.shape)
    inter = tuple(x for n in shape for x in (1, n))
    wide = tuple(x for r, n in zip(sizes, shape) for x in (r, n))
    tiled = _sh.broadcast_to(_sh.reshape(a, inter), wide)
    return _sh.reshape(tiled, tuple(r * n for r, n in zip(sizes, shape)))


def chunk(a: Tensor, chunks: int, dim: int = 0) -> list[Tensor]:
    """At most ``chunks`` pieces of equal size (the last smaller) along ``dim``."""
    if not isinstance(chunks, (int, np.integer)) or chunks <= 0:
        raise ValueError(f"chunk: chunks must be a positive int, got {chunks!r}")
    d = _dim(dim, a.ndim, "chunk")
    n = a.shape[d]
    size = -(-n // int(chunks)) if n else 1
    return _sh.split(a, max(size, 1), d) if n else [a]


def unbind(a: Tensor, dim: int = 0) -> tuple[Tensor, ...]:
    """The slices of ``a`` along ``dim``, without that dim."""
    d = _dim(dim, a.ndim, "unbind")
    return tuple(_sh.getitem(a, (slice(None),) * d + (i,)) for i in range(a.shape[d]))


def _order(a: Tensor, d: int, descending: bool) -> Any:
    """Stable sort order of ``a`` along ``d`` (ties keep their order, also descending)."""
    xp, arr = a.xp, a.array
    if a.ndim == 0:
        return xp.zeros((), dtype=np.int64)
    if not descending:
        return xp.argsort(arr, axis=d, kind="stable")
    n = arr.shape[d]
    rev = xp.argsort(xp.flip(arr, d), axis=d, kind="stable")
    return (n - 1 - xp.flip(rev, d)).astype(np.int64)


def _order_of(a: Tensor, d: int, descending: bool, k: int | None = None) -> Tensor:
    """The stable sort order along ``d`` as a tensor (its first ``k`` positions when given);
    an :class:`~glassnet.ops.logic.Order` op while an exporter traces."""
    if a.ndim and _logic.tracing_active():
        return _logic.order(a, d, descending, k)
    idx = _order(a, d, descending)
    if k is not None and a.ndim:
        idx = idx[(slice(None),) * d + (slice(0, int(k)),)]
    return Tensor._make(idx, False, None, 0)


def sort(a: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> rt.sort:
    """``(values, indices)`` of ``a`` sorted along ``dim`` (stable in both directions)."""
    d = _dim(dim, a.ndim, "sort")
    idx = _order_of(a, d, descending)
    return rt.sort(take_along(a, idx, d), idx)


def argsort(a: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
    """The indices that sort ``a`` along ``dim``."""
    return _order_of(a, _dim(dim, a.ndim, "argsort"), descending)


def topk(a: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> rt.topk:
    """The ``k`` largest (or smallest) entries along ``dim`` and their indices, in order."""
    d = _dim(dim, a.ndim, "topk")
    n = a.shape[d] if a.ndim else 1
    if not 0 <= int(k) <= n:
        raise ShapeError(f"topk: k={k} is out of range for dim {dim} of size {n}")
    idx = _order_of(a, d, largest, int(k))
    return rt.topk(take_along(a, idx, d), idx)


def _pick(
    a: Tensor, dim: int, keepdim: bool, position: Any, who: str, k: int | None = None
) -> tuple[Tensor, Tensor]:
    """Values and indices at ``position(sorted order)`` along ``dim``: the ``k``-th smallest
    (the lower median when ``k`` is ``None``), a :class:`~glassnet.ops.logic.Rank` op while
    an exporter traces."""
    d = _dim(dim, a.ndim, who)
    if not a.ndim:  # the entry itself, at index 0 (a 0-d index, as torch)
        return _sh.getitem(a, ()), Tensor._make(a.xp.zeros((), dtype=np.int64), False, None, 0)
    if _logic.tracing_active():
        indices = _logic.rank(a, d, k)
        values = take_along(a, indices, d)
    else:
        idx = position(_order(a, d, False), d)
        if a.ndim:
            idx = a.xp.expand_dims(idx, d)
        values, indices = take_along(a, idx, d), Tensor._make(idx, False, None, 0)
    if not keepdim and a.ndim:
        values, indices = _sh.squeeze(values, d), _sh.squeeze(indices, d)
    return values, indices


def kthvalue(a: Tensor, k: int, dim: int = -1, keepdim: bool = False) -> rt.kthvalue:
    """The ``k``-th smallest entry (``k`` from 1) along ``dim`` and its index."""
    n = a.shape[_dim(dim, a.ndim, "kthvalue")] if a.ndim else 1
    if not 1 <= int(k) <= n:
        raise ShapeError(f"kthvalue: k={k} is out of range for dim {dim} of size {n}")
    return rt.kthvalue(
        *_pick(
            a,
            dim,
            keepdim,
            lambda o, d: o.take(int(k) - 1, axis=d) if o.ndim else o,
            "kthvalue",
            int(k),
        )
    )


def median(a: Tensor, dim: int | None = None, keepdim: bool = False) -> Any:
    """The lower median (as PyTorch): a tensor without ``dim``, ``(values, indices)`` with it."""
    if dim is None:
        flat = _sh.reshape(a, (-1,))
        return median(flat, 0).values if a.numel() else _sh.reshape(flat, ())
    n = a.shape[_dim(dim, a.ndim, "median")] if a.ndim else 1
    if n == 0:
        raise ValueError(f"median: dim {dim} is empty")
    if a.ndim and a.dtype.kind == "f" and _logic.tracing_active():
        return rt.median(*_traced_median(a, _dim(dim, a.ndim, "median"), keepdim))
    return rt.median(*_pick(a, dim, keepdim, _median_position(a, n), "median"))


def _traced_median(a: Tensor, d: int, keepdim: bool) -> tuple[Tensor, Tensor]:
    """:func:`median` of a floating tensor from ops an exporter records: the stable order with
    NaNs last (as :func:`_traced_nanmedian`) picked at :func:`_median_position`'s position,
    ``(n - 1) // 2``, or ``n - (NaN count)`` (the first NaN) in a slice that has a NaN."""
    nan = _logic.classify(a, "isnan")
    by_value = _logic.order(_ar.where(nan, np.inf, a), d, False)
    nan_last = _logic.order(_ar.cast(take_along(nan, by_value, d), np.int32), d, False)
    order = take_along(by_value, nan_last, d)
    nans = _logic.truth(nan, "count", d, True)
    total = _logic.truth(_logic.logic(nan, _logic.logical_not(nan), "__or__"), "count", d, True)
    half = _logic.int_divide(total - 1, 2, "floor_divide")
    at = _ar.where(_logic.compare(nans, 0, "__gt__"), total - nans, half)
    indices = take_along(order, at, d)
    values = take_along(a, indices, d)
    if not keepdim:
        values, indices = _sh.squeeze(values, d), _sh.squeeze(indices, d)
    return values, indices


def _median_position(a: Tensor, n: int) -> Any:
    """Where the lower median sits in the sort order: ``(n - 1) // 2``, or, as torch, the
    first NaN of a slice that has one (a NaN median; NaNs sort last, in order)."""

    def position(order: Any, d: int) -> Any:
        if not order.ndim:
            return order
        if a.dtype.kind != "f":
            return order.take((n - 1) // 2, axis=d)
        nans = a.xp.isnan(a.array).sum(axis=d)
        at = a.xp.where(nans > 0, n - nans, (n - 1) // 2)
        return a.xp.take_along_axis(order, a.xp.expand_dims(at, d), axis=d).squeeze(d)

    return position


def nanmedian(a: Tensor, dim: int | None = None, keepdim: bool = False) -> Any:
    """The lower median of the entries that are not NaN (as ``torch.nanmedian``).

    Parameters
    ----------
    a : Tensor (any shape)
    dim : int, optional
        Without it, the median of all entries as a 0-d tensor (NaN when every entry is NaN
        or there is none); with it, ``(values, indices)`` along ``dim``.
    keepdim : bool, default False
        Keep ``dim`` with length 1.

    Returns
    -------
    Tensor, or ``return_types.nanmedian(values, indices)`` of ``a``'s shape without ``dim``
        Ties go to the first occurrence in index order (the stable sort, as torch); an
        all-NaN slice gives NaN at the index torch's selection (libstdc++ ``nth_element``)
        leaves first. The gradient goes to the selected entry.
    """
    if dim is None:
        flat = _sh.reshape(a, (-1,))
        if a.numel() == 0 and a.dtype.kind == "f":
            return Tensor._make(a.xp.full((), np.nan, dtype=a.dtype), False, None, 0)
        return nanmedian(flat, 0).values
    if a.dtype.kind != "f":  # no NaN to skip: the median itself (exportable)
        return rt.nanmedian(*median(a, dim, keepdim))
    n = a.shape[_dim(dim, a.ndim, "nanmedian")] if a.ndim else 1
    if n == 0:
        raise ValueError(f"nanmedian: dim {dim} is empty")
    if a.ndim and _logic.tracing_active():
        return rt.nanmedian(*_traced_nanmedian(a, _dim(dim, a.ndim, "nanmedian"), keepdim))
    return rt.nanmedian(*_pick(a, dim, keepdim, _nanmedian_position(a, n), "nanmedian"))


def _traced_nanmedian(a: Tensor, d: int, keepdim: bool) -> tuple[Tensor, Tensor]:
    """:func:`nanmedian` from ops an exporter records: the stable order with NaNs last as two
    stable sorts (by the value, NaN as ``+inf``, then by NaN-ness), and the position
    :func:`_nanmedian_position` gives picked from it. The all-NaN position depends on the
    length of ``d``, so along a batch axis of varying size the exporter refuses it."""
    n = a.shape[d]
    nan = _logic.classify(a, "isnan")
    by_value = _logic.order(_ar.where(nan, np.inf, a), d, False)
    nan_last = _logic.order(_ar.cast(take_along(nan, by_value, d), np.int32), d, False)
    order = take_along(by_value, nan_last, d)
    valid = _logic.truth(_logic.logical_not(nan), "count", d, True)
    half = _logic.int_divide(valid - 1, 2, "floor_divide")
    at = _ar.where(valid > 0, half, _first_of_equal_selection(n))
    indices = take_along(order, at, d)
    values = take_along(a, indices, d)
    if not keepdim:
        values, indices = _sh.squeeze(values, d), _sh.squeeze(indices, d)
    return values, indices


@functools.cache
def _first_of_equal_selection(n: int) -> int:
    """The index ``std::nth_element(first, first, first + n)`` (libstdc++'s introselect,
    which torch's CPU median uses) leaves at the front when no two entries compare: a
    median-of-three pivot (all equal: the middle entry) swapped to the front, then a
    partition that swaps inward pairs, until at most 3 entries are left."""
    items, first, last = list(range(n)), 0, n
    while last - first > 3:
        mid = first + (last - first) // 2
        items[first], items[mid] = items[mid], items[first]
        lo, hi = first + 1, last - 1
        while lo < hi:
            items[lo], items[hi] = items[hi], items[lo]
            lo, hi = lo + 1, hi - 1
        last = lo  # the selected position, 0, is left of the cut
    return items[0]


def _nanmedian_position(a: Tensor, n: int) -> Any:
    """Where the lower median of the non-NaN entries sits in the stable sort order (NaNs
    sort last): ``(valid - 1) // 2``; an all-NaN slice (in index order there) at torch's
    position, :func:`_first_of_equal_selection`."""

    def position(order: Any, d: int) -> Any:
        if not order.ndim:
            return order
        valid = n - a.xp.isnan(a.array).sum(axis=d)
        at = (valid - 1) // 2
        if not bool(valid.all()):  # an all-NaN slice (the position is O(n) to find)
            at = a.xp.where(valid > 0, at, _first_of_equal_selection(n))
        return a.xp.take_along_axis(order, a.xp.expand_dims(at, d), axis=d).squeeze(d)

    return position


def mode(a: Tensor, dim: int = -1, keepdim: bool = False) -> rt.mode:
    """The most frequent entry along ``dim`` (the smallest of equally frequent ones) and an
    index where it occurs, as ``torch.mode``.

    Parameters
    ----------
    a : Tensor (any shape)
    dim : int, default -1
    keepdim : bool, default False

    Returns
    -------
    return_types.mode(values, indices)
        Of ``a``'s shape without ``dim``. The index is the mode's last occurrence, torch's
        answer for slices of up to 16 entries; for longer ones torch's index comes from
        an unstable sort and is not specified (docs/pytorch.md). Each NaN counts as a value
        of its own. The gradient goes to the entry at the index.
    """
    d = _dim(dim, a.ndim, "mode")
    n = a.shape[d] if a.ndim else 1
    if n == 0:
        raise ValueError(f"mode: dim {dim} is empty (there is no most frequent entry)")
    if a.ndim and _logic.tracing_active():
        return rt.mode(*_traced_mode(a, d, keepdim))
    return rt.mode(*_pick(a, dim, keepdim, _mode_position(a), "mode"))


def _traced_mode(a: Tensor, d: int, keepdim: bool) -> tuple[Tensor, Tensor]:
    """:func:`mode` from ops an exporter records: each entry's count of equal entries along
    ``d`` (a NaN counts once, as a run of its own), the entries with the largest count, the
    smallest of them that is not NaN (NaN only when every entry is NaN), and the last index
    holding it (index 0 for an all-NaN slice, where the stable sort's first run starts).
    The pairwise comparison takes memory of the length of ``d`` squared."""
    x = _ar.cast(a, np.int32) if a.dtype.kind == "b" else a
    ones = _ar.cast(_logic.compare(x, x, "__eq__"), np.int64)  # NaN: 0
    counts = _logic.truth(_logic.compare(_sh.unsqueeze(x, d + 1), _sh.unsqueeze(x, d), "__eq__"),
                          "count", d + 1)  # fmt: skip
    counts = _ar.maximum(counts, 1)
    best = _reduce.max(counts, d, keepdims=True)
    most = _logic.compare(counts, best, "__eq__")
    chosen = _logic.logic(most, _logic.compare(ones, 1, "__eq__"), "__and__")  # not NaN
    big = np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).max
    smallest = _reduce.min(_ar.where(chosen, x, x.dtype.type(big)), d, keepdims=True)
    hit = _logic.logic(chosen, _logic.compare(x, smallest, "__eq__"), "__and__")
    pos = _ar.sub(_reduce.cumsum(_ar.cast(_logic.compare(counts, counts, "__eq__"), np.int64), d), 1)
    at = _ar.maximum(_reduce.max(_ar.where(hit, pos, np.int64(-1)), d, keepdims=True), 0)
    values = take_along(a, at, d)
    if not keepdim:
        values, at = _sh.squeeze(values, d), _sh.squeeze(at, d)
    return values, at


def _mode_position(a: Tensor) -> Any:
    """The index of the mode's last occurrence: in the stable sort order, the end of the
    first longest run of equal entries (NaN equals nothing, so each is a run of one)."""

    def position(order: Any, d: int) -> Any:
        if not order.ndim:
            return order
        xp = a.xp
        ranked = xp.moveaxis(order, d, -1)
        ordered = xp.take_along_axis(xp.moveaxis(a.array, d, -1), ranked, axis=-1)
        n = ordered.shape[-1]
        rows = ordered.reshape(-1, n)
        differs = rows[:, 1:] != rows[:, :-1]
        edge = xp.ones((rows.shape[0], 1), dtype=bool)
        # runs in row-major order: the k-th start and the k-th end bound the same run
        (first,) = xp.nonzero(xp.concatenate([edge, differs], axis=1).reshape(-1))
        (last,) = xp.nonzero(xp.concatenate([differs, edge], axis=1).reshape(-1))
        # longest first, then the smallest value (the earliest run); every score is >= 1
        score = (last - first + 1) * (n + 1) + (n - first % n)
        best = xp.zeros(rows.size, dtype=score.dtype)
        best[last] = score
        end = xp.argmax(best.reshape(rows.shape), axis=1).reshape(ordered.shape[:-1] + (1,))
        return xp.take_along_axis(ranked, end, axis=-1)[..., 0]

    return position


def _extreme_along(a: Tensor, dim: int, keepdim: bool, largest: bool, who: str) -> tuple:
    d = _dim(dim, a.ndim, who)
    if a.ndim and a.shape[d] == 0:
        raise ValueError(
            f"{who}: dim {dim} is empty (there is no {'largest' if largest else 'smallest'} entry)"
        )
    if a.ndim == 0:
        return a, Tensor._make(a.xp.zeros((), dtype=np.int64), False, None, 0)
    if _logic.tracing_active():
        indices = _logic.arg_extreme(a, largest, d, True)
        values = take_along(a, indices, d)
    else:
        arg = a.array.argmax(axis=d) if largest else a.array.argmin(axis=d)
        idx = a.xp.expand_dims(arg.astype(np.int64, copy=False), d)
        values, indices = take_along(a, idx, d), Tensor._make(idx, False, None, 0)
    if not keepdim:
        values, indices = _sh.squeeze(values, d), _sh.squeeze(indices, d)
    return values, indices


def max_along(a: Tensor, dim: int, keepdim: bool = False) -> rt.max:
    """``(values, indices)`` of the largest entries along ``dim`` (the first of ties; the
    gradient goes to that entry, as in PyTorch)."""
    return rt.max(*_extreme_along(a, dim, keepdim, True, "max"))


def min_along(a: Tensor, dim: int, keepdim: bool = False) -> rt.min:
    """``(values, indices)`` of the smallest entries along ``dim``."""
    return rt.min(*_extreme_along(a, dim, keepdim, False, "min"))


def unbind_one(a: Tensor, dim: int, index: int) -> Tensor:
    """The slice at ``index`` along ``dim``, without that dim (``Tensor.select``)."""
    d = _dim(dim, a.ndim, "select")
    return _sh.getitem(a, (slice(None),) * d + (int(index),))


class ScatterAdd(Function):
    """``a`` with the leading ``index.shape`` block of ``src`` added at ``index`` along ``dim``.

    Entries that meet at one position add up. The gradient of ``a`` is ``g``;
    that of ``src`` is ``g`` gathered at ``index`` (zero outside the block).
    """

    def forward(self, a: Any, src: Any, index: Any = None, dim: int = 0) -> Any:
        xp = get_array_module(a, src)
        grid = _grid(xp, index.shape, dim, index)
        block = tuple(slice(0, n) for n in index.shape)
        out = a.copy()
        xp.add.at(out, grid, src[block])
        if self.requires_grad:
            self.grid, self.block, self.src_shape = grid, block, src.shape
        return out

    def backward(self, g: Any) -> tuple:
        na, ns = self.needs_input_grad
        gs = None
        if ns:
            gs = get_array_module(g).zeros(self.src_shape, dtype=g.dtype)
            gs[self.block] = g[self.grid]
        return (g if na else None), gs

    def backward_graph(self, g: Any) -> tuple:
        na, ns = self.needs_input_grad
        gs = None
        if ns:
            gs = _sh.GetItem.apply(g, index=self.grid)
            if tuple(gs.shape) != tuple(self.src_shape):
                zeros = _zeros_like_graph(g, self.src_shape)
                gs = _sh.SetItem.apply(zeros, gs, index=self.block)
        return (g if na else None), gs


def _zeros_like_graph(g: Tensor, shape: tuple) -> Tensor:
    """A constant zero Tensor of ``shape`` with ``g``'s dtype and device."""
    return Tensor._make(g.xp.zeros(tuple(shape), dtype=g.dtype), False, None, 0)


def index_add_graph(g: Tensor, shape: tuple, index: Any) -> Tensor:
    """A zero Tensor of ``shape`` with ``g`` added at ``index`` (any NumPy index; entries
    that meet add up), as a recorded :class:`ScatterAdd` on the flattened positions: the
    differentiable backward of indexing, whose own backward gathers ``g[index]`` again.

    Parameters
    ----------
    g : Tensor, shape ``zeros(shape)[index].shape``
    shape : tuple of int
    index : index
        What was indexed with (int arrays, bool masks, slices, ints).

    Returns
    -------
    Tensor, shape ``shape``
    """
    xp = g.xp
    pos = xp.arange(int(np.prod(shape)), dtype=np.int64).reshape(shape)[index].reshape(-1)
    flat = _sh.reshape(g, (-1,))
    out = ScatterAdd.apply(_zeros_like_graph(g, (int(np.prod(shape)),)), flat, index=pos, dim=0)
    return _sh.reshape(out, tuple(shape))


_sh.register_index_add_graph(index_add_graph)


def scatter_add(a: Tensor, dim: int, index: Any, src: Tensor) -> Tensor:
    """``a`` plus ``src`` added at ``index`` along ``dim`` (out-of-place ``scatter_add_``).

    Raises
    ------
    ValueError
        When ``index`` and ``a``/``src`` differ in dims, or ``index`` is larger than
        ``src`` anywhere or than ``a`` outside ``dim``.
    """
    d = _dim(dim, a.ndim, "scatter_add")
    idx = _index_array(index, a, "scatter_add")
    if idx.ndim == 0 and a.ndim == 1:  # torch: a 0-d index is one entry of a 1-D tensor
        idx = idx.reshape(1)
        src = _sh.reshape(src, (1,)) if src.ndim == 0 else src
    if idx.ndim != a.ndim or src.ndim != a.ndim:
        raise ValueError(
            f"scatter_add: index ({idx.ndim} dims), src ({src.ndim}) and input ({a.ndim}) "
            "must have the same number of dims"
        )
    too_big = any(idx.shape[i] > src.shape[i] for i in range(a.ndim)) or any(
        idx.shape[i] > a.shape[i] for i in range(a.ndim) if i != d
    )
    if too_big:
        raise ValueError(
            f"scatter_add: index of shape {idx.shape} does not fit src of shape {src.shape} "
            f"and input of shape {a.shape}"
        )
    if idx.size and (int(idx.min()) < -a.shape[d] or int(idx.max()) >= a.shape[d]):
        raise IndexError(f"scatter_add: index out of range for dim {dim} of size {a.shape[d]}")
    src = src if src.dtype == a.dtype else _ar.cast(src, a.dtype)
    if idx.size and int(idx.min()) < 0:  # else the same array, which an exporter's trace knows
        idx = idx % a.shape[d]
    return ScatterAdd.apply(a, src, index=idx, dim=d)


def index_add(a: Tensor, dim: int, index: Any, source: Tensor, alpha: Any = 1) -> Tensor:
    """``a`` with ``alpha * source[i]`` added at position ``index[i]`` along ``dim``."""
    d = _dim(dim, a.ndim, "index_add")
    idx = _index_array(index, a, "index_add").reshape(-1)
    if source.ndim != a.ndim or source.shape[d] != idx.shape[0]:
        raise ValueError(
            f"index_add: source of shape {source.shape} needs {a.ndim} dims and "
            f"{idx.shape[0]} entries along dim {dim}"
        )
    view = [1] * a.ndim
    view[d] = -1
    full = a.xp.broadcast_to(idx.reshape(view), source.shape)
    return scatter_add(a, d, full, source if alpha == 1 else _ar.mul(source, alpha))
