"""Which direction is better for a monitored quantity (``mode="auto"``), shared by callbacks."""

from __future__ import annotations

import math
from typing import Any

_HIGHER_IS_BETTER = ("acc", "auc", "precision", "recall", "f1", "iou", "r2")


def resolve_mode(who: str, monitor: str, mode: str) -> str:
    """``"min"`` or ``"max"`` for ``monitor``; ``"auto"`` picks max for accuracy-like names."""
    if not isinstance(monitor, str) or not monitor:
        raise ValueError(f"{who}: monitor must be a non-empty str, got {monitor!r}")
    if mode not in ("auto", "min", "max"):
        raise ValueError(f"{who}: mode must be 'auto', 'min' or 'max', got {mode!r}")
    if mode != "auto":
        return mode
    name = monitor.lower().removeprefix("val_")
    if "error" in name or "loss" in name:
        return "min"
    return "max" if any(k in name for k in _HIGHER_IS_BETTER) else "min"


def is_better(value: float, best: float | None, mode: str, min_delta: float = 0.0) -> bool:
    """True when ``value`` beats ``best`` by more than ``min_delta`` in direction ``mode``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return False
    if best is None:
        return True
    if mode == "min":
        return value < best - min_delta
    return value > best + min_delta


def monitored(who: str, monitor: str, logs: dict[str, Any] | None) -> float:
    """``logs[monitor]`` as a float; a ``ValueError`` naming the available keys when absent."""
    if not logs or logs.get(monitor) is None:
        keys = ", ".join(sorted(logs or {})) or "(none)"
        raise ValueError(
            f"{who}: monitored quantity {monitor!r} is not in the epoch logs (available: {keys}); "
            "val_* quantities need validation_data"
        )
    return float(logs[monitor])
