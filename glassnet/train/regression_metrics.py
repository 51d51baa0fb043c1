"""Streaming regression errors (MSE, RMSE, MAE, R²) in the target's own units.

A model trained on standardised targets ``z = (y - mean) / std`` outputs
standardised values too; :class:`RegressionMetric` takes ``mean`` and ``std``
and reports its figure on ``y``'s scale, so ``glassnet train`` logs
``val_rmse`` in the units of the column it predicts. Each metric keeps five
running sums (count, residual sum of squares, absolute residuals, sum and sum
of squares of the targets), so a metric over batches equals the metric over
all samples at once.

Examples
--------
>>> import numpy as np
>>> m = RegressionMetric("rmse", mean=10.0, std=2.0)
>>> m.update(np.array([[0.0], [1.0]]), np.array([[0.5], [1.0]]))   # y: 11 and 12
>>> round(m.result(), 6)   # predictions 10 and 12
0.707107
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .metrics import Metric, _host

__all__ = ["RegressionMetric", "REGRESSION_METRICS", "regression_metrics", "regression_scores"]

#: The figures :class:`RegressionMetric` computes, in the order they are logged.
REGRESSION_METRICS = ("mse", "rmse", "mae", "r2")


def regression_scores(pred: Any, true: Any) -> dict[str, float]:
    """``mse``, ``rmse``, ``mae`` and ``r2`` of predictions against targets (same shape).

    R² is ``1 - SS_res / SS_tot`` over all entries (NaN when the targets are constant).
    """
    p = np.asarray(pred, dtype=np.float64).reshape(-1)
    t = np.asarray(true, dtype=np.float64).reshape(-1)
    if p.shape != t.shape or p.size == 0:
        raise ValueError(
            f"regression_scores: expected predictions and targets of one non-empty shape, "
            f"got {p.shape} and {t.shape}"
        )
    m = RegressionMetric("mse")
    m.update(p, t)
    return m.scores()


class RegressionMetric(Metric):
    """One regression figure over a stream of batches, on the scale ``y = z * std + mean``.

    Parameters
    ----------
    kind : {"mse", "rmse", "mae", "r2"}
        The figure :meth:`result` returns (also the metric's name).
    mean, std : float, default 0 and 1
        How outputs and targets were standardised (``std > 0``).
    """

    def __init__(self, kind: str, *, mean: float = 0.0, std: float = 1.0) -> None:
        if kind not in REGRESSION_METRICS:
            raise ValueError(
                f"RegressionMetric: kind must be one of {', '.join(REGRESSION_METRICS)}, "
                f"got {kind!r}"
            )
        if not (math.isfinite(std) and std > 0 and math.isfinite(mean)):
            raise ValueError(
                f"RegressionMetric: expected a finite mean and std > 0, got {mean!r}, {std!r}"
            )
        self.name = kind
        self.mean, self.std = float(mean), float(std)
        super().__init__()

    def reset(self) -> None:
        self.count = 0.0
        self.sq = 0.0
        self.abs = 0.0
        self.total = 0.0
        self.total_sq = 0.0

    def update(self, outputs: Any, targets: Any) -> None:
        """Add a batch: ``outputs`` and ``targets`` of one shape, e.g. ``(B, 1)``."""
        # sums on the standardised scale (well conditioned), scaled to y's in scores()
        p = _host(outputs).astype(np.float64).reshape(-1)
        t = _host(targets).astype(np.float64).reshape(-1)
        if p.shape != t.shape:
            raise ValueError(
                f"RegressionMetric: expected outputs and targets with as many values, got "
                f"{_host(outputs).shape} and {_host(targets).shape}"
            )
        r = p - t
        self.count += p.size
        self.sq += float(r @ r)
        self.abs += float(np.abs(r).sum())
        self.total += float(t.sum())
        self.total_sq += float(t @ t)

    def scores(self) -> dict[str, float]:
        """Every figure of :data:`REGRESSION_METRICS` at once."""
        if not self.count:
            return dict.fromkeys(REGRESSION_METRICS, float("nan"))
        mse = self.sq / self.count * self.std**2
        ss_tot = self.total_sq - self.total * self.total / self.count
        r2 = 1.0 - self.sq / ss_tot if ss_tot > 1e-12 * max(self.total_sq, 1e-300) else float("nan")
        mae = self.abs / self.count * self.std
        return {"mse": mse, "rmse": math.sqrt(mse), "mae": mae, "r2": r2}

    def result(self) -> float:
        return self.scores()[self.name]

    def __repr__(self) -> str:
        return f"RegressionMetric({self.name!r}, mean={self.mean:g}, std={self.std:g})"


def regression_metrics(mean: float = 0.0, std: float = 1.0) -> list[RegressionMetric]:
    """One :class:`RegressionMetric` per figure of :data:`REGRESSION_METRICS` (for ``fit``)."""
    return [RegressionMetric(k, mean=mean, std=std) for k in REGRESSION_METRICS]
