"""MultiplicativeLR, CosineAnnealingWarmRestarts, CyclicLR, SequentialLR and ChainedScheduler
against torch.optim.lr_scheduler, plus torch's positional argument order."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

from glassnet.optim import lr_scheduler as S

from .lr_helpers import gn_optimizer, lr_sequences, torch_optimizer

CASES = {
    "multiplicative": (
        lambda M, o: M.MultiplicativeLR(o, lambda e: 0.9 if e % 2 else 1.05),
        {},
    ),
    "warm_restarts": (lambda M, o: M.CosineAnnealingWarmRestarts(o, 7, eta_min=0.001), {}),
    "warm_restarts_mult": (lambda M, o: M.CosineAnnealingWarmRestarts(o, 3, 2), {}),
    "cyclic_triangular_sgd": (
        lambda M, o: M.CyclicLR(o, 0.01, [0.2, 0.1], step_size_up=4, step_size_down=6),
        dict(momentum=0.9),
    ),
    "cyclic_triangular2_adam": (
        lambda M, o: M.CyclicLR(o, 0.001, 0.01, 3, mode="triangular2"),
        dict(cls="Adam"),
    ),
    "cyclic_exp_range_no_momentum": (
        lambda M, o: M.CyclicLR(o, 0.01, 0.1, 5, mode="exp_range", gamma=0.97,
                                cycle_momentum=False),
        {},
    ),  # fmt: skip
    "cyclic_scale_fn_iterations": (
        lambda M, o: M.CyclicLR(o, 0.01, 0.1, 4, scale_fn=lambda x: 1 / (1 + x),
                                scale_mode="iterations", cycle_momentum=False),
        {},
    ),  # fmt: skip
    "sequential_warmup_cosine": (
        lambda M, o: M.SequentialLR(
            o, [M.LinearLR(o, 0.1, total_iters=5), M.CosineAnnealingLR(o, 20)], [5]
        ),
        {},
    ),
    "sequential_three": (
        lambda M, o: M.SequentialLR(
            o, [M.ExponentialLR(o, 0.8), M.StepLR(o, 3, 0.5), M.ExponentialLR(o, 0.95)], [4, 12]
        ),
        {},
    ),
    "chained": (
        lambda M, o: M.ChainedScheduler([M.ExponentialLR(o, 0.95), M.StepLR(o, 4, 0.5)]),
        {},
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_lr_sequence_matches_torch(name, torch):
    make, opt_kwargs = CASES[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g, t = lr_sequences(
            torch, lambda o: make(S, o), lambda o: make(torch.optim.lr_scheduler, o), steps=40,
            **opt_kwargs,
        )  # fmt: skip
    np.testing.assert_allclose(g, t, rtol=1e-12, atol=1e-15)
    assert len(np.unique(g[:, 0])) > 2


def test_warm_restarts_with_fractional_epochs_matches_torch(torch):
    gopt, topt = gn_optimizer(), torch_optimizer(torch)
    gs = S.CosineAnnealingWarmRestarts(gopt, 2, 2, 0.001)
    ts = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(topt, 2, 2, 0.001)
    for epoch in range(8):
        for i in range(5):
            e = epoch + i / 5
            gs.step(e)
            ts.step(e)
            np.testing.assert_allclose(gs.get_last_lr(), ts.get_last_lr(), rtol=1e-12)


def test_warm_restarts_state_at_a_fractional_epoch_loads():
    # T_cur was an int after the construction step, so a state saved at epoch 2.4 (T_cur 2.4)
    # was refused by a fresh scheduler's load_state_dict
    a = S.CosineAnnealingWarmRestarts(gn_optimizer(), 3, 2)
    a.step(2.4)
    b = S.CosineAnnealingWarmRestarts(gn_optimizer(), 3, 2)
    b.load_state_dict(json.loads(json.dumps(a.state_dict())))
    assert b.T_cur == a.T_cur == 2.4
    a.step(5.5)
    b.step(5.5)
    assert a.get_last_lr() == b.get_last_lr()


def test_torch_positional_order():
    opt = gn_optimizer()
    assert S.StepLR(opt, 1, 0.7).gamma == 0.7
    assert S.MultiStepLR(gn_optimizer(), [2, 4], 0.5).gamma == 0.5
    assert S.CosineAnnealingLR(gn_optimizer(), 10, 0.01).eta_min == 0.01
    assert S.LinearLR(gn_optimizer(), 0.5, 1.0, 3).total_iters == 3


@pytest.mark.parametrize("name", ["sequential_warmup_cosine", "chained", "cyclic_triangular_sgd"])
def test_state_dict_round_trips_through_json(name):
    make, opt_kwargs = CASES[name]
    kwargs = {k: v for k, v in opt_kwargs.items() if k != "cls"}
    a_opt = gn_optimizer(opt_kwargs.get("cls", "SGD"), **kwargs)
    a = make(S, a_opt)
    for _ in range(7):
        a.step()
    b_opt = gn_optimizer(opt_kwargs.get("cls", "SGD"), **kwargs)
    b = make(S, b_opt)
    b.load_state_dict(json.loads(json.dumps(a.state_dict())))
    b_opt.load_state_dict(a_opt.state_dict())
    for _ in range(10):
        a.step()
        b.step()
        assert a.get_last_lr() == b.get_last_lr()


def test_composites_refuse_bad_children():
    opt, other = gn_optimizer(), gn_optimizer()
    with pytest.raises(ValueError, match="SequentialLR: expected 1 milestones for 2 schedulers"):
        S.SequentialLR(opt, [S.StepLR(opt, 2), S.StepLR(opt, 3)], [])
    with pytest.raises(ValueError, match=r"ChainedScheduler: schedulers\[1\] \(StepLR\) belongs"):
        S.ChainedScheduler([S.StepLR(opt, 2), S.StepLR(other, 3)])
    with pytest.raises(ValueError, match="ReduceLROnPlateau, whose step\\(\\) needs a metric"):
        S.ChainedScheduler([S.ReduceLROnPlateau(opt)])


def test_cyclic_momentum_needs_an_optimizer_with_momentum():
    with pytest.raises(ValueError, match="CyclicLR: cycle_momentum=True needs an optimizer"):
        S.CyclicLR(gn_optimizer("Adagrad"), 0.01, 0.1)
