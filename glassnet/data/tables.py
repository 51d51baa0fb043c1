"""Tables of numbers: a CSV file with a header row and a class column.

:func:`load_table` reads the features (every column but the target) as
float32 and the target as class labels, which may be strings; a missing or
non-numeric feature is a :class:`~glassnet.data.errors.DataError` naming the
line and the column. :class:`Standardizer` holds the per-feature mean and
standard deviation of a training split, to apply the same scaling later.
"""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import DataError

__all__ = ["Table", "load_table", "Standardizer", "class_order"]


@dataclass(frozen=True)
class Table:
    """A table read by :func:`load_table`.

    Attributes
    ----------
    x : ndarray, shape (N, F), float32
    y : ndarray, shape (N,), int64 or None
        Class numbers (indices into ``classes``); None without a target column.
    feature_names : list of str
    classes : list of str
    """

    x: np.ndarray
    y: np.ndarray | None
    feature_names: list[str]
    classes: list[str]


def class_order(labels: Sequence[str]) -> list[str]:
    """The distinct labels in class order: numerically when all are numbers, else sorted text."""
    distinct = set(labels)
    try:
        return sorted(distinct, key=float)
    except ValueError:
        return sorted(distinct)


def _read_rows(path: str) -> tuple[list[str], list[list[str]]]:
    if not os.path.isfile(path):
        raise DataError(f"{path!r}: expected a CSV file, got no such file")
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = [r for r in csv.reader(f)]
    if not rows:
        raise DataError(f"{path!r}: the CSV file is empty (expected a header row of column names)")
    header = [h.strip() for h in rows[0]]
    body = [r for r in rows[1:] if any(c.strip() for c in r)]
    if not body:
        raise DataError(f"{path!r}: the CSV file has a header but no data rows")
    return header, body


def _number(path: str, line: int, column: str, text: str) -> float:
    value = text.strip()
    if not value:
        raise DataError(f"{path!r}: line {line}, column {column!r}: missing value")
    try:
        v = float(value)
    except ValueError:
        raise DataError(
            f"{path!r}: line {line}, column {column!r}: expected a number, got {value!r}"
        ) from None
    if not math.isfinite(v):
        raise DataError(
            f"{path!r}: line {line}, column {column!r}: expected a finite number, got {value!r}"
        )
    return v


def load_table(
    path: str,
    target: str | None,
    *,
    classes: Sequence[str] | None = None,
    feature_names: Sequence[str] | None = None,
) -> Table:
    """Read a CSV file with a header row into features and class labels.

    Parameters
    ----------
    path : str
    target : str or None
        The column holding the class of each row. None: a table to predict on
        (every column a feature; a column named like the training target is
        allowed only when ``feature_names`` leaves it out).
    classes : sequence of str, optional
        The class names in label order (a training table's); a label not among
        them is an error. Default: the labels found, in :func:`class_order`.
    feature_names : sequence of str, optional
        The feature columns to read, in this order (a training table's); all
        must exist. Default: every column except ``target``.

    Returns
    -------
    Table

    Raises
    ------
    DataError
        Naming the file: no such column, a missing or non-numeric feature
        (with its line and column), a missing label, an unknown class.
    """
    header, body = _read_rows(path)
    if target is not None and target not in header:
        raise DataError(
            f"{path!r}: no column {target!r} for the target (--target); columns: {', '.join(header)}"
        )
    names = list(feature_names) if feature_names is not None else [h for h in header if h != target]
    missing = [n for n in names if n not in header]
    if missing:
        raise DataError(
            f"{path!r}: expected the training columns {', '.join(names)}; missing {', '.join(missing)}"
        )
    if not names:
        raise DataError(f"{path!r}: no feature columns besides the target {target!r}")
    cols = [header.index(n) for n in names]
    x = np.empty((len(body), len(names)), dtype=np.float32)
    for i, row in enumerate(body):
        line = i + 2
        if len(row) < len(header):
            raise DataError(f"{path!r}: line {line}: expected {len(header)} values, got {len(row)}")
        for j, (c, name) in enumerate(zip(cols, names)):
            x[i, j] = _number(path, line, name, row[c])
    if target is None:
        return Table(x, None, names, list(classes or []))
    return _with_labels(path, x, names, body, header.index(target), target, classes)


def _with_labels(
    path: str, x: np.ndarray, names: list[str], body: list[list[str]], col: int, target: str,
    classes: Sequence[str] | None,
) -> Table:  # fmt: skip
    labels = [row[col].strip() for row in body]
    for i, label in enumerate(labels):
        if not label:
            raise DataError(f"{path!r}: line {i + 2}, column {target!r}: missing class label")
    order = list(classes) if classes is not None else class_order(labels)
    index = {name: k for k, name in enumerate(order)}
    unknown = sorted({lab for lab in labels if lab not in index})
    if unknown:
        raise DataError(
            f"{path!r}: column {target!r}: class(es) {', '.join(unknown)} not among the "
            f"training classes ({', '.join(order)})"
        )
    y = np.array([index[lab] for lab in labels], dtype=np.int64)
    return Table(x, y, names, order)


@dataclass(frozen=True)
class Standardizer:
    """Per-feature ``(x - mean) / std``, with the statistics of a training split.

    Attributes
    ----------
    mean, std : ndarray, shape (F,), float32
        A constant feature gets ``std`` 1 (it becomes 0).
    """

    mean: np.ndarray
    std: np.ndarray

    @classmethod
    def fit(cls, x: np.ndarray) -> Standardizer:
        """The statistics of ``x (N, F)`` (population standard deviation)."""
        x64 = np.asarray(x, dtype=np.float64)
        mean, std = x64.mean(axis=0), x64.std(axis=0)
        std = np.where(std > 0, std, 1.0)
        return cls(mean.astype(np.float32), std.astype(np.float32))

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """``x (N, F)`` standardised, float32."""
        x = np.asarray(x, dtype=np.float32)
        if x.ndim != 2 or x.shape[1] != len(self.mean):
            raise DataError(
                f"Standardizer: expected features of shape (N, {len(self.mean)}), got {x.shape}"
            )
        return (x - self.mean) / self.std

    def to_dict(self) -> dict[str, list[float]]:
        """``{"mean": [...], "std": [...]}`` (for the run folder)."""
        return {"mean": [float(v) for v in self.mean], "std": [float(v) for v in self.std]}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Standardizer:
        """The inverse of :meth:`to_dict`."""
        return cls(np.asarray(d["mean"], dtype=np.float32), np.asarray(d["std"], dtype=np.float32))
