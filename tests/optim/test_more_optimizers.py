"""Adadelta, Adamax, NAdam, RAdam and ASGD against torch.optim over 25+ steps, every option."""

from __future__ import annotations

import contextlib

import numpy as np
import pytest

from glassnet import optim
from glassnet.nn import Parameter

from .problem import assert_params_match, gn_params, gn_step, run_both

OPTIONS = {
    "Adadelta": {
        "default": dict(),
        "rho_eps_lr": dict(lr=0.5, rho=0.8, eps=1e-4),
        "weight_decay_maximize": dict(weight_decay=0.1, maximize=True),
    },
    "Adamax": {
        "default": dict(),
        "betas_eps": dict(lr=0.01, betas=(0.5, 0.8), eps=1e-3),
        "weight_decay_maximize": dict(lr=0.01, weight_decay=0.1, maximize=True),
    },
    "NAdam": {
        "default": dict(),
        "momentum_decay": dict(lr=0.01, momentum_decay=0.05, betas=(0.8, 0.99)),
        "weight_decay": dict(lr=0.01, weight_decay=0.1),
        "decoupled_maximize": dict(
            lr=0.01, weight_decay=0.1, decoupled_weight_decay=True, maximize=True
        ),
    },
    "RAdam": {
        "default": dict(lr=0.01),
        "early_rectification": dict(lr=0.01, betas=(0.9, 0.9)),  # rho_t > 5 from step 6 on
        "weight_decay": dict(lr=0.01, weight_decay=0.1),
        "decoupled_maximize": dict(
            lr=0.01, weight_decay=0.1, decoupled_weight_decay=True, maximize=True
        ),
    },
    "ASGD": {
        "default": dict(),
        "averaging_from_step_5": dict(lr=0.02, lambd=1e-3, alpha=0.5, t0=5),
        "weight_decay_maximize": dict(lr=0.01, weight_decay=0.1, maximize=True),
    },
}
CASES = [(cls, name) for cls, opts in OPTIONS.items() for name in opts]


@contextlib.contextmanager
def torch_float64(torch):
    """torch keeps NAdam's mu_product and ASGD's eta/mu in its default dtype: make it float64."""
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        yield
    finally:
        torch.set_default_dtype(old)


@pytest.mark.parametrize("cls,name", CASES)
def test_trajectory_matches_torch(cls, name, torch):
    with torch_float64(torch):
        gp, tp, gopt, topt = run_both(
            torch, getattr(optim, cls), getattr(torch.optim, cls), OPTIONS[cls][name], steps=30
        )
    assert_params_match(gp, tp)
    state = gopt.state[gp[0]]
    assert state["step"] == 30
    assert set(state) == set(topt.state[tp[0]])  # PyTorch's state names


