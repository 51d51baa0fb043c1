"""Arithmetic ops: finite differences and agreement with PyTorch (the pattern every op test follows)."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.ops import arithmetic as A
from glassnet.testing import check_against_torch, check_gradients

SHAPES = [((3, 4), (3, 4)), ((2, 3, 4), (4,)), ((3, 1), (1, 5)), ((5,), ())]

# name -> (glassnet fn, torch fn, input transform keeping the op in its domain)
BINARY = {
    "add": (lambda a, b: a + b, lambda a, b: a + b, None),
    "sub": (lambda a, b: a - b, lambda a, b: a - b, None),
    "mul": (lambda a, b: a * b, lambda a, b: a * b, None),
    "div": (lambda a, b: a / b, lambda a, b: a / b, lambda x: np.abs(x) + 0.5),
    "pow": (lambda a, b: a**b, lambda a, b: a**b, lambda x: np.abs(x) + 0.5),
    "maximum": (A.maximum, lambda a, b: __import__("torch").maximum(a, b), None),
    "minimum": (A.minimum, lambda a, b: __import__("torch").minimum(a, b), None),
    "atan2": (A.atan2, lambda a, b: __import__("torch").atan2(a, b), None),
}
UNARY = {
    "neg": (lambda a: -a, lambda a: -a, None),
    "exp": (A.exp, lambda a: a.exp(), None),
    "log": (A.log, lambda a: a.log(), lambda x: np.abs(x) + 0.1),
    "expm1": (A.expm1, lambda a: a.expm1(), None),
    "log1p": (A.log1p, lambda a: a.log1p(), lambda x: np.abs(x) - 0.5),
    "sqrt": (A.sqrt, lambda a: a.sqrt(), lambda x: np.abs(x) + 0.1),
    "abs": (A.abs, lambda a: a.abs(), lambda x: x + np.sign(x) * 0.1),
    "clip": (lambda a: A.clip(a, -0.5, 0.5), lambda a: a.clamp(-0.5, 0.5), None),
    "clone": (A.clone, lambda a: a.clone(), None),
    "sin": (A.sin, lambda a: a.sin(), None),
    "cos": (A.cos, lambda a: a.cos(), None),
}


def _inputs(rng, shapes, transform):
    xs = [rng.standard_normal(s) for s in shapes]
    return [transform(x) if transform else x for x in xs]


@pytest.mark.parametrize("shapes", SHAPES)
@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_gradcheck(name, shapes, rng):
    fn, _, tr = BINARY[name]
    check_gradients(fn, *_inputs(rng, shapes, tr))


@pytest.mark.parametrize("shapes", SHAPES)
@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_matches_torch(name, shapes, rng, torch):
    fn, tfn, tr = BINARY[name]
    check_against_torch(fn, tfn, *_inputs(rng, shapes, tr))


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_gradcheck(name, rng):
    fn, _, tr = UNARY[name]
    check_gradients(fn, *_inputs(rng, [(3, 4)], tr))


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_matches_torch(name, rng, torch):
    fn, tfn, tr = UNARY[name]
    check_against_torch(fn, tfn, *_inputs(rng, [(3, 4)], tr))


def test_scalar_operands_keep_dtype():
    x = gn.tensor([1.0, 2.0], requires_grad=True)
    for y in (x + 1, 1 - x, x * 2, 2 / x, x**2, 2**x):
        assert y.dtype == np.float32
    (2 / x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [-2.0, -0.5])


MATMUL_SHAPES = [((3, 4), (4, 5)), ((4,), (4, 5)), ((3, 4), (4,)), ((4,), (4,)),
                 ((2, 3, 4), (4, 5)), ((2, 3, 4), (2, 4, 5)), ((1, 3, 4), (2, 4, 5))]  # fmt: skip


@pytest.mark.parametrize("shapes", MATMUL_SHAPES)
def test_matmul_gradcheck(shapes, rng):
    check_gradients(A.matmul, *_inputs(rng, shapes, None))


@pytest.mark.parametrize("shapes", MATMUL_SHAPES)
def test_matmul_matches_torch(shapes, rng, torch):
    check_against_torch(A.matmul, torch.matmul, *_inputs(rng, shapes, None))


def test_matmul_shape_error_names_shapes():
    with pytest.raises(ValueError, match=r"\(3, 4\) @ \(5, 2\)"):
        gn.randn(3, 4) @ gn.randn(5, 2)


def test_where(rng, torch):
    cond = rng.random((3, 4)) > 0.5
    fn = lambda a, b: A.where(cond, a, b)  # noqa: E731
    check_gradients(fn, *_inputs(rng, [(3, 4), (4,)], None))
    check_against_torch(
        fn, lambda a, b: torch.where(torch.tensor(cond), a, b), *_inputs(rng, [(3, 4), (4,)], None)
    )


def test_maximum_ties_split_gradient():
    a = gn.tensor([1.0, 2.0], requires_grad=True)
    b = gn.tensor([1.0, 3.0], requires_grad=True)
    A.maximum(a, b).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), [0.5, 0.0])
    np.testing.assert_allclose(b.grad.numpy(), [0.5, 1.0])


def test_cast_between_float_dtypes():
    x = gn.tensor([1.0, 2.0], requires_grad=True)
    y = x.double()
    assert y.dtype == np.float64
    (y * 2.0).sum().backward()
    assert x.grad.dtype == np.float32


@pytest.mark.parametrize(
    "shapes", [((3, 4), (3, 4), ()), ((2, 3, 4), (4,), (3, 1)), ((5,), (), (5,))]
)
def test_lerp_with_tensor_weight(shapes, rng, torch):
    a, b, w = _inputs(rng, shapes, None)
    check_gradients(A.lerp, a, b, w)
    check_against_torch(A.lerp, torch.lerp, a, b, w)


@pytest.mark.parametrize("weight", [0.0, 0.3, 0.5, 0.75, 1.0, -0.5, 2.0])
def test_lerp_with_number_weight(weight, rng, torch):
    a, b = _inputs(rng, [(3, 4), (3, 4)], None)
    check_gradients(lambda s, e: A.lerp(s, e, weight), a, b)
    check_against_torch(
        lambda s, e: A.lerp(s, e, weight), lambda s, e: torch.lerp(s, e, weight), a, b
    )


def test_lerp_is_exact_at_the_ends_and_keeps_dtype():
    a, b = gn.tensor([0.1, 1e8]), gn.tensor([0.7, 3.0])
    assert a.lerp(b, 1.0).tolist() == b.tolist() and gn.lerp(a, b, 0.0).tolist() == a.tolist()
    assert a.lerp(b, 0.3).dtype == np.float32
    c = a.clone()
    assert c.lerp_(b, 1.0) is c and c.tolist() == b.tolist()


def test_atan2_quadrants_method_and_twin(torch):
    y = np.array([1.0, 1.0, -1.0, -1.0, 0.0, 0.0, 2.0, -2.0])
    x = np.array([1.0, -1.0, 1.0, -1.0, 1.0, -1.0, 0.0, 0.0])
    want = torch.atan2(torch.tensor(y), torch.tensor(x)).numpy()
    np.testing.assert_array_equal(gn.atan2(gn.tensor(y), gn.tensor(x)).numpy(), want)
    np.testing.assert_array_equal(gn.tensor(y).arctan2(gn.tensor(x)).numpy(), want)
    assert gn.atan2(gn.tensor([1, 2]), gn.tensor([3, 4])).dtype == np.float32
    t = gn.tensor(y)
    assert t.atan2_(gn.tensor(x)) is t and np.allclose(t.numpy(), want)


def test_atan2_gradient_at_the_origin_is_zero_as_torchs(torch):
    a, b = gn.tensor([0.0], requires_grad=True), gn.tensor([0.0], requires_grad=True)
    gn.atan2(a, b).sum().backward()
    ta, tb = torch.zeros(1, requires_grad=True), torch.zeros(1, requires_grad=True)
    torch.atan2(ta, tb).sum().backward()
    assert a.grad.tolist() == ta.grad.tolist() == [0.0]
    assert b.grad.tolist() == tb.grad.tolist() == [0.0]
