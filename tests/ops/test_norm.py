"""batch_norm: finite differences and PyTorch agreement in training and evaluation, running
statistics, memory layouts and the argument errors."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.ops.norm import batch_norm
from glassnet.testing import check_against_torch, check_gradients

SHAPES = [(6, 3), (4, 3, 5), (3, 2, 4, 5)]


def _stats(rng, c):
    return rng.standard_normal(c), rng.random(c) + 0.5


@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("shape", SHAPES)
def test_batch_norm_gradcheck(shape, training, affine, rng):
    c = shape[1]
    rm, rv = _stats(rng, c)
    ins = [rng.standard_normal(shape) * 2 + 1]
    if affine:
        ins += [rng.standard_normal(c), rng.standard_normal(c)]

    def fn(x, w=None, b=None):
        return batch_norm(x, gn.tensor(rm), gn.tensor(rv), w, b, training=training, eps=1e-3)

    check_gradients(fn, *ins)


@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("shape", SHAPES)
def test_batch_norm_matches_torch(shape, training, affine, rng, torch):
    c = shape[1]
    rm, rv = _stats(rng, c)
    ins = [rng.standard_normal(shape) * 2 + 1]
    if affine:
        ins += [rng.standard_normal(c), rng.standard_normal(c)]
    g_rm, g_rv = gn.tensor(rm), gn.tensor(rv)
    t_rm, t_rv = torch.tensor(rm), torch.tensor(rv)
    check_against_torch(
        lambda x, w=None, b=None: batch_norm(x, g_rm, g_rv, w, b, training, 0.3, 1e-5),
        lambda x, w=None, b=None: torch.nn.functional.batch_norm(x, t_rm, t_rv, w, b, training, 0.3, 1e-5),
        *ins,
    )  # fmt: skip
    # the running statistics were updated (training) or left alone (evaluation) the same way
    np.testing.assert_allclose(g_rm.numpy(), t_rm.numpy(), rtol=1e-12)
    np.testing.assert_allclose(g_rv.numpy(), t_rv.numpy(), rtol=1e-12)


def test_batch_norm_without_running_stats(rng, torch):
    x = rng.standard_normal((5, 3, 4))
    check_against_torch(
        lambda x: batch_norm(x, None, None, training=True),
        lambda x: torch.nn.functional.batch_norm(x, None, None, training=True),
        x,
    )


def test_batch_norm_on_channels_last_view_keeps_layout_and_float32(rng, torch):
    x = rng.standard_normal((4, 6, 5, 3)).astype(np.float32).transpose(0, 3, 1, 2)  # NHWC memory
    rm, rv = gn.zeros(3), gn.ones(3)
    t = gn.tensor(x, requires_grad=True)
    y = batch_norm(t, rm, rv, training=True)
    assert y.dtype == np.float32
    assert y.array.transpose(0, 2, 3, 1).flags["C_CONTIGUOUS"]
    ref = torch.nn.functional.batch_norm(
        torch.tensor(x), torch.zeros(3), torch.ones(3), training=True
    )
    np.testing.assert_allclose(y.numpy(), ref.numpy(), atol=1e-5)
    y.sum().backward()
    assert t.grad.dtype == np.float32


@pytest.mark.parametrize(
    "args, kwargs, match",
    [
        (((3,), 3), {}, r"batch_norm: expected input of shape \(N, C\), \(N, C, L\), \(N, C, H, W\) or \(N, C, D, H, W\), got \(3,\)"),
        (((4, 3), 2), {}, r"batch_norm: expected running_mean of shape \(3,\) for input \(4, 3\), got \(2,\)"),
        (((1, 3),), {"training": True}, r"expected more than 1 value per channel when training, got input of shape \(1, 3\)"),
        (((4, 3),), {"training": True, "momentum": 1.5}, r"momentum must be in \[0, 1\], got 1.5"),
    ],
)  # fmt: skip
def test_batch_norm_errors(args, kwargs, match):
    shape = args[0]
    c = args[1] if len(args) > 1 else shape[1]
    with pytest.raises(ValueError, match=match):
        batch_norm(gn.zeros(*shape), gn.zeros(c), gn.ones(c), **kwargs)


def test_batch_norm_eval_needs_running_stats():
    with pytest.raises(ValueError, match=r"evaluation \(training=False\) needs running_mean"):
        batch_norm(gn.zeros(4, 3), None, None, training=False)


@pytest.fixture
def split_threads(monkeypatch):
    from glassnet.ops import _parallel, norm

    monkeypatch.setattr(_parallel, "MIN_BYTES", 1)
    monkeypatch.setattr(norm, "BLOCK_BYTES", 64)  # many row blocks per thread
    _parallel.set_num_threads(3)
    yield
    _parallel.set_num_threads(_parallel._default_threads())


@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_blocks_and_threads_match_torch(training, rng, torch, split_threads):
    x = rng.standard_normal((300, 7)) * 3 + 2  # row blocks of 146, 146 and 8 over 3 threads
    rm, rv = _stats(rng, 7)
    g_rm, g_rv = gn.tensor(rm), gn.tensor(rv)
    t_rm, t_rv = torch.tensor(rm), torch.tensor(rv)
    check_against_torch(
        lambda x, w, b: batch_norm(x, g_rm, g_rv, w, b, training),
        lambda x, w, b: torch.nn.functional.batch_norm(x, t_rm, t_rv, w, b, training),
        x, rng.standard_normal(7), rng.standard_normal(7),
    )  # fmt: skip
    np.testing.assert_allclose(g_rv.numpy(), t_rv.numpy(), rtol=1e-12)


def test_batch_norm_channels_last_blocks_and_threads(rng, torch, split_threads):
    x = rng.standard_normal((9, 5, 7, 7)).transpose(0, 3, 1, 2) * 3 + 2  # NHWC memory
    w, g = rng.standard_normal(7), rng.standard_normal(x.shape)
    t = gn.tensor(x, requires_grad=True)
    assert t.array.transpose(0, 2, 3, 1).flags["C_CONTIGUOUS"]
    y = batch_norm(t, None, None, gn.tensor(w), None, training=True)
    (y * gn.tensor(g)).sum().backward()
    tt = torch.tensor(np.ascontiguousarray(x), requires_grad=True)
    ref = torch.nn.functional.batch_norm(tt, None, None, torch.tensor(w), None, training=True)
    (ref * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(y.numpy(), ref.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(t.grad.numpy(), tt.grad.numpy(), rtol=1e-9, atol=1e-12)
