"""Anomaly detection (torch's ``torch.autograd.detect_anomaly``): NaN gradients named at the op.

While it is on, every node's backward result is checked, and the first one with a NaN
raises ``RuntimeError("Function 'MulBackward' returned nan values in its 0th output.")``
(torch's message) naming the op whose backward produced it, instead of letting the NaN
reach the parameters. Off by default: the check costs a pass over every gradient.

>>> with gn.autograd.detect_anomaly():        # doctest: +SKIP
...     loss.backward()
>>> gn.autograd.set_detect_anomaly(True)      # on until set_detect_anomaly(False)  # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

from ..backend import get_array_module

__all__ = ["detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled", "check"]

_state = {"enabled": False, "check_nan": True}


def is_anomaly_enabled() -> bool:
    """Whether backward passes check each op's gradients for NaN."""
    return _state["enabled"]


def is_anomaly_check_nan_enabled() -> bool:
    return _state["check_nan"]


class set_detect_anomaly:  # noqa: N801 - torch's name: a function and a context manager
    """Turn anomaly detection on or off; as a context manager, restore it on exit.

    Parameters
    ----------
    mode : bool
    check_nan : bool, default True
        Whether NaN gradients raise (torch's flag of the same name).
    """

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self._previous = (_state["enabled"], _state["check_nan"])
        _state["enabled"], _state["check_nan"] = bool(mode), bool(check_nan)

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: Any) -> None:
        _state["enabled"], _state["check_nan"] = self._previous


class detect_anomaly:  # noqa: N801 - torch's name
    """Context manager (or decorator) that turns anomaly detection on inside it."""

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = check_nan

    def __enter__(self) -> None:
        self._previous = (_state["enabled"], _state["check_nan"])
        _state["enabled"], _state["check_nan"] = True, bool(self.check_nan)

    def __exit__(self, *exc: Any) -> None:
        _state["enabled"], _state["check_nan"] = self._previous

    def __call__(self, fn: Any) -> Any:
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            with detect_anomaly(self.check_nan):
                return fn(*args, **kwargs)

        return wrapped


def check(node: Any, grads: tuple) -> None:
    """Raise torch's error if ``node``'s backward returned a NaN (anomaly mode, check_nan)."""
    if not _state["check_nan"]:
        return
    for i, g in enumerate(grads):
        if g is not None and getattr(g, "dtype", None) is not None and g.dtype.kind in "fc":
            if bool(get_array_module(g).isnan(g).any()):
                raise RuntimeError(
                    f"Function '{type(node).__name__}Backward' returned nan values in its "
                    f"{i}th output."
                )
