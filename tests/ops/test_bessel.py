"""i0, i0e, i1, i1e (``glassnet/ops/bessel.py``): values against torch's float64 over both
branches (series to |x| = 30, expansion beyond), the special values, gradients against torch
and by central differences, dtypes, the names under ``torch.special`` / ``torch.i0`` /
``Tensor.i0``, and the errors."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.ops import bessel as B
from glassnet.testing import check_against_torch, check_gradients

_RNG = np.random.default_rng(0)
_X = np.concatenate([
    _RNG.uniform(-60, 60, 3000), 10 ** _RNG.uniform(-8, 2.85, 1500),
    -(10 ** _RNG.uniform(-8, 2.85, 500)), [0.0, -0.0, 29.999, 30.0, 30.001, -30.0001],
])  # fmt: skip
NAMES = ["i0", "i0e", "i1", "i1e"]


@pytest.mark.parametrize("name", NAMES)
def test_values_match_torch_in_float64(name, torch):
    got = getattr(B, name)(gn.tensor(_X)).numpy()
    want = getattr(torch.special, name)(torch.tensor(_X)).numpy()
    nonzero = want != 0
    rel = np.abs(got[nonzero] - want[nonzero]) / np.abs(want[nonzero])
    assert rel.max() < 1e-13, _X[nonzero][rel.argmax()]
    np.testing.assert_array_equal(got[~nonzero], want[~nonzero])


@pytest.mark.parametrize("name", NAMES)
def test_special_values_are_torchs(name, torch):
    x = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 713.0, 714.0, -714.0, -1e300])
    got = getattr(B, name)(gn.tensor(x)).numpy()
    want = getattr(torch.special, name)(torch.tensor(x)).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-13, equal_nan=True)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_values_and_gradients_match_torch(name, dtype, torch):
    x = np.concatenate([_RNG.uniform(-40, 40, 40), [0.0, 1e-7, -2.5, 35.0]]).astype(dtype)
    check_against_torch(getattr(gn.special, name), getattr(torch.special, name), x)


def test_gradients_by_central_differences():
    small = np.concatenate([_RNG.uniform(-8, 8, 12), [0.0]])
    wide = np.concatenate([small, _RNG.uniform(-50, 50, 6)])  # both branches of the scaled
    for name in NAMES:
        check_gradients(getattr(gn.special, name), small if name in ("i0", "i1") else wide)


def test_dtypes_names_and_errors(torch):
    x = gn.tensor([0.5, -1.5], dtype=gn.float32, requires_grad=True)
    y = gn.special.i1e(x)
    y.sum().backward()
    assert y.dtype == gn.float32 and x.grad.dtype == gn.float32
    ints = gn.tensor([1, 2])
    assert gn.i0(ints).dtype == gn.float32  # as torch.i0 of an int tensor
    np.testing.assert_allclose(gn.i0(ints).numpy(), torch.i0(torch.tensor([1, 2])).numpy(), rtol=1e-6)
    np.testing.assert_allclose(x.detach().i0().numpy(), torch.tensor([0.5, -1.5]).i0().numpy(), rtol=1e-6)
    with pytest.raises(TypeError, match="torch.special.i1: expected a Tensor, got list"):
        gn.special.i1([1.0])
    with pytest.raises(TypeError, match="i0e: expected a Tensor, got float"):
        B.i0e(1.0)
