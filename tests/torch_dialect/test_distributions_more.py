"""``MultivariateNormal``, ``Independent``, ``Exponential``, ``Laplace`` and
``OneHotCategorical``: densities, entropies, moments, divergences and their gradients as
torch's; draws with the right moments; argument checks; a continuous-action PPO-style
script through ``glassnet run``."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet import distributions as D
from glassnet.testing import run_torch_script

from .test_distributions import _pair

RNG = np.random.default_rng(3)
LOC = RNG.standard_normal((2, 3))
A = RNG.standard_normal((2, 3, 3))
COV = A @ A.swapaxes(-1, -2) + np.eye(3)
TRIL = np.linalg.cholesky(COV)
RATE = RNG.uniform(0.5, 2.0, (2, 3))
LOGITS = RNG.standard_normal((2, 4))
X = RNG.standard_normal((5, 2, 3))

CASES = {
    "mvn_cov": (lambda lib, t: lib.distributions.MultivariateNormal(t(LOC), covariance_matrix=t(COV)), X),
    "mvn_tril": (lambda lib, t: lib.distributions.MultivariateNormal(t(LOC), scale_tril=t(TRIL)), X),
    "mvn_precision": (lambda lib, t: lib.distributions.MultivariateNormal(t(LOC[0]), precision_matrix=t(COV[1])), X),
    "mvn_shared_cov": (lambda lib, t: lib.distributions.MultivariateNormal(t(LOC), t(COV[0])), X[0]),
    "independent_normal": (lambda lib, t: lib.distributions.Independent(lib.distributions.Normal(t(LOC), t(RATE)), 1), X),
    "exponential": (lambda lib, t: lib.distributions.Exponential(t(RATE)), np.abs(X)),
    "laplace": (lambda lib, t: lib.distributions.Laplace(t(LOC), t(RATE)), X),
    "one_hot": (lambda lib, t: lib.distributions.OneHotCategorical(logits=t(LOGITS)), np.eye(4)[[[1, 3], [0, 0]]]),
}  # fmt: skip


@pytest.mark.parametrize("name", list(CASES))
def test_densities_entropies_moments_and_gradients_match_torch(name):
    torch = pytest.importorskip("torch")
    build, value = CASES[name]
    ours, theirs, leaves_o, leaves_t = _pair(torch, build)
    assert tuple(ours.batch_shape) == tuple(theirs.batch_shape)
    assert tuple(ours.event_shape) == tuple(theirs.event_shape)
    v_o, v_t = gn.tensor(value), torch.tensor(value)
    for f in (lambda d, v: d.log_prob(v), lambda d, v: d.entropy(), lambda d, v: d.mean,
              lambda d, v: d.variance, lambda d, v: d.stddev):  # fmt: skip
        np.testing.assert_allclose(
            f(ours, v_o).numpy(), f(theirs, v_t).detach().numpy(), rtol=1e-10, atol=1e-12
        )
    total_o = ours.log_prob(v_o).sum() + ours.entropy().sum() + ours.variance.sum()
    total_t = theirs.log_prob(v_t).sum() + theirs.entropy().sum() + theirs.variance.sum()
    for g, w in zip(gn.autograd.grad(total_o, leaves_o), torch.autograd.grad(total_t, leaves_t)):
        np.testing.assert_allclose(g.numpy(), w.numpy(), rtol=1e-9, atol=1e-11)


def test_mvn_matrices_match_torch():
    torch = pytest.importorskip("torch")
    ours = D.MultivariateNormal(gn.tensor(LOC), precision_matrix=gn.tensor(COV))
    theirs = torch.distributions.MultivariateNormal(torch.tensor(LOC), precision_matrix=torch.tensor(COV))
    for name in ("covariance_matrix", "precision_matrix", "scale_tril"):
        np.testing.assert_allclose(
            getattr(ours, name).numpy(), getattr(theirs, name).numpy(), rtol=1e-10, atol=1e-12
        )


@pytest.mark.parametrize("pair", ["mvn", "independent", "exponential", "laplace", "one_hot"])
def test_kl_divergence_matches_torch(pair):
    torch = pytest.importorskip("torch")

    def build(lib, a, b):
        d = lib.distributions
        if pair == "mvn":
            lo_p = (a @ a.mT + lib.eye(3, dtype=a.dtype)).cholesky()
            lo_q = (b @ b.mT + 2 * lib.eye(3, dtype=a.dtype)).cholesky()
            return d.MultivariateNormal(a[0], scale_tril=lo_p), d.MultivariateNormal(b[:, 0], scale_tril=lo_q)
        if pair == "independent":
            return (d.Independent(d.Normal(a, b.abs() + 0.5), 2),
                    d.Independent(d.Normal(b, a.abs() + 0.5), 2))
        if pair == "exponential":
            return d.Exponential(a.abs() + 0.1), d.Exponential(b.abs() + 0.2)
        if pair == "laplace":
            return d.Laplace(a, b.abs() + 0.5), d.Laplace(b, a.abs() + 0.3)
        return d.OneHotCategorical(logits=a), d.OneHotCategorical(logits=b)

    a0, b0 = RNG.standard_normal((3, 3)), RNG.standard_normal((3, 3))
    a, b = gn.tensor(a0, requires_grad=True), gn.tensor(b0, requires_grad=True)
    ta, tb = torch.tensor(a0, requires_grad=True), torch.tensor(b0, requires_grad=True)
    ours = D.kl_divergence(*build(gn, a, b))
    theirs = torch.distributions.kl_divergence(*build(torch, ta, tb))
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-10)
    ours.sum().backward()
    theirs.sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(b.grad.numpy(), tb.grad.numpy(), rtol=1e-8, atol=1e-10)


def test_draws_have_the_right_moments_and_rsample_reaches_the_parameters():
    gn.manual_seed(2)
    mvn = D.MultivariateNormal(gn.tensor(LOC[0]), gn.tensor(COV[0]))
    x = mvn.sample((40000,)).numpy()
    assert x.shape == (40000, 3)
    np.testing.assert_allclose(x.mean(0), LOC[0], atol=0.05)
    np.testing.assert_allclose(np.cov(x.T), COV[0], atol=0.1 * np.abs(COV[0]).max())
    e = D.Exponential(gn.tensor([0.5, 4.0])).sample((40000,)).numpy()
    assert e.min() >= 0
    np.testing.assert_allclose(e.mean(0), [2.0, 0.25], rtol=0.03)
    lap = D.Laplace(gn.tensor([1.0]), gn.tensor([2.0])).sample((40000,)).numpy()
    np.testing.assert_allclose([np.median(lap), lap.var()], [1.0, 8.0], rtol=0.06)
    oh = D.OneHotCategorical(probs=gn.tensor([0.2, 0.0, 0.8])).sample((10000,)).numpy()
    assert set(oh.sum(-1)) == {1.0} and oh[:, 1].sum() == 0
    np.testing.assert_allclose(oh.mean(0), [0.2, 0, 0.8], atol=0.02)
    loc = gn.tensor(LOC[0], requires_grad=True)
    tril = gn.tensor(TRIL[0], requires_grad=True)
    gn.manual_seed(0)
    z = D.MultivariateNormal(loc, scale_tril=tril).rsample((4,))
    z.sum().backward()
    np.testing.assert_allclose(loc.grad.numpy(), [4.0, 4.0, 4.0])
    assert tril.grad is not None and np.abs(tril.grad.numpy()).sum() > 0


def test_arguments_are_checked():
    with pytest.raises(ValueError, match="exactly one of covariance_matrix, precision_matrix"):
        D.MultivariateNormal(gn.zeros(2))
    with pytest.raises(ValueError, match=r"covariance_matrix must be of shape \(\.\.\., 2, 2\)"):
        D.MultivariateNormal(gn.zeros(2), gn.eye(3))
    with pytest.raises(gn.linalg.LinAlgError, match="not positive-definite"):
        D.MultivariateNormal(gn.zeros(2), -gn.eye(2))
    with pytest.raises(ValueError, match=r"reinterpreted_batch_ndims must be an int in \[0, 1\]"):
        D.Independent(D.Normal(gn.zeros(3), 1.0), 2)
    with pytest.raises(ValueError, match="rate > 0"):
        D.Exponential(gn.tensor([-1.0]))
    with pytest.raises(ValueError, match="one-hot vectors of length 3"):
        D.OneHotCategorical(logits=gn.zeros(3)).log_prob(gn.tensor([1.0, 1.0, 0.0]))


def test_a_continuous_action_policy_script_runs_under_glassnet_run(tmp_path):
    script = tmp_path / "ppo_continuous.py"
    script.write_text(
        "import torch\nfrom torch import nn\n"
        "from torch.distributions import MultivariateNormal, Independent, Normal\n"
        "torch.manual_seed(0)\n"
        "actor = nn.Sequential(nn.Linear(3, 16), nn.Tanh(), nn.Linear(16, 2))\n"
        "cov = torch.diag(torch.full((2,), 0.25))\n"
        "opt = torch.optim.Adam(actor.parameters(), lr=1e-2)\n"
        "state = torch.randn(8, 3)\n"
        "with torch.no_grad():\n"
        "    old = MultivariateNormal(actor(state), cov)\n"
        "    action = old.sample()\n"
        "    old_logp = old.log_prob(action)\n"
        "for _ in range(5):\n"
        "    dist = MultivariateNormal(actor(state), cov)\n"
        "    ratio = torch.exp(dist.log_prob(action) - old_logp)\n"
        "    adv = torch.randn(8)\n"
        "    loss = -torch.min(ratio * adv, torch.clamp(ratio, 0.8, 1.2) * adv).mean()"
        " - 0.01 * dist.entropy().mean()\n"
        "    opt.zero_grad(); loss.backward(); opt.step()\n"
        "ind = Independent(Normal(actor(state), 0.5), 1)\n"
        "print('event', tuple(ind.event_shape), 'logp', tuple(ind.log_prob(action).shape))\n"
    )
    done = run_torch_script(script)
    assert done.returncode == 0, done.stderr
    assert "event (2,) logp (8,)" in done.stdout
