"""Time series: loading, chronological splits, sliding windows, padding variable-length sequences.

A series is an array of shape ``(T,)`` or ``(T, F)`` (time first). Windows are
zero-copy views where possible, so cutting a long series into thousands of
overlapping samples costs no memory.

Examples
--------
>>> import numpy as np
>>> s = np.arange(10.0)
>>> X, Y = windows(s, input_len=4, horizon=2)
>>> X.shape, Y.shape, Y[0, :, 0].tolist()
((5, 4, 1), (5, 2, 1), [4.0, 5.0])
"""

from __future__ import annotations

import csv
import io
import math
import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from .._validate import int_at_least, is_int, is_number
from ..backend import get_array_module
from ._util import _unwrap
from .errors import DataError
from .tables import detect_delimiter

__all__ = ["windows", "load_series", "split_by_time", "pad_sequences", "lengths_to_mask"]


def _as_series(who: str, series: Any) -> Any:
    arr = _unwrap(series)
    if not hasattr(arr, "ndim"):
        arr = np.asarray(arr)
    if arr.ndim not in (1, 2):
        raise ValueError(f"{who}: series must have shape (T,) or (T, F), got {tuple(arr.shape)}")
    return arr


def windows(
    series: Any,
    input_len: int,
    horizon: int,
    stride: int = 1,
    *,
    targets: int | Sequence[int] | None = None,
) -> tuple[Any, Any]:
    """Cut a series into (input window, following horizon) pairs.

    Sample ``i`` has inputs ``series[i*stride : i*stride + input_len]`` and
    targets the next ``horizon`` steps.

    Parameters
    ----------
    series : array, shape (T,) or (T, F)
    input_len : int
        Steps the model sees (>= 1).
    horizon : int
        Steps it predicts (>= 1).
    stride : int, default 1
        Steps between the starts of consecutive windows.
    targets : int or sequence of int, optional
        Feature columns to keep in ``Y`` (default all).

    Returns
    -------
    X : array, shape (n, input_len, F)
    Y : array, shape (n, horizon, F_targets)
        With ``n = (T - input_len - horizon) // stride + 1``. Both are
        read-only views of ``series`` (``targets`` given as a list copies ``Y``).
        One feature: pass ``targets=0`` to keep ``Y`` a view.
    """
    who = "windows"
    arr = _as_series(who, series)
    input_len = int_at_least(who, "input_len", input_len, 1)
    horizon = int_at_least(who, "horizon", horizon, 1)
    stride = int_at_least(who, "stride", stride, 1)
    if arr.ndim == 1:
        arr = arr[:, None]
    t, f = arr.shape
    span = input_len + horizon
    if t < span:
        raise ValueError(
            f"{who}: the series has {t} steps, fewer than input_len + horizon = {span}"
        )
    xp = get_array_module(arr)
    win = xp.lib.stride_tricks.sliding_window_view(arr, span, axis=0)[::stride]  # (n, F, span)
    win = win.transpose(0, 2, 1)  # (n, span, F), still a view
    x, y = win[:, :input_len], win[:, input_len:]
    if targets is not None:
        single = isinstance(targets, (int, np.integer))
        cols = [targets] if single else list(targets)
        if not cols or any(not is_int(c) or not -f <= c < f for c in cols):
            raise ValueError(f"{who}: targets must be feature indices in [0, {f}), got {targets!r}")
        cols = [int(c) % f for c in cols]
        y = y[:, :, cols[0] : cols[0] + 1] if single else y[:, :, cols]
    return x, y


_MISSING = ("", "NA", "NaN", "nan", "null", "NULL", ".")


