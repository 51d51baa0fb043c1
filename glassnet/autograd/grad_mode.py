"""Switching gradient recording on and off: ``no_grad``, ``enable_grad``, ``set_grad_enabled``,
``inference_mode``."""

from __future__ import annotations

import functools
import inspect
import threading
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = [
    "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled", "inference_mode",
    "is_inference_mode_enabled",
]  # fmt: skip

F = TypeVar("F", bound=Callable[..., Any])


class _State(threading.local):
    enabled = True
    inference = False


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

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        if len(args) == 1 and not kwargs and callable(args[0]) and not isinstance(args[0], bool):
            return cls()(args[0])  # the bare decorator, ``@torch.no_grad``
        return super().__new__(cls)

    def __enter__(self) -> None:
        self.prev = _state.enabled
        _state.enabled = self.mode

    def __exit__(self, *exc: object) -> None:
        _state.enabled = self.prev

    def __call__(self, fn: F) -> F:
        if inspect.isgeneratorfunction(fn):
            return _generator_under(fn, self.__class__)

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self.__class__():
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


def _generator_under(fn: F, mode: Callable[[], Any]) -> F:
    """A generator function whose body runs under ``mode()`` each time it resumes, as
    torch's decorators do (the caller's mode holds between ``yield``s)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        gen = fn(*args, **kwargs)
        try:
            with mode():
                item = gen.send(None)
            while True:
                try:
                    sent = yield item
                except GeneratorExit:
                    with mode():
                        gen.close()
                    raise
                except BaseException as exc:  # thrown in by the caller: into the body
                    with mode():
                        item = gen.throw(exc)
                else:
                    with mode():
                        item = gen.send(sent)
        except StopIteration as stop:
            return stop.value

    return wrapper  # type: ignore[return-value]


class no_grad(_GradSwitch):
    """Run ops without recording the graph (inference, parameter updates).

    Usable as ``with gn.no_grad():`` or as a decorator ``@gn.no_grad()``.
    """

    mode = False


class enable_grad(_GradSwitch):
    """Turn gradient recording back on inside a ``no_grad`` block."""

    mode = True


class inference_mode(_GradSwitch):
    """``torch.inference_mode``: no graph is recorded, as under :class:`no_grad`.

    glassnet has no separate inference tensors, so this is ``no_grad`` that also answers
    :func:`is_inference_mode_enabled`. ``inference_mode(False)`` changes nothing (as in
    PyTorch, it does not turn gradients on). Usable as ``with``, ``@inference_mode()`` and
    the bare ``@inference_mode``.
    """

    def __init__(self, mode: bool = True) -> None:
        self.on = bool(mode)

    def __enter__(self) -> None:
        self.prev, self.prev_inference = _state.enabled, _state.inference
        if self.on:
            _state.enabled, _state.inference = False, True

    def __exit__(self, *exc: object) -> None:
        _state.enabled, _state.inference = self.prev, self.prev_inference

    def __call__(self, fn: F) -> F:
        on = self.on
        if inspect.isgeneratorfunction(fn):
            return _generator_under(fn, lambda: inference_mode(on))

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with inference_mode(on):
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


def is_inference_mode_enabled() -> bool:
    """True inside an :class:`inference_mode` block."""
    return _state.inference
