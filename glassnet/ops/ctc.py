"""Connectionist temporal classification loss (PyTorch's ``F.ctc_loss``).

The ``CTC`` op computes one negative log-likelihood per sample by the forward
(alpha) recursion over the blank-extended label sequence, in log space and
vectorised over the batch (the loop runs over time only). Its backward runs
the backward (beta) recursion and returns PyTorch's gradient with respect to
``log_probs``::

    grad[t, n, c] = exp(log_probs[t, n, c]) - sum_{s: l'_s = c} alpha_t(s) beta_t(s) / p_n / y_t(c)

the derivative with respect to the logits under a ``log_softmax``. It equals
the derivative with respect to ``log_probs`` after ``log_softmax``'s own
backward (whose result is unchanged by a term ``exp(log_probs)``), which is
how ``log_probs`` are made; on log-probabilities taken as free inputs it is
PyTorch's value, not the partial derivative. Rows at ``t >= input_lengths[n]``
get 0, as in PyTorch. Where a log-probability is ``-inf`` the gradient is 0 (no alignment
passes there); PyTorch's formula gives NaN at such entries.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validate import flag, is_int
from ..autograd.function import Function
from ..backend import get_array_module, to_host
from ..tensor import Tensor
from . import arithmetic as A
from . import reduce as R
from . import shape as S
from .loss import _check_input, _check_reduction

__all__ = ["ctc_loss", "CTC"]


def _shift(xp: Any, a: Any, k: int, fill: Any) -> Any:
    """``a`` moved ``k`` places along the last axis (right for ``k > 0``), ``fill`` let in."""
    pad = xp.full(a.shape[:-1] + (abs(k),), fill, dtype=a.dtype)
    if abs(k) >= a.shape[-1]:
        return xp.full(a.shape, fill, dtype=a.dtype)
    if k > 0:
        return xp.concatenate([pad, a[..., :-k]], axis=-1)
    return xp.concatenate([a[..., -k:], pad], axis=-1)


def _lse3(xp: Any, a: Any, b: Any, c: Any) -> Any:
    return xp.logaddexp(xp.logaddexp(a, b), c)


class CTC(Function):
    """Per-sample CTC negative log-likelihood of ``log_probs`` of shape ``(T, N, C)``.

    Attributes (keyword): ``ext`` (N, L) the blank-extended labels, ``skip`` (N, L) where a
    label may follow the one two places before, ``ends`` (N, L) the last two positions of
    each sample's path, ``input_lengths`` and ``target_lengths`` (N,), ``zero_infinity``.
    """

    def forward(
        self, lp: Any, *, ext: Any, skip: Any, ends: Any, input_lengths: Any,
        target_lengths: Any, zero_infinity: bool,
    ) -> Any:  # fmt: skip
        xp = get_array_module(lp)
        self.zero_infinity = zero_infinity
        n = lp.shape[1]
        lp_ext = lp[:, xp.arange(n)[:, None], ext]  # (T, N, L)
        neg = xp.asarray(-np.inf, dtype=lp.dtype)
        alpha = xp.empty_like(lp_ext)
        a = xp.where(xp.arange(ext.shape[1]) < 2, lp_ext[0], neg)
        alpha[0] = a
        for t in range(1, lp.shape[0]):
            prev2 = xp.where(skip, _shift(xp, a, 2, -np.inf), neg)
            a = _lse3(xp, a, _shift(xp, a, 1, -np.inf), prev2) + lp_ext[t]
            alpha[t] = a
        rows = xp.arange(n)
        last = alpha[xp.maximum(input_lengths - 1, 0), rows]  # (N, L)
        end = 2 * target_lengths
        before_end = xp.where(end > 0, last[rows, xp.maximum(end - 1, 0)], neg)
        nll = -xp.logaddexp(last[rows, end], before_end)
        empty = xp.where(target_lengths == 0, 0.0, np.inf).astype(lp.dtype)
        nll = xp.where(input_lengths == 0, empty, nll)
        if self.requires_grad:
            self.lp, self.lp_ext, self.alpha, self.nll = lp, lp_ext, alpha, nll
            self.ext, self.skip, self.ends, self.input_lengths = ext, skip, ends, input_lengths
        if zero_infinity:
            nll = xp.where(xp.isinf(nll), xp.zeros((), lp.dtype), nll)
        return nll

    def _beta(self, xp: Any) -> Any:
        """The backward variables, each including its own time step's label probability."""
        lp_ext, skip, lengths = self.lp_ext, self.skip, self.input_lengths[:, None]
        neg = xp.asarray(-np.inf, dtype=lp_ext.dtype)
        skip_next = _shift(xp, skip, -2, False)
        beta = xp.empty_like(lp_ext)
        b = xp.full(lp_ext.shape[1:], neg, dtype=lp_ext.dtype)
        for t in range(lp_ext.shape[0] - 1, -1, -1):
            nxt2 = xp.where(skip_next, _shift(xp, b, -2, -np.inf), neg)
            rec = _lse3(xp, b, _shift(xp, b, -1, -np.inf), nxt2) + lp_ext[t]
            start = xp.where(self.ends, lp_ext[t], neg)
            b = xp.where(lengths - 1 == t, start, xp.where(lengths - 1 > t, rec, neg))
            beta[t] = b
        return beta

    def backward(self, grad: Any) -> Any:
        xp = get_array_module(grad)
        lp, nll = self.lp, self.nll
        n_classes = lp.shape[2]
        with np.errstate(invalid="ignore", over="ignore"):
            # each path position's posterior occupancy at each time, summed per class
            post = xp.exp(self.alpha + self._beta(xp) - self.lp_ext + nll[:, None])
        # no path passes a label of probability 0 (torch's formula gives NaN for it there)
        post = xp.where(self.lp_ext == -np.inf, xp.zeros((), post.dtype), post)
        onehot = (self.ext[..., None] == xp.arange(n_classes)).astype(lp.dtype)  # (N, L, C)
        occupancy = xp.matmul(post.transpose(1, 0, 2), onehot).transpose(1, 0, 2)
        g = (xp.exp(lp) - occupancy) * grad[:, None]
        keep = xp.arange(lp.shape[0])[:, None] < self.input_lengths  # (T, N)
        if self.zero_infinity:
            keep = keep & ~xp.isinf(nll)
        return xp.where(keep[..., None], g, xp.zeros((), lp.dtype))


