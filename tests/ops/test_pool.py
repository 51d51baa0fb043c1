"""Pooling ops: finite differences and PyTorch agreement (ties, padding, dilation, ceil_mode),
the channels-last layout and the argument errors."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.ops.pool import adaptive_avg_pool2d, avg_pool2d, global_avg_pool2d, max_pool2d
from glassnet.testing import check_against_torch, check_gradients

MAX_CASES = [
    {"kernel_size": 2},
    {"kernel_size": 2, "stride": 1},
    {"kernel_size": 3, "stride": 2},
    {"kernel_size": 3, "stride": 2, "padding": 1},
    {"kernel_size": (2, 3), "stride": (1, 2), "dilation": (2, 1)},
    {"kernel_size": 3, "stride": 2, "ceil_mode": True},
    {"kernel_size": 2, "ceil_mode": True},
    {"kernel_size": 3, "stride": 3, "padding": 1, "ceil_mode": True},
    {"kernel_size": (1, 4), "stride": (1, 2)},
]
AVG_CASES = [
    {"kernel_size": 2},
    {"kernel_size": 3, "stride": 2, "padding": 1},
    {"kernel_size": (2, 3), "stride": (1, 2)},
    {"kernel_size": 3, "stride": 2, "ceil_mode": True},
    {"kernel_size": 3, "stride": 3, "padding": 1, "ceil_mode": True},
]


def _distinct(rng, shape):
    """Values at least 1e-3 apart, so finite differences never cross a tie."""
    return rng.permutation(np.prod(shape)).reshape(shape) * 1e-2 + rng.standard_normal(shape) * 1e-4


@pytest.mark.parametrize("opts", MAX_CASES)
def test_max_pool2d_gradcheck(opts, rng):
    check_gradients(lambda x: max_pool2d(x, **opts), _distinct(rng, (2, 2, 7, 9)))


@pytest.mark.parametrize("opts", MAX_CASES)
@pytest.mark.parametrize("shape", [(2, 3, 7, 9), (1, 2, 8, 8)])
def test_max_pool2d_matches_torch(opts, shape, rng, torch):
    check_against_torch(
        lambda x: max_pool2d(x, **opts), lambda x: torch.nn.functional.max_pool2d(x, **opts),
        rng.standard_normal(shape),
    )  # fmt: skip


@pytest.mark.parametrize("opts", MAX_CASES)
def test_max_pool2d_ties_route_to_the_first_maximum_like_torch(opts, rng, torch):
    x = np.round(rng.standard_normal((2, 3, 8, 8)))  # many ties, as after a ReLU
    x[0, 0] = 0.0  # a whole channel of zeros
    check_against_torch(
        lambda x: max_pool2d(x, **opts), lambda x: torch.nn.functional.max_pool2d(x, **opts), x
    )


def test_max_pool2d_float32_seed_sizes(rng, torch):
    x = np.maximum(rng.standard_normal((4, 32, 28, 28)), 0)  # ReLU output: ties at 0
    check_against_torch(
        lambda x: max_pool2d(x, 2), lambda x: torch.nn.functional.max_pool2d(x, 2), x,
        dtype=np.float32,
    )  # fmt: skip


@pytest.mark.parametrize("count_include_pad", [True, False])
@pytest.mark.parametrize("opts", AVG_CASES)
def test_avg_pool2d_gradcheck_and_torch(opts, count_include_pad, rng, torch):
    x = rng.standard_normal((2, 3, 7, 9))
    fn = lambda x: avg_pool2d(x, count_include_pad=count_include_pad, **opts)  # noqa: E731
    check_gradients(fn, x[:1, :2])
    check_against_torch(
        fn,
        lambda x: torch.nn.functional.avg_pool2d(x, count_include_pad=count_include_pad, **opts),
        x,
    )


@pytest.mark.parametrize("size", [1, 2, (2, 3), (3, 4), (5, None), 7, (9, 10)])
def test_adaptive_avg_pool2d_gradcheck_and_torch(size, rng, torch):
    x = rng.standard_normal((2, 3, 7, 9))
    check_gradients(lambda x: adaptive_avg_pool2d(x, size), x[:1, :2])
    check_against_torch(
        lambda x: adaptive_avg_pool2d(x, size),
        lambda x: torch.nn.functional.adaptive_avg_pool2d(x, size),
        x,
    )


@pytest.mark.parametrize("keepdims", [False, True])
def test_global_avg_pool2d(keepdims, rng, torch):
    x = rng.standard_normal((2, 3, 5, 4))
    fn = lambda x: global_avg_pool2d(x, keepdims=keepdims)  # noqa: E731
    check_gradients(fn, x)
    check_against_torch(fn, lambda x: x.mean((2, 3), keepdim=keepdims), x)
    assert fn(gn.tensor(x)).shape == ((2, 3, 1, 1) if keepdims else (2, 3))


def test_pools_accept_channels_last_views_and_keep_float32(rng):
    x = rng.standard_normal((2, 6, 6, 4)).astype(np.float32).transpose(0, 3, 1, 2)  # NHWC memory
    for fn in (lambda t: max_pool2d(t, 2), lambda t: avg_pool2d(t, 3, 1, 1)):
        t = gn.tensor(x, requires_grad=True)
        y = fn(t)
        assert y.dtype == np.float32
        np.testing.assert_array_equal(y.numpy(), fn(gn.tensor(np.ascontiguousarray(x))).numpy())
        y.sum().backward()
        assert t.grad.dtype == np.float32 and t.grad.shape == x.shape


def test_max_pool2d_without_grad_matches(rng):
    x = rng.standard_normal((2, 3, 8, 8))
    with gn.no_grad():
        a = max_pool2d(gn.tensor(x), 2).numpy()
    b = max_pool2d(gn.tensor(x, requires_grad=True), 2).numpy()
    np.testing.assert_array_equal(a, b)


# ---------------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    "fn, shape, match",
    [
        (lambda x: max_pool2d(x, 2), (8, 8), r"max_pool2d: expected input of shape \(N, C, H, W\), got \(8, 8\)"),
        (lambda x: max_pool2d(x, 0), (1, 1, 8, 8), r"max_pool2d: kernel_size must be a positive int or pair of ints, got 0"),
        (lambda x: max_pool2d(x, 2, stride=(1, 0)), (1, 1, 8, 8), r"stride must be a positive int or pair of ints, got \(1, 0\)"),
        (lambda x: max_pool2d(x, 3, padding=2), (1, 1, 8, 8), r"padding must be at most half"),
        (lambda x: max_pool2d(x, 5), (1, 1, 3, 3), r"max_pool2d: kernel 5x5 is larger than the padded input 3x3"),
        (lambda x: max_pool2d(x, 2, dilation=3), (1, 1, 3, 8), r"kernel 4x4 is larger than the padded input 3x8"),
        (lambda x: avg_pool2d(x, 4, padding=1), (1, 1, 1, 1), r"avg_pool2d: kernel 4x4 is larger than the padded input 3x3"),
        (lambda x: avg_pool2d(x, (2, 2, 2)), (1, 1, 8, 8), r"kernel_size must be a positive int or pair of ints, got \(2, 2, 2\)"),
        (lambda x: adaptive_avg_pool2d(x, 0), (1, 1, 8, 8), r"adaptive_avg_pool2d: output_size must be .* got 0"),
        (lambda x: adaptive_avg_pool2d(x, 2), (8, 8), r"adaptive_avg_pool2d: expected input of shape \(N, C, H, W\)"),
        (lambda x: global_avg_pool2d(x), (2, 8), r"global_avg_pool2d: expected input of shape \(N, C, H, W\), got \(2, 8\)"),
    ],
)  # fmt: skip
def test_pool_errors(fn, shape, match):
    with pytest.raises(ValueError, match=match):
        fn(gn.zeros(*shape))


@pytest.fixture
def split_threads(monkeypatch):
    """Split every pass over 3 threads, however small (uneven slices of the batch)."""
    from glassnet.ops import _parallel

    monkeypatch.setattr(_parallel, "MIN_BYTES", 1)
    _parallel.set_num_threads(3)
    yield
    _parallel.set_num_threads(_parallel._default_threads())


@pytest.mark.parametrize("opts", MAX_CASES)
def test_max_pool2d_split_over_threads_matches_torch(opts, rng, torch, split_threads):
    x = np.round(rng.standard_normal((5, 3, 8, 9)))
    check_against_torch(
        lambda x: max_pool2d(x, **opts), lambda x: torch.nn.functional.max_pool2d(x, **opts), x
    )
