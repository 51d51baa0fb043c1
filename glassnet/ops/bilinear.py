"""Bilinear map ``y = x1^T W x2 + b``, composed from einsum (its gradients and ONNX export)."""

from __future__ import annotations

from ..tensor import Tensor
from .arithmetic import add
from .einsum import einsum
from .shape import reshape

__all__ = ["bilinear"]


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``y[..., o] = sum_ij input1[..., i] weight[o, i, j] input2[..., j] + bias[o]``.

    Parameters
    ----------
    input1 : Tensor, shape (*, in1)
    input2 : Tensor, shape (*, in2)
        The same leading dims as ``input1``.
    weight : Tensor, shape (out, in1, in2)
    bias : Tensor, shape (out,), optional

    Returns
    -------
    Tensor, shape (*, out)
    """
    who = "bilinear"
    if weight.ndim != 3:
        raise ValueError(f"{who}: expected weight of shape (out, in1, in2), got {weight.shape}")
    _, in1, in2 = weight.shape
    if input1.ndim < 1 or input1.shape[-1] != in1 or input2.ndim < 1 or input2.shape[-1] != in2:
        raise ValueError(
            f"{who}: expected inputs (*, {in1}) and (*, {in2}) for weight {weight.shape}, got "
            f"{input1.shape} and {input2.shape}"
        )
    if input1.shape[:-1] != input2.shape[:-1]:
        raise ValueError(
            f"{who}: input1 {input1.shape} and input2 {input2.shape} must have the same "
            f"leading dims"
        )
    if bias is not None and tuple(bias.shape) != (weight.shape[0],):
        raise ValueError(f"{who}: expected bias of shape ({weight.shape[0]},), got {bias.shape}")
    lead = tuple(input1.shape[:-1])
    x1, x2 = reshape(input1, (-1, in1)), reshape(input2, (-1, in2))
    y = reshape(einsum("bi,oij,bj->bo", x1, weight, x2), (*lead, weight.shape[0]))
    return y if bias is None else add(y, bias)
