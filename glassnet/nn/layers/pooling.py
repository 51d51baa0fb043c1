"""Pooling layers: ``MaxPool2d``, ``AvgPool2d``, ``AdaptiveAvgPool2d``, ``GlobalAvgPool2d``."""

from __future__ import annotations

from typing import Any

from ..._errors import ShapeError
from ..._validate import positive_int
from ...ops._im2col import pair
from ...ops.pool import (
    _adaptive_size,
    adaptive_avg_pool2d,
    avg_pool2d,
    check_pool_padding,
    global_avg_pool2d,
    max_pool2d,
    pool_geometry,
)
from ...tensor import Tensor
from ..module import Module
from ._checks import unbatched
from .activation import ReLU

__all__ = ["MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d", "GlobalAvgPool2d"]


def _check_4d(layer: Module, x: Tensor, *, unbatched_ok: bool = True) -> None:
    """Raise unless ``x`` is ``(N, C, H, W)``; the message names ``(C, H, W)`` too where the
    layer takes one unbatched sample (which it has turned into a batch of one already)."""
    if x.ndim != 4:
        also = " or (C, H, W)" if unbatched_ok else ""
        raise ShapeError(
            f"{layer!r}: expected input of shape (N, C, H, W){also}, got {tuple(x.shape)}"
        )


def _window(who: str, kernel_size: Any, stride: Any, padding: Any, dilation: Any) -> tuple:
    k = pair(who, "kernel_size", kernel_size)
    s = k if stride is None else pair(who, "stride", stride)
    p = pair(who, "padding", padding, minimum=0)
    d = pair(who, "dilation", dilation)
    check_pool_padding(who, k, p, padding)  # kernel_size // 2, not dilated (PyTorch's rule)
    return k, s, p, d


class MaxPool2d(Module):
    """Maximum over ``kernel_size`` windows moved by ``stride`` (PyTorch's ``MaxPool2d``).

    The seed's ``max_pool(ksize=2, strides=2)`` halves height and width:
    ``H_out = floor((H + 2*padding - dilation*(kernel_size - 1) - 1) / stride) + 1``
    (``ceil`` with ``ceil_mode=True``). The gradient flows to the first
    maximum of each window.

    Parameters
    ----------
    kernel_size : int or (int, int)
    stride : int or (int, int), optional
        Defaults to ``kernel_size``.
    padding : int or (int, int), default 0
        ``-inf`` on both sides, at most half the kernel.
    dilation : int or (int, int), default 1
    return_indices : bool, default False
        Also return each maximum's position ``h * W + w`` (for ``MaxUnpool2d``).
    ceil_mode : bool, default False

    Arguments are PyTorch's, in PyTorch's order: ``MaxPool2d(2, 2)``.

    Shape
    -----
    - Input: ``(N, C, H, W)`` or ``(C, H, W)``
    - Output: ``(N, C, H_out, W_out)`` or ``(C, H_out, W_out)``
    """

    def __init__(
        self,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] | None = None,
        padding: int | tuple[int, int] = 0,
        dilation: int | tuple[int, int] = 1,
        return_indices: bool = False,
        ceil_mode: bool = False,
    ) -> None:
        super().__init__()
        self.return_indices = bool(return_indices)
        self._k, self._s, self._p, self._d = _window(
            "MaxPool2d", kernel_size, stride, padding, dilation
        )
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding = padding
        self.dilation = dilation
        self.ceil_mode = bool(ceil_mode)

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim == 3:  # (C, H, W): one sample, as PyTorch accepts
            return unbatched(self.forward, x)
        _check_4d(self, x)
        pool_geometry(
            repr(self), tuple(x.shape[2:]), self._k, self._s, self._p, self._d, self.ceil_mode
        )
        return max_pool2d(
            x, self._k, self._s, self._p, self._d, self.ceil_mode, self.return_indices
        )

    def is_plain_2x2(self) -> bool:
        """Whether this pools 2x2 windows with stride 2, no padding, no dilation, floor mode."""
        return (
            self._k == (2, 2) and self._s == (2, 2) and self._p == (0, 0)
            and self._d == (1, 1) and not self.ceil_mode and not self.return_indices
        )  # fmt: skip

    def runs_before(self, previous: Module) -> bool:
        """True after a ``ReLU``: ``Sequential`` then pools first, and the ReLU works on
        the pooled, smaller array (a quarter of the elements for 2x2 windows).

        ReLU is non-decreasing, so the maximum of a window commutes with it and the
        values are the same. So are the gradients: both orders send each window's
        gradient to its first maximum; where ReLU makes new ties (among values <= 0)
        the window's maximum is not positive and both orders give it zero. Only the
        exact ``ReLU`` class qualifies (a subclass may compute something else).
        """
        return type(previous) is ReLU and not self.return_indices

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )


