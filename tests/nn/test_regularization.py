"""L1/L2 penalties: values, gradients (finite differences, weight decay), weights-only default."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
import glassnet.nn as nn
from glassnet.nn import penalized_parameters
from glassnet.testing import check_gradients


def _model():
    return nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))


def test_values_follow_the_documented_conventions():
    m = _model()
    w1, w2 = m[0].weight.numpy(), m[2].weight.numpy()
    l1 = np.abs(w1).sum() + np.abs(w2).sum()
    l2 = (w1**2).sum() + (w2**2).sum()
    np.testing.assert_allclose(nn.l1_penalty(m, 0.3).item(), 0.3 * l1, rtol=1e-6)
    np.testing.assert_allclose(nn.l2_penalty(m, 0.3).item(), 0.3 / 2 * l2, rtol=1e-6)
    np.testing.assert_allclose(nn.L1L2(l1=0.1, l2=0.2)(m).item(), 0.1 * l1 + 0.1 * l2, rtol=1e-6)


def test_biases_are_excluded_by_default():
    m = _model()
    assert [p.shape for p in penalized_parameters(m)] == [(4, 3), (2, 4)]
    assert len(penalized_parameters(m, weights_only=False)) == 4
    nn.l2_penalty(m, 1.0).backward()
    assert m[0].bias.grad is None and m[0].weight.grad is not None
    b_only = nn.l2_penalty(m, 1.0, weights_only=False) - nn.l2_penalty(m, 1.0)
    expected = 0.5 * sum((p.numpy() ** 2).sum() for p in (m[0].bias, m[2].bias))
    np.testing.assert_allclose(b_only.item(), expected, rtol=1e-5)


def test_l2_gradient_is_weight_decay_and_l1_gradient_is_sign():
    m = _model()
    nn.l2_penalty(m, 0.5).backward()
    np.testing.assert_allclose(m[2].weight.grad.numpy(), 0.5 * m[2].weight.numpy(), rtol=1e-6)
    m.zero_grad()
    nn.l1_penalty(m, 0.5).backward()
    np.testing.assert_allclose(m[0].weight.grad.numpy(), 0.5 * np.sign(m[0].weight.numpy()))


@pytest.mark.parametrize("which", ["l1", "l2", "l1l2"])
def test_penalty_gradients_by_finite_differences(which, rng):
    fns = {
        "l1": lambda a, b: nn.l1_penalty([a, b], 0.7),
        "l2": lambda a, b: nn.l2_penalty([a, b], 0.7),
        "l1l2": lambda a, b: nn.L1L2(l1=0.2, l2=0.9)([a, b]),
    }
    a = rng.standard_normal((3, 4))
    b = rng.standard_normal((2, 2, 2))
    a[np.abs(a) < 0.05] = 0.3  # away from the kink of |w|
    b[np.abs(b) < 0.05] = 0.3
    check_gradients(fns[which], a, b)


def test_sgd_with_l2_penalty_equals_torch_weight_decay(torch):
    lr, wd = 0.1, 0.05
    gm = nn.Linear(3, 2, bias=False)
    tm = torch.nn.Linear(3, 2, bias=False)
    tm.weight.data = torch.tensor(gm.weight.numpy())
    opt = torch.optim.SGD(tm.parameters(), lr=lr, weight_decay=wd)
    x = np.random.default_rng(1).standard_normal((5, 3)).astype(np.float32)
    for _ in range(3):
        loss = (gm(gn.tensor(x)) ** 2).mean() + nn.l2_penalty(gm, wd)
        gm.zero_grad()
        loss.backward()
        with gn.no_grad():
            gm.weight.array -= lr * gm.weight.grad.array
        opt.zero_grad()
        (tm(torch.tensor(x)) ** 2).mean().backward()
        opt.step()
    np.testing.assert_allclose(gm.weight.numpy(), tm.weight.detach().numpy(), rtol=1e-5, atol=1e-7)


def test_l2_penalty_shrinks_weights_during_training(rng):
    x = rng.standard_normal((64, 5)).astype(np.float32)
    y = (x @ rng.standard_normal((5, 1)) * 3).astype(np.float32)

    def train(coeff):
        gn.manual_seed(0)
        m = nn.Linear(5, 1)
        for _ in range(200):
            loss = nn.MSELoss()(m(gn.tensor(x)), y) + nn.l2_penalty(m, coeff)
            m.zero_grad()
            loss.backward()
            for p in m.parameters():
                p.array -= 0.05 * p.grad.array
        return np.abs(m.weight.numpy()).sum()

    assert train(1.0) < 0.7 * train(0.0)


def test_accepts_modules_lists_and_single_tensors_and_is_zero_when_empty():
    w = gn.tensor(np.array([[1.0, -2.0]]), requires_grad=True)
    assert nn.l1_penalty(w, 1.0).item() == 3.0
    assert nn.l2_penalty([w], 2.0).item() == 5.0
    assert nn.l2_penalty(nn.ReLU(), 1.0).item() == 0.0  # no weights at all
    assert nn.L1L2()(nn.Linear(2, 2)).item() == 0.0
    frozen = nn.Linear(2, 2).requires_grad_(False)
    assert nn.l2_penalty(frozen, 1.0).item() == 0.0  # frozen parameters are not penalised
    assert repr(nn.L1L2(l2=0.01)) == "L1L2(l1=0.0, l2=0.01)"


@pytest.mark.parametrize(
    "call,exc,match",
    [
        (lambda: nn.l1_penalty(_model(), -1.0), ValueError, r"l1_penalty: coeff must be a non-negative number, got -1.0"),
        (lambda: nn.l2_penalty(_model(), "0.1"), ValueError, r"l2_penalty: coeff must be a non-negative number, got '0.1'"),
        (lambda: nn.L1L2(l1=-0.1), ValueError, r"L1L2: l1 must be a non-negative number, got -0.1"),
        (lambda: nn.L1L2(l2=None), ValueError, r"L1L2: l2 must be a non-negative number, got None"),
        (lambda: nn.l2_penalty(3, 0.1), TypeError, r"l2_penalty: expected a Module or an iterable of tensors, got int"),
        (lambda: nn.l1_penalty([np.zeros((2, 2))], 0.1), TypeError, r"l1_penalty: item 0 is ndarray, expected a Tensor"),
        (lambda: nn.L1L2(l2=0.1)("model"), TypeError, r"L1L2: expected a Module or an iterable of tensors, got str"),
    ],
)  # fmt: skip
def test_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
