"""``CSVLogger``: one CSV row of logs per epoch, the file rewritten atomically each time."""

from __future__ import annotations

import csv
import io
import math
import os
from typing import Any

from ..._fileio import atomic_write
from .base import Callback

__all__ = ["CSVLogger", "csv_text"]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else str(value)
    return str(value)


def csv_text(rows: list[dict[str, Any]], separator: str = ",") -> str:
    """CSV text with a header of every key in first-seen order; missing cells are empty."""
    columns: list[str] = []
    for row in rows:
        for k in row:
            if k not in columns:
                columns.append(k)
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=separator, lineterminator="\n")
    w.writerow(columns)
    for row in rows:
        w.writerow([_cell(row.get(c)) for c in columns])
    return buf.getvalue()


class CSVLogger(Callback):
    """Write the epoch logs to a CSV file: a header, then one row per epoch.

    The first column is ``epoch`` (1-based, as displayed). The whole file is
    rewritten atomically after every epoch, so it is always complete and a
    new metric appearing later only adds a column.

    Parameters
    ----------
    path : str or os.PathLike
        The CSV file (its folder is created if missing).
    separator : str, default ","
    append : bool, default False
        Keep the rows already in the file (resuming a run) instead of
        starting a new file.

    Examples
    --------
    >>> fit(model, (x, y), ..., callbacks=[CSVLogger("log.csv")])  # doctest: +SKIP
    """

    main_rank_only = True

    def __init__(
        self, path: str | os.PathLike, *, separator: str = ",", append: bool = False
    ) -> None:
        if not isinstance(path, (str, os.PathLike)) or not os.fspath(path):
            raise ValueError(f"CSVLogger: path must be a non-empty path, got {path!r}")
        if not isinstance(separator, str) or len(separator) != 1:
            raise ValueError(f"CSVLogger: separator must be one character, got {separator!r}")
        self.path = os.fspath(path)
        self.separator = separator
        self.append = bool(append)
        self.rows: list[dict[str, Any]] = []

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self.rows = []
        if self.append and os.path.exists(self.path):
            with open(self.path, newline="", encoding="utf-8") as f:
                self.rows = [dict(r) for r in csv.DictReader(f, delimiter=self.separator)]
        folder = os.path.dirname(os.path.abspath(self.path))
        os.makedirs(folder, exist_ok=True)

    def record_epoch(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if not self.rows or self.rows[-1].get("epoch") != epoch + 1:
            self.rows.append({"epoch": epoch + 1, **(logs or {})})

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.record_epoch(epoch, logs)
        with atomic_write(self.path, "w", encoding="utf-8", newline="") as f:
            f.write(csv_text(self.rows, self.separator))

    def state_dict(self) -> dict[str, Any]:
        return {"rows": [dict(r) for r in self.rows]}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.rows = [dict(r) for r in state.get("rows", [])]

    def __repr__(self) -> str:
        return f"CSVLogger({self.path!r})"
