"""ONNX converters for elementwise, activation, reduction and shape ops: one per Function class.

Each converter is ``fn(builder, op) -> name`` (see ``onnx_registry.py``): ``op.fn`` is the
Function instance, ``op.attrs`` its keyword attributes, ``op.input(i)`` the value name of
its positional input ``i``. Numbers and constant arrays are made in the op's output dtype,
as NumPy's promotion gave it.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..backend import to_host
from ..ops import activation as act
from ..ops import arithmetic as ar
from ..ops import einsum as es
from ..ops import hyperbolic as hyp
from ..ops import reduce as red
from ..ops import scatter_reduce as scr
from ..ops import select as sel
from ..ops import shape as sh
from ..ops import special as sp
from ..tensor import Tensor
from .onnx_graph import OnnxBuilder, OpView
from .onnx_registry import mark_batch_attrs, register_onnx_function

__all__: list[str] = []


def _same(op_type: str) -> Any:
    """A converter for an op that maps to one ONNX op on its inputs, in the output dtype."""

    def convert(g: OnnxBuilder, op: OpView) -> str:
        dt = op.out().dtype
        return g.node(op_type, [op.input(i, dt) for i in range(op.n_inputs)])

    return convert


# ---------------------------------------------------------------- arithmetic
for _cls, _onnx_op in (
    (ar.Add, "Add"), (ar.Sub, "Sub"), (ar.Mul, "Mul"), (ar.Div, "Div"), (ar.Pow, "Pow"),
    (ar.Neg, "Neg"), (ar.Exp, "Exp"), (ar.Log, "Log"), (ar.Sqrt, "Sqrt"), (ar.Abs, "Abs"),
    (ar.Sin, "Sin"), (ar.Cos, "Cos"),
    (ar.Maximum, "Max"), (ar.Minimum, "Min"),
    (act.Sigmoid, "Sigmoid"), (act.Tanh, "Tanh"), (act.ReLU, "Relu"),
    (hyp.Asinh, "Asinh"), (hyp.Acosh, "Acosh"), (hyp.Atanh, "Atanh"),
):  # fmt: skip
    register_onnx_function(_cls, _same(_onnx_op))


@register_onnx_function(ar.Expm1)
def _expm1(g: OnnxBuilder, op: OpView) -> str:
    dt = op.out().dtype  # ONNX has no Expm1: Exp(x) - 1 (rounds near 0, where Expm1 need not)
    return g.node("Sub", [g.node("Exp", [op.input(0, dt)]), g.scalar(1.0, dt)])


@register_onnx_function(ar.Log1p)
def _log1p(g: OnnxBuilder, op: OpView) -> str:
    dt = op.out().dtype  # ONNX has no Log1p: Log(1 + x)
    return g.node("Log", [g.node("Add", [op.input(0, dt), g.scalar(1.0, dt)])])


@register_onnx_function(ar.MatMul)
def _matmul(g: OnnxBuilder, op: OpView) -> str:
    dt = op.out().dtype
    return g.node("MatMul", [op.input(0, dt), op.input(1, dt)])


@register_onnx_function(ar.Clip)
def _clip(g: OnnxBuilder, op: OpView) -> str:
    """``Clip`` with number bounds; ``Max`` then ``Min`` (NumPy's order) with tensor bounds,
    which may come from the input and need not be scalars."""
    dt = op.out().dtype
    lo, hi = op.attrs.get("lo"), op.attrs.get("hi")
    if not any(isinstance(b, (np.ndarray, Tensor)) for b in (lo, hi)):
        bounds = [None if b is None else g.const(b, dtype=dt) for b in (lo, hi)]
        return g.node("Clip", [op.input(0), *bounds])
    out = op.input(0, dt)
    for b, fn in ((lo, "Max"), (hi, "Min")):
        if b is not None:
            bound = op.name_of(b, dt) if isinstance(b, (np.ndarray, Tensor)) else g.scalar(b, dt)
            out = g.node(fn, [out, bound])
    return out


@register_onnx_function(ar.Where)
def _where(g: OnnxBuilder, op: OpView) -> str:
    dt = op.out().dtype
    cond, a, b = op.input(0, np.bool_), op.input(1, dt), op.input(2, dt)
    if dt != np.bool_:
        return g.node("Where", [cond, a, b])
    # ONNX Runtime has no boolean Where: (c and a) or (not c and b)
    picked_a = g.node("And", [cond, a])
    return g.node("Or", [picked_a, g.node("And", [g.node("Not", [cond]), b])])


@register_onnx_function(ar.Cast)
def _cast(g: OnnxBuilder, op: OpView) -> str:
    return g.node("Cast", [op.input(0)], to=g.elem_type(op.attrs["dtype"]))


def _identity(g: OnnxBuilder, op: OpView) -> str:
    return g.node("Identity", [op.input(0)])


register_onnx_function(ar.Clone, _identity)
register_onnx_function(ar.Move, _identity)  # a device is how the graph runs, not part of it


# ---------------------------------------------------------------- activations
@register_onnx_function(act.LeakyReLU)
def _leaky_relu(g: OnnxBuilder, op: OpView) -> str:
    return g.node("LeakyRelu", [op.input(0)], alpha=float(op.attrs.get("slope", 0.01)))


@register_onnx_function(act.ELU)
def _elu(g: OnnxBuilder, op: OpView) -> str:
    return g.node("Elu", [op.input(0)], alpha=float(op.attrs.get("alpha", 1.0)))


@register_onnx_function(act.GELU)
def _gelu(g: OnnxBuilder, op: OpView) -> str:
    x, dt = op.input(0), op.out().dtype
    approximate = op.attrs.get("approximate", "none")
    if g.opset >= 20:
        return g.node("Gelu", [x], approximate=approximate)
    if approximate == "tanh":  # 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
        x3 = g.node("Mul", [g.node("Mul", [x, x]), x])
        inner = g.node("Add", [x, g.node("Mul", [x3, g.scalar(0.044715, dt)])])
        t = g.node("Tanh", [g.node("Mul", [inner, g.scalar(math.sqrt(2 / math.pi), dt)])])
    else:  # 0.5 x (1 + erf(x / sqrt(2)))
        t = g.node("Erf", [g.node("Mul", [x, g.scalar(1 / math.sqrt(2), dt)])])
    half_x = g.node("Mul", [x, g.scalar(0.5, dt)])
    return g.node("Mul", [half_x, g.node("Add", [t, g.scalar(1.0, dt)])])


@register_onnx_function(act.Softplus)
def _softplus(g: OnnxBuilder, op: OpView) -> str:
    x, dt = op.input(0), op.out().dtype
    beta, threshold = op.attrs.get("beta", 1.0), op.attrs.get("threshold", 20.0)
    bx = x if beta == 1.0 else g.node("Mul", [x, g.scalar(beta, dt)])
    sp = g.node("Softplus", [bx])
    if beta != 1.0:
        sp = g.node("Div", [sp, g.scalar(beta, dt)])
    linear_part = g.node("Greater", [bx, g.scalar(threshold, dt)])
    return g.node("Where", [linear_part, x, sp])


@register_onnx_function(act.SiLU)
def _silu(g: OnnxBuilder, op: OpView) -> str:
    x = op.input(0)
    return g.node("Mul", [x, g.node("Sigmoid", [x])])


@register_onnx_function(act.Softmax)
def _softmax(g: OnnxBuilder, op: OpView) -> str:
    return g.node("Softmax", [op.input(0)], axis=int(op.attrs.get("axis", -1)))


@register_onnx_function(act.LogSoftmax)
def _log_softmax(g: OnnxBuilder, op: OpView) -> str:
    return g.node("LogSoftmax", [op.input(0)], axis=int(op.attrs.get("axis", -1)))


# ---------------------------------------------------------------- reductions
def _axes(op: OpView) -> list[int]:
    axes = op.attrs.get("axes") or ()
    ndim = len(op.shape(0))
    return sorted(int(a) % ndim for a in axes) if axes else list(range(ndim))


def _reduce(g: OnnxBuilder, op_type: str, x: Any, axes: list[int], keepdims: bool) -> str:
    """``Reduce*`` over ``axes`` (an attribute before opset 18, an input from 18; ReduceSum's
    is an input from opset 13)."""
    if op_type == "ReduceSum" or g.opset >= 18:
        return g.node(op_type, [x, g.const(axes)], keepdims=int(keepdims))
    return g.node(op_type, [x], axes=axes, keepdims=int(keepdims))


def _reducer(op_type: str) -> Any:
    def convert(g: OnnxBuilder, op: OpView) -> str:
        dt = op.out().dtype
        x = op.input(0, dt)  # in the output's dtype: a sum of booleans is int64
        axes, keep = _axes(op), bool(op.attrs.get("keepdims"))
        out = _reduce(g, op_type, x, axes, keep)
        if op_type not in ("ReduceMax", "ReduceMin") or np.dtype(dt).kind != "f":
            return out
        # a NaN anywhere gives NaN, as glassnet and torch (onnxruntime's keeps it only
        # where it comes first)
        seen = _reduce(g, "ReduceMax", g.node("Cast", [g.node("IsNaN", [x])], to=g.elem_type(np.int32)),
                       axes, keep)  # fmt: skip
        return g.node("Where", [g.node("Cast", [seen], to=g.elem_type(np.bool_)), g.scalar(np.nan, dt), out])

    return convert


for _cls, _onnx_op in (
    (red.Sum, "ReduceSum"), (red.Mean, "ReduceMean"), (red.Max, "ReduceMax"),
    (red.Min, "ReduceMin"), (red.LogSumExp, "ReduceLogSumExp"), (red.Prod, "ReduceProd"),
):  # fmt: skip
    register_onnx_function(_cls, _reducer(_onnx_op))


@register_onnx_function(es.Einsum)
def _einsum(g: OnnxBuilder, op: OpView) -> str:
    ins, out = es.parse_equation(op.attrs["equation"], op.n_inputs)
    dt = op.out().dtype
    inputs = [op.input(i, dt) for i in range(op.n_inputs)]
    return g.node("Einsum", inputs, equation=f"{','.join(ins)}->{out}")


@register_onnx_function(sel.ScatterAdd)
def _scatter_add(g: OnnxBuilder, op: OpView) -> str:
    index = op.name_of(op.attrs["index"], np.int64)  # traced when computed from the input
    shape = np.shape(to_host(op.attrs["index"]))
    src, dt = op.input(1, op.out().dtype), op.out().dtype
    if tuple(op.shape(1)) != shape:  # the leading index-shaped block of src
        ends = g.node("Shape", [index])
        src = g.node("Slice", [src, g.const([0] * len(shape)), ends, g.const(list(range(len(shape))))])
    return g.node(
        "ScatterElements", [op.input(0, dt), index, src],
        axis=int(op.attrs.get("dim", 0)), reduction="add",
    )  # fmt: skip


_SCATTER_MODES = {"sum": "add", "mean": "add", "prod": "mul", "amax": "max", "amin": "min"}


@register_onnx_function(scr.ScatterReduce)
def _scatter_reduce(g: OnnxBuilder, op: OpView) -> str:
    """``ScatterElements`` with a reduction (max/min need opset 18); without the input's own
    values, the reached positions are first overwritten with the reduction's identity; a
    mean divides by the count scattered the same way."""
    reduce, dt = op.attrs["reduce"], op.out().dtype
    if reduce in ("amax", "amin") and g.opset < 18:
        raise ValueError(
            f"export_onnx: scatter_reduce(reduce={reduce!r}) needs ScatterElements' max/min "
            f"reductions, from opset 18; export with opset=18 (got {g.opset})"
        )
    if reduce == "mean" and np.dtype(dt).kind != "f":
        raise ValueError("export_onnx: scatter_reduce(reduce='mean') of integers rounds down; "
                         "ONNX's integer Div truncates: not exported")  # fmt: skip
    index = op.name_of(op.attrs["index"], np.int64)
    shape = np.shape(to_host(op.attrs["index"]))
    src, x = op.input(1, dt), op.input(0, dt)
    if tuple(op.shape(1)) != shape:  # the leading index-shaped block of src
        src = g.node("Slice", [src, g.const([0] * len(shape)), g.node("Shape", [index]),
                               g.const(list(range(len(shape))))])  # fmt: skip
    axis, kind = int(op.attrs.get("dim", 0)), g.elem_type(dt)
    zeros = g.node("Cast", [g.node("ConstantOfShape", [g.node("Shape", [index])])], to=kind)
    if not op.attrs.get("include_self", True):
        ident = g.node("Add", [zeros, g.const(np.asarray(scr.reduce_identity(reduce, dt), dt), dt)])
        x = g.node("ScatterElements", [x, index, ident], axis=axis)
    out = g.node("ScatterElements", [x, index, src], axis=axis, reduction=_SCATTER_MODES[reduce])
    if reduce != "mean":
        return out
    one = g.const(np.asarray(1, dt), dt)
    ones_x = g.node("Expand", [one, g.node("Shape", [x])])
    if not op.attrs.get("include_self", True):
        ones_x = g.node("ScatterElements", [ones_x, index, zeros], axis=axis)
    count = g.node("ScatterElements", [ones_x, index, g.node("Add", [zeros, one])], axis=axis,
                   reduction="add")  # fmt: skip
    return g.node("Div", [out, g.node("Max", [count, one])])


@register_onnx_function(red.Cumsum)
def _cumsum(g: OnnxBuilder, op: OpView) -> str:
    axis = np.array(int(op.attrs.get("axis", 0)), dtype=np.int64)
    return g.node("CumSum", [op.input(0), g.const(axis)])


@register_onnx_function(red.LogCumSumExp)
def _logcumsumexp(g: OnnxBuilder, op: OpView) -> str:
    """ONNX has no running log-sum-exp: each prefix becomes a row of a triangle (``x`` with a
    new axis before ``axis``, the entries after the row's end set to ``-inf``), then each
    row's log-sum-exp with its largest finite entry taken out first, as ``LogSumExp``'s
    forward (an all ``-inf`` prefix gives ``-inf``). Memory grows with the axis' length
    squared."""
    x, dt = op.input(0), op.out().dtype
    ndim = len(op.shape(0))
    axis = int(op.attrs.get("axis", 0)) % ndim
    n = g.node("Squeeze", [g.node("Shape", [x], start=axis, end=axis + 1)])
    k = g.node("Range", [g.const(0), n, g.const(1)])
    keep = g.node("LessOrEqual", [g.unsqueeze(k, [0]), g.unsqueeze(k, [1])])  # [row, entry]
    if ndim - 1 - axis:
        keep = g.unsqueeze(keep, list(range(2, ndim + 1 - axis)))
    rows = g.node("Where", [keep, g.unsqueeze(x, [axis]), g.scalar(-np.inf, dt)])
    top = _reduce(g, "ReduceMax", rows, [axis + 1], True)
    top = g.node("Where", [g.node("IsInf", [top]), g.scalar(0.0, dt), top])
    total = _reduce(g, "ReduceSum", g.node("Exp", [g.node("Sub", [rows, top])]), [axis + 1], False)
    return g.node("Add", [g.node("Log", [total]), g.squeeze(top, [axis + 1])])


@register_onnx_function(red.Var)
def _var(g: OnnxBuilder, op: OpView) -> str:
    x, dt = op.input(0), op.out().dtype
    axes, keep = _axes(op), bool(op.attrs.get("keepdims"))
    count = int(np.prod([op.shape(0)[a] for a in axes]))
    centred = g.node("Sub", [x, _reduce(g, "ReduceMean", x, axes, True)])
    total = _reduce(g, "ReduceSum", g.node("Mul", [centred, centred]), axes, keep)
    correction = int(op.attrs.get("correction", 1))
    if not set(op.value(0).dynamic_axes) & set(axes):
        return g.node("Div", [total, g.scalar(float(max(count - correction, 0)), dt)])
    # the count includes the batch: read it from the input's shape
    dims = g.node("Gather", [g.node("Shape", [x]), g.const(axes)], axis=0)
    n = g.node("Cast", [g.node("ReduceProd", [dims], keepdims=0)], to=g.elem_type(dt))
    denom = g.node("Max", [g.node("Sub", [n, g.scalar(float(correction), dt)]), g.scalar(0.0, dt)])
    return g.node("Div", [total, denom])


# ---------------------------------------------------------------- shapes
@register_onnx_function(sh.Reshape)
def _reshape(g: OnnxBuilder, op: OpView) -> str:
    dyn = op.out_dynamic_axes()
    if len(dyn) <= 1:
        target = list(op.out().shape)
        for a in dyn:
            target[a] = -1
        return g.node("Reshape", [op.input(0), g.const(target)])
    return g.node("Reshape", [op.input(0), op.dynamic_shape()])


mark_batch_attrs(sh.Reshape, "shape")
mark_batch_attrs(sh.BroadcastTo, "shape")


@register_onnx_function(sh.Transpose)
def _transpose(g: OnnxBuilder, op: OpView) -> str:
    axes = op.attrs.get("axes")
    ndim = len(op.shape(0))
    perm = list(range(ndim))[::-1] if axes is None else [int(a) % ndim for a in axes]
    return g.node("Transpose", [op.input(0)], perm=perm)


@register_onnx_function(sh.Concat)
def _concat(g: OnnxBuilder, op: OpView) -> str:
    names = [op.input(i, op.out().dtype) for i in range(op.n_inputs)]
    return g.node("Concat", names, axis=int(op.attrs.get("axis", 0)))


@register_onnx_function(sh.Stack)
def _stack(g: OnnxBuilder, op: OpView) -> str:
    axis = int(op.attrs.get("axis", 0))
    dt = op.out().dtype
    parts = [g.unsqueeze(op.input(i, dt), [axis]) for i in range(op.n_inputs)]
    return g.node("Concat", parts, axis=axis)


@register_onnx_function(sh.Pad)
def _pad(g: OnnxBuilder, op: OpView) -> str:
    widths = op.attrs.get("widths", ())
    pads = [int(lo) for lo, _ in widths] + [int(hi) for _, hi in widths]
    value = g.scalar(op.attrs.get("value", 0.0), op.out().dtype)
    return g.node("Pad", [op.input(0), g.const(pads), value], mode="constant")


@register_onnx_function(sh.BroadcastTo)
def _broadcast_to(g: OnnxBuilder, op: OpView) -> str:
    return g.node("Expand", [op.input(0), op.dynamic_shape()])


@register_onnx_function(sh.GetItem)
def _getitem(g: OnnxBuilder, op: OpView) -> str:
    index = op.attrs.get("index")
    items = index if isinstance(index, tuple) else (index,)
    shape = op.shape(0)
    if not all(
        isinstance(i, (int, np.integer, slice)) or i is None or i is Ellipsis for i in items
    ):
        return _gather_index(g, op, items, shape)
    return _basic_index(g, op.input(0), items, shape)


def _expand_ellipsis(items: tuple, ndim: int) -> list:
    used = sum(1 for i in items if i is not None and i is not Ellipsis)
    out: list = []
    for i in items:
        if i is Ellipsis:
            out.extend([slice(None)] * (ndim - used))
        else:
            out.append(i)
    if not any(i is Ellipsis for i in items):
        out.extend([slice(None)] * (ndim - used))
    return out


_END = np.iinfo(np.int64).max  # an open end of a Slice (clamped to the axis' length)


def _slice_bounds(i: slice) -> tuple[int, int, int]:
    """``Slice`` bounds with Python's meaning at any axis length: negative bounds count from
    the end in both, and open bounds become the extreme int64 values that ONNX clamps."""
    step = 1 if i.step is None else int(i.step)
    if i.start is None:
        start = 0 if step > 0 else -1
    else:
        start = int(i.start)
    if i.stop is None:
        stop = _END if step > 0 else -_END - 1
    else:
        stop = int(i.stop)
    return start, stop, step


def _basic_index(g: OnnxBuilder, x: str, items: tuple, shape: tuple) -> str:
    """Ints, slices, ``None`` and ``...``: one ``Slice``, then ``Squeeze`` / ``Unsqueeze``."""
    items = tuple(_expand_ellipsis(items, len(shape)))
    starts, ends, axes, steps, drop, new = [], [], [], [], [], []
    dim = 0
    for pos, i in enumerate(items):
        if i is None:
            new.append(pos)
            continue
        if isinstance(i, slice):
            if i != slice(None):
                start, stop, step = _slice_bounds(i)
                starts.append(start)
                ends.append(stop)
                axes.append(dim)
                steps.append(step)
        else:
            k = int(i)  # negative counts from the end, as in ONNX: right at any batch size
            starts.append(k)
            ends.append(_END if k == -1 else k + 1)
            axes.append(dim)
            steps.append(1)
            drop.append(dim)
        dim += 1
    y = x
    if axes:
        y = g.node("Slice", [y, g.const(starts), g.const(ends), g.const(axes), g.const(steps)])
    if drop:
        y = g.squeeze(y, drop)
    if new:
        y = g.unsqueeze(y, [p - sum(1 for d in drop if d < p) for p in new])
    return y if y != x else g.node("Identity", [x])


def _gather_index(g: OnnxBuilder, op: OpView, items: tuple, shape: tuple) -> str:
    """One integer-array index on one axis (the others whole): ``Gather``; a boolean mask
    (the other axes whole): ``Compress``."""
    masked = _mask_index(g, op, items, shape)
    if masked is not None:
        return masked
    arrays = [k for k, i in enumerate(items) if isinstance(i, (np.ndarray, list))]
    rest_whole = all(i == slice(None) for k, i in enumerate(items) if k not in arrays)
    if len(arrays) == 1 and rest_whole and np.asarray(items[arrays[0]]).dtype.kind in "iu":
        k = arrays[0]
        if isinstance(items[k], np.ndarray):  # checked like any constant: not from the input
            return g.node("Gather", [op.input(0), op.name_of(items[k], np.int64)], axis=k)
        idx = np.asarray(items[k]).astype(np.int64) % shape[k]
        return g.node("Gather", [op.input(0), g.const(idx)], axis=k)
    full = None if any(i is None for i in items) else _expand_ellipsis(items, len(shape))
    if full is not None and all(_advanced(i) or _whole(i) for i in full):
        return _gather_nd(g, op, full, shape)
    raise TypeError(
        "export_onnx: GetItem: only ints, slices, None, ... and integer arrays (with the other "
        "axes whole) export to ONNX; got the index "
        f"({', '.join(_describe_item(i) for i in items)})"
    )


def _mask_index(g: OnnxBuilder, op: OpView, items: tuple, shape: tuple) -> str | None:
    """``x[mask]``, ``x[:, mask]``, ``x[mask, ...]``: the masked axes flattened to one, then
    ``Compress`` along it (the selected entries in row-major order, as NumPy and PyTorch)."""
    masks = [k for k, i in enumerate(items) if isinstance(i, np.ndarray) and i.dtype == np.bool_]
    if len(masks) != 1 or any(i is None for i in items):
        return None
    mask = items[masks[0]]
    m, spot = mask.ndim, object()  # the axes the mask covers, marked in the expanded index
    full = _expand_ellipsis(items[: masks[0]] + (spot,) * m + items[masks[0] + 1 :], len(shape))
    if m == 0 or not all(i is spot or _whole(i) for i in full):
        return None
    k = full.index(spot)
    x, cond = op.input(0), op.name_of(mask)
    if m > 1:
        cond = g.node("Reshape", [cond, g.const([-1])])
        rest = g.node("Shape", [x], start=k + m) if k + m < len(shape) else None
        target = g.concat([g.const([0] * k + [-1]), *([rest] if rest else [])], axis=0)
        x = g.node("Reshape", [x, target])
    return g.node("Compress", [x, cond], axis=k)


def _whole(item: object) -> bool:
    return isinstance(item, slice) and item == slice(None)


def _advanced(item: object) -> bool:
    """An int or an integer array: an advanced index once any array is in the index."""
    if isinstance(item, (int, np.integer)) and not isinstance(item, bool):
        return True
    return isinstance(item, (np.ndarray, list)) and np.asarray(item).dtype.kind in "iu"


def _gather_nd(g: OnnxBuilder, op: OpView, items: list, shape: tuple) -> str:
    """Several integer arrays (NumPy's advanced indexing, the other axes whole): the indexed
    axes moved to the front, one ``GatherND``, the broadcast index axes put where NumPy
    puts them (in place of adjacent indexed axes, else first)."""
    picked = [k for k, i in enumerate(items) if _advanced(i)]
    rest = [k for k in range(len(shape)) if k not in picked]
    bshape = np.broadcast_shapes(*(np.shape(items[k]) for k in picked))
    parts = []
    for k in picked:
        item = items[k]
        name = op.name_of(item, np.int64) if isinstance(item, np.ndarray) else g.const(
            np.asarray(item, dtype=np.int64)
        )
        name = g.node("Mod", [name, g.const(np.array(shape[k], dtype=np.int64))])  # -1 -> n-1
        name = g.node("Expand", [name, g.const(list(bshape))])
        parts.append(g.unsqueeze(name, [len(bshape)]))
    index = g.concat(parts, len(bshape))
    x = op.input(0)
    if picked + rest != list(range(len(shape))):
        x = g.node("Transpose", [x], perm=picked + rest)
    y = g.node("GatherND", [x, index])
    adjacent = picked == list(range(picked[0], picked[0] + len(picked)))
    before = sum(1 for k in rest if k < picked[0])
    if not adjacent or before == 0:
        return y
    nb = len(bshape)
    perm = [nb + i for i in range(before)] + list(range(nb))
    return g.node("Transpose", [y], perm=perm + [nb + i for i in range(before, len(rest))])


def _describe_item(item: object) -> str:
    if isinstance(item, (np.ndarray, list)):
        arr = np.asarray(item)
        return f"array of shape {arr.shape} ({arr.dtype})"
    return repr(item)


# ------------------------------------------ atan2, lerp, cumprod, erf family
@register_onnx_function(ar.Atan2)
def _atan2(g: OnnxBuilder, op: OpView) -> str:
    """ONNX has no Atan2: ``Atan(y / x)``, moved by +-pi where ``x < 0``, 0 at the origin
    (the sign of a zero ``y`` is not kept: ``atan2(-0.0, -1)`` gives pi, not -pi)."""
    dt = op.out().dtype
    y, x = op.input(0, dt), op.input(1, dt)
    zero = g.scalar(0.0, dt)
    angle = g.node("Atan", [g.node("Div", [y, x])])
    turn = g.node(
        "Where", [g.node("Less", [y, zero]), g.scalar(-math.pi, dt), g.scalar(math.pi, dt)]
    )
    angle = g.node("Where", [g.node("Less", [x, zero]), g.node("Add", [angle, turn]), angle])
    origin = g.node("And", [g.node("Equal", [x, zero]), g.node("Equal", [y, zero])])
    return g.node("Where", [origin, zero, angle])


@register_onnx_function(ar.Lerp)
def _lerp(g: OnnxBuilder, op: OpView) -> str:
    """torch's two forms, picked by ``|weight| < 0.5`` (exact at weights 0 and 1)."""
    dt = op.out().dtype
    start, end, w = op.input(0, dt), op.input(1, dt), op.input(2, dt)
    span = g.node("Sub", [end, start])
    from_start = g.node("Add", [start, g.node("Mul", [w, span])])
    rest = g.node("Sub", [g.scalar(1.0, dt), w])
    from_end = g.node("Sub", [end, g.node("Mul", [span, rest])])
    near = g.node("Less", [g.node("Abs", [w]), g.scalar(0.5, dt)])
    return g.node("Where", [near, from_start, from_end])


@register_onnx_function(red.Cumprod)
def _cumprod(g: OnnxBuilder, op: OpView) -> str:
    """ONNX has no CumProd: the running product of the slices along the axis, joined
    (exact, also with zeros; one Mul per position of the axis)."""
    axis = int(op.attrs.get("axis", 0))
    x, n = op.input(0), op.shape(0)[axis]
    if axis % len(op.shape(0)) in op.value(0).dynamic_axes:
        raise ValueError(
            f"export_onnx: cumprod along axis {axis}, which follows the batch (run by module "
            f"{g.scope or '(model)'!r}), unrolls to the example's length; export with "
            f"dynamic_batch=False"
        )
    running = g.slice(x, [0], [1], [axis])
    parts = [running]
    for i in range(1, n):
        running = g.node("Mul", [running, g.slice(x, [i], [i + 1], [axis])])
        parts.append(running)
    return g.concat(parts, axis)


@register_onnx_function(sp.Erf)
def _erf(g: OnnxBuilder, op: OpView) -> str:
    return g.node("Erf", [op.input(0, op.out().dtype)])


@register_onnx_function(sp.Erfc)
def _erfc(g: OnnxBuilder, op: OpView) -> str:
    """ONNX has no Erfc: ``1 - Erf(x)`` (absolute, not relative, accuracy for large x)."""
    dt = op.out().dtype
    return g.node("Sub", [g.scalar(1.0, dt), g.node("Erf", [op.input(0, dt)])])


@register_onnx_function(sp.Erfinv)
def _erfinv(g: OnnxBuilder, op: OpView) -> str:
    """ONNX has no Erfinv: Winitzki's first guess and two Halley steps on ``Erf(x) - |y|``,
    as ``ops/special.py`` does (in the graph's dtype: near +-1 the float32 residual limits
    the accuracy; +-1 gives +-inf and outside [-1, 1] NaN, as glassnet)."""
    dt = op.out().dtype
    y = op.input(0, dt)
    c = {v: g.scalar(v, dt) for v in (0.5, 1.0, 2.0 / (math.pi * sp._WINITZKI_A))}
    a = g.node("Abs", [y])
    w = g.node("Log", [g.node("Mul", [g.node("Sub", [c[1.0], a]), g.node("Add", [c[1.0], a])])])
    t = g.node("Add", [c[2.0 / (math.pi * sp._WINITZKI_A)], g.node("Mul", [c[0.5], w])])
    inner = g.node("Sub", [g.node("Mul", [t, t]), g.node("Div", [w, g.scalar(sp._WINITZKI_A, dt)])])
    x = g.node("Sqrt", [g.node("Sub", [g.node("Sqrt", [inner]), t])])
    slope = g.scalar(2.0 / math.sqrt(math.pi), dt)
    for _ in range(2):
        residual = g.node("Sub", [g.node("Erf", [x]), a])
        derivative = g.node("Mul", [slope, g.node("Exp", [g.node("Neg", [g.node("Mul", [x, x])])])])
        step = g.node("Div", [residual, derivative])
        halley = g.node("Add", [c[1.0], g.node("Mul", [x, step])])
        x = g.node("Sub", [x, g.node("Div", [step, halley])])
    edge = g.node("Equal", [a, c[1.0]])
    x = g.node("Where", [edge, g.scalar(math.inf, dt), x])
    sign = g.node("Where", [g.node("Less", [y, g.scalar(0.0, dt)]), g.scalar(-1.0, dt), c[1.0]])
    return g.node("Mul", [x, sign])
