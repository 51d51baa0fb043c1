"""ONNX converters for the ops without a gradient (``glassnet/ops/logic.py``) and ``TakeAlong``.

Comparisons, logic and ``all``/``any`` give ``bool``; ``ArgExtreme``, ``Order``, ``Rank``,
``OneHot`` and the count of non-zeros give ``int64``; ``Step`` keeps its input's dtype and
integer ``//``/``%`` give NumPy's result dtype. Operands are cast to the dtype NumPy
compared them in (widened where ONNX Runtime has no kernel for a narrow type).
"""

from __future__ import annotations

import numpy as np

from ..ops import logic as lg
from .onnx_graph import OnnxBuilder, OpView
from .onnx_ops import _reduce
from .onnx_registry import register_onnx_function

__all__: list[str] = []

_COMPARE = {
    "__eq__": "Equal", "__lt__": "Less", "__le__": "LessOrEqual", "__gt__": "Greater",
    "__ge__": "GreaterOrEqual",
}  # fmt: skip
_LOGIC = {"__and__": "And", "__or__": "Or", "__xor__": "Xor"}


def _raw(x: object) -> object:
    return getattr(x, "array", x)


def _operand_dtype(op: OpView, ordered: bool) -> np.dtype:
    """The dtype NumPy compared the operands in, widened to one ONNX Runtime compares."""
    return _widened(np.result_type(*(_raw(op.arg(i)) for i in range(op.n_inputs))), ordered)


def _widened(dt: np.dtype, ordered: bool = True) -> np.dtype:
    """``dt``, or a wider dtype ONNX Runtime has kernels for (``ordered``: booleans as int32)."""
    if dt.kind == "b":
        return np.dtype(np.int32) if ordered else dt
    if dt.kind in "iu" and dt.itemsize < 4:
        return np.dtype(np.int32)
    if dt == np.uint32:
        return np.dtype(np.int64)
    if dt.kind == "f" and dt.itemsize < 4:
        return np.dtype(np.float32)
    return dt


@register_onnx_function(lg.Compare)
def _compare(g: OnnxBuilder, op: OpView) -> str:
    which = op.attrs.get("op", "__eq__")
    dt = _operand_dtype(op, ordered=which not in ("__eq__", "__ne__"))
    a, b = op.input(0, dt), op.input(1, dt)
    if which == "__ne__":
        return g.node("Not", [g.node("Equal", [a, b])])
    return g.node(_COMPARE[which], [a, b])


def _needs_bitwise(g: OnnxBuilder, what: str) -> None:
    if g.opset < 18:
        raise TypeError(
            f"export_onnx: {what} on integers needs ONNX's Bitwise ops, from opset 18; "
            f"export with opset=18 or newer (got {g.opset})"
        )


@register_onnx_function(lg.Logic)
def _logic(g: OnnxBuilder, op: OpView) -> str:
    dt = op.out().dtype
    onnx_op = _LOGIC[op.attrs.get("op", "__and__")]
    a, b = op.input(0, dt), op.input(1, dt)
    if dt.kind == "b":
        return g.node(onnx_op, [a, b])
    _needs_bitwise(g, onnx_op)
    return g.node(f"Bitwise{onnx_op}", [a, b])


@register_onnx_function(lg.Not)
def _not(g: OnnxBuilder, op: OpView) -> str:
    x, dt = op.input(0), np.dtype(op.value(0).dtype)
    if dt.kind == "b":
        return g.node("Not", [x])
    if not op.attrs.get("bitwise"):  # logical_not of numbers: x == 0
        return g.node("Equal", [x, g.scalar(0, dt)])
    _needs_bitwise(g, "~")
    return g.node("BitwiseNot", [x])


@register_onnx_function(lg.Step)
def _step(g: OnnxBuilder, op: OpView) -> str:
    x, dt = op.input(0), op.out().dtype
    fn = op.attrs.get("fn", "floor")
    if fn == "trunc":  # ONNX has no Trunc: Ceil below zero, Floor above
        below = g.node("Less", [x, g.scalar(0.0, dt)])
        return g.node("Where", [below, g.node("Ceil", [x]), g.node("Floor", [x])])
    if fn == "round":  # Round is half to even, as NumPy; decimals as NumPy: scale, round, unscale
        decimals = int(op.attrs.get("decimals", 0))
        if decimals == 0:
            return g.node("Round", [x])
        scale = g.scalar(10.0**decimals, dt)
        return g.node("Div", [g.node("Round", [g.node("Mul", [x, scale])]), scale])
    out = g.node({"floor": "Floor", "ceil": "Ceil", "sign": "Sign"}[fn], [x])
    if fn == "sign" and np.dtype(dt).kind == "f":  # torch's sign of NaN is 0; ONNX's is NaN
        return g.node("Where", [g.node("IsNaN", [x]), g.scalar(0.0, dt), out])
    return out


