"""``LocalResponseNorm`` and ``F.local_response_norm`` against torch; gradients; ONNX; errors."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
import glassnet.nn as nn
import glassnet.nn.functional as F
from glassnet.testing import check_against_torch, check_gradients
from tests.nn.onnx_check import assert_onnx_matches

ARGS = [(3,), (4, 1e-2, 0.6, 2.0), (1, 0.5, 1.0, 0.5), (8, 0.3, 0.75, 1.5), (2, 0.1)]


@pytest.mark.parametrize("shape", [(2, 5, 4), (2, 6, 3, 4), (1, 5, 2, 3, 2)])
@pytest.mark.parametrize("args", ARGS)
def test_matches_torch(shape, args, rng, torch):
    x = rng.standard_normal(shape)
    check_against_torch(nn.LocalResponseNorm(*args), torch.nn.LocalResponseNorm(*args), x)
    check_against_torch(
        lambda t: F.local_response_norm(t, *args),
        lambda t: torch.nn.functional.local_response_norm(t, *args),
        x,
    )


def test_gradcheck(rng):
    check_gradients(lambda t: F.local_response_norm(t, 3, 0.5, 0.7, 1.2), rng.standard_normal((2, 4, 3)))  # fmt: skip
    check_gradients(nn.LocalResponseNorm(2, 1.0, 0.5), rng.standard_normal((1, 3, 2, 2)))


def test_float32_and_empty():
    x = gn.randn(2, 3, 4, requires_grad=True)
    y = nn.LocalResponseNorm(2)(x)
    y.sum().backward()
    assert y.dtype == np.float32 and x.grad.dtype == np.float32
    assert nn.LocalResponseNorm(2)(gn.zeros(0, 3, 4)).shape == (0, 3, 4)


def test_onnx_export(rng, tmp_path):
    model = nn.Sequential(nn.Conv2d(2, 5, 1), nn.LocalResponseNorm(3, 0.2, 0.75, 1.0))
    x = rng.standard_normal((2, 2, 3, 4)).astype(np.float32)
    others = [(rng.standard_normal((3, 2, 3, 4)).astype(np.float32),)]
    assert_onnx_matches(model, (x,), tmp_path, others=others)


def test_repr():
    assert repr(nn.LocalResponseNorm(2)) == "LocalResponseNorm(2, alpha=0.0001, beta=0.75, k=1.0)"


@pytest.mark.parametrize(
    "make,match",
    [
        (lambda: nn.LocalResponseNorm(0), r"LocalResponseNorm: size must be a positive int, got 0"),
        (lambda: nn.LocalResponseNorm(2, alpha="x"), r"LocalResponseNorm: alpha must be a number, got 'x'"),
        (lambda: nn.LocalResponseNorm(2)(gn.zeros(3, 4)), r"local_response_norm: expected input of shape \(N, C, \*\) with at least 3 dims, got \(3, 4\)"),
    ],
)  # fmt: skip
def test_errors(make, match):
    with pytest.raises(ValueError, match=match):
        make()
