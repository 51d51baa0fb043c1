"""``glassnet/ops/ctc.py``: ``F.ctc_loss`` and ``nn.CTCLoss`` against torch and by central
differences (through ``log_softmax``, where torch's gradient is the derivative)."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
import glassnet.functional as F
import glassnet.nn as nn
from glassnet.testing import check_against_torch, check_gradients

RNG = np.random.default_rng(0)
X = RNG.standard_normal((6, 3, 5))  # (T, N, C)
PADDED = np.array([[1, 2, 2], [3, 1, 0], [4, 4, 4]])
IN_LEN = (6, 5, 6)
TGT_LEN = (3, 2, 3)


def _both(fn_args: dict, log_softmax: bool = True):
    """The same ``ctc_loss`` call in glassnet and torch, on the log-probabilities' input."""
    import torch

    def conv(v, lib):
        if isinstance(v, np.ndarray):
            return torch.tensor(v) if lib == "torch" else gn.tensor(v)
        return v

    def gn_fn(x):
        lp = F.log_softmax(x, dim=-1) if log_softmax else x
        return F.ctc_loss(lp, **{k: conv(v, "gn") for k, v in fn_args.items()})

    def torch_fn(x):
        lp = x.log_softmax(-1) if log_softmax else x
        return torch.nn.functional.ctc_loss(lp, **{k: conv(v, "torch") for k, v in fn_args.items()})

    return gn_fn, torch_fn


def _args(**kw):
    base = dict(
        targets=PADDED, input_lengths=np.array(IN_LEN), target_lengths=np.array(TGT_LEN)
    )
    base.update(kw)
    return base


def test_ctc_gradients_by_central_differences():
    for red in ("none", "sum", "mean"):
        assert check_gradients(
            lambda x, r=red: F.ctc_loss(F.log_softmax(x, dim=2), PADDED, IN_LEN, TGT_LEN, reduction=r),
            X,
        )
    # unbatched, a non-zero blank, an empty target
    assert check_gradients(
        lambda x: F.ctc_loss(F.log_softmax(x, dim=1), np.array([0, 1]), 5, 2, blank=4), X[:5, 0]
    )
    assert check_gradients(
        lambda x: F.ctc_loss(F.log_softmax(x, dim=2), PADDED, IN_LEN, (0, 2, 1), reduction="sum"),
        X,
    )


@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
@pytest.mark.parametrize("log_softmax", [True, False])
def test_ctc_agrees_with_torch(torch, reduction, log_softmax):
    """Also on free log-probabilities, where torch's gradient has its ``exp(log_probs)`` term."""
    gn_fn, torch_fn = _both(_args(reduction=reduction), log_softmax)
    check_against_torch(gn_fn, torch_fn, X, atol=1e-10, rtol=1e-8)


def test_ctc_target_forms_and_lengths_agree_with_torch(torch):
    concat = np.concatenate([PADDED[i, :k] for i, k in enumerate(TGT_LEN)])
    for kw in (
        _args(targets=concat),  # concatenated 1-D targets
        _args(input_lengths=IN_LEN, target_lengths=TGT_LEN),  # tuples
        _args(blank=4, targets=np.array([[1, 2, 2], [3, 1, 0], [0, 0, 0]])),
        _args(target_lengths=np.array([0, 2, 1]), reduction="sum"),  # an empty target
        _args(input_lengths=np.array([0, 5, 6]), target_lengths=np.array([0, 2, 3])),
        _args(targets=np.array([[1, 0, 2], [3, 3, 3], [2, 2, 2]])),  # a target equal to blank
    ):
        check_against_torch(*_both(kw), X, atol=1e-10, rtol=1e-8)
    # unbatched (T, C) with a scalar tensor length
    check_against_torch(
        lambda x: F.ctc_loss(F.log_softmax(x, dim=1), np.array([1, 2]), gn.tensor(5), (2,),
                             reduction="none"),
        lambda x: torch.nn.functional.ctc_loss(x.log_softmax(1), torch.tensor([1, 2]),
                                               torch.tensor(5), torch.tensor(2), reduction="none"),
        X[:5, 0],
    )  # fmt: skip


@pytest.mark.parametrize("zero_infinity", [False, True])
def test_impossible_alignments_as_torch(torch, zero_infinity):
    """``[4, 4, 4]`` needs 5 steps: with 4 the loss is inf (gradient NaN, as torch's) or 0."""
    kw = _args(input_lengths=np.array([6, 5, 4]), reduction="none", zero_infinity=zero_infinity)
    gn_fn, torch_fn = _both(kw)
    xg, xt = gn.tensor(X, requires_grad=True), torch.tensor(X, requires_grad=True)
    lg, lt = gn_fn(xg), torch_fn(xt)
    np.testing.assert_allclose(lg.numpy(), lt.detach().numpy(), rtol=1e-10)
    assert np.isinf(lg.numpy()[2]) != zero_infinity
    lg.sum().backward()
    lt.sum().backward()
    np.testing.assert_allclose(xg.grad.numpy(), xt.grad.numpy(), atol=1e-10)