@register_onnx_function(lg.Classify)
def _classify(g: OnnxBuilder, op: OpView) -> str:
    v = op.value(0)
    x = v.name if v.dtype.kind == "f" else op.input(0, np.float32)  # integers: never NaN/inf
    fn = op.attrs.get("fn", "isnan")
    if fn == "isnan":
        return g.node("IsNaN", [x])
    if fn == "isinf":
        return g.node("IsInf", [x])
    if fn in ("isposinf", "isneginf"):
        return g.node("IsInf", [x], detect_negative=int(fn == "isneginf"),
                      detect_positive=int(fn == "isposinf"))  # fmt: skip
    return g.node("Not", [g.node("Or", [g.node("IsNaN", [x]), g.node("IsInf", [x])])])


def _nonzero(g: OnnxBuilder, op: OpView) -> str:
    """Input 0 as booleans: true where it is non-zero (NaN included)."""
    dt = np.dtype(op.value(0).dtype)
    if dt.kind == "b":
        return op.input(0)
    wide = _widened(dt)
    return g.node("Not", [g.node("Equal", [op.input(0, wide), g.scalar(0, wide)])])


def _reduced_axes(op: OpView) -> list[int]:
    """The ``axis`` attribute of input 0 as a sorted list (every axis when ``None``)."""
    axis, ndim = op.attrs.get("axis"), len(op.shape(0))
    if axis is None:
        return list(range(ndim))
    return sorted({int(a) % ndim for a in np.atleast_1d(axis)})


@register_onnx_function(lg.Truth)
def _truth(g: OnnxBuilder, op: OpView) -> str:
    """``ReduceMin`` (``all``) or ``ReduceMax`` (``any``) of the truth values as int32, or
    ``ReduceSum`` of them as int64 (``count``)."""
    fn, keep = op.attrs.get("fn", "all"), bool(op.attrs.get("keepdims"))
    axes = _reduced_axes(op)
    if fn == "count":
        ones = g.node("Cast", [_nonzero(g, op)], to=g.elem_type(np.int64))
        return _reduce(g, "ReduceSum", ones, axes, keep)
    as_int = g.node("Cast", [_nonzero(g, op)], to=g.elem_type(np.int32))
    reduced = _reduce(g, "ReduceMin" if fn == "all" else "ReduceMax", as_int, axes, keep)
    return g.node("Cast", [reduced], to=g.elem_type(np.bool_))


@register_onnx_function(lg.IntDivide)
def _int_divide(g: OnnxBuilder, op: OpView) -> str:
    """``Mod(fmod=0)`` (the divisor's sign, as NumPy) for ``%``; ``(a - a % b) / b``, an exact
    division, for ``//``; the same with ``Mod(fmod=1)`` (the dividend's sign) for the quotient
    rounded toward zero (not ONNX's integer ``Div`` alone, whose rounding is not specified)."""
    dt = op.out().dtype
    wide = _widened(np.dtype(dt))
    a, b = op.input(0, wide), op.input(1, wide)
    fn = op.attrs.get("fn", "floor_divide")
    out = g.node("Mod", [a, b], fmod=int(fn == "trunc_divide"))
    if fn != "remainder":
        out = g.node("Div", [g.node("Sub", [a, out]), b])
    return out if wide == dt else g.node("Cast", [out], to=g.elem_type(dt))


@register_onnx_function(lg.NonZero)
def _nonzero_indices(g: OnnxBuilder, op: OpView) -> str:
    """``NonZero`` (``(k, n)``, row-major order as NumPy), transposed to ``(n, k)``."""
    if len(op.shape(0)) == 0:
        raise TypeError(
            f"export_onnx: nonzero of a 0-d tensor (run by module {g.scope or '(model)'!r}) has "
            f"no ONNX form here; give it a 1-D tensor (x.reshape(1))"
        )
    return g.transpose(g.node("NonZero", [op.input(0)]), [1, 0])


