"""Utilities beside the framework: :mod:`glassnet.utils.data` (torch.utils.data's API) and
:mod:`glassnet.utils.tensorboard` (optional, needs the tensorboard extra)."""

from . import data

__all__ = ["data"]
