"""``MultiheadAttention(add_bias_kv=, add_zero_attn=)``: PyTorch's extra key/value positions."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
import glassnet.nn as nn
from glassnet.autograd import gradcheck


def _pair(torch, bkv, za, batch_first):
    g = nn.MultiheadAttention(8, 2, 0.0, True, bkv, za, None, None, batch_first)
    t = torch.nn.MultiheadAttention(8, 2, 0.0, True, bkv, za, None, None, batch_first)
    assert list(g.state_dict()) == list(t.state_dict())
    t.load_state_dict({k: torch.tensor(np.asarray(v)) for k, v in g.state_dict().items()})
    return g, t


@pytest.mark.parametrize("bkv, za", [(True, False), (False, True), (True, True)])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("masks", ["none", "bool", "float"])
def test_matches_torch_with_torchs_weights(torch, rng, bkv, za, batch_first, masks):
    g, t = _pair(torch, bkv, za, batch_first)
    q = rng.standard_normal((2, 3, 8) if batch_first else (3, 2, 8)).astype(np.float32)
    kv = rng.standard_normal((2, 4, 8) if batch_first else (4, 2, 8)).astype(np.float32)
    kw = {}
    if masks == "bool":
        kw = {"key_padding_mask": np.array([[0, 0, 1, 0], [0, 1, 0, 0]], bool),
              "attn_mask": np.triu(np.ones((3, 4), bool), 1)}  # fmt: skip
    elif masks == "float":
        kw = {"attn_mask": rng.standard_normal((3, 4)).astype(np.float32)}
    gq, gkv = gn.tensor(q, requires_grad=True), gn.tensor(kv, requires_grad=True)
    tq, tkv = torch.tensor(q, requires_grad=True), torch.tensor(kv, requires_grad=True)
    go, gw = g(gq, gkv, gkv, **kw)
    to, tw = t(tq, tkv, tkv, **{k: torch.tensor(v) for k, v in kw.items()})
    np.testing.assert_allclose(go.numpy(), to.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(gw.numpy(), tw.detach().numpy(), rtol=1e-5, atol=1e-6)
    go.sum().backward()
    to.sum().backward()
    np.testing.assert_allclose(gq.grad.numpy(), tq.grad.numpy(), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(gkv.grad.numpy(), tkv.grad.numpy(), rtol=1e-4, atol=1e-6)
    if bkv:
        np.testing.assert_allclose(
            g.bias_k.grad.numpy(), t.bias_k.grad.numpy(), rtol=1e-4, atol=1e-6
        )


def test_gradients_by_finite_differences(rng):
    m = nn.MultiheadAttention(4, 2, 0.0, True, True, True, dtype=np.float64)
    q = rng.standard_normal((3, 1, 4))
    assert gradcheck(lambda x: m(x, x, x)[0], [q])
    # the gradients of bias_k and bias_v are compared with torch above


def test_parameters_and_unbatched_input(rng):
    m = nn.MultiheadAttention(8, 2, add_bias_kv=True, add_zero_attn=True)
    assert m.bias_k.shape == (1, 1, 8) and m.bias_v.shape == (1, 1, 8)
    assert "bias_k" in dict(m.named_parameters())
    out, w = m(gn.randn(3, 8), gn.randn(5, 8), gn.randn(5, 8))
    assert out.shape == (3, 8) and w.shape == (3, 7)  # 5 keys + bias_k + zero
    assert nn.MultiheadAttention(8, 2).bias_k is None


def test_onnx_export(rng, tmp_path):
    pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    import glassnet.io as gio

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.att = nn.MultiheadAttention(8, 2, 0.0, True, True, True, batch_first=True)

        def forward(self, x):
            return self.att(x, x, x)[0]

    net = Net().eval()
    x = rng.standard_normal((2, 5, 8)).astype(np.float32)
    path = gio.export_onnx(net, (x,), tmp_path / "m.onnx")
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (got,) = sess.run(None, {sess.get_inputs()[0].name: x})
    with gn.no_grad():
        np.testing.assert_allclose(got, net(gn.tensor(x)).numpy(), rtol=1e-5, atol=1e-5)
