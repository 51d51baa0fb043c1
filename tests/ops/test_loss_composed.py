"""Losses composed of other ops: finite differences, and values and gradients equal to torch's."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet import nn
from glassnet.ops import loss_composed as LC
from glassnet.testing import check_against_torch, check_gradients

REDUCTIONS = ["mean", "sum", "none"]


def _both(gfn, tfn, *inputs, **kw):
    check_gradients(gfn, *inputs)
    if kw.pop("torch", None) is not None:
        check_against_torch(gfn, tfn, *inputs, **kw)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [0.0, 0.3])
@pytest.mark.parametrize("shape", [(5, 4), (4,)])
def test_cosine_embedding(shape, margin, reduction, rng, torch):
    x1, x2 = rng.standard_normal(shape), rng.standard_normal(shape)
    y = np.array([1, -1, -1, 1, -1][: shape[0]]) if len(shape) == 2 else np.array(-1)
    F = torch.nn.functional
    _both(
        lambda a, b: LC.cosine_embedding_loss(a, b, y, margin, reduction),
        lambda a, b: F.cosine_embedding_loss(a, b, torch.tensor(y), margin, reduction=reduction),
        x1, x2, torch=torch,
    )  # fmt: skip


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [0.0, 0.5])
def test_margin_ranking(margin, reduction, rng, torch):
    x1, x2 = rng.standard_normal(7), rng.standard_normal(7)
    y = rng.choice([-1.0, 1.0], 7)
    F = torch.nn.functional
    _both(
        lambda a, b: LC.margin_ranking_loss(a, b, y, margin, reduction),
        lambda a, b: F.margin_ranking_loss(a, b, torch.tensor(y), margin, reduction=reduction),
        x1, x2, torch=torch,
    )  # fmt: skip


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p,swap", [(2.0, False), (1.0, True), (3.0, False)])
def test_triplet_margin(p, swap, reduction, rng, torch):
    a, pos, neg = (rng.standard_normal((6, 5)) for _ in range(3))
    F = torch.nn.functional
    _both(
        lambda x, y, z: LC.triplet_margin_loss(x, y, z, 0.7, p, 1e-6, swap, reduction),
        lambda x, y, z: F.triplet_margin_loss(
            x, y, z, margin=0.7, p=p, eps=1e-6, swap=swap, reduction=reduction
        ),
        a, pos, neg, torch=torch,
    )  # fmt: skip


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("log_input,full", [(True, False), (False, False), (True, True)])
def test_poisson_nll(log_input, full, reduction, rng, torch):
    x = rng.uniform(0.2, 2.0, (4, 3))
    t = rng.integers(0, 5, (4, 3)).astype(float)
    F = torch.nn.functional
    _both(
        lambda a: LC.poisson_nll_loss(a, t, log_input, full, 1e-8, reduction),
        lambda a: F.poisson_nll_loss(
            a, torch.tensor(t), log_input=log_input, full=full, reduction=reduction
        ),
        x, torch=torch,
    )  # fmt: skip


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("var_shape", [(4, 3), (4, 1), (4,)])
@pytest.mark.parametrize("full", [False, True])
def test_gaussian_nll(var_shape, full, reduction, rng, torch):
    x, t = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    v = rng.uniform(0.5, 2.0, var_shape)
    F = torch.nn.functional
    _both(
        lambda a, b: LC.gaussian_nll_loss(a, t, b, full, 1e-6, reduction),
        lambda a, b: F.gaussian_nll_loss(a, torch.tensor(t), b, full=full, reduction=reduction),
        x, v, torch=torch,
    )  # fmt: skip


def test_gaussian_nll_clamps_the_variance_value_but_not_its_gradient(torch):
    x, t, v = np.array([[0.5, 1.0]]), np.array([[0.0, 0.0]]), np.array([[1e-9, 1.0]])
    check_against_torch(
        lambda a, b: LC.gaussian_nll_loss(a, t, b, reduction="sum"),
        lambda a, b: torch.nn.functional.gaussian_nll_loss(
            a, torch.tensor(t), b, reduction="sum"
        ),
        x, v,
    )  # fmt: skip


def test_modules_match_functional_and_take_torch_positional_order(rng):
    a, b = gn.tensor(rng.standard_normal((3, 4))), gn.tensor(rng.standard_normal((3, 4)))
    y = np.array([1, -1, 1])
    assert nn.CosineEmbeddingLoss(0.2)(a, b, y).item() == pytest.approx(
        LC.cosine_embedding_loss(a, b, y, 0.2).item()
    )
    assert nn.TripletMarginLoss(0.5, 1.0)(a, b, a * 2).item() == pytest.approx(
        LC.triplet_margin_loss(a, b, a * 2, 0.5, 1.0).item()
    )
    assert nn.PoissonNLLLoss(True, True).full
    assert nn.MarginRankingLoss(0.1, None, False).reduction == "none"  # legacy reduce=False
    assert nn.GaussianNLLLoss(full=True).full


def test_errors_name_the_loss():
    a = gn.tensor(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="cosine_embedding_loss: expected tensors of one shape"):
        LC.cosine_embedding_loss(a, gn.tensor(np.zeros((2, 4))), [1, 1])
    with pytest.raises(ValueError, match="triplet_margin_loss: margin must be > 0"):
        LC.triplet_margin_loss(a, a, a, margin=0.0)
    with pytest.raises(ValueError, match=r"gaussian_nll_loss: var has shape \(3,\)"):
        LC.gaussian_nll_loss(a, a, np.ones(3))
    with pytest.raises(ValueError, match="gaussian_nll_loss: var has negative entries"):
        LC.gaussian_nll_loss(a, a, -np.ones((2, 3)))
    with pytest.raises(ValueError, match="MarginRankingLoss: reduction must be one of"):
        nn.MarginRankingLoss(reduction="avg")
