"""Which input axis is the batch when a layer is the exported model (where it is not axis 0).

Time-major recurrent layers and attention take ``(T, N, .)``, recurrent states
``(L*D, N, H)``, and unbatched inputs have no batch axis; :func:`export_onnx` makes
these axes dynamic unless ``batch_axes=`` says otherwise. A rule only names axes: the
graph itself comes from tracing.
"""

from __future__ import annotations

from typing import Any

from ..nn.layers.attention import MultiheadAttention
from ..nn.layers.rnn import GRU, LSTM, RNN
from ..nn.layers.rnn_cells import GRUCell, LSTMCell, RNNCell
from .onnx_registry import register_batch_axes

__all__: list[str] = []


def _n_states(hx: Any) -> int:
    return 0 if hx is None else (len(hx) if isinstance(hx, tuple) else 1)


def _recurrent(m: Any, x: Any, hx: Any = None) -> list:
    batched = x.ndim == 3
    first = (0 if m.batch_first else 1) if batched else None
    return [first] + [1 if batched else None] * _n_states(hx)


def _cell(m: Any, x: Any, hx: Any = None) -> list:
    return [0 if x.ndim == 2 else None] * (1 + _n_states(hx))


def _attention(
    m: MultiheadAttention, q: Any, k: Any, v: Any, key_padding_mask: Any = None,
    need_weights: bool = True, attn_mask: Any = None, *rest: Any,
) -> list:  # fmt: skip
    batched = q.ndim == 3
    axes = [(0 if m.batch_first else 1) if batched else None] * 3
    if key_padding_mask is not None:
        axes.append(0 if batched else None)
    if attn_mask is not None:
        axes.append(None)  # (L, S), or (N * num_heads, L, S) with the batch fixed
    return axes


for _cls in (RNN, LSTM, GRU):
    register_batch_axes(_cls, _recurrent)
for _cls in (RNNCell, LSTMCell, GRUCell):
    register_batch_axes(_cls, _cell)
register_batch_axes(MultiheadAttention, _attention)
