"""Forecast errors and the naive forecasts every forecaster must beat.

A forecast is made at an *origin* ``o`` (the last step the forecaster has
seen) for the steps ``o + 1, ..., o + horizon``. The functions here take a
series ``(T,)``, integer origins ``(n,)`` and a horizon, and return arrays
``(n, horizon)`` whose column ``k - 1`` is the forecast ``k`` steps ahead, so
they line up with :func:`forecast_targets` and with the outputs of
``glassnet.models.LSTMForecaster`` (squeezed to one feature).

Examples
--------
>>> import numpy as np
>>> y = np.arange(30.0) + 5 * np.sin(np.arange(30) * 2 * np.pi / 12)
>>> o = np.arange(20, 27)
>>> target = forecast_targets(y, o, 3)
>>> naive = persistence_forecast(y, o, 3)
>>> snaive = seasonal_naive_forecast(y, o, 3, season=12)
>>> horizon_mae(snaive, target).round(3).tolist()   # trend 1 per step: 12 per season
[12.0, 12.0, 12.0]
>>> horizon_mae(seasonal_drift_forecast(y, o, 3, season=12), target).round(9).tolist()
[0.0, 0.0, 0.0]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validate import positive_int

__all__ = [
    "mae",
    "horizon_mae",
    "forecast_targets",
    "persistence_forecast",
    "seasonal_naive_forecast",
    "seasonal_drift_forecast",
]


def _series(who: str, series: Any) -> np.ndarray:
    arr = np.asarray(getattr(series, "array", series), dtype=np.float64)
    if arr.ndim != 1:
        raise ValueError(f"{who}: series must have shape (T,), got {arr.shape}")
    return arr


def _origins(who: str, origins: Any, t: int, horizon: int, lookback: int) -> np.ndarray:
    o = np.asarray(origins)
    if o.ndim != 1 or (o.size and o.dtype.kind not in "iu"):
        raise ValueError(f"{who}: origins must be a 1-D array of ints, got {o.dtype} {o.shape}")
    o = o.astype(np.int64)
    if o.size and (o.min() < lookback or o.max() + horizon > t - 1):
        raise ValueError(
            f"{who}: origins must lie in [{lookback}, {t - 1 - horizon}] for a series of {t} "
            f"steps and horizon {horizon}, got [{o.min()}, {o.max()}]"
        )
    return o


def mae(pred: Any, target: Any) -> float:
    """Mean absolute error over all entries (NaN-free inputs of equal shape)."""
    p = np.asarray(getattr(pred, "array", pred), dtype=np.float64)
    t = np.asarray(getattr(target, "array", target), dtype=np.float64)
    if p.shape != t.shape:
        raise ValueError(
            f"mae: pred and target must have the same shape, got {p.shape} and {t.shape}"
        )
    if p.size == 0:
        raise ValueError("mae: pred and target are empty")
    return float(np.abs(p - t).mean())


def horizon_mae(pred: Any, target: Any) -> np.ndarray:
    """MAE per forecast step: ``(n, horizon)`` forecasts and targets -> ``(horizon,)``."""
    p = np.asarray(getattr(pred, "array", pred), dtype=np.float64)
    t = np.asarray(getattr(target, "array", target), dtype=np.float64)
    if p.ndim == 3 and p.shape[-1] == 1:
        p = p[..., 0]
    if t.ndim == 3 and t.shape[-1] == 1:
        t = t[..., 0]
    if p.shape != t.shape or p.ndim != 2 or p.shape[0] == 0:
        raise ValueError(
            f"horizon_mae: expected pred and target of the same shape (n, horizon) with n >= 1, "
            f"got {p.shape} and {t.shape}"
        )
    return np.abs(p - t).mean(axis=0)


def forecast_targets(series: Any, origins: Any, horizon: int) -> np.ndarray:
    """The true values ``series[o + k]`` for ``k = 1..horizon``: ``(n, horizon)``."""
    who = "forecast_targets"
    y = _series(who, series)
    h = positive_int(who, "horizon", horizon)
    o = _origins(who, origins, len(y), h, 0)
    return y[o[:, None] + np.arange(1, h + 1)]


def persistence_forecast(series: Any, origins: Any, horizon: int) -> np.ndarray:
    """The last value seen, for every step ahead: ``series[o]`` -> ``(n, horizon)``."""
    who = "persistence_forecast"
    y = _series(who, series)
    h = positive_int(who, "horizon", horizon)
    o = _origins(who, origins, len(y), h, 0)
    return np.repeat(y[o][:, None], h, axis=1)


def _seasonal_base(y: np.ndarray, o: np.ndarray, h: int, season: int) -> tuple:
    k = np.arange(1, h + 1)
    seasons_back = -(-k // season)  # ceil(k / season): the latest season already seen
    return y[o[:, None] + k - season * seasons_back], seasons_back


def seasonal_naive_forecast(series: Any, origins: Any, horizon: int, season: int) -> np.ndarray:
    """The value one season before each target: ``series[o + k - season * ceil(k / season)]``.

    For ``k <= season`` that is ``series[o + k - season]``; at ``k == season``
    it equals the persistence forecast.
    """
    who = "seasonal_naive_forecast"
    y = _series(who, series)
    h = positive_int(who, "horizon", horizon)
    m = positive_int(who, "season", season)
    o = _origins(who, origins, len(y), h, m - 1)
    return _seasonal_base(y, o, h, m)[0]


def seasonal_drift_forecast(series: Any, origins: Any, horizon: int, season: int) -> np.ndarray:
    """Seasonal naive plus the last seasonal change: a season-aware trend follower.

    ``series[o + k - season * s] + s * (series[o] - series[o - season])`` with
    ``s = ceil(k / season)``: the value a season back, moved by the change of
    the latest full season. A strong reference for trending seasonal series.
    """
    who = "seasonal_drift_forecast"
    y = _series(who, series)
    h = positive_int(who, "horizon", horizon)
    m = positive_int(who, "season", season)
    o = _origins(who, origins, len(y), h, m)
    base, s = _seasonal_base(y, o, h, m)
    return base + s * (y[o] - y[o - m])[:, None]
