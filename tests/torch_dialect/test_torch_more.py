"""``glassnet/_torch_more.py`` against torch: values and input gradients (float64), and
the errors for bad arguments."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
import glassnet.nn.functional as F

torch = pytest.importorskip("torch")

R = np.random.default_rng(0)
A = R.standard_normal((3, 4, 5))
B = R.standard_normal((5, 4, 2))

# name -> (function of (lib, *tensors), inputs); each runs in both frameworks
CASES = {
    "tensordot_int": (lambda L, a, b: L.tensordot(a, b.permute(1, 0, 2), dims=2), [A, B]),
    "tensordot_lists": (lambda L, a, b: L.tensordot(a, b, dims=([1, 2], [1, 0])), [A, B]),
    "tensordot_zero": (lambda L, a, b: L.tensordot(a[0, 0], b[0, 0], dims=0), [A, B]),
    "diagonal": (lambda L, a: L.diagonal(a, 1, 2, 0), [A]),
    "diagonal_method": (lambda L, a: a.diagonal(-1, -1, -2), [A]),
    "unfold": (lambda L, a: a.unfold(2, 2, 2) * L.arange(2.0), [A]),
    "unfold_overlap": (lambda L, a: a.unfold(0, 2, 1), [A]),
    "cummax": (lambda L, a: L.cummax(a.round(), 2).values, [A * 2]),
    "cummin_method": (lambda L, a: a.cummin(1).values, [A]),
    "quantile": (lambda L, a: L.quantile(a, 0.3), [A]),
    "quantile_dim": (
        lambda L, a: L.quantile(a, L.tensor([0.1, 0.5, 0.9], dtype=L.float64), dim=1, keepdim=True),
        [A],
    ),
    "quantile_lower": (lambda L, a: a.quantile(0.37, dim=-1, interpolation="lower"), [A]),
    "quantile_higher": (lambda L, a: a.quantile(0.37, dim=0, interpolation="higher"), [A]),
    "quantile_nearest": (
        lambda L, a: a.quantile(
            L.tensor([0.5, 0.625], dtype=L.float64), dim=2, interpolation="nearest"
        ),
        [A],
    ),
    "quantile_midpoint": (lambda L, a: L.quantile(a, 0.5, dim=1, interpolation="midpoint"), [A]),
    "rot90": (lambda L, a: L.rot90(a, 1, [0, 2]) * L.arange(60.0).reshape(5, 4, 3), [A]),
    "rot90_k3": (lambda L, a: a.rot90(-1, [1, 2]), [A]),
    "block_diag": (lambda L, a, b: L.block_diag(a[0, :2, :3], b[0, 0], a[1, 1, 1]), [A, B]),
    "cartesian_prod": (lambda L, a, b: L.cartesian_prod(a[0, 0, :3], b[1, :, 0]), [A, B]),
    "trapezoid": (lambda L, a: L.trapezoid(a, dim=1), [A]),
    "trapezoid_dx": (lambda L, a: L.trapezoid(a, dx=0.5), [A]),
    "trapezoid_x": (lambda L, a, b: L.trapezoid(a, b[:, 0, 0].cumsum(0)), [A, B]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_values_and_gradients_match_torch(name):
    fn, inputs = CASES[name]

    def run(lib):
        ts = [lib.tensor(x.copy(), requires_grad=True) for x in inputs]
        out = fn(lib, *ts)
        weights = np.arange(1.0, out.numel() + 1).reshape(tuple(out.shape)) / out.numel()
        (out * lib.tensor(weights)).sum().backward()
        return out.detach().numpy(), [t.grad.numpy() if t.grad is not None else None for t in ts]

    (ov, og), (tv, tg) = run(gn), run(torch)
    np.testing.assert_allclose(ov, tv, rtol=1e-12, atol=1e-12)
    for a, b in zip(og, tg):
        if b is None:
            assert a is None or not a.any()
        else:
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_index_results_match_torch():
    x = np.array([1.0, 3.0, 3.0, 2.0, 5.0, 5.0])
    for name in ("cummax", "cummin"):
        np.testing.assert_array_equal(
            getattr(gn, name)(gn.tensor(x), 0).indices.numpy(),
            getattr(torch, name)(torch.tensor(x), 0).indices.numpy(),
        )
    seq = np.array([[1.0, 3.0, 5.0, 7.0], [2.0, 4.0, 6.0, 8.0]])
    vals = np.array([[3.0, 6.0], [1.0, 8.0]])
    for right in (False, True):
        ours = gn.searchsorted(gn.tensor(seq), gn.tensor(vals), right=right)
        theirs = torch.searchsorted(torch.tensor(seq), torch.tensor(vals), right=right)
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
        assert ours.dtype == np.int64
        ours = gn.bucketize(gn.tensor(vals), gn.tensor(seq[0]), right=right)
        theirs = torch.bucketize(torch.tensor(vals), torch.tensor(seq[0]), right=right)
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert gn.searchsorted(gn.tensor(seq[0]), 4.0, out_int32=True).dtype == np.int32
    e, t = np.array([[1, 2], [3, 4]]), np.array([2, 4, 9])
    np.testing.assert_array_equal(
        gn.isin(gn.tensor(e), gn.tensor(t)).numpy(),
        torch.isin(torch.tensor(e), torch.tensor(t)).numpy(),
    )
    np.testing.assert_array_equal(
        gn.tensor(e).isin(gn.tensor(t), invert=True).numpy(), ~np.isin(e, t)
    )
    h = np.array([-1.5, 0.0, 2.0])
    np.testing.assert_array_equal(
        gn.heaviside(gn.tensor(h), gn.tensor([0.5])).numpy(),
        torch.heaviside(torch.tensor(h), torch.tensor([0.5], dtype=torch.float64)).numpy(),
    )
    np.testing.assert_array_equal(gn.sgn(gn.tensor(h)).numpy(), torch.sgn(torch.tensor(h)).numpy())


def test_gumbel_softmax_is_a_distribution_and_hard_is_straight_through():
    gn.manual_seed(0)
    logits = gn.tensor(R.standard_normal((64, 5)), requires_grad=True)
    soft = F.gumbel_softmax(logits, tau=0.5, dim=1)
    np.testing.assert_allclose(soft.numpy().sum(1), 1.0, rtol=1e-12)
    hard = F.gumbel_softmax(logits, hard=True, dim=-1)
    assert set(np.unique(hard.numpy())) == {0.0, 1.0} and (hard.numpy().sum(1) == 1).all()
    (hard * gn.tensor(np.arange(5.0))).sum().backward()
    assert logits.grad is not None and np.abs(logits.grad.numpy()).sum() > 0
    gn.manual_seed(1)  # the argmax of many draws follows softmax(logits)
    lg = gn.tensor(np.log(np.array([[0.1, 0.2, 0.7]])).repeat(4000, 0))
    freq = F.gumbel_softmax(lg, hard=True).numpy().mean(0)
    np.testing.assert_allclose(freq, [0.1, 0.2, 0.7], atol=0.03)


def test_bad_arguments_are_named():
    x = gn.tensor(A)
    with pytest.raises(RuntimeError, match=r"unfold: size 9 must be in \(0, 5\]"):
        x.unfold(2, 9, 1)
    with pytest.raises(RuntimeError, match="diagonal: dim1 and dim2 cannot be the same"):
        x.diagonal(0, 1, 1)
    with pytest.raises(
        ValueError, match="quantile: q must be a number or a 1-D tensor of values in"
    ):
        x.quantile(1.5)
    with pytest.raises(ValueError, match="quantile: interpolation must be one of"):
        x.quantile(0.5, interpolation="cubic")
    with pytest.raises(ValueError, match=r"tensordot: contracted dims"):
        gn.tensordot(x, x, dims=([0], [1]))
    with pytest.raises(IndexError, match="cummax: dim 3 is out of range"):
        gn.cummax(x, 3)
    with pytest.raises(ValueError, match="bucketize: boundaries must be 1-D"):
        gn.bucketize(x, x)
