"""Pooling layers: PyTorch's repr and results, the seed's 2x2 pool, and the errors."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.nn.layers.pooling import AdaptiveAvgPool2d, AvgPool2d, GlobalAvgPool2d, MaxPool2d


@pytest.mark.parametrize(
    "cls, args, kwargs",
    [
        ("MaxPool2d", (2,), {}),
        ("MaxPool2d", (3,), {"stride": 2, "padding": 1, "ceil_mode": True}),
        ("MaxPool2d", ((2, 3),), {"stride": (1, 2), "dilation": (2, 1)}),
        ("AvgPool2d", (2,), {}),
        ("AvgPool2d", (3,), {"stride": 2, "padding": 1, "count_include_pad": False}),
        ("AvgPool2d", (3,), {"stride": 2, "ceil_mode": True}),
        ("AdaptiveAvgPool2d", ((3, 4),), {}),
        ("AdaptiveAvgPool2d", ((5, None),), {}),
        ("AdaptiveAvgPool2d", (1,), {}),
    ],
)
def test_pool_layers_match_torch(cls, args, kwargs, rng, torch):
    import glassnet.nn.layers.pooling as P

    layer = getattr(P, cls)(*args, **kwargs)
    ref = getattr(torch.nn, cls)(*args, **kwargs)
    assert repr(layer) == repr(ref)
    x = rng.standard_normal((2, 3, 9, 10))
    t = gn.tensor(x, requires_grad=True)
    tt = torch.tensor(x, requires_grad=True)
    y, yt = layer(t), ref(tt)
    np.testing.assert_allclose(y.numpy(), yt.detach().numpy(), rtol=1e-12)
    w = rng.standard_normal(y.shape)
    (y * gn.tensor(w)).sum().backward()
    (yt * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(t.grad.numpy(), tt.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_seed_max_pool_halves_the_image():
    pool = MaxPool2d(2)
    assert pool(gn.zeros(8, 32, 28, 28)).shape == (8, 32, 14, 14)
    assert pool(gn.zeros(8, 64, 14, 14)).shape == (8, 64, 7, 7)
    # the seed's 'SAME' pooling of an odd size is ceil_mode here: 7 -> 4
    assert MaxPool2d(2, ceil_mode=True)(gn.zeros(1, 1, 7, 7)).shape == (1, 1, 4, 4)


def test_global_avg_pool(rng):
    x = rng.standard_normal((2, 3, 4, 5))
    np.testing.assert_allclose(GlobalAvgPool2d()(gn.tensor(x)).numpy(), x.mean((2, 3)))
    assert GlobalAvgPool2d(keepdims=True)(gn.tensor(x)).shape == (2, 3, 1, 1)
    assert repr(GlobalAvgPool2d()) == "GlobalAvgPool2d()"
    assert repr(GlobalAvgPool2d(keepdims=True)) == "GlobalAvgPool2d(keepdims=True)"


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: MaxPool2d(0), r"MaxPool2d: kernel_size must be a positive int or pair of ints, got 0"),
        (lambda: MaxPool2d(2, stride=-1), r"MaxPool2d: stride must be a positive int or pair of ints, got -1"),
        (lambda: MaxPool2d(2, padding=2), r"MaxPool2d: padding must be at most half .* got padding 2"),
        (lambda: MaxPool2d(2, dilation=(1, 0)), r"MaxPool2d: dilation must be .* got \(1, 0\)"),
        (lambda: AvgPool2d((2, 0)), r"AvgPool2d: kernel_size must be .* got \(2, 0\)"),
        (lambda: AvgPool2d(3, padding=-1), r"AvgPool2d: padding must be a non-negative int or pair of ints, got -1"),
        (lambda: AdaptiveAvgPool2d((2, 0)), r"AdaptiveAvgPool2d: output_size must be .* got \(2, 0\)"),
        (lambda: AdaptiveAvgPool2d("big"), r"AdaptiveAvgPool2d: output_size must be .* got 'big'"),
    ],
)  # fmt: skip
def test_pool_construction_errors(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_pool_optional_arguments_take_torchs_positional_order():
    # issue 13: PyTorch's order (kernel_size, stride, padding, dilation, return_indices,
    # ceil_mode); before, everything after kernel_size was keyword-only
    pool = MaxPool2d(3, 2, 1)
    assert (pool.stride, pool.padding) == (2, 1)
    with pytest.raises(TypeError):
        MaxPool2d(2, 2, 0, 1, False, False, 7)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    "layer, shape, match",
    [
        (MaxPool2d(2), (28, 28), r"MaxPool2d\(kernel_size=2, .*\): expected input of shape \(N, C, H, W\) or \(C, H, W\), got \(28, 28\)"),
        (MaxPool2d(5), (1, 1, 3, 3), r"MaxPool2d\(kernel_size=5, .*\): kernel 5x5 is larger than the padded input 3x3"),
        (AvgPool2d(3, padding=1), (1, 1, 1, 0), r"AvgPool2d\(kernel_size=3, .*\): kernel 3x3 is larger than the padded input 3x2"),
        (AdaptiveAvgPool2d(2), (4, 4), r"AdaptiveAvgPool2d\(output_size=2\): expected input of shape \(N, C, H, W\) or \(C, H, W\), got \(4, 4\)"),
        (GlobalAvgPool2d(), (2, 3), r"GlobalAvgPool2d\(\): expected input of shape \(N, C, H, W\), got \(2, 3\)"),
    ],
)  # fmt: skip
def test_pool_forward_errors(layer, shape, match):
    with pytest.raises(ValueError, match=match):
        layer(gn.zeros(*shape))