class AvgPool2d(Module):
    """Mean over ``kernel_size`` windows moved by ``stride`` (PyTorch's ``AvgPool2d``).

    Parameters
    ----------
    kernel_size : int or (int, int)
    stride : int or (int, int), optional
        Defaults to ``kernel_size``.
    padding : int or (int, int), default 0
        Zeros on both sides, at most half the kernel.
    ceil_mode : bool, default False
    count_include_pad : bool, default True
        Count padded zeros in the divisor.
    divisor_override : int, optional
        Divide every window's sum by this instead (``count_include_pad`` has no effect).

    Arguments are PyTorch's, in PyTorch's order: ``AvgPool2d(2, 2)``.

    Shape
    -----
    - Input: ``(N, C, H, W)`` or ``(C, H, W)``
    - Output: ``(N, C, H_out, W_out)`` or ``(C, H_out, W_out)``, ``H_out = floor((H + 2*padding - kernel_size) / stride) + 1``
    """

    def __init__(
        self,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] | None = None,
        padding: int | tuple[int, int] = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
        divisor_override: int | None = None,
    ) -> None:
        super().__init__()
        self._k, self._s, self._p, _ = _window("AvgPool2d", kernel_size, stride, padding, 1)
        if divisor_override is not None:
            divisor_override = positive_int("AvgPool2d", "divisor_override", divisor_override)
        self.divisor_override = divisor_override
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding = padding
        self.ceil_mode = bool(ceil_mode)
        self.count_include_pad = bool(count_include_pad)

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim == 3:  # (C, H, W): one sample, as PyTorch accepts
            return unbatched(self.forward, x)
        _check_4d(self, x)
        pool_geometry(
            repr(self), tuple(x.shape[2:]), self._k, self._s, self._p, (1, 1), self.ceil_mode
        )
        return avg_pool2d(
            x, self._k, self._s, self._p, self.ceil_mode, self.count_include_pad,
            self.divisor_override,
        )  # fmt: skip

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    """Average pooling to a fixed ``output_size`` whatever the input size (PyTorch's bins).

    Parameters
    ----------
    output_size : int or (int or None, int or None)
        ``(H_out, W_out)``; ``None`` keeps that input dimension.

    Shape
    -----
    - Input: ``(N, C, H, W)`` or ``(C, H, W)``
    - Output: ``(N, C, H_out, W_out)`` or ``(C, H_out, W_out)``
    """

    def __init__(self, output_size: int | tuple[int | None, int | None]) -> None:
        super().__init__()
        _adaptive_size("AdaptiveAvgPool2d", output_size, (1, 1))
        self.output_size = output_size

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim == 3:  # (C, H, W): one sample, as PyTorch accepts
            return unbatched(self.forward, x)
        _check_4d(self, x)
        return adaptive_avg_pool2d(x, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class GlobalAvgPool2d(Module):
    """Mean over height and width: the seed's global average pooling (Keras's
    ``GlobalAveragePooling2D``), which stands in for a fully connected layer.

    Parameters
    ----------
    keepdims : bool, default False
        Keep the spatial dimensions as size 1.

    Shape
    -----
    - Input: ``(N, C, H, W)``
    - Output: ``(N, C)``, or ``(N, C, 1, 1)`` with ``keepdims``
    """

    def __init__(self, *, keepdims: bool = False) -> None:
        super().__init__()
        self.keepdims = bool(keepdims)

    def forward(self, x: Tensor) -> Tensor:
        _check_4d(self, x, unbatched_ok=False)
        return global_avg_pool2d(x, keepdims=self.keepdims)

    def extra_repr(self) -> str:
        return "keepdims=True" if self.keepdims else ""
