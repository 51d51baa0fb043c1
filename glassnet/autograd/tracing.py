"""The slot where an exporter installs a trace recorder (see ``glassnet/io/onnx_trace.py``).

While a recorder is installed (on this thread), :meth:`Function.apply` hands every op to
``recorder.apply(cls, args, kwargs)`` instead of recording the autograd graph, so a trace
sees every op a model runs, on tensors that require gradients or not.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

__all__ = ["recording", "current"]


class _Slot(threading.local):
    recorder: Any = None


_slot = _Slot()


def current() -> Any:
    """The recorder installed on this thread, or ``None``."""
    return _slot.recorder


@contextlib.contextmanager
def recording(recorder: Any) -> Iterator[None]:
    """Install ``recorder`` (``None`` suspends recording) for the ``with`` block."""
    prev = _slot.recorder
    _slot.recorder = recorder
    try:
        yield
    finally:
        _slot.recorder = prev
