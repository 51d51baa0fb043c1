"""Pixel and channel shuffle: trade channels for spatial resolution and back, or interleave
channel groups, as reshapes and a transpose.

Both functions are compositions of :func:`~glassnet.ops.shape.reshape` and
:func:`~glassnet.ops.shape.transpose`, so their gradients and their ONNX export
(``Reshape``, ``Transpose``) come from those ops.
"""

from __future__ import annotations

from typing import Any

from .._validate import is_int
from ..tensor import Tensor
from .shape import reshape, transpose

__all__ = ["pixel_shuffle", "pixel_unshuffle", "channel_shuffle", "native_channel_shuffle"]


def _factor(who: str, name: str, value: Any) -> int:
    if not is_int(value) or value <= 0:
        raise ValueError(f"{who}: {name} must be a positive int, got {value!r}")
    return int(value)


def _check_dims(who: str, x: Tensor) -> None:
    if x.ndim < 3:
        raise ValueError(
            f"{who}: expected input of shape (*, C, H, W) with at least 3 dims, got {x.shape}"
        )


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:  # noqa: A002
    """Rearrange ``(*, C r^2, H, W)`` into ``(*, C, H r, W r)`` (sub-pixel convolution's last step).

    Parameters
    ----------
    input : Tensor, shape (*, C * r**2, H, W)
        Any number of leading batch dims, none included.
    upscale_factor : int
        ``r``, a positive int.

    Returns
    -------
    Tensor, shape (*, C, H * r, W * r)
        ``out[..., c, h*r + i, w*r + j] = input[..., c*r*r + i*r + j, h, w]``.
    """
    who = "pixel_shuffle"
    r = _factor(who, "upscale_factor", upscale_factor)
    _check_dims(who, input)
    *batch, c, h, w = input.shape
    if c % (r * r):
        raise ValueError(
            f"{who}: the channel dim (-3) of input {input.shape} must be divisible by "
            f"upscale_factor**2 = {r * r}"
        )
    nb = len(batch)
    y = reshape(input, (*batch, c // (r * r), r, r, h, w))
    y = transpose(y, (*range(nb), nb, nb + 3, nb + 1, nb + 4, nb + 2))
    return reshape(y, (*batch, c // (r * r), h * r, w * r))


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:  # noqa: A002
    """Rearrange ``(*, C, H r, W r)`` into ``(*, C r^2, H, W)``: the inverse of :func:`pixel_shuffle`.

    Parameters
    ----------
    input : Tensor, shape (*, C, H * r, W * r)
        Any number of leading batch dims, none included.
    downscale_factor : int
        ``r``, a positive int.

    Returns
    -------
    Tensor, shape (*, C * r**2, H, W)
    """
    who = "pixel_unshuffle"
    r = _factor(who, "downscale_factor", downscale_factor)
    _check_dims(who, input)
    *batch, c, h, w = input.shape
    if h % r or w % r:
        raise ValueError(
            f"{who}: the height and width (dims -2, -1) of input {input.shape} must be "
            f"divisible by downscale_factor = {r}"
        )
    nb = len(batch)
    y = reshape(input, (*batch, c, h // r, r, w // r, r))
    y = transpose(y, (*range(nb), nb, nb + 2, nb + 4, nb + 1, nb + 3))
    return reshape(y, (*batch, c * r * r, h // r, w // r))


def channel_shuffle(input: Tensor, groups: int) -> Tensor:  # noqa: A002
    """Interleave the channels of ``groups`` groups (ShuffleNet), as PyTorch's ``F.channel_shuffle``.

    Parameters
    ----------
    input : Tensor, shape (N, C, *)
        At least 3 dims; ``C`` divisible by ``groups``.
    groups : int
        ``g``, a positive int.

    Returns
    -------
    Tensor, shape (N, C, *)
        ``out[:, k * g + j] = input[:, j * (C // g) + k]``.
    """
    who = "channel_shuffle"
    g = _factor(who, "groups", groups)
    if input.ndim < 3:
        raise ValueError(f"{who}: expected input (N, C, *) with more than 2 dims, got {input.shape}")
    n, c, *rest = input.shape
    if c % g:
        raise ValueError(f"{who}: the {c} channels of input {input.shape} do not divide into {g} groups")
    y = reshape(input, (n, g, c // g, *rest))
    y = transpose(y, (0, 2, 1, *range(3, y.ndim)))
    return reshape(y, input.shape)


native_channel_shuffle = channel_shuffle
