"""Margin losses written with other ops: soft margin, multi-label soft margin, hinge embedding
and multi-class margin (PyTorch's ``soft_margin_loss``, ``multilabel_soft_margin_loss``,
``hinge_embedding_loss`` and ``multi_margin_loss``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor
from . import activation as AC
from . import arithmetic as A
from . import reduce as R
from . import shape as S
from .loss import _check_input, _check_reduction, _no_grad_wanted
from .loss_composed import _as_tensor_like, _reduce, _same_shape

__all__ = [
    "soft_margin_loss",
    "multilabel_soft_margin_loss",
    "hinge_embedding_loss",
    "multi_margin_loss",
    "multilabel_margin_loss",
]


def soft_margin_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:  # noqa: A002
    """``log(1 + exp(-y x))`` per element, ``y`` in {1, -1}.

    Parameters
    ----------
    input : Tensor, shape (*)
    target : array-like or Tensor, shape (*)
    reduction : {'mean', 'sum', 'none'}

    Returns
    -------
    Tensor
        Scalar, or shape ``(*)`` with ``reduction='none'``.
    """
    who = "soft_margin_loss"
    x = _check_input(who, input)
    _no_grad_wanted(who, "target", target)  # torch's soft_margin_loss has no target gradient
    y = _as_tensor_like(who, "target", target, x)
    _same_shape(who, ("input", "target"), x, y)
    return _reduce(AC.softplus(-y * x), _check_reduction(who, reduction))


def _class_weight(who: str, weight: Any, x: Tensor, n_classes: int) -> Tensor | None:
    if weight is None:
        return None
    w = _as_tensor_like(who, "weight", weight, x)
    if tuple(w.shape) != (n_classes,):
        raise ValueError(f"{who}: weight must have shape ({n_classes},), got {tuple(w.shape)}")
    return w


def multilabel_soft_margin_loss(
    input: Tensor, target: Any, weight: Any = None, reduction: str = "mean"  # noqa: A002
) -> Tensor:
    """Per-class binary cross-entropy on logits, averaged over the classes.

    Parameters
    ----------
    input : Tensor, shape (N, C) or (C,)
    target : array-like or Tensor of 0/1 (or probabilities), the same shape
    weight : array-like or Tensor, shape (C,), optional
        A weight per class.
    reduction : {'mean', 'sum', 'none'}

    Returns
    -------
    Tensor
        Scalar, or shape ``(N,)`` (``()`` for one sample) with ``reduction='none'``.
    """
    who = "multilabel_soft_margin_loss"
    x = _check_input(who, input)
    if x.ndim not in (1, 2):
        raise ValueError(f"{who}: expected input (N, C) or (C,), got shape {tuple(x.shape)}")
    y = _as_tensor_like(who, "target", target, x)
    _same_shape(who, ("input", "target"), x, y)
    reduction = _check_reduction(who, reduction)
    n_classes = x.shape[-1]
    w = _class_weight(who, weight, x, n_classes)
    # -(y log sigmoid(x) + (1 - y) log sigmoid(-x)) = softplus(x) - y x
    loss = AC.softplus(x) - y * x
    if w is not None:
        loss = loss * w
    return _reduce(R.sum(loss, -1) / n_classes, reduction)


def hinge_embedding_loss(
    input: Tensor, target: Any, margin: float = 1.0, reduction: str = "mean"  # noqa: A002
) -> Tensor:
    """``x`` where ``y = 1``, ``max(0, margin - x)`` where ``y = -1`` (and their sum elsewhere).

    Parameters
    ----------
    input : Tensor, shape (*)
    target : array-like or Tensor of {1, -1}, shape (*)
    margin : float, default 1
    reduction : {'mean', 'sum', 'none'}

    Returns
    -------
    Tensor
        Scalar, or shape ``(*)`` with ``reduction='none'``.
    """
    who = "hinge_embedding_loss"
    x = _check_input(who, input)
    y = _as_tensor_like(who, "target", target, x)
    _same_shape(who, ("input", "target"), x, y)
    reduction = _check_reduction(who, reduction)
    ya = y.array
    hinge = A.where(ya != 1, A.clip(float(margin) - x, 0.0), 0.0)
    return _reduce(hinge + A.where(ya != -1, x, 0.0), reduction)


def _class_targets(who: str, target: Any, x: Tensor) -> np.ndarray:
    t = target.array if isinstance(target, Tensor) else x.xp.asarray(target)
    if t.dtype.kind not in "iu":
        raise TypeError(f"{who}: target must hold integer class indices, got dtype {t.dtype}")
    n_classes = x.shape[-1]
    want = x.shape[:-1]
    if tuple(t.shape) != tuple(want):
        raise ValueError(f"{who}: expected target of shape {tuple(want)}, got {tuple(t.shape)}")
    if t.size and (int(t.min()) < 0 or int(t.max()) >= n_classes):
        raise IndexError(f"{who}: target classes must be in [0, {n_classes}), got {t.min()}..{t.max()}")
    return t


def multi_margin_loss(
    input: Tensor,  # noqa: A002
    target: Any,
    p: int = 1,
    margin: float = 1.0,
    weight: Any = None,
    reduction: str = "mean",
) -> Tensor:
    """Multi-class hinge: ``sum_{j != y} max(0, margin - x[y] + x[j])^p / C`` per sample.

    Parameters
    ----------
    input : Tensor, shape (N, C) or (C,)
    target : integer array-like or Tensor, shape (N,) or ()
    p : {1, 2}, default 1
    margin : float, default 1
    weight : array-like or Tensor, shape (C,), optional
        Scales each sample's loss by the weight of its target class.
    reduction : {'mean', 'sum', 'none'}

    Returns
    -------
    Tensor
        Scalar, or shape ``(N,)`` (``()`` for one sample) with ``reduction='none'``.
    """
    who = "multi_margin_loss"
    x = _check_input(who, input)
    if x.ndim not in (1, 2):
        raise ValueError(f"{who}: expected input (N, C) or (C,), got shape {tuple(x.shape)}")
    if p not in (1, 2) or isinstance(p, bool):
        raise ValueError(f"{who}: only p = 1 and p = 2 are supported, got p={p!r}")
    reduction = _check_reduction(who, reduction)
    t = _class_targets(who, target, x)
    n_classes = x.shape[-1]
    w = _class_weight(who, weight, x, n_classes)
    hot = t[..., None] == x.xp.arange(n_classes)  # (N, C): the target class of each sample
    x_target = R.sum(A.where(hot, x, 0.0), -1, True)
    z = A.clip(float(margin) - x_target + x, 0.0)
    if p == 2:
        z = z * z
    if w is not None:
        z = z * R.sum(A.where(hot, w, 0.0), -1, True)  # each sample's target-class weight
    z = A.where(hot, 0.0, z)
    return _reduce(R.sum(z, -1) / n_classes, reduction)


def _label_counts(who: str, target: Any, x: Tensor) -> np.ndarray:
    """``(N, C)`` how often each class is listed in each sample's targets (up to the first -1)."""
    t = target.array if isinstance(target, Tensor) else x.xp.asarray(target)
    if t.dtype.kind not in "iu":
        raise TypeError(f"{who}: target must hold integer class indices, got dtype {t.dtype}")
    if tuple(t.shape) != x.shape:
        raise ValueError(f"{who}: expected target of the input's shape {x.shape}, got {tuple(t.shape)}")
    n_classes = x.shape[-1]
    if t.size and (int(t.min()) < -1 or int(t.max()) >= n_classes):
        raise IndexError(
            f"{who}: target entries must be class indices in [0, {n_classes}) or -1 (the end), "
            f"got {t.min()}..{t.max()}"
        )
    listed = x.xp.cumprod(t >= 0, axis=-1).astype(bool)  # the entries before the first -1
    hot = (t[..., None] == x.xp.arange(n_classes)) & listed[..., None]
    return hot.sum(axis=-2)


