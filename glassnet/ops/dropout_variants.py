"""Channel dropout (``dropout1d/2d/3d``) and alpha dropout, built on the dropout op.

Channel dropout draws one keep-or-drop per channel of each sample and
broadcasts it over the spatial axes, so whole feature maps are zeroed (useful
when neighbouring activations are strongly correlated, Tompson et al., 2015).
Alpha dropout keeps the mean and variance of SELU activations: dropped units
take SELU's negative saturation value and the result is rescaled
(Klambauer et al., 2017), with PyTorch's constants.
"""

from __future__ import annotations

import warnings

import numpy as np

from .._validate import is_number
from ..backend import device_of, to_device
from ..random import get_rng
from ..tensor import Tensor
from .dropout import Dropout, dropout_mask

__all__ = ["dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout"]

#: ``-SELU_scale * SELU_alpha``: the value SELU saturates to, negated.
_SELU_NEG = 1.7580993408473766


def _check_p(who: str, p: float) -> float:
    if not is_number(p) or not 0.0 <= p <= 1.0:
        raise ValueError(f"{who}: p must be a probability in [0, 1], got {p!r}")
    return float(p)


def _channel_dropout(who: str, x: Tensor, p: float, training: bool, batched_rank: int) -> Tensor:
    p = _check_p(who, p)
    if x.ndim not in (batched_rank - 1, batched_rank):
        raise ValueError(
            f"{who}: expected a {batched_rank - 1}-D (unbatched) or {batched_rank}-D input, "
            f"got shape {x.shape}"
        )
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return x * 0.0
    lead = 1 if x.ndim == batched_rank - 1 else 2
    shape = tuple(x.shape[:lead]) + (1,) * (x.ndim - lead)
    return Dropout.apply(x, mask=dropout_mask(x.array, p, shape=shape))


def dropout1d(x: Tensor, p: float = 0.5, training: bool = True) -> Tensor:
    """Zero whole channels of ``(N, C, L)`` or ``(C, L)`` input with probability ``p``."""
    return _channel_dropout("dropout1d", x, p, training, 3)


def dropout2d(x: Tensor, p: float = 0.5, training: bool = True) -> Tensor:
    """Zero whole channels of ``(N, C, H, W)`` or ``(C, H, W)`` input with probability ``p``.

    As in PyTorch, a 3-D input is read as ``(N, C, L)`` (1-D channel dropout) with a warning.
    """
    if x.ndim == 3:
        warnings.warn(
            "dropout2d: received a 3-D input; as PyTorch, glassnet treats it as (N, C, L) and "
            "drops 1-D channels; use dropout1d for that, or add a batch axis",
            UserWarning,
            stacklevel=2,
        )
        return _channel_dropout("dropout2d", x, p, training, 3)
    if x.ndim == 2 or x.ndim > 4:
        warnings.warn(
            f"dropout2d: received a {x.ndim}-D input; as PyTorch (which deprecates this), "
            "glassnet drops each (sample, channel) entry of axes 0 and 1 with probability p, so a "
            "2-D (N, C) input gets plain element-wise dropout; use dropout for that",
            UserWarning,
            stacklevel=2,
        )
        return _channel_dropout("dropout2d", x, p, training, x.ndim)
    return _channel_dropout("dropout2d", x, p, training, 4)


def dropout3d(x: Tensor, p: float = 0.5, training: bool = True) -> Tensor:
    """Zero whole channels of ``(N, C, D, H, W)`` or ``(C, D, H, W)`` input."""
    return _channel_dropout("dropout3d", x, p, training, 5)


def _alpha(who: str, x: Tensor, p: float, training: bool, shape: tuple) -> Tensor:
    p = _check_p(who, p)
    if not training or p == 0.0:
        return x
    keep = get_rng().random(shape, dtype=np.float32) >= p
    if x.xp is not np:
        keep = to_device(keep, device_of(x.array))
    a = 1.0 / np.sqrt((_SELU_NEG**2 * p + 1.0) * (1.0 - p)) if p < 1.0 else 0.0
    dt = x.dtype.type
    mask = keep.astype(x.dtype) * dt(a)
    shift = (keep.astype(x.dtype) - dt(1)) * dt(_SELU_NEG * a) + dt(_SELU_NEG * a * p)
    return Dropout.apply(x, mask=mask) + Tensor(shift)


def alpha_dropout(x: Tensor, p: float = 0.5, training: bool = False) -> Tensor:
    """Alpha dropout of every element (SELU networks); identity unless ``training``."""
    return _alpha("alpha_dropout", x, p, training, tuple(x.shape))


def feature_alpha_dropout(x: Tensor, p: float = 0.5, training: bool = False) -> Tensor:
    """Alpha dropout of whole channels (axis 1)."""
    if x.ndim < 2:
        raise ValueError(f"feature_alpha_dropout: expected (N, C, *) input, got shape {x.shape}")
    shape = tuple(x.shape[:2]) + (1,) * (x.ndim - 2)
    return _alpha("feature_alpha_dropout", x, p, training, shape)
