"""Losses written with other ops: metric-learning and likelihood losses of ``torch.nn.functional``.

None of these has a ``Function`` of its own. Each is a few lines of
differentiable ops (``where``, ``clip``, ``sum``, ``log``, ...), so its
gradient, its CuPy path and its ONNX export come from those ops, and adding
one costs a formula and its tests. Values and gradients equal PyTorch's
(``tests/ops/test_loss_composed.py``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .._errors import ShapeError
from ..tensor import Tensor
from . import arithmetic as A
from . import reduce as R
from .loss import _check_input, _check_reduction

__all__ = [
    "cosine_embedding_loss",
    "margin_ranking_loss",
    "triplet_margin_loss",
    "triplet_margin_with_distance_loss",
    "pairwise_distance",
    "poisson_nll_loss",
    "gaussian_nll_loss",
]


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return R.mean(loss)
    if reduction == "sum":
        return R.sum(loss)
    return loss


def _as_tensor_like(who: str, name: str, a: Any, x: Tensor) -> Tensor:
    """``a`` as a tensor of ``x``'s dtype and device (differentiable when it already is one)."""
    if isinstance(a, Tensor):
        if a.dtype != x.dtype and a.dtype.kind == "f":
            return A.cast(a, x.dtype)
        if a.dtype.kind != "f":
            return Tensor(x.xp.asarray(a.array, dtype=x.dtype))
        return a
    arr = x.xp.asarray(a)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{who}: {name} must be numeric, got dtype {arr.dtype}")
    return Tensor(arr.astype(x.dtype))


def _same_shape(who: str, names: tuple[str, ...], *xs: Tensor) -> None:
    shapes = [tuple(x.shape) for x in xs]
    if len(set(shapes)) != 1:
        listed = ", ".join(f"{n} {s}" for n, s in zip(names, shapes))
        raise ShapeError(f"{who}: expected tensors of one shape, got {listed}")


def _broadcast(who: str, names: tuple[str, ...], *xs: Tensor) -> None:
    """Refuse shapes that do not broadcast, naming ``who`` (torch raises for them too)."""
    shapes = [tuple(x.shape) for x in xs]
    try:
        np.broadcast_shapes(*shapes)
    except ValueError:
        listed = ", ".join(f"{n} {s}" for n, s in zip(names, shapes))
        raise ShapeError(f"{who}: shapes that do not broadcast: {listed}") from None


def cosine_embedding_loss(
    input1: Tensor, input2: Tensor, target: Any, margin: float = 0.0, reduction: str = "mean"
) -> Tensor:
    """``1 - cos(x1, x2)`` where ``target == 1``, ``max(0, cos(x1, x2) - margin)`` where ``-1``.

    Parameters
    ----------
    input1, input2 : Tensor, shape (N, D) or (D,)
    target : array-like of {1, -1}, shape (N,) or ()
    margin : float, default 0
    reduction : {'mean', 'sum', 'none'}

    Returns
    -------
    Tensor
        Scalar, or shape ``(N,)`` with ``reduction='none'``.
    """
    who = "cosine_embedding_loss"
    x1, x2 = _check_input(who, input1), _check_input(who, input2)
    _same_shape(who, ("input1", "input2"), x1, x2)
    reduction = _check_reduction(who, reduction)
    if x1.ndim not in (1, 2):
        raise ShapeError(f"{who}: expected inputs of shape (N, D) or (D,), got {x1.shape}")
    axis = x1.ndim - 1
    eps = 1e-12  # PyTorch's, inside both squared norms
    dot = R.sum(x1 * x2, axis)
    norms = A.sqrt((R.sum(x1 * x1, axis) + eps) * (R.sum(x2 * x2, axis) + eps))
    cos = dot / norms
    y = x1.xp.asarray(target.array if isinstance(target, Tensor) else target)
    if y.shape != cos.shape:  # torch: a 0-D or 1-D target, one entry per pair
        raise ShapeError(
            f"{who}: expected a target of shape {tuple(cos.shape)} (one entry per pair), "
            f"got {tuple(y.shape)}"
        )
    zero = A.mul(cos, 0.0)
    loss = A.where(y == 1, 1.0 - cos, zero) + A.where(y == -1, A.clip(cos - margin, 0.0), zero)
    return _reduce(loss, reduction)


