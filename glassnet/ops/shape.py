"""Shape ops: reshape, transpose, indexing, concat, stack, pad, squeeze, broadcast."""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import _views
from .._errors import OutOfRangeError, ShapeError
from .._validate import is_int
from ..autograd.function import Function
from ..autograd.higher_order import unbroadcast as unbroadcast_graph
from ..backend import get_array_module, is_cupy_array
from ..tensor import Tensor

__all__ = [
    "reshape", "view", "flatten", "transpose", "swapaxes", "getitem", "setitem", "concat", "stack", "pad",
    "squeeze", "unsqueeze", "broadcast_to", "split", "split_int_index",
]  # fmt: skip


class Reshape(Function):
    def forward(self, a: Any, shape: tuple = ()) -> Any:
        self.shape = a.shape
        return a.reshape(shape)

    def backward(self, g: Any) -> Any:
        return g.reshape(self.shape)

    def backward_graph(self, g: Any) -> Any:
        return Reshape.apply(g, shape=self.shape)


class Transpose(Function):
    def forward(self, a: Any, axes: tuple | None = None) -> Any:
        self.axes = axes
        return a.transpose(axes)

    def backward(self, g: Any) -> Any:
        if self.axes is None:
            return g.transpose()
        inverse = sorted(range(len(self.axes)), key=self.axes.__getitem__)
        return g.transpose(inverse)

    def backward_graph(self, g: Any) -> Any:
        if self.axes is None:
            return Transpose.apply(g)
        inverse = sorted(range(len(self.axes)), key=self.axes.__getitem__)
        return Transpose.apply(g, axes=tuple(inverse))


def _is_basic(index: Any) -> bool:
    items = index if isinstance(index, tuple) else (index,)
    return all(isinstance(i, (int, np.integer, slice)) or i is None or i is Ellipsis for i in items)


class GetItem(Function):
    def forward(self, a: Any, index: Any = None) -> Any:
        if self.requires_grad:
            self.shape, self.dtype, self.index = a.shape, a.dtype, index
        return _views.index_view(a, index)

    def backward(self, g: Any) -> Any:
        xp = get_array_module(g)
        out = xp.zeros(self.shape, dtype=g.dtype)
        if _is_basic(self.index):
            out[self.index] = g
        else:
            xp.add.at(out, self.index, g)
        return out

    def backward_graph(self, g: Any) -> Any:
        if not _is_basic(self.index):
            return _index_add_graph(g, self.shape, self.index)
        zeros = Tensor._make(get_array_module(g.array).zeros(self.shape, g.dtype), False, None, 0)
        return SetItem.apply(zeros, g, index=self.index)


#: ``f(g, shape, index)``: a zero Tensor of ``shape`` with ``g`` added at the advanced
#: ``index``, as recorded ops (GetItem's differentiable backward); set by
#: :mod:`glassnet.ops.select`, whose ScatterAdd it is built on (select imports this module).
_index_add_graph_impl: Any = None


def register_index_add_graph(fn: Any) -> None:
    """Install the differentiable index-add GetItem's ``backward_graph`` uses (see above)."""
    global _index_add_graph_impl
    _index_add_graph_impl = fn


def _index_add_graph(g: Any, shape: tuple, index: Any) -> Any:
    if _index_add_graph_impl is None:  # pragma: no cover - glassnet.ops always imports select
        raise NotImplementedError(
            "create_graph=True: indexing with index arrays or masks needs glassnet.ops.select"
        )
    return _index_add_graph_impl(g, shape, index)


class SetItem(Function):
    """``a`` with ``a[index] = value`` written into a copy: ``x[index] = value`` in the graph."""

    def forward(self, a: Any, value: Any, index: Any = None) -> Any:
        out = a.copy()
        out[index] = value
        if self.requires_grad:
            self.index, self.value_shape, self.value_dtype = index, value.shape, value.dtype
        return out

    def backward(self, g: Any) -> tuple:
        na, nv = self.needs_input_grad
        ga = gv = None
        if na:
            ga = g.copy()
            ga[self.index] = 0
        if nv:
            gv = _sum_to(g[self.index], self.value_shape).astype(self.value_dtype, copy=False)
        return ga, gv

    def backward_graph(self, g: Any) -> tuple:
        na, nv = self.needs_input_grad
        ga = gv = None
        if na:
            ga = SetItem.apply(g, get_array_module(g.array).zeros((), g.dtype), index=self.index)
        if nv:
            gv = GetItem.apply(g, index=self.index)
            if gv.ndim < len(self.value_shape):
                gv = gv.reshape((1,) * (len(self.value_shape) - gv.ndim) + tuple(gv.shape))
            gv = unbroadcast_graph(gv, tuple(self.value_shape))
        return ga, gv


