"""In-place tensor operations with PyTorch's semantics (``add_``, ``mul_``, ``+=``, ``zero_``, ...).

One rule decides what an in-place op does, in :func:`update`:

* **Outside the graph** (inside ``no_grad()``, or when neither the tensor nor
  the other operand requires a gradient) the op writes into the tensor's own
  array. Every tensor sharing that memory (``p.data``, a NumPy array given to
  :func:`~glassnet.from_numpy`, a basic-slice view) sees the change. This is
  the manual SGD step ``with no_grad(): p -= lr * p.grad``.
* **Inside the graph** the op is recorded like its out-of-place twin and the
  tensor takes the result: its array, its ``grad_fn`` and ``requires_grad``.
  The array the tensor held before is left untouched, so every gradient
  formula that saved it stays right. (``out += identity`` in a ResNet block.)
* A **leaf that requires grad** may not change in place while gradients are
  recorded: PyTorch's ``RuntimeError``.

Each in-place change bumps the tensor's version (``t._version``). An op
records the versions of its inputs; if one changed before its backward runs,
``backward()`` raises PyTorch's "modified by an inplace operation" error
instead of computing a wrong gradient (see ``autograd/engine.py``). A change
written into a tensor computed by an op also marks that op, because it may
have kept its output for backward (``exp``, ``sigmoid``, ``relu``).

A tensor made by indexing, reshaping or transposing another is a view of it
(``_views.py``): changed inside the graph, the change is written back into the
tensor it views; changed outside, the versions of both are bumped. ``x[index] =
value`` inside the graph is :func:`update` with ``ops.shape.setitem``.

Inside the graph the tensor gets a new array (in its old memory layout), and
the views taken of it before are made again from it (``_refresh_views``), so
they see the change as in torch. Each op keeps the array and node it was given
(``Function.edges``), so an op that used the tensor before the change still
backpropagates, to the old node: where torch raises "modified by an inplace
operation" because the op saved the tensor, glassnet gives the gradient of the
program as written. Outside the graph a version check fails for any op that
used the changed tensor, not only for ops that saved it (the safe side).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from . import _torch_args as _args
from . import _views, backend
from . import random as _random
from .autograd import grad_mode, tracing
from .ops import activation as _act
from .ops import arithmetic as _ar
from .ops import select as _sel
from .ops import shape as _sh
from .tensor import Tensor

__all__ = ["InplaceMethods", "update", "traced_setitem"]


def _raw(value: Any, like: Tensor) -> Any:
    """``value`` as something NumPy/CuPy can combine with ``like``'s array."""
    if isinstance(value, Tensor):
        value = value.array
    if hasattr(value, "shape") and backend.is_cupy_array(like.array) != backend.is_cupy_array(
        value
    ):
        value = backend.to_device(value, like.device) if backend.is_cupy_array(like.array) else value.get()
    return value


def _records(t: Tensor, others: tuple) -> bool:
    """Does an in-place op on ``t`` with ``others`` have to be recorded in the graph
    (or in an exporter's trace)?"""
    if tracing.current() is not None:
        return True
    if not grad_mode.is_grad_enabled():
        return False
    return t.requires_grad or any(isinstance(o, Tensor) and o.requires_grad for o in others)


def _refuse_leaf(t: Tensor, name: str) -> None:
    if t.requires_grad and t._ctx is None:
        raise RuntimeError(
            f"{name}: a leaf tensor that requires grad is being used in an in-place operation "
            "(wrap the update in glassnet.no_grad(), as optimizers do, or use the "
            "out-of-place form)"
        )


def _write(t: Tensor, result: Any, name: str) -> None:
    """Copy ``result`` (an array) into ``t``'s own array, with PyTorch's dtype and shape rules."""
    result = _raw(result, t)
    rdt = getattr(result, "dtype", None)
    if rdt is not None and not np.can_cast(rdt, t.array.dtype, casting="same_kind"):
        raise RuntimeError(
            f"{name}: result type {rdt} can't be cast to the tensor's dtype {t.array.dtype}"
        )
    shape = getattr(result, "shape", ())
    if len(shape) > t.array.ndim or any(
        s != 1 and s != d for s, d in zip(shape[::-1], t.array.shape[::-1])
    ):
        raise RuntimeError(
            f"{name}: the result has shape {tuple(shape)}, which does not broadcast to the "
            f"tensor's shape {tuple(t.array.shape)}"
        )
    t.array[...] = result


