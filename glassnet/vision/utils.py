"""torchvision.utils' ``make_grid`` and ``save_image``: a batch of images as one picture.

::

    save_image(samples.view(64, 1, 28, 28), "samples.png")       # an 8x8 grid, PNG
"""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np

from .._fileio import atomic_write
from ..backend import to_host
from ..tensor import Tensor

__all__ = ["make_grid", "save_image"]


def _as_batch(tensor: Any) -> np.ndarray:
    if isinstance(tensor, (list, tuple)):
        arr = np.stack([to_host(t.array if isinstance(t, Tensor) else t) for t in tensor])
    else:
        arr = to_host(tensor.array if isinstance(tensor, Tensor) else tensor)
    arr = np.asarray(arr, dtype=np.float32)
    if arr.ndim == 2:
        arr = arr[None]
    if arr.ndim == 3:  # one image (C, H, W); a single channel is shown grey
        arr = arr[None]
    if arr.ndim != 4:
        raise ValueError(f"make_grid: expected images (B, C, H, W) or (C, H, W), got {arr.shape}")
    if arr.shape[1] == 1:
        arr = np.repeat(arr, 3, axis=1)
    return arr


def _scale(arr: np.ndarray, value_range: tuple[float, float] | None) -> np.ndarray:
    lo, hi = value_range if value_range is not None else (float(arr.min()), float(arr.max()))
    return (np.clip(arr, lo, hi) - lo) / max(hi - lo, 1e-5)


def make_grid(
    tensor: Any,
    nrow: int = 8,
    padding: int = 2,
    normalize: bool = False,
    value_range: tuple[float, float] | None = None,
    scale_each: bool = False,
    pad_value: float = 0.0,
) -> Tensor:
    """Tile a batch of images into one image, ``nrow`` per row, as torchvision does.

    Parameters
    ----------
    tensor : Tensor (B, C, H, W) or (C, H, W), or a list of (C, H, W)
    nrow : int, default 8
        Images per row.
    padding : int, default 2
        Pixels between (and around) the images, filled with ``pad_value``.
    normalize : bool, default False
        Rescale to ``[0, 1]`` using ``value_range`` (default: the min and max).
    value_range : (float, float), optional
    scale_each : bool, default False
        Normalize each image by its own range.
    pad_value : float, default 0

    Returns
    -------
    Tensor of shape (C', rows * (H + padding) + padding, cols * (W + padding) + padding)
        ``C'`` is 3 for one-channel images (repeated, as torchvision shows grey).
    """
    arr = _as_batch(tensor)
    if normalize:
        arr = np.stack([_scale(a, value_range) for a in arr]) if scale_each else _scale(
            arr, value_range)  # fmt: skip
    b, c, h, w = arr.shape
    if b == 1:
        return Tensor(arr[0])
    cols = min(int(nrow), b)
    rows = math.ceil(b / cols)
    hh, ww = h + padding, w + padding
    grid = np.full((c, rows * hh + padding, cols * ww + padding), pad_value, np.float32)
    for k in range(b):
        y, x = divmod(k, cols)
        grid[
            :, y * hh + padding : y * hh + padding + h, x * ww + padding : x * ww + padding + w
        ] = arr[k]
    return Tensor(grid)


def save_image(
    tensor: Any, fp: str | os.PathLike, format: str | None = None, **kwargs: Any
) -> None:
    """Write images as one PNG (or any format Pillow knows), tiled by :func:`make_grid`.

    Parameters
    ----------
    tensor : Tensor (B, C, H, W) or (C, H, W), values in [0, 1]
    fp : str or os.PathLike
        Written atomically; the extension picks the format unless ``format`` is given.
    format : str, optional
    **kwargs
        :func:`make_grid`'s options (``nrow``, ``padding``, ``normalize``, ...).
    """
    try:
        from PIL import Image
    except ImportError:
        raise ImportError("save_image needs Pillow: pip install pillow") from None
    grid = make_grid(tensor, **kwargs).array
    pixels = np.clip(grid * 255 + 0.5, 0, 255).astype(np.uint8).transpose(1, 2, 0)
    if pixels.shape[2] == 1:
        pixels = pixels[:, :, 0]
    path = os.fspath(fp)
    fmt = format or Image.registered_extensions().get(os.path.splitext(path)[1].lower())
    if fmt is None:
        raise ValueError(f"save_image: cannot tell the image format of {path!r}; pass format='PNG'")
    with atomic_write(path, "wb") as f:
        Image.fromarray(pixels).save(f, format=fmt)
