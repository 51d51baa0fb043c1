"""The convolution's compiled im2col (which writes the padding's zeros itself) and gathering
col2im against the NumPy reference (a padded copy and one strided copy; per-tap products and
strided adds), over geometries that reach every edge case."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet import kernels
from glassnet.ops.conv import conv2d

from .conftest import needs_numba

pytestmark = needs_numba


def _grads(x: np.ndarray, w: np.ndarray, g: np.ndarray, **kw):
    def run():
        xt = gn.tensor(x, requires_grad=True)
        wt = gn.tensor(w, requires_grad=True)
        y = conv2d(xt, wt, **kw)
        y.backward(gn.tensor(g))
        return y.array.copy(), xt.grad.array.copy(), wt.grad.array.copy()

    return run


@pytest.mark.parametrize(
    "x_shape, w_shape, kw",
    [
        ((3, 32, 14, 14), (64, 32, 3, 3), dict(padding=1)),  # the seed CNN's second layer
        ((2, 3, 9, 9), (4, 3, 3, 3), dict()),  # few channels, no padding
        ((2, 8, 11, 10), (16, 8, 5, 5), dict(stride=2, padding=2)),  # taps skip rows
        ((2, 6, 9, 9), (4, 6, 3, 3), dict(stride=2, dilation=2)),  # inputs no tap reads
        ((1, 70, 6, 5), (8, 70, 3, 2), dict(padding=(1, 0))),  # many channels, a 3x2 kernel
        ((2, 4, 7, 7), (4, 4, 3, 3), dict(padding="same", dilation=2)),
        ((2, 2, 3, 3), (3, 2, 3, 3), dict(padding=3)),  # padding larger than the kernel reach
    ],
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("rebuild", [False, True])
def test_values_and_gradients_agree(both_paths, monkeypatch, rng, x_shape, w_shape, kw, dtype,
                                    rebuild):  # fmt: skip
    if rebuild:  # the columns are built again for the weight gradient (from the input)
        monkeypatch.setattr("glassnet.ops.conv.KEEP_COLUMNS_MAX_BYTES", 0)
    x = rng.standard_normal(x_shape).astype(dtype)
    w = rng.standard_normal(w_shape).astype(dtype)
    g = rng.standard_normal(conv2d(gn.tensor(x), gn.tensor(w), **kw).shape).astype(dtype)
    (y1, gx1, gw1), (y0, gx0, gw0) = both_paths(_grads(x, w, g, **kw))
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_array_equal(y1, y0)
    # the two col2im passes add the taps in another order: float rounding of the largest
    # entries (|gx| ~ 30 here), which lands on the entries where the taps cancel
    scale = max(1.0, float(np.abs(gx0).max()))
    np.testing.assert_allclose(gx1, gx0, rtol=tol, atol=tol * scale)
    np.testing.assert_array_equal(gw1, gw0)


def test_grouped_convolutions_keep_the_reference(monkeypatch):
    monkeypatch.setenv(kernels.ENV, "numba")
    mod = kernels.load("conv")
    assert mod.supports(np.dtype(np.float32), 1)
    assert not mod.supports(np.dtype(np.float32), 2)
    assert not mod.supports(np.dtype(np.float16), 1)


def test_im2col_writes_the_padding_and_leaves_the_bias_column(rng):
    from glassnet.kernels._conv import im2col_rows

    x = rng.standard_normal((2, 3, 3, 2)).astype(np.float32)
    cols = np.full((9, 3 * 3 * 2 + 1), 7.0, np.float32)  # sample 1's 3x3 output positions
    im2col_rows(x, cols, 1, (3, 3), (3, 3), (1, 1), (1, 1), (1, 1, 1, 1))
    assert (cols[:, -1] == 7).all()
    centre = cols[4, :-1].reshape(3, 3, 2)
    np.testing.assert_array_equal(centre, x[1])
    corner = cols[0, :-1].reshape(3, 3, 2)
    assert (corner[0] == 0).all() and (corner[:, 0] == 0).all()
    np.testing.assert_array_equal(corner[1:, 1:], x[1, :2, :2])


def test_every_input_element_is_written(rng):
    from glassnet.kernels._conv import col2im

    gc = rng.standard_normal((1, 2, 2, 3, 3, 4)).astype(np.float32)
    out = np.full((1, 7, 7, 4), np.nan, np.float32)  # stride 3 leaves rows no tap reaches
    col2im(gc, out, (3, 3), (1, 1), (0, 0, 0, 0))
    assert not np.isnan(out).any()
    assert (out[0, 6] == 0).all() and (out[0, :, 6] == 0).all()


@pytest.mark.parametrize("w_dtype", [np.float32, np.float64])
def test_a_float16_input_with_wider_weights_takes_the_reference_im2col(both_paths, rng, w_dtype):
    # the product runs in the weights' dtype, which the kernels take, but the compiled
    # im2col would read the float16 input itself: numba has no float16 arrays
    x = rng.standard_normal((2, 6, 7, 7)).astype(np.float16)
    w = rng.standard_normal((5, 6, 3, 3)).astype(w_dtype)
    g = rng.standard_normal((2, 5, 7, 7)).astype(w_dtype)
    (y1, gx1, gw1), (y0, gx0, gw0) = both_paths(_grads(x, w, g, padding=1))
    assert y1.dtype == w_dtype
    np.testing.assert_array_equal(y1, y0)
    np.testing.assert_allclose(gx1, gx0, rtol=1e-3, atol=1e-3)
    np.testing.assert_array_equal(gw1, gw0)


@pytest.mark.parametrize("c_in", [2, 8])
def test_an_empty_batch_has_zero_weight_gradients(both_paths, rng, c_in):
    # few channels (transposed columns) and row columns: the kept row columns'
    # reshape(rows, -1) could not infer its -1 from zero rows
    x = np.zeros((0, c_in, 6, 6), np.float32)
    w = rng.standard_normal((4, c_in, 3, 3)).astype(np.float32)
    (y1, gx1, gw1), (y0, gx0, gw0) = both_paths(_grads(x, w, np.zeros((0, 4, 6, 6), np.float32),
                                                       padding=1))  # fmt: skip
    assert y1.shape == y0.shape == (0, 4, 6, 6) and gx1.shape == gx0.shape == x.shape
    np.testing.assert_array_equal(gw1, np.zeros_like(w))
    np.testing.assert_array_equal(gw0, np.zeros_like(w))


def test_an_empty_batch_through_the_fused_block(both_paths):
    # with the kernels the block is one fused node; on the reference path its three modules
    # run, and the convolution's backward has to take the empty batch as well
    def run():
        gn.manual_seed(0)
        m = gn.nn.Sequential(gn.nn.Conv2d(8, 4, 3, padding=1), gn.nn.ReLU(), gn.nn.MaxPool2d(2))
        x = gn.tensor(np.zeros((0, 8, 6, 6), np.float32), requires_grad=True)
        y = m(x)
        y.sum().backward()
        return y.shape, x.grad.shape, m[0].weight.grad.array.copy()

    (s1, gs1, gw1), (s0, gs0, gw0) = both_paths(run)
    assert s1 == s0 == (0, 4, 3, 3) and gs1 == gs0 == (0, 8, 6, 6)
    np.testing.assert_array_equal(gw1, gw0)
    assert not gw0.any()
