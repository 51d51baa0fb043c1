"""Convolution layers: ``Conv2d`` and ``Conv1d``."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..._errors import ShapeError
from ..._validate import is_int, one_of
from ...backend import default_dtype
from ...ops._im2col import pair, resolve_conv_padding
from ...ops._workspace import Workspace
from ...ops.conv import conv1d, conv2d, conv_output_shape
from ...ops.conv_fused import conv2d_relu_maxpool2
from ...ops.resize import pad as _pad
from ...tensor import Tensor
from .. import init
from ..module import Module, Parameter
from ._checks import positive_int, unbatched
from .activation import ReLU
from .pooling import MaxPool2d

__all__ = ["Conv2d", "Conv1d"]

# padding_mode (PyTorch's names) -> F.pad's mode
_PAD_MODES = {
    "zeros": "constant",
    "reflect": "reflect",
    "replicate": "replicate",
    "circular": "circular",
}


def _groups(who: str, groups: Any, in_channels: int, out_channels: int) -> int:
    groups = positive_int(who, "groups", groups)
    if in_channels % groups or out_channels % groups:
        raise ValueError(
            f"{who}: groups={groups} must divide in_channels={in_channels} and "
            f"out_channels={out_channels}"
        )
    return groups


class _ConvBase(Module):
    """Parameters, initialisation and input checks shared by the convolution layers."""

    _who = "Conv"
    _dims = 2

    def _setup(
        self,
        in_channels: int,
        out_channels: int,
        kernel: tuple[int, ...],
        groups: int,
        bias: bool,
        dtype: Any,
        device: Any = None,
    ) -> None:
        dt = np.dtype(dtype) if dtype is not None else default_dtype()
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.groups = groups
        self.weight = Parameter(np.empty((out_channels, in_channels // groups, *kernel), dtype=dt))
        if bias:
            self.bias = Parameter(np.empty((out_channels,), dtype=dt))
        else:
            self.register_parameter("bias", None)
        # column buffers reused from one step to the next (see glassnet.ops._workspace.Workspace)
        self.workspace = Workspace()
        self.reset_parameters()
        if device is not None:
            self.to(device)

    def _padded(self, x: Tensor) -> Tensor:
        """``x`` padded in ``padding_mode`` when it is not ``'zeros'`` (the conv then pads nothing)."""
        top, bottom, left, right = self._pads
        widths = (left, right) if self._dims == 1 else (left, right, top, bottom)
        try:
            return _pad(x, widths, mode=_PAD_MODES[self.padding_mode])
        except ValueError as err:  # name the layer: its padding does not fit this input
            raise ValueError(f"{type(self).__name__}: {err}") from err

    def reset_parameters(self) -> None:
        """PyTorch's initialisation: He-uniform with ``a=sqrt(5)``, bias ``U(-1/sqrt(fan_in), ..)``."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.weight.shape[1] * int(np.prod(self.weight.shape[2:]))
            bound = 1 / math.sqrt(fan_in)
            init.uniform_(self.bias, -bound, bound)

    def _check(self, x: Tensor, spatial: str) -> None:
        """Raise unless ``x`` is ``(N, C_in, *spatial)`` or one unbatched ``(C_in, *spatial)``."""
        shape, c = tuple(x.shape), self.in_channels
        what = f"(N, {c}, {spatial}) or ({c}, {spatial})"
        if len(shape) not in (self._dims + 1, self._dims + 2):
            raise ShapeError(f"{self!r}: expected input of shape {what}, got {shape}")
        if shape[-self._dims - 1] != c:
            raise ShapeError(
                f"{self!r}: expected input of shape {what} with {c} channels, got {shape}"
            )

    def _repr_args(self, kernel: Any, stride: Any, padding: Any, dilation: Any, zero: Any) -> str:
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={kernel}, stride={stride}"
        if padding != zero:
            s += f", padding={padding}"
        if dilation != tuple(1 for _ in dilation):
            s += f", dilation={dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class Conv2d(_ConvBase):
    """2-D convolution layer (cross-correlation, PyTorch's ``Conv2d``).

    Each output channel slides a ``kH x kW x C_in`` kernel over the input,
    moving ``stride`` pixels at a time, after ``padding`` zeros are added
    around the border.

    Output size, per spatial dimension::

        H_out = floor((H + 2*P - D*(K - 1) - 1) / S) + 1

    For the seed article's example (width 7, kernel 3, stride 1, zero
    padding 1 on each side): ``floor((7 + 2 - 1*(3 - 1) - 1) / 1) + 1 = 7``.
    Zero padding keeps the width at 7 (``'same'``); it does not grow it to 11
    as the seed claims. Without padding the width shrinks to
    ``floor((7 - 2 - 1) / 1) + 1 = 5``.

    Parameters
    ----------
    in_channels : int
        ``C_in``.
    out_channels : int
        ``C_out``, the number of kernels.
    kernel_size : int or (int, int)
    stride : int or (int, int), default 1
    padding : int, (int, int), 'same' or 'valid', default 0
        ``'same'`` keeps ``H`` and ``W`` (stride 1 only; with an even kernel
        the extra zero goes bottom/right, as in PyTorch).
    dilation : int or (int, int), default 1
    groups : int, default 1
        Must divide both channel counts; ``groups == in_channels`` is depthwise.
    bias : bool, default True
    padding_mode : {'zeros', 'reflect', 'replicate', 'circular'}, default 'zeros'
        What the border padding holds.
    device : device, optional
        Where the parameters live (the CPU by default).
    dtype : dtype, optional
        Parameter dtype (float32 by default).

    Arguments are PyTorch's, in PyTorch's order: ``Conv2d(1, 32, 3, 1, 1)``.

    Shape
    -----
    - Input: ``(N, C_in, H, W)`` or ``(C_in, H, W)``
    - Output: ``(N, C_out, H_out, W_out)`` (channels-last in memory; an NCHW view), or
      ``(C_out, H_out, W_out)``

    Attributes
    ----------
    weight : Parameter, shape (C_out, C_in / groups, kH, kW)
        The seed's ``[OutputChannels, InputChannels, KernelHeight, KernelWidth]``.
    bias : Parameter, shape (C_out,)
    workspace : Workspace
        Column buffers kept between steps; ``workspace.clear()`` frees them.

    Examples
    --------
    >>> conv = Conv2d(1, 32, 3, padding=1)
    >>> conv(gn.zeros(8, 1, 28, 28)).shape
    (8, 32, 28, 28)
    """

    _who = "Conv2d"
    _dims = 2

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] = 1,
        padding: int | tuple[int, int] | str = 0,
        dilation: int | tuple[int, int] = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        who = "Conv2d"
        in_channels = positive_int(who, "in_channels", in_channels)
        out_channels = positive_int(who, "out_channels", out_channels)
        self.kernel_size = pair(who, "kernel_size", kernel_size)
        self.stride = pair(who, "stride", stride)
        self.dilation = pair(who, "dilation", dilation)
        pads = resolve_conv_padding(who, padding, self.kernel_size, self.stride, self.dilation)
        self.padding = padding if isinstance(padding, str) else (pads[0], pads[2])
        groups = _groups(who, groups, in_channels, out_channels)
        self.padding_mode = one_of(who, "padding_mode", padding_mode, tuple(_PAD_MODES))
        self._setup(in_channels, out_channels, self.kernel_size, groups, bias, dtype, device)

    @property
    def _pads(self) -> tuple[int, int, int, int]:
        """Zeros at the top, bottom, left and right, from the current ``padding`` (which a
        user may change after construction)."""
        return resolve_conv_padding(
            "Conv2d", self.padding, self.kernel_size, self.stride, self.dilation
        )

    def forward(self, x: Tensor) -> Tensor:
        self._check(x, "H, W")
        if x.ndim == 3:  # (C_in, H, W): one sample, as PyTorch accepts
            return unbatched(self.forward, x)
        conv_output_shape(repr(self), tuple(x.shape[2:]), self.kernel_size, self.stride,
                          self._pads, self.dilation)  # fmt: skip
        padding: Any = self.padding
        if self.padding_mode != "zeros":
            x, padding = self._padded(x), 0
        return conv2d(
            x, self.weight, self.bias, self.stride, padding, self.dilation, self.groups,
            workspace=self.workspace,
        )  # fmt: skip

    def inference_fusion(self, following: Sequence[Module]) -> tuple[int, Callable] | None:
        """``(2, fn)`` when a ``ReLU`` and a 2x2 ``MaxPool2d`` (stride 2, no padding, no
        dilation) follow: without a graph ``Sequential`` then runs the three as one blocked
        pass that never writes the full-size convolution output
        (:func:`glassnet.ops.conv_fused.conv2d_relu_maxpool2`). Exact classes only (a
        subclass may compute something else); zero padding mode, no groups."""
        if (
            type(self) is not Conv2d
            or self.padding_mode != "zeros"
            or self.groups != 1
            or len(following) < 2
            or type(following[0]) is not ReLU
            or type(following[1]) is not MaxPool2d
            or not following[1].is_plain_2x2()
        ):
            return None
        return 2, self._relu_pool

    def graph_fusion(self, following: Sequence[Module]) -> tuple[int, Callable] | None:
        """The same block as :meth:`inference_fusion`, with a graph: one
        :class:`glassnet.ops.conv_fused.ConvReluPool2d` node in place of three, whose
        backward never writes the full-size gradient either. Used with the compiled
        kernels only (on the NumPy path ``fn`` returns None and the modules run)."""
        return self.inference_fusion(following)

    def _relu_pool(self, x: Tensor) -> Tensor | None:
        if not isinstance(x, Tensor) or x.ndim != 4:
            return None  # an array or one unbatched sample: the modules run one by one
        self._check(x, "H, W")
        conv_output_shape(repr(self), tuple(x.shape[2:]), self.kernel_size, self.stride,
                          self._pads, self.dilation)  # fmt: skip
        return conv2d_relu_maxpool2(x, self.weight, self.bias, self.stride, self._pads,
                                    self.dilation, self.workspace)  # fmt: skip

    def extra_repr(self) -> str:
        return self._repr_args(self.kernel_size, self.stride, self.padding, self.dilation, (0, 0))


