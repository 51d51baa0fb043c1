"""TemporalAttention (vs the same computation written in torch), MultiheadAttention (vs torch.nn), record_attention."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet import nn
from glassnet.testing import check_gradients

N, T, H = 3, 5, 4


def _mask(rng):
    m = rng.random((N, T)) > 0.3
    m[:, 0] = True
    m[1, 2:] = False
    return m


def _tt(torch, a):
    return torch.tensor(np.asarray(a), requires_grad=True)


def _torch_temporal(torch, layer, outputs, query, mask):
    """The layer's computation written directly in torch, from its parameters."""
    p = {k: _tt(torch, v) for k, v in layer.state_dict().items()}
    if layer.score == "additive":
        u = outputs @ p["key_proj.weight"].T + p["key_proj.bias"]
        if query is not None:
            u = u + (query @ p["query_proj.weight"].T)[:, None, :]
        e = torch.tanh(u) @ p["v"]
    else:
        q = p["query_vector"][None, :] if query is None else query
        e = (outputs * q[:, None, :]).sum(-1)
        if layer.score == "scaled_dot":
            e = e / np.sqrt(layer.hidden_size)
    if mask is not None:
        e = e.masked_fill(~torch.tensor(mask), float("-inf"))
    w = torch.softmax(e, 1)
    return (w[:, :, None] * outputs).sum(1), w, p


