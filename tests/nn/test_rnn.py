"""RNN, LSTM, GRU and their cells: PyTorch's state dicts, outputs and gradients; errors."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet import nn
from glassnet.testing import check_gradients

LAYERS = {"RNN": "RNN", "LSTM": "LSTM", "GRU": "GRU"}
CELLS = {"RNNCell": "RNNCell", "LSTMCell": "LSTMCell", "GRUCell": "GRUCell"}


def _pair(torch, name, *args, **kw):
    """A torch module and a glassnet one (float64) holding the same weights."""
    tm = getattr(torch.nn, name)(*args, **kw).double()
    gm = getattr(nn, name)(*args, **{**kw, "dtype": np.float64})
    gm.load_state_dict(tm.state_dict())
    return tm, gm


def _state(rng, name, lead, n, h, torch=None):
    h0 = rng.standard_normal((lead, n, h))
    c0 = rng.standard_normal((lead, n, h))
    if torch is not None:
        h0, c0 = torch.tensor(h0, requires_grad=True), torch.tensor(c0, requires_grad=True)
    else:
        h0, c0 = gn.tensor(h0, requires_grad=True), gn.tensor(c0, requires_grad=True)
    return ((h0, c0) if "LSTM" in name else h0), [h0, c0] if "LSTM" in name else [h0]


def _flat(res):
    out, st = res
    return [out] + (list(st) if isinstance(st, tuple) else [st])


CONFIGS = [
    (name, layers, bi, bf, with_state)
    for name in LAYERS
    for layers, bi in ((1, False), (2, True), (3, False))
    for bf in (False, True)
    for with_state in (False, True)
]


@pytest.mark.parametrize("name,layers,bi,bf,with_state", CONFIGS)
def test_matches_torch_outputs_and_gradients(name, layers, bi, bf, with_state, rng, torch):
    t_len, n, i, h = 5, 3, 4, 6
    tm, gm = _pair(torch, name, i, h, num_layers=layers, bidirectional=bi, batch_first=bf)
    x = rng.standard_normal((n, t_len, i) if bf else (t_len, n, i))
    gx, tx = gn.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    lead = layers * (2 if bi else 1)
    seed = int(rng.integers(1 << 30))
    g_hx, g_states = (
        _state(np.random.default_rng(seed), name, lead, n, h) if with_state else (None, [])
    )
    t_hx, t_states = _state(np.random.default_rng(seed), name, lead, n, h, torch) if with_state else (None, [])  # fmt: skip
    g_outs, t_outs = _flat(gm(gx, g_hx)), _flat(tm(tx, t_hx))
    weights = [rng.standard_normal(o.shape) for o in g_outs]
    for go, to in zip(g_outs, t_outs):
        np.testing.assert_allclose(go.numpy(), to.detach().numpy(), atol=1e-12)
    sum((o * gn.tensor(w)).sum() for o, w in zip(g_outs, weights)).backward()
    sum((o * torch.tensor(w)).sum() for o, w in zip(t_outs, weights)).backward()
    np.testing.assert_allclose(gx.grad.numpy(), tx.grad.numpy(), atol=1e-11)
    for gs, ts in zip(g_states, t_states):
        np.testing.assert_allclose(gs.grad.numpy(), ts.grad.numpy(), atol=1e-11)
    t_params = dict(tm.named_parameters())
    for k, p in gm.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), t_params[k].grad.numpy(), atol=1e-11, err_msg=k)


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_state_dict_names_shapes_and_order_match_torch(name, torch):
    tm = getattr(torch.nn, name)(3, 5, num_layers=2, bidirectional=True)
    gm = getattr(nn, name)(3, 5, num_layers=2, bidirectional=True)
    t_sd, g_sd = tm.state_dict(), gm.state_dict()
    assert list(g_sd) == list(t_sd)
    for k in t_sd:
        assert g_sd[k].shape == tuple(t_sd[k].shape), k
    # and back: a glassnet state dict loads into torch
    tm.load_state_dict({k: torch.tensor(np.asarray(v)) for k, v in g_sd.items()})


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_gradcheck_small(name, rng):
    gm = getattr(nn, name)(2, 2, num_layers=2, bidirectional=True, dtype=np.float64)
    x = rng.standard_normal((3, 2, 2))
    h0 = rng.standard_normal((4, 2, 2))

    def fn(x, h0):
        hx = (h0, h0 * 0.5) if name == "LSTM" else h0
        return tuple(_flat(gm(x, hx)))

    check_gradients(fn, x, h0)


def test_unbatched_input_matches_torch(rng, torch):
    tm, gm = _pair(torch, "LSTM", 3, 4, num_layers=2)
    x, h0 = rng.standard_normal((5, 3)), rng.standard_normal((2, 4))
    g_out, (gh, gc) = gm(gn.tensor(x), (gn.tensor(h0), gn.tensor(h0)))
    t_out, (th, tc) = tm(torch.tensor(x), (torch.tensor(h0), torch.tensor(h0)))
    assert g_out.shape == (5, 4) and gh.shape == (2, 4)
    np.testing.assert_allclose(g_out.numpy(), t_out.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(gc.numpy(), tc.detach().numpy(), atol=1e-12)


def test_no_bias_matches_torch(rng, torch):
    tm, gm = _pair(torch, "GRU", 3, 4, bias=False)
    assert "bias_ih_l0" not in gm.state_dict()
    x = rng.standard_normal((5, 2, 3))
    np.testing.assert_allclose(gm(gn.tensor(x))[0].numpy(), tm(torch.tensor(x))[0].detach().numpy(), atol=1e-12)  # fmt: skip


def test_relu_rnn_matches_torch(rng, torch):
    tm, gm = _pair(torch, "RNN", 3, 4, nonlinearity="relu", num_layers=2)
    x = rng.standard_normal((5, 2, 3))
    np.testing.assert_allclose(gm(gn.tensor(x))[0].numpy(), tm(torch.tensor(x))[0].detach().numpy(), atol=1e-12)  # fmt: skip
    assert repr(gm) == repr(tm)  # torch's RNN repr leaves nonlinearity out (RNNCell shows it)


def test_init_is_uniform_within_bound():
    gn.manual_seed(3)
    lstm = nn.LSTM(10, 16, num_layers=2)
    bound = 1 / np.sqrt(16)
    allv = np.concatenate([p.numpy().ravel() for p in lstm.parameters()])
    assert np.abs(allv).max() <= bound
    assert allv.std() == pytest.approx(bound / np.sqrt(3), rel=0.05)


def test_dropout_between_layers_in_training_only(rng):
    gn.manual_seed(0)
    lstm = nn.LSTM(3, 8, num_layers=2, dropout=0.5, dtype=np.float64)
    x = gn.tensor(rng.standard_normal((6, 4, 3)))
    lstm.eval()
    a, b = lstm(x)[0].numpy(), lstm(x)[0].numpy()
    np.testing.assert_array_equal(a, b)
    lstm.train()
    c, d = lstm(x)[0].numpy(), lstm(x)[0].numpy()
    assert not np.allclose(c, a) and not np.allclose(c, d)


def test_dropout_with_one_layer_warns():
    with pytest.warns(UserWarning, match="dropout=0.2 acts between stacked layers only"):
        nn.GRU(3, 4, dropout=0.2)


def test_float32_default_and_repr():
    lstm = nn.LSTM(28, 128, batch_first=True, bidirectional=True)
    assert lstm.weight_ih_l0.dtype == np.float32
    assert repr(lstm) == "LSTM(28, 128, batch_first=True, bidirectional=True)"
    out, (h, c) = lstm(gn.randn(2, 7, 28))
    assert out.shape == (2, 7, 256) and h.shape == (2, 2, 128) and out.dtype == np.float32


def test_lstm_docstring_names_the_gates():
    doc = nn.LSTM.__doc__
    for words in ("input gate", "forget gate", "output gate", "candidate memory cell", "c_t = f * c_{t-1} + i * g"):  # fmt: skip
        assert words in doc


# -------------------------------------------------------------------- cells
@pytest.mark.parametrize("name", sorted(CELLS))
@pytest.mark.parametrize("batched", [True, False])
def test_cells_match_torch(name, batched, rng, torch):
    tm, gm = _pair(torch, name, 3, 4)
    shape = (2, 3) if batched else (3,)
    hshape = (2, 4) if batched else (4,)
    x, h = rng.standard_normal(shape), rng.standard_normal(hshape)
    gx, tx = gn.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    if name == "LSTMCell":
        g_out = gm(gx, (gn.tensor(h), gn.tensor(h * 0.3)))
        t_out = tm(tx, (torch.tensor(h), torch.tensor(h * 0.3)))
    else:
        g_out, t_out = (gm(gx, gn.tensor(h)),), (tm(tx, torch.tensor(h)),)
    for go, to in zip(g_out, t_out):
        assert go.shape == tuple(to.shape)
        np.testing.assert_allclose(go.numpy(), to.detach().numpy(), atol=1e-12)
    sum(o.sum() for o in g_out).backward()
    sum(o.sum() for o in t_out).backward()
    np.testing.assert_allclose(gx.grad.numpy(), tx.grad.numpy(), atol=1e-12)
    t_params = dict(tm.named_parameters())
    for k, p in gm.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), t_params[k].grad.numpy(), atol=1e-12)


def test_cell_loop_equals_layer(rng):
    lstm = nn.LSTM(3, 4, dtype=np.float64)
    cell = nn.LSTMCell(3, 4, dtype=np.float64)
    cell.load_state_dict({k[:-3]: v for k, v in lstm.state_dict().items()})
    x = gn.tensor(rng.standard_normal((6, 2, 3)))
    out, _ = lstm(x)
    h = c = None
    for t in range(6):
        h, c = cell(x[t], None if h is None else (h, c))
        np.testing.assert_allclose(h.numpy(), out.numpy()[t], atol=1e-12)


# ------------------------------------------------------------------- errors
def test_error_wrong_rank():
    with pytest.raises(ValueError, match=r"LSTM\(4, 6\): expected input of shape \(T, N, 4\) \(or \(T, 4\) unbatched\), got \(2, 3, 5, 4\)"):  # fmt: skip
        nn.LSTM(4, 6)(gn.zeros(2, 3, 5, 4))


def test_error_wrong_feature_size_batch_first():
    with pytest.raises(ValueError, match=r"GRU\(4, 6, batch_first=True\): expected input of shape \(N, T, 4\) with 4 features in the last axis, got \(2, 5, 3\)"):  # fmt: skip
        nn.GRU(4, 6, batch_first=True)(gn.zeros(2, 5, 3))


def test_error_state_shape():
    with pytest.raises(ValueError, match=r"LSTM\(4, 6, num_layers=2\): expected c0 of shape \(2, 3, 6\).*got \(1, 3, 6\)"):  # fmt: skip
        nn.LSTM(4, 6, num_layers=2)(gn.zeros(5, 3, 4), (gn.zeros(2, 3, 6), gn.zeros(1, 3, 6)))
    with pytest.raises(ValueError, match=r"RNN\(4, 6, bidirectional=True\): expected h0 of shape \(2, 3, 6\).*got \(2, 4, 6\)"):  # fmt: skip
        nn.RNN(4, 6, bidirectional=True)(gn.zeros(5, 3, 4), gn.zeros(2, 4, 6))


def test_error_lstm_state_not_a_pair():
    with pytest.raises(TypeError, match=r"LSTM\(4, 6\): expected hx to be a tuple \(h0, c0\), got Tensor"):  # fmt: skip
        nn.LSTM(4, 6)(gn.zeros(5, 3, 4), gn.zeros(1, 3, 6))


def test_error_dtype_mismatch():
    with pytest.raises(TypeError, match=r"LSTM\(4, 6\): input dtype float64 differs from the parameters' float32"):  # fmt: skip
        nn.LSTM(4, 6)(gn.tensor(np.zeros((5, 3, 4))))


@pytest.mark.parametrize(
    "kwargs,msg",
    [
        (dict(input_size=0, hidden_size=4), "LSTM: input_size must be a positive int, got 0"),
        (
            dict(input_size=3, hidden_size=4, num_layers=0),
            "LSTM: num_layers must be a positive int, got 0",
        ),  # fmt: skip
        (
            dict(input_size=3, hidden_size=4, dropout=1.5),
            r"LSTM: dropout must be a probability in \[0, 1\), got 1.5",
        ),  # fmt: skip
        (
            dict(input_size=3, hidden_size=4, bidirectional=2),
            "LSTM: bidirectional must be True or False, got 2",
        ),  # fmt: skip
    ],
)
def test_constructor_errors(kwargs, msg):
    with pytest.raises(ValueError, match=msg):
        nn.LSTM(**kwargs)


def test_rnn_nonlinearity_error():
    with pytest.raises(ValueError, match="RNN: nonlinearity must be 'tanh' or 'relu', got 'gelu'"):
        nn.RNN(3, 4, nonlinearity="gelu")


def test_cell_errors():
    cell = nn.GRUCell(3, 4)
    with pytest.raises(ValueError, match=r"GRUCell\(3, 4\): expected input of shape \(N, 3\) or \(3,\), got \(2, 5\)"):  # fmt: skip
        cell(gn.zeros(2, 5))
    with pytest.raises(ValueError, match=r"GRUCell\(3, 4\): expected hx of shape \(2, 4\), got \(3, 4\)"):  # fmt: skip
        cell(gn.zeros(2, 3), gn.zeros(3, 4))
    with pytest.raises(TypeError, match=r"LSTMCell\(3, 4\): expected hx to be a tuple \(h, c\)"):
        nn.LSTMCell(3, 4)(gn.zeros(2, 3), gn.zeros(2, 4))


# ------------------------------------------------------- device (xp) path
@pytest.mark.parametrize("name", ["LSTM", "GRU", "RNN"])
def test_device_path_matches_cpu(name, rng, monkeypatch):
    """The same ops on a CuPy stand-in (tests/fakecupy.py) give the CPU's results."""
    fake = pytest.importorskip("tests.fakecupy")
    fake.install(monkeypatch)
    gn.manual_seed(0)
    cpu = getattr(nn, name)(5, 8, num_layers=2, batch_first=True)
    gpu = getattr(nn, name)(5, 8, num_layers=2, batch_first=True)
    gpu.load_state_dict(cpu.state_dict())
    gpu.to("cuda")
    x = rng.standard_normal((3, 6, 5)).astype(np.float32)
    att_c, att_g = nn.TemporalAttention(8), nn.TemporalAttention(8)
    att_g.load_state_dict(att_c.state_dict())
    att_g.to("cuda")
    losses = []
    for rnn, att, xt in ((cpu, att_c, gn.tensor(x)), (gpu, att_g, gn.tensor(x).to("cuda"))):
        ctx, _ = att(rnn(xt)[0])
        loss = ctx.sum()
        loss.backward()
        losses.append(loss.item())
    assert losses[0] == pytest.approx(losses[1], rel=1e-6)
    for (k, p), q in zip(cpu.named_parameters(), gpu.parameters()):
        assert q.grad.device.type == "cuda"
        np.testing.assert_allclose(q.grad.to("cpu").numpy(), p.grad.numpy(), rtol=1e-5, err_msg=k)
