"""log_ndtr and ndtri: accuracy against torch's float64 in both tails, special values,
gradients, dtypes."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.ops import normal_cdf as N
from glassnet.testing import check_against_torch, check_gradients


def _relative(got: np.ndarray, want: np.ndarray) -> float:
    keep = np.isfinite(want) & (np.abs(want) > 1e-290)
    return float(np.max(np.abs(got[keep] - want[keep]) / np.abs(want[keep])))


def test_log_ndtr_matches_torch_in_float64_far_into_both_tails(torch):
    x = np.concatenate([np.linspace(-300, 30, 6601), -np.logspace(-5, 2.5, 300)])
    want = torch.special.log_ndtr(torch.tensor(x)).numpy()
    # erfc(x / sqrt 2) for large x: both round x / sqrt 2, worth 2 t^2 ulps
    assert _relative(N.log_ndtr_array(x), want) < 3e-13
    assert _relative(N.log_ndtr_array(x[x < 5]), want[x < 5]) < 1e-14


def test_ndtri_matches_torch_in_float64_for_tiny_and_near_one_probabilities(torch):
    p = np.concatenate(
        [np.logspace(-300, -0.31, 1500), 1 - np.logspace(-16, -0.31, 300), np.linspace(1e-3, 0.999, 999)]
    )
    want = torch.special.ndtri(torch.tensor(p)).numpy()
    got = N.ndtri_array(p)
    assert _relative(got, want) < 1e-14 and np.max(np.abs(got - want)) < 5e-14


def test_special_values_are_torchs(torch):
    p = np.array([0.0, 1.0, -0.1, 1.1, np.nan, 0.5])
    np.testing.assert_array_equal(N.ndtri_array(p), torch.special.ndtri(torch.tensor(p)).numpy())
    x = np.array([-np.inf, np.inf, np.nan, 0.0, -40.0])
    want = torch.special.log_ndtr(torch.tensor(x)).numpy()
    np.testing.assert_allclose(N.log_ndtr_array(x), want, rtol=1e-15)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_values_and_gradients_match_torch(dtype, torch):
    x = np.array([[-45.0, -6.0, -1.5, -0.2], [0.0, 0.7, 3.0, 9.0]])
    p = np.array([[1e-30, 1e-5, 0.02, 0.3], [0.5, 0.77, 0.999, 1 - 1e-9]])
    tol = {"rtol": 1e-5, "atol": 1e-6} if dtype == np.float32 else {"rtol": 1e-10, "atol": 1e-12}
    check_against_torch(
        lambda a: gn.special.log_ndtr(a), torch.special.log_ndtr, x, dtype=dtype, **tol
    )
    if dtype == np.float32:
        p = p[:, :3]  # 1 - 1e-9 is 1 in float32
    check_against_torch(lambda a: gn.special.ndtri(a), torch.special.ndtri, p, dtype=dtype, **tol)


def test_gradients_by_central_differences():
    x = gn.tensor([-12.0, -2.0, 0.3, 4.0], dtype=gn.float64, requires_grad=True)
    assert check_gradients(lambda t: N.log_ndtr(t), x)
    p = gn.tensor([0.001, 0.2, 0.6, 0.97], dtype=gn.float64, requires_grad=True)
    assert check_gradients(lambda t: N.ndtri(t), p)


def test_integers_take_the_default_dtype_and_lists_are_refused():
    assert N.ndtri(gn.tensor([0, 1])).dtype == np.float32
    with pytest.raises(TypeError, match="log_ndtr: expected a Tensor, got list"):
        N.log_ndtr([0.0])
