"""``glassnet.ops.decomp`` (cholesky, eigh, svd, qr) and what ``glassnet.linalg`` builds on
them: central differences in float64, agreement with ``torch.linalg`` (values and
gradients, through quantities that do not depend on the sign of a singular vector or an
eigenvector), shapes of every mode, and the errors.
"""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.testing import check_against_torch, check_gradients, torch_available

R = np.random.default_rng(1)
SQ = R.standard_normal((2, 4, 4))
SPD = SQ @ SQ.swapaxes(-1, -2) + 4 * np.eye(4)  # symmetric positive definite
SYM = SQ + SQ.swapaxes(-1, -2)  # symmetric, distinct eigenvalues (almost surely)
TALL = R.standard_normal((2, 5, 3))
WIDE = R.standard_normal((2, 3, 5))
needs_torch = pytest.mark.skipif(not torch_available(), reason="needs torch")


def _svd_invariant(lib, full: bool = False):
    """``U^2``, ``S``, ``Vh^2`` over the first k columns / rows: unchanged when a pair of
    singular vectors flips sign."""

    def fn(a):
        u, s, vh = lib.linalg.svd(a, full_matrices=full)
        k = s.shape[-1]
        return u[..., :k] ** 2, s, vh[..., :k, :] ** 2

    return fn


def _eigh_invariant(lib, uplo: str = "L"):
    def fn(a):
        w, v = lib.linalg.eigh(a, UPLO=uplo)
        return w, v**2

    return fn


def test_gradients_by_central_differences():
    # cholesky and eigh read one triangle: differentiate a symmetric parametrisation
    assert check_gradients(lambda a: gn.linalg.cholesky(a + a.mT), SPD / 2)
    assert check_gradients(lambda a: gn.linalg.cholesky(a + a.mT, upper=True), SPD[0] / 2)
    assert check_gradients(lambda a: _eigh_invariant(gn)(a + a.mT)[1], SQ)
    assert check_gradients(lambda a: gn.linalg.eigvalsh(a + a.mT), SQ)
    for a in (TALL, WIDE, SQ):
        assert check_gradients(lambda a: _svd_invariant(gn)(a)[0], a)
        assert check_gradients(lambda a: _svd_invariant(gn)(a)[2], a)
        assert check_gradients(lambda a: gn.linalg.svdvals(a), a)
        assert check_gradients(lambda a: gn.linalg.qr(a)[0], a)
        assert check_gradients(lambda a: gn.linalg.qr(a)[1], a)
    assert check_gradients(lambda a: gn.linalg.pinv(a), TALL)


@needs_torch
def test_decompositions_agree_with_torch():
    import torch

    check_against_torch(gn.linalg.cholesky, torch.linalg.cholesky, SPD)
    check_against_torch(
        lambda a: gn.linalg.cholesky(a, upper=True), lambda a: torch.linalg.cholesky(a, upper=True),
        SPD,
    )  # fmt: skip
    for uplo in ("L", "U"):
        check_against_torch(_eigh_invariant(gn, uplo), _eigh_invariant(torch, uplo), SYM)
    check_against_torch(gn.linalg.eigvalsh, torch.linalg.eigvalsh, SYM)
    for a in (TALL, WIDE, SQ):
        check_against_torch(_svd_invariant(gn), _svd_invariant(torch), a)
        check_against_torch(_svd_invariant(gn, True), _svd_invariant(torch, True), a)
        check_against_torch(gn.linalg.svdvals, torch.linalg.svdvals, a)
        check_against_torch(lambda x: tuple(gn.linalg.qr(x)), lambda x: tuple(torch.linalg.qr(x)), a)
    check_against_torch(  # U alone, and Vh alone: the one-sided terms of the formula
        lambda a: gn.linalg.svd(a, False)[0] ** 2, lambda a: torch.linalg.svd(a, False)[0] ** 2,
        TALL,
    )  # fmt: skip
    check_against_torch(
        lambda a: gn.linalg.svd(a, False)[2] ** 2, lambda a: torch.linalg.svd(a, False)[2] ** 2,
        WIDE,
    )  # fmt: skip
    check_against_torch(
        lambda a: tuple(gn.linalg.qr(a, "complete")), lambda a: tuple(torch.linalg.qr(a, "complete")),
        WIDE,
    )  # fmt: skip


