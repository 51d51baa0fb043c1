"""RMSprop against torch.optim.RMSprop, step by step, for every option."""

from __future__ import annotations

import numpy as np
import pytest

from glassnet import optim
from glassnet.nn import Parameter

from .problem import assert_params_match, run_both

OPTIONS = {
    "default": dict(lr=0.01),
    "alpha_eps": dict(lr=0.01, alpha=0.9, eps=1e-4),
    "momentum": dict(lr=0.01, momentum=0.9),
    "centered": dict(lr=0.01, centered=True),
    "centered_momentum": dict(lr=0.01, centered=True, momentum=0.7),
    "weight_decay": dict(lr=0.01, weight_decay=0.1),
    "all_maximize": dict(lr=0.005, momentum=0.5, centered=True, weight_decay=0.1, maximize=True),
}


@pytest.mark.parametrize("name", sorted(OPTIONS))
def test_matches_torch(name, torch):
    gp, tp, _, _ = run_both(torch, optim.RMSprop, torch.optim.RMSprop, OPTIONS[name], steps=8)
    assert_params_match(gp, tp)


def test_param_groups_and_float32_match_torch(torch):
    def groups(ps):
        return [{"params": ps[:2], "centered": True}, {"params": ps[2:], "lr": 0.001}]

    gp, tp, gopt, _ = run_both(
        torch,
        optim.RMSprop,
        torch.optim.RMSprop,
        dict(lr=0.01, momentum=0.9),
        groups=groups,
        dtype=np.float32,
        steps=5,
    )
    assert_params_match(gp, tp, rtol=1e-5, atol=1e-6)
    assert set(gopt.state[gp[0]]) == {"step", "square_avg", "momentum_buffer", "grad_avg"}
    assert set(gopt.state[gp[3]]) == {"step", "square_avg", "momentum_buffer"}


@pytest.mark.parametrize(
    "kwargs, words",
    [
        (dict(lr=-0.01), "RMSprop: lr must be a finite number >= 0, got -0.01"),
        (dict(alpha=1.5), "RMSprop: alpha must be a number in [0, 1], got 1.5"),
        (dict(eps=-1.0), "RMSprop: eps must be a finite number >= 0, got -1.0"),
        (dict(momentum=-0.9), "RMSprop: momentum must be a finite number >= 0, got -0.9"),
        (dict(weight_decay=-0.1), "RMSprop: weight_decay must be a finite number >= 0"),
        (dict(centered="no"), "RMSprop: centered must be True or False, got 'no'"),
    ],
)
def test_bad_arguments_are_named(kwargs, words):
    with pytest.raises((ValueError, TypeError)) as info:
        optim.RMSprop([Parameter(np.ones(2))], **kwargs)
    assert words in str(info.value)
