"""Fused losses: finite differences and agreement with ``torch.nn.functional`` in every mode."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.ops import loss as L
from glassnet.testing import check_against_torch, check_gradients

REDUCTIONS = ["mean", "sum", "none"]


def _t(torch, a):
    return None if a is None else torch.tensor(a)


def _both(gfn, tfn, *inputs, **kw):
    check_gradients(gfn, *inputs, **kw)
    check_against_torch(gfn, tfn, *inputs, **kw)


# ------------------------------------------------------------------ cross-entropy, index targets
CE_SHAPES = [((6, 4), (6,)), ((3, 4, 5), (3, 5)), ((2, 3, 2, 2), (2, 2, 2)), ((4,), ())]


def _index_target(rng, x_shape, t_shape, ignore=None):
    c = x_shape[0] if len(x_shape) == 1 else x_shape[1]
    t = rng.integers(0, c, size=t_shape)
    if ignore is not None and t.ndim:
        t.reshape(-1)[::3] = ignore
    return t


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shapes", CE_SHAPES)
def test_cross_entropy_indices(shapes, reduction, rng, torch):
    x = rng.standard_normal(shapes[0])
    t = _index_target(rng, *shapes)
    _both(
        lambda a: L.cross_entropy(a, t, reduction=reduction),
        lambda a: torch.nn.functional.cross_entropy(a, torch.tensor(t), reduction=reduction),
        x,
    )


@pytest.mark.parametrize("smoothing", [0.0, 0.25])
@pytest.mark.parametrize("ignore_index", [-100, 2])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shapes", CE_SHAPES[:3])
def test_cross_entropy_weight_ignore_smoothing(shapes, reduction, weighted, ignore_index, smoothing, rng, torch):  # fmt: skip
    x = rng.standard_normal(shapes[0])
    t = _index_target(rng, *shapes, ignore=ignore_index)
    w = rng.random(x.shape[1]) + 0.5 if weighted else None
    kw = {"ignore_index": ignore_index, "reduction": reduction, "label_smoothing": smoothing}
    _both(
        lambda a: L.cross_entropy(a, t, weight=w, **kw),
        lambda a: torch.nn.functional.cross_entropy(a, torch.tensor(t), weight=_t(torch, w), **kw),
        x,
    )


def test_cross_entropy_all_ignored_is_nan_like_torch(torch):
    x = np.zeros((2, 3))
    t = np.array([-100, -100])
    out = L.cross_entropy(gn.tensor(x), t)
    ref = torch.nn.functional.cross_entropy(torch.tensor(x), torch.tensor(t))
    assert np.isnan(out.item()) and torch.isnan(ref)


# ------------------------------------------------------------------ cross-entropy, probability targets
@pytest.mark.parametrize("smoothing", [0.0, 0.1])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(5, 3), (2, 3, 4), (3,)])
def test_cross_entropy_probabilities(shape, reduction, weighted, smoothing, rng, torch):
    x = rng.standard_normal(shape)
    axis = 0 if len(shape) == 1 else 1
    p = np.exp(rng.standard_normal(shape))
    p /= p.sum(axis=axis, keepdims=True)
    w = rng.random(shape[axis]) + 0.5 if weighted else None
    kw = {"reduction": reduction, "label_smoothing": smoothing}
    _both(  # gradients w.r.t. both the logits and the soft target
        lambda a, b: L.cross_entropy(a, b, weight=w, **kw),
        lambda a, b: torch.nn.functional.cross_entropy(a, b, weight=_t(torch, w), **kw),
        x,
        p,
    )


def test_one_hot_target_equals_index_target(rng):
    x = gn.tensor(rng.standard_normal((8, 5)), requires_grad=True)
    idx = rng.integers(0, 5, 8)
    onehot = np.eye(5)[idx]
    a = L.cross_entropy(x, onehot)
    b = L.cross_entropy(x, idx)
    np.testing.assert_allclose(a.item(), b.item(), rtol=1e-12)
    a.backward()
    ga = x.grad.numpy().copy()
    x.grad = None
    b.backward()
    np.testing.assert_allclose(ga, x.grad.numpy(), rtol=1e-12)
    # the fused gradient is (softmax - onehot) / N
    s = np.exp(x.numpy()) / np.exp(x.numpy()).sum(1, keepdims=True)
    np.testing.assert_allclose(ga, (s - onehot) / 8, rtol=1e-10)


def test_cross_entropy_is_stable_and_keeps_float32():
    x = gn.tensor(
        np.array([[1e4, 0.0, -1e4], [0.0, 3e4, 0.0]], dtype=np.float32), requires_grad=True
    )
    out = L.cross_entropy(x, np.array([1, 1]))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.item(), 1e4 / 2, rtol=1e-6)
    out.backward()
    assert x.grad.dtype == np.float32 and np.isfinite(x.grad.numpy()).all()
    np.testing.assert_allclose(x.grad.numpy(), [[0.5, -0.5, 0.0], [0.0, 0.0, 0.0]], atol=1e-7)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("soft", [False, True])
def test_cross_entropy_rows_far_apart_stay_exact(soft, dtype, rng, torch):
    # one row sits 1000 below the other: exp(x - global max) underflows there, so the op
    # must fall back to per-row maxima
    x = np.array([[0.0, 1.0, 2.0], [-1000.0, -999.0, -998.5], [3.0, -2.0, 0.5]])
    t = np.eye(3)[[2, 0, 1]] if soft else np.array([2, 0, 1])
    tt = torch.tensor(t)
    tol = {"atol": 1e-5, "rtol": 1e-5} if dtype == np.float32 else {}
    for red in REDUCTIONS:
        check_against_torch(
            lambda a, red=red: L.cross_entropy(a, t, reduction=red, label_smoothing=0.1),
            lambda a, red=red: torch.nn.functional.cross_entropy(
                a, tt, reduction=red, label_smoothing=0.1
            ),
            x,
            dtype=dtype,
            **tol,
        )
    x3 = np.stack([x, x - 500.0], axis=2)  # (N, C, d) layout takes the same path
    t3 = np.stack([t, t], axis=-1) if soft else np.stack([t, t], axis=1)
    check_against_torch(
        lambda a: L.cross_entropy(a, t3),
        lambda a: torch.nn.functional.cross_entropy(a, torch.tensor(t3)),
        x3,
        dtype=dtype,
        **tol,
    )


def test_cross_entropy_accepts_tensor_and_list_targets(rng):
    x = gn.tensor(rng.standard_normal((3, 4)))
    a = L.cross_entropy(x, [0, 3, 1])
    b = L.cross_entropy(x, gn.tensor(np.array([0, 3, 1])))
    np.testing.assert_allclose(a.item(), b.item())


# ------------------------------------------------------------------ nll
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shapes", CE_SHAPES)
def test_nll_loss(shapes, reduction, weighted, rng, torch):
    x = rng.standard_normal(shapes[0])
    t = _index_target(rng, *shapes, ignore=-100 if len(shapes[0]) > 1 else None)
    c = shapes[0][0] if len(shapes[0]) == 1 else shapes[0][1]
    w = rng.random(c) + 0.5 if weighted else None
    _both(
        lambda a: L.nll_loss(a, t, weight=w, reduction=reduction),
        lambda a: torch.nn.functional.nll_loss(
            a, torch.tensor(t), weight=_t(torch, w), reduction=reduction
        ),
        x,
    )


def test_nll_of_log_softmax_is_cross_entropy(rng):
    x = gn.tensor(rng.standard_normal((6, 5)))
    t = rng.integers(0, 5, 6)
    np.testing.assert_allclose(
        L.nll_loss(x.log_softmax(1), t).item(), L.cross_entropy(x, t).item(), rtol=1e-6
    )


# ------------------------------------------------------------------ binary
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("extras", ["none", "weight", "pos_weight", "both"])
@pytest.mark.parametrize("shape", [(6, 3), (5,), (2, 3, 4)])
def test_bce_with_logits(shape, extras, reduction, rng, torch):
    x = rng.standard_normal(shape) * 3
    t = rng.random(shape)
    w = rng.random(shape[-1:]) + 0.5 if extras in ("weight", "both") else None
    pw = rng.random(shape[-1:]) * 3 if extras in ("pos_weight", "both") else None
    _both(
        lambda a, b: L.binary_cross_entropy_with_logits(
            a, b, weight=w, pos_weight=pw, reduction=reduction
        ),
        lambda a, b: torch.nn.functional.binary_cross_entropy_with_logits(
            a, b, weight=_t(torch, w), pos_weight=_t(torch, pw), reduction=reduction
        ),
        x,
        t,
    )


def test_bce_with_logits_extreme_logits_are_finite():
    x = gn.tensor(np.array([-1e4, -50.0, 50.0, 1e4], dtype=np.float32), requires_grad=True)
    out = L.binary_cross_entropy_with_logits(x, np.array([1, 1, 0, 0]), reduction="none")
    np.testing.assert_allclose(out.numpy(), [1e4, 50.0, 50.0, 1e4], rtol=1e-6)
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [-1, -1, 1, 1], atol=1e-6)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(6, 2), (7,)])
def test_binary_cross_entropy(shape, reduction, weighted, rng, torch):
    p = rng.uniform(0.05, 0.95, shape)
    t = rng.random(shape)
    w = rng.random(shape) + 0.5 if weighted else None
    _both(
        lambda a, b: L.binary_cross_entropy(a, b, weight=w, reduction=reduction),
        lambda a, b: torch.nn.functional.binary_cross_entropy(
            a, b, weight=_t(torch, w), reduction=reduction
        ),
        p,
        t,
    )


def test_binary_cross_entropy_clamps_logs_like_torch(torch):
    p = np.array([0.0, 1.0, 0.0, 1.0])
    t = np.array([1.0, 0.0, 0.0, 1.0])
    out = L.binary_cross_entropy(gn.tensor(p), t, reduction="none")
    np.testing.assert_allclose(out.numpy(), [100.0, 100.0, 0.0, 0.0])
    check_against_torch(
        lambda a: L.binary_cross_entropy(a, t),
        lambda a: torch.nn.functional.binary_cross_entropy(a, torch.tensor(t)),
        p,
    )


# ------------------------------------------------------------------ regression
REGRESSION = {
    "mse": (L.mse_loss, lambda F: F.mse_loss, {}),
    "l1": (L.l1_loss, lambda F: F.l1_loss, {}),
    "huber": (L.huber_loss, lambda F: F.huber_loss, {}),
    "huber_0.5": (L.huber_loss, lambda F: F.huber_loss, {"delta": 0.5}),
    "smooth_l1": (L.smooth_l1_loss, lambda F: F.smooth_l1_loss, {}),
    "smooth_l1_0.3": (L.smooth_l1_loss, lambda F: F.smooth_l1_loss, {"beta": 0.3}),
    "smooth_l1_0": (L.smooth_l1_loss, lambda F: F.smooth_l1_loss, {"beta": 0.0}),
}


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(4, 3), (5,), ()])
@pytest.mark.parametrize("name", sorted(REGRESSION))
def test_regression_losses(name, shape, reduction, rng, torch):
    fn, tfn, kw = REGRESSION[name]
    x, t = rng.standard_normal(shape) * 2, rng.standard_normal(shape) * 2
    _both(
        lambda a, b: fn(a, b, reduction=reduction, **kw),
        lambda a, b: tfn(torch.nn.functional)(a, b, reduction=reduction, **kw),
        x,
        t,
    )


def test_regression_targets_may_be_arrays_or_int(rng):
    x = gn.tensor(np.array([1.0, 2.0, 3.0], dtype=np.float32), requires_grad=True)
    out = L.mse_loss(x, [1, 2, 5])
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.item(), 4 / 3, rtol=1e-6)
    out.backward()
    np.testing.assert_allclose(x.grad.numpy(), [0, 0, -4 / 3], rtol=1e-6)


@pytest.mark.parametrize("shape", [(4, 3), (5,), (2, 3, 2)])
def test_half_mse_loss_definition(shape, rng, torch):
    y, t = rng.standard_normal(shape), rng.standard_normal(shape)
    n = shape[0]
    expected = ((y - t) ** 2).sum() / 2 / n
    yt = gn.tensor(y, requires_grad=True)
    out = L.half_mse_loss(yt, t)
    np.testing.assert_allclose(out.item(), expected, rtol=1e-12)
    out.backward()
    np.testing.assert_allclose(yt.grad.numpy(), (y - t) / n, rtol=1e-12)
    per_sample = ((y - t) ** 2).reshape(n, -1).sum(1) / 2
    np.testing.assert_allclose(L.half_mse_loss(gn.tensor(y), t, reduction="none").numpy(), per_sample)  # fmt: skip
    np.testing.assert_allclose(L.half_mse_loss(gn.tensor(y), t, reduction="sum").item(), per_sample.sum())  # fmt: skip
    for red, tred in [("mean", lambda v: v.mean()), ("sum", lambda v: v.sum()), ("none", lambda v: v)]:  # fmt: skip
        _both(
            lambda a, b, red=red: L.half_mse_loss(a, b, reduction=red),
            lambda a, b, tred=tred: tred(0.5 * ((a - b) ** 2).reshape(n, -1).sum(1)),
            y,
            t,
        )


# ------------------------------------------------------------------ kl
@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides the total loss")
@pytest.mark.parametrize("log_target", [False, True])
@pytest.mark.parametrize("reduction", ["mean", "batchmean", "sum", "none"])
def test_kl_div(reduction, log_target, rng, torch):
    x = np.log(rng.dirichlet(np.ones(4), size=5))
    t = rng.dirichlet(np.ones(4), size=5)
    if log_target:
        t = np.log(t)
    kw = {"reduction": reduction, "log_target": log_target}
    _both(
        lambda a, b: L.kl_div(a, b, **kw),
        lambda a, b: torch.nn.functional.kl_div(a, b, **kw),
        x,
        t,
    )


def test_kl_div_zero_target_probabilities_contribute_nothing(torch):
    x = np.log(np.array([[0.5, 0.25, 0.25]]))
    t = np.array([[1.0, 0.0, 0.0]])
    out = L.kl_div(gn.tensor(x), t, reduction="sum")
    np.testing.assert_allclose(out.item(), -np.log(0.5))
    check_against_torch(
        lambda a: L.kl_div(a, t, reduction="batchmean"),
        lambda a: torch.nn.functional.kl_div(a, torch.tensor(t), reduction="batchmean"),
        x,
    )


# ------------------------------------------------------------------ errors
X = gn.zeros(4, 3)


@pytest.mark.parametrize(
    "call,exc,match",
    [
        (lambda: L.cross_entropy(X, np.zeros(3, int)), ValueError, r"cross_entropy: class-index target must have shape \(4,\) for input of shape \(4, 3\), got \(3,\)"),
        (lambda: L.cross_entropy(X, np.array([0, 1, 3, 2])), ValueError, r"cross_entropy: target holds class index 3, outside \[0, 3\) for 3 classes"),
        (lambda: L.cross_entropy(X, np.array([0, -1, 2, 2])), ValueError, r"class index -1, outside \[0, 3\)"),
        (lambda: L.cross_entropy(X, np.zeros(4)), ValueError, r"class-probability target must have the input's shape \(4, 3\), got \(4,\); for class indices pass an integer array"),
        (lambda: L.cross_entropy(X, np.zeros((4, 2))), ValueError, r"class-probability target .* got \(4, 2\)"),
        (lambda: L.cross_entropy(X, np.zeros(4, bool)), TypeError, r"cross_entropy: target must hold integer class indices or floating class probabilities, got dtype bool"),
        (lambda: L.cross_entropy(X, np.zeros(4, int), weight=[1.0, 2.0]), ValueError, r"cross_entropy: weight must have one entry per class, shape \(3,\), got \(2,\)"),
        (lambda: L.cross_entropy(X, np.zeros(4, int), reduction="avg"), ValueError, r"cross_entropy: reduction must be one of 'mean', 'sum', 'none', got 'avg'"),
        (lambda: L.cross_entropy(X, np.zeros(4, int), label_smoothing=1.5), ValueError, r"cross_entropy: label_smoothing must be in \[0, 1\], got 1.5"),
        (lambda: L.cross_entropy(X, np.zeros(4, int), ignore_index=0.5), TypeError, r"cross_entropy: ignore_index must be an int, got 0.5"),
        (lambda: L.cross_entropy(gn.tensor(1.0), np.array(0)), ValueError, r"cross_entropy: input must have shape \(N, C, ...\) or \(C,\), got a scalar"),
        (lambda: L.cross_entropy(gn.tensor([[1, 2]]), np.array([0])), TypeError, r"cross_entropy: input must be floating point, got dtype int64"),
        (lambda: L.cross_entropy(np.zeros((2, 2)), np.array([0, 1])), TypeError, r"cross_entropy: input must be a Tensor, got ndarray"),
        (lambda: L.nll_loss(X, np.zeros(4)), TypeError, r"nll_loss: target must hold integer class indices, got dtype float64"),
        (lambda: L.nll_loss(X, np.array([5, 0, 0, 0])), ValueError, r"nll_loss: target holds class index 5, outside \[0, 3\)"),
        (lambda: L.binary_cross_entropy_with_logits(gn.zeros(4, 1), np.zeros(4)), ValueError, r"binary_cross_entropy_with_logits: target has shape \(4,\), expected the input's shape \(4, 1\)"),
        (lambda: L.binary_cross_entropy_with_logits(X, np.zeros((4, 3)), pos_weight=np.ones(4)), ValueError, r"pos_weight of shape \(4,\) does not broadcast to the input's shape \(4, 3\)"),
        (lambda: L.binary_cross_entropy(gn.tensor([0.5, 1.5]), [0.0, 1.0]), ValueError, r"binary_cross_entropy: input must hold probabilities in \[0, 1\], got 1.5"),
        (lambda: L.binary_cross_entropy(X, np.zeros((4, 3)), weight=np.ones((2, 3))), ValueError, r"binary_cross_entropy: weight of shape \(2, 3\)"),
        (lambda: L.mse_loss(gn.zeros(4, 1), np.zeros(4)), ValueError, r"mse_loss: target has shape \(4,\), expected the input's shape \(4, 1\)"),
        (lambda: L.l1_loss(X, np.zeros((4, 3)), reduction="batchmean"), ValueError, r"l1_loss: reduction must be one of"),
        (lambda: L.huber_loss(X, np.zeros((4, 3)), delta=0), ValueError, r"huber_loss: delta must be a positive number, got 0"),
        (lambda: L.smooth_l1_loss(X, np.zeros((4, 3)), beta=-1.0), ValueError, r"smooth_l1_loss: beta must be a non-negative number, got -1.0"),
        (lambda: L.half_mse_loss(gn.tensor(1.0), 1.0), ValueError, r"half_mse_loss: input must have a batch axis"),
        (lambda: L.mse_loss(X, np.array(["a"] * 12).reshape(4, 3)), TypeError, r"mse_loss: target must be numeric"),
        (lambda: L.kl_div(X, np.zeros((4, 3)), reduction="avg"), ValueError, r"kl_div: reduction must be one of 'mean', 'batchmean', 'sum', 'none'"),
    ],
)  # fmt: skip
def test_errors_name_function_and_values(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
