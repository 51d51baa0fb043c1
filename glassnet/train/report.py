"""Figures and a self-contained HTML report of a training run.

The figures (loss and accuracy curves, the confusion matrix) need matplotlib,
the optional extra ``plot`` (``pip install 'glassnet[plot]'``); without it
they are skipped and the report says so. ``report.html`` embeds the figures
as base64 ``data:`` URIs and has no external resources, so it opens from
disk in any browser.
"""

from __future__ import annotations

import base64
import html
import io
import math
import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .._fileio import atomic_write

__all__ = [
    "matplotlib_available",
    "plot_curves",
    "plot_confusion_matrix",
    "write_figures",
    "per_class_accuracy",
    "render_report",
    "write_report",
    "NO_PLOT_NOTE",
]

NO_PLOT_NOTE = "figures skipped: matplotlib is not installed (pip install 'glassnet[plot]')"


def _pyplot() -> Any:
    """matplotlib's pyplot on the non-interactive Agg backend (ImportError without matplotlib)."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def matplotlib_available() -> bool:
    """True when the ``plot`` extra (matplotlib) can be imported."""
    try:
        _pyplot()
    except ImportError:
        return False
    return True


def _png(fig: Any) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return buf.getvalue()


def _series(history: Mapping[str, Sequence[Any]], key: str) -> list[float]:
    return [math.nan if v is None else float(v) for v in history.get(key, [])]


def plot_curves(
    history: Mapping[str, Sequence[Any]], key: str, *, title: str | None = None
) -> bytes | None:
    """A PNG of ``history[key]`` and ``history["val_" + key]`` against the epoch.

    Parameters
    ----------
    history : mapping of str to list
        ``History.history``.
    key : str
        ``"loss"``, ``"accuracy"``, ...

    Returns
    -------
    bytes or None
        The PNG; None when neither curve is in ``history``.
    """
    train, val = _series(history, key), _series(history, "val_" + key)
    if not train and not val:
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5.5, 3.5))
    for values, label in ((train, f"train {key}"), (val, f"validation {key}")):
        if values:
            ax.plot(range(1, len(values) + 1), values, marker="o", label=label)
    ax.set_xlabel("epoch")
    ax.set_ylabel(key)
    ax.set_title(title or key)
    ax.grid(alpha=0.3)
    ax.legend()
    return _png(fig)


def plot_confusion_matrix(cm: np.ndarray, class_names: Sequence[str] | None = None) -> bytes:
    """A PNG heat map of a confusion matrix (rows: true class, columns: predicted)."""
    cm = np.asarray(cm)
    k = cm.shape[0]
    names = list(class_names) if class_names is not None else [str(i) for i in range(k)]
    plt = _pyplot()
    size = max(4.0, 0.55 * k + 1.5)
    fig, ax = plt.subplots(figsize=(size + 1, size))
    im = ax.imshow(cm, cmap="Blues")
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    ax.set_xticks(range(k), names, rotation=45, ha="right")
    ax.set_yticks(range(k), names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title("confusion matrix")
    high = cm.max() / 2 if cm.size else 0
    for i in range(k):
        for j in range(k):
            ax.text(j, i, int(cm[i, j]), ha="center", va="center", fontsize=7,
                    color="white" if cm[i, j] > high else "black")  # fmt: skip
    return _png(fig)


def write_figures(
    folder: str | os.PathLike,
    history: Mapping[str, Sequence[Any]],
    cm: np.ndarray | None = None,
    class_names: Sequence[str] | None = None,
) -> dict[str, bytes]:
    """Write ``loss.png``, ``accuracy.png`` and ``confusion_matrix.png`` (atomically) into ``folder``.

    Returns
    -------
    dict of str to bytes
        File name -> PNG bytes of what was written; empty without matplotlib.
    """
    if not matplotlib_available():
        return {}
    figures: dict[str, bytes | None] = {
        "loss.png": plot_curves(history, "loss", title="loss"),
        "accuracy.png": plot_curves(history, "accuracy", title="accuracy"),
    }
    if cm is not None:
        figures["confusion_matrix.png"] = plot_confusion_matrix(cm, class_names)
    written = {}
    for name, data in figures.items():
        if data is None:
            continue
        with atomic_write(os.path.join(os.fspath(folder), name), "wb") as f:
            f.write(data)
        written[name] = data
    return written


def per_class_accuracy(cm: np.ndarray) -> np.ndarray:
    """Recall of each class from a confusion matrix (rows: true class); NaN for absent classes."""
    cm = np.asarray(cm, dtype=np.float64)
    totals = cm.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(totals > 0, np.diag(cm) / totals, np.nan)


# ----------------------------------------------------------------------------- HTML
_CSS = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
h1 { font-size: 1.6em; } h2 { font-size: 1.2em; margin-top: 1.6em; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: 0.5em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: right; }
th { background: #f3f3f3; } td.l, th.l { text-align: left; }
.figs img { max-width: 100%; margin: 0.5em 1em 0.5em 0; border: 1px solid #eee; }
.note { color: #8a5a00; background: #fff6e0; padding: 0.4em 0.8em; }
"""


