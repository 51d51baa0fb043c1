"""The part of torchvision that tutorials use: ``datasets`` (MNIST, FashionMNIST, ImageFolder,
DatasetFolder),
``transforms`` (conversions, Normalize, crops, flips, resizing, rotation, padding, colour jitter,
grey, the random containers),
``utils`` (make_grid, save_image) and ``models`` (ResNets)."""

from . import datasets, models, transforms, utils

__all__ = ["datasets", "models", "transforms", "utils"]