def _parse_float(text: str, where: str, decimal_comma: bool = False) -> float:
    s = text.strip()
    if s in _MISSING:
        return float("nan")
    if decimal_comma and s.count(",") == 1 and "." not in s:
        s = s.replace(",", ".")
    try:
        value = float(s)
    except ValueError:
        raise DataError(f"load_series: {where}: {text!r} is not a number") from None
    if not math.isfinite(value):
        raise DataError(
            f"load_series: {where}: expected a finite number or an empty / NA cell for a "
            f"missing value, got {text!r}"
        )
    return value


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def load_series(
    source: Any,
    column: int | str | Sequence[int | str] | None = None,
    *,
    delimiter: str | None = None,
) -> np.ndarray:
    """Load a series from a CSV file or an array.

    Parameters
    ----------
    source : str, os.PathLike or array-like
        A CSV file (UTF-8, a byte-order mark is skipped; a header row is
        detected when its fields are not all numbers; empty / ``NA`` cells
        become NaN), or an array ``(T,)`` / ``(T, F)``.
    column : int, str or sequence of them, optional
        The column(s) to keep, by position or header name. Default: all (a
        CSV must then be all numbers). A single column gives shape ``(T,)``.
    delimiter : str, optional
        Default: ``,``, unless the first row holds none and holds ``;``, a
        tab or ``|`` (as :func:`glassnet.data.load_table` decides). With
        ``;`` a decimal comma (``2,5``) reads as 2.5.

    Returns
    -------
    ndarray, shape (T,) or (T, F)
        float64 from a CSV; arrays keep a floating dtype (others become float64).

    Raises
    ------
    DataError
        A ``ValueError`` naming the file, line and column: a cell that is not
        a number, an infinite value, a row of another width, an unknown or
        repeated column name, a file that is not UTF-8 text.
    """
    single = column is not None and not isinstance(column, (list, tuple))
    if isinstance(column, (list, tuple)) and not column:
        raise ValueError("load_series: column must name at least one column, got []")
    if isinstance(source, (str, os.PathLike)):
        arr = _read_csv(os.fspath(source), column, delimiter)
        return arr[:, 0] if single or arr.shape[1] == 1 else arr
    arr = _as_series("load_series", source)
    if arr.dtype.kind != "f":
        arr = arr.astype(np.float64)
    if column is None:
        return arr
    if arr.ndim == 1:
        raise ValueError(f"load_series: column= needs a 2-D array (T, F), got shape {arr.shape}")
    cols = _columns("the array", column, None, arr.shape[1])
    return arr[:, cols[0]] if single else arr[:, cols]


def _csv_rows(path: str, delimiter: str | None) -> tuple[str, list[tuple[int, list[str]]]]:
    """``(delimiter, [(line number, fields), ...])`` of the non-blank rows of a CSV file."""
    if not os.path.isfile(path):
        got = "a folder" if os.path.isdir(path) else "no such file"
        raise DataError(f"load_series: {path!r}: expected a CSV file, got {got}")
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            text = f.read()
    except UnicodeDecodeError as e:
        raise DataError(
            f"load_series: {path!r}: expected UTF-8 text, got byte 0x{e.object[e.start]:02x} "
            f"at offset {e.start} (save the file as UTF-8)"
        ) from None
    first = next((line for line in text.splitlines() if line.strip()), "")
    delim = delimiter if delimiter is not None else detect_delimiter(first)
    reader = csv.reader(io.StringIO(text), delimiter=delim)
    rows = []
    try:
        for r in reader:
            if any(c.strip() for c in r):
                rows.append((reader.line_num, r))
    except csv.Error as e:
        raise DataError(f"load_series: {path!r}: not a readable CSV file ({e})") from None
    return delim, rows


def _read_csv(path: str, column: Any, delimiter: str | None) -> np.ndarray:
    delim, rows = _csv_rows(path, delimiter)
    if not rows:
        raise DataError(f"load_series: {path!r} holds no rows")
    header = None
    if not all(_is_number(c) or not c.strip() for c in rows[0][1]):
        header, rows = [c.strip() for c in rows[0][1]], rows[1:]
    if not rows:
        raise DataError(f"load_series: {path!r} holds a header but no data rows")
    width = len(rows[0][1])
    for line, r in rows:
        if len(r) != width:
            raise DataError(
                f"load_series: {path!r} line {line} has {len(r)} fields, expected {width}"
            )
    cols = list(range(width)) if column is None else _columns(repr(path), column, header, width)
    try:
        return _parse_rows(path, rows, cols, header, delim == ";")
    except DataError as exc:
        if column is None and width > 1:  # every column had to be a number: say how to pick
            raise DataError(f"{exc} (column= picks the numeric columns)") from None
        raise


def _parse_rows(
    path: str, rows: list[tuple[int, list[str]]], cols: list[int], header: list[str] | None,
    decimal_comma: bool,
) -> np.ndarray:  # fmt: skip
    """The chosen columns of ``rows`` as float64 ``(T, len(cols))``."""

    def where(line: int, c: int) -> str:
        name = f" ({header[c]!r})" if header is not None else ""
        return f"{path!r} line {line}, column {c}{name}"

    return np.array(
        [[_parse_float(r[c], where(line, c), decimal_comma) for c in cols] for line, r in rows],
        dtype=np.float64,
    )


def _columns(where: str, column: Any, header: list[str] | None, width: int) -> list[int]:
    wanted = list(column) if isinstance(column, (list, tuple)) else [column]
    cols = []
    for c in wanted:
        if isinstance(c, str):
            if header is None or c not in header:
                have = header if header is not None else "no header"
                raise DataError(f"load_series: {where}: no column named {c!r} (columns: {have})")
            if header.count(c) > 1:
                raise DataError(
                    f"load_series: {where}: expected one column named {c!r}, got "
                    f"{header.count(c)} (at positions "
                    f"{', '.join(str(i) for i, h in enumerate(header) if h == c)}); "
                    "pick one by position"
                )
            cols.append(header.index(c))
        elif is_int(c) and -width <= c < width:
            cols.append(int(c) % width)
        else:
            raise DataError(
                f"load_series: {where}: column must be a name or an index in [0, {width}), got {c!r}"
            )
    return cols


