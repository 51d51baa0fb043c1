"""Image files and class folders: decoding them with Pillow, and :class:`ImageFolder`.

The layout is torchvision's ``ImageFolder``: one subfolder per class, the
class names sorted::

    flowers/daisy/0001.jpg
    flowers/daisy/0002.png
    flowers/tulip/0001.jpg

A class folder's images may sit in subfolders of it (``flowers/daisy/2024/0003.jpg``),
as torchvision finds them. Pillow (``pip install glassnet[image]``) decodes the
files: PNG, JPEG, BMP, GIF, TIFF, WebP and the others of :data:`IMAGE_EXTENSIONS`,
whatever the case of the extension (``.JPG``). Hidden and system files
(``.DS_Store``, ``._photo.jpg``, ``Thumbs.db``, ``__MACOSX/``, ``@eaDir/``) are
skipped; a file that is not a readable image is an error naming it. A JPEG's
EXIF orientation is applied (the image as a viewer shows it); transparent parts
(RGBA, LA, a palette with transparency) are laid over white; CMYK and palette
images become RGB. Images become float32 arrays ``(C, H, W)`` with values in
``[0, 1]`` (16-bit greyscale PNGs are scaled by 1/65535): one channel when every
image is greyscale, three (RGB) otherwise, unless ``channels`` says.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from .dataset import Dataset
from .errors import DataError

__all__ = [
    "IMAGE_EXTENSIONS", "MAX_IMAGE_SIDE", "FITS", "ImageFolder", "decode_image", "image_size_arg",
    "list_images", "class_images", "find_classes",
]  # fmt: skip

#: File name endings read as images (case-insensitive): the formats Pillow reads.
IMAGE_EXTENSIONS = (
    ".png", ".jpg", ".jpeg", ".jpe", ".jfif", ".bmp", ".dib", ".gif", ".tif", ".tiff", ".webp",
    ".ppm", ".pgm", ".pbm", ".pnm", ".tga", ".ico", ".pcx", ".sgi",
)  # fmt: skip
#: Files and folders that operating systems and NAS boxes leave beside images (skipped,
#: as are names starting with ``.``): Windows' thumbnails and settings, macOS's zip
#: leftovers, Synology's thumbnail folders.
SYSTEM_NAMES = frozenset(
    {"thumbs.db", "desktop.ini", "__macosx", "@eadir", "$recycle.bin", "system volume information"}
)
#: The colour transparent parts of an image are laid over.
BACKGROUND = 255
_ORIENTATION = 0x0112  # the EXIF tag
#: How an image is brought to ``image_size``: stretched, or scaled to fit and padded with black.
FITS = ("resize", "pad")
_GREY_MODES = ("1", "L", "LA", "I", "I;16", "I;16B", "I;16L", "F")


def _pil() -> Any:
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - Pillow is in the image extra
        raise ImportError(
            "reading PNG/JPEG images needs Pillow: pip install 'glassnet[image]' (or pillow)"
        ) from None
    return Image


#: The largest ``--image-size`` side: a data set of images this big fills gigabytes.
MAX_IMAGE_SIDE = 4096


def image_size_arg(value: Any) -> tuple[int, int] | None:
    """``28``, ``"28"``, ``"32x24"`` (height x width) or ``[32, 24]`` -> ``(H, W)``; None stays None."""
    if value is None:
        return None
    items: Any = value
    if isinstance(value, str):
        items = value.lower().replace(",", "x").split("x")
    elif isinstance(value, int) and not isinstance(value, bool):
        items = [value]
    if not isinstance(items, (list, tuple)) or len(items) not in (1, 2):
        raise ValueError(f"image_size: expected N or HxW like 32 or 32x24, got {value!r}")
    try:
        sizes = [int(v) if not isinstance(v, bool) else 0 for v in items]
    except (TypeError, ValueError):
        raise ValueError(f"image_size: expected N or HxW like 32 or 32x24, got {value!r}") from None
    if any(s <= 0 for s in sizes):
        raise ValueError(f"image_size: sizes must be positive, got {value!r}")
    return (sizes[0], sizes[-1])


def is_image_file(name: str) -> bool:
    """True for the names :data:`IMAGE_EXTENSIONS` lists (any case)."""
    return name.lower().endswith(IMAGE_EXTENSIONS)


def is_hidden(name: str) -> bool:
    """True for a hidden or system file or folder name (``.DS_Store``, ``Thumbs.db``, ``__MACOSX``)."""
    return name.startswith(".") or name.lower() in SYSTEM_NAMES


def list_images(folder: str) -> list[str]:
    """The image files directly in ``folder``, sorted (hidden and system files skipped)."""
    names = sorted(n for n in os.listdir(folder) if not is_hidden(n) and is_image_file(n))
    return [os.path.join(folder, n) for n in names if os.path.isfile(os.path.join(folder, n))]


def class_images(folder: str) -> list[str]:
    """The image files in ``folder`` and its subfolders, sorted by path (hidden files and
    folders skipped), as torchvision's ``ImageFolder`` finds a class's files."""
    found = []
    for here, dirs, names in os.walk(folder, followlinks=True):
        dirs[:] = sorted(d for d in dirs if not is_hidden(d))
        _refuse_link_loops(here, dirs)
        found += [os.path.join(here, n) for n in names if not is_hidden(n) and is_image_file(n)]
    return sorted(found)


def _refuse_link_loops(here: str, dirs: list[str]) -> None:
    """A :class:`DataError` for a symbolic link in ``here`` to ``here`` or a folder above it,
    which a walk that follows links would go round (reading the same images again and again)."""
    real_here = os.path.realpath(here)
    for d in dirs:
        link = os.path.join(here, d)
        if not os.path.islink(link):
            continue
        target = os.path.realpath(link)
        if real_here == target or real_here.startswith(target.rstrip(os.sep) + os.sep):
            raise DataError(
                f"{link!r}: expected a folder of images, got a symbolic link back to "
                f"{target!r}, a folder that holds it (a loop); remove the link"
            )


def find_classes(root: str) -> list[str]:
    """The class subfolders of ``root``, sorted; a :class:`DataError` when there are none."""
    if not os.path.isdir(root):
        raise DataError(f"{root!r}: expected a folder of class subfolders, got no such folder")
    classes = sorted(
        n for n in os.listdir(root)
        if not is_hidden(n) and os.path.isdir(os.path.join(root, n))
    )  # fmt: skip
    if not classes:
        raise DataError(
            f"{root!r}: expected one subfolder per class (e.g. {root}/cat/1.png), got none"
        )
    return classes


def _format_name(path: str) -> str:
    """What a file's extension says it is, for messages: ``PNG/JPEG``, ``BMP``, ``WEBP``."""
    ext = os.path.splitext(path)[1].lower()
    return "PNG/JPEG" if ext in (".png", ".jpg", ".jpeg") else ext.lstrip(".").upper()


