"""``glassnet.ops.linalg`` (inv, det, slogdet, solve): central differences in float64 and
agreement with ``torch.linalg``, batched and not; singular matrices and bad shapes."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.testing import check_against_torch, check_gradients, torch_available

R = np.random.default_rng(0)
M = np.eye(4) * 2 + R.standard_normal((3, 4, 4)) * 0.4  # a batch of well-conditioned matrices
B = R.standard_normal((3, 4, 2))


def test_gradients_by_central_differences():
    assert check_gradients(lambda a: gn.linalg.inv(a), M[0])
    assert check_gradients(lambda a: gn.linalg.det(a), M)
    assert check_gradients(lambda a: gn.linalg.slogdet(a)[1], M)
    assert check_gradients(lambda a, b: gn.linalg.solve(a, b), M, B)
    assert check_gradients(lambda a, b: gn.linalg.solve(a, b), M[0], B[0, :, 0])  # a vector b


def test_det_gradient_of_a_singular_matrix_is_the_cofactor_matrix():
    a = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]])  # rank 2
    t = gn.tensor(a, requires_grad=True)
    gn.linalg.det(t).backward()
    cof = np.array(
        [
            [np.linalg.det(np.delete(np.delete(a, i, 0), j, 1)) * (-1) ** (i + j) for j in range(3)]
            for i in range(3)
        ]
    )
    np.testing.assert_allclose(t.grad.numpy(), cof, atol=1e-12)


@pytest.mark.skipif(not torch_available(), reason="needs torch")
def test_agrees_with_torch():
    import torch

    check_against_torch(gn.linalg.inv, torch.linalg.inv, M)
    check_against_torch(gn.linalg.det, torch.linalg.det, M)
    check_against_torch(lambda a: gn.linalg.slogdet(a)[1], lambda a: torch.linalg.slogdet(a)[1], M)
    check_against_torch(gn.linalg.solve, torch.linalg.solve, M, B)
    check_against_torch(gn.linalg.solve, torch.linalg.solve, M[0], B[0, :, 0])
    check_against_torch(
        lambda a: a.inverse() * a.det()[..., None, None],
        lambda a: a.inverse() * a.det()[..., None, None],
        M,
    )
    neg = M.copy()
    neg[0] = -neg[0, ::-1]  # some determinants negative
    check_against_torch(gn.logdet, torch.logdet, np.abs(M), grad=True)
    np.testing.assert_array_equal(
        gn.slogdet(gn.tensor(neg))[0].numpy(), torch.linalg.slogdet(torch.tensor(neg))[0].numpy()
    )


def test_slogdet_is_a_named_pair_as_torchs(torch):
    """``slogdet(a).sign`` / ``.logabsdet``, from torch.slogdet, linalg.slogdet and the method."""
    for lib in (gn, torch):
        for result in (lib.slogdet(lib.tensor(M)), lib.linalg.slogdet(lib.tensor(M)),
                       lib.tensor(M).slogdet()):  # fmt: skip
            sign, logabsdet = result
            assert result.sign is sign and result.logabsdet is logabsdet
    got, want = gn.linalg.slogdet(gn.tensor(-M)), torch.linalg.slogdet(torch.tensor(-M))
    np.testing.assert_array_equal(got.sign.numpy(), want.sign.numpy())
    np.testing.assert_allclose(got.logabsdet.numpy(), want.logabsdet.numpy(), rtol=1e-12)


def test_errors_name_the_function_and_the_shape():
    with pytest.raises(
        ValueError, match=r"linalg.inv: expected a square matrix .* got shape \(3, 4\)"
    ):
        gn.linalg.inv(gn.zeros((3, 4)))
    with pytest.raises(TypeError, match="linalg.det: expected a floating tensor, got dtype int64"):
        gn.linalg.det(gn.tensor([[1, 2], [3, 4]]))
    with pytest.raises(
        ValueError, match=r"linalg.solve: a has shape \(4, 4\) but b has shape \(3,\)"
    ):
        gn.linalg.solve(gn.tensor(M[0]), gn.zeros(3, dtype=gn.float64))
    with pytest.raises(np.linalg.LinAlgError):
        gn.linalg.inv(gn.zeros((2, 2)))
