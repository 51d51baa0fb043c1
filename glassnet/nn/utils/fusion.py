"""Folding an eval-mode BatchNorm into the convolution or linear layer before it
(``torch.nn.utils.fuse_conv_bn_eval`` and friends), as torch's.

With ``s = bn.weight / sqrt(running_var + eps)``, the fused layer has weight ``w * s`` (per
output channel) and bias ``(b - running_mean) * s + bn.bias``: one layer that computes what
the two computed in eval mode.
"""

from __future__ import annotations

import copy

from ...autograd import grad_mode
from ...tensor import Tensor
from ..module import Module, Parameter

__all__ = [
    "fuse_conv_bn_eval", "fuse_conv_bn_weights", "fuse_linear_bn_eval", "fuse_linear_bn_weights",
]  # fmt: skip


def _check_eval(layer: Module, bn: Module, who: str) -> None:
    if layer.training or bn.training:
        raise RuntimeError(f"{who}: fusion is only for eval mode; call .eval() on both modules")
    if bn.running_mean is None or bn.running_var is None:
        raise RuntimeError(f"{who}: the BatchNorm has no running statistics "
                           "(track_running_stats=False)")  # fmt: skip


def _ones_or(t: Tensor | None, like: Tensor, fill: float) -> Tensor:
    return Tensor(like.array * 0 + fill) if t is None else t


def fuse_conv_bn_weights(conv_w: Tensor, conv_b: Tensor | None, bn_rm: Tensor, bn_rv: Tensor,
                         bn_eps: float, bn_w: Tensor | None, bn_b: Tensor | None,
                         transpose: bool = False) -> tuple[Parameter, Parameter]:  # fmt: skip
    """The fused ``(weight, bias)`` Parameters of a conv (``(C_out, C_in/g, *k)``, or
    ``(C_in, C_out/g, *k)`` with ``transpose=True``) followed by a BatchNorm."""
    with grad_mode.no_grad():
        b = _ones_or(conv_b, bn_rm, 0.0)
        scale = _ones_or(bn_w, bn_rm, 1.0) * (bn_rv + bn_eps).rsqrt()
        shape = [1, -1] if transpose else [-1, 1]
        shape += [1] * (conv_w.ndim - 2)
        w = (conv_w * scale.reshape(shape)).to(dtype=conv_w.dtype)
        bias = ((b - bn_rm) * scale + _ones_or(bn_b, bn_rm, 0.0)).to(dtype=b.dtype)
    req_b = conv_b.requires_grad if conv_b is not None else conv_w.requires_grad
    return Parameter(w, conv_w.requires_grad), Parameter(bias, req_b)


def fuse_conv_bn_eval(conv: Module, bn: Module, transpose: bool = False) -> Module:
    """A copy of ``conv`` whose weight and bias include ``bn`` (both in eval mode)."""
    _check_eval(conv, bn, "fuse_conv_bn_eval")
    fused = copy.deepcopy(conv)
    fused.weight, fused.bias = fuse_conv_bn_weights(
        fused.weight, fused.bias, bn.running_mean, bn.running_var, bn.eps, bn.weight, bn.bias,
        transpose,
    )
    return fused


def fuse_linear_bn_weights(linear_w: Tensor, linear_b: Tensor | None, bn_rm: Tensor,
                           bn_rv: Tensor, bn_eps: float, bn_w: Tensor,
                           bn_b: Tensor) -> tuple[Parameter, Parameter]:  # fmt: skip
    """The fused ``(weight, bias)`` Parameters of a Linear ``(out, in)`` then a BatchNorm1d."""
    with grad_mode.no_grad():
        b = _ones_or(linear_b, bn_rm, 0.0)
        scale = bn_w * (bn_rv + bn_eps).rsqrt()
        w = linear_w * scale.unsqueeze(-1)
        bias = (b - bn_rm) * scale + bn_b
    return Parameter(w, linear_w.requires_grad), Parameter(bias, b.requires_grad)


def fuse_linear_bn_eval(linear: Module, bn: Module) -> Module:
    """A copy of ``linear`` whose weight and bias include ``bn`` (both in eval mode)."""
    _check_eval(linear, bn, "fuse_linear_bn_eval")
    if linear.out_features != bn.num_features:
        raise ValueError(f"fuse_linear_bn_eval: the Linear's {linear.out_features} outputs "
                         f"and the BatchNorm's {bn.num_features} features must match")  # fmt: skip
    fused = copy.deepcopy(linear)
    fused.weight, fused.bias = fuse_linear_bn_weights(
        fused.weight, fused.bias, bn.running_mean, bn.running_var, bn.eps, bn.weight, bn.bias
    )
    return fused
