"""The LSTM's compiled steps against the NumPy reference: bit for bit, forward and backward."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn

from .conftest import needs_numba

pytestmark = needs_numba


def _lstm(x: np.ndarray, with_state: bool, bidirectional: bool, grad: bool):
    def run():
        gn.manual_seed(0)
        m = gn.nn.LSTM(x.shape[2], 6, 2, batch_first=True, bidirectional=bidirectional)
        m = m.to(dtype=gn.float64) if x.dtype == np.float64 else m
        xt = gn.tensor(x, requires_grad=grad)
        state = None
        if with_state:
            d = 2 if bidirectional else 1
            rng = np.random.default_rng(3)
            state = tuple(gn.tensor(rng.standard_normal((2 * d, x.shape[0], 6)).astype(x.dtype),
                                    requires_grad=grad) for _ in range(2))  # fmt: skip
        if not grad:
            with gn.no_grad():
                y, (hn, cn) = m(xt, state)
            return [y.array.copy(), hn.array.copy(), cn.array.copy()]
        y, (hn, cn) = m(xt, state)
        ((y * y).sum() + hn.sum() + (cn * cn).sum()).backward()
        grads = [xt.grad.array.copy()] + [p.grad.array.copy() for p in m.parameters()]
        if with_state:
            grads += [s.grad.array.copy() for s in state]
        return [y.array.copy(), hn.array.copy(), cn.array.copy(), *grads]

    return run


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("with_state", [False, True])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("grad", [True, False])
def test_states_and_gradients_are_the_same(both_paths, rng, dtype, with_state, bidirectional,
                                           grad):  # fmt: skip
    x = rng.standard_normal((5, 7, 4)).astype(dtype)
    out1, out0 = both_paths(_lstm(x, with_state, bidirectional, grad))
    assert len(out1) == len(out0)
    for a, b in zip(out1, out0):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)


def _gru(x: np.ndarray, with_state: bool, grad: bool):
    def run():
        gn.manual_seed(0)
        m = gn.nn.GRU(x.shape[2], 6, 2, batch_first=True, bidirectional=True)
        m = m.to(dtype=gn.float64) if x.dtype == np.float64 else m
        xt = gn.tensor(x, requires_grad=grad)
        h0 = None
        if with_state:
            rng = np.random.default_rng(3)
            h0 = gn.tensor(rng.standard_normal((4, x.shape[0], 6)).astype(x.dtype),
                           requires_grad=grad)  # fmt: skip
        if not grad:
            with gn.no_grad():
                y, hn = m(xt, h0)
            return [y.array.copy(), hn.array.copy()]
        y, hn = m(xt, h0)
        ((y * y).sum() + hn.sum()).backward()
        grads = [xt.grad.array.copy()] + [p.grad.array.copy() for p in m.parameters()]
        if with_state:
            grads.append(h0.grad.array.copy())
        return [y.array.copy(), hn.array.copy(), *grads]

    return run


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("with_state", [False, True])
@pytest.mark.parametrize("grad", [True, False])
def test_gru_states_and_gradients_are_the_same(both_paths, rng, dtype, with_state, grad):
    x = rng.standard_normal((5, 7, 4)).astype(dtype)
    out1, out0 = both_paths(_gru(x, with_state, grad))
    assert len(out1) == len(out0)
    for a, b in zip(out1, out0):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)


def _step_arrays(rng, h: int, n: int, dtype) -> dict:
    """One step's blocks, as ``LSTMLayer`` passes them."""
    return {
        "a": rng.standard_normal((4 * h, n)).astype(dtype),
        "c_prev": rng.standard_normal((h, n)).astype(dtype),
        "h_out": np.zeros((h, n), dtype),
        "dh": rng.standard_normal((h, n)).astype(dtype),
        "g_out": rng.standard_normal((h, n)).astype(dtype),
        "dc": rng.standard_normal((h, n)).astype(dtype),
        "d": np.zeros((4 * h, n), dtype),
    }  # fmt: skip


@pytest.mark.parametrize("threads", [1, 2, 3])
@pytest.mark.parametrize("has_prev", [True, False])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_compiled_steps_match_the_reference_on_any_threads(rng, threads, has_prev, dtype):
    from glassnet import kernels
    from glassnet.ops import rnn as ops_rnn

    mod = kernels.load("rnn")
    h, n = 13, 9
    ref = _step_arrays(rng, h, n, dtype)
    got = {k: v.copy() for k, v in ref.items()}
    c_prev = ref["c_prev"] if has_prev else None
    c0, tc0, c1, tc1 = (np.empty((h, n), dtype) for _ in range(4))
    ops_rnn.lstm_step(np, ref["a"], c_prev, c0, tc0, ref["h_out"], np.empty((h, n), dtype))
    mod.lstm_step(got["a"], got["c_prev"] if has_prev else None, c1, tc1, got["h_out"], threads)
    for name, x, y in (("gates", ref["a"], got["a"]), ("c", c0, c1), ("tanh(c)", tc0, tc1),
                       ("h", ref["h_out"], got["h_out"])):  # fmt: skip
        np.testing.assert_array_equal(y, x, err_msg=name)
    scratch = (np.empty((4 * h, n), dtype), np.empty((h, n), dtype))
    ops_rnn.lstm_step_grad(np, ref["dh"], ref["g_out"], ref["a"], tc0,
                           c_prev, ref["dc"], ref["d"], *scratch)  # fmt: skip
    mod.lstm_step_grad(got["dh"], got["g_out"], got["a"], tc1,
                       got["c_prev"] if has_prev else None, got["dc"], got["d"], threads)  # fmt: skip
    for name in ("dh", "dc", "d"):
        np.testing.assert_array_equal(got[name], ref[name], err_msg=name)
