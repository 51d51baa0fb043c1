"""Activation functions: sigmoid, tanh, ReLU family, ELU, GELU, softplus, softmax, log-softmax."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..autograd.function import Function
from ..backend import default_dtype, get_array_module
from ..tensor import Tensor
from .arithmetic import cast, where
from .special import Erf

__all__ = [
    "sigmoid", "tanh", "relu", "leaky_relu", "elu", "gelu", "softplus", "silu",
    "softmax", "log_softmax", "erf", "softmax_backward",
]  # fmt: skip

_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_INV_SQRT_2 = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_erf64 = np.frompyfunc(math.erf, 1, 1)


def erf(x: Any) -> Any:
    """The error function on an array.

    float64 input is exact to double precision (``math.erf``); other dtypes
    use a rational approximation with relative error below 1.2e-7, finer than
    float32 resolves. On a GPU it is CuPy's own ``erf`` (one kernel, exact
    for both dtypes).
    """
    xp = get_array_module(x)
    if xp is not np:
        from cupyx.scipy.special import erf as _cupy_erf

        return _cupy_erf(x)
    if x.dtype == np.float64:
        return np.asarray(_erf64(x), dtype=np.float64)
    # Numerical Recipes' erfc Chebyshev fit, |relative error| < 1.2e-7
    z = xp.abs(x)
    t = 1.0 / (1.0 + 0.5 * z)
    poly = -z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (
        -0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (
            -0.82215223 + t * 0.17087277))))))))  # fmt: skip
    ans = 1.0 - t * xp.exp(poly)
    return xp.where(x >= 0, ans, -ans).astype(x.dtype, copy=False)


class Sigmoid(Function):
    def forward(self, a: Any) -> Any:
        xp = get_array_module(a)
        # stable for large |a|: exp of a non-positive number only
        e = xp.exp(-xp.abs(a))
        out = xp.where(a >= 0, 1 / (1 + e), e / (1 + e)).astype(a.dtype, copy=False)
        if self.requires_grad:
            self.out = out
        return out

    def backward(self, g: Any) -> Any:
        s = self.out
        return g * s * (1 - s)

    def backward_graph(self, g: Any) -> Any:
        s = Sigmoid.apply(self.inputs[0])
        return g * s * (1 - s)


class Tanh(Function):
    def forward(self, a: Any) -> Any:
        out = get_array_module(a).tanh(a)
        if self.requires_grad:
            self.out = out
        return out

    def backward(self, g: Any) -> Any:
        return g * (1 - self.out * self.out)

    def backward_graph(self, g: Any) -> Any:
        t = Tanh.apply(self.inputs[0])
        return g * (1 - t * t)


class ReLU(Function):
    def forward(self, a: Any) -> Any:
        out = get_array_module(a).maximum(a, 0)
        if self.requires_grad:
            self.out = out
        return out

    def backward(self, g: Any) -> Any:
        return g * (self.out > 0)

    def backward_graph(self, g: Any) -> Any:
        return g * (self.out > 0).astype(g.dtype)


class LeakyReLU(Function):
    def forward(self, a: Any, slope: float = 0.01) -> Any:
        xp = get_array_module(a)
        self.slope = slope
        if self.requires_grad:
            self.pos = a > 0
        return xp.where(a > 0, a, a * a.dtype.type(slope))

    def backward(self, g: Any) -> Any:
        xp = get_array_module(g)
        return xp.where(self.pos, g, g * g.dtype.type(self.slope))

    def backward_graph(self, g: Any) -> Any:
        xp = get_array_module(self.pos)
        return g * xp.where(self.pos, 1, self.slope).astype(g.dtype)


class ELU(Function):
    def forward(self, a: Any, alpha: float = 1.0) -> Any:
        xp = get_array_module(a)
        neg = alpha * xp.expm1(xp.minimum(a, 0))
        out = xp.where(a > 0, a, neg).astype(a.dtype, copy=False)
        if self.requires_grad:
            self.pos, self.neg, self.alpha = a > 0, neg, alpha
        return out

    def backward(self, g: Any) -> Any:
        xp = get_array_module(g)
        return xp.where(self.pos, g, g * (self.neg + self.alpha))

    def backward_graph(self, g: Any) -> Any:
        a = self.inputs[0]
        negative_side = g * (a.clamp(max=0).exp() * self.alpha)
        return where(self.pos, g, negative_side)


class GELU(Function):
    def forward(self, a: Any, approximate: str = "none") -> Any:
        xp = get_array_module(a)
        self.approximate = approximate
        if approximate == "tanh":
            inner = _SQRT_2_OVER_PI * (a + 0.044715 * a**3)
            th = xp.tanh(inner)
            out = 0.5 * a * (1 + th)
            if self.requires_grad:
                self.a, self.th = a, th
        else:
            cdf = 0.5 * (1 + erf(a * _INV_SQRT_2))
            out = a * cdf
            if self.requires_grad:
                self.a, self.cdf = a, cdf
        return out.astype(a.dtype, copy=False)

    def backward(self, g: Any) -> Any:
        xp = get_array_module(g)
        a = self.a
        if self.approximate == "tanh":
            th = self.th
            d_inner = _SQRT_2_OVER_PI * (1 + 3 * 0.044715 * a * a)
            d = 0.5 * (1 + th) + 0.5 * a * (1 - th * th) * d_inner
        else:
            d = self.cdf + a * _INV_SQRT_2PI * xp.exp(-0.5 * a * a)
        return g * d

    def backward_graph(self, g: Any) -> Any:
        a = self.inputs[0]
        if self.approximate == "tanh":
            th = Tanh.apply((a + a * a * a * 0.044715) * _SQRT_2_OVER_PI)
            d_inner = (a * a * (3 * 0.044715) + 1) * _SQRT_2_OVER_PI
            d = (th + 1) * 0.5 + a * (1 - th * th) * d_inner * 0.5
        else:
            cdf = (Erf.apply(a * _INV_SQRT_2) + 1) * 0.5
            d = cdf + a * (a * a * -0.5).exp() * _INV_SQRT_2PI
        return g * d


class Softplus(Function):
    def forward(self, a: Any, beta: float = 1.0, threshold: float = 20.0) -> Any:
        xp = get_array_module(a)
        z = beta * a
        out = xp.where(z > threshold, a, xp.logaddexp(0, z) / beta).astype(a.dtype, copy=False)
        if self.requires_grad:
            self.z, self.threshold, self.beta = z, threshold, beta
        return out

    def backward(self, g: Any) -> Any:
        xp = get_array_module(g)
        z = self.z
        sig = 1 / (1 + xp.exp(-xp.clip(z, -60, 60)))
        return g * xp.where(z > self.threshold, 1, sig)

    def backward_graph(self, g: Any) -> Any:
        sig = Sigmoid.apply(self.inputs[0] * self.beta)
        return g * where(self.z > self.threshold, 1.0, sig)


class SiLU(Function):
    def forward(self, a: Any) -> Any:
        xp = get_array_module(a)
        with np.errstate(over="ignore"):  # exp(-a) -> inf far below 0: s = 0, as in torch
            s = 1 / (1 + xp.exp(-a))
        if self.requires_grad:
            self.a, self.s = a, s
        return (a * s).astype(a.dtype, copy=False)

    def backward(self, g: Any) -> Any:
        s = self.s
        return g * (s * (1 + self.a * (1 - s)))

    def backward_graph(self, g: Any) -> Any:
        a = self.inputs[0]
        s = Sigmoid.apply(a)
        return g * (s * (1 + a * (1 - s)))


def softmax_backward(s: Any, g: Any, axis: int) -> Any:
    """The gradient of a softmax's input from its output's: ``s * (g - sum(g * s))``.

    The one definition used by every op that ends in a softmax (``Softmax``,
    attention's masked softmax and attention weights). Positions where ``s`` is 0
    (masked out) get 0.

    Parameters
    ----------
    s : ndarray
        The softmax's output (probabilities summing to 1 along ``axis``, or all 0).
    g : ndarray, same shape as ``s``
        Gradient with respect to ``s`` (read only).
    axis : int
        The axis the softmax normalised over.

    Returns
    -------
    ndarray, same shape as ``s``
        A new array (callers may update it in place).
    """
    out = g - (g * s).sum(axis=axis, keepdims=True)
    out *= s
    return out


class Softmax(Function):
    def forward(self, a: Any, axis: int = -1) -> Any:
        xp = get_array_module(a)
        e = xp.exp(a - a.max(axis=axis, keepdims=True))
        out = e / e.sum(axis=axis, keepdims=True)
        if self.requires_grad:
            self.out, self.axis = out, axis
        return out

    def backward(self, g: Any) -> Any:
        return softmax_backward(self.out, g, self.axis)

    def backward_graph(self, g: Any) -> Any:
        s = Softmax.apply(self.inputs[0], axis=self.axis)
        return s * (g - (g * s).sum(dim=self.axis, keepdim=True))


class LogSoftmax(Function):
    def forward(self, a: Any, axis: int = -1) -> Any:
        xp = get_array_module(a)
        shifted = a - a.max(axis=axis, keepdims=True)
        out = shifted - xp.log(xp.exp(shifted).sum(axis=axis, keepdims=True))
        if self.requires_grad:
            self.out, self.axis = out, axis
        return out

    def backward(self, g: Any) -> Any:
        xp = get_array_module(g)
        return g - xp.exp(self.out) * g.sum(axis=self.axis, keepdims=True)

    def backward_graph(self, g: Any) -> Any:
        out = LogSoftmax.apply(self.inputs[0], axis=self.axis)
        return g - out.exp() * g.sum(dim=self.axis, keepdim=True)


def _float_input(a: Tensor, who: str, promote: bool = False) -> Tensor:
    """``a`` when floating; integer/boolean input as the default float dtype (``promote``, as
    torch's ``sigmoid``/``tanh`` do) or refused, as torch refuses it, not computed in ints."""
    if a.dtype.kind in "fc":
        return a
    if promote:
        return cast(a, default_dtype())
    raise NotImplementedError(
        f"{who}: not implemented for integer or boolean tensors, got dtype {a.dtype} "
        "(as in torch); cast first, e.g. x.float()"
    )


def sigmoid(a: Tensor) -> Tensor:
    """Logistic function ``1 / (1 + exp(-a))``, the perceptron's activation."""
    return Sigmoid.apply(_float_input(a, "sigmoid", promote=True))


def tanh(a: Tensor) -> Tensor:
    """Hyperbolic tangent."""
    return Tanh.apply(_float_input(a, "tanh", promote=True))


def relu(a: Tensor) -> Tensor:
    """``max(a, 0)``; the gradient at 0 is 0 (as in PyTorch)."""
    return ReLU.apply(a)


def leaky_relu(a: Tensor, negative_slope: float = 0.01) -> Tensor:
    """``a`` where positive, ``negative_slope * a`` elsewhere."""
    return LeakyReLU.apply(_float_input(a, "leaky_relu"), slope=float(negative_slope))


def elu(a: Tensor, alpha: float = 1.0) -> Tensor:
    """``a`` where positive, ``alpha * (exp(a) - 1)`` elsewhere."""
    return ELU.apply(_float_input(a, "elu"), alpha=float(alpha))


def gelu(a: Tensor, approximate: str = "none") -> Tensor:
    """Gaussian error linear unit ``a * Phi(a)``; ``approximate='tanh'`` for the tanh form."""
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return GELU.apply(_float_input(a, "gelu"), approximate=approximate)


def softplus(a: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """``log(1 + exp(beta * a)) / beta``, linear above ``threshold``."""
    return Softplus.apply(_float_input(a, "softplus"), beta=float(beta), threshold=float(threshold))


def silu(a: Tensor) -> Tensor:
    """``a * sigmoid(a)`` (swish)."""
    return SiLU.apply(_float_input(a, "silu"))


def softmax(a: Tensor, axis: int = -1) -> Tensor:
    """Normalised exponentials along ``axis`` (stable: the max is subtracted first)."""
    if a.numel() == 0:  # nothing to normalise: an empty result, as torch
        return _float_input(a, "softmax") * 1
    return Softmax.apply(_float_input(a, "softmax"), axis=axis)


def log_softmax(a: Tensor, axis: int = -1) -> Tensor:
    """``log(softmax(a))`` computed stably."""
    if a.numel() == 0:
        return _float_input(a, "log_softmax") * 1
    return LogSoftmax.apply(_float_input(a, "log_softmax"), axis=axis)
