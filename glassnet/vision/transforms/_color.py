"""torchvision's colour transforms and image conversions: ``Grayscale``, ``RandomGrayscale``,
``ColorJitter``, ``ToPILImage``, ``PILToTensor``.

The colour adjustments work on Pillow images with Pillow's enhancers, as torchvision's do
for Pillow images (so the pixels agree with torchvision's for the same factors); the
random factors come from glassnet's global generator, not torch's.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from ... import random as _random
from ...tensor import Tensor

__all__ = ["Grayscale", "RandomGrayscale", "ColorJitter", "ToPILImage", "PILToTensor"]

#: torchvision's luma weights for tensors (Pillow's ``convert("L")`` uses 0.299, 0.587, 0.114
#: in integer arithmetic).
_LUMA = (0.2989, 0.587, 0.114)


def _is_pil(img: Any) -> bool:
    return type(img).__module__.startswith("PIL.")


def _pil() -> Any:
    from PIL import Image  # only reached with a Pillow image or for ToPILImage

    return Image


def to_grayscale(img: Any, channels: int) -> Any:
    """A Pillow image (or a ``(3, H, W)`` float Tensor) as grey, with ``channels`` (1 or 3)."""
    if channels not in (1, 3):
        raise ValueError(f"Grayscale: num_output_channels must be 1 or 3, got {channels}")
    if _is_pil(img):
        grey = img.convert("L")
        if channels == 1:
            return grey
        a = np.asarray(grey)
        return _pil().fromarray(np.dstack([a, a, a]), "RGB")
    if isinstance(img, Tensor) and img.ndim >= 3 and img.shape[-3] == 3:
        r, g, b = img[..., 0:1, :, :], img[..., 1:2, :, :], img[..., 2:3, :, :]
        grey = r * _LUMA[0] + g * _LUMA[1] + b * _LUMA[2]
        return grey if channels == 1 else grey.expand(*img.shape)
    raise TypeError(
        f"Grayscale: expected a Pillow image or a Tensor (..., 3, H, W), got "
        f"{type(img).__name__}{tuple(getattr(img, 'shape', ()))}"
    )


class Grayscale:
    """Convert to grey with ``num_output_channels`` (1, or 3 equal channels)."""

    def __init__(self, num_output_channels: int = 1) -> None:
        self.num_output_channels = num_output_channels

    def __call__(self, img: Any) -> Any:
        return to_grayscale(img, self.num_output_channels)

    def __repr__(self) -> str:
        return f"Grayscale(num_output_channels={self.num_output_channels})"


class RandomGrayscale:
    """Convert to grey with probability ``p``, keeping the number of channels."""

    def __init__(self, p: float = 0.1) -> None:
        self.p = p

    def __call__(self, img: Any) -> Any:
        if _random.get_rng().random() >= self.p:
            return img
        channels = len(img.getbands()) if _is_pil(img) else int(img.shape[-3])
        return to_grayscale(img, 1 if channels == 1 else 3)

    def __repr__(self) -> str:
        return f"RandomGrayscale(p={self.p})"


def _factor_range(name: str, value: Any, centre: float, bound: float | None) -> Any:
    """torchvision's ``[lo, hi]`` for a jitter argument (None when it changes nothing)."""
    if isinstance(value, numbers.Number):
        if value < 0:
            raise ValueError(f"ColorJitter: {name} must be non-negative, got {value}")
        lo, hi = centre - value, centre + value
        if bound is None:
            lo = max(lo, 0.0)
    elif isinstance(value, Sequence) and len(value) == 2:
        lo, hi = float(value[0]), float(value[1])
    else:
        raise TypeError(f"ColorJitter: {name} must be a number or (min, max), got {value!r}")
    limit = (0.0, float("inf")) if bound is None else (-bound, bound)
    if not limit[0] <= lo <= hi <= limit[1]:
        raise ValueError(f"ColorJitter: {name} values must lie in {list(limit)}, got {[lo, hi]}")
    return None if lo == hi == centre else (lo, hi)


def adjust_hue(img: Any, factor: float) -> Any:
    """Shift a Pillow image's hue by ``factor`` of a turn (``[-0.5, 0.5]``), in HSV."""
    if img.mode in ("L", "1", "I", "F"):
        return img
    h, s, v = img.convert("HSV").split()
    shift = int(factor * 255) % 256  # truncated to an int8 step, wrapped as a byte
    hue = ((np.asarray(h).astype(np.int16) + shift) % 256).astype(np.uint8)
    image = _pil()
    return image.merge("HSV", (image.fromarray(hue, "L"), s, v)).convert(img.mode)


