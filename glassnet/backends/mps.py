"""Apple's Metal (MPS) backend: glassnet has none, so both questions answer False."""

from __future__ import annotations

__all__ = ["is_available", "is_built"]


def is_available() -> bool:
    """False: glassnet does not run on Apple's Metal GPUs (it runs on NumPy or CuPy)."""
    return False


def is_built() -> bool:
    """False: glassnet has no Metal backend."""
    return False
