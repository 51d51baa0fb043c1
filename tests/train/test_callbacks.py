"""Callbacks: History, EarlyStopping, ModelCheckpoint, LearningRateScheduler, CSVLogger, progress text."""

from __future__ import annotations

import csv
import os

import numpy as np
import pytest

import glassnet.functional as F
from glassnet import nn, optim
from glassnet.io import load, load_checkpoint
from glassnet.train import (
    Callback,
    CSVLogger,
    EarlyStopping,
    History,
    LearningRateScheduler,
    ModelCheckpoint,
    ProgressBar,
    fit,
)
from glassnet.train.progress import format_duration, format_logs


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(2, 8)
        self.fc2 = nn.Linear(8, 2)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x)))


def data(n: int = 64):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, 2)).astype(np.float32)
    return x, (x[:, 0] > 0).astype(np.int64)


class Script(Callback):
    """Writes ``logs["score"] = values[epoch]`` (before the callbacks after it) and snapshots weights."""

    def __init__(self, values):
        self.values = values
        self.weights = []

    def on_epoch_end(self, epoch, logs=None):
        logs["score"] = self.values[epoch]
        self.weights.append({k: np.array(v) for k, v in self.model.state_dict().items()})


def run(callbacks, epochs, model=None, **kwargs):
    x, y = data()
    model = model or Net()
    h = fit(model, (x, y), loss="cross_entropy", optimizer=optim.SGD(model.parameters(), lr=0.1),
            epochs=epochs, batch_size=16, callbacks=callbacks, verbose=0, **kwargs)  # fmt: skip
    return model, h


def assert_weights_equal(model, weights):
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v, weights[k])


# -------------------------------------------------------------------- History
def test_history_fills_keys_missing_in_some_epochs():
    h = History()
    h.on_epoch_end(0, {"loss": 1.0})
    h.on_epoch_end(1, {"loss": 0.5, "extra": 3})
    h.on_epoch_end(2, {"extra": 4})
    assert h.history == {"loss": [1.0, 0.5, None], "extra": [None, 3, 4]}
    assert h.epoch == [0, 1, 2]
    assert h.last() == {"extra": 4}


def test_fit_returns_the_history_callback_passed_in():
    h = History()
    _, got = run([h], 2)
    assert got is h and len(h.epoch) == 2


# -------------------------------------------------------------- EarlyStopping
@pytest.mark.parametrize(
    ("values", "patience", "stopped_after"),
    [
        ([1.0, 0.8, 0.9, 0.85, 0.7, 0.6], 2, 4),  # epochs 3 and 4 do not improve on 0.8
        ([1.0, 0.8, 0.9, 0.85, 0.7, 0.6], 0, 3),  # patience 0: the first worse epoch stops
        ([1.0, 0.9, 0.8, 0.7, 0.6, 0.5], 1, 6),  # always improving: runs out
        ([1.0, 1.0, 1.0, 1.0, 1.0, 1.0], 3, 4),  # equal is not an improvement
    ],
)
def test_early_stopping_stops_at_the_right_epoch(values, patience, stopped_after):
    es = EarlyStopping("score", patience=patience)
    _, h = run([Script(values), es], 6)
    assert len(h.epoch) == stopped_after
    assert es.best == min(values[:stopped_after])


def test_early_stopping_restores_the_best_weights():
    script = Script([1.0, 0.5, 0.9, 0.8, 0.7])
    es = EarlyStopping("score", patience=2, restore_best_weights=True)
    model, h = run([script, es], 5)
    assert len(h.epoch) == 4 and es.best_epoch == 1 and es.stopped_epoch == 3
    assert_weights_equal(model, script.weights[1])


def test_early_stopping_without_restore_keeps_the_last_weights():
    script = Script([1.0, 0.5, 0.9, 0.8])
    model, _ = run([script, EarlyStopping("score", patience=2)], 4)
    assert_weights_equal(model, script.weights[-1])


