"""Reductions: finite differences and agreement with PyTorch over shapes, axes and keepdims."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.ops import reduce as R
from glassnet.testing import check_against_torch, check_gradients

# (input shape, axis) pairs: all axes, single, negative, tuples (unsorted, mixed sign), 1-D, 0-d
CASES = [
    ((3, 4, 5), None),
    ((3, 4, 5), 0),
    ((3, 4, 5), -1),
    ((3, 4, 5), (0, 2)),
    ((3, 4, 5), (-1, 0)),
    ((3, 4, 5), (2, 1, 0)),
    ((6,), 0),
    ((6,), None),
    ((), None),
    ((), 0),
    ((), -1),
]


def _torch_dim(shape, axis):
    if axis is None:
        return tuple(range(len(shape))) or 0
    return axis


def _torch_fn(name, axis, keepdims, shape):
    import torch

    dim = _torch_dim(shape, axis)
    return {
        "sum": lambda a: torch.sum(a, dim=dim, keepdim=keepdims),
        "mean": lambda a: torch.mean(a, dim=dim, keepdim=keepdims),
        "max": lambda a: torch.amax(a, dim=dim, keepdim=keepdims),
        "min": lambda a: torch.amin(a, dim=dim, keepdim=keepdims),
        "logsumexp": lambda a: torch.logsumexp(a, dim=dim, keepdim=keepdims),
        "var0": lambda a: torch.var(a, dim=dim, keepdim=keepdims, correction=0),
        "var1": lambda a: torch.var(a, dim=dim, keepdim=keepdims, correction=1),
    }[name]


def _gn_fn(name, axis, keepdims):
    if name == "var0":
        return lambda a: R.var(a, axis, keepdims, correction=0)
    if name == "var1":
        return lambda a: R.var(a, axis, keepdims, correction=1)
    fn = getattr(R, name)
    return lambda a: fn(a, axis, keepdims)


NAMES = ["sum", "mean", "max", "min", "logsumexp", "var0", "var1"]


def _skip_degenerate(name, shape, axis):
    if name == "var1":
        n = int(np.prod([shape[a] for a in R.normalize_axis(axis, len(shape))]))
        if n <= 1:
            pytest.skip("unbiased variance of one element is nan (checked separately)")


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("shape,axis", CASES)
@pytest.mark.parametrize("name", NAMES)
def test_reduce_gradcheck(name, shape, axis, keepdims, rng):
    _skip_degenerate(name, shape, axis)
    check_gradients(_gn_fn(name, axis, keepdims), rng.standard_normal(shape))


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("shape,axis", CASES)
@pytest.mark.parametrize("name", NAMES)
def test_reduce_matches_torch(name, shape, axis, keepdims, rng, torch):
    _skip_degenerate(name, shape, axis)
    x = rng.standard_normal(shape)
    check_against_torch(_gn_fn(name, axis, keepdims), _torch_fn(name, axis, keepdims, shape), x)


@pytest.mark.parametrize("name", ["max", "min"])
def test_extreme_ties_share_gradient(name, torch):
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])
    if name == "min":
        x = -x
    t = gn.tensor(x, requires_grad=True)
    getattr(R, name)(t, axis=1).sum().backward()
    np.testing.assert_allclose(t.grad.numpy(), [[0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]])
    tfn = torch.amax if name == "max" else torch.amin
    check_against_torch(lambda a: getattr(R, name)(a, 1), lambda a: tfn(a, 1), x)


def test_logsumexp_is_stable_for_large_inputs():
    x = gn.tensor(np.array([1000.0, 1000.0, -1000.0]), requires_grad=True)
    out = R.logsumexp(x)
    np.testing.assert_allclose(out.item(), 1000.0 + np.log(2.0))
    out.backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.5, 0.5, 0.0], atol=1e-12)


def test_tensor_methods_match_torch(rng, torch):
    x = rng.standard_normal((4, 5))
    check_against_torch(lambda a: a.std(axis=1), lambda a: a.std(dim=1), x)
    check_against_torch(
        lambda a: a.var(0, True, correction=0), lambda a: a.var(0, keepdim=True, correction=0), x
    )
    check_against_torch(lambda a: a.mean((0, 1)), lambda a: a.mean((0, 1)), x)
    check_against_torch(lambda a: a.sum(-1, keepdims=True), lambda a: a.sum(-1, keepdim=True), x)


def test_argmax_argmin_are_not_differentiable():
    x = gn.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]], requires_grad=True)
    np.testing.assert_array_equal(x.argmax(axis=1).numpy(), [1, 0])
    np.testing.assert_array_equal(x.argmin(axis=1).numpy(), [0, 1])
    assert not x.argmax().requires_grad


def test_unbiased_var_of_one_element_is_nan():
    x = gn.tensor(np.array([2.0]), requires_grad=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        v = R.var(x)
        assert np.isnan(v.item())
        v.backward()
    assert np.isnan(x.grad.numpy()).all()


def test_sum_grad_of_leaf_is_writable_and_accumulates():
    x = gn.tensor(np.ones((2, 3)), requires_grad=True)
    x.sum().backward()
    x.mean().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.full((2, 3), 1 + 1 / 6))
    x.grad.array *= 2.0  # in-place edits (clipping, weight decay) must be possible
    np.testing.assert_allclose(x.grad.numpy(), np.full((2, 3), 2 + 2 / 6))


def test_scalar_leaf_grad_accumulates():
    s = gn.tensor(2.0, requires_grad=True)
    (s * 3.0).sum().backward()
    (s * 3.0).sum().backward()
    np.testing.assert_allclose(s.grad.numpy(), 6.0)


def test_output_dtype_follows_input():
    x = gn.randn(3, 4)
    for fn in (R.sum, R.mean, R.max, R.min, R.var, R.logsumexp):
        assert fn(x, 1).dtype == np.float32


@pytest.mark.parametrize(
    "call,match",
    [
        (lambda x: R.sum(x, 3), r"sum: axis 3 is out of range for a tensor with 3 dims"),
        (lambda x: R.mean(x, -4), r"mean: axis -4 is out of range"),
        (lambda x: R.var(x, (0, -3)), r"var: repeated axis in \(0, -3\)"),
        (lambda x: R.logsumexp(x, 5), r"logsumexp: axis 5"),
        (lambda x: R.max(gn.zeros(0)), r"max: empty tensor"),
        (lambda x: R.min(gn.zeros(0, 2)), r"min: empty tensor"),
        (lambda x: R.sum(gn.tensor(1.0), 1), r"sum: axis 1 is out of range for a tensor with 0"),
    ],
)
def test_errors_name_function_and_axis(call, match):
    with pytest.raises(ValueError, match=match):
        call(gn.randn(2, 3, 4))


# prod and cumsum take one dim in PyTorch: (shape, dim) with dim None meaning all entries
ONE_DIM = [((3, 4, 5), None), ((3, 4, 5), 1), ((3, 4, 5), -1), ((6,), 0), ((), None)]


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("shape,dim", ONE_DIM)
def test_prod_matches_torch_and_finite_differences(shape, dim, keepdim, rng, torch):
    x = rng.uniform(0.5, 1.5, shape)

    def tfn(a):
        return torch.prod(a) if dim is None else torch.prod(a, dim, keepdim=keepdim)

    check_against_torch(lambda a: R.prod(a, dim, keepdim and dim is not None), tfn, x)
    check_gradients(lambda a: R.prod(a, dim, keepdim), x)


def test_prod_gradient_is_exact_with_zeros(torch):
    x = np.array([[2.0, 0.0, 3.0], [0.0, 0.0, 1.0], [1.0, 2.0, 4.0]])
    check_against_torch(lambda a: R.prod(a, 1), lambda a: torch.prod(a, 1), x)
    check_against_torch(lambda a: R.prod(a), lambda a: torch.prod(a), x[2:])
    check_gradients(lambda a: R.prod(a, 0), x)


@pytest.mark.parametrize("shape,dim", [((3, 4, 5), 0), ((3, 4, 5), -1), ((6,), 0), ((), 0)])
def test_cumsum_matches_torch_and_finite_differences(shape, dim, rng, torch):
    x = rng.standard_normal(shape)
    check_against_torch(lambda a: R.cumsum(a, dim), lambda a: torch.cumsum(a, dim), x)
    check_gradients(lambda a: R.cumsum(a, dim), x)


@pytest.mark.parametrize("shape,dim", [((3, 4, 5), 0), ((3, 4, 5), -1), ((6,), 0), ((), 0)])
def test_cumprod_matches_torch_and_finite_differences(shape, dim, rng, torch):
    x = rng.uniform(-1.5, 1.5, shape)
    check_against_torch(lambda a: R.cumprod(a, dim), lambda a: torch.cumprod(a, dim), x)
    check_gradients(lambda a: R.cumprod(a, dim), x)


def test_cumprod_gradient_is_exact_with_zeros(torch):
    # rows: one zero first, in the middle, last, two zeros, no zero, all zeros
    x = np.array(
        [[0.0, 2.0, 3.0, 0.5], [2.0, 0.0, 3.0, -1.5], [2.0, 3.0, -0.5, 0.0],
         [1.5, 0.0, 2.0, 0.0], [1.5, -2.0, 0.5, 3.0], [0.0, 0.0, 0.0, 0.0]]
    )  # fmt: skip
    check_against_torch(lambda a: R.cumprod(a, 1), lambda a: torch.cumprod(a, 1), x)
    check_against_torch(lambda a: R.cumprod(a, 0), lambda a: torch.cumprod(a, 0), x)
    check_gradients(lambda a: R.cumprod(a, 1), x)
    check_gradients(lambda a: R.cumprod(a, 0), x)


def test_cumprod_method_dtype_and_inplace_twin(torch):
    x = gn.tensor([1, 2, 3])
    assert x.cumprod(0).dtype == np.int64 and x.cumprod(0).tolist() == [1, 2, 6]
    assert gn.cumprod(x, dim=0, dtype=gn.float32).dtype == np.float32
    y = gn.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert y.cumprod_(1) is y and y.tolist() == [[1.0, 2.0], [3.0, 12.0]]
    with pytest.raises(TypeError, match="cumprod: missing dim"):
        x.cumprod()
