"""The one scratch-buffer pool of the ops (glassnet/ops/_workspace.py)."""

from __future__ import annotations

import ast
import pickle
from pathlib import Path

import numpy as np

import glassnet as gn
from glassnet.ops import _workspace
from glassnet.ops._workspace import Workspace, default_workspace
from glassnet.ops.attention import additive_attention
from glassnet.ops.rnn import lstm_layer

OPS = Path(_workspace.__file__).parent


def test_same_size_buffer_is_reshaped_and_reused_once_free():
    ws = Workspace()
    a = ws.empty(np, (4, 6), np.float32)
    address = a.ctypes.data
    del a
    b = ws.empty(np, (3, 8), np.float32)  # same size and dtype: the same memory
    assert b.shape == (3, 8) and b.ctypes.data == address and b.base is ws._arrays[0]
    c = ws.empty(np, (24,), np.float32)  # b (a view of the buffer) is alive: a new one
    assert c.base is None and not np.shares_memory(b, c)
    assert ws.allocations == 2
    assert ws.empty(np, (24,), np.float64).dtype == np.float64
    assert ws.allocations == 3


def test_strided_views_keep_a_buffer_busy():
    ws = Workspace()
    a = ws.empty(np, (8, 8), np.float64)
    window = np.lib.stride_tricks.as_strided(a, shape=(2, 2), strides=(8, 8))
    del a
    b = ws.empty(np, (8, 8), np.float64)
    assert not np.shares_memory(window, b)


def test_give_adopts_only_arrays_that_own_their_memory():
    ws = Workspace()
    ws.give(np.zeros((2, 3)))
    ws.give(np.zeros((4, 4))[:, 1])  # a view: ignored
    ws.give(np.zeros((4, 4)).T)  # not C-contiguous: ignored
    ws.give([1.0, 2.0])  # not an array: ignored
    assert len(ws._arrays) == 1 and ws.nbytes == 48
    assert ws.empty(np, (6,), np.float64).base is not None  # the adopted buffer, reshaped
    assert ws.allocations == 0


def test_small_and_non_numpy_arrays_are_not_pooled():
    ws = Workspace(min_bytes=1024)
    ws.empty(np, (4,), np.float64)
    assert ws._arrays == [] and ws.allocations == 0


def test_copies_are_fresh_and_empty():
    ws = Workspace(max_arrays=5, min_bytes=16)
    ws.give(np.zeros(10))
    clone = pickle.loads(pickle.dumps(ws))
    assert (clone.max_arrays, clone.min_bytes, clone.nbytes) == (5, 16, 0)
    assert "5" in repr(ws)


def test_rnn_and_attention_draw_from_the_shared_pool(rng):
    pool = default_workspace()
    pool.clear()
    t, n, i, h = 6, 64, 8, 64
    args = [rng.standard_normal(s).astype(np.float32) for s in
            [(t, n, i), (4 * h, i), (4 * h, h), (4 * h,), (4 * h,)]]  # fmt: skip
    x, w_ih, w_hh, b_ih, b_hh = (gn.tensor(a) for a in args)
    lstm_layer(x, None, None, w_ih, w_hh, b_ih, b_hh)
    after_lstm = pool.allocations
    assert after_lstm > 0
    keys = gn.tensor(rng.standard_normal((n, 40, 32)).astype(np.float32), requires_grad=True)
    w_k = gn.tensor(rng.standard_normal((32, 32)).astype(np.float32))
    v = gn.tensor(rng.standard_normal(32).astype(np.float32))
    additive_attention(keys, w_k, v)[0].sum().backward()
    assert pool.allocations > after_lstm


def test_op_families_do_not_import_each_other_for_the_pool():
    """The pool lives in its own module; no op family imports another for it."""
    for path in OPS.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                names = {a.name for a in node.names}
                if "workspace" in names or "Workspace" in names or "default_workspace" in names:
                    assert node.module == "_workspace", (
                        f"{path.name} imports the pool from {node.module}"
                    )
