"""AttentionMaps and gradient methods on recurrent models (LSTM + attention)."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.explain import AttentionMaps, IntegratedGradients, Saliency
from glassnet.explain.attention import attention_layer_names
from glassnet.nn import Linear, Module

from .helpers import assert_same_state, give_grads, mlp, snapshot

rnn = pytest.importorskip("glassnet.nn.layers.rnn")
attn = pytest.importorskip("glassnet.nn.layers.attention")


class RowModel(Module):
    """LSTM (2 layers, dropout between them) -> self-attention -> temporal attention -> linear."""

    def __init__(self) -> None:
        super().__init__()
        self.lstm = rnn.LSTM(4, 8, num_layers=2, dropout=0.5, batch_first=True, dtype=np.float64)
        self.mha = attn.MultiheadAttention(8, 2, batch_first=True, dtype=np.float64)
        self.attention = attn.TemporalAttention(8, dtype=np.float64)
        self.head = Linear(8, 3, dtype=np.float64)

    def forward(self, x):
        out, _ = self.lstm(x)
        y, _ = self.mha(out, out, out, need_weights=False)
        ctx, _ = self.attention(y)
        return self.head(ctx)


@pytest.fixture
def model():
    gn.manual_seed(1)
    return RowModel()


@pytest.fixture
def x(rng):
    return rng.standard_normal((3, 5, 4))


def test_weights_by_layer_name(model, x):
    assert attention_layer_names(model) == ["mha", "attention"]
    maps = AttentionMaps(model).attribute(x)
    assert set(maps) == {"mha", "attention"}
    assert maps["attention"].shape == (3, 5)
    assert maps["mha"].shape == (3, 2, 5, 5)
    np.testing.assert_allclose(maps["attention"].sum(axis=1), 1.0)
    np.testing.assert_allclose(maps["mha"].sum(axis=-1), 1.0)
    # the same weights as running the layers by hand
    model.eval()
    with gn.no_grad():
        out, _ = model.lstm(gn.tensor(x))
        y, w_mha = model.mha(out, out, out, average_attn_weights=False)
        _, w = model.attention(y)
    np.testing.assert_allclose(maps["attention"], w.numpy(), rtol=1e-12)
    np.testing.assert_allclose(maps["mha"], w_mha.numpy(), rtol=1e-12)


def test_model_left_unchanged(model, x):
    model.train()
    model.mha.keep_weights = True
    sentinel = gn.tensor([1.0])
    model.mha.last_weights = sentinel
    give_grads(model)
    before = snapshot(model)
    AttentionMaps(model).attribute(x)
    assert_same_state(before, snapshot(model))
    assert model.mha.keep_weights is True and model.mha.last_weights is sentinel
    assert model.attention.keep_weights is False and model.attention.last_weights is None


def test_batch_equals_rows_in_train_mode(model, x):
    """Dropout between LSTM layers is on in training mode: methods must switch to eval."""
    model.train()
    maps = AttentionMaps(model).attribute(x)
    rows = [AttentionMaps(model).attribute(x[i : i + 1])["attention"] for i in range(3)]
    np.testing.assert_allclose(maps["attention"], np.concatenate(rows), rtol=1e-10)
    sal = Saliency(model, abs=False)
    a = sal.attribute(x, target=[0, 1, 2])
    np.testing.assert_array_equal(a, sal.attribute(x, target=[0, 1, 2]))
    rows = np.concatenate([sal.attribute(x[i : i + 1], target=[i]) for i in range(3)])
    np.testing.assert_allclose(a, rows, rtol=1e-9, atol=1e-14)
    assert model.training and model.lstm.training


def test_ig_completeness_through_lstm(model, x):
    attr, delta = IntegratedGradients(model).attribute(
        x, target=1, method="gausslegendre", n_steps=32, return_convergence_delta=True
    )
    assert attr.shape == x.shape
    assert np.all(np.abs(delta) < 1e-6)


def test_all_calls(model, x):
    class Twice(Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, t):
            return self.inner(t) + self.inner(t * 0.5)

    maps = AttentionMaps(Twice(model)).attribute(x, all_calls=True)
    assert len(maps["inner.attention"]) == 2
    assert maps["inner.attention"][0].shape == (3, 5)


def test_errors():
    with pytest.raises(ValueError, match=r"AttentionMaps: Sequential has no attention layer"):
        AttentionMaps(mlp())
    with pytest.raises(
        TypeError, match=r"AttentionMaps: model must be a glassnet Module, got function"
    ):
        AttentionMaps(lambda t: t)
