"""Adam and AdamW against torch.optim, step by step, for every option."""

from __future__ import annotations

import numpy as np
import pytest

from glassnet import optim
from glassnet.nn import Parameter

from .problem import assert_params_match, run_both

OPTIONS = {
    "default": dict(lr=0.01),
    "betas_eps": dict(lr=0.02, betas=(0.5, 0.9), eps=1e-3),
    "amsgrad": dict(lr=0.01, amsgrad=True),
    "weight_decay": dict(lr=0.01, weight_decay=0.1),
    "amsgrad_weight_decay_maximize": dict(lr=0.01, amsgrad=True, weight_decay=0.1, maximize=True),
    "maximize": dict(lr=0.01, maximize=True),
    "lr_zero": dict(lr=0.0),
}


@pytest.mark.parametrize("name", sorted(OPTIONS))
@pytest.mark.parametrize("cls", ["Adam", "AdamW"])
def test_matches_torch(cls, name, torch):
    gp, tp, _, _ = run_both(
        torch, getattr(optim, cls), getattr(torch.optim, cls), OPTIONS[name], steps=8
    )
    assert_params_match(gp, tp)


def test_adam_decoupled_weight_decay_is_adamw(torch):
    kwargs = dict(lr=0.01, weight_decay=0.05, decoupled_weight_decay=True)
    gp, tp, _, _ = run_both(torch, optim.Adam, torch.optim.Adam, kwargs, steps=6)
    assert_params_match(gp, tp)
    gp2, _, _, _ = run_both(
        torch, optim.AdamW, torch.optim.AdamW, dict(lr=0.01, weight_decay=0.05), steps=6
    )
    for a, b in zip(gp, gp2):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_adamw_default_weight_decay_matches_torch(torch):
    gp, tp, gopt, _ = run_both(torch, optim.AdamW, torch.optim.AdamW, dict(lr=0.01), steps=5)
    assert gopt.param_groups[0]["weight_decay"] == 0.01
    assert gopt.param_groups[0]["decoupled_weight_decay"] is True
    assert_params_match(gp, tp)


def test_param_groups_with_different_lrs_match_torch(torch):
    def groups(ps):
        return [{"params": ps[:3], "lr": 0.05, "amsgrad": True}, {"params": ps[3:], "lr": 0.001}]

    gp, tp, _, _ = run_both(torch, optim.Adam, torch.optim.Adam, dict(lr=0.01), groups=groups)
    assert_params_match(gp, tp)


@pytest.mark.parametrize("cls", ["Adam", "AdamW"])
def test_float32_matches_torch(cls, torch):
    gp, tp, gopt, _ = run_both(
        torch,
        getattr(optim, cls),
        getattr(torch.optim, cls),
        dict(lr=0.01, amsgrad=True),
        dtype=np.float32,
        steps=5,
    )
    assert_params_match(gp, tp, rtol=1e-5, atol=1e-6)
    state = gopt.state[gp[0]]
    assert state["exp_avg"].dtype == np.float32 and state["step"] == 5


def test_amsgrad_switched_on_later_creates_its_state():
    p = Parameter(np.ones(3))
    p.grad = Parameter(np.full(3, 0.5))
    opt = optim.Adam([p], lr=0.1)
    opt.step()
    opt.param_groups[0]["amsgrad"] = True
    opt.step()
    assert opt.state[p]["max_exp_avg_sq"].shape == (3,)


@pytest.mark.parametrize(
    "kwargs, words",
    [
        (dict(lr=-1e-3), "Adam: lr must be a finite number >= 0, got -0.001"),
        (dict(betas=(1.0, 0.999)), "Adam: betas[0] must be a number in [0, 1), got 1.0"),
        (dict(betas=(0.9, -0.1)), "Adam: betas[1] must be a number in [0, 1), got -0.1"),
        (dict(betas=0.9), "Adam: betas must be a pair of numbers in [0, 1), got 0.9"),
        (dict(betas=(0.9, 0.99, 0.9)), "betas must be a pair"),
        (dict(eps=-1e-8), "Adam: eps must be a finite number >= 0, got -1e-08"),
        (dict(weight_decay=-0.1), "Adam: weight_decay must be a finite number >= 0, got -0.1"),
        (dict(amsgrad=None), "Adam: amsgrad must be True or False, got None"),
    ],
)
def test_bad_arguments_are_named(kwargs, words):
    with pytest.raises((ValueError, TypeError)) as info:
        optim.Adam([Parameter(np.ones(2))], **kwargs)
    assert words in str(info.value)


def test_adamw_errors_name_adamw():
    with pytest.raises(ValueError, match=r"^AdamW: lr must be"):
        optim.AdamW([Parameter(np.ones(2))], lr=-1.0)
