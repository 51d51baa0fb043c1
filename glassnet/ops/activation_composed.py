"""Activations written with other ops (no ``Function`` of their own).

Each is one line of existing differentiable ops, so its gradient, CuPy path
and ONNX export come from them. Where PyTorch's gradient at a kink differs
from what the plain composition would give (``hardtanh`` is flat *at* its
bounds), an op's variant gives PyTorch's (``clip_open``).
"""

from __future__ import annotations

import warnings

from ..tensor import Tensor
from . import activation as A
from . import arithmetic as M
from . import logic as _logic

__all__ = [
    "hardtanh", "relu6", "hardsigmoid", "hardswish", "mish", "logsigmoid", "softmin", "prelu",
    "selu", "celu", "softsign", "implicit_softmax_dim",
]  # fmt: skip

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def hardtanh(x: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """``x`` clipped to ``[min_val, max_val]``; the gradient is 1 strictly inside, 0 elsewhere.

    A clip (the values are ``x`` itself inside: no bits lost to shifting by a bound) whose
    gradient is PyTorch's, 0 *at* the bounds too (:func:`glassnet.ops.arithmetic.clip_open`).
    """
    if max_val < min_val:
        raise ValueError(f"hardtanh: max_val ({max_val}) must be >= min_val ({min_val})")
    out = M.clip_open(x, min_val, max_val)
    # an integer input keeps its dtype, as torch's (relu6 of int64 is int64)
    return M.cast(out, x.dtype) if out.dtype != x.dtype and x.dtype.kind in "iu" else out


def relu6(x: Tensor) -> Tensor:
    """``min(max(x, 0), 6)``."""
    return hardtanh(x, 0.0, 6.0)


def hardsigmoid(x: Tensor) -> Tensor:
    """``clip(x + 3, 0, 6) / 6``, PyTorch's formula; the gradient is ``1/6`` strictly inside ``(-3, 3)``."""
    return M.clip_open(x + 3.0, 0.0, 6.0) / 6.0


def hardswish(x: Tensor) -> Tensor:
    """``x * clip(x + 3, 0, 6) / 6`` (MobileNetV3), PyTorch's formula.

    The clip's slope is 0 *at* its bounds, so the gradient is PyTorch's: 0 for ``x <= -3``,
    ``x / 3 + 1/2`` strictly between, 1 for ``x >= 3``.
    """
    return x * M.clip_open(x + 3.0, 0.0, 6.0) / 6.0


def mish(x: Tensor) -> Tensor:
    """``x * tanh(softplus(x))`` (Misra, 2019)."""
    return x * A.tanh(A.softplus(x))


def logsigmoid(x: Tensor) -> Tensor:
    """``log(sigmoid(x)) = -softplus(-x)``, stable for large ``|x|``."""
    return -A.softplus(-x)


def implicit_softmax_dim(name: str, ndim: int) -> int:
    """PyTorch's legacy choice of axis when ``dim`` is not given (0 for 0-, 1- and 3-D input, else 1)."""
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated (as in PyTorch); "
        "pass dim= explicitly",
        UserWarning,
        stacklevel=3,
    )
    return 0 if ndim in (0, 1, 3) else 1


def softmin(x: Tensor, dim: int | None = None) -> Tensor:
    """``softmax(-x)`` along ``dim``."""
    if dim is None:
        dim = implicit_softmax_dim("softmin", x.ndim)
    return A.softmax(-x, dim)


def prelu(x: Tensor, weight: Tensor) -> Tensor:
    """``x`` where positive, ``weight * x`` elsewhere, one slope per channel (axis 1) or one for all.

    Parameters
    ----------
    x : Tensor, shape (N, C, *); 0- and 1-D inputs have one channel (as in PyTorch)
    weight : Tensor, shape (C,) or (1,)
    """
    if weight.ndim != 1:
        raise ValueError(f"prelu: weight must be 1-D, got shape {weight.shape}")
    channels = x.shape[1] if x.ndim >= 2 else 1
    if weight.shape[0] not in (1, channels):
        raise ValueError(
            f"prelu: weight has {weight.shape[0]} slopes, the input has {channels} channels "
            f"(shape {x.shape}); use 1 or {channels}"
        )
    w = weight
    if x.ndim >= 2 and weight.shape[0] > 1:
        w = weight.reshape((weight.shape[0],) + (1,) * (x.ndim - 2))
    elif x.ndim == 0:
        w = weight.reshape(())
    # w x + (1 - w) relu(x): x where positive, w x elsewhere; the slope at 0 is w, as in
    # PyTorch, and the weight's gradient is min(x, 0)
    return w * x + (1.0 - w) * A.relu(x)


def selu(x: Tensor) -> Tensor:
    """``scale * (max(0, x) + min(0, alpha * (exp(x) - 1)))`` with the self-normalising constants."""
    return _SELU_SCALE * A.elu(x, _SELU_ALPHA)


def celu(x: Tensor, alpha: float = 1.0) -> Tensor:
    """``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``."""
    if alpha == 0:
        raise ValueError("celu: alpha must not be 0")
    # exp of the non-positive part only: exp(x / alpha) overflows for large x (a NaN gradient);
    # the slope at 0 is exp(0) = 1, PyTorch's
    positive = _logic.compare(x, 0.0, "__gt__")  # a graph node while an exporter traces
    negative = M.where(positive, 0.0, x)
    return M.where(positive, x, alpha * (M.exp(negative / alpha) - 1.0))


def softsign(x: Tensor) -> Tensor:
    """``x / (1 + |x|)``."""
    return x / (M.abs(x) + 1.0)
