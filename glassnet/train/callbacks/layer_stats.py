"""Per-layer statistics of a model: the one place that computes them.

:class:`~glassnet.train.callbacks.LayerDiagnostics` (activations, gradients and
updates every few steps) and :class:`~glassnet.train.callbacks.TrainingHealth`
(weights at the start and end of ``fit``) both read their figures here, so a
norm or an RMS means the same in both. Every function takes NumPy or CuPy
arrays and sums in float64.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from ...backend import get_array_module

__all__ = [
    "norm", "rms", "max_abs", "total_norm", "update_ratio", "activation_stats", "layers",
    "own_parameters", "weight_matrices", "RELUS",
]  # fmt: skip

#: Layer types whose outputs count dead units (``dead_frac``).
RELUS = ("ReLU", "ReLU6")


def _f64(a: Any) -> Any:
    return a.astype(np.float64)


def norm(a: Any) -> float:
    """The 2-norm of an array of any shape (0 for an empty one)."""
    xp = get_array_module(a)
    return float(xp.sqrt(xp.sum(xp.square(_f64(a)))))


def rms(a: Any) -> float:
    """The root-mean-square of an array's entries (0 for an empty one)."""
    if a.size == 0:
        return 0.0
    xp = get_array_module(a)
    return float(xp.sqrt(xp.mean(xp.square(_f64(a)))))


def max_abs(a: Any) -> float:
    """The largest absolute entry (0 for an empty one)."""
    xp = get_array_module(a)
    return float(xp.max(xp.abs(a))) if a.size else 0.0


def total_norm(arrays: Iterable[Any]) -> float:
    """The 2-norm of several arrays taken as one vector (a layer's parameters, their gradients)."""
    return math.sqrt(sum(norm(a) ** 2 for a in arrays))


def update_ratio(before: list[Any], after: list[Any]) -> float | None:
    """``||after - before|| / ||before||`` over a layer's parameters; None when ``before`` is 0.

    Parameters
    ----------
    before, after : list of arrays, the same shapes pairwise
    """
    w0 = total_norm(before)
    if w0 <= 0:
        return None
    return total_norm(a - b for a, b in zip(after, before)) / w0


def activation_stats(kind: str, out: Any) -> dict[str, float]:
    """``act_mean``, ``act_std`` and, for a ReLU layer, ``dead_frac`` of a layer's output.

    Parameters
    ----------
    kind : str
        The layer's class name (``"ReLU"`` counts dead units).
    out : Tensor
        Its output ``(N, *)``; a unit is dead when it is ``<= 0`` for all ``N`` examples.

    Returns
    -------
    dict
        Empty when the output is not a non-empty floating-point tensor.
    """
    data = getattr(out, "array", None)
    if data is None or not hasattr(data, "dtype") or data.dtype.kind != "f" or data.size == 0:
        return {}
    xp = get_array_module(data)
    stats = {"act_mean": float(xp.mean(data)), "act_std": float(xp.std(data))}
    if kind in RELUS and data.ndim >= 1:
        units = data.reshape(data.shape[0], -1) if data.ndim > 1 else data.reshape(1, -1)
        stats["dead_frac"] = float(xp.mean(xp.all(units <= 0, axis=0)))
    return stats


def layers(model: Any) -> list[tuple[str, Any]]:
    """The model's layers by name: modules without children, or with parameters of their own."""
    return [
        (name, m) for name, m in model.named_modules() if name and (not m._modules or m._parameters)
    ]


def own_parameters(module: Any) -> list[Any]:
    """A module's own trainable parameters (not its children's)."""
    return [p for p in module._parameters.values() if p is not None and p.requires_grad]


def weight_matrices(model: Any) -> list[tuple[str, Any]]:
    """``(name, parameter)`` of every parameter with 2 or more dimensions (weights, kernels)."""
    if model is None or not hasattr(model, "named_parameters"):
        return []
    return [(n, p) for n, p in model.named_parameters() if len(p.shape) >= 2]
