"""Batch normalisation: the compiled passes against the NumPy reference."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.ops.norm import batch_norm

from .conftest import needs_numba

pytestmark = needs_numba


def _bn(x: np.ndarray, g: np.ndarray, training: bool):
    c = x.shape[1]

    def run():
        rng = np.random.default_rng(1)
        xt = gn.tensor(x, requires_grad=True)
        w = gn.tensor(rng.standard_normal(c).astype(x.dtype), requires_grad=True)
        b = gn.tensor(rng.standard_normal(c).astype(x.dtype), requires_grad=True)
        rm = gn.tensor(rng.standard_normal(c).astype(x.dtype))
        rv = gn.tensor(rng.random(c).astype(x.dtype) + 0.5)
        y = batch_norm(xt, rm, rv, w, b, training=training)
        y.backward(gn.tensor(g))
        return [a.copy() for a in (y.array, xt.grad.array, w.grad.array, b.grad.array, rm.array,
                                   rv.array)]  # fmt: skip

    return run


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("layout", ["nhwc", "nchw", "nc", "ncl"])
def test_values_gradients_and_running_stats_agree(both_paths, rng, training, dtype, layout):
    if layout == "nhwc":  # a conv's output: the channels-last view is contiguous
        x = (rng.standard_normal((6, 5, 7, 12)) * 3 + 2).astype(dtype).transpose(0, 3, 1, 2)
    elif layout == "nchw":
        x = (rng.standard_normal((6, 12, 5, 7)) * 3 + 2).astype(dtype)
    elif layout == "nc":
        x = (rng.standard_normal((300, 12)) * 3 + 2).astype(dtype)
    else:
        x = (rng.standard_normal((4, 12, 9)) * 3 + 2).astype(dtype)
    g = rng.standard_normal(x.shape).astype(dtype)
    out1, out0 = both_paths(_bn(x, g, training))
    tol = 2e-5 if dtype == np.float32 else 1e-11
    for name, a, b in zip(("y", "grad x", "grad w", "grad b", "running mean", "running var"),
                          out1, out0):  # fmt: skip
        assert a.dtype == b.dtype == dtype, name
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol * np.abs(b).max(), err_msg=name)


def test_long_batches_keep_float32_statistics_accurate(both_paths, rng):
    # 600 chunks of rows: the float64 partial sums are at least as accurate as the reference
    x = (rng.standard_normal((64, 48, 50, 8)) + 1000).astype(np.float32).transpose(0, 3, 1, 2)
    exact_mean = x.astype(np.float64).mean(axis=(0, 2, 3))

    def run():
        rm = gn.tensor(np.zeros(8, np.float32))
        rv = gn.tensor(np.ones(8, np.float32))
        batch_norm(gn.tensor(x), rm, rv, training=True, momentum=1.0)
        return rm.array.copy()

    m1, m0 = both_paths(run)
    assert np.abs(m1 - exact_mean).max() <= np.abs(m0 - exact_mean).max() + 1e-4
    np.testing.assert_allclose(m1, exact_mean, rtol=1e-6)


@pytest.mark.parametrize("layout", ["nhwc", "nc"])
def test_an_empty_batch_in_evaluation_has_zero_parameter_gradients(both_paths, layout):
    # the reference summed no row blocks into the int 0, which the engine could not take
    shape = (0, 4, 3, 5) if layout == "nhwc" else (0, 5)
    x = np.zeros(shape, np.float32)
    x = x.transpose(0, 3, 1, 2) if layout == "nhwc" else x
    out1, out0 = both_paths(_bn(x, np.zeros(x.shape, np.float32), training=False))
    for a, b in zip(out1, out0):
        assert a.shape == b.shape and a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)
    assert out0[2].shape == (5,) and not out0[2].any()
