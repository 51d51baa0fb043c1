"""How a tensor prints: the text torch writes for the same values, and ``set_printoptions``.

``repr(t)`` and ``str(t)`` follow torch's rules: one width for every entry; floats with
``precision`` decimals, as whole numbers with a trailing ``.`` when all of them are whole,
or in scientific notation when the nonzero finite magnitudes span more than 1000x, exceed
1e8 or go below 1e-4 (``sci_mode`` forces either); rows wrapped at ``linewidth``; more
than ``threshold`` entries summarised to ``edgeitems`` at each end with ``...``; the
suffixes (``dtype=``, ``requires_grad=True``, ...) moved to a new line when the last one
would not fit. Which suffixes show is ``Tensor.__repr__``'s. Works on the NumPy array
(no tensor ops), so printing never touches the autograd graph.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["PRINT_OPTS", "set_printoptions", "tensor_body", "close"]


@dataclass
class PrintOptions:
    """torch's print options (``torch._tensor_str.PRINT_OPTS``)."""

    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: bool | None = None


PRINT_OPTS = PrintOptions()

#: ``profile=`` -> (precision, threshold, edgeitems, linewidth), torch's three profiles
_PROFILES = {
    "default": (4, 1000, 3, 80),
    "short": (2, 1000, 2, 80),
    "full": (4, math.inf, 3, 80),
}


def set_printoptions(
    precision: int | None = None,
    threshold: float | None = None,
    edgeitems: int | None = None,
    linewidth: int | None = None,
    profile: str | None = None,
    sci_mode: bool | None = None,
) -> None:
    """Set how tensors print, as ``torch.set_printoptions``: a ``profile`` (``'default'``,
    ``'short'``, ``'full'``; another name changes nothing, as in torch) first, then each
    option given. ``sci_mode`` is always set: ``None`` lets each tensor choose."""
    if profile in _PROFILES:
        p = PRINT_OPTS
        p.precision, p.threshold, p.edgeitems, p.linewidth = _PROFILES[profile]
    if precision is not None:
        PRINT_OPTS.precision = precision
    if threshold is not None:
        PRINT_OPTS.threshold = threshold
    if edgeitems is not None:
        PRINT_OPTS.edgeitems = edgeitems
    if linewidth is not None:
        PRINT_OPTS.linewidth = linewidth
    PRINT_OPTS.sci_mode = sci_mode


class _Formatter:
    """One width and one notation for every entry of an array (torch's ``_Formatter``)."""

    def __init__(self, values: np.ndarray) -> None:
        self.floating = values.dtype.kind == "f"
        self.int_mode, self.sci_mode, self.max_width = True, False, 1
        flat = values.reshape(-1)
        if not self.floating:
            for v in flat.tolist():
                self.max_width = max(self.max_width, len(f"{v}"))
            return
        flat = flat.astype(np.float64)
        finite = flat[np.isfinite(flat) & (flat != 0)]
        if finite.size == 0:
            return
        mags = np.abs(finite)
        lo, hi = float(mags.min()), float(mags.max())
        self.int_mode = bool(np.all(finite == np.ceil(finite)))
        auto = hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4
        self.sci_mode = auto if PRINT_OPTS.sci_mode is None else PRINT_OPTS.sci_mode
        p = PRINT_OPTS.precision
        for v in finite.tolist():
            if self.sci_mode:
                width = len(f"{v:.{p}e}")
            elif self.int_mode:
                width = len(f"{v:.0f}") + 1
            else:
                width = len(f"{v:.{p}f}")
            self.max_width = max(self.max_width, width)

    def format(self, value: Any) -> str:
        p = PRINT_OPTS.precision
        if not self.floating:
            text = f"{value}"
        elif self.sci_mode:
            text = f"{value:{self.max_width}.{p}e}"
        elif self.int_mode:
            text = f"{value:.0f}"
            if not (math.isinf(value) or math.isnan(value)):
                text += "."
        else:
            text = f"{value:.{p}f}"
        return (self.max_width - len(text)) * " " + text


def _summarized(a: np.ndarray) -> np.ndarray:
    """The entries a summarised print shows (``edgeitems`` at each end of every dim)."""
    e = PRINT_OPTS.edgeitems
    if a.ndim == 0:
        return a
    if a.ndim > 1 and not e:
        return a[(slice(0, 0),) * a.ndim]
    if a.shape[0] > 2 * e:
        rows = np.concatenate([a[:e], a[a.shape[0] - e :]])
    else:
        rows = a
    if a.ndim == 1:
        return rows
    return np.stack([_summarized(r) for r in rows]) if len(rows) else rows


def _python(a: np.ndarray) -> list:
    """The entries as Python numbers (floats in double, as torch's ``tolist``)."""
    return (a.astype(np.float64) if a.dtype.kind == "f" else a).tolist()


def _vector(a: np.ndarray, indent: int, summarize: bool, fmt: _Formatter) -> str:
    per_line = max(1, math.floor((PRINT_OPTS.linewidth - indent) / (fmt.max_width + 2)))
    e = PRINT_OPTS.edgeitems
    if summarize and not e:
        data = ["..."]
    elif summarize and a.shape[0] > 2 * e:
        data = (
            [fmt.format(v) for v in _python(a[:e])]
            + [" ..."]
            + [fmt.format(v) for v in _python(a[a.shape[0] - e :])]
        )
    else:
        data = [fmt.format(v) for v in _python(a)]
    lines = [", ".join(data[i : i + per_line]) for i in range(0, len(data), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested(a: np.ndarray, indent: int, summarize: bool, fmt: _Formatter) -> str:
    if a.ndim == 0:
        return fmt.format(_python(a))
    if a.ndim == 1:
        return _vector(a, indent, summarize, fmt)
    e = PRINT_OPTS.edgeitems
    if summarize and a.shape[0] > 2 * e:
        rows = [_nested(a[i], indent + 1, summarize, fmt) for i in range(e)]
        rows += ["..."]
        rows += [_nested(a[i], indent + 1, summarize, fmt) for i in range(a.shape[0] - e, a.shape[0])]
    else:
        rows = [_nested(a[i], indent + 1, summarize, fmt) for i in range(a.shape[0])]
    return "[" + ("," + "\n" * (a.ndim - 1) + " " * (indent + 1)).join(rows) + "]"


def _body(a: np.ndarray, indent: int) -> str:
    if a.size == 0:
        return "[]"
    summarize = a.size > PRINT_OPTS.threshold
    fmt = _Formatter(_summarized(a) if summarize else a)
    return _nested(a, indent, summarize, fmt)


def tensor_body(array: np.ndarray) -> str:
    """The values of ``array`` as torch writes them inside ``tensor(...)``: ``[]`` when
    empty, else nested rows with one width and notation, wrapped and summarised by
    :data:`PRINT_OPTS`."""
    return _body(array, len("tensor("))


def close(text: str, suffixes: str) -> str:
    """``text`` (``"tensor([...]"``) with its ``suffixes`` (``", dtype=..., requires_grad=True"``)
    and the closing parenthesis: each suffix on the line if it fits in ``linewidth``, else
    on a new line under the values, as torch does."""
    parts = [text]
    indent = len("tensor(")
    last = len(text) - text.rfind("\n") + 1
    for suffix in (s for s in suffixes.split(", ") if s):
        if last + len(suffix) + 2 > PRINT_OPTS.linewidth:
            parts.append(",\n" + " " * indent + suffix)
            last = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last += len(suffix) + 2
    return "".join(parts) + ")"
