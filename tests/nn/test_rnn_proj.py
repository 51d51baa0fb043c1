"""LSTM with ``proj_size``: PyTorch's state dict, outputs and gradients; gradcheck; ONNX; errors."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
import glassnet.io as gio
from glassnet import nn
from glassnet.nn.utils import rnn as R
from glassnet.testing import check_gradients

I_SIZE, H, P = 4, 6, 3


def _pair(torch, **kw):
    """A torch LSTM and a glassnet one (float64, ``proj_size=P``) holding the same weights."""
    tm = torch.nn.LSTM(I_SIZE, H, proj_size=P, **kw).double()
    gm = nn.LSTM(I_SIZE, H, proj_size=P, dtype=np.float64, **kw)
    gm.load_state_dict(tm.state_dict())
    return tm, gm


def _states(seed, lead, n):
    """``(h0, c0)`` arrays: ``(lead, n, P)`` and ``(lead, n, H)`` (no ``n``: unbatched)."""
    rng = np.random.default_rng(seed)
    mid = () if n is None else (n,)
    return rng.standard_normal((lead, *mid, P)), rng.standard_normal((lead, *mid, H))


def _flat(res):
    out, (h, c) = res
    return [out, h, c]


def _compare(tm, gm, x, states, rng, torch):
    """Outputs, ``(h_n, c_n)`` and every gradient (input, states, parameters) agree."""
    gx, tx = gn.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    g_st = [gn.tensor(s, requires_grad=True) for s in states]
    t_st = [torch.tensor(s, requires_grad=True) for s in states]
    g_outs = _flat(gm(gx, tuple(g_st) if g_st else None))
    t_outs = _flat(tm(tx, tuple(t_st) if t_st else None))
    for go, to in zip(g_outs, t_outs):
        assert go.shape == tuple(to.shape)
        np.testing.assert_allclose(go.numpy(), to.detach().numpy(), atol=1e-12)
    weights = [rng.standard_normal(o.shape) for o in g_outs]
    sum((o * gn.tensor(w)).sum() for o, w in zip(g_outs, weights)).backward()
    sum((o * torch.tensor(w)).sum() for o, w in zip(t_outs, weights)).backward()
    np.testing.assert_allclose(gx.grad.numpy(), tx.grad.numpy(), atol=1e-11)
    for gs, ts in zip(g_st, t_st):
        np.testing.assert_allclose(gs.grad.numpy(), ts.grad.numpy(), atol=1e-11)
    t_params = dict(tm.named_parameters())
    assert sorted(k for k, _ in gm.named_parameters()) == sorted(t_params)
    for k, p in gm.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), t_params[k].grad.numpy(), atol=1e-11, err_msg=k)


CONFIGS = [
    (layers, bi, bf, with_state)
    for layers, bi in ((1, False), (2, True), (2, False))
    for bf in (False, True)
    for with_state in (False, True)
]


@pytest.mark.parametrize("layers,bi,bf,with_state", CONFIGS)
def test_matches_torch_outputs_and_gradients(layers, bi, bf, with_state, rng, torch):
    t_len, n = 5, 3
    tm, gm = _pair(torch, num_layers=layers, bidirectional=bi, batch_first=bf)
    x = rng.standard_normal((n, t_len, I_SIZE) if bf else (t_len, n, I_SIZE))
    lead = layers * (2 if bi else 1)
    states = _states(int(rng.integers(1 << 30)), lead, n) if with_state else ()
    _compare(tm, gm, x, states, rng, torch)


@pytest.mark.parametrize("with_state", [False, True])
def test_unbatched_input_matches_torch(with_state, rng, torch):
    tm, gm = _pair(torch, num_layers=2, bidirectional=True)
    states = _states(int(rng.integers(1 << 30)), 4, None) if with_state else ()
    _compare(tm, gm, rng.standard_normal((5, I_SIZE)), states, rng, torch)


def test_no_bias_matches_torch(rng, torch):
    tm, gm = _pair(torch, bias=False, num_layers=2)
    _compare(tm, gm, rng.standard_normal((4, 2, I_SIZE)), (), rng, torch)


def test_state_dict_names_shapes_and_order_match_torch(torch):
    tm = torch.nn.LSTM(I_SIZE, H, num_layers=2, bidirectional=True, proj_size=P)
    gm = nn.LSTM(I_SIZE, H, num_layers=2, bidirectional=True, proj_size=P)
    t_sd, g_sd = tm.state_dict(), gm.state_dict()
    assert list(g_sd) == list(t_sd)
    assert all(tuple(g_sd[k].shape) == tuple(t_sd[k].shape) for k in t_sd)
    assert g_sd["weight_hr_l1_reverse"].shape == (P, H)
    assert g_sd["weight_ih_l1"].shape == (4 * H, 2 * P)
    assert g_sd["weight_hh_l0"].shape == (4 * H, P)


def test_init_bound_and_repr():
    gm = nn.LSTM(I_SIZE, 100, proj_size=7)
    bound = 1 / np.sqrt(100)
    assert np.abs(gm.weight_hr_l0.numpy()).max() <= bound
    assert repr(gm) == "LSTM(4, 100, proj_size=7)"


def test_gradcheck_small(rng):
    gm = nn.LSTM(2, 3, num_layers=2, bidirectional=True, proj_size=2, dtype=np.float64)
    x = rng.standard_normal((3, 2, 2))
    h0, c0 = rng.standard_normal((4, 2, 2)), rng.standard_normal((4, 2, 3))

    def fn(x, h0, c0):
        return tuple(_flat(gm(x, (h0, c0))))

    check_gradients(fn, x, h0, c0)


def test_packed_input_matches_torch(rng, torch):
    tm, gm = _pair(torch, num_layers=2, bidirectional=True)
    seqs = [rng.standard_normal((k, I_SIZE)) for k in (4, 2, 3)]
    gx = [gn.tensor(s, requires_grad=True) for s in seqs]
    tx = [torch.tensor(s, requires_grad=True) for s in seqs]
    go, (gh, gc) = gm(R.pack_sequence(gx, enforce_sorted=False))
    to, (th, tc) = tm(torch.nn.utils.rnn.pack_sequence(tx, enforce_sorted=False))
    for a, b in ((go.data, to.data), (gh, th), (gc, tc)):
        np.testing.assert_allclose(a.numpy(), b.detach().numpy(), atol=1e-12)
    (go.data.sum() + gh.sum()).backward()
    (to.data.sum() + th.sum()).backward()
    for a, b in zip(gx, tx):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), atol=1e-11)


def test_onnx_export_runs_in_onnxruntime(rng, tmp_path):
    onnx = pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    gm = nn.LSTM(I_SIZE, H, num_layers=2, bidirectional=True, batch_first=True, proj_size=P)
    gm.eval()

    def arrays(n):
        f32 = np.float32
        return [rng.standard_normal(s).astype(f32) for s in ((n, 5, I_SIZE), (4, n, P), (4, n, H))]

    x, h0, c0 = arrays(2)
    args = (gn.tensor(x), (gn.tensor(h0), gn.tensor(c0)))
    path = gio.export_onnx(
        gm, args, tmp_path / "proj.onnx",
        input_names=("x", "h0", "c0"), output_names=("out", "h_n", "c_n"),
    )  # fmt: skip
    onnx.checker.check_model(onnx.load(str(path)), full_check=True)
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    for a in ((x, h0, c0), arrays(3)):  # the example's batch and another
        got = sess.run(None, dict(zip(("x", "h0", "c0"), a)))
        with gn.no_grad():
            want = _flat(gm(gn.tensor(a[0]), (gn.tensor(a[1]), gn.tensor(a[2]))))
        for g, w in zip(got, want):
            assert g.shape == w.shape
            np.testing.assert_allclose(g, w.numpy(), rtol=1e-4, atol=1e-5)


def test_only_the_projected_lstm_leaves_the_fused_op(rng, monkeypatch):
    from glassnet.nn.layers import rnn as rnn_layers

    def refuse(*args, **kwargs):
        raise AssertionError("wrong code path")

    x = gn.tensor(rng.standard_normal((3, 2, I_SIZE)).astype(np.float32))
    plain, proj = nn.LSTM(I_SIZE, H), nn.LSTM(I_SIZE, H, proj_size=P)
    assert "weight_hr_l0" not in plain.state_dict()
    with monkeypatch.context() as m:
        m.setattr(rnn_layers, "lstm_proj_layer", refuse)
        assert plain(x)[0].shape == (3, 2, H)
    with monkeypatch.context() as m:
        m.setattr(rnn_layers, "lstm_layer", refuse)
        out, (h, c) = proj(x)
    assert (out.shape, h.shape, c.shape) == ((3, 2, P), (1, 2, P), (1, 2, H))


@pytest.mark.parametrize(
    "kwargs,err,msg",
    [
        (dict(proj_size=H), ValueError, r"proj_size must be smaller than hidden_size \(6\), got 6"),
        (dict(proj_size=-1), ValueError, "proj_size must be a non-negative int, got -1"),
        (dict(proj_size=1.5), ValueError, "proj_size must be a non-negative int, got 1.5"),
    ],
)
def test_constructor_errors(kwargs, err, msg):
    with pytest.raises(err, match=msg):
        nn.LSTM(I_SIZE, H, **kwargs)


def test_gru_and_rnn_refuse_proj_size():
    with pytest.raises(ValueError, match="GRU: proj_size is only supported for LSTM"):
        nn.GRU(I_SIZE, H, proj_size=2)
    with pytest.raises(ValueError, match="RNN: proj_size is only supported for LSTM"):
        nn.RNN(I_SIZE, H, proj_size=2)


def test_state_shape_errors_name_proj_size():
    gm = nn.LSTM(I_SIZE, H, proj_size=P)
    x = gn.zeros(5, 2, I_SIZE)
    with pytest.raises(ValueError, match=r"h0 of shape \(1, 2, 3\) .*proj_size\), got \(1, 2, 6\)"):
        gm(x, (gn.zeros(1, 2, H), gn.zeros(1, 2, H)))
    with pytest.raises(
        ValueError, match=r"c0 of shape \(1, 2, 6\) .*hidden_size\), got \(1, 2, 3\)"
    ):
        gm(x, (gn.zeros(1, 2, P), gn.zeros(1, 2, P)))
