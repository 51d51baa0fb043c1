"""Attention ops: masked softmax, scaled dot-product and additive attention vs PyTorch and finite differences."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.ops import attention as A
from glassnet.testing import check_against_torch, check_gradients

N, T, H, ATT, Q = 3, 5, 4, 6, 2


def _mask(rng, n=N, t=T):
    m = rng.random((n, t)) > 0.3
    m[:, 0] = True
    m[0, 2:] = False  # a short sequence
    return m


# ------------------------------------------------------------ masked softmax
@pytest.mark.parametrize("masked", [False, True])
def test_masked_softmax_matches_torch(masked, rng, torch):
    m = _mask(rng) if masked else None

    def tfn(x):
        if m is None:
            return torch.softmax(x, 1)
        return torch.softmax(x.masked_fill(~torch.tensor(m), float("-inf")), 1)

    check_against_torch(lambda x: A.masked_softmax(x, m, axis=1), tfn, rng.standard_normal((N, T)))
    check_gradients(lambda x: A.masked_softmax(x, m, axis=1), rng.standard_normal((N, T)))


def test_masked_softmax_exact_zeros_and_empty_rows():
    m = np.array([[True, False, True], [False, False, False]])
    w = A.masked_softmax(gn.tensor([[1.0, 50.0, 2.0], [1.0, 2.0, 3.0]]), m).numpy()
    assert w[0, 1] == 0.0
    np.testing.assert_allclose(w[0].sum(), 1.0, rtol=1e-6)
    assert np.all(w[1] == 0.0)


def test_masked_softmax_errors():
    with pytest.raises(TypeError, match="masked_softmax: mask must be boolean"):
        A.masked_softmax(gn.zeros(2, 3), np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"masked_softmax: mask of shape \(2, 4\) does not broadcast"):  # fmt: skip
        A.masked_softmax(gn.zeros(2, 3), np.ones((2, 4), bool))


# ------------------------------------------------------- scaled dot-product
def _t_sdpa(torch, mask, scale=None):
    def fn(q, k, v):
        s = (q @ k.transpose(-1, -2)) * (scale if scale else q.shape[-1] ** -0.5)
        if mask is not None:
            tm = torch.tensor(mask)
            s = s.masked_fill(~tm, float("-inf")) if tm.dtype == torch.bool else s + tm
        p = torch.softmax(s, -1)
        return p @ v, p

    return fn


@pytest.mark.parametrize("mask_kind", ["none", "bool", "float", "bool_batched"])
def test_sdpa_matches_torch(mask_kind, rng, torch):
    q, k, v = rng.standard_normal((2, 3, 4, 5)), rng.standard_normal((2, 3, 6, 5)), rng.standard_normal((2, 3, 6, 7))  # fmt: skip
    mask = {
        "none": None,
        "bool": rng.random((4, 6)) > 0.3,
        "float": rng.standard_normal((4, 6)),
        "bool_batched": rng.random((2, 1, 4, 6)) > 0.3,
    }[mask_kind]
    if mask is not None and mask.dtype == bool:
        mask[..., 0] = True

    def gfn(q, k, v):
        return A.dot_product_attention(q, k, v, mask)

    check_against_torch(gfn, _t_sdpa(torch, mask), q, k, v)
    check_gradients(gfn, q, k, v)


def test_sdpa_equals_torch_functional(rng, torch):
    q, k, v = (rng.standard_normal(s) for s in ((2, 4, 5), (2, 6, 5), (2, 6, 3)))
    mask = rng.random((4, 6)) > 0.4
    mask[:, 0] = True
    out = A.scaled_dot_product_attention(*(gn.tensor(a) for a in (q, k, v)), mask, scale=0.3)
    ref = torch.nn.functional.scaled_dot_product_attention(
        *(torch.tensor(a) for a in (q, k, v)), attn_mask=torch.tensor(mask), scale=0.3
    )
    np.testing.assert_allclose(out.numpy(), ref.numpy(), atol=1e-12)


def test_sdpa_broadcast_query_gradcheck(rng):
    # one learned query shared by the batch: its gradient is summed over the batch
    q, k = rng.standard_normal((1, 1, 4)), rng.standard_normal((3, 5, 4))
    check_gradients(lambda q, k: A.dot_product_attention(q, k, k), q, k)


def test_sdpa_dropout_in_training_only(rng):
    q, k, v = (gn.tensor(rng.standard_normal((2, 4, 3))) for _ in range(3))
    out_eval, w = A.dot_product_attention(q, k, v, dropout_p=0.5, training=False)
    out_ref, _ = A.dot_product_attention(q, k, v)
    np.testing.assert_array_equal(out_eval.numpy(), out_ref.numpy())
    out_train, w_train = A.dot_product_attention(
        q, k, v, dropout_p=0.5, rng=np.random.default_rng(1)
    )
    assert not np.allclose(out_train.numpy(), out_ref.numpy())
    np.testing.assert_array_equal(w_train.numpy(), w.numpy())  # weights are reported before dropout


def test_sdpa_dropout_gradcheck(rng):
    q, k, v = (rng.standard_normal((2, 3, 4)) for _ in range(3))

    def fn(q, k, v):
        return A.dot_product_attention(q, k, v, dropout_p=0.3, rng=np.random.default_rng(5))

    check_gradients(fn, q, k, v)


def test_sdpa_errors():
    with pytest.raises(ValueError, match=r"scaled_dot_product_attention: expected query \(\.\.\., L, E\)"):  # fmt: skip
        A.dot_product_attention(gn.zeros(2, 3, 4), gn.zeros(2, 5, 3), gn.zeros(2, 5, 3))
    with pytest.raises(ValueError, match=r"attn_mask of shape \(3, 4\) does not broadcast to the scores' shape \(2, 3, 5\)"):  # fmt: skip
        A.dot_product_attention(
            gn.zeros(2, 3, 4), gn.zeros(2, 5, 4), gn.zeros(2, 5, 4), np.ones((3, 4), bool)
        )
    with pytest.raises(ValueError, match="dropout_p must be in"):
        A.dot_product_attention(
            gn.zeros(3, 4), gn.zeros(5, 4), gn.zeros(5, 4), dropout_p=1.0
        )


# ------------------------------------------------------------------ additive
def _t_additive(torch, mask, with_query):
    def fn(keys, wk, v, b, *q):
        u = keys @ wk.T + b
        if with_query:
            u = u + (q[0] @ q[1].T)[:, None, :]
        e = torch.tanh(u) @ v
        if mask is not None:
            e = e.masked_fill(~torch.tensor(mask), float("-inf"))
        w = torch.softmax(e, 1)
        return (w[:, :, None] * keys).sum(1), w

    return fn


def _additive_inputs(rng, with_query):
    base = [rng.standard_normal((N, T, H)), rng.standard_normal((ATT, H)) * 0.7,
            rng.standard_normal(ATT), rng.standard_normal(ATT) * 0.3]  # fmt: skip
    if with_query:
        base += [rng.standard_normal((N, Q)), rng.standard_normal((ATT, Q)) * 0.7]
    return base


def _g_additive(mask, with_query):
    def fn(keys, wk, v, b, *q):
        if with_query:
            return A.additive_attention(keys, wk, v, b, q[0], q[1], mask=mask)
        return A.additive_attention(keys, wk, v, b, mask=mask)

    return fn


@pytest.mark.parametrize("masked", [False, True])
@pytest.mark.parametrize("with_query", [False, True])
def test_additive_matches_torch_and_gradcheck(masked, with_query, rng, torch):
    mask = _mask(rng) if masked else None
    inputs = _additive_inputs(rng, with_query)
    check_against_torch(
        _g_additive(mask, with_query), _t_additive(torch, mask, with_query), *inputs
    )
    check_gradients(_g_additive(mask, with_query), *inputs)


def test_additive_masked_steps_get_exact_zero(rng):
    mask = _mask(rng)
    keys, wk, v, b = (gn.tensor(a) for a in _additive_inputs(rng, False))
    ctx, w = A.additive_attention(keys, wk, v, b, mask=mask)
    assert np.all(w.numpy()[~mask] == 0.0)
    np.testing.assert_allclose(w.numpy().sum(1), 1.0)
    # the context ignores hidden steps entirely: changing them changes nothing
    k2 = keys.numpy().copy()
    k2[~mask] = 100.0
    ctx2, _ = A.additive_attention(gn.tensor(k2), wk, v, b, mask=mask)
    np.testing.assert_allclose(ctx2.numpy(), ctx.numpy(), atol=1e-12)


def test_additive_non_contiguous_keys(rng):
    keys = rng.standard_normal((T, N, H))
    wk, v = gn.tensor(rng.standard_normal((ATT, H))), gn.tensor(rng.standard_normal(ATT))
    view = gn.tensor(keys).transpose(0, 1)  # (N, T, H), not contiguous
    got = A.additive_attention(view, wk, v)[0].numpy()
    ref = A.additive_attention(gn.tensor(np.ascontiguousarray(keys.swapaxes(0, 1))), wk, v)[0]
    np.testing.assert_allclose(got, ref.numpy(), atol=1e-12)


def test_additive_errors():
    k = gn.zeros(2, 5, 4)
    with pytest.raises(ValueError, match=r"additive_attention: expected keys of shape \(N, T, H\), got \(5, 4\)"):  # fmt: skip
        A.additive_attention(gn.zeros(5, 4), gn.zeros(3, 4), gn.zeros(3))
    with pytest.raises(ValueError, match=r"expected weight_k of shape \(A, 4\), got \(3, 5\)"):
        A.additive_attention(k, gn.zeros(3, 5), gn.zeros(3))
    with pytest.raises(ValueError, match=r"expected v of shape \(3,\), got \(4,\)"):
        A.additive_attention(k, gn.zeros(3, 4), gn.zeros(4))
    with pytest.raises(ValueError, match="give query and weight_q together"):
        A.additive_attention(k, gn.zeros(3, 4), gn.zeros(3), query=gn.zeros(2, 2))
    with pytest.raises(ValueError, match=r"expected query of shape \(2, Q\), got \(3, 2\)"):
        A.additive_attention(k, gn.zeros(3, 4), gn.zeros(3), None, gn.zeros(3, 2), gn.zeros(3, 2))
    with pytest.raises(ValueError, match=r"expected mask of shape \(2, 5\), got \(2, 4\)"):
        A.additive_attention(k, gn.zeros(3, 4), gn.zeros(3), mask=np.ones((2, 4), bool))


def test_weighted_sum_gradcheck_and_errors(rng):
    check_gradients(A.weighted_sum, rng.random((N, T)), rng.standard_normal((N, T, H)))
    with pytest.raises(ValueError, match=r"weighted_sum: expected weights \(N, T\) and values \(N, T, H\), got \(3, 5\) and \(3, 4, 2\)"):  # fmt: skip
        A.weighted_sum(gn.zeros(3, 5), gn.zeros(3, 4, 2))


def test_weights_are_graph_nodes_feeding_the_context(rng):
    keys = gn.tensor(rng.standard_normal((N, T, H)), requires_grad=True)
    wk, v = gn.tensor(rng.standard_normal((ATT, H))), gn.tensor(rng.standard_normal(ATT))
    ctx, w = A.additive_attention(keys, wk, v)
    w.retain_grad()
    ctx.sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), keys.numpy().sum(-1), atol=1e-12)
