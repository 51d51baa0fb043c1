"""Inverted dropout: identity in eval, 1/(1-p) scaling, unbiased mean, gradient equals the mask."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.ops.dropout import dropout
from glassnet.testing import check_against_torch, check_gradients


def _seeded(p, seed=3):
    return lambda a: dropout(a, p, True, rng=np.random.default_rng(seed))


def _mask(shape, p):
    """The mask the seeded dropout applies: dropout of ones with the same seed."""
    mask = _seeded(p)(gn.tensor(np.ones(shape))).numpy()
    assert set(np.unique(mask)) == {0.0, 1 / (1 - p)}
    return mask


def test_identity_when_not_training_or_p_zero(rng):
    x = gn.tensor(rng.standard_normal((4, 5)), requires_grad=True)
    assert dropout(x, 0.5, training=False) is x
    assert dropout(x, 0.0, training=True) is x


@pytest.mark.parametrize("p", [0.1, 0.5, 0.9])
def test_kept_values_are_scaled_by_inverse_keep_probability(p, rng):
    x = rng.standard_normal((50, 40)) + 5.0  # no zeros in the input
    y = dropout(gn.tensor(x), p).numpy()
    kept = y != 0
    np.testing.assert_allclose(y[kept], x[kept] / (1 - p), rtol=1e-12)
    assert 0 < kept.sum() < x.size


@pytest.mark.parametrize("p", [0.2, 0.5, 0.8])
def test_mean_is_preserved_and_drop_rate_is_p(p):
    n = 400_000
    y = dropout(gn.ones(n), p).numpy()
    # mean of n i.i.d. values with mean 1 and variance p / (1 - p): within 5 standard errors
    assert abs(y.mean() - 1.0) < 5 * np.sqrt(p / (1 - p) / n)
    assert abs((y == 0).mean() - p) < 5 * np.sqrt(p * (1 - p) / n)


@pytest.mark.parametrize("p", [0.3, 0.7])
def test_gradient_equals_the_mask(p, rng, torch):
    x = rng.standard_normal((6, 7))
    mask = _mask(x.shape, p)
    np.testing.assert_allclose(_seeded(p)(gn.tensor(x)).numpy(), x * mask)
    check_gradients(_seeded(p), x)
    check_against_torch(_seeded(p), lambda a: a * torch.tensor(mask), x)
    t = gn.tensor(x, requires_grad=True)
    g = rng.standard_normal(x.shape)
    _seeded(p)(t).backward(g)
    np.testing.assert_allclose(t.grad.numpy(), g * mask)


def test_eval_mode_matches_torch(rng, torch):
    x = rng.standard_normal((3, 4))
    check_against_torch(
        lambda a: dropout(a, 0.4, training=False),
        lambda a: torch.nn.functional.dropout(a, 0.4, training=False),
        x,
    )


def test_keeps_dtype_and_is_reproducible_with_manual_seed():
    x = gn.ones(3, 8)
    gn.manual_seed(7)
    a = dropout(x, 0.5)
    gn.manual_seed(7)
    b = dropout(x, 0.5)
    assert a.dtype == np.float32
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert set(np.unique(a.numpy())) <= {0.0, 2.0}


def test_masks_differ_between_calls():
    x = gn.ones(1000)
    assert not np.array_equal(dropout(x, 0.5).numpy(), dropout(x, 0.5).numpy())


@pytest.mark.parametrize("p", [-0.1, 1.5])
def test_p_out_of_range_is_named(p):
    with pytest.raises(ValueError, match=rf"dropout: p must be in \[0, 1\], got {p}"):
        dropout(gn.ones(3), p)
