"""``glassnet/ops/pool_indices.py``: ``max_unpool1d``/``max_unpool2d`` (the ``MaxUnpool`` op)
by central differences and against torch; the index rules are in test_ops_round3.py."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet.functional as F
from glassnet.ops.pool_indices import max_unpool1d, max_unpool2d
from glassnet.testing import check_against_torch, check_gradients, torch_available

X = np.random.default_rng(0).standard_normal((2, 3, 6, 5))


def test_unpool_gradients_by_central_differences():
    # non-overlapping windows: with overlapping ones a maximum shared by several windows is
    # written once but its gradient gathered once per window (torch's backward does the same,
    # compared below), which is not the derivative central differences see
    assert check_gradients(
        lambda a: max_unpool2d(*F.max_pool2d(a, 2, return_indices=True), 2, output_size=(6, 5)), X
    )
    x1 = X[:, :, 0]
    assert check_gradients(lambda a: max_unpool1d(*F.max_pool1d(a, 2, return_indices=True), 2), x1)


@pytest.mark.skipif(not torch_available(), reason="needs torch")
def test_unpool_agrees_with_torch():
    import torch.nn.functional as TF

    check_against_torch(
        lambda a: max_unpool2d(*F.max_pool2d(a, 2, return_indices=True), 2, output_size=(6, 5)),
        lambda a: TF.max_unpool2d(*TF.max_pool2d(a, 2, return_indices=True), 2, output_size=(6, 5)),
        X,
    )
    check_against_torch(
        lambda a: max_unpool2d(
            *F.max_pool2d(a, 3, 2, 1, return_indices=True), 3, 2, 1, output_size=(6, 5)
        ),
        lambda a: TF.max_unpool2d(
            *TF.max_pool2d(a, 3, 2, 1, return_indices=True), 3, 2, 1, output_size=(6, 5)
        ),
        X,
    )
