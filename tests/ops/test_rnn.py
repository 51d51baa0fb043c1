"""Fused recurrent ops: finite differences and agreement with PyTorch's nn.LSTM / GRU / RNN."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.ops import rnn as R
from glassnet.ops._workspace import Workspace
from glassnet.testing import check_against_torch, check_gradients

T, N, I, H = 4, 3, 2, 3
GATES = {"lstm": 4, "gru": 3, "rnn_tanh": 1, "rnn_relu": 1}


def _params(rng, kind, t=T, n=N, i=I, h=H, batch_first=False):
    g = GATES[kind]
    x = rng.standard_normal((n, t, i) if batch_first else (t, n, i))
    return [
        x,
        rng.standard_normal((n, h)) * 0.5,  # h0
        rng.standard_normal((n, h)) * 0.5,  # c0
        rng.standard_normal((g * h, i)) * 0.6,
        rng.standard_normal((g * h, h)) * 0.6,
        rng.standard_normal(g * h) * 0.3,
        rng.standard_normal(g * h) * 0.3,
    ]


def _gn(kind, reverse, batch_first, with_state):
    """glassnet function of (x, h0, c0, w_ih, w_hh, b_ih, b_hh) returning every output."""

    def fn(x, h0, c0, wi, wh, bi, bh):
        h0 = h0 if with_state else None
        c0 = c0 if with_state else None
        kw = dict(reverse=reverse, batch_first=batch_first)
        if kind == "lstm":
            return R.lstm_layer(x, h0, c0, wi, wh, bi, bh, **kw)
        if kind == "gru":
            return R.gru_layer(x, h0, wi, wh, bi, bh, **kw)
        return R.rnn_layer(x, h0, wi, wh, bi, bh, nonlinearity=kind[4:], **kw)

    return fn


def _torch(kind, reverse, batch_first, with_state):
    """The same computation through torch.nn modules (reverse = flip time, run, flip back)."""
    import torch
    from torch.func import functional_call

    def fn(x, h0, c0, wi, wh, bi, bh):
        h = wh.shape[1]
        if kind == "lstm":
            mod = torch.nn.LSTM(x.shape[-1], h, batch_first=batch_first)
        elif kind == "gru":
            mod = torch.nn.GRU(x.shape[-1], h, batch_first=batch_first)
        else:
            mod = torch.nn.RNN(x.shape[-1], h, nonlinearity=kind[4:], batch_first=batch_first)
        mod = mod.double()
        params = {"weight_ih_l0": wi, "weight_hh_l0": wh, "bias_ih_l0": bi, "bias_hh_l0": bh}
        tdim = 1 if batch_first else 0
        xs = x.flip(tdim) if reverse else x
        h0 = h0[None] if with_state else torch.zeros((1,) + tuple(h0.shape), dtype=x.dtype)
        c0 = c0[None] if with_state else torch.zeros_like(h0)
        if kind == "lstm":
            out, (hn, cn) = functional_call(mod, params, (xs, (h0, c0)))
            extra = (cn[0],)
        else:
            out, hn = functional_call(mod, params, (xs, h0))
            extra = ()
        if reverse:
            out = out.flip(tdim)
        return (out, hn[0]) + extra

    return fn


def _check_mask(kind, with_state):
    # c0 takes part only in the LSTM, and only when a state is given
    m = [True] * 7
    m[1] = with_state
    m[2] = with_state and kind == "lstm"
    return m


CASES = [(k, r, b, s) for k in GATES for r in (False, True) for b in (False, True) for s in (False, True)]  # fmt: skip


@pytest.mark.parametrize("kind,reverse,batch_first,with_state", CASES)
def test_layer_matches_torch(kind, reverse, batch_first, with_state, rng, torch):
    inputs = _params(rng, kind, batch_first=batch_first)
    check_against_torch(
        _gn(kind, reverse, batch_first, with_state),
        _torch(kind, reverse, batch_first, with_state),
        *inputs,
        check=_check_mask(kind, with_state),
        atol=1e-10,
        rtol=1e-9,
    )


@pytest.mark.parametrize("kind", sorted(GATES))
@pytest.mark.parametrize("reverse", [False, True])
def test_layer_gradcheck(kind, reverse, rng):
    inputs = _params(rng, kind, t=3, n=2, i=2, h=2)
    check_gradients(_gn(kind, reverse, False, True), *inputs, check=_check_mask(kind, True))


@pytest.mark.parametrize("kind", sorted(GATES))
def test_layer_gradcheck_batch_first_zero_state(kind, rng):
    inputs = _params(rng, kind, t=3, n=2, i=2, h=2, batch_first=True)
    check_gradients(_gn(kind, False, True, False), *inputs, check=_check_mask(kind, False))


@pytest.mark.parametrize("kind", ["lstm", "gru", "rnn_tanh"])
def test_layer_without_bias_matches_torch(kind, rng, torch):
    x, h0, c0, wi, wh, _, _ = _params(rng, kind)

    def gfn(x, h0, c0, wi, wh):
        return _gn(kind, False, False, True)(x, h0, c0, wi, wh, None, None)

    def tfn(x, h0, c0, wi, wh):
        zero = torch.zeros(wi.shape[0], dtype=x.dtype)
        return _torch(kind, False, False, True)(x, h0, c0, wi, wh, zero, zero)

    check = [True, True, kind == "lstm", True, True]
    check_against_torch(gfn, tfn, x, h0, c0, wi, wh, check=check, atol=1e-10, rtol=1e-9)


def test_lstm_float32_close_to_float64(rng):
    x, h0, c0, wi, wh, bi, bh = _params(rng, "lstm", t=6, n=4, i=5, h=8)
    out64 = R.lstm_layer(*(gn.tensor(a) for a in (x, h0, c0, wi, wh, bi, bh)))[0]
    out32 = R.lstm_layer(*(gn.tensor(a.astype(np.float32)) for a in (x, h0, c0, wi, wh, bi, bh)))[0]
    assert out32.dtype == np.float32
    np.testing.assert_allclose(out32.numpy(), out64.numpy(), atol=2e-6)


def test_long_sequence_gradients_match_torch(rng, torch):
    # 40 steps: the backward recursion must carry dh and dc correctly over many steps
    inputs = _params(rng, "lstm", t=40, n=2, i=3, h=4)
    check_against_torch(
        _gn("lstm", False, False, True), _torch("lstm", False, False, True), *inputs,
        atol=1e-10, rtol=1e-8,
    )  # fmt: skip


def test_one_node_per_layer(rng):
    x, h0, c0, wi, wh, bi, bh = (gn.tensor(a, requires_grad=True) for a in _params(rng, "lstm"))
    out, hn, cn = R.lstm_layer(x, h0, c0, wi, wh, bi, bh)
    assert out.grad_fn is hn.grad_fn is cn.grad_fn
    assert isinstance(out.grad_fn, R.LSTMLayer)


def test_no_graph_under_no_grad(rng):
    args = [gn.tensor(a, requires_grad=True) for a in _params(rng, "gru")]
    with gn.no_grad():
        out, hn = R.gru_layer(args[0], args[1], *args[3:])
    assert out.grad_fn is None and not out.requires_grad


@pytest.mark.parametrize("kind", ["lstm", "gru", "rnn"])
def test_cells_match_one_step_of_layer(kind, rng):
    g = {"lstm": "lstm", "gru": "gru", "rnn": "rnn_tanh"}[kind]
    x, h0, c0, wi, wh, bi, bh = (gn.tensor(a) for a in _params(rng, g, t=1))
    if kind == "lstm":
        h1, c1 = R.lstm_cell(x[0], h0, c0, wi, wh, bi, bh)
        _, hn, cn = R.lstm_layer(x, h0, c0, wi, wh, bi, bh)
        np.testing.assert_array_equal(c1.numpy(), cn.numpy())
    elif kind == "gru":
        h1 = R.gru_cell(x[0], h0, wi, wh, bi, bh)
        _, hn = R.gru_layer(x, h0, wi, wh, bi, bh)
    else:
        h1 = R.rnn_cell(x[0], h0, wi, wh, bi, bh)
        _, hn = R.rnn_layer(x, h0, wi, wh, bi, bh)
    np.testing.assert_array_equal(h1.numpy(), hn.numpy())


def test_cells_gradcheck(rng):
    x, h0, c0, wi, wh, bi, bh = _params(rng, "lstm", t=1, n=2, i=2, h=2)
    check_gradients(lambda *a: R.lstm_cell(a[0][0], *a[1:]), x, h0, c0, wi, wh, bi, bh)
    x, h0, _, wi, wh, bi, bh = _params(rng, "gru", t=1, n=2, i=2, h=2)
    check_gradients(lambda *a: R.gru_cell(a[0][0], *a[1:]), x, h0, wi, wh, bi, bh)


# ------------------------------------------------------------------ errors
def _t(*shape):
    return gn.zeros(*shape)


def test_error_wrong_rank():
    with pytest.raises(ValueError, match=r"lstm_layer: expected x of shape \(T, N, input_size\), got \(3, 2\)"):  # fmt: skip
        R.lstm_layer(_t(3, 2), None, None, _t(8, 2), _t(8, 2))


def test_error_batch_first_named():
    with pytest.raises(ValueError, match=r"gru_layer: expected x of shape \(N, T, input_size\)"):
        R.gru_layer(_t(3, 2), None, _t(6, 2), _t(6, 2), batch_first=True)


def test_error_weight_shapes():
    with pytest.raises(ValueError, match=r"lstm_layer: expected weight_ih of shape \(8, 3\).*got \(8, 2\)"):  # fmt: skip
        R.lstm_layer(_t(4, 2, 3), None, None, _t(8, 2), _t(8, 2))
    with pytest.raises(ValueError, match=r"rnn_layer: expected weight_hh of shape \(1\*H, H\), got \(4, 2\)"):  # fmt: skip
        R.rnn_layer(_t(4, 2, 3), None, _t(4, 3), _t(4, 2))


def test_error_state_shape():
    with pytest.raises(
        ValueError, match=r"lstm_layer: expected c0 of shape \(2, 2\), got \(3, 2\)"
    ):
        R.lstm_layer(_t(4, 2, 3), _t(2, 2), _t(3, 2), _t(8, 3), _t(8, 2))


def test_error_nonlinearity():
    with pytest.raises(ValueError, match="rnn_layer: nonlinearity must be 'tanh' or 'relu', got 'sigmoid'"):  # fmt: skip
        R.rnn_layer(_t(4, 2, 3), None, _t(2, 3), _t(2, 2), nonlinearity="sigmoid")


def test_error_cell_rank():
    with pytest.raises(ValueError, match=r"lstm_cell: expected x of shape \(N, input_size\), got \(4, 2, 3\)"):  # fmt: skip
        R.lstm_cell(_t(4, 2, 3), None, None, _t(8, 3), _t(8, 2))


def test_error_empty_sequence():
    with pytest.raises(ValueError, match="at least one step"):
        R.rnn_layer(_t(0, 2, 3), None, _t(2, 3), _t(2, 2))


# ---------------------------------------------------------------- workspace
def test_workspace_reuses_only_free_buffers():
    ws = Workspace(max_arrays=3, min_bytes=1024)
    a = ws.empty(np, (64, 64), np.float32)
    b = ws.empty(np, (64, 64), np.float32)
    busy = b is not a  # a is still held here
    a_id = id(a)
    del a
    c = ws.empty(np, (64, 64), np.float32)
    reused = id(c) == a_id  # handed out again once free
    view = c[3:]
    del c
    d = ws.empty(np, (64, 64), np.float32)
    fresh = view.base is not d and d is not b  # a view keeps its buffer busy
    assert busy and reused and fresh and len(ws._arrays) == 3
    assert ws.empty(np, (64, 64), np.float64).dtype == np.float64
    small = ws.empty(np, (4,), np.float32)
    assert all(small is not x for x in ws._arrays)  # small arrays are not pooled
    ws.clear()
    assert ws._arrays == []


def test_workspace_evicts_beyond_its_size():
    ws = Workspace(max_arrays=2, min_bytes=8)
    held = ws.empty(np, (10,), np.float64)
    ws.empty(np, (11,), np.float64)  # dropped at once: free
    last = ws.empty(np, (12,), np.float64)
    tracked = [id(a) for a in ws._arrays]
    assert tracked == [id(held), id(last)]  # the free buffer went first
    ws.empty(np, (13,), np.float64)  # nothing free: the oldest goes
    assert len(ws._arrays) == 2 and all(a is not held for a in ws._arrays)


def test_outputs_of_live_graphs_are_not_overwritten(rng):
    """Buffers come back to the pool only when no tensor or graph refers to them."""
    args = [gn.tensor(a.astype(np.float32), requires_grad=True) for a in _params(rng, "lstm", t=30, n=64, i=8, h=64)]  # fmt: skip
    out1, _, _ = R.lstm_layer(*args)
    keep = out1.numpy().copy()
    other = [gn.tensor(rng.standard_normal(a.shape).astype(np.float32)) for a in args]
    for _ in range(3):
        R.lstm_layer(*other)  # graph-free calls, their buffers are free at once
    out2, _, _ = R.lstm_layer(*[gn.tensor(a.numpy()) for a in other])
    np.testing.assert_array_equal(out1.numpy(), keep)
    assert out2.array is not out1.array
    out1.sum().backward()  # the first graph's saved buffers are intact too
    ref = [gn.tensor(a.numpy(), requires_grad=True) for a in args]
    R.lstm_layer(*ref)[0].sum().backward()
    for a, b in zip(args, ref):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-6)
