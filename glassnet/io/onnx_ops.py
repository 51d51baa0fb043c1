"""ONNX converters for glassnet's feed-forward layers: containers, Linear, activations, conv,
pooling, batch norm, flatten, dropout and the seed's MLP/Perceptron.

Each converter is ``fn(builder, module, x) -> name`` (see ``onnx_export.py``);
the model is always exported in evaluation mode.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..nn.container import Sequential
from ..nn.layers import activation as act
from ..nn.layers.conv import Conv1d, Conv2d
from ..nn.layers.dropout import Dropout
from ..nn.layers.flatten import Flatten
from ..nn.layers.linear import Identity, Linear
from ..nn.layers.mlp import MLP, Perceptron
from ..nn.layers.norm import BatchNorm1d, BatchNorm2d
from ..nn.layers.pooling import AdaptiveAvgPool2d, AvgPool2d, GlobalAvgPool2d, MaxPool2d
from ..nn.parallel import DataParallel
from ..ops.pool import _adaptive_size
from .onnx_builder import OnnxBuilder, OnnxValue, register_onnx_converter

__all__: list[str] = []


# ---------------------------------------------------------------- containers
def _sequential(b: OnnxBuilder, m: Sequential, x: Any) -> Any:
    for child in m:
        x = b.call(child, x)
    return x


register_onnx_converter(Sequential, _sequential)
register_onnx_converter(MLP, _sequential)


def _data_parallel(b: OnnxBuilder, m: DataParallel, *xs: Any) -> Any:
    return b.call(m.module, *xs)  # threads are a way of running the module, not part of it


register_onnx_converter(DataParallel, _data_parallel)


def _identity(b: OnnxBuilder, m: Any, x: OnnxValue) -> str:
    return x.name  # Identity, and Dropout in evaluation mode


register_onnx_converter(Identity, _identity)
register_onnx_converter(Dropout, _identity)


# ---------------------------------------------------------------- linear
@register_onnx_converter(Linear)
def _linear(b: OnnxBuilder, m: Linear, x: OnnxValue) -> str:
    return b.linear(x, x.ndim, m.weight, m.bias)


@register_onnx_converter(Perceptron)
def _perceptron(b: OnnxBuilder, m: Perceptron, x: OnnxValue) -> str:
    return b.node("Sigmoid", [b.linear(x, x.ndim, m.weight, m.bias)])


@register_onnx_converter(Flatten)
def _flatten(b: OnnxBuilder, m: Flatten, x: OnnxValue) -> str:
    n = x.ndim
    start, end = m.start_dim % n, m.end_dim % n
    if start == 1 and end == n - 1:
        return b.node("Flatten", [x], axis=1)
    if start == end:
        return x.name
    # keep the dims around the flattened range as they come at run time (one may be the batch)
    parts = []
    if start > 0:
        parts.append(b.node("Shape", [x], start=0, end=start))
    parts.append(b.const([-1]))
    if end < n - 1:
        parts.append(b.node("Shape", [x], start=end + 1))
    return b.node("Reshape", [x, b.concat(parts, axis=0)])


# ---------------------------------------------------------------- activations
def _simple(op: str) -> Any:
    def convert(b: OnnxBuilder, m: Any, x: OnnxValue) -> str:
        return b.node(op, [x])

    return convert


register_onnx_converter(act.ReLU, _simple("Relu"))
register_onnx_converter(act.Sigmoid, _simple("Sigmoid"))
register_onnx_converter(act.Tanh, _simple("Tanh"))


@register_onnx_converter(act.LeakyReLU)
def _leaky_relu(b: OnnxBuilder, m: act.LeakyReLU, x: OnnxValue) -> str:
    return b.node("LeakyRelu", [x], alpha=float(m.negative_slope))


@register_onnx_converter(act.ELU)
def _elu(b: OnnxBuilder, m: act.ELU, x: OnnxValue) -> str:
    return b.node("Elu", [x], alpha=float(m.alpha))


@register_onnx_converter(act.GELU)
def _gelu(b: OnnxBuilder, m: act.GELU, x: OnnxValue) -> str:
    if b.opset >= 20:
        return b.node("Gelu", [x], approximate=m.approximate)
    dt = x.dtype
    if m.approximate == "tanh":  # 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
        x3 = b.node("Mul", [b.node("Mul", [x, x]), x])
        inner = b.node("Add", [x, b.node("Mul", [x3, b.scalar(0.044715, dt)])])
        t = b.node("Tanh", [b.node("Mul", [inner, b.scalar(math.sqrt(2 / math.pi), dt)])])
    else:  # 0.5 x (1 + erf(x / sqrt(2)))
        t = b.node("Erf", [b.node("Mul", [x, b.scalar(1 / math.sqrt(2), dt)])])
    half_x = b.node("Mul", [x, b.scalar(0.5, dt)])
    return b.node("Mul", [half_x, b.node("Add", [t, b.scalar(1.0, dt)])])


@register_onnx_converter(act.Softplus)
def _softplus(b: OnnxBuilder, m: act.Softplus, x: OnnxValue) -> str:
    dt = x.dtype
    bx = x.name if m.beta == 1.0 else b.node("Mul", [x, b.scalar(m.beta, dt)])
    sp = b.node("Softplus", [bx])
    if m.beta != 1.0:
        sp = b.node("Div", [sp, b.scalar(m.beta, dt)])
    linear_part = b.node("Greater", [bx, b.scalar(m.threshold, dt)])
    return b.node("Where", [linear_part, x, sp])


@register_onnx_converter(act.SiLU)
def _silu(b: OnnxBuilder, m: act.SiLU, x: OnnxValue) -> str:
    return b.node("Mul", [x, b.node("Sigmoid", [x])])


@register_onnx_converter(act.Softmax)
def _softmax(b: OnnxBuilder, m: act.Softmax, x: OnnxValue) -> str:
    return b.node("Softmax", [x], axis=m.dim)


@register_onnx_converter(act.LogSoftmax)
def _log_softmax(b: OnnxBuilder, m: act.LogSoftmax, x: OnnxValue) -> str:
    return b.node("LogSoftmax", [x], axis=m.dim)


# ---------------------------------------------------------------- convolution
def _conv(b: OnnxBuilder, m: Any, x: OnnxValue, pads: list[int]) -> str:
    bias = None if m.bias is None else b.param(m.bias, "bias")
    return b.node(
        "Conv", [x, b.param(m.weight, "weight"), bias],
        kernel_shape=list(m.kernel_size), strides=list(m.stride), dilations=list(m.dilation),
        pads=pads, group=m.groups,
    )  # fmt: skip


@register_onnx_converter(Conv2d)
def _conv2d(b: OnnxBuilder, m: Conv2d, x: OnnxValue) -> str:
    top, bottom, left, right = m._pads
    return _conv(b, m, x, [top, left, bottom, right])


@register_onnx_converter(Conv1d)
def _conv1d(b: OnnxBuilder, m: Conv1d, x: OnnxValue) -> str:
    return _conv(b, m, x, [m._pads[2], m._pads[3]])


# ---------------------------------------------------------------- pooling
def _window(m: MaxPool2d | AvgPool2d) -> dict[str, Any]:
    """The attributes MaxPool and AveragePool share: window, strides, padding, ceil mode."""
    ph, pw = m._p
    return {
        "kernel_shape": list(m._k), "strides": list(m._s), "pads": [ph, pw, ph, pw],
        "ceil_mode": int(m.ceil_mode),
    }  # fmt: skip


@register_onnx_converter(MaxPool2d)
def _max_pool(b: OnnxBuilder, m: MaxPool2d, x: OnnxValue) -> str:
    return b.node("MaxPool", [x], **_window(m), dilations=list(m._d))


@register_onnx_converter(AvgPool2d)
def _avg_pool(b: OnnxBuilder, m: AvgPool2d, x: OnnxValue) -> str:
    return b.node("AveragePool", [x], **_window(m), count_include_pad=int(m.count_include_pad))


@register_onnx_converter(GlobalAvgPool2d)
def _global_avg_pool(b: OnnxBuilder, m: GlobalAvgPool2d, x: OnnxValue) -> str:
    y = b.node("GlobalAveragePool", [x])
    return y if m.keepdims else b.node("Flatten", [y], axis=1)


def _bin_matrix(n_in: int, n_out: int, dtype: Any) -> np.ndarray:
    """``(n_out, n_in)``: row ``i`` averages PyTorch's bin ``[floor(i n/o), ceil((i+1) n/o))``."""
    mat = np.zeros((n_out, n_in), dtype=dtype)
    for i in range(n_out):
        lo, hi = (i * n_in) // n_out, -(-((i + 1) * n_in) // n_out)
        mat[i, lo:hi] = 1.0 / (hi - lo)
    return mat


