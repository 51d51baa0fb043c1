"""Tables of numbers: a CSV file with a header row and a class column.

:func:`load_table` reads the features (every column but the target) as
float32 and the target as class labels, which may be strings; a missing or
non-numeric feature is a :class:`~glassnet.data.errors.DataError` naming the
line and the column. The file is UTF-8 (a byte-order mark is skipped) or
UTF-16 with a byte-order mark; the delimiter is ``,`` unless the header row
holds none and holds ``;``, a tab or ``|`` (with ``;`` a decimal comma,
``2,5``, is read as ``2.5``).
:class:`Standardizer` holds the per-feature mean and standard deviation of a
training split, to apply the same scaling later.
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import DataError

__all__ = [
    "Table", "load_table", "read_header", "Standardizer", "class_order", "class_lookup",
    "label_value", "DELIMITERS", "detect_delimiter",
]  # fmt: skip

#: Delimiters tried, in this order of preference, on the header row.
DELIMITERS = (",", ";", "\t", "|")
_FLOAT32_MAX = float(np.finfo(np.float32).max)


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
    target : str or None
        The name of the class column (also when it was given by position).
    """

    x: np.ndarray
    y: np.ndarray | None
    feature_names: list[str]
    classes: list[str]
    target: str | None = None


def label_value(label: str) -> float | None:
    """The finite number a class label spells (``'1'``, ``'1.0'``, ``'01'`` -> 1.0), else None."""
    try:
        value = float(label)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def class_order(labels: Sequence[str]) -> list[str]:
    """The distinct labels in class order: numerically when all are numbers, else sorted text.

    Numeric labels that spell the same number (``'1'``, ``'1.0'``, ``'01'``, as a
    spreadsheet or pandas may write one column) are one class, named by its
    shortest spelling.
    """
    distinct = set(labels)
    values = {label: label_value(label) for label in distinct}
    if not distinct or any(v is None for v in values.values()):
        return sorted(distinct)
    by_value: dict[float, str] = {}
    for label in sorted(distinct, key=lambda s: (len(s), s)):
        by_value.setdefault(values[label], label)  # type: ignore[arg-type]
    return [by_value[v] for v in sorted(by_value)]


def class_lookup(classes: Sequence[str]) -> Callable[[str], int | None]:
    """A function from a label to its class number in ``classes`` (None when unknown).

    A label matches its class by name, or -- when every class is a number -- by
    the number it spells, so ``'1.0'`` finds the class ``'1'``.

    Parameters
    ----------
    classes : sequence of str
        The class names in label order.

    Returns
    -------
    callable
        ``lookup(label) -> int or None``.
    """
    index = {name: k for k, name in enumerate(classes)}
    values = [label_value(name) for name in classes]
    numeric = {} if None in values else {v: k for k, v in enumerate(values)}

    def lookup(label: str) -> int | None:
        found = index.get(label)
        if found is None and numeric:
            found = numeric.get(label_value(label))  # type: ignore[arg-type]
        return found

    return lookup


def detect_delimiter(header_line: str) -> str:
    """``,`` unless ``header_line`` holds none and holds another of :data:`DELIMITERS`.

    Parameters
    ----------
    header_line : str
        The first row of a CSV file.

    Returns
    -------
    str
        The delimiter, one of :data:`DELIMITERS`.
    """
    counts = {d: header_line.count(d) for d in DELIMITERS}
    if counts[","]:
        return ","
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _read_text(path: str) -> str:
    if not os.path.isfile(path):
        raise DataError(f"{path!r}: expected a CSV file, got no such file")
    with open(path, "rb") as f:
        raw = f.read()
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):  # Excel's "Unicode text"
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            raise DataError(f"{path!r}: expected UTF-16 text after its byte-order mark") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise DataError(
            f"{path!r}: expected UTF-8 text, got byte 0x{e.object[e.start]:02x} at offset "
            f"{e.start} (save the file as UTF-8)"
        ) from None


