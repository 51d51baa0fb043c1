"""``Flatten`` layer: PyTorch's defaults (keep the batch axis) and ranges; errors."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
import glassnet.nn as nn
from glassnet.testing import check_against_torch


@pytest.mark.parametrize("args", [(), (0,), (1, 2), (2, -1), (-3, -2), (0, -1)])
def test_flatten_matches_torch(args, rng, torch):
    check_against_torch(
        nn.Flatten(*args), torch.nn.Flatten(*args), rng.standard_normal((2, 3, 4, 5))
    )


def test_default_keeps_batch_axis():
    assert nn.Flatten()(gn.zeros(7, 1, 28, 28)).shape == (7, 784)
    assert nn.Flatten()(gn.zeros(7, 3)).shape == (7, 3)
    assert repr(nn.Flatten()) == "Flatten(start_dim=1, end_dim=-1)"


def test_gradient_has_input_shape():
    x = gn.tensor(np.ones((2, 3, 4)), requires_grad=True)
    nn.Flatten()(x).sum().backward()
    assert x.grad.shape == (2, 3, 4)


@pytest.mark.parametrize(
    "make,exc,match",
    [
        (lambda: nn.Flatten(1.0), TypeError, r"Flatten: start_dim must be an int, got 1.0"),
        (lambda: nn.Flatten(1, None), TypeError, r"Flatten: end_dim must be an int, got None"),
        (lambda: nn.Flatten(3, 1), ValueError, r"Flatten: start_dim 3 comes after end_dim 1"),
        (lambda: nn.Flatten()(gn.zeros(5)), ValueError, r"Flatten\(start_dim=1, end_dim=-1\): expected input with at least 2 dims, got shape \(5,\)"),
        (lambda: nn.Flatten(0, 3)(gn.zeros(2, 3)), ValueError, r"expected input with at least 4 dims, got shape \(2, 3\)"),
    ],
)  # fmt: skip
def test_errors(make, exc, match):
    with pytest.raises(exc, match=match):
        make()
