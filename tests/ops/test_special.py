"""erf, erfc, erfinv: accuracy against math.erf / math.erfc and torch, special values,
finite differences, dtypes."""

from __future__ import annotations

import math

import numpy as np
import pytest

import glassnet as gn
from glassnet.ops import special as S
from glassnet.testing import check_against_torch, check_gradients

_X = np.concatenate(
    [np.linspace(-30, 30, 60001), np.logspace(-300, 1.5, 600), -np.logspace(-300, 1.5, 600)]
)
_Y = np.concatenate(
    [
        np.linspace(-1, 1, 20001)[1:-1],
        1 - np.logspace(-16, -0.31, 600),
        np.logspace(-300, -0.3, 600),
    ]
)


def _relative(got: np.ndarray, want: np.ndarray) -> float:
    keep = np.isfinite(want) & (np.abs(want) > 1e-290)  # normal results
    return float(np.max(np.abs(got[keep] - want[keep]) / np.abs(want[keep])))


def test_erf_and_erfc_match_math_in_float64():
    assert _relative(S.erf_array(_X), np.array([math.erf(v) for v in _X])) < 2e-15
    assert _relative(S.erfc_array(_X), np.array([math.erfc(v) for v in _X])) < 5e-15


def test_erfinv_inverts_erf_in_float64():
    x = S.erfinv_array(_Y)
    assert _relative(S.erf_array(x), _Y) < 2e-15
    tail = _Y > 0.5  # there the check is on 1 - y, which erfc(x) must give to ~x^2 ulps
    assert _relative(S.erfc_array(x[tail]), 1 - _Y[tail]) < 5e-14


def test_special_values_are_torchs(torch):
    x = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 40.0, -40.0, 1e-310])
    for mine, theirs in ((S.erf_array, torch.erf), (S.erfc_array, torch.erfc)):
        np.testing.assert_array_equal(mine(x), theirs(torch.tensor(x)).numpy())
    y = np.array([0.0, -0.0, 1.0, -1.0, 1.5, -2.0, np.nan])
    np.testing.assert_array_equal(S.erfinv_array(y), torch.erfinv(torch.tensor(y)).numpy())
    assert np.signbit(S.erf_array(np.array([-0.0]))[0])


@pytest.mark.parametrize("name", ["erf", "erfc", "erfinv"])
def test_values_match_torch_in_float64_and_float32(name, torch):
    mine, theirs = getattr(S, f"{name}_array"), getattr(torch, name)
    x = _Y if name == "erfinv" else np.linspace(-8, 8, 20001)
    want = theirs(torch.tensor(x)).numpy()
    assert _relative(mine(x), want) < 5e-15
    x32 = x.astype(np.float32)
    got32 = mine(x32)
    assert got32.dtype == np.float32
    # float32 results are torch's float64 ones rounded: the correctly rounded value
    exact32 = theirs(torch.tensor(x32.astype(np.float64))).numpy().astype(np.float32)
    np.testing.assert_array_equal(got32, exact32)
    # and within one float32 rounding of torch's own float32 kernel where that one is accurate
    np.testing.assert_allclose(got32, theirs(torch.tensor(x32)).numpy(), rtol=3e-7, atol=1e-30)


@pytest.mark.parametrize("name", ["erf", "erfc", "erfinv"])
def test_gradients(name, rng, torch):
    x = rng.uniform(-0.95, 0.95, (3, 4)) if name == "erfinv" else rng.standard_normal((3, 4))
    check_gradients(getattr(S, name), x)
    check_against_torch(getattr(S, name), getattr(torch, name), x)


def test_methods_functions_and_inplace_twins():
    x = gn.tensor([0.25, -0.5, 1.0])
    assert np.allclose(gn.erf(x).numpy(), [math.erf(v) for v in (0.25, -0.5, 1.0)])
    assert np.allclose(x.erfc().numpy(), [math.erfc(v) for v in (0.25, -0.5, 1.0)])
    y = gn.tensor([0.25, -0.5, 0.0])
    np.testing.assert_allclose(gn.erf(y.erfinv()).numpy(), y.numpy(), atol=1e-7)
    z = x.clone()
    assert z.erf_() is z and np.allclose(z.numpy(), gn.erf(x).numpy())
    assert gn.erf(gn.tensor([1, 2])).dtype == np.float32  # integers: the default dtype


def test_float32_gradient_stays_float32():
    x = gn.tensor([0.1, 0.2], requires_grad=True)
    (gn.erf(x) + gn.erfc(x) + gn.erfinv(x)).sum().backward()
    assert x.grad.dtype == np.float32