# ------------------------------------------------------------------ arguments
def _host_ints(who: str, name: str, value: Any) -> np.ndarray:
    """``value`` (Tensor, array, sequence or int) as a host int64 array."""
    try:
        arr = to_host(value)
    except (TypeError, ValueError) as e:
        raise TypeError(f"{who}: {name} must be integers, got {type(value).__name__}") from e
    if arr.dtype.kind == "f" and arr.size and not np.all(arr == np.round(arr)):
        raise ValueError(f"{who}: {name} must hold whole numbers, got {arr}")
    if arr.dtype.kind not in "iuf" and arr.size:
        raise TypeError(f"{who}: {name} must be integers, got dtype {arr.dtype}")
    return arr.astype(np.int64)


def _lengths(who: str, name: str, value: Any, n: int, limit: int, limit_name: str) -> np.ndarray:
    lengths = _host_ints(who, name, value).reshape(-1)
    if lengths.shape != (n,):
        raise ValueError(f"{who}: {name} must have one value per sample ({n}), got {lengths.size}")
    if lengths.size and (lengths.min() < 0 or lengths.max() > limit):
        raise ValueError(
            f"{who}: {name} must be in [0, {limit}] ({limit_name}), got {lengths.tolist()}"
        )
    return lengths


def _padded_targets(
    who: str, targets: np.ndarray, lengths: np.ndarray, n: int, batched: bool
) -> np.ndarray:
    """The targets as ``(N, max(target_lengths))``, from padded or concatenated form."""
    width = int(lengths.max()) if lengths.size else 0
    if targets.ndim == 2 and batched or not batched and targets.ndim == 1:
        rows = targets.reshape(n, -1)
        if rows.shape[1] < width:
            raise ValueError(
                f"{who}: padded targets have {rows.shape[1]} columns, fewer than the longest "
                f"target_length {width}"
            )
        return rows[:, :width]
    if targets.ndim != 1:
        want = "(N, S) or concatenated (sum(target_lengths),)" if batched else "(S,)"
        raise ValueError(f"{who}: expected targets {want}, got shape {targets.shape}")
    if targets.size < lengths.sum():
        raise ValueError(
            f"{who}: concatenated targets hold {targets.size} labels, fewer than "
            f"sum(target_lengths) = {int(lengths.sum())}"
        )
    out = np.zeros((n, width), np.int64)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    for i, (s, k) in enumerate(zip(starts, lengths)):
        out[i, :k] = targets[s : s + k]
    return out