class Conv1d(_ConvBase):
    """1-D convolution layer over sequences (PyTorch's ``Conv1d``).

    ``L_out = floor((L + 2*padding - dilation*(kernel_size - 1) - 1) / stride) + 1``.

    Parameters
    ----------
    in_channels, out_channels : int
    kernel_size : int
    stride : int, default 1
    padding : int, 'same' or 'valid', default 0
    dilation : int, default 1
    groups : int, default 1
    bias : bool, default True
    padding_mode : {'zeros', 'reflect', 'replicate', 'circular'}, default 'zeros'
    device, dtype : optional
        Where the parameters live and their dtype (CPU, float32 by default).

    Arguments are PyTorch's, in PyTorch's order: ``Conv1d(16, 32, 5, 1, 2)``.

    Shape
    -----
    - Input: ``(N, C_in, L)`` or ``(C_in, L)``
    - Output: ``(N, C_out, L_out)`` or ``(C_out, L_out)``

    Attributes
    ----------
    weight : Parameter, shape (C_out, C_in / groups, kernel_size)
    bias : Parameter, shape (C_out,)
    """

    _who = "Conv1d"
    _dims = 1

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        stride: int = 1,
        padding: int | str = 0,
        dilation: int = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        who = "Conv1d"
        in_channels = positive_int(who, "in_channels", in_channels)
        out_channels = positive_int(who, "out_channels", out_channels)
        self.kernel_size = (_one(who, "kernel_size", kernel_size),)
        self.stride = (_one(who, "stride", stride),)
        self.dilation = (_one(who, "dilation", dilation),)
        if isinstance(padding, str):
            if padding == "same" and self.stride != (1,):  # the message with Conv1d's stride
                raise ValueError(
                    f"{who}: padding='same' needs stride 1 (as in PyTorch), got stride {self.stride}"
                )
            resolve_conv_padding(
                who, padding, (1, self.kernel_size[0]), (1, self.stride[0]), (1, self.dilation[0])
            )  # checks the name
            self.padding: Any = padding
        else:
            self.padding = (_one(who, "padding", padding, minimum=0, extra=", 'same' or 'valid'"),)
        groups = _groups(who, groups, in_channels, out_channels)
        self.padding_mode = one_of(who, "padding_mode", padding_mode, tuple(_PAD_MODES))
        self._setup(in_channels, out_channels, self.kernel_size, groups, bias, dtype, device)

    @property
    def _pads(self) -> tuple[int, int, int, int]:
        """``(0, 0, left, right)`` from the current ``padding``."""
        if isinstance(self.padding, str):
            return resolve_conv_padding(
                "Conv1d", self.padding, (1, self.kernel_size[0]), (1, self.stride[0]),
                (1, self.dilation[0]),
            )  # fmt: skip
        p = int(self.padding[0]) if isinstance(self.padding, (tuple, list)) else int(self.padding)
        return (0, 0, p, p)

    def forward(self, x: Tensor) -> Tensor:
        self._check(x, "L")
        if x.ndim == 2:  # (C_in, L): one sample, as PyTorch accepts
            return unbatched(self.forward, x)
        conv_output_shape(repr(self), (1, x.shape[2]), (1, self.kernel_size[0]),
                          (1, self.stride[0]), self._pads, (1, self.dilation[0]), dims=1)  # fmt: skip
        padding = self.padding if isinstance(self.padding, str) else self.padding[0]
        if self.padding_mode != "zeros":
            x, padding = self._padded(x), 0
        return conv1d(
            x, self.weight, self.bias, self.stride[0], padding, self.dilation[0], self.groups,
            workspace=self.workspace,
        )  # fmt: skip

    def extra_repr(self) -> str:
        return self._repr_args(self.kernel_size, self.stride, self.padding, self.dilation, (0,))


def _one(who: str, name: str, value: Any, *, minimum: int = 1, extra: str = "") -> int:
    if isinstance(value, (tuple, list)) and len(value) == 1:
        value = value[0]
    if not is_int(value) or value < minimum:
        kind = "positive" if minimum == 1 else "non-negative"
        raise ValueError(f"{who}: {name} must be a {kind} int{extra}, got {value!r}")
    return int(value)
