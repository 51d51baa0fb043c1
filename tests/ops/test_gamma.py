"""lgamma, digamma, polygamma, mvlgamma: accuracy against torch's float64 (and mpmath where
installed), special values, gradients, dtypes and error messages."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.ops import gamma as G
from glassnet.testing import check_against_torch, check_gradients

_RNG = np.random.default_rng(0)
_X = np.concatenate(
    [
        _RNG.uniform(-60, 60, 3000),
        10 ** _RNG.uniform(-8, 8, 1000),
        -(10 ** _RNG.uniform(-3, 7, 1000)),
        np.linspace(0.01, 5, 800),
    ]
)
_X = _X[_X != np.round(_X)]  # no poles


def _errors(got: np.ndarray, want: np.ndarray) -> tuple[float, float]:
    """Largest relative error where ``|want| > 1`` and largest absolute error elsewhere."""
    big = np.abs(want) > 1
    rel = np.abs(got[big] - want[big]) / np.abs(want[big])
    return float(rel.max(initial=0.0)), float(np.abs(got[~big] - want[~big]).max(initial=0.0))


def test_lgamma_matches_torch_in_float64(torch):
    rel, abs_ = _errors(G.lgamma_array(_X), torch.lgamma(torch.tensor(_X)).numpy())
    assert rel < 1e-13 and abs_ < 5e-14


@pytest.mark.parametrize("n", [0, 2, 3, 5])
def test_polygamma_matches_torch_in_float64(n, torch):
    x = _X if n == 0 else _X[_X > -300]  # torch sums its series term by term for x < 0: slow
    rel, abs_ = _errors(G.polygamma_array(n, x), torch.polygamma(n, torch.tensor(x)).numpy())
    assert rel < 1e-12 and abs_ < 1e-13


def test_trigamma_matches_torch_to_its_accuracy(torch):
    # torch's float64 trigamma is accurate to 1e-9 only, less for large negative x (mpmath
    # below checks ours)
    rel, abs_ = _errors(G.polygamma_array(1, _X), torch.polygamma(1, torch.tensor(_X)).numpy())
    assert rel < 1e-6 and abs_ < 1e-8


@pytest.mark.parametrize("n", [0, 1, 4])
def test_polygamma_matches_mpmath(n):
    mpmath = pytest.importorskip("mpmath")
    x = _X[::40]
    x = np.concatenate([x[x > -1000], [1.4616321449683622, 0.3, 7.0, -27.4999, -987.4]])
    # (mpmath is slow for large negative x; those are checked against torch above)
    want = np.array([float(mpmath.polygamma(n, float(v))) for v in x])
    rel, abs_ = _errors(G.polygamma_array(n, x), want)
    assert rel < 1e-12 and abs_ < 1e-13


def test_lgamma_is_exactly_zero_at_one_and_two(torch):
    x = np.array([1.0, 2.0, 1.0 + 1e-9, 2.0 - 1e-9, 0.999, 2.2])
    want = torch.lgamma(torch.tensor(x)).numpy()
    np.testing.assert_array_equal(G.lgamma_array(x[:2]), [0.0, 0.0])
    np.testing.assert_allclose(G.lgamma_array(x), want, rtol=1e-14, atol=0)


def test_special_values_are_torchs(torch):
    x = np.array([0.0, -0.0, -1.0, -2.0, np.inf, -np.inf, np.nan, 1e-300, 1e308])
    t = torch.tensor(x)
    np.testing.assert_array_equal(G.lgamma_array(x), torch.lgamma(t).numpy())
    np.testing.assert_array_equal(G.digamma_array(x[[0, 1, 2, 4, 5, 6]]),
                                  torch.digamma(t[[0, 1, 2, 4, 5, 6]]).numpy())  # fmt: skip
    for n in (2, 3, 4):  # the poles and nan (torch's odd orders at -inf/inf differ by n)
        np.testing.assert_array_equal(
            G.polygamma_array(n, x[[0, 1, 2, 3, 6]]), torch.polygamma(n, t[[0, 1, 2, 3, 6]]).numpy()
        )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_functions_and_gradients_match_torch(dtype, torch):
    x = np.array([[0.3, 1.7, 4.2], [-0.4, -2.6, 12.5]])
    tol = {"rtol": 1e-5, "atol": 1e-5} if dtype == np.float32 else {"rtol": 1e-8, "atol": 1e-10}
    check_against_torch(lambda a: gn.lgamma(a), torch.lgamma, x, dtype=dtype, **tol)
    check_against_torch(lambda a: a.digamma(), torch.digamma, x, dtype=dtype, **tol)
    check_against_torch(
        lambda a: gn.polygamma(2, a), lambda a: torch.polygamma(2, a), x, dtype=dtype, **tol
    )
    check_against_torch(
        lambda a: a.mvlgamma(p=3), lambda a: a.mvlgamma(p=3), x + 5.0, dtype=dtype, **tol
    )


def test_gradients_by_central_differences():
    a = gn.tensor([[0.4, 2.3, 9.0], [-0.3, -1.5, -3.7]], dtype=gn.float64, requires_grad=True)
    assert check_gradients(lambda t: gn.lgamma(t), a)
    assert check_gradients(lambda t: gn.digamma(t), a)
    assert check_gradients(lambda t: gn.polygamma(3, t), a)
    b = gn.tensor([2.5, 4.0], dtype=gn.float64, requires_grad=True)
    assert check_gradients(lambda t: gn.mvlgamma(t, 4), b)


def test_dtypes_follow_torch():
    x = gn.tensor([1.5, 2.5], dtype=gn.float32, requires_grad=True)
    y = gn.lgamma(x)
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32
    assert gn.tensor([1, 2, 3]).lgamma().dtype == np.float32  # integers: the default dtype
    assert gn.polygamma(1, gn.tensor([1, 2])).dtype == np.float32


def test_errors_name_the_argument():
    x = gn.tensor([1.0, 2.0])
    with pytest.raises(ValueError, match="polygamma: n must be an integer >= 0, got -1"):
        gn.polygamma(-1, x)
    with pytest.raises(ValueError, match="mvlgamma: p must be an integer >= 1"):
        gn.mvlgamma(x, 0)
    with pytest.raises(ValueError, match=r"greater than \(p-1\)/2 = 1.0 for p=3"):
        gn.mvlgamma(x, 3)
    with pytest.raises(TypeError, match="lgamma: expected a Tensor"):
        G.lgamma([1.0])


def test_not_exportable_says_why():
    from glassnet.io.onnx_registry import not_exportable_reason

    assert "no ONNX operator" in not_exportable_reason(G.Lgamma)


@pytest.mark.parametrize("value", [2.0, 1.0, 0.7, 2.4, -0.5, 3.0])
def test_zero_dim_tensors_near_the_zeros(value, torch):
    """A 0-d lgamma in [0.5, 2.5] (or reflected there) failed assigning into a NumPy scalar
    (Gamma(2., rate).log_prob(0-d value) in a script); values and gradients are torch's."""
    for dtype in (np.float64, np.float32):
        check_against_torch(lambda x: x.lgamma(), lambda x: x.lgamma(), np.array(value, dtype))
    assert G.lgamma_array(np.array(value)).shape == ()