def _extended(labels: np.ndarray, lengths: np.ndarray, blank: int) -> tuple[np.ndarray, ...]:
    """The blank-extended labels ``l'`` (N, 2S+1), where a skip over a blank is allowed,
    and the last two positions of each sample's path."""
    n, width = labels.shape
    ext = np.full((n, 2 * width + 1), blank, np.int64)
    valid = np.arange(width) < lengths[:, None]
    ext[:, 1::2] = np.where(valid, labels, blank)
    skip = np.zeros(ext.shape, bool)
    skip[:, 3::2] = ext[:, 3::2] != ext[:, 1:-2:2]
    pos = np.arange(ext.shape[1])
    ends = (pos == 2 * lengths[:, None]) | (pos == 2 * lengths[:, None] - 1)
    return ext, skip, ends


def ctc_loss(
    log_probs: Tensor,
    targets: Any,
    input_lengths: Any,
    target_lengths: Any,
    blank: int = 0,
    reduction: str = "mean",
    zero_infinity: bool = False,
) -> Tensor:
    """Connectionist temporal classification loss, as PyTorch's ``F.ctc_loss``.

    Parameters
    ----------
    log_probs : Tensor, shape (T, N, C) or (T, C)
        Log-probabilities over ``C`` classes (blank included) per time step,
        normally ``log_softmax(..., dim=-1)`` of a network's outputs.
    targets : integer array-like or Tensor, shape (N, S), (sum(target_lengths),) or (S,)
        Padded targets (the first ``target_lengths[n]`` of row ``n`` count) or
        all targets concatenated; blank-free class indices.
    input_lengths : sequence of int or Tensor, shape (N,)
        Time steps of each sample, at most ``T``.
    target_lengths : sequence of int or Tensor, shape (N,)
    blank : int, default 0
        The blank class.
    reduction : {'mean', 'sum', 'none'}
        ``'mean'`` divides each loss by its target length (at least 1), then
        averages over the batch (PyTorch's rule).
    zero_infinity : bool, default False
        Impossible alignments (infinite loss) give 0 loss and 0 gradient.

    Returns
    -------
    Tensor
        Scalar, or shape ``(N,)`` (``()`` for unbatched input) with ``reduction='none'``.
        Its gradient is PyTorch's (see the module docstring).
    """
    who = "ctc_loss"
    x = _check_input(who, log_probs)
    reduction = _check_reduction(who, reduction)
    zero_infinity = flag(who, "zero_infinity", zero_infinity)
    if x.ndim not in (2, 3):
        raise ValueError(f"{who}: expected log_probs (T, N, C) or (T, C), got shape {x.shape}")
    batched = x.ndim == 3
    t_max, n, n_classes = x.shape if batched else (x.shape[0], 1, x.shape[1])
    if not is_int(blank) or not 0 <= blank < n_classes:
        raise ValueError(f"{who}: blank must be a class index in [0, {n_classes}), got {blank!r}")
    in_len = _lengths(who, "input_lengths", input_lengths, n, t_max, "the time steps T")
    labels = _host_ints(who, "targets", targets)
    limit = labels.shape[-1] if labels.ndim == 2 or not batched else labels.size
    tl = _lengths(who, "target_lengths", target_lengths, n, limit, "the targets' length")
    labels = _padded_targets(who, labels, tl, n, batched)
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise IndexError(
            f"{who}: target classes must be in [0, {n_classes}), got {labels.min()}..{labels.max()}"
        )
    ext, skip, ends = _extended(labels, tl, int(blank))
    xp = x.xp
    lp = x if batched else S.reshape(x, (t_max, 1, n_classes))
    losses = CTC.apply(
        lp, ext=xp.asarray(ext), skip=xp.asarray(skip), ends=xp.asarray(ends),
        input_lengths=xp.asarray(in_len), target_lengths=xp.asarray(tl),
        zero_infinity=zero_infinity,
    )  # fmt: skip
    if reduction == "sum":
        return R.sum(losses)
    if reduction == "mean":
        per_label = Tensor(xp.asarray(np.maximum(tl, 1).astype(x.dtype)))
        return R.mean(A.div(losses, per_label))
    return losses if batched else S.reshape(losses, ())
