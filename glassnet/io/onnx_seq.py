"""ONNX converters for the sequence ops: the recurrent layer ops and the attention ops.

A recurrent layer op (one layer, one direction, all steps) maps to one ONNX ``LSTM``,
``GRU`` or ``RNN`` node. The conventions differ, and the converter bridges them in the
graph, on the parameters as they are (ONNX Runtime folds these constant subgraphs):

- gate order: glassnet (as PyTorch) stacks LSTM gates ``i, f, g, o``, ONNX ``i, o, f, c``;
  GRU gates ``r, z, n`` become ONNX's ``z, r, h`` with ``linear_before_reset=1`` (PyTorch's
  candidate ``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))``);
- ONNX wants ``W (1, G*H, I)``, ``R (1, G*H, H)``, ``B (1, 2*G*H) = [W_b, R_b]``;
- ONNX runs time-major and returns ``Y (T, 1, N, H)``: a ``Squeeze`` (and ``Transpose``
  for ``batch_first``, since ONNX Runtime does not implement the ``layout`` attribute)
  gives back glassnet's layout.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..ops import attention as att
from ..ops import rnn
from .onnx_graph import OnnxBuilder, OpView
from .onnx_registry import register_onnx_function

__all__: list[str] = []

# the gate blocks of each ONNX op, in ONNX's order, as indices into glassnet's order
_LSTM_ORDER = (0, 3, 1, 2)  # i, f, g, o -> i, o, f, c
_GRU_ORDER = (1, 0, 2)  # r, z, n -> z, r, h
_RNN_ORDER = (0,)


def _reorder(g: OnnxBuilder, w: str, order: tuple[int, ...], hidden: int) -> str:
    if order == tuple(range(len(order))):
        return w
    blocks = [g.slice(w, [k * hidden], [(k + 1) * hidden], [0]) for k in order]
    return g.concat(blocks, axis=0)


def _recurrent(g: OnnxBuilder, op: OpView, kind: str, n_states: int, order: tuple,
               **attrs: Any) -> list[str]:  # fmt: skip
    """One ONNX recurrent node for a layer op whose inputs are
    ``x, *states, w_ih, w_hh, b_ih, b_hh``; returns ``[out, *final states]``."""
    hidden = op.shape(n_states + 2)[1]
    w_ih, w_hh, b_ih, b_hh = (op.input(n_states + 1 + k) for k in range(4))
    w = g.unsqueeze(_reorder(g, w_ih, order, hidden), [0])
    r = g.unsqueeze(_reorder(g, w_hh, order, hidden), [0])
    bias = None
    if b_ih or b_hh:
        parts = [_reorder(g, b, order, hidden) if b else g.const(np.zeros(len(order) * hidden), op.out().dtype)
                 for b in (b_ih, b_hh)]  # fmt: skip
        bias = g.unsqueeze(g.concat(parts, axis=0), [0])
    batch_first = bool(op.attrs.get("batch_first", False))
    x = op.input(0)
    if batch_first:
        x = g.transpose(x, [1, 0, 2])
    states = [g.unsqueeze(op.input(1 + k), [0]) if op.arg(1 + k) is not None else None
              for k in range(n_states)]  # fmt: skip
    direction = "reverse" if op.attrs.get("reverse", False) else "forward"
    outs = g.node(kind, [x, w, r, bias, None, *states], outputs=1 + n_states,
                  hidden_size=hidden, direction=direction, **attrs)  # fmt: skip
    y = g.squeeze(outs[0], [1])
    if batch_first:
        y = g.transpose(y, [1, 0, 2])
    return [y] + [g.squeeze(s, [0]) for s in outs[1:]]


@register_onnx_function(rnn.LSTMLayer)
def _lstm(g: OnnxBuilder, op: OpView) -> list[str]:
    return _recurrent(g, op, "LSTM", 2, _LSTM_ORDER)


@register_onnx_function(rnn.GRULayer)
def _gru(g: OnnxBuilder, op: OpView) -> list[str]:
    return _recurrent(g, op, "GRU", 1, _GRU_ORDER, linear_before_reset=1)


@register_onnx_function(rnn.RNNLayer)
def _rnn(g: OnnxBuilder, op: OpView) -> list[str]:
    act = "Relu" if op.attrs.get("relu", False) else "Tanh"
    return _recurrent(g, op, "RNN", 1, _RNN_ORDER, activations=[act])


# ---------------------------------------------------------------- attention
def _masked_softmax(g: OnnxBuilder, scores: str, op: OpView, axis: int) -> str:
    """Softmax where hidden positions get 0, and rows with every position hidden give zeros
    (as glassnet), not NaN."""
    dt = op.out().dtype
    mask = op.attrs.get("mask")
    if mask is not None:
        scores = g.node("Where", [op.name_of(mask, np.bool_), scores, g.scalar(-np.inf, dt)])
    p = g.node("Softmax", [scores], axis=axis)
    return g.node("Where", [g.node("IsNaN", [p]), g.scalar(0.0, dt), p])


@register_onnx_function(att.MaskedSoftmax)
def _masked_softmax_op(g: OnnxBuilder, op: OpView) -> str:
    return _masked_softmax(g, op.input(0, op.out().dtype), op, int(op.attrs.get("axis", -1)))


@register_onnx_function(att.DotProductWeights)
def _dot_product_weights(g: OnnxBuilder, op: OpView) -> str:
    dt = op.out().dtype
    nk = len(op.shape(1))
    perm = list(range(nk - 2)) + [nk - 1, nk - 2]
    s = g.node("MatMul", [op.input(0, dt), g.transpose(op.input(1, dt), perm)])
    s = g.node("Mul", [s, g.scalar(float(op.attrs.get("scale", 1.0)), dt)])
    bias = op.attrs.get("bias")
    if bias is not None:
        s = g.node("Add", [s, op.name_of(bias, dt)])
    return _masked_softmax(g, s, op, -1)


@register_onnx_function(att.AdditiveWeights)
def _additive_weights(g: OnnxBuilder, op: OpView) -> str:
    dt = op.out().dtype
    keys, query, w_k, b, w_q, v = (op.input(i, dt) for i in range(6))
    th = g.node("MatMul", [keys, g.transpose(w_k, [1, 0])])  # (N, T, A)
    if b:
        th = g.node("Add", [th, b])
    if query:
        q = g.node("MatMul", [query, g.transpose(w_q, [1, 0])])  # (N, A)
        th = g.node("Add", [th, g.unsqueeze(q, [1])])
    e = g.node("MatMul", [g.node("Tanh", [th]), v])  # (N, T)
    return _masked_softmax(g, e, op, 1)


@register_onnx_function(att.WeightedSum)
def _weighted_sum(g: OnnxBuilder, op: OpView) -> str:
    dt = op.out().dtype
    w = g.unsqueeze(op.input(0, dt), [1])  # (N, 1, T)
    return g.squeeze(g.node("MatMul", [w, op.input(1, dt)]), [1])
