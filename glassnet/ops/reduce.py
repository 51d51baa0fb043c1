"""Reductions: sum, mean, max, min, var, logsumexp, prod, with ``axis`` and ``keepdims``;
and the running sum ``cumsum``, product ``cumprod`` and ``logcumsumexp``."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any

import numpy as np

from .._errors import OutOfRangeError
from ..autograd.function import Function
from ..backend import get_array_module
from ..tensor import Tensor

__all__ = [
    "sum", "mean", "max", "min", "var", "logsumexp", "prod", "cumsum", "cumprod",
    "logcumsumexp", "normalize_axis",
]  # fmt: skip

Axis = int | Sequence[int] | None


def normalize_axis(axis: Axis, ndim: int, who: str = "reduce") -> tuple[int, ...]:
    """Axes as a sorted tuple of non-negative ints (all axes for ``None``).

    A 0-d tensor accepts axis ``0`` or ``-1`` (as in PyTorch) and has no axes to reduce.
    """
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    out = []
    for a in axes:
        if not -builtins.max(ndim, 1) <= a < builtins.max(ndim, 1):
            raise OutOfRangeError(f"{who}: axis {a} is out of range for a tensor with {ndim} dims")
        if ndim:
            out.append(int(a) % ndim)
    if len(set(out)) != len(out):
        raise ValueError(f"{who}: repeated axis in {axis!r}")
    return tuple(sorted(out))


def _expand(g: Any, in_shape: tuple[int, ...], axes: tuple[int, ...], keepdims: bool) -> Any:
    """Reshape a reduced gradient so it broadcasts against the input."""
    if not keepdims:
        shape = list(in_shape)
        for a in axes:
            shape[a] = 1
        g = g.reshape(shape)
    return g


class Sum(Function):
    def forward(self, a: Any, axes: tuple = (), keepdims: bool = False) -> Any:
        self.shape, self.axes, self.keepdims = a.shape, axes, keepdims
        return a.sum(axis=axes, keepdims=keepdims)

    def backward(self, g: Any) -> Any:
        g = _expand(g, self.shape, self.axes, self.keepdims)
        return get_array_module(g).broadcast_to(g, self.shape)

    def backward_graph(self, g: Any) -> Any:
        return _expand(g, self.shape, self.axes, self.keepdims).expand(self.shape)


class Mean(Function):
    def forward(self, a: Any, axes: tuple = (), keepdims: bool = False) -> Any:
        self.shape, self.axes, self.keepdims = a.shape, axes, keepdims
        return a.mean(axis=axes, keepdims=keepdims)

    def backward(self, g: Any) -> Any:
        n = 1
        for ax in self.axes:
            n *= self.shape[ax]
        g = _expand(g, self.shape, self.axes, self.keepdims) / n
        return get_array_module(g).broadcast_to(g, self.shape)

    def backward_graph(self, g: Any) -> Any:
        n = 1
        for ax in self.axes:
            n *= self.shape[ax]
        return (_expand(g, self.shape, self.axes, self.keepdims) / n).expand(self.shape)


class _Extreme(Function):
    """Max/min over axes; tied extremes share the gradient evenly (like ``torch.amax``)."""

    largest = True

    def forward(self, a: Any, axes: tuple = (), keepdims: bool = False) -> Any:
        out = a.max(axis=axes, keepdims=True) if self.largest else a.min(axis=axes, keepdims=True)
        if self.requires_grad:
            mask = a == out
            self.mask = mask
            # counted in the input's dtype: an integer count would promote float32 grads to float64
            self.count = mask.sum(axis=axes, keepdims=True, dtype=a.dtype)
            self.shape, self.axes, self.keepdims = a.shape, axes, keepdims
        return out if keepdims else out.reshape([n for i, n in enumerate(a.shape) if i not in axes])

    def backward(self, g: Any) -> Any:
        g = _expand(g, self.shape, self.axes, self.keepdims)
        return self.mask * (g / self.count)


def _extreme_backward_graph(self: _Extreme, g: Any) -> Any:
    """Max/Min's differentiable backward: linear in ``g``, the (constant) share of each tied
    extreme (defined on each class, so ``supported_ops`` lists it)."""
    share = g._make(self.mask / self.count, False, None, 0)
    return _expand(g, self.shape, self.axes, self.keepdims) * share


class Max(_Extreme):
    largest = True
    backward_graph = _extreme_backward_graph


class Min(_Extreme):
    largest = False
    backward_graph = _extreme_backward_graph


class Var(Function):
    def forward(self, a: Any, axes: tuple = (), keepdims: bool = False, correction: int = 1) -> Any:
        n = 1
        for ax in axes:
            n *= a.shape[ax]
        mu = a.mean(axis=axes, keepdims=True)
        d = a - mu
        denom = builtins.max(n - correction, 0)
        out = (d * d).sum(axis=axes, keepdims=keepdims) / denom
        if self.requires_grad:
            self.d, self.denom = d, denom
            self.shape, self.axes, self.keepdims = a.shape, axes, keepdims
        return out

    def backward(self, g: Any) -> Any:
        g = _expand(g, self.shape, self.axes, self.keepdims)
        scale = 2.0 / self.denom if self.denom else float("nan")
        return g * scale * self.d

    def backward_graph(self, g: Any) -> Any:
        x = self.operand(0)
        d = x - x.mean(dim=self.axes, keepdim=True)  # rebuilt from x, so it is differentiated
        scale = 2.0 / self.denom if self.denom else float("nan")
        return _expand(g, self.shape, self.axes, self.keepdims) * scale * d


class LogSumExp(Function):
    def forward(self, a: Any, axes: tuple = (), keepdims: bool = False) -> Any:
        xp = get_array_module(a)
        if a.size == 0:  # nothing to sum: log(0) = -inf, as torch (max has no identity)
            m = xp.zeros([1 if i in axes else n for i, n in enumerate(a.shape)], a.dtype)
        else:
            m = a.max(axis=axes, keepdims=True)
        m = xp.where(xp.isfinite(m), m, 0)
        s = xp.exp(a - m).sum(axis=axes, keepdims=True)
        out = xp.log(s) + m
        if self.requires_grad:
            self.a, self.out = a, out
            self.shape, self.axes, self.keepdims = a.shape, axes, keepdims
        return out if keepdims else out.reshape([n for i, n in enumerate(a.shape) if i not in axes])

    def backward(self, g: Any) -> Any:
        xp = get_array_module(g)
        g = _expand(g, self.shape, self.axes, self.keepdims)
        return g * xp.exp(self.a - self.out)

    def backward_graph(self, g: Any) -> Any:
        # the softmax over the axes, from a recorded logsumexp of x
        x = self.operand(0)
        lse = LogSumExp.apply(x, axes=self.axes, keepdims=True)
        return _expand(g, self.shape, self.axes, self.keepdims) * (x - lse).exp()


class Prod(Function):
    """Product over axes; the gradient is the product of the other factors (exact with zeros)."""

    def forward(self, a: Any, axes: tuple = (), keepdims: bool = False) -> Any:
        if self.requires_grad:
            self.a, self.axes, self.keepdims = a, axes, keepdims
        return a.prod(axis=axes, keepdims=keepdims)

    def backward(self, g: Any) -> Any:
        xp = get_array_module(g)
        a, axes = self.a, self.axes
        rest = [i for i in range(a.ndim) if i not in axes]
        # the reduced axes flattened into the last one: (rest..., K)
        moved = xp.transpose(a, rest + list(axes))
        flat = moved.reshape(moved.shape[: len(rest)] + (-1,))
        ones = xp.ones(flat.shape[:-1] + (1,), dtype=a.dtype)
        before = xp.cumprod(xp.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
        after = xp.flip(
            xp.cumprod(xp.concatenate([ones, xp.flip(flat, -1)[..., :-1]], axis=-1), axis=-1), -1
        )
        others = (before * after).reshape(moved.shape)
        inverse = [0] * a.ndim
        for i, p in enumerate(rest + list(axes)):
            inverse[p] = i
        return _expand(g, a.shape, axes, self.keepdims) * xp.transpose(others, inverse)

    def backward_graph(self, g: Any) -> Any:
        # the product of the other factors as prod / x, from a recorded prod of x: exact
        # only without zero factors, so those are refused
        if bool((self.a == 0).any()):
            raise NotImplementedError(
                "create_graph=True: prod over a tensor with a zero factor has no "
                "differentiable backward yet (without zeros it has); mask the zeros out, "
                "e.g. prod(where(x == 0, 1, x)), or compute this part without create_graph"
            )
        x = self.operand(0)
        total = Prod.apply(x, axes=self.axes, keepdims=True)
        return _expand(g, self.a.shape, self.axes, self.keepdims) * (total / x)


class Cumsum(Function):
    """Running sum along one axis; the gradient is the running sum of ``g`` from the end."""

    def forward(self, a: Any, axis: int = 0) -> Any:
        self.axis = axis
        return get_array_module(a).cumsum(a, axis=axis)

    def backward(self, g: Any) -> Any:
        xp = get_array_module(g)
        return xp.flip(xp.cumsum(xp.flip(g, self.axis), axis=self.axis), self.axis)


class Cumprod(Function):
    """Running product along one axis; the gradient is exact also where inputs are 0.

    With ``z`` the first zero of a row: before ``z`` the gradient is the reversed running
    sum of ``g * out`` divided by the input (non-zero there); at ``z`` it is
    ``sum_{j >= z} g_j * prod_{i <= j, i != z} x_i``; after ``z`` every product holds the
    zero at ``z`` twice or more, so it is 0.
    """

    def forward(self, a: Any, axis: int = 0) -> Any:
        self.axis = axis
        out = get_array_module(a).cumprod(a, axis=axis)
        if self.requires_grad:
            self.a, self.out = a, out
        return out

    def backward(self, g: Any) -> Any:
        xp = get_array_module(g)
        x, out, g = (xp.moveaxis(v, self.axis, -1) for v in (self.a, self.out, g))
        n = x.shape[-1]
        k = xp.arange(n)
        zero = x == 0
        first = xp.where(zero.any(axis=-1), xp.argmax(zero, axis=-1), n)[..., None]
        before = k < first
        tail = xp.flip(xp.cumsum(xp.flip(g * out, -1), axis=-1), -1)
        grad = xp.where(before, tail / xp.where(before, x, 1), 0)
        at = k == first
        skip_zero = xp.cumprod(xp.where(at, 1, x), axis=-1)
        at_zero = xp.sum(xp.where(k >= first, g * skip_zero, 0), axis=-1, keepdims=True)
        grad = xp.where(at, at_zero, grad).astype(g.dtype, copy=False)
        return xp.moveaxis(grad, -1, self.axis)


def _running_logaddexp(xp: Any, a: Any, axis: int) -> Any:
    """``logaddexp`` accumulated along ``axis``: NumPy's ufunc ``accumulate``; CuPy has
    that for ``add``/``multiply`` only, so there one ``logaddexp`` per step."""
    if xp is np:
        return np.logaddexp.accumulate(a, axis=axis)
    out = xp.moveaxis(a, axis, 0).copy()
    for i in range(1, out.shape[0]):
        out[i] = xp.logaddexp(out[i - 1], out[i])
    return xp.moveaxis(out, 0, axis)


class LogCumSumExp(Function):
    """Running ``log(sum(exp(a)))`` along one axis, as ``logaddexp`` accumulated (stable
    for large entries; a prefix of ``-inf`` gives ``-inf``).

    The gradient ``grad_j = sum_{i >= j} g_i exp(a_j - out_i)`` is computed in the log
    domain, the positive and negative ``g`` apart: ``exp(a_j + R(log g_i - out_i))`` with
    ``R`` the running log-sum-exp from the end. As in torch, it is NaN at an entry of an
    all ``-inf`` prefix (``-inf - -inf``) and at a ``+inf`` entry.
    """

    def forward(self, a: Any, axis: int = 0) -> Any:
        self.axis = axis
        out = _running_logaddexp(get_array_module(a), a, axis)
        if self.requires_grad:
            self.a, self.out = a, out
        return out

    def backward(self, g: Any) -> Any:
        xp, ax = get_array_module(g), self.axis
        with np.errstate(divide="ignore", invalid="ignore"):
            log_g = xp.log(xp.abs(g))
            grad = xp.zeros_like(self.a)
            for sign in (1, -1):
                part = xp.where(g * sign > 0, log_g, -np.inf) - self.out
                from_end = xp.flip(_running_logaddexp(xp, xp.flip(part, ax), ax), ax)
                grad = grad + sign * xp.exp(from_end + self.a)
        return grad.astype(g.dtype, copy=False)


def _reduce(cls: type, a: Tensor, axis: Axis, keepdims: bool, name: str, **kw: Any) -> Tensor:
    axes = normalize_axis(axis, a.ndim, name)
    return cls.apply(a, axes=axes, keepdims=keepdims, **kw)


def sum(a: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """Sum over ``axis`` (all axes when ``None``)."""
    return _reduce(Sum, a, axis, keepdims, "sum")


def mean(a: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Arithmetic mean over ``axis``."""
    return _reduce(Mean, a, axis, keepdims, "mean")


