"""3-D max, average and adaptive max pooling against torch (values, gradients, indices, errors)."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
import glassnet.functional as F
from glassnet.ops.pool3d import adaptive_max_pool3d, avg_pool3d, max_pool3d
from glassnet.testing import check_against_torch, check_gradients

MAX_CASES = [
    dict(kernel_size=2),
    dict(kernel_size=3, stride=2, padding=1),
    dict(kernel_size=(3, 2, 3), stride=(2, 1, 2), padding=(1, 0, 1), ceil_mode=True),
    dict(kernel_size=2, stride=2, dilation=(2, 1, 3), ceil_mode=True),
    dict(kernel_size=3, stride=3, padding=1, ceil_mode=True),  # a last window starting in the padding
    dict(kernel_size=(1, 3, 3), stride=(1, 2, 2), padding=(0, 1, 1)),  # a video stem's pool
]


@pytest.mark.parametrize("kw", MAX_CASES)
def test_max_pool3d_matches_torch(kw, rng, torch):
    x = rng.standard_normal((2, 3, 7, 6, 9))
    check_against_torch(lambda a: max_pool3d(a, **kw), lambda a: torch.nn.functional.max_pool3d(a, **kw), x)
    assert check_gradients(lambda a: max_pool3d(a, **kw), x[:1, :2])
    got = max_pool3d(gn.tensor(x), return_indices=True, **kw)[1]
    want = torch.nn.functional.max_pool3d(torch.tensor(x), return_indices=True, **kw)[1]
    np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_max_pool3d_nan_and_ties_as_torch(torch):
    x = np.zeros((1, 1, 2, 2, 4))  # all ties: the gradient goes to each window's first
    x[0, 0, 1, 1, 3] = np.nan
    check_against_torch(lambda a: max_pool3d(a, 2), lambda a: torch.nn.functional.max_pool3d(a, 2), x)


AVG_CASES = [
    dict(kernel_size=2),
    dict(kernel_size=3, stride=2, padding=1),
    dict(kernel_size=3, stride=2, padding=1, count_include_pad=False, ceil_mode=True),
    dict(kernel_size=(3, 2, 3), stride=(2, 1, 2), padding=(1, 0, 1), ceil_mode=True),
    dict(kernel_size=3, stride=2, padding=1, divisor_override=5, ceil_mode=True),
    dict(kernel_size=3, stride=3, padding=1, ceil_mode=True),
]


@pytest.mark.parametrize("kw", AVG_CASES)
def test_avg_pool3d_matches_torch(kw, rng, torch):
    x = rng.standard_normal((2, 3, 7, 6, 9))
    check_against_torch(lambda a: avg_pool3d(a, **kw), lambda a: torch.nn.functional.avg_pool3d(a, **kw), x)
    assert check_gradients(lambda a: avg_pool3d(a, **kw), x[:1, :2])


@pytest.mark.parametrize("size", [(3, 2, 4), 2, (None, 4, 3), (7, 6, 9), (1, 1, 1)])
def test_adaptive_max_pool3d_matches_torch(size, rng, torch):
    x = rng.standard_normal((2, 3, 7, 6, 9))
    check_against_torch(lambda a: adaptive_max_pool3d(a, size),
                        lambda a: torch.nn.functional.adaptive_max_pool3d(a, size), x)  # fmt: skip
    got = adaptive_max_pool3d(gn.tensor(x), size, return_indices=True)[1]
    want = torch.nn.functional.adaptive_max_pool3d(torch.tensor(x), size, return_indices=True)[1]
    np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_adaptive_max_pool3d_gradient(rng):
    assert check_gradients(lambda a: adaptive_max_pool3d(a, (2, 3, None)), rng.standard_normal((1, 2, 3, 5, 2)))


def test_pool3d_one_sample_and_float32(rng, torch):
    x = rng.standard_normal((3, 4, 5, 6)).astype(np.float32)
    for gfn, tfn in [(lambda a: F.max_pool3d(a, 2), lambda a: torch.nn.functional.max_pool3d(a, 2)),
                     (lambda a: F.avg_pool3d(a, 2), lambda a: torch.nn.functional.avg_pool3d(a, 2)),
                     (lambda a: F.adaptive_max_pool3d(a, 3),
                      lambda a: torch.nn.functional.adaptive_max_pool3d(a, 3))]:  # fmt: skip
        check_against_torch(gfn, tfn, x)
        t = gn.tensor(x, requires_grad=True)
        y = gfn(t)
        y.sum().backward()
        assert y.dtype == np.float32 and t.grad.dtype == np.float32


@pytest.mark.parametrize(
    "fn,match",
    [
        (lambda x: max_pool3d(x, 3, padding=2), "padding must be at most half"),
        (lambda x: max_pool3d(x, 5), r"kernel 5x5x5 is larger than the padded input 4x4x4"),
        (lambda x: avg_pool3d(x, 5, padding=2), r"input 4x4x4 is smaller than the kernel 5x5x5"),
        (lambda x: max_pool3d(x, 2, 1, 2, dilation=3), "padding must be at most half the kernel"),
        (lambda x: max_pool3d(x, (2, 2)), "kernel_size must be a positive int or 3"),
        (lambda x: avg_pool3d(x, 2, divisor_override=0), "divisor_override must be a non-zero int"),
        (lambda x: max_pool3d(x[0, 0], 2), r"expected input of shape \(N, C, D, H, W\)"),
        (lambda x: adaptive_max_pool3d(x, (2, 2)), "output_size must have 3 values"),
    ],
)
def test_pool3d_errors(fn, match):
    with pytest.raises(ValueError, match=match):
        fn(gn.zeros(1, 2, 4, 4, 4))


def _grads_match(gfn, tfn, x: np.ndarray, torch) -> None:
    g, t = gn.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    gfn(g).sum().backward()
    tfn(t).sum().backward()
    np.testing.assert_array_equal(g.grad.numpy(), t.grad.numpy())


@pytest.mark.parametrize("fill", [0.0, -np.inf])
def test_adaptive_max_pool_ties_send_the_gradient_to_the_first(fill, torch):
    """Tied maxima in a bin: the whole gradient to the first in row-major order, as torch
    (it was shared evenly among them, and taken per axis in the wrong order)."""
    tf = torch.nn.functional
    x = np.full((1, 2, 3, 5, 3), fill)
    x[0, 0, 0, 0, 0] = -np.inf
    _grads_match(lambda a: adaptive_max_pool3d(a, (2, 3, 2)), lambda a: tf.adaptive_max_pool3d(a, (2, 3, 2)), x, torch)
    _grads_match(lambda a: F.adaptive_max_pool2d(a[:, :, 0], (3, 2)),
                 lambda a: tf.adaptive_max_pool2d(a[:, :, 0], (3, 2)), x, torch)  # fmt: skip
    _grads_match(lambda a: F.adaptive_max_pool1d(a[:, :, 0, 0], 2),
                 lambda a: tf.adaptive_max_pool1d(a[:, :, 0, 0], 2), x, torch)  # fmt: skip


def test_max_pool3d_window_of_minus_inf_and_padding(torch):
    """A window holding only -inf and padding: the gradient to its first real position."""
    x = np.zeros((1, 1, 2, 3, 3))
    x[0, 0, 0, 0, 0] = -np.inf
    tf = torch.nn.functional
    for a in (x, np.full_like(x, -np.inf)):
        _grads_match(lambda t: max_pool3d(t, 2, 2, 1), lambda t: tf.max_pool3d(t, 2, 2, 1), a, torch)
        _grads_match(lambda t: max_pool3d(t, 3, 2, 1, ceil_mode=True),
                     lambda t: tf.max_pool3d(t, 3, 2, 1, ceil_mode=True), a, torch)  # fmt: skip


def test_pool3d_dtype_errors():
    with pytest.raises(TypeError, match="max_pool3d: expected a floating-point or integer input, got bool"):
        max_pool3d(gn.zeros(1, 1, 2, 2, 2) > 0, 2)
    with pytest.raises(TypeError, match="avg_pool3d: expected a floating-point input"):
        avg_pool3d(gn.tensor(np.ones((1, 1, 2, 2, 2), dtype=np.int64)), 2)


def test_pool3d_window_rules_are_torchs(rng, torch):
    """Which windows torch takes: in ceil_mode a dilated window may reach past the padding
    (one output position); padding is checked against the undilated kernel; avg_pool3d
    wants the input at least as large as the kernel."""
    tf = torch.nn.functional
    x = rng.standard_normal((1, 2, 3, 7, 2))
    kw = dict(kernel_size=(2, 3, 3), stride=(3, 1, 2), padding=(0, 1, 1), dilation=(1, 2, 2), ceil_mode=True)
    check_against_torch(lambda a: max_pool3d(a, **kw), lambda a: tf.max_pool3d(a, **kw), x)
    for bad in (lambda f, a: f.max_pool3d(a, 2, 1, 2, dilation=3),
                lambda f, a: f.avg_pool3d(a, (1, 3, 3), padding=(0, 1, 1))):  # fmt: skip
        with pytest.raises(RuntimeError):
            bad(tf, torch.tensor(x))
        with pytest.raises(ValueError):
            bad(F, gn.tensor(x))