def _open(path: str) -> Any:
    """The image in ``path``, loaded, turned as its EXIF orientation says."""
    Image = _pil()
    from PIL import ImageOps

    try:
        img = Image.open(path)
        img.load()
        if img.getexif().get(_ORIENTATION, 1) != 1:  # a camera held sideways
            img = ImageOps.exif_transpose(img)
    except Exception as exc:  # Pillow raises several types for broken files
        detail = " ".join(str(exc).split()) or type(exc).__name__
        if os.path.isfile(path) and os.path.getsize(path) == 0:
            detail = "the file is empty: 0 bytes"
        raise DataError(
            f"{path!r}: not a readable {_format_name(path)} image ({detail}); expected an "
            "image file (remove or replace this one)"
        ) from None
    return img


def _has_alpha(img: Any) -> bool:
    return img.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in img.info


def _flatten(img: Any, channels: int) -> Any:
    """``img`` in mode ``L`` (``channels`` 1) or ``RGB``, transparent parts over :data:`BACKGROUND`."""
    mode = "L" if channels == 1 else "RGB"
    if not _has_alpha(img):
        return img.convert(mode)
    Image = _pil()
    rgba = img.convert("RGBA")
    canvas = Image.new("RGBA", rgba.size, (BACKGROUND,) * 3 + (255,))
    return Image.alpha_composite(canvas, rgba).convert(mode)


def _is_grey(img: Any) -> bool:
    if img.mode in ("P", "PA"):
        rgb = np.asarray(img.convert("RGB"))
        return bool((rgb[..., 0] == rgb[..., 1]).all() and (rgb[..., 1] == rgb[..., 2]).all())
    return img.mode in _GREY_MODES