def _fmt(v: Any) -> str:
    if isinstance(v, bool) or v is None:
        return html.escape(str(v))
    if isinstance(v, (float, np.floating)):
        f = float(v)
        if not math.isfinite(f):
            return str(f)
        if f != 0 and (abs(f) < 1e-3 or abs(f) >= 1e5):
            return f"{f:.3e}"
        return f"{f:.4f}"
    if isinstance(v, (list, tuple)):
        return html.escape(", ".join(str(x) for x in v))
    return html.escape(str(v))


def _kv_table(d: Mapping[str, Any]) -> str:
    rows = "".join(
        f'<tr><th class="l">{html.escape(str(k))}</th><td class="l">{_fmt(v)}</td></tr>'
        for k, v in d.items()
    )
    return f"<table>{rows}</table>"


def _flatten(config: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in config.items():
        if isinstance(v, Mapping):
            out.update(_flatten(v, f"{prefix}{k}."))
        else:
            out[prefix + k] = v
    return out


#: Column headings of the epoch table that carry a unit.
_UNITS = {"time": "time (s)"}
#: Figures with their own section: the confusion matrix, and explanations (``explain/...``).
_CM_FIGURE = "confusion_matrix.png"
_EXPLAIN_PREFIX = "explain/"
_EXPLAIN_CAPTION = (
    "Each row: a test image of one class, then what each attribution method highlights for "
    "the predicted class. The colour bar under each panel gives the scale: for signed methods "
    "red pixels pushed towards the class and blue ones against it; for unsigned ones brighter "
    "means more important."
)


def _images(figures: Mapping[str, bytes]) -> str:
    return "".join(
        f'<img alt="{html.escape(name)}" src="data:image/png;base64,'
        f'{base64.b64encode(data).decode("ascii")}">'
        for name, data in figures.items()
    )


def _history_table(history: Mapping[str, Sequence[Any]]) -> str:
    keys = [k for k in history if history[k]]
    if not keys:
        return "<p>no epochs</p>"
    n = max(len(history[k]) for k in keys)
    head = (
        "<tr><th>epoch</th>"
        + "".join(f"<th>{html.escape(_UNITS.get(k, k))}</th>" for k in keys)
        + "</tr>"
    )
    body = ""
    for i in range(n):
        cells = "".join(
            f"<td>{_fmt(history[k][i] if i < len(history[k]) else None)}</td>" for k in keys
        )
        body += f"<tr><td>{i + 1}</td>{cells}</tr>"
    return f"<table>{head}{body}</table>"


def _confusion_tables(cm: np.ndarray, names: Sequence[str], figure: bytes | None = None) -> str:
    """Per-class accuracy, then the confusion matrix once: the figure, or a table without one."""
    acc = per_class_accuracy(cm)
    rows = "".join(
        f'<tr><td class="l">{html.escape(n)}</td><td>{int(cm[i, i])}</td>'
        f"<td>{int(cm[i].sum())}</td><td>{_fmt(acc[i])}</td></tr>"
        for i, n in enumerate(names)
    )
    per_class = (
        '<table><tr><th class="l">class</th><th>correct</th><th>total</th><th>accuracy</th></tr>'
        f"{rows}</table>"
    )
    if figure is not None:
        matrix = f'<div class="figs">{_images({_CM_FIGURE: figure})}</div>'
        return f"<h2>Per-class accuracy</h2>{per_class}<h2>Confusion matrix</h2>{matrix}"
    peak = max(int(cm.max()), 1)
    head = '<tr><th class="l">true \\ predicted</th>' + "".join(
        f"<th>{html.escape(n)}</th>" for n in names
    )
    body = ""
    for i, n in enumerate(names):
        cells = ""
        for j in range(len(names)):
            shade = int(235 - 150 * cm[i, j] / peak)
            cells += f'<td style="background: rgb({shade},{shade + 15},255)">{int(cm[i, j])}</td>'
        body += f'<tr><th class="l">{html.escape(n)}</th>{cells}</tr>'
    matrix = f"<table>{head}</tr>{body}</table>"
    return f"<h2>Per-class accuracy</h2>{per_class}<h2>Confusion matrix</h2>{matrix}"


def render_report(
    *,
    title: str,
    config: Mapping[str, Any],
    history: Mapping[str, Sequence[Any]],
    final_metrics: Mapping[str, Any],
    cm: np.ndarray | None = None,
    class_names: Sequence[str] | None = None,
    figures: Mapping[str, bytes] | None = None,
    notes: Sequence[str] = (),
    sections: Sequence[tuple[str, str]] = (),
) -> str:
    """The report as one HTML document (figures embedded as ``data:image/png;base64`` URIs).

    Parameters
    ----------
    title : str
    config : mapping
        The resolved run configuration (nested tables are flattened as ``a.b``).
    history : mapping of str to list
        Per-epoch logs (``History.history``).
    final_metrics : mapping
        E.g. ``{"test_loss": ..., "test_accuracy": ...}``.
    cm : ndarray, shape (C, C), optional
        Confusion matrix (rows: true class) for the per-class accuracy table.
    class_names : sequence of str, optional
    figures : mapping of str to bytes, optional
        PNGs to embed, by file name.
    notes : sequence of str
        Shown at the top (e.g. that figures were skipped).
    sections : sequence of (str, str)
        More ``(heading, HTML)`` sections, shown before the epochs table (Diagnostics).
    """
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
    ]
    parts += [f'<p class="note">{html.escape(n)}</p>' for n in notes]
    parts.append("<h2>Final metrics</h2>" + _kv_table(final_metrics))
    figures = dict(figures or {})
    cm_figure = figures.pop(_CM_FIGURE, None) if cm is not None else None
    explained = {k: figures.pop(k) for k in list(figures) if k.startswith(_EXPLAIN_PREFIX)}
    if figures:
        parts.append(f'<h2>Training curves</h2><div class="figs">{_images(figures)}</div>')
    if cm is not None:
        cm = np.asarray(cm)
        names = list(class_names) if class_names is not None else [str(i) for i in range(len(cm))]
        parts.append(_confusion_tables(cm, names, cm_figure))
    if explained:
        parts.append(
            f"<h2>Explanations</h2><p>{html.escape(_EXPLAIN_CAPTION)}</p>"
            f'<div class="figs">{_images(explained)}</div>'
        )
    parts += [f"<h2>{html.escape(head)}</h2>{body}" for head, body in sections]
    parts.append("<h2>Epochs</h2>" + _history_table(history))
    parts.append("<h2>Configuration</h2>" + _kv_table(_flatten(config)))
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def write_report(path: str | os.PathLike, **kwargs: Any) -> str:
    """Write :func:`render_report` ``(**kwargs)`` to ``path`` atomically; return the path."""
    text = render_report(**kwargs)
    with atomic_write(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    return os.fspath(path)