class ColorJitter:
    """Change brightness, contrast, saturation and hue by random factors, in random order.

    Parameters
    ----------
    brightness, contrast, saturation : float or (float, float), default 0
        ``v`` draws the factor from ``[max(0, 1 - v), 1 + v]``; a pair is the range.
    hue : float or (float, float), default 0
        ``v`` draws the shift from ``[-v, v]`` (within ``[-0.5, 0.5]``).
    """

    def __init__(self, brightness: Any = 0, contrast: Any = 0, saturation: Any = 0,
                 hue: Any = 0) -> None:  # fmt: skip
        self.brightness = _factor_range("brightness", brightness, 1.0, None)
        self.contrast = _factor_range("contrast", contrast, 1.0, None)
        self.saturation = _factor_range("saturation", saturation, 1.0, None)
        self.hue = _factor_range("hue", hue, 0.0, 0.5)

    def __call__(self, img: Any) -> Any:
        if not _is_pil(img):
            raise NotImplementedError(
                "torchvision.transforms.ColorJitter on a Tensor is not available in glassnet; "
                "apply it to the Pillow image (before ToTensor)"
            )
        from PIL import ImageEnhance

        order, *factors = self.get_params(self.brightness, self.contrast, self.saturation, self.hue)
        enhancers = (ImageEnhance.Brightness, ImageEnhance.Contrast, ImageEnhance.Color)
        for k in order:
            if factors[k] is None:
                continue
            img = adjust_hue(img, factors[k]) if k == 3 else enhancers[k](img).enhance(factors[k])
        return img

    @staticmethod
    def get_params(brightness: Any, contrast: Any, saturation: Any, hue: Any) -> tuple:
        """``(order, b, c, s, h)``: the order of the four adjustments (a permutation of
        0..3) and each factor drawn from its ``(min, max)`` range, or None (torchvision's)."""
        rng = _random.get_rng()
        order = [int(k) for k in rng.permutation(4)]
        ranges = (brightness, contrast, saturation, hue)
        factors = [None if r is None else float(rng.uniform(r[0], r[1])) for r in ranges]
        return (order, *factors)

    def __repr__(self) -> str:
        return (f"ColorJitter(brightness={self.brightness}, contrast={self.contrast}, "
                f"saturation={self.saturation}, hue={self.hue})")  # fmt: skip


class ToPILImage:
    """A Tensor ``(C, H, W)`` / ``(H, W)`` or an array ``(H, W[, C])`` to a Pillow image.

    Float tensors are scaled by 255 and truncated to bytes, as torchvision does; arrays
    are taken as they are (uint8 for the usual modes). One channel gives mode ``L``,
    three ``RGB``, four ``RGBA`` unless ``mode`` says.
    """

    def __init__(self, mode: str | None = None) -> None:
        self.mode = mode

    def __call__(self, pic: Any) -> Any:
        if isinstance(pic, Tensor):
            a = pic.numpy()
            if a.ndim == 2:
                a = a[None]
            if a.ndim != 3:
                raise ValueError(f"ToPILImage: expected a Tensor (C, H, W) or (H, W), got {a.shape}")
            if a.dtype.kind == "f" and self.mode != "F":
                a = (a * 255).astype(np.uint8)
            a = a.transpose(1, 2, 0)
        elif isinstance(pic, np.ndarray):
            a = pic if pic.ndim == 3 else pic[:, :, None]
        else:
            raise TypeError(f"ToPILImage: expected a Tensor or a NumPy array, got {type(pic).__name__}")
        if a.shape[2] == 1:
            return _pil().fromarray(a[:, :, 0], self.mode)
        if a.shape[2] not in (3, 4):
            raise ValueError(f"ToPILImage: expected 1, 3 or 4 channels, got {a.shape[2]}")
        return _pil().fromarray(np.ascontiguousarray(a), self.mode)

    def __repr__(self) -> str:
        return "ToPILImage()" if self.mode is None else f"ToPILImage(mode={self.mode})"


class PILToTensor:
    """A Pillow image to a Tensor ``(C, H, W)`` of its pixel type (uint8), not scaled."""

    def __call__(self, pic: Any) -> Tensor:
        if not _is_pil(pic):
            raise TypeError(f"PILToTensor: expected a Pillow image, got {type(pic).__name__}")
        a = np.asarray(pic)
        a = a[:, :, None] if a.ndim == 2 else a
        return Tensor(np.ascontiguousarray(a.transpose(2, 0, 1)))

    def __repr__(self) -> str:
        return "PILToTensor()"
