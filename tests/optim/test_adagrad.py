"""Adagrad against torch.optim.Adagrad, step by step, for every option."""

from __future__ import annotations

import numpy as np
import pytest

from glassnet import optim
from glassnet.nn import Parameter

from .problem import assert_params_match, run_both

OPTIONS = {
    "default": dict(lr=0.05),
    "lr_decay": dict(lr=0.05, lr_decay=0.1),
    "initial_accumulator": dict(lr=0.05, initial_accumulator_value=0.5),
    "weight_decay": dict(lr=0.05, weight_decay=0.1),
    "eps": dict(lr=0.05, eps=1e-3),
    "all_maximize": dict(
        lr=0.02, lr_decay=0.05, weight_decay=0.1, initial_accumulator_value=0.1, maximize=True
    ),
}


@pytest.mark.parametrize("name", sorted(OPTIONS))
def test_matches_torch(name, torch):
    gp, tp, _, _ = run_both(torch, optim.Adagrad, torch.optim.Adagrad, OPTIONS[name], steps=8)
    assert_params_match(gp, tp)


def test_param_groups_and_float32_match_torch(torch):
    def groups(ps):
        return [{"params": ps[:2], "lr_decay": 0.2}, {"params": ps[2:], "lr": 0.01}]

    gp, tp, _, _ = run_both(
        torch,
        optim.Adagrad,
        torch.optim.Adagrad,
        dict(lr=0.05),
        groups=groups,
        dtype=np.float32,
        steps=5,
    )
    assert_params_match(gp, tp, rtol=1e-5, atol=1e-6)


def test_state_exists_from_construction_like_torch(torch):
    p = Parameter(np.ones((2, 3)))
    opt = optim.Adagrad([p], initial_accumulator_value=0.25)
    sd = opt.state_dict()
    assert sd["state"][0]["step"] == 0
    np.testing.assert_array_equal(sd["state"][0]["sum"], np.full((2, 3), 0.25))
    q = Parameter(np.ones(4))
    opt.add_param_group({"params": [q], "initial_accumulator_value": 1.0})
    np.testing.assert_array_equal(opt.state[q]["sum"], np.ones(4))
    tp = torch.nn.Parameter(torch.ones(2, 3, dtype=torch.float64))
    tsd = torch.optim.Adagrad([tp], initial_accumulator_value=0.25).state_dict()
    assert set(tsd["state"][0]) == set(sd["state"][0])


@pytest.mark.parametrize(
    "kwargs, words",
    [
        (dict(lr=-0.01), "Adagrad: lr must be a finite number >= 0, got -0.01"),
        (dict(lr_decay=-1), "Adagrad: lr_decay must be a finite number >= 0, got -1"),
        (dict(weight_decay=-1), "Adagrad: weight_decay must be a finite number >= 0, got -1"),
        (
            dict(initial_accumulator_value=-0.1),
            "Adagrad: initial_accumulator_value must be a finite number >= 0, got -0.1",
        ),
        (dict(eps=-1e-10), "Adagrad: eps must be a finite number >= 0, got -1e-10"),
    ],
)
def test_bad_arguments_are_named(kwargs, words):
    with pytest.raises(ValueError) as info:
        optim.Adagrad([Parameter(np.ones(2))], **kwargs)
    assert words in str(info.value)
