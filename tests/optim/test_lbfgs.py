"""LBFGS against torch.optim.LBFGS (with and without the strong-Wolfe line search)."""

from __future__ import annotations

import numpy as np
import pytest

from glassnet import optim
from glassnet.nn import Parameter
from glassnet.optim.line_search import cubic_minimum

from .problem import _data, assert_params_match, gn_params, torch_params


def gn_loss(params):
    """The shared problem made bounded below (L-BFGS runs off an unbounded one)."""
    w1, b1, w2, big, _ = params
    d = {k: Parameter(v) for k, v in _data().items()}
    h = (d["x"] @ w1 + b1).tanh()
    return ((h @ w2.T - d["y"]) ** 2).mean() + 1e-3 * (big * d["c"].abs() * big).sum()


def torch_loss(torch, params):
    w1, b1, w2, big, _ = params
    d = {k: torch.tensor(v) for k, v in _data().items()}
    h = torch.tanh(d["x"] @ w1 + b1)
    return ((h @ w2.T - d["y"]) ** 2).mean() + 1e-3 * (big * d["c"].abs() * big).sum()


def _run(torch, kwargs, steps):
    gp, tp = gn_params(), torch_params(torch)
    gopt, topt = optim.LBFGS(gp, **kwargs), torch.optim.LBFGS(tp, **kwargs)

    def g_closure():
        gopt.zero_grad()
        loss = gn_loss(gp)
        loss.backward()
        return loss

    def t_closure():
        topt.zero_grad()
        loss = torch_loss(torch, tp)
        loss.backward()
        return loss

    for _ in range(steps):
        gl, tl = gopt.step(g_closure), topt.step(t_closure)
        np.testing.assert_allclose(float(gl.detach()), float(tl.detach()), rtol=1e-9)
    return gp, tp, gopt, topt


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(lr=0.1, max_iter=5),
        dict(lr=1, max_iter=10, history_size=3, line_search_fn="strong_wolfe"),
        dict(lr=0.5, max_iter=8, max_eval=9, line_search_fn="strong_wolfe"),
        dict(lr=0.2, max_iter=4, tolerance_change=1e-3),
    ],
    ids=["plain", "wolfe_short_history", "wolfe_max_eval", "tolerance_change"],
)
def test_trajectory_matches_torch(torch, kwargs):
    gp, tp, gopt, topt = _run(torch, kwargs, steps=4)
    assert_params_match(gp, tp, rtol=1e-7, atol=1e-9)
    gs, ts = gopt.state[gp[0]], topt.state[tp[0]]
    assert gs["func_evals"] == ts["func_evals"] and gs["n_iter"] == ts["n_iter"]


def test_state_dict_round_trip_continues_identically(torch):
    gp, _, gopt, _ = _run(torch, dict(lr=1, max_iter=4, line_search_fn="strong_wolfe"), 2)
    copy = [Parameter(p.numpy().copy()) for p in gp]
    opt2 = optim.LBFGS(copy, lr=1, max_iter=4, line_search_fn="strong_wolfe")
    opt2.load_state_dict(gopt.state_dict())
    for params, opt in ((gp, gopt), (copy, opt2)):

        def closure(params=params, opt=opt):
            opt.zero_grad()
            loss = gn_loss(params)
            loss.backward()
            return loss

        opt.step(closure)
    for a, b in zip(gp, copy):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_minimises_a_quadratic_to_its_optimum():
    target = np.array([3.0, -1.0, 0.5])
    x = Parameter(np.zeros(3))
    opt = optim.LBFGS([x], line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = (((x - Parameter(target)) ** 2) * Parameter(np.array([1.0, 10.0, 100.0]))).sum()
        loss.backward()
        return loss

    opt.step(closure)
    # it stops on tolerance_change (1e-9 in the loss), as torch does, a few 1e-6 away
    np.testing.assert_allclose(x.numpy(), target, atol=1e-4)


def test_step_without_closure_is_refused():
    opt = optim.LBFGS([Parameter(np.zeros(2))])
    with pytest.raises(TypeError, match="LBFGS.step: needs a closure"):
        opt.step()


def test_one_group_only_and_bad_line_search():
    a, b = Parameter(np.zeros(2)), Parameter(np.zeros(2))
    with pytest.raises(ValueError, match="LBFGS: supports one parameter group only"):
        optim.LBFGS([{"params": [a]}, {"params": [b]}])
    with pytest.raises(ValueError, match="line_search_fn must be None or 'strong_wolfe'"):
        optim.LBFGS([a], line_search_fn="armijo")


def test_cubic_minimum_of_a_cubic():
    f = lambda x: (x - 1.0) ** 3 - 3 * (x - 1.0)  # noqa: E731  local minimum at x = 2
    df = lambda x: 3 * (x - 1.0) ** 2 - 3  # noqa: E731
    assert cubic_minimum(1.5, f(1.5), df(1.5), 3.0, f(3.0), df(3.0)) == pytest.approx(2.0)
    # no real minimum: the middle of the bounds
    assert cubic_minimum(0.0, 0.0, 3.0, 1.0, 2.0, 3.0, bounds=(0.0, 4.0)) == 2.0
