"""Max pooling: the compiled kernels against the NumPy reference, values and gradients."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.ops.pool import max_pool2d

from .conftest import needs_numba

pytestmark = needs_numba


def _pool(x_nhwc: np.ndarray, g_nhwc: np.ndarray, **kw):
    def run():
        x = gn.Tensor(x_nhwc.transpose(0, 3, 1, 2), requires_grad=True)
        y = max_pool2d(x, **kw)
        y.backward(gn.Tensor(g_nhwc.transpose(0, 3, 1, 2)))
        return y.array.copy(), x.grad.array.copy()

    return run


@pytest.mark.parametrize(
    "shape, kw",
    [
        ((3, 8, 8, 5), dict(kernel_size=2)),
        ((2, 9, 7, 4), dict(kernel_size=2)),  # an odd edge the windows do not reach
        ((2, 9, 9, 3), dict(kernel_size=3, stride=2)),  # overlapping windows
        ((2, 8, 10, 3), dict(kernel_size=(2, 3), stride=(1, 2))),
        ((1, 6, 6, 2), dict(kernel_size=2, stride=1)),
        ((2, 7, 7, 3), dict(kernel_size=2, padding=1)),  # padding: the reference path
        ((2, 7, 7, 3), dict(kernel_size=2, ceil_mode=True)),
    ],
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_values_and_gradients_agree(both_paths, rng, shape, kw, dtype):
    x = rng.standard_normal(shape).astype(dtype)
    x[0, :2, :2] = 0.5  # ties: the first maximum in row-major order takes the gradient
    probe = max_pool2d(gn.tensor(x.transpose(0, 3, 1, 2)), **kw)
    g = rng.standard_normal(probe.array.transpose(0, 2, 3, 1).shape).astype(dtype)
    (y1, gx1), (y0, gx0) = both_paths(_pool(x, g, **kw))
    np.testing.assert_array_equal(y1, y0)
    np.testing.assert_allclose(gx1, gx0, rtol=1e-6, atol=1e-6)


def test_nan_wins_its_window_on_both_paths(both_paths, rng):
    x = rng.standard_normal((1, 4, 4, 2)).astype(np.float32)
    x[0, 1, 1, 0] = np.nan
    g = np.ones((1, 2, 2, 2), np.float32)
    (y1, _), (y0, _) = both_paths(_pool(x, g, kernel_size=2))
    assert np.isnan(y1[0, 0, 0, 0]) and np.isnan(y0[0, 0, 0, 0])
    np.testing.assert_array_equal(y1, y0)


@pytest.mark.parametrize(
    "kw", [dict(kernel_size=2), dict(kernel_size=3, stride=2), dict(kernel_size=(1, 3))]
)
def test_the_gradient_of_a_nan_maximum_goes_to_the_first_nan(both_paths, rng, kw):
    # np.maximum lets the NaN through, but v > m is false for it: the reference once sent
    # the gradient to the number before the NaN while the kernels sent it to the NaN
    x = rng.standard_normal((2, 7, 7, 3)).astype(np.float32)
    x[0, 0, 1, 0] = x[0, 1, 0, 0] = np.nan  # two NaNs in one window: the first takes it
    x[1, 2, 2, 1] = x[1, 5, 6, 2] = np.nan
    probe = max_pool2d(gn.tensor(x.transpose(0, 3, 1, 2)), **kw)
    g = rng.standard_normal(probe.array.transpose(0, 2, 3, 1).shape).astype(np.float32)
    (y1, gx1), (y0, gx0) = both_paths(_pool(x, g, **kw))
    np.testing.assert_array_equal(y1, y0)
    np.testing.assert_allclose(gx1, gx0, rtol=1e-6, atol=1e-6)  # overlaps add in another order
    # every NaN maximum's gradient lands on a NaN input, every other one on a number
    g_nan = g.transpose(0, 3, 1, 2)[np.isnan(y0)].sum(dtype=np.float64)
    np.testing.assert_allclose(gx0[np.isnan(x.transpose(0, 3, 1, 2))].sum(dtype=np.float64),
                               g_nan, rtol=1e-5)  # fmt: skip


def test_nchw_inputs_and_inference(both_paths, rng):
    x = rng.standard_normal((2, 3, 6, 6)).astype(np.float32)  # NCHW in memory

    def run():
        with gn.no_grad():
            return max_pool2d(gn.tensor(x), 2).array.copy()

    y1, y0 = both_paths(run)
    np.testing.assert_array_equal(y1, y0)


def test_relu_before_pool_in_sequential(both_paths, rng):
    x = rng.standard_normal((4, 3, 8, 8)).astype(np.float32)

    def run():
        gn.manual_seed(0)
        m = gn.nn.Sequential(gn.nn.Conv2d(3, 6, 3, padding=1), gn.nn.ReLU(), gn.nn.MaxPool2d(2))
        xt = gn.tensor(x, requires_grad=True)
        y = m(xt)
        (y * y).sum().backward()
        return y.array.copy(), xt.grad.array.copy(), m[0].weight.grad.array.copy()

    out1, out0 = both_paths(run)
    for a, b in zip(out1, out0):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("dtype", [np.float16, np.int32])
def test_other_dtypes_take_the_reference_path(both_paths, rng, dtype):
    x = (rng.standard_normal((2, 3, 6, 6)) * 10).astype(dtype)

    def run():
        with gn.no_grad():
            return max_pool2d(gn.tensor(x), 2).array.copy()

    y1, y0 = both_paths(run)
    assert y1.dtype == dtype
    np.testing.assert_array_equal(y1, y0)
