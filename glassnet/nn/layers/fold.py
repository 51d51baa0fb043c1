"""``nn.Unfold`` and ``nn.Fold``: sliding blocks to columns and back (see :mod:`glassnet.ops.fold`)."""

from __future__ import annotations

from typing import Any

from ...ops import fold as FO
from ...tensor import Tensor
from ..module import Module

__all__ = ["Unfold", "Fold"]


class Unfold(Module):
    """Extract sliding ``kernel_size`` blocks of each channel as columns.

    Parameters
    ----------
    kernel_size : int or (int, int)
    dilation, padding, stride : int or (int, int)

    Shape
    -----
    - Input: ``(N, C, H, W)`` or ``(C, H, W)``
    - Output: ``(N, C * kh * kw, L)``, ``L`` the number of blocks
    """

    def __init__(self, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1) -> None:
        super().__init__()
        FO._geometry("Unfold", kernel_size, dilation, padding, stride)
        self.kernel_size, self.dilation = kernel_size, dilation
        self.padding, self.stride = padding, stride

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        try:
            return FO.unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)
        except ValueError as err:  # e.g. a kernel larger than the padded input (conv2d's words)
            if str(err).startswith("unfold"):
                raise
            raise ValueError(f"Unfold: {err}") from err

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, dilation={self.dilation}, padding={self.padding}, "
            f"stride={self.stride}"
        )


class Fold(Module):
    """Sum columns of sliding blocks back into an ``output_size`` image (the adjoint of ``Unfold``).

    Parameters
    ----------
    output_size : int or (int, int)
    kernel_size : int or (int, int)
    dilation, padding, stride : int or (int, int)

    Shape
    -----
    - Input: ``(N, C * kh * kw, L)`` or ``(C * kh * kw, L)``
    - Output: ``(N, C, H, W)`` or ``(C, H, W)``
    """

    def __init__(
        self, output_size: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
        stride: Any = 1,
    ) -> None:  # fmt: skip
        super().__init__()
        FO._geometry("Fold", kernel_size, dilation, padding, stride)
        self.output_size, self.kernel_size, self.dilation = output_size, kernel_size, dilation
        self.padding, self.stride = padding, stride

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return FO.fold(
            input, self.output_size, self.kernel_size, self.dilation, self.padding, self.stride
        )

    def extra_repr(self) -> str:
        return (
            f"output_size={self.output_size}, kernel_size={self.kernel_size}, "
            f"dilation={self.dilation}, padding={self.padding}, stride={self.stride}"
        )
