"""One pool of scratch arrays for the ops that allocate large buffers every step.

A training step allocates the same large buffers (convolution columns, padded
inputs, recurrent gates and states, attention scores) over and over. Fresh
memory of that size comes from the operating system and is paid for in page
faults on first touch, which on small machines costs more than the arithmetic.
A :class:`Workspace` keeps the buffers it handed out and gives one out again
once nothing but the pool refers to it: the op that used it has returned, and
the graph node that saved it has run its backward or been dropped. No buffer
is reused while anything (a tensor, a view, a saved graph) can still read it,
so ops never give buffers back by hand.

The convolution layers own one workspace each (``nn.Conv2d.workspace``); the
functional ops, the recurrent layers and attention share
:func:`default_workspace`.
"""

from __future__ import annotations

import sys
import threading
from typing import Any

import numpy as np

__all__ = ["Workspace", "default_workspace"]

#: Whether reference counts can tell a free buffer (CPython); elsewhere every call allocates.
_CAN_COUNT = hasattr(sys, "getrefcount")


def _is_free(arrays: list, i: int) -> bool:
    """True when the pool's list holds the only reference to ``arrays[i]``."""
    # 2 references: the list's and getrefcount's argument. A view keeps its base alive
    # through ``.base``, so a buffer with live views counts as busy.
    return sys.getrefcount(arrays[i]) <= 2


class Workspace:
    """Scratch arrays reused across steps, so big buffers are not allocated per call.

    :meth:`empty` returns an uninitialised array of the asked shape and dtype:
    a pooled buffer of the same dtype and size when one is free (reshaped when
    needed), else a new one that the pool keeps. Only NumPy arrays of at least
    ``min_bytes`` are pooled; CuPy pools device memory itself.

    Parameters
    ----------
    max_arrays : int, default 8
        Buffers tracked at most. A new buffer beyond that evicts the oldest free
        one, else the oldest (which its users keep alive as long as they need it).
    min_bytes : int, default 0
        Smaller arrays are plain ``empty`` calls.

    Attributes
    ----------
    allocations : int
        How many buffers the pool had to allocate (a steady training loop stops adding).

    Notes
    -----
    Copying a module (``copy.deepcopy``, pickling) gives a fresh, empty workspace.
    """

    def __init__(self, max_arrays: int = 8, min_bytes: int = 0) -> None:
        self.max_arrays = max_arrays
        self.min_bytes = min_bytes
        self.allocations = 0
        self._arrays: list = []
        self._lock = threading.Lock()

    def empty(self, xp: Any, shape: tuple[int, ...], dtype: Any) -> Any:
        """An uninitialised array of ``shape`` and ``dtype`` (a free pooled buffer when possible)."""
        dtype = np.dtype(dtype)
        shape = tuple(int(s) for s in shape)
        size = 1
        for s in shape:
            size *= s
        if xp is not np or size * dtype.itemsize < self.min_bytes or not _CAN_COUNT:
            return xp.empty(shape, dtype=dtype)
        with self._lock:
            arrays = self._arrays
            # no local name may hold a pooled array while _is_free looks at its count
            for i in range(len(arrays)):
                if arrays[i].size == size and arrays[i].dtype == dtype and _is_free(arrays, i):
                    found = arrays[i]
                    return found if found.shape == shape else found.reshape(shape)
            out = np.empty(shape, dtype=dtype)
            self._track(out)
            self.allocations += 1
            return out

    def give(self, arr: Any) -> None:
        """Adopt ``arr`` (a NumPy array that owns its C-contiguous memory) as a pooled buffer.

        Arrays that are views, or not NumPy arrays, are ignored.
        """
        if type(arr) is not np.ndarray or arr.base is not None or not arr.flags.c_contiguous:
            return
        with self._lock:
            if all(a is not arr for a in self._arrays):
                self._track(arr)

    def _track(self, arr: Any) -> None:
        arrays = self._arrays
        if len(arrays) >= self.max_arrays:  # drop the oldest free buffer, else the oldest
            free = [i for i in range(len(arrays)) if _is_free(arrays, i)]
            arrays.pop(free[0] if free else 0)
        arrays.append(arr)

    def clear(self) -> None:
        """Forget every pooled buffer (those in use stay alive with their users)."""
        with self._lock:
            self._arrays.clear()

    @property
    def nbytes(self) -> int:
        """Bytes held by free buffers."""
        with self._lock:
            arrays = self._arrays
            return sum(arrays[i].nbytes for i in range(len(arrays)) if _is_free(arrays, i))

    def __deepcopy__(self, memo: dict) -> Workspace:
        return Workspace(self.max_arrays, self.min_bytes)

    def __getstate__(self) -> dict:
        return {"max_arrays": self.max_arrays, "min_bytes": self.min_bytes}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state.get("max_arrays", 8), state.get("min_bytes", 0))

    def __repr__(self) -> str:
        return (
            f"Workspace({len(self._arrays)} buffers, {self.nbytes / 2**20:.1f} MiB free, "
            f"max_arrays={self.max_arrays})"
        )


_DEFAULT = Workspace(max_arrays=64, min_bytes=1 << 16)


def default_workspace() -> Workspace:
    """The pool shared by the functional ops (when no workspace is passed), RNNs and attention."""
    return _DEFAULT
