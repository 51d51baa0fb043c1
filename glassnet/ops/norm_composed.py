"""Normalisations written with other ops: layer, group and instance norm, and ``normalize``.

They reduce over the trailing axes of each sample (or group, or channel)
with ``mean``, so no ``Function`` of their own is needed: gradients, the CuPy
path and ONNX export come from the ops they use. Values and gradients equal
PyTorch's (``tests/ops/test_norm_composed.py``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .._errors import ShapeError
from ..tensor import Tensor
from . import arithmetic as M
from . import pointwise as P
from . import reduce as R

__all__ = ["layer_norm", "group_norm", "instance_norm", "normalize", "standardize"]


def standardize(x: Tensor, axes: tuple[int, ...], eps: float) -> tuple[Tensor, Any, Any]:
    """``(x - mean) / sqrt(var + eps)`` over ``axes`` (biased variance).

    Returns
    -------
    (Tensor, ndarray, ndarray)
        The standardised tensor, and the mean and biased variance as plain
        arrays (kept dims), for running statistics.
    """
    mu = R.mean(x, axes, True)
    d = x - mu
    var = R.mean(d * d, axes, True)
    return d / M.sqrt(var + eps), mu.array, var.array


def _affine(y: Tensor, weight: Tensor | None, bias: Tensor | None, shape: tuple[int, ...]) -> Tensor:
    if weight is not None:
        y = y * (weight.reshape(shape) if shape else weight)
    if bias is not None:
        y = y + (bias.reshape(shape) if shape else bias)
    return y


def layer_norm(
    x: Tensor, normalized_shape: Sequence[int] | int, weight: Tensor | None = None,
    bias: Tensor | None = None, eps: float = 1e-5,
) -> Tensor:  # fmt: skip
    """Normalise over the last ``len(normalized_shape)`` axes, then scale and shift.

    Parameters
    ----------
    x : Tensor, shape (*, *normalized_shape)
    normalized_shape : int or sequence of int
    weight, bias : Tensor, shape normalized_shape, optional
    eps : float, default 1e-5
    """
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    k = len(shape)
    if k == 0 or tuple(x.shape[x.ndim - k :]) != shape or x.ndim < k:
        raise ShapeError(
            f"layer_norm: expected input of shape (*, {', '.join(map(str, shape))}), got {x.shape}"
        )
    y, _, _ = standardize(x, tuple(range(x.ndim - k, x.ndim)), eps)
    return _affine(y, weight, bias, ())


def rms_norm(
    x: Tensor, normalized_shape: Sequence[int] | int, weight: Tensor | None = None,
    eps: float | None = None,
) -> Tensor:  # fmt: skip
    """``x / sqrt(mean(x^2) + eps)`` over the last ``len(normalized_shape)`` axes, times ``weight``.

    Parameters
    ----------
    x : Tensor, shape (*, *normalized_shape)
    normalized_shape : int or sequence of int
    weight : Tensor, shape normalized_shape, optional
    eps : float, optional
        Defaults to the machine epsilon of ``x``'s dtype (PyTorch's default).

    Returns
    -------
    Tensor, the shape of ``x``
    """
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    k = len(shape)
    if k == 0 or x.ndim < k or tuple(x.shape[x.ndim - k :]) != shape:
        raise ShapeError(
            f"rms_norm: expected input of shape (*, {', '.join(map(str, shape))}), got {x.shape}"
        )
    e = float(np.finfo(x.dtype).eps) if eps is None else float(eps)
    axes = tuple(range(x.ndim - k, x.ndim))
    y = x / M.sqrt(R.mean(x * x, axes, True) + e)
    return y if weight is None else y * weight


def group_norm(
    x: Tensor, num_groups: int, weight: Tensor | None = None, bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:  # fmt: skip
    """Normalise each group of ``C / num_groups`` channels of each sample, then scale per channel.

    Parameters
    ----------
    x : Tensor, shape (N, C, *)
    num_groups : int
        Must divide ``C``.
    weight, bias : Tensor, shape (C,), optional
    eps : float, default 1e-5
    """
    if x.ndim < 2 or x.shape[1] % num_groups:
        raise ShapeError(
            f"group_norm: expected input (N, C, *) with C divisible by num_groups={num_groups}, "
            f"got {x.shape}"
        )
    n, c = x.shape[:2]
    if n * (c // num_groups) * math.prod(x.shape[2:]) == 1:  # PyTorch's check
        raise ValueError(
            f"group_norm: expected more than 1 value per group, got input of shape {x.shape} "
            f"with num_groups={num_groups}"
        )
    # the group size spelled out: a -1 cannot be inferred for an empty batch (torch takes one)
    grouped = x.reshape((n, num_groups, (c // num_groups) * math.prod(x.shape[2:])))
    y, _, _ = standardize(grouped, (2,), eps)
    return _affine(y.reshape(x.shape), weight, bias, (c,) + (1,) * (x.ndim - 2))


def instance_norm(
    x: Tensor, running_mean: Tensor | None = None, running_var: Tensor | None = None,
    weight: Tensor | None = None, bias: Tensor | None = None, use_input_stats: bool = True,
    momentum: float = 0.1, eps: float = 1e-5,
) -> Tensor:  # fmt: skip
    """Normalise each channel of each sample over its spatial axes.

    With ``use_input_stats`` the statistics come from ``x`` and, when given,
    the running statistics are updated in place (the batch average of each
    instance's mean and unbiased variance, as PyTorch); otherwise the running
    statistics are used.

    Parameters
    ----------
    x : Tensor, shape (N, C, *)
    running_mean, running_var : Tensor, shape (C,), optional
    weight, bias : Tensor, shape (C,), optional
    use_input_stats : bool, default True
    momentum : float, default 0.1
    eps : float, default 1e-5
    """
    if x.ndim < 3:
        raise ShapeError(f"instance_norm: expected input (N, C, L) or (N, C, H, W), got {x.shape}")
    c = x.shape[1]
    chan = (c,) + (1,) * (x.ndim - 2)
    axes = tuple(range(2, x.ndim))
    if use_input_stats and int(np.prod(x.shape[2:])) == 1:  # as torch: the variance would be 0
        raise ValueError(
            f"instance_norm: expected more than 1 spatial element with use_input_stats (training),"
            f" got input shape {tuple(x.shape)}"
        )
    if use_input_stats:
        y, mu, var = standardize(x, axes, eps)
        if running_mean is not None:
            _update_running(running_mean, running_var, mu, var, x, momentum)
    else:
        if running_mean is None or running_var is None:
            raise ValueError("instance_norm: use_input_stats=False needs running_mean and running_var")
        y = (x - running_mean.reshape(chan)) / M.sqrt(running_var.reshape(chan) + eps)
    return _affine(y, weight, bias, chan)


def _update_running(rm: Tensor, rv: Tensor, mu: Any, var: Any, x: Tensor, momentum: float) -> None:
    m = 1
    for s in x.shape[2:]:
        m *= s
    batch_mean = mu.reshape(x.shape[:2]).mean(axis=0)
    unbiased = var.reshape(x.shape[:2]) * (m / max(m - 1, 1))
    rm.array[...] = (1 - momentum) * rm.array + momentum * batch_mean
    rv.array[...] = (1 - momentum) * rv.array + momentum * unbiased.mean(axis=0)


def normalize(x: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12) -> Tensor:
    """``x / max(||x||_p, eps)`` along ``dim`` (PyTorch's ``F.normalize``).

    Parameters
    ----------
    x : Tensor
    p : float, default 2
    dim : int, default 1
    eps : float, default 1e-12
    """
    # max(||x||, eps) computed as (max(sum |x|^p, eps^p))^(1/p): the same value, and no 0/0
    # in the root's gradient for an all-zero slice (its gradient is 0 there, as in PyTorch)
    if p == 1:
        return x / M.clip(R.sum(M.abs(x), dim, True), eps)
    if p == 2:
        return x / M.sqrt(M.maximum(R.sum(x * x, dim, True), eps * eps))
    # inf/-inf: the largest/smallest magnitude; 0: the count of non-zeros (no gradient);
    # p < 1: entries that are 0 add nothing to the gradient, as in PyTorch
    return x / M.clip(P.norm(x, p, dim, True), eps)