def _fit(img: Any, size: tuple[int, int], fit: str) -> Any:
    """``img`` brought to ``size = (H, W)``: stretched (``resize``) or scaled and padded (``pad``)."""
    Image = _pil()
    h, w = size
    if img.size == (w, h):
        return img
    if fit == "resize":
        return img.resize((w, h), Image.BILINEAR)
    scale = min(h / img.height, w / img.width)
    inner = (max(1, round(img.width * scale)), max(1, round(img.height * scale)))
    canvas = Image.new(img.mode, (w, h))
    canvas.paste(img.resize(inner, Image.BILINEAR), ((w - inner[0]) // 2, (h - inner[1]) // 2))
    return canvas


def decode_image(
    path: str, *, channels: int, size: tuple[int, int] | None = None, fit: str = "resize"
) -> np.ndarray:
    """One image file as ``(channels, H, W)`` float32 in ``[0, 1]``.

    Parameters
    ----------
    path : str
        Any format Pillow reads; its EXIF orientation is applied.
    channels : {1, 3}
        1 converts to greyscale, 3 to RGB (transparent parts are laid over white).
    size : (int, int), optional
        ``(H, W)`` to bring the image to; default: its own size.
    fit : {"resize", "pad"}, default "resize"
        ``resize`` stretches to ``size``; ``pad`` scales keeping the aspect
        ratio until it fits and pads the rest with black, centred.

    Raises
    ------
    DataError
        The file is not a readable image (naming it).
    """
    if channels not in (1, 3):
        raise ValueError(f"decode_image: channels must be 1 or 3, got {channels!r}")
    if fit not in FITS:
        raise ValueError(f"decode_image: fit must be one of {', '.join(FITS)}, got {fit!r}")
    img = _open(path)
    if img.mode.startswith("I"):  # 16-bit greyscale (I;16, or I from a 16-bit PNG)
        return _decode_wide(img, channels, size, fit)
    img = _flatten(img, channels)
    if size is not None:
        img = _fit(img, size, fit)
    x = np.asarray(img, dtype=np.float32) * np.float32(1.0 / 255.0)
    return x[None] if channels == 1 else np.ascontiguousarray(x.transpose(2, 0, 1))


def _decode_wide(img: Any, channels: int, size: tuple[int, int] | None, fit: str) -> np.ndarray:
    """A 16-bit greyscale image scaled by 1/65535 (Pillow's own conversion to 8 bits would clip
    every value above 255 to white), resized as float, repeated to ``channels``."""
    grey = np.asarray(img, dtype=np.float32) * np.float32(1.0 / 65535.0)
    img = _pil().fromarray(np.clip(grey, 0.0, 1.0))  # mode "F"
    if size is not None:
        img = _fit(img, size, fit)
    x = np.asarray(img, dtype=np.float32)[None]
    return np.ascontiguousarray(np.repeat(x, channels, axis=0))


def probe_images(paths: Sequence[str]) -> tuple[int, tuple[int, int] | None]:
    """``(channels, size)`` the files agree on: 1 if all are greyscale else 3; the common
    ``(H, W)`` or None when sizes differ. Every file is opened, so a broken one fails here."""
    grey, sizes = True, set()
    for path in paths:
        img = _open(path)
        grey = grey and _is_grey(img)
        sizes.add((img.height, img.width))
    return (1 if grey else 3), (sizes.pop() if len(sizes) == 1 else None)


def _size_clash(paths: Sequence[str]) -> str:
    """Two files of different sizes, for the error that asks for ``image_size``."""
    first = _open(paths[0])
    for path in paths[1:]:
        img = _open(path)
        if img.size != first.size:
            return (
                f"{first.height}x{first.width} in {paths[0]!r}, "
                f"{img.height}x{img.width} in {path!r}"
            )
    return "several sizes"  # pragma: no cover - only called when sizes differ


def _no_images(folder: str) -> str:
    """The message for a class folder without images: what it holds instead, and the fix."""
    others = sorted(
        os.path.relpath(os.path.join(here, n), folder)
        for here, dirs, names in os.walk(folder)
        for n in names if not is_hidden(n)
    )  # fmt: skip
    held = (
        f"it holds {len(others)} other file(s), e.g. {others[0]!r}" if others else "it is empty"
    )
    return (
        f"{folder!r}: class folder holds no images ({held}); expected image files "
        f"({', '.join(e.lstrip('.') for e in IMAGE_EXTENSIONS[:11])}, ...) in every class "
        "folder: add some, or remove the folder"
    )


class ImageFolder(Dataset):
    """Labelled images in class subfolders (torchvision's layout), decoded with Pillow.

    Parameters
    ----------
    root : str
        A folder with one subfolder per class, each holding PNG/JPEG files.
    image_size : int or (int, int), optional
        ``(H, W)`` every image is brought to. Default: the size the images
        share (a :class:`DataError` when they differ).
    fit : {"resize", "pad"}, default "resize"
        See :func:`decode_image`.
    channels : {1, 3}, optional
        Default: 1 when every image is greyscale, else 3.
    classes : sequence of str, optional
        The class names in label order (e.g. a training folder's, for its test
        folder); a subfolder not among them is an error. Default: the sorted
        subfolders.

    Attributes
    ----------
    classes : list of str
    samples : list of (str, int)
        Each file and its label.
    channels : int
    image_size : (int, int)

    Examples
    --------
    >>> ds = ImageFolder("flowers", image_size=64)
    >>> x, y = ds[0]            # (C, 64, 64) float32, int
    >>> x, y = ds.arrays()      # (N, C, 64, 64), (N,) int64
    """

    def __init__(
        self,
        root: str,
        *,
        image_size: int | tuple[int, int] | None = None,
        fit: str = "resize",
        channels: int | None = None,
        classes: Sequence[str] | None = None,
    ) -> None:
        if fit not in FITS:
            raise ValueError(f"ImageFolder: fit must be one of {', '.join(FITS)}, got {fit!r}")
        self.root, self.fit = str(root), fit
        found = find_classes(self.root)
        self.classes = list(classes) if classes is not None else found
        self.samples = self._scan(found)
        probed_channels, common = probe_images([p for p, _ in self.samples])
        self.channels = probed_channels if channels is None else channels
        size = image_size_arg(image_size)
        if size is None and common is None:
            raise DataError(
                f"{self.root!r}: the images differ in size "
                f"({_size_clash([p for p, _ in self.samples])}); choose one with "
                f"image_size (--image-size HxW)"
            )
        self.image_size: tuple[int, int] = size or common  # type: ignore[assignment]
        self._cache: tuple[np.ndarray, np.ndarray] | None = None

    def _scan(self, found: list[str]) -> list[tuple[str, int]]:
        index = {name: i for i, name in enumerate(self.classes)}
        samples: list[tuple[str, int]] = []
        for name in found:
            if name not in index:
                raise DataError(
                    f"{os.path.join(self.root, name)!r}: class {name!r} is not one of the "
                    f"training classes ({', '.join(self.classes)})"
                )
            files = class_images(os.path.join(self.root, name))
            if not files:
                raise DataError(_no_images(os.path.join(self.root, name)))
            samples += [(f, index[name]) for f in files]
        return samples

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, index: int) -> tuple[np.ndarray, int]:
        path, label = self.samples[index]
        return self._decode(path), label

    def _decode(self, path: str) -> np.ndarray:
        return decode_image(path, channels=self.channels, size=self.image_size, fit=self.fit)

    def get_batch(self, indices: Any) -> tuple[np.ndarray, np.ndarray]:
        """Images ``(B, C, H, W)`` and labels ``(B,)`` (decoded once, then kept in memory)."""
        x, y = self.arrays()
        idx = np.asarray(indices, dtype=np.int64)
        return x[idx], y[idx]

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """Every image decoded: ``x (N, C, H, W) float32``, ``y (N,) int64`` (kept after the first call)."""
        if self._cache is None:
            h, w = self.image_size
            x = np.empty((len(self.samples), self.channels, h, w), dtype=np.float32)
            for i, (path, _) in enumerate(self.samples):
                x[i] = self._decode(path)
            y = np.array([label for _, label in self.samples], dtype=np.int64)
            self._cache = (x, y)
        return self._cache

    def __repr__(self) -> str:
        h, w = self.image_size
        return (
            f"ImageFolder({self.root!r}, {len(self)} images, {len(self.classes)} classes, "
            f"{self.channels}x{h}x{w})"
        )
