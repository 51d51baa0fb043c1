"""torchvision's ``FakeData``: random images and labels, for checking a pipeline runs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ...data.dataset import Dataset
from ...tensor import Tensor
from ..transforms import ToPILImage

__all__ = ["FakeData"]


class FakeData(Dataset):
    """Random normal images with random labels, as ``torchvision.datasets.FakeData``.

    Item ``i`` is drawn from a generator seeded with ``i + random_offset``, so the same
    index gives the same item every time (the values are glassnet's, not torch's).

    Parameters
    ----------
    size : int, default 1000
        Number of items.
    image_size : tuple of int, default (3, 224, 224)
        ``(C, H, W)`` of each image, C in 1, 3 or 4.
    num_classes : int, default 10
        Labels are drawn from ``0 .. num_classes - 1``.
    transform, target_transform : callable, optional
        Applied to the image (a Pillow image, as torchvision gives) and to the label.
    random_offset : int, default 0
        Added to the index to seed each item.
    """

    def __init__(
        self,
        size: int = 1000,
        image_size: tuple[int, ...] = (3, 224, 224),
        num_classes: int = 10,
        transform: Callable[[Any], Any] | None = None,
        target_transform: Callable[[Any], Any] | None = None,
        random_offset: int = 0,
    ) -> None:
        if int(size) < 0:
            raise ValueError(f"FakeData: size must be >= 0, got {size!r}")
        if len(tuple(image_size)) != 3 or tuple(image_size)[0] not in (1, 3, 4):
            raise ValueError(f"FakeData: image_size must be (C, H, W) with C 1, 3 or 4, got {image_size!r}")
        if int(num_classes) < 1:
            raise ValueError(f"FakeData: num_classes must be >= 1, got {num_classes!r}")
        self.size = int(size)
        self.image_size = tuple(int(d) for d in image_size)
        self.num_classes = int(num_classes)
        self.transform = transform
        self.target_transform = target_transform
        self.random_offset = int(random_offset)

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        if not -self.size <= index < self.size:
            raise IndexError(f"FakeData: index {index} out of range for {self.size} items")
        index %= self.size
        rng = np.random.default_rng(index + self.random_offset)
        image = rng.standard_normal(self.image_size).astype(np.float32)
        target = Tensor(np.array(rng.integers(0, self.num_classes), dtype=np.int64))
        img = ToPILImage()(Tensor(image))
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target
