"""``glassnet.backends``: torch.backends' availability flags (``backends.mps``, ``backends.cudnn``)."""

from . import cudnn, mps

__all__ = ["cudnn", "mps"]