def max(a: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """Largest value over ``axis``; ties share the gradient."""
    _refuse_empty_reduction("max", a, axis)
    return _reduce(Max, a, axis, keepdims, "max")


def min(a: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """Smallest value over ``axis``; ties share the gradient."""
    _refuse_empty_reduction("min", a, axis)
    return _reduce(Min, a, axis, keepdims, "min")


def _refuse_empty_reduction(who: str, a: Tensor, axis: Axis) -> None:
    """Raise for a max / min over a dim of size 0 (an empty tensor reduced over a dim of
    another size gives an empty result, as in PyTorch)."""
    if a.numel() == 0 and (
        a.ndim == 0 or builtins.any(a.shape[i] == 0 for i in normalize_axis(axis, a.ndim, who))
    ):
        raise ValueError(f"{who}: empty tensor (a dim to reduce has size 0)")


def var(a: Tensor, axis: Axis = None, keepdims: bool = False, *, correction: int = 1) -> Tensor:
    """Variance over ``axis`` with ``N - correction`` in the denominator (1: unbiased, as PyTorch)."""
    return _reduce(Var, a, axis, keepdims, "var", correction=correction)


def logsumexp(a: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """``log(sum(exp(a)))`` over ``axis``, computed stably."""
    return _reduce(LogSumExp, a, axis, keepdims, "logsumexp")


def prod(a: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Product over ``axis`` (all axes when ``None``)."""
    return _reduce(Prod, a, axis, keepdims, "prod")


def cumsum(a: Tensor, axis: int) -> Tensor:
    """Running sum along ``axis`` (same shape as ``a``)."""
    (ax,) = normalize_axis(axis, a.ndim, "cumsum") or (0,)
    if a.ndim == 0:
        return Cumsum.apply(a.reshape(1), axis=0).reshape(())
    return Cumsum.apply(a, axis=ax)


def cumprod(a: Tensor, axis: int) -> Tensor:
    """Running product along ``axis``: ``out[..., i] = prod(a[..., :i + 1])``.

    Parameters
    ----------
    a : Tensor (any shape)
    axis : int
        The dim to run along (negative counts from the end).

    Returns
    -------
    Tensor (same shape as ``a``)
    """
    (ax,) = normalize_axis(axis, a.ndim, "cumprod") or (0,)
    if a.ndim == 0:
        return Cumprod.apply(a.reshape(1), axis=0).reshape(())
    return Cumprod.apply(a, axis=ax)


def logcumsumexp(a: Tensor, axis: int) -> Tensor:
    """``out[..., i] = log(sum(exp(a[..., :i + 1])))`` along ``axis``, computed stably.

    Parameters
    ----------
    a : Tensor (any shape, floating)
    axis : int
        The dim to run along (negative counts from the end).

    Returns
    -------
    Tensor (same shape and dtype as ``a``)
    """
    (ax,) = normalize_axis(axis, a.ndim, "logcumsumexp") or (0,)
    if a.ndim == 0:
        return LogCumSumExp.apply(a.reshape(1), axis=0).reshape(())
    return LogCumSumExp.apply(a, axis=ax)
