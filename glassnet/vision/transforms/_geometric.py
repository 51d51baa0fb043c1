"""torchvision's geometric transforms on Pillow images: resizing, random crops, flips,
rotation, padding.

Sizes follow torchvision's arithmetic to the pixel (``Resize(224)`` on a 480x640 image
gives 224x298: the long side is truncated, not rounded). The random ones draw from
glassnet's global generator (``manual_seed`` fixes them); the draws are not torch's, so
the same seed picks other crops and angles than torchvision would.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from enum import Enum
from typing import Any

import numpy as np

from ... import random as _random
from ...tensor import Tensor

__all__ = [
    "InterpolationMode", "Resize", "RandomResizedCrop", "RandomVerticalFlip", "RandomRotation",
    "Pad", "resize_image", "rotate_image", "pad_image", "resized_shape",
]  # fmt: skip


class InterpolationMode(Enum):
    """torchvision's interpolation names; :attr:`pil` is Pillow's resampling code."""

    NEAREST = "nearest"
    NEAREST_EXACT = "nearest-exact"
    BILINEAR = "bilinear"
    BICUBIC = "bicubic"
    BOX = "box"
    HAMMING = "hamming"
    LANCZOS = "lanczos"

    @property
    def pil(self) -> int:
        codes = {"nearest": 0, "lanczos": 1, "bilinear": 2, "bicubic": 3, "box": 4, "hamming": 5}
        if self.value not in codes:
            raise NotImplementedError(f"InterpolationMode.{self.name} on Pillow images")
        return codes[self.value]


def _mode(value: Any, who: str) -> InterpolationMode:
    """An :class:`InterpolationMode` from itself, its name, or Pillow's integer code."""
    if isinstance(value, InterpolationMode):
        return value
    if isinstance(value, int):
        by_code = {0: "nearest", 1: "lanczos", 2: "bilinear", 3: "bicubic", 4: "box", 5: "hamming"}
        if value in by_code:
            return InterpolationMode(by_code[value])
    if isinstance(value, str) and value.lower() in {m.value for m in InterpolationMode}:
        return InterpolationMode(value.lower())
    raise ValueError(f"{who}: interpolation must be an InterpolationMode, got {value!r}")


def _is_pil(img: Any) -> bool:
    return type(img).__module__.startswith("PIL.")


def _need_pil(img: Any, who: str) -> None:
    if not _is_pil(img):
        raise NotImplementedError(
            f"torchvision.transforms.{who} on a {type(img).__name__} is not available in "
            f"glassnet; apply it to the Pillow image (before ToTensor)"
        )


def _hw(size: Any, who: str) -> tuple[int, int]:
    """``(h, w)`` from an int or a sequence of one or two ints."""
    if isinstance(size, int):
        return size, size
    if isinstance(size, Sequence) and len(size) in (1, 2):
        return (int(size[0]), int(size[0])) if len(size) == 1 else (int(size[0]), int(size[1]))
    raise ValueError(f"{who}: size must be an int or a sequence of 1 or 2 ints, got {size!r}")


def resized_shape(h: int, w: int, size: Any, max_size: int | None) -> tuple[int, int]:
    """The ``(h, w)`` torchvision's ``Resize(size, max_size=...)`` gives an ``h x w`` image."""
    if isinstance(size, Sequence) and len(size) == 2:
        return int(size[0]), int(size[1])
    new_short = int(size if isinstance(size, int) else size[0])
    short, long = (w, h) if w <= h else (h, w)
    new_long = int(new_short * long / short)
    if max_size is not None:
        if max_size <= new_short:
            raise ValueError(
                f"Resize: max_size={max_size} must be larger than the resized short side "
                f"{new_short}"
            )
        if new_long > max_size:
            new_short, new_long = int(max_size * new_short / new_long), max_size
    return (new_long, new_short) if w <= h else (new_short, new_long)


def resize_image(img: Any, size: Any, interpolation: Any = InterpolationMode.BILINEAR,
                 max_size: int | None = None) -> Any:  # fmt: skip
    """A Pillow image resized as torchvision's ``Resize(size, interpolation, max_size)``."""
    _need_pil(img, "Resize")
    _hw(size, "Resize")
    w, h = img.size
    nh, nw = resized_shape(h, w, size, max_size)
    if (nh, nw) == (h, w):
        return img
    return img.resize((nw, nh), resample=_mode(interpolation, "Resize").pil)


def rotate_image(img: Any, angle: float, interpolation: Any = InterpolationMode.NEAREST,
                 expand: bool = False, center: Any = None, fill: Any = 0) -> Any:  # fmt: skip
    """A Pillow image rotated ``angle`` degrees counter-clockwise (outside: ``fill``)."""
    _need_pil(img, "RandomRotation")
    fill = 0 if fill is None else fill
    if isinstance(fill, (int, float)) and len(img.getbands()) > 1:
        fill = (int(fill),) * len(img.getbands())
    center = None if center is None else tuple(center)
    return img.rotate(float(angle), resample=_mode(interpolation, "rotate").pil, expand=expand,
                      center=center, fillcolor=fill)  # fmt: skip


