"""ONNX converters for the 3-D ops: ``Conv3d`` to ``Conv``, ``MaxPool3d`` to ``MaxPool``,
``AvgPool3d`` to ``AveragePool``, each with three spatial axes.

Each converter is ``fn(builder, op) -> name`` (see ``onnx_registry.py``) and reads only
the op's public attributes. ``conv_transpose3d`` and ``adaptive_max_pool3d`` are written
with these and other ops, so they export through their converters.
"""

from __future__ import annotations

from typing import Any

from ..ops import conv3d, pool3d
from .onnx_graph import OnnxBuilder, OpView
from .onnx_nn import nan_max_pool
from .onnx_registry import register_onnx_function

__all__: list[str] = []


@register_onnx_function(conv3d.Conv3d)
def _conv3d(g: OnnxBuilder, op: OpView) -> str:
    pads = tuple(op.attrs.get("pads", (0,) * 6))
    return g.node(
        "Conv", [op.input(0), op.input(1), op.input(2) or None],
        kernel_shape=list(op.shape(1)[2:]), strides=list(op.attrs.get("stride", (1, 1, 1))),
        dilations=list(op.attrs.get("dilation", (1, 1, 1))),
        pads=list(pads[0::2]) + list(pads[1::2]), group=int(op.attrs.get("groups", 1)),
    )  # fmt: skip


def _floor_sizes(op: OpView, dilation: tuple) -> tuple[int, ...]:
    k, s, p = op.attrs["kernel"], op.attrs["stride"], op.attrs["padding"]
    return tuple(
        (n + 2 * pd - dl * (kk - 1) - 1) // st + 1
        for n, kk, st, pd, dl in zip(op.shape(0)[2:], k, s, p, dilation)
    )  # fmt: skip


def _window(op: OpView, dilation: tuple) -> dict[str, Any]:
    """Window, strides, padding and ``ceil_mode`` (from the output size the op got)."""
    k, s, p = op.attrs["kernel"], op.attrs["stride"], op.attrs["padding"]
    ceil = int(_floor_sizes(op, dilation) != tuple(op.attrs["out"]))
    return {"kernel_shape": list(k), "strides": list(s), "pads": list(p) + list(p),
            "ceil_mode": ceil}  # fmt: skip


@register_onnx_function(pool3d.MaxPool3d)
def _max_pool3d(g: OnnxBuilder, op: OpView) -> str:
    d = tuple(op.attrs.get("dilation", (1, 1, 1)))
    return nan_max_pool(g, op.input(0), op.out().dtype, **_window(op, d), dilations=list(d))


@register_onnx_function(pool3d.AvgPool3d)
def _avg_pool3d(g: OnnxBuilder, op: OpView) -> str:
    divisor = op.attrs.get("divisor_override")
    if divisor is None:
        include = int(op.attrs.get("count_include_pad", True))
        return g.node("AveragePool", [op.input(0)], **_window(op, (1, 1, 1)),
                      count_include_pad=include)  # fmt: skip
    # every window's sum over one divisor: pad explicitly (as far as a ceil_mode window
    # reaches), average whole windows, and rescale by kD*kH*kW / divisor
    k, s, p, out = op.attrs["kernel"], op.attrs["stride"], op.attrs["padding"], op.attrs["out"]
    ends = [max(pd, (o - 1) * st + kk - pd - n)
            for n, kk, st, pd, o in zip(op.shape(0)[2:], k, s, p, out)]  # fmt: skip
    dt = op.out().dtype
    padded = g.node("Pad", [op.input(0), g.const([0, 0, *p, 0, 0, *ends]), g.scalar(0.0, dt)],
                    mode="constant")  # fmt: skip
    mean = g.node("AveragePool", [padded], kernel_shape=list(k), strides=list(s))
    scale = k[0] * k[1] * k[2] / divisor
    return g.node("Mul", [mean, g.scalar(scale, dt)])