def _parse(path: str, text: str) -> tuple[str, list[list[str]], list[int]]:
    """``(delimiter, rows, lines)`` of a CSV text: ``lines[i]`` is the file line ``rows[i]`` ends on."""
    delimiter = detect_delimiter(text.split("\n", 1)[0])
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    rows, lines = [], []
    try:
        for row in reader:
            rows.append(row)
            lines.append(reader.line_num)
    except csv.Error as e:
        raise DataError(f"{path!r}: not a readable CSV file ({e})") from None
    return delimiter, rows, lines


def read_header(path: str) -> list[str]:
    """The column names of a CSV file (its first row), read as :func:`load_table` reads them."""
    _, rows, _ = _parse(path, _read_text(path))
    return [h.strip() for h in rows[0]] if rows else []


def _read_rows(
    path: str, target: str | None = None
) -> tuple[list[str], list[list[str]], str, list[int]]:
    """``(header, data rows, delimiter, line number of each data row)``; blank rows left out."""
    delimiter, rows, lines = _parse(path, _read_text(path))
    if not rows:
        raise DataError(f"{path!r}: the CSV file is empty (expected a header row of column names)")
    header = [h.strip() for h in rows[0]]
    repeated = sorted({h for h in header if h and header.count(h) > 1})
    if repeated and _looks_like_data(header):  # a file without a header row: numbers repeat
        raise _not_a_header(path, header, target)
    if repeated:
        raise DataError(
            f"{path!r}: expected distinct column names in the header row, got "
            f"{', '.join(repr(h) for h in repeated)} more than once"
        )
    kept = [(r, n) for r, n in zip(rows[1:], lines[1:]) if any(c.strip() for c in r)]
    if not kept:
        raise DataError(f"{path!r}: the CSV file has a header but no data rows")
    return header, [r for r, _ in kept], delimiter, [n for _, n in kept]


def _is_number(text: str) -> bool:
    try:
        float(text.strip())
    except ValueError:
        return False
    return True


def _looks_like_data(header: list[str]) -> bool:
    """Whether a first row is numbers rather than column names (``0,1,2,...`` is pandas' header)."""
    pandas_names = header == [str(i) for i in range(len(header))]  # DataFrame(array).to_csv
    return not pandas_names and sum(_is_number(h) for h in header) >= max(1, len(header) - 1)


def _not_a_header(path: str, header: list[str], target: str | None) -> DataError:
    wanted = f", one of them {target!r} (--target)" if target is not None else ""
    return DataError(
        f"{path!r}: the first row looks like data ({', '.join(header[:4])}"
        f"{', ...' if len(header) > 4 else ''}), not column names; expected a header row "
        f"naming the columns{wanted}"
    )


def _target_column(path: str, header: list[str], target: str) -> int:
    """The index of the class column: by name, else by position (``'0'``, ``'-1'``)."""
    looks_like_data = _looks_like_data(header)
    if target in header and not (looks_like_data and _is_number(target)):
        return header.index(target)
    if looks_like_data:
        raise _not_a_header(path, header, target)
    try:
        k = int(target)
    except ValueError:
        k = None
    if k is not None and -len(header) <= k < len(header):
        return k % len(header)
    raise DataError(
        f"{path!r}: no column {target!r} for the target (--target); columns: "
        f"{', '.join(header)} (or give the column's position, 0..{len(header) - 1})"
    )


def _number(path: str, line: int, column: str, text: str, decimal_comma: bool = False) -> float:
    value = text.strip()
    if decimal_comma and value.count(",") == 1 and "." not in value:
        value = value.replace(",", ".")
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
    if abs(v) > _FLOAT32_MAX:  # would become inf in the float32 features
        raise DataError(
            f"{path!r}: line {line}, column {column!r}: expected a number within float32's "
            f"range (+-{_FLOAT32_MAX:.4g}), got {value!r}"
        )
    return v


