"""``ConvTranspose1d`` and ``ConvTranspose2d`` (PyTorch's arguments, parameter shapes and init)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..._errors import ShapeError
from ...backend import default_dtype
from ...ops.conv_transpose import (
    _tuple,
    conv_transpose1d,
    conv_transpose2d,
    conv_transpose_output_size,
)
from ...tensor import Tensor
from .. import init
from ..module import Module, Parameter
from ._checks import positive_int

__all__ = ["ConvTranspose1d", "ConvTranspose2d"]


class _ConvTransposeNd(Module):
    _n = 2

    def __init__(
        self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
        padding: Any = 0, output_padding: Any = 0, groups: int = 1, bias: bool = True,
        dilation: Any = 1, padding_mode: str = "zeros", device: Any = None, dtype: Any = None,
    ) -> None:  # fmt: skip
        super().__init__()
        who = type(self).__name__
        self.in_channels = positive_int(who, "in_channels", in_channels)
        self.out_channels = positive_int(who, "out_channels", out_channels)
        self.groups = positive_int(who, "groups", groups)
        if in_channels % groups or out_channels % groups:
            raise ValueError(
                f"{who}: in_channels ({in_channels}) and out_channels ({out_channels}) must be "
                f"divisible by groups ({groups})"
            )
        if padding_mode != "zeros":
            raise ValueError(f"{who}: only padding_mode='zeros' is supported, got {padding_mode!r}")
        n = self._n
        self.kernel_size = _tuple(who, "kernel_size", kernel_size, n, 1)
        self.stride = _tuple(who, "stride", stride, n, 1)
        self.padding = _tuple(who, "padding", padding, n, 0)
        self.output_padding = _tuple(who, "output_padding", output_padding, n, 0)
        self.dilation, self.padding_mode = _tuple(who, "dilation", dilation, n, 1), padding_mode
        dt = np.dtype(dtype) if dtype is not None else default_dtype()
        shape = (in_channels, out_channels // groups, *self.kernel_size)
        self.weight = Parameter(np.empty(shape, dtype=dt))
        if bias:
            self.bias = Parameter(np.empty((out_channels,), dtype=dt))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()
        if device is not None:
            self.to(device)

    def reset_parameters(self) -> None:
        """PyTorch's: Kaiming-uniform with ``a = sqrt(5)`` on the weight, fan-in from its axis 1."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.weight.shape[1] * int(np.prod(self.kernel_size))
            bound = 1 / math.sqrt(fan_in) if fan_in else 0.0
            init.uniform_(self.bias, -bound, bound)

    def _output_padding(self, x: Tensor, output_size: Any) -> tuple[int, ...]:
        """The ``output_padding`` that yields ``output_size`` (PyTorch's ``forward(x, output_size)``)."""
        if output_size is None:
            return self.output_padding
        n = self._n
        sizes = tuple(output_size)
        outer = x.ndim - n  # batch and channel axes (channel only, unbatched)
        if len(sizes) not in (n, n + outer):
            raise ValueError(
                f"{type(self).__name__}: for a {x.ndim}-D input, output_size must have {n} or "
                f"{n + outer} elements, got {len(sizes)} ({sizes})"
            )
        want = sizes[-n:]
        spatial = x.shape[-n:]
        pads = []
        for i in range(n):
            low = conv_transpose_output_size(
                spatial[i], self.kernel_size[i], self.stride[i], self.padding[i], 0, self.dilation[i]
            )
            extra = want[i] - low
            if not 0 <= extra < self.stride[i]:  # torch: sizes up to low + stride - 1
                raise ValueError(
                    f"{self!r}: output_size {tuple(output_size)} is not reachable from input "
                    f"{x.shape}; sizes {low}..{low + self.stride[i] - 1} are on axis {i}"
                )
            pads.append(extra)
        return tuple(pads)

    def extra_repr(self) -> str:
        s = (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}"
        )
        if any(self.padding):
            s += f", padding={self.padding}"
        if any(d != 1 for d in self.dilation):
            s += f", dilation={self.dilation}"
        if any(self.output_padding):
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        return s


class ConvTranspose2d(_ConvTransposeNd):
    """Transposed 2-D convolution (learnt upsampling), as ``torch.nn.ConvTranspose2d``.

    Parameters
    ----------
    in_channels, out_channels : int
    kernel_size : int or (int, int)
    stride, padding, output_padding, dilation : int or (int, int)
    groups : int, default 1
    bias : bool, default True
    padding_mode : {'zeros'}
    device, dtype : optional

    Shape
    -----
    - Input: ``(N, C_in, H, W)`` or ``(C_in, H, W)``
    - Output: ``(N, C_out, H_out, W_out)``,
      ``H_out = (H - 1) stride - 2 padding + dilation (kH - 1) + output_padding + 1``

    Attributes
    ----------
    weight : Parameter, shape (C_in, C_out / groups, kH, kW)
    bias : Parameter, shape (C_out,)
    """

    _n = 2

    def forward(self, x: Tensor, output_size: Any = None) -> Tensor:
        if x.ndim not in (3, 4) or x.shape[-3] != self.in_channels:
            raise ShapeError(
                f"{self!r}: expected input of shape (N, {self.in_channels}, H, W), got {x.shape}"
            )
        return conv_transpose2d(
            x, self.weight, self.bias, self.stride, self.padding,
            self._output_padding(x, output_size), self.groups, self.dilation,
        )  # fmt: skip


class ConvTranspose1d(_ConvTransposeNd):
    """Transposed 1-D convolution, as ``torch.nn.ConvTranspose1d``.

    Parameters
    ----------
    in_channels, out_channels : int
    kernel_size, stride, padding, output_padding, dilation : int
    groups : int, default 1
    bias : bool, default True

    Shape
    -----
    - Input: ``(N, C_in, L)`` or ``(C_in, L)``
    - Output: ``(N, C_out, L_out)``

    Attributes
    ----------
    weight : Parameter, shape (C_in, C_out / groups, k)
    """

    _n = 1

    def forward(self, x: Tensor, output_size: Any = None) -> Tensor:
        if x.ndim not in (2, 3) or x.shape[-2] != self.in_channels:
            raise ShapeError(
                f"{self!r}: expected input of shape (N, {self.in_channels}, L), got {x.shape}"
            )
        return conv_transpose1d(
            x, self.weight, self.bias, self.stride, self.padding,
            self._output_padding(x, output_size), self.groups, self.dilation,
        )  # fmt: skip
