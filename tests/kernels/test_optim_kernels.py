"""The optimizers' fused updates against their NumPy reference, step after step."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn

from .conftest import needs_numba

pytestmark = needs_numba

CASES = [
    (gn.optim.Adam, dict(lr=1e-2)),
    (gn.optim.Adam, dict(lr=1e-2, weight_decay=0.1, maximize=True)),
    (gn.optim.Adam, dict(lr=0.0)),
    (gn.optim.Adam, dict(lr=1e-40)),  # unfolded step size (see adam._scales)
    (gn.optim.AdamW, dict(lr=1e-2, weight_decay=0.5)),
    (gn.optim.Adam, dict(lr=1e-2, amsgrad=True)),  # the reference path on both
    (gn.optim.SGD, dict(lr=0.1)),
    (gn.optim.SGD, dict(lr=0.1, momentum=0.9, weight_decay=1e-2)),
    (gn.optim.SGD, dict(lr=0.1, momentum=0.9, dampening=0.3, maximize=True)),
    (gn.optim.SGD, dict(lr=0.1, momentum=0.9, nesterov=True)),
    (gn.optim.RMSprop, dict(lr=1e-2)),
    (gn.optim.RMSprop, dict(lr=1e-2, momentum=0.9, centered=True, weight_decay=1e-2)),
    (gn.optim.RMSprop, dict(lr=1e-2, centered=True, maximize=True)),
]


def _trajectory(opt_cls, kw, dtype, rng_seed=0, steps=4, transpose=False):
    def run():
        rng = np.random.default_rng(rng_seed)
        w0 = rng.standard_normal((33, 17)).astype(dtype)
        b0 = rng.standard_normal(17).astype(dtype)
        w = gn.tensor(w0.T.copy().T if transpose else w0, requires_grad=True)
        b = gn.tensor(b0, requires_grad=True)
        opt = opt_cls([w, b], **kw)
        for _ in range(steps):
            g = rng.standard_normal((33, 17)).astype(dtype)
            w.grad = gn.tensor(g.T.copy().T if transpose else g)
            b.grad = gn.tensor(rng.standard_normal(17).astype(dtype))
            opt.step()
        states = [{k: np.array(v) for k, v in opt.state[p].items()} for p in (w, b)]
        return w.array.copy(), b.array.copy(), states

    return run


def _close(a, b, dtype):
    np.testing.assert_array_equal(a, b)  # same operations in the same order, no fastmath


@pytest.mark.parametrize("opt_cls, kw", CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_same_parameters_and_state(both_paths, opt_cls, kw, dtype):
    (w1, b1, s1), (w0, b0, s0) = both_paths(_trajectory(opt_cls, kw, dtype))
    assert w1.dtype == dtype
    _close(w1, w0, dtype)
    _close(b1, b0, dtype)
    for st1, st0 in zip(s1, s0):
        assert st1.keys() == st0.keys()
        for k in st1:
            _close(st1[k], st0[k], dtype)


def test_non_contiguous_parameters_take_the_reference_path(both_paths):
    (w1, _, _), (w0, _, _) = both_paths(
        _trajectory(gn.optim.Adam, dict(lr=1e-2), np.float32, transpose=True)
    )
    _close(w1, w0, np.float32)


def test_the_kernel_really_ran(monkeypatch):
    from glassnet.kernels import _optim

    calls = []
    real = _optim.adam
    monkeypatch.setattr(_optim, "adam", lambda *a, **k: calls.append(1) or real(*a, **k))
    monkeypatch.delenv(gn.kernels.ENV, raising=False)
    _trajectory(gn.optim.Adam, dict(lr=1e-2), np.float32, steps=1)()
    assert len(calls) == 2
