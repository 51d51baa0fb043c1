"""torch.special (glassnet.special) and torch.lgamma/digamma/polygamma/mvlgamma/sinc/exp2 and
their Tensor methods, against torch: values and gradients."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
import glassnet.special as S
from glassnet.testing import check_against_torch

_X = np.array([[-3.7, -1.2, -0.3, 0.0], [0.4, 1.0, 2.5, 6.0]])
_P = np.array([[0.05, 0.3, 0.5], [0.7, 0.95, 0.999]])

_UNARY = [
    "erf", "erfc", "expit", "gammaln", "digamma", "psi", "ndtr", "sinc", "log1p", "expm1", "exp2",
]  # fmt: skip


@pytest.mark.parametrize("name", _UNARY)
def test_unary_functions_match_torch(name, torch):
    x = np.abs(_X) - 0.9 if name == "log1p" else _X
    if name in ("gammaln", "digamma", "psi"):
        x = _X[_X != np.round(_X)]  # no poles
    check_against_torch(getattr(S, name), getattr(torch.special, name), x, rtol=1e-9, atol=1e-11)


def test_functions_of_probabilities_match_torch(torch):
    check_against_torch(S.erfinv, torch.special.erfinv, _P * 2 - 1, rtol=1e-9)
    check_against_torch(S.logit, torch.special.logit, _P, rtol=1e-9)
    check_against_torch(
        lambda p: S.logit(p, eps=0.1), lambda p: torch.special.logit(p, eps=0.1), _P, rtol=1e-9
    )
    check_against_torch(S.entr, torch.special.entr, _P, rtol=1e-9)


def test_entr_special_values(torch):
    x = np.array([-1.0, 0.0, 0.5, np.inf, np.nan])
    np.testing.assert_array_equal(
        S.entr(gn.tensor(x)).numpy(), torch.special.entr(torch.tensor(x)).numpy()
    )


def test_binary_and_reductions_match_torch(torch):
    y = np.abs(_X) + 0.1
    check_against_torch(S.xlogy, torch.special.xlogy, _X, y, rtol=1e-9)
    check_against_torch(S.xlog1py, torch.special.xlog1py, _X, y, rtol=1e-9)
    for f in ("logsumexp", "softmax", "log_softmax"):
        check_against_torch(
            lambda a, f=f: getattr(S, f)(a, 1), lambda a, f=f: getattr(torch.special, f)(a, 1), _X
        )
    check_against_torch(
        lambda a: S.polygamma(3, a), lambda a: torch.special.polygamma(3, a), _P, rtol=1e-9
    )
    check_against_torch(
        lambda a: S.multigammaln(a, 2), lambda a: torch.special.multigammaln(a, 2), _P + 1, rtol=1e-9
    )
    t = torch.tensor([1.23456, -2.5])
    assert S.round(gn.tensor(t.numpy()), decimals=2).tolist() == torch.special.round(t, decimals=2).tolist()


def test_xlogy_takes_a_number_and_zero_times_log_zero_is_zero(torch):
    x = np.array([0.0, 2.0])
    got = S.xlog1py(gn.tensor(x), -1.0).numpy()
    np.testing.assert_array_equal(got, torch.special.xlog1py(torch.tensor(x), -1.0).numpy())
    got = S.xlogy(3.0, gn.tensor(x)).numpy()
    np.testing.assert_array_equal(got, torch.special.xlogy(3.0, torch.tensor(x)).numpy())


def test_top_level_functions_and_methods_match_torch(torch):
    x = np.array([0.3, 1.7, 4.2])
    check_against_torch(lambda a: gn.lgamma(a) + a.lgamma(), lambda a: torch.lgamma(a) + a.lgamma(), x)
    check_against_torch(
        lambda a: gn.digamma(a) * a.polygamma(2) + gn.polygamma(1, a),
        lambda a: torch.digamma(a) * a.polygamma(2) + torch.polygamma(1, a),
        x,
    )
    check_against_torch(
        lambda a: gn.mvlgamma(a + 2, p=2) + (a + 2).mvlgamma(3) + a.sinc() + gn.exp2(a),
        lambda a: torch.mvlgamma(a + 2, p=2) + (a + 2).mvlgamma(3) + a.sinc() + torch.exp2(a),
        x,
    )
    assert gn.exp2(gn.tensor([3])).tolist() == torch.exp2(torch.tensor([3])).tolist()


def test_missing_special_functions_are_refused_by_name():
    from glassnet.cli.torch_alias import torch_aliases

    with torch_aliases():
        import torch

        assert torch.special.gammaln(torch.ones(2)).tolist() == [0.0, 0.0]
        with pytest.raises(NotImplementedError, match=r"torch\.special\.zeta is not available"):
            torch.special.zeta(torch.ones(2), torch.ones(2))


@pytest.mark.parametrize("scale", [0.1, 3.0, 40.0])
def test_matrix_exp_and_its_gradient_match_torch(scale, torch):
    a = np.random.default_rng(0).standard_normal((2, 4, 4)) * scale
    tol = 1e-9 * np.exp(4 * scale)  # the entries grow as exp(norm)
    check_against_torch(gn.matrix_exp, torch.matrix_exp, a, rtol=1e-9, atol=tol)
    check_against_torch(lambda x: x.matrix_exp(), lambda x: x.matrix_exp(), a[0], rtol=1e-9, atol=tol)
    check_against_torch(
        gn.linalg.matrix_exp, torch.linalg.matrix_exp, a[:, :2, :2], dtype=np.float32, atol=1e-4 * tol
    )


def test_matrix_exp_of_a_skew_matrix_is_orthogonal_and_bad_shapes_are_refused():
    a = gn.tensor(np.random.default_rng(1).standard_normal((3, 3)))
    q = gn.matrix_exp(a - a.T).numpy()
    np.testing.assert_allclose(q.T @ q, np.eye(3), atol=1e-5)
    with pytest.raises(ValueError, match=r"square matrices \(\.\.\., n, n\), got shape \(2, 3\)"):
        gn.matrix_exp(gn.ones(2, 3))
    with pytest.raises(TypeError, match="expected a floating tensor"):
        gn.matrix_exp(gn.tensor([[1, 2], [3, 4]]))
