"""torchvision's ``DatasetFolder`` and ``ImageFolder``: one subfolder per class, any loader.

::

    from glassnet.vision import datasets, transforms
    tf = transforms.Compose([transforms.Resize(64), transforms.ToTensor()])
    train = datasets.ImageFolder("photos/train", transform=tf)
    image, label = train[0]          # what tf makes of a Pillow RGB image, int

As in torchvision: the classes are the sorted subfolders of ``root`` (``class_to_idx``
numbers them in that order); each class's files are found in its folder and every
folder below it (links followed), sorted by path; a file counts when its name ends in
one of :data:`IMG_EXTENSIONS` (any case) or when ``is_valid_file(path)`` says so; an item
is ``(transform(loader(path)), target_transform(class_index))``; the default loader
opens the file with Pillow and converts it to RGB. A class folder with no file is an
error unless ``allow_empty=True``.

glassnet's own :class:`glassnet.data.ImageFolder` decodes to arrays of one size for
training from the command line; this one is for scripts written for torchvision.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

from ...data.dataset import Dataset

__all__ = ["IMG_EXTENSIONS", "DatasetFolder", "ImageFolder", "default_loader", "pil_loader"]

#: File name endings torchvision's ``ImageFolder`` reads (compared case-insensitively).
IMG_EXTENSIONS = (".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp")


def pil_loader(path: str) -> Any:
    """The image at ``path`` as a Pillow RGB image (read whole, so the file is closed)."""
    try:
        from PIL import Image
    except ImportError as e:
        raise ImportError(
            f"ImageFolder: reading {path!r} needs Pillow (pip install 'glassnet[image]')"
        ) from e
    with open(path, "rb") as f:
        img = Image.open(f)
        return img.convert("RGB")


def default_loader(path: str) -> Any:
    """torchvision's default loader: :func:`pil_loader`."""
    return pil_loader(path)


def _class_folders(root: str) -> list[str]:
    if not os.path.isdir(root):
        raise FileNotFoundError(
            f"DatasetFolder: {root!r}: expected a folder of class folders, got no such folder"
        )
    names = sorted(e.name for e in os.scandir(root) if e.is_dir())
    if not names:
        raise FileNotFoundError(f"DatasetFolder: {root!r}: expected class subfolders, found none")
    return names


def _files_below(folder: str, valid: Callable[[str], bool]) -> list[str]:
    """The files that count in ``folder`` and below: folders in sorted path order, each
    folder's files sorted by name (torchvision's order)."""
    found = []
    for here, _, names in sorted(os.walk(folder, followlinks=True)):
        found += [os.path.join(here, n) for n in sorted(names) if valid(os.path.join(here, n))]
    return found


def _validity(
    extensions: Sequence[str] | str | None, is_valid_file: Callable[[str], bool] | None
) -> Callable[[str], bool]:
    if (extensions is None) == (is_valid_file is None):
        raise ValueError(
            "DatasetFolder: expected exactly one of extensions and is_valid_file, got "
            + ("both" if extensions is not None else "neither")
        )
    if is_valid_file is not None:
        return is_valid_file
    ends = (extensions,) if isinstance(extensions, str) else tuple(extensions)
    ends = tuple(e.lower() for e in ends)
    return lambda path: path.lower().endswith(ends)


class DatasetFolder(Dataset):
    """Samples in class subfolders of ``root``, read by ``loader`` (torchvision's ``DatasetFolder``).

    Parameters
    ----------
    root : str or os.PathLike
    loader : callable
        ``loader(path) -> sample``.
    extensions : sequence of str or str, optional
        File endings that count (case-insensitive); give this or ``is_valid_file``.
    transform, target_transform : callable, optional
        Applied to each sample and each class index.
    is_valid_file : callable, optional
        ``is_valid_file(path) -> bool``.
    allow_empty : bool, default False
        Whether a class folder without files is accepted.

    Attributes
    ----------
    classes : list of str
    class_to_idx : dict of str to int
    samples : list of (str, int)
    targets : list of int
    """

    def __init__(
        self,
        root: str | os.PathLike,
        loader: Callable[[str], Any],
        extensions: Sequence[str] | str | None = None,
        transform: Callable[[Any], Any] | None = None,
        target_transform: Callable[[Any], Any] | None = None,
        is_valid_file: Callable[[str], bool] | None = None,
        allow_empty: bool = False,
    ) -> None:
        self.root = os.fspath(root)
        self.loader, self.transform, self.target_transform = loader, transform, target_transform
        self.classes, self.class_to_idx = self.find_classes(self.root)
        self.samples = self.make_dataset(
            self.root, self.class_to_idx, extensions, is_valid_file, allow_empty
        )
        self.targets = [label for _, label in self.samples]

    @staticmethod
    def find_classes(directory: str) -> tuple[list[str], dict[str, int]]:
        """The sorted class folders of ``directory`` and their indices."""
        names = _class_folders(directory)
        return names, {name: i for i, name in enumerate(names)}

    @staticmethod
    def make_dataset(
        directory: str,
        class_to_idx: dict[str, int],
        extensions: Sequence[str] | str | None = None,
        is_valid_file: Callable[[str], bool] | None = None,
        allow_empty: bool = False,
    ) -> list[tuple[str, int]]:
        """``(path, class index)`` of every file that counts, class by class."""
        valid = _validity(extensions, is_valid_file)
        samples: list[tuple[str, int]] = []
        for name, index in sorted(class_to_idx.items(), key=lambda kv: kv[0]):
            files = _files_below(os.path.join(directory, name), valid)
            if not files and not allow_empty:
                what = (
                    "files accepted by is_valid_file" if is_valid_file
                    else f"files ending in {extensions}"
                )  # fmt: skip
                raise FileNotFoundError(
                    f"DatasetFolder: class folder {os.path.join(directory, name)!r}: expected "
                    f"{what}, found none (allow_empty=True accepts an empty class)"
                )
            samples += [(path, index) for path in files]
        return samples

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        path, target = self.samples[index]
        sample = self.loader(path)
        if self.transform is not None:
            sample = self.transform(sample)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return sample, target


class ImageFolder(DatasetFolder):
    """Images in class subfolders of ``root``, as Pillow RGB images (torchvision's ``ImageFolder``).

    Parameters
    ----------
    root : str or os.PathLike
    transform, target_transform : callable, optional
    loader : callable, default :func:`default_loader`
    is_valid_file : callable, optional
        Default: the name ends in one of :data:`IMG_EXTENSIONS`.
    allow_empty : bool, default False

    Attributes
    ----------
    classes, class_to_idx, samples, targets
        As :class:`DatasetFolder`.
    imgs : list of (str, int)
        The same list as ``samples``.
    """

    def __init__(
        self,
        root: str | os.PathLike,
        transform: Callable[[Any], Any] | None = None,
        target_transform: Callable[[Any], Any] | None = None,
        loader: Callable[[str], Any] = default_loader,
        is_valid_file: Callable[[str], bool] | None = None,
        allow_empty: bool = False,
    ) -> None:
        super().__init__(
            root, loader, IMG_EXTENSIONS if is_valid_file is None else None,
            transform=transform, target_transform=target_transform,
            is_valid_file=is_valid_file, allow_empty=allow_empty,
        )  # fmt: skip
        self.imgs = self.samples
