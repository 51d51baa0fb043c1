"""WarmupCosineLR (against its formula and torch's SequentialLR) and OneCycleLR (against torch)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from glassnet.optim import lr_scheduler as S

from .lr_helpers import gn_optimizer, lr_sequences


def _lrs(sched, opt, steps):
    out = []
    for _ in range(steps):
        out.append(sched.get_last_lr()[0])
        opt.step()
        sched.step()
    return out


@pytest.mark.parametrize("warmup, total, f0, min_lr", [(5, 35, 0.1, 0.001), (10, 40, 0.5, 0.0)])
def test_warmup_cosine_matches_torch_sequential(warmup, total, f0, min_lr, torch):
    T = torch.optim.lr_scheduler

    def torch_make(o):
        return T.SequentialLR(
            o,
            [
                T.LinearLR(o, start_factor=f0, end_factor=1.0, total_iters=warmup),
                T.CosineAnnealingLR(o, total - warmup, eta_min=min_lr),
            ],
            milestones=[warmup],
        )

    def gn_make(o):
        return S.WarmupCosineLR(o, warmup, total, warmup_start_factor=f0, min_lr=min_lr)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g, t = lr_sequences(torch, gn_make, torch_make, steps=total + 1)
    np.testing.assert_allclose(g, t, rtol=1e-12, atol=1e-15)


def test_warmup_cosine_formula_and_tail():
    opt = gn_optimizer(lrs=(1.0,))
    sched = S.WarmupCosineLR(opt, 4, 12, min_lr=0.1)
    lrs = _lrs(sched, opt, 16)
    assert lrs[:5] == [0.0, 0.25, 0.5, 0.75, 1.0]  # default start factor 0: lr = base * t / W
    for t in range(4, 13):
        expected = 0.1 + 0.9 * (1 + math.cos(math.pi * (t - 4) / 8)) / 2
        assert lrs[t] == pytest.approx(expected, rel=1e-12)
    assert lrs[12:] == [0.1] * 4  # stays at min_lr after total_steps


def test_warmup_cosine_without_warmup_starts_at_base_lr():
    opt = gn_optimizer(lrs=(0.5, 0.1))
    sched = S.WarmupCosineLR(opt, 0, 10)
    assert sched.get_last_lr() == [0.5, 0.1]
    assert sched.lr_at(5, 0.5) == pytest.approx(0.25)
    assert sched.lr_at(10, 0.5) == pytest.approx(0.0, abs=1e-15)


ONECYCLE = {
    "sgd_cos": (
        "SGD",
        dict(momentum=0.9),
        dict(max_lr=[1.0, 0.5], total_steps=40),
    ),
    "sgd_linear_three_phase": (
        "SGD",
        dict(momentum=0.9),
        dict(max_lr=0.3, total_steps=40, three_phase=True, anneal_strategy="linear"),
    ),
    "adam_epochs": (
        "Adam",
        {},
        dict(max_lr=0.01, epochs=4, steps_per_epoch=10, pct_start=0.25, div_factor=10.0),
    ),
    "adam_no_momentum": (
        "Adam",
        {},
        dict(max_lr=0.01, total_steps=40, cycle_momentum=False, final_div_factor=100.0),
    ),
    "rmsprop_momentum_lists": (
        "RMSprop",
        dict(momentum=0.9),
        dict(max_lr=0.1, total_steps=40, base_momentum=[0.8, 0.7], max_momentum=[0.9, 0.95]),
    ),
}


@pytest.mark.parametrize("name", sorted(ONECYCLE))
def test_onecycle_matches_torch(name, torch):
    cls, opt_kwargs, kwargs = ONECYCLE[name]
    T = torch.optim.lr_scheduler
    t_kwargs = dict(kwargs)
    g, t = lr_sequences(
        torch,
        lambda o: S.OneCycleLR(o, **kwargs),
        lambda o: T.OneCycleLR(o, **t_kwargs),
        steps=40,
        cls=cls,
        **opt_kwargs,
    )
    np.testing.assert_allclose(g, t, rtol=1e-12, atol=1e-15)


def test_onecycle_stepping_past_the_end_raises():
    opt = gn_optimizer("SGD", momentum=0.9)
    sched = S.OneCycleLR(opt, 0.1, total_steps=3)
    sched.step()
    sched.step()
    sched.step()
    with pytest.raises(ValueError, match="OneCycleLR: stepped 4 times, .* total_steps=3"):
        sched.step()


@pytest.mark.parametrize(
    "make, exc, words",
    [
        (lambda o: S.WarmupCosineLR(o, -1, 10), ValueError, "WarmupCosineLR: warmup_steps must be an int >= 0, got -1"),
        (lambda o: S.WarmupCosineLR(o, 10, 10), ValueError, "total_steps must be an int > warmup_steps (10), got 10"),
        (lambda o: S.WarmupCosineLR(o, 1, 10, warmup_start_factor=2), ValueError, "warmup_start_factor must be in [0, 1], got 2"),
        (lambda o: S.WarmupCosineLR(o, 1, 10, min_lr=-0.1), ValueError, "min_lr must be a number >= 0, got -0.1"),
        (lambda o: S.OneCycleLR(o, 0.1), ValueError, "OneCycleLR: give total_steps, or both epochs and steps_per_epoch"),
        (lambda o: S.OneCycleLR(o, 0.1, total_steps=0), ValueError, "total_steps must be a positive int, got 0"),
        (lambda o: S.OneCycleLR(o, 0.1, epochs=2, steps_per_epoch=-1), ValueError, "steps_per_epoch must be a positive int"),
        (lambda o: S.OneCycleLR(o, [0.1], total_steps=5), ValueError, "max_lr has 1 values for 2 parameter groups"),
        (lambda o: S.OneCycleLR(o, -0.1, total_steps=5), ValueError, "max_lr must be a finite number > 0, got -0.1"),
        (lambda o: S.OneCycleLR(o, 0.1, total_steps=5, pct_start=1.5), ValueError, "pct_start must be a number in [0, 1], got 1.5"),
        (lambda o: S.OneCycleLR(o, 0.1, total_steps=5, anneal_strategy="exp"), ValueError, "anneal_strategy must be 'cos' or 'linear', got 'exp'"),
        (lambda o: S.OneCycleLR(o, 0.1, total_steps=5), ValueError, "cycle_momentum=True needs an optimizer with momentum or betas, got Adagrad"),
        (lambda o: S.OneCycleLR(None, 0.1, total_steps=5), TypeError, "OneCycleLR: expected a glassnet Optimizer, got NoneType"),
    ],
)  # fmt: skip
def test_bad_arguments_are_named(make, exc, words):
    with pytest.raises(exc) as info:
        make(gn_optimizer("Adagrad"))
    assert words in str(info.value)
