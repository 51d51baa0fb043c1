"""``PixelShuffle`` and ``PixelUnshuffle``: trade channels for resolution and back;
``ChannelShuffle``: interleave channel groups."""

from __future__ import annotations

from ...ops.pixel_shuffle import channel_shuffle, pixel_shuffle, pixel_unshuffle
from ...tensor import Tensor
from ..module import Module
from ._checks import positive_int

__all__ = ["PixelShuffle", "PixelUnshuffle", "ChannelShuffle"]


class PixelShuffle(Module):
    """Rearrange ``(*, C r^2, H, W)`` into ``(*, C, H r, W r)`` (sub-pixel upsampling).

    Parameters
    ----------
    upscale_factor : int
        ``r``.

    Shape
    -----
    - Input: ``(*, C_in, H_in, W_in)`` with ``C_in = C_out * r**2``
    - Output: ``(*, C_out, H_in * r, W_in * r)``
    """

    def __init__(self, upscale_factor: int) -> None:
        super().__init__()
        self.upscale_factor = positive_int("PixelShuffle", "upscale_factor", upscale_factor)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return pixel_shuffle(input, self.upscale_factor)

    def extra_repr(self) -> str:
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """Rearrange ``(*, C, H r, W r)`` into ``(*, C r^2, H, W)``: the inverse of ``PixelShuffle``.

    Parameters
    ----------
    downscale_factor : int
        ``r``.

    Shape
    -----
    - Input: ``(*, C_in, H_in, W_in)`` with ``H_in``, ``W_in`` divisible by ``r``
    - Output: ``(*, C_in * r**2, H_in / r, W_in / r)``
    """

    def __init__(self, downscale_factor: int) -> None:
        super().__init__()
        self.downscale_factor = positive_int("PixelUnshuffle", "downscale_factor", downscale_factor)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return pixel_unshuffle(input, self.downscale_factor)

    def extra_repr(self) -> str:
        return f"downscale_factor={self.downscale_factor}"


class ChannelShuffle(Module):
    """Interleave the channels of ``groups`` groups (ShuffleNet's shuffle).

    Parameters
    ----------
    groups : int
        ``g``; the channel count must be divisible by it.

    Shape
    -----
    - Input: ``(N, C, *)`` with at least 3 dims
    - Output: ``(N, C, *)``
    """

    def __init__(self, groups: int) -> None:
        super().__init__()
        self.groups = positive_int("ChannelShuffle", "groups", groups)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return channel_shuffle(input, self.groups)

    def extra_repr(self) -> str:
        return f"groups={self.groups}"
