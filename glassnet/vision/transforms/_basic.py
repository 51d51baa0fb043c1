"""The conversions, normalisation, crops and flips of ``torchvision.transforms``, and the
random containers (see the package's docstring)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ... import random as _random
from ...backend import default_dtype
from ...data import transforms as _batched
from ...tensor import Tensor

__all__ = [
    "Compose", "ToTensor", "Normalize", "Lambda", "RandomCrop", "RandomHorizontalFlip",
    "CenterCrop", "RandomApply", "RandomChoice", "RandomOrder",
]  # fmt: skip


def _is_pil(img: Any) -> bool:
    return type(img).__module__.startswith("PIL.")


class Compose:
    """Apply transforms in order.

    Parameters
    ----------
    transforms : sequence of callable
    """

    def __init__(self, transforms: Sequence[Callable[[Any], Any]]) -> None:
        self.transforms = list(transforms)
        for k, t in enumerate(self.transforms):
            if not callable(t):
                raise TypeError(f"Compose: transform {k} is not callable, got {t!r}")

    def __call__(self, img: Any) -> Any:
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self) -> str:
        inner = "".join(f"\n    {t!r}" for t in self.transforms)
        return f"Compose({inner}\n)"


class RandomApply:
    """Apply all of ``transforms`` in order with probability ``p``, else none.

    Parameters
    ----------
    transforms : sequence of callable
    p : float, default 0.5
    """

    def __init__(self, transforms: Sequence[Callable[[Any], Any]], p: float = 0.5) -> None:
        self.transforms, self.p = Compose(transforms), p

    def __call__(self, img: Any) -> Any:
        if _random.get_rng().random() >= self.p:
            return img
        return self.transforms(img)

    def __repr__(self) -> str:
        return f"RandomApply(p={self.p}, {self.transforms!r})"


class RandomChoice:
    """Apply one of ``transforms``, picked at random (with probabilities ``p``)."""

    def __init__(self, transforms: Sequence[Callable[[Any], Any]], p: Sequence[float] | None = None
                 ) -> None:  # fmt: skip
        self.transforms = list(Compose(transforms).transforms)
        if p is not None and len(p) != len(self.transforms):
            raise ValueError(f"RandomChoice: {len(self.transforms)} transforms but {len(p)} probabilities")
        self.p = None if p is None else np.asarray(p, dtype=float) / float(np.sum(p))

    def __call__(self, img: Any) -> Any:
        k = _random.get_rng().choice(len(self.transforms), p=self.p)
        return self.transforms[int(k)](img)

    def __repr__(self) -> str:
        return f"RandomChoice({self.transforms!r})"


class RandomOrder:
    """Apply all of ``transforms``, in a random order."""

    def __init__(self, transforms: Sequence[Callable[[Any], Any]]) -> None:
        self.transforms = list(Compose(transforms).transforms)

    def __call__(self, img: Any) -> Any:
        for k in _random.get_rng().permutation(len(self.transforms)):
            img = self.transforms[int(k)](img)
        return img

    def __repr__(self) -> str:
        return f"RandomOrder({self.transforms!r})"


class ToTensor:
    """A Pillow image or ``(H, W[, C])`` array to a Tensor ``(C, H, W)``.

    uint8 pixels are scaled to ``[0, 1]`` as float32 (the default float dtype);
    other arrays keep their values and dtype, as in torchvision.
    """

    def __call__(self, pic: Any) -> Tensor:
        if isinstance(pic, Tensor):
            raise TypeError("ToTensor: got a Tensor; it expects a Pillow image or a NumPy array")
        arr = np.asarray(pic)
        if arr.ndim == 2:
            arr = arr[:, :, None]
        if arr.ndim != 3:
            raise ValueError(f"ToTensor: expected an image (H, W) or (H, W, C), got {arr.shape}")
        chw = np.ascontiguousarray(arr.transpose(2, 0, 1))
        if chw.dtype == np.uint8:
            dt = default_dtype()
            chw = chw.astype(dt) * dt.type(1.0 / 255.0)
        return Tensor(chw)

    def __repr__(self) -> str:
        return "ToTensor()"


class Normalize:
    """``(x - mean) / std`` per channel of a ``(C, H, W)`` float Tensor.

    Parameters
    ----------
    mean, std : sequence of float
        One value per channel (or one for all).
    inplace : bool, default False
        Accepted; the result is always a new Tensor.
    """

    def __init__(self, mean: Sequence[float], std: Sequence[float], inplace: bool = False) -> None:
        self._batched = _batched.Normalize(mean, std)
        self.mean, self.std = mean, std

    def __call__(self, tensor: Tensor) -> Tensor:
        if not isinstance(tensor, Tensor):
            raise TypeError(
                f"Normalize: expected a Tensor (C, H, W) (put ToTensor() first), got "
                f"{type(tensor).__name__}"
            )
        if tensor.array.dtype.kind != "f":
            raise TypeError(f"Normalize: expected a float Tensor, got {tensor.dtype}")
        return Tensor(self._batched.apply(tensor.array[None], _random.get_rng())[0])

    def __repr__(self) -> str:
        return f"Normalize(mean={self.mean}, std={self.std})"


class Lambda:
    """Apply a user function ``lambd(img)``."""

    def __init__(self, lambd: Callable[[Any], Any]) -> None:
        if not callable(lambd):
            raise TypeError(f"Lambda: expected a callable, got {type(lambd).__name__}")
        self.lambd = lambd

    def __call__(self, img: Any) -> Any:
        return self.lambd(img)

    def __repr__(self) -> str:
        return "Lambda()"


def _apply_one(batched: _batched.Transform, img: Any) -> Any:
    """Run a batched transform on one image: a Pillow image or a (..., H, W) Tensor."""
    rng = _random.get_rng()
    if _is_pil(img):
        arr = np.asarray(img)
        chw = arr[None] if arr.ndim == 2 else arr.transpose(2, 0, 1)
        out = batched.apply(chw[None], rng)[0]
        hwc = out[0] if arr.ndim == 2 else out.transpose(1, 2, 0)
        from PIL import Image  # the input is a Pillow image, so Pillow is installed

        return Image.fromarray(np.ascontiguousarray(hwc))
    if isinstance(img, Tensor):
        a = img.array
        if a.ndim == 2:
            return Tensor(batched.apply(a[None, None], rng)[0, 0])
        return Tensor(batched.apply(a[None], rng)[0])
    raise TypeError(
        f"{type(batched).__name__}: expected a Pillow image or a Tensor (C, H, W), "
        f"got {type(img).__name__}"
    )


class RandomCrop:
    """Crop a random ``size`` window, after zero-padding ``padding`` pixels on each side.

    Parameters
    ----------
    size : int or (int, int)
    padding : int or (int, int), optional
    pad_if_needed, fill, padding_mode
        Only torchvision's defaults (False, 0, 'constant') are available.
    """

    def __init__(
        self,
        size: int | tuple[int, int],
        padding: int | tuple[int, int] | None = None,
        pad_if_needed: bool = False,
        fill: float = 0,
        padding_mode: str = "constant",
    ) -> None:
        if pad_if_needed or fill != 0 or padding_mode != "constant":
            raise NotImplementedError(
                "torchvision.transforms.RandomCrop(pad_if_needed=True / fill != 0 / padding_mode "
                "other than 'constant') is not available in glassnet; nearest: RandomCrop(size, "
                "padding) with zero padding"
            )
        if isinstance(padding, (tuple, list)) and len(padding) == 4:
            raise NotImplementedError(
                "torchvision.transforms.RandomCrop with 4-sided padding is not available in "
                "glassnet; pass one int or (top/bottom, left/right)"
            )
        self._batched = _batched.RandomCrop(size, padding or 0, seed=0)
        self.size, self.padding = size, padding

    def __call__(self, img: Any) -> Any:
        return _apply_one(self._batched, img)

    @staticmethod
    def get_params(img: Any, output_size: tuple[int, int]) -> tuple[int, int, int, int]:
        """``(top, left, height, width)`` of a random ``output_size`` window of ``img`` (a
        Pillow image or a ``(..., H, W)`` Tensor), drawn from glassnet's generator; pass
        them to ``functional.crop`` (torchvision's ``RandomCrop.get_params``)."""
        w, h = img.size if _is_pil(img) else (img.shape[-1], img.shape[-2])
        th, tw = output_size
        if h < th or w < tw:
            raise ValueError(
                f"RandomCrop.get_params: required crop size {(th, tw)} is larger than the input "
                f"image size {(h, w)}"
            )
        if (h, w) == (th, tw):
            return 0, 0, h, w
        rng = _random.get_rng()
        return int(rng.integers(0, h - th + 1)), int(rng.integers(0, w - tw + 1)), th, tw

    def __repr__(self) -> str:
        return f"RandomCrop(size={self.size}, padding={self.padding})"


class RandomHorizontalFlip:
    """Mirror left-right with probability ``p``."""

    def __init__(self, p: float = 0.5) -> None:
        self._batched = _batched.RandomHorizontalFlip(p, seed=0)
        self.p = p

    def __call__(self, img: Any) -> Any:
        return _apply_one(self._batched, img)

    def __repr__(self) -> str:
        return f"RandomHorizontalFlip(p={self.p})"


class CenterCrop:
    """Crop the central ``size`` window of a Pillow image or a ``(..., H, W)`` Tensor.

    Parameters
    ----------
    size : int or (int, int)
        Output ``(h, w)``; it must fit inside the image (torchvision pads; glassnet refuses).
    """

    def __init__(self, size: int | tuple[int, int]) -> None:
        self.size = (size, size) if isinstance(size, int) else tuple(size)

    def __call__(self, img: Any) -> Any:
        th, tw = self.size
        w, h = img.size if _is_pil(img) else (img.shape[-1], img.shape[-2])
        if th > h or tw > w:
            raise NotImplementedError(
                f"torchvision.transforms.CenterCrop larger than the image ({th}x{tw} of {h}x{w}, "
                "which torchvision pads) is not available in glassnet"
            )
        top, left = int(round((h - th) / 2.0)), int(round((w - tw) / 2.0))
        if _is_pil(img):
            return img.crop((left, top, left + tw, top + th))
        if not isinstance(img, Tensor):
            raise TypeError(
                f"CenterCrop: expected a Pillow image or a Tensor, got {type(img).__name__}"
            )
        return img[..., top : top + th, left : left + tw]

    def __repr__(self) -> str:
        return f"CenterCrop(size={self.size})"