def test_ctc_module_and_float32(torch):
    x = X.astype(np.float32)
    loss = nn.CTCLoss(blank=0, reduction="mean", zero_infinity=True)
    xg = gn.tensor(x, requires_grad=True)
    out = loss(F.log_softmax(xg, dim=2), gn.tensor(PADDED), gn.tensor(IN_LEN), gn.tensor(TGT_LEN))
    out.backward()
    assert out.dtype == np.float32 and xg.grad.dtype == np.float32
    xt = torch.tensor(x, requires_grad=True)
    want = torch.nn.CTCLoss(zero_infinity=True)(
        xt.log_softmax(2), torch.tensor(PADDED), torch.tensor(IN_LEN), torch.tensor(TGT_LEN)
    )
    want.backward()
    np.testing.assert_allclose(out.numpy(), want.detach().numpy(), rtol=1e-5)
    np.testing.assert_allclose(xg.grad.numpy(), xt.grad.numpy(), atol=1e-6)


@pytest.mark.parametrize(
    ("kw", "err", "match"),
    [
        (dict(input_lengths=(7, 5, 6)), ValueError, "input_lengths must be in"),
        (dict(input_lengths=(6, 5)), ValueError, "one value per sample"),
        (dict(target_lengths=(4, 2, 3)), ValueError, "target_lengths must be in"),
        (dict(targets=PADDED + 1), IndexError, "target classes must be in"),
        (dict(blank=5), ValueError, "blank must be a class index"),
        (dict(targets=np.array([1, 2, 3])), ValueError, "fewer than sum"),
        (dict(targets=PADDED[None]), ValueError, "expected targets"),
        (dict(reduction="avg"), ValueError, "reduction"),
        (dict(targets=PADDED + 0.5), ValueError, "whole numbers"),
    ],
)
def test_ctc_errors(kw, err, match):
    args = dict(targets=PADDED, input_lengths=IN_LEN, target_lengths=TGT_LEN)
    args.update(kw)
    with pytest.raises(err, match=match):
        F.ctc_loss(gn.tensor(X), **args)


def test_ctc_refuses_bad_log_probs_shape():
    with pytest.raises(ValueError, match=r"expected log_probs \(T, N, C\) or \(T, C\)"):
        F.ctc_loss(gn.tensor(X[None]), PADDED, IN_LEN, TGT_LEN)


def test_ctc_is_not_exportable(tmp_path):
    import glassnet.io as gio
    from glassnet.ops.ctc import CTC

    assert "no CTC loss" in gio.not_exportable_functions()[CTC]

    class WithLoss(nn.Module):
        def forward(self, x):
            return F.ctc_loss(F.log_softmax(x, dim=2), PADDED[:1], (4,), (2,), reduction="none")

    with pytest.raises(TypeError, match="CTC .* no ONNX operator"):
        gio.export_onnx(WithLoss().eval(), (X[:4, :1].astype(np.float32),), tmp_path / "m.onnx")


def test_ctc_with_targets_and_lengths_on_the_device(gpu):
    """Targets and lengths as tensors on the log-probabilities' device (read back once)."""
    from tests.device_params import host

    def run(dev):
        x = gn.tensor(X, requires_grad=True).to(dev)
        x.retain_grad()
        loss = F.ctc_loss(
            F.log_softmax(x, dim=2), gn.tensor(PADDED).to(dev), gn.tensor(IN_LEN).to(dev),
            gn.tensor(TGT_LEN).to(dev), reduction="sum",
        )  # fmt: skip
        loss.backward()
        return host(loss), host(x.grad)

    (want, want_grad), (got, got_grad) = run("cpu"), run(gpu)
    np.testing.assert_allclose(got, want, rtol=1e-10)
    np.testing.assert_allclose(got_grad, want_grad, atol=1e-10)


def test_minus_inf_log_probs_give_zero_gradient_not_nan(torch):
    """A class of probability 0 (a ``-inf`` log-probability, in a target or not): torch's
    gradient is NaN at exactly those entries; glassnet's is 0 there and torch's elsewhere."""
    x = X.copy()
    x[1, 0, 2] = x[2, 1, 0] = x[3, 2, 1] = -np.inf  # class 2 is in sample 0's target
    kw = _args(input_lengths=np.array([6, 6, 6]), reduction="sum")
    gn_fn, torch_fn = _both(kw, log_softmax=False)
    lp = torch.tensor(x).log_softmax(-1).detach().numpy()
    xg, xt = gn.tensor(lp, requires_grad=True), torch.tensor(lp, requires_grad=True)
    lg, lt = gn_fn(xg), torch_fn(xt)
    np.testing.assert_allclose(lg.numpy(), lt.detach().numpy(), rtol=1e-10)
    lg.backward()
    lt.backward()
    got, want = xg.grad.numpy(), xt.grad.numpy()
    assert np.isfinite(got).all()
    np.testing.assert_array_equal(np.isnan(want), np.isinf(lp))
    np.testing.assert_allclose(got[~np.isinf(lp)], want[~np.isinf(lp)], atol=1e-10)
    assert (got[np.isinf(lp)] == 0).all()
