"""The part of torchvision that tutorials use: ``datasets`` (MNIST, FashionMNIST, ImageFolder,
DatasetFolder),
``transforms`` (Compose, ToTensor, Normalize, Lambda, RandomCrop, RandomHorizontalFlip, Resize,
CenterCrop),
``utils`` (make_grid, save_image) and ``models`` (ResNets)."""

from . import datasets, models, transforms, utils

__all__ = ["datasets", "models", "transforms", "utils"]