def _sortable(op: OpView) -> str:
    """Input 0 in a dtype ONNX Runtime's ArgMax / TopK take (booleans and narrow ints widened)."""
    dt = np.dtype(op.value(0).dtype)
    if dt.kind == "b" or (dt.kind in "iu" and dt.itemsize < 4):
        return op.input(0, np.int32)
    if dt.kind == "f" and dt.itemsize < 4:
        return op.input(0, np.float32)
    return op.input(0)


@register_onnx_function(lg.ArgExtreme)
def _arg_extreme(g: OnnxBuilder, op: OpView) -> str:
    x, axis = _sortable(op), op.attrs.get("axis")
    keep = bool(op.attrs.get("keepdims"))
    onnx_op = "ArgMax" if op.attrs.get("largest", True) else "ArgMin"
    floating = np.dtype(op.value(0).dtype).kind == "f"
    if axis is not None:
        return _first_extreme(g, onnx_op, x, int(axis), keep, floating)
    flat = g.node("Reshape", [x, g.const([-1])])
    out = _first_extreme(g, onnx_op, flat, 0, keep, floating)
    return g.node("Reshape", [out, g.const(list(op.out().shape))]) if keep else out


def _first_extreme(g: OnnxBuilder, onnx_op: str, x: str, axis: int, keep: bool, floating: bool) -> str:
    """``ArgMax``/``ArgMin`` (the first of equal entries); on floats, the first NaN where the
    slice has one (NaN is both the largest and the smallest, as NumPy and torch: onnxruntime
    skips a NaN that does not come first)."""
    out = g.node(onnx_op, [x], axis=axis, keepdims=int(keep), select_last_index=0)
    if not floating:
        return out
    nan = g.node("Cast", [g.node("IsNaN", [x])], to=g.elem_type(np.int32))
    first = g.node("ArgMax", [nan], axis=axis, keepdims=int(keep), select_last_index=0)
    seen = g.node("Cast", [_reduce(g, "ReduceMax", nan, [axis], keep)], to=g.elem_type(np.bool_))
    return g.node("Where", [seen, first, out])


@register_onnx_function(lg.Order)
def _order(g: OnnxBuilder, op: OpView) -> str:
    """``TopK`` (sorted; equal entries in index order, as the stable sort) for its indices."""
    x, ndim = _sortable(op), len(op.shape(0))
    axis = int(op.attrs.get("axis", -1)) % ndim
    k = op.attrs.get("k")
    count = g.node("Shape", [x], start=axis, end=axis + 1) if k is None else g.const([int(k)])
    largest = int(bool(op.attrs.get("descending")))
    _, indices = g.node("TopK", [x, count], axis=axis, largest=largest, sorted=1, outputs=2)
    return indices


@register_onnx_function(lg.Rank)
def _rank(g: OnnxBuilder, op: OpView) -> str:
    """The last index of an ascending ``TopK`` of ``k`` entries (ties in index order, as the
    stable sort); the lower median's ``k = (n - 1) // 2 + 1`` from the axis' length."""
    x, ndim = _sortable(op), len(op.shape(0))
    axis = int(op.attrs.get("axis", -1)) % ndim
    k = op.attrs.get("k")
    if k is None:
        n = g.node("Shape", [x], start=axis, end=axis + 1)
        half = g.node("Div", [g.node("Sub", [n, g.const([1])]), g.const([2])])
        count = g.node("Add", [half, g.const([1])])
    else:
        count = g.const([int(k)])
    _, indices = g.node("TopK", [x, count], axis=axis, largest=0, sorted=1, outputs=2)
    return g.slice(indices, [-1], [np.iinfo(np.int64).max], [axis])


@register_onnx_function(lg.OneHot)
def _one_hot(g: OnnxBuilder, op: OpView) -> str:
    ids = op.input(0, np.int64)
    depth = g.const(np.array(int(op.arg(1)), dtype=np.int64))
    values = g.const(np.array([0, 1], dtype=np.int64))
    return g.node("OneHot", [ids, depth, values], axis=-1)


@register_onnx_function(lg.TakeAlong)
def _take_along(g: OnnxBuilder, op: OpView) -> str:
    """``GatherElements`` (the data cut to the index's shape outside the axis first)."""
    axis = int(op.attrs.get("axis", 0))
    data, index = op.input(0), op.input(1, np.int64)
    shape, ishape = op.shape(0), op.shape(1)
    cut = [i for i, (n, m) in enumerate(zip(shape, ishape)) if i != axis and m < n]
    if cut:
        data = g.slice(data, [0] * len(cut), [ishape[i] for i in cut], cut)
    return g.node("GatherElements", [data, index], axis=axis)
