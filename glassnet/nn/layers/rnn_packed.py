"""Running ``RNN``/``LSTM``/``GRU`` over a :class:`~glassnet.nn.utils.rnn.PackedSequence`.

The packed steps are cut into *segments*: stretches of time over which the
same sequences are still running (the longest ``b`` of them). Each segment
is one call of the layer's fused recurrence on a ``(T_seg, b, F)`` block, so
a sequence stops at its own end: the forward direction hands on only the
states of the sequences still running and keeps the others' final states,
and the backward direction takes sequences in as it reaches their ends,
starting them from their initial state there. The result is PyTorch's.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...ops.dropout import dropout as _dropout
from ...ops.shape import concat, getitem, stack
from ...tensor import Tensor
from ..utils.rnn import PackedSequence

__all__ = ["run_packed"]

Segment = tuple[int, int, int, int]  # first row in data, steps, batch size, first step


def segments(batch_sizes: np.ndarray) -> list[Segment]:
    """``(row offset, steps, batch, t0)`` for each run of equal batch sizes, in time order."""
    out: list[Segment] = []
    row, t = 0, 0
    sizes = [int(b) for b in batch_sizes]
    while t < len(sizes):
        b, t0 = sizes[t], t
        while t < len(sizes) and sizes[t] == b:
            t += 1
        out.append((row, t - t0, b, t0))
        row += (t - t0) * b
    return out


def _block(data: Tensor, seg: Segment, batch_first: bool) -> Tensor:
    row, steps, b, _ = seg
    x = getitem(data, slice(row, row + steps * b)).reshape((steps, b, data.shape[-1]))
    return x.transpose(0, 1) if batch_first else x


def _rows(out: Tensor, batch_first: bool) -> Tensor:
    y = out.transpose(0, 1) if batch_first else out
    return y.reshape((y.shape[0] * y.shape[1], y.shape[2]))


def _forward_dir(rnn: Any, data: Tensor, segs: list[Segment], init: list, weights: tuple) -> tuple:
    """One direction reading time forwards: packed output rows and final states (sorted order)."""
    state = list(init)
    finished: list[list[Tensor]] = [[] for _ in state]
    outs = []
    for seg in segs:
        b = seg[2]
        for k, s in enumerate(state):
            if s.shape[0] > b:  # the shortest sequences ended: keep their final states
                finished[k].append(getitem(s, slice(b, s.shape[0])))
                state[k] = getitem(s, slice(0, b))
        res = rnn._run(_block(data, seg, rnn.batch_first), state, weights, reverse=False)
        outs.append(_rows(res[0], rnn.batch_first))
        state = list(res[1:])
    finals = [concat([s, *reversed(done)], 0) if done else s for s, done in zip(state, finished)]
    return concat(outs, 0) if len(outs) > 1 else outs[0], finals


def _backward_dir(rnn: Any, data: Tensor, segs: list[Segment], init: list, weights: tuple) -> tuple:
    """One direction reading time backwards: each sequence starts at its own last step."""
    state: list[Tensor | None] = [None for _ in init]
    outs = []
    for seg in reversed(segs):
        b = seg[2]
        for k, s in enumerate(state):
            have = 0 if s is None else s.shape[0]
            if have < b:  # sequences ending in this segment join, from their initial state
                joining = getitem(init[k], slice(have, b))
                state[k] = joining if s is None else concat([s, joining], 0)
        res = rnn._run(_block(data, seg, rnn.batch_first), state, weights, reverse=True)
        outs.append(_rows(res[0], rnn.batch_first))
        state = list(res[1:])
    outs.reverse()
    return concat(outs, 0) if len(outs) > 1 else outs[0], state


def _initial(rnn: Any, hx: Any, n: int, like: Tensor, order: np.ndarray | None) -> list[Tensor]:
    """Initial states ``(layers * dirs, N, H)`` in sorted order (zeros when ``hx`` is None)."""
    lead = rnn.num_layers * rnn.num_directions
    n_states = 2 if rnn._gates == 4 else 1
    if hx is None:
        zeros = Tensor(like.xp.zeros((lead, n, rnn.hidden_size), dtype=like.dtype))
        return [zeros] * n_states
    given = list(hx) if n_states == 2 else [hx]
    names = ("h0", "c0")[:n_states]
    states = [rnn._check_state(k, s, n, True) for k, s in zip(names, given)]
    if order is not None:
        states = [getitem(s, (slice(None), s.xp.asarray(order))) for s in states]
    return states


def run_packed(rnn: Any, packed: PackedSequence, hx: Any) -> tuple[PackedSequence, list[Tensor]]:
    """Run ``rnn`` over ``packed``; return the packed output and the final states (original order).

    Parameters
    ----------
    rnn : RNN, LSTM or GRU
    packed : PackedSequence
    hx : Tensor, (Tensor, Tensor) or None
        Initial states in the original batch order.

    Returns
    -------
    (PackedSequence, list of Tensor)
        Output rows ``(sum of lengths, D * H)`` and ``[h_n]`` or ``[h_n, c_n]``, each
        ``(num_layers * D, N, H)``.
    """
    data = packed.data
    if data.ndim != 2 or data.shape[1] != rnn.input_size:
        raise ValueError(
            f"{rnn!r}: expected packed data of shape (*, {rnn.input_size}), got {data.shape}"
        )
    n = int(packed.batch_sizes[0])
    segs = segments(np.asarray(packed.batch_sizes))
    init = _initial(rnn, hx, n, data, packed.sorted_indices)
    finals: list[list[Tensor]] = [[] for _ in init]
    x = data
    for layer in range(rnn.num_layers):
        outs = []
        for d in range(rnn.num_directions):
            idx = layer * rnn.num_directions + d
            start = [s[idx] for s in init]
            run = _backward_dir if d == 1 else _forward_dir
            out, last = run(rnn, x, segs, start, rnn._weights(layer, d))
            outs.append(out)
            for k, s in enumerate(last):
                finals[k].append(s)
        x = outs[0] if len(outs) == 1 else concat(outs, -1)
        if rnn.dropout > 0 and rnn.training and layer < rnn.num_layers - 1:
            x = _dropout(x, rnn.dropout, training=True)
    states = [stack(f, 0) for f in finals]
    if packed.unsorted_indices is not None:
        back = data.xp.asarray(packed.unsorted_indices)
        states = [getitem(s, (slice(None), back)) for s in states]
    return PackedSequence(x, packed.batch_sizes, packed.sorted_indices, packed.unsorted_indices), states
