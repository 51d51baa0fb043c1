"""Attention layers: ``TemporalAttention`` over an encoder's steps, ``MultiheadAttention``.

Attention weights you can read
------------------------------
Every attention layer has a ``keep_weights`` flag (``False`` by default) and a
``last_weights`` attribute. While the flag is on, each forward stores its
weights there (the live tensor of the graph, so ``retain_grad()`` works on
it; ``detach()`` it to keep it past the step). :func:`record_attention`
switches the flag on for every attention layer inside a model for the length
of a ``with`` block and collects the weights of each call by layer name,
without changing the model::

    with record_attention(model) as rec:
        logits = model(x)
    rec["attention"][0]          # weights of the first call of model.attention

Any module can join in by having a ``keep_weights`` attribute and setting
``last_weights`` in its forward when the flag is on.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator
from typing import Any

import numpy as np

from ..._errors import ShapeError
from ...backend import default_dtype, get_array_module
from ...ops.arithmetic import clip, matmul, where
from ...ops.attention import additive_attention, dot_product_attention, weighted_sum
from ...ops.linear import linear
from ...ops.shape import broadcast_to, concat, split
from ...tensor import Tensor
from .. import init
from ..module import Module, Parameter
from ._checks import positive_int, probability
from .linear import Linear

__all__ = ["TemporalAttention", "MultiheadAttention", "record_attention"]

_SCORES = ("additive", "dot", "scaled_dot")


def _label(layer: Module) -> str:
    """The layer in one line, ``Name(args)``, for error messages."""
    settings = getattr(layer, "_settings", layer.extra_repr)  # MultiheadAttention prints none
    return f"{type(layer).__name__}({settings()})"


def _as_tensor(mask: Any) -> Tensor:
    """A mask as a tensor outside the graph (the same tensor when it is one)."""
    if isinstance(mask, Tensor):
        return mask
    return Tensor._make(get_array_module(mask).asarray(mask), False, None, 0)


def _bool_mask(layer: Module, name: str, mask: Any, want: tuple[int, ...]) -> Any:
    """The raw boolean array of ``mask`` (ints are read as != 0), shape-checked against ``want``."""
    m = mask.array if isinstance(mask, Tensor) else mask
    xp = get_array_module(m)
    m = xp.asarray(m)
    if m.dtype.kind in "iu":
        m = m != 0
    if m.dtype != np.bool_:
        raise TypeError(f"{_label(layer)}: {name} must be boolean, got dtype {m.dtype}")
    if tuple(m.shape) != want:
        raise ShapeError(f"{_label(layer)}: expected {name} of shape {want}, got {tuple(m.shape)}")
    return m


class TemporalAttention(Module):
    """Attention over time: score each encoder step, softmax over steps, weighted average.

    The seed article's attention controller: scores ``e_t`` are computed from
    the encoder's outputs ``h_t`` (and a query ``q``), turned into weights
    ``w = softmax_t(e)`` that sum to 1 over the steps, and the output is the
    context ``sum_t w_t h_t``.

    Scores:

    - ``"additive"`` (Bahdanau): ``e_t = v . tanh(W_h h_t + W_q q + b)``;
    - ``"dot"``: ``e_t = q . h_t``;
    - ``"scaled_dot"``: ``e_t = q . h_t / sqrt(hidden_size)``.

    Without a query (``forward(outputs)``), ``default_query`` decides:

    - ``"learned"`` (default): a learned query. For ``"additive"`` the score is
      ``v . tanh(W_h h_t + b)``, where ``v`` itself plays the learned query;
      the dot scores use a learned vector ``query_vector`` of size ``hidden_size``.
    - ``"last"``: the encoder output at the last valid step (the last ``True``
      of ``mask``, else step ``T - 1``) is the query.

    Parameters
    ----------
    hidden_size : int
        Features ``H`` of each encoder step.
    score : {"additive", "dot", "scaled_dot"}, default "additive"
    query_size : int, optional
        Size ``Q`` of the queries passed to ``forward``. For the dot scores it
        must equal ``hidden_size``. Without it (and with ``default_query="learned"``)
        the layer takes no query.
    attn_size : int, optional
        Width ``A`` of the additive score's hidden layer (default ``hidden_size``).
    default_query : {"learned", "last"}, default "learned"
    keep_weights : bool, default False
        Store each call's weights in ``last_weights`` (see :func:`record_attention`).
    dtype : dtype, optional

    Shape
    -----
    - outputs: ``(N, T, H)``; query (optional): ``(N, Q)``; mask (optional):
      ``(N, T)`` boolean, ``True`` on valid steps (others get weight exactly 0).
    - Returns ``(context, weights)``: ``(N, H)`` and ``(N, T)``.

    Attributes
    ----------
    key_proj : Linear(H, A)
        ``W_h`` and ``b`` of the additive score.
    query_proj : Linear(Q, A, bias=False) or None
        ``W_q`` of the additive score (present when it can receive a query).
    v : Parameter, shape (A,)
        The additive score's output vector.
    query_vector : Parameter, shape (H,)
        The learned query of the dot scores (with ``default_query="learned"``).
    last_weights : Tensor or None, shape (N, T)
    """

    def __init__(
        self,
        hidden_size: int,
        *,
        score: str = "additive",
        query_size: int | None = None,
        attn_size: int | None = None,
        default_query: str = "learned",
        keep_weights: bool = False,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        name = "TemporalAttention"
        self.hidden_size = positive_int(name, "hidden_size", hidden_size)
        if score not in _SCORES:
            raise ValueError(f"{name}: score must be one of {_SCORES}, got {score!r}")
        if query_size is not None:
            positive_int(name, "query_size", query_size)
        if default_query not in ("learned", "last"):
            raise ValueError(
                f"{name}: default_query must be 'learned' or 'last', got {default_query!r}"
            )
        self.score = score
        self.default_query = default_query
        self.keep_weights = bool(keep_weights)
        self.last_weights: Tensor | None = None
        dt = np.dtype(dtype) if dtype is not None else default_dtype()
        if score == "additive":
            self.attn_size = (
                hidden_size if attn_size is None else positive_int(name, "attn_size", attn_size)
            )
            if query_size is None and default_query == "last":
                query_size = hidden_size
            self.query_size = query_size
            self.key_proj = Linear(hidden_size, self.attn_size, dtype=dt)
            if query_size is not None:
                self.query_proj = Linear(query_size, self.attn_size, bias=False, dtype=dt)
            else:
                self.query_proj = None
            self.v = Parameter(np.empty((self.attn_size,), dtype=dt))
        else:
            if attn_size is not None:
                raise ValueError(f"{name}: attn_size applies to score='additive' only, got {attn_size!r} with score={score!r}")  # fmt: skip
            if query_size is not None and query_size != hidden_size:
                raise ValueError(
                    f"{name}: score={score!r} needs query_size equal to hidden_size "
                    f"({hidden_size}), got {query_size}"
                )
            self.attn_size = None
            self.query_size = hidden_size
            if default_query == "learned":
                self.query_vector = Parameter(np.empty((hidden_size,), dtype=dt))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """``key_proj``/``query_proj`` as ``Linear``; ``v`` and ``query_vector`` from ``U(-1/sqrt(n), 1/sqrt(n))``."""
        if self.score == "additive":
            self.key_proj.reset_parameters()
            if self.query_proj is not None:
                self.query_proj.reset_parameters()
            bound = 1.0 / math.sqrt(self.attn_size)
            init.uniform_(self.v, -bound, bound)
        elif "query_vector" in self._parameters:
            bound = 1.0 / math.sqrt(self.hidden_size)
            init.uniform_(self.query_vector, -bound, bound)

    def _check(self, outputs: Any, query: Any, mask: Any) -> Any:
        if not isinstance(outputs, Tensor) or outputs.ndim != 3:
            got = tuple(outputs.shape) if hasattr(outputs, "shape") else type(outputs).__name__
            raise ValueError(f"{_label(self)}: expected outputs of shape (N, T, {self.hidden_size}), got {got}")  # fmt: skip
        n, t_len, h = outputs.shape
        if h != self.hidden_size:
            raise ValueError(
                f"{_label(self)}: expected outputs of shape (N, T, {self.hidden_size}), got {tuple(outputs.shape)}"
            )  # fmt: skip
        if query is not None:
            if self.score == "additive" and self.query_proj is None:
                raise ValueError(
                    f"{_label(self)}: got a query, but the layer was built without query_size; "
                    "pass query_size=Q to use queries"
                )
            if not isinstance(query, Tensor) or tuple(query.shape) != (n, self.query_size):
                got = tuple(query.shape) if hasattr(query, "shape") else type(query).__name__
                raise ValueError(
                    f"{_label(self)}: expected query of shape ({n}, {self.query_size}), got {got}"
                )
        return None if mask is None else _bool_mask(self, "mask", mask, (n, t_len))

    def _last_step(self, outputs: Tensor, mask: Any) -> Tensor:
        n, t_len, _ = outputs.shape
        if mask is None:
            return outputs[:, t_len - 1, :]
        # weights 1 on each row's last valid step (the last step where none is valid), made
        # of ops a trace records (so ONNX export follows the mask), then their weighted sum
        m = Tensor._make(mask, False, None, 0).astype(outputs.dtype)  # (N, T)
        later = np.tril(np.ones((t_len, t_len), dtype=outputs.dtype), -1)  # [t', t] = t' > t
        last = m * (1.0 - clip(matmul(m, later), max=1.0))
        none_valid = 1.0 - clip(m.sum(axis=1, keepdims=True), max=1.0)  # (N, 1)
        final = np.zeros(t_len, dtype=outputs.dtype)
        final[-1] = 1.0
        return weighted_sum(last + none_valid * final, outputs)

    def forward(
        self, outputs: Tensor, query: Tensor | None = None, mask: Any = None
    ) -> tuple[Tensor, Tensor]:
        """Return ``(context (N, H), weights (N, T))``."""
        m = self._check(outputs, query, mask)
        if query is None and self.default_query == "last":
            query = self._last_step(outputs, m)
        n, t_len, h = outputs.shape
        if self.score == "additive":
            wq = None
            if query is not None:
                wq = self.query_proj.weight
            ctx, w = additive_attention(
                outputs, self.key_proj.weight, self.v, self.key_proj.bias, query, wq, mask=m
            )
        else:
            q = self.query_vector.reshape((1, 1, h)) if query is None else query.unsqueeze(1)
            scale = 1.0 if self.score == "dot" else 1.0 / math.sqrt(h)
            am = None if m is None else Tensor._make(m, False, None, 0).reshape((n, 1, t_len))
            out, w3 = dot_product_attention(q, outputs, outputs, am, scale=scale)
            ctx, w = out.reshape((n, h)), w3.reshape((n, t_len))
        if self.keep_weights:
            self.last_weights = w
        return ctx, w

    def extra_repr(self) -> str:
        s = f"{self.hidden_size}, score={self.score!r}"
        if self.score == "additive":
            s += f", attn_size={self.attn_size}"
        if self.query_size is not None and self.score == "additive":
            s += f", query_size={self.query_size}"
        if self.default_query != "learned":
            s += f", default_query={self.default_query!r}"
        return s


class NonDynamicallyQuantizableLinear(Linear):
    """``MultiheadAttention.out_proj``: a :class:`Linear` under torch's class name, so a
    printed model reads as torch's (torch uses the name to keep it out of dynamic quantization)."""


