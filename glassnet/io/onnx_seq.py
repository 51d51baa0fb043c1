"""ONNX converters for sequence layers and models: RNN/LSTM/GRU, attention, the RNN models.

Recurrent layers map to ONNX's ``RNN``, ``LSTM`` and ``GRU`` operators, one
node per layer (both directions in one node). The weights are re-arranged on
the way out, since the two conventions differ:

- gate order: PyTorch/glassnet stack LSTM gates as ``i, f, g, o``, ONNX as
  ``i, o, f, c``; GRU gates ``r, z, n`` become ONNX's ``z, r, h`` (with
  ``linear_before_reset=1``, which is PyTorch's candidate
  ``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))``);
- ONNX stacks the directions in one tensor, ``W: (D, G*H, in)``,
  ``R: (D, G*H, H)``, ``B: (D, 2*G*H) = [W_b, R_b]``;
- ONNX runs time-major and returns ``Y: (T, D, N, H)``; it is brought back to
  ``(T, N, D*H)`` (and to ``(N, T, D*H)`` for ``batch_first``) with a
  ``Transpose`` and a ``Reshape``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..models.rnn import LSTMForecaster, RowAttentionClassifier
from ..nn.layers.attention import MultiheadAttention, TemporalAttention
from ..nn.layers.rnn import GRU, LSTM, RNN
from ..nn.layers.rnn_cells import GRUCell, LSTMCell, RNNCell
from .onnx_builder import OnnxBuilder, OnnxValue, register_onnx_converter

__all__: list[str] = []

# rows of each gate block, in ONNX's order, taken from glassnet's order
_LSTM_ORDER = (0, 3, 1, 2)  # i, f, g, o -> i, o, f, c
_GRU_ORDER = (1, 0, 2)  # r, z, n -> z, r, h


def _reorder(a: np.ndarray, order: tuple[int, ...] | None) -> np.ndarray:
    if order is None:
        return a
    blocks = np.split(a, len(order), axis=0)
    return np.concatenate([blocks[k] for k in order], axis=0)


def _layer_weights(b: OnnxBuilder, params: list, layer: int, order: Any) -> tuple:
    """ONNX's ``W``, ``R`` and ``B`` for one layer from each direction's ``(w_ih, w_hh, b_ih, b_hh)``."""
    ws, rs, bs = [], [], []
    for w_ih, w_hh, b_ih, b_hh in params:
        ws.append(_reorder(w_ih.numpy(), order))
        rs.append(_reorder(w_hh.numpy(), order))
        if b_ih is not None:
            bs.append(
                np.concatenate([_reorder(b_ih.numpy(), order), _reorder(b_hh.numpy(), order)])
            )
    pre = f"{b.scope}." if b.scope else ""
    w = b.initializer(np.stack(ws), f"{pre}W_l{layer}")
    r = b.initializer(np.stack(rs), f"{pre}R_l{layer}")
    bias = b.initializer(np.stack(bs), f"{pre}B_l{layer}") if bs else None
    return w, r, bias


def _recurrent(b: OnnxBuilder, m: Any, x: OnnxValue, hx: Any = None) -> Any:
    kind = "LSTM" if isinstance(m, LSTM) else "GRU" if isinstance(m, GRU) else "RNN"
    batched = x.ndim == 3
    d, n_layers = m.num_directions, m.num_layers
    seq = x.name
    if not batched:
        seq = b.unsqueeze(seq, [1])
    elif m.batch_first:
        seq = b.transpose(seq, [1, 0, 2])
    states = [] if hx is None else (list(hx) if isinstance(hx, tuple) else [hx])
    if not batched:
        states = [b.unsqueeze(s, [1]) for s in states]
    order, n_out, attrs = _op_setup(kind, m, d)
    finals: list[list[str]] = [[] for _ in range(n_out - 1)]
    for layer in range(n_layers):
        params = [m._weights(layer, k) for k in range(d)]
        w, r, bias = _layer_weights(b, params, layer, order)
        init = [b.slice(s, [layer * d], [(layer + 1) * d], [0]) for s in states]
        ins = [seq, w, r, bias, None] + (init if init else [])
        outs = b.node(kind, ins, outputs=n_out, **attrs)
        y = b.transpose(outs[0], [0, 2, 1, 3])  # (T, D, N, H) -> (T, N, D, H)
        seq = b.reshape(y, [0, 0, -1])
        for k in range(n_out - 1):
            finals[k].append(outs[1 + k])
    last = [b.concat(f, axis=0) for f in finals]
    if not batched:
        seq = b.squeeze(seq, [1])
        last = [b.squeeze(s, [1]) for s in last]
    elif m.batch_first:
        seq = b.transpose(seq, [1, 0, 2])
    return (seq, (last[0], last[1])) if kind == "LSTM" else (seq, last[0])


def _op_setup(kind: str, m: Any, d: int) -> tuple[Any, int, dict[str, Any]]:
    """Gate order, number of outputs and attributes of the ONNX recurrent node for ``m``."""
    attrs: dict[str, Any] = {"hidden_size": m.hidden_size}
    attrs["direction"] = "bidirectional" if d == 2 else "forward"
    if kind == "LSTM":
        return _LSTM_ORDER, 3, attrs
    if kind == "GRU":
        return _GRU_ORDER, 2, {**attrs, "linear_before_reset": 1}
    return None, 2, {**attrs, "activations": ["Relu" if m.nonlinearity == "relu" else "Tanh"] * d}


def _cell(b: OnnxBuilder, m: Any, x: OnnxValue, hx: Any = None) -> Any:
    """A single step: the matching recurrent node over a sequence of length 1."""
    kind = "LSTM" if isinstance(m, LSTMCell) else "GRU" if isinstance(m, GRUCell) else "RNN"
    lead = [0] if x.ndim == 2 else [0, 1]  # to (T=1, N, F) and (D=1, N, H)
    states = [] if hx is None else (list(hx) if isinstance(hx, tuple) else [hx])
    states = [b.unsqueeze(s, lead) for s in states]
    order, n_out, attrs = _op_setup(kind, m, 1)
    w, r, bias = _layer_weights(b, [m._params()], 0, order)
    outs = b.node(kind, [b.unsqueeze(x, lead), w, r, bias, None, *states], outputs=n_out, **attrs)
    finals = [b.squeeze(o, lead) for o in outs[1:]]
    return (finals[0], finals[1]) if kind == "LSTM" else finals[0]


def _cell_batch_axes(m: Any, x: Any, hx: Any = None) -> list:
    n_states = 0 if hx is None else (len(hx) if isinstance(hx, tuple) else 1)
    return [0 if x.ndim == 2 else None] * (1 + n_states)


for _cls in (RNNCell, LSTMCell, GRUCell):
    register_onnx_converter(_cls, _cell, batch_axes=_cell_batch_axes)


def _recurrent_batch_axes(m: Any, x: Any, hx: Any = None) -> list:
    batched = x.ndim == 3
    n_states = 0 if hx is None else (len(hx) if isinstance(hx, tuple) else 1)
    first = (0 if m.batch_first else 1) if batched else None
    return [first] + [1 if batched else None] * n_states


for _cls in (RNN, LSTM, GRU):
    register_onnx_converter(_cls, _recurrent, batch_axes=_recurrent_batch_axes)


# ---------------------------------------------------------------- attention
def _masked_softmax(b: OnnxBuilder, scores: str, axis: int, has_mask: bool, dtype: Any) -> str:
    """Softmax where rows with every position hidden give zeros (as glassnet), not NaN."""
    p = b.node("Softmax", [scores], axis=axis)
    if not has_mask:
        return p
    return b.node("Where", [b.node("IsNaN", [p]), b.scalar(0.0, dtype), p])


def _hide(b: OnnxBuilder, scores: str, keep: str, dtype: Any) -> str:
    """``scores`` where ``keep`` is true, ``-inf`` elsewhere."""
    return b.node("Where", [keep, scores, b.scalar(-np.inf, dtype)])


@register_onnx_converter(TemporalAttention)
def _temporal_attention(
    b: OnnxBuilder, m: TemporalAttention, outputs: OnnxValue, query: Any = None, mask: Any = None
) -> tuple[str, str]:
    dt = outputs.dtype
    if query is None and m.default_query == "last":
        query = b.value(_last_step(b, outputs, mask), outputs.example[:, -1])
    if m.score == "additive":
        th = b.call(m.key_proj, outputs)  # (N, T, A)
        if query is not None:
            with b.scope_of(m.query_proj):
                q = b.linear(query, 2, m.query_proj.weight)  # (N, A)
            th = b.node("Add", [th, b.unsqueeze(q, [1])])
        e = b.node("MatMul", [b.node("Tanh", [th]), b.param(m.v, "v")])  # (N, T)
    else:
        if query is None:
            e = b.node("MatMul", [outputs, b.param(m.query_vector, "query_vector")])
        else:
            e = b.squeeze(b.node("MatMul", [outputs, b.unsqueeze(query, [2])]), [2])
        if m.score == "scaled_dot":
            e = b.node("Mul", [e, b.scalar(1.0 / math.sqrt(m.hidden_size), dt)])
    if mask is not None:
        e = _hide(b, e, mask.name, dt)
    w = _masked_softmax(b, e, 1, mask is not None, dt)
    ctx = b.squeeze(b.node("MatMul", [b.unsqueeze(w, [1]), outputs]), [1])
    return ctx, w


def _last_step(b: OnnxBuilder, outputs: OnnxValue, mask: Any) -> str:
    """The output at the last valid step of each sequence (the last step without a mask)."""
    if mask is None:
        return b.gather(outputs, -1, axis=1)
    as_int = b.node("Cast", [mask], to=b.elem_type(np.int32))
    idx = b.node("ArgMax", [as_int], axis=1, keepdims=1, select_last_index=1)  # (N, 1)
    idx = b.node("Expand", [b.unsqueeze(idx, [2]), b.const([1, 1, outputs.shape[2]])])
    return b.squeeze(b.node("GatherElements", [outputs, idx], axis=1), [1])


def _attention_batch_axes(
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


def _projections(m: MultiheadAttention) -> list[tuple[np.ndarray, np.ndarray | None]]:
    """``(weight, bias)`` of the query, key and value projections (packed or separate)."""
    e = m.embed_dim
    if m.in_proj_weight is not None:
        ws = [m.in_proj_weight.numpy()[i * e : (i + 1) * e] for i in range(3)]
    else:
        ws = [p.numpy() for p in (m.q_proj_weight, m.k_proj_weight, m.v_proj_weight)]
    pb = None if m.in_proj_bias is None else m.in_proj_bias.numpy()
    return [(w, None if pb is None else pb[i * e : (i + 1) * e]) for i, w in enumerate(ws)]


@register_onnx_converter(MultiheadAttention, batch_axes=_attention_batch_axes)
def _multihead_attention(
    b: OnnxBuilder,
    m: MultiheadAttention,
    query: OnnxValue,
    key: OnnxValue,
    value: OnnxValue,
    key_padding_mask: Any = None,
    need_weights: bool = True,
    attn_mask: Any = None,
    average_attn_weights: bool = True,
) -> tuple[str, Any]:
    batched = query.ndim == 3
    e, h, hd = m.embed_dim, m.num_heads, m.head_dim
    dt = query.dtype
    q, k, v = query.name, key.name, value.name
    if not batched:
        q, k, v = (b.unsqueeze(t, [0]) for t in (q, k, v))
    elif not m.batch_first:
        q, k, v = (b.transpose(t, [1, 0, 2]) for t in (q, k, v))
    heads = []
    for t, nm, (w, bias) in zip((q, k, v), "qkv", _projections(m)):
        y = b.node("MatMul", [t, b.initializer(w.T, f"{b.scope}.{nm}_proj_weight_t")])
        if bias is not None:
            y = b.node("Add", [y, b.initializer(bias, f"{b.scope}.{nm}_proj_bias")])
        heads.append(b.transpose(b.reshape(y, [0, 0, h, hd]), [0, 2, 1, 3]))  # (N, h, L, d)
    kt = b.transpose(heads[1], [0, 1, 3, 2])
    s = b.node("Mul", [b.node("MatMul", [heads[0], kt]), b.scalar(1.0 / math.sqrt(hd), dt)])
    masks = []
    if attn_mask is not None:
        am = attn_mask.name
        if attn_mask.ndim == 3:
            am = b.reshape(am, [-1, h, attn_mask.shape[1], attn_mask.shape[2]])
        masks.append((am, attn_mask.dtype))
    if key_padding_mask is not None:
        kp = key_padding_mask.name
        kp = b.unsqueeze(kp, [1, 2] if batched else [0, 1, 2])  # (N, 1, 1, S)
        masks.append((kp, key_padding_mask.dtype))
    for mk, mdt in masks:
        if mdt == np.bool_:
            s = _hide(b, s, b.node("Not", [mk]), dt)
        else:
            s = b.node("Add", [s, mk if mdt == dt else b.node("Cast", [mk], to=b.elem_type(dt))])
    p = _masked_softmax(b, s, -1, bool(masks), dt)
    out = b.node("MatMul", [p, heads[2]])  # (N, h, L, d)
    out = b.reshape(b.transpose(out, [0, 2, 1, 3]), [0, 0, e])
    with b.scope_of(m.out_proj):
        out = b.linear(out, 3, m.out_proj.weight, m.out_proj.bias)
    weights = None
    if need_weights:
        weights = b.reduce_mean(p, [1], keepdims=False) if average_attn_weights else p
        if not batched:
            weights = b.squeeze(weights, [0])
    if not batched:
        out = b.squeeze(out, [0])
    elif not m.batch_first:
        out = b.transpose(out, [1, 0, 2])
    return out, weights


# ---------------------------------------------------------------- models
@register_onnx_converter(RowAttentionClassifier)
def _row_attention(
    b: OnnxBuilder, m: RowAttentionClassifier, x: OnnxValue, *, return_weights: bool = False
) -> Any:
    if x.ndim == 4:
        x = b.value(b.squeeze(x, [1]), x.example[:, 0])
    out, _ = b.call(m.lstm, x)
    ctx, w = b.call(m.attention, out)
    logits = b.call(m.classifier, ctx)
    return (logits, w) if return_weights else logits


@register_onnx_converter(LSTMForecaster)
def _forecaster(b: OnnxBuilder, m: LSTMForecaster, x: OnnxValue) -> str:
    if x.ndim == 2:
        x = b.value(b.unsqueeze(x, [2]), x.example[:, :, None])
    _, (h, _) = b.call(m.lstm, x)
    last = b.value(b.gather(h, -1, axis=0), h.example[-1])
    y = b.call(m.head, last)
    return b.reshape(y, [0, m.horizon, m.output_size])