def test_early_stopping_mode_max_min_delta_and_baseline():
    es = EarlyStopping("score", mode="max", patience=1, min_delta=0.05)
    _, h = run([Script([0.5, 0.53, 0.9, 0.92, 0.99]), es], 5)
    assert len(h.epoch) == 2  # +0.03 is below min_delta
    es = EarlyStopping("score", mode="min", patience=2, baseline=0.1)
    _, h = run([Script([1.0, 0.9, 0.8, 0.7, 0.6]), es], 5)
    assert len(h.epoch) == 2  # improving, but never beating the baseline


def test_early_stopping_auto_mode():
    assert EarlyStopping("val_accuracy").mode == "max"
    assert EarlyStopping("val_loss").mode == "min"
    assert EarlyStopping("error_rate").mode == "min"
    assert EarlyStopping("top3_accuracy").mode == "max"


def test_early_stopping_on_real_val_loss():
    x, y = data()
    es = EarlyStopping(patience=1, restore_best_weights=True)
    model = Net()
    h = fit(model, (x, y), loss="cross_entropy", optimizer=optim.SGD(model.parameters(), lr=3.0),
            epochs=40, validation_data=(x[:20], 1 - y[:20]), verbose=0)  # fmt: skip
    assert len(h.epoch) == 40  # without the callback it runs out
    model = Net()
    h = fit(model, (x, y), loss="cross_entropy", optimizer=optim.SGD(model.parameters(), lr=3.0),
            epochs=40, validation_data=(x[:20], 1 - y[:20]), callbacks=[es], verbose=0)  # fmt: skip
    assert len(h.epoch) < 40
    assert es.best == min(h.history["val_loss"])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"patience": -1}, "EarlyStopping: patience must be an int >= 0, got -1"),
        ({"mode": "up"}, "EarlyStopping: mode must be 'auto', 'min' or 'max', got 'up'"),
        ({"min_delta": -0.1}, "EarlyStopping: min_delta must be a number >= 0, got -0.1"),
        ({"monitor": ""}, "EarlyStopping: monitor must be a non-empty str, got ''"),
        ({"baseline": "x"}, "EarlyStopping: baseline must be a number or None, got 'x'"),
    ],
)
def test_early_stopping_argument_errors(kwargs, message):
    with pytest.raises(ValueError) as info:
        EarlyStopping(**kwargs)
    assert message in str(info.value)


def test_missing_monitored_quantity_names_the_available_keys():
    with pytest.raises(
        ValueError,
        match=r"EarlyStopping: monitored quantity 'val_loss' is not in the epoch logs \(available: accuracy, .*loss",
    ):
        run([EarlyStopping()], 2)  # no validation data


# ------------------------------------------------------------ ModelCheckpoint
def test_model_checkpoint_writes_only_on_improvement(tmp_path):
    script = Script([3.0, 2.0, 2.5, 1.0])
    path = tmp_path / "ck" / "e{epoch}-{score:.1f}.safetensors"
    mc = ModelCheckpoint(path, monitor="score", save_best_only=True)
    model, _ = run([script, mc], 4)
    assert sorted(os.listdir(tmp_path / "ck")) == [
        "e1-3.0.safetensors", "e2-2.0.safetensors", "e4-1.0.safetensors",
    ]  # fmt: skip
    ck = load_checkpoint(tmp_path / "ck" / "e2-2.0.safetensors")
    assert ck["epoch"] == 2 and ck["optimizer"] is not None
    for k, v in ck["model"].items():
        np.testing.assert_array_equal(v, script.weights[1][k])
    assert mc.last_saved.endswith("e4-1.0.safetensors")


def test_model_checkpoint_every_epoch_and_weights_only(tmp_path):
    model, _ = run([ModelCheckpoint(tmp_path / "last.safetensors", save_weights_only=True)], 2)
    assert_weights_equal(model, load(tmp_path / "last.safetensors"))
    model2, _ = run([ModelCheckpoint(tmp_path / "full.safetensors", monitor="loss")], 3)
    fresh = Net()
    ck = load_checkpoint(tmp_path / "full.safetensors", model=fresh)
    assert ck["epoch"] == 3
    assert_weights_equal(fresh, model2.state_dict())
    assert [n for n in os.listdir(tmp_path) if n.startswith(".")] == []  # no temp files left