def _sum_to(g: Any, shape: tuple) -> Any:
    """``g`` summed down to ``shape``, which NumPy broadcast to ``g``'s shape when assigning
    (leading axes of length one in ``shape`` beyond ``g``'s rank included)."""
    if g.ndim < len(shape):  # a value with extra leading ones: (1, 3) assigned into 3 places
        g = g.reshape((1,) * (len(shape) - g.ndim) + g.shape)
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and g.shape[lead + i] != 1
    )
    return g.sum(axis=axes, keepdims=True).reshape(shape) if axes else g


class Concat(Function):
    def forward(self, *arrays: Any, axis: int = 0) -> Any:
        xp = get_array_module(*arrays)
        self.axis = axis
        self.splits = list(itertools.accumulate(a.shape[axis] for a in arrays[:-1]))
        return xp.concatenate(arrays, axis=axis)

    def backward(self, g: Any) -> tuple:
        xp = get_array_module(g)
        return tuple(xp.split(g, self.splits, axis=self.axis))

    def backward_graph(self, g: Any) -> tuple:
        bounds = [0, *self.splits, g.shape[self.axis]]
        lead = (slice(None),) * (self.axis % g.ndim)
        return tuple(
            GetItem.apply(g, index=lead + (slice(lo, hi),)) if need else None
            for lo, hi, need in zip(bounds[:-1], bounds[1:], self.needs_input_grad)
        )


class Stack(Function):
    def forward(self, *arrays: Any, axis: int = 0) -> Any:
        xp = get_array_module(*arrays)
        self.axis = axis
        return xp.stack(arrays, axis=axis)

    def backward(self, g: Any) -> tuple:
        xp = get_array_module(g)
        return tuple(xp.moveaxis(g, self.axis, 0))

    def backward_graph(self, g: Any) -> tuple:
        lead = (slice(None),) * (self.axis % g.ndim)
        return tuple(
            GetItem.apply(g, index=lead + (i,)) if need else None
            for i, need in enumerate(self.needs_input_grad)
        )


class Pad(Function):
    def forward(self, a: Any, widths: tuple = (), value: float = 0.0) -> Any:
        xp = get_array_module(a)
        self.slices = tuple(slice(lo, lo + n) for (lo, _), n in zip(widths, a.shape))
        return xp.pad(a, widths, mode="constant", constant_values=value)

    def backward(self, g: Any) -> Any:
        return g[self.slices]

    def backward_graph(self, g: Any) -> Any:
        return GetItem.apply(g, index=self.slices)


class BroadcastTo(Function):
    def forward(self, a: Any, shape: tuple = ()) -> Any:
        return get_array_module(a).broadcast_to(a, shape)

    def backward(self, g: Any) -> Any:
        return g  # the engine sums it down to the input's shape

    def backward_graph(self, g: Any) -> Any:
        return g  # summed down to the input's shape by the pass


def _axis(axis: Any, ndim: int, who: str) -> int:
    """``axis`` in ``[-ndim, ndim)`` as a non-negative int, or an :class:`OutOfRangeError`
    (a ``ValueError``; torch's ``IndexError``) naming ``who``."""
    if not is_int(axis):
        raise TypeError(f"{who}: axis must be an int, got {axis!r}")
    if not -ndim <= axis < ndim:
        raise OutOfRangeError(f"{who}: axis {axis} is out of range [{-ndim}, {ndim - 1}]")
    return int(axis) % ndim


