"""What the benchmark scripts share for writing their reports: atomic writes, the time
stamp, a section of ``results.md``, and matplotlib when it is installed."""

from __future__ import annotations

import datetime as _dt
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["utc_now", "write_atomic", "replace_section", "pyplot", "save_figure"]


def utc_now() -> str:
    """The time as ``2026-12-07 05:05 UTC``."""
    return _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path``, then rename it over ``path``."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def replace_section(text: str, title: str) -> tuple[str, str]:
    """Split ``text`` around its section ``title`` (a ``## `` heading): what comes before
    the section and what comes after it (the next ``## `` section on); the section itself
    is dropped. Without that section: ``(text, "")``."""
    if title not in text:
        return text, ""
    start = text.index(title)
    nxt = text.find("\n## ", start + len(title))
    return text[:start], ("" if nxt == -1 else text[nxt + 1 :])


def pyplot() -> Any:
    """``matplotlib.pyplot`` on the Agg back end, or None (and a message) without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed (pip install 'glassnet[plot]'): no PNG written")
        return None
    return plt


def save_figure(fig: Any, path: Path, dpi: int = 110) -> None:
    """Save ``fig`` as PNG through a temporary file, then close it."""
    import matplotlib.pyplot as plt

    tmp = path.with_name(path.stem + ".tmp.png")
    fig.savefig(tmp, dpi=dpi)
    plt.close(fig)
    os.replace(tmp, path)


def median_ms(fn: Callable[[], Any], repeat: int, warmup: int = 3) -> float:
    """Median wall time of ``fn()`` in ms over ``repeat`` calls, after ``warmup`` calls."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return 1e3 * statistics.median(times)