class Resize:
    """Resize a Pillow image, as torchvision's ``Resize``.

    Parameters
    ----------
    size : int or (int, int)
        An int (or a one-int sequence) is the shorter side's new length, the longer side
        scaled and truncated to keep the aspect ratio; a pair is ``(h, w)``.
    interpolation : InterpolationMode or int, default BILINEAR
    max_size : int, optional
        The longer side's limit (only with an int ``size``).
    antialias : bool or None, default True
        Pillow always antialiases; False is refused.
    """

    def __init__(
        self,
        size: int | Sequence[int],
        interpolation: Any = InterpolationMode.BILINEAR,
        max_size: int | None = None,
        antialias: bool | None = True,
    ) -> None:
        _hw(size, "Resize")
        if antialias is False:
            raise NotImplementedError(
                "torchvision.transforms.Resize(antialias=False) is not available in glassnet: "
                "Pillow images are always resized with antialiasing"
            )
        self.size, self.max_size = size, max_size
        self.interpolation = _mode(interpolation, "Resize")

    def __call__(self, img: Any) -> Any:
        return resize_image(img, self.size, self.interpolation, self.max_size)

    def __repr__(self) -> str:
        return f"Resize(size={self.size}, interpolation={self.interpolation.value})"


class RandomResizedCrop:
    """Crop a random part (area fraction in ``scale``, aspect ratio in ``ratio``) and
    resize it to ``size``, as torchvision's ``RandomResizedCrop``.

    Parameters
    ----------
    size : int or (int, int)
    scale : (float, float), default (0.08, 1.0)
    ratio : (float, float), default (3/4, 4/3)
    interpolation : InterpolationMode or int, default BILINEAR
    antialias : bool or None, default True
    """

    def __init__(
        self,
        size: int | Sequence[int],
        scale: tuple[float, float] = (0.08, 1.0),
        ratio: tuple[float, float] = (3.0 / 4.0, 4.0 / 3.0),
        interpolation: Any = InterpolationMode.BILINEAR,
        antialias: bool | None = True,
    ) -> None:
        self.size = _hw(size, "RandomResizedCrop")
        if scale[0] > scale[1] or ratio[0] > ratio[1]:
            raise ValueError(
                f"RandomResizedCrop: scale and ratio must be (min, max), got {scale}, {ratio}"
            )
        self.scale, self.ratio = tuple(scale), tuple(ratio)
        self.interpolation = _mode(interpolation, "RandomResizedCrop")

    @staticmethod
    def get_params(img: Any, scale: Sequence[float], ratio: Sequence[float]
                   ) -> tuple[int, int, int, int]:  # fmt: skip
        """``(top, left, height, width)`` of a random crop of ``img`` (a Pillow image or a
        ``(..., H, W)`` Tensor): ten tries, then the centre crop of the nearest allowed ratio
        (torchvision's procedure and signature)."""
        w, h = img.size if _is_pil(img) else (int(img.shape[-1]), int(img.shape[-2]))
        return _crop_params(h, w, tuple(scale), tuple(ratio))

    def __call__(self, img: Any) -> Any:
        _need_pil(img, "RandomResizedCrop")
        top, left, ch, cw = self.get_params(img, self.scale, self.ratio)
        crop = img.crop((left, top, left + cw, top + ch))
        return crop.resize((self.size[1], self.size[0]), resample=self.interpolation.pil)

    def __repr__(self) -> str:
        return f"RandomResizedCrop(size={self.size}, scale={self.scale}, ratio={self.ratio})"


def _crop_params(h: int, w: int, scale: tuple, ratio: tuple) -> tuple[int, int, int, int]:
    rng = _random.get_rng()
    area = h * w
    log_lo, log_hi = math.log(ratio[0]), math.log(ratio[1])
    for _ in range(10):
        target = area * rng.uniform(scale[0], scale[1])
        aspect = math.exp(rng.uniform(log_lo, log_hi))
        cw = int(round(math.sqrt(target * aspect)))
        ch = int(round(math.sqrt(target / aspect)))
        if 0 < cw <= w and 0 < ch <= h:
            return int(rng.integers(0, h - ch + 1)), int(rng.integers(0, w - cw + 1)), ch, cw
    in_ratio = w / h
    if in_ratio < ratio[0]:
        cw, ch = w, int(round(w / ratio[0]))
    elif in_ratio > ratio[1]:
        ch, cw = h, int(round(h * ratio[1]))
    else:
        cw, ch = w, h
    return (h - ch) // 2, (w - cw) // 2, ch, cw


class RandomVerticalFlip:
    """Mirror top-bottom with probability ``p`` (a Pillow image or a ``(..., H, W)`` Tensor)."""

    def __init__(self, p: float = 0.5) -> None:
        self.p = p

    def __call__(self, img: Any) -> Any:
        if _random.get_rng().random() >= self.p:
            return img
        if _is_pil(img):
            return img.transpose(1)  # Pillow's FLIP_TOP_BOTTOM
        if isinstance(img, Tensor):
            return img.flip(-2)
        raise TypeError(
            f"RandomVerticalFlip: expected a Pillow image or a Tensor, got {type(img).__name__}"
        )

    def __repr__(self) -> str:
        return f"RandomVerticalFlip(p={self.p})"


