"""Forecast errors and naive forecasts: values on hand-made series, alignment, errors."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.train.forecast_metrics import (
    forecast_targets,
    horizon_mae,
    mae,
    persistence_forecast,
    seasonal_drift_forecast,
    seasonal_naive_forecast,
)

Y = np.array([0.0, 10, 20, 30, 40, 50, 60, 70, 80, 90])


def test_targets_and_persistence():
    o = np.array([2, 5])
    np.testing.assert_array_equal(forecast_targets(Y, o, 3), [[30, 40, 50], [60, 70, 80]])
    np.testing.assert_array_equal(persistence_forecast(Y, o, 3), [[20, 20, 20], [50, 50, 50]])
    # the last origin allowed for horizon 1 is T - 2
    np.testing.assert_array_equal(forecast_targets(Y, [8], 1), [[90]])


def test_seasonal_naive_goes_back_whole_seasons():
    # season 3: k=1,2,3 look one season back; k=4,5 two seasons back
    f = seasonal_naive_forecast(Y, [4], 5, season=3)
    np.testing.assert_array_equal(f, [[20, 30, 40, 20, 30]])
    # at k == season it is the persistence forecast
    o = np.arange(3, 8)
    np.testing.assert_array_equal(
        seasonal_naive_forecast(Y, o, 2, season=2)[:, 1], persistence_forecast(Y, o, 2)[:, 1]
    )


def test_seasonal_drift_is_exact_on_trend_plus_season():
    t = np.arange(60.0)
    y = 0.3 * t + np.tile([1.0, -2.0, 4.0, 0.5], 15)
    o = np.arange(10, 50)
    f = seasonal_drift_forecast(y, o, 7, season=4)
    np.testing.assert_allclose(f, forecast_targets(y, o, 7), atol=1e-12)
    # plain seasonal naive misses by the trend of the seasons it skips
    err = horizon_mae(seasonal_naive_forecast(y, o, 7, season=4), forecast_targets(y, o, 7))
    np.testing.assert_allclose(err, [1.2] * 4 + [2.4] * 3)


def test_mae_and_horizon_mae():
    assert mae([1.0, 2.0, 4.0], np.array([2.0, 2.0, 1.0])) == pytest.approx(4 / 3)
    assert mae(gn.tensor([1.0, 3.0]), gn.tensor([0.0, 0.0])) == pytest.approx(2.0)
    p = np.array([[1.0, 2.0], [3.0, 5.0]])
    t = np.zeros((2, 2))
    np.testing.assert_allclose(horizon_mae(p, t), [2.0, 3.5])
    np.testing.assert_allclose(horizon_mae(p[..., None], t[..., None]), [2.0, 3.5])  # (n, h, 1)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: persistence_forecast(Y, [8], 2), r"persistence_forecast: origins must lie in \[0, 7\] for a series of 10 steps and horizon 2, got \[8, 8\]"),
        (lambda: seasonal_naive_forecast(Y, [1], 2, season=3), r"seasonal_naive_forecast: origins must lie in \[2, 7\].*got \[1, 1\]"),
        (lambda: seasonal_drift_forecast(Y, [2], 2, season=3), r"seasonal_drift_forecast: origins must lie in \[3, 7\].*got \[2, 2\]"),
        (lambda: forecast_targets(Y, [1.5], 2), r"forecast_targets: origins must be a 1-D array of ints, got float64 \(1,\)"),
        (lambda: forecast_targets(Y.reshape(2, 5), [0], 1), r"forecast_targets: series must have shape \(T,\), got \(2, 5\)"),
        (lambda: persistence_forecast(Y, [0], 0), "persistence_forecast: horizon must be a positive int, got 0"),
        (lambda: seasonal_naive_forecast(Y, [5], 1, season=0), "seasonal_naive_forecast: season must be a positive int, got 0"),
        (lambda: mae([1.0, 2.0], [1.0]), r"mae: pred and target must have the same shape, got \(2,\) and \(1,\)"),
        (lambda: mae([], []), "mae: pred and target are empty"),
        (lambda: horizon_mae(np.zeros(3), np.zeros(3)), r"horizon_mae: expected pred and target of the same shape \(n, horizon\).*got \(3,\) and \(3,\)"),
    ],
)  # fmt: skip
def test_errors_name_the_function_and_value(call, message):
    with pytest.raises(ValueError, match=message):
        call()
