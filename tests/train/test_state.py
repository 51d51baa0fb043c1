"""TrainState: what a checkpoint records of a run, read back, checked and applied."""

from __future__ import annotations

import math

import numpy as np
import pytest

import glassnet as gn
from glassnet import nn
from glassnet.io import load_checkpoint
from glassnet.train import RunFolder, RunLogger, fit
from glassnet.train.resume import read_resume_point
from glassnet.train.state import STATE_FORMAT, DataOrder, Progress, TrainState

RNG = np.random.default_rng(1)
X = RNG.standard_normal((40, 3)).astype(np.float32)
Y = RNG.integers(0, 2, 40)


def _state(**changes):
    state = TrainState(
        progress=Progress(epochs_completed=2, step_in_epoch=3, samples_in_epoch=24, global_step=13),
        stopped=False, epochs=5, data=DataOrder(seed=9, batch_size=8, num_samples=40),
        world_size=1, steps_per_epoch=5, epoch_lr=0.01, epoch_time=1.5,
        stats={"loss": 2.0, "samples": 24}, metrics={}, rng_states=[{"a": 1}],
        callbacks={"History": {"epochs": [0, 1]}},
    )  # fmt: skip
    for k, v in changes.items():
        setattr(state, k, v)
    return state


def test_the_stored_layout_round_trips():
    state = _state()
    stored = state.to_dict()
    assert stored["format"] == STATE_FORMAT
    assert (stored["epoch"], stored["step_in_epoch"], stored["global_step"]) == (2, 3, 13)
    assert (stored["data_seed"], stored["batch_size"], stored["num_samples"]) == (9, 8, 40)
    assert TrainState.from_dict(stored) == state


def test_an_older_layout_reads_with_defaults():
    old = TrainState.from_dict({"epoch": 4}, legacy_rng={"state": 1})
    assert old.progress == Progress(epochs_completed=4)
    assert old.rng_states == [{"state": 1}] and math.isnan(old.epoch_lr)
    assert old.world_size is None and old.data == DataOrder()
    assert old.rng_state(0) == {"state": 1}
    assert TrainState.from_dict({"epoch": 0}).rng_state(0) is None


def test_checks_against_the_data_at_hand():
    state = _state()
    state.check_data(DataOrder(seed=9, batch_size=16, num_samples=40), "last.safetensors")
    with pytest.raises(ValueError, match="was written training on 40 samples; .* has 39"):
        state.check_data(DataOrder(seed=9, batch_size=8, num_samples=39), "last.safetensors")
    with pytest.raises(ValueError, match="with data seed 9; the DataLoader given has seed 1"):
        state.check_data(DataOrder(seed=1, batch_size=8, num_samples=40), "last.safetensors")
    assert state.replays_batches(1, 8, 5)
    assert not state.replays_batches(2, 8, 5) and not state.replays_batches(1, 16, 3)


def test_a_rank_the_saved_run_lacked_gets_its_own_stream():
    saved = [gn.random.get_state()]
    state = _state(rng_states=saved)
    assert state.rng_state(0) == saved[0]
    assert state.rng_state(1) != saved[0]


def test_the_trainer_writes_and_resumes_from_a_train_state(tmp_path):
    run = RunFolder.create(tmp_path, "s")
    gn.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    fit(model, (X, Y), loss="cross_entropy", optimizer="sgd", epochs=2, batch_size=8,
        verbose=0, seed=4, callbacks=[RunLogger(run)])  # fmt: skip
    stored = load_checkpoint(run.file(run.LAST), restore_rng=False)["extra"]["trainer"]
    point = read_resume_point(run)
    assert isinstance(point.state, TrainState)
    assert point.state.to_dict() == TrainState.from_dict(stored).to_dict()
    assert point.state.progress == Progress(epochs_completed=2, global_step=10)
    assert point.state.data == DataOrder(seed=4, batch_size=8, num_samples=40)
    assert point.seed(None) == 4
    with pytest.raises(ValueError, match="seed=5 differs from the seed 4"):
        point.seed(5)
