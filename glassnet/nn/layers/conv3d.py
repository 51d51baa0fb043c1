"""3-D convolution layers: ``Conv3d`` and ``ConvTranspose3d`` (video, medical volumes)."""

from __future__ import annotations

from typing import Any

from ..._errors import ShapeError
from ..._validate import one_of
from ...ops.conv3d import check_output_size, conv3d, conv3d_padding, conv_transpose3d, triple
from ...ops.resize import pad as _pad
from ...tensor import Tensor
from ._checks import positive_int, unbatched
from .conv import _PAD_MODES, _ConvBase, _groups
from .conv_transpose import _ConvTransposeNd

__all__ = ["Conv3d", "ConvTranspose3d"]


class Conv3d(_ConvBase):
    """3-D convolution layer (cross-correlation, PyTorch's ``Conv3d``).

    Each output channel slides a ``kD x kH x kW x C_in`` kernel over a volume (a video
    clip's frames, a scan's slices). Per spatial axis::

        D_out = floor((D + 2*P - dilation*(K - 1) - 1) / S) + 1

    Parameters
    ----------
    in_channels, out_channels : int
    kernel_size : int or (int, int, int)
    stride : int or (int, int, int), default 1
    padding : int, (int, int, int), 'same' or 'valid', default 0
        ``'same'`` keeps ``D, H, W`` (stride 1 only; with an even kernel the extra plane
        goes at the end, as in PyTorch).
    dilation : int or (int, int, int), default 1
    groups : int, default 1
        Must divide both channel counts.
    bias : bool, default True
    padding_mode : {'zeros', 'reflect', 'replicate', 'circular'}, default 'zeros'
    device, dtype : optional
        Where the parameters live and their dtype (CPU, float32 by default).

    Arguments are PyTorch's, in PyTorch's order: ``Conv3d(3, 64, (3, 7, 7), (1, 2, 2), (1, 3, 3))``.

    Shape
    -----
    - Input: ``(N, C_in, D, H, W)`` or ``(C_in, D, H, W)``
    - Output: ``(N, C_out, D_out, H_out, W_out)`` or ``(C_out, D_out, H_out, W_out)``

    Attributes
    ----------
    weight : Parameter, shape (C_out, C_in / groups, kD, kH, kW)
    bias : Parameter, shape (C_out,)

    Examples
    --------
    >>> conv = Conv3d(3, 8, 3, padding=1)
    >>> conv(gn.zeros(2, 3, 4, 16, 16)).shape
    (2, 8, 4, 16, 16)
    """

    _who = "Conv3d"
    _dims = 3

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, int, int],
        stride: int | tuple[int, int, int] = 1,
        padding: int | tuple[int, int, int] | str = 0,
        dilation: int | tuple[int, int, int] = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        who = "Conv3d"
        in_channels = positive_int(who, "in_channels", in_channels)
        out_channels = positive_int(who, "out_channels", out_channels)
        self.kernel_size = triple(who, "kernel_size", kernel_size)
        self.stride = triple(who, "stride", stride)
        self.dilation = triple(who, "dilation", dilation)
        pads = conv3d_padding(who, padding, self.kernel_size, self.stride, self.dilation)
        self.padding: Any = padding if isinstance(padding, str) else pads[::2]
        groups = _groups(who, groups, in_channels, out_channels)
        self.padding_mode = one_of(who, "padding_mode", padding_mode, tuple(_PAD_MODES))
        self._setup(in_channels, out_channels, self.kernel_size, groups, bias, dtype, device)

    @property
    def _pads(self) -> tuple[int, ...]:
        """``(front, back, top, bottom, left, right)`` from the current ``padding``."""
        return conv3d_padding("Conv3d", self.padding, self.kernel_size, self.stride, self.dilation)

    def _padded(self, x: Tensor) -> Tensor:
        f, b, t, bo, left, right = self._pads
        try:
            return _pad(x, (left, right, t, bo, f, b), mode=_PAD_MODES[self.padding_mode])
        except ValueError as err:  # name the layer: its padding does not fit this input
            raise ValueError(f"{type(self).__name__}: {err}") from err

    def forward(self, x: Tensor) -> Tensor:
        self._check(x, "D, H, W")
        if x.ndim == 4:  # (C_in, D, H, W): one sample, as PyTorch accepts
            return unbatched(self.forward, x)
        check_output_size(repr(self), tuple(x.shape[2:]), self.kernel_size, self._pads,
                          self.dilation)  # fmt: skip
        padding: Any = self.padding
        if self.padding_mode != "zeros":
            x, padding = self._padded(x), 0
        return conv3d(x, self.weight, self.bias, self.stride, padding, self.dilation, self.groups)

    def extra_repr(self) -> str:
        return self._repr_args(self.kernel_size, self.stride, self.padding, self.dilation, (0, 0, 0))


class ConvTranspose3d(_ConvTransposeNd):
    """Transposed 3-D convolution (learnt upsampling of volumes), as ``torch.nn.ConvTranspose3d``.

    Parameters
    ----------
    in_channels, out_channels : int
    kernel_size : int or (int, int, int)
    stride, padding, output_padding, dilation : int or (int, int, int)
    groups : int, default 1
    bias : bool, default True
    padding_mode : {'zeros'}
    device, dtype : optional

    Shape
    -----
    - Input: ``(N, C_in, D, H, W)`` or ``(C_in, D, H, W)``
    - Output: ``(N, C_out, D_out, H_out, W_out)``,
      ``D_out = (D - 1) stride - 2 padding + dilation (kD - 1) + output_padding + 1``

    Attributes
    ----------
    weight : Parameter, shape (C_in, C_out / groups, kD, kH, kW)
    bias : Parameter, shape (C_out,)
    """

    _n = 3

    def forward(self, x: Tensor, output_size: Any = None) -> Tensor:
        if x.ndim not in (4, 5) or x.shape[-4] != self.in_channels:
            raise ShapeError(
                f"{self!r}: expected input of shape (N, {self.in_channels}, D, H, W) or "
                f"({self.in_channels}, D, H, W), got {tuple(x.shape)}"
            )
        return conv_transpose3d(
            x, self.weight, self.bias, self.stride, self.padding,
            self._output_padding(x, output_size), self.groups, self.dilation,
        )  # fmt: skip
