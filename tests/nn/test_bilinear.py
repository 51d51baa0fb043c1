"""``Bilinear`` and ``F.bilinear`` against torch (values, input and parameter gradients); init; ONNX."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
import glassnet.nn as nn
import glassnet.nn.functional as F
from glassnet.testing import check_against_torch, check_gradients
from tests.nn.onnx_check import assert_onnx_matches


@pytest.mark.parametrize("lead,bias", [((4,), True), ((2, 3), False), ((), True)])
def test_layer_matches_torch_with_parameter_gradients(lead, bias, rng, torch):
    layer = nn.Bilinear(3, 5, 4, bias, dtype=np.float64)
    ref = torch.nn.Bilinear(3, 5, 4, bias, dtype=torch.float64)
    ref.load_state_dict({k: torch.tensor(v.numpy()) for k, v in layer.state_dict().items()})
    x1, x2 = rng.standard_normal((*lead, 3)), rng.standard_normal((*lead, 5))
    g1, g2 = gn.tensor(x1, requires_grad=True), gn.tensor(x2, requires_grad=True)
    t1, t2 = torch.tensor(x1, requires_grad=True), torch.tensor(x2, requires_grad=True)
    w = rng.standard_normal((*lead, 4))
    y, ty = layer(g1, g2), ref(t1, t2)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), atol=1e-12)
    (y * gn.tensor(w)).sum().backward()
    (ty * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(g1.grad.numpy(), t1.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(g2.grad.numpy(), t2.grad.numpy(), atol=1e-12)
    for name, p in layer.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), getattr(ref, name).grad.numpy(), atol=1e-12)


def test_functional_matches_torch_and_gradcheck(rng, torch):
    x1, x2 = rng.standard_normal((2, 3, 2)), rng.standard_normal((2, 3, 4))
    w, b = rng.standard_normal((5, 2, 4)), rng.standard_normal(5)
    check_against_torch(F.bilinear, torch.nn.functional.bilinear, x1, x2, w, b)
    check_against_torch(lambda a, c, v: F.bilinear(a, c, v), lambda a, c, v: torch.nn.functional.bilinear(a, c, v), x1, x2, w)  # fmt: skip
    check_gradients(F.bilinear, x1, x2, w, b)


def test_init_state_dict_and_repr():
    layer = nn.Bilinear(16, 3, 7)
    sd = layer.state_dict()
    assert list(sd) == ["weight", "bias"]
    assert sd["weight"].shape == (7, 16, 3) and sd["bias"].shape == (7,)
    bound = 1 / np.sqrt(16)  # torch's: U(-1/sqrt(in1), 1/sqrt(in1)) for both
    for p in layer.parameters():
        assert p.dtype == np.float32
        assert np.abs(p.numpy()).max() <= bound and np.abs(p.numpy()).max() > bound / 2
    assert nn.Bilinear(2, 3, 4, bias=False).bias is None
    assert repr(nn.Bilinear(2, 3, 4, bias=False)) == (
        "Bilinear(in1_features=2, in2_features=3, out_features=4, bias=False)"
    )


def test_onnx_export(rng, tmp_path):
    gn.manual_seed(1)
    model = nn.Bilinear(3, 4, 2)
    x1, x2 = rng.standard_normal((5, 3)).astype(np.float32), rng.standard_normal((5, 4)).astype(np.float32)  # fmt: skip
    other = (rng.standard_normal((2, 3)).astype(np.float32), rng.standard_normal((2, 4)).astype(np.float32))  # fmt: skip
    assert_onnx_matches(model, (x1, x2), tmp_path, others=[other])


@pytest.mark.parametrize(
    "make,match",
    [
        (lambda: nn.Bilinear(0, 2, 3), r"Bilinear: in1_features must be a positive int, got 0"),
        (lambda: nn.Bilinear(2, 3, 4)(gn.zeros(5, 2), gn.zeros(5, 4)), r"Bilinear\(in1_features=2, in2_features=3, out_features=4, bias=True\): expected inputs \(\*, 2\) and \(\*, 3\), got \(5, 2\) and \(5, 4\)"),
        (lambda: F.bilinear(gn.zeros(5, 2), gn.zeros(4, 3), gn.zeros(1, 2, 3)), r"bilinear: input1 \(5, 2\) and input2 \(4, 3\) must have the same leading dims"),
        (lambda: F.bilinear(gn.zeros(5, 2), gn.zeros(5, 3), gn.zeros(2, 3)), r"bilinear: expected weight of shape \(out, in1, in2\), got \(2, 3\)"),
        (lambda: F.bilinear(gn.zeros(5, 2), gn.zeros(5, 3), gn.zeros(1, 2, 3), gn.zeros(2)), r"bilinear: expected bias of shape \(1,\), got \(2,\)"),
    ],
)  # fmt: skip
def test_errors(make, match):
    with pytest.raises(ValueError, match=match):
        make()
