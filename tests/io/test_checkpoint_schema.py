"""Checkpoint state checked against a schema before anything is restored (issue 17, item 3).

Every state a checkpoint restores has a schema: the optimizer's per-parameter
entries (``Optimizer.STATE_ENTRIES``), the scheduler's own ``state_dict()``
(:mod:`glassnet.optim.state_schema`), the RNG state (a scratch generator) and
the trainer state (:data:`glassnet.train.resume.TRAINER_STATE`). A state that
breaks it is refused with the file and the key in the message, and nothing --
weights, optimizer, scheduler, random state -- changes.
"""

from __future__ import annotations

import copy
import json
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import glassnet as gn
import glassnet.random as gr
from glassnet import nn, optim
from glassnet.io import CheckpointError, load_checkpoint, load_file, load_metadata, save_file
from glassnet.io.checkpoint import save_checkpoint
from glassnet.optim import lr_scheduler as S
from glassnet.optim.lr_plateau import ReduceLROnPlateau
from glassnet.optim.lr_warmup import OneCycleLR
from glassnet.optim.state_schema import PER_GROUP
from glassnet.train.resume import check_trainer_state


def _setup(seed=0, sched="step"):
    gn.manual_seed(seed)
    model = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2))
    opt = optim.Adam(model.parameters(), lr=0.01, amsgrad=True)
    makers = {
        "step": lambda o: S.StepLR(o, 2, gamma=0.5),
        "multistep": lambda o: S.MultiStepLR(o, [1, 3], gamma=0.5),
        "cosine": lambda o: S.CosineAnnealingLR(o, 5),
        "plateau": lambda o: ReduceLROnPlateau(o, patience=1),
        "onecycle": lambda o: OneCycleLR(o, 0.1, total_steps=20),
    }
    return model, opt, makers[sched](opt)


def _train(model, opt, sched, steps=3):
    rng = np.random.default_rng(0)
    for _ in range(steps):
        x = gn.tensor(rng.standard_normal((5, 3)).astype(np.float32))
        opt.zero_grad()
        (model(x) ** 2).mean().backward()
        opt.step()
        if isinstance(sched, ReduceLROnPlateau):
            sched.step(1.0)
        else:
            sched.step()


def _snapshot(model, opt, sched):
    return (
        {k: np.array(v) for k, v in model.state_dict().items()},
        copy.deepcopy(opt.state_dict()),
        copy.deepcopy(sched.state_dict()),
        copy.deepcopy(gr.get_state()),
    )


def _assert_same(a, b):
    for k in a[0]:
        np.testing.assert_array_equal(a[0][k], b[0][k])
    assert a[1]["param_groups"] == b[1]["param_groups"]
    assert a[1]["state"].keys() == b[1]["state"].keys()
    for i in a[1]["state"]:
        assert a[1]["state"][i].keys() == b[1]["state"][i].keys()
        for k in a[1]["state"][i]:
            np.testing.assert_array_equal(a[1]["state"][i][k], b[1]["state"][i][k])
    assert a[2] == b[2] and a[3] == b[3]


def _rewrite(path, field, change):
    """Rewrite one JSON field of checkpoint ``path``: ``change(document) -> document``."""
    tensors, meta = load_file(path), load_metadata(path)
    meta[field] = json.dumps(change(json.loads(meta[field])))
    save_file(tensors, path, metadata=meta)


@pytest.fixture
def saved(tmp_path):
    model, opt, sched = _setup(0)
    _train(model, opt, sched)
    path = tmp_path / "c.safetensors"
    save_checkpoint(path, model=model, optimizer=opt, scheduler=sched, epoch=1)
    return path


def _fresh_and_load(path, **kw):
    model, opt, sched = _setup(5)
    _train(model, opt, sched, 1)
    before = _snapshot(model, opt, sched)
    with pytest.raises(CheckpointError) as info:
        load_checkpoint(path, model=model, optimizer=opt, scheduler=sched, **kw)
    _assert_same(before, _snapshot(model, opt, sched))  # nothing restored
    msg = str(info.value)
    assert str(path) in msg
    return msg


def test_scheduler_state_cannot_add_an_attribute(saved):
    # the reproduction: "step": 1 replaced the scheduler's method
    _rewrite(saved, "scheduler", lambda d: {**d, "step": 1})
    msg = _fresh_and_load(saved)
    assert "unknown key 'step'" in msg and "StepLR" in msg


@pytest.mark.parametrize(
    "change, words",
    [
        (lambda d: {**d, "last_epoch": "3"}, ["'last_epoch'", "an int"]),
        (lambda d: {**d, "last_epoch": -5}, ["'last_epoch'", ">= -1"]),
        (lambda d: {**d, "gamma": None}, ["'gamma'", "a number"]),
        (lambda d: {**d, "gamma": {"__float__": "nan"}}, ["'gamma'", "finite"]),
        (lambda d: {**d, "base_lrs": [0.01, 0.01]}, ["'base_lrs'", "one per parameter group"]),
        (lambda d: {**d, "_is_initial": 0}, ["'_is_initial'", "true or false"]),
        (lambda d: {k: v for k, v in d.items() if k != "step_size"}, ["no 'step_size'"]),
        (lambda d: {**d, "__dict__": {}}, ["unknown key '__dict__'"]),
    ],
)
def test_scheduler_state_of_the_wrong_kind_is_refused(saved, change, words):
    _rewrite(saved, "scheduler", change)
    msg = _fresh_and_load(saved)
    for w in words:
        assert w in msg, msg


