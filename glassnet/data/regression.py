"""Regression targets of your own data: which task a target column asks for, its values, its scale.

A table's target column (or an ``.npz``'s ``y``) is a *classification* target
when it holds text or whole numbers, and a *regression* target when it holds
numbers of which some are not whole (``task="auto"``); ``task="regression"``
or ``"classification"`` forces one. A regression target is read as float
values ``(N, 1)`` (every cell a finite number) and standardised with the
training split's mean and standard deviation (:class:`TargetScaler`), kept
with the run so predictions come back in the target's own units.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import DataError, DataWarning

__all__ = [
    "TASKS", "check_task", "numeric_label", "is_regression_labels", "regression_values",
    "regression_array", "TargetScaler",
]  # fmt: skip

#: What ``task`` may be: pick from the target's values, or force one.
TASKS = ("auto", "classification", "regression")
_MISSING = frozenset(("", "na", "n/a", "?", "nan", "null"))


def check_task(who: str, task: Any) -> str:
    """``task`` if it is one of :data:`TASKS`; a ValueError naming ``who`` otherwise."""
    if task not in TASKS:
        raise ValueError(f"{who}: task must be one of {', '.join(TASKS)}, got {task!r}")
    return task


def numeric_label(text: str) -> float | None:
    """The number a target cell spells (``inf`` and ``nan`` included), else None."""
    if "_" in text:  # '1_0' is Python's digit separator, not a CSV number
        return None
    try:
        return float(text)
    except ValueError:
        return None


def is_regression_labels(labels: Sequence[str]) -> bool:
    """``task="auto"``: True when every present label is a number and some finite one is not whole.

    Missing cells (blank, ``NA``, ``?``, ...) are left out of the decision, so a
    regression column with a gap is still read as one and its gap named.
    """
    found = False
    for label in labels:
        if label.strip().lower() in _MISSING:
            continue
        v = numeric_label(label)
        if v is None:
            return False  # text: class names
        if math.isfinite(v) and v != round(v):
            found = True
    return found


def regression_values(
    path: str, target: str, labels: Sequence[str], lines: Sequence[int]
) -> np.ndarray:
    """The target cells as float32 ``(N, 1)``.

    Raises
    ------
    DataError
        Naming the file, the line and the column: an empty or missing cell,
        text, NaN or an infinite value, a value beyond float32's range.
    """
    out = np.empty((len(labels), 1), dtype=np.float32)
    big = float(np.finfo(np.float32).max)
    for i, (label, line) in enumerate(zip(labels, lines)):
        where = f"{path!r}: line {line}, column {target!r}"
        if label.strip().lower() in _MISSING:
            raise DataError(
                f"{where}: expected a number (regression target), got a missing value "
                f"{label!r}; fill it or remove the row"
            )
        v = numeric_label(label)
        if v is None:
            raise DataError(
                f"{where}: expected a number (regression target), got the text {label!r}; "
                "a column of class names needs --task classification"
            )
        if not math.isfinite(v) or abs(v) > big:
            raise DataError(f"{where}: expected a finite number (regression target), got {label!r}")
        out[i, 0] = v
    return out


def regression_array(path: str, key: str, y: np.ndarray, n: int) -> np.ndarray:
    """An ``.npz``'s targets ``y`` (``(N,)`` or ``(N, 1)``, numbers) as float32 ``(N, 1)``."""
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1 or len(y) != n:
        raise DataError(
            f"{path!r}: expected {key} of shape ({n},) (one regression target per sample), "
            f"got {y.shape}"
        )
    if y.dtype.kind not in "iubf":
        raise DataError(
            f"{path!r}: expected numbers in {key} for a regression target, got {y.dtype} "
            "(class labels need --task classification)"
        )
    values = y.astype(np.float64)
    bad = ~np.isfinite(values) | (np.abs(values) > float(np.finfo(np.float32).max))
    if bad.any():
        i = int(np.argmax(bad))
        raise DataError(
            f"{path!r}: {key}[{i}]: expected a finite number (regression target), "
            f"got {float(values[i])!r}"
        )
    return values.astype(np.float32)[:, None]


@dataclass(frozen=True)
class TargetScaler:
    """``(y - mean) / std`` of regression targets, with the training split's statistics.

    Attributes
    ----------
    mean, std : float
        A constant target gets ``std`` 1 (with a :class:`DataWarning`).
    """

    mean: float
    std: float

    @classmethod
    def fit(cls, y: np.ndarray, *, source: str = "", target: str = "") -> TargetScaler:
        """The statistics of ``y (N, 1)`` (population standard deviation)."""
        y64 = np.asarray(y, dtype=np.float64)
        mean, std = float(y64.mean()), float(y64.std())
        if not std > 0:
            what = f"column {target!r}" if target else "y"
            warnings.warn(
                f"{source!r}: {what}: the regression target is constant ({mean:g}) in the "
                "training split; it is standardised with std 1 and the model can only learn "
                "that value",
                DataWarning,
                stacklevel=3,
            )
            std = 1.0
        return cls(mean, std)

    def __call__(self, y: np.ndarray) -> np.ndarray:
        """``y`` standardised, float32."""
        return ((np.asarray(y, dtype=np.float64) - self.mean) / self.std).astype(np.float32)

    def inverse(self, z: np.ndarray) -> np.ndarray:
        """Standardised values ``z`` back in the target's units, float64."""
        return np.asarray(z, dtype=np.float64) * self.std + self.mean

    def to_dict(self) -> dict[str, float]:
        """``{"target_mean": ..., "target_std": ...}`` (as a :class:`DataSpec` keeps them)."""
        return {"target_mean": self.mean, "target_std": self.std}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> TargetScaler:
        """The inverse of :meth:`to_dict`."""
        return cls(float(d.get("target_mean", 0.0)), float(d.get("target_std", 1.0)))
