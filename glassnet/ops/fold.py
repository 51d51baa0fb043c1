"""``unfold`` (im2col) and ``fold`` (col2im), PyTorch's ``F.unfold``/``F.fold``.

Both are a grouped convolution with a one-hot kernel: ``unfold`` convolves each
channel with ``kh * kw`` kernels that each pick one tap, and ``fold`` is the
transposed convolution with the same kernels (it adds overlapping patches). So
their gradients, GPU path and ONNX export are the convolution's.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validate import int_pair
from ..tensor import Tensor
from .conv import conv2d
from .conv_transpose import conv_transpose2d

__all__ = ["unfold", "fold"]


def _geometry(who: str, kernel_size: Any, dilation: Any, padding: Any, stride: Any) -> tuple:
    k = int_pair(who, "kernel_size", kernel_size)
    d = int_pair(who, "dilation", dilation)
    p = int_pair(who, "padding", padding, minimum=0)
    s = int_pair(who, "stride", stride)
    return k, d, p, s


def _one_hot_kernels(channels: int, k: tuple, like: Tensor) -> Tensor:
    """``(channels * kh * kw, 1, kh, kw)``: kernel ``c * kh * kw + q`` is 1 at tap ``q``."""
    taps = k[0] * k[1]
    eye = np.eye(taps, dtype=like.dtype).reshape(taps, 1, k[0], k[1])
    return Tensor(like.xp.asarray(np.tile(eye, (channels, 1, 1, 1))))


def unfold(
    input: Tensor, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1  # noqa: A002
) -> Tensor:
    """Sliding ``kernel_size`` blocks of each channel, as columns.

    Parameters
    ----------
    input : Tensor, shape (N, C, H, W) or (C, H, W)
    kernel_size, dilation, padding, stride : int or (int, int)

    Returns
    -------
    Tensor, shape (N, C * kh * kw, L)
        ``L`` blocks, row-major over their positions; row ``c * kh * kw + i * kw + j``
        holds tap ``(i, j)`` of channel ``c`` (PyTorch's order).
    """
    who = "unfold"
    if input.ndim not in (3, 4):
        raise ValueError(f"{who}: expected a 3-D or 4-D input (N, C, H, W), got shape {input.shape}")
    if input.ndim == 3:
        return unfold(input.unsqueeze(0), kernel_size, dilation, padding, stride).squeeze(0)
    k, d, p, s = _geometry(who, kernel_size, dilation, padding, stride)
    n, c = input.shape[:2]
    cols = conv2d(input, _one_hot_kernels(c, k, input), None, s, p, d, c)
    return cols.reshape(n, c * k[0] * k[1], -1)


def fold(
    input: Tensor, output_size: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0,  # noqa: A002
    stride: Any = 1,
) -> Tensor:  # fmt: skip
    """Sum sliding blocks back into an image: the adjoint of :func:`unfold`.

    Parameters
    ----------
    input : Tensor, shape (N, C * kh * kw, L) or (C * kh * kw, L)
    output_size : int or (int, int)
        ``(H, W)``; ``L`` must be the number of blocks that fit in it.
    kernel_size, dilation, padding, stride : int or (int, int)

    Returns
    -------
    Tensor, shape (N, C, H, W)
    """
    who = "fold"
    if input.ndim not in (2, 3):
        raise ValueError(f"{who}: expected a 2-D or 3-D input (N, C * kh * kw, L), got shape {input.shape}")
    if input.ndim == 2:
        return fold(input.unsqueeze(0), output_size, kernel_size, dilation, padding, stride).squeeze(0)
    k, d, p, s = _geometry(who, kernel_size, dilation, padding, stride)
    h, w = int_pair(who, "output_size", output_size)
    n, ckk, length = input.shape
    taps = k[0] * k[1]
    blocks = [(size + 2 * pp - dd * (kk - 1) - 1) // ss + 1
              for size, kk, ss, pp, dd in zip((h, w), k, s, p, d)]  # fmt: skip
    if ckk % taps:
        raise ValueError(
            f"{who}: expected the size of dim 1 ({ckk}) to be divisible by the kernel's "
            f"{taps} taps"
        )
    if min(blocks) < 1 or blocks[0] * blocks[1] != length:
        raise ValueError(
            f"{who}: an output of {(h, w)} holds {max(blocks[0], 0)} x {max(blocks[1], 0)} blocks "
            f"of kernel {k} (dilation {d}, padding {p}, stride {s}), but the input has L={length}"
        )
    c = ckk // taps
    extra = tuple(
        size + 2 * pp - dd * (kk - 1) - 1 - (b - 1) * ss
        for size, kk, ss, pp, dd, b in zip((h, w), k, s, p, d, blocks)
    )
    grid = input.reshape(n, ckk, blocks[0], blocks[1])
    return conv_transpose2d(grid, _one_hot_kernels(c, k, input), None, s, p, extra, c, d)
