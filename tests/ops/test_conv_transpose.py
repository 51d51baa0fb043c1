"""Transposed convolutions against torch (values, gradients, layers with torch's weights)."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet import nn
from glassnet.ops.conv_transpose import conv_transpose1d, conv_transpose2d
from glassnet.testing import check_against_torch, check_gradients

CASES = [
    dict(stride=1, padding=0, output_padding=0, groups=1, dilation=1),
    dict(stride=2, padding=1, output_padding=1, groups=1, dilation=1),
    dict(stride=3, padding=2, output_padding=0, groups=2, dilation=1),
    dict(stride=2, padding=0, output_padding=1, groups=1, dilation=2),
    dict(stride=(2, 1), padding=(1, 0), output_padding=(1, 0), groups=1, dilation=1),
    dict(stride=1, padding=3, output_padding=0, groups=1, dilation=1),  # cropping
]


@pytest.mark.parametrize("kw", CASES)
def test_conv_transpose2d(kw, rng, torch):
    g = kw["groups"]
    x = rng.standard_normal((2, 4, 6, 7))
    w = rng.standard_normal((4, 6 // g, 3, 3))
    b = rng.standard_normal(6)
    fn = lambda a, ww, bb: conv_transpose2d(a, ww, bb, **kw)  # noqa: E731
    check_gradients(fn, x[:1, :, :5, :5], w, b)
    check_against_torch(fn, lambda a, ww, bb: torch.nn.functional.conv_transpose2d(a, ww, bb, **kw), x, w, b)


@pytest.mark.parametrize("kw", [dict(stride=2, padding=1, output_padding=1), dict(dilation=2)])
def test_conv_transpose1d(kw, rng, torch):
    x, w = rng.standard_normal((2, 3, 6)), rng.standard_normal((3, 5, 4))
    check_gradients(lambda a, ww: conv_transpose1d(a, ww, **kw), x[:1], w)
    check_against_torch(
        lambda a, ww: conv_transpose1d(a, ww, **kw),
        lambda a, ww: torch.nn.functional.conv_transpose1d(a, ww, **kw),
        x, w,
    )  # fmt: skip


@pytest.mark.parametrize(
    "args", [(4, 6, 3, 2, 1, 1), (4, 4, (3, 2), 1, 0, 0, 2, False), (4, 6, 2, 2)]
)
def test_layer_matches_torch_with_its_state_dict(args, rng, torch):
    t, g = torch.nn.ConvTranspose2d(*args), nn.ConvTranspose2d(*args)
    assert {k: tuple(v.shape) for k, v in t.state_dict().items()} == {
        k: tuple(v.shape) for k, v in g.state_dict().items()
    }
    g.load_state_dict({k: v.detach().numpy() for k, v in t.state_dict().items()})
    x = rng.standard_normal((2, 4, 5, 5)).astype(np.float32)
    np.testing.assert_allclose(
        g(gn.tensor(x)).numpy(), t(torch.tensor(x)).detach().numpy(), rtol=1e-4, atol=1e-5
    )


def test_output_size_picks_the_output_padding(torch):
    g = nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1)
    x = gn.tensor(np.zeros((1, 2, 4, 4), np.float32))
    assert g(x).shape == (1, 3, 7, 7)
    assert g(x, output_size=(8, 8)).shape == (1, 3, 8, 8)
    with pytest.raises(ValueError, match=r"output_size \(9, 9\) is not reachable"):
        g(x, output_size=(9, 9))


def test_init_statistics_follow_torch():
    w = nn.ConvTranspose2d(16, 8, 3).weight.numpy()
    bound = 1 / np.sqrt(8 * 9)  # kaiming_uniform(a=sqrt(5)) with fan_in = weight.shape[1] * k*k
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
