"""Activations composed of other ops: finite differences, values and gradients equal to torch's."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import glassnet as gn
from glassnet import nn
from glassnet.ops import activation_composed as C
from glassnet.testing import check_against_torch, check_gradients

# name -> (glassnet fn, torch fn(torch, x))
CASES = {
    "hardtanh": (lambda x: C.hardtanh(x, -0.5, 0.7), lambda T, x: T.nn.functional.hardtanh(x, -0.5, 0.7)),
    "relu6": (C.relu6, lambda T, x: T.nn.functional.relu6(x)),
    "hardsigmoid": (C.hardsigmoid, lambda T, x: T.nn.functional.hardsigmoid(x)),
    "hardswish": (C.hardswish, lambda T, x: T.nn.functional.hardswish(x)),
    "mish": (C.mish, lambda T, x: T.nn.functional.mish(x)),
    "logsigmoid": (C.logsigmoid, lambda T, x: T.nn.functional.logsigmoid(x)),
    "softmin": (lambda x: C.softmin(x, 1), lambda T, x: T.nn.functional.softmin(x, 1)),
    "selu": (C.selu, lambda T, x: T.nn.functional.selu(x)),
    "celu": (lambda x: C.celu(x, 0.7), lambda T, x: T.nn.functional.celu(x, 0.7)),
    "softsign": (C.softsign, lambda T, x: T.nn.functional.softsign(x)),
}  # fmt: skip


def _input(rng):
    # spread over the kinks (-3, -1, 0, 1, 3, 6) but never on them
    x = rng.uniform(-8, 8, (4, 6))
    return np.where(np.abs(x - np.round(x)) < 0.05, x + 0.1, x)


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradients_and_torch(name, rng, torch):
    fn, tfn = CASES[name]
    x = _input(rng)
    check_gradients(fn, x)
    check_against_torch(fn, lambda a: tfn(torch, a), x)


@pytest.mark.parametrize(
    "x_shape,weight_shape",
    [((2, 3, 4, 4), (1,)), ((2, 3, 4, 4), (3,)), ((5, 3), (3,)), ((3,), (1,)), ((), (1,))],
)
def test_prelu(x_shape, weight_shape, rng, torch):
    x, w = rng.standard_normal(x_shape), rng.uniform(0.1, 0.5, weight_shape)
    check_gradients(C.prelu, x, w)
    check_against_torch(C.prelu, torch.nn.functional.prelu, x, w)


def test_hardtanh_gradient_is_zero_at_the_bounds_like_torch(torch):
    x = np.array([-1.0, -0.5, 1.0, 2.0])
    check_against_torch(C.hardtanh, torch.nn.functional.hardtanh, x)


def test_layers_take_torch_arguments_and_state_dict(torch):
    t = torch.nn.PReLU(3, 0.1)
    g = nn.PReLU(3, 0.1)
    g.load_state_dict({k: v.detach().numpy() for k, v in t.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((2, 3, 5)).astype(np.float32)
    np.testing.assert_allclose(g(gn.tensor(x)).numpy(), t(torch.tensor(x)).detach().numpy())
    assert nn.Hardtanh(-2, 2, True).max_val == 2.0
    assert nn.CELU(0.5).alpha == 0.5
    assert list(g.state_dict()) == ["weight"]


def test_softmin_without_dim_warns_and_picks_torchs_axis():
    x = gn.tensor(np.arange(6.0).reshape(2, 3))
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        out = nn.Softmin()(x)
    assert "Implicit dimension choice for softmin" in str(w[0].message)
    np.testing.assert_allclose(out.numpy().sum(axis=1), [1.0, 1.0])


def test_errors_name_the_layer():
    with pytest.raises(ValueError, match=r"Hardtanh: max_val \(-2\) must be > min_val \(1\)"):
        nn.Hardtanh(1, -2)
    with pytest.raises(ValueError, match="prelu: weight has 2 slopes, the input has 3 channels"):
        nn.PReLU(2)(gn.tensor(np.zeros((1, 3, 2))))
    with pytest.raises(ValueError, match="PReLU: num_parameters must be a positive int"):
        nn.PReLU(0)