def test_model_checkpoint_errors(tmp_path):
    with pytest.raises(ValueError, match="ModelCheckpoint: cannot fill the fields of filepath"):
        run([ModelCheckpoint(tmp_path / "{nope}.safetensors")], 1)
    with pytest.raises(ValueError, match="ModelCheckpoint: filepath must be a non-empty path"):
        ModelCheckpoint("")
    with pytest.raises(ValueError, match="ModelCheckpoint: mode must be"):
        ModelCheckpoint("x", mode="best")


# ------------------------------------------------------ LearningRateScheduler
def test_schedule_function_per_batch_uses_the_global_step():
    seen = []

    def schedule(step, lr):
        seen.append(step)
        return 0.1 / (1 + step)

    model, h = run([LearningRateScheduler(schedule, per="batch")], 2)  # 4 steps per epoch
    assert seen == list(range(8))
    assert h.history["lr"][1] == pytest.approx(0.1 / 5)  # lr at the start of epoch 2 (step 4)


def test_scheduler_callback_steps_an_lr_scheduler():
    model = Net()
    opt = optim.SGD(model.parameters(), lr=1.0)
    sched = optim.lr_scheduler.ExponentialLR(opt, gamma=0.5)
    x, y = data()
    h = fit(model, (x, y), loss="cross_entropy", optimizer=opt, epochs=3, verbose=0,
            callbacks=[LearningRateScheduler(sched)])  # fmt: skip
    assert h.history["lr"] == pytest.approx([1.0, 0.5, 0.25])


def test_scheduler_callback_errors():
    with pytest.raises(
        ValueError, match="LearningRateScheduler: per must be 'epoch' or 'batch', got 'step'"
    ):
        LearningRateScheduler(lambda e, lr: lr, per="step")
    with pytest.raises(TypeError, match="LearningRateScheduler: scheduler must be an LR scheduler"):
        LearningRateScheduler(0.1)
    opt = optim.SGD(Net().parameters(), lr=0.1)
    with pytest.raises(ValueError, match="ReduceLROnPlateau steps on an epoch's monitored value"):
        LearningRateScheduler(optim.lr_scheduler.ReduceLROnPlateau(opt), per="batch")
    with pytest.raises(ValueError, match="the schedule returned -1 at index 0"):
        run([LearningRateScheduler(lambda e, lr: -1)], 1)


# ------------------------------------------------------------------ CSVLogger
def test_csv_logger_one_row_per_epoch(tmp_path):
    path = tmp_path / "logs" / "train.csv"
    run([CSVLogger(path)], 3, validation_data=data(16))
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["epoch"] for r in rows] == ["1", "2", "3"]
    assert {"loss", "accuracy", "val_loss", "val_accuracy", "lr", "grad_norm", "time"} <= set(
        rows[0]
    )
    assert float(rows[2]["loss"]) > 0


def test_csv_logger_append_keeps_earlier_rows(tmp_path):
    path = tmp_path / "train.csv"
    run([CSVLogger(path)], 2)
    run([CSVLogger(path, append=True)], 4, initial_epoch=2)
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["epoch"] for r in rows] == ["1", "2", "3", "4"]


def test_csv_logger_errors():
    with pytest.raises(ValueError, match="CSVLogger: separator must be one character, got ';;'"):
        CSVLogger("x.csv", separator=";;")


# ------------------------------------------------------------------- progress
def test_progress_formatting():
    assert format_duration(5.4) == "5s"
    assert format_duration(125) == "2:05"
    assert format_duration(3723) == "1:02:03"
    text = format_logs(
        {"loss": 0.123456, "lr": 0.001, "time": 3.0, "grad_norm_max": 9.0, "tiny": 1e-5}
    )
    assert text == "loss: 0.1235 - lr: 0.001 - tiny: 1.000e-05"


def test_progress_bar_argument_error():
    with pytest.raises(ValueError, match="ProgressBar: verbose must be 1 or 2, got 0"):
        ProgressBar(0)
