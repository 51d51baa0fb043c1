"""Loss modules: same values as ``torch.nn`` losses, weights as buffers, validation at construction."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
import glassnet.nn as nn
from glassnet.testing import check_against_torch

W3 = np.array([0.5, 1.0, 2.0])


def _cls_target(rng):
    return rng.integers(0, 3, 6)


def _prob_target(rng):
    return rng.random((6, 3))


# name -> (glassnet module, torch module factory, target maker, input transform)
CASES = {
    "ce": (nn.CrossEntropyLoss(), lambda t: t.nn.CrossEntropyLoss(), _cls_target, None),
    "ce_opts": (
        nn.CrossEntropyLoss(W3, ignore_index=1, reduction="sum", label_smoothing=0.1),
        lambda t: t.nn.CrossEntropyLoss(
            t.tensor(W3), ignore_index=1, reduction="sum", label_smoothing=0.1
        ),
        _cls_target,
        None,
    ),
    "ce_onehot": (
        nn.CrossEntropyLoss(),
        lambda t: t.nn.CrossEntropyLoss(),
        lambda r: np.eye(3)[r.integers(0, 3, 6)],
        None,
    ),
    "nll": (
        nn.NLLLoss(W3, reduction="none"),
        lambda t: t.nn.NLLLoss(t.tensor(W3), reduction="none"),
        _cls_target,
        None,
    ),
    "bce_logits": (
        nn.BCEWithLogitsLoss(W3, pos_weight=np.array([1.0, 3.0, 0.5])),
        lambda t: t.nn.BCEWithLogitsLoss(
            t.tensor(W3), pos_weight=t.tensor([1.0, 3.0, 0.5], dtype=t.float64)
        ),
        _prob_target,
        None,
    ),
    "bce": (
        nn.BCELoss(reduction="sum"),
        lambda t: t.nn.BCELoss(reduction="sum"),
        _prob_target,
        lambda x: 1 / (1 + np.exp(-x)),
    ),
    "mse": (nn.MSELoss(), lambda t: t.nn.MSELoss(), lambda r: r.standard_normal((6, 3)), None),
    "l1": (
        nn.L1Loss(reduction="none"),
        lambda t: t.nn.L1Loss(reduction="none"),
        lambda r: r.standard_normal((6, 3)),
        None,
    ),
    "huber": (
        nn.HuberLoss(delta=0.5),
        lambda t: t.nn.HuberLoss(delta=0.5),
        lambda r: r.standard_normal((6, 3)),
        None,
    ),
    "smooth_l1": (
        nn.SmoothL1Loss(beta=0.5),
        lambda t: t.nn.SmoothL1Loss(beta=0.5),
        lambda r: r.standard_normal((6, 3)),
        None,
    ),
    "kl": (
        nn.KLDivLoss(reduction="batchmean"),
        lambda t: t.nn.KLDivLoss(reduction="batchmean"),
        _prob_target,
        lambda x: x - np.log(np.exp(x).sum(1, keepdims=True)),
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_loss_module_matches_torch(name, rng, torch):
    module, tfactory, make_target, transform = CASES[name]
    x = rng.standard_normal((6, 3))
    if transform is not None:
        x = transform(x)
    t = make_target(rng)
    tmod = tfactory(torch)
    tt = torch.tensor(t)
    check_against_torch(lambda a: module(a, t), lambda a: tmod(a, tt), x)


def test_half_mse_module_is_the_seed_definition(rng):
    y, t = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    np.testing.assert_allclose(
        nn.HalfMSELoss()(gn.tensor(y), t).item(), ((y - t) ** 2).sum() / 2 / 4
    )
    assert nn.HalfMSELoss(reduction="none")(gn.tensor(y), t).shape == (4,)


def test_class_weight_is_a_buffer_in_state_dict_and_follows_to():
    loss = nn.CrossEntropyLoss(weight=[1, 2, 3])
    assert list(loss.state_dict()) == ["weight"]
    assert loss.weight.dtype == np.float32
    loss.to(dtype=np.float64)
    assert loss.weight.dtype == np.float64
    assert nn.CrossEntropyLoss().state_dict() == {}
    assert list(nn.BCEWithLogitsLoss(pos_weight=[2.0]).state_dict()) == ["pos_weight"]


def test_torch_state_dict_loads_into_loss(torch):
    tl = torch.nn.CrossEntropyLoss(weight=torch.tensor([1.0, 2.0, 3.0]))
    gl = nn.CrossEntropyLoss(weight=np.zeros(3, dtype=np.float32))
    gl.load_state_dict(tl.state_dict())
    np.testing.assert_array_equal(gl.weight.numpy(), [1.0, 2.0, 3.0])


def test_losses_backpropagate_into_a_model(rng):
    model = nn.Linear(4, 3)
    loss = nn.CrossEntropyLoss()(model(gn.tensor(rng.standard_normal((5, 4)).astype(np.float32))), rng.integers(0, 3, 5))  # fmt: skip
    loss.backward()
    assert model.weight.grad.shape == (3, 4) and loss.dtype == np.float32


def test_reprs():
    assert repr(nn.CrossEntropyLoss()) == "CrossEntropyLoss(reduction='mean')"
    assert repr(nn.CrossEntropyLoss(label_smoothing=0.1)) == "CrossEntropyLoss(reduction='mean', label_smoothing=0.1)"  # fmt: skip
    assert repr(nn.HuberLoss(delta=2.0)) == "HuberLoss(reduction='mean', delta=2.0)"
    assert repr(nn.MSELoss(reduction="sum")) == "MSELoss(reduction='sum')"


@pytest.mark.parametrize(
    "make,exc,match",
    [
        (lambda: nn.CrossEntropyLoss(reduction="avg"), ValueError, r"CrossEntropyLoss: reduction must be one of 'mean', 'sum', 'none', got 'avg'"),
        (lambda: nn.CrossEntropyLoss(label_smoothing=-0.1), ValueError, r"CrossEntropyLoss: label_smoothing must be a number in \[0.0, 1.0\], got -0.1"),
        (lambda: nn.CrossEntropyLoss(ignore_index=None), TypeError, r"CrossEntropyLoss: ignore_index must be an int, got None"),
        (lambda: nn.CrossEntropyLoss(weight=np.ones((2, 2))), ValueError, r"CrossEntropyLoss: weight must be a 1-D array of numbers, got shape \(2, 2\)"),
        (lambda: nn.NLLLoss(weight=["a", "b"]), ValueError, r"NLLLoss: weight must be a 1-D array of numbers"),
        (lambda: nn.NLLLoss(ignore_index=1.5), TypeError, r"NLLLoss: ignore_index must be an int"),
        (lambda: nn.BCEWithLogitsLoss(pos_weight="x"), ValueError, r"BCEWithLogitsLoss: pos_weight must be an array of numbers, got shape \(\) and dtype <U1"),
        (lambda: nn.MSELoss(reduction="batchmean"), ValueError, r"MSELoss: reduction must be one of"),
        (lambda: nn.HuberLoss(delta=0), ValueError, r"HuberLoss: delta must be a number in \(0.0, inf\), got 0"),
        (lambda: nn.SmoothL1Loss(beta=-1), ValueError, r"SmoothL1Loss: beta must be a number in \[0.0, inf\), got -1"),
        (lambda: nn.KLDivLoss(reduction="avg"), ValueError, r"KLDivLoss: reduction must be one of 'mean', 'batchmean', 'sum', 'none'"),
        (lambda: nn.MSELoss("sum"), TypeError, r"positional"),
        (lambda: nn.CrossEntropyLoss()(gn.zeros(4, 3), np.array([0, 1, 5, 0])), ValueError, r"cross_entropy: target holds class index 5, outside \[0, 3\)"),
    ],
)  # fmt: skip
def test_errors(make, exc, match):
    with pytest.raises(exc, match=match):
        make()