def _bump(t: Tensor) -> None:
    t._version += 1
    if t._ctx is not None:  # the op that made t may have kept this array for its backward
        t._ctx.__dict__["output_modified"] = True
    _views.bump_shared(t)  # the change is in the memory of the tensors t views and their views


def update(
    t: Tensor, name: str, functional: Callable[..., Tensor], *others: Any, region: Any = None
) -> Tensor:
    """Change ``t`` in place to ``functional(t, *others)``; see the module docstring.

    Parameters
    ----------
    t : Tensor
        The tensor to change.
    name : str
        The method's name, for error messages (``"add_"``).
    functional : callable
        The out-of-place op, ``functional(t, *others) -> Tensor``.
    *others
        The op's other operands.
    region : index, optional
        The part of ``t`` the op changes (``x[region] = v``), when it is not all of it:
        the views of ``t`` outside it keep their graph nodes (see :func:`_refresh_views`).

    Returns
    -------
    Tensor
        ``t`` itself.
    """
    recorder = tracing.current()
    if recorder is not None:  # an exporter traces: the op joins the trace out of place
        recorder.inplace(t, name, lambda before: _out_of_place(t, name, functional, before, others))
        t._version += 1
        return t
    if _records(t, others):
        _refuse_leaf(t, name)
        _refuse_leaf_view(t, name)
        viewed = _views.live_base(t)
        before = Tensor._make(t.array, t.requires_grad, t._ctx, t._index)
        out = _out_of_place(t, name, functional, before, others)
        laid = _laid_out_as(out.array, t.array)
        t.array, t._ctx, t._index, t.requires_grad = laid, out._ctx, out._index, True
        t._version += 1
        _refresh_views(t, before.array, region)
        if viewed is not None:
            _write_back(t, viewed, name)  # and so the sibling views, from the base
        return t
    with grad_mode.no_grad():
        out = functional(Tensor._make(t.array, False, None, 0), *others)
    _write(t, out.array, name)
    _bump(t)
    return t


def _out_of_place(
    t: Tensor, name: str, functional: Callable[..., Tensor], before: Tensor, others: tuple
) -> Tensor:
    """``functional(before, *others)`` with ``t``'s shape and dtype (cast when allowed)."""
    out = functional(before, *others)
    if out.shape != t.shape:
        raise RuntimeError(
            f"{name}: the result has shape {out.shape}, which does not match the "
            f"tensor's shape {t.shape}"
        )
    if out.dtype != t.dtype:
        _check_cast(out.dtype, t.dtype, name)
        out = _ar.cast(out, dtype=t.dtype)
    return out


def _laid_out_as(new: Any, old: Any) -> Any:
    """``new`` in ``old``'s memory layout (a copy only where they differ): a tensor changed
    in place keeps its strides in torch, so ``x.t().add_(1)`` leaves ``x`` contiguous and
    ``view`` accepts or refuses the same shapes afterwards."""
    if new.strides == old.strides or new.size <= 1:
        return new
    xp = backend.get_array_module(old)
    laid = xp.empty_like(old)  # order="K": old's strides, for a dense layout
    laid[...] = new
    return laid


def traced_setitem(t: Tensor, index: Any, value: Any) -> None:
    """``t[index] = value`` while an exporter traces: ``where(mask, value, t)``, recorded.

    ``index`` is a boolean mask (a tensor or array of ``t``'s leading shape), with a number
    or a one-element tensor as ``value``; or ints and slices (with ``...``), with a number or
    a tensor that broadcasts to the indexed region (slices of step 1 then: the value is
    padded out to ``t``'s shape). Anything else has no exact form built from the traced ops
    and is refused, naming what came.
    """
    items = _basic_items(t, index)
    mask = _setitem_mask(t, index, items)
    v = value.array if isinstance(value, Tensor) else np.asarray(value)
    if mask is not None and getattr(v, "size", 1) == 1:
        if isinstance(value, Tensor):
            fill = value.reshape(())
            fill = _ar.cast(fill, dtype=t.dtype) if fill.dtype != t.dtype else fill
        else:
            fill = t.xp.asarray(value, dtype=t.dtype)
    elif mask is not None and items is not None and all(
        not isinstance(i, slice) or i.indices(n)[2] == 1 for i, n in zip(items, t.shape)
    ):
        fill = _placed(t, items, value)
    else:
        raise TypeError(
            f"Tensor.__setitem__ while exporting: expected ints and slices of step 1 (with a "
            f"value that broadcasts to the region) or a boolean mask (with a one-element "
            f"value) as index, got a value of shape {tuple(np.shape(v))} at index {index!r} on "
            f"a tensor of shape {t.shape}; build the result with where() or cat() instead"
        )
    update(t, "__setitem__", lambda s: _ar.where(mask, fill, s))


