"""The fused affine op ``linear``: finite differences, PyTorch agreement, partial gradients, errors."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.ops.linear import linear
from glassnet.testing import check_against_torch, check_gradients

X_SHAPES = [(4, 3), (3,), (2, 5, 3), (2, 1, 4, 3), (0, 3)]


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("x_shape", X_SHAPES)
def test_linear_gradcheck(x_shape, bias, rng):
    ins = [rng.standard_normal(x_shape), rng.standard_normal((2, 3))]
    if bias:
        ins.append(rng.standard_normal(2))
    check_gradients(linear, *ins)


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("x_shape", X_SHAPES)
def test_linear_matches_torch(x_shape, bias, rng, torch):
    ins = [rng.standard_normal(x_shape), rng.standard_normal((2, 3))]
    if bias:
        ins.append(rng.standard_normal(2))
    check_against_torch(linear, torch.nn.functional.linear, *ins)


@pytest.mark.parametrize("n_out", [2, 6])  # fewer samples (4) than outputs: the W @ x.T path
def test_linear_both_product_orientations(n_out, rng, torch):
    ins = [rng.standard_normal((4, 3)), rng.standard_normal((n_out, 3)), rng.standard_normal(n_out)]
    check_gradients(linear, *ins)
    check_against_torch(linear, torch.nn.functional.linear, *ins)
    y = linear(*(gn.tensor(a, requires_grad=True) for a in ins))
    assert y.array.flags.c_contiguous  # row-major when a graph is recorded
    with gn.no_grad():
        y = linear(*(gn.tensor(a) for a in ins))
    assert y.array.flags.c_contiguous if n_out == 2 else y.array.flags.f_contiguous
    np.testing.assert_allclose(y.numpy(), ins[0] @ ins[1].T + ins[2], rtol=1e-12)


@pytest.mark.parametrize("check", [(True, False, False), (False, True, True), (False, False, True)])
def test_linear_only_some_inputs_need_grad(check, rng, torch):
    ins = [rng.standard_normal((4, 3)), rng.standard_normal((2, 3)), rng.standard_normal(2)]
    check_gradients(linear, *ins, check=check)
    check_against_torch(linear, torch.nn.functional.linear, *ins, check=check)


def test_linear_float32_keeps_dtype(rng):
    x = gn.tensor(rng.standard_normal((4, 3)).astype(np.float32), requires_grad=True)
    w = gn.tensor(rng.standard_normal((2, 3)).astype(np.float32), requires_grad=True)
    b = gn.tensor(np.zeros(2, dtype=np.float32), requires_grad=True)
    y = linear(x, w, b)
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == w.grad.dtype == b.grad.dtype == np.float32
    np.testing.assert_allclose(b.grad.numpy(), [4.0, 4.0])


def test_linear_equals_matmul_plus_bias(rng):
    x, w, b = rng.standard_normal((5, 3)), rng.standard_normal((4, 3)), rng.standard_normal(4)
    y = linear(gn.tensor(x), gn.tensor(w), gn.tensor(b))
    np.testing.assert_allclose(y.numpy(), x @ w.T + b)


@pytest.mark.parametrize("x_shape", [(4, 2), (5,), ()])
def test_linear_feature_mismatch_message(x_shape):
    with pytest.raises(ValueError, match=r"linear: input has .* \(shape .*\), weight expects 3"):
        linear(gn.zeros(*x_shape), gn.zeros(2, 3))