def _split_count(who: str, name: str, value: Any, n: int) -> int:
    if not is_number(value):
        raise ValueError(f"{who}: {name} must be a fraction in [0, 1) or a count, got {value!r}")
    if isinstance(value, (int, np.integer)):
        if not 0 <= value < n:
            raise ValueError(f"{who}: {name} must be a count in [0, {n}), got {value}")
        return int(value)
    if not 0.0 <= value < 1.0:
        raise ValueError(f"{who}: {name} must be a fraction in [0, 1), got {value!r}")
    return int(round(value * n))


def split_by_time(series: Any, val: float = 0.1, test: float = 0.1) -> tuple[Any, Any, Any]:
    """Split a series into consecutive train / validation / test parts (no shuffling).

    Parameters
    ----------
    series : array, shape (T, ...)
    val, test : float or int, default 0.1
        Fractions of ``T`` (rounded) or step counts; 0 gives an empty part.

    Returns
    -------
    train, val, test : arrays (views), shapes (T_train, ...), (T_val, ...), (T_test, ...)
        ``train`` holds the earliest steps, ``test`` the latest.
    """
    who = "split_by_time"
    arr = _unwrap(series)
    if not hasattr(arr, "ndim"):
        arr = np.asarray(arr)
    if arr.ndim == 0:
        raise ValueError(f"{who}: series must have a time axis, got a scalar")
    n = arr.shape[0]
    n_val = _split_count(who, "val", val, n)
    n_test = _split_count(who, "test", test, n)
    n_train = n - n_val - n_test
    if n_train < 1:
        raise ValueError(
            f"{who}: val ({n_val}) and test ({n_test}) leave no training steps of the {n}"
        )
    return arr[:n_train], arr[n_train : n_train + n_val], arr[n_train + n_val :]


def pad_sequences(
    sequences: Sequence[Any], *, batch_first: bool = True, padding_value: float = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Pad sequences of different lengths into one array.

    Parameters
    ----------
    sequences : sequence of arrays, shapes (L_i, *F)
        Same trailing shape ``F``; lengths may be 0.
    batch_first : bool, default True
        Output ``(N, T, *F)``; else ``(T, N, *F)``.
    padding_value : float, default 0

    Returns
    -------
    padded : ndarray, shape (N, T, *F) or (T, N, *F), with T = max L_i
        The common dtype of the sequences.
    lengths : ndarray of int64, shape (N,)
    """
    who = "pad_sequences"
    seqs = [np.asarray(_unwrap(s)) for s in sequences]
    if not seqs:
        raise ValueError(f"{who}: needs at least one sequence, got none")
    for k, s in enumerate(seqs):
        if s.ndim == 0:
            raise ValueError(f"{who}: sequence {k} is a scalar; each needs a time axis")
        if s.shape[1:] != seqs[0].shape[1:]:
            raise ValueError(
                f"{who}: sequence {k} has trailing shape {s.shape[1:]}, sequence 0 has {seqs[0].shape[1:]}"
            )
    lengths = np.array([len(s) for s in seqs], dtype=np.int64)
    dtype = np.result_type(*seqs)
    t = int(lengths.max())
    out = np.full((len(seqs), t) + seqs[0].shape[1:], padding_value, dtype=dtype)
    out[lengths_to_mask(lengths, t)] = np.concatenate(seqs, axis=0)  # one scatter, no loop
    if not batch_first:
        out = np.ascontiguousarray(out.swapaxes(0, 1))
    return out, lengths


def lengths_to_mask(lengths: Any, max_len: int | None = None) -> np.ndarray:
    """``mask[i, t] = t < lengths[i]``: True on real steps, False on padding.

    Parameters
    ----------
    lengths : array-like of int, shape (N,)
    max_len : int, optional
        Width ``T`` of the mask (default ``max(lengths)``); must be >= every length.

    Returns
    -------
    ndarray of bool, shape (N, T)
    """
    who = "lengths_to_mask"
    lens = np.asarray(_unwrap(lengths))
    if lens.ndim != 1 or (lens.size and lens.dtype.kind not in "iu"):
        raise ValueError(
            f"{who}: lengths must be a 1-D array of ints, got {lens.dtype} {lens.shape}"
        )
    if lens.size and lens.min() < 0:
        raise ValueError(f"{who}: lengths must be >= 0, got {lens.min()}")
    longest = int(lens.max()) if lens.size else 0
    t = longest if max_len is None else int_at_least(who, "max_len", max_len, 0)
    if t < longest:
        raise ValueError(f"{who}: max_len={t} is shorter than the longest length {longest}")
    return np.arange(t) < lens[:, None]
