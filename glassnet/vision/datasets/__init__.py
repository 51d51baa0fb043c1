"""torchvision's ``MNIST`` and ``FashionMNIST``: the same constructor, folders and items
(``ImageFolder`` and ``DatasetFolder`` are in :mod:`glassnet.vision.datasets.folder`).

::

    from glassnet.vision import datasets, transforms
    train = datasets.MNIST("../data", train=True, download=True, transform=transforms.ToTensor())
    image, label = train[0]          # Tensor (1, 28, 28) float32 in [0, 1], int

Where the files are looked for, in order:

1. torchvision's layout ``ROOT/MNIST/raw/`` (``ROOT/FashionMNIST/raw/``): the four
   ``*-ubyte`` files, gzipped or not;
2. glassnet's own lookup (``$GLASSNET_DATA/mnist``, the cache, and for
   Fashion-MNIST Debian's ``/usr/share/datasets/fashion-mnist``);
3. with ``download=True``, glassnet's SHA-256-checked download into ``ROOT/<Name>/raw/``.

An item's image is a Pillow image (mode ``"L"``) as in torchvision when Pillow is
installed, else a ``(28, 28)`` uint8 NumPy array; both go through
:class:`~glassnet.vision.transforms.ToTensor` to the same Tensor.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ...data.dataset import Dataset
from ...data.datasets import FASHION_MNIST_CLASSES, SPECS, ImageSetSpec, _find, _read_pair
from ...data.download import download_file, mirrors, search_folders
from ...tensor import Tensor
from .fake import FakeData
from .folder import DatasetFolder, ImageFolder

__all__ = ["MNIST", "FashionMNIST", "DatasetFolder", "ImageFolder", "FakeData"]


def _pil_image() -> Any:
    try:
        from PIL import Image
    except ImportError:
        return None
    return Image


class MNIST(Dataset):
    """The MNIST handwritten digits, torchvision's way.

    Parameters
    ----------
    root : str or os.PathLike
        The folder holding ``MNIST/raw/`` (created on download).
    train : bool, default True
        The 60,000 training images, else the 10,000 test images.
    transform : callable, optional
        Applied to each image (a Pillow image, or a uint8 ``(28, 28)`` array without Pillow).
    target_transform : callable, optional
        Applied to each label (an int).
    download : bool, default False
        Download missing files into ``root/MNIST/raw`` (SHA-256 verified).

    Attributes
    ----------
    data : Tensor of uint8, shape (N, 28, 28)
    targets : Tensor of int64, shape (N,)
    classes : list of str
    """

    _spec_key = "mnist"
    classes = [f"{d} - {w}" for d, w in enumerate(
        ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"))]  # fmt: skip

    def __init__(
        self,
        root: str | os.PathLike,
        train: bool = True,
        transform: Callable[[Any], Any] | None = None,
        target_transform: Callable[[Any], Any] | None = None,
        download: bool = False,
    ) -> None:
        who = type(self).__name__
        if not isinstance(root, (str, os.PathLike)):
            raise TypeError(f"{who}: root must be a folder path, got {type(root).__name__}")
        self.root = os.path.expanduser(os.fspath(root))
        self.train = bool(train)
        self.transform = transform
        self.target_transform = target_transform
        spec: ImageSetSpec = SPECS[self._spec_key]
        split = "train" if self.train else "test"
        paths = [self._locate(spec, f"{split}_{r}", bool(download)) for r in ("images", "labels")]
        images, labels = _read_pair(who, *paths, spec, None)  # any size, as torchvision reads
        self._images = images
        self._labels = labels.astype(np.int64)
        self.data = Tensor(images)
        self.targets = Tensor(self._labels)
        self._image = _pil_image()

    @property
    def raw_folder(self) -> str:
        """``root/<ClassName>/raw``, torchvision's place for the files."""
        return os.path.join(self.root, type(self).__name__, "raw")

    def _locate(self, spec: ImageSetSpec, role: str, download: bool) -> Path:
        raw = Path(self.raw_folder)
        own = search_folders(spec.folder, spec.system_dirs)
        found = _find(spec, role, [raw]) or _find(spec, role, own)
        if found is not None:
            return found
        f = spec.files[role]
        if not download:
            where = "\n  ".join(str(p) for p in [raw, *own])
            raise FileNotFoundError(
                f"{type(self).__name__}: {f.name} not found; looked in:\n  {where}\n"
                "Pass download=True, or put the files in the first folder."
            )
        return download_file(f.name, raw, f.sha256, mirrors(spec.mirrors))

    def __len__(self) -> int:
        return len(self._labels)

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        i = int(index)
        pixels = self._images[i]
        img = self._image.fromarray(pixels) if self._image is not None else pixels
        target: Any = int(self._labels[i])
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    @property
    def class_to_idx(self) -> dict[str, int]:
        """Class name to label."""
        return {c: i for i, c in enumerate(self.classes)}

    def __repr__(self) -> str:
        split = "Train" if self.train else "Test"
        return (
            f"Dataset {type(self).__name__}\n    Number of datapoints: {len(self)}\n"
            f"    Root location: {self.root}\n    Split: {split}"
        )


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST, torchvision's way (same parameters as :class:`MNIST`,
    files under ``root/FashionMNIST/raw``)."""

    _spec_key = "fashion_mnist"
    classes = list(FASHION_MNIST_CLASSES)
