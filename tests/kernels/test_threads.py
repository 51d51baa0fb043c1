"""The kernels on several numba threads give what the NumPy reference gives."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.ops import _parallel
from glassnet.ops.norm import batch_norm
from glassnet.ops.pool import max_pool2d

from .conftest import needs_numba

pytestmark = needs_numba


@pytest.fixture
def two_threads(monkeypatch):
    numba = pytest.importorskip("numba")
    if numba.config.NUMBA_NUM_THREADS < 2:
        pytest.skip("numba has one thread here")
    monkeypatch.setattr(_parallel, "MIN_BYTES", 1)
    before = gn.get_num_threads()
    gn.set_num_threads(2)
    assert _parallel.split_threads(1 << 20) == 2
    yield
    gn.set_num_threads(before)


@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=3, stride=2)])
def test_pooling(two_threads, both_paths, rng, kw):
    x = rng.standard_normal((8, 3, 13, 13)).astype(np.float32)

    def run():
        xt = gn.tensor(x, requires_grad=True)
        y = max_pool2d(xt, **kw)
        (y * y).sum().backward()
        return y.array.copy(), xt.grad.array.copy()

    (y1, g1), (y0, g0) = both_paths(run)
    np.testing.assert_array_equal(y1, y0)
    np.testing.assert_allclose(g1, g0, rtol=1e-6)


def test_adam_and_batch_norm(two_threads, both_paths, rng):
    x = rng.standard_normal((16, 4, 6, 6)).astype(np.float32)
    target = gn.tensor(rng.standard_normal((16, 8, 4, 4)).astype(np.float32))

    def run():
        gn.manual_seed(0)
        conv = gn.nn.Conv2d(4, 8, 3)
        bn = gn.nn.BatchNorm2d(8)
        opt = gn.optim.Adam([*conv.parameters(), *bn.parameters()], lr=1e-2)
        for _ in range(3):
            opt.zero_grad()
            (bn(conv(gn.tensor(x))) * target).mean().backward()
            opt.step()
        return conv.weight.array.copy(), bn.running_var.array.copy()

    (w1, v1), (w0, v0) = both_paths(run)
    np.testing.assert_allclose(w1, w0, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(v1, v0, rtol=1e-5)


def test_batch_norm_statistics(two_threads, both_paths, rng):
    x = (rng.standard_normal((32, 9, 20, 6)) + 3).astype(np.float64).transpose(0, 3, 1, 2)

    def run():
        return batch_norm(gn.tensor(x), None, None, training=True).array.copy()

    y1, y0 = both_paths(run)
    np.testing.assert_allclose(y1, y0, rtol=1e-12, atol=1e-12)
