"""Embedding and one_hot against torch; gradients by finite differences."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet import nn
from glassnet.ops.embedding import embedding, one_hot
from glassnet.testing import check_against_torch, check_gradients

IDX = np.array([[0, 2, 4, 2], [1, 1, 3, 0]])


@pytest.mark.parametrize("padding_idx", [None, 2, -1])
def test_embedding_values_and_gradients(padding_idx, rng, torch):
    w = rng.standard_normal((5, 3))
    if padding_idx is None:  # the padding row's gradient is 0 by definition, not by calculus
        check_gradients(lambda t: embedding(IDX, t, padding_idx), w)
    check_against_torch(
        lambda t: embedding(IDX, t, padding_idx),
        lambda t: torch.nn.functional.embedding(torch.tensor(IDX), t, padding_idx),
        w,
    )


def test_max_norm_renormalises_the_looked_up_rows_like_torch(rng, torch):
    w = rng.standard_normal((5, 3)) * 3
    g, t = gn.tensor(w.copy()), torch.tensor(w.copy())
    out_g = embedding(IDX[:, :2], g, max_norm=1.5)
    out_t = torch.nn.functional.embedding(torch.tensor(IDX[:, :2]), t, max_norm=1.5)
    np.testing.assert_allclose(out_g.numpy(), out_t.numpy(), rtol=1e-6)
    np.testing.assert_allclose(g.numpy(), t.numpy(), rtol=1e-6)  # the table itself changed


def test_module_matches_torch_with_its_state_dict(torch):
    t = torch.nn.Embedding(10, 4, padding_idx=0)
    g = nn.Embedding(10, 4, 0)
    assert np.all(g.weight.numpy()[0] == 0)
    g.load_state_dict({k: v.detach().numpy() for k, v in t.state_dict().items()})
    x = np.array([[0, 3, 9], [5, 0, 1]])
    out_g, out_t = g(x), t(torch.tensor(x))
    np.testing.assert_allclose(out_g.numpy(), out_t.detach().numpy())
    out_g.sum().backward()
    out_t.sum().backward()
    np.testing.assert_allclose(g.weight.grad.numpy(), t.weight.grad.numpy())


def test_from_pretrained_is_frozen_by_default():
    table = np.arange(12.0).reshape(4, 3)
    e = nn.Embedding.from_pretrained(table)
    assert not e.weight.requires_grad and e.num_embeddings == 4
    np.testing.assert_array_equal(e(np.array([3])).numpy(), [[9.0, 10.0, 11.0]])
    assert nn.Embedding.from_pretrained(table, freeze=False).weight.requires_grad


def test_one_hot_matches_torch(torch):
    x = np.array([[0, 3], [2, 1]])
    np.testing.assert_array_equal(
        one_hot(x).numpy(), torch.nn.functional.one_hot(torch.tensor(x)).numpy()
    )
    assert one_hot(x, 6).shape == (2, 2, 6) and one_hot(x).dtype == np.int64


def test_errors():
    e = nn.Embedding(4, 2)
    with pytest.raises(IndexError, match=r"embedding: index out of range: got values in \[0, 4\]"):
        e(np.array([0, 4]))
    with pytest.raises(TypeError, match="embedding: indices must be integers, got dtype float"):
        e(np.array([0.0]))
    with pytest.raises(ValueError, match=r"Embedding: padding_idx must be an int in \[-4, 4\)"):
        nn.Embedding(4, 2, padding_idx=4)
    with pytest.raises(NotImplementedError, match="Embedding: sparse=True is not supported"):
        nn.Embedding(4, 2, sparse=True)
    with pytest.raises(ValueError, match="one_hot: class index 3 is too large for num_classes=2"):
        one_hot(np.array([3]), 2)
