"""Gradient clipping and flat parameter vectors (``glassnet.nn.utils``), as ``torch.nn.utils``.

Clipping works in place on ``p.grad`` (the engine guarantees that leaf
gradients never share memory, so scaling one cannot change another). Call it
between ``loss.backward()`` and ``optimizer.step()``::

    loss.backward()
    total = nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    opt.step()
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from ..._validate import is_number
from ...backend import get_array_module, is_cupy_array
from ...ops.shape import concat
from ...tensor import Tensor
from . import parametrizations, parametrize, prune, rnn
from ._legacy_norms import remove_spectral_norm, remove_weight_norm, spectral_norm, weight_norm
from .fusion import (
    fuse_conv_bn_eval,
    fuse_conv_bn_weights,
    fuse_linear_bn_eval,
    fuse_linear_bn_weights,
)

__all__ = [
    "clip_grad_norm_",
    "clip_grad_value_",
    "get_total_norm",
    "clip_grads_with_norm_",
    "parameters_to_vector",
    "vector_to_parameters",
    "weight_norm",
    "remove_weight_norm",
    "spectral_norm",
    "remove_spectral_norm",
    "parametrize",
    "parametrizations",
    "prune",
    "fuse_conv_bn_eval",
    "fuse_conv_bn_weights",
    "fuse_linear_bn_eval",
    "fuse_linear_bn_weights",
]

Params = Tensor | Iterable[Tensor]


def _tensors(who: str, parameters: Params) -> list[Tensor]:
    if isinstance(parameters, Tensor):
        return [parameters]
    try:
        items = list(parameters)
    except TypeError:
        raise TypeError(
            f"{who}: expected a Tensor or an iterable of Tensors, got {type(parameters).__name__}"
        ) from None
    for i, p in enumerate(items):
        if not isinstance(p, Tensor):
            raise TypeError(f"{who}: item {i} is a {type(p).__name__}, expected a Tensor")
    return items


def _norm_type(who: str, norm_type: Any) -> float:
    try:
        value = float(norm_type)
    except (TypeError, ValueError):
        raise ValueError(
            f"{who}: norm_type must be a number > 0 or inf, got {norm_type!r}"
        ) from None
    if not value > 0:  # also rejects nan
        raise ValueError(f"{who}: norm_type must be a number > 0 or inf, got {norm_type!r}")
    return value


def _array_norm(g: Any, p: float) -> float:
    """The ``p``-norm of all elements of ``g``, as a Python float."""
    xp = get_array_module(g)
    if g.size == 0:
        return 0.0
    if p == math.inf:
        return float(max(g.max(), -g.min()))
    if p == 2.0:
        flat = g.reshape(-1)
        return math.sqrt(float(xp.vdot(flat, flat)))
    if p == 1.0:
        return float(xp.abs(g).sum())
    return float((xp.abs(g) ** p).sum()) ** (1.0 / p)


def _device_power_sum(xp: Any, g: Any, p: float) -> Any:
    """``sum |g|^p`` (the largest ``|g|`` for ``p = inf``) as a 0-d array on ``g``'s GPU."""
    if g.size == 0:
        return xp.zeros((), dtype=g.dtype)
    if p == math.inf:
        return xp.abs(g).max()
    if p == 2.0:
        flat = g.reshape(-1)
        return xp.vdot(flat, flat)
    if p == 1.0:
        return xp.abs(g).sum()
    return (xp.abs(g) ** p).sum()


def _on_one_gpu(items: list[Tensor]) -> Any:
    """CuPy when every tensor lives on the same GPU (norms can stay there), else None."""
    xp = get_array_module(items[0].array)
    if xp is np:
        return None
    dev = items[0].array.device.id
    for t in items:
        if not is_cupy_array(t.array) or t.array.device.id != dev:
            return None
    return xp


