"""Saliency and InputXGradient: exact answers on linear models, agreement with torch autograd."""

from __future__ import annotations

import numpy as np
import pytest

from glassnet.explain import InputXGradient, Saliency
from glassnet.nn import Linear, Sequential

from .helpers import mlp


def test_saliency_of_linear_model_is_its_weights(rng):
    model = Sequential(Linear(5, 3)).double()
    x = rng.standard_normal((4, 5))
    w = model[0].weight.numpy()
    np.testing.assert_allclose(
        Saliency(model, abs=False).attribute(x, target=2), np.tile(w[2], (4, 1))
    )
    np.testing.assert_allclose(
        Saliency(model).attribute(x, target=[0, 1, 2, 0]), np.abs(w[[0, 1, 2, 0]])
    )
    np.testing.assert_allclose(InputXGradient(model).attribute(x, target=1), w[1] * x)


def test_saliency_matches_torch(rng, torch):
    model = mlp()
    x = rng.standard_normal((4, 6))
    target = [2, 0, 1, 1]
    tm = torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3)).double()
    tm.load_state_dict({k: torch.tensor(np.asarray(v)) for k, v in model.state_dict().items()})
    tx = torch.tensor(x, requires_grad=True)
    tm(tx)[torch.arange(4), torch.tensor(target)].sum().backward()
    np.testing.assert_allclose(
        Saliency(model, abs=False).attribute(x, target=target), tx.grad.numpy()
    )
    np.testing.assert_allclose(
        InputXGradient(model).attribute(x, target=target), x * tx.grad.numpy(), rtol=1e-12
    )


def test_image_shaped_inputs(rng):
    model = mlp(16, 8, 4)
    f = lambda t: model(t.reshape(t.shape[0], 16))  # noqa: E731
    x = rng.standard_normal((2, 1, 4, 4))
    attr = Saliency(f).attribute(x, target=[3, 0])
    assert attr.shape == (2, 1, 4, 4)
    assert np.all(attr >= 0)


def test_repr():
    assert repr(Saliency(mlp(), abs=False)) == "Saliency(model=Sequential, abs=False)"


def test_abs_must_be_keyword():
    with pytest.raises(TypeError):
        Saliency(mlp(), False)  # type: ignore[misc]
