"""``torchvision.transforms.functional``: the transforms as functions with explicit arguments.

Segmentation and detection scripts apply the same random crop or flip to an image and its
mask by calling these with parameters they drew themselves. Each function does what the
transform class of the same job does (and is what that class calls): resizing, rotation,
padding and colour changes take Pillow images; flips and crops take Pillow images or
``(..., H, W)`` Tensors.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ...tensor import Tensor
from . import _color, _geometric
from ._basic import CenterCrop, Normalize, ToTensor
from ._geometric import InterpolationMode

__all__ = [
    "InterpolationMode", "to_tensor", "pil_to_tensor", "to_pil_image", "normalize", "resize",
    "crop", "center_crop", "resized_crop", "hflip", "vflip", "rotate", "pad",
    "adjust_brightness", "adjust_contrast", "adjust_saturation", "adjust_hue",
    "rgb_to_grayscale", "to_grayscale", "get_image_size", "get_dimensions",
]  # fmt: skip


def _is_pil(img: Any) -> bool:
    return type(img).__module__.startswith("PIL.")


def _tensor_or_pil(img: Any, who: str) -> None:
    if not (_is_pil(img) or isinstance(img, Tensor)):
        raise TypeError(f"{who}: expected a Pillow image or a Tensor (..., H, W), got {type(img).__name__}")


def to_tensor(pic: Any) -> Tensor:
    """A Pillow image or ``(H, W[, C])`` array to a ``(C, H, W)`` Tensor (uint8 scaled to [0, 1])."""
    return ToTensor()(pic)


def pil_to_tensor(pic: Any) -> Tensor:
    """A Pillow image to a ``(C, H, W)`` Tensor of its pixel type, not scaled."""
    return _color.PILToTensor()(pic)


def to_pil_image(pic: Any, mode: str | None = None) -> Any:
    """A Tensor ``(C, H, W)`` (floats scaled by 255) or an array ``(H, W[, C])`` to Pillow."""
    return _color.ToPILImage(mode)(pic)


def normalize(tensor: Tensor, mean: Sequence[float], std: Sequence[float], inplace: bool = False) -> Tensor:
    """``(tensor - mean) / std`` per channel of a ``(C, H, W)`` float Tensor."""
    return Normalize(mean, std, inplace)(tensor)


def resize(img: Any, size: Any, interpolation: Any = InterpolationMode.BILINEAR,
           max_size: int | None = None, antialias: bool | None = True) -> Any:  # fmt: skip
    """A Pillow image resized as ``transforms.Resize`` does it."""
    if antialias is False:
        raise NotImplementedError("torchvision.transforms.functional.resize(antialias=False)")
    return _geometric.resize_image(img, size, interpolation, max_size)


def crop(img: Any, top: int, left: int, height: int, width: int) -> Any:
    """The ``height x width`` window at ``(top, left)`` (zeros where it leaves a Pillow image)."""
    _tensor_or_pil(img, "crop")
    if _is_pil(img):
        return img.crop((left, top, left + width, top + height))
    h, w = img.shape[-2], img.shape[-1]
    if top < 0 or left < 0 or top + height > h or left + width > w:
        raise NotImplementedError(
            "torchvision.transforms.functional.crop of a Tensor beyond its borders (torchvision "
            "pads) is not available in glassnet"
        )
    return img[..., top : top + height, left : left + width]


def center_crop(img: Any, output_size: int | Sequence[int]) -> Any:
    """The central ``output_size`` window, as ``transforms.CenterCrop``."""
    return CenterCrop(output_size if isinstance(output_size, int) else tuple(output_size))(img)


def resized_crop(img: Any, top: int, left: int, height: int, width: int, size: Any,
                 interpolation: Any = InterpolationMode.BILINEAR, antialias: bool | None = True
                 ) -> Any:  # fmt: skip
    """:func:`crop`, then :func:`resize` to ``size`` (Pillow images)."""
    return resize(crop(img, top, left, height, width), size, interpolation, antialias=antialias)


def hflip(img: Any) -> Any:
    """Mirror left-right."""
    _tensor_or_pil(img, "hflip")
    return img.transpose(0) if _is_pil(img) else img.flip(-1)  # 0: Pillow's FLIP_LEFT_RIGHT


def vflip(img: Any) -> Any:
    """Mirror top-bottom."""
    _tensor_or_pil(img, "vflip")
    return img.transpose(1) if _is_pil(img) else img.flip(-2)  # 1: Pillow's FLIP_TOP_BOTTOM


def rotate(img: Any, angle: float, interpolation: Any = InterpolationMode.NEAREST,
           expand: bool = False, center: Sequence[float] | None = None, fill: Any = None) -> Any:  # fmt: skip
    """Rotate a Pillow image ``angle`` degrees counter-clockwise."""
    return _geometric.rotate_image(img, angle, interpolation, expand, center, fill)


def pad(img: Any, padding: Any, fill: Any = 0, padding_mode: str = "constant") -> Any:
    """Pad a Pillow image, as ``transforms.Pad``."""
    return _geometric.pad_image(img, padding, fill, padding_mode)


def _enhance(img: Any, kind: str, factor: float) -> Any:
    if not _is_pil(img):
        raise NotImplementedError(
            f"torchvision.transforms.functional.adjust_{kind.lower()} on a "
            f"{type(img).__name__} is not available in glassnet; apply it to the Pillow image"
        )
    if factor < 0:
        raise ValueError(f"adjust_{kind.lower()}: the factor must be non-negative, got {factor}")
    from PIL import ImageEnhance

    return getattr(ImageEnhance, kind)(img).enhance(factor)


def adjust_brightness(img: Any, brightness_factor: float) -> Any:
    """Brightness times ``brightness_factor`` (Pillow's enhancer, as torchvision)."""
    return _enhance(img, "Brightness", brightness_factor)


def adjust_contrast(img: Any, contrast_factor: float) -> Any:
    """Contrast times ``contrast_factor``."""
    return _enhance(img, "Contrast", contrast_factor)


def adjust_saturation(img: Any, saturation_factor: float) -> Any:
    """Saturation times ``saturation_factor`` (Pillow's ``Color`` enhancer)."""
    return _enhance(img, "Color", saturation_factor)


def adjust_hue(img: Any, hue_factor: float) -> Any:
    """Hue shifted by ``hue_factor`` of a turn, ``[-0.5, 0.5]``."""
    if not -0.5 <= hue_factor <= 0.5:
        raise ValueError(f"adjust_hue: hue_factor must lie in [-0.5, 0.5], got {hue_factor}")
    if not _is_pil(img):
        raise NotImplementedError("torchvision.transforms.functional.adjust_hue on a Tensor")
    return _color.adjust_hue(img, hue_factor)


def rgb_to_grayscale(img: Any, num_output_channels: int = 1) -> Any:
    """Grey with 1 or 3 channels, as ``transforms.Grayscale``."""
    return _color.to_grayscale(img, num_output_channels)


def to_grayscale(img: Any, num_output_channels: int = 1) -> Any:
    """Grey with 1 or 3 channels (Pillow images)."""
    return _color.to_grayscale(img, num_output_channels)


def get_image_size(img: Any) -> list[int]:
    """``[width, height]``."""
    _tensor_or_pil(img, "get_image_size")
    return list(img.size) if _is_pil(img) else [int(img.shape[-1]), int(img.shape[-2])]


def get_dimensions(img: Any) -> list[int]:
    """``[channels, height, width]``."""
    _tensor_or_pil(img, "get_dimensions")
    if _is_pil(img):
        return [len(img.getbands()), img.size[1], img.size[0]]
    c = int(img.shape[-3]) if img.ndim >= 3 else 1
    return [c, int(img.shape[-2]), int(img.shape[-1])]
