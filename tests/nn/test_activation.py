"""Activation layers: PyTorch names, arguments and outputs; validation; the name registry."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
import glassnet.nn as nn
from glassnet.nn.layers.activation import ACTIVATIONS, get_activation
from glassnet.testing import check_against_torch

# (glassnet layer, torch layer factory name, constructor args)
CASES = [
    (nn.ReLU(), "ReLU", ()),
    (nn.LeakyReLU(0.2), "LeakyReLU", (0.2,)),
    (nn.LeakyReLU(), "LeakyReLU", ()),
    (nn.Sigmoid(), "Sigmoid", ()),
    (nn.Tanh(), "Tanh", ()),
    (nn.ELU(0.5), "ELU", (0.5,)),
    (nn.GELU(), "GELU", ()),
    (nn.GELU("tanh"), "GELU", ("tanh",)),
    (nn.Softplus(2.0, 5.0), "Softplus", (2.0, 5.0)),
    (nn.SiLU(), "SiLU", ()),
    (nn.Softmax(1), "Softmax", (1,)),
    (nn.Softmax(dim=0), "Softmax", (0,)),
    (nn.LogSoftmax(dim=1), "LogSoftmax", (1,)),
    (nn.LogSoftmax(-1), "LogSoftmax", (-1,)),
]


@pytest.mark.parametrize("layer,tname,args", CASES, ids=[repr(c[0]) for c in CASES])
def test_layer_matches_torch_module(layer, tname, args, rng, torch):
    tlayer = getattr(torch.nn, tname)(*args)
    check_against_torch(layer, tlayer, rng.standard_normal((4, 5)) * 3)


@pytest.mark.parametrize("layer", [c[0] for c in CASES], ids=[repr(c[0]) for c in CASES])
def test_layers_have_no_parameters_and_keep_shape_and_dtype(layer):
    assert list(layer.parameters()) == [] and layer.state_dict() == {}
    y = layer(gn.randn(2, 3, 4))
    assert y.shape == (2, 3, 4) and y.dtype == np.float32


def test_reprs_show_arguments():
    assert repr(nn.LeakyReLU(0.2)) == "LeakyReLU(negative_slope=0.2)"
    assert repr(nn.ELU()) == "ELU(alpha=1.0)"
    assert repr(nn.GELU("tanh")) == "GELU(approximate='tanh')"
    assert repr(nn.Softplus()) == "Softplus(beta=1.0, threshold=20.0)"
    assert repr(nn.Softmax(1)) == "Softmax(dim=1)"
    assert repr(nn.LogSoftmax()) == "LogSoftmax(dim=None)"  # PyTorch's default (issue 13)
    assert repr(nn.ReLU()) == "ReLU()"


def test_inplace_is_accepted_and_input_untouched():
    x = gn.tensor(np.array([-1.0, 2.0], dtype=np.float32))
    for layer in (nn.ReLU(inplace=True), nn.LeakyReLU(0.1, inplace=True), nn.ELU(inplace=True), nn.SiLU(inplace=True)):  # fmt: skip
        layer(x)
        np.testing.assert_array_equal(x.numpy(), [-1.0, 2.0])


def test_softmax_rows_sum_to_one_on_the_chosen_dim():
    x = gn.randn(3, 4, 5)
    np.testing.assert_allclose(nn.Softmax(dim=1)(x).numpy().sum(axis=1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(np.exp(nn.LogSoftmax(0)(x).numpy()).sum(axis=0), 1.0, rtol=1e-6)


def test_get_activation_by_name_class_and_instance():
    assert isinstance(get_activation("ReLU"), nn.ReLU)
    assert isinstance(get_activation("swish"), nn.SiLU)
    assert isinstance(get_activation(nn.Tanh), nn.Tanh)
    inst = nn.LeakyReLU(0.3)
    assert get_activation(inst) is inst
    assert isinstance(get_activation(lambda: nn.ELU(0.2)), nn.ELU)
    for name in ACTIVATIONS:
        assert isinstance(get_activation(name), nn.Module)


@pytest.mark.parametrize(
    "make,exc,match",
    [
        (lambda: nn.LeakyReLU("0.1"), TypeError, r"LeakyReLU: negative_slope must be a number, got '0.1'"),
        (lambda: nn.ELU(None), TypeError, r"ELU: alpha must be a number, got None"),
        (lambda: nn.GELU("erf"), ValueError, r"GELU: approximate must be 'none' or 'tanh', got 'erf'"),
        (lambda: nn.Softplus(beta=0), ValueError, r"Softplus: beta must be non-zero, got 0"),
        (lambda: nn.Softmax(1.0), TypeError, r"Softmax: dim must be an int, got 1.0"),
        (lambda: nn.LogSoftmax(dim="1"), TypeError, r"LogSoftmax: dim must be an int, got '1'"),
        (lambda: nn.Softmax(2)(gn.randn(3, 4)), ValueError, r"Softmax\(dim=2\): dim 2 is out of range for input of shape \(3, 4\)"),
        (lambda: nn.LogSoftmax(1)(gn.tensor(1.0)), ValueError, r"LogSoftmax\(dim=1\): dim 1 is out of range for input of shape \(\)"),
        (lambda: nn.ReLU(True, True), TypeError, r"positional"),
        (lambda: get_activation("relu6"), ValueError, r"get_activation: unknown activation 'relu6'; known: elu, gelu"),
        (lambda: get_activation(3), TypeError, r"get_activation: activation must be a name, a Module class or a Module, got 3"),
    ],
)  # fmt: skip
def test_errors(make, exc, match):
    with pytest.raises(exc, match=match):
        make()
