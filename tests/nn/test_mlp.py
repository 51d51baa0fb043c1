"""``Perceptron`` and ``MLP``: structure, PyTorch equivalence, and that they actually learn."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
import glassnet.functional as F
import glassnet.nn as nn

AND_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
AND_Y = np.array([[0], [0], [0], [1]], dtype=np.float32)
XOR_Y = np.array([0, 1, 1, 0])


def _sgd(model, lr):
    for p in model.parameters():
        p.array -= lr * p.grad.array


# ------------------------------------------------------------------ Perceptron
def test_perceptron_shapes_and_parameters():
    p = nn.Perceptron(3)
    y = p(gn.randn(5, 3))
    assert y.shape == (5, 1) and ((y.numpy() > 0) & (y.numpy() < 1)).all()
    assert p.weight.shape == (1, 3) and p.bias.shape == (1,)
    assert list(p.state_dict()) == ["weight", "bias"]
    np.testing.assert_allclose(p.logits(gn.zeros(2, 3)).numpy(), np.tile(p.bias.numpy(), (2, 1)))
    assert repr(p) == "Perceptron(in_features=3, bias=True)"
    assert nn.Perceptron(2, bias=False).bias is None


def test_perceptron_equals_torch_linear_plus_sigmoid(rng, torch):
    p = nn.Perceptron(4)
    t = torch.nn.Sequential(torch.nn.Linear(4, 1), torch.nn.Sigmoid())
    t[0].load_state_dict({k: torch.tensor(np.asarray(v)) for k, v in p.state_dict().items()})
    x = rng.standard_normal((6, 4)).astype(np.float32)
    np.testing.assert_allclose(p(gn.tensor(x)).numpy(), t(torch.tensor(x)).detach().numpy(), rtol=1e-6)  # fmt: skip


def test_perceptron_learns_and_to_100_percent():
    gn.manual_seed(0)
    p = nn.Perceptron(2)
    for _ in range(300):
        loss = F.binary_cross_entropy(p(gn.tensor(AND_X)), AND_Y)
        p.zero_grad()
        loss.backward()
        _sgd(p, 2.0)
    pred = (p(gn.tensor(AND_X)).numpy() >= 0.5).astype(np.float32)
    np.testing.assert_array_equal(pred, AND_Y)
    w = p.weight.numpy()[0]
    assert w[0] > 0 and w[1] > 0 and p.bias.numpy()[0] < -w.min()  # AND needs both inputs


def test_perceptron_separates_two_blobs_and_weights_are_readable(rng):
    n = 100
    x = np.concatenate([rng.normal((-2, 0), 0.5, (n, 2)), rng.normal((2, 0), 0.5, (n, 2))])
    x[:, 1] = rng.standard_normal(2 * n)  # feature 1 is noise
    y = np.concatenate([np.zeros(n), np.ones(n)]).astype(np.float32)[:, None]
    assert x[:n, 0].max() < x[n:, 0].min()  # linearly separable
    gn.manual_seed(1)
    p = nn.Perceptron(2)
    xt = gn.tensor(x.astype(np.float32))
    for _ in range(200):
        loss = nn.BCEWithLogitsLoss()(p.logits(xt), y)
        p.zero_grad()
        loss.backward()
        _sgd(p, 0.5)
    acc = ((p(xt).numpy() >= 0.5) == y).mean()
    assert acc == 1.0
    w = p.weight.numpy()[0]
    assert w[0] > 3 * abs(w[1])  # the informative feature carries the weight


# ------------------------------------------------------------------ MLP structure
def test_mlp_layout_and_state_dict_names():
    m = nn.MLP([784, 256, 128, 10], activation="relu", dropout=0.2)
    names = [n for n, _ in m.named_children()]
    assert names == ["fc1", "act1", "drop1", "fc2", "act2", "drop2", "fc3"]
    assert list(m.state_dict()) == [f"fc{i}.{k}" for i in (1, 2, 3) for k in ("weight", "bias")]
    assert m.fc2.weight.shape == (128, 256) and isinstance(m.act1, nn.ReLU)
    assert m.drop1.p == 0.2
    assert m(gn.randn(5, 784)).shape == (5, 10)
    # torch's layout: options on their own line when the module has children
    assert repr(m).startswith("MLP(\n  sizes=[784, 256, 128, 10]\n  (fc1): Linear(in_features=784")


def test_mlp_options():
    m = nn.MLP([3, 4], output_activation="sigmoid")
    assert [n for n, _ in m.named_children()] == ["fc1", "out_act"]
    m = nn.MLP([3, 5, 2], activation=nn.Tanh, output_activation=nn.Softmax(dim=1), bias=False)
    assert [n for n, _ in m.named_children()] == ["fc1", "act1", "fc2", "out_act"]
    assert isinstance(m.act1, nn.Tanh) and m.fc1.bias is None
    np.testing.assert_allclose(m(gn.randn(4, 3)).numpy().sum(1), 1.0, rtol=1e-6)
    act = nn.LeakyReLU(0.3)
    m = nn.MLP([2, 3, 3, 1], activation=act)
    assert m.act1 is not m.act2 and m.act1.negative_slope == 0.3  # an instance is copied per layer
    m = nn.MLP([2, 3, 1], dtype=np.float64)
    assert m.fc1.weight.dtype == np.float64


def test_mlp_with_batch_norm():
    m = nn.MLP([4, 8, 8, 2], batch_norm=True, dropout=0.1)
    assert [n for n, _ in m.named_children()] == ["fc1", "bn1", "act1", "drop1", "fc2", "bn2", "act2", "drop2", "fc3"]  # fmt: skip
    assert "bn1.running_mean" in m.state_dict()
    assert m(gn.randn(6, 4)).shape == (6, 2)


def test_mlp_matches_torch_sequential(rng, torch):
    g = nn.MLP([5, 7, 6, 3], activation="tanh")
    t = torch.nn.Sequential(
        torch.nn.Linear(5, 7), torch.nn.Tanh(), torch.nn.Linear(7, 6), torch.nn.Tanh(), torch.nn.Linear(6, 3)
    )  # fmt: skip
    # MLP names are fc1..fc3; torch's Sequential numbers every child: map the Linear layers in order
    t.load_state_dict(dict(zip(t.state_dict(), (torch.tensor(np.asarray(v)) for v in g.state_dict().values()))))  # fmt: skip
    x = rng.standard_normal((4, 5)).astype(np.float32)
    out = g(gn.tensor(x))
    tx = torch.tensor(x)
    tout = t(tx)
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=1e-5, atol=1e-6)
    out.sum().backward()
    tout.sum().backward()
    np.testing.assert_allclose(g.fc1.weight.grad.numpy(), t[0].weight.grad.numpy(), rtol=1e-5, atol=1e-6)  # fmt: skip


# ------------------------------------------------------------------ MLP learning
def _train_xor(model, steps, lr, l2=0.0):
    x = gn.tensor(AND_X)
    for _ in range(steps):
        loss = F.cross_entropy(model(x), XOR_Y) + nn.l2_penalty(model, l2)
        model.zero_grad()
        loss.backward()
        _sgd(model, lr)
    model.eval()
    with gn.no_grad():
        return model(x).numpy().argmax(1)


def test_mlp_learns_xor():
    gn.manual_seed(0)
    pred = _train_xor(nn.MLP([2, 8, 2], activation="tanh"), 400, 0.5)
    np.testing.assert_array_equal(pred, XOR_Y)


def test_a_single_layer_cannot_learn_xor():
    gn.manual_seed(0)
    pred = _train_xor(nn.MLP([2, 2]), 400, 0.5)
    assert (pred == XOR_Y).mean() <= 0.75


def test_mlp_with_dropout_and_l2_learns_xor():
    gn.manual_seed(0)
    pred = _train_xor(nn.MLP([2, 32, 2], activation="relu", dropout=0.1), 500, 0.2, l2=1e-3)
    np.testing.assert_array_equal(pred, XOR_Y)


def test_l2_penalty_gives_smaller_mlp_weights():
    def weight_norm(l2):
        gn.manual_seed(3)
        m = nn.MLP([2, 16, 2], activation="tanh")
        _train_xor(m, 300, 0.3, l2=l2)
        return sum(float((p.numpy() ** 2).sum()) for p in (m.fc1.weight, m.fc2.weight))

    assert weight_norm(0.05) < 0.5 * weight_norm(0.0)


def test_mlp_dropout_differs_between_train_and_eval():
    gn.manual_seed(0)
    m = nn.MLP([6, 64, 3], dropout=0.5)
    x = gn.randn(8, 6)
    a, b = m(x).numpy(), m(x).numpy()
    assert not np.allclose(a, b)
    m.eval()
    c = m(x).numpy()
    np.testing.assert_array_equal(c, m(x).numpy())
    manual = F.linear(F.relu(F.linear(x, m.fc1.weight, m.fc1.bias)), m.fc2.weight, m.fc2.bias)
    np.testing.assert_allclose(c, manual.numpy(), rtol=1e-6)


# ------------------------------------------------------------------ errors
@pytest.mark.parametrize(
    "make,exc,match",
    [
        (lambda: nn.Perceptron(0), ValueError, r"Perceptron: in_features must be a positive int, got 0"),
        (lambda: nn.Perceptron(3)(gn.zeros(4, 2)), ValueError, r"Perceptron\(in_features=3, bias=True\): expected input of shape \(N, 3\) with 3 at axis -1, got \(4, 2\)"),
        (lambda: nn.MLP([784]), ValueError, r"MLP: sizes must list at least 2 widths \(inputs, ..., outputs\), got \[784\]"),
        (lambda: nn.MLP(784), TypeError, r"MLP: sizes must be a list of layer widths, got 784"),
        (lambda: nn.MLP([784, 0, 10]), ValueError, r"MLP: sizes\[1\] must be a positive int, got 0"),
        (lambda: nn.MLP([4, 2.5]), ValueError, r"MLP: sizes\[1\] must be a positive int, got 2.5"),
        (lambda: nn.MLP([4, 2], dropout=1.0), ValueError, r"MLP: dropout must be a probability in \[0, 1\), got 1.0"),
        (lambda: nn.MLP([4, 2], activation="relu7"), ValueError, r"MLP: unknown activation 'relu7'; known:"),
        (lambda: nn.MLP([4, 2], output_activation=5), TypeError, r"MLP: activation must be a name"),
        (lambda: nn.MLP([4, 3, 2])(gn.zeros(5, 3)), ValueError, r"MLP\(sizes=\[4, 3, 2\]\): expected input of shape \(N, 4\), got \(5, 3\)"),
        (lambda: nn.MLP([4, 2], 0.5), TypeError, r"positional"),
    ],
)  # fmt: skip
def test_errors(make, exc, match):
    with pytest.raises(exc, match=match):
        make()
