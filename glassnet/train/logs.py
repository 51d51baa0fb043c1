"""Per-epoch bookkeeping of ``fit``: the running loss, metrics and gradient norms.

Everything is accumulated as plain floats and streaming metric objects; no
graph, tensor or per-step list is kept, so a step costs a few additions.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterable
from typing import Any

__all__ = ["MetricSet", "EpochStats"]


class _BatchMean:
    """A metric function ``fn(outputs, targets) -> number`` averaged over samples."""

    def __init__(self, fn: Callable[[Any, Any], Any], name: str) -> None:
        self.fn = fn
        self.name = name
        self.reset()

    def reset(self) -> None:
        self.total = 0.0
        self.count = 0

    def update(self, outputs: Any, targets: Any) -> None:
        n = len(outputs)
        self.total += float(self.fn(outputs, targets)) * n
        self.count += n

    def result(self) -> float:
        return self.total / self.count if self.count else float("nan")


def _is_streaming(m: Any) -> bool:
    return all(callable(getattr(m, a, None)) for a in ("update", "result", "reset"))


def _resolve(who: str, metric: Any) -> tuple[str, Any]:
    if isinstance(metric, str):
        from .metrics import get_metric

        try:
            return metric, get_metric(metric)
        except (KeyError, ValueError) as exc:
            raise ValueError(f"{who}: unknown metric {metric!r} ({exc})") from None
    if _is_streaming(metric):
        name = getattr(metric, "name", None) or type(metric).__name__.lower()
        return str(name), copy.deepcopy(metric)
    if callable(metric):
        name = getattr(metric, "__name__", None) or type(metric).__name__.lower()
        return name, _BatchMean(metric, name)
    raise TypeError(
        f"{who}: a metric must be a name, a streaming metric (update/result/reset) or a "
        f"function (outputs, targets) -> number, got {metric!r}"
    )


class MetricSet:
    """Fresh copies of the requested metrics, updated batch by batch.

    Parameters
    ----------
    who : str
        The caller for error messages.
    metrics : iterable of str, metric object or callable
        Names (``"accuracy"``, looked up with
        :func:`glassnet.train.metrics.get_metric`), streaming metrics with
        ``update(outputs, targets)``/``result()``/``reset()``, or functions
        ``fn(outputs, targets) -> number`` averaged over samples. Outputs and
        targets are passed as arrays.
    """

    def __init__(self, who: str, metrics: Iterable[Any]) -> None:
        if isinstance(metrics, str) or callable(metrics):
            metrics = (metrics,)
        self.items: list[tuple[str, Any]] = [_resolve(who, m) for m in metrics]
        names = [n for n, _ in self.items]
        dup = {n for n in names if names.count(n) > 1}
        if dup:
            raise ValueError(f"{who}: metric names must be unique, got {sorted(dup)} twice")
        if "loss" in names:
            raise ValueError(f"{who}: 'loss' is logged already; it cannot be a metric name")

    def reset(self) -> None:
        for _, m in self.items:
            m.reset()

    def update(self, outputs: Any, targets: Any) -> None:
        for _, m in self.items:
            m.update(outputs, targets)

    def results(self, prefix: str = "") -> dict[str, float]:
        return {prefix + n: float(m.result()) for n, m in self.items}


class EpochStats:
    """Sums over one epoch: sample-weighted loss and penalty, gradient-norm mean and max."""

    __slots__ = ("loss", "penalty", "samples", "steps", "norm_sum", "norm_max")

    def __init__(self) -> None:
        self.loss = 0.0
        self.penalty = 0.0
        self.samples = 0
        self.steps = 0
        self.norm_sum = 0.0
        self.norm_max = 0.0

    def add(self, loss: float, n: int, grad_norm: float, penalty: float = 0.0) -> None:
        self.loss += loss * n
        self.penalty += penalty * n
        self.samples += n
        self.steps += 1
        self.norm_sum += grad_norm
        if grad_norm > self.norm_max:
            self.norm_max = grad_norm

    def mean_loss(self) -> float:
        return self.loss / self.samples if self.samples else math.nan

    def mean_penalty(self) -> float:
        return self.penalty / self.samples if self.samples else math.nan

    def mean_norm(self) -> float:
        return self.norm_sum / self.steps if self.steps else math.nan
