"""``F.scaled_dot_product_attention`` in torch's form: signature, masks, ``is_causal``, ``enable_gqa``.

glassnet's own form that also returns the weights, ``F.dot_product_attention``, is tested
in ``tests/ops/test_attention.py``.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import glassnet as gn
import glassnet.nn as nn
import glassnet.nn.functional as F
from glassnet.testing import check_against_torch, check_gradients
from tests.nn.onnx_check import assert_onnx_matches

#: torch's signature (its function is a builtin without one to inspect; it takes at most six
#: positional arguments: scale and enable_gqa are keyword-only)
TORCH_SIGNATURE = [
    ("query", inspect.Parameter.empty), ("key", inspect.Parameter.empty),
    ("value", inspect.Parameter.empty), ("attn_mask", None), ("dropout_p", 0.0),
    ("is_causal", False), ("scale", None), ("enable_gqa", False),
]  # fmt: skip


def test_signature_is_torchs():
    ours = list(inspect.signature(F.scaled_dot_product_attention).parameters.values())
    n = len(TORCH_SIGNATURE)
    assert [(p.name, p.default) for p in ours[:n]] == TORCH_SIGNATURE
    assert all(p.kind is p.POSITIONAL_OR_KEYWORD for p in ours[:6])
    assert all(p.kind is p.KEYWORD_ONLY for p in ours[6:])


def _cases(rng):
    b = rng.random((4, 6)) > 0.3
    b[:, 0] = True
    return {
        "causal": ((2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 7), dict(is_causal=True)),
        "causal_square_scale": ((2, 5, 3), (2, 5, 3), (2, 5, 2), dict(is_causal=True, scale=0.7)),
        "bool_mask": ((2, 4, 5), (2, 6, 5), (2, 6, 3), dict(attn_mask=b)),
        "float_mask": (
            (2, 3, 4, 5),
            (2, 3, 6, 5),
            (2, 3, 6, 7),
            dict(attn_mask=rng.standard_normal((3, 4, 6))),
        ),  # fmt: skip
        "gqa": ((2, 6, 4, 5), (2, 2, 6, 5), (2, 2, 6, 3), dict(enable_gqa=True, scale=0.4)),
        "gqa_causal": (
            (1, 4, 5, 3),
            (1, 1, 5, 3),
            (1, 1, 5, 2),
            dict(enable_gqa=True, is_causal=True),
        ),  # fmt: skip
        "gqa_same_heads": ((2, 2, 4, 3), (2, 2, 5, 3), (2, 2, 5, 3), dict(enable_gqa=True)),
        "broadcast_batch": ((2, 3, 4, 5), (1, 3, 6, 5), (1, 3, 6, 7), dict()),
    }


@pytest.mark.parametrize("name", list(_cases(np.random.default_rng(0))))
def test_matches_torch_with_gradients(name, torch):
    rng = np.random.default_rng(1)
    qs, ks, vs, kw = _cases(rng)[name]
    q, k, v = (rng.standard_normal(s) for s in (qs, ks, vs))
    mask = kw.pop("attn_mask", None)

    def ours(q, k, v):
        return F.scaled_dot_product_attention(q, k, v, mask, **kw)

    def theirs(q, k, v):
        m = None if mask is None else torch.tensor(mask)
        return torch.nn.functional.scaled_dot_product_attention(q, k, v, m, **kw)

    check_against_torch(ours, theirs, q, k, v)
    check_gradients(ours, q, k, v)


def test_positional_arguments_in_torchs_order(rng, torch):
    q, k, v = (rng.standard_normal((2, 3, 4)) for _ in range(3))
    ours = F.scaled_dot_product_attention(*map(gn.tensor, (q, k, v)), None, 0.0, True, scale=0.5)
    theirs = torch.nn.functional.scaled_dot_product_attention(*map(torch.tensor, (q, k, v)), None, 0.0, True, scale=0.5)  # fmt: skip
    with pytest.raises(TypeError):
        F.scaled_dot_product_attention(*map(gn.tensor, (q, k, v)), None, 0.0, True, 0.5)
    assert isinstance(ours, gn.Tensor)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), atol=1e-12)


def test_dropout_and_training_flag(rng):
    q, k, v = (gn.tensor(rng.standard_normal((2, 4, 3))) for _ in range(3))
    plain = F.scaled_dot_product_attention(q, k, v)
    off = F.scaled_dot_product_attention(q, k, v, dropout_p=0.5, training=False)
    on = F.scaled_dot_product_attention(q, k, v, dropout_p=0.5, rng=np.random.default_rng(3))
    np.testing.assert_array_equal(off.numpy(), plain.numpy())
    assert not np.allclose(on.numpy(), plain.numpy())


def test_weights_form_agrees(rng):
    q, k, v = (gn.tensor(rng.standard_normal((2, 4, 3))) for _ in range(3))
    out, w = F.dot_product_attention(q, k, v, is_causal=True)
    np.testing.assert_array_equal(out.numpy(), F.scaled_dot_product_attention(q, k, v, is_causal=True).numpy())  # fmt: skip
    assert np.all(np.triu(w.numpy()[0], 1) == 0)


class _CausalSelfAttention(nn.Module):
    def __init__(self):
        super().__init__()
        self.qkv = nn.Linear(4, 12)

    def forward(self, x):
        q, k, v = self.qkv(x).reshape((x.shape[0], x.shape[1], 3, 2, 2)).permute(2, 0, 3, 1, 4)
        return F.scaled_dot_product_attention(q, k, v, is_causal=True)


def test_onnx_export(rng, tmp_path):
    x = rng.standard_normal((2, 5, 4)).astype(np.float32)
    assert_onnx_matches(_CausalSelfAttention(), (x,), tmp_path, others=[(rng.standard_normal((3, 5, 4)).astype(np.float32),)])  # fmt: skip


@pytest.mark.parametrize(
    "args,kwargs,match",
    [
        (((2, 3, 4), (2, 5, 4), (2, 5, 4)), dict(attn_mask=np.ones((3, 5), bool), is_causal=True), r"scaled_dot_product_attention: give attn_mask or is_causal=True, not both"),
        (((2, 4, 3, 4), (2, 2, 5, 4), (2, 2, 5, 4)), {}, r"do not broadcast \(for fewer key/value heads than query heads, pass enable_gqa=True\)"),
        (((2, 4, 3, 4), (2, 3, 5, 4), (2, 3, 5, 4)), dict(enable_gqa=True), r"enable_gqa=True needs key and value with the same number of heads dividing the query's, got H_q=4, H_k=3, H_v=3"),
        (((3, 4), (5, 4), (5, 4)), dict(enable_gqa=True), r"enable_gqa=True needs heads at dim -3"),
    ],
)  # fmt: skip
def test_errors(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        F.scaled_dot_product_attention(*(gn.zeros(*s) for s in args), **kwargs)
