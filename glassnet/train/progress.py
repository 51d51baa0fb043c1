"""Keras-style progress text: a bar with step count, ETA and metrics, or one line per epoch.

On a terminal the bar is redrawn in place (``\\r``) at most every
``interval`` seconds; when the stream is not a terminal (a log file, a CI
job, a pipe) a line is printed at every 10% of the epoch (a mark less than
``min_gap`` seconds after the previous line is skipped, so fast epochs stay
one line) and one at its end, so logs stay readable and show progress.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Mapping
from typing import IO, Any

from .._validate import is_number

__all__ = ["Progbar", "format_logs", "format_duration", "is_tty"]

#: Log keys shown in the progress line (everything else that is a number is shown too,
#: except these, which have their own place or are too noisy).
_HIDDEN = frozenset({"time", "grad_norm_max", "batch", "size"})


def is_tty(stream: Any) -> bool:
    """True when ``stream`` is an interactive terminal."""
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except (ValueError, OSError):  # a closed stream
        return False


def format_value(key: str, value: Any) -> str:
    """One number for display: learning rates with 3 significant digits, others with 4 decimals."""
    if not is_number(value):
        return str(value)
    v = float(value)
    if key == "lr" or key.endswith("_lr"):
        return f"{v:.3g}"
    if math.isfinite(v) and v != 0 and (abs(v) < 1e-3 or abs(v) >= 1e5):
        return f"{v:.3e}"
    return f"{v:.4f}"


def format_logs(logs: Mapping[str, Any]) -> str:
    """``"loss: 0.4123 - accuracy: 0.8512 - lr: 0.001"`` (numbers only, display order kept)."""
    parts = []
    for k, v in logs.items():
        if k in _HIDDEN or v is None:
            continue
        if not is_number(v):
            continue
        parts.append(f"{k}: {format_value(k, v)}")
    return " - ".join(parts)


def format_duration(seconds: float) -> str:
    """``"42s"``, ``"3:05"`` or ``"1:02:03"``."""
    s = max(0, int(round(seconds)))
    if s < 60:
        return f"{s}s"
    h, rem = divmod(s, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def format_step_time(seconds_per_step: float) -> str:
    if seconds_per_step >= 1:
        return f"{seconds_per_step:.2f}s/step"
    if seconds_per_step >= 1e-3:
        return f"{seconds_per_step * 1e3:.0f}ms/step"
    return f"{seconds_per_step * 1e6:.0f}us/step"


class Progbar:
    """The progress of one epoch.

    Parameters
    ----------
    total : int or None
        Number of steps in the epoch (None when unknown).
    stream : file-like, optional
        Where to write (default ``sys.stdout``).
    prefix : str, default ""
        Written before the step count on the final line when not drawing a
        live bar (e.g. ``"Epoch 3/10"``).
    live : bool, optional
        Redraw a bar during the epoch; default: when ``stream`` is a terminal.
    width : int, default 30
        Bar width in characters.
    interval : float, default 0.1
        Least seconds between two redraws.
    marks : int, default 10
        Without a live bar, a progress line at each ``1/marks`` of the epoch
        (0: only the final line).
    min_gap : float, default 1.0
        Without a live bar, least seconds between two progress lines.

    Attributes
    ----------
    skipped : int
        Steps of the epoch done before this bar started (a run resumed in
        the middle of an epoch); step times and the ETA leave them out.
    """

    def __init__(
        self,
        total: int | None,
        *,
        stream: IO[str] | None = None,
        prefix: str = "",
        live: bool | None = None,
        width: int = 30,
        interval: float = 0.1,
        marks: int = 10,
        min_gap: float = 1.0,
    ) -> None:
        self.total = total
        self.stream = stream if stream is not None else sys.stdout
        self.prefix = prefix
        self.live = is_tty(self.stream) if live is None else bool(live)
        self.width = width
        self.interval = interval
        self.start = time.perf_counter()
        self._last_draw = 0.0
        self._last_len = 0
        self.skipped = 0
        self.marks, self.min_gap = int(marks), float(min_gap)
        self._mark = 0
        self._last_line = self.start

    @property
    def drawn(self) -> bool:
        """Whether a live line is on the screen, unfinished."""
        return self._last_len > 0

    def end_line(self) -> None:
        """Leave an unfinished live line (e.g. before an interruption message)."""
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()
            self._last_len = 0

    def due(self, current: int | None = None) -> bool:
        """Whether a redraw (live) or a progress line (not live; needs ``current``, the
        finished steps) is due now; cheap to call every step."""
        if self.live:
            return time.perf_counter() - self._last_draw >= self.interval
        if current is None or not self.marks or not self.total or current >= self.total:
            return False
        mark = current * self.marks // self.total
        return mark > self._mark and time.perf_counter() - self._last_line >= self.min_gap

    def _line(self, current: int, values: Mapping[str, Any] | None) -> None:
        """A progress line (not live): ``Epoch 3/10 - 43/430 (10%) - ETA: 1:05 - loss: ...``."""
        now = time.perf_counter()
        self._mark, self._last_line = current * self.marks // self.total, now  # type: ignore[operator]
        text = f"{self._counter(current)} ({100 * current // self.total}%)"  # type: ignore[operator]
        if self.prefix:
            text = f"{self.prefix} - {text}"
        if current > self.skipped:
            eta = (now - self.start) / (current - self.skipped) * (self.total - current)  # type: ignore[operator]
            text += f" - ETA: {format_duration(eta)}"
        shown = format_logs(values or {})
        self.stream.write(text + (" - " + shown if shown else "") + "\n")
        self.stream.flush()

    def _counter(self, current: int) -> str:
        if self.total is None:
            return f"{current}"
        digits = len(str(self.total))
        return f"{current:>{digits}}/{self.total}"

    def _bar(self, current: int) -> str:
        if self.total is None or self.total <= 0:
            return ""
        frac = min(1.0, current / self.total)
        filled = int(self.width * frac)
        if current < self.total:
            body = "=" * max(filled - 1, 0) + ">" + "." * (self.width - max(filled, 1))
        else:
            body = "=" * self.width
        return f" [{body}]"

    def _write_live(self, text: str) -> None:
        pad = " " * max(0, self._last_len - len(text))
        self.stream.write("\r" + text + pad)
        self.stream.flush()
        self._last_len = len(text)

    def update(self, current: int, values: Mapping[str, Any] | None = None) -> None:
        """Redraw the bar at step ``current`` (1-based count of finished steps); without a
        live bar, write a progress line when one is due (see :meth:`due`)."""
        if not self.live:
            if self.due(current):
                self._line(current, values)
            return
        now = time.perf_counter()
        self._last_draw = now
        elapsed = now - self.start
        text = self._counter(current) + self._bar(current)
        if self.total is not None and current > self.skipped:
            eta = elapsed / (current - self.skipped) * (self.total - current)
            text += f" - ETA: {format_duration(eta)}"
        shown = format_logs(values or {})
        if shown:
            text += " - " + shown
        self._write_live(text)

    def finish(self, current: int, values: Mapping[str, Any] | None = None) -> str:
        """Write the epoch's final line (the bar at 100 % on a terminal) and return it."""
        elapsed = time.perf_counter() - self.start
        run = current - self.skipped
        per_step = elapsed / run if run > 0 else 0.0
        head = self._counter(current) + (self._bar(current) if self.live else "")
        if not self.live and self.prefix:
            head = f"{self.prefix} - {head}"
        text = f"{head} - {format_duration(elapsed)} {format_step_time(per_step)}"
        shown = format_logs(values or {})
        if shown:
            text += " - " + shown
        if self.live:
            self._write_live(text)
            self.stream.write("\n")
            self._last_len = 0
        else:
            self.stream.write(text + "\n")
        self.stream.flush()
        return text
