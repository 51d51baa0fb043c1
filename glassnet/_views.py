"""Views: which tensor another one looks into, so in-place changes reach both, as in torch.

Indexing with ints and slices, reshaping (``view``, ``squeeze``, ``flatten``, ...) and
transposing (``t``, ``permute``, ``transpose``) give a tensor whose array is a NumPy view
of the original's. Outside the graph an in-place change writes into that shared memory,
so both tensors see it; the ops that make views record a link on the result
(``t._base = (base, kind, arg)``, see :func:`link`) so that the two other cases work too:

* **Inside the graph** an in-place change gives the tensor a new array (see
  ``_inplace.py``). The link lets the change be written back into the base, recorded
  like any op (``_inplace._put``: the base with the view's part replaced), so ``y = x[0];
  y.add_(1)`` or ``y[1] = h`` changes ``x`` and its gradient, as torch's views do. The
  view then looks into the base's new array again (:func:`take`).
* **Version counters**: a change through a view bumps the versions of the tensors it
  views, so an op that saved the base for its backward sees the change
  (:func:`bump_bases`), as torch's shared version counter does.

A link is live while the view's array still shares memory with the base's. A base
changed inside the graph gets a new array; the views taken of it earlier (found by
:func:`views_of`) are then made again from it, recorded, so they see the change as
torch's views do (``_inplace._refresh_views``).
"""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np

from .autograd import tracing
from .backend import get_array_module
from .tensor import Tensor

__all__ = [
    "source", "link", "live_base", "bump_bases", "bump_shared", "take", "views_of", "has_views", "index_view",
    "laid_out_as_in_torch", "diagonal_view", "strided_view",
]  # fmt: skip

#: ``id(base)`` -> (a weak reference to ``base``, weak references to the views linked to it),
#: so that a change of ``base`` inside the graph can reach the views taken of it earlier.
_VIEWS: dict[int, tuple] = {}


def source(t: Tensor) -> Tensor:
    """What a view op should record as its input: ``t`` itself, or for a tensor computed
    in the graph a second tensor of the same graph node.

    An in-place change inside the graph rebinds the changed tensor to a new node (see
    ``_inplace.py``), and an op whose recorded input is that tensor then fails the
    version check at backward. The op that made a view must survive a change written
    back through the view, so it records an alias of the node instead: the gradient
    still reaches the node, and ``retain_grad``/hooks (kept on the node) still see it."""
    if t._ctx is None or not t.requires_grad or tracing.current() is not None:
        return t  # (an exporter's trace follows tensors by identity)
    return Tensor._make(t.array, t.requires_grad, t._ctx, t._index)


def link(view: Tensor, base: Tensor, kind: str, arg: Any) -> Tensor:
    """Record that ``view`` looks into ``base``: ``kind`` is ``"item"`` (``arg``: a basic
    index), ``"reshape"`` (``arg``: the view's shape), ``"transpose"`` (``arg``: axes) or
    ``"diagonal"`` (``arg``: ``(offset, dim1, dim2)``) or ``"strided"`` (``arg``: ``(size,
    stride, offset)`` in elements of a contiguous base)."""
    if view is not base:
        view._base = (base, kind, arg)
        _register(base, view)
    return view


def _register(base: Tensor, view: Tensor) -> None:
    key = id(base)
    entry = _VIEWS.get(key)
    if entry is None or entry[0]() is not base:
        entry = _VIEWS[key] = (weakref.ref(base, lambda _, k=key: _forget(k)), [])
    refs = entry[1]
    refs.append(weakref.ref(view))
    if len(refs) >= 16 and len(refs) & (len(refs) - 1) == 0:  # a base indexed in a loop
        refs[:] = [r for r in refs if r() is not None]


def _forget(key: int) -> None:
    entry = _VIEWS.get(key)
    if entry is not None and entry[0]() is None:
        del _VIEWS[key]


def has_views(base: Tensor) -> bool:
    """Were views of ``base`` ever linked (:func:`link`)? (A quick test before
    :func:`views_of`.)"""
    return id(base) in _VIEWS


def views_of(base: Tensor) -> list[Tensor]:
    """The live tensors linked (:func:`link`) as views of ``base``, in the order made."""
    entry = _VIEWS.get(id(base))
    if entry is None or entry[0]() is not base:
        return []
    views = (r() for r in entry[1])
    return [v for v in views if v is not None and v._base is not None and v._base[0] is base]


