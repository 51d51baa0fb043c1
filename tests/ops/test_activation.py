"""Activation ops: finite differences, agreement with PyTorch, stability and dtypes."""

from __future__ import annotations

import math

import numpy as np
import pytest

import glassnet as gn
from glassnet.ops import activation as A
from glassnet.testing import check_against_torch, check_gradients


def _tf():
    import torch

    return torch.nn.functional


# name -> (glassnet fn, torch fn); the input is kept 0.1 away from the kinks at 0
ELEMENTWISE = {
    "sigmoid": (A.sigmoid, lambda a: a.sigmoid()),
    "tanh": (A.tanh, lambda a: a.tanh()),
    "relu": (A.relu, lambda a: a.relu()),
    "leaky_relu": (A.leaky_relu, lambda a: _tf().leaky_relu(a)),
    "leaky_relu_0.2": (lambda a: A.leaky_relu(a, 0.2), lambda a: _tf().leaky_relu(a, 0.2)),
    "leaky_relu_neg": (lambda a: A.leaky_relu(a, -0.5), lambda a: _tf().leaky_relu(a, -0.5)),
    "elu": (A.elu, lambda a: _tf().elu(a)),
    "elu_alpha": (lambda a: A.elu(a, 0.3), lambda a: _tf().elu(a, 0.3)),
    "gelu": (A.gelu, lambda a: _tf().gelu(a)),
    "gelu_tanh": (lambda a: A.gelu(a, "tanh"), lambda a: _tf().gelu(a, approximate="tanh")),
    "softplus": (A.softplus, lambda a: _tf().softplus(a)),
    "softplus_beta": (lambda a: A.softplus(a, 2.0, 1.0), lambda a: _tf().softplus(a, 2.0, 1.0)),
    "silu": (A.silu, lambda a: _tf().silu(a)),
}
SHAPES = [(3, 4), (5,), (), (2, 3, 4)]


def _away_from_kinks(x):
    # also keeps softplus_beta (switch at beta * x = 1) away from x = 0.5
    x = x + np.sign(x) * 0.1
    return np.where(np.abs(x - 0.5) < 0.05, x + 0.1, x)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
def test_elementwise_gradcheck(name, shape, rng):
    fn, _ = ELEMENTWISE[name]
    check_gradients(fn, _away_from_kinks(rng.standard_normal(shape) * 2))


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
def test_elementwise_matches_torch(name, shape, rng, torch):
    fn, tfn = ELEMENTWISE[name]
    check_against_torch(fn, tfn, _away_from_kinks(rng.standard_normal(shape) * 2))


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
def test_gradient_at_zero_matches_torch(name, torch):
    fn, tfn = ELEMENTWISE[name]
    check_against_torch(fn, tfn, np.array([-1.0, 0.0, 1.0]))


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
def test_float32_matches_torch(name, rng, torch):
    fn, tfn = ELEMENTWISE[name]
    x = rng.standard_normal((4, 5)) * 3
    check_against_torch(fn, tfn, x, dtype=np.float32, atol=2e-6, rtol=2e-5)
    assert fn(gn.tensor(x.astype(np.float32))).dtype == np.float32


@pytest.mark.parametrize("shape,axis", [((3, 4), -1), ((3, 4), 0), ((2, 3, 4), 1), ((5,), 0)])
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_family(name, shape, axis, rng, torch):
    fn = lambda a: getattr(A, name)(a, axis)  # noqa: E731
    x = rng.standard_normal(shape)
    check_gradients(fn, x)
    check_against_torch(fn, lambda a: getattr(torch, name)(a, axis), x)


def test_softmax_rows_sum_to_one_and_are_stable():
    x = gn.tensor(np.array([[1000.0, 1000.0, -1000.0], [-5e4, 0.0, 5e4]], dtype=np.float32))
    s = A.softmax(x)
    assert np.isfinite(s.numpy()).all()
    np.testing.assert_allclose(s.numpy().sum(axis=1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(s.numpy()[0], [0.5, 0.5, 0.0])
    ls = A.log_softmax(x)
    assert np.isfinite(ls.numpy()[0, :2]).all()
    np.testing.assert_allclose(ls.numpy()[1], [-1e5, -5e4, 0.0], rtol=1e-6)


def test_sigmoid_softplus_silu_stable_at_extremes():
    x = gn.tensor(
        np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0], dtype=np.float32), requires_grad=True
    )
    for fn in (A.sigmoid, A.softplus, A.silu, A.elu, A.gelu):
        y = fn(x)
        assert np.isfinite(y.numpy()).all(), fn.__name__
        y.sum().backward()
        assert np.isfinite(x.grad.numpy()).all(), fn.__name__
        x.grad = None
    np.testing.assert_allclose(A.sigmoid(x).numpy(), [0, 0, 0.5, 1, 1], atol=1e-7)
    np.testing.assert_allclose(A.softplus(x).numpy(), [0, 0, math.log(2), 50, 1000], atol=1e-6)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_silu_far_from_zero_matches_torch(dtype, torch):
    # s = sigmoid(a) was computed from a clipped to [-60, 60]: silu(-1e30) gave -8756.5
    x = np.array([-np.inf, -1e30, -200.0, -100.0, -80.0, -60.0, 3.0, 1e30, np.inf], dtype=dtype)
    check_against_torch(A.silu, torch.nn.functional.silu, x, dtype=dtype, atol=0, rtol=1e-6)