@pytest.mark.parametrize("score", ["additive", "dot", "scaled_dot"])
@pytest.mark.parametrize("masked", [False, True])
@pytest.mark.parametrize("with_query", [False, True])
def test_temporal_attention_matches_torch(score, masked, with_query, rng, torch):
    layer = nn.TemporalAttention(H, score=score, query_size=H if with_query else None,
                                 attn_size=6 if score == "additive" else None, dtype=np.float64)  # fmt: skip
    outputs = rng.standard_normal((N, T, H))
    query = rng.standard_normal((N, H)) if with_query else None
    mask = _mask(rng) if masked else None
    g_out = gn.tensor(outputs, requires_grad=True)
    g_q = gn.tensor(query, requires_grad=True) if with_query else None
    ctx, w = layer(g_out, g_q, mask=mask)
    t_out = _tt(torch, outputs)
    t_q = _tt(torch, query) if with_query else None
    t_ctx, t_w, t_p = _torch_temporal(torch, layer, t_out, t_q, mask)
    np.testing.assert_allclose(ctx.numpy(), t_ctx.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(w.numpy(), t_w.detach().numpy(), atol=1e-12)
    if mask is not None:
        assert np.all(w.numpy()[~mask] == 0.0)
    wc, ww = rng.standard_normal(ctx.shape), rng.standard_normal(w.shape)
    ((ctx * gn.tensor(wc)).sum() + (w * gn.tensor(ww)).sum()).backward()
    ((t_ctx * torch.tensor(wc)).sum() + (t_w * torch.tensor(ww)).sum()).backward()
    np.testing.assert_allclose(g_out.grad.numpy(), t_out.grad.numpy(), atol=1e-12)
    if with_query:
        np.testing.assert_allclose(g_q.grad.numpy(), t_q.grad.numpy(), atol=1e-12)
    for k, prm in layer.named_parameters():  # unused parameters (a learned query) get no gradient
        assert (prm.grad is None) == (t_p[k].grad is None), k
        if prm.grad is not None:
            np.testing.assert_allclose(prm.grad.numpy(), t_p[k].grad.numpy(), atol=1e-12, err_msg=k)


@pytest.mark.parametrize("score", ["additive", "scaled_dot"])
def test_temporal_attention_gradcheck(score, rng):
    layer = nn.TemporalAttention(H, score=score, query_size=H, dtype=np.float64)
    mask = _mask(rng)
    check_gradients(lambda o, q: layer(o, q, mask=mask), rng.standard_normal((N, T, H)),
                    rng.standard_normal((N, H)))  # fmt: skip


def test_default_query_last_uses_last_valid_step(rng):
    layer = nn.TemporalAttention(H, default_query="last", dtype=np.float64)
    outputs = gn.tensor(rng.standard_normal((N, T, H)))
    mask = _mask(rng)
    last = np.array([np.flatnonzero(row)[-1] for row in mask])
    query = gn.tensor(outputs.numpy()[np.arange(N), last])
    a = layer(outputs, mask=mask)
    b = layer(outputs, query, mask=mask)
    np.testing.assert_array_equal(a[1].numpy(), b[1].numpy())
    c = layer(outputs)  # without a mask, step T-1
    d = layer(outputs, gn.tensor(outputs.numpy()[:, -1]))
    np.testing.assert_array_equal(c[0].numpy(), d[0].numpy())
    check_gradients(lambda o: layer(o, mask=mask), rng.standard_normal((N, T, H)))


def test_learned_dot_query_is_a_parameter():
    layer = nn.TemporalAttention(H, score="dot")
    assert [k for k, _ in layer.named_parameters()] == ["query_vector"]
    ctx, w = layer(gn.randn(2, 3, H))
    assert ctx.shape == (2, H) and w.shape == (2, 3)


def test_keep_weights_flag():
    layer = nn.TemporalAttention(H)
    layer(gn.randn(2, 3, H))
    assert layer.last_weights is None
    layer.keep_weights = True
    _, w = layer(gn.randn(2, 3, H))
    assert layer.last_weights is w


def test_temporal_attention_errors():
    layer = nn.TemporalAttention(H)
    with pytest.raises(ValueError, match=r"expected outputs of shape \(N, T, 4\), got \(3, 5, 6\)"):
        layer(gn.zeros(3, 5, 6))
    with pytest.raises(ValueError, match=r"expected outputs of shape \(N, T, 4\), got \(5, 4\)"):
        layer(gn.zeros(5, 4))
    with pytest.raises(ValueError, match="built without query_size"):
        layer(gn.zeros(3, 5, 4), gn.zeros(3, 4))
    with pytest.raises(ValueError, match=r"TemporalAttention\(4, .*expected mask of shape \(3, 5\), got \(3, 4\)"):  # fmt: skip
        layer(gn.zeros(3, 5, 4), mask=np.ones((3, 4), bool))
    with pytest.raises(TypeError, match="mask must be boolean"):
        layer(gn.zeros(3, 5, 4), mask=np.ones((3, 5)))
    ql = nn.TemporalAttention(H, query_size=2)
    with pytest.raises(ValueError, match=r"expected query of shape \(3, 2\), got \(3, 4\)"):
        ql(gn.zeros(3, 5, 4), gn.zeros(3, 4))
    with pytest.raises(ValueError, match="score must be one of"):
        nn.TemporalAttention(H, score="cosine")
    with pytest.raises(ValueError, match="needs query_size equal to hidden_size"):
        nn.TemporalAttention(H, score="dot", query_size=3)
    with pytest.raises(ValueError, match="attn_size applies to score='additive' only"):
        nn.TemporalAttention(H, score="dot", attn_size=8)
    with pytest.raises(ValueError, match="default_query must be 'learned' or 'last', got 'first'"):
        nn.TemporalAttention(H, default_query="first")


def test_integer_mask_is_accepted(rng):
    layer = nn.TemporalAttention(H)
    m = _mask(rng)
    a = layer(gn.randn(N, T, H, rng=np.random.default_rng(1)), mask=m)[1].numpy()
    b = layer(gn.randn(N, T, H, rng=np.random.default_rng(1)), mask=m.astype(int))[1].numpy()
    np.testing.assert_array_equal(a, b)


# ------------------------------------------------------- MultiheadAttention
def _mha_pair(torch, **kw):
    tm = torch.nn.MultiheadAttention(8, 2, **kw).double()
    gm = nn.MultiheadAttention(8, 2, **kw, dtype=np.float64)
    gm.load_state_dict(tm.state_dict())
    return tm, gm


MHA_CASES = [(bf, kv, masks, avg) for bf in (False, True) for kv in (None, (3, 5))
             for masks in ("none", "padding", "attn", "both", "float") for avg in (True, False)]  # fmt: skip


@pytest.mark.parametrize("batch_first,kv,masks,average", MHA_CASES)
def test_mha_matches_torch(batch_first, kv, masks, average, rng, torch):
    kdim, vdim = kv if kv else (None, None)
    tm, gm = _mha_pair(torch, batch_first=batch_first, kdim=kdim, vdim=vdim)
    n, length, s = 3, 4, 6

    def shape(b, t, e):
        return (b, t, e) if batch_first else (t, b, e)

    arrays = [rng.standard_normal(shape(n, length, 8)), rng.standard_normal(shape(n, s, kdim or 8)),
              rng.standard_normal(shape(n, s, vdim or 8))]  # fmt: skip
    kpm = rng.random((n, s)) < 0.3
    kpm[:, 0] = False
    am = rng.random((length, s)) < 0.2
    am[:, 1] = False
    kw = {
        "none": {},
        "padding": {"key_padding_mask": kpm},
        "attn": {"attn_mask": am},
        "both": {"key_padding_mask": kpm, "attn_mask": am},
        "float": {"attn_mask": rng.standard_normal((n * 2, length, s))},
    }[masks]
    g_in = [gn.tensor(a, requires_grad=True) for a in arrays]
    t_in = [torch.tensor(a, requires_grad=True) for a in arrays]
    g_out, g_w = gm(*g_in, average_attn_weights=average, **kw)
    t_out, t_w = tm(*t_in, average_attn_weights=average, **{k: torch.tensor(v) for k, v in kw.items()})  # fmt: skip
    np.testing.assert_allclose(g_out.numpy(), t_out.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(g_w.numpy(), t_w.detach().numpy(), atol=1e-12)
    w1, w2 = rng.standard_normal(g_out.shape), rng.standard_normal(g_w.shape)
    ((g_out * gn.tensor(w1)).sum() + (g_w * gn.tensor(w2)).sum()).backward()
    ((t_out * torch.tensor(w1)).sum() + (t_w * torch.tensor(w2)).sum()).backward()
    for a, b in zip(g_in, t_in):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), atol=1e-11)
    tp = dict(tm.named_parameters())
    for k, p in gm.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), tp[k].grad.numpy(), atol=1e-11, err_msg=k)


