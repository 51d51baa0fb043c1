"""``glassnet.accelerator``: torch.accelerator's device-agnostic questions.

The only accelerator glassnet drives is a CUDA GPU through CuPy, so
``current_accelerator()`` is ``device('cuda')`` when :func:`glassnet.cuda.is_available`
and None otherwise, exactly as torch answers on a machine without one.
"""

from __future__ import annotations

from . import cuda
from .backend import Device

__all__ = ["is_available", "current_accelerator", "device_count"]


def is_available() -> bool:
    """True when a CUDA GPU is usable (CuPy installed and a device present)."""
    return cuda.is_available()


def current_accelerator(check_available: bool = False) -> Device | None:
    """``device('cuda')`` when a GPU is usable, else None (torch's answer without an accelerator)."""
    return Device("cuda") if cuda.is_available() else None


def device_count() -> int:
    """The number of accelerator devices (CUDA GPUs) glassnet can use."""
    return cuda.device_count()
