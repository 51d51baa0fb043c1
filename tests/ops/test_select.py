"""Selecting and adding up at indices (glassnet/ops/select.py): finite differences and
agreement with PyTorch, repeated indices included."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.ops import select as S
from glassnet.testing import check_against_torch, check_gradients

IDX = np.array([[0, 0], [2, 1], [3, 3]])  # repeats within a row: entries add up


def test_scatter_add_matches_torch_with_repeated_indices(rng, torch):
    # src of the index's shape: torch's backward refuses a larger src
    a, src = rng.standard_normal((3, 4)), rng.standard_normal((3, 2))
    check_against_torch(
        lambda x, s: S.scatter_add(x, 1, IDX, s),
        lambda x, s: x.scatter_add(1, torch.tensor(IDX), s),
        a, src,
    )  # fmt: skip
    check_gradients(lambda x, s: S.scatter_add(x, 1, IDX, s), a, src)


def test_scatter_add_uses_the_leading_block_of_a_larger_src(rng):
    a, src = rng.standard_normal((3, 4)), rng.standard_normal((3, 5))
    want = a.copy()
    for i in range(3):
        for j in range(2):
            want[i, IDX[i, j]] += src[i, j]
    np.testing.assert_allclose(S.scatter_add(gn.tensor(a), 1, IDX, gn.tensor(src)).numpy(), want)
    check_gradients(lambda x, s: S.scatter_add(x, 1, IDX, s), a, src)


def test_scatter_add_along_dim_0_and_negative_indices(rng, torch):
    a, src = rng.standard_normal((4, 3)), rng.standard_normal((2, 3))
    idx = np.array([[0, -1, 2], [0, 3, -4]])
    want = torch.tensor(a).scatter_add(0, torch.tensor(idx % 4), torch.tensor(src)).numpy()
    np.testing.assert_allclose(S.scatter_add(gn.tensor(a), 0, idx, gn.tensor(src)).numpy(), want)


def test_index_add_matches_torch(rng, torch):
    a, src = rng.standard_normal((4, 3)), rng.standard_normal((5, 3))
    idx = np.array([3, 0, 3, 1, 3])
    check_against_torch(
        lambda x, s: S.index_add(x, 0, idx, s, 2.0),
        lambda x, s: x.index_add(0, torch.tensor(idx), s, alpha=2.0),
        a, src,
    )  # fmt: skip
    check_gradients(lambda x, s: S.index_add(x, 0, idx, s), a, src)


@pytest.mark.parametrize(
    "name, gn_fn, torch_fn",
    [
        ("gather", lambda x: S.gather(x, 1, IDX), lambda T, x: x.gather(1, T.tensor(IDX))),
        ("sort", lambda x: S.sort(x, 0, True).values, lambda T, x: x.sort(0, True).values),
        ("topk", lambda x: S.topk(x, 2).values, lambda T, x: x.topk(2).values),
        ("max_along", lambda x: S.max_along(x, 1).values, lambda T, x: x.max(1).values),
        ("median", lambda x: S.median(x, 1).values, lambda T, x: x.median(1).values),
        ("repeat", lambda x: S.repeat(x, (2, 1, 2)), lambda T, x: x.repeat(2, 1, 2)),
        ("roll", lambda x: S.roll(x, (1, -2), (0, 1)), lambda T, x: x.roll((1, -2), (0, 1))),
        ("flip", lambda x: S.flip(x, (0, 1)), lambda T, x: x.flip((0, 1))),
    ],
)
def test_composed_selections_match_torch(name, gn_fn, torch_fn, rng, torch):
    x = rng.standard_normal((3, 4))
    check_against_torch(gn_fn, lambda t: torch_fn(torch, t), x)
    check_gradients(gn_fn, x)


def test_scatter_add_errors_name_the_shapes():
    a = gn.zeros(2, 3)
    with pytest.raises(ValueError, match=r"scatter_add: index of shape \(2, 4\) does not fit"):
        S.scatter_add(a, 1, np.zeros((2, 4), dtype=np.int64), gn.zeros(2, 3))
    with pytest.raises(IndexError, match="scatter_add: index out of range for dim 1 of size 3"):
        S.scatter_add(a, 1, np.full((2, 1), 3), gn.zeros(2, 1))
    with pytest.raises(ValueError, match=r"index_add: source of shape \(2, 3\) needs 2 dims and 3"):
        S.index_add(a, 0, [0, 1, 1], gn.zeros(2, 3))


@pytest.mark.parametrize("p", [2, 3])
def test_norm_of_an_all_zero_slice_has_gradient_zero_as_in_torch(p):
    a = np.array([[0.0, 0.0, 0.0], [1.0, 2.0, 2.0]], np.float32)
    x = gn.tensor(a, requires_grad=True)
    x.norm(p, dim=1).sum().backward()
    assert np.all(np.isfinite(x.grad.numpy())) and np.all(x.grad.numpy()[0] == 0)
    y = gn.tensor(a[1:], requires_grad=True)
    y.norm(p, dim=1).sum().backward()
    np.testing.assert_allclose(x.grad.numpy()[1:], y.grad.numpy(), rtol=1e-6)