def reshape(a: Tensor, shape: Sequence[int]) -> Tensor:
    """Same data, new shape (one entry may be ``-1``).

    Raises
    ------
    ShapeError
        When the element count differs; the message gives both shapes. A ``ValueError``
        and, as in torch, a ``RuntimeError``.
    """
    shape = tuple(int(s) for s in shape)
    known = int(np.prod([s for s in shape if s != -1]))
    if shape.count(-1) > 1 or (
        -1 not in shape and known != a.numel() or -1 in shape and (known == 0 or a.numel() % known)
    ):
        raise ShapeError(
            f"reshape: cannot reshape a tensor of shape {a.shape} into {shape} "
            f"(shape '{list(shape)}' is invalid for input of size {a.numel()})"
        )
    if shape == a.shape:
        return a
    out = Reshape.apply(_views.source(a), shape=shape)
    if a.xp.may_share_memory(out.array, a.array):  # a view, as torch's view/reshape
        _views.link(out, a, "reshape", out.shape)
    return out


def view(a: Tensor, shape: Sequence[int]) -> Tensor:
    """torch's ``view``: :func:`reshape` that must give a view of ``a`` (no copy).

    Raises
    ------
    RuntimeError
        When ``a``'s layout (a transpose, a strided slice) cannot be read in ``shape``
        without a copy, as torch does; :func:`reshape` copies then. Only for a view of
        a contiguous tensor, whose layout is torch's: an op's result may be laid out
        otherwise in NumPy than in torch, and is then copied, as before.
    """
    out = reshape(a, shape)
    copied = out is not a and a.numel() and not a.xp.may_share_memory(out.array, a.array)
    if copied and _views.laid_out_as_in_torch(a):
        raise RuntimeError(
            f"view: a tensor of shape {a.shape} with strides {a.array.strides} (bytes) "
            f"cannot be viewed as shape {out.shape} without a copy: it is not contiguous "
            "across the dims being merged or split; use .reshape(...) instead (it copies "
            "then), or .contiguous().view(...)"
        )
    return out


