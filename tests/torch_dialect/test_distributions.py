"""``torch.distributions``' common part (``glassnet.distributions``): densities, entropies,
divergences and their gradients as torch's; draws in range, seeded, with the right moments;
argument checks as torch's defaults; a policy-gradient script through ``glassnet run``."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet import distributions as D
from glassnet.testing import run_torch_script

RNG = np.random.default_rng(0)
LOC, SCALE = RNG.standard_normal((2, 3)), RNG.uniform(0.5, 2.0, (2, 3))
LOGITS = RNG.standard_normal((2, 4))
PROBS = RNG.uniform(0.05, 1.0, (2, 4))


def _pair(torch, build):
    """The same distribution built from float64 leaves in both libraries, with the leaves."""
    ours, theirs = [], []

    def leaf_o(a):
        ours.append(gn.tensor(a, requires_grad=True))
        return ours[-1]

    def leaf_t(a):
        theirs.append(torch.tensor(a, requires_grad=True))
        return theirs[-1]

    return build(gn, leaf_o), build(torch, leaf_t), ours, theirs


CASES = {
    "normal": (lambda lib, t: lib.distributions.Normal(t(LOC), t(SCALE)), RNG.standard_normal((2, 3))),
    "uniform": (lambda lib, t: lib.distributions.Uniform(t(LOC - 2), t(LOC + SCALE)), LOC - 1),
    "categorical_logits": (lambda lib, t: lib.distributions.Categorical(logits=t(LOGITS)), np.array([3, 0])),
    "categorical_probs": (lambda lib, t: lib.distributions.Categorical(probs=t(PROBS)), np.array([[1, 2]]).T),
    "bernoulli_probs": (lambda lib, t: lib.distributions.Bernoulli(probs=t(PROBS)), (PROBS > 0.5) * 1.0),
    "bernoulli_logits": (lambda lib, t: lib.distributions.Bernoulli(logits=t(LOGITS)), (LOGITS > 0) * 1.0),
}  # fmt: skip


@pytest.mark.parametrize("name", list(CASES))
def test_log_prob_and_entropy_with_gradients_match_torch(name):
    torch = pytest.importorskip("torch")
    build, value = CASES[name]
    ours, theirs, leaves_o, leaves_t = _pair(torch, build)
    v_ours = gn.tensor(value)
    v_theirs = torch.tensor(value)
    for f in (lambda d, v: d.log_prob(v), lambda d, v: d.entropy()):
        a, b = f(ours, v_ours), f(theirs, v_theirs)
        np.testing.assert_allclose(a.numpy(), b.detach().numpy(), rtol=1e-12, atol=1e-14)
    lp_o = ours.log_prob(v_ours).sum() + ours.entropy().sum()
    lp_t = theirs.log_prob(v_theirs).sum() + theirs.entropy().sum()
    got = gn.autograd.grad(lp_o, leaves_o)
    want = torch.autograd.grad(lp_t, leaves_t)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g.numpy(), w.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("pair", ["normal", "categorical", "bernoulli", "uniform"])
def test_kl_divergence_matches_torch(pair):
    torch = pytest.importorskip("torch")
    builds = {
        "normal": lambda lib, a, b: (lib.distributions.Normal(a, b), lib.distributions.Normal(b, a.abs() + 1)),
        "categorical": lambda lib, a, b: (lib.distributions.Categorical(logits=a), lib.distributions.Categorical(logits=b)),
        "bernoulli": lambda lib, a, b: (lib.distributions.Bernoulli(logits=a), lib.distributions.Bernoulli(logits=b)),
        "uniform": lambda lib, a, b: (lib.distributions.Uniform(a - 1, a + 1), lib.distributions.Uniform(a - 2, a + 3)),
    }  # fmt: skip
    a0, b0 = RNG.standard_normal((3, 4)), RNG.uniform(0.5, 1.5, (3, 4))
    a, b = gn.tensor(a0, requires_grad=True), gn.tensor(b0, requires_grad=True)
    ta, tb = torch.tensor(a0, requires_grad=True), torch.tensor(b0, requires_grad=True)
    ours = D.kl_divergence(*builds[pair](gn, a, b))
    theirs = torch.distributions.kl_divergence(*builds[pair](torch, ta, tb))
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-12)
    ours.sum().backward()
    theirs.sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_draws_are_seeded_in_range_and_have_the_right_moments():
    gn.manual_seed(1)
    n = D.Normal(gn.tensor([0.0, 5.0]), gn.tensor([1.0, 0.1]))
    x = n.sample((20000,))
    assert tuple(x.shape) == (20000, 2) and not x.requires_grad
    np.testing.assert_allclose(x.numpy().mean(0), [0, 5], atol=0.03)
    np.testing.assert_allclose(x.numpy().std(0), [1, 0.1], rtol=0.03)
    gn.manual_seed(1)
    np.testing.assert_array_equal(n.sample((20000,)).numpy(), x.numpy())
    c = D.Categorical(probs=gn.tensor([0.1, 0.0, 0.6, 0.3]))
    draws = c.sample((20000,)).numpy()
    assert draws.dtype == np.int64 and set(np.unique(draws)) <= {0, 2, 3}
    np.testing.assert_allclose(np.bincount(draws, minlength=4) / 20000, [0.1, 0, 0.6, 0.3], atol=0.015)
    b = D.Bernoulli(probs=gn.tensor([0.2, 0.9])).sample((10000,)).numpy()
    np.testing.assert_allclose(b.mean(0), [0.2, 0.9], atol=0.02)
    u = D.Uniform(-1.0, 3.0).sample((5000,)).numpy()
    assert u.min() >= -1 and u.max() < 3 and abs(u.mean() - 1) < 0.06


def test_rsample_carries_gradients_to_the_parameters():
    loc = gn.tensor([0.5], requires_grad=True)
    scale = gn.tensor([2.0], requires_grad=True)
    gn.manual_seed(0)
    z = D.Normal(loc, scale).rsample((3,))
    z.sum().backward()
    np.testing.assert_allclose(loc.grad.numpy(), [3.0])
    np.testing.assert_allclose(scale.grad.numpy(), [((z.numpy() - 0.5) / 2.0).sum()])
    with pytest.raises(NotImplementedError, match="no reparameterised sample"):
        D.Categorical(logits=gn.zeros(3)).rsample()


def test_arguments_are_checked_as_torch_checks_them():
    with pytest.raises(ValueError, match="scale > 0"):
        D.Normal(0.0, -1.0)
    D.Normal(0.0, -1.0, validate_args=False)
    with pytest.raises(ValueError, match="exactly one of probs and logits"):
        D.Categorical()
    with pytest.raises(ValueError, match=r"class indices in \[0, 3\)"):
        D.Categorical(logits=gn.zeros(3)).log_prob(gn.tensor(3))
    with pytest.raises(ValueError, match="outside"):
        D.Uniform(0.0, 1.0).log_prob(gn.tensor(2.0))
    assert D.Uniform(0.0, 1.0, validate_args=False).log_prob(gn.tensor(2.0)).item() == -np.inf
    with pytest.raises(NotImplementedError, match="no formula for Normal and Categorical"):
        D.kl_divergence(D.Normal(0.0, 1.0), D.Categorical(logits=gn.zeros(2)))


def test_a_policy_gradient_script_runs_under_glassnet_run(tmp_path):
    script = tmp_path / "reinforce.py"
    script.write_text(
        "import torch\nfrom torch import nn\nfrom torch.distributions import Categorical\n"
        "from torch.distributions.kl import kl_divergence\n"
        "torch.manual_seed(0)\n"
        "policy = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 2))\n"
        "opt = torch.optim.Adam(policy.parameters(), lr=1e-2)\n"
        "for episode in range(5):\n"
        "    state = torch.randn(8, 4)\n"
        "    m = Categorical(logits=policy(state))\n"
        "    action = m.sample()\n"
        "    reward = (action == (state[:, 0] > 0).long()).float()\n"
        "    loss = -(m.log_prob(action) * (reward - reward.mean())).sum()\n"
        "    opt.zero_grad(); loss.backward(); opt.step()\n"
        "kl = kl_divergence(m, Categorical(logits=torch.zeros(8, 2)))\n"
        "print('ok', tuple(action.shape), bool((kl >= 0).all()))\n"
    )
    out = run_torch_script(script)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok (8,) True"
