"""1-D pooling and adaptive max/avg pooling layers (see :mod:`glassnet.ops.pool_more`)."""

from __future__ import annotations

from typing import Any

from ...ops import pool_more as Q
from ...tensor import Tensor
from ..module import Module

__all__ = [
    "MaxPool1d", "AvgPool1d", "AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "AdaptiveAvgPool1d",
    "AdaptiveAvgPool3d",
]  # fmt: skip


def _single(value: Any) -> tuple:
    """``value`` as a 1-tuple (a tuple or list is kept as a tuple)."""
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


class MaxPool1d(Module):
    """Maximum over windows along the length (PyTorch's ``MaxPool1d``).

    Parameters
    ----------
    kernel_size : int
    stride : int, optional
        Defaults to ``kernel_size``.
    padding : int, default 0
    dilation : int, default 1
    return_indices : bool, default False
        Also return each maximum's position along the length (for ``MaxUnpool1d``).
    ceil_mode : bool, default False

    Shape
    -----
    - Input: ``(N, C, L)`` or ``(C, L)``; Output: ``(N, C, L_out)``
    """

    def __init__(
        self, kernel_size: int, stride: int | None = None, padding: int = 0, dilation: int = 1,
        return_indices: bool = False, ceil_mode: bool = False,
    ) -> None:  # fmt: skip
        super().__init__()
        self.return_indices = bool(return_indices)
        self.kernel_size, self.stride = kernel_size, kernel_size if stride is None else stride
        self.padding, self.dilation, self.ceil_mode = padding, dilation, bool(ceil_mode)

    def forward(self, x: Tensor) -> Tensor:
        return Q.max_pool1d(
            x, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode,
            self.return_indices,
        )  # fmt: skip

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )


class AvgPool1d(Module):
    """Mean over windows along the length (PyTorch's ``AvgPool1d``).

    Parameters
    ----------
    kernel_size : int
    stride : int, optional
    padding : int, default 0
    ceil_mode : bool, default False
    count_include_pad : bool, default True

    Shape
    -----
    - Input: ``(N, C, L)`` or ``(C, L)``; Output: ``(N, C, L_out)``
    """

    def __init__(
        self, kernel_size: int, stride: int | None = None, padding: int = 0,
        ceil_mode: bool = False, count_include_pad: bool = True,
    ) -> None:  # fmt: skip
        super().__init__()
        # 1-tuples, as PyTorch's AvgPool1d keeps them
        self.kernel_size = _single(kernel_size)
        self.stride = self.kernel_size if stride is None else _single(stride)
        self.padding, self.ceil_mode = _single(padding), bool(ceil_mode)
        self.count_include_pad = bool(count_include_pad)

    def forward(self, x: Tensor) -> Tensor:
        return Q.avg_pool1d(
            x, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad
        )

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveMaxPool2d(Module):
    """Max pooling to a fixed ``output_size`` (PyTorch's bins).

    Parameters
    ----------
    output_size : int or (int or None, int or None)
    return_indices : bool, default False
        Also return each maximum's position ``h * W + w`` (for ``MaxUnpool2d``).

    Shape
    -----
    - Input: ``(N, C, H, W)`` or ``(C, H, W)``; Output: ``(N, C, H_out, W_out)``
    """

    def __init__(self, output_size: Any, return_indices: bool = False) -> None:
        super().__init__()
        self.return_indices = bool(return_indices)
        self.output_size = output_size

    def forward(self, x: Tensor) -> Tensor:
        return Q.adaptive_max_pool2d(x, self.output_size, self.return_indices)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveMaxPool1d(Module):
    """Max pooling of ``(N, C, L)`` to ``(N, C, output_size)``."""

    def __init__(self, output_size: int, return_indices: bool = False) -> None:
        super().__init__()
        self.return_indices = bool(return_indices)
        self.output_size = output_size

    def forward(self, x: Tensor) -> Tensor:
        return Q.adaptive_max_pool1d(x, self.output_size, self.return_indices)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(Module):
    """Average pooling of ``(N, C, L)`` to ``(N, C, output_size)``."""

    def __init__(self, output_size: int) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, x: Tensor) -> Tensor:
        return Q.adaptive_avg_pool1d(x, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveAvgPool3d(Module):
    """Average pooling of ``(N, C, D, H, W)`` or ``(C, D, H, W)`` to ``output_size`` (PyTorch's bins).

    Parameters
    ----------
    output_size : int or (int or None, int or None, int or None)
    """

    def __init__(self, output_size: Any) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, x: Tensor) -> Tensor:
        return Q.adaptive_avg_pool3d(x, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"
