"""Integrated Gradients: a hand-computed case, quadrature rules, completeness, invariance."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
import glassnet.functional as F
from glassnet.explain import IntegratedGradients
from glassnet.explain.integrated_gradients import IG_METHODS, path_rule
from glassnet.nn import Linear, Module, Sequential

from .helpers import Relu, mlp


class TwoRelu(Module):
    """f(x) = ReLU(ReLU(x1) - 1 - ReLU(x2)), the example of Sundararajan et al."""

    def forward(self, x):
        return F.relu(F.relu(x[:, 0]) - 1 - F.relu(x[:, 1]))


@pytest.mark.parametrize("method", IG_METHODS)
def test_hand_computed_two_relu(method):
    # along the path a*(3, 1): f = relu(2a - 1) for a > 1/2, so df/dx1 = 1 and df/dx2 = -1
    # on half of the path: IG = (3 * 1/2, 1 * -1/2) = (1.5, -0.5), and f(x) - f(0) = 1
    x = np.array([[3.0, 1.0]])
    attr, delta = IntegratedGradients(TwoRelu()).attribute(
        x, n_steps=400, method=method, return_convergence_delta=True
    )
    np.testing.assert_allclose(attr, [[1.5, -0.5]], atol=1e-2)
    assert abs(attr.sum() - 1.0) < 1e-2
    assert abs(delta[0]) < 1e-2


@pytest.mark.parametrize("method", IG_METHODS)
def test_path_rules_integrate_polynomials(method):
    alphas, weights = path_rule(method, 64)
    assert alphas.shape == weights.shape == (64,)
    assert np.all((alphas >= 0) & (alphas <= 1))
    total = 63 / 64 if method == "riemann_trapezoid" else 1.0  # Captum's trapezoid weights
    np.testing.assert_allclose(weights.sum(), total)
    np.testing.assert_allclose(np.sum(weights * 3 * alphas**2), total, atol=0.05)


def test_trapezoid_end_weights_and_gauss_legendre_nodes():
    alphas, weights = path_rule("riemann_trapezoid", 5)
    np.testing.assert_allclose(alphas, [0, 0.25, 0.5, 0.75, 1])
    np.testing.assert_allclose(weights, [0.1, 0.2, 0.2, 0.2, 0.1])  # Captum's: sum (n-1)/n
    alphas, weights = path_rule("gausslegendre", 2)
    np.testing.assert_allclose(alphas, [0.5 - 0.5 / np.sqrt(3), 0.5 + 0.5 / np.sqrt(3)])
    np.testing.assert_allclose(weights, [0.5, 0.5])
    # exact for degree 2n - 1 = 3
    np.testing.assert_allclose(np.sum(weights * 4 * alphas**3), 1.0)
    np.testing.assert_allclose(path_rule("riemann_left", 4)[0], [0, 0.25, 0.5, 0.75])
    np.testing.assert_allclose(path_rule("riemann_right", 4)[0], [0.25, 0.5, 0.75, 1])
    np.testing.assert_allclose(path_rule("riemann_middle", 2)[0], [0.25, 0.75])


def test_linear_model_is_exact():
    model = Sequential(Linear(5, 3)).double()
    x = np.random.default_rng(1).standard_normal((4, 5))
    attr = IntegratedGradients(model).attribute(x, target=2, n_steps=2)
    np.testing.assert_allclose(attr, model[0].weight.numpy()[2] * x, rtol=1e-12)


def test_all_methods_converge_to_the_same_answer(rng):
    model = mlp(smooth=True)
    x = rng.standard_normal((3, 6)) * 2
    ig = IntegratedGradients(model)
    ref = ig.attribute(x, target=1, n_steps=256, method="gausslegendre")
    for method in IG_METHODS:
        errors = [
            np.abs(ig.attribute(x, target=1, n_steps=n, method=method) - ref).max()
            for n in (16, 64, 256)
        ]
        # Captum's trapezoid weights sum to (n-1)/n: an error of about 1/n of the integral
        slack = 1 / 256 if method == "riemann_trapezoid" else 0.0
        assert errors[2] < (2e-3 + slack) * np.abs(ref).max(), (method, errors)
        assert errors[2] <= errors[1] + 1e-12 and errors[1] <= errors[0] + 1e-12, (method, errors)


def test_gauss_legendre_delta_far_below_left_riemann(rng):
    model = mlp(smooth=True)
    x = rng.standard_normal((4, 6)) * 2
    ig = IntegratedGradients(model)
    _, d_left = ig.attribute(
        x, target=0, n_steps=16, method="riemann_left", return_convergence_delta=True
    )
    _, d_gl = ig.attribute(
        x, target=0, n_steps=16, method="gausslegendre", return_convergence_delta=True
    )
    assert np.all(np.abs(d_gl) < 1e-3 * np.abs(d_left))


def test_convergence_delta_is_completeness_gap(rng):
    model = mlp(smooth=True)
    x = rng.standard_normal((3, 6))
    b = rng.standard_normal(6)
    attr, delta = IntegratedGradients(model).attribute(
        x, target=[0, 1, 2], baselines=b, n_steps=10, return_convergence_delta=True
    )
    fx = model(gn.tensor(x)).numpy()[np.arange(3), [0, 1, 2]]
    fb = model(gn.tensor(np.tile(b, (3, 1)))).numpy()[np.arange(3), [0, 1, 2]]
    np.testing.assert_allclose(delta, attr.sum(axis=1) - (fx - fb), atol=1e-12)


def test_implementation_invariance(rng):
    """Two differently built networks computing the same function get the same IG."""
    a = Sequential(Linear(4, 6), Relu(), Linear(6, 3)).double()
    b = Sequential(Linear(4, 6), Relu(), Linear(6, 3)).double()
    perm = rng.permutation(6)
    scale = rng.uniform(0.5, 2.0, size=6)  # relu(s z) = s relu(z) for s > 0
    w1, b1 = a[0].weight.numpy(), a[0].bias.numpy()
    b[0].weight.array[...] = w1[perm] * scale[:, None]
    b[0].bias.array[...] = b1[perm] * scale
    b[2].weight.array[...] = a[2].weight.numpy()[:, perm] / scale
    b[2].bias.array[...] = a[2].bias.numpy()
    x = rng.standard_normal((5, 4))
    np.testing.assert_allclose(a(gn.tensor(x)).numpy(), b(gn.tensor(x)).numpy(), rtol=1e-10)
    ga = IntegratedGradients(a).attribute(x, target=2, n_steps=32)
    gb = IntegratedGradients(b).attribute(x, target=2, n_steps=32)
    np.testing.assert_allclose(ga, gb, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("chunk", [1, 3, 7, 1000])
def test_internal_batch_size_does_not_change_the_answer(chunk, rng):
    model = mlp()
    x = rng.standard_normal((4, 6))
    ig = IntegratedGradients(model)
    t = [0, 1, 2, 1]
    ref = ig.attribute(x, target=t, n_steps=5, return_convergence_delta=True)
    got = ig.attribute(
        x, target=t, n_steps=5, internal_batch_size=chunk, return_convergence_delta=True
    )
    np.testing.assert_allclose(got[0], ref[0], rtol=1e-12)
    np.testing.assert_allclose(got[1], ref[1], atol=1e-12)


def test_baseline_forms(rng):
    model = mlp()
    x = rng.standard_normal((3, 6))
    ig = IntegratedGradients(model)
    zero = ig.attribute(x, target=0, n_steps=4)
    np.testing.assert_allclose(ig.attribute(x, target=0, n_steps=4, baselines=0.0), zero)
    np.testing.assert_allclose(ig.attribute(x, target=0, n_steps=4, baselines=np.zeros(6)), zero)
    per_row = rng.standard_normal((3, 6))
    got = ig.attribute(x, target=0, n_steps=4, baselines=per_row)
    row1 = ig.attribute(x[1:2], target=0, n_steps=4, baselines=per_row[1])
    np.testing.assert_allclose(got[1:2], row1, rtol=1e-12)
    # at the baseline itself every attribution is 0
    np.testing.assert_allclose(ig.attribute(x, target=0, baselines=x, n_steps=4), 0.0)


def test_errors_name_what_was_expected(rng):
    ig = IntegratedGradients(mlp())
    x = rng.standard_normal((3, 6))
    with pytest.raises(
        ValueError,
        match=r"IntegratedGradients: baselines of shape \(4,\) do not match inputs of shape \(3, 6\); expected a scalar, shape \(6,\) or \(3, 6\)",
    ):
        ig.attribute(x, baselines=np.zeros(4))
    with pytest.raises(
        ValueError,
        match=r"method must be one of 'riemann_trapezoid', .*'gausslegendre', got 'simpson'",
    ):
        ig.attribute(x, method="simpson")
    with pytest.raises(
        ValueError, match=r"IntegratedGradients: n_steps must be a positive int, got 0"
    ):
        ig.attribute(x, n_steps=0, method="gausslegendre")
    with pytest.raises(ValueError, match=r"n_steps must be an int >= 2, got 1"):
        ig.attribute(x, n_steps=1, method="riemann_trapezoid")
    with pytest.raises(ValueError, match=r"internal_batch_size must be a positive int, got -2"):
        ig.attribute(x, internal_batch_size=-2)
