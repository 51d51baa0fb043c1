"""Tables of numbers: a CSV file with a header row and a class column.

:func:`load_table` reads the features (every column but the target) as
float32 and the target as class labels, which may be strings; a missing or
non-numeric feature is a :class:`~glassnet.data.errors.DataError` naming the
line and the column. Real tables -- text columns, empty cells and ``NA``/``?``
markers, ID columns -- are read through a :class:`TableEncoding` instead
(:func:`read_raw_table`, :meth:`TableEncoding.fit`), which one-hot encodes the
text columns it is told to and fills or drops missing values as it is told. The file is UTF-8 (a byte-order mark is skipped) or
UTF-16 with a byte-order mark; the delimiter is ``,`` unless the header row
holds none and holds ``;``, a tab or ``|`` (with ``;`` a decimal comma,
``2,5``, is read as ``2.5``).
:class:`Standardizer` holds the per-feature mean and standard deviation of a
training split, to apply the same scaling later.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import difflib
import io
import math
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import DataError
from .regression import check_task, is_regression_labels, regression_values

__all__ = [
    "Table", "load_table", "read_header", "Standardizer", "class_order", "class_lookup",
    "label_value", "DELIMITERS", "detect_delimiter", "MISSING_MARKERS", "MISSING_POLICIES",
    "is_missing", "RawTable", "read_raw_table", "TableEncoding", "table_labels", "nearest_name",
    "table_task",
]  # fmt: skip

#: Delimiters tried, in this order of preference, on the header row.
DELIMITERS = (",", ";", "\t", "|")
_FLOAT32_MAX = float(np.finfo(np.float32).max)
#: Cell texts read as a missing value (compared without case, surrounding spaces stripped).
MISSING_MARKERS = ("", "NA", "N/A", "?", "nan", "null")
_MISSING = frozenset(m.lower() for m in MISSING_MARKERS)
#: What a missing feature value does: refuse the file (the default), fill it with the
#: training split's mean, or leave its row out.
MISSING_POLICIES = ("error", "mean", "drop")
_FIX_MISSING = "--missing mean fills it with the training mean, --missing drop leaves the row out"


@dataclass(frozen=True)
class Table:
    """A table read by :func:`load_table`.

    Attributes
    ----------
    x : ndarray, shape (N, F), float32
    y : ndarray, shape (N,) int64, (N, 1) float32, or None
        Class numbers (indices into ``classes``), or the values of a
        regression target; None without a target column.
    feature_names : list of str
    classes : list of str
        Class names in label order (a regression target: its column name).
    target : str or None
        The name of the class column (also when it was given by position).
    task : {"classification", "regression"}
    """

    x: np.ndarray
    y: np.ndarray | None
    feature_names: list[str]
    classes: list[str]
    target: str | None = None
    task: str = "classification"


def label_value(label: str) -> float | None:
    """The finite number a class label spells (``'1'``, ``'1.0'``, ``'01'`` -> 1.0), else None.

    Python's digit separator is not CSV's: ``'1_0'`` is text, not 10.
    """
    if "_" in label:
        return None
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
    if os.path.isdir(path):
        raise DataError(f"{path!r}: expected a CSV file, got a folder")
    if not os.path.isfile(path):
        raise DataError(f"{path!r}: expected a CSV file, got no such file")
    with open(path, "rb") as f:
        raw = f.read()
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):  # Excel's "Unicode text"
        try:
            return _one_line_ending(raw.decode("utf-16"))
        except UnicodeDecodeError:
            raise DataError(f"{path!r}: expected UTF-16 text after its byte-order mark") from None
    for magic, what in _NOT_TEXT:
        if raw.startswith(magic):
            raise DataError(f"{path!r}: expected CSV text, got {what}")
    if b"\0" in raw:
        return _one_line_ending(_decode_with_nul(path, raw))
    try:
        return _one_line_ending(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as e:
        raise DataError(
            f"{path!r}: expected UTF-8 text, got byte 0x{e.object[e.start]:02x} at offset "
            f"{e.start} (save the file as UTF-8)"
        ) from None


#: Leading bytes of files that are not text, and what to tell the user.
_NOT_TEXT = (
    (b"\x1f\x8b", "a gzip-compressed file (decompress it first, e.g. gunzip)"),
    (b"PK\x03\x04", "a zip archive (an Excel .xlsx? save it as CSV UTF-8)"),
    (b"\xd0\xcf\x11\xe0", "an old Excel .xls workbook (save it as CSV UTF-8)"),
)


def _decode_with_nul(path: str, raw: bytes) -> str:
    """Text holding NUL bytes: UTF-16 without a byte-order mark, else a refusal naming the byte."""
    head = raw[: 2 * 4096]
    if len(raw) % 2 == 0:
        for nul_at, codec in ((1, "utf-16-le"), (0, "utf-16-be")):
            if head[nul_at::2].count(0) > 0.9 * len(head[nul_at::2]) and 0 not in head[1 - nul_at :: 2]:
                try:
                    return raw.decode(codec)
                except UnicodeDecodeError:
                    break
    raise DataError(
        f"{path!r}: expected text, got a NUL byte at offset {raw.index(0)} (a binary file, or "
        "text in an encoding other than UTF-8/UTF-16; save the file as CSV UTF-8)"
    )


def _one_line_ending(text: str) -> str:
    """Old Mac files end lines with a lone ``\\r``: read them as ``\\n``."""
    if "\r" in text and "\n" not in text:
        return text.replace("\r", "\n")
    return text


#: Excel's first line naming the delimiter of a CSV file it exports or reads: ``sep=;``.
_SEP_HINT = re.compile(r'^\s*"?sep=(.)"?[,;\t|]*\s*$')


def _parse(path: str, text: str) -> tuple[str, list[list[str]], list[int]]:
    """``(delimiter, rows, lines)`` of a CSV text: ``lines[i]`` is the file line ``rows[i]`` ends on.

    A first line ``sep=X`` (Excel's hint) names the delimiter and is not a row.
    """
    first = text.split("\n", 1)[0]
    hint = _SEP_HINT.match(first)
    delimiter = hint.group(1) if hint else detect_delimiter(first)
    if hint and delimiter not in DELIMITERS:
        raise DataError(
            f"{path!r}: line 1: expected a delimiter among {' '.join(map(repr, DELIMITERS))} "
            f"after sep=, got {delimiter!r}"
        )
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    rows, lines = [], []
    try:
        for row in reader:
            rows.append(row)
            lines.append(reader.line_num)
    except csv.Error as e:
        raise DataError(f"{path!r}: not a readable CSV file ({e})") from None
    _check_closed_quotes(path, text, delimiter, lines)
    if hint:
        rows, lines = rows[1:], lines[1:]
    return delimiter, rows, lines


def _check_closed_quotes(path: str, text: str, delimiter: str, lines: list[int]) -> None:
    """Refuse a quoted field opened on the last row and never closed: Python's reader would
    take the rest of the file as that one field, and the row would be blamed for its width."""
    if not lines:
        return
    start = lines[-2] + 1 if len(lines) > 1 else 1
    tail = "\n".join(text.split("\n")[start - 1 :])
    try:
        for _ in csv.reader(io.StringIO(tail), delimiter=delimiter, strict=True):
            pass
    except csv.Error as e:
        if "unexpected end of data" in str(e):
            raise DataError(
                f"{path!r}: line {start}: a quoted field opens and is never closed "
                '(expected a closing ", got the end of the file)'
            ) from None


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
    if "_" in text:  # Python's digit separator: CSV files do not write numbers so
        return False
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


def nearest_name(name: str, names: Sequence[str]) -> str:
    """`` (did you mean 'X'?)`` for the name of ``names`` closest to ``name`` (the same
    letters in another case first, then a near spelling), else ``""``."""
    folded = [n for n in names if n.strip().casefold() == name.strip().casefold()]
    close = folded or difflib.get_close_matches(name, [n for n in names if n], n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


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
        f"{path!r}: no column {target!r} for the target (--target)"
        f"{nearest_name(target, header)}; columns: "
        f"{', '.join(header)} (or give the column's position, 0..{len(header) - 1})"
    )


def is_missing(text: str) -> bool:
    """Whether a cell is a missing value: blank or one of :data:`MISSING_MARKERS` (any case)."""
    return text.strip().lower() in _MISSING


def _number(
    path: str, line: int, column: str, text: str, decimal_comma: bool = False, hint: bool = False
) -> float:
    """The number a feature cell spells; a :class:`DataError` naming ``line`` and ``column``
    otherwise (with ``hint``, a training read, saying which option reads such a cell)."""
    value = text.strip()
    if decimal_comma and value.count(",") == 1 and "." not in value:
        value = value.replace(",", ".")
    if not value:
        fix = f" ({_FIX_MISSING})" if hint else ""
        raise DataError(f"{path!r}: line {line}, column {column!r}: missing value{fix}")
    try:
        v = None if "_" in value else float(value)  # '1_000' is Python's syntax, not CSV's
    except ValueError:
        v = None
    if v is None or is_missing(value):
        what = "a missing-value marker, " + _FIX_MISSING if is_missing(value) else (
            f"a text column? --categorical {column} one-hot encodes it, --ignore {column} "
            "leaves it out"
        )  # fmt: skip
        raise DataError(
            f"{path!r}: line {line}, column {column!r}: expected a number, got {value!r}"
            + (f" ({what})" if hint else "")
        )
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
    cells = [[row[c] for c in cols] for row in body]
    if any("_" in cell for row in cells for cell in row):  # '1_000': not a number in a CSV
        return None
    try:
        values = np.array(cells, dtype=np.float64)
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


@dataclass(frozen=True)
class RawTable:
    """The feature cells of a CSV file as text (stripped), before they become numbers.

    Attributes
    ----------
    path : str
    columns : list of str
        The feature columns read, in order.
    cells : list of list of str, shape (N, F)
        ``cells[i][j]``: row ``i``'s value in ``columns[j]``.
    lines : list of int, shape (N,)
        The file line each row ends on (for messages).
    labels : list of str or None, shape (N,)
        The class label of each row (None without a target column).
    target : str or None
    decimal_comma : bool
        The file is ``;``-separated: ``2,5`` means 2.5.
    """

    path: str
    columns: list[str]
    cells: list[list[str]]
    lines: list[int]
    labels: list[str] | None
    target: str | None
    decimal_comma: bool = False

    def take(self, rows: Sequence[int] | np.ndarray) -> RawTable:
        """The table of the rows ``rows`` (indices, in this order)."""
        pick = [int(i) for i in rows]
        return dataclasses.replace(
            self,
            cells=[self.cells[i] for i in pick],
            lines=[self.lines[i] for i in pick],
            labels=None if self.labels is None else [self.labels[i] for i in pick],
        )

    def column(self, j: int) -> list[str]:
        """The cells of feature column ``j``, one per row."""
        return [row[j] for row in self.cells]

    def gaps(self, j: int) -> np.ndarray:
        """Bool ``(N,)``: which cells of column ``j`` are missing (see :func:`is_missing`)."""
        texts = self.column(j)
        missing = {t for t in set(texts) if is_missing(t)}
        return np.fromiter((t in missing for t in texts), dtype=bool, count=len(texts))

    def complete_rows(self) -> np.ndarray:
        """Indices of the rows without a missing feature value or label (see :func:`is_missing`)."""
        gaps = np.zeros(len(self.cells), dtype=bool)
        for j in range(len(self.columns)):
            gaps |= self.gaps(j)
        if self.labels is not None:
            gaps |= np.array([not label for label in self.labels], dtype=bool)
        return np.flatnonzero(~gaps).astype(np.int64)


def read_raw_table(
    path: str,
    target: str | None,
    *,
    columns: Sequence[str] | None = None,
    ignore: Sequence[str] = (),
) -> RawTable:
    """Read a CSV file's feature cells and labels as text, checking its shape.

    Parameters
    ----------
    path : str
    target : str or None
        The class column (by name or position); None: no labels are read.
    columns : sequence of str, optional
        The feature columns to read, in this order (a training table's); all
        must exist. Default: every named column except ``target`` and ``ignore``.
    ignore : sequence of str, default ()
        Columns that are not features (an ID, a name); each must exist.

    Returns
    -------
    RawTable

    Raises
    ------
    DataError
        Naming the file: no such column, a row of the wrong width, an
        unnamed column holding values.
    """
    header, body, delimiter, lines = _read_rows(path, None if target is None else str(target))
    if target is not None:
        target = header[_target_column(path, header, str(target))]
    _check_unnamed_columns(path, header, body, target)
    _check_ignored(path, header, target, ignore)
    names = (
        list(columns)
        if columns is not None
        else [h for h in header if h != target and h and h not in ignore]
    )
    missing = [n for n in names if n not in header]
    if missing:
        raise DataError(
            f"{path!r}: expected the training columns {', '.join(names)}; missing {', '.join(missing)}"
            f"{nearest_name(missing[0], [h for h in header if h not in names])}"
        )
    if not names:
        raise DataError(f"{path!r}: no feature columns besides the target {target!r}")
    _check_widths(path, header, body, lines)
    cols = [header.index(n) for n in names]
    cells = [[row[c].strip() for c in cols] for row in body]
    labels = None
    if target is not None:
        k = header.index(target)
        labels = [_label_text(row[k], delimiter != ",") for row in body]
    # a decimal comma is a number's only where the comma does not separate fields
    return RawTable(path, names, cells, lines, labels, target, delimiter != ",")


def _check_ignored(
    path: str, header: list[str], target: str | None, ignore: Sequence[str]
) -> None:
    """Every ignored column must exist and not be the target."""
    for name in ignore:
        if name == target:
            raise DataError(
                f"{path!r}: column {name!r} is the target (--target); expected --ignore to "
                "name feature columns"
            )
        if name not in header:
            raise DataError(
                f"{path!r}: no column {name!r} to ignore (--ignore){nearest_name(name, header)}; "
                f"columns: {', '.join(header)}"
            )


def _check_widths(path: str, header: list[str], body: list[list[str]], lines: list[int]) -> None:
    """Every row has one value per column of the header (trailing empty cells allowed)."""
    for row, line in zip(body, lines):
        width = (
            len(row) if any(c.strip() for c in row[len(header) :]) else min(len(row), len(header))
        )
        if width != len(header):
            raise DataError(
                f"{path!r}: line {line}: expected {len(header)} values, got {width} (one per "
                "column of the header row)"
            )


def _plain_features(raw: RawTable, hint: bool) -> np.ndarray:
    """Every feature cell as a number, float32 ``(N, F)``; the first other one is an error."""
    x = _features_at_once(raw.cells, list(range(len(raw.columns))))
    if x is None:  # some value is not a plain number: read cell by cell, naming the first fault
        x = np.empty((len(raw.cells), len(raw.columns)), dtype=np.float32)
        for i, (row, line) in enumerate(zip(raw.cells, raw.lines)):
            for j, name in enumerate(raw.columns):
                x[i, j] = _number(raw.path, line, name, row[j], raw.decimal_comma, hint)
    return x


def load_table(
    path: str,
    target: str | None,
    *,
    classes: Sequence[str] | None = None,
    feature_names: Sequence[str] | None = None,
    encoding: TableEncoding | None = None,
    drop_missing: bool = False,
    task: str = "classification",
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
        must exist. Default: every column except ``target``. Not with ``encoding``.
    encoding : TableEncoding, optional
        A training table's encoding (its columns, one-hot vocabularies and
        missing values policy): the features are read through it.
    drop_missing : bool, default False
        With an ``encoding`` whose policy is ``"drop"`` and a ``target``: leave
        out the rows with a missing value, as training did. Otherwise a
        missing value such an encoding cannot fill is an error.
    task : {"classification", "regression", "auto"}, default "classification"
        Read the target as class labels or as numbers (float32 ``(N, 1)``);
        ``"auto"``: numbers of which some are not whole are a regression target.

    Returns
    -------
    Table

    Raises
    ------
    DataError
        Naming the file: no such column, a missing or non-numeric feature
        (with its line and column), a missing label, an unknown class.
    """
    task = check_task("load_table", task)
    columns = encoding.columns if encoding is not None else feature_names
    raw = read_raw_table(path, target, columns=columns)
    if encoding is None:
        x = _plain_features(raw, hint=classes is None and target is not None)  # training
        names = raw.columns
    else:
        if drop_missing and encoding.missing == "drop" and raw.labels is not None:
            raw = raw.take(raw.complete_rows())
        x, names = encoding.encode(raw), encoding.feature_names
    if raw.labels is None:
        return Table(x, None, names, list(classes or []))
    if table_task(raw, task) == "regression":
        y = regression_values(raw.path, str(raw.target), raw.labels, raw.lines)
        return Table(x, y, names, [str(raw.target)], raw.target, "regression")
    y, order = table_labels(raw, classes)
    return Table(x, y, names, order, raw.target)


def table_task(raw: RawTable, task: str) -> str:
    """``"classification"`` or ``"regression"``: ``task``, or for ``"auto"`` what the labels
    hold (numbers of which some are not whole: regression)."""
    if task != "auto":
        return task
    labels = raw.labels or []
    return "regression" if is_regression_labels(labels) else "classification"


def table_labels(raw: RawTable, classes: Sequence[str] | None = None) -> tuple[np.ndarray, list[str]]:
    """``(class numbers (N,) int64, class names)`` of a table's labels.

    ``classes`` (a training table's, in label order) makes a label not among
    them an error; default: the labels found, in :func:`class_order`.
    """
    if raw.labels is None or raw.target is None:
        raise DataError(f"{raw.path!r}: expected a target column, got none")
    t = _with_labels(raw.path, np.empty((len(raw.labels), 0)), [], (raw.labels, raw.lines),
                     raw.target, classes)  # fmt: skip
    return t.y, t.classes  # type: ignore[return-value]


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
            fix = " (--missing drop leaves such rows out)" if classes is None else ""
            raise DataError(f"{path!r}: line {line}, column {target!r}: missing class label{fix}")
    if classes is None:
        _refuse_fractions(path, target, labels, lines)
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


def _refuse_fractions(path: str, target: str, labels: list[str], lines: list[int]) -> None:
    """A class column of numbers where some are not whole (``0.37``) is a regression target,
    refused as an ``.npz``'s float labels are (each value would become its own class)."""
    values = [label_value(label) for label in labels]
    if not values or None in values:
        return  # text labels: class names, whatever they spell
    for label, value, line in zip(labels, values, lines):
        if value != round(value):  # type: ignore[arg-type]
            raise DataError(
                f"{path!r}: line {line}, column {target!r}: expected a class label, got the "
                f"number {label!r}, which is not whole (class numbers are whole, such as 0, 1 "
                "or 1.0; to predict the number itself, pass --task regression or leave --task auto)"
            )


#: ``--categorical auto`` leaves a text column to the user (an error) when it holds at least
#: this many distinct values and more than half as many as there are training rows: an ID,
#: a name or free text, whose one-hot columns would each mark one row.
_ID_LIKE_MIN = 10


@dataclass(frozen=True)
class TableEncoding:
    """How a table's feature columns become the model's features.

    Number columns are read as they are; each column of ``categories`` becomes
    one 0/1 feature per value it held in the training split (one-hot; a value
    training never saw gives all zeros). A missing value (:func:`is_missing`)
    is refused (``missing="error"``), filled with the training split's mean of
    its feature (``"mean"``: for a one-hot column, the share of each value), or
    its row is left out of training and evaluation (``"drop"``; a table to
    predict on with a missing value is then an error, as its row cannot be
    left out of the predictions).

    Attributes
    ----------
    columns : list of str
        The CSV columns read, in order.
    categories : dict of str to list of str
        The one-hot columns and their values in the training split (in order).
    missing : {"error", "mean", "drop"}
    fill : list of float, shape (F,)
        The value that fills a missing value of each feature (``"mean"``; else empty).

    Examples
    --------
    >>> raw = read_raw_table("titanic.csv", "Survived", ignore=["PassengerId", "Name"])
    >>> enc = TableEncoding.fit(raw, np.arange(len(raw.cells)), categorical="auto", missing="mean")
    >>> enc.feature_names[:3]
    ['Pclass', 'Sex=female', 'Sex=male']
    >>> x = enc.encode(raw)        # (N, F) float32
    """

    columns: list[str]
    categories: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    missing: str = "error"
    fill: list[float] = dataclasses.field(default_factory=list)

    @property
    def feature_names(self) -> list[str]:
        """One name per feature: the column's, or ``column=value`` for a one-hot feature."""
        names: list[str] = []
        for c in self.columns:
            names += [f"{c}={v}" for v in self.categories[c]] if c in self.categories else [c]
        return names

    @classmethod
    def fit(
        cls,
        raw: RawTable,
        rows: Sequence[int] | np.ndarray,
        *,
        categorical: str | Sequence[str] | None = None,
        missing: str = "error",
    ) -> TableEncoding:
        """The encoding of ``raw`` with vocabularies and means from its training ``rows``.

        Parameters
        ----------
        raw : RawTable
        rows : sequence of int
            The training split's rows of ``raw``.
        categorical : "auto", sequence of str or None
            The columns to one-hot encode: ``"auto"`` every column holding a
            value that is not a number (missing values aside); None: none.
        missing : {"error", "mean", "drop"}, default "error"

        Raises
        ------
        DataError
            A column named that the table lacks, a text column ``auto`` will not
            encode (all values distinct, like an ID), a column without values in
            the training split.
        """
        if missing not in MISSING_POLICIES:
            raise ValueError(
                f"TableEncoding: missing must be one of {', '.join(MISSING_POLICIES)}, got {missing!r}"
            )
        named = _categorical_columns(raw, categorical)
        train = raw.take(rows)
        categories = {c: _vocabulary(train, c, categorical == "auto") for c in named}
        enc = cls(list(raw.columns), categories, missing)
        if missing != "mean":
            return enc
        x = enc._with_gaps(train, hint=True)
        return dataclasses.replace(enc, fill=_means(train.path, x, enc.feature_names))

    def encode(self, raw: RawTable, *, hint: bool = False) -> np.ndarray:
        """``raw``'s features, float32 ``(N, F)``; a missing value filled, or an error naming it.

        ``hint`` (the training table): an error says which option reads the cell.
        """
        x = self._with_gaps(raw, hint)
        gaps = np.isnan(x)
        if gaps.any():
            if self.missing != "mean":
                raise self._missing_error(raw, int(np.argmax(gaps.any(axis=1))))
            x = np.where(gaps, np.asarray(self.fill, dtype=np.float64)[None, :], x)
        return x.astype(np.float32)

    def _with_gaps(self, raw: RawTable, hint: bool = False) -> np.ndarray:
        """The features as float64 ``(N, F)``, NaN where a value is missing."""
        if list(raw.columns) != list(self.columns):
            raise DataError(
                f"{raw.path!r}: expected the columns {', '.join(self.columns)}, got "
                f"{', '.join(raw.columns)}"
            )
        parts = [
            self._one_hot(raw, j, c) if c in self.categories else _number_column(raw, j, c, hint)
            for j, c in enumerate(self.columns)
        ]  # fmt: skip
        return np.concatenate(parts, axis=1) if parts else np.empty((len(raw.cells), 0))

    def _one_hot(self, raw: RawTable, j: int, column: str) -> np.ndarray:
        values = self.categories[column]
        lookup = class_lookup(values)
        texts = raw.column(j)
        codes = {t: lookup(t) for t in set(texts)}  # a value training never saw: None
        k = np.array([-1 if codes[t] is None else codes[t] for t in texts], dtype=np.int64)
        out = np.zeros((len(texts), len(values)))
        seen = np.flatnonzero(k >= 0)
        out[seen, k[seen]] = 1.0  # unseen values keep all zeros
        out[raw.gaps(j)] = np.nan
        return out

    def _missing_error(self, raw: RawTable, i: int) -> DataError:
        """The error for row ``i``'s first missing value."""
        j = next(j for j, c in enumerate(raw.cells[i]) if is_missing(c))
        where = f"{raw.path!r}: line {raw.lines[i]}, column {self.columns[j]!r}: missing value"
        shown = f" ({raw.cells[i][j]!r})" if raw.cells[i][j] else ""
        if self.missing == "drop":
            return DataError(
                f"{where}{shown}; the model was trained with --missing drop, which leaves such "
                "rows out of training and evaluation but cannot predict one without its "
                "value; expected every value filled in"
            )
        return DataError(f"{where}{shown} ({_FIX_MISSING})")

    def to_dict(self) -> dict[str, Any]:
        """A plain dict (TOML- and JSON-friendly), for the run folder."""
        return {
            "columns": list(self.columns),
            "categories": {k: list(v) for k, v in self.categories.items()},
            "missing": self.missing,
            "fill": [float(v) for v in self.fill],
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> TableEncoding:
        """The inverse of :meth:`to_dict`."""
        return cls(
            list(d["columns"]),
            {str(k): [str(v) for v in vs] for k, vs in dict(d.get("categories") or {}).items()},
            str(d.get("missing") or "error"),
            [float(v) for v in d.get("fill") or []],
        )


def _categorical_columns(raw: RawTable, categorical: str | Sequence[str] | None) -> list[str]:
    """The columns ``categorical`` names (``"auto"``: those holding text), in table order."""
    if categorical is None:
        return []
    if isinstance(categorical, str) and categorical == "auto":
        return [c for j, c in enumerate(raw.columns) if _holds_text(raw, j)]
    names = [categorical] if isinstance(categorical, str) else list(categorical)
    for name in names:
        if name not in raw.columns:
            why = " (it is the target)" if name == raw.target else ""
            raise DataError(
                f"{raw.path!r}: no feature column {name!r} to one-hot encode (--categorical)"
                f"{why or nearest_name(name, raw.columns)}; feature columns: {', '.join(raw.columns)}"
            )
    return [c for c in raw.columns if c in names]


def _holds_text(raw: RawTable, j: int) -> bool:
    """Whether column ``j`` holds a value that is neither a number nor missing."""
    for text in set(raw.column(j)):
        if is_missing(text):
            continue
        if raw.decimal_comma and text.count(",") == 1 and "." not in text:
            text = text.replace(",", ".")
        if not _is_number(text):
            return True
    return False


def _vocabulary(train: RawTable, column: str, auto: bool) -> list[str]:
    """The values of ``column`` in the training rows, in :func:`class_order`."""
    j = train.columns.index(column)
    values = class_order([row[j] for row in train.cells if not is_missing(row[j])])
    if not values:
        raise DataError(
            f"{train.path!r}: column {column!r} has no values in the training split to "
            "one-hot encode; expected some (or leave it out: --ignore)"
        )
    n = len(train.cells)
    if auto and len(values) >= _ID_LIKE_MIN and len(values) > n / 2:
        raise DataError(
            f"{train.path!r}: column {column!r} holds {len(values)} different texts in "
            f"{n} training rows, like an ID, a name or free text, so --categorical auto does "
            f"not one-hot encode it; expected it left out (--ignore {column}) or named "
            f"(--categorical {column},...) to encode it anyway"
        )
    return values


def _number_column(raw: RawTable, j: int, column: str, hint: bool) -> np.ndarray:
    """Column ``j`` as float64 ``(N, 1)``, NaN for a missing value; text is an error."""
    gaps = raw.gaps(j)
    try:  # in one NumPy call (Python's number syntax), else cell by cell to name a fault
        values = np.array(
            ["nan" if g else t for t, g in zip(raw.column(j), gaps)], dtype=np.float64
        )
    except ValueError:
        values = None
    if values is not None:
        given = values[~gaps]
        if np.isfinite(given).all() and (np.abs(given) <= _FLOAT32_MAX).all():
            return values[:, None]
    out = np.empty((len(raw.cells), 1))
    for i, (row, line) in enumerate(zip(raw.cells, raw.lines)):
        text = row[j]
        out[i, 0] = (
            np.nan if is_missing(text)
            else _number(raw.path, line, column, text, raw.decimal_comma, hint)
        )  # fmt: skip
    return out


def _means(path: str, x: np.ndarray, names: list[str]) -> list[float]:
    """The mean of each feature ``x (N, F)`` over the training rows, missing values left out."""
    seen = ~np.isnan(x)
    empty = np.flatnonzero(~seen.any(axis=0))
    if len(empty):
        raise DataError(
            f"{path!r}: column {names[int(empty[0])]!r} has no values "
            "in the training split to take a mean of (--missing mean); expected some (or "
            "leave the column out: --ignore)"
        )
    return [float(v) for v in np.nansum(x, axis=0) / seen.sum(axis=0)]


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