@register_onnx_converter(AdaptiveAvgPool2d)
def _adaptive_avg_pool(b: OnnxBuilder, m: AdaptiveAvgPool2d, x: OnnxValue) -> str:
    h, w = x.shape[2:]
    oh, ow = _adaptive_size(repr(m), m.output_size, (h, w))
    if (oh, ow) == (1, 1):
        return b.node("GlobalAveragePool", [x])
    if h % oh == 0 and w % ow == 0:
        k = [h // oh, w // ow]
        return b.node("AveragePool", [x], kernel_shape=k, strides=k)
    # the bins are rectangles, so the average is separable: P_h @ x @ P_w.T
    rows = b.initializer(_bin_matrix(h, oh, x.dtype), f"{b.scope}.rows")
    cols = b.initializer(_bin_matrix(w, ow, x.dtype).T, f"{b.scope}.cols")
    return b.node("MatMul", [b.node("MatMul", [rows, x]), cols])


# ---------------------------------------------------------------- batch norm
def _batch_norm(b: OnnxBuilder, m: Any, x: OnnxValue) -> str:
    c = m.num_features
    dt = x.dtype
    if m.running_mean is not None:  # evaluation with the running statistics
        w = b.param(m.weight, "weight") if m.affine else b.const(np.ones(c), dt)
        bias = b.param(m.bias, "bias") if m.affine else b.const(np.zeros(c), dt)
        mean = b.param(m.running_mean, "running_mean")
        var = b.param(m.running_var, "running_var")
        if m.running_mean.dtype != dt:
            mean, var = (b.node("Cast", [t], to=b.elem_type(dt)) for t in (mean, var))
        return b.node("BatchNormalization", [x, w, bias, mean, var], epsilon=m.eps)
    # track_running_stats=False: the batch's own statistics, also in evaluation
    axes = [0] + list(range(2, x.ndim))
    centred = b.node("Sub", [x, b.reduce_mean(x, axes)])
    var = b.reduce_mean(b.node("Mul", [centred, centred]), axes)
    inv = b.node("Reciprocal", [b.node("Sqrt", [b.node("Add", [var, b.scalar(m.eps, dt)])])])
    y = b.node("Mul", [centred, inv])
    if m.affine:
        shape = [c] + [1] * (x.ndim - 2)
        y = b.node("Mul", [y, b.initializer(m.weight.numpy().reshape(shape), f"{b.scope}.weight")])
        y = b.node("Add", [y, b.initializer(m.bias.numpy().reshape(shape), f"{b.scope}.bias")])
    return y


register_onnx_converter(BatchNorm1d, _batch_norm)
register_onnx_converter(BatchNorm2d, _batch_norm)
