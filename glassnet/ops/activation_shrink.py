"""PyTorch's remaining elementwise activations, written with other ops.

``threshold``, ``hardshrink``, ``softshrink``, ``tanhshrink``, ``glu`` and
``rrelu``: each is a few existing differentiable ops, so its gradient, CuPy
path and ONNX export come from them. Gradients at the kinks are PyTorch's
(the comparisons are strict, so the gradient is 0 *at* a threshold); the comparisons are
:mod:`~glassnet.ops.logic` ops, so an ONNX export computes them from the input.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..random import get_rng
from ..tensor import Tensor
from . import activation as A
from . import arithmetic as M
from . import logic as _logic
from . import shape as S

__all__ = ["threshold", "hardshrink", "softshrink", "tanhshrink", "glu", "rrelu"]


def _number(who: str, name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
        raise TypeError(f"{who}: {name} must be a number, got {value!r}")
    return float(value)


def threshold(x: Tensor, threshold: float, value: float) -> Tensor:  # noqa: A002
    """``x`` where ``x > threshold``, else ``value`` (PyTorch's ``F.threshold``).

    Parameters
    ----------
    x : Tensor, shape (*)
    threshold : float
    value : float

    Returns
    -------
    Tensor, shape (*)
    """
    t = _number("threshold", "threshold", threshold)
    v = _number("threshold", "value", value)
    out = M.where(_logic.compare(x, t, "__le__"), v, x)  # NaN is kept, as torch's
    # an integer input keeps its dtype, as torch's (the value is cast to it)
    return M.cast(out, x.dtype) if np.dtype(x.dtype).kind in "iub" else out


def _lambd(who: str, lambd: Any) -> float:
    lam = _number(who, "lambd", lambd)
    if lam < 0:
        raise ValueError(f"{who}: lambd must be >= 0, got {lambd!r}")
    return lam


def hardshrink(x: Tensor, lambd: float = 0.5) -> Tensor:
    """``x`` where ``|x| > lambd``, else 0. Shape ``(*)`` to ``(*)``."""
    lam = _lambd("hardshrink", lambd)
    return M.where(_logic.compare(M.abs(x), lam, "__le__"), 0.0, x)  # NaN is kept, as torch's


def softshrink(x: Tensor, lambd: float = 0.5) -> Tensor:
    """``x - lambd`` above ``lambd``, ``x + lambd`` below ``-lambd``, else 0. Shape ``(*)``."""
    lam = _lambd("softshrink", lambd)
    above, below = _logic.compare(x, lam, "__gt__"), _logic.compare(x, -lam, "__lt__")
    inside = _logic.compare(M.abs(x), lam, "__le__")  # NaN is neither: kept, as torch's
    return M.where(above, x - lam, M.where(below, x + lam, M.where(inside, 0.0, x)))


def tanhshrink(x: Tensor) -> Tensor:
    """``x - tanh(x)``. Shape ``(*)`` to ``(*)``."""
    return x - A.tanh(x)


def glu(x: Tensor, dim: int = -1) -> Tensor:
    """Gated linear unit: ``a * sigmoid(b)`` where ``a, b`` are the halves of ``x`` along ``dim``.

    Parameters
    ----------
    x : Tensor, shape (*, 2 * M, *)
    dim : int, default -1

    Returns
    -------
    Tensor, shape (*, M, *)
    """
    if x.ndim == 0:
        raise ValueError("glu: does not take a 0-dim tensor")
    axis = S._axis(dim, x.ndim, "glu")
    if x.shape[axis] % 2:
        raise ValueError(
            f"glu: halving only works on an even size, got size {x.shape[axis]} at dim {dim}"
        )
    a, b = S.split(x, x.shape[axis] // 2, axis)
    return a * A.sigmoid(b)


def rrelu(
    x: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False, rng: Any = None
) -> Tensor:
    """Randomised leaky ReLU (PyTorch's ``F.rrelu``).

    In training each negative entry is scaled by its own slope drawn uniformly from
    ``[lower, upper]`` (from glassnet's global generator unless ``rng`` is given);
    in evaluation the slope is ``(lower + upper) / 2``.

    Parameters
    ----------
    x : Tensor, shape (*)
    lower, upper : float
    training : bool, default False
    rng : numpy.random.Generator, optional

    Returns
    -------
    Tensor, shape (*)
    """
    lo, hi = _number("rrelu", "lower", lower), _number("rrelu", "upper", upper)
    if lo > hi:
        raise ValueError(f"rrelu: lower ({lower}) must be <= upper ({upper})")
    if not training:
        return A.leaky_relu(x, (lo + hi) / 2)
    gen = rng if rng is not None else get_rng()
    slopes = gen.uniform(lo, hi, size=x.shape).astype(x.dtype)
    slopes = x.xp.asarray(slopes) if x.xp is not np else slopes
    return M.where(_logic.compare(x, 0.0, "__gt__"), x, x * slopes)
