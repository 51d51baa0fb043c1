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
