"""ONNX converters for the ops added with the PyTorch layers (each one small)."""

from __future__ import annotations

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
