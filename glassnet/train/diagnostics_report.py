"""The Diagnostics section of ``report.html``: per-layer curves from ``diagnostics.json``.

Written by :class:`~glassnet.train.callbacks.LayerDiagnostics`; the figures need
matplotlib and are left out (with a note) without it.
"""

from __future__ import annotations

import base64
import html
import json
import math
import os
from typing import Any

from .callbacks.diagnostics import DIAGNOSTICS_JSON
from .report import _png, _pyplot, matplotlib_available

__all__ = ["diagnostics_section", "plot_diagnostic"]

#: (field, title, log scale)
PANELS = (
    ("grad_norm", "gradient norm per layer", True),
    ("update_ratio", "update / weight ratio per layer", True),
    ("act_std", "activation std per layer", False),
    ("dead_frac", "fraction of dead ReLU units", False),
)


def _series(rows: list[dict[str, Any]], field: str) -> dict[str, tuple[list[int], list[float]]]:
    out: dict[str, tuple[list[int], list[float]]] = {}
    for r in rows:
        v = r.get(field)
        if v is None or not math.isfinite(v) or (v <= 0 and field in ("grad_norm", "update_ratio")):
            continue
        steps, values = out.setdefault(r["layer"], ([], []))
        steps.append(r["step"])
        values.append(v)
    return out


def plot_diagnostic(rows: list[dict[str, Any]], field: str, title: str, log: bool) -> bytes | None:
    """A PNG of ``field`` against the training step, one line per layer (None if nothing to draw)."""
    series = _series(rows, field)
    if not series:
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    for layer, (steps, values) in series.items():
        ax.plot(steps, values, marker="." if len(steps) < 20 else None, label=layer)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("training step")
    ax.set_ylabel(field)
    ax.set_title(title)
    if len(series) <= 12:
        ax.legend(fontsize=7, loc="best")
    return _png(fig)


def diagnostics_section(folder: str | os.PathLike) -> str | None:
    """The HTML of the Diagnostics section for the run in ``folder`` (None without diagnostics)."""
    path = os.path.join(os.fspath(folder), DIAGNOSTICS_JSON)
    if not os.path.isfile(path):
        return None
    with open(path, encoding="utf-8") as f:
        record = json.load(f)
    rows = record.get("rows", [])
    warnings = record.get("warnings", [])
    parts = [
        f"<p>Every {int(record.get('every', 0))} steps, per layer (see diagnostics.csv): "
        "activation mean/std, dead ReLU units, gradient norm and update-to-weight ratio.</p>"
    ]
    if warnings:
        items = "".join(f"<li>{html.escape(w)}</li>" for w in warnings)
        parts.append(f'<ul class="note">{items}</ul>')
    else:
        parts.append("<p>No warnings: no vanishing or exploding gradients, no dead layers.</p>")
    if matplotlib_available():
        imgs = []
        for field, title, log in PANELS:
            png = plot_diagnostic(rows, field, title, log)
            if png is not None:
                data = base64.b64encode(png).decode("ascii")
                imgs.append(f'<img alt="{field}" src="data:image/png;base64,{data}">')
        parts.append(f'<div class="figs">{"".join(imgs)}</div>')
    else:
        parts.append('<p class="note">diagnostics figures need matplotlib</p>')
    return "".join(parts)
