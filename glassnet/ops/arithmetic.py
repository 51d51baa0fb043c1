"""Elementwise arithmetic and matrix products.

Operands may be tensors or constants (Python numbers, arrays); NumPy's
broadcasting applies and the engine un-broadcasts gradients.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._errors import DeviceError, ShapeError, broadcast_failed
from ..autograd.engine import unbroadcast
from ..autograd.function import Function
from ..autograd.higher_order import unbroadcast as unbroadcast_graph
from ..backend import Device, device_of, get_array_module, is_cupy_array, to_device
from ..tensor import Tensor

__all__ = [
    "add", "sub", "mul", "div", "neg", "pow", "exp", "log", "expm1", "log1p", "sqrt", "abs",
    "sin", "cos", "clip", "atan2", "lerp",
    "maximum", "minimum", "where", "matmul", "cast", "clone", "move",
]  # fmt: skip


def _as_tensor(v: Any, like: Tensor) -> Tensor:
    """A constant operand as a Tensor outside the graph (on ``like``'s device)."""
    if isinstance(v, Tensor):
        return v
    return Tensor._make(get_array_module(like.array).asarray(v), False, None, 0)


class Add(Function):
    def forward(self, a: Any, b: Any) -> Any:
        return a + b

    def backward(self, g: Any) -> tuple:
        return g, g

    def backward_graph(self, g: Any) -> tuple:
        na, nb = self.needs_input_grad
        return (g if na else None), (g if nb else None)


class Sub(Function):
    def forward(self, a: Any, b: Any) -> Any:
        return a - b

    def backward(self, g: Any) -> tuple:
        return g, (-g if self.needs_input_grad[1] else None)

    def backward_graph(self, g: Any) -> tuple:
        na, nb = self.needs_input_grad
        return (g if na else None), (-g if nb else None)


class Mul(Function):
    def forward(self, a: Any, b: Any) -> Any:
        if self.requires_grad:
            self.a = a if self.needs_input_grad[1] else None
            self.b = b if self.needs_input_grad[0] else None
        return a * b

    def backward(self, g: Any) -> tuple:
        na, nb = self.needs_input_grad
        return (g * self.b if na else None), (g * self.a if nb else None)

    def backward_graph(self, g: Any) -> tuple:
        na, nb = self.needs_input_grad
        a, b = self.operand(0), self.operand(1)
        return (g * b if na else None), (g * a if nb else None)


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

    def backward_graph(self, g: Any) -> tuple:
        na, nb = self.needs_input_grad
        a, b = self.operand(0), self.operand(1)
        return (g / b if na else None), (-g * a / (b * b) if nb else None)


class Neg(Function):
    def forward(self, a: Any) -> Any:
        return -a

    def backward(self, g: Any) -> Any:
        return -g

    def backward_graph(self, g: Any) -> Any:
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

    def backward_graph(self, g: Any) -> tuple:
        na, nb = self.needs_input_grad
        a, b = self.operand(0), self.operand(1)
        ga = gb = None
        if na:
            with np.errstate(divide="ignore", invalid="ignore"):
                ga = g * b * Pow.apply(a, b - 1)
            zero = (b.array if isinstance(b, Tensor) else np.asarray(b)) == 0
            if zero.any():  # as backward: x**0 has gradient 0, also at x = 0
                ga = where(zero, 0.0, ga)
        if nb:
            xp = get_array_module(b.array)
            a_values = a.array if isinstance(a, Tensor) else xp.asarray(a)
            positive = a_values > 0
            log_a = log(where(positive, a, 1.0)) if isinstance(a, Tensor) else xp.log(
                xp.where(positive, a_values, 1)
            )
            gb = g * Pow.apply(a, b) * log_a
        return ga, gb


class Exp(Function):
    def forward(self, a: Any) -> Any:
        out = get_array_module(a).exp(a)
        if self.requires_grad:
            self.out = out
        return out

    def backward(self, g: Any) -> Any:
        return g * self.out

    def backward_graph(self, g: Any) -> Any:
        return g * exp(self.inputs[0])


class Log(Function):
    def forward(self, a: Any) -> Any:
        if self.requires_grad:
            self.a = a
        with np.errstate(divide="ignore", invalid="ignore"):  # as torch: log(0) = -inf, silently
            return get_array_module(a).log(a)

    def backward(self, g: Any) -> Any:
        return g / self.a

    def backward_graph(self, g: Any) -> Any:
        return g / self.inputs[0]


class Expm1(Function):
    def forward(self, a: Any) -> Any:
        out = get_array_module(a).expm1(a)
        if self.requires_grad:
            self.out = out
        return out

    def backward(self, g: Any) -> Any:
        return g * (self.out + 1)

    def backward_graph(self, g: Any) -> Any:
        return g * exp(self.inputs[0])


class Log1p(Function):
    def forward(self, a: Any) -> Any:
        if self.requires_grad:
            self.a = a
        return get_array_module(a).log1p(a)

    def backward(self, g: Any) -> Any:
        return g / (1 + self.a)

    def backward_graph(self, g: Any) -> Any:
        return g / (self.inputs[0] + 1)


class Sqrt(Function):
    def forward(self, a: Any) -> Any:
        out = get_array_module(a).sqrt(a)
        if self.requires_grad:
            self.out = out
        return out

    def backward(self, g: Any) -> Any:
        return g / (2 * self.out)

    def backward_graph(self, g: Any) -> Any:
        return g / (sqrt(self.inputs[0]) * 2)


class Sin(Function):
    def forward(self, a: Any) -> Any:
        if self.requires_grad:
            self.a = a
        return get_array_module(a).sin(a)

    def backward(self, g: Any) -> Any:
        return g * get_array_module(self.a).cos(self.a)

    def backward_graph(self, g: Any) -> Any:
        return g * cos(self.inputs[0])


class Cos(Function):
    def forward(self, a: Any) -> Any:
        if self.requires_grad:
            self.a = a
        return get_array_module(a).cos(a)

    def backward(self, g: Any) -> Any:
        return -g * get_array_module(self.a).sin(self.a)

    def backward_graph(self, g: Any) -> Any:
        return -g * sin(self.inputs[0])


class Abs(Function):
    def forward(self, a: Any) -> Any:
        if self.requires_grad:
            self.a = a
        return get_array_module(a).abs(a)

    def backward(self, g: Any) -> Any:
        xp = get_array_module(self.a)
        sign = xp.sign(self.a)  # 0 at NaN, as torch's (NumPy's sign of NaN is NaN)
        return g * (xp.nan_to_num(sign, copy=False) if sign.dtype.kind == "f" else sign)

    def backward_graph(self, g: Any) -> Any:
        xp = get_array_module(self.a)
        sign = xp.nan_to_num(xp.sign(self.a))  # constant: abs is linear on each side of 0
        return g * sign.astype(g.dtype, copy=False)


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

    def backward_graph(self, g: Any) -> Any:
        return g * self.mask.astype(g.dtype)


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
    lose = (a < b) if greater else (a > b)
    half = 0.5 * (a == b)
    # as torch: each side gets g unless it lost (NaN against a number: both get g)
    wa, wb = 1 - lose - half, 1 - win - half
    na, nb = ctx.needs_input_grad
    ga = g * wa.astype(g.dtype) if na else None
    gb = g * wb.astype(g.dtype) if nb else None
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

    def backward_graph(self, g: Any) -> tuple:
        _, na, nb = self.needs_input_grad
        cond = self.cond
        return None, (where(cond, g, 0.0) if na else None), (where(cond, 0.0, g) if nb else None)


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

    def backward_graph(self, g: Any) -> tuple:
        na, nb = self.needs_input_grad
        a, b = _as_tensor(self.operand(0), g), _as_tensor(self.operand(1), g)
        a_shape, b_shape = self.a_shape, self.b_shape
        a1, b1 = len(a_shape) == 1, len(b_shape) == 1
        if a1 and b1:
            return (g * b if na else None), (g * a if nb else None)
        if a1:
            g = g.unsqueeze(-2)
        if b1:
            g = g.unsqueeze(-1)
        ga = gb = None
        if na:
            b2 = b.unsqueeze(-1) if b1 else b
            ga = matmul(g, b2.transpose(-1, -2))
            ga = unbroadcast_graph(ga, (1,) + a_shape if a1 else a_shape).reshape(a_shape)
        if nb:
            a2 = a.unsqueeze(0) if a1 else a
            gb = matmul(a2.transpose(-1, -2), g)
            gb = unbroadcast_graph(gb, b_shape + (1,) if b1 else b_shape).reshape(b_shape)
        return ga, gb


class Cast(Function):
    def forward(self, a: Any, dtype: Any = None) -> Any:
        self.src = a.dtype
        return a.astype(dtype, copy=False)

    def backward(self, g: Any) -> Any:
        return g.astype(self.src)

    def backward_graph(self, g: Any) -> Any:
        return cast(g, self.src)


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

    def backward_graph(self, g: Any) -> Any:
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
                raise DeviceError(
                    f"{who}: the operands are on different devices ({a.device} and {b.device}); "
                    "move one of them with .to()"
                )
        elif type(b) is np.ndarray and is_cupy_array(a.array):
            b = to_device(b, a.device)
    elif isinstance(b, Tensor) and type(a) is np.ndarray and is_cupy_array(b.array):
        a = to_device(a, b.device)
    return a, b


def _elementwise(name: str, op: type, a: Any, b: Any) -> Tensor:
    """``op.apply(a, b)`` with both operands on one device; a shape that does not broadcast
    is refused with torch's wording, naming ``name`` (see ``broadcast_failed``)."""
    a, b = _one_device(name, a, b)
    try:
        return op.apply(a, b)
    except ValueError as e:
        broadcast_failed(name, e, a, b)
        raise


def add(a: Any, b: Any) -> Tensor:
    """``a + b`` with broadcasting."""
    return _elementwise("add", Add, a, b)


def sub(a: Any, b: Any) -> Tensor:
    """``a - b`` with broadcasting."""
    return _elementwise("sub", Sub, a, b)


def mul(a: Any, b: Any) -> Tensor:
    """``a * b`` with broadcasting."""
    return _elementwise("mul", Mul, a, b)


def div(a: Any, b: Any) -> Tensor:
    """``a / b`` with broadcasting."""
    return _elementwise("div", Div, a, b)


def neg(a: Tensor) -> Tensor:
    """``-a``."""
    return Neg.apply(a)


def pow(a: Any, b: Any) -> Tensor:  # noqa: A001 - mirrors torch.pow
    """``a ** b``; the gradient w.r.t. ``b`` uses ``log(a)`` (defined for ``a > 0``)."""
    return _elementwise("pow", Pow, a, b)


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
    return _elementwise("atan2", Atan2, a, b)


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
    try:
        return Lerp.apply(start, end, weight)
    except ValueError as e:
        broadcast_failed("lerp", e, start, end, weight)
        raise


def maximum(a: Any, b: Any) -> Tensor:
    """Elementwise maximum of two tensors (or a tensor and a constant)."""
    return _elementwise("maximum", Maximum, a, b)


def minimum(a: Any, b: Any) -> Tensor:
    """Elementwise minimum of two tensors (or a tensor and a constant)."""
    return _elementwise("minimum", Minimum, a, b)


def where(cond: Any, a: Any, b: Any) -> Tensor:
    """Pick ``a`` where ``cond`` is true, else ``b`` (differentiable in ``a`` and ``b``)."""
    a, b = _one_device("where", a, b)
    c = cond.array if isinstance(cond, Tensor) else cond
    ref = a if isinstance(a, Tensor) else b
    if isinstance(ref, Tensor) and type(c) is not type(ref.array) and hasattr(c, "shape"):
        c = to_device(c, ref.device)  # the condition follows the values to their device
    try:
        return Where.apply(c, a, b)
    except ValueError as e:
        broadcast_failed("where", e, c, a, b)
        raise


def matmul(a: Any, b: Any) -> Tensor:
    """Matrix product with NumPy's ``@`` rules.

    Raises
    ------
    ShapeError
        When the inner dimensions differ or the batch dimensions do not broadcast; the message
        gives both shapes. A ``ValueError`` and, as in torch, a ``RuntimeError``.
    """
    sa = a.shape if hasattr(a, "shape") else np.shape(a)
    sb = b.shape if hasattr(b, "shape") else np.shape(b)
    if len(sa) == 0 or len(sb) == 0:
        raise ShapeError(f"matmul: operands must have at least 1 dimension, got {sa} and {sb}")
    ka = sa[-1]
    kb = sb[0] if len(sb) == 1 else sb[-2]
    if ka != kb:
        raise ShapeError(
            f"matmul: inner dimensions differ: {sa} @ {sb} ({ka} != {kb}); "
            f"mat1 and mat2 shapes cannot be multiplied"
        )
    a, b = _one_device("matmul", a, b)
    try:
        return MatMul.apply(a, b)
    except ValueError as e:
        if "broadcast" in str(e):
            raise ShapeError(
                f"matmul: the batch dimensions of {tuple(sa)} and {tuple(sb)} do not broadcast"
            ) from e
        raise


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
