"""ONNX converters for the layer ops: linear, convolution, pooling, batch norm; and the ops
that have no ONNX form (dropout in training, losses, DataParallel's gather), with the reason.

Each converter is ``fn(builder, op) -> name`` (see ``onnx_registry.py``). The geometry
comes from the op's keyword attributes (``stride=``, ``pads=``, ``kernel=``, ...).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..nn.parallel import _Gather
from ..ops import bessel as _bessel
from ..ops import conv, conv_fused, ctc, linear, loss, norm, pool, reduce
from ..ops import decomp as _decomp
from ..ops import gamma as _gamma
from ..ops import linalg as _linalg
from ..ops import normal_cdf as _normal_cdf
from ..ops import shape as _shape
from ..ops.dropout import Dropout
from ..ops.pool_indices import MaxUnpool
from .onnx_graph import OnnxBuilder, OpView
from .onnx_registry import mark_not_exportable, register_onnx_function

__all__: list[str] = []


# ---------------------------------------------------------------- linear
@register_onnx_function(linear.Linear)
def _linear(g: OnnxBuilder, op: OpView) -> str:
    dt = op.out().dtype
    x, w, b = op.input(0, dt), op.input(1, dt), op.input(2, dt)
    if len(op.shape(0)) == 2:
        return g.node("Gemm", [x, w, b or None], transB=1)
    y = g.node("MatMul", [x, g.transpose(w, [1, 0])])
    return y if not b else g.node("Add", [y, b])


# ---------------------------------------------------------------- convolution
@register_onnx_function(conv.Conv2d)
def _conv2d(g: OnnxBuilder, op: OpView) -> str:
    kh, kw = op.shape(1)[2:]
    top, bottom, left, right = op.attrs.get("pads", (0, 0, 0, 0))
    return g.node(
        "Conv", [op.input(0), op.input(1), op.input(2) or None], kernel_shape=[kh, kw],
        strides=list(op.attrs.get("stride", (1, 1))), dilations=list(op.attrs.get("dilation", (1, 1))),
        pads=[top, left, bottom, right], group=int(op.attrs.get("groups", 1)),
    )  # fmt: skip


@register_onnx_function(conv_fused.ConvReluPool2d)
def _conv_relu_pool(g: OnnxBuilder, op: OpView) -> str:
    # the fused block is the three standard nodes (Sequential does not fuse while tracing;
    # a direct call of the function still exports)
    y = _conv2d(g, op)
    y = nan_max_pool(g, y, op.out().dtype, kernel_shape=[2, 2], strides=[2, 2], pads=[0, 0, 0, 0])
    return g.node("Relu", [y])


@register_onnx_function(conv.Conv1d)
def _conv1d(g: OnnxBuilder, op: OpView) -> str:
    _, _, left, right = op.attrs.get("pads", (0, 0, 0, 0))
    return g.node(
        "Conv", [op.input(0), op.input(1), op.input(2) or None], kernel_shape=[op.shape(1)[2]],
        strides=[op.attrs.get("stride", (1, 1))[1]], dilations=[op.attrs.get("dilation", (1, 1))[1]],
        pads=[left, right], group=int(op.attrs.get("groups", 1)),
    )  # fmt: skip


# ---------------------------------------------------------------- pooling
def _window(op: OpView, dilation: tuple) -> dict[str, Any]:
    """Window, strides and padding of a pooling op, and ``ceil_mode`` where its output size
    needs it (the op gets the size, not the flag)."""
    k, s, p = op.attrs["kernel"], op.attrs["stride"], op.attrs["padding"]
    in_hw = op.shape(0)[2:]
    floor = tuple(
        (n + 2 * pd - dl * (kk - 1) - 1) // st + 1
        for n, kk, st, pd, dl in zip(in_hw, k, s, p, dilation)
    )  # fmt: skip
    ceil = int(floor != tuple(op.attrs["out_hw"]))
    return {"kernel_shape": list(k), "strides": list(s), "pads": [p[0], p[1], p[0], p[1]],
            "ceil_mode": ceil}  # fmt: skip


def nan_max_pool(g: OnnxBuilder, x: str, dt: Any, **attrs: Any) -> str:
    """``MaxPool`` of ``x`` (``attrs`` its attributes), NaN wherever a window holds a NaN, as
    glassnet and torch (onnxruntime's MaxPool keeps a NaN only where it comes first): the NaN
    mask pooled the same way picks the windows."""
    out = g.node("MaxPool", [x], **attrs)
    if np.dtype(dt).kind != "f":
        return out
    seen = g.node("MaxPool", [g.node("Cast", [g.node("IsNaN", [x])], to=g.elem_type(dt))], **attrs)
    hit = g.node("Greater", [seen, g.scalar(0.0, dt)])
    return g.node("Where", [hit, g.scalar(np.nan, dt), out])


@register_onnx_function(pool.MaxPool2d)
def _max_pool(g: OnnxBuilder, op: OpView) -> str:
    d = tuple(op.attrs.get("dilation", (1, 1)))
    return nan_max_pool(g, op.input(0), op.out().dtype, **_window(op, d), dilations=list(d))


@register_onnx_function(pool.AvgPool2d)
def _avg_pool(g: OnnxBuilder, op: OpView) -> str:
    include = int(op.attrs.get("count_include_pad", True))
    return g.node("AveragePool", [op.input(0)], **_window(op, (1, 1)), count_include_pad=include)


@register_onnx_function(pool.GlobalAvgPool2d)
def _global_avg_pool(g: OnnxBuilder, op: OpView) -> str:
    return g.node("Flatten", [g.node("GlobalAveragePool", [op.input(0)])], axis=1)


def _bin_matrix(n_in: int, n_out: int, dtype: Any) -> np.ndarray:
    """``(n_out, n_in)``: row ``i`` averages PyTorch's bin ``[floor(i n/o), ceil((i+1) n/o))``."""
    mat = np.zeros((n_out, n_in), dtype=dtype)
    for i in range(n_out):
        lo, hi = (i * n_in) // n_out, -(-((i + 1) * n_in) // n_out)
        mat[i, lo:hi] = 1.0 / (hi - lo)
    return mat


@register_onnx_function(pool.AdaptiveAvgPool2d)
def _adaptive_avg_pool(g: OnnxBuilder, op: OpView) -> str:
    (h, w), (oh, ow) = op.shape(0)[2:], op.attrs["out_hw"]
    dt = op.out().dtype
    # the bins are rectangles, so the average is separable: P_h @ x @ P_w.T
    rows = g.initializer(_bin_matrix(h, oh, dt), f"{g.scope or 'pool'}.rows")
    cols = g.initializer(_bin_matrix(w, ow, dt).T, f"{g.scope or 'pool'}.cols")
    return g.node("MatMul", [g.node("MatMul", [rows, op.input(0)]), cols])


# ---------------------------------------------------------------- batch norm
@register_onnx_function(norm.BatchNorm)
def _batch_norm(g: OnnxBuilder, op: OpView) -> str:
    x, dt, c = op.input(0), op.out().dtype, op.shape(0)[1]
    eps = float(op.attrs.get("eps", 1e-5))
    weight = op.input(1) or g.const(np.ones(c), dt)
    bias = op.input(2) or g.const(np.zeros(c), dt)
    mean, var = op.attrs.get("running_mean"), op.attrs.get("running_var")
    if not op.attrs.get("training", True) and mean is not None:
        stats = [op.name_of(mean, dt), op.name_of(var, dt)]
        return g.node("BatchNormalization", [x, weight, bias, *stats], epsilon=eps)
    # the batch's own statistics (track_running_stats=False, also in evaluation)
    ndim = len(op.shape(0))
    axes = [0] + list(range(2, ndim))
    centred = g.node("Sub", [x, g.reduce_mean(x, axes)])
    var_b = g.reduce_mean(g.node("Mul", [centred, centred]), axes)
    inv = g.node("Reciprocal", [g.node("Sqrt", [g.node("Add", [var_b, g.scalar(eps, dt)])])])
    y = g.node("Mul", [centred, inv])
    if op.arg(1) is None and op.arg(2) is None:
        return y
    per_channel = [c] + [1] * (ndim - 2)
    y = g.node("Mul", [y, g.reshape(weight, per_channel)])
    return g.node("Add", [y, g.reshape(bias, per_channel)])


# ---------------------------------------------------------------- no ONNX form
mark_not_exportable(
    Dropout,
    "ran in training mode: a random mask per call has no place in an inference graph; "
    "export in evaluation mode (export_onnx does) and call dropout with training=self.training",
)
for _cls in (loss.CrossEntropy, loss.SoftCrossEntropy, loss.NLLLoss, loss.BCEWithLogits,
             loss.BCE, loss.Regression, loss.KLDiv):  # fmt: skip
    mark_not_exportable(_cls, "is a training loss; export the model that makes the predictions")
mark_not_exportable(
    ctc.CTC,
    "is a training loss with no ONNX operator (ONNX has no CTC loss); export the model that "
    "makes the log-probabilities",
)
for _cls in (_gamma.Lgamma, _gamma.Digamma, _gamma.Polygamma):
    mark_not_exportable(
        _cls, "has no ONNX operator (ONNX has no lgamma, digamma or polygamma function)"
    )
for _cls in (_bessel.I0, _bessel.I0e, _bessel.I1, _bessel.I1e):
    mark_not_exportable(_cls, "has no ONNX operator (ONNX has no Bessel function)")
mark_not_exportable(_bessel._Bessel, "is the base of I0, I0e, I1 and I1e (no ONNX Bessel function)")
for _cls in (_normal_cdf.LogNdtr, _normal_cdf.Ndtri):
    mark_not_exportable(
        _cls, "has no ONNX operator (ONNX has Erf but no erfc, erfcx or inverse of either)"
    )
mark_not_exportable(reduce._Extreme, "is the base of Max and Min, which have their converters")
mark_not_exportable(
    MaxUnpool,
    "scatters by indices that max_pool2d(return_indices=True) computes outside the graph "
    "(PyTorch's per-plane positions, where ONNX's MaxUnpool takes whole-tensor ones)",
)
mark_not_exportable(
    _shape.SetItem,
    "is x[index] = value recorded for autograd; an exporter's trace records assignments "
    "itself, so this op only meets one if the assignment happened before tracing",
)
mark_not_exportable(
    _Gather,
    "is how DataParallel joins its threads' shards; export the wrapped module "
    "(DataParallel's to_onnx does)",
)


@register_onnx_function(_linalg.Det)
def _det(g: OnnxBuilder, op: OpView) -> str:
    return g.node("Det", [op.input(0, op.out().dtype)])


for _cls, _what in (
    (_linalg.Inverse, "inverse"),
    (_linalg.LogAbsDet, "log-determinant"),
    (_linalg.Solve, "linear solve"),
    (_decomp.Cholesky, "Cholesky decomposition"),
    (_decomp.Eigh, "symmetric eigen-decomposition"),
    (_decomp.SVD, "singular value decomposition"),
    (_decomp.QR, "QR decomposition"),
):
    mark_not_exportable(
        _cls, f"is a matrix {_what}, which the standard ONNX operator set does not have"
    )
