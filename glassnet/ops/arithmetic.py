"""Elementwise arithmetic and matrix products.

Operands may be tensors or constants (Python numbers, arrays); NumPy's
broadcasting applies and the engine un-broadcasts gradients.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd.engine import unbroadcast
from ..autograd.function import Function
from ..backend import Device, device_of, get_array_module, is_cupy_array, to_device
from ..tensor import Tensor

__all__ = [
    "add", "sub", "mul", "div", "neg", "pow", "exp", "log", "expm1", "log1p", "sqrt", "abs",
    "sin", "cos", "clip", "atan2", "lerp",
    "maximum", "minimum", "where", "matmul", "cast", "clone", "move",
]  # fmt: skip


class Add(Function):
    def forward(self, a: Any, b: Any) -> Any:
        return a + b

    def backward(self, g: Any) -> tuple:
        return g, g


class Sub(Function):
    def forward(self, a: Any, b: Any) -> Any:
        return a - b

    def backward(self, g: Any) -> tuple:
        return g, (-g if self.needs_input_grad[1] else None)


class Mul(Function):
    def forward(self, a: Any, b: Any) -> Any:
        if self.requires_grad:
            self.a = a if self.needs_input_grad[1] else None
            self.b = b if self.needs_input_grad[0] else None
        return a * b

    def backward(self, g: Any) -> tuple:
        na, nb = self.needs_input_grad
        return (g * self.b if na else None), (g * self.a if nb else None)


class Div(Function):
    def forward(self, a: Any, b: Any) -> Any:
        out = a / b
        if self.requires_grad:
            self.b = b
            self.out = out if self.needs_input_grad[1] else None
        return out

    def backward(self, g: Any) -> tuple:
        na, nb = self.needs_input_grad
        ga = g / self.b if na else None
        gb = -g * self.out / self.b if nb else None
        return ga, gb


class Neg(Function):
    def forward(self, a: Any) -> Any:
        return -a

    def backward(self, g: Any) -> Any:
        return -g


def _pow_base_grad(g: Any, a: Any, b: Any) -> Any:
    """``g * b * a**(b - 1)``, 0 where ``b == 0`` (as torch: ``x**0`` has gradient 0 at
    ``x = 0``, where the formula gives ``0 * inf``)."""
    xp = get_array_module(a, b)
    zero = b == 0
    if not (zero if isinstance(zero, (bool, np.bool_)) else bool(xp.any(zero))):
        return g * b * a ** (b - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        ga = g * b * a ** (b - 1)
    return xp.where(zero, xp.zeros((), dtype=ga.dtype), ga)


class Pow(Function):
    def forward(self, a: Any, b: Any) -> Any:
        out = a**b
        if self.requires_grad:
            self.a, self.b = a, b
            self.out = out if self.needs_input_grad[1] else None
        return out

    def backward(self, g: Any) -> tuple:
        na, nb = self.needs_input_grad
        a, b = self.a, self.b
        ga = _pow_base_grad(g, a, b) if na else None
        gb = None
        if nb:
            xp = get_array_module(a, b)
            safe = xp.where(a > 0, a, 1)
            gb = g * self.out * xp.log(safe)
        return ga, gb


class Exp(Function):
    def forward(self, a: Any) -> Any:
        out = get_array_module(a).exp(a)
        if self.requires_grad:
            self.out = out
        return out

    def backward(self, g: Any) -> Any:
        return g * self.out


class Log(Function):
    def forward(self, a: Any) -> Any:
        if self.requires_grad:
            self.a = a
        with np.errstate(divide="ignore", invalid="ignore"):  # as torch: log(0) = -inf, silently
            return get_array_module(a).log(a)

    def backward(self, g: Any) -> Any:
        return g / self.a


class Expm1(Function):
    def forward(self, a: Any) -> Any:
        out = get_array_module(a).expm1(a)
        if self.requires_grad:
            self.out = out
        return out

    def backward(self, g: Any) -> Any:
        return g * (self.out + 1)


class Log1p(Function):
    def forward(self, a: Any) -> Any:
        if self.requires_grad:
            self.a = a
        return get_array_module(a).log1p(a)

    def backward(self, g: Any) -> Any:
        return g / (1 + self.a)


class Sqrt(Function):
    def forward(self, a: Any) -> Any:
        out = get_array_module(a).sqrt(a)
        if self.requires_grad:
            self.out = out
        return out

    def backward(self, g: Any) -> Any:
        return g / (2 * self.out)


class Sin(Function):
    def forward(self, a: Any) -> Any:
        if self.requires_grad:
            self.a = a
        return get_array_module(a).sin(a)

    def backward(self, g: Any) -> Any:
        return g * get_array_module(self.a).cos(self.a)


class Cos(Function):
    def forward(self, a: Any) -> Any:
        if self.requires_grad:
            self.a = a
        return get_array_module(a).cos(a)

    def backward(self, g: Any) -> Any:
        return -g * get_array_module(self.a).sin(self.a)


class Abs(Function):
    def forward(self, a: Any) -> Any:
        if self.requires_grad:
            self.a = a
        return get_array_module(a).abs(a)

    def backward(self, g: Any) -> Any:
        xp = get_array_module(self.a)
        sign = xp.sign(self.a)  # 0 at NaN, as torch's (NumPy's sign of NaN is NaN)
        return g * (xp.nan_to_num(sign, copy=False) if sign.dtype.kind == "f" else sign)


class Clip(Function):
    """Values limited to ``[lo, hi]``. The gradient is 1 inside, bounds included (``clamp``'s),
    or with ``open_grad`` strictly inside only (``hardtanh``'s: 0 *at* the bounds)."""

    def forward(self, a: Any, lo: Any = None, hi: Any = None, open_grad: bool = False) -> Any:
        xp = get_array_module(a)
        if self.requires_grad:
            mask = xp.ones(a.shape, dtype=bool)
            if lo is not None:
                mask &= (a > lo) if open_grad else (a >= lo)
            if hi is not None:
                mask &= (a < hi) if open_grad else (a <= hi)
            self.mask = mask
        return xp.clip(a, lo, hi)

    def backward(self, g: Any) -> Any:
        return g * self.mask


class Maximum(Function):
    """Elementwise maximum; on ties the gradient is split evenly (as PyTorch does)."""

    def forward(self, a: Any, b: Any) -> Any:
        xp = get_array_module(a, b)
        if self.requires_grad:
            self.a, self.b = a, b
        return xp.maximum(a, b)

    def backward(self, g: Any) -> tuple:
        return _minmax_grads(self, g, greater=True)


class Minimum(Function):
    """Elementwise minimum; on ties the gradient is split evenly."""

    def forward(self, a: Any, b: Any) -> Any:
        xp = get_array_module(a, b)
        if self.requires_grad:
            self.a, self.b = a, b
        return xp.minimum(a, b)

    def backward(self, g: Any) -> tuple:
        return _minmax_grads(self, g, greater=False)


def _minmax_grads(ctx: Function, g: Any, greater: bool) -> tuple:
    a, b = ctx.a, ctx.b
    win = (a > b) if greater else (a < b)
    tie = a == b
    wa = win + 0.5 * tie
    na, nb = ctx.needs_input_grad
    ga = g * wa.astype(g.dtype) if na else None
    gb = g * (1 - wa).astype(g.dtype) if nb else None
    return ga, gb


class Where(Function):
    def forward(self, cond: Any, a: Any, b: Any) -> Any:
        xp = get_array_module(cond, a, b)
        if self.requires_grad:
            self.cond = cond
        return xp.where(cond, a, b)

    def backward(self, g: Any) -> tuple:
        _, na, nb = self.needs_input_grad
        zero = g.dtype.type(0)
        xp = get_array_module(g)
        ga = xp.where(self.cond, g, zero) if na else None
        gb = xp.where(self.cond, zero, g) if nb else None
        return None, ga, gb


class MatMul(Function):
    """``a @ b`` with NumPy's rules: 1-D operands are promoted, batch dims broadcast."""

    def forward(self, a: Any, b: Any) -> Any:
        if self.requires_grad:
            self.a = a if self.needs_input_grad[1] else None
            self.b = b if self.needs_input_grad[0] else None
            self.a_shape, self.b_shape = a.shape, b.shape
        return a @ b

    def backward(self, g: Any) -> tuple:
        na, nb = self.needs_input_grad
        a_shape, b_shape = self.a_shape, self.b_shape
        a1, b1 = len(a_shape) == 1, len(b_shape) == 1
        if a1 and b1:
            return (g * self.b if na else None), (g * self.a if nb else None)
        if a1:
            g = g[..., None, :]
        if b1:
            g = g[..., None]
        ga = gb = None
        if na:
            b2 = self.b[:, None] if b1 else self.b
            ga = g @ b2.swapaxes(-1, -2)
            ga = unbroadcast(ga, (1,) + a_shape if a1 else a_shape).reshape(a_shape)
        if nb:
            a2 = self.a[None, :] if a1 else self.a
            gb = a2.swapaxes(-1, -2) @ g
            gb = unbroadcast(gb, b_shape + (1,) if b1 else b_shape).reshape(b_shape)
        return ga, gb


class Cast(Function):
    def forward(self, a: Any, dtype: Any = None) -> Any:
        self.src = a.dtype
        return a.astype(dtype, copy=False)

    def backward(self, g: Any) -> Any:
        return g.astype(self.src)


class Move(Function):
    """A copy on another device; the gradient goes back to the input's device."""

    def forward(self, a: Any, device: Any = None) -> Any:
        self.src = device_of(a)
        return to_device(a, device)

    def backward(self, g: Any) -> Any:
        return to_device(g, self.src)


class Clone(Function):
    def forward(self, a: Any) -> Any:
        return a.copy()

    def backward(self, g: Any) -> Any:
        return g


class Atan2(Function):
    """The angle of the point ``(b, a)``: ``arctan2(a, b)`` in ``[-pi, pi]``."""

    def forward(self, a: Any, b: Any) -> Any:
        if self.requires_grad:
            self.a, self.b = a, b
        return get_array_module(a, b).arctan2(a, b)

    def backward(self, g: Any) -> tuple:
        na, nb = self.needs_input_grad
        a, b = self.a, self.b
        xp = get_array_module(g)
        norm2 = a * a + b * b
        # 0 at the origin, as torch's
        scale = xp.where(norm2 == 0, 0, g / xp.where(norm2 == 0, 1, norm2))
        return (scale * b if na else None), (-scale * a if nb else None)


class Lerp(Function):
    """``start + weight * (end - start)``, in torch's two forms (exact at ``weight`` 0 and 1)."""

    def forward(self, start: Any, end: Any, weight: Any) -> Any:
        xp = get_array_module(start, end, weight)
        span = end - start
        near_start = xp.abs(weight) < 0.5
        out = xp.where(near_start, start + weight * span, end - span * (1 - weight))
        if self.requires_grad:
            self.weight = weight
            self.span = span if self.needs_input_grad[2] else None
        return out.astype(xp.result_type(start, end), copy=False)

    def backward(self, g: Any) -> tuple:
        ns, ne, nw = self.needs_input_grad
        w = self.weight
        return (
            g * (1 - w) if ns else None,
            g * w if ne else None,
            g * self.span if nw else None,
        )


# ------------------------------------------------------------------ functions
def _one_device(who: str, a: Any, b: Any) -> tuple[Any, Any]:
    """Put both operands on one device: a NumPy constant follows a GPU tensor; two tensors on
    different devices are an error (CuPy's own message would only name numpy.ndarray)."""
    if isinstance(a, Tensor):
        if isinstance(b, Tensor):
            if type(a.array) is not type(b.array) and (
                is_cupy_array(a.array) or is_cupy_array(b.array)
            ):
                raise ValueError(
                    f"{who}: the operands are on different devices ({a.device} and {b.device}); "
                    "move one of them with .to()"
                )
        elif type(b) is np.ndarray and is_cupy_array(a.array):
            b = to_device(b, a.device)
    elif isinstance(b, Tensor) and type(a) is np.ndarray and is_cupy_array(b.array):
        a = to_device(a, b.device)
    return a, b


def add(a: Any, b: Any) -> Tensor:
    """``a + b`` with broadcasting."""
    return Add.apply(*_one_device("add", a, b))


def sub(a: Any, b: Any) -> Tensor:
    """``a - b`` with broadcasting."""
    return Sub.apply(*_one_device("sub", a, b))


def mul(a: Any, b: Any) -> Tensor:
    """``a * b`` with broadcasting."""
    return Mul.apply(*_one_device("mul", a, b))


def div(a: Any, b: Any) -> Tensor:
    """``a / b`` with broadcasting."""
    return Div.apply(*_one_device("div", a, b))


def neg(a: Tensor) -> Tensor:
    """``-a``."""
    return Neg.apply(a)


def pow(a: Any, b: Any) -> Tensor:  # noqa: A001 - mirrors torch.pow
    """``a ** b``; the gradient w.r.t. ``b`` uses ``log(a)`` (defined for ``a > 0``)."""
    return Pow.apply(*_one_device("pow", a, b))


def exp(a: Tensor) -> Tensor:
    """Elementwise ``e ** a``."""
    return Exp.apply(a)


def log(a: Tensor) -> Tensor:
    """Elementwise natural logarithm."""
    return Log.apply(a)


def expm1(a: Tensor) -> Tensor:
    """Elementwise ``e ** a - 1``, accurate for ``a`` near 0."""
    return Expm1.apply(a)


def log1p(a: Tensor) -> Tensor:
    """Elementwise ``log(1 + a)``, accurate for ``a`` near 0."""
    return Log1p.apply(a)


def sqrt(a: Tensor) -> Tensor:
    """Elementwise square root."""
    return Sqrt.apply(a)


def sin(a: Tensor) -> Tensor:
    """Elementwise sine (radians)."""
    return Sin.apply(a)


def cos(a: Tensor) -> Tensor:
    """Elementwise cosine (radians)."""
    return Cos.apply(a)


def abs(a: Tensor) -> Tensor:  # noqa: A001 - mirrors torch.abs
    """Elementwise absolute value (gradient ``sign(a)``, 0 at 0)."""
    return Abs.apply(a)


def clip(a: Tensor, min: float | None = None, max: float | None = None) -> Tensor:  # noqa: A002
    """Limit values to ``[min, max]``; the gradient is 1 inside (bounds included), 0 outside."""
    if min is None and max is None:
        raise ValueError("clip: give at least one of min and max")
    return Clip.apply(a, lo=min, hi=max)


def clip_open(a: Tensor, min: float, max: float) -> Tensor:  # noqa: A002
    """Limit values to ``[min, max]``; the gradient is 1 strictly inside, 0 at the bounds and
    outside (PyTorch's ``hardtanh``, ``relu6``, ``hardsigmoid``)."""
    return Clip.apply(a, lo=min, hi=max, open_grad=True)


def atan2(a: Any, b: Any) -> Tensor:
    """The angle of the point ``(x=b, y=a)`` in radians, in ``[-pi, pi]``, elementwise.

    Parameters
    ----------
    a : Tensor (broadcastable with ``b``)
        The y coordinates (torch's ``input``).
    b : Tensor or number
        The x coordinates (torch's ``other``).

    Returns
    -------
    Tensor (the broadcast shape)
    """
    return Atan2.apply(*_one_device("atan2", a, b))


def lerp(start: Tensor, end: Any, weight: Any) -> Tensor:
    """Linear interpolation ``start + weight * (end - start)``, elementwise.

    Parameters
    ----------
    start : Tensor (any shape)
    end : Tensor (broadcastable with ``start``)
    weight : float or Tensor (broadcastable)
        The fraction of the way from ``start`` to ``end`` (a tensor weight gets a gradient).

    Returns
    -------
    Tensor (the broadcast shape)
    """
    start, end = _one_device("lerp", start, end)
    if isinstance(weight, Tensor) or isinstance(weight, np.ndarray):
        _, weight = _one_device("lerp", start, weight)
    return Lerp.apply(start, end, weight)


def maximum(a: Any, b: Any) -> Tensor:
    """Elementwise maximum of two tensors (or a tensor and a constant)."""
    return Maximum.apply(*_one_device("maximum", a, b))


def minimum(a: Any, b: Any) -> Tensor:
    """Elementwise minimum of two tensors (or a tensor and a constant)."""
    return Minimum.apply(*_one_device("minimum", a, b))


def where(cond: Any, a: Any, b: Any) -> Tensor:
    """Pick ``a`` where ``cond`` is true, else ``b`` (differentiable in ``a`` and ``b``)."""
    a, b = _one_device("where", a, b)
    c = cond.array if isinstance(cond, Tensor) else cond
    ref = a if isinstance(a, Tensor) else b
    if isinstance(ref, Tensor) and type(c) is not type(ref.array) and hasattr(c, "shape"):
        c = to_device(c, ref.device)  # the condition follows the values to their device
    return Where.apply(c, a, b)


def matmul(a: Any, b: Any) -> Tensor:
    """Matrix product with NumPy's ``@`` rules.

    Raises
    ------
    ValueError
        When the inner dimensions differ; the message gives both shapes.
    """
    sa = a.shape if hasattr(a, "shape") else np.shape(a)
    sb = b.shape if hasattr(b, "shape") else np.shape(b)
    if len(sa) == 0 or len(sb) == 0:
        raise ValueError(f"matmul: operands must have at least 1 dimension, got {sa} and {sb}")
    ka = sa[-1]
    kb = sb[0] if len(sb) == 1 else sb[-2]
    if ka != kb:
        raise ValueError(f"matmul: inner dimensions differ: {sa} @ {sb} ({ka} != {kb})")
    return MatMul.apply(*_one_device("matmul", a, b))


def cast(a: Tensor, dtype: Any) -> Tensor:
    """Convert to ``dtype``; gradients flow between floating dtypes."""
    dtype = np.dtype(dtype)
    if a.dtype == dtype:
        return a
    if dtype.kind != "f" and a.requires_grad:
        return Tensor._make(a.array.astype(dtype), False, None, 0)
    return Cast.apply(a, dtype=dtype)


def move(a: Tensor, device: Any) -> Tensor:
    """``a`` copied to ``device`` (``'cpu'``, ``'cuda'``, ``'cuda:1'``), staying in the graph."""
    return Move.apply(a, device=Device(device))


def clone(a: Tensor) -> Tensor:
    """A copy of ``a`` that stays in the graph."""
    return Clone.apply(a)
