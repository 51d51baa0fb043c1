"""1-D pooling and adaptive max pooling against torch, with finite-difference gradients."""

from __future__ import annotations

import pytest

from glassnet.ops import pool_more as Q
from glassnet.testing import check_against_torch, check_gradients


@pytest.mark.parametrize(
    "kw",
    [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
     dict(kernel_size=2, stride=1, dilation=2), dict(kernel_size=2, ceil_mode=True)],
)  # fmt: skip
def test_max_pool1d(kw, rng, torch):
    x = rng.standard_normal((2, 3, 9))
    check_gradients(lambda a: Q.max_pool1d(a, **kw), x)
    check_against_torch(
        lambda a: Q.max_pool1d(a, **kw), lambda a: torch.nn.functional.max_pool1d(a, **kw), x
    )


@pytest.mark.parametrize(
    "kw",
    [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1, count_include_pad=False),
     dict(kernel_size=4, stride=3, ceil_mode=True)],
)  # fmt: skip
def test_avg_pool1d(kw, rng, torch):
    x = rng.standard_normal((3, 9))  # unbatched
    check_gradients(lambda a: Q.avg_pool1d(a, **kw), x)
    check_against_torch(
        lambda a: Q.avg_pool1d(a, **kw), lambda a: torch.nn.functional.avg_pool1d(a, **kw), x
    )


@pytest.mark.parametrize("size", [(2, 3), 4, (7, None), (1, 1), (3, 5)])
def test_adaptive_max_pool2d(size, rng, torch):
    x = rng.standard_normal((2, 3, 7, 10))
    check_gradients(lambda a: Q.adaptive_max_pool2d(a, size), x)
    check_against_torch(
        lambda a: Q.adaptive_max_pool2d(a, size),
        lambda a: torch.nn.functional.adaptive_max_pool2d(a, size),
        x,
    )


@pytest.mark.parametrize("size", [3, 4])
def test_adaptive_pool1d(size, rng, torch):
    x = rng.standard_normal((2, 3, 10))
    F = torch.nn.functional
    check_against_torch(lambda a: Q.adaptive_max_pool1d(a, size), lambda a: F.adaptive_max_pool1d(a, size), x)
    check_against_torch(lambda a: Q.adaptive_avg_pool1d(a, size), lambda a: F.adaptive_avg_pool1d(a, size), x)


def test_bins_match_torchs_rule():
    assert Q.adaptive_bins(10, 3) == [(0, 4), (3, 7), (6, 10)]


def test_layers_match_torch(rng, torch):
    import numpy as np

    import glassnet as gn
    from glassnet import nn

    x = rng.standard_normal((2, 3, 6, 7)).astype(np.float32)
    x1 = x[:, :, 0]
    pairs = [
        (nn.MaxPool1d(3, 2, 1), torch.nn.MaxPool1d(3, 2, 1), x1),
        (nn.AvgPool1d(2), torch.nn.AvgPool1d(2), x1),
        (nn.AdaptiveMaxPool2d((4, 3)), torch.nn.AdaptiveMaxPool2d((4, 3)), x),
        (nn.Upsample(scale_factor=2, mode="bilinear"), torch.nn.Upsample(scale_factor=2, mode="bilinear"), x),
        (nn.UpsamplingBilinear2d((5, 9)), torch.nn.UpsamplingBilinear2d((5, 9)), x),
        (nn.ReflectionPad2d((1, 2, 0, 3)), torch.nn.ReflectionPad2d((1, 2, 0, 3)), x),
        (nn.ReplicationPad1d(2), torch.nn.ReplicationPad1d(2), x1),
        (nn.ZeroPad2d(1), torch.nn.ZeroPad2d(1), x),
        (nn.ConstantPad1d((1, 0), 3.5), torch.nn.ConstantPad1d((1, 0), 3.5), x1),
    ]
    for g, t, inp in pairs:
        np.testing.assert_allclose(
            g(gn.tensor(inp)).numpy(), t(torch.tensor(inp)).numpy(), rtol=1e-5, atol=1e-6,
            err_msg=repr(g),
        )
