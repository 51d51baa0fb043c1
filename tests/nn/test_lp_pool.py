"""``LPPool1d`` / ``LPPool2d`` and their functions against torch; gradients; ONNX; errors."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
import glassnet.nn as nn
import glassnet.nn.functional as F
from glassnet.testing import check_against_torch, check_gradients
from tests.nn.onnx_check import assert_onnx_matches

ARGS_2D = [
    (2, 3), (3.0, (2, 3), (1, 2)), (1.5, 3, 2, True), (1, (2, 1)), (4, 2, (1, 2), True),
    (float("inf"), 2, 1), (-float("inf"), (2, 3), None, True),
]  # fmt: skip
ARGS_1D = [
    (2, 3),
    (3.0, 2, 1),
    (1.5, 3, 2, True),
    (1, 4),
    (2, 2, 3),
    (float("inf"), 3, 2),
    (-float("inf"), 2),
]


def _pos(rng, *shape):
    # positive inputs: x ** p is real for any p (as in torch, negative x with a fractional p is NaN)
    return rng.uniform(0.2, 2.0, shape)


@pytest.mark.parametrize("shape", [(2, 3, 7, 6), (3, 7, 6)])
@pytest.mark.parametrize("args", ARGS_2D)
def test_lp_pool2d_matches_torch(shape, args, rng, torch):
    x = _pos(rng, *shape)
    check_against_torch(nn.LPPool2d(*args), torch.nn.LPPool2d(*args), x)
    check_against_torch(
        lambda t: F.lp_pool2d(t, *args), lambda t: torch.nn.functional.lp_pool2d(t, *args), x
    )


@pytest.mark.parametrize("shape", [(2, 3, 9), (3, 9)])
@pytest.mark.parametrize("args", ARGS_1D)
def test_lp_pool1d_matches_torch(shape, args, rng, torch):
    x = _pos(rng, *shape)
    check_against_torch(nn.LPPool1d(*args), torch.nn.LPPool1d(*args), x)
    check_against_torch(
        lambda t: F.lp_pool1d(t, *args), lambda t: torch.nn.functional.lp_pool1d(t, *args), x
    )


def test_signed_inputs_match_torch(rng, torch):
    x = rng.standard_normal((2, 2, 6, 6))
    check_against_torch(nn.LPPool2d(2, 2), torch.nn.LPPool2d(2, 2), x)
    check_against_torch(nn.LPPool1d(4, 3), torch.nn.LPPool1d(4, 3), x[0])
    inf = float("inf")
    check_against_torch(nn.LPPool2d(inf, 2), torch.nn.LPPool2d(inf, 2), x)
    check_against_torch(nn.LPPool1d(-inf, 3, 1), torch.nn.LPPool1d(-inf, 3, 1), x[0])


def test_odd_norm_keeps_the_sign_of_the_sum_as_torch(rng, torch):
    # a negative window sum stays negative, so its cube root is NaN in both frameworks
    x = rng.standard_normal((1, 2, 6, 6))
    with np.errstate(invalid="ignore"):
        got = F.lp_pool2d(gn.tensor(x), 3, 2).numpy()
    want = torch.nn.functional.lp_pool2d(torch.tensor(x), 3, 2).numpy()
    assert np.isnan(got).any() and np.isfinite(got).any()
    np.testing.assert_allclose(got, want, atol=1e-12)


def test_gradcheck(rng):
    check_gradients(lambda t: F.lp_pool2d(t, 2.5, (2, 3), 1), _pos(rng, 1, 2, 4, 5))
    check_gradients(lambda t: F.lp_pool1d(t, 3, 2, ceil_mode=True), _pos(rng, 2, 2, 5))


def test_float32_stays_float32():
    x = gn.tensor(np.ones((1, 2, 4, 4), np.float32), requires_grad=True)
    y = nn.LPPool2d(2, 2)(x)
    y.sum().backward()
    assert y.dtype == np.float32 and x.grad.dtype == np.float32
    np.testing.assert_allclose(y.numpy(), 2.0)  # sqrt of 4 ones


def test_onnx_export(rng, tmp_path):
    model = nn.Sequential(nn.Conv2d(2, 3, 1), nn.ReLU(), nn.LPPool2d(2, (2, 3), 1))
    x = rng.standard_normal((2, 2, 5, 6)).astype(np.float32)
    assert_onnx_matches(model, (x,), tmp_path, others=[(rng.standard_normal((1, 2, 5, 6)).astype(np.float32),)])  # fmt: skip
    model1 = nn.Sequential(nn.Conv1d(2, 3, 1), nn.Sigmoid(), nn.LPPool1d(3.0, 3, 2))
    x1 = rng.standard_normal((2, 2, 9)).astype(np.float32)
    assert_onnx_matches(model1, (x1,), tmp_path)


def test_repr():
    assert (
        repr(nn.LPPool2d(2, 3))
        == "LPPool2d(norm_type=2, kernel_size=3, stride=None, ceil_mode=False)"
    )
    assert repr(nn.LPPool1d(1.5, 2, 1, True)) == "LPPool1d(norm_type=1.5, kernel_size=2, stride=1, ceil_mode=True)"  # fmt: skip


@pytest.mark.parametrize(
    "make,exc,match",
    [
        (lambda: nn.LPPool2d(0, 2), ValueError, r"LPPool2d: norm_type must be a non-zero number, got 0"),
        (lambda: nn.LPPool1d(2, 0), ValueError, r"LPPool1d: kernel_size"),
        (lambda: nn.LPPool2d(2, 2, ceil_mode="yes"), TypeError, r"LPPool2d: ceil_mode"),
        (lambda: F.lp_pool2d(gn.zeros(4, 4), 2, 2), ValueError, r"lp_pool2d: expected input of shape \(N, C, H, W\) or \(C, H, W\), got \(4, 4\)"),
        (lambda: F.lp_pool1d(gn.zeros(4), 2, 2), ValueError, r"lp_pool1d: expected input of shape \(N, C, L\) or \(C, L\), got \(4,\)"),
    ],
)  # fmt: skip
def test_errors(make, exc, match):
    with pytest.raises(exc, match=match):
        make()
