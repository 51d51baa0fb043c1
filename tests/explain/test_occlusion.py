"""Occlusion and FeatureAblation: exact answers on linear models, window averaging, errors."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.explain import FeatureAblation, Occlusion
from glassnet.nn import Linear, Sequential

from .helpers import Flatten, mlp


@pytest.fixture
def linear_image_model():
    return Sequential(Flatten(), Linear(16, 3)).double()


def test_one_by_one_windows_on_linear_model_give_w_times_x(linear_image_model, rng):
    x = rng.standard_normal((2, 1, 4, 4))
    w = linear_image_model[1].weight.numpy()[2].reshape(1, 4, 4)
    attr = Occlusion(linear_image_model).attribute(x, (1, 1, 1), target=2)
    np.testing.assert_allclose(attr, w * x, rtol=1e-10)
    b = rng.standard_normal((1, 4, 4))
    attr = Occlusion(linear_image_model).attribute(x, (1, 1, 1), target=2, baselines=b)
    np.testing.assert_allclose(attr, w * (x - b), rtol=1e-10, atol=1e-12)


def test_windows_average_their_effects(linear_image_model, rng):
    """With 2x2 windows at stride 1 each pixel gets the mean of the windows covering it."""
    x = rng.standard_normal((1, 1, 4, 4))
    c = linear_image_model[1].weight.numpy()[0].reshape(4, 4) * x[0, 0]
    expect = np.zeros((4, 4))
    count = np.zeros((4, 4))
    for i in range(3):
        for j in range(3):
            expect[i : i + 2, j : j + 2] += c[i : i + 2, j : j + 2].sum()
            count[i : i + 2, j : j + 2] += 1
    expect /= count
    for per_eval in (1, 4, 100):
        attr = Occlusion(linear_image_model).attribute(
            x, (1, 2, 2), strides=1, target=0, perturbations_per_eval=per_eval
        )
        np.testing.assert_allclose(attr[0, 0], expect, rtol=1e-10)


def test_last_window_is_clipped_so_every_feature_is_covered(linear_image_model, rng):
    """Issue 17 item 9 (this test asserted 0 on row 3 and column 3 before): 3x3 windows at
    stride 3 on 4x4 start at 0 and 3, the second clipped to 1 wide, as Captum does."""
    x = rng.standard_normal((1, 1, 4, 4))
    attr = Occlusion(linear_image_model).attribute(x, (1, 3, 3), strides=3, target=0)
    c = linear_image_model[1].weight.numpy()[0].reshape(4, 4) * x[0, 0]
    assert np.all(attr[0, 0, :3, :3] == attr[0, 0, 0, 0])
    np.testing.assert_allclose(attr[0, 0, 0, 0], c[:3, :3].sum(), rtol=1e-10)
    np.testing.assert_allclose(attr[0, 0, 3, 3], c[3, 3], rtol=1e-10)
    np.testing.assert_allclose(attr[0, 0, 3, :3], c[3, :3].sum(), rtol=1e-10)
    np.testing.assert_allclose(attr[0, 0, :3, 3], c[:3, 3].sum(), rtol=1e-10)


def test_feature_ablation_groups(rng):
    model = Sequential(Linear(4, 2)).double()
    x = rng.standard_normal((3, 4))
    w = model[0].weight.numpy()[1]
    attr = FeatureAblation(model).attribute(x, target=1)
    np.testing.assert_allclose(attr, w * x, rtol=1e-10)
    attr = FeatureAblation(model).attribute(x, target=1, feature_mask=[0, 0, 1, 1])
    c = w * x
    np.testing.assert_allclose(attr[:, 0], c[:, :2].sum(axis=1), rtol=1e-10)
    np.testing.assert_allclose(attr[:, 3], c[:, 2:].sum(axis=1), rtol=1e-10)
    per_row = np.array([[0, 0, 0, 1], [0, 1, 1, 1], [2, 2, 2, 2]])
    attr = FeatureAblation(model).attribute(
        x, target=1, feature_mask=per_row, perturbations_per_eval=1
    )
    np.testing.assert_allclose(attr[1, 1], c[1, 1:].sum(), rtol=1e-10)
    np.testing.assert_allclose(attr[2, 0], c[2].sum(), rtol=1e-10)


def test_ablation_nonlinear_model_matches_definition(rng):
    model = mlp()
    x = rng.standard_normal((2, 6))
    attr = FeatureAblation(model).attribute(x, target=0, baselines=0.5)
    f = lambda z: model(gn.tensor(z)).numpy()[:, 0]  # noqa: E731
    for i in range(6):
        z = x.copy()
        z[:, i] = 0.5
        np.testing.assert_allclose(attr[:, i], f(x) - f(z), rtol=1e-10)


def test_errors(linear_image_model):
    x = np.ones((1, 1, 4, 4))
    occ = Occlusion(linear_image_model)
    with pytest.raises(
        ValueError,
        match=r"Occlusion: sliding_window_shapes must be a positive int or a tuple of 3 positive ints .* got \(2, 2\)",
    ):
        occ.attribute(x, (2, 2))
    with pytest.raises(ValueError, match=r"Occlusion: strides must be .* got \(1, 0, 1\)"):
        occ.attribute(x, (1, 2, 2), strides=(1, 0, 1))
    with pytest.raises(
        ValueError,
        match=r"sliding_window_shapes \(1, 5, 5\) is larger than the inputs' feature shape \(1, 4, 4\)",
    ):
        occ.attribute(x, (1, 5, 5))
    with pytest.raises(ValueError, match=r"Occlusion: baselines of shape \(3,\) do not match"):
        occ.attribute(x, (1, 2, 2), baselines=np.zeros(3))
    abl = FeatureAblation(linear_image_model)
    with pytest.raises(
        ValueError,
        match=r"FeatureAblation: feature_mask of shape \(3, 3\) does not match inputs of shape \(1, 1, 4, 4\)",
    ):
        abl.attribute(x, feature_mask=np.zeros((3, 3), dtype=int))
    with pytest.raises(
        ValueError, match=r"feature_mask must hold integer group ids, got dtype float64"
    ):
        abl.attribute(x, feature_mask=np.zeros((4, 4)))
