"""Round 4: ``Tensor.index_put(_)``, ``torch.index_put``, ``Tensor.masked_scatter(_)``, once
refused by name: values and gradients against torch."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.testing import check_against_torch, check_gradients

RNG = np.random.default_rng(11)
X = RNG.standard_normal((4, 3, 2))


def _idx(lib, *arrays):
    return tuple(lib.tensor(a) for a in arrays)


# (indices as arrays, values' shape): duplicates, broadcast values, a bool mask,
# negative indices, fewer indices than dims
INDEX_CASES = [
    (([0, 2, 0],), (3, 3, 2)),
    (([0, 2, 1],), (2,)),  # broadcast over the indexed rows
    (([1, 3], [2, 0]), (2, 2)),
    (([[1], [3]], [0, 2]), (1, 2, 2)),  # indices broadcast together
    ((np.array([True, False, True, True]),), (3, 1, 2)),
    ((np.array([[True, False, True]] * 4),), (2,)),  # a mask over two dims
    (([-1, 0], [-2, 1], [1, 0]), ()),  # every dim, scalar value
    (([[0], [2]], [2, 0, 1]), (2, 3, 2)),
]


@pytest.mark.parametrize("accumulate", [False, True])
@pytest.mark.parametrize(("indices", "vshape"), INDEX_CASES)
def test_index_put_agrees_with_torch(torch, indices, vshape, accumulate):
    v = RNG.standard_normal(vshape)
    has_dup = indices is INDEX_CASES[0][0]  # duplicates: see the test below
    check_against_torch(
        lambda x, w: x.index_put(_idx(gn, *indices), w, accumulate=accumulate) * 1.5,
        lambda x, w: x.index_put(_idx(torch, *indices), w, accumulate=accumulate) * 1.5,
        X, v,
        grad=not (has_dup and not accumulate),
    )  # fmt: skip
    check_against_torch(
        lambda x, w: gn.index_put(x, _idx(gn, *indices), w, accumulate),
        lambda x, w: torch.index_put(x, _idx(torch, *indices), w, accumulate),
        X, v,
        grad=not (has_dup and not accumulate),
    )  # fmt: skip


def test_index_put_duplicates_without_accumulate_as_torch(torch):
    """The last write wins (torch's CPU order); each duplicate gets the gradient of its row."""
    idx, v = [0, 2, 0], RNG.standard_normal((3, 3, 2))
    xg, vg = gn.tensor(X, requires_grad=True), gn.tensor(v, requires_grad=True)
    xt, vt = torch.tensor(X, requires_grad=True), torch.tensor(v, requires_grad=True)
    og = xg.index_put((gn.tensor(idx),), vg)
    ot = xt.index_put((torch.tensor(idx),), vt)
    np.testing.assert_allclose(og.numpy(), ot.detach().numpy())
    w = RNG.standard_normal(X.shape)
    (og * gn.tensor(w)).sum().backward()
    (ot * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(xg.grad.numpy(), xt.grad.numpy())
    np.testing.assert_allclose(vg.grad.numpy(), vt.grad.numpy())


def test_index_put_in_place_and_gradients(torch):
    def gn_fn(x, w):
        y = x * 2
        y.index_put_((gn.tensor([1, 3]), gn.tensor([0, 2])), w, accumulate=True)
        y.index_put_((gn.tensor([0]),), w[:1, None, :1])
        return y

    def torch_fn(x, w):
        y = x * 2
        y.index_put_((torch.tensor([1, 3]), torch.tensor([0, 2])), w, accumulate=True)
        y.index_put_((torch.tensor([0]),), w[:1, None, :1])
        return y

    v = RNG.standard_normal((2, 2))
    check_against_torch(gn_fn, torch_fn, X, v)
    assert check_gradients(gn_fn, X, v)
    assert check_gradients(
        lambda x, w: x.index_put((gn.tensor([0, 2, 0]),), w, accumulate=True), X, RNG.standard_normal((3, 1, 2))
    )
    y = gn.tensor(X.astype(np.float32))
    assert y.index_put_((gn.tensor([0]),), gn.tensor(np.float32(5.0))) is y
    assert float(y[0].min()) == 5.0 and y.dtype == np.float32


def test_index_put_errors():
    x = gn.tensor(X)
    with pytest.raises(TypeError, match="tuple of tensors"):
        x.index_put(gn.tensor([0]), gn.tensor(1.0, dtype=gn.float64))
    with pytest.raises(IndexError, match="integer or bool"):
        x.index_put((gn.tensor([0.0]),), gn.tensor(1.0, dtype=gn.float64))
    with pytest.raises(IndexError, match="index_put: .*4"):
        x.index_put((gn.tensor([4]),), gn.tensor(1.0, dtype=gn.float64))
    with pytest.raises(TypeError, match="dtype"):
        x.index_put((gn.tensor([0]),), gn.tensor(1.0, dtype=gn.float32))
    with pytest.raises(ValueError, match="cannot be broadcast"):
        x.index_put((gn.tensor([0, 1]),), gn.tensor(np.ones((3, 3, 2))))
    with pytest.raises(TypeError, match="no None"):
        x.index_put((None, gn.tensor([0])), gn.tensor(1.0, dtype=gn.float64))
    with pytest.raises(IndexError, match="indexed dims"):
        x.index_put(_idx(gn, [0], [0], [0], [0]), gn.tensor(1.0, dtype=gn.float64))


MASKS = [
    RNG.random((4, 3, 2)) > 0.5,
    RNG.random((3, 1)) > 0.4,  # broadcast with the input
    np.zeros((4, 3, 2), bool),
]


@pytest.mark.parametrize("mask", MASKS)
def test_masked_scatter_agrees_with_torch(torch, mask):
    src = RNG.standard_normal((5, 6))  # more elements than the mask selects
    check_against_torch(
        lambda x, s: x.masked_scatter(gn.tensor(mask), s) * 2,
        lambda x, s: x.masked_scatter(torch.tensor(mask), s) * 2,
        X, src,
    )  # fmt: skip
    check_against_torch(
        lambda x, s: gn.masked_scatter(x, gn.tensor(mask), s),
        lambda x, s: torch.masked_scatter(x, torch.tensor(mask), s),
        X, src,
    )  # fmt: skip

    def gn_inplace(x, s):
        y = x * 1
        y.masked_scatter_(gn.tensor(mask), s)
        return y

    def torch_inplace(x, s):
        y = x * 1
        y.masked_scatter_(torch.tensor(mask), s)
        return y

    check_against_torch(gn_inplace, torch_inplace, X, src)
    assert check_gradients(gn_inplace, X, src)


def test_masked_scatter_errors():
    x = gn.tensor(X)
    with pytest.raises(TypeError, match="bool"):
        x.masked_scatter(gn.tensor(np.ones(X.shape, np.int64)), x)
    with pytest.raises(ValueError, match="selects 24 elements but source has only 3"):
        x.masked_scatter(gn.tensor(np.ones(X.shape, bool)), gn.tensor(np.ones(3)))
    with pytest.raises(TypeError, match="dtype"):
        x.masked_scatter(gn.tensor(np.ones(X.shape, bool)), x.float())
    with pytest.raises(ValueError, match="does not broadcast"):
        x.masked_scatter(gn.tensor(np.ones((5,), bool)), x)
