"""Transposed convolution (``conv_transpose1d/2d``) written with the convolution op.

A transposed convolution is the gradient of a convolution with respect to
its input. It equals an ordinary convolution of the input *spread out* by the
stride (``stride - 1`` zeros between neighbours), padded by
``dilation * (k - 1) - padding`` on each side (plus ``output_padding`` at the
bottom and right), with the kernel flipped in space and its two channel axes
swapped within each group. Written that way it needs no ``Function`` of its
own: gradients, the GPU path and ONNX export come from ``reshape``, ``pad``,
``getitem`` and ``conv2d``.
"""

from __future__ import annotations

from typing import Any

from .._errors import ShapeError
from .._validate import is_int
from ..tensor import Tensor
from . import resize as Z
from . import shape as S
from .conv import conv2d

__all__ = ["conv_transpose2d", "conv_transpose1d", "conv_transpose_output_size"]


def _tuple(who: str, name: str, value: Any, n: int, minimum: int) -> tuple[int, ...]:
    vals = (value,) * n if is_int(value) else tuple(value)
    if len(vals) != n or any(not is_int(v) or v < minimum for v in vals):
        kind = "positive" if minimum == 1 else "non-negative"
        raise ValueError(f"{who}: {name} must be a {kind} int or {n} of them, got {value!r}")
    return vals


def conv_transpose_output_size(
    size: int, kernel: int, stride: int, padding: int, output_padding: int, dilation: int
) -> int:
    """``(size - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1``."""
    return (size - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1


def _spread(x: Tensor, stride: tuple[int, int]) -> Tensor:
    """Insert ``stride - 1`` zeros between neighbouring pixels: (N, C, H, W) to (N, C, (H-1)s+1, ...)."""
    sh, sw = stride
    if (sh, sw) == (1, 1):
        return x
    n, c, h, w = x.shape
    y = x.reshape((n, c, h, 1, w, 1))
    y = S.pad(y, ((0, 0), (0, 0), (0, 0), (0, sh - 1), (0, 0), (0, sw - 1)))
    y = y.reshape((n, c, h * sh, w * sw))
    return S.getitem(y, (slice(None), slice(None), slice(0, (h - 1) * sh + 1), slice(0, (w - 1) * sw + 1)))


def _flipped_kernel(weight: Tensor, groups: int) -> Tensor:
    """(C_in, C_out/g, kH, kW) to the equivalent convolution's (C_out, C_in/g, kH, kW), flipped."""
    c_in, c_out_g, kh, kw = weight.shape
    w = weight.reshape((groups, c_in // groups, c_out_g, kh, kw)).transpose((0, 2, 1, 3, 4))
    w = w.reshape((groups * c_out_g, c_in // groups, kh, kw))
    return S.getitem(w, (slice(None), slice(None), slice(None, None, -1), slice(None, None, -1)))


def conv_transpose2d(
    input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,  # noqa: A002
    padding: Any = 0, output_padding: Any = 0, groups: int = 1, dilation: Any = 1,
) -> Tensor:  # fmt: skip
    """Transposed 2-D convolution, as ``torch.nn.functional.conv_transpose2d``.

    Parameters
    ----------
    input : Tensor, shape (N, C_in, H, W) or (C_in, H, W)
    weight : Tensor, shape (C_in, C_out / groups, kH, kW)
    bias : Tensor, shape (C_out,), optional
    stride, padding, output_padding, dilation : int or (int, int)
        ``output_padding`` (smaller than ``stride`` or ``dilation``) adds rows
        and columns at the bottom and right, choosing among the input sizes
        that a strided convolution maps to the same output size.
    groups : int, default 1

    Returns
    -------
    Tensor, shape (N, C_out, H_out, W_out)
        ``H_out = (H - 1) stride - 2 padding + dilation (kH - 1) + output_padding + 1``.
    """
    who = "conv_transpose2d"
    if input.ndim == 3:
        return conv_transpose2d(
            input.unsqueeze(0), weight, bias, stride, padding, output_padding, groups, dilation
        ).squeeze(0)
    if input.ndim != 4 or weight.ndim != 4:
        raise ShapeError(
            f"{who}: expected input (N, C_in, H, W) and weight (C_in, C_out/groups, kH, kW), "
            f"got {input.shape} and {weight.shape}"
        )
    s = _tuple(who, "stride", stride, 2, 1)
    p = _tuple(who, "padding", padding, 2, 0)
    op = _tuple(who, "output_padding", output_padding, 2, 0)
    d = _tuple(who, "dilation", dilation, 2, 1)
    if input.shape[1] != weight.shape[0] or weight.shape[0] % groups:
        raise ShapeError(
            f"{who}: input has {input.shape[1]} channels, weight expects {weight.shape[0]} "
            f"(divisible by groups={groups})"
        )
    if any(o >= max(si, di) for o, si, di in zip(op, s, d)):
        raise ValueError(f"{who}: output_padding {op} must be smaller than stride {s} or dilation {d}")
    k = weight.shape[2:]
    edge = [di * (ki - 1) - pi for di, ki, pi in zip(d, k, p)]
    x = Z.pad(_spread(input, s), (edge[1], edge[1] + op[1], edge[0], edge[0] + op[0]))
    return conv2d(x, _flipped_kernel(weight, groups), bias, 1, 0, d, groups)


def conv_transpose1d(
    input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,  # noqa: A002
    padding: Any = 0, output_padding: Any = 0, groups: int = 1, dilation: Any = 1,
) -> Tensor:  # fmt: skip
    """Transposed 1-D convolution: ``(N, C_in, L)`` with weight ``(C_in, C_out / groups, k)``."""
    who = "conv_transpose1d"
    if input.ndim not in (2, 3) or weight.ndim != 3:
        raise ShapeError(
            f"{who}: expected input (N, C_in, L) and weight (C_in, C_out/groups, k), "
            f"got {input.shape} and {weight.shape}"
        )
    x = input.unsqueeze(-2)
    y = conv_transpose2d(
        x, weight.unsqueeze(2), bias, (1, _tuple(who, "stride", stride, 1, 1)[0]),
        (0, _tuple(who, "padding", padding, 1, 0)[0]),
        (0, _tuple(who, "output_padding", output_padding, 1, 0)[0]), groups,
        (1, _tuple(who, "dilation", dilation, 1, 1)[0]),
    )  # fmt: skip
    return y.squeeze(-2)
