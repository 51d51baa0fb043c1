"""LimeSurrogate: recovers linear models exactly, weighted least squares, errors."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.explain import LimeSurrogate
from glassnet.explain.lime import weighted_least_squares
from glassnet.nn import Linear, Sequential

from .helpers import Flatten, mlp


def test_gaussian_recovers_linear_weights(rng):
    model = Sequential(Linear(6, 3)).double()
    x = rng.standard_normal((2, 6))
    coef, r2 = LimeSurrogate(model).attribute(
        x, target=1, perturbation="gaussian", n_samples=200, feature_std=np.linspace(0.5, 2, 6),
        return_score=True,
    )  # fmt: skip
    np.testing.assert_allclose(coef, np.tile(model[0].weight.numpy()[1], (2, 1)), rtol=1e-8)
    np.testing.assert_allclose(r2, 1.0, atol=1e-10)


def test_masks_recover_contributions(rng):
    model = Sequential(Linear(5, 2)).double()
    x = rng.standard_normal((3, 5))
    b = rng.standard_normal(5)
    coef, r2 = LimeSurrogate(model).attribute(
        x, target=0, perturbation="mask", baselines=b, n_samples=100, return_score=True
    )
    np.testing.assert_allclose(coef, model[0].weight.numpy()[0] * (x - b), rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(r2, 1.0, atol=1e-10)


def test_patches_broadcast_to_pixels(rng):
    model = Sequential(Flatten(), Linear(32, 3)).double()
    x = rng.standard_normal((1, 2, 4, 4))
    coef, r2 = LimeSurrogate(model).attribute(
        x, target=2, patch_size=2, n_samples=100, return_score=True
    )
    assert coef.shape == x.shape
    contrib = model[1].weight.numpy()[2].reshape(2, 4, 4) * x[0]
    patch = contrib.reshape(2, 2, 2, 2, 2).sum(axis=(0, 2, 4))  # (2, 2) patch totals
    np.testing.assert_allclose(coef[0, 0, ::2, ::2], patch, rtol=1e-8)
    np.testing.assert_allclose(coef[0, 1], coef[0, 0])  # both channels of a patch share it
    np.testing.assert_allclose(coef[0, 0, 1, 1], coef[0, 0, 0, 0])
    assert r2[0] > 1 - 1e-10


def test_nonlinear_model_scores_below_one(rng):
    coef, r2 = LimeSurrogate(mlp()).attribute(
        rng.standard_normal((2, 6)),
        target=0,
        perturbation="gaussian",
        feature_std=3.0,
        return_score=True,
    )
    assert coef.shape == (2, 6)
    assert np.all((r2 > 0) & (r2 < 1))


def test_weighted_least_squares_matches_normal_equations(rng):
    z = rng.standard_normal((30, 3))
    y = rng.standard_normal(30)
    w = rng.uniform(0.1, 1.0, 30)
    coef, intercept, r2 = weighted_least_squares(z, y, w)
    a = np.concatenate([np.ones((30, 1)), z], axis=1)
    sol = np.linalg.solve(a.T @ (w[:, None] * a), a.T @ (w * y))
    np.testing.assert_allclose(np.r_[intercept, coef], sol, rtol=1e-10)
    fit = a @ sol
    ybar = np.sum(w * y) / w.sum()
    np.testing.assert_allclose(r2, 1 - np.sum(w * (y - fit) ** 2) / np.sum(w * (y - ybar) ** 2))


def test_seeded(rng):
    lime = LimeSurrogate(mlp())
    x = rng.standard_normal((1, 6))
    a = lime.attribute(x, target=1, n_samples=50, seed=4)
    np.testing.assert_array_equal(a, lime.attribute(x, target=1, n_samples=50, seed=4))
    assert not np.array_equal(a, lime.attribute(x, target=1, n_samples=50, seed=5))


def test_errors():
    lime = LimeSurrogate(mlp())
    x = np.ones((1, 6))
    with pytest.raises(
        ValueError,
        match=r"LimeSurrogate: perturbation must be one of 'auto', 'gaussian', 'mask', 'patches', got 'noise'",
    ):
        lime.attribute(x, perturbation="noise")
    with pytest.raises(ValueError, match=r"LimeSurrogate: n_samples must be an int >= 2, got 1"):
        lime.attribute(x, n_samples=1)
    with pytest.raises(
        ValueError, match=r"perturbation='patches' needs image inputs .* got shape \(1, 6\)"
    ):
        lime.attribute(x, perturbation="patches")
    with pytest.raises(
        ValueError,
        match=r"feature_std of shape \(4,\) does not match the inputs' feature shape \(6,\)",
    ):
        lime.attribute(x, feature_std=np.ones(4))
    with pytest.raises(ValueError, match=r"feature_std must be positive"):
        lime.attribute(x, feature_std=0.0)
    with pytest.raises(ValueError, match=r"kernel_width must be a positive float, got 0"):
        lime.attribute(x, kernel_width=0)
    with pytest.raises(ValueError, match=r"feature_mask of shape \(2,\) does not match"):
        lime.attribute(x, perturbation="mask", feature_mask=np.array([0, 1]))
    with pytest.raises(
        ValueError,
        match=r"LimeSurrogate: feature_mask must hold integer group ids, got dtype float64",
    ):
        lime.attribute(x, perturbation="mask", feature_mask=np.zeros(6))
    img = gn.randn(1, 1, 4, 4)
    with pytest.raises(ValueError, match=r"patch_size must be a positive int, got 0"):
        LimeSurrogate(lambda t: t.reshape(1, 16)).attribute(img, patch_size=0)


def test_bad_seed():
    with pytest.raises(
        ValueError,
        match=r"LimeSurrogate: seed must be None, a non-negative int or a numpy Generator, got -1",
    ):
        LimeSurrogate(mlp()).attribute(np.ones((1, 6)), seed=-1)