@needs_torch
def test_composed_functions_agree_with_torch():
    import torch

    check_against_torch(gn.linalg.pinv, torch.linalg.pinv, TALL)
    check_against_torch(gn.linalg.pinv, torch.linalg.pinv, WIDE)
    for ord_ in ("nuc", 2, -2):
        check_against_torch(
            lambda a, o=ord_: gn.linalg.matrix_norm(a, o),
            lambda a, o=ord_: torch.linalg.matrix_norm(a, o),
            TALL,
        )
    check_against_torch(
        lambda a: gn.linalg.norm(a, "nuc", dim=(0, 2), keepdim=True),
        lambda a: torch.linalg.norm(a, "nuc", dim=(0, 2), keepdim=True),
        TALL,
    )
    for p in (None, 2, -2, "fro", 1, float("inf")):
        check_against_torch(  # torch's own backward of cond with a norm p fails (in place)
            lambda a, p=p: gn.linalg.cond(a, p), lambda a, p=p: torch.linalg.cond(a, p), SQ,
            grad=p in (None, 2, -2),
        )  # fmt: skip
    b = R.standard_normal((2, 5, 2))
    for driver in ("gelsy", "gelsd"):
        check_against_torch(
            lambda a, b, d=driver: tuple(gn.linalg.lstsq(a, b, driver=d)[:2]),
            lambda a, b, d=driver: tuple(torch.linalg.lstsq(a, b, driver=d)[:2]),
            TALL, b,
        )  # fmt: skip
    check_against_torch(
        lambda a: gn.linalg.matrix_power(a, 3), lambda a: torch.linalg.matrix_power(a, 3), SQ
    )
    check_against_torch(
        lambda a: gn.linalg.matrix_power(a, -2), lambda a: torch.linalg.matrix_power(a, -2), SPD
    )
    check_against_torch(
        lambda a, b: gn.linalg.multi_dot([a, b, a]), lambda a, b: torch.linalg.multi_dot([a, b, a]),
        SQ[0], SPD[0],
    )  # fmt: skip


@needs_torch
def test_torch_top_level_names_and_methods():
    import torch

    check_against_torch(
        lambda a: (gn.svd(a).U ** 2, gn.svd(a).S, gn.svd(a).V ** 2),
        lambda a: (torch.svd(a).U ** 2, torch.svd(a).S, torch.svd(a).V ** 2),
        TALL,
    )
    check_against_torch(lambda a: tuple(a.qr()), lambda a: tuple(torch.linalg.qr(a)), TALL)
    check_against_torch(lambda a: a.cholesky(), lambda a: torch.linalg.cholesky(a), SPD)
    check_against_torch(lambda a: a.pinverse(), lambda a: a.pinverse(), WIDE)
    low = np.linalg.cholesky(SPD)
    b = R.standard_normal((2, 4, 3))
    check_against_torch(gn.cholesky_solve, torch.cholesky_solve, b, low)
    check_against_torch(
        lambda b, u: gn.cholesky_solve(b, u, upper=True),
        lambda b, u: torch.cholesky_solve(b, u, upper=True),
        b, low.swapaxes(-1, -2),
    )  # fmt: skip
    check_against_torch(gn.cholesky_inverse, torch.cholesky_inverse, low[0])
    a = gn.tensor(TALL)
    t = torch.tensor(TALL)
    np.testing.assert_array_equal(gn.linalg.matrix_rank(a).numpy(), torch.linalg.matrix_rank(t))
    np.testing.assert_array_equal(
        gn.linalg.lstsq(a, gn.tensor(TALL[..., :1])).rank.numpy(),
        torch.linalg.lstsq(t, t[..., :1]).rank,
    )
    z = torch.svd(t, compute_uv=False)
    g = gn.svd(a, compute_uv=False)
    np.testing.assert_array_equal(g.U.numpy(), z.U.numpy())
    np.testing.assert_allclose(g.S.numpy(), z.S.numpy(), atol=1e-12)


def test_shapes_dtypes_and_named_fields():
    a = gn.tensor(TALL.astype(np.float32), requires_grad=True)
    u, s, vh = gn.linalg.svd(a)
    assert (u.shape, s.shape, vh.shape) == ((2, 5, 5), (2, 3), (2, 3, 3))
    assert gn.linalg.svd(a, full_matrices=False).U.shape == (2, 5, 3)
    assert gn.linalg.qr(a, "complete").Q.shape == (2, 5, 5)
    assert gn.linalg.qr(a, "r").Q.shape == (0,)
    r = gn.linalg.qr(a, "r").R
    assert r.shape == (2, 3, 3)
    (s.sum() + r.sum()).backward()
    assert a.grad.dtype == np.float32 and s.dtype == np.float32
    assert gn.linalg.eigh(gn.tensor(SYM)).eigenvectors.shape == (2, 4, 4)
    assert gn.linalg.matrix_rank(gn.tensor(np.ones((3, 3)))).item() == 1
    assert gn.linalg.matrix_power(gn.tensor(SQ), 0).numpy().tolist() == [np.eye(4).tolist()] * 2


def test_rank_deficient_matrices():
    a = np.array([[1.0, 2.0], [2.0, 4.0], [0.0, 0.0]])
    np.testing.assert_allclose(gn.linalg.pinv(gn.tensor(a)).numpy(), np.linalg.pinv(a), atol=1e-12)
    res = gn.linalg.lstsq(gn.tensor(a), gn.tensor(np.ones((3, 1))), driver="gelsd")
    assert res.residuals.shape == (0,) and res.rank.item() == 1