def _entries(change):
    def apply(sd):
        for entry in sd["state"].values():
            change(entry)
        return sd

    return apply


def _group(key, value):
    def apply(sd):
        sd["param_groups"][0][key] = value
        return sd

    return apply


@pytest.mark.parametrize(
    "change, words",
    [
        (_entries(lambda e: e.update(exp_avg_sqq=e.pop("exp_avg_sq"))), ["unknown entry 'exp_avg_sqq'"]),
        (_entries(lambda e: e.update(steps=e.pop("step"))), ["unknown entry 'steps'"]),
        (_entries(lambda e: e.pop("exp_avg_sq")), ["no 'exp_avg_sq' entry"]),
        (_entries(lambda e: e.update(step="3")), ["'step'", "a count"]),
        (_entries(lambda e: e.update(step=-1)), ["'step'", "a count"]),
        (_entries(lambda e: e.update(exp_avg=0.5)), ["'exp_avg'", "an array"]),
        (_entries(lambda e: e.update(exp_avg=e["exp_avg"] > 0)), ["must hold numbers", "bool"]),
        (_group("lr", "0.1"), ["lr must be", "'0.1'"]),
        (_group("initial_lr", [1]), ["initial_lr must be a finite number"]),
        (_group("foo", {"a": 1}), ["'foo' must be a number"]),
    ],
)  # fmt: skip
def test_optimizer_state_that_breaks_the_schema_is_refused(tmp_path, change, words):
    model, opt, sched = _setup(0)
    _train(model, opt, sched)
    mutated = change(opt.state_dict())

    class Holder:
        def state_dict(self):
            return mutated

    path = tmp_path / "c.safetensors"
    save_checkpoint(path, model=model, optimizer=Holder(), scheduler=sched)
    msg = _fresh_and_load(path)
    assert "checkpoint field 'optimizer'" in msg
    for w in words:
        assert w in msg, msg


def test_bad_weights_leave_the_optimizer_and_scheduler_alone(saved, tmp_path):
    bigger = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 3))
    opt = optim.Adam(bigger.parameters(), lr=0.5, amsgrad=True)
    sched = S.StepLR(opt, 2, gamma=0.5)
    before = _snapshot(bigger, opt, sched)
    with pytest.raises(CheckpointError, match=r"Sequential.load_state_dict: '1.weight' has shape \(2, 4\)"):
        load_checkpoint(saved, model=bigger, optimizer=opt, scheduler=sched)
    _assert_same(before, _snapshot(bigger, opt, sched))


def test_bad_rng_state_restores_nothing(saved):
    _rewrite(saved, "rng_state", lambda d: {**d, "bit_generator": "MT19937"})
    msg = _fresh_and_load(saved)
    assert "rng_state" in msg


def test_an_unchanged_checkpoint_loads_and_continues_exactly(saved):
    # control for the refusals above, and PyTorch-only scheduler keys are accepted
    _rewrite(saved, "scheduler", lambda d: {**d, "_get_lr_called_within_step": False})
    model, opt, sched = _setup(5)
    load_checkpoint(saved, model=model, optimizer=opt, scheduler=sched)
    ref, ref_opt, ref_sched = _setup(0)
    _train(ref, ref_opt, ref_sched)
    _train(model, opt, sched, 2)
    _train(ref, ref_opt, ref_sched, 2)
    for k, v in ref.state_dict().items():
        np.testing.assert_array_equal(model.state_dict()[k], v)


# --------------------------------------------------------------------- trainer state
GOOD_TRAINER = {
    "format": 1, "epoch": 2, "step_in_epoch": 0, "samples_in_epoch": 0, "global_step": 8,
    "stopped": False, "epochs": 3, "data_seed": 7, "num_samples": 40, "batch_size": 10,
    "world_size": 1, "steps_per_epoch": 4, "epoch_lr": math.nan, "epoch_time": 0.0,
    "stats": {"loss": 1.0, "samples": 0}, "metrics": {}, "rng_states": [gr.get_state()],
    "callbacks": {},
}  # fmt: skip


