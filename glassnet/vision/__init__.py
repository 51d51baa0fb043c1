"""The part of torchvision that tutorials use: models (and, with the PyTorch-dialect work,
datasets and transforms)."""

from . import models

__all__ = ["models"]