def margin_ranking_loss(
    input1: Tensor, input2: Tensor, target: Any, margin: float = 0.0, reduction: str = "mean"
) -> Tensor:
    """``max(0, -y * (x1 - x2) + margin)``: ``x1`` should rank above ``x2`` where ``y = 1``.

    Parameters
    ----------
    input1, input2 : Tensor, shape (N,) or ()
    target : array-like of {1, -1}, the same shape
    margin : float, default 0
    reduction : {'mean', 'sum', 'none'}
    """
    who = "margin_ranking_loss"
    x1, x2 = _check_input(who, input1), _check_input(who, input2)
    y = _as_tensor_like(who, "target", target, x1)
    _same_shape(who, ("input1", "input2", "target"), x1, x2, y)
    reduction = _check_reduction(who, reduction)
    return _reduce(A.clip(-y * (x1 - x2) + margin, 0.0), reduction)


def pairwise_distance(
    x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False
) -> Tensor:
    """``||x1 - x2 + eps||_p`` over the last dimension (PyTorch's ``F.pairwise_distance``).

    Parameters
    ----------
    x1, x2 : Tensor, shape (N, D) or (D,)
    p : float, default 2
    eps : float, default 1e-6
        Added to the difference (keeps the norm differentiable at zero).
    keepdim : bool, default False

    Returns
    -------
    Tensor, shape (N,) (``(N, 1)`` with ``keepdim``)
    """
    _broadcast("pairwise_distance", ("x1", "x2"), x1, x2)
    diff = x1 - x2 + eps
    axis = diff.ndim - 1
    if p == 2:
        return A.sqrt(R.sum(diff * diff, axis, keepdim))
    if p == 1:
        return R.sum(A.abs(diff), axis, keepdim)
    if math.isinf(p):  # the largest (smallest for -inf) magnitude, as torch
        return (R.max if p > 0 else R.min)(A.abs(diff), axis, keepdim)
    if p == 0:  # the count of non-zero entries, as torch
        return R.sum((diff != 0).to(diff.dtype), axis, keepdim)
    return A.pow(R.sum(A.pow(A.abs(diff), p), axis, keepdim), 1.0 / p)


def triplet_margin_loss(
    anchor: Tensor, positive: Tensor, negative: Tensor, margin: float = 1.0, p: float = 2.0,
    eps: float = 1e-6, swap: bool = False, reduction: str = "mean",
) -> Tensor:  # fmt: skip
    """``max(0, d(a, p) - d(a, n) + margin)`` with ``d`` the :func:`pairwise_distance`.

    Parameters
    ----------
    anchor, positive, negative : Tensor, shape (N, D) or (D,)
    margin : float, default 1
    p : float, default 2
        Norm of the distance.
    eps : float, default 1e-6
    swap : bool, default False
        Use ``min(d(a, n), d(p, n))`` as the negative distance (Balntas et al., 2016).
    reduction : {'mean', 'sum', 'none'}
    """
    who = "triplet_margin_loss"
    a, pos, neg = (_check_input(who, t) for t in (anchor, positive, negative))
    _same_shape(who, ("anchor", "positive", "negative"), a, pos, neg)
    if margin <= 0:
        raise ValueError(f"{who}: margin must be > 0, got {margin!r}")
    reduction = _check_reduction(who, reduction)
    d_pos = pairwise_distance(a, pos, p, eps)
    d_neg = pairwise_distance(a, neg, p, eps)
    if swap:
        d_neg = A.minimum(d_neg, pairwise_distance(pos, neg, p, eps))
    return _reduce(A.clip(margin + d_pos - d_neg, 0.0), reduction)


def triplet_margin_with_distance_loss(
    anchor: Tensor, positive: Tensor, negative: Tensor, *,
    distance_function: Callable[[Tensor, Tensor], Tensor] | None = None, margin: float = 1.0,
    swap: bool = False, reduction: str = "mean",
) -> Tensor:  # fmt: skip
    """``max(0, d(a, p) - d(a, n) + margin)`` with a distance ``d`` of the caller's choice.

    Parameters
    ----------
    anchor, positive, negative : Tensor, shape (N, D) or (D,) (any shape ``d`` takes)
    distance_function : callable, optional
        ``d(x1, x2) -> Tensor`` of non-negative distances, shape (N,); default
        :func:`pairwise_distance` (the Euclidean distance).
    margin : float, default 1
        Must be > 0.
    swap : bool, default False
        Use ``min(d(a, n), d(p, n))`` as the negative distance.
    reduction : {'mean', 'sum', 'none'}

    Returns
    -------
    Tensor
        Scalar, or the distances' shape with ``reduction='none'``.
    """
    who = "triplet_margin_with_distance_loss"
    a, pos, neg = (_check_input(who, t) for t in (anchor, positive, negative))
    if not a.ndim == pos.ndim == neg.ndim:
        raise ValueError(
            f"{who}: anchor, positive and negative must have the same number of dims, got "
            f"{a.ndim}, {pos.ndim} and {neg.ndim}"
        )
    if isinstance(margin, bool) or not isinstance(margin, (int, float)) or margin <= 0:
        raise ValueError(f"{who}: margin must be a number > 0, got {margin!r}")
    if distance_function is not None and not callable(distance_function):
        raise TypeError(f"{who}: distance_function must be callable, got {distance_function!r}")
    reduction = _check_reduction(who, reduction)
    dist = pairwise_distance if distance_function is None else distance_function

    def d(x: Tensor, y: Tensor) -> Tensor:
        try:
            return dist(x, y)
        except ValueError as err:  # name the loss the shapes were given to
            raise ValueError(f"{who}: {err}") from err

    d_pos, d_neg = d(a, pos), d(a, neg)
    if swap:
        d_neg = A.minimum(d_neg, d(pos, neg))
    return _reduce(A.clip(float(margin) + d_pos - d_neg, 0.0), reduction)