def live_base(t: Tensor) -> tuple | None:
    """``(base, kind, arg)`` if ``t`` is a view whose array still shares ``base``'s memory."""
    found = getattr(t, "_base", None)
    if found is None:
        return None
    base = found[0]
    if not t.xp.may_share_memory(t.array, base.array):
        return None
    return found


def bump_bases(t: Tensor) -> None:
    """Bump the version of every tensor ``t`` looks into (after a change written through it)."""
    found = live_base(t)
    while found is not None:
        base = found[0]
        base._version += 1
        if base._ctx is not None:  # the op that made it may have kept this array for backward
            base._ctx.__dict__["output_modified"] = True
        found = live_base(base)


def bump_shared(t: Tensor) -> None:
    """After ``t`` changed in place outside the graph, bump the version of every tensor
    sharing the change, once each: the tensors ``t`` views (:func:`bump_bases`) and every
    live view of them or of ``t`` (siblings, views of views). An op that ran on such a view
    (``x @ w.t()``, then ``w.mul_(2)``) then refuses its backward, as torch's shared
    version counter makes it."""
    bump_bases(t)
    chain = {id(t)}
    root, found = t, live_base(t)
    while found is not None:
        root = found[0]
        chain.add(id(root))
        found = live_base(root)
    if not has_views(root) and root is t:
        return
    stack = [root]
    while stack:
        base = stack.pop()
        if not has_views(base):
            continue
        for view in views_of(base):
            if live_base(view) is None:
                continue
            if id(view) not in chain:
                view._version += 1
            stack.append(view)


def take(array: Any, kind: str, arg: Any) -> Any:
    """The view of ``array`` that the link describes (a NumPy/CuPy view, no copy)."""
    if kind == "item":
        return index_view(array, arg)
    if kind == "reshape":
        return array.reshape(arg)
    if kind == "diagonal":
        return diagonal_view(array, *arg)
    if kind == "strided":
        return strided_view(array, *arg)
    return array.transpose(arg)


def strided_view(array: Any, size: tuple, stride: tuple, offset: int) -> Any:
    """``torch.as_strided`` of a C-contiguous ``array``: ``size`` and ``stride`` (in
    elements) from element ``offset`` of its memory, as a writable view."""
    flat = array.reshape(-1)[offset:] if array.size else array.reshape(-1)
    strides = tuple(s * array.itemsize for s in stride)
    return get_array_module(array).lib.stride_tricks.as_strided(flat, tuple(size), strides)


def diagonal_view(array: Any, offset: int, dim1: int, dim2: int) -> Any:
    """The diagonal of ``array``'s planes ``(dim1, dim2)`` as a writable view (the other
    dims first, the diagonal last, as ``torch.diagonal``); NumPy's ``diagonal`` is a
    read-only view, so the strides are laid out here."""
    n, m = array.shape[dim1], array.shape[dim2]
    k = max(min(n + min(offset, 0), m - max(offset, 0)), 0)
    first = [slice(None)] * array.ndim
    first[dim1] = slice(min(max(-offset, 0), n), None)
    first[dim2] = slice(min(max(offset, 0), m), None)
    shifted = array[tuple(first)]  # starts at the diagonal's first entry
    rest = [d for d in range(array.ndim) if d not in (dim1, dim2)]
    shape = tuple(array.shape[d] for d in rest) + (k,)
    strides = tuple(array.strides[d] for d in rest) + (array.strides[dim1] + array.strides[dim2],)
    return get_array_module(array).lib.stride_tricks.as_strided(shifted, shape, strides)


def index_view(array: Any, index: Any) -> Any:
    """``array[index]``, but a 0-d view where NumPy would give a scalar copy (an int for
    every axis), so that ``x[1].add_(2)`` or ``x.select(0, 1).fill_(0)`` reaches ``x``."""
    out = array[index]
    if isinstance(out, np.generic):
        out = array[(*index, Ellipsis) if isinstance(index, tuple) else (index, Ellipsis)]
    return out


def laid_out_as_in_torch(t: Tensor) -> bool:
    """Is ``t`` a view of a C-contiguous tensor (so its strides are the ones torch's view
    would have)? An op's result may be laid out otherwise in NumPy than in torch."""
    found = live_base(t)
    if found is None:
        return False
    while found is not None:
        root = found[0]
        found = live_base(root)
    return bool(root.array.flags.c_contiguous)
