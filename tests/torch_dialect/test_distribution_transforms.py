"""``torch.distributions.transforms`` and ``TransformedDistribution``, compared with torch."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet import distributions as gd

torch = pytest.importorskip("torch")
td = torch.distributions

X = np.array([-3.0, -0.4, 0.0, 0.7, 2.5])


def _pairs():
    return [
        (gd.ExpTransform(), td.ExpTransform(), X),
        (gd.AffineTransform(1.5, -2.0), td.AffineTransform(1.5, -2.0), X),
        (gd.SigmoidTransform(), td.SigmoidTransform(), X),
        (gd.TanhTransform(), td.TanhTransform(), X),
        (gd.PowerTransform(2.5), td.PowerTransform(torch.tensor(2.5, dtype=torch.float64)), np.abs(X) + 0.1),
        (gd.SoftplusTransform(), td.SoftplusTransform(), X),
        (gd.ComposeTransform([gd.ExpTransform(), gd.AffineTransform(0.5, 3.0)]),
         td.ComposeTransform([td.ExpTransform(), td.AffineTransform(0.5, 3.0)]), X),
    ]  # fmt: skip


def test_transforms_inverses_and_log_jacobians_match_torch():
    for ours, theirs, x in _pairs():
        gx = gn.tensor(x, requires_grad=True)
        tx = torch.tensor(x, requires_grad=True)
        gy, ty = ours(gx), theirs(tx)
        np.testing.assert_allclose(gy.detach().numpy(), ty.detach().numpy(), rtol=1e-12)
        back = ours.inv(gn.tensor(gy.detach().numpy()))
        np.testing.assert_allclose(back.numpy(), x, rtol=1e-9, atol=1e-12)
        gl, tl = ours.log_abs_det_jacobian(gx, gy), theirs.log_abs_det_jacobian(tx, ty)
        np.testing.assert_allclose(gl.detach().numpy(), tl.detach().numpy(), rtol=1e-10, atol=1e-12)
        assert gl.requires_grad == tl.requires_grad, ours
        if tl.requires_grad:
            gl.sum().backward()
            tl.sum().backward()
            np.testing.assert_allclose(gx.grad.numpy(), tx.grad.numpy(), rtol=1e-9, atol=1e-12)


def _squashed(lib, mod, loc, scale, cache):
    return mod.TransformedDistribution(mod.Normal(loc, scale),
                                       [mod.TanhTransform(cache_size=cache),
                                        mod.AffineTransform(0.0, 2.0)])  # fmt: skip


def test_log_prob_and_its_gradients_match_torch():
    loc0, scale0 = np.array([0.1, -0.5, 1.0]), np.array([0.5, 1.2, 0.3])
    value = np.array([0.4, -1.3, 1.9])
    results = []
    for lib, mod in ((gn, gd), (torch, td)):
        loc = lib.tensor(loc0, requires_grad=True)
        scale = lib.tensor(scale0, requires_grad=True)
        lp = _squashed(lib, mod, loc, scale, 0).log_prob(lib.tensor(value))
        lp.sum().backward()
        results.append([lp.detach().numpy(), loc.grad.numpy(), scale.grad.numpy()])
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_the_cache_gives_finite_log_probs_of_saturated_samples_as_torchs():
    x0 = np.array([25.0, -30.0, 0.3])
    got = []
    for lib, mod in ((gn, gd), (torch, td)):
        t = mod.TanhTransform(cache_size=1)
        d = mod.TransformedDistribution(mod.Normal(lib.zeros(3, dtype=lib.float64),
                                                   lib.ones(3, dtype=lib.float64)), [t])  # fmt: skip
        y = t(lib.tensor(x0))  # rounds to +-1 for the first two
        got.append(d.log_prob(y).numpy())
    assert np.isfinite(got[0]).all()
    np.testing.assert_allclose(got[0], got[1], rtol=1e-10)


def test_rsample_keeps_the_graph_and_sample_does_not():
    loc = gn.zeros(4, requires_grad=True)
    d = gd.TransformedDistribution(gd.Normal(loc, gn.ones(4)), gd.TanhTransform())
    a = d.rsample((2,))
    assert tuple(a.shape) == (2, 4) and a.requires_grad
    assert float(a.abs().max()) < 1
    a.sum().backward()
    assert loc.grad is not None
    assert not d.sample().requires_grad
    assert d.has_rsample and d.batch_shape == (4,) and d.event_shape == ()


def test_refusals_name_the_feature():
    with pytest.raises(NotImplementedError, match="event_dim=0 only"):
        gd.AffineTransform(0.0, 1.0, event_dim=1)
    with pytest.raises(NotImplementedError, match="not invertible"):
        gd.AbsTransform().inv(gn.ones(2))
    with pytest.raises(ValueError, match="cache_size must be 0 or 1"):
        gd.TanhTransform(cache_size=2)
    with pytest.raises(NotImplementedError, match="mean: not defined in closed form"):
        _ = gd.TransformedDistribution(gd.Normal(gn.zeros(1), gn.ones(1)), []).mean
