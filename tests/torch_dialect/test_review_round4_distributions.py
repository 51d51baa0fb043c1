"""Review round 4: ``cdf``/``icdf`` and ``expand`` of the distributions, against torch."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet import distributions as D
from glassnet.testing import run_torch_script

RNG = np.random.default_rng(4)
LOC = RNG.standard_normal((2, 3))
SCALE = np.abs(RNG.standard_normal(3)) + 0.5
X = RNG.standard_normal((4, 2, 3))
P = RNG.uniform(0.05, 0.95, (4, 2, 3))

CASES = [  # name, parameters, cdf argument, methods
    ("Normal", (LOC, SCALE), X, ("cdf", "icdf")),
    ("Laplace", (LOC, SCALE), X, ("cdf", "icdf")),
    ("Exponential", (SCALE,), np.abs(X), ("cdf", "icdf")),
    ("Uniform", (LOC - 6, LOC + SCALE + 6), np.clip(X, -3, 3), ("cdf", "icdf")),
    ("LogNormal", (LOC, SCALE), np.abs(X) + 0.1, ("cdf", "icdf")),
]


@pytest.mark.parametrize("name, params, value, methods", CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_cdf_icdf_values_and_gradients_match_torch(name, params, value, methods, dtype):
    torch = pytest.importorskip("torch")
    tp = [torch.tensor(p.astype(dtype), requires_grad=True) for p in params]
    gp = [gn.tensor(p.astype(dtype), requires_grad=True) for p in params]
    td, gd = getattr(torch.distributions, name)(*tp), getattr(D, name)(*gp)
    t_loss, g_loss = 0, 0
    for method in methods:
        arg = value if method == "cdf" else P
        want = getattr(td, method)(torch.tensor(arg.astype(dtype)))
        got = getattr(gd, method)(gn.tensor(arg.astype(dtype)))
        assert str(got.dtype) == dtype
        np.testing.assert_allclose(got.numpy(), want.detach().numpy(), rtol=1e-4, atol=1e-5)
        t_loss, g_loss = t_loss + want.sum(), g_loss + got.sum()
    t_loss.backward()
    g_loss.backward()
    for a, b in zip(tp, gp):
        np.testing.assert_allclose(b.grad.numpy(), a.grad.numpy(), rtol=1e-3, atol=1e-4)


EXPAND = [
    ("Normal", lambda m: m.Normal(m.tensor(LOC), m.tensor(SCALE)), (4, 2, 3), X),
    ("Bernoulli", lambda m: m.Bernoulli(m.tensor(P[0])), (4, 2, 3), (P > 0.5) * 1.0),
    ("Categorical", lambda m: m.Categorical(m.tensor(SCALE)), (4, 2), np.array([[0, 1]] * 4)),
    ("Dirichlet", lambda m: m.Dirichlet(m.tensor(SCALE)), (4, 2), P / P.sum(-1, keepdims=True)),
    (
        "MultivariateNormal",
        lambda m: m.MultivariateNormal(m.tensor(LOC), m.tensor(np.diag(SCALE))),
        (4, 2),
        X,
    ),
    (
        "Independent",
        lambda m: m.Independent(m.Normal(m.tensor(LOC), m.tensor(SCALE)), 1),
        (4, 2),
        X,
    ),
    ("LogNormal", lambda m: m.LogNormal(m.tensor(LOC), m.tensor(SCALE)), (4, 2, 3), P),
    ("Gamma", lambda m: m.Gamma(m.tensor(SCALE), m.tensor(SCALE[:1])), (2, 3), P[0]),
]


class _Lib:
    def __init__(self, dist_module, tensor):
        self.mod, self.tensor = dist_module, tensor

    def __getattr__(self, name):
        return getattr(self.mod, name)


@pytest.mark.parametrize("name, build, shape, value", EXPAND, ids=[e[0] for e in EXPAND])
def test_expand_matches_torch(name, build, shape, value):
    torch = pytest.importorskip("torch")
    td = build(_Lib(torch.distributions, torch.tensor)).expand(shape)
    gd = build(_Lib(D, gn.tensor)).expand(shape)
    assert type(gd).__name__ == name
    assert tuple(gd.batch_shape) == tuple(td.batch_shape)
    assert tuple(gd.event_shape) == tuple(td.event_shape)
    assert tuple(gd.sample((2,)).shape) == tuple(td.sample((2,)).shape)
    want = td.log_prob(torch.tensor(value))
    got = gd.log_prob(gn.tensor(value))
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-5, atol=1e-6)


def test_expand_reaches_the_parameters_and_refuses_a_bad_shape():
    loc = gn.tensor(LOC, requires_grad=True)
    d = D.Normal(loc, 1.0).expand((3, 2, 3))
    d.log_prob(gn.tensor(X[:3])).sum().backward()
    assert loc.grad is not None and tuple(loc.grad.shape) == (2, 3)
    with pytest.raises(ValueError, match="Normal.expand"):
        D.Normal(loc, 1.0).expand((3, 3))


SUPPORTS = [
    ("Normal", lambda m: m.Normal(m.tensor(LOC), m.tensor(SCALE)), X),
    ("Exponential", lambda m: m.Exponential(m.tensor(SCALE)), X),
    ("LogNormal", lambda m: m.LogNormal(m.tensor(LOC), m.tensor(SCALE)), X),
    ("Uniform", lambda m: m.Uniform(m.tensor(LOC), m.tensor(LOC + 1)), X),
    ("Gamma", lambda m: m.Gamma(m.tensor(SCALE), m.tensor(SCALE)), X),
    ("Beta", lambda m: m.Beta(m.tensor(SCALE), m.tensor(SCALE)), P - 0.5),
    ("Poisson", lambda m: m.Poisson(m.tensor(SCALE)), np.round(X * 2)),
    ("Bernoulli", lambda m: m.Bernoulli(m.tensor(P[0])), np.round(X)),
    ("Categorical", lambda m: m.Categorical(m.tensor(SCALE)), np.round(X * 2)),
    ("Dirichlet", lambda m: m.Dirichlet(m.tensor(SCALE)), np.abs(X) / np.abs(X).sum(-1, keepdims=True)),
    ("OneHot", lambda m: m.OneHotCategorical(m.tensor(SCALE)), np.eye(3)[[0, 2, 1]] * [[1], [1], [2]]),
    ("MVN", lambda m: m.MultivariateNormal(m.tensor(LOC), m.tensor(np.diag(SCALE))), X),
]


@pytest.mark.parametrize("name, build, value", SUPPORTS, ids=[s[0] for s in SUPPORTS])
def test_support_and_arg_constraints_match_torch(name, build, value):
    torch = pytest.importorskip("torch")
    td, gd = build(_Lib(torch.distributions, torch.tensor)), build(_Lib(D, gn.tensor))
    assert sorted(gd.arg_constraints) == sorted(td.arg_constraints)
    assert gd.support.is_discrete == td.support.is_discrete
    assert gd.support.event_dim == td.support.event_dim
    want = td.support.check(torch.tensor(value))
    got = gd.support.check(gn.tensor(value))
    np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_constraints_module_names_match_torch():
    torch = pytest.importorskip("torch")
    tc, gc = torch.distributions.constraints, D.constraints
    x = np.array([-1.0, 0.0, 0.5, 1.0, 2.0])
    for name in ("real", "positive", "nonnegative", "unit_interval", "boolean",
                 "nonnegative_integer", "positive_integer"):  # fmt: skip
        want = getattr(tc, name).check(torch.tensor(x))
        np.testing.assert_array_equal(getattr(gc, name).check(gn.tensor(x)).numpy(), want.numpy())
    for make in (lambda c: c.interval(0.0, 1.0), lambda c: c.greater_than(0.5),
                 lambda c: c.integer_interval(0, 1), lambda c: c.half_open_interval(0.0, 1.0)):  # fmt: skip
        want = make(tc).check(torch.tensor(x))
        np.testing.assert_array_equal(make(gc).check(gn.tensor(x)).numpy(), want.numpy())


SCRIPT = """
import torch
import torch.distributions.constraints as C
from torch.distributions import Normal, constraints