def _basic_items(t: Tensor, index: Any) -> tuple | None:
    """``index`` as one int or slice per axis of ``t`` (``...`` expanded), or ``None``."""
    items = index if isinstance(index, tuple) else (index,)
    if any(i is Ellipsis for i in items):
        at = items.index(Ellipsis)
        whole = (slice(None),) * (t.ndim - len(items) + 1)
        items = items[:at] + whole + items[at + 1 :]
    if len(items) > t.ndim or not all(
        isinstance(i, slice) or (isinstance(i, (int, np.integer)) and not isinstance(i, bool))
        for i in items
    ):
        return None
    return items + (slice(None),) * (t.ndim - len(items))


def _setitem_mask(t: Tensor, index: Any, items: tuple | None) -> Any:
    """The positions ``index`` selects in ``t`` as a boolean mask broadcastable to ``t``
    (length 1 on the axes it takes whole), or ``None`` for an index without one."""
    if isinstance(index, (Tensor, np.ndarray)) and np.dtype(index.dtype) == np.bool_:
        extra = (1,) * (t.ndim - index.ndim)
        return index.reshape(*index.shape, *extra) if extra else index
    if items is None:
        return None
    whole = [isinstance(i, slice) and i == slice(None) for i in items]
    mask = np.zeros([1 if w else n for w, n in zip(whole, t.shape)], dtype=bool)
    mask[tuple(slice(None) if w else i for w, i in zip(whole, items))] = True
    return mask


def _placed(t: Tensor, items: tuple, value: Any) -> Tensor:
    """``value`` broadcast to ``t[items]`` and padded with zeros to ``t``'s shape, so that it
    sits where ``items`` (ints and slices of step 1, one per axis) select."""
    val = value if isinstance(value, Tensor) else Tensor(np.asarray(value, dtype=t.dtype))
    val = _ar.cast(val, dtype=t.dtype) if val.dtype != t.dtype else val
    spans = [i.indices(n)[:2] if isinstance(i, slice) else (int(i) % n, int(i) % n + 1)
             for i, n in zip(items, t.shape)]  # fmt: skip
    region = [max(stop - start, 0) for start, stop in spans]
    val = _sh.broadcast_to(val, [r for r, i in zip(region, items) if isinstance(i, slice)])
    for d, i in enumerate(items):
        if not isinstance(i, slice):
            val = _sh.unsqueeze(val, d)
    widths = [(start, n - max(stop, start)) for (start, stop), n in zip(spans, t.shape)]
    return _sh.pad(val, widths) if any(lo or hi for lo, hi in widths) else val


def _refuse_leaf_view(t: Tensor, name: str) -> None:
    """torch's error for an in-place change, in the graph, of a view of a leaf that
    requires grad (``w.t().add_(x)``, ``w[0] = h``)."""
    found = _views.live_base(t)
    while found is not None:
        base = found[0]
        if base.requires_grad and base._ctx is None:
            raise RuntimeError(
                f"{name}: a view of a leaf tensor that requires grad is being used in an "
                "in-place operation (clone() the view, or change the leaf inside "
                "glassnet.no_grad())"
            )
        found = _views.live_base(base)


def _write_back(t: Tensor, viewed: tuple, name: str) -> None:
    """After ``t``, a view, changed inside the graph: write it back into the tensor it
    views (recorded like any in-place change, and on up the chain of views), then let
    ``t`` view that again."""
    base, kind, arg = viewed
    region = arg if kind == "item" else None
    update(base, name, lambda b, v: _put(b, kind, arg, v), t, region=region)
    if _views.live_base(t) is None:  # (not refreshed: a link made outside this module)
        t.array = _views.take(base.array, kind, arg)