class MultiheadAttention(Module):
    """Multi-head attention with PyTorch's interface, parameter names and initialisation.

    ``head_i = softmax(q W_q,i (k W_k,i)^T / sqrt(d)) v W_v,i`` for ``num_heads``
    heads of width ``d = embed_dim / num_heads``; the heads are concatenated and
    projected by ``out_proj``.

    Parameters
    ----------
    embed_dim : int
        Width ``E`` of queries and outputs.
    num_heads : int
        Must divide ``embed_dim``.
    dropout : float, default 0.0
        Dropout on the attention weights, in training only.
    bias : bool, default True
        Biases on the input and output projections.
    add_bias_kv : bool, default False
        Append a learned key and value (``bias_k``, ``bias_v``, shape ``(1, 1, E)``)
        to every sequence after the projections, as PyTorch.
    add_zero_attn : bool, default False
        Append a zero key and value per head after that (PyTorch's option).
    kdim, vdim : int, optional
        Widths of keys and values (default ``embed_dim``). When either differs,
        the projections are the separate ``q_proj_weight``, ``k_proj_weight``,
        ``v_proj_weight`` instead of the packed ``in_proj_weight``.
    batch_first : bool, default False
        Inputs and output are ``(N, L, E)`` instead of ``(L, N, E)``.
    device, dtype : optional
        Where the parameters live and their dtype.
    keep_weights : bool, default False
        Keyword-only (glassnet's own): store each call's per-head weights
        ``(N, num_heads, L, S)`` in ``last_weights``.

    Arguments are PyTorch's, in PyTorch's order: ``MultiheadAttention(64, 4, 0.1)``.

    Shape
    -----
    - query ``(L, N, E)``, key ``(S, N, kdim)``, value ``(S, N, vdim)``
      (``(N, L, E)`` etc. with ``batch_first``; ``(L, E)`` etc. unbatched).
    - key_padding_mask ``(N, S)``: boolean ``True`` = ignore that key (PyTorch's
      convention), or floating, added to the scores.
    - attn_mask ``(L, S)`` or ``(N * num_heads, L, S)``: boolean ``True`` = not
      allowed, or floating, added.
    - Returns ``(attn_output, attn_weights)``: ``attn_output`` like query with
      ``E`` features; ``attn_weights`` ``(N, L, S)`` averaged over heads, or
      ``(N, num_heads, L, S)`` with ``average_attn_weights=False``, or ``None``
      with ``need_weights=False``.

    Attributes
    ----------
    in_proj_weight : Parameter, shape (3E, E)
        Query, key and value projections stacked by rows (Xavier uniform).
    in_proj_bias : Parameter, shape (3E,)
        Zeros at initialisation.
    out_proj : Linear(E, E)
        Its bias is zero at initialisation.
    """

    def __init__(
        self,
        embed_dim: int,
        num_heads: int,
        dropout: float = 0.0,
        bias: bool = True,
        add_bias_kv: bool = False,
        add_zero_attn: bool = False,
        kdim: int | None = None,
        vdim: int | None = None,
        batch_first: bool = False,
        device: Any = None,
        dtype: Any = None,
        *,
        keep_weights: bool = False,
    ) -> None:
        super().__init__()
        name = "MultiheadAttention"
        self.embed_dim = positive_int(name, "embed_dim", embed_dim)
        self.num_heads = positive_int(name, "num_heads", num_heads)
        if embed_dim % num_heads:
            raise ValueError(
                f"{name}: embed_dim ({embed_dim}) must be divisible by num_heads ({num_heads})"
            )
        self.kdim = embed_dim if kdim is None else positive_int(name, "kdim", kdim)
        self.vdim = embed_dim if vdim is None else positive_int(name, "vdim", vdim)
        self.dropout = probability(name, "dropout", dropout)
        self.batch_first = bool(batch_first)
        self.head_dim = embed_dim // num_heads
        self.keep_weights = bool(keep_weights)
        self.last_weights: Tensor | None = None
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        dt = np.dtype(dtype) if dtype is not None else default_dtype()
        e = embed_dim
        if self._qkv_same_embed_dim:
            self.in_proj_weight = Parameter(np.empty((3 * e, e), dtype=dt))
            for k in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                self.register_parameter(k, None)
        else:
            self.q_proj_weight = Parameter(np.empty((e, e), dtype=dt))
            self.k_proj_weight = Parameter(np.empty((e, self.kdim), dtype=dt))
            self.v_proj_weight = Parameter(np.empty((e, self.vdim), dtype=dt))
            self.register_parameter("in_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(np.empty((3 * e,), dtype=dt))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(e, e, bias=bias, dtype=dt)
        if add_bias_kv:
            self.bias_k = Parameter(np.empty((1, 1, e), dtype=dt))
            self.bias_v = Parameter(np.empty((1, 1, e), dtype=dt))
        else:
            self.register_parameter("bias_k", None)
            self.register_parameter("bias_v", None)
        self.add_zero_attn = bool(add_zero_attn)
        self.reset_parameters()
        if device is not None:
            self.to(device)

    def reset_parameters(self) -> None:
        """Xavier-uniform projections, zero biases (PyTorch's scheme)."""
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            for p in (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
                init.xavier_uniform_(p)
        self.out_proj.reset_parameters()
        if self.in_proj_bias is not None:
            init.zeros_(self.in_proj_bias)
            init.zeros_(self.out_proj.bias)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
            init.xavier_normal_(self.bias_v)

    # ---------------------------------------------------------------- checks
    def _check_inputs(self, query: Any, key: Any, value: Any) -> bool:
        for nm, t, width in (("query", query, self.embed_dim), ("key", key, self.kdim),
                             ("value", value, self.vdim)):  # fmt: skip
            if not isinstance(t, Tensor) or t.ndim not in (2, 3) or t.shape[-1] != width:
                got = tuple(t.shape) if hasattr(t, "shape") else type(t).__name__
                lead = "(N, L" if self.batch_first else "(L, N"
                raise ShapeError(
                    f"{_label(self)}: expected {nm} of shape {lead}, {width}) or (L, {width}) "
                    f"unbatched, got {got}"
                )
        if not query.ndim == key.ndim == value.ndim:
            raise ShapeError(
                f"{_label(self)}: query, key and value must all be batched or all unbatched, got "
                f"shapes {tuple(query.shape)}, {tuple(key.shape)}, {tuple(value.shape)}"
            )
        batched = query.ndim == 3
        b_ax = 0 if self.batch_first else 1
        if key.shape[:-1] != value.shape[:-1] or (batched and key.shape[b_ax] != query.shape[b_ax]):
            raise ShapeError(
                f"{_label(self)}: key and value must have the same batch and length, and the same batch "
                f"as query; got query {tuple(query.shape)}, key {tuple(key.shape)}, value "
                f"{tuple(value.shape)}"
            )
        return batched

    def _masks(
        self, key_padding_mask: Any, attn_mask: Any, n: int, l_len: int, s_len: int, dtype: Any
    ) -> Any:
        """One mask for the scores ``(N, heads, L, S)``: boolean keep-mask, or float to add."""
        h = self.num_heads
        parts = []
        if attn_mask is not None:
            am = _as_tensor(attn_mask)
            if tuple(am.shape) == (l_len, s_len):
                am = am.reshape((1, 1, l_len, s_len))
            elif tuple(am.shape) == (n * h, l_len, s_len):
                am = am.reshape((n, h, l_len, s_len))
            else:
                raise ShapeError(
                    f"{_label(self)}: expected attn_mask of shape ({l_len}, {s_len}) or "
                    f"({n * h}, {l_len}, {s_len}), got {tuple(am.shape)}"
                )
            parts.append(am)
        if key_padding_mask is not None:
            kp = _as_tensor(key_padding_mask)
            if tuple(kp.shape) != (n, s_len):
                raise ShapeError(
                    f"{_label(self)}: expected key_padding_mask of shape ({n}, {s_len}), got "
                    f"{tuple(kp.shape)}"
                )
            parts.append(kp.reshape((n, 1, 1, s_len)))
        if not parts:
            return None
        for p in parts:
            if p.dtype != np.bool_ and np.dtype(p.dtype).kind != "f":  # as torch
                raise TypeError(
                    f"{_label(self)}: only bool and floating attn_mask / key_padding_mask are "
                    f"supported, got dtype {p.dtype}"
                )
        # tensor ops rather than array ones, so that an ONNX trace follows the masks
        if all(p.dtype == np.bool_ for p in parts):
            keep = where(parts[0], False, True)
            for p in parts[1:]:
                keep = where(p, False, keep)
            return keep
        total = None
        for p in parts:
            f = where(p, -np.inf, 0.0) if p.dtype == np.bool_ else p
            f = f.astype(dtype)
            total = f if total is None else total + f
        return total

    def _extra_positions(self, k: Tensor, v: Tensor, mask: Any) -> tuple[Tensor, Tensor, Any]:
        """Projected ``(N, S, E)`` keys and values split into heads ``(N, h, S', d)``.

        With ``add_bias_kv`` a learned position is appended before the split, with
        ``add_zero_attn`` a zero one after it, as PyTorch does; the mask lets every
        query attend both.
        """
        n, e = k.shape[0], self.embed_dim
        h, d = self.num_heads, self.head_dim
        if self.bias_k is not None:
            k = concat([k, broadcast_to(self.bias_k, (n, 1, e))], axis=1)
            v = concat([v, broadcast_to(self.bias_v, (n, 1, e))], axis=1)
            mask = _attend_one_more(mask)
        k = k.reshape((n, k.shape[1], h, d)).transpose(0, 2, 1, 3)
        v = v.reshape((n, v.shape[1], h, d)).transpose(0, 2, 1, 3)
        if self.add_zero_attn:
            zeros = Tensor(get_array_module(k.array).zeros((n, h, 1, d), dtype=k.dtype))
            k, v = concat([k, zeros], axis=2), concat([v, zeros], axis=2)
            mask = _attend_one_more(mask)
        return k, v, mask

    # --------------------------------------------------------------- forward
    def forward(
        self,
        query: Tensor,
        key: Tensor,
        value: Tensor,
        key_padding_mask: Any = None,
        need_weights: bool = True,
        attn_mask: Any = None,
        average_attn_weights: bool = True,
        is_causal: bool = False,
    ) -> tuple[Tensor, Tensor | None]:
        """Attend from ``query`` to ``key``/``value``; see the class docstring for shapes.

        ``is_causal`` is PyTorch's hint that ``attn_mask`` is the causal mask; without a
        mask, glassnet builds that mask (PyTorch asks for it).
        """
        batched = self._check_inputs(query, key, value)
        if is_causal and attn_mask is None:
            axis = 0 if query.ndim == 2 or not self.batch_first else 1
            attn_mask = np.triu(np.ones((query.shape[axis], key.shape[axis]), bool), k=1)
        self_attention = query is key and key is value
        if not batched:
            query, key, value = (t.unsqueeze(0) for t in (query, key, value))
            if key_padding_mask is not None:
                kp = _as_tensor(key_padding_mask)
                key_padding_mask = kp.reshape((1,) + tuple(kp.shape))
        elif not self.batch_first:
            query, key, value = (t.transpose(0, 1) for t in (query, key, value))
        n, l_len, e = query.shape
        s_len = key.shape[1]
        h, d = self.num_heads, self.head_dim
        mask = self._masks(key_padding_mask, attn_mask, n, l_len, s_len, query.dtype)
        b = self.in_proj_bias
        bq, bk, bv = (None, None, None) if b is None else (b[:e], b[e : 2 * e], b[2 * e :])
        if self._qkv_same_embed_dim and self_attention:
            q, k, v = split(linear(query, self.in_proj_weight, b), e, axis=-1)
        elif self._qkv_same_embed_dim:
            w = self.in_proj_weight
            q = linear(query, w[:e], bq)
            k = linear(key, w[e : 2 * e], bk)
            v = linear(value, w[2 * e :], bv)
        else:
            q = linear(query, self.q_proj_weight, bq)
            k = linear(key, self.k_proj_weight, bk)
            v = linear(value, self.v_proj_weight, bv)
        q = q.reshape((n, l_len, h, d)).transpose(0, 2, 1, 3)
        k, v, mask = self._extra_positions(k, v, mask)
        out, w = dot_product_attention(
            q, k, v, mask, dropout_p=self.dropout, training=self.training
        )
        out = out.transpose(0, 2, 1, 3).reshape((n, l_len, e))
        out = self.out_proj(out)
        if self.keep_weights:
            self.last_weights = w if batched else w.squeeze(0)
        weights = None
        if need_weights:
            weights = w.mean(axis=1) if average_attn_weights else w
            if not batched:
                weights = weights.squeeze(0)
        if not batched:
            out = out.squeeze(0)
        elif not self.batch_first:
            out = out.transpose(0, 1)
        return out, weights

    def _settings(self) -> str:
        """The options in one line, for error messages (torch's repr shows none of them)."""
        s = f"embed_dim={self.embed_dim}, num_heads={self.num_heads}"
        if self.dropout:
            s += f", dropout={self.dropout}"
        if not self._qkv_same_embed_dim:
            s += f", kdim={self.kdim}, vdim={self.vdim}"
        if self.batch_first:
            s += ", batch_first=True"
        return s


@contextlib.contextmanager
def record_attention(model: Module) -> Iterator[dict[str, list[Tensor]]]:
    """Collect the attention weights of every attention layer in ``model`` during a ``with`` block.

    Parameters
    ----------
    model : Module
        Searched for modules with a ``keep_weights`` attribute (``TemporalAttention``,
        ``MultiheadAttention``, or your own layers that follow the protocol).

    Yields
    ------
    dict of str to list of Tensor
        For each attention layer's dotted name (``""`` for ``model`` itself),
        the weights of each of its calls, in order. The layers' ``keep_weights``
        flags are restored on exit.

    Examples
    --------
    >>> with record_attention(model) as rec:
    ...     model(x)
    >>> w = rec["attention"][-1]     # (N, T) weights of the last call
    """
    records: dict[str, list[Tensor]] = {}
    saved: list[tuple[Module, bool]] = []
    handles = []
    for name, m in model.named_modules():
        if not hasattr(m, "keep_weights"):
            continue
        saved.append((m, m.keep_weights))
        m.keep_weights = True
        records[name] = []

        def hook(mod: Module, inputs: tuple, output: Any, _name: str = name) -> None:
            if mod.last_weights is not None:
                records[_name].append(mod.last_weights)

        handles.append(m.register_forward_hook(hook))
    try:
        yield records
    finally:
        for hd in handles:
            hd.remove()
        for m, flag in saved:
            m.keep_weights = flag


def _attend_one_more(mask: Any) -> Any:
    """``mask`` over one more key position at the end, which every query may attend."""
    if mask is None:
        return None
    shape = tuple(mask.shape[:-1]) + (1,)
    xp = get_array_module(mask.array)
    extra = xp.ones(shape, dtype=bool) if mask.dtype == np.bool_ else xp.zeros(shape, mask.dtype)
    return concat([mask, Tensor(extra)], axis=-1)
