"""FeatureWeights: weights of linear models and exact contributions."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.explain import FeatureWeights
from glassnet.nn import Linear, Sequential

from .helpers import Flatten, Relu, Tanh, mlp


def test_linear_layer(rng):
    layer = Linear(4, 3).double()
    fw = FeatureWeights(layer)
    np.testing.assert_array_equal(fw.weights, layer.weight.numpy())
    np.testing.assert_array_equal(fw.bias, layer.bias.numpy())
    x = rng.standard_normal((5, 4))
    contrib = fw.attribute(x, target=[0, 1, 2, 0, 1])
    logits = layer(gn.tensor(x)).numpy()
    np.testing.assert_allclose(
        contrib.sum(axis=1) + fw.bias[[0, 1, 2, 0, 1]], logits[np.arange(5), [0, 1, 2, 0, 1]]
    )


def test_sequential_with_flatten_and_activation(rng):
    model = Sequential(Flatten(), Linear(9, 2, bias=False), Tanh()).double()
    fw = FeatureWeights(model)
    assert fw.layer is model[1]
    np.testing.assert_array_equal(fw.bias, [0.0, 0.0])
    x = rng.standard_normal((3, 1, 3, 3))
    pred = model(gn.tensor(x)).numpy().argmax(axis=1)
    with pytest.raises(
        ValueError, match=r"FeatureWeights: the model has 2 outputs per row; pass target="
    ):
        fw.attribute(x)
    attr = fw.attribute(x, target=pred)
    np.testing.assert_allclose(attr, fw.weights[pred].reshape(3, 1, 3, 3) * x)


def test_perceptron_style_single_output(rng):
    model = Sequential(Linear(3, 1)).double()
    x = rng.standard_normal((2, 3))
    np.testing.assert_allclose(FeatureWeights(model).attribute(x), model[0].weight.numpy() * x)


def test_seed_perceptron(rng):
    """The seed's perceptron: contributions + bias add up to its logit (the sigmoid's input)."""
    model = gn.nn.Perceptron(3, dtype=np.float64)
    fw = FeatureWeights(model)
    assert fw.weights.shape == (1, 3)
    x = rng.standard_normal((4, 3))
    contrib = fw.attribute(x)
    np.testing.assert_allclose(contrib, fw.weights[0] * x)
    logit = model.logits(gn.tensor(x)).numpy()[:, 0]
    np.testing.assert_allclose(contrib.sum(axis=1) + fw.bias[0], logit)


def test_single_layer_mlp(rng):
    model = gn.nn.MLP([4, 3], dtype=np.float64)
    x = rng.standard_normal((2, 4))
    np.testing.assert_allclose(
        FeatureWeights(model).attribute(x, target=2), model.fc1.weight.numpy()[2] * x
    )
    with pytest.raises(TypeError, match=r"FeatureWeights: model must be a linear model.* got MLP"):
        FeatureWeights(gn.nn.MLP([4, 5, 3]))


def test_not_a_linear_model():
    with pytest.raises(
        TypeError, match=r"FeatureWeights: model must be a linear model.* got Sequential"
    ):
        FeatureWeights(mlp())
    with pytest.raises(TypeError, match=r"got Sequential"):
        FeatureWeights(Sequential(Relu(), Linear(3, 2)))


def test_wrong_number_of_features():
    with pytest.raises(
        ValueError,
        match=r"inputs of shape \(2, 5\) have 5 features per row, the linear layer expects 4",
    ):
        FeatureWeights(Linear(4, 2)).attribute(np.ones((2, 5)))
