"""Array back ends: NumPy on the CPU, CuPy on an NVIDIA GPU.

Every op picks its array module from its inputs with :func:`get_array_module`,
so one code path serves both devices. CuPy is imported only when a CUDA
device is asked for; the CPU path never imports it.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

__all__ = [
    "Device",
    "device",
    "get_array_module",
    "is_cupy_array",
    "to_device",
    "cuda_available",
    "default_dtype",
    "set_default_dtype",
]

_DEFAULT_DTYPE = np.dtype(np.float32)


def default_dtype() -> np.dtype:
    """The floating dtype new tensors get when none is given (float32 unless changed)."""
    return _DEFAULT_DTYPE


def set_default_dtype(dtype: Any) -> None:
    """Set the floating dtype for new tensors: ``float32`` or ``float64``."""
    global _DEFAULT_DTYPE
    dt = np.dtype(dtype)
    if dt not in (np.float32, np.float64):
        raise ValueError(f"set_default_dtype: expected float32 or float64, got {dt}")
    _DEFAULT_DTYPE = dt


def is_cupy_array(x: Any) -> bool:
    """True when ``x`` is a CuPy array (checked without importing CuPy)."""
    return type(x).__module__.startswith("cupy")


def get_array_module(*arrays: Any):
    """Return ``cupy`` if any argument is a CuPy array, else ``numpy``.

    Parameters
    ----------
    *arrays : array-like or Tensor
        Arrays (or tensors, whose ``data`` is inspected).
    """
    for a in arrays:
        data = getattr(a, "data", a)
        if is_cupy_array(data):
            return sys.modules["cupy"]
    return np


def _import_cupy():
    try:
        import cupy
    except ImportError as exc:  # pragma: no cover - depends on the machine
        raise RuntimeError(
            "device 'cuda' needs CuPy: install the 'gpu' extra "
            "(pip install 'glassnet[gpu]', which brings cupy-cuda12x)"
        ) from exc
    try:
        ok = cupy.cuda.is_available()
    except Exception:  # pragma: no cover - depends on the machine
        ok = False
    if not ok:
        raise RuntimeError(
            "device 'cuda' was asked for, but CuPy finds no usable CUDA GPU on this machine"
        )
    return cupy


def cuda_available() -> bool:
    """True when CuPy is installed and sees at least one CUDA device."""
    try:
        _import_cupy()
    except RuntimeError:
        return False
    return True


class Device:
    """A compute device: ``Device("cpu")`` or ``Device("cuda")`` / ``Device("cuda:1")``."""

    __slots__ = ("type", "index")

    def __init__(self, spec: str | Device = "cpu") -> None:
        if isinstance(spec, Device):
            self.type, self.index = spec.type, spec.index
            return
        if not isinstance(spec, str):
            raise TypeError(f"device: expected 'cpu', 'cuda' or 'cuda:N', got {spec!r}")
        name, _, idx = spec.partition(":")
        if name not in ("cpu", "cuda"):
            raise ValueError(f"device: expected 'cpu', 'cuda' or 'cuda:N', got {spec!r}")
        if name == "cpu" and idx:
            raise ValueError(f"device: 'cpu' takes no index, got {spec!r}")
        if idx and not idx.isdigit():
            raise ValueError(f"device: the index in {spec!r} must be a non-negative int")
        self.type = name
        self.index = int(idx) if idx else (0 if name == "cuda" else None)

    @property
    def xp(self):
        """The array module of this device (``numpy`` or ``cupy``)."""
        return np if self.type == "cpu" else _import_cupy()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            other = Device(other)
        return isinstance(other, Device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __repr__(self) -> str:
        return f"device('{self}')"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"


def device(spec: str | Device = "cpu") -> Device:
    """Make a :class:`Device` from ``'cpu'``, ``'cuda'`` or ``'cuda:N'``."""
    return Device(spec)


def device_of(array: Any) -> Device:
    """The device an array lives on."""
    if is_cupy_array(array):
        return Device(f"cuda:{array.device.id}")
    return Device("cpu")


def to_device(array: Any, dev: str | Device):
    """Copy ``array`` to device ``dev`` (no copy when it is already there)."""
    dev = Device(dev)
    if dev.type == "cpu":
        if is_cupy_array(array):
            return array.get()
        return array
    cp = _import_cupy()
    with cp.cuda.Device(dev.index):
        return cp.asarray(array)