@pytest.mark.parametrize("cls", sorted(OPTIONS))
def test_float32_trajectory_matches_torch(cls, torch):
    gp, tp, _, _ = run_both(
        torch, getattr(optim, cls), getattr(torch.optim, cls), dict(lr=0.01), steps=25,
        dtype=np.float32,
    )  # fmt: skip
    assert_params_match(gp, tp, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("cls", sorted(OPTIONS))
def test_torch_state_dict_loads_and_continues_identically(cls, torch):
    with torch_float64(torch):
        gp, tp, gopt, topt = run_both(
            torch, getattr(optim, cls), getattr(torch.optim, cls), dict(lr=0.01), steps=5
        )
        fresh = gn_params()
        for p, t in zip(fresh, tp):
            p.array[...] = t.detach().numpy()
        resumed = getattr(optim, cls)(fresh, lr=0.01)
        resumed.load_state_dict(topt.state_dict())
        for _ in range(5):
            gn_step(resumed, fresh)
            gn_step(gopt, gp)
    for a, b in zip(fresh, gp):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("cls", sorted(OPTIONS))
def test_state_dict_round_trip_is_exact(cls):
    gp = gn_params()
    opt = getattr(optim, cls)(gp, lr=0.01)
    for _ in range(3):
        gn_step(opt, gp)
    copy = [Parameter(p.numpy().copy()) for p in gp]
    opt2 = getattr(optim, cls)(copy, lr=0.01)
    opt2.load_state_dict(opt.state_dict())
    for _ in range(3):
        gn_step(opt, gp)
        gn_step(opt2, copy)
    for a, b in zip(gp, copy):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


@pytest.mark.parametrize("cls", sorted(OPTIONS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_tiny_learning_rate_gives_no_nan(cls, dtype):
    p = Parameter(np.array([1.0, 2.0, 3.0, 0.0], dtype))
    opt = getattr(optim, cls)([p], lr=1e-39)
    for _ in range(3):
        p.grad = Parameter(np.array([0.5, 0.0, -2.0, 0.0], dtype))
        opt.step()
    assert np.all(np.isfinite(p.numpy()))
    np.testing.assert_allclose(p.numpy(), [1.0, 2.0, 3.0, 0.0], atol=1e-30)


def test_positional_arguments_follow_torch():
    p = [Parameter(np.zeros(2))]
    assert optim.Adadelta(p, 0.5, 0.8, 1e-5, 0.1).defaults["rho"] == 0.8
    assert optim.Adamax(p, 0.1, (0.5, 0.6)).defaults["betas"] == (0.5, 0.6)
    assert optim.NAdam(p, 0.1, (0.5, 0.6), 1e-8, 0, 0.01, True).defaults[
        "decoupled_weight_decay"
    ]
    assert optim.RAdam(p, 0.1, (0.5, 0.6), 1e-8, 0.1, True).defaults["weight_decay"] == 0.1
    assert optim.ASGD(p, 0.1, 1e-3, 0.5, 10.0).defaults["t0"] == 10.0


@pytest.mark.parametrize("cls", sorted(OPTIONS))
def test_differentiable_is_refused_and_foreach_accepted(cls):
    p = [Parameter(np.zeros(2))]
    getattr(optim, cls)(p, foreach=True)
    with pytest.raises(NotImplementedError, match=rf"{cls}: differentiable=True"):
        getattr(optim, cls)(p, differentiable=True)


@pytest.mark.parametrize(
    "cls,kwargs,match",
    [
        ("Adadelta", dict(rho=1.5), r"Adadelta: rho must be a number in \[0, 1\], got 1.5"),
        ("Adamax", dict(betas=(0.9,)), r"Adamax: betas must be a pair"),
        ("NAdam", dict(momentum_decay=-1), r"NAdam: momentum_decay must be a finite number >= 0"),
        ("RAdam", dict(lr=-1), r"RAdam: lr must be a finite number >= 0, got -1"),
        ("ASGD", dict(alpha=float("nan")), r"ASGD: alpha must be a finite number, got nan"),
    ],
)
def test_bad_arguments_name_the_optimizer(cls, kwargs, match):
    with pytest.raises(ValueError, match=match):
        getattr(optim, cls)([Parameter(np.zeros(2))], **kwargs)


def test_asgd_average_is_the_mean_of_iterates_after_t0():
    # mu = 1 / max(1, t - t0) is used at the next step: with t0 = 0 the average
    # restarts at step 2 and then weighs every later iterate equally
    p = Parameter(np.array([4.0]))
    opt = optim.ASGD([p], lr=0.1, lambd=0.0, alpha=0.0, t0=0)
    seen = []
    for _ in range(6):
        p.grad = Parameter(np.array([1.0]))
        opt.step()
        seen.append(p.numpy().copy())
    np.testing.assert_allclose(opt.state[p]["ax"], np.mean(seen[1:], axis=0))


def test_existing_optimizers_take_torch_positional_order_and_flags():
    p = [Parameter(np.zeros(2))]
    assert optim.SGD(p, 0.01, 0.9).defaults["momentum"] == 0.9
    assert optim.Adam(p, 0.1, (0.8, 0.9), 1e-6, 0.1, True).defaults["amsgrad"] is True
    assert optim.AdamW(p, 0.1, (0.8, 0.9), 1e-8, 0.05).defaults["weight_decay"] == 0.05
    assert optim.RMSprop(p, 0.1, 0.9, 1e-8, 0.0, 0.5, True).defaults["centered"] is True
    assert optim.Adagrad(p, 0.1, 0.01).defaults["lr_decay"] == 0.01
    optim.Adam(p, foreach=False, fused=None, capturable=False)
    with pytest.raises(NotImplementedError, match="SGD: differentiable=True"):
        optim.SGD(p, differentiable=True)
