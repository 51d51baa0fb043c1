"""``LPPool1d`` and ``LPPool2d``: the ``p``-norm of each pooling window."""

from __future__ import annotations

from typing import Any

from ...ops.lp_pool import lp_pool1d, lp_pool2d, lp_pool_args
from ...tensor import Tensor
from ..module import Module

__all__ = ["LPPool1d", "LPPool2d"]


class _LPPoolNd(Module):
    dims = 2

    def __init__(
        self, norm_type: float, kernel_size: Any, stride: Any = None, ceil_mode: bool = False
    ) -> None:
        super().__init__()
        lp_pool_args(type(self).__name__, norm_type, kernel_size, stride, ceil_mode, self.dims)
        self.norm_type, self.kernel_size = norm_type, kernel_size
        self.stride, self.ceil_mode = stride, ceil_mode

    def extra_repr(self) -> str:
        return (
            f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, stride={self.stride}, "
            f"ceil_mode={self.ceil_mode}"
        )


class LPPool1d(_LPPoolNd):
    """``(sum_window x^p)^(1/p)`` over windows along the length (PyTorch's ``LPPool1d``).

    Parameters
    ----------
    norm_type : float
        ``p``: 1 gives sum pooling; large values approach max pooling.
    kernel_size : int
    stride : int, optional
        Defaults to ``kernel_size``.
    ceil_mode : bool, default False

    Shape
    -----
    - Input: ``(N, C, L)`` or ``(C, L)``
    - Output: ``(N, C, L_out)`` or ``(C, L_out)``, ``L_out = floor((L - k) / stride) + 1``
    """

    dims = 1

    def __init__(
        self, norm_type: float, kernel_size: int, stride: int | None = None, ceil_mode: bool = False
    ) -> None:
        super().__init__(norm_type, kernel_size, stride, ceil_mode)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return lp_pool1d(input, self.norm_type, self.kernel_size, self.stride, self.ceil_mode)


class LPPool2d(_LPPoolNd):
    """``(sum_window x^p)^(1/p)`` over 2-D windows (PyTorch's ``LPPool2d``).

    Parameters
    ----------
    norm_type : float
        ``p``.
    kernel_size : int or (int, int)
    stride : int or (int, int), optional
        Defaults to ``kernel_size``.
    ceil_mode : bool, default False

    Shape
    -----
    - Input: ``(N, C, H, W)`` or ``(C, H, W)``
    - Output: ``(N, C, H_out, W_out)`` or ``(C, H_out, W_out)``
    """

    def __init__(
        self,
        norm_type: float,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] | None = None,
        ceil_mode: bool = False,
    ) -> None:
        super().__init__(norm_type, kernel_size, stride, ceil_mode)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return lp_pool2d(input, self.norm_type, self.kernel_size, self.stride, self.ceil_mode)