def test_errors_name_the_function_and_what_came():
    with pytest.raises(gn.linalg.LinAlgError, match="linalg.cholesky: .*not positive-definite"):
        gn.linalg.cholesky(gn.tensor(-np.eye(3)))
    with pytest.raises(np.linalg.LinAlgError):  # NumPy's class catches it too
        gn.linalg.cholesky(gn.tensor(-np.eye(3)))
    with pytest.raises(ValueError, match=r"linalg.eigh: expected a square matrix .* \(2, 3\)"):
        gn.linalg.eigh(gn.zeros((2, 3)))
    with pytest.raises(ValueError, match="UPLO must be 'L' or 'U', got 'X'"):
        gn.linalg.eigh(gn.tensor(SYM), UPLO="X")
    with pytest.raises(ValueError, match=r"linalg.svd: expected \(\.\.\., m, n\), got shape \(3,\)"):
        gn.linalg.svd(gn.zeros(3))
    with pytest.raises(TypeError, match="linalg.qr: expected a floating tensor, got dtype int64"):
        gn.linalg.qr(gn.tensor([[1, 2], [3, 4]]))
    with pytest.raises(ValueError, match="mode must be 'reduced', 'complete' or 'r', got 'full'"):
        gn.linalg.qr(gn.tensor(TALL), "full")
    a = gn.tensor(TALL, requires_grad=True)
    q, r = gn.linalg.qr(a, "complete")
    with pytest.raises(RuntimeError, match="not differentiable when mode='complete'"):
        q.sum().backward()
    with pytest.raises(ValueError, match="linalg.lstsq: driver must be"):
        gn.linalg.lstsq(gn.tensor(TALL), gn.tensor(TALL), driver="lapack")
    with pytest.raises(TypeError, match="matrix_power: n must be an int, got 1.5"):
        gn.linalg.matrix_power(gn.tensor(SQ), 1.5)


def test_a_script_gets_torch_linalg_and_a_clear_refusal_of_eig():
    from glassnet.cli.torch_alias import TorchAPIMissing, torch_aliases

    with torch_aliases():
        import torch

        a = torch.tensor(SPD[0])
        u, s, vh = torch.linalg.svd(a)
        assert torch.dist(u @ torch.diag(s) @ vh, a).item() < 1e-12
        try:
            torch.linalg.cholesky(-a)
        except torch.linalg.LinAlgError as err:
            assert "not positive-definite" in str(err)
        with pytest.raises(TorchAPIMissing, match="torch.linalg.eig .*glassnet.linalg.eigh"):
            torch.linalg.eig(a)


@needs_torch
def test_dist_agrees_with_torch():
    import torch

    for p in (2, 1, 3.5, float("inf"), 0):
        check_against_torch(
            lambda a, b, p=p: gn.dist(a, b, p), lambda a, b, p=p: torch.dist(a, b, p),
            TALL, TALL[:1] * 0.5, grad=p != 0,
        )  # fmt: skip
    check_against_torch(lambda a, b: a.dist(b), lambda a, b: a.dist(b), TALL, WIDE.mT)


@needs_torch
@pytest.mark.parametrize(
    "upper,left,unit", [(False, True, False), (True, True, False), (False, False, True),
                        (True, False, True)],
)  # fmt: skip
def test_solve_triangular_against_torch(upper, left, unit):
    """linalg.solve_triangular reads one triangle (ones on the diagonal when unitriangular),
    broadcasts batch dims, and its gradient reaches only the triangle read (torch's)."""
    import torch

    a = SQ + 3 * np.eye(4)  # (2, 4, 4); the other triangle holds values that must be ignored
    b = R.standard_normal((1, 4, 3)) if left else R.standard_normal((1, 3, 4))
    opts = dict(upper=upper, left=left, unitriangular=unit)
    check_against_torch(
        lambda a, b: gn.linalg.solve_triangular(a, b, **opts),
        lambda a, b: torch.linalg.solve_triangular(a, b, **opts),
        a, b,
    )  # fmt: skip
    check_gradients(lambda a, b: gn.linalg.solve_triangular(a, b, **opts), a, b)


def test_solve_triangular_out_and_errors():
    low = gn.tensor(np.tril(SPD[0]))
    b = gn.tensor(R.standard_normal((4, 2)))
    out = gn.empty(4, 2, dtype=gn.float64)
    got = gn.linalg.solve_triangular(low, b, upper=False, out=out)
    assert got is out
    np.testing.assert_allclose(low.numpy() @ out.numpy(), b.numpy(), atol=1e-12)
    with pytest.raises(TypeError, match="solve_triangular: expected A and B of the same dtype"):
        gn.linalg.solve_triangular(low, b.float(), upper=False)
    with pytest.raises(ValueError, match="solve_triangular: expected a square matrix"):
        gn.linalg.solve_triangular(b, b, upper=False)
