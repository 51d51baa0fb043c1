"""``Dropout`` layer: active in training mode only, validated ``p``, follows ``train()``/``eval()``."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
import glassnet.nn as nn


def test_training_mode_drops_and_scales():
    d = nn.Dropout(0.25)
    y = d(gn.ones(200, 50)).numpy()
    np.testing.assert_allclose(np.unique(y), [0.0, 1 / 0.75], rtol=1e-6)
    assert abs((y == 0).mean() - 0.25) < 0.02


def test_eval_mode_is_identity():
    d = nn.Dropout(0.5).eval()
    x = gn.randn(4, 4)
    assert d(x) is x


def test_model_eval_switches_dropout_off():
    model = nn.Sequential(nn.Linear(10, 10), nn.Dropout(0.5))
    x = gn.randn(8, 10)
    a, b = model(x).numpy(), model(x).numpy()
    assert not np.array_equal(a, b)  # new mask each call
    model.eval()
    np.testing.assert_array_equal(model(x).numpy(), model(x).numpy())
    np.testing.assert_allclose(model(x).numpy(), model[0](x).numpy())


def test_gradient_flows_only_through_kept_units():
    d = nn.Dropout(0.5)
    x = gn.tensor(np.ones((6, 6)), requires_grad=True)
    y = d(x)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), y.numpy())


def test_zero_p_and_reproducibility():
    x = gn.randn(3, 3)
    assert nn.Dropout(0.0)(x) is x
    gn.manual_seed(5)
    a = nn.Dropout(0.5)(gn.ones(20)).numpy()
    gn.manual_seed(5)
    b = nn.Dropout(0.5)(gn.ones(20)).numpy()
    np.testing.assert_array_equal(a, b)


def test_repr_and_no_parameters():
    d = nn.Dropout(0.2, inplace=True)
    assert repr(d) == "Dropout(p=0.2, inplace=True)"  # as torch's; computed out of place
    assert list(d.parameters()) == []
    assert nn.Dropout().p == 0.5


@pytest.mark.parametrize("p", [1.5, -0.5, 2, "0.5", True])
def test_invalid_p_is_named(p):
    with pytest.raises(ValueError, match=r"Dropout: p must be a probability in \[0, 1\], got"):
        nn.Dropout(p)
