"""Initialisation: gains and fans as PyTorch, bounds and spreads, reproducibility, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

import glassnet as gn
from glassnet.nn import init


def _t(*shape, dtype=np.float32):
    return gn.zeros(*shape, dtype=dtype)


@pytest.mark.parametrize(
    "name,param", [("linear", None), ("sigmoid", None), ("tanh", None), ("relu", None),
                   ("leaky_relu", None), ("leaky_relu", 0.2), ("selu", None), ("conv2d", None)]
)  # fmt: skip
def test_calculate_gain_matches_torch(name, param, torch):
    assert init.calculate_gain(name, param) == pytest.approx(torch.nn.init.calculate_gain(name, param))  # fmt: skip


@pytest.mark.parametrize("shape", [(3, 5), (8, 4, 3, 3), (6, 2, 5)])
def test_fans_match_torch(shape, torch):
    expected = torch.nn.init._calculate_fan_in_and_fan_out(torch.zeros(shape))
    assert init.fan_in_and_fan_out(_t(*shape)) == expected


@pytest.mark.parametrize(
    "fn,bound",
    [
        (lambda t: init.xavier_uniform_(t), math.sqrt(6 / (200 + 300))),
        (lambda t: init.xavier_uniform_(t, gain=2.0), 2 * math.sqrt(6 / (200 + 300))),
        (
            lambda t: init.kaiming_uniform_(t, nonlinearity="relu"),
            math.sqrt(2) * math.sqrt(3 / 200),
        ),
        (
            lambda t: init.kaiming_uniform_(t, mode="fan_out", nonlinearity="relu"),
            math.sqrt(2) * math.sqrt(3 / 300),
        ),
        (lambda t: init.he_uniform_(t), math.sqrt(6 / 200)),
        (lambda t: init.uniform_(t, -0.3, 0.3), 0.3),
    ],
)
def test_uniform_inits_fill_their_interval(fn, bound):
    t = fn(_t(300, 200))
    x = t.numpy()
    assert np.abs(x).max() <= bound * (1 + 1e-6)
    assert np.abs(x).max() > 0.99 * bound  # the whole interval is used
    assert abs(x.std() - bound / math.sqrt(3)) < 0.02 * bound  # std of U(-b, b)


@pytest.mark.parametrize(
    "fn,std",
    [
        (lambda t: init.xavier_normal_(t), math.sqrt(2 / (200 + 300))),
        (lambda t: init.kaiming_normal_(t, nonlinearity="relu"), math.sqrt(2 / 200)),
        (lambda t: init.he_normal_(t), math.sqrt(2 / 200)),
        (lambda t: init.kaiming_normal_(t, a=0.1), math.sqrt(2 / (1 + 0.01)) / math.sqrt(200)),
        (lambda t: init.normal_(t, 1.0, 0.5), 0.5),
    ],
)
def test_normal_inits_have_their_spread(fn, std):
    x = fn(_t(300, 200)).numpy()
    assert abs(x.std() - std) < 0.02 * std


def test_trunc_normal_stays_in_bounds():
    x = init.trunc_normal_(_t(200, 100), std=1.0, a=-0.5, b=1.0).numpy()
    assert x.min() >= -0.5 and x.max() <= 1.0
    assert x.min() < -0.45 and x.max() > 0.95


@pytest.mark.parametrize("shape", [(4, 6), (6, 4), (3, 2, 2, 2)])
def test_orthogonal_rows_or_columns_are_orthonormal(shape):
    w = init.orthogonal_(_t(*shape, dtype=np.float64), gain=2.0).numpy().reshape(shape[0], -1)
    if w.shape[0] <= w.shape[1]:
        np.testing.assert_allclose(w @ w.T, 4 * np.eye(w.shape[0]), atol=1e-12)
    else:
        np.testing.assert_allclose(w.T @ w, 4 * np.eye(w.shape[1]), atol=1e-12)


def test_constant_fills_and_dtype_kept():
    t = _t(2, 3)
    assert init.ones_(t) is t and np.all(t.numpy() == 1)
    init.constant_(t, 0.25)
    assert np.all(t.numpy() == 0.25)
    init.zeros_(t)
    assert np.all(t.numpy() == 0) and t.dtype == np.float32
    assert init.xavier_uniform_(t).dtype == np.float32


def test_in_place_on_parameters_keeps_the_array():
    p = gn.nn.Parameter(np.zeros((3, 4), dtype=np.float32))
    data = p.array
    init.kaiming_uniform_(p)
    assert p.array is data and np.any(data != 0)


def test_reproducible_with_manual_seed_and_explicit_rng():
    gn.manual_seed(11)
    a = init.normal_(_t(5, 5)).numpy().copy()
    gn.manual_seed(11)
    b = init.normal_(_t(5, 5)).numpy()
    np.testing.assert_array_equal(a, b)
    c = init.xavier_uniform_(_t(4, 4), rng=np.random.default_rng(3)).numpy()
    d = init.xavier_uniform_(_t(4, 4), rng=np.random.default_rng(3)).numpy()
    np.testing.assert_array_equal(c, d)


def test_linear_default_init_matches_torch_bounds():
    lin = gn.nn.Linear(50, 40)
    assert np.abs(lin.weight.numpy()).max() <= 1 / math.sqrt(50)
    assert np.abs(lin.bias.numpy()).max() <= 1 / math.sqrt(50)


@pytest.mark.parametrize(
    "call,match",
    [
        (lambda: init.calculate_gain("swish"), r"calculate_gain: unknown nonlinearity 'swish'"),
        (
            lambda: init.fan_in_and_fan_out(_t(5)),
            r"fan_in_and_fan_out: needs a tensor with at least 2 dims, got \(5,\)",
        ),
        (
            lambda: init.kaiming_uniform_(_t(3, 3), mode="fan"),
            r"kaiming init: mode must be 'fan_in' or 'fan_out', got 'fan'",
        ),
        (lambda: init.xavier_normal_(_t(3)), r"fan_in_and_fan_out"),
    ],
)
def test_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()
