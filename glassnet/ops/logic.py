"""Ops whose results have no gradient: comparisons, logic, rounding, tests, indices.

``x > 0``, ``a & b``, ``~m``, ``floor``/``ceil``/``round``/``trunc``/``sign``,
``isnan``/``isinf``/``isfinite``, ``all``/``any`` and the count of non-zeros,
integer ``//`` and ``%``, ``argmax``/``argmin``, the sort order behind
``sort``/``argsort``/``topk``, the rank behind ``kthvalue``/``median``, and
``one_hot`` give booleans, counts, indices or step values: nothing flows back
through them. Outside an exporter's trace each public
function below computes on the arrays at once (the result is a plain tensor, as
fast as the NumPy call). While an exporter traces a model
(:func:`glassnet.autograd.tracing.current` is set) they run as
:class:`NonDifferentiable` Functions instead, so the trace records a node and the
ONNX graph computes the mask or index from the input (``glassnet/io/onnx_logic.py``).

:class:`TakeAlong` (``gather``, ``take_along_dim``, the values of ``sort``/``topk``)
is the one op here with a gradient; it too is used only while tracing: outside a
trace the selection is a :class:`~glassnet.ops.shape.GetItem` with index arrays,
which has the same values and gradient.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._errors import broadcast_failed
from ..autograd import tracing
from ..autograd.function import Function
from ..backend import get_array_module
from ..tensor import Tensor

__all__ = [
    "NonDifferentiable", "Compare", "Logic", "Not", "Step", "Classify", "Truth", "IntDivide",
    "ArgExtreme", "Order", "Rank", "OneHot", "TakeAlong", "tracing_active", "compare", "logic",
    "logical_not", "invert", "step", "classify", "truth", "int_divide", "arg_extreme", "order",
    "rank", "one_hot_indices", "take_along", "trunc_divide", "NonZero", "nonzero_indices",
    "refuse_while_tracing",
]  # fmt: skip

#: The comparison operators :class:`Compare` runs (the ndarray method names).
COMPARISONS = ("__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__")
#: The elementwise logic :class:`Logic` runs (bitwise on integers, as NumPy).
LOGIC = ("__and__", "__or__", "__xor__")
#: The step functions :class:`Step` runs.
STEPS = ("floor", "ceil", "trunc", "round", "sign")
#: The tests :class:`Classify` runs.
TESTS = ("isnan", "isinf", "isfinite")
#: The reductions :class:`Truth` runs (``count``: the number of non-zero entries).
TRUTHS = ("all", "any", "count")
#: The integer divisions :class:`IntDivide` runs (the NumPy function names).
INT_DIVISIONS = ("floor_divide", "remainder", "trunc_divide")


def tracing_active() -> bool:
    """Is an exporter tracing on this thread (so these ops must record a node)?"""
    return tracing._slot.recorder is not None


def refuse_while_tracing(name: str, why: str = "its result's size depends on the input's values") -> None:
    """Refuse ``name`` while an exporter traces: it computes on the arrays, outside the ops a
    trace records, so the graph would hold the example's result. ``why`` says what stands
    in the way of an ONNX form."""
    if tracing._slot.recorder is not None:
        raise TypeError(
            f"export_onnx: {name} has no ONNX export in glassnet ({why}, and it is computed "
            f"on the arrays, outside the traced ops); compute it outside the model and pass "
            f"it in as an input"
        )


def _plain(out: Any) -> Tensor:
    return Tensor._make(out, False, None, 0)


def _raw(x: Any) -> Any:
    return x.array if isinstance(x, Tensor) else x


class NonDifferentiable(Function):
    """A Function without a gradient: :meth:`apply` never records an autograd node.

    Its output never requires grad. While an exporter traces, ``apply`` hands the
    op to the trace recorder, which records it like any other op.
    """

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Tensor:
        """Run the op on tensors (or constants); the result requires no gradient."""
        recorder = tracing._slot.recorder
        if recorder is not None:
            return recorder.apply(cls, args, kwargs)
        ctx = cls()
        ctx.requires_grad = False
        return _plain(ctx.forward(*[_raw(a) for a in args], **kwargs))


class Compare(NonDifferentiable):
    """``a <op> b`` elementwise, boolean (``op`` one of :data:`COMPARISONS`)."""

    def forward(self, a: Any, b: Any, op: str = "__eq__") -> Any:
        return getattr(a, op)(b)


class Logic(NonDifferentiable):
    """``a & b``, ``a | b`` or ``a ^ b`` (logical on booleans, bitwise on integers)."""

    def forward(self, a: Any, b: Any, op: str = "__and__") -> Any:
        return getattr(a, op)(b)


class Not(NonDifferentiable):
    """``~a`` (``bitwise=True``: bitwise on integers) or ``logical_not(a)``."""

    def forward(self, a: Any, bitwise: bool = False) -> Any:
        return ~a if bitwise else get_array_module(a).logical_not(a)


class Step(NonDifferentiable):
    """``floor``, ``ceil``, ``trunc``, ``round`` (half to even, ``decimals``) or ``sign``."""

    def forward(self, a: Any, fn: str = "floor", decimals: int = 0) -> Any:
        xp = get_array_module(a)
        out = xp.round(a, decimals) if fn == "round" else getattr(xp, fn)(a)
        if fn == "sign" and out.dtype.kind == "f":  # torch: the sign of NaN is 0
            out = xp.where(xp.isnan(out), xp.zeros((), out.dtype), out)
        return out


class Classify(NonDifferentiable):
    """``isnan``, ``isinf``, ``isposinf``, ``isneginf`` or ``isfinite``, boolean."""

    def forward(self, a: Any, fn: str = "isnan") -> Any:
        return getattr(get_array_module(a), fn)(a)


class Truth(NonDifferentiable):
    """``all`` or ``any`` (boolean) of the entries of ``a`` taken as truth values, or their
    ``count`` of non-zeros (int64), over ``axis`` (every axis when ``None``)."""

    def forward(self, a: Any, fn: str = "all", axis: Any = None, keepdims: bool = False) -> Any:
        return _truth_of(a, fn, axis, keepdims)


def _truth_of(a: Any, fn: str, axis: Any, keepdims: bool) -> Any:
    xp = get_array_module(a)
    if fn == "count":
        return xp.asarray((a != 0).sum(axis=axis, keepdims=keepdims), dtype=np.int64)
    return xp.asarray(getattr(a.astype(bool, copy=False), fn)(axis=axis, keepdims=keepdims))


class IntDivide(NonDifferentiable):
    """Integer ``a // b`` (``floor_divide``: rounded toward minus infinity), ``a % b``
    (``remainder``: the sign of ``b``) or ``trunc_divide`` (the quotient rounded toward
    zero, ``div(a, b, rounding_mode='trunc')``), in the dtype NumPy gives (numbers as 0-d
    arrays)."""

    def forward(self, a: Any, b: Any, fn: str = "floor_divide") -> Any:
        xp = get_array_module(a, b)
        a, b = _int_operand(xp, a, b), _int_operand(xp, b, a)
        if fn != "trunc_divide":
            return getattr(xp, fn)(a, b)
        return trunc_divide(a, b)


def _int_operand(xp: Any, x: Any, other: Any) -> Any:
    """``x`` as an array; a Python int meeting an integer array takes its dtype, as torch's
    (``int32 // 3`` stays int32)."""
    if type(x) is int and getattr(getattr(other, "dtype", None), "kind", "") in ("i", "u"):
        return xp.asarray(x, dtype=other.dtype)
    return xp.asarray(x)


def trunc_divide(a: Any, b: Any) -> Any:
    """Integer ``a / b`` rounded toward zero, exactly (no trip through floats)."""
    xp = get_array_module(a, b)
    q = xp.floor_divide(a, b)
    inexact = (xp.remainder(a, b) != 0) & ((a < 0) != (b < 0))
    return q + inexact.astype(q.dtype)


class NonZero(NonDifferentiable):
    """The indices of the non-zero entries of ``a`` (at least 1-D), ``(n, a.ndim)`` int64, in
    row-major order (``nonzero``, ``argwhere``, ``where(cond)``)."""

    def forward(self, a: Any) -> Any:
        xp = get_array_module(a)
        return xp.stack(xp.nonzero(a), axis=1).astype(np.int64, copy=False)


class ArgExtreme(NonDifferentiable):
    """Index (int64) of the first largest (``largest``) or smallest entry along ``axis``
    (of the flattened array when ``axis`` is ``None``)."""

    def forward(
        self, a: Any, largest: bool = True, axis: int | None = None, keepdims: bool = False
    ) -> Any:
        xp = get_array_module(a)
        name = "argmax" if largest else "argmin"
        if axis is None:
            out = getattr(a.reshape(-1), name)()
            if keepdims:
                out = out.reshape((1,) * a.ndim)
        else:
            out = getattr(a, name)(axis=axis, keepdims=keepdims)
        return xp.asarray(out, dtype=np.int64)


class Order(NonDifferentiable):
    """The stable sort order (int64) of ``a`` along ``axis``: ties keep their order, also
    ``descending``; only the first ``k`` positions when ``k`` is given."""

    def forward(
        self, a: Any, axis: int = -1, descending: bool = False, k: int | None = None
    ) -> Any:
        xp = get_array_module(a)
        if a.ndim == 0:
            return xp.zeros((), dtype=np.int64)
        if descending:
            n = a.shape[axis]
            rev = xp.argsort(xp.flip(a, axis), axis=axis, kind="stable")
            idx = (n - 1 - xp.flip(rev, axis)).astype(np.int64)
        else:
            idx = xp.argsort(a, axis=axis, kind="stable")
        if k is not None:
            idx = idx[(slice(None),) * (axis % a.ndim) + (slice(0, int(k)),)]
        return idx


class Rank(NonDifferentiable):
    """The index (int64, ``axis`` kept with length 1) of the ``k``-th smallest entry of ``a``
    along ``axis`` (``k`` from 1) in the stable order, where ties keep their order; the lower
    median (``k = (n + 1) // 2`` of ``n`` entries) when ``k`` is ``None``."""

    def forward(self, a: Any, axis: int = -1, k: int | None = None) -> Any:
        xp = get_array_module(a)
        n = a.shape[axis]
        pos = (n - 1) // 2 if k is None else int(k) - 1
        idx = xp.argsort(a, axis=axis, kind="stable").take(pos, axis=axis)
        return xp.expand_dims(idx, axis).astype(np.int64, copy=False)


class OneHot(NonDifferentiable):
    """Integer class indices as one-hot rows of ``num_classes`` int64 entries."""

    def forward(self, idx: Any, num_classes: int) -> Any:
        xp = get_array_module(idx)
        return (idx[..., None] == xp.arange(num_classes)).astype(np.int64)


class TakeAlong(Function):
    """``a`` at ``index`` along ``axis`` (``numpy.take_along_axis``; ``index`` is a
    tensor of ints of ``a``'s rank). The gradient of ``a`` adds ``g`` at ``index``."""

    def forward(self, a: Any, index: Any, axis: int = 0) -> Any:
        xp = get_array_module(a)
        if self.requires_grad:
            self.shape, self.index, self.axis = a.shape, index, axis
        return xp.take_along_axis(a[_block(index.shape, axis)], index, axis=axis)

    def backward(self, g: Any) -> tuple:
        xp = get_array_module(g)
        out = xp.zeros(self.shape, dtype=g.dtype)
        grid = list(xp.ix_(*[xp.arange(n) for n in self.index.shape]))
        grid[self.axis] = self.index
        xp.add.at(out, tuple(grid), g)
        return out, None


def _block(shape: tuple, axis: int) -> tuple:
    """The leading ``shape`` block outside ``axis`` (an index may be smaller there)."""
    return tuple(slice(None) if i == axis else slice(0, n) for i, n in enumerate(shape))


# ---------------------------------------------------------------- public functions
def compare(a: Tensor, b: Any, op: str) -> Tensor:
    """``a <op> b`` as a boolean tensor (``op`` an ndarray comparison method name)."""
    try:
        if tracing._slot.recorder is None:
            return _plain(getattr(a.array, op)(_raw(b)))
        return Compare.apply(a, b, op=op)
    except ValueError as e:
        broadcast_failed(_COMPARE_NAMES.get(op, op), e, a, b)
        raise


#: torch's names of the comparison methods, for error messages.
_COMPARE_NAMES = {"__lt__": "lt", "__le__": "le", "__gt__": "gt", "__ge__": "ge",
                  "__eq__": "eq", "__ne__": "ne"}  # fmt: skip


def logic(a: Tensor, b: Any, op: str) -> Tensor:
    """``a & b``, ``a | b`` or ``a ^ b`` (``op``: ``"__and__"``, ``"__or__"``, ``"__xor__"``)."""
    if tracing._slot.recorder is None:
        return _plain(getattr(a.array, op)(_raw(b)))
    return Logic.apply(a, b, op=op)


def invert(a: Tensor) -> Tensor:
    """``~a``: logical not on booleans, bitwise not on integers."""
    if tracing._slot.recorder is None:
        return _plain(~a.array)
    return Not.apply(a, bitwise=True)


def logical_not(a: Tensor) -> Tensor:
    """True where ``a`` is false (zero)."""
    if tracing._slot.recorder is None:
        return _plain(a.xp.logical_not(a.array))
    return Not.apply(a)


def step(a: Tensor, fn: str, decimals: int = 0) -> Tensor:
    """``fn`` (one of :data:`STEPS`) of a floating tensor, recorded while tracing."""
    return Step.apply(a, fn=fn, decimals=int(decimals))


def classify(a: Tensor, fn: str) -> Tensor:
    """``isnan``, ``isinf`` or ``isfinite`` of ``a``."""
    if tracing._slot.recorder is None:
        return _plain(getattr(a.xp, fn)(a.array))
    return Classify.apply(a, fn=fn)


def truth(a: Tensor, fn: str, axis: Any = None, keepdims: bool = False) -> Tensor:
    """``all``/``any`` (boolean) or ``count`` (int64 non-zeros) of ``a`` over ``axis``.

    Parameters
    ----------
    a : Tensor
        Any dtype; an entry is true where it is non-zero (NaN is true).
    fn : str
        One of :data:`TRUTHS`.
    axis : int or tuple of int, optional
        The axes reduced (every axis when ``None``).
    keepdims : bool
        Keep the reduced axes with length 1.

    Returns
    -------
    Tensor
        Boolean (``all``, ``any``) or int64 (``count``), without a gradient.
    """
    if tracing._slot.recorder is None:
        return _plain(_truth_of(a.array, fn, axis, keepdims))
    return Truth.apply(a, fn=fn, axis=axis, keepdims=bool(keepdims))


def int_divide(a: Any, b: Any, fn: str) -> Tensor:
    """Integer ``a // b`` (``fn="floor_divide"``), ``a % b`` (``fn="remainder"``) or the
    quotient rounded toward zero (``fn="trunc_divide"``) as one :class:`IntDivide` op (used
    while tracing; the caller checks both are integers).

    Parameters
    ----------
    a, b : Tensor or int
        The operands (one at least a tensor).
    fn : str
        One of :data:`INT_DIVISIONS`.

    Returns
    -------
    Tensor
        The quotient rounded toward minus infinity (toward zero for ``trunc_divide``), or
        the remainder with ``b``'s sign.
    """
    return IntDivide.apply(a, b, fn=fn)


def nonzero_indices(a: Tensor) -> Tensor:
    """The indices of the non-zero entries of ``a`` (at least 1-D) as one :class:`NonZero` op
    (used while tracing, so the graph computes them from the input).

    Parameters
    ----------
    a : Tensor
        Any dtype, shape ``(d_0, ..., d_{k-1})`` with ``k >= 1``.

    Returns
    -------
    Tensor
        ``(n, k)`` int64: one row per non-zero entry, in row-major order.
    """
    return NonZero.apply(a)


def arg_extreme(a: Tensor, largest: bool, axis: int | None, keepdims: bool) -> Tensor:
    """The int64 index of the first largest (or smallest) entry (see :class:`ArgExtreme`)."""
    return ArgExtreme.apply(a, largest=largest, axis=axis, keepdims=keepdims)


def order(a: Tensor, axis: int, descending: bool, k: int | None = None) -> Tensor:
    """The stable sort order of ``a`` along ``axis`` (see :class:`Order`)."""
    return Order.apply(a, axis=axis, descending=descending, k=k)


def rank(a: Tensor, axis: int, k: int | None = None) -> Tensor:
    """The int64 index (``axis`` kept) of the ``k``-th smallest entry along ``axis``, or of
    the lower median when ``k`` is ``None`` (see :class:`Rank`; used while tracing).

    Parameters
    ----------
    a : Tensor
        At least 1-D.
    axis : int
        The axis ranked.
    k : int, optional
        The rank, from 1 (checked by the caller).

    Returns
    -------
    Tensor
        int64 of ``a``'s shape with ``axis`` of length 1.
    """
    return Rank.apply(a, axis=int(axis), k=None if k is None else int(k))


def one_hot_indices(idx: Tensor, num_classes: int) -> Tensor:
    """One-hot int64 rows of ``idx`` (checked by the caller)."""
    return OneHot.apply(idx, int(num_classes))


def take_along(a: Tensor, index: Tensor, axis: int) -> Tensor:
    """``a`` at ``index`` along ``axis`` as one :class:`TakeAlong` op (used while tracing)."""
    return TakeAlong.apply(a, index, axis=axis)
