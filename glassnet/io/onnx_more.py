"""ONNX converters for the ops added with the PyTorch layers (each one small)."""

from __future__ import annotations

import numpy as np

from ..ops.bicubic import ResizeCubic, cubic_matrix
from ..ops.embedding import Embedding
from ..ops.grid_sample import GridSample
from .onnx_graph import OnnxBuilder, OpView
from .onnx_registry import register_onnx_function


@register_onnx_function(Embedding)
def _embedding(g: OnnxBuilder, op: OpView) -> str:
    """``weight[indices]``: a ``Gather`` on axis 0 with the indices as int64."""
    ids = g.node("Cast", [op.input(1)], to=g.elem_type("int64"))
    return g.node("Gather", [op.input(0), ids], axis=0)


@register_onnx_function(GridSample)
def _grid_sample(g: OnnxBuilder, op: OpView) -> str:
    """``F.grid_sample`` (4-D): ONNX's ``GridSample`` (opset 16) takes the same options."""
    return g.node(
        "GridSample", [op.input(0), op.input(1, op.out().dtype)],
        mode=op.attrs.get("mode", "bilinear"), padding_mode=op.attrs.get("padding_mode", "zeros"),
        align_corners=int(bool(op.attrs.get("align_corners", False))),
    )  # fmt: skip


@register_onnx_function(ResizeCubic)
def _resize_cubic(g: OnnxBuilder, op: OpView) -> str:
    """Bicubic ``F.interpolate``: ONNX's ``Resize`` in cubic mode with PyTorch's ``A = -0.75``
    and edge taps clamped (``exclude_outside=0``); the caller's scale factors when they position
    the samples (torch's rule), else the output sizes."""
    dt = op.out().dtype
    align = bool(op.attrs["align_corners"])
    factors = op.attrs["scale_factors"]
    if dt != np.float32:  # onnxruntime's Resize has no float64 kernel: the same weights as MatMuls
        return _cubic_matmuls(g, op, dt)
    if factors is not None:
        inputs = [op.input(0, dt), None, g.const([1.0, 1.0, *factors], np.float32)]
    else:
        sizes = g.concat([g.slice(g.node("Shape", [op.input(0, dt)]), [0], [2], [0]),
                          g.const(list(op.attrs["sizes"]))], 0)  # fmt: skip
        inputs = [op.input(0, dt), None, None, sizes]
    return g.node(
        "Resize", inputs, mode="cubic", cubic_coeff_a=-0.75, exclude_outside=0,
        coordinate_transformation_mode="align_corners" if align else "half_pixel",
    )  # fmt: skip


def _cubic_matmuls(g: OnnxBuilder, op: OpView, dt: np.dtype) -> str:
    """``W_h @ x @ W_w.T`` with the op's own weight matrices as initializers."""
    factors = op.attrs["scale_factors"]
    mats = []
    for k, (n_in, n_out) in enumerate(zip(op.shape(0)[2:], op.attrs["sizes"])):
        scale = n_in / n_out if factors is None else 1.0 / factors[k]
        mats.append(cubic_matrix(n_in, n_out, scale, bool(op.attrs["align_corners"])).astype(dt))
    y = g.node("MatMul", [g.initializer(mats[0], "cubic_rows"), op.input(0, dt)])
    return g.node("MatMul", [y, g.initializer(np.ascontiguousarray(mats[1].T), "cubic_cols")])