def test_tensor_methods(rng, torch):
    x = rng.standard_normal((3, 4))
    check_against_torch(lambda a: a.sigmoid(), lambda a: a.sigmoid(), x)
    check_against_torch(lambda a: a.tanh(), lambda a: a.tanh(), x)
    check_against_torch(lambda a: a.relu(), lambda a: a.relu(), x)
    check_against_torch(lambda a: a.softmax(0), lambda a: a.softmax(0), x)
    check_against_torch(lambda a: a.log_softmax(), lambda a: a.log_softmax(-1), x)


@pytest.mark.parametrize("dtype,rtol", [(np.float64, 1e-15), (np.float32, 3e-7)])
def test_erf_against_math(dtype, rtol):
    x = np.linspace(-6, 6, 241).astype(dtype)
    expected = np.array([math.erf(v) for v in x.astype(np.float64)])
    got = A.erf(x)
    assert got.dtype == dtype
    np.testing.assert_allclose(
        got, expected, rtol=rtol, atol=1e-30 if dtype == np.float64 else 1e-7
    )


def test_relu_does_not_touch_input():
    x = np.array([-1.0, 2.0])
    t = gn.tensor(x, requires_grad=True)
    A.relu(t).sum().backward()
    np.testing.assert_array_equal(t.numpy(), [-1.0, 2.0])


def test_gelu_rejects_unknown_approximation():
    with pytest.raises(ValueError, match=r"gelu: approximate must be 'none' or 'tanh', got 'erf'"):
        A.gelu(gn.randn(3), "erf")


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_softmax_backward_is_the_jacobian_product(axis, rng):
    x = rng.standard_normal((3, 4, 5))
    s = np.exp(x - x.max(axis=axis, keepdims=True))
    s /= s.sum(axis=axis, keepdims=True)
    g = rng.standard_normal(s.shape)
    got = A.softmax_backward(s, g, axis)
    sm, gm = np.moveaxis(s, axis, -1), np.moveaxis(g, axis, -1)
    jac = (
        np.einsum("...i,ij->...ij", sm, np.eye(sm.shape[-1])) - sm[..., :, None] * sm[..., None, :]
    )
    np.testing.assert_allclose(np.moveaxis(got, axis, -1), np.einsum("...ij,...j->...i", jac, gm))
    assert not np.shares_memory(got, g) and not np.shares_memory(got, s)


def test_softmax_backward_gives_zero_where_the_softmax_is_zero(rng):
    s = np.array([[0.25, 0.0, 0.75], [0.0, 0.0, 0.0]])  # a masked position, an all-masked row
    got = A.softmax_backward(s, rng.standard_normal(s.shape), 1)
    assert got[0, 1] == 0 and not got[1].any()


def test_every_softmax_op_uses_the_one_backward(monkeypatch, rng):
    from glassnet.ops import attention

    calls = []
    original = A.softmax_backward

    def counted(s, g, axis):
        calls.append(axis)
        return original(s, g, axis)

    monkeypatch.setattr(A, "softmax_backward", counted)
    monkeypatch.setattr(attention, "softmax_backward", counted)
    x = gn.tensor(rng.standard_normal((2, 3, 4)), requires_grad=True)
    A.softmax(x, axis=1).sum().backward()
    attention.masked_softmax(x).sum().backward()
    q = gn.tensor(rng.standard_normal((2, 3, 4)), requires_grad=True)
    out, _ = attention.dot_product_attention(q, q, q)
    (out**2).sum().backward()
    keys = gn.tensor(rng.standard_normal((2, 5, 3)), requires_grad=True)
    w_k = gn.tensor(rng.standard_normal((4, 3)), requires_grad=True)
    v = gn.tensor(rng.standard_normal(4), requires_grad=True)
    context, _ = attention.additive_attention(keys, w_k, v)
    (context**2).sum().backward()
    assert calls == [1, -1, -1, 1]
