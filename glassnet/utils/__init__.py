"""Utilities that sit beside the framework: :mod:`glassnet.utils.tensorboard`."""