class RandomRotation:
    """Rotate a Pillow image by an angle drawn uniformly from ``degrees`` (counter-clockwise).

    Parameters
    ----------
    degrees : float or (float, float)
        ``d`` means ``(-d, d)``.
    interpolation : InterpolationMode or int, default NEAREST
    expand : bool, default False
        Grow the image to hold the whole rotated one.
    center : (float, float), optional
        ``(x, y)``; default the image's centre.
    fill : int or tuple, default 0
        The value of the pixels outside the rotated image.
    """

    def __init__(
        self,
        degrees: float | Sequence[float],
        interpolation: Any = InterpolationMode.NEAREST,
        expand: bool = False,
        center: Sequence[float] | None = None,
        fill: Any = 0,
    ) -> None:
        if isinstance(degrees, (int, float)):
            if degrees < 0:
                raise ValueError(f"RandomRotation: a single degrees value must be >= 0, got {degrees}")
            degrees = (-degrees, degrees)
        self.degrees = (float(degrees[0]), float(degrees[1]))
        self.interpolation = _mode(interpolation, "RandomRotation")
        self.expand, self.center, self.fill = expand, center, fill

    @staticmethod
    def get_params(degrees: Sequence[float]) -> float:
        """An angle drawn uniformly from ``degrees`` ``(min, max)``."""
        return float(_random.get_rng().uniform(float(degrees[0]), float(degrees[1])))

    def __call__(self, img: Any) -> Any:
        _need_pil(img, "RandomRotation")
        angle = self.get_params(self.degrees)
        return rotate_image(img, angle, self.interpolation, self.expand, self.center, self.fill)

    def __repr__(self) -> str:
        return f"RandomRotation(degrees={self.degrees})"


_NP_PAD_MODES = {"edge": "edge", "reflect": "reflect", "symmetric": "symmetric"}


def _sides(padding: Any) -> tuple[int, int, int, int]:
    """``(left, top, right, bottom)`` from torchvision's 1-, 2- or 4-value padding."""
    if isinstance(padding, int):
        return (padding,) * 4
    p = [int(v) for v in padding]
    if len(p) == 1:
        return (p[0],) * 4
    if len(p) == 2:
        return p[0], p[1], p[0], p[1]
    if len(p) == 4:
        return p[0], p[1], p[2], p[3]
    raise ValueError(f"Pad: padding must be an int or 1, 2 or 4 ints, got {padding!r}")


def pad_image(img: Any, padding: Any, fill: Any = 0, padding_mode: str = "constant") -> Any:
    """A Pillow image padded as torchvision's ``Pad(padding, fill, padding_mode)``."""
    _need_pil(img, "Pad")
    from PIL import Image, ImageOps  # a Pillow image came in, so Pillow is there

    sides = _sides(padding)
    if padding_mode == "constant":
        if isinstance(fill, (int, float)) and len(img.getbands()) > 1:
            fill = (int(fill),) * len(img.getbands())
        return ImageOps.expand(img, border=sides, fill=fill)
    if padding_mode not in _NP_PAD_MODES:
        raise ValueError(
            f"Pad: padding_mode must be 'constant', 'edge', 'reflect' or 'symmetric', got "
            f"{padding_mode!r}"
        )
    left, top, right, bottom = sides
    arr = np.asarray(img)
    widths = ((top, bottom), (left, right)) + (((0, 0),) if arr.ndim == 3 else ())
    return Image.fromarray(np.pad(arr, widths, mode=_NP_PAD_MODES[padding_mode]))


class Pad:
    """Pad a Pillow image on its sides, as torchvision's ``Pad``.

    Parameters
    ----------
    padding : int or sequence of 2 or 4 ints
        All sides; (left/right, top/bottom); or (left, top, right, bottom).
    fill : int or tuple, default 0
        The value of the new pixels with ``padding_mode='constant'``.
    padding_mode : {'constant', 'edge', 'reflect', 'symmetric'}, default 'constant'
    """

    def __init__(self, padding: Any, fill: Any = 0, padding_mode: str = "constant") -> None:
        self.sides = _sides(padding)
        if min(self.sides) < 0:
            raise NotImplementedError("torchvision.transforms.Pad with negative padding (a crop)")
        if padding_mode != "constant" and padding_mode not in _NP_PAD_MODES:
            raise ValueError(
                f"Pad: padding_mode must be 'constant', 'edge', 'reflect' or 'symmetric', got "
                f"{padding_mode!r}"
            )
        self.padding, self.fill, self.padding_mode = padding, fill, padding_mode

    def __call__(self, img: Any) -> Any:
        return pad_image(img, self.sides, self.fill, self.padding_mode)

    def __repr__(self) -> str:
        return f"Pad(padding={self.padding}, fill={self.fill}, padding_mode={self.padding_mode})"
