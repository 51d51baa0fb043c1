"""RowAttentionClassifier and LSTMForecaster: shapes, attention weights, learning on small problems."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
import glassnet.functional as F
from glassnet import nn
from glassnet.models import LSTMForecaster, RowAttentionClassifier, row_lstm_attention


def _adam_steps(model, loss_fn, steps, lr=0.02):
    """Plain Adam written here, so the test depends on nothing but the model."""
    params = list(model.parameters())
    m = [np.zeros_like(p.numpy()) for p in params]
    v = [np.zeros_like(p.numpy()) for p in params]
    losses = []
    for t in range(1, steps + 1):
        model.zero_grad()
        loss = loss_fn()
        loss.backward()
        losses.append(loss.item())
        for p, mi, vi in zip(params, m, v):
            g = p.grad.numpy()
            mi[...] = 0.9 * mi + 0.1 * g
            vi[...] = 0.999 * vi + 0.001 * g * g
            p.array -= lr * (mi / (1 - 0.9**t)) / (np.sqrt(vi / (1 - 0.999**t)) + 1e-8)
    return losses


def test_row_classifier_shapes_and_weights():
    model = RowAttentionClassifier()
    x = gn.rand(4, 28, 28)
    logits, w = model(x, return_weights=True)
    assert logits.shape == (4, 10) and w.shape == (4, 28)
    np.testing.assert_allclose(w.numpy().sum(1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(model(x).numpy(), logits.numpy())
    rw = model.row_weights(gn.rand(4, 1, 28, 28))  # (N, 1, H, W) images work too
    assert rw.shape == (4, 28) and rw.grad_fn is None


def test_row_classifier_weights_via_record_attention():
    model = row_lstm_attention(num_classes=3, hidden=8, num_layers=2, bidirectional=True)
    assert model.lstm.bidirectional and model.classifier.in_features == 16
    x = gn.rand(2, 28, 28)
    with nn.record_attention(model) as rec:
        model(x)
    np.testing.assert_allclose(rec["attention"][0].numpy(), model.row_weights(x).numpy(), rtol=1e-6)


def test_row_classifier_learns_which_row_matters():
    # the class is written in row 20 only; the model must learn it and look there
    gn.manual_seed(0)
    rng = np.random.default_rng(0)
    n = 64
    y = rng.integers(0, 2, n)
    x = rng.normal(0, 0.3, (n, 28, 8)).astype(np.float32)
    x[:, 20, :] += np.where(y[:, None] == 1, 1.5, -1.5).astype(np.float32)
    model = RowAttentionClassifier(2, 16, input_size=8)
    xt, yt = gn.tensor(x), gn.tensor(y)
    losses = _adam_steps(model, lambda: F.cross_entropy(model(xt), yt), steps=30)
    assert losses[-1] < 0.25 * losses[0]
    acc = (model(xt).numpy().argmax(1) == y).mean()
    assert acc > 0.95


def test_registry_builds_it():
    from glassnet.models import build_model, get_model_spec

    model = build_model("lstm-attn", num_classes=10, hidden=[16], dropout=0.1)
    assert isinstance(model, RowAttentionClassifier) and model.hidden_size == 16
    assert get_model_spec("lstm-attn").layout == "rows"
    assert model.lstm.num_layers == 1 and not model.lstm.bidirectional


def test_registry_stacks_one_layer_per_hidden_entry():
    from glassnet.models import build_model

    model = build_model("lstm-attn", hidden=[16, 16, 16], dropout=0.1)
    assert model.lstm.num_layers == 3 and model.lstm.hidden_size == 16
    assert model.lstm.dropout == 0.1 and not model.lstm.bidirectional
    bi = build_model("lstm-attn", num_classes=3, hidden=[8], bidirectional=True, score="dot")
    assert bi.lstm.bidirectional and bi.classifier.in_features == 16
    assert bi.attention.score == "dot" and bi.classifier.out_features == 3


def test_registry_bilstm_attn_is_the_recipe():
    from glassnet.models import build_model, get_model_spec

    spec = get_model_spec("bilstm-attn")
    assert spec.layout == "rows" and spec.defaults == {"hidden": [128, 128], "dropout": 0.2}
    model = build_model("bilstm-attn")
    assert model.lstm.bidirectional and model.lstm.num_layers == 2
    assert model.lstm.hidden_size == 128 and model.lstm.dropout == 0.2
    assert model.classifier.in_features == 256 and model.dropout.p == 0.2
    small = build_model("bilstm-attn", hidden=[8], dropout=0.0)
    assert small.lstm.num_layers == 1 and small.lstm.bidirectional and small.dropout is None
    logits = small(gn.rand(2, 28, 28))
    assert logits.shape == (2, 10)


@pytest.mark.parametrize(
    "name, options, message",
    [
        ("lstm-attn", {"hidden": [16, 8]}, r"model 'lstm-attn': stacked LSTM layers share one hidden size .*got hidden=\[16, 8\]"),
        ("bilstm-attn", {"hidden": [0]}, r"model 'bilstm-attn': hidden must be positive ints, one per stacked LSTM layer, got \[0\]"),
        ("lstm-attn", {"hidden": []}, r"model 'lstm-attn': hidden must be positive ints.*got \[\]"),
        ("bilstm-attn", {"bidirectional": False}, r"model 'bilstm-attn' does not take option\(s\) bidirectional"),
    ],
)  # fmt: skip
def test_registry_lstm_option_errors(name, options, message):
    from glassnet.models import build_model

    with pytest.raises(ValueError, match=message):
        build_model(name, **options)


def _torch_row_classifier(torch, model, x):
    """The same network written with torch.nn.LSTM and the additive attention by hand."""
    cfg = model.lstm
    lstm = torch.nn.LSTM(
        cfg.input_size, cfg.hidden_size, num_layers=cfg.num_layers, batch_first=True,
        bidirectional=cfg.bidirectional, dtype=torch.float64,
    )  # fmt: skip
    state = model.state_dict()
    lstm.load_state_dict(
        {k[5:]: torch.tensor(np.asarray(v)) for k, v in state.items() if k.startswith("lstm.")}
    )
    params = {
        k: torch.tensor(np.asarray(v), requires_grad=True)
        for k, v in state.items()
        if not k.startswith("lstm.")
    }
    out, _ = lstm(x)
    scores = torch.tanh(
        out @ params["attention.key_proj.weight"].T + params["attention.key_proj.bias"]
    )
    w = torch.softmax(scores @ params["attention.v"], dim=1)
    ctx = (w[..., None] * out).sum(1)
    logits = ctx @ params["classifier.weight"].T + params["classifier.bias"]
    return logits, w, lstm, params


@pytest.mark.parametrize("layers, bidirectional", [(1, False), (2, True)])
def test_row_classifier_matches_torch(layers, bidirectional, rng, torch):
    model = row_lstm_attention(
        num_classes=4, hidden=6, num_layers=layers, bidirectional=bidirectional, dropout=0.3,
        input_size=5,
    ).double().eval()  # fmt: skip
    x = rng.standard_normal((3, 7, 5))
    r = rng.standard_normal((3, 4))
    gx = gn.tensor(x, requires_grad=True)
    logits, w = model(gx, return_weights=True)
    (logits * gn.tensor(r)).sum().backward()
    tx = torch.tensor(x, requires_grad=True)
    t_logits, t_w, t_lstm, t_params = _torch_row_classifier(torch, model, tx)
    (t_logits * torch.tensor(r)).sum().backward()
    np.testing.assert_allclose(logits.numpy(), t_logits.detach().numpy(), atol=1e-10)
    np.testing.assert_allclose(w.numpy(), t_w.detach().numpy(), atol=1e-10)
    np.testing.assert_allclose(gx.grad.numpy(), tx.grad.numpy(), atol=1e-10)
    grads = {n: p.grad.numpy() for n, p in model.named_parameters()}
    for n, p in t_lstm.named_parameters():
        np.testing.assert_allclose(grads["lstm." + n], p.grad.numpy(), atol=1e-10, err_msg=n)
    for n, p in t_params.items():
        np.testing.assert_allclose(grads[n], p.grad.numpy(), atol=1e-10, err_msg=n)


def test_row_classifier_gradcheck(rng):
    from glassnet.testing import check_gradients

    model = row_lstm_attention(
        num_classes=3, hidden=4, num_layers=2, bidirectional=True, input_size=3
    )
    model.double().eval()
    assert check_gradients(lambda x: model(x), rng.standard_normal((2, 5, 3)))


def test_row_classifier_dropout_only_in_training():
    model = row_lstm_attention(hidden=8, num_layers=2, bidirectional=True, dropout=0.5)
    x = gn.rand(4, 28, 28)
    model.eval()
    np.testing.assert_array_equal(model(x).numpy(), model(x).numpy())
    model.train()
    assert not np.array_equal(model(x).numpy(), model(x).numpy())


def test_row_classifier_errors():
    model = RowAttentionClassifier(hidden_size=8)
    with pytest.raises(ValueError, match=r"RowAttentionClassifier: expected images of shape \(N, rows, 28\) or \(N, 1, rows, 28\), got \(2, 28, 27\)"):  # fmt: skip
        model(gn.zeros(2, 28, 27))
    with pytest.raises(ValueError, match="RowAttentionClassifier: hidden_size must be a positive int, got 0"):  # fmt: skip
        RowAttentionClassifier(hidden_size=0)


# ------------------------------------------------------------- forecaster
def test_forecaster_shapes_match_windows():
    from glassnet.data.timeseries import windows

    series = np.sin(np.arange(200) * 0.2).astype(np.float32)
    X, Y = windows(series, input_len=16, horizon=4)
    model = LSTMForecaster(1, 8, horizon=4)
    out = model(gn.tensor(np.ascontiguousarray(X[:5])))
    assert out.shape == Y[:5].shape == (5, 4, 1)
    assert model(gn.tensor(np.ascontiguousarray(X[:5, :, 0]))).shape == (5, 4, 1)  # (N, W) works


def test_forecaster_learns_a_sine():
    gn.manual_seed(1)
    t = np.arange(300)
    series = np.stack([np.sin(t * 0.3), np.cos(t * 0.3)], axis=1).astype(np.float32)
    idx = np.arange(0, 280, 7)
    X = np.stack([series[i : i + 12] for i in idx])
    Y = np.stack([series[i + 12 : i + 15] for i in idx])
    model = LSTMForecaster(2, 16, horizon=3)
    xt, yt = gn.tensor(X), gn.tensor(Y)
    losses = _adam_steps(model, lambda: F.mse_loss(model(xt), yt), steps=60)
    assert losses[-1] < 0.1 * losses[0]


def test_forecaster_output_size_and_errors():
    model = LSTMForecaster(3, 8, horizon=5, output_size=1, num_layers=2, dropout=0.1)
    assert model(gn.zeros(2, 7, 3)).shape == (2, 5, 1)
    with pytest.raises(ValueError, match=r"LSTMForecaster: expected a window of shape \(N, W, 3\), got \(2, 7\)"):  # fmt: skip
        model(gn.zeros(2, 7))
    with pytest.raises(ValueError, match="LSTMForecaster: horizon must be a positive int, got 0"):
        LSTMForecaster(1, 4, 0)