def get_total_norm(
    tensors: Params,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    """The norm of all elements of ``tensors``, as if they were concatenated into one vector.

    Parameters
    ----------
    tensors : Tensor or iterable of Tensor
        Typically ``[p.grad for p in model.parameters() if p.grad is not None]``.
    norm_type : float, default 2.0
        Order of the norm (> 0, or ``float("inf")`` / ``"inf"`` for the largest
        absolute value).
    error_if_nonfinite : bool, default False
        Raise a ``RuntimeError`` when the norm is nan or inf.
    foreach : bool, optional
        PyTorch's choice of kernel; accepted, the result is the same.

    Returns
    -------
    Tensor, shape ()
        The norm, in the dtype of the first tensor (0.0 when there are none).
        When every tensor is on one GPU the norm stays there (no read-back;
        ``float(norm)`` waits for the GPU).
    """
    who = "get_total_norm"
    items = _tensors(who, tensors)
    p = _norm_type(who, norm_type)
    if not items:
        return Tensor(np.zeros((), dtype=np.float32))
    xp = _on_one_gpu(items)
    if xp is not None:  # computed on the GPU, no read-back unless error_if_nonfinite
        parts = xp.stack([_device_power_sum(xp, t.array, p).astype(items[0].dtype) for t in items])
        total_d = parts.max() if p == math.inf else parts.sum() ** (1.0 / p)
        if error_if_nonfinite and not bool(xp.isfinite(total_d)):
            raise RuntimeError(
                f"{who}: the total norm of order {norm_type} is non-finite "
                f"({float(total_d)}), so the gradients cannot be clipped; pass "
                "error_if_nonfinite=False to scale them by it anyway"
            )
        return Tensor(total_d)
    norms = [_array_norm(t.array, p) for t in items]
    if any(math.isnan(n) for n in norms):
        total = math.nan
    elif p == math.inf:
        total = max(norms)
    else:
        total = math.fsum(n**p for n in norms) ** (1.0 / p)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(
            f"{who}: the total norm of order {norm_type} is non-finite ({total}), so the "
            "gradients cannot be clipped; pass error_if_nonfinite=False to scale them by it anyway"
        )
    return Tensor(np.asarray(total, dtype=items[0].dtype))


def clip_grads_with_norm_(
    parameters: Params, max_norm: float, total_norm: Any, foreach: bool | None = None
) -> None:
    """Scale gradients in place by ``min(1, max_norm / (total_norm + 1e-6))``.

    Parameters
    ----------
    parameters : Tensor or iterable of Tensor
        Parameters whose ``.grad`` to scale (those without one are skipped).
    max_norm : float
        Largest allowed norm (>= 0).
    total_norm : float or Tensor
        The norm of the gradients, e.g. from :func:`get_total_norm`.
    foreach : bool, optional
        PyTorch's choice of kernel; accepted, the result is the same.
    """
    who = "clip_grads_with_norm_"
    items = _tensors(who, parameters)
    max_norm = _max_norm(who, max_norm)
    raw = total_norm.array if isinstance(total_norm, Tensor) else total_norm
    if is_cupy_array(raw):  # scale on the GPU by min(1, coef): no read-back
        xp = get_array_module(raw)
        coef = xp.minimum(max_norm / (raw + 1e-6), 1.0)
        for p in items:
            if p.grad is not None:
                p.grad.array *= coef.astype(p.grad.dtype)
        return
    total = float(total_norm)
    coef = max_norm / (total + 1e-6)
    if coef >= 1.0:  # also false for nan: nan scales the gradients, as in PyTorch
        return
    with np.errstate(invalid="ignore"):  # inf * 0 when the norm is inf: nan, as in PyTorch
        for p in items:
            if p.grad is not None:
                p.grad.array *= p.grad.dtype.type(coef)


def _max_norm(who: str, max_norm: Any) -> float:
    if not is_number(max_norm) or not max_norm >= 0:
        raise ValueError(f"{who}: max_norm must be a number >= 0, got {max_norm!r}")
    return float(max_norm)


def clip_grad_norm_(
    parameters: Params,
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    """Rescale gradients in place so their total norm is at most ``max_norm``.

    The norm is taken over all gradients together, as if concatenated into
    one vector; when it exceeds ``max_norm`` every gradient is multiplied by
    ``max_norm / (total_norm + 1e-6)`` (PyTorch's formula).

    Parameters
    ----------
    parameters : Tensor or iterable of Tensor
        Parameters whose ``.grad`` to clip (those without one are skipped).
    max_norm : float
        Largest allowed norm (>= 0).
    norm_type : float, default 2.0
        Order of the norm (> 0, or ``float("inf")``).
    error_if_nonfinite : bool, default False
        Raise a ``RuntimeError`` when the total norm is nan or inf (otherwise
        the gradients are scaled by it and become nan, as in PyTorch).
    foreach : bool, optional
        PyTorch's choice of kernel; accepted, the result is the same.

    Returns
    -------
    Tensor, shape ()
        The total norm of the gradients before clipping (log it to watch
        for exploding gradients).
    """
    who = "clip_grad_norm_"
    items = _tensors(who, parameters)
    max_norm = _max_norm(who, max_norm)
    grads = [p.grad for p in items if p.grad is not None]
    _norm_type(who, norm_type)
    if not grads:
        return Tensor(np.zeros((), dtype=np.float32))
    try:
        total = get_total_norm(grads, norm_type, error_if_nonfinite)
    except RuntimeError as exc:
        raise RuntimeError(str(exc).replace("get_total_norm", who, 1)) from None
    clip_grads_with_norm_(items, max_norm, total)
    return total


def clip_grad_value_(parameters: Params, clip_value: float, foreach: bool | None = None) -> None:
    """Clamp every gradient element to ``[-clip_value, clip_value]``, in place.

    Parameters
    ----------
    parameters : Tensor or iterable of Tensor
        Parameters whose ``.grad`` to clip (those without one are skipped).
    clip_value : float
        Largest allowed absolute value (>= 0).
    foreach : bool, optional
        PyTorch's choice of kernel; accepted, the result is the same.
    """
    who = "clip_grad_value_"
    items = _tensors(who, parameters)
    if not is_number(clip_value) or not clip_value >= 0:
        raise ValueError(f"{who}: clip_value must be a number >= 0, got {clip_value!r}")
    for p in items:
        if p.grad is not None:
            g = p.grad.array
            c = g.dtype.type(clip_value)
            get_array_module(g).clip(g, -c, c, out=g)


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """All parameters flattened and concatenated into one vector (differentiable).

    Parameters
    ----------
    parameters : iterable of Tensor

    Returns
    -------
    Tensor, shape (total number of elements,)
        A new array; gradients flow back to the parameters.
    """
    items = _tensors("parameters_to_vector", parameters)
    if not items:
        raise ValueError("parameters_to_vector: got no parameters")
    return concat([p.reshape(-1) for p in items])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Make each parameter a view of its consecutive slice of ``vec`` (the inverse of
    :func:`parameters_to_vector`).

    As in PyTorch (``param.data = vec[i:j].view_as(param)``), the parameters then share
    ``vec``'s memory and dtype: a later in-place change of ``vec`` reaches them, and an
    in-place update of a parameter (an optimizer step) changes ``vec``.

    Parameters
    ----------
    vec : Tensor, shape (total number of elements,)
    parameters : iterable of Tensor
    """
    who = "vector_to_parameters"
    if not isinstance(vec, Tensor):
        raise TypeError(f"{who}: expected vec to be a Tensor, got {type(vec).__name__}")
    items = _tensors(who, parameters)
    total = sum(p.numel() for p in items)
    if vec.ndim != 1 or vec.numel() != total:
        raise ValueError(
            f"{who}: vec must have shape ({total},) to fill {len(items)} parameters, "
            f"got {vec.shape}"
        )
    data = vec.array
    start = 0
    for p in items:
        stop = start + p.numel()
        p.array = data[start:stop].reshape(p.shape)
        start = stop
