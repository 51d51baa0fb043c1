"""3-D pooling layers: ``MaxPool3d``, ``AvgPool3d``, ``AdaptiveMaxPool3d`` (see
:mod:`glassnet.ops.pool3d`)."""

from __future__ import annotations

from typing import Any

from ..._validate import positive_int
from ...ops.conv3d import triple
from ...ops.pool3d import adaptive_max_pool3d, avg_pool3d, max_pool3d
from ...ops.pool_more import _sizes
from ...tensor import Tensor
from ..module import Module

__all__ = ["MaxPool3d", "AvgPool3d", "AdaptiveMaxPool3d"]


def _window(who: str, kernel_size: Any, stride: Any, padding: Any, dilation: Any) -> None:
    """Validate a window at construction (the op validates it against the input)."""
    k = triple(who, "kernel_size", kernel_size)
    if stride is not None:
        triple(who, "stride", stride)
    p = triple(who, "padding", padding, minimum=0)
    triple(who, "dilation", dilation)
    if any(pd > kk // 2 for pd, kk in zip(p, k)):  # PyTorch's rule: the kernel, not dilated
        raise ValueError(
            f"{who}: padding must be at most half the kernel size, got padding {padding!r} "
            f"for kernel_size {kernel_size!r}"
        )


class MaxPool3d(Module):
    """Maximum over ``kD x kH x kW`` windows moved by ``stride`` (PyTorch's ``MaxPool3d``).

    Parameters
    ----------
    kernel_size : int or (int, int, int)
    stride : int or (int, int, int), optional
        Defaults to ``kernel_size``.
    padding : int or (int, int, int), default 0
        ``-inf`` on both sides, at most half the kernel.
    dilation : int or (int, int, int), default 1
    return_indices : bool, default False
        Also return each maximum's position ``(d * H + h) * W + w`` in its channel.
    ceil_mode : bool, default False

    Shape
    -----
    - Input: ``(N, C, D, H, W)`` or ``(C, D, H, W)``
    - Output: ``(N, C, D_out, H_out, W_out)`` or ``(C, D_out, H_out, W_out)``,
      ``D_out = floor((D + 2*padding - dilation*(kD - 1) - 1) / stride) + 1`` (``ceil``
      with ``ceil_mode``)
    """

    def __init__(
        self,
        kernel_size: int | tuple[int, int, int],
        stride: int | tuple[int, int, int] | None = None,
        padding: int | tuple[int, int, int] = 0,
        dilation: int | tuple[int, int, int] = 1,
        return_indices: bool = False,
        ceil_mode: bool = False,
    ) -> None:
        super().__init__()
        _window("MaxPool3d", kernel_size, stride, padding, dilation)
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = bool(return_indices), bool(ceil_mode)

    def forward(self, x: Tensor) -> Tensor | tuple[Tensor, Tensor]:
        return max_pool3d(x, self.kernel_size, self.stride, self.padding, self.dilation,
                          self.ceil_mode, self.return_indices)  # fmt: skip

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )


class AvgPool3d(Module):
    """Mean over ``kD x kH x kW`` windows moved by ``stride`` (PyTorch's ``AvgPool3d``).

    Parameters
    ----------
    kernel_size : int or (int, int, int)
    stride : int or (int, int, int), optional
        Defaults to ``kernel_size``.
    padding : int or (int, int, int), default 0
        Zeros on both sides, at most half the kernel.
    ceil_mode : bool, default False
    count_include_pad : bool, default True
        Count padded zeros in the divisor.
    divisor_override : int, optional
        Divide every window's sum by this instead.

    Shape
    -----
    - Input: ``(N, C, D, H, W)`` or ``(C, D, H, W)``
    - Output: ``(N, C, D_out, H_out, W_out)`` or ``(C, D_out, H_out, W_out)``
    """

    def __init__(
        self,
        kernel_size: int | tuple[int, int, int],
        stride: int | tuple[int, int, int] | None = None,
        padding: int | tuple[int, int, int] = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
        divisor_override: int | None = None,
    ) -> None:
        super().__init__()
        _window("AvgPool3d", kernel_size, stride, padding, 1)
        if divisor_override is not None:
            divisor_override = positive_int("AvgPool3d", "divisor_override", divisor_override)
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding, self.ceil_mode = padding, bool(ceil_mode)
        self.count_include_pad, self.divisor_override = bool(count_include_pad), divisor_override

    def forward(self, x: Tensor) -> Tensor:
        return avg_pool3d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                          self.count_include_pad, self.divisor_override)  # fmt: skip

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveMaxPool3d(Module):
    """Max pooling to a fixed ``output_size`` whatever the input size (PyTorch's bins).

    Parameters
    ----------
    output_size : int or (int or None, int or None, int or None)
        ``(D_out, H_out, W_out)``; ``None`` keeps that input size.
    return_indices : bool, default False
        Also return each maximum's position ``(d * H + h) * W + w`` in its channel.

    Shape
    -----
    - Input: ``(N, C, D, H, W)`` or ``(C, D, H, W)``
    - Output: ``(N, C, D_out, H_out, W_out)`` or ``(C, D_out, H_out, W_out)``
    """

    def __init__(self, output_size: Any, return_indices: bool = False) -> None:
        super().__init__()
        _sizes("AdaptiveMaxPool3d", output_size, (1, 1, 1))
        self.output_size = output_size
        self.return_indices = bool(return_indices)

    def forward(self, x: Tensor) -> Tensor | tuple[Tensor, Tensor]:
        return adaptive_max_pool3d(x, self.output_size, self.return_indices)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"