def _refresh_views(t: Tensor, old: Any, region: Any) -> None:
    """After ``t`` changed inside the graph (a new array and node; ``old`` its array
    before, ``region`` the index changed or ``None`` for all): make every view taken of it
    earlier again from it, recorded, and so on down to the views of those views, so that
    ``v = x[0]; x.mul_(2)`` leaves ``v`` equal to ``x[0]`` as in torch, and bump its
    version. Ops that used the view before keep its old node (``Function.edges``).

    A view of ``t`` outside ``region`` (``out[t - 1]`` after ``out[t] = h``), and the
    views of it, have the same values and derivatives as before: they only look into the
    new array, so that a decoder loop does not record every earlier row again at each
    step. (A view whose array is not in ``old``, ``t`` itself written back into the tensor
    it views, is outside too: its node is already the change.)"""
    changed, xp = _changed_part(old, region), t.xp
    stack = [(t, None)]
    while stack:
        base, remake = stack.pop()
        for view in _views.views_of(base):
            _, kind, arg = view._base
            if remake is None:  # a view of t: does it look into the part that changed?
                touched = changed is None or xp.may_share_memory(view.array, changed)
            else:  # a view of a view: as the view it looks into
                touched = remake
            if touched:
                fresh = _remake(base, kind, arg)
                view.array, view._ctx, view._index = fresh.array, fresh._ctx, fresh._index
                view.requires_grad = fresh.requires_grad
                view._version += 1
            else:
                view.array = _views.take(base.array, kind, arg)
            if _views.has_views(view):
                stack.append((view, touched))


def _changed_part(old: Any, region: Any) -> Any:
    """The part of ``old`` that ``region`` selects, as a view of it; ``None`` for all of it
    (no region, or an index that does not give a view: a mask, an int array)."""
    if region is None or not _sh._is_view_index(region):
        return None
    return _views.index_view(old, region)


def _remake(base: Tensor, kind: str, arg: Any) -> Tensor:
    """The view of ``base`` a link describes, as a graph op (not linked again)."""
    src = _views.source(base)
    if kind == "item":
        return _sh.GetItem.apply(src, index=arg)
    if kind == "reshape":
        return _sh.Reshape.apply(src, shape=arg)
    if kind == "diagonal":
        return _sh.diagonal(src, *arg)
    if kind == "strided":
        return _sh.as_strided(src, *arg)
    return _sh.Transpose.apply(src, axes=arg)


def _put(base: Tensor, kind: str, arg: Any, view: Tensor) -> Tensor:
    """``base`` with the part a view link describes (see ``_views.link``) replaced by
    ``view``, as a graph op."""
    if kind == "item":
        return _sh.setitem(base, arg, view)
    if kind == "reshape":
        return _sh.reshape(view, base.shape)
    if kind == "diagonal":
        return _sh.put_diagonal(base, *arg, view)
    if kind == "strided":
        return _sh.put_strided(base, *arg, view)
    axes = arg if arg is not None else tuple(reversed(range(view.ndim)))
    return _sh.transpose(view, sorted(range(len(axes)), key=axes.__getitem__))


def _check_cast(src: Any, dst: Any, name: str) -> None:
    """torch's rule for writing a result back: no floating into integer or bool, no
    integer into bool; any integer into any integer (``uint8.add_(int8)``) is fine."""
    s, d = np.dtype(src).kind, np.dtype(dst).kind
    if (s in "fc" and d in "iub") or (s == "c" and d != "c") or (s != "b" and d == "b"):
        raise RuntimeError(f"{name}: result type {src} can't be cast to the tensor's dtype {dst}")


def _ufunc(t: Tensor, name: str, ufunc: str, other: Any, functional: Callable) -> Tensor:
    """``add_``/``sub_``/``mul_``/``div_``: straight into the array when nothing is recorded."""
    if _records(t, (other,)):
        return update(t, name, functional, other)
    o = _raw(other, t)
    if type(o) is int and t.array.dtype.kind in "iu":
        o = _args.wrap_int(o, t.array.dtype)  # int8.add_(300) adds 44, as torch
    _check_cast(np.result_type(t.array.dtype, getattr(o, "dtype", o)), t.array.dtype, name)
    try:
        casting = "same_kind" if ufunc in ("divide", "true_divide") else "unsafe"
        getattr(t.xp, ufunc)(t.array, o, out=t.array, casting=casting)
    except (ValueError, TypeError) as e:
        raise RuntimeError(f"{name}: {e} (tensor shape {t.shape})") from None
    _bump(t)
    return t


