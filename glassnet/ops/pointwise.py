"""Elementwise functions composed from other ops: rounding, ``sign``, ``reciprocal``,
``rsqrt``, ``square``, the ``isnan`` family, ``norm`` and ``div`` with a rounding mode.

The step functions (``floor``, ``ceil``, ``round``, ``trunc``, ``sign``) have a
zero gradient, as in PyTorch: their result is picked with
:func:`~glassnet.ops.arithmetic.where` from constants, so it stays in the graph
(``requires_grad`` as the input) and sends zeros back. Integer tensors come
back unchanged in value and dtype. While an exporter traces, they (and the
``isnan`` family) run as :mod:`glassnet.ops.logic` ops, so the trace records them.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..backend import default_dtype
from ..tensor import Tensor
from . import arithmetic as _ar
from . import logic as _logic
from . import reduce as _red

__all__ = [
    "floor", "ceil", "round", "trunc", "sign", "reciprocal", "rsqrt", "square", "isnan",
    "isinf", "isfinite", "norm", "div_rounded", "constant_of", "cosine_similarity",
]  # fmt: skip


def constant_of(a: Tensor, values: Any) -> Tensor:
    """``values`` (an array shaped like ``a``) as a result of ``a`` with a zero gradient."""
    if not a.requires_grad:
        return Tensor._make(values, False, None, 0)
    return _ar.where(a.xp.ones(a.shape, dtype=bool), values, a)


def _step(a: Tensor, fn: str) -> Tensor:
    if a.dtype.kind in "iub":
        return _ar.clone(a)
    if _logic.tracing_active():  # an exporter traces: record the step as an op
        return _logic.step(a, fn)
    return constant_of(a, getattr(a.xp, fn)(a.array))


def floor(a: Tensor) -> Tensor:
    """Round down (zero gradient)."""
    return _step(a, "floor")


def ceil(a: Tensor) -> Tensor:
    """Round up (zero gradient)."""
    return _step(a, "ceil")


def trunc(a: Tensor) -> Tensor:
    """Round towards zero (zero gradient)."""
    return _step(a, "trunc")


def round(a: Tensor, decimals: int = 0) -> Tensor:  # noqa: A001 - mirrors torch.round
    """Round half to even, to ``decimals`` places (zero gradient)."""
    if a.dtype.kind in "iub":
        return _ar.clone(a)
    if _logic.tracing_active():
        return _logic.step(a, "round", decimals)
    return constant_of(a, a.xp.round(a.array, decimals))


def sign(a: Tensor) -> Tensor:
    """-1, 0 or 1 by the sign of each entry (zero gradient)."""
    if a.dtype.kind == "b":
        return _ar.clone(a)
    if _logic.tracing_active():
        return _logic.step(a, "sign")
    values = a.xp.sign(a.array)
    if a.dtype.kind == "f":  # torch: the sign of NaN is 0
        values = a.xp.where(a.xp.isnan(values), a.xp.zeros((), values.dtype), values)
    return constant_of(a, values)


def _floating(a: Tensor) -> Tensor:
    """Integer and boolean tensors as the default floating dtype (PyTorch's promotion)."""
    return a if a.dtype.kind in "fc" else _ar.cast(a, default_dtype())


def reciprocal(a: Tensor) -> Tensor:
    """``1 / a`` (integers give the default floating dtype)."""
    a = _floating(a)
    return _ar.div(a.xp.asarray(1, dtype=a.dtype), a)


def rsqrt(a: Tensor) -> Tensor:
    """``1 / sqrt(a)``."""
    a = _floating(a)
    return _ar.div(a.xp.asarray(1, dtype=a.dtype), _ar.sqrt(a))


def square(a: Tensor) -> Tensor:
    """``a * a``."""
    return _ar.mul(a, a)


def _test(a: Tensor, fn: str) -> Tensor:
    return _logic.classify(a, fn)


def isnan(a: Tensor) -> Tensor:
    """Boolean tensor: where ``a`` is NaN."""
    return _test(a, "isnan")


def isinf(a: Tensor) -> Tensor:
    """Boolean tensor: where ``a`` is +-inf."""
    return _test(a, "isinf")


def isfinite(a: Tensor) -> Tensor:
    """Boolean tensor: where ``a`` is neither NaN nor infinite."""
    return _test(a, "isfinite")


def norm(a: Tensor, p: Any = "fro", dim: Any = None, keepdim: bool = False) -> Tensor:
    """The ``p``-norm of ``a`` over ``dim`` (all entries when ``None``).

    ``p`` is a positive number, ``'fro'`` (2), ``inf``/``-inf`` (largest/smallest
    absolute value) or 0 (the count of non-zeros, no gradient). The gradient
    of an all-zero slice is 0, as in PyTorch (the root's derivative is infinite
    there, so the root is taken of 1 and its result replaced by 0).
    """
    if p == "fro" or p is None:
        p = 2
    if isinstance(p, str):
        raise ValueError(f"norm: p must be a number or 'fro', got {p!r}")
    a = _floating(a)
    if p == 0:
        nz = (a.array != 0).sum(
            axis=dim if dim is None else tuple(_red.normalize_axis(dim, a.ndim, "norm")),
            keepdims=keepdim,
        )
        if not a.requires_grad:
            return Tensor._make(nz.astype(a.dtype), False, None, 0)
        # in the graph with a zero gradient, as torch's (so that backward() runs)
        zeros = _red.sum(_ar.where(a.xp.zeros(a.shape, dtype=bool), a, 0.0), dim, keepdim)
        return _ar.add(zeros, a.xp.asarray(nz, dtype=a.dtype))
    if math.isinf(p):
        absolute = _ar.abs(a)
        return (_red.max if p > 0 else _red.min)(absolute, dim, keepdim)
    if p == 1:
        return _red.sum(_ar.abs(a), dim, keepdim)
    if p == 2:
        return _zero_safe_root(_red.sum(_ar.mul(a, a), dim, keepdim), 2.0)
    return _zero_safe_root(_red.sum(_zero_safe_pow(_ar.abs(a), float(p)), dim, keepdim), float(p))


def _zero_safe_pow(absolute: Tensor, p: float) -> Tensor:
    """``absolute ** p`` with gradient 0 (not inf or NaN) where ``absolute`` is 0 and p < 1."""
    zero = absolute.array == 0
    if p >= 1 or not zero.any():
        return _ar.pow(absolute, p)
    return _ar.where(zero, 0.0, _ar.pow(_ar.where(zero, 1.0, absolute), p))


def _zero_safe_root(total: Tensor, p: float) -> Tensor:
    """``total ** (1/p)`` with gradient 0 (not NaN) where ``total`` is 0."""
    zero = total.array == 0
    if not zero.any():
        return _ar.sqrt(total) if p == 2.0 else _ar.pow(total, 1.0 / p)
    safe = _ar.where(zero, 1.0, total)
    root = _ar.sqrt(safe) if p == 2.0 else _ar.pow(safe, 1.0 / p)
    return _ar.where(zero, 0.0, root)


def _is_float(x: Any) -> bool:
    return isinstance(x, Tensor) and x.array.dtype.kind == "f"


def div_rounded(a: Any, b: Any, rounding_mode: str | None) -> Tensor:
    """``a / b``, then rounded by ``rounding_mode``: ``None`` (true division),
    ``'trunc'`` or ``'floor'``. Integer inputs stay integer with a rounding mode, as in PyTorch."""
    if rounding_mode is None and _is_float(a) and (_is_float(b) or not isinstance(b, Tensor)):
        return _ar.div(a, b)  # the common case, kept short
    if rounding_mode not in (None, "trunc", "floor"):
        raise ValueError(
            f"div: rounding_mode must be None, 'trunc' or 'floor', got {rounding_mode!r}"
        )
    aa = a.array if isinstance(a, Tensor) else _scalar_array(a, b)
    bb = b.array if isinstance(b, Tensor) else _scalar_array(b, a)
    integral = aa.dtype.kind in "iub" and bb.dtype.kind in "iub"
    if rounding_mode is None or not integral:
        if integral:  # both to the default float dtype (NumPy would give float64)
            a = _floating(a if isinstance(a, Tensor) else Tensor(aa))
            b = _floating(b) if isinstance(b, Tensor) else b
        q = _ar.div(a, b)
        if rounding_mode == "floor" and not _logic.tracing_active():
            # NumPy's floor_divide is torch's (nan for an infinite dividend, -1 for -5 // inf)
            with np.errstate(divide="ignore", invalid="ignore"):
                exact = q.xp.floor_divide(_raw(a), _raw(b)).astype(q.dtype, copy=False)
            return constant_of(q, q.xp.broadcast_to(exact, q.shape))
        return q if rounding_mode is None else _step(q, rounding_mode)
    fn = "floor_divide" if rounding_mode == "floor" else "trunc_divide"
    refuse_integer_zero_divisor(bb)
    if _logic.tracing_active():  # one op, so that an exporter's trace records it
        return _logic.int_divide(a, b, fn)
    ref = a if isinstance(a, Tensor) else b
    xp = ref.xp
    if rounding_mode == "floor":
        return Tensor._make(xp.floor_divide(aa, bb), False, None, 0)
    return Tensor._make(_logic.trunc_divide(aa, bb), False, None, 0)


def _raw(x: Any) -> Any:
    return x.array if isinstance(x, Tensor) else x


def _scalar_array(value: Any, other: Any) -> Any:
    """A Python number as an array: a Python int meeting an integer tensor takes its dtype
    (``int8 // 3`` stays int8, as in torch)."""
    if type(value) is int and isinstance(other, Tensor) and other.array.dtype.kind in "iu":
        return np.asarray(value, dtype=other.array.dtype)
    return np.asarray(value)


def refuse_integer_zero_divisor(divisor: Any) -> None:
    """Raise torch's ``RuntimeError: ZeroDivisionError`` for an integer division (``//``,
    ``%``, ``fmod``, ``div(rounding_mode=...)``) by 0; NumPy would give 0 silently."""
    if (divisor == 0).any():
        raise RuntimeError("ZeroDivisionError")


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """``(x1 / max(||x1||, eps)) . (x2 / max(||x2||, eps))`` along ``dim`` (broadcasting), as
    PyTorch's ``F.cosine_similarity`` (each norm is clamped on its own, so a short vector's
    similarity shrinks with its length)."""
    ndim = max(x1.ndim, x2.ndim)
    if not -ndim <= dim < max(ndim, 1):
        raise ValueError(f"cosine_similarity: dim {dim} is out of range for {ndim}-D inputs")
    try:
        np.broadcast_shapes(tuple(x1.shape), tuple(x2.shape))
    except ValueError:
        raise ValueError(
            f"cosine_similarity: x1 of shape {tuple(x1.shape)} and x2 of shape "
            f"{tuple(x2.shape)} do not broadcast"
        ) from None
    n1, n2 = _clamped_norm(x1, dim, eps), _clamped_norm(x2, dim, eps)
    return _red.sum(_ar.mul(_ar.div(x1, n1), _ar.div(x2, n2)), dim)


def _clamped_norm(x: Tensor, dim: int, eps: float) -> Tensor:
    """``max(||x||, eps)`` along ``dim`` (kept). (PyTorch clamps in place, out of autograd's
    sight, so for ``0 < ||x|| < eps`` its gradient keeps the norm's term; this clamp's is 0.)"""
    return _ar.clip(norm(x, 2, dim, True), eps, None)