@pytest.mark.parametrize(
    "key, value, words",
    [
        ("epoch", "2", "'epoch' must be an int >= 0"),
        ("global_step", -1, "'global_step' must be an int >= 0"),
        ("stopped", 1, "'stopped' must be true or false"),
        ("data_seed", 1.5, "'data_seed' must be an int >= 0 or None"),
        ("epoch_lr", "nan", "'epoch_lr' must be a number"),
        ("stats", {"loss": "x"}, "'stats' must be a dict of numbers"),
        ("rng_states", [{"bit_generator": "nope"}], "'rng_states' must be a list of valid"),
        ("callbacks", [], "'callbacks' must be a dict"),
        ("epoch_count", 3, "unknown key 'epoch_count'"),
    ],
)
def test_trainer_state_is_checked_key_by_key(key, value, words):
    check_trainer_state("run/last.safetensors", GOOD_TRAINER)  # the control passes
    state = {**GOOD_TRAINER, key: value}
    with pytest.raises(ValueError, match="run/last.safetensors") as info:
        check_trainer_state("run/last.safetensors", state)
    assert words in str(info.value)
    with pytest.raises(ValueError, match="has no 'epoch'"):
        check_trainer_state("p", {k: v for k, v in GOOD_TRAINER.items() if k != "epoch"})


# ------------------------------------------------------------------------- fuzzing
def _scheduler_kinds(key, value):
    """Values of another kind than ``value`` (what must be refused in its place)."""
    if isinstance(value, bool):
        return st.sampled_from([0, 1, "true", None, [True]])
    if isinstance(value, int):
        return st.sampled_from(["3", 2.5, None, True, [value]]) | st.integers(-100, -2)
    if isinstance(value, float):
        return st.sampled_from(["0.1", None, True, [value], {"__float__": "nan"}]) | st.floats(
            max_value=-1e-6, allow_nan=False, allow_infinity=False
        )
    if isinstance(value, list):  # a list of learning rates has one per group; milestones any
        longer = [value + value] if key in PER_GROUP else []
        return st.sampled_from(["x", None, 3, [["nested"]], ["1"], *longer])
    return st.sampled_from([3, None, "nope", [1]])


def _same_kinds(value):
    """Values of the same kind as ``value`` (what must load in its place)."""
    if isinstance(value, bool):
        return st.booleans()
    if isinstance(value, int):
        return st.integers(0, 50)
    if isinstance(value, float):
        return st.floats(0, 10, allow_nan=False) | st.integers(0, 10)
    return st.just(value)


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(data=st.data())
def test_fuzzed_scheduler_state_loads_exactly_when_it_fits_the_schema(tmp_path_factory, data):
    """Oracle both ways: a mutation that breaks the schema must be refused with nothing
    restored; one that keeps it must load, and the scheduler then holds exactly those values."""
    kind = data.draw(st.sampled_from(["step", "multistep", "cosine", "plateau", "onecycle"]))
    folder = tmp_path_factory.mktemp("fz")
    model, opt, sched = _setup(0, kind)
    _train(model, opt, sched)
    path = folder / "c.safetensors"
    save_checkpoint(path, model=model, optimizer=opt, scheduler=sched)
    state = load_checkpoint(path)["scheduler"]
    keys = sorted(k for k, v in state.items() if isinstance(v, (bool, int, float, list)))
    keys = [k for k in keys if not (isinstance(state[k], list) and state[k] and
                                    isinstance(state[k][0], dict))]  # fmt: skip
    action = data.draw(st.sampled_from(["rename", "add", "drop", "wrong", "same"]))
    mutated = dict(state)
    key = data.draw(st.sampled_from(keys))
    if action == "rename":
        mutated[key + data.draw(st.sampled_from(["_", "s", "X"]))] = mutated.pop(key)
    elif action == "add":
        mutated[data.draw(st.sampled_from(["step", "get_lr", "optimizer", "x"]))] = 1
    elif action == "drop":
        mutated.pop(key)
    elif action == "wrong":
        mutated[key] = data.draw(_scheduler_kinds(key, state[key]))
    else:
        if isinstance(state[key], list):
            mutated[key] = [data.draw(_same_kinds(v)) for v in state[key]]
        else:
            mutated[key] = data.draw(_same_kinds(state[key]))
    if action != "same" and mutated.get(key) in (state.get(key),) and action == "wrong":
        return  # the drawn "wrong" value happens to be a fine one (e.g. 1.0 vs 1)

    class Holder:
        def state_dict(self):
            return mutated

    save_checkpoint(path, model=model, optimizer=opt, scheduler=Holder())
    model2, opt2, sched2 = _setup(3, kind)
    before = _snapshot(model2, opt2, sched2)
    if action == "same":
        load_checkpoint(path, model=model2, optimizer=opt2, scheduler=sched2)
        got = sched2.state_dict()
        for k, v in mutated.items():
            if isinstance(v, float) or (isinstance(v, int) and isinstance(state[k], float)):
                assert got[k] == float(v) and isinstance(got[k], float)
            elif isinstance(v, list):
                assert list(got[k]) == list(v) or [float(x) for x in got[k]] == [
                    float(x) for x in v
                ]
            else:
                assert got[k] == v
    else:
        with pytest.raises(CheckpointError) as info:
            load_checkpoint(path, model=model2, optimizer=opt2, scheduler=sched2)
        assert str(path) in str(info.value) and "scheduler" in str(info.value)
        _assert_same(before, _snapshot(model2, opt2, sched2))
