"""Utilities beside the framework: :mod:`glassnet.utils.data` (torch.utils.data's API),
:mod:`glassnet.utils.checkpoint` (torch's checkpointing calls, run without recomputation)
and :mod:`glassnet.utils.tensorboard` (optional, needs the tensorboard extra)."""

from . import checkpoint, data

__all__ = ["checkpoint", "data"]
