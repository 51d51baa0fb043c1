"""weight_norm / spectral_norm (hook-based and parametrization-based) and
nn.utils.parametrize against torch: state-dict keys, outputs, gradients, removal."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
import glassnet.nn as gnn
from glassnet.nn.utils import parametrizations as GPS
from glassnet.nn.utils import parametrize as GP


@pytest.fixture
def f64(torch):
    before_t, before_g = torch.get_default_dtype(), gn.default_dtype()
    torch.set_default_dtype(torch.float64)
    gn.set_default_dtype(gn.float64)
    yield torch
    torch.set_default_dtype(before_t)
    gn.set_default_dtype(before_g)


def _same(tm, gm, x, steps=2):
    """Load torch's state dict into glassnet's module, then compare keys, outputs, input
    and parameter gradients and the state (power-iteration vectors) after ``steps`` calls."""
    import torch

    gm.load_state_dict({k: v.detach().numpy() for k, v in tm.state_dict().items()})
    assert list(gm.state_dict()) == list(tm.state_dict())
    for _ in range(steps):
        xt, xg = torch.tensor(x, requires_grad=True), gn.tensor(x, requires_grad=True)
        yt, yg = tm(xt), gm(xg)
        np.testing.assert_allclose(yg.detach().numpy(), yt.detach().numpy(), rtol=1e-10, atol=1e-12)
        (yt**2).sum().backward()
        (yg**2).sum().backward()
        np.testing.assert_allclose(xg.grad.numpy(), xt.grad.numpy(), rtol=1e-9, atol=1e-12)
    mine = dict(gm.named_parameters())
    assert list(mine) == [k for k, _ in tm.named_parameters()]
    for k, p in tm.named_parameters():
        np.testing.assert_allclose(mine[k].grad.numpy(), p.grad.numpy(), rtol=1e-9, atol=1e-12)
    for k, v in tm.state_dict().items():
        np.testing.assert_allclose(gm.state_dict()[k].numpy(), v.numpy(), rtol=1e-10, atol=1e-12)


_X = np.random.default_rng(0).standard_normal((2, 3))
_XC = np.random.default_rng(1).standard_normal((1, 2, 5, 5))


@pytest.mark.parametrize("dim", [0, 1, None])
def test_weight_norm_both_forms_match_torch(dim, f64):
    torch = f64
    tm = torch.nn.utils.parametrizations.weight_norm(torch.nn.Linear(3, 4), dim=dim)
    _same(tm, GPS.weight_norm(gnn.Linear(3, 4), dim=dim), _X)
    with pytest.warns(FutureWarning):
        tm = torch.nn.utils.weight_norm(torch.nn.Linear(3, 4), dim=dim)
    gm = gnn.utils.weight_norm(gnn.Linear(3, 4), dim=dim)
    assert tuple(gm.weight_g.shape) == tuple(tm.weight_g.shape)
    _same(tm, gm, _X)


def test_weight_norm_on_a_conv_and_its_removal(f64):
    torch = f64
    tm, gm = torch.nn.Conv2d(2, 3, 3), gnn.Conv2d(2, 3, 3)
    gm.load_state_dict({k: v.detach().numpy() for k, v in tm.state_dict().items()})
    with pytest.warns(FutureWarning):
        torch.nn.utils.weight_norm(tm)
    gnn.utils.weight_norm(gm)
    _same(tm, gm, _XC)
    torch.nn.utils.remove_weight_norm(tm)
    gnn.utils.remove_weight_norm(gm)
    _same(tm, gm, _XC, steps=1)
    with pytest.raises(ValueError, match="weight_norm of 'weight' not found in Conv2d"):
        gnn.utils.remove_weight_norm(gm)


def test_spectral_norm_both_forms_match_torch_in_training_and_eval(f64):
    torch = f64
    tm = torch.nn.utils.parametrizations.spectral_norm(torch.nn.Linear(3, 4))
    gm = GPS.spectral_norm(gnn.Linear(3, 4))
    assert list(gm.state_dict()) == [
        "bias", "parametrizations.weight.original", "parametrizations.weight.0._u",
        "parametrizations.weight.0._v",
    ]  # fmt: skip
    _same(tm, gm, _X)
    tm.eval()
    gm.eval()
    _same(tm, gm, _X)
    tm = torch.nn.utils.spectral_norm(torch.nn.Linear(3, 4), n_power_iterations=3)
    gm = gnn.utils.spectral_norm(gnn.Linear(3, 4), n_power_iterations=3)
    _same(tm, gm, _X)
    torch.nn.utils.remove_spectral_norm(tm)
    gnn.utils.remove_spectral_norm(gm)
    _same(tm, gm, _X, steps=1)


def test_spectral_norm_of_transposed_and_plain_convs(f64):
    torch = f64
    tm = torch.nn.utils.spectral_norm(torch.nn.ConvTranspose2d(2, 3, 3), n_power_iterations=2)
    gm = gnn.utils.spectral_norm(gnn.ConvTranspose2d(2, 3, 3), n_power_iterations=2)
    assert tuple(gm.weight_u.shape) == tuple(tm.weight_u.shape) == (3,)
    _same(tm, gm, _XC)
    tm = torch.nn.utils.parametrizations.spectral_norm(torch.nn.Conv2d(2, 3, 3))
    _same(tm, GPS.spectral_norm(gnn.Conv2d(2, 3, 3)), _XC)


def test_a_fresh_spectral_norm_divides_by_the_largest_singular_value():
    layer = GPS.spectral_norm(gnn.Linear(5, 4))
    layer.eval()
    s = np.linalg.svd(layer.weight.detach().numpy(), compute_uv=False)
    assert abs(s[0] - 1.0) < 1e-4  # 15 power-iteration steps at registration


def test_user_parametrization_symmetric_matches_torch(f64):
    torch = f64
    import torch.nn.utils.parametrize as TP

    class TSym(torch.nn.Module):
        def forward(self, w):
            return w.triu() + w.triu(1).transpose(-1, -2)

    class GSym(gnn.Module):
        def forward(self, w):
            return w.triu() + w.triu(1).transpose(-1, -2)

    tm, gm = torch.nn.Linear(3, 3), gnn.Linear(3, 3)
    TP.register_parametrization(tm, "weight", TSym())
    GP.register_parametrization(gm, "weight", GSym())
    assert type(gm).__name__ == "ParametrizedLinear" and isinstance(gm, gnn.Linear)
    assert GP.is_parametrized(gm) and GP.is_parametrized(gm, "weight")
    assert not GP.is_parametrized(gm, "bias")
    assert GP.type_before_parametrizations(gm) is gnn.Linear
    _same(tm, gm, _X)
    w = gm.weight.detach().numpy()
    np.testing.assert_array_equal(w, w.T)
    with GP.cached():
        assert gm.weight is gm.weight
    assert gm.weight is not gm.weight
    TP.remove_parametrizations(tm, "weight")
    GP.remove_parametrizations(gm, "weight")
    assert type(gm) is gnn.Linear and "parametrizations" not in dict(gm.named_children())
    _same(tm, gm, _X, steps=1)


def test_right_inverse_assignment_and_an_optimizer_made_before(f64):
    class Scale(gnn.Module):
        def forward(self, w):
            return 2.0 * w

        def right_inverse(self, w):
            return w / 2.0

    layer = gnn.Linear(2, 2)
    opt = gn.optim.SGD(layer.parameters(), lr=0.1)
    weight = layer.weight
    GP.register_parametrization(layer, "weight", Scale())
    assert layer.parametrizations.weight.original is weight  # the optimizer still holds it
    layer.weight = gn.ones(2, 2)
    np.testing.assert_array_equal(weight.numpy(), np.full((2, 2), 0.5))
    layer(gn.ones(1, 2)).sum().backward()
    opt.step()
    np.testing.assert_allclose(weight.numpy(), 0.5 - 0.1 * 2.0)


def test_errors_name_what_is_wrong():
    class Bad(gnn.Module):
        def forward(self, w):
            return w.sum()

    with pytest.raises(ValueError, match=r"changes the tensor from shape \(2, 2\)"):
        GP.register_parametrization(gnn.Linear(2, 2), "weight", Bad())
    with pytest.raises(ValueError, match="has no parameter or buffer named 'kernel'"):
        GP.register_parametrization(gnn.Linear(2, 2), "kernel", Bad())
    with pytest.raises(TypeError, match="must be a Module"):
        GP.register_parametrization(gnn.Linear(2, 2), "weight", lambda w: w)
    with pytest.raises(ValueError, match="does not have a parametrization on weight"):
        GP.remove_parametrizations(gnn.Linear(2, 2), "weight")
    with pytest.raises(ValueError, match="n_power_iterations"):
        gnn.utils.spectral_norm(gnn.Linear(2, 2), n_power_iterations=0)


def test_torch_imports_resolve_under_glassnet_run(tmp_path):
    from glassnet.cli.torch_alias import torch_aliases

    script = (
        "import torch\n"
        "from torch.nn.utils import weight_norm, spectral_norm\n"
        "import torch.nn.utils.parametrize as P\n"
        "from torch.nn.utils.parametrizations import weight_norm as pwn\n"
        "m = pwn(weight_norm(torch.nn.Linear(2, 2), name='bias', dim=None))\n"
        "assert P.is_parametrized(m) and torch.special.gammaln(torch.ones(1)).item() == 0.0\n"
    )
    with torch_aliases():
        exec(compile(script, str(tmp_path / "s.py"), "exec"), {})


def test_the_parametrizations_tutorial_chains_and_inverts(f64):
    """pytorch.org's parametrizations tutorial: Skew then matrix_exp (orthogonal), a
    right_inverse assignment, removal with leave_parametrized=False."""
    torch = f64
    import torch.nn.utils.parametrize as TP

    def make(nn, frame):
        class Skew(nn.Module):
            def forward(self, x):
                a = x.triu(1)
                return a - a.transpose(-1, -2)

            def right_inverse(self, a):
                return a.triu(1)

        class MatrixExponential(nn.Module):
            def forward(self, x):
                return frame.matrix_exp(x)

        return Skew, MatrixExponential

    tm, gm = torch.nn.Linear(3, 3), gnn.Linear(3, 3)
    gm.load_state_dict({k: v.detach().numpy() for k, v in tm.state_dict().items()})
    for module, (skew, expm), P in ((tm, make(torch.nn, torch), TP), (gm, make(gnn, gn), GP)):
        P.register_parametrization(module, "weight", skew())
        P.register_parametrization(module, "weight", expm())
    _same(tm, gm, _X)
    w = gm.weight.detach().numpy()
    np.testing.assert_allclose(w.T @ w, np.eye(3), atol=1e-12)
    tm2, gm2 = torch.nn.Linear(3, 3), gnn.Linear(3, 3)
    before = gm2.weight.numpy().copy()
    for module, (skew, _), P in ((tm2, make(torch.nn, torch), TP), (gm2, make(gnn, gn), GP)):
        P.register_parametrization(module, "weight", skew())
    x = np.random.default_rng(2).standard_normal((3, 3))
    tm2.weight = torch.tensor(x - x.T)
    gm2.weight = gn.tensor(x - x.T)
    np.testing.assert_allclose(gm2.weight.detach().numpy(), tm2.weight.detach().numpy(), atol=1e-15)
    GP.remove_parametrizations(gm2, "weight", leave_parametrized=False)
    np.testing.assert_array_equal(gm2.weight.numpy(), np.triu(x - x.T, 1))
    assert not np.array_equal(gm2.weight.numpy(), before)


def test_parametrized_weight_norm_loads_a_legacy_weight_norm_state_dict(f64):
    """Old checkpoints (hook-form weight_g / weight_v) into the parametrization form, as
    torch's load hook allows; the caller's dict is left as it was."""
    torch = f64
    with pytest.warns(FutureWarning):
        old = torch.nn.utils.weight_norm(torch.nn.Conv1d(2, 3, 3))
    state = {k: v.detach().numpy() for k, v in old.state_dict().items()}
    keys = list(state)
    tm = torch.nn.utils.parametrizations.weight_norm(torch.nn.Conv1d(2, 3, 3))
    tm.load_state_dict(old.state_dict())
    gm = gnn.Sequential(GPS.weight_norm(gnn.Conv1d(2, 3, 3)))
    gm.load_state_dict({f"0.{k}": v for k, v in state.items()})
    assert list(state) == keys
    x = np.random.default_rng(3).standard_normal((1, 2, 6))
    np.testing.assert_allclose(
        gm(gn.tensor(x)).detach().numpy(), tm(torch.tensor(x)).detach().numpy(), rtol=1e-12
    )


@pytest.mark.parametrize(
    ("shape", "orthogonal_map"),
    [((4, 4), "matrix_exp"), ((4, 4), "cayley"), ((3, 5), "matrix_exp"), ((5, 3), "cayley")],
)
def test_orthogonal_matches_torch(shape, orthogonal_map, f64):
    """parametrizations.orthogonal: the base (QR with R's diagonal made positive) and the
    -I original made at registration, the weight, gradients and state after Adam steps."""
    torch = f64
    rng = np.random.default_rng(5)
    w = rng.standard_normal(shape)
    tm, gm = torch.nn.Linear(shape[1], shape[0]), gnn.Linear(shape[1], shape[0])
    with torch.no_grad():
        tm.weight.copy_(torch.tensor(w))
    gm.load_state_dict({k: v.detach().numpy() for k, v in tm.state_dict().items()})
    torch.nn.utils.parametrizations.orthogonal(tm, orthogonal_map=orthogonal_map)
    GPS.orthogonal(gm, orthogonal_map=orthogonal_map)
    assert list(gm.state_dict()) == list(tm.state_dict())
    if shape[0] != shape[1]:  # the base is completed with random columns: take torch's
        gm.load_state_dict({k: v.detach().numpy() for k, v in tm.state_dict().items()})
    else:
        for k, v in tm.state_dict().items():
            np.testing.assert_allclose(gm.state_dict()[k].numpy(), v.numpy(), atol=1e-12)
    # move the original off -I so the map is exercised
    with torch.no_grad():
        tm.parametrizations.weight.original.add_(torch.tensor(0.3 * rng.standard_normal(shape)))
    gm.load_state_dict({k: v.detach().numpy() for k, v in tm.state_dict().items()})
    _same(tm, gm, rng.standard_normal((2, shape[1])))
    wg = gm.weight.detach().numpy()
    gram = wg @ wg.T if shape[0] < shape[1] else wg.T @ wg
    np.testing.assert_allclose(gram, np.eye(min(shape)), atol=1e-10)


def test_orthogonal_assignment_and_refusals(f64):
    torch = f64
    q = np.linalg.qr(np.random.default_rng(6).standard_normal((3, 3)))[0]
    tm = torch.nn.utils.parametrizations.orthogonal(torch.nn.Linear(3, 3))
    gm = GPS.orthogonal(gnn.Linear(3, 3))
    tm.weight = torch.tensor(q)  # an orthogonal matrix becomes the base as it is
    gm.weight = gn.tensor(q)
    np.testing.assert_allclose(gm.weight.detach().numpy(), tm.weight.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(gm.weight.detach().numpy(), q, atol=1e-12)
    with pytest.raises(NotImplementedError, match="householder_product"):
        GPS.orthogonal(gnn.Linear(3, 4))  # torch's default for a non-square weight
    # without trivialization the weight is the original (right_inverse's NotImplementedError
    # at registration means the identity, as in torch); assigning is then refused
    w = np.random.default_rng(7).standard_normal((3, 3))
    tl, gl = torch.nn.Linear(3, 3), gnn.Linear(3, 3)
    with torch.no_grad():
        tl.weight.copy_(torch.tensor(w))
    gl.load_state_dict({k: v.detach().numpy() for k, v in tl.state_dict().items()})
    for cayley in (False, True):
        how = "cayley" if cayley else "matrix_exp"
        tm = torch.nn.utils.parametrizations.orthogonal(
            torch.nn.Linear(3, 3), orthogonal_map=how, use_trivialization=False)
        gm = GPS.orthogonal(gnn.Linear(3, 3), orthogonal_map=how, use_trivialization=False)
        gm.load_state_dict({k: v.detach().numpy() for k, v in tm.state_dict().items()})
        assert list(gm.state_dict()) == list(tm.state_dict())
        _same(tm, gm, w[:2])
    tm = torch.nn.utils.parametrizations.orthogonal(tl, use_trivialization=False)
    gm = GPS.orthogonal(gl, use_trivialization=False)
    np.testing.assert_allclose(gm.parametrizations.weight.original.detach().numpy(), w)
    np.testing.assert_allclose(gm.weight.detach().numpy(), tm.weight.detach().numpy(), atol=1e-12)
    with pytest.raises(NotImplementedError, match="use_trivialization=True"):
        gm.weight = gn.tensor(q)
    with pytest.raises(ValueError, match="expected a matrix"):
        GPS.orthogonal(gnn.Linear(3, 3), "bias")
    with pytest.raises(ValueError, match="orthogonal_map must be one of"):
        GPS.orthogonal(gnn.Linear(3, 3), orthogonal_map="qr")

