"""``asinh``, ``acosh``, ``atanh`` (glassnet.ops.hyperbolic): central differences in float64,
values and gradients against torch (also outside the domain: NaN and infinities), dtypes,
and the ONNX export against onnxruntime."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.testing import check_against_torch, check_gradients, torch_available

from ..nn.onnx_check import Fn, assert_onnx_matches

R = np.random.default_rng(2)
X = R.standard_normal((3, 4)) * 3
ABOVE_ONE = np.abs(X) + 1.1
INSIDE = np.tanh(X) * 0.95


def test_gradients_by_central_differences():
    assert check_gradients(lambda a: gn.asinh(a), X)
    assert check_gradients(lambda a: gn.acosh(a), ABOVE_ONE)
    assert check_gradients(lambda a: gn.atanh(a), INSIDE)


@pytest.mark.skipif(not torch_available(), reason="needs torch")
def test_agrees_with_torch():
    import torch

    check_against_torch(gn.asinh, torch.asinh, X)
    check_against_torch(lambda a: a.arccosh(), lambda a: a.arccosh(), ABOVE_ONE)
    check_against_torch(gn.arctanh, torch.arctanh, INSIDE)
    edge = np.array([-2.0, -1.0, 0.0, 0.5, 1.0, 2.0, np.inf, np.nan])
    for name in ("asinh", "acosh", "atanh"):
        got = getattr(gn, name)(gn.tensor(edge)).numpy()
        want = getattr(torch, name)(torch.tensor(edge)).numpy()
        np.testing.assert_allclose(got, want, rtol=1e-15)  # NaN and inf in the same places
    ints = gn.tensor([1, 2, 3]).asinh()
    assert ints.dtype == np.float32
    x = gn.tensor(X.astype(np.float32), requires_grad=True)
    x.asinh().sum().backward()
    assert x.grad.dtype == np.float32


def test_in_place_twins():
    x = gn.tensor(INSIDE.copy())
    x.atanh_()
    np.testing.assert_allclose(x.numpy(), np.arctanh(INSIDE))


def test_onnx_export_matches_onnxruntime(tmp_path):
    model = Fn(lambda m, a: a.asinh() + (a.abs() + 1.5).acosh() + (a.tanh() * 0.9).atanh())
    assert_onnx_matches(model, [X.astype(np.float32)], tmp_path)
