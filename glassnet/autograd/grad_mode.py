"""Switching gradient recording on and off: ``no_grad``, ``enable_grad``, ``set_grad_enabled``."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled"]

F = TypeVar("F", bound=Callable[..., Any])


class _State(threading.local):
    enabled = True


_state = _State()


def is_grad_enabled() -> bool:
    """True when ops record the graph for ``backward()``."""
    return _state.enabled


class set_grad_enabled:
    """Context manager and decorator that sets gradient recording to ``mode``."""

    def __init__(self, mode: bool) -> None:
        self.mode = bool(mode)
        self.prev = _state.enabled
        _state.enabled = self.mode

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        _state.enabled = self.prev


class _GradSwitch:
    mode = True

    def __enter__(self) -> None:
        self.prev = _state.enabled
        _state.enabled = self.mode

    def __exit__(self, *exc: object) -> None:
        _state.enabled = self.prev

    def __call__(self, fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self.__class__():
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class no_grad(_GradSwitch):
    """Run ops without recording the graph (inference, parameter updates).

    Usable as ``with gn.no_grad():`` or as a decorator ``@gn.no_grad()``.
    """

    mode = False


class enable_grad(_GradSwitch):
    """Turn gradient recording back on inside a ``no_grad`` block."""

    mode = True