def multilabel_margin_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:  # noqa: A002
    """Multi-label hinge: ``sum_{j listed} sum_{i not listed} max(0, 1 - x[j] + x[i]) / C``.

    Parameters
    ----------
    input : Tensor, shape (N, C) or (C,)
    target : integer array-like or Tensor, the same shape
        Each row lists target classes, ended by the first ``-1`` (the rest is
        ignored); a class listed twice counts twice, as in PyTorch.
    reduction : {'mean', 'sum', 'none'}

    Returns
    -------
    Tensor
        Scalar, or shape ``(N,)`` (``()`` for one sample) with ``reduction='none'``.
    """
    who = "multilabel_margin_loss"
    x = _check_input(who, input)
    if x.ndim not in (1, 2):
        raise ValueError(f"{who}: expected input (N, C) or (C,), got shape {tuple(x.shape)}")
    reduction = _check_reduction(who, reduction)
    counts = _label_counts(who, target, x)
    others = counts == 0  # the classes not listed
    pairs = (counts[..., :, None] * others[..., None, :]).astype(x.dtype)  # (N, C_j, C_i)
    hinge = A.clip(1.0 - S.unsqueeze(x, -1) + S.unsqueeze(x, -2), 0.0)
    return _reduce(R.sum(hinge * pairs, (-2, -1)) / x.shape[-1], reduction)
