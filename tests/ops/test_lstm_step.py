"""The LSTM step's one Python definition (ops.rnn.lstm_step / lstm_step_grad): the textbook
equations, its gradient by finite differences, and the fake-CuPy kernel stand-ins built on it."""

from __future__ import annotations

import numpy as np
import pytest

from glassnet.ops import rnn
from glassnet.ops.rnn import lstm_step, lstm_step_grad
from tests.fakecupy import _kernels as stand_ins

H, N = 3, 4


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _run(z, c_prev):
    """(h, c, activations) of one step from unhalved pre-activations z (4H, N), rows o, i, f, g."""
    a = z.copy()
    a[: 3 * H] *= 0.5  # the ops halve the sigmoid rows in the weights
    c, tc, h = (np.empty((H, N)) for _ in range(3))
    lstm_step(np, a, c_prev, c, tc, h, np.empty((H, N)))
    return h, c, tc, a


@pytest.mark.parametrize("with_prev", [True, False])
def test_step_is_the_textbook_lstm(with_prev, rng):
    z = rng.standard_normal((4 * H, N))
    c_prev = rng.standard_normal((H, N)) if with_prev else None
    h, c, tc, a = _run(z, c_prev)
    o, i, f = (_sigmoid(z[k * H : (k + 1) * H]) for k in range(3))
    g = np.tanh(z[3 * H :])
    c_ref = i * g + (f * c_prev if with_prev else 0)
    np.testing.assert_allclose(c, c_ref, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(tc, np.tanh(c_ref), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(h, o * np.tanh(c_ref), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(a, np.concatenate([o, i, f, g]), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("with_prev", [True, False])
def test_step_grad_matches_finite_differences(with_prev, rng):
    z = rng.standard_normal((4 * H, N))
    c_prev = rng.standard_normal((H, N)) if with_prev else None
    gh, gc, g_out = (rng.standard_normal((H, N)) for _ in range(3))

    def loss(z_, c_prev_):
        h, c, _, _ = _run(z_, c_prev_)
        return np.sum((gh + g_out) * h) + np.sum(gc * c)

    _, _, tc, a = _run(z, c_prev)
    dh, dc = gh.copy(), gc.copy()
    d = np.empty((4 * H, N))
    lstm_step_grad(np, dh, g_out, a, tc, c_prev, dc, d, np.empty((4 * H, N)), np.empty((H, N)))
    np.testing.assert_allclose(dh, gh + g_out)  # the output's gradient is added in place
    eps = 1e-6
    num = np.zeros_like(z)
    for idx in np.ndindex(*z.shape):
        zp, zm = z.copy(), z.copy()
        zp[idx] += eps
        zm[idx] -= eps
        num[idx] = (loss(zp, c_prev) - loss(zm, c_prev)) / (2 * eps)
    np.testing.assert_allclose(d, num, rtol=1e-6, atol=1e-8)
    if with_prev:  # dc became the previous step's cell gradient
        num_c = np.zeros_like(c_prev)
        for idx in np.ndindex(*c_prev.shape):
            cp, cm = c_prev.copy(), c_prev.copy()
            cp[idx] += eps
            cm[idx] -= eps
            num_c[idx] = (loss(z, cp) - loss(z, cm)) / (2 * eps)
        np.testing.assert_allclose(dc, num_c, rtol=1e-6, atol=1e-8)


def test_fake_cupy_stand_ins_call_the_one_definition(rng):
    assert stand_ins.lstm_step is rnn.lstm_step
    assert stand_ins.lstm_step_grad is rnn.lstm_step_grad
    z = rng.standard_normal((4 * H, N))
    c_prev = rng.standard_normal((H, N))
    h, c, tc, a = _run(z, c_prev)
    # the kernel's calling convention: four separate gate arrays, outputs in place
    gates = [z[k * H : (k + 1) * H].copy() for k in range(4)]
    for gate in gates[:3]:
        gate *= 0.5
    c2, tc2, h2 = (np.empty((H, N)) for _ in range(3))
    stand_ins.KERNELS["glassnet_lstm_step"](c_prev, 1.0, *gates, c2, tc2, h2)
    np.testing.assert_array_equal(np.concatenate(gates), a)
    np.testing.assert_array_equal(h2, h)
    np.testing.assert_array_equal(c2, c)
    dh, g_out, dc = (rng.standard_normal((H, N)) for _ in range(3))
    d = np.empty((4 * H, N))
    dc_ref = dc.copy()
    lstm_step_grad(
        np, dh.copy(), g_out, a, tc, c_prev, dc_ref, d, np.empty_like(d), np.empty_like(dh)
    )
    parts = [np.empty((H, N)) for _ in range(4)]
    dh_in = dh.copy()
    stand_ins.KERNELS["glassnet_lstm_step_grad"](
        dh_in, g_out, tc, *np.split(a, 4), c_prev, 1.0, dc, *parts
    )
    np.testing.assert_array_equal(dh_in, dh)  # an input of the kernel: unchanged
    np.testing.assert_array_equal(np.concatenate(parts), d)
    np.testing.assert_array_equal(dc, dc_ref)
