"""A run that diverged without a NaN gets a warning with the figures (issue 17, item 7)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import glassnet as gn
from glassnet import nn, optim
from glassnet.train import fit
from glassnet.train.callbacks import TrainingHealth, TrainingHealthWarning


def _blobs(n=96, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    x = (rng.standard_normal((n, 4)) + np.eye(3, 4)[y] * 3).astype(np.float32)
    return x, y.astype(np.int64)


def _model():
    gn.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 3))


def test_a_huge_learning_rate_that_gives_no_nan_is_warned_about():
    x, y = _blobs()
    model = _model()
    with pytest.warns(TrainingHealthWarning) as rec:
        fit(model, (x, y), loss="cross_entropy", optimizer=optim.Adam(model.parameters(), lr=1000.0),
            epochs=3, batch_size=16, verbose=0)  # fmt: skip
    assert all(np.isfinite(p.numpy()).all() for p in model.parameters())  # no NaN: no error
    msg = str(rec[0].message)
    assert "weight '0.weight' grew from RMS" in msg and "largest |w|" in msg
    assert "(it is 1000)" in msg and "gradient clipping" in msg


def test_a_healthy_run_is_not_warned_about():
    x, y = _blobs()
    model = _model()
    with warnings.catch_warnings():
        warnings.simplefilter("error", TrainingHealthWarning)
        fit(model, (x, y), loss="cross_entropy", optimizer=optim.Adam(model.parameters(), lr=1e-2),
            epochs=3, batch_size=16, verbose=0)  # fmt: skip


def test_a_loss_that_does_not_fall_is_named_with_its_figures():
    health = TrainingHealth()
    health._losses = [2.3, 2.31, 2.35]
    assert health.findings() == ["the training loss did not fall over 3 epochs (2.3, 2.31, 2.35)"]
    health._losses = [2.3, 1.0, 0.5]
    assert health.findings() == []
