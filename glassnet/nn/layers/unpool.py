"""``MaxUnpool1d``/``MaxUnpool2d``: the inverse of max pooling with ``return_indices=True``."""

from __future__ import annotations

from typing import Any

from ...ops import pool_indices as U
from ...tensor import Tensor
from ..module import Module

__all__ = ["MaxUnpool1d", "MaxUnpool2d"]


def _tuple(value: Any, k: int) -> tuple:
    """``value`` repeated to ``k`` entries (PyTorch's ``_single``/``_pair``), a sequence kept."""
    return tuple(value) if isinstance(value, (tuple, list)) else (value,) * k


class _MaxUnpool(Module):
    _fn = staticmethod(U.max_unpool2d)
    _dims = 2

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0) -> None:
        super().__init__()
        self.kernel_size = _tuple(kernel_size, self._dims)
        self.stride = _tuple(kernel_size if stride is None else stride, self._dims)
        self.padding = _tuple(padding, self._dims)
        name = type(self).__name__
        U.unpool_output_size(name, (1,) * self._dims, self.kernel_size, self.stride, self.padding, None)

    def forward(self, input: Tensor, indices: Any, output_size: Any = None) -> Tensor:  # noqa: A002
        return self._fn(input, indices, self.kernel_size, self.stride, self.padding, output_size)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(_MaxUnpool):
    """Put each value back at the position ``MaxPool1d(return_indices=True)`` found, zeros elsewhere.

    Parameters
    ----------
    kernel_size : int
    stride : int, optional
        Defaults to ``kernel_size``.
    padding : int, default 0

    Shape
    -----
    - Input, indices: ``(N, C, L_in)`` or ``(C, L_in)``
    - Output: ``(N, C, L_out)``, ``L_out = (L_in - 1) * stride - 2 * padding + kernel_size``
      unless ``output_size`` is given to ``forward``
    """

    _fn = staticmethod(U.max_unpool1d)
    _dims = 1


class MaxUnpool2d(_MaxUnpool):
    """Put each value back at the position ``MaxPool2d(return_indices=True)`` found, zeros elsewhere.

    Parameters
    ----------
    kernel_size : int or (int, int)
    stride : int or (int, int), optional
        Defaults to ``kernel_size``.
    padding : int or (int, int), default 0

    Shape
    -----
    - Input, indices: ``(N, C, H_in, W_in)`` or ``(C, H_in, W_in)``
    - Output: ``(N, C, H_out, W_out)``, ``H_out = (H_in - 1) * stride - 2 * padding + kernel``
      unless ``output_size`` is given to ``forward``
    """

    _fn = staticmethod(U.max_unpool2d)