def _features_at_once(body: list[list[str]], cols: list[int]) -> np.ndarray | None:
    """The feature columns ``cols`` of every row as float32 ``(N, F)``, parsed in one NumPy
    call (Python's number syntax); None when any cell is not a finite number that float32
    holds -- a blank, text, a decimal comma -- for :func:`_number` to read or name."""
    try:
        values = np.array([[row[c] for c in cols] for row in body], dtype=np.float64)
    except ValueError:
        return None
    if not np.isfinite(values).all() or (np.abs(values) > _FLOAT32_MAX).any():
        return None
    return values.astype(np.float32)


def _check_unnamed_columns(
    path: str, header: list[str], body: list[list[str]], target: str | None
) -> None:
    """Refuse a column without a name that holds values (pandas' index, written by
    ``df.to_csv(path)``, would become a feature); an empty one (trailing delimiters) is skipped."""
    for k, name in enumerate(header):
        if name or name == target or not any(k < len(r) and r[k].strip() for r in body):
            continue
        raise DataError(
            f"{path!r}: column {k} (counting from 0) has no name in the header row but holds "
            "values; expected a name for every column (a pandas index? write the file with "
            "df.to_csv(path, index=False), or name the column)"
        )


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
    header, body, delimiter, lines = _read_rows(path, None if target is None else str(target))
    if target is not None:
        target = header[_target_column(path, header, str(target))]
    _check_unnamed_columns(path, header, body, target)
    names = (
        list(feature_names)
        if feature_names is not None
        else [h for h in header if h != target and h]
    )
    missing = [n for n in names if n not in header]
    if missing:
        raise DataError(
            f"{path!r}: expected the training columns {', '.join(names)}; missing {', '.join(missing)}"
        )
    if not names:
        raise DataError(f"{path!r}: no feature columns besides the target {target!r}")
    cols = [header.index(n) for n in names]
    for row, line in zip(body, lines):
        width = (
            len(row) if any(c.strip() for c in row[len(header) :]) else min(len(row), len(header))
        )
        if width != len(header):
            raise DataError(
                f"{path!r}: line {line}: expected {len(header)} values, got {width} (one per "
                "column of the header row)"
            )
    x = _features_at_once(body, cols)
    if x is None:  # some value is not a plain number: read cell by cell, naming the first fault
        x = np.empty((len(body), len(names)), dtype=np.float32)
        for i, (row, line) in enumerate(zip(body, lines)):
            for j, (c, name) in enumerate(zip(cols, names)):
                x[i, j] = _number(path, line, name, row[c], delimiter == ";")
    if target is None:
        return Table(x, None, names, list(classes or []))
    labels = [_label_text(row[header.index(target)], delimiter == ";") for row in body]
    return _with_labels(path, x, names, (labels, lines), target, classes)


def _label_text(text: str, decimal_comma: bool) -> str:
    """A class label as written, stripped; in a ``;`` file a number with a decimal comma
    (``1,0``) is written with a point, as its features are read."""
    label = text.strip()
    if decimal_comma and label.count(",") == 1 and "." not in label:
        dotted = label.replace(",", ".")
        if label_value(dotted) is not None:
            return dotted
    return label


def _with_labels(
    path: str, x: np.ndarray, names: list[str], rows: tuple[list[str], list[int]],
    target: str, classes: Sequence[str] | None,
) -> Table:  # fmt: skip
    labels, lines = rows
    for label, line in zip(labels, lines):
        if not label:
            raise DataError(f"{path!r}: line {line}, column {target!r}: missing class label")
    order = list(classes) if classes is not None else class_order(labels)
    lookup = class_lookup(order)
    numbers = [lookup(lab) for lab in labels]
    unknown = sorted({lab for lab, k in zip(labels, numbers) if k is None})
    if unknown:
        raise DataError(
            f"{path!r}: column {target!r}: class(es) {', '.join(unknown)} not among the "
            f"training classes ({', '.join(order)})"
        )
    return Table(x, np.array(numbers, dtype=np.int64), names, order, target)


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
