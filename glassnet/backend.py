"""Array back ends: NumPy on the CPU, CuPy on an NVIDIA GPU.

Every op picks its array module from its inputs with :func:`get_array_module`,
so one code path serves both devices. CuPy is imported only when a CUDA
device is asked for; the CPU path never imports it.
"""

from __future__ import annotations

import os
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
    "cupy_if_loaded",
    "device_of",
    "synchronize",
    "to_host",
    "default_dtype",
    "set_default_dtype",
    "tune_malloc",
    "malloc_tuned",
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
        Arrays (or tensors, whose ``array`` is inspected).
    """
    for a in arrays:
        t = type(a)
        if t is np.ndarray:
            continue
        data = getattr(a, "array", None)  # a Tensor's array (a CuPy array's is a memory pointer)
        if type(data) is np.ndarray:
            continue
        if t.__module__.startswith("cupy") or type(data).__module__.startswith("cupy"):
            return sys.modules["cupy"]
    return np


#: The CuPy module last found usable (re-checked when ``sys.modules["cupy"]`` changes).
_cupy_checked: Any = None


def _import_cupy():
    """CuPy, after checking it sees a CUDA device; a ``RuntimeError`` that says what to do if not."""
    global _cupy_checked
    mod = sys.modules.get("cupy")
    if mod is not None and mod is _cupy_checked:
        return mod
    try:
        import cupy
    except ImportError as exc:  # pragma: no cover - depends on the machine
        raise RuntimeError(
            "device 'cuda' needs CuPy: install the 'gpu' extra "
            "(pip install 'glassnet[gpu]', which brings cupy-cuda12x; "
            "'glassnet[gpu-cuda13]' for CUDA 13 drivers)"
        ) from exc
    except Exception as exc:  # pragma: no cover - a broken CUDA installation
        raise RuntimeError(
            f"device 'cuda': CuPy is installed but failed to import ({exc}); "
            "check that its CUDA version matches the driver (nvidia-smi)"
        ) from exc
    try:
        ok = cupy.cuda.is_available()
    except Exception:  # pragma: no cover - depends on the machine
        ok = False
    if not ok:
        raise RuntimeError(
            "device 'cuda' was asked for, but CuPy finds no usable CUDA GPU on this machine"
        )
    _cupy_checked = cupy
    return cupy


def cupy_if_loaded() -> Any:
    """The CuPy module if a CUDA device has already been used in this process, else None.

    Never imports CuPy (the CPU path must not); code that should act on the
    GPU only when one is in use (seeding its generator, say) asks this.
    """
    mod = sys.modules.get("cupy")
    return mod if mod is not None and mod is _cupy_checked else None


def cuda_available() -> bool:
    """True when CuPy is installed and sees at least one CUDA device."""
    try:
        _import_cupy()
    except RuntimeError:
        return False
    return True


def synchronize(device: str | Device | None = None) -> None:
    """Wait until the GPU has finished its queued work (no-op on the CPU).

    GPU work runs asynchronously: time a step with ``synchronize()`` before
    reading the clock. ``device`` defaults to the current GPU, when one is in use.
    """
    dev = Device(device) if device is not None else None
    if dev is not None and dev.type == "cpu":
        return
    cp = cupy_if_loaded() if dev is None else _import_cupy()
    if cp is None:
        return
    cp.cuda.Device(dev.index if dev is not None else None).synchronize()


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
        if name == "cpu" and idx and idx != "0":  # 'cpu:0' is the CPU, as in torch
            raise ValueError(f"device: the CPU is 'cpu' or 'cpu:0', got {spec!r}")
        if name == "cpu":
            idx = ""
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
    """Copy ``array`` to device ``dev`` (no copy when it is already there).

    Between two GPUs the array goes through the host: ``cupy.asarray`` alone
    would hand back the array still on its old device, and a direct copy needs
    peer access, which not every pair of GPUs has.
    """
    dev = Device(dev)
    if dev.type == "cpu":
        if is_cupy_array(array):
            return array.get()
        return array
    cp = _import_cupy()
    with cp.cuda.Device(dev.index):
        if is_cupy_array(array) and array.device.id != dev.index:
            return cp.asarray(array.get())
        return cp.asarray(array)


def to_host(value: Any) -> np.ndarray:
    """A NumPy array from a NumPy/CuPy array, a glassnet Tensor, a torch tensor or array-like.

    CuPy data is copied to the host; NumPy data is returned as it is (no copy). torch's
    bfloat16 and float8 tensors, which NumPy cannot hold, come back as float32.
    """
    if is_cupy_array(value):
        return value.get()
    if hasattr(value, "detach") and hasattr(value, "cpu"):  # a glassnet or torch tensor
        value = value.detach().cpu()
        kind = str(getattr(value, "dtype", ""))
        if ("bfloat16" in kind or "float8" in kind) and hasattr(value, "float"):
            value = value.float()  # NumPy has no bfloat16 or float8: widened to float32
        return value.numpy()
    return np.asarray(value)


# ------------------------------------------------------------------ allocator
#: glibc's mallopt parameter numbers.
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_M_ARENA_MAX = -8
_malloc_tuned = False


def tune_malloc(
    mmap_threshold: int = 32 << 20, trim_threshold: int = 256 << 20, arena_max: int | None = 1
) -> bool:
    """Make glibc keep freed memory for reuse instead of handing it back to the OS.

    A training step allocates and frees the same large arrays every time. By
    default glibc serves big requests with fresh ``mmap`` pages and returns the
    free top of its heap to the system, so the next step faults every page back
    in (thousands of page faults per step, more than the arithmetic of some ops).
    Raising both thresholds keeps that memory in the process: peak memory does
    not grow, but memory freed after a peak stays mapped (up to
    ``trim_threshold`` bytes of it). Threads that glassnet starts
    (:class:`glassnet.nn.DataParallel`) share the main heap (``arena_max=1``):
    glibc gives each thread a heap of its own, of at most 64 MiB, and unmaps
    any extra one as soon as it is free, so a thread's step that needs a bit
    more than one heap faulted its pages in again every step (1,300 page
    faults and 7% of the seed CNN's step after an evaluation pass had
    rearranged the heap). glassnet calls this once on import; set
    ``GLASSNET_MALLOC_TUNING=0`` before importing glassnet to leave the allocator
    alone.

    Parameters
    ----------
    mmap_threshold : int, default 32 MiB
        Requests at least this large still get their own ``mmap`` (glibc's maximum).
    trim_threshold : int, default 256 MiB
        Free memory at the top of the heap beyond this is returned to the system.
    arena_max : int or None, default 1
        The most heaps (arenas) glibc keeps for the process's threads; ``None``
        leaves glibc's default (8 per core). It applies to threads that have
        not allocated yet.

    Returns
    -------
    bool
        True when the settings were applied (Linux with glibc), False elsewhere.
    """
    global _malloc_tuned
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # pragma: no cover - not glibc (musl has no mallopt)
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    ok = bool(mallopt(_M_MMAP_THRESHOLD, int(mmap_threshold)))
    ok = bool(mallopt(_M_TRIM_THRESHOLD, int(trim_threshold))) and ok
    if arena_max is not None:
        ok = bool(mallopt(_M_ARENA_MAX, int(arena_max))) and ok
    _malloc_tuned = _malloc_tuned or ok
    return ok


def malloc_tuned() -> bool:
    """True when :func:`tune_malloc` has changed the allocator's settings in this process."""
    return _malloc_tuned


if os.environ.get("GLASSNET_MALLOC_TUNING", "1").strip() != "0":
    tune_malloc()