def poisson_nll_loss(
    input: Tensor, target: Any, log_input: bool = True, full: bool = False,  # noqa: A002
    eps: float = 1e-8, reduction: str = "mean",
) -> Tensor:  # fmt: skip
    """Negative log-likelihood of ``target`` under a Poisson distribution of rate ``input``.

    ``exp(input) - target * input`` with ``log_input``, else
    ``input - target * log(input + eps)``; ``full`` adds Stirling's
    approximation of ``log(target!)`` where ``target > 1``.

    Parameters
    ----------
    input : Tensor, shape (*)
    target : array-like, the same shape
    log_input, full : bool
    eps : float, default 1e-8
    reduction : {'mean', 'sum', 'none'}
    """
    who = "poisson_nll_loss"
    x = _check_input(who, input)
    t = _as_tensor_like(who, "target", target, x)
    _same_shape(who, ("input", "target"), x, t)
    reduction = _check_reduction(who, reduction)
    loss = A.exp(x) - t * x if log_input else x - t * A.log(x + eps)
    if full:  # Stirling's term where target > 1; it is differentiable in target, as in PyTorch
        above = t.array > 1
        safe = A.where(above, t, 1.0)
        stirling = t * A.log(safe) - t + 0.5 * A.log(2 * math.pi * safe)
        loss = loss + A.where(above, stirling, 0.0)
    return _reduce(loss, reduction)


def _clamped_no_grad(v: Tensor, low: float) -> Tensor:
    """``v`` with values below ``low`` raised to it, the gradient passing through unchanged."""
    return v + (A.clip(v.detach(), low) - v.detach())


def gaussian_nll_loss(
    input: Tensor, target: Any, var: Any, full: bool = False, eps: float = 1e-6,  # noqa: A002
    reduction: str = "mean",
) -> Tensor:  # fmt: skip
    """Negative log-likelihood of ``target`` under ``Normal(input, var)``.

    ``0.5 * (log(var) + (input - target)^2 / var)`` (+ ``0.5 log(2 pi)`` with
    ``full``). As in PyTorch, ``var`` is clamped to at least ``eps`` for the
    value only (its gradient passes the clamp unchanged), and may have the
    input's shape, that shape without its last dimension, or a last dimension
    of 1 (one variance per sample).

    Parameters
    ----------
    input : Tensor, shape (N, *)
    target : array-like, the same shape
    var : Tensor or array-like, positive
    full : bool, default False
    eps : float, default 1e-6
    reduction : {'mean', 'sum', 'none'}
    """
    who = "gaussian_nll_loss"
    x = _check_input(who, input)
    t = _as_tensor_like(who, "target", target, x)
    v = _as_tensor_like(who, "var", var, x)
    _same_shape(who, ("input", "target"), x, t)
    reduction = _check_reduction(who, reduction)
    if v.shape != x.shape:
        if x.shape[:-1] == v.shape:
            v = v.unsqueeze(-1)
        elif not (x.shape[:-1] == v.shape[:-1] and v.shape[-1] == 1):
            raise ShapeError(
                f"{who}: var has shape {v.shape}; expected the input's shape {x.shape}, "
                f"{x.shape[:-1]}, or {(*x.shape[:-1], 1)}"
            )
    if bool((v.array < 0).any()):
        raise ValueError(f"{who}: var has negative entries")
    v = _clamped_no_grad(v, eps)
    loss = 0.5 * (A.log(v) + (x - t) ** 2 / v)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)
