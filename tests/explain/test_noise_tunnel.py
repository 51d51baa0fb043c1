"""NoiseTunnel: smoothgrad / smoothgrad_sq / vargrad, seeding, noise scale, errors."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.explain import IntegratedGradients, NoiseTunnel, Saliency
from glassnet.nn import Linear, Sequential

from .helpers import mlp


def test_linear_model_has_no_variance(rng):
    model = Sequential(Linear(5, 3)).double()
    x = rng.standard_normal((2, 5))
    w = model[0].weight.numpy()[1]
    nt = NoiseTunnel(Saliency(model, abs=False))
    np.testing.assert_allclose(nt.attribute(x, target=1, nt_type="smoothgrad"), np.tile(w, (2, 1)))
    np.testing.assert_allclose(
        nt.attribute(x, target=1, nt_type="smoothgrad_sq"), np.tile(w * w, (2, 1))
    )
    np.testing.assert_allclose(nt.attribute(x, target=1, nt_type="vargrad"), 0.0, atol=1e-12)


def test_matches_a_manual_average(rng):
    """smoothgrad is the mean of the method on x + noise with sd = stdevs * (max - min)."""
    model = mlp()
    x = rng.standard_normal((1, 6))
    sal = Saliency(model, abs=False)
    kw = dict(target=0, nt_samples=4, stdevs=0.2, seed=3, noise_scale="range")
    got = NoiseTunnel(sal).attribute(x, **kw)
    got_sq = NoiseTunnel(sal).attribute(x, **kw, nt_type="smoothgrad_sq")
    got_var = NoiseTunnel(sal).attribute(x, **kw, nt_type="vargrad")
    noise = np.random.default_rng(3).standard_normal((4, 6)) * 0.2 * (x.max() - x.min())
    each = np.stack([sal.attribute(x + n, target=0)[0] for n in noise])
    np.testing.assert_allclose(got[0], each.mean(axis=0), rtol=1e-10)
    np.testing.assert_allclose(got_sq[0], (each**2).mean(axis=0), rtol=1e-10)
    np.testing.assert_allclose(got_var[0], each.var(axis=0), rtol=1e-8, atol=1e-14)


def test_seeded_and_target_from_clean_input(rng):
    model = mlp()
    x = rng.standard_normal((3, 6))
    nt = NoiseTunnel(Saliency(model))
    pred = model(gn.tensor(x)).numpy().argmax(axis=1)
    a = nt.attribute(x, stdevs=0.5, seed=1, target=pred)
    np.testing.assert_array_equal(a, nt.attribute(x, stdevs=0.5, seed=1, target=pred))
    assert not np.array_equal(a, nt.attribute(x, stdevs=0.5, seed=2, target=pred))
    with pytest.raises(
        ValueError, match=r"NoiseTunnel: the model has 3 outputs per row; pass target="
    ):
        nt.attribute(x, stdevs=0.5, seed=1)


def test_passes_arguments_to_the_method(rng):
    model = mlp()
    x = rng.standard_normal((2, 6))
    got = NoiseTunnel(IntegratedGradients(model)).attribute(
        x, target=0, stdevs=0.0, nt_samples=2, n_steps=6, method="gausslegendre"
    )
    ref = IntegratedGradients(model).attribute(x, target=0, n_steps=6, method="gausslegendre")
    np.testing.assert_allclose(got, ref, rtol=1e-12)


def test_errors():
    with pytest.raises(
        TypeError, match=r"NoiseTunnel: method must be an attribution method .* got Sequential"
    ):
        NoiseTunnel(mlp())
    nt = NoiseTunnel(Saliency(mlp()))
    x = np.ones((1, 6))
    with pytest.raises(
        ValueError,
        match=r"nt_type must be one of 'smoothgrad', 'smoothgrad_sq', 'vargrad', got 'smooth'",
    ):
        nt.attribute(x, nt_type="smooth")
    with pytest.raises(ValueError, match=r"NoiseTunnel: nt_samples must be a positive int, got 0"):
        nt.attribute(x, nt_samples=0)
    with pytest.raises(ValueError, match=r"NoiseTunnel: stdevs must be a float >= 0, got -1"):
        nt.attribute(x, stdevs=-1)
    with pytest.raises(
        ValueError,
        match=r"NoiseTunnel: seed must be None, a non-negative int or a numpy Generator, got .a.",
    ):
        nt.attribute(x, seed="a")
