"""ReduceLROnPlateau against torch's, on metric sequences that plateau, improve and relapse."""

from __future__ import annotations

import json

import numpy as np
import pytest

from glassnet.optim import lr_scheduler as S

from .lr_helpers import gn_optimizer, lr_sequences, torch_optimizer

RNG = np.random.default_rng(0)
FALLING = list(1.0 / (1 + np.arange(15))) + [0.07] * 10 + list(0.07 - 1e-6 * np.arange(15))
NOISY = list(np.cumsum(RNG.standard_normal(60) * 0.1))

CASES = {
    "default_min": ("min", dict(), FALLING),
    "patience_cooldown": ("min", dict(patience=2, cooldown=3, factor=0.5), NOISY),
    "abs_threshold": ("min", dict(patience=1, threshold=0.05, threshold_mode="abs"), NOISY),
    "max_rel": ("max", dict(patience=2, threshold=0.01, factor=0.3), NOISY),
    "max_abs_min_lrs": (
        "max",
        dict(patience=0, threshold_mode="abs", min_lr=[0.01, 0.001], factor=0.5),
        NOISY,
    ),
    "eps_blocks_tiny_changes": ("min", dict(patience=0, factor=0.5, eps=0.02), [1.0] * 20),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_lr_sequence_matches_torch(name, torch):
    mode, kwargs, metrics = CASES[name]
    T = torch.optim.lr_scheduler
    g, t = lr_sequences(
        torch,
        lambda o: S.ReduceLROnPlateau(o, mode, **kwargs),
        lambda o: T.ReduceLROnPlateau(o, mode, **kwargs),
        steps=len(metrics),
        metrics=[float(m) for m in metrics],
    )
    np.testing.assert_allclose(g, t, rtol=1e-12)
    assert len(np.unique(g[:, 0])) > 1 or name == "eps_blocks_tiny_changes"


def test_state_dict_round_trip_and_counters():
    opt = gn_optimizer(lrs=(1.0,))
    sched = S.ReduceLROnPlateau(opt, patience=1, cooldown=1)
    for m in [1.0, 0.5, 0.6, 0.7]:
        sched.step(m)
    assert sched.best == 0.5
    assert opt.param_groups[0]["lr"] == pytest.approx(0.1)
    assert sched.in_cooldown
    saved = json.loads(json.dumps(sched.state_dict()))
    sched2 = S.ReduceLROnPlateau(gn_optimizer(lrs=(1.0,)))
    sched2.load_state_dict(saved)
    assert (sched2.best, sched2.cooldown_counter, sched2.patience) == (0.5, 1, 1)
    assert sched2.get_last_lr() == sched.get_last_lr()


def test_metric_may_be_a_one_element_tensor():
    import glassnet as gn

    opt = gn_optimizer(lrs=(1.0,))
    sched = S.ReduceLROnPlateau(opt, patience=0)
    sched.step(gn.tensor([2.0]))
    sched.step(gn.tensor(3.0))
    assert opt.param_groups[0]["lr"] == pytest.approx(0.1)
    with pytest.raises(TypeError, match="ReduceLROnPlateau.step: metrics must be a number, got str"):
        sched.step("low")


def test_added_group_gets_default_min_lr_or_an_error():
    opt = gn_optimizer(lrs=(1.0,))
    sched = S.ReduceLROnPlateau(opt, patience=0, min_lr=0.5)
    opt.add_param_group({"params": [gn_optimizer().param_groups[0]["params"][0]], "lr": 1.0})
    sched.step(1.0)
    sched.step(1.0)
    assert [g["lr"] for g in opt.param_groups] == [0.5, 0.5]
    opt = gn_optimizer(lrs=(1.0,))
    sched = S.ReduceLROnPlateau(opt, patience=0, min_lr=[0.5])
    opt.add_param_group({"params": [gn_optimizer().param_groups[0]["params"][0]]})
    sched.step(1.0)
    with pytest.raises(RuntimeError, match="now has 2 parameter groups, min_lr was given for 1"):
        sched.step(1.0)


@pytest.mark.parametrize(
    "kwargs, exc, words",
    [
        (dict(mode="lowest"), ValueError, "ReduceLROnPlateau: mode must be 'min' or 'max', got 'lowest'"),
        (dict(threshold_mode="pct"), ValueError, "threshold_mode must be 'rel' or 'abs', got 'pct'"),
        (dict(factor=1.0), ValueError, "factor must be a number in (0, 1), got 1.0"),
        (dict(patience=-1), ValueError, "patience must be an int >= 0, got -1"),
        (dict(cooldown=1.5), ValueError, "cooldown must be an int >= 0, got 1.5"),
        (dict(threshold=-1e-4), ValueError, "threshold must be a finite number >= 0"),
        (dict(min_lr=[0.1]), ValueError, "min_lr has 1 values, the optimizer has 2 parameter groups"),
        (dict(min_lr=-1), ValueError, "min_lr must be a finite number >= 0, got -1"),
    ],
)  # fmt: skip
def test_bad_arguments_are_named(kwargs, exc, words):
    with pytest.raises(exc) as info:
        S.ReduceLROnPlateau(gn_optimizer(), **kwargs)
    assert words in str(info.value)
    with pytest.raises(
        TypeError, match="ReduceLROnPlateau: expected a glassnet Optimizer, got list"
    ):
        S.ReduceLROnPlateau([])


def test_step_takes_torchs_metrics_keyword_and_deprecated_epoch(torch):
    seen = []
    for make, opt in ((S.ReduceLROnPlateau, gn_optimizer()),
                      (torch.optim.lr_scheduler.ReduceLROnPlateau, torch_optimizer(torch))):  # fmt: skip
        sched = make(opt, patience=0, factor=0.5)
        sched.step(metrics=1.0)
        with pytest.warns(UserWarning):
            sched.step(2.0, epoch=10)
        sched.step(metrics=3.0)
        seen.append([sched.last_epoch, sched.num_bad_epochs] + [g["lr"] for g in opt.param_groups])
    assert seen[0] == seen[1]
