"""``glassnet.cuda``: torch.cuda's everyday questions, answered through CuPy.

::

    device = gn.device("cuda" if gn.cuda.is_available() else "cpu")
    gn.cuda.manual_seed_all(0)

glassnet runs on an NVIDIA GPU through CuPy; without CuPy (or without a GPU)
:func:`is_available` is False and :func:`device_count` is 0, as in a CPU-only
PyTorch build.
"""

from __future__ import annotations

from . import backend
from . import cuda_amp as amp
from . import random as _random

__all__ = [
    "is_available", "device_count", "manual_seed", "manual_seed_all", "synchronize", "amp",
]  # fmt: skip


def is_available() -> bool:
    """True when CuPy is installed and sees at least one CUDA device."""
    return backend.cuda_available()


def device_count() -> int:
    """The number of CUDA devices CuPy sees (0 without CuPy or without a GPU)."""
    if not is_available():
        return 0
    cp = backend.cupy_if_loaded()
    return int(cp.cuda.runtime.getDeviceCount()) if cp is not None else 0


def manual_seed(seed: int) -> None:
    """Seed the random generator of the current GPU (silently nothing without one, as in torch)."""
    if is_available():
        cp = backend.cupy_if_loaded()
        _random.device_rng(int(cp.cuda.Device().id)).seed(int(seed))


def manual_seed_all(seed: int) -> None:
    """Seed the random generators of every GPU (nothing without one, as in torch)."""
    for i in range(device_count()):
        _random.device_rng(i).seed(int(seed))


def synchronize(device: str | backend.Device | None = None) -> None:
    """Wait for the GPU's queued work to finish (returns at once on the CPU)."""
    backend.synchronize(device)
