"""The calling convention every method shares: targets, eval mode, no state left, rows alone."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.explain import (
    FeatureAblation,
    InputXGradient,
    IntegratedGradients,
    LimeSurrogate,
    NoiseTunnel,
    Occlusion,
    Saliency,
)

from .helpers import assert_same_state, give_grads, leaky_mlp, mlp, snapshot

# name -> (make method from model, call attribute with inputs and target)
METHODS = {
    "saliency": (Saliency, lambda m, x, t: m.attribute(x, target=t)),
    "input_x_gradient": (InputXGradient, lambda m, x, t: m.attribute(x, target=t)),
    "ig": (IntegratedGradients, lambda m, x, t: m.attribute(x, target=t, n_steps=8)),
    "smoothgrad": (
        lambda model: NoiseTunnel(Saliency(model)),
        lambda m, x, t: m.attribute(x, target=t, nt_samples=3),
    ),
    "occlusion": (Occlusion, lambda m, x, t: m.attribute(x, (2,), target=t)),
    "ablation": (FeatureAblation, lambda m, x, t: m.attribute(x, target=t)),
    "lime": (LimeSurrogate, lambda m, x, t: m.attribute(x, target=t, n_samples=50)),
}


@pytest.fixture
def data(rng):
    return rng.standard_normal((5, 6))


@pytest.mark.parametrize("name", sorted(METHODS))
def test_shape_and_no_state_left(name, data):
    model = leaky_mlp()
    model.train()
    model[1].train(False)  # mixed modes must come back exactly
    give_grads(model)
    before = snapshot(model)
    make, call = METHODS[name]
    attr = call(make(model), data, [0, 1, 2, 0, 1])
    assert isinstance(attr, np.ndarray)
    assert attr.shape == data.shape
    assert_same_state(before, snapshot(model))


@pytest.mark.parametrize("name", sorted(METHODS))
def test_batch_equals_rows_alone(name, data):
    """Train-mode batch statistics would mix rows: methods must run the model in eval mode."""
    model = leaky_mlp()
    model.train()
    make, call = METHODS[name]
    method = make(model)
    batch = call(method, data, [0, 1, 2, 0, 1])
    rows = np.concatenate(
        [call(method, data[i : i + 1], [t]) for i, t in enumerate([0, 1, 2, 0, 1])]
    )
    np.testing.assert_allclose(batch, rows, rtol=1e-9, atol=1e-12)
    assert model.training


@pytest.mark.parametrize("name", sorted(METHODS))
def test_none_target_is_refused_on_multi_class_models(name, data):
    """Issue 17 item 10 (this test asserted that None explained the predicted class): as in
    Captum, a model with several outputs needs target=."""
    make, call = METHODS[name]
    who = type(make(mlp())).__name__
    with pytest.raises(ValueError, match=rf"{who}: the model has 3 outputs per row; pass target="):
        call(make(mlp()), data, None)


@pytest.mark.parametrize("name", sorted(METHODS))
def test_target_out_of_range(name, data):
    make, call = METHODS[name]
    with pytest.raises(ValueError, match=r"target 3 is out of range for a model with 3 outputs"):
        call(make(mlp()), data, 3)
    with pytest.raises(ValueError, match=r"target -1 is out of range"):
        call(make(mlp()), data, [0, 0, -1, 0, 0])


def test_target_errors_name_the_method(data):
    sal = Saliency(mlp())
    with pytest.raises(
        ValueError, match=r"Saliency: target has 2 entries, expected one per input row \(5\)"
    ):
        sal.attribute(data, target=[0, 1])
    with pytest.raises(ValueError, match=r"Saliency: target must be None, an int or a sequence"):
        sal.attribute(data, target=1.5)
    with pytest.raises(ValueError, match=r"one output per row .*target must be None or 0, got 2"):
        Saliency(mlp(n_out=1)).attribute(data, target=2)


def test_one_output_models_need_no_target(data):
    """(N, 1) and (N,) outputs: the single output is explained; target 0 is accepted."""
    model = mlp(n_out=1)
    a1 = Saliency(model, abs=False).attribute(data)
    a2 = Saliency(model, abs=False).attribute(data, target=0)
    a3 = Saliency(lambda x: model(x).reshape(x.shape[0]), abs=False).attribute(data)
    np.testing.assert_allclose(a1, a2)
    np.testing.assert_allclose(a1, a3)


def test_bad_model_and_inputs():
    with pytest.raises(
        TypeError, match=r"Saliency: model must be a glassnet Module or a callable, got int"
    ):
        Saliency(3)
    with pytest.raises(ValueError, match=r"Saliency: inputs must have a batch axis"):
        Saliency(mlp()).attribute(np.float64(1.0))
    with pytest.raises(ValueError, match=r"expected model outputs of shape \(N,\), \(N, C\)"):
        Saliency(lambda x: x.sum()).attribute(np.ones((2, 6)))
    with pytest.raises(ValueError, match=r"pass target= the output to explain: a tuple of 2 ints"):
        Saliency(lambda x: x.reshape(x.shape[0], 2, 3)).attribute(np.ones((2, 6)))
    with pytest.raises(TypeError, match=r"the model must return a Tensor"):
        Saliency(lambda x: 3.0).attribute(np.ones((2, 6)))


def test_tensor_inputs_and_tuple_outputs(data):
    model = mlp()
    a = Saliency(model).attribute(gn.tensor(data), target=1)
    b = Saliency(lambda x: (model(x), "extra")).attribute(data, target=1)
    np.testing.assert_allclose(a, b)


def test_works_under_no_grad(data):
    model = mlp()
    ref = IntegratedGradients(model).attribute(data, target=0, n_steps=4)
    with gn.no_grad():
        got = IntegratedGradients(model).attribute(data, target=0, n_steps=4)
    np.testing.assert_allclose(got, ref)


def test_inputs_cast_to_model_dtype(data):
    model = mlp().float()
    attr = Saliency(model).attribute(data, target=0)
    assert attr.dtype == np.float32