d = Normal(torch.zeros(2), torch.ones(2)).expand((3, 2))
assert d.support is constraints.real and C.positive is d.arg_constraints["scale"]
print(tuple(d.batch_shape), round(float(d.cdf(torch.tensor(1.0))[0, 0]), 4))
print(round(float(d.icdf(torch.tensor(0.975))[0, 0]), 4))
"""


def test_a_script_using_constraints_and_expand_runs_under_glassnet_run(tmp_path):
    path = tmp_path / "constraints_script.py"
    path.write_text(SCRIPT)
    done = run_torch_script(path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["(3,", "2)", "0.8413", "1.96"]


MODES = [
    ("Bernoulli", lambda m: m.Bernoulli(m.tensor(np.array([0.2, 0.5, 0.7]))), "mode"),
    ("Dirichlet", lambda m: m.Dirichlet(m.tensor(np.array([[0.5, 2.0, 3.0], [0.2, 0.9, 0.5]]))), "mode"),
    ("Beta", lambda m: m.Beta(m.tensor(np.array([0.5, 2.0, 3.0])), m.tensor(np.array([0.7, 0.5, 4.0]))), "mode"),
    ("Uniform", lambda m: m.Uniform(m.tensor(LOC), m.tensor(LOC + 1)), "mode"),
    ("Categorical mean", lambda m: m.Categorical(m.tensor(SCALE)), "mean"),
    ("Categorical variance", lambda m: m.Categorical(m.tensor(SCALE)), "variance"),
]


@pytest.mark.parametrize("name, build, attr", MODES, ids=[m[0] for m in MODES])
def test_modes_and_nan_moments_match_torch(name, build, attr):
    torch = pytest.importorskip("torch")
    want = getattr(build(_Lib(torch.distributions, torch.tensor)), attr)
    got = getattr(build(_Lib(D, gn.tensor)), attr)
    assert str(got.dtype) == str(want.dtype).split(".")[-1]
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6)
