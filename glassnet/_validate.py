"""Argument checks shared by the whole package: one definition of each.

Each check takes ``who`` (the layer, op or function being called), ``name``
(the argument) and ``value``, returns the value as the plain Python type the
caller stores, and otherwise raises with the message ``"who: name must be
<what is expected>, got <value!r>"``::

    >>> positive_int("Linear", "in_features", 0)
    Traceback (most recent call last):
    ...
    ValueError: Linear: in_features must be a positive int, got 0

Booleans are never numbers here (``True`` is not a size), and NumPy integers
and floats are accepted where Python ones are. ``flag`` raises ``TypeError``;
the others raise ``ValueError``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

__all__ = [
    "is_int", "is_number", "positive_int", "int_at_least", "int_pair", "positive_number",
    "nonnegative_number", "finite_number", "number_in", "probability", "flag", "one_of",
]  # fmt: skip


def is_int(value: Any) -> bool:
    """True for a Python or NumPy integer; False for bools (``True`` is no count)."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def is_number(value: Any) -> bool:
    """True for a Python or NumPy int or float; False for bools."""
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
        value, (bool, np.bool_)
    )


def _fail(who: str, name: str, what: str, value: Any) -> ValueError:
    return ValueError(f"{who}: {name} must be {what}, got {value!r}")


def int_at_least(who: str, name: str, value: Any, minimum: int) -> int:
    """``value`` as an int ``>= minimum``."""
    if not is_int(value) or value < minimum:
        raise _fail(who, name, f"an int >= {minimum}", value)
    return int(value)


def positive_int(who: str, name: str, value: Any) -> int:
    """``value`` as an int > 0."""
    if not is_int(value) or value <= 0:
        raise _fail(who, name, "a positive int", value)
    return int(value)


def int_pair(who: str, name: str, value: Any, *, minimum: int = 1) -> tuple[int, int]:
    """An int or a pair of ints, each ``>= minimum`` (1 or 0), as a pair (kernel sizes, strides)."""
    if is_int(value) and value >= minimum:
        return int(value), int(value)
    if (
        isinstance(value, (tuple, list))
        and len(value) == 2
        and all(is_int(v) and v >= minimum for v in value)
    ):
        return int(value[0]), int(value[1])
    kind = "positive" if minimum == 1 else "non-negative"
    raise _fail(who, name, f"a {kind} int or pair of ints", value)


def positive_number(who: str, name: str, value: Any) -> float:
    """``value`` as a finite float > 0."""
    if not is_number(value) or not math.isfinite(value) or value <= 0:
        raise _fail(who, name, "a finite number > 0", value)
    return float(value)


def nonnegative_number(who: str, name: str, value: Any) -> float:
    """``value`` as a finite float >= 0."""
    if not is_number(value) or not math.isfinite(value) or value < 0:
        raise _fail(who, name, "a finite number >= 0", value)
    return float(value)


def finite_number(who: str, name: str, value: Any) -> float:
    """``value`` as a finite float (``nan`` and ``inf`` refused)."""
    if not is_number(value) or not math.isfinite(value):
        raise _fail(who, name, "a finite number", value)
    return float(value)


def number_in(who: str, name: str, value: Any, low: float, high: float, *, closed: bool) -> float:
    """``value`` as a float in ``[low, high]`` (``closed``) or ``[low, high)``."""
    if not (is_number(value) and low <= value and (value <= high if closed else value < high)):
        interval = f"[{low:g}, {high:g}{']' if closed else ')'}"
        raise _fail(who, name, f"a number in {interval}", value)
    return float(value)


def probability(who: str, name: str, value: Any) -> float:
    """``value`` as a drop probability in ``[0, 1)``."""
    if not is_number(value) or not 0.0 <= value < 1.0:
        raise _fail(who, name, "a probability in [0, 1)", value)
    return float(value)


def flag(who: str, name: str, value: Any) -> bool:
    """``value`` as a bool; only ``True``/``False`` (or NumPy bools) pass, raising ``TypeError``."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{who}: {name} must be True or False, got {value!r}")
    return bool(value)


def one_of(who: str, name: str, value: Any, choices: Iterable[Any]) -> Any:
    """``value`` when it is one of ``choices`` (of the same type: ``1`` is not ``True``)."""
    options = tuple(choices)
    if not any(type(value) is type(c) and value == c for c in options):
        raise _fail(who, name, f"one of {', '.join(map(repr, options))}", value)
    return value
