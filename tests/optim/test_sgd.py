"""SGD against torch.optim.SGD, step by step, for every option."""

from __future__ import annotations

import numpy as np
import pytest

from glassnet import optim
from glassnet.nn import Parameter

from .problem import assert_params_match, run_both

OPTIONS = {
    "plain": dict(lr=0.05),
    "momentum": dict(lr=0.05, momentum=0.9),
    "dampening": dict(lr=0.05, momentum=0.9, dampening=0.3),
    "nesterov": dict(lr=0.05, momentum=0.9, nesterov=True),
    "weight_decay": dict(lr=0.05, weight_decay=0.1),
    "momentum_weight_decay": dict(lr=0.05, momentum=0.8, weight_decay=0.1, dampening=0.1),
    "maximize": dict(lr=0.01, momentum=0.9, nesterov=True, maximize=True),
    "maximize_weight_decay": dict(lr=0.01, weight_decay=0.2, maximize=True),
    "lr_zero": dict(lr=0.0, momentum=0.9),
}


@pytest.mark.parametrize("name", sorted(OPTIONS))
def test_matches_torch(name, torch):
    gp, tp, _, _ = run_both(torch, optim.SGD, torch.optim.SGD, OPTIONS[name], steps=8)
    assert_params_match(gp, tp)


def test_param_groups_with_different_lrs_match_torch(torch):
    def groups(ps):
        return [
            {"params": ps[:2], "lr": 0.1},
            {"params": ps[2:], "lr": 0.01, "momentum": 0.5, "nesterov": True},
        ]

    gp, tp, gopt, _ = run_both(
        torch, optim.SGD, torch.optim.SGD, dict(lr=0.05, momentum=0.9), groups=groups
    )
    assert_params_match(gp, tp)
    assert [g["momentum"] for g in gopt.param_groups] == [0.9, 0.5]


def test_float32_matches_torch(torch):
    gp, tp, _, _ = run_both(
        torch, optim.SGD, torch.optim.SGD, OPTIONS["nesterov"], dtype=np.float32, steps=5
    )
    assert_params_match(gp, tp, rtol=1e-5, atol=1e-6)


def test_momentum_buffer_only_with_momentum():
    p = Parameter(np.ones(3))
    p.grad = Parameter(np.ones(3))
    opt = optim.SGD([p], lr=0.1)
    opt.step()
    assert "momentum_buffer" not in opt.state.get(p, {})
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    opt.step()
    np.testing.assert_array_equal(opt.state[p]["momentum_buffer"], np.ones(3))


@pytest.mark.parametrize(
    "kwargs, words",
    [
        (dict(lr=-0.1), "SGD: lr must be a finite number >= 0, got -0.1"),
        (dict(lr=float("nan")), "lr must be a finite number >= 0, got nan"),
        (dict(lr="0.1"), "lr must be a finite number >= 0, got '0.1'"),
        (dict(momentum=-0.5), "momentum must be a finite number >= 0, got -0.5"),
        (dict(weight_decay=-1), "weight_decay must be a finite number >= 0, got -1"),
        (dict(dampening=float("inf")), "dampening must be a finite number, got inf"),
        (dict(nesterov=True), "nesterov=True needs momentum > 0 and dampening == 0"),
        (dict(nesterov=True, momentum=0.9, dampening=0.1), "got momentum=0.9, dampening=0.1"),
        (dict(nesterov=1), "nesterov must be True or False, got 1"),
        (dict(maximize="yes"), "maximize must be True or False, got 'yes'"),
    ],
)
def test_bad_arguments_are_named(kwargs, words):
    with pytest.raises((ValueError, TypeError)) as info:
        optim.SGD([Parameter(np.ones(2))], **kwargs)
    assert words in str(info.value)
    assert str(info.value).startswith("SGD")


def test_arguments_follow_torchs_positional_order():
    # issue 13: SGD(params, 0.01, 0.9) as in PyTorch (it used to be keyword-only)
    p = Parameter(np.ones(2))
    assert optim.SGD([p], 0.3).param_groups[0]["lr"] == 0.3
    assert optim.SGD([p], 0.3, 0.9).param_groups[0]["momentum"] == 0.9
    with pytest.raises(TypeError):
        optim.SGD([p], 0.3, 0.9, 0.0, 0.0, False, False)  # maximize is keyword-only