def _host_fill(
    t: Tensor, name: str, draw: Callable[[Any, tuple], np.ndarray], generator: Any = None
) -> Tensor:
    """Fill ``t`` with values drawn on the host from ``generator`` (a NumPy Generator such as
    ``glassnet.Generator()``) or glassnet's generator, outside the graph."""
    if grad_mode.is_grad_enabled():
        _refuse_leaf(t, name)
    rng = _random.get_rng() if generator is None else generator
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"{name}: generator must be a glassnet.Generator (torch.Generator) or a "
            f"numpy.random.Generator, got {type(rng).__name__}"
        )
    values = draw(rng, t.shape).astype(t.array.dtype, copy=False)
    _write(t, backend.to_device(values, t.device) if t.device.type != "cpu" else values, name)
    _bump(t)
    return t


def _reshaped_in_place(t: Tensor, name: str, kind: str, arg: tuple) -> Tensor:
    """Make ``t`` the view ``kind``/``arg`` (``"reshape"`` to a shape, ``"transpose"`` by
    axes; see ``_views.take``) of its own memory, as torch's ``unsqueeze_``, ``squeeze_``,
    ``t_`` and ``transpose_`` change a tensor's metadata in place.

    Inside the graph ``t`` takes the view op's node; a leaf that requires grad is refused as
    in torch. A tensor linked to others (a view, or one views were taken of) keeps those
    links through a stand-in for its old self: ``t`` becomes a view of it, so later
    in-place changes still reach the tensors it shares memory with.
    """
    records = _records(t, ())
    if records:
        _refuse_leaf(t, name)
    viewed, views = _views.live_base(t), _views.views_of(t)
    src = t
    if viewed is not None or views:
        src = Tensor._make(t.array, t.requires_grad, t._ctx, t._index)
        src._version = t._version
        if viewed is not None:
            _views.link(src, *viewed)
        for v in views:
            _views.link(v, src, *v._base[1:])
        t._base = None
    if records:
        out = _remake(src, kind, arg)
        t.array, t._ctx, t._index = out.array, out._ctx, out._index
    else:
        t.array = _views.take(src.array, kind, arg)
    if src is not t:
        _views.link(t, src, kind, arg)
    t._version += 1
    return t


def _norm_dim(dim: int, ndim: int, name: str) -> int:
    if not -max(ndim, 1) <= dim < max(ndim, 1):
        raise IndexError(
            f"{name}: dimension out of range (expected to be in range of "
            f"[{-max(ndim, 1)}, {max(ndim, 1) - 1}], but got {dim})"
        )
    return dim % max(ndim, 1)


def _view_shape(t: Tensor, view_op: Callable[[Tensor], Tensor]) -> tuple:
    """The shape of ``view_op(t)`` (computed on a detached alias of ``t``)."""
    with grad_mode.no_grad():
        return tuple(view_op(Tensor._make(t.array, False, None, 0)).shape)


def _replace(t: Tensor, value: Any) -> Tensor:
    """``value`` broadcast to ``t``'s shape, in the graph (no gradient reaches ``t``)."""
    return _ar.where(t.xp.zeros(t.shape, dtype=bool), t, value)


def _scaled(other: Any, alpha: float) -> Any:
    return other if alpha == 1 else other * alpha


