"""Per-epoch bookkeeping of ``fit``: the running loss, metrics and gradient norms.

Everything is accumulated as plain floats and streaming metric objects; no
graph, tensor or per-step list is kept, so a step costs a few additions.
Both can be saved in a checkpoint (``state_dict``) and summed over the ranks
of a distributed run (``reduce``).
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

from .._validate import is_int
from .metrics import get_metric

__all__ = ["MetricSet", "EpochStats", "RunningEpoch"]


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

    def results(self, prefix: str = "") -> dict[str, Any]:
        """Each metric's result by ``prefix + name``: a float, or an array for metrics such
        as :class:`~glassnet.train.metrics.ConfusionMatrix` whose result is one."""
        return {prefix + n: _number_or_array(m.result()) for n, m in self.items}

    def state_dict(self) -> dict[str, dict[str, Any]]:
        """The accumulators of every metric (see :func:`accumulators`), by metric name."""
        return {n: {k: _copy(getattr(m, k)) for k in accumulators(m)} for n, m in self.items}

    def load_state_dict(self, state: Mapping[str, Mapping[str, Any]]) -> None:
        """Restore accumulators saved by :meth:`state_dict` (metrics it lacks are reset)."""
        for n, m in self.items:
            m.reset()
            saved = state.get(n) or {}
            for k in accumulators(m):
                if k in saved:
                    setattr(m, k, _like(getattr(m, k), saved[k]))

    def reduce(self, world: Any) -> None:
        """Sum every metric's accumulators over the ranks of ``world``, in place."""
        if world is None or world.size == 1 or not self.items:
            return
        keys = [(m, k) for _, m in self.items for k in accumulators(m)]
        values = [np.asarray(getattr(m, k), dtype=np.float64).ravel() for m, k in keys]
        if not values:
            return
        flat = np.ascontiguousarray(np.concatenate(values))
        world.allreduce_(flat)
        at = 0
        for (m, k), v in zip(keys, values):
            setattr(m, k, _like(getattr(m, k), flat[at : at + v.size]))
            at += v.size


def _number_or_array(value: Any) -> Any:
    arr = np.asarray(value)
    return float(arr) if arr.ndim == 0 else arr


def _is_zero_number(v: Any) -> bool:
    if isinstance(v, bool):
        return False
    if isinstance(v, (int, float, np.integer, np.floating)):
        return v == 0
    if isinstance(v, np.ndarray) and v.dtype.kind in "iuf":
        return not v.any()
    return False


def accumulators(metric: Any) -> list[str]:
    """The attributes of a streaming metric that ``reset()`` sets to zero: its running sums.

    They are what a checkpoint saves of a half-finished epoch and what a
    distributed run sums over ranks (right for counts and sums, which is what
    every built-in metric keeps; settings such as a threshold are not zero
    after a reset, or are zero on every rank).
    """
    fresh = copy.deepcopy(metric)
    fresh.reset()
    return sorted(k for k, v in vars(fresh).items() if _is_zero_number(v))


def _copy(v: Any) -> Any:
    return v.copy() if isinstance(v, np.ndarray) else v


def _like(current: Any, value: Any) -> Any:
    """``value`` in the type (and shape) of ``current``."""
    if isinstance(current, np.ndarray):
        return np.asarray(value).astype(current.dtype).reshape(current.shape)
    arr = np.asarray(value).reshape(-1)
    v = arr[0].item() if arr.size == 1 else value
    if is_int(current):
        return int(round(float(v)))
    return float(v)


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

    def state_dict(self) -> dict[str, float]:
        return {k: getattr(self, k) for k in self.__slots__}

    def load_state_dict(self, state: Mapping[str, Any], *, sums: bool = True) -> None:
        """Restore a saved state; ``sums=False`` keeps only what every rank shares (steps, norms)."""
        for k in self.__slots__:
            if k in state and (sums or k not in self._SUMS):
                setattr(self, k, type(getattr(self, k))(state[k]))

    #: The per-rank sums (the rest -- step count and gradient norms -- are the same on every rank).
    _SUMS = ("loss", "penalty", "samples")

    def reduce(self, world: Any) -> None:
        """Sum the sample-weighted loss and penalty and the sample count over ranks, in place."""
        if world is None or world.size == 1:
            return
        self.loss, self.penalty, samples = world.sum_scalars(
            [self.loss, self.penalty, self.samples]
        )
        self.samples = int(round(samples))


class RunningEpoch:
    """The unfinished epoch of ``fit``: its running sums, first learning rate and clock.

    Parameters
    ----------
    metrics : iterable
        The training metrics (see :class:`MetricSet`).
    """

    def __init__(self, metrics: Iterable[Any]) -> None:
        self.stats = EpochStats()
        self.metrics = MetricSet("fit", metrics)
        self.lr = math.nan
        self.start = time.perf_counter()
        #: seconds the epoch ran before a resume (its clock continues from there)
        self.time_before = 0.0

    def reset(self) -> None:
        """Empty the running sums (a new epoch)."""
        self.stats = EpochStats()
        self.metrics.reset()

    def begin(self, lr: float) -> None:
        """Start the clock of a new epoch whose first step runs at learning rate ``lr``."""
        self.lr = lr
        self.start = time.perf_counter()

    def carry_on(self) -> None:
        """Continue the epoch a checkpoint was written in: its clock goes on from there."""
        self.start = time.perf_counter() - self.time_before

    def elapsed(self) -> float:
        """Seconds since the epoch began."""
        return time.perf_counter() - self.start

    def add(
        self, loss: float, n: int, grad_norm: float, penalty: float, outputs: Any, targets: Any
    ) -> None:
        """Count one step on ``n`` samples (``outputs`` None for an empty slice)."""
        self.stats.add(loss, n, grad_norm, penalty)
        if self.metrics.items and n:
            self.metrics.update(outputs.array, getattr(targets, "array", targets))

    def logs(self) -> dict[str, Any]:
        """The epoch's averages so far: ``loss`` and the metrics."""
        logs: dict[str, Any] = {"loss": self.stats.mean_loss()}
        logs.update(self.metrics.results())
        return logs

    def load(self, state: Any, *, sums: bool) -> None:
        """Take the unfinished epoch of a :class:`~glassnet.train.state.TrainState`.

        ``sums=False`` (ranks other than 0) keeps only what every rank shares:
        the summed loss and metric counts were saved once, over all ranks.
        """
        self.lr = state.epoch_lr
        self.time_before = state.epoch_time
        self.stats = EpochStats()
        self.stats.load_state_dict(state.stats, sums=sums)
        self.metrics.reset()
        if sums:
            self.metrics.load_state_dict(state.metrics)
