"""Transformer layers against torch.nn with torch's weights: values, input gradients, masks."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet import nn

# torch's own deprecation and fast-path notices
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def _copy_weights(g, t):
    g.load_state_dict({k: v.detach().numpy() for k, v in t.state_dict().items()})


def _pair(torch, make):
    torch.manual_seed(0)
    t, g = make(torch.nn), make(nn)
    assert list(g.state_dict()) == list(t.state_dict())
    _copy_weights(g, t)
    return g, t


def _compare(g_out, t_out, rtol=2e-4, atol=2e-5):
    np.testing.assert_allclose(g_out.numpy(), t_out.detach().numpy(), rtol=rtol, atol=atol)


ENC = [
    dict(),
    dict(batch_first=True, norm_first=True),
    dict(activation="gelu", batch_first=True),
]


@pytest.mark.parametrize("kw", ENC)
def test_encoder_layer_with_masks(kw, rng, torch):
    g, t = _pair(torch, lambda M: M.TransformerEncoderLayer(16, 4, 32, 0.0, **kw))
    bf = kw.get("batch_first", False)
    shape = (3, 5, 16) if bf else (5, 3, 16)
    x = rng.standard_normal(shape).astype(np.float32)
    causal = nn.Transformer.generate_square_subsequent_mask(5)
    pad = np.zeros((3, 5), bool)
    pad[1, 3:] = True
    gx, tx = gn.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    go = g(gx, causal, pad)
    to = t(tx, torch.tensor(causal.numpy()), torch.tensor(pad))
    _compare(go, to)
    w = rng.standard_normal(shape).astype(np.float32)
    (go * gn.tensor(w)).sum().backward()
    (to * torch.tensor(w)).sum().backward()
    _compare(gx.grad, tx.grad)


@pytest.mark.parametrize("norm_first", [False, True])
def test_decoder_layer(norm_first, rng, torch):
    g, t = _pair(
        torch, lambda M: M.TransformerDecoderLayer(8, 2, 16, 0.0, batch_first=True, norm_first=norm_first)
    )
    tgt = rng.standard_normal((2, 4, 8)).astype(np.float32)
    mem = rng.standard_normal((2, 6, 8)).astype(np.float32)
    tm = nn.Transformer.generate_square_subsequent_mask(4).numpy()
    mpad = np.zeros((2, 6), bool)
    mpad[0, 4:] = True
    go = g(gn.tensor(tgt), gn.tensor(mem), tm, None, None, mpad)
    to = t(torch.tensor(tgt), torch.tensor(mem), torch.tensor(tm), None, None, torch.tensor(mpad))
    _compare(go, to)


def test_stacks_and_full_transformer(rng, torch):
    g, t = _pair(
        torch,
        lambda M: M.Transformer(8, 2, 2, 2, 16, 0.0, batch_first=True),
    )
    g.train(), t.train()  # dropout is 0: train mode keeps torch off its fast path
    src = rng.standard_normal((2, 5, 8)).astype(np.float32)
    tgt = rng.standard_normal((2, 3, 8)).astype(np.float32)
    tm = nn.Transformer.generate_square_subsequent_mask(3)
    _compare(
        g(gn.tensor(src), gn.tensor(tgt), tgt_mask=tm),
        t(torch.tensor(src), torch.tensor(tgt), tgt_mask=torch.tensor(tm.numpy())),
    )
    names = [n for n, _ in g.named_children()]
    assert names == ["encoder", "decoder"]


def test_encoder_stack_with_final_norm_and_is_causal_hint(rng, torch):
    g, t = _pair(
        torch,
        lambda M: M.TransformerEncoder(
            M.TransformerEncoderLayer(8, 2, 16, 0.0), 3, M.LayerNorm(8)
        ),
    )
    x = rng.standard_normal((6, 2, 8)).astype(np.float32)
    m = nn.Transformer.generate_square_subsequent_mask(6)
    _compare(g(gn.tensor(x), m, is_causal=True), t(torch.tensor(x), torch.tensor(m.numpy()), is_causal=True))
    # the hint alone builds the causal mask (PyTorch asks for the mask too)
    _compare(g(gn.tensor(x), is_causal=True), t(torch.tensor(x), torch.tensor(m.numpy())))


def test_square_subsequent_mask_matches_torch(torch):
    np.testing.assert_array_equal(
        nn.Transformer.generate_square_subsequent_mask(4).numpy(),
        torch.nn.Transformer.generate_square_subsequent_mask(4).numpy(),
    )


def test_layers_are_independent_copies():
    enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16), 2)
    a, b = enc.layers[0].linear1.weight, enc.layers[1].linear1.weight
    assert a is not b and np.array_equal(a.numpy(), b.numpy())


def test_errors():
    with pytest.raises(ValueError, match="TransformerEncoderLayer: activation must be 'relu', 'gelu'"):
        nn.TransformerEncoderLayer(8, 2, activation="tanh")
    with pytest.raises(ValueError, match="TransformerEncoder: num_layers must be a positive int"):
        nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2), 0)
    with pytest.raises(ValueError, match="must be divisible by num_heads"):
        nn.TransformerEncoderLayer(10, 3)


@pytest.mark.parametrize("batch_first", [True, False])
def test_multihead_attention_is_causal_hint(batch_first, rng, torch):
    g, t = _pair(torch, lambda M: M.MultiheadAttention(8, 2, batch_first=batch_first))
    x = rng.standard_normal((2, 5, 8) if batch_first else (5, 2, 8)).astype(np.float32)
    m = torch.nn.Transformer.generate_square_subsequent_mask(5)
    gx, tx = gn.tensor(x), torch.tensor(x)
    _compare(g(gx, gx, gx, is_causal=True)[0], t(tx, tx, tx, attn_mask=m, is_causal=True)[0])