def _twin(name: str, base: str) -> Callable[..., Tensor]:
    """The in-place form ``name`` of the Tensor method ``base``, through :func:`update`.

    The tensor arguments are passed to :func:`update` as operands, so the op is recorded
    in the graph when one of them requires a gradient.
    """

    def method(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        operands = tuple(a for a in (*args, *kwargs.values()) if isinstance(a, Tensor))
        op = getattr(Tensor, base)
        return update(self, name, lambda s, *_: op(s, *args, **kwargs), *operands)

    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"``{base}``, written into this tensor (torch's ``Tensor.{name}``)."
    return method


#: torch's in-place methods that are their out-of-place twin written back (same shape).
_TWINS = (
    "ceil", "floor", "round", "trunc", "sign", "sin", "cos", "square", "reciprocal", "rsqrt",
    "cumsum", "remainder", "floor_divide", "true_divide", "divide", "multiply", "subtract",
    "negative", "eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal", "less",
    "less_equal", "not_equal", "logical_not", "scatter", "scatter_add", "index_add", "tril",
    "triu", "expm1", "log1p", "lerp", "atan2", "arctan2", "cumprod", "erf", "erfc", "erfinv",
    "clamp_min", "clamp_max", "nan_to_num", "logit", "xlogy", "fmod", "frac", "index_fill",
    "logical_and", "logical_or", "logical_xor", "log2", "log10", "tan", "atan", "asin", "acos",
    "sinh", "cosh", "index_put", "masked_scatter",
    "scatter_reduce", "index_copy", "renorm", "hypot", "copysign", "deg2rad", "rad2deg", "ldexp",
    "addmv", "addr", "asinh", "acosh", "atanh", "arcsinh", "arccosh", "arctanh", "absolute",
    "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "bitwise_left_shift",
    "bitwise_right_shift",
)  # fmt: skip


class InplaceMethods:
    """The in-place methods :func:`glassnet._tensor_methods.attach` copies onto ``Tensor``."""

    # ------------------------------------------------------------ arithmetic
    def add_(self, other: Any, alpha: float = 1) -> Tensor:
        """``self += alpha * other``, in place."""
        return _ufunc(self, "add_", "add", _scaled(other, alpha), _ar.add)

    def sub_(self, other: Any, alpha: float = 1) -> Tensor:
        """``self -= alpha * other``, in place."""
        return _ufunc(self, "sub_", "subtract", _scaled(other, alpha), _ar.sub)

    def mul_(self, other: Any) -> Tensor:
        return _ufunc(self, "mul_", "multiply", other, _ar.mul)

    def div_(self, other: Any, *, rounding_mode: str | None = None) -> Tensor:
        if rounding_mode is not None:  # x.div_(y, rounding_mode="floor"): the twin, written back
            operands = (other,) if isinstance(other, Tensor) else ()
            return update(
                self, "div_", lambda s, *_: s.div(other, rounding_mode=rounding_mode), *operands
            )
        return _ufunc(self, "div_", "true_divide", other, _ar.div)

    def pow_(self, exponent: Any) -> Tensor:
        return update(self, "pow_", _ar.pow, exponent)

    def __iadd__(self, other: Any) -> Tensor:
        return self.add_(other)

    def __isub__(self, other: Any) -> Tensor:
        return self.sub_(other)

    def __imul__(self, other: Any) -> Tensor:
        return self.mul_(other)

    def __itruediv__(self, other: Any) -> Tensor:
        return self.div_(other)

    def __ipow__(self, other: Any) -> Tensor:
        return self.pow_(other)

    def addcmul_(self, tensor1: Any, tensor2: Any, value: float = 1) -> Tensor:
        """``self += value * tensor1 * tensor2``, in place."""
        return update(self, "addcmul_", lambda s, a, b: s + value * (a * b), tensor1, tensor2)

    def addcdiv_(self, tensor1: Any, tensor2: Any, value: float = 1) -> Tensor:
        """``self += value * tensor1 / tensor2``, in place."""
        return update(self, "addcdiv_", lambda s, a, b: s + value * (a / b), tensor1, tensor2)

    # ----------------------------------------------------------- elementwise
    def neg_(self) -> Tensor:
        return update(self, "neg_", _ar.neg)

    def abs_(self) -> Tensor:
        return update(self, "abs_", _ar.abs)

    def exp_(self) -> Tensor:
        return update(self, "exp_", _ar.exp)

    def log_(self) -> Tensor:
        return update(self, "log_", _ar.log)

    def sqrt_(self) -> Tensor:
        return update(self, "sqrt_", _ar.sqrt)

    def sigmoid_(self) -> Tensor:
        return update(self, "sigmoid_", _act.sigmoid)

    def tanh_(self) -> Tensor:
        return update(self, "tanh_", _act.tanh)

    def relu_(self) -> Tensor:
        return update(self, "relu_", _act.relu)

    def clamp_(self, min: float | None = None, max: float | None = None) -> Tensor:  # noqa: A002
        return update(self, "clamp_", lambda s, lo, hi: s.clip(lo, hi), min, max)

    clip_ = clamp_

    def masked_fill_(self, mask: Any, value: float) -> Tensor:
        """Set the elements where ``mask`` is true to ``value``, in place."""
        _sel.need_bool_mask("masked_fill_", mask)
        m = _raw(mask, self)
        return update(self, "masked_fill_", lambda s: _ar.where(m, value, s))

    # ------------------------------------------------------------------ fill
    def zero_(self) -> Tensor:
        """Set every element to 0, in place."""
        return self.fill_(0)

    def fill_(self, value: Any) -> Tensor:
        """Set every element to ``value``, in place."""
        if _records(self, (value,)):
            return update(self, "fill_", _replace, value)
        self.array[...] = _raw(value, self)
        _bump(self)
        return self

    def copy_(self, src: Any) -> Tensor:
        """Copy ``src`` (broadcast to this shape, cast to this dtype) into this tensor."""
        if _records(self, (src,)):
            return update(self, "copy_", _replace, src)
        try:
            self.array[...] = _raw(src, self)
        except ValueError as e:
            raise RuntimeError(f"copy_: {e} (tensor shape {self.shape})") from None
        _bump(self)
        return self

    def uniform_(self, a: float = 0.0, b: float = 1.0, *, generator: Any = None) -> Tensor:
        """Fill with samples of U(a, b) from glassnet's generator (``glassnet.manual_seed``)."""
        return _host_fill(self, "uniform_", lambda rng, shape: rng.uniform(a, b, shape), generator)

    def normal_(self, mean: float = 0.0, std: float = 1.0, *, generator: Any = None) -> Tensor:
        """Fill with samples of N(mean, std²) from glassnet's generator."""
        return _host_fill(self, "normal_", lambda rng, shape: rng.normal(mean, std, shape), generator)

    def bernoulli_(self, p: float = 0.5, *, generator: Any = None) -> Tensor:
        """Fill with 1 with probability ``p``, else 0."""
        return _host_fill(self, "bernoulli_", lambda rng, shape: rng.random(shape) < p, generator)

    def exponential_(self, lambd: float = 1.0, *, generator: Any = None) -> Tensor:
        """Fill with samples of an exponential distribution of rate ``lambd``."""
        def draw(rng: Any, shape: tuple) -> np.ndarray:
            return rng.exponential(1 / lambd, shape)

        return _host_fill(self, "exponential_", draw, generator)

    def random_(
        self, low: int = 0, high: int | None = None, *, generator: Any = None
    ) -> Tensor:
        """Fill with integers drawn uniformly from ``[low, high)`` (``[0, low)`` with one bound)."""
        lo, hi = (0, low) if high is None else (low, high)
        return _host_fill(self, "random_", lambda rng, shape: rng.integers(lo, hi, shape), generator)

    # ----------------------------------------------------------- shape (metadata)
    def unsqueeze_(self, dim: int) -> Tensor:
        """Insert a dim of size 1 at ``dim``, in place (the same memory, a new shape)."""
        shape = _view_shape(self, lambda s: s.unsqueeze(dim))
        return _reshaped_in_place(self, "unsqueeze_", "reshape", shape)

    def squeeze_(self, dim: Any = None) -> Tensor:
        """Drop the dims of size 1 (only ``dim``, when given), in place."""
        shape = _view_shape(self, lambda s: s.squeeze(dim))
        return _reshaped_in_place(self, "squeeze_", "reshape", shape)

    def t_(self) -> Tensor:
        """Transpose a tensor of at most 2 dims, in place (1-D and 0-d stay as they are)."""
        if self.ndim > 2:
            raise ValueError(f"t_: expects a tensor with <= 2 dims, got {self.ndim} (use transpose_)")
        return self.transpose_(0, 1) if self.ndim == 2 else self

    def transpose_(self, dim0: int, dim1: int) -> Tensor:
        """Swap dims ``dim0`` and ``dim1``, in place."""
        axes = list(range(self.ndim))
        a, b = _norm_dim(dim0, self.ndim, "transpose_"), _norm_dim(dim1, self.ndim, "transpose_")
        axes[a], axes[b] = axes[b], axes[a]
        return _reshaped_in_place(self, "transpose_", "transpose", tuple(axes))

    swapdims_ = swapaxes_ = transpose_

    # -------------------------------------------------------------- autograd
    def detach_(self) -> Tensor:
        """Cut this tensor from the graph, in place (it becomes a leaf)."""
        self._ctx, self._index, self.requires_grad = None, 0, False
        return self


for _base in _TWINS:
    setattr(InplaceMethods, f"{_base}_", _twin(f"{_base}_", _base))
