"""Parameter initialisation, in place: Xavier/Glorot and He/Kaiming (uniform and normal), constants.

Each function takes a tensor, fills its data from glassnet's global generator
(or ``rng``) and returns it. Fan-in and fan-out follow PyTorch: for a weight
of shape ``(out, in, *kernel)``, ``fan_in = in * prod(kernel)`` and
``fan_out = out * prod(kernel)``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..backend import to_device
from ..random import get_rng
from ..tensor import Tensor

__all__ = [
    "calculate_gain", "fan_in_and_fan_out", "uniform_", "normal_", "zeros_", "ones_", "constant_",
    "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_", "he_uniform_",
    "he_normal_", "trunc_normal_", "orthogonal_",
]  # fmt: skip


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """Recommended gain for ``nonlinearity`` ('linear', 'sigmoid', 'tanh', 'relu', 'leaky_relu', 'selu')."""
    if nonlinearity in ("linear", "conv1d", "conv2d", "sigmoid", "identity"):
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"calculate_gain: unknown nonlinearity {nonlinearity!r}")


def fan_in_and_fan_out(t: Tensor) -> tuple[int, int]:
    """``(fan_in, fan_out)`` of a weight of shape ``(out, in, *kernel)``."""
    if t.ndim < 2:
        raise ValueError(f"fan_in_and_fan_out: needs a tensor with at least 2 dims, got {t.shape}")
    receptive = int(np.prod(t.shape[2:])) if t.ndim > 2 else 1
    return t.shape[1] * receptive, t.shape[0] * receptive


def _fill(t: Tensor, values: np.ndarray) -> Tensor:
    t.array[...] = to_device(values.astype(t.dtype, copy=False), t.device)
    return t


def _rng(rng: Any) -> np.random.Generator:
    return rng if rng is not None else get_rng()


def uniform_(t: Tensor, a: float = 0.0, b: float = 1.0, rng: Any = None) -> Tensor:
    """Fill ``t`` with samples of ``U(a, b)``."""
    return _fill(t, _rng(rng).uniform(a, b, t.shape))


def normal_(t: Tensor, mean: float = 0.0, std: float = 1.0, rng: Any = None) -> Tensor:
    """Fill ``t`` with samples of ``N(mean, std^2)``."""
    return _fill(t, _rng(rng).normal(mean, std, t.shape))


def trunc_normal_(
    t: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0, b: float = 2.0, rng: Any = None
) -> Tensor:
    """Normal samples redrawn until they fall in ``[a, b]`` (TensorFlow's ``truncated_normal`` uses ±2 std)."""
    g = _rng(rng)
    out = g.normal(mean, std, t.shape)
    bad = (out < a) | (out > b)
    while bad.any():
        out[bad] = g.normal(mean, std, int(bad.sum()))
        bad = (out < a) | (out > b)
    return _fill(t, out)


def zeros_(t: Tensor) -> Tensor:
    """Fill ``t`` with 0."""
    t.array[...] = 0
    return t


def ones_(t: Tensor) -> Tensor:
    """Fill ``t`` with 1."""
    t.array[...] = 1
    return t


def constant_(t: Tensor, value: float) -> Tensor:
    """Fill ``t`` with ``value``."""
    t.array[...] = value
    return t


def xavier_uniform_(t: Tensor, gain: float = 1.0, rng: Any = None) -> Tensor:
    """Glorot uniform: ``U(-a, a)`` with ``a = gain * sqrt(6 / (fan_in + fan_out))``."""
    fi, fo = fan_in_and_fan_out(t)
    a = gain * math.sqrt(6.0 / (fi + fo))
    return uniform_(t, -a, a, rng)


def xavier_normal_(t: Tensor, gain: float = 1.0, rng: Any = None) -> Tensor:
    """Glorot normal: ``N(0, std^2)`` with ``std = gain * sqrt(2 / (fan_in + fan_out))``."""
    fi, fo = fan_in_and_fan_out(t)
    return normal_(t, 0.0, gain * math.sqrt(2.0 / (fi + fo)), rng)


def _kaiming_std(t: Tensor, a: float, mode: str, nonlinearity: str) -> float:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"kaiming init: mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fi, fo = fan_in_and_fan_out(t)
    fan = fi if mode == "fan_in" else fo
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform_(
    t: Tensor,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    rng: Any = None,
) -> Tensor:
    """He uniform: ``U(-b, b)`` with ``b = gain * sqrt(3 / fan)``."""
    bound = math.sqrt(3.0) * _kaiming_std(t, a, mode, nonlinearity)
    return uniform_(t, -bound, bound, rng)


def kaiming_normal_(
    t: Tensor,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    rng: Any = None,
) -> Tensor:
    """He normal: ``N(0, std^2)`` with ``std = gain / sqrt(fan)``."""
    return normal_(t, 0.0, _kaiming_std(t, a, mode, nonlinearity), rng)


def he_uniform_(t: Tensor, rng: Any = None) -> Tensor:
    """He uniform for ReLU networks (``kaiming_uniform_`` with ``nonlinearity='relu'``)."""
    return kaiming_uniform_(t, nonlinearity="relu", rng=rng)


def he_normal_(t: Tensor, rng: Any = None) -> Tensor:
    """He normal for ReLU networks."""
    return kaiming_normal_(t, nonlinearity="relu", rng=rng)


def orthogonal_(t: Tensor, gain: float = 1.0, rng: Any = None) -> Tensor:
    """A (semi-)orthogonal matrix, the rows of ``t`` flattened past the first dim."""
    rows = t.shape[0]
    cols = int(np.prod(t.shape[1:]))
    flat = _rng(rng).standard_normal((max(rows, cols), min(rows, cols)))
    q, r = np.linalg.qr(flat)
    q *= np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return _fill(t, gain * q[:rows, :cols].reshape(t.shape))