def flatten(a: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dims ``start_dim..end_dim`` into one (PyTorch's ``flatten``)."""
    if a.ndim == 0:
        _axis(start_dim, 1, "flatten")
        _axis(end_dim, 1, "flatten")
        return reshape(a, (1,))
    s, e = _axis(start_dim, a.ndim, "flatten"), _axis(end_dim, a.ndim, "flatten")
    if s > e:
        raise ShapeError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
    shape = a.shape[:s] + (int(np.prod(a.shape[s : e + 1])),) + a.shape[e + 1 :]
    return reshape(a, shape)


def transpose(a: Tensor, axes: Sequence[int] | None = None) -> Tensor:
    """Permute axes (reverse them when ``axes`` is ``None``)."""
    if axes is not None:
        given = tuple(axes)
        axes = tuple(_axis(x, a.ndim, "transpose") for x in given)
        if sorted(axes) != list(range(a.ndim)):
            raise ShapeError(f"transpose: axes {axes} are not a permutation of {a.ndim} dims")
    return _views.link(Transpose.apply(_views.source(a), axes=axes), a, "transpose", axes)


def diagonal(a: Tensor, offset: int, dim1: int, dim2: int) -> Tensor:
    """The diagonal of the planes ``(dim1, dim2)`` (non-negative, distinct) as the last
    axis, recorded as a transpose and an index (not linked: see ``_torch_more.diagonal``);
    its array is a view of ``a``'s, so a change written into either shows in the other."""
    rest = [d for d in range(a.ndim) if d not in (dim1, dim2)]
    moved = Transpose.apply(a, axes=tuple(rest + [dim1, dim2]))
    n, m = a.shape[dim1], a.shape[dim2]
    k = max(min(n + min(offset, 0), m - max(offset, 0)), 0)
    idx = np.arange(k)
    index = (Ellipsis, idx + max(-offset, 0), idx + max(offset, 0))
    out = GetItem.apply(moved, index=_unwrap_index(index, a.xp))
    out.array = _views.diagonal_view(a.array, offset, dim1, dim2)
    return out


def put_diagonal(a: Tensor, offset: int, dim1: int, dim2: int, value: Tensor) -> Tensor:
    """``a`` with its diagonal (as :func:`diagonal` gives it) replaced by ``value``, as a
    graph op."""
    perm = [d for d in range(a.ndim) if d not in (dim1, dim2)] + [dim1, dim2]
    k = value.shape[-1]
    idx = np.arange(k)
    index = (Ellipsis, idx + max(-offset, 0), idx + max(offset, 0))
    put = setitem(Transpose.apply(a, axes=tuple(perm)), _unwrap_index(index, a.xp), value)
    return Transpose.apply(put, axes=tuple(int(i) for i in np.argsort(perm)))


def _strided_index(size: tuple, stride: tuple, offset: int) -> Any:
    """The flat position of each entry of ``as_strided(size, stride, offset)``."""
    idx = np.full(tuple(size), offset, dtype=np.int64)
    for d, (n, s) in enumerate(zip(size, stride)):
        idx = idx + np.arange(n).reshape((n,) + (1,) * (len(size) - d - 1)) * s
    return idx


def as_strided(a: Tensor, size: tuple, stride: tuple, offset: int) -> Tensor:
    """``a`` (C-contiguous, checked by the caller) read as ``size``/``stride`` from element
    ``offset``, recorded as an index of its flattening (overlapping entries add their
    gradients, as torch's); its array is a view of ``a``'s (not linked here)."""
    flat = Reshape.apply(a, shape=(a.array.size,))
    index = _unwrap_index(_strided_index(size, stride, offset), a.xp)
    out = GetItem.apply(flat, index=index)
    out.array = _views.strided_view(a.array, size, stride, offset)
    return out


def put_strided(a: Tensor, size: tuple, stride: tuple, offset: int, value: Tensor) -> Tensor:
    """``a`` with the entries :func:`as_strided` reads replaced by ``value``, as a graph op."""
    flat = Reshape.apply(a, shape=(a.array.size,))
    index = _unwrap_index(_strided_index(size, stride, offset).reshape(-1), a.xp)
    put = setitem(flat, index, Reshape.apply(value, shape=(value.array.size,)))
    return Reshape.apply(put, shape=a.shape)


def swapaxes(a: Tensor, axis1: int, axis2: int) -> Tensor:
    """Exchange two axes."""
    axis1, axis2 = _axis(axis1, a.ndim, "swapaxes"), _axis(axis2, a.ndim, "swapaxes")
    axes = list(range(a.ndim))
    axes[axis1], axes[axis2] = axes[axis2], axes[axis1]
    return transpose(a, axes)


def _index_part(i: Any, xp: Any) -> Any:
    if isinstance(i, Tensor):
        i = i.array
        if i.dtype == np.uint8:  # torch's deprecated mask form: a uint8 tensor is a mask
            warnings.warn(
                "indexing with dtype uint8 is deprecated (as in torch), please use a dtype "
                "bool instead; the uint8 tensor is taken as a boolean mask",
                UserWarning,
                stacklevel=5,
            )
            i = i.astype(bool)
    if isinstance(i, list):
        return xp.asarray(i)
    if xp is not np and isinstance(i, np.ndarray):
        return xp.asarray(i)  # copied to the GPU once, for forward and backward
    if xp is np and is_cupy_array(i):
        return i.get()
    return i


def unwrap_bool_scalars(index: Any) -> Any:
    """``index`` with each 0-d bool tensor as a NumPy bool: NumPy would read the tensor
    through ``__index__`` as position 1 or 0, where torch (and NumPy's own bool) mean
    "all" or "nothing" (``x[torch.tensor(True)] = v``)."""

    def fix(i: Any) -> Any:
        if isinstance(i, Tensor) and i.ndim == 0 and i.array.dtype == np.bool_:
            return np.bool_(bool(i.array))
        return i

    return tuple(fix(i) for i in index) if isinstance(index, tuple) else fix(index)


def _unwrap_index(index: Any, xp: Any = np) -> Any:
    """The index with tensors unwrapped and index arrays on the indexed tensor's device."""
    if isinstance(index, tuple):
        return tuple(_index_part(i, xp) for i in index)
    return _index_part(index, xp)


def _is_view_index(index: Any) -> bool:
    """A basic index without negative steps: torch's indexing that gives a view."""
    items = index if isinstance(index, tuple) else (index,)
    return _is_basic(index) and not any(
        isinstance(i, slice) and i.step is not None and i.step < 0 for i in items
    )


#: index types that never mix ints with index arrays
_BASIC_INDEX = frozenset({int, slice, type(None), type(Ellipsis)})


def _is_int_index(i: Any) -> bool:
    if isinstance(i, (bool, np.bool_)):
        return False
    if isinstance(i, Tensor):
        i = i.array
    return isinstance(i, (int, np.integer)) or (
        getattr(i, "ndim", None) == 0 and i.dtype.kind in "iu" and i.dtype != np.uint8
    )


def split_int_index(index: Any, xp: Any = np) -> tuple[tuple, tuple] | None:
    """``(first, then)`` when ``index`` (unwrapped) mixes ints with index arrays, else None.

    torch applies integer indices first (``x[1, :, idx]`` is ``x[1][:, idx]``), so they
    never count as advanced indices; NumPy counts them, which moves the indexed dims to the
    front when a slice separates them (shape ``(2, 4)`` for ``(4, 2)``). ``first`` holds the
    ints (with the slices and ``None``), ``then`` the index arrays."""
    if not isinstance(index, tuple):
        return None
    for i in index:  # the common case, ints and slices only, leaves at once
        if type(i) not in _BASIC_INDEX:
            break
    else:
        return None
    if not any(_is_int_index(i) for i in index):
        return None
    index = _unwrap_index(index, xp)
    if not any(
        isinstance(i, (bool, np.bool_)) or (getattr(i, "ndim", 0) > 0) for i in index
    ):
        return None
    first: list = []
    then: list = []
    for i in index:
        if _is_int_index(i):
            first.append(int(i))
        elif i is None or i is Ellipsis or isinstance(i, slice):
            first.append(i)
            then.append(Ellipsis if i is Ellipsis else slice(None))
        else:  # an index array, or True/False: consumes its mask's dims (ints: one)
            mask = isinstance(i, (bool, np.bool_)) or i.dtype == bool
            first.extend([slice(None)] * (int(np.ndim(i)) if mask else 1))
            then.append(i)
    return tuple(first), tuple(then)


def getitem(a: Tensor, index: Any) -> Tensor:
    """NumPy indexing: ints, slices, ``None``, ``...``, integer and boolean arrays.

    Ints and slices give a view (see :mod:`glassnet._views`): an in-place change of the
    result reaches ``a``. Ints mixed with index arrays apply first, as in torch
    (:func:`split_int_index`)."""
    index = _unwrap_index(index, a.xp)
    split = split_int_index(index, a.xp)
    if split is not None:
        return getitem(getitem(a, split[0]), split[1])
    if not _is_view_index(index):
        return GetItem.apply(a, index=index)
    return _views.link(GetItem.apply(_views.source(a), index=index), a, "item", index)


def setitem(a: Tensor, index: Any, value: Any) -> Tensor:
    """A new tensor: ``a`` with ``a[index] = value`` (NumPy indexing; ``value`` broadcast).

    Parameters
    ----------
    a : Tensor
    index : int, slice, tuple, array or Tensor
        Any index :func:`getitem` takes.
    value : Tensor or number
        Cast to ``a``'s dtype; the gradient reaching it is that of the positions it filled.

    Returns
    -------
    Tensor
        Same shape and dtype as ``a``; no gradient reaches ``a`` at ``index``.
    """
    if not isinstance(value, Tensor):
        value = Tensor(a.xp.asarray(value, dtype=a.dtype))
    return SetItem.apply(a, value, index=_unwrap_index(index, a.xp))


def concat(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
    """Join tensors along an existing axis."""
    tensors = list(tensors)
    if not tensors:
        raise ValueError("concat: expected at least one tensor")
    ref = tensors[0].shape
    if not ref:
        raise ValueError("concat: 0-d tensors cannot be concatenated (use stack)")
    ax = _axis(axis, len(ref), "concat")
    for i, t in enumerate(tensors):
        if t.ndim != len(ref) or any(t.shape[d] != ref[d] for d in range(len(ref)) if d != ax):
            raise ShapeError(
                f"concat: tensor {i} has shape {t.shape}, which does not match {ref} "
                f"outside axis {axis}"
            )
    return Concat.apply(*tensors, axis=ax)


def stack(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
    """Join same-shaped tensors along a new axis."""
    tensors = list(tensors)
    if not tensors:
        raise ValueError("stack: expected at least one tensor")
    for i, t in enumerate(tensors):
        if t.shape != tensors[0].shape:
            raise ShapeError(f"stack: tensor {i} has shape {t.shape}, expected {tensors[0].shape}")
    return Stack.apply(*tensors, axis=_axis(axis, tensors[0].ndim + 1, "stack"))


def pad(a: Tensor, pad_width: Any, value: float = 0.0) -> Tensor:
    """Constant padding.

    Parameters
    ----------
    pad_width : int, sequence of (before, after) pairs, or flat PyTorch-style tuple
        NumPy form ``((b0, a0), (b1, a1), ...)`` per axis, or PyTorch's flat
        form ``(left_last, right_last, left_prev, right_prev, ...)`` starting
        from the last axis.
    """
    if isinstance(pad_width, int):
        widths = ((pad_width, pad_width),) * a.ndim
    elif all(isinstance(p, (int, np.integer)) for p in pad_width):
        flat = list(pad_width)
        if len(flat) % 2 or len(flat) // 2 > a.ndim:
            raise ValueError(f"pad: flat pad_width must hold pairs for at most {a.ndim} dims")
        pairs = [(flat[i], flat[i + 1]) for i in range(0, len(flat), 2)]
        widths = tuple([(0, 0)] * (a.ndim - len(pairs)) + pairs[::-1])
    else:
        widths = tuple((int(lo), int(hi)) for lo, hi in pad_width)
        if len(widths) != a.ndim:
            raise ValueError(f"pad: expected {a.ndim} (before, after) pairs, got {len(widths)}")
    if any(lo < 0 or hi < 0 for lo, hi in widths):
        raise ValueError(f"pad: widths must be non-negative, got {widths}")
    return Pad.apply(a, widths=widths, value=value)


def squeeze(a: Tensor, axis: Any = None) -> Tensor:
    """Drop axes of length one (all of them when ``axis`` is ``None``)."""
    if axis is None:
        shape = tuple(n for n in a.shape if n != 1)
    elif a.ndim == 0:
        for x in (axis,) if isinstance(axis, (int, np.integer)) else axis:
            _axis(x, 1, "squeeze")
        return a
    else:
        given = (axis,) if isinstance(axis, (int, np.integer)) else axis
        axes = {_axis(x, a.ndim, "squeeze") for x in given}
        shape = tuple(n for i, n in enumerate(a.shape) if not (i in axes and n == 1))
    return reshape(a, shape)


def unsqueeze(a: Tensor, axis: int) -> Tensor:
    """Insert an axis of length one at ``axis``."""
    axis = _axis(axis, a.ndim + 1, "unsqueeze")
    return reshape(a, a.shape[:axis] + (1,) + a.shape[axis:])


def broadcast_to(a: Tensor, shape: Sequence[int]) -> Tensor:
    """Broadcast to ``shape`` (``-1`` keeps a dim), like ``torch.expand``."""
    shape = tuple(shape)
    lead = len(shape) - a.ndim
    if lead < 0:  # torch: "the number of sizes provided (1) must be greater or equal to ..."
        raise ShapeError(
            f"broadcast_to: the number of sizes provided ({len(shape)}) must be greater or equal "
            f"to the number of dimensions in the tensor ({a.ndim}), got shape {a.shape} to {shape}"
        )
    full = tuple(a.shape[i - lead] if s == -1 else s for i, s in enumerate(shape))
    try:
        np.broadcast_shapes(a.shape, full)
    except ValueError:
        raise ShapeError(f"broadcast_to: cannot broadcast shape {a.shape} to {full}") from None
    return BroadcastTo.apply(a, shape=full)


def split(a: Tensor, sections: int | Sequence[int], axis: int = 0) -> list[Tensor]:
    """Split into pieces: ``int`` = size of each piece (PyTorch), or a list of sizes."""
    axis = _axis(axis, a.ndim, "split")
    n = a.shape[axis]
    if isinstance(sections, (int, np.integer)):
        if isinstance(sections, bool) or sections <= 0:
            raise ValueError(
                f"split: the size of each piece must be a positive int, got {sections!r}"
            )
        sizes = [sections] * (n // sections) + ([n % sections] if n % sections else [])
    else:
        sizes = [int(k) for k in sections]
        if any(k < 0 for k in sizes):
            raise ValueError(f"split: sizes must be non-negative, got {sizes}")
        if sum(sizes) != n:
            raise ShapeError(f"split: sizes {sizes} do not add up to {n} along axis {axis}")
    out, start = [], 0
    idx = [slice(None)] * a.ndim
    for s in sizes:
        idx[axis] = slice(start, start + s)
        out.append(getitem(a, tuple(idx)))
        start += s
    return out
