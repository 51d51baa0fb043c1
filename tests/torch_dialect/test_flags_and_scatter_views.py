"""Tensor flags (``is_cpu``, ``get_device``, ``layout``, ...), ``fmax``/``fmin``,
``bitwise_*``, the ``*_scatter`` functions, ``fill_diagonal_`` and ``split_with_sizes``
against torch."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.testing import check_against_torch, torch_available

R = np.random.default_rng(4)
A = R.standard_normal((3, 4))
needs_torch = pytest.mark.skipif(not torch_available(), reason="needs torch")


@needs_torch
def test_flags_are_torch_answers_for_a_dense_cpu_tensor():
    import torch

    g, t = gn.tensor(A), torch.tensor(A)
    for name in ("is_cpu", "is_sparse", "is_quantized", "is_meta", "is_nested"):
        assert getattr(g, name) == getattr(t, name), name
    assert g.get_device() == t.get_device() == -1
    assert repr(g.layout) == repr(t.layout) == "torch.strided"
    assert g.is_same_size(gn.zeros(3, 4)) and not g.is_same_size(gn.zeros(4, 3))
    assert g.share_memory_() is g and not g.is_shared()
    x = gn.tensor(A, requires_grad=True)
    y = x * 2
    assert not y.retains_grad
    y.retain_grad()
    assert y.retains_grad and y.output_nr == 0
    assert not g.is_inference()


@needs_torch
def test_fmax_fmin_with_nans_and_ties():
    import torch

    a = np.array([1.0, np.nan, 2.0, np.nan, 3.0])
    b = np.array([np.nan, 1.0, 2.0, np.nan, 4.0])
    for name in ("fmax", "fmin"):
        check_against_torch(getattr(gn, name), getattr(torch, name), a, b)
        check_against_torch(lambda x, y, n=name: getattr(x, n)(y),
                            lambda x, y, n=name: getattr(x, n)(y), A, A[::-1].copy())  # fmt: skip


@needs_torch
def test_bitwise_functions():
    import torch

    a, b = np.array([[5, -3, 12]]), np.array([[3, 6, -1]])
    for name in ("bitwise_and", "bitwise_or", "bitwise_xor"):
        got = getattr(gn.tensor(a), name)(gn.tensor(b)).numpy()
        np.testing.assert_array_equal(got, getattr(torch, name)(torch.tensor(a), torch.tensor(b)))
    np.testing.assert_array_equal(gn.bitwise_not(gn.tensor(a)).numpy(), torch.bitwise_not(torch.tensor(a)))
    m = gn.tensor([True, False])
    m.bitwise_and_(gn.tensor([True, True]))
    assert m.tolist() == [True, False]
    with pytest.raises(TypeError, match="bitwise_and: expected integer or boolean tensors"):
        gn.bitwise_and(gn.ones(2), gn.ones(2))


@needs_torch
def test_scatter_views_agree_with_torch():
    import torch

    check_against_torch(lambda x, s: gn.select_scatter(x, s, 1, 2),
                        lambda x, s: torch.select_scatter(x, s, 1, 2), A, A[:, 0])  # fmt: skip
    check_against_torch(lambda x, s: x.slice_scatter(s, 1, 1, None, 2),
                        lambda x, s: x.slice_scatter(s, 1, 1, None, 2), A, A[:, :2])  # fmt: skip
    for offset, d1, d2 in ((0, 0, 1), (1, 0, 1), (-1, 1, 0)):
        n = len(np.diagonal(A, offset, d1, d2))
        check_against_torch(
            lambda x, s, o=offset, a=d1, b=d2: gn.diagonal_scatter(x, s, o, a, b),
            lambda x, s, o=offset, a=d1, b=d2: torch.diagonal_scatter(x, s, o, a, b),
            A, A[0, :n],
        )  # fmt: skip
    cube = R.standard_normal((2, 3, 3))
    check_against_torch(lambda x, s: x.diagonal_scatter(s, 0, 1, 2),
                        lambda x, s: x.diagonal_scatter(s, 0, 1, 2), cube, cube[:, 0])  # fmt: skip


@needs_torch
def test_fill_diagonal_and_split_with_sizes():
    import torch

    for shape, wrap in (((3, 3), False), ((7, 3), True), ((7, 3), False), ((2, 5), False)):
        g, t = gn.zeros(*shape), torch.zeros(*shape)
        g.fill_diagonal_(1.5, wrap=wrap)
        t.fill_diagonal_(1.5, wrap=wrap)
        np.testing.assert_array_equal(g.numpy(), t.numpy())
    x = gn.tensor(A, requires_grad=True)
    y = x * 1
    y.fill_diagonal_(0)
    y.sum().backward()
    tx = torch.tensor(A, requires_grad=True)
    ty = tx * 1
    ty.fill_diagonal_(0)
    ty.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())
    parts = gn.tensor(A).split_with_sizes([1, 3], 1)
    assert [tuple(p.shape) for p in parts] == [(3, 1), (3, 3)]
    with pytest.raises(RuntimeError, match=r"split_with_sizes: sizes \[1, 2\] must sum"):
        gn.tensor(A).split_with_sizes([1, 2], 1)
