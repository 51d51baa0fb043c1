"""The LR finder and divergence messages on odd data: NaN inputs, huge inputs, flat or short sweeps.

Before their fixes: NaN data crashed the sweep's plot inside matplotlib, a sweep
that diverged at once returned a nan suggestion without a word, a sweep still
falling at ``end_lr`` or flat over its range suggested an edge rate silently,
and ``fit`` advised a lower learning rate for NaN inputs or for a loss that was
non-finite before any update.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from glassnet import nn, optim
from glassnet.train import DivergenceError, fit, lr_find
from glassnet.train.lr_finder import LRFindWarning


def _data(n=64, f=4, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, f)).astype(np.float32)
    return x, (x[:, 0] > 0).astype(np.int64)


def _mlp(f=4):
    return nn.Sequential(nn.Linear(f, 8), nn.ReLU(), nn.Linear(8, 2))


def test_nan_inputs_stop_the_sweep_at_its_first_step_and_write_no_plot(tmp_path):
    pytest.importorskip("matplotlib")
    x, y = _data()
    x[:] = np.nan
    png = tmp_path / "lr.png"
    with pytest.raises(ValueError, match="the loss is nan at the first step, before any update"):
        lr_find(_mlp(), (x, y), num_steps=10, plot=png)
    assert not png.exists()


def test_a_sweep_that_diverges_at_once_warns_and_still_plots(tmp_path):
    pytest.importorskip("matplotlib")
    x, y = _data()
    png = tmp_path / "lr.png"
    with pytest.warns(LRFindWarning, match="diverged after 2 step\\(s\\).*start the sweep lower"):
        res = lr_find(_mlp(), (x * 100, y), optimizer="sgd", start_lr=1e4, end_lr=1e12,
                      num_steps=20, plot=png)  # fmt: skip
    assert math.isnan(res.suggestion) and res.stopped_early
    assert png.stat().st_size > 0


def test_a_sweep_still_falling_at_its_end_warns():
    x, y = _data(8)
    with pytest.warns(LRFindWarning, match="still falling at the last rate"):
        lr_find(_mlp(), (x, y), optimizer="sgd", start_lr=1e-4, end_lr=1e-1, num_steps=10)


def test_a_flat_sweep_warns_that_the_suggestion_is_arbitrary():
    x, y = _data()
    with pytest.warns(LRFindWarning, match="barely changed over the sweep"):
        lr_find(_mlp(), (x, y), optimizer="sgd", start_lr=1e-9, end_lr=1e-8, num_steps=10)


def test_an_ordinary_sweep_gives_no_warning():
    x, y = _data(256)
    with warnings.catch_warnings():
        warnings.simplefilter("error", LRFindWarning)
        res = lr_find(_mlp(), (x, y), num_steps=60, batch_size=32)
    assert math.isfinite(res.suggestion)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_nan_inputs_are_blamed_not_the_learning_rate():
    x, y = _data()
    x[3, 1] = np.nan
    model = _mlp()
    with pytest.raises(DivergenceError) as info:
        fit(model, (x, y), loss="cross_entropy", optimizer=optim.SGD(model.parameters(), lr=0.1),
            epochs=1, batch_size=64, verbose=0)  # fmt: skip
    msg = str(info.value)
    assert "inputs hold 1 NaN or infinite value(s)" in msg and "lower learning rate" not in msg


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_a_loss_non_finite_before_any_update_is_not_the_rate():
    x, y = _data()
    model = nn.Sequential(nn.Linear(4, 2))
    x = np.sign(x) * np.float32(3e38)  # finite inputs whose sums overflow
    with pytest.raises(DivergenceError, match="epoch 1, step 1") as info:
        fit(model, (x, y), loss="cross_entropy", optimizer=optim.SGD(model.parameters(), lr=0.1),
            epochs=1, batch_size=64, verbose=0)  # fmt: skip
    msg = str(info.value)
    assert "no update had been made yet" in msg and "lower learning rate" not in msg
