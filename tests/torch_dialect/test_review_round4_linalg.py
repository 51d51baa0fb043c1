"""Review round 4: ``torch.linalg`` and the top-level decompositions against torch --
torch's keyword names, ``out=``, batch broadcasting in ``solve``/``cholesky_solve``,
``lstsq``'s ``gels`` driver, integer ``matrix_power``, ``norm(p='nuc')`` and clear refusals
where torch refuses."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn

RNG = np.random.default_rng(11)
M43 = RNG.standard_normal((4, 3))
_B = RNG.standard_normal((2, 3, 3))
SPD = _B @ _B.transpose(0, 2, 1) + 3 * np.eye(3)


def _np(x):
    return np.asarray(x.detach().numpy())


KEYWORDS = [
    ("linalg.cholesky", lambda lib, a: lib.linalg.cholesky(input=a), SPD),
    ("linalg.eigvalsh", lambda lib, a: lib.linalg.eigvalsh(input=a, UPLO="U"), SPD),
    ("linalg.eigh", lambda lib, a: lib.linalg.eigh(input=a).eigenvalues, SPD),
    ("linalg.svdvals", lambda lib, a: lib.linalg.svdvals(A=a), M43),
    ("linalg.svd", lambda lib, a: lib.linalg.svd(A=a, full_matrices=False).S, M43),
    ("linalg.qr", lambda lib, a: lib.linalg.qr(A=a).R.abs(), M43),
    ("linalg.pinv", lambda lib, a: lib.linalg.pinv(input=a, hermitian=False), M43),
    ("linalg.pinv rcond", lambda lib, a: lib.linalg.pinv(a, rcond=0.5), M43),
    ("linalg.matrix_rank", lambda lib, a: lib.linalg.matrix_rank(input=a), M43),
    ("linalg.cond", lambda lib, a: lib.linalg.cond(input=a, p=2), SPD),
    ("linalg.matrix_power", lambda lib, a: lib.linalg.matrix_power(input=a, n=2), SPD),
    ("linalg.lstsq", lambda lib, a: lib.linalg.lstsq(input=a, b=a[..., :2]).solution, M43),
    ("svd", lambda lib, a: lib.svd(input=a).S, M43),
    ("pinverse", lambda lib, a: lib.pinverse(input=a), M43),
    ("cholesky_inverse", lambda lib, a: lib.cholesky_inverse(input=lib.linalg.cholesky(a)), SPD),
    (
        "cholesky_solve",
        lambda lib, a: lib.cholesky_solve(input=a[..., :2], input2=lib.linalg.cholesky(a)),
        SPD,
    ),
]


@pytest.mark.parametrize("name, call, data", KEYWORDS, ids=[k[0] for k in KEYWORDS])
def test_torch_keyword_names_are_accepted(name, call, data):
    torch = pytest.importorskip("torch")
    want = call(torch, torch.tensor(data))
    got = call(gn, gn.tensor(data))
    assert str(got.dtype) == str(want.dtype).split(".")[-1]
    np.testing.assert_allclose(_np(got), want.numpy(), rtol=1e-6, atol=1e-8)


OUTS = [
    ("svdvals", lambda lib, a, out: lib.linalg.svdvals(a, out=out), M43, (3,)),
    ("cholesky", lambda lib, a, out: lib.linalg.cholesky(a, out=out), SPD, (2, 3, 3)),
    ("pinv", lambda lib, a, out: lib.linalg.pinv(a, out=out), M43, (3, 4)),
    ("matrix_norm", lambda lib, a, out: lib.linalg.matrix_norm(a, "nuc", out=out), M43, ()),
]


@pytest.mark.parametrize("name, call, data, shape", OUTS, ids=[o[0] for o in OUTS])
def test_out_argument_is_written(name, call, data, shape):
    torch = pytest.importorskip("torch")
    t_out = torch.empty(shape, dtype=torch.float64)
    g_out = gn.empty(shape, dtype=gn.float64)
    want = call(torch, torch.tensor(data), t_out)
    got = call(gn, gn.tensor(data), g_out)
    assert got is g_out and want is t_out
    np.testing.assert_allclose(g_out.numpy(), t_out.numpy(), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize(
    "a_shape, b_shape", [((2, 3, 3), (3, 2)), ((2, 1, 3, 3), (1, 3, 2)), ((3, 3), (4, 3, 1))]
)
@pytest.mark.parametrize("how", ["solve", "cholesky_solve"])
def test_batch_dims_broadcast_with_gradients_as_in_torch(a_shape, b_shape, how):
    torch = pytest.importorskip("torch")
    g = RNG.standard_normal(a_shape)
    a = g @ np.swapaxes(g, -1, -2) + 3 * np.eye(3)
    b = RNG.standard_normal(b_shape)
    results = []
    for lib in (torch, gn):
        ta, tb = lib.tensor(a, requires_grad=True), lib.tensor(b, requires_grad=True)
        if how == "solve":
            x = lib.linalg.solve(ta, tb)
        else:
            x = lib.cholesky_solve(tb, lib.linalg.cholesky(ta))
        (x * x).sum().backward()
        results.append([_np(x), _np(ta.grad), _np(tb.grad)])
    for want, got in zip(*results):
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-9)


def test_solve_takes_a_batch_of_vectors_only_when_shaped_as_the_batch():
    torch = pytest.importorskip("torch")
    a = SPD
    for b in (RNG.standard_normal((2, 3)), RNG.standard_normal(3)):
        want = torch.linalg.solve(torch.tensor(a), torch.tensor(b))
        got = gn.linalg.solve(gn.tensor(a), gn.tensor(b))
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-8)


@pytest.mark.parametrize("b_shape", [(5, 2), (5,)])
def test_lstsq_gels_gives_residuals_and_an_empty_int64_rank_as_torch(b_shape):
    torch = pytest.importorskip("torch")
    a, b = RNG.standard_normal((5, 3)), RNG.standard_normal(b_shape)
    want = torch.linalg.lstsq(torch.tensor(a), torch.tensor(b), driver="gels")
    got = gn.linalg.lstsq(gn.tensor(a), gn.tensor(b), driver="gels")
    for w, g in zip(want, got):
        assert str(g.dtype) == str(w.dtype).split(".")[-1]
        assert tuple(g.shape) == tuple(w.shape)
        np.testing.assert_allclose(_np(g), w.numpy(), rtol=1e-6, atol=1e-9)


def test_integer_matrix_power_and_a_new_tensor_for_power_one():
    torch = pytest.importorskip("torch")
    m = np.arange(8).reshape(2, 2, 2)
    for n in (0, 1, 3):
        want = torch.linalg.matrix_power(torch.tensor(m), n)
        got = gn.linalg.matrix_power(gn.tensor(m), n)
        assert str(got.dtype) == "int64"
        np.testing.assert_array_equal(got.numpy(), want.numpy())
    x = gn.tensor(SPD)
    assert gn.linalg.matrix_power(x, 1) is not x
    with pytest.raises(TypeError, match="matrix_power"):
        gn.linalg.matrix_power(gn.tensor(m), -1)


@pytest.mark.parametrize("shape, dim", [((3, 4), None), ((2, 3, 4), (1, 2)), ((2, 3, 4), (0, 2))])
def test_norm_nuc_matches_torch(shape, dim):
    torch = pytest.importorskip("torch")
    a = RNG.standard_normal(shape)
    kwargs = {} if dim is None else {"dim": dim}
    ta, ga = torch.tensor(a, requires_grad=True), gn.tensor(a, requires_grad=True)
    want, got = torch.norm(ta, p="nuc", **kwargs), gn.norm(ga, p="nuc", **kwargs)
    np.testing.assert_allclose(got.numpy(), want.detach().numpy(), rtol=1e-8)
    want.sum().backward()
    got.sum().backward()
    np.testing.assert_allclose(ga.grad.numpy(), ta.grad.numpy(), rtol=1e-6, atol=1e-9)


REFUSED = [
    ("cholesky_solve 1-D", lambda lib: lib.cholesky_solve(lib.ones(3), lib.eye(3))),
    ("multi_dot 3-D", lambda lib: lib.linalg.multi_dot([lib.ones(1, 2, 3), lib.ones(3, 4)])),
    ("multi_dot 1-D middle", lambda lib: lib.linalg.multi_dot([lib.ones(2, 3), lib.ones(3),
                                                               lib.ones(3)])),  # fmt: skip
    ("cross ndim", lambda lib: lib.linalg.cross(lib.ones(4, 3), lib.ones(2, 1, 3))),
    ("vecdot int", lambda lib: lib.linalg.vecdot(lib.arange(3), lib.arange(3))),
    ("lstsq b dims", lambda lib: lib.linalg.lstsq(lib.ones(4, 3), lib.ones(2, 2, 4, 1))),
]


@pytest.mark.parametrize("name, call", REFUSED, ids=[r[0] for r in REFUSED])
def test_refused_where_torch_refuses(name, call):
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError):
        call(torch)
    with pytest.raises((RuntimeError, ValueError, TypeError), match=name.split()[0]):
        call(gn)


@pytest.mark.parametrize("shape", [(0, 3), (3, 0), (2, 0, 3), (0, 0)])
@pytest.mark.parametrize("ord", ["fro", "nuc", 2, 1, float("inf")])
def test_norms_of_empty_matrices_are_zero_as_in_torch(shape, ord):
    torch = pytest.importorskip("torch")
    want = torch.linalg.matrix_norm(torch.zeros(shape), ord)
    got = gn.linalg.matrix_norm(gn.zeros(shape), ord)
    assert tuple(got.shape) == tuple(want.shape)
    np.testing.assert_array_equal(got.numpy(), want.numpy())


@pytest.mark.parametrize("shape", [(0, 0), (2, 0, 0), (0, 3, 3)])
@pytest.mark.parametrize("p", [None, "fro", 1, 2])
def test_cond_of_empty_matrices_matches_torch(shape, p):
    torch = pytest.importorskip("torch")
    want = torch.linalg.cond(torch.zeros(shape, dtype=torch.float64), p)
    got = gn.linalg.cond(gn.zeros(shape, dtype=gn.float64), p)
    assert tuple(got.shape) == tuple(want.shape) and str(got.dtype) == "float64"
    np.testing.assert_array_equal(got.numpy(), want.numpy())
