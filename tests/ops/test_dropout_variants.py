"""Channel and alpha dropout: what they zero, their statistics, and evaluation mode."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import glassnet as gn
from glassnet import nn
from glassnet.ops import dropout_variants as D


@pytest.mark.parametrize(
    "fn,shape", [(D.dropout1d, (8, 16, 5)), (D.dropout2d, (8, 16, 3, 3)), (D.dropout1d, (16, 5))]
)
def test_channel_dropout_zeroes_whole_channels(fn, shape):
    gn.manual_seed(0)
    x = gn.tensor(np.ones(shape), requires_grad=True)
    out = fn(x, 0.5)
    flat = out.numpy().reshape(shape[: len(shape) - 1 if len(shape) == 2 else 2] + (-1,))
    per_channel = np.unique(flat, axis=-1)
    assert per_channel.shape[-1] == 1  # each channel is all 0 or all 2
    assert set(np.unique(flat)) <= {0.0, 2.0} and 0.2 < (flat == 0).mean() < 0.8
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), out.numpy())  # gradient = the mask


def test_alpha_dropout_keeps_mean_and_variance():
    gn.manual_seed(1)
    x = gn.tensor(np.random.default_rng(0).standard_normal(200_000).astype(np.float32))
    y = D.alpha_dropout(x, 0.2, training=True).numpy()
    assert abs(y.mean()) < 0.02 and abs(y.std() - 1.0) < 0.02
    a = 1 / np.sqrt((1.7580993408473766**2 * 0.2 + 1) * 0.8)
    dropped = np.isclose(y, -1.7580993408473766 * a * 0.8, rtol=0, atol=1e-6)
    assert abs(dropped.mean() - 0.2) < 0.01  # a fifth take SELU's rescaled saturation value


def test_identity_in_evaluation_mode_and_layers():
    x = gn.tensor(np.ones((2, 3, 4, 4)))
    for layer in (nn.Dropout2d(0.5), nn.AlphaDropout(0.3), nn.FeatureAlphaDropout(0.3)):
        layer.eval()
        assert layer(x) is x
    assert D.alpha_dropout(x, 0.5) is x  # training defaults to False, as in PyTorch


def test_dropout2d_on_3d_input_warns_like_torch():
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        D.dropout2d(gn.tensor(np.ones((2, 3, 4))), 0.5)
    assert "treats it as (N, C, L)" in str(w[0].message)


def test_errors():
    with pytest.raises(ValueError, match=r"Dropout2d: p must be a probability in \[0, 1\], got 2"):
        nn.Dropout2d(2)
    with pytest.raises(ValueError, match="dropout1d: expected a 2-D .* or 3-D input"):
        D.dropout1d(gn.tensor(np.ones((2, 3, 4, 5))))


def test_dropout2d_on_2d_input_is_element_wise_with_torchs_warning(torch):
    x = gn.ones(400, 50)
    with pytest.warns(UserWarning, match="2-D input"):
        y = D.dropout2d(x, 0.5).numpy()
    assert set(np.unique(y)) <= {0.0, 2.0} and 0.4 < (y == 0).mean() < 0.6
    assert (y == 0).all(axis=1).sum() == 0  # not whole rows: each entry drawn on its own
    with pytest.warns(UserWarning, match="Received a 2-D input to dropout2d"):
        theirs = torch.nn.functional.dropout2d(torch.ones(400, 50), 0.5).numpy()
    assert (theirs == 0).all(axis=1).sum() == 0 and 0.4 < (theirs == 0).mean() < 0.6