def test_mha_self_attention_and_unbatched(rng, torch):
    tm, gm = _mha_pair(torch)
    x = rng.standard_normal((5, 3, 8))
    gx, tx = gn.tensor(x), torch.tensor(x)
    np.testing.assert_allclose(gm(gx, gx, gx)[0].numpy(), tm(tx, tx, tx)[0].detach().numpy(), atol=1e-12)  # fmt: skip
    u = rng.standard_normal((5, 8))
    g_out, g_w = gm(gn.tensor(u), gn.tensor(u), gn.tensor(u), key_padding_mask=np.array([False, False, True, False, False]))  # fmt: skip
    t_out, t_w = tm(*(torch.tensor(u),) * 3, key_padding_mask=torch.tensor([False, False, True, False, False]))  # fmt: skip
    assert g_out.shape == (5, 8) and g_w.shape == (5, 5)
    np.testing.assert_allclose(g_out.numpy(), t_out.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(g_w.numpy(), t_w.detach().numpy(), atol=1e-12)


def test_mha_state_dict_names_match_torch(torch):
    for kw in ({}, {"kdim": 3, "vdim": 5}, {"bias": False}):
        tm = torch.nn.MultiheadAttention(8, 2, **kw)
        gm = nn.MultiheadAttention(8, 2, **kw)
        assert list(gm.state_dict()) == list(tm.state_dict())
        assert all(gm.state_dict()[k].shape == tuple(v.shape) for k, v in tm.state_dict().items())


def test_mha_need_weights_false_and_keep_weights(rng):
    gm = nn.MultiheadAttention(8, 2, keep_weights=True)
    x = gn.randn(4, 2, 8)
    out, w = gm(x, x, x, need_weights=False)
    assert w is None and out.shape == (4, 2, 8)
    assert gm.last_weights.shape == (2, 2, 4, 4)  # (N, heads, L, S)


def test_mha_init_like_torch():
    gn.manual_seed(0)
    gm = nn.MultiheadAttention(64, 4)
    assert np.all(gm.in_proj_bias.numpy() == 0) and np.all(gm.out_proj.bias.numpy() == 0)
    bound = np.sqrt(6 / (64 + 3 * 64))
    assert np.abs(gm.in_proj_weight.numpy()).max() <= bound


def test_mha_dropout_in_training_only():
    gn.manual_seed(0)
    gm = nn.MultiheadAttention(8, 2, dropout=0.5)
    x = gn.randn(4, 2, 8)
    gm.eval()
    a, b = gm(x, x, x)[0].numpy(), gm(x, x, x)[0].numpy()
    np.testing.assert_array_equal(a, b)
    gm.train()
    assert not np.allclose(gm(x, x, x)[0].numpy(), a)


def test_mha_errors():
    gm = nn.MultiheadAttention(8, 2)
    with pytest.raises(ValueError, match="embed_dim .8. must be divisible by num_heads .3."):
        nn.MultiheadAttention(8, 3)
    with pytest.raises(ValueError, match=r"MultiheadAttention\(embed_dim=8, num_heads=2.*expected query of shape \(L, N, 8\).*got \(4, 2, 7\)"):  # fmt: skip
        gm(gn.zeros(4, 2, 7), gn.zeros(4, 2, 8), gn.zeros(4, 2, 8))
    with pytest.raises(ValueError, match="key and value must have the same batch and length"):
        gm(gn.zeros(4, 2, 8), gn.zeros(5, 2, 8), gn.zeros(6, 2, 8))
    with pytest.raises(ValueError, match=r"expected key_padding_mask of shape \(2, 5\), got \(2, 4\)"):  # fmt: skip
        gm(gn.zeros(4, 2, 8), gn.zeros(5, 2, 8), gn.zeros(5, 2, 8), key_padding_mask=np.zeros((2, 4), bool))  # fmt: skip
    with pytest.raises(ValueError, match=r"expected attn_mask of shape \(4, 5\) or \(4, 4, 5\), got \(5, 4\)"):  # fmt: skip
        gm(gn.zeros(4, 2, 8), gn.zeros(5, 2, 8), gn.zeros(5, 2, 8), attn_mask=np.zeros((5, 4), bool))  # fmt: skip


# ---------------------------------------------------------- record_attention
def test_record_attention_collects_by_name_and_restores():
    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = nn.GRU(3, H, batch_first=True)
            self.attention = nn.TemporalAttention(H)
            self.mha = nn.MultiheadAttention(H, 2, batch_first=True)

        def forward(self, x):
            out, _ = self.rnn(x)
            out, _ = self.mha(out, out, out)
            return self.attention(out)[0]

    model = Model()
    x = gn.randn(2, 5, 3)
    with record_attention_ctx(model) as rec:
        model(x)
        model(x)
    assert set(rec) == {"attention", "mha"}
    assert len(rec["attention"]) == 2 and rec["attention"][0].shape == (2, 5)
    assert rec["mha"][0].shape == (2, 2, 5, 5)
    np.testing.assert_allclose(rec["attention"][0].numpy().sum(1), 1.0, rtol=1e-6)
    assert not model.attention.keep_weights and not model.mha.keep_weights
    model(x)
    assert len(rec["attention"]) == 2  # nothing recorded after the block


def test_recorded_weights_are_in_the_graph():
    layer = nn.TemporalAttention(H)
    x = gn.randn(2, 5, H, requires_grad=True)
    with record_attention_ctx(layer) as rec:
        ctx, _ = layer(x)
    w = rec[""][0].retain_grad()
    ctx.sum().backward()
    # the loss is sum(ctx) = sum_t w_t * sum_h x_t: its gradient w.r.t. w_t is sum_h x_t
    np.testing.assert_allclose(w.grad.numpy(), x.numpy().sum(-1), rtol=1e-5)


def record_attention_ctx(model):
    return nn.record_attention(model)
