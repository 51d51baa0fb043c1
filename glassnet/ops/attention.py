"""Attention as fused ops: masked softmax, scaled dot-product attention, additive attention.

Each attention is two autograd nodes: one computes the weights (scores,
mask, softmax fused), the other mixes the values with them. The weights are
thus a real tensor of the graph: explanation code can read them, and
``weights.retain_grad()`` gives the gradient of the loss with respect to them.

Masks follow one rule everywhere in this file: a boolean mask is ``True``
where a position may be attended to (kept) and ``False`` where it is hidden;
hidden positions get a weight of exactly 0. A row whose positions are all
hidden gets all-zero weights (and a zero context) rather than NaN. (PyTorch's
``nn.MultiheadAttention`` uses the opposite convention for its masks;
:class:`glassnet.nn.MultiheadAttention` converts.)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._errors import ShapeError
from ..autograd.function import Function
from ..backend import device_of, get_array_module, to_device
from ..tensor import Tensor
from ._workspace import default_workspace
from .activation import softmax_backward
from .arithmetic import matmul
from .dropout import dropout_mask
from .shape import broadcast_to, reshape, unsqueeze

__all__ = [
    "masked_softmax", "scaled_dot_product_attention", "dot_product_attention",
    "additive_attention", "weighted_sum",
]  # fmt: skip

_empty = default_workspace().empty  # large buffers from the shared pool


def _softmax(xp: Any, s: Any, mask: Any, axis: int) -> Any:
    """Softmax of ``s`` along ``axis`` (``s`` is overwritten); hidden and all-hidden rows give 0."""
    if mask is not None:
        s = xp.where(mask, s, s.dtype.type(-np.inf))
    m = s.max(axis=axis, keepdims=True)
    m = xp.where(xp.isfinite(m), m, s.dtype.type(0))
    s -= m
    xp.exp(s, out=s)
    den = s.sum(axis=axis, keepdims=True)
    den[den == 0] = 1
    s /= den
    return s


def _raw_mask(mask: Any, who: str, like: Any) -> Any:
    """The mask as a boolean array on the device of ``like`` (the scores' input)."""
    if mask is None:
        return None
    m = mask.array if isinstance(mask, Tensor) else mask
    xp = get_array_module(like)
    if xp is not np and get_array_module(m) is np:
        m = to_device(np.asarray(m), device_of(like))
    m = xp.asarray(m)
    if m.dtype != np.bool_:
        raise TypeError(f"{who}: mask must be boolean (True = keep), got dtype {m.dtype}")
    return m


def _device_array(value: Any, like: Any) -> Any:
    m = value.array if isinstance(value, Tensor) else value
    if get_array_module(like) is not np and get_array_module(m) is np:
        return to_device(np.asarray(m), device_of(like))
    return get_array_module(like).asarray(m)


class MaskedSoftmax(Function):
    def forward(self, x: Any, mask: Any = None, axis: int = -1) -> Any:
        xp = get_array_module(x)
        out = _softmax(xp, x.copy(), mask, axis)
        if self.requires_grad:
            self.out, self.axis = out, axis
        return out

    def backward(self, g: Any) -> Any:
        return softmax_backward(self.out, g, self.axis)


class DotProductWeights(Function):
    """``softmax(q @ k.T * scale + bias)`` over the last axis, hidden positions exactly 0."""

    def forward(
        self, q: Any, k: Any, mask: Any = None, bias: Any = None, scale: float = 1.0
    ) -> Any:
        xp = get_array_module(q, k)
        s = q @ k.swapaxes(-1, -2)
        s *= s.dtype.type(scale)
        if bias is not None:
            s = s + bias
        p = _softmax(xp, s, mask, -1)
        if self.requires_grad:
            self.q, self.k, self.p, self.scale = q, k, p, scale
        return p

    def backward(self, dp: Any) -> tuple:
        nq, nk = self.needs_input_grad
        ds = softmax_backward(self.p, dp, -1)
        ds *= ds.dtype.type(self.scale)
        dq = ds @ self.k if nq else None
        dk = ds.swapaxes(-1, -2) @ self.q if nk else None
        return dq, dk


class AdditiveWeights(Function):
    """Bahdanau's ``e_t = v . tanh(W_k h_t + W_q q + b)`` and ``softmax_t(e)``, hidden steps exactly 0."""

    def forward(
        self, keys: Any, query: Any, w_k: Any, b: Any, w_q: Any, v: Any, mask: Any = None
    ) -> Any:
        xp = get_array_module(keys, w_k)
        n, t_len, h = keys.shape
        a = w_k.shape[0]
        k2 = keys.reshape(n * t_len, h)
        th = xp.matmul(k2, w_k.T, out=_empty(xp, (n * t_len, a), keys.dtype))
        if b is not None:
            th += b
        if query is not None:
            th.reshape(n, t_len, a)[...] += (query @ w_q.T)[:, None, :]
        xp.tanh(th, out=th)
        w = _softmax(xp, (th @ v).reshape(n, t_len), mask, 1)
        if self.requires_grad:
            self.k2, self.th, self.w = k2, th, w
            self.query, self.w_k, self.w_q, self.v = query, w_k, w_q, v
        return w

    def backward(self, dw: Any) -> tuple:
        xp = get_array_module(dw)
        nkeys, nquery, nwk, nb, nwq, nv = self.needs_input_grad
        th, w = self.th, self.w
        n, t_len = w.shape
        a = th.shape[1]
        de = softmax_backward(w, dw, 1)
        de1 = de.reshape(n * t_len, 1)
        g_v = (th.T @ de1)[:, 0] if nv else None
        # du = de * (1 - th^2) * v is the gradient of the pre-activation; v's factor
        # (one per column) is applied to the small results instead of the big array
        du = xp.multiply(th, th, out=_empty(xp, th.shape, th.dtype))
        xp.subtract(du.dtype.type(1), du, out=du)
        du *= de1
        vc = self.v[:, None]
        g_wk = (du.T @ self.k2) * vc if nwk else None
        g_b = du.sum(axis=0) * self.v if nb else None
        g_query = g_wq = None
        if nquery or nwq:
            duq = du.reshape(n, t_len, a).sum(axis=1) * self.v
            g_query = duq @ self.w_q if nquery else None
            g_wq = duq.T @ self.query if nwq else None
        g_keys = None
        if nkeys:
            g_keys = _empty(xp, (n * t_len, self.k2.shape[1]), du.dtype)
            xp.matmul(du, vc * self.w_k, out=g_keys)
            g_keys = g_keys.reshape(n, t_len, -1)
        return g_keys, g_query, g_wk, g_b, g_wq, g_v


class WeightedSum(Function):
    """``context[n] = sum_t w[n, t] * values[n, t]``: ``w (N, T)``, ``values (N, T, H)`` -> ``(N, H)``."""

    def forward(self, w: Any, values: Any) -> Any:
        xp = get_array_module(w, values)
        if self.requires_grad:
            self.w, self.values = w, values
        return xp.matmul(w[:, None, :], values)[:, 0, :]

    def backward(self, g: Any) -> tuple:
        xp = get_array_module(g)
        nw, nv = self.needs_input_grad
        gw = xp.matmul(self.values, g[:, :, None])[:, :, 0] if nw else None
        gv = None
        if nv:
            gv = _empty(xp, self.values.shape, g.dtype)
            xp.multiply(self.w[:, :, None], g[:, None, :], out=gv)
        return gw, gv


# ---------------------------------------------------------------- functions
def masked_softmax(x: Tensor, mask: Any = None, axis: int = -1) -> Tensor:
    """Softmax along ``axis`` that gives hidden positions a weight of exactly 0.

    Parameters
    ----------
    x : Tensor
        Scores.
    mask : bool array or Tensor, broadcastable to ``x``, optional
        ``True`` where a position is kept. A slice with nothing kept gets all zeros.
    axis : int, default -1

    Returns
    -------
    Tensor
        Same shape as ``x``; each slice along ``axis`` sums to 1 (or 0 if fully hidden).
    """
    m = _raw_mask(mask, "masked_softmax", x.array)
    if m is not None:
        try:
            np.broadcast_shapes(m.shape, tuple(x.shape))
        except ValueError:
            raise ValueError(
                f"masked_softmax: mask of shape {m.shape} does not broadcast to scores {x.shape}"
            ) from None
    return MaskedSoftmax.apply(x, mask=m, axis=axis)


def weighted_sum(weights: Tensor, values: Tensor) -> Tensor:
    """The attention context ``sum_t weights[n, t] * values[n, t]``.

    Parameters
    ----------
    weights : Tensor, shape (N, T)
    values : Tensor, shape (N, T, H)

    Returns
    -------
    Tensor, shape (N, H)
    """
    if weights.ndim != 2 or values.ndim != 3 or tuple(values.shape[:2]) != tuple(weights.shape):
        raise ValueError(
            f"weighted_sum: expected weights (N, T) and values (N, T, H), got "
            f"{tuple(weights.shape)} and {tuple(values.shape)}"
        )
    return WeightedSum.apply(weights, values)


def _repeat_heads(x: Tensor, groups: int) -> Tensor:
    """``x`` of shape ``(..., H, S, E)`` with each head repeated ``groups`` times in a row."""
    *lead, h, s, e = x.shape
    wide = broadcast_to(unsqueeze(x, x.ndim - 2), (*lead, h, groups, s, e))
    return reshape(wide, (*lead, h * groups, s, e))


def _gqa(who: str, query: Tensor, key: Tensor, value: Tensor) -> tuple[Tensor, Tensor]:
    """Key and value with their heads (dim -3) repeated to match the query's (grouped-query)."""
    if query.ndim < 3 or key.ndim < 3 or value.ndim < 3:
        raise ShapeError(
            f"{who}: enable_gqa=True needs heads at dim -3: query (..., H_q, L, E), key and "
            f"value (..., H_kv, S, E); got {query.shape}, {key.shape}, {value.shape}"
        )
    hq, hk, hv = query.shape[-3], key.shape[-3], value.shape[-3]
    if hk != hv or hq % hk:
        raise ShapeError(
            f"{who}: enable_gqa=True needs key and value with the same number of heads "
            f"dividing the query's, got H_q={hq}, H_k={hk}, H_v={hv}"
        )
    if hq == hk:
        return key, value
    return _repeat_heads(key, hq // hk), _repeat_heads(value, hq // hk)


def _causal_mask(query: Tensor, key: Tensor) -> Any:
    """``True`` on and below the diagonal of ``(L, S)``, on the query's device (top-left aligned)."""
    m = np.tril(np.ones((query.shape[-2], key.shape[-2]), dtype=np.bool_))
    return _device_array(m, query.array)


def _mask_and_bias(who: str, attn_mask: Any, query: Tensor, scores_shape: tuple) -> tuple:
    """``attn_mask`` as (boolean mask, None) or (None, additive bias) on the query's device."""
    if attn_mask is None:
        return None, None
    m = _device_array(attn_mask, query.array)
    try:
        np.broadcast_shapes(m.shape, scores_shape)
    except ValueError:
        raise ShapeError(
            f"{who}: attn_mask of shape {m.shape} does not broadcast to the scores' "
            f"shape {scores_shape}"
        ) from None
    if m.dtype == np.bool_:
        return m, None
    if m.dtype.kind != "f":  # torch: bool, float, or the query's dtype
        raise TypeError(f"{who}: attn_mask must be bool or floating, got dtype {m.dtype}")
    return None, m.astype(query.dtype, copy=False)


def _check_qkv(who: str, query: Tensor, key: Tensor, value: Tensor, dropout_p: float) -> None:
    if query.ndim < 2 or key.ndim < 2 or value.ndim < 2:
        raise ShapeError(
            f"{who}: query, key and value need at least 2 dims, got {query.shape}, "
            f"{key.shape}, {value.shape}"
        )
    if query.shape[-1] != key.shape[-1] or key.shape[-2] != value.shape[-2]:
        raise ShapeError(
            f"{who}: expected query (..., L, E), key (..., S, E), value (..., S, E_v), got "
            f"{query.shape}, {key.shape}, {value.shape}"
        )
    if not 0.0 <= dropout_p < 1.0:
        raise ValueError(f"{who}: dropout_p must be in [0, 1), got {dropout_p!r}")


def _scores_shape(who: str, query: Tensor, key: Tensor, value: Tensor) -> tuple:
    """``(..., L, S)``: the batch dims of query, key and value broadcast together."""
    try:
        lead = np.broadcast_shapes(query.shape[:-2], key.shape[:-2], value.shape[:-2])
    except ValueError:
        raise ValueError(
            f"{who}: the batch dims of query {query.shape}, key {key.shape} and value "
            f"{value.shape} do not broadcast (for fewer key/value heads than query heads, "
            f"pass enable_gqa=True)"
        ) from None
    return lead + (query.shape[-2], key.shape[-2])


def _learned_bias_weights(query: Tensor, key: Tensor, bias: Tensor, scale: float) -> Tensor:
    """``softmax(q k^T * scale + bias)`` with a gradient for ``bias`` too (a learned mask).

    Composed from differentiable ops; the fused :class:`DotProductWeights` takes
    the bias as a constant, so it serves only masks that need no gradient.
    """
    scores = matmul(query, key.swapaxes(-1, -2)) * scale + bias.to(dtype=query.dtype)
    return MaskedSoftmax.apply(scores, mask=None, axis=-1)


def dot_product_attention(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    attn_mask: Any = None,
    *,
    dropout_p: float = 0.0,
    training: bool = True,
    scale: float | None = None,
    rng: Any = None,
    is_causal: bool = False,
    enable_gqa: bool = False,
) -> tuple[Tensor, Tensor]:
    """Scaled dot-product attention ``softmax(q k^T * scale + mask) v``, and its weights.

    glassnet's form of :func:`scaled_dot_product_attention`: the same
    computation, returning the attention weights too (for explanations).

    Parameters
    ----------
    query : Tensor, shape (..., L, E)
    key : Tensor, shape (..., S, E)
    value : Tensor, shape (..., S, E_v)
    attn_mask : array or Tensor, broadcastable to (..., L, S), optional
        Boolean: ``True`` where attention is allowed (PyTorch's
        ``F.scaled_dot_product_attention`` convention). Floating: added to the
        scores (use ``-inf`` to hide).
    dropout_p : float, default 0.0
        Dropout on the weights (only when ``training``).
    training : bool, default True
    scale : float, optional
        Defaults to ``1 / sqrt(E)``.
    rng : numpy.random.Generator, optional
        Source of the dropout mask (glassnet's global generator by default).
    is_causal : bool, default False
        Hide the positions above the diagonal of ``(L, S)`` (query ``i`` sees keys
        ``0..i``); ``attn_mask`` must then be None.
    enable_gqa : bool, default False
        Grouped-query attention: key and value have ``H_kv`` heads at dim -3, each
        shared by ``H_q / H_kv`` consecutive query heads.

    Returns
    -------
    out : Tensor, shape (..., L, E_v)
    weights : Tensor, shape (..., L, S)
        The attention weights (before dropout); rows sum to 1 (a row with every
        position hidden is all 0, where PyTorch gives NaN).
    """
    who = "scaled_dot_product_attention"
    _check_qkv(who, query, key, value, dropout_p)
    if is_causal and attn_mask is not None:
        raise ValueError(f"{who}: give attn_mask or is_causal=True, not both")
    if enable_gqa:
        key, value = _gqa(who, query, key, value)
    scores_shape = _scores_shape(who, query, key, value)
    if is_causal:
        attn_mask = _causal_mask(query, key)
    mask, bias = _mask_and_bias(who, attn_mask, query, scores_shape)
    drop = None
    if dropout_p > 0 and training:
        drop = dropout_mask(query.array, dropout_p, rng, shape=scores_shape)
    sc = 1.0 / math.sqrt(query.shape[-1]) if scale is None else float(scale)
    if isinstance(attn_mask, Tensor) and attn_mask.requires_grad and bias is not None:
        weights = _learned_bias_weights(query, key, attn_mask, sc)
    else:
        weights = DotProductWeights.apply(query, key, mask=mask, bias=bias, scale=sc)
    dropped = weights if drop is None else weights * Tensor._make(drop, False, None, 0)
    return matmul(dropped, value), weights


def scaled_dot_product_attention(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    attn_mask: Any = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    *,
    scale: float | None = None,
    enable_gqa: bool = False,
    training: bool = True,
    rng: Any = None,
) -> Tensor:
    """PyTorch's ``F.scaled_dot_product_attention``: ``softmax(q k^T * scale + mask) v``.

    As in PyTorch, ``scale`` and ``enable_gqa`` are keyword-only.

    Parameters
    ----------
    query : Tensor, shape (..., L, E)
    key : Tensor, shape (..., S, E)
    value : Tensor, shape (..., S, E_v)
    attn_mask : array or Tensor, broadcastable to (..., L, S), optional
        Boolean: ``True`` where attention is allowed. Floating: added to the scores.
    dropout_p : float, default 0.0
        Dropout on the weights (as in PyTorch, applied whenever it is > 0 unless
        glassnet's ``training=False`` is given).
    is_causal : bool, default False
        Hide the positions above the diagonal of ``(L, S)``; not with ``attn_mask``.
    scale : float, optional
        Defaults to ``1 / sqrt(E)``.
    enable_gqa : bool, default False
        Key and value heads (dim -3) shared by groups of query heads.
    training : bool, default True
        glassnet only: ``False`` turns dropout off.
    rng : numpy.random.Generator, optional
        glassnet only: the source of the dropout mask.

    Returns
    -------
    Tensor, shape (..., L, E_v)
        Use :func:`dot_product_attention` to get the weights too.
    """
    out, _ = dot_product_attention(
        query, key, value, attn_mask, dropout_p=dropout_p, training=training, scale=scale,
        rng=rng, is_causal=is_causal, enable_gqa=enable_gqa,
    )  # fmt: skip
    return out


def additive_attention(
    keys: Tensor,
    weight_k: Tensor,
    v: Tensor,
    bias: Tensor | None = None,
    query: Tensor | None = None,
    weight_q: Tensor | None = None,
    mask: Any = None,
) -> tuple[Tensor, Tensor]:
    """Additive (Bahdanau) attention over time: fused weights, then their weighted sum.

    ``e_t = v . tanh(weight_k @ h_t + weight_q @ q + bias)``, ``w = softmax_t(e)``
    (hidden steps get exactly 0), ``context = sum_t w_t h_t``.

    Parameters
    ----------
    keys : Tensor, shape (N, T, H)
        Encoder outputs ``h_t``.
    weight_k : Tensor, shape (A, H)
    v : Tensor, shape (A,)
    bias : Tensor, shape (A,), optional
    query : Tensor, shape (N, Q), optional
        Without a query the score depends on ``h_t`` alone (``v`` acts as a learned query).
    weight_q : Tensor, shape (A, Q), optional
        Needed with ``query``.
    mask : bool array or Tensor, shape (N, T), optional
        ``True`` on valid steps.

    Returns
    -------
    context : Tensor, shape (N, H)
    weights : Tensor, shape (N, T)
    """
    who = "additive_attention"
    if keys.ndim != 3:
        raise ValueError(f"{who}: expected keys of shape (N, T, H), got {tuple(keys.shape)}")
    n, t_len, h = keys.shape
    if weight_k.ndim != 2 or weight_k.shape[1] != h:
        raise ValueError(f"{who}: expected weight_k of shape (A, {h}), got {tuple(weight_k.shape)}")
    a = weight_k.shape[0]
    if tuple(v.shape) != (a,):
        raise ValueError(f"{who}: expected v of shape ({a},), got {tuple(v.shape)}")
    if bias is not None and tuple(bias.shape) != (a,):
        raise ValueError(f"{who}: expected bias of shape ({a},), got {tuple(bias.shape)}")
    if (query is None) != (weight_q is None):
        raise ValueError(f"{who}: give query and weight_q together, or neither")
    if query is not None:
        if query.ndim != 2 or query.shape[0] != n:
            raise ValueError(f"{who}: expected query of shape ({n}, Q), got {tuple(query.shape)}")
        if tuple(weight_q.shape) != (a, query.shape[1]):
            raise ValueError(
                f"{who}: expected weight_q of shape ({a}, {query.shape[1]}), got "
                f"{tuple(weight_q.shape)}"
            )
    m = _raw_mask(mask, who, keys.array)
    if m is not None and tuple(m.shape) != (n, t_len):
        raise ValueError(f"{who}: expected mask of shape ({n}, {t_len}), got {tuple(m.shape)}")
    weights = AdditiveWeights.apply(keys, query, weight_k, bias, weight_q, v, mask=m)
    return WeightedSum.apply(weights, keys), weights
