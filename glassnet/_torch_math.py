"""More of torch's top-level functions: products and elementwise functions, each composed
of existing differentiable ops.

``mv``, ``inner``, ``vdot``, ``ger``, ``addmv``, ``addr``, ``addcmul``, ``addcdiv``,
``chain_matmul``, ``kron``, ``cross``, ``hypot``, ``logaddexp``, ``logaddexp2``,
``float_power``, ``copysign``, ``deg2rad``, ``rad2deg`` and ``ldexp`` get their gradients
from the ops they are made of; ``signbit``, ``isposinf``/``isneginf``, ``isreal`` and
``gcd``/``lcm`` give results without gradients, as in torch. :class:`MathMethods` is
attached to ``Tensor``; shapes and statistics are in :mod:`glassnet._torch_shapes`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import _torch_args as _args
from . import return_types as rt
from .ops import arithmetic as _ar
from .ops import shape as _sh
from .tensor import Tensor

__all__ = [
    "mv", "inner", "vdot", "ger", "addmv", "addbmm", "addr", "addcmul", "addcdiv", "chain_matmul",
    "kron", "cross", "hypot", "logaddexp", "logaddexp2", "float_power", "copysign", "deg2rad",
    "rad2deg", "ldexp", "frexp", "nextafter", "signbit", "isposinf", "isneginf", "isreal", "gcd", "lcm", "fix",
    "MathMethods",
]  # fmt: skip


def _t(x: Any, who: str) -> Tensor:
    if isinstance(x, Tensor):
        return x
    if isinstance(x, (int, float, bool, list, tuple, np.ndarray, np.generic)):
        return Tensor(np.asarray(x)) if not isinstance(x, float) else Tensor(np.float32(x))
    raise TypeError(f"{who}: expected a Tensor, got {type(x).__name__}")


def _need_dims(x: Tensor, ndim: int, who: str, name: str = "input") -> None:
    if x.ndim != ndim:
        raise RuntimeError(f"{who}: expected {name} to be {ndim}-D, got shape {tuple(x.shape)}")


# ---------------------------------------------------------------------- products
def mv(input: Tensor, vec: Tensor) -> Tensor:  # noqa: A002 - torch's names
    """Matrix ``(n, m)`` times vector ``(m,)``: shape ``(n,)``."""
    _need_dims(input, 2, "mv")
    _need_dims(vec, 1, "mv", "vec")
    return input @ vec


def inner(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """Sum over the last axes of both (a product for 0-d inputs)."""
    if input.ndim == 0 or other.ndim == 0:
        return input * other
    if input.shape[-1] != other.shape[-1]:
        raise RuntimeError(
            f"inner: last dims must match, got shapes {tuple(input.shape)} and {tuple(other.shape)}"
        )
    lead = tuple(input.shape[:-1])
    rest = tuple(other.shape[:-1])
    out = input.reshape(-1, input.shape[-1]) @ other.reshape(-1, other.shape[-1]).mT
    return out.reshape(*lead, *rest)


def vdot(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """The dot product of two 1-D tensors (real: as ``dot``)."""
    _need_dims(input, 1, "vdot")
    _need_dims(other, 1, "vdot", "other")
    return input.dot(other)


def ger(input: Tensor, vec2: Tensor) -> Tensor:  # noqa: A002
    """The outer product (``torch.outer``'s old name)."""
    return input.outer(vec2)


def addmv(
    input: Tensor, mat: Tensor, vec: Tensor, *, beta: float = 1, alpha: float = 1  # noqa: A002
) -> Tensor:
    """``beta * input + alpha * (mat @ vec)``."""
    return _scaled_sum(input, mv(mat, vec), beta, alpha)


def addbmm(
    input: Tensor, batch1: Tensor, batch2: Tensor, *, beta: float = 1, alpha: float = 1  # noqa: A002
) -> Tensor:
    """``beta * input + alpha * sum_b(batch1[b] @ batch2[b])`` for ``(b, n, m) @ (b, m, p)``;
    ``input`` broadcasts to ``(n, p)``."""
    _need_dims(batch1, 3, "addbmm", "batch1")
    _need_dims(batch2, 3, "addbmm", "batch2")
    return _scaled_sum(input, (batch1 @ batch2).sum(0), beta, alpha)


def addr(
    input: Tensor, vec1: Tensor, vec2: Tensor, *, beta: float = 1, alpha: float = 1  # noqa: A002
) -> Tensor:
    """``beta * input + alpha * outer(vec1, vec2)``."""
    return _scaled_sum(input, vec1.outer(vec2), beta, alpha)


def _scaled_sum(input: Tensor, prod: Tensor, beta: float, alpha: float) -> Tensor:  # noqa: A002
    left = input if beta == 1 else (input * beta if beta != 0 else input * 0)
    right = prod if alpha == 1 else prod * alpha
    return left + right


def addcmul(input: Tensor, tensor1: Any, tensor2: Any, *, value: float = 1) -> Tensor:  # noqa: A002
    """``input + value * tensor1 * tensor2``."""
    if isinstance(value, float) and all(
        isinstance(t, Tensor) and t.dtype.kind in "iub" for t in (input, tensor1, tensor2)
    ):
        value = int(value)  # torch casts value to the integer dtype: 0.5 counts as 0
    prod = tensor1 * tensor2
    return input + (prod if value == 1 else prod * value)


def addcdiv(input: Tensor, tensor1: Any, tensor2: Any, *, value: float = 1) -> Tensor:  # noqa: A002
    """``input + value * tensor1 / tensor2``."""
    if isinstance(tensor1, Tensor) and isinstance(tensor2, Tensor):
        if tensor1.dtype.kind in "iub" and tensor2.dtype.kind in "iub":
            raise RuntimeError(
                "addcdiv: integer division with addcdiv is no longer supported (as in torch); "
                "divide the tensors with true_divide first"
            )
    quot = tensor1 / tensor2
    return input + (quot if value == 1 else quot * value)


def chain_matmul(*matrices: Tensor) -> Tensor:
    """The product of the given 2-D tensors, left to right."""
    if not matrices:
        raise RuntimeError("chain_matmul: expected at least one matrix")
    out = matrices[0]
    for m in matrices[1:]:
        out = out @ m
    return out


def kron(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """The Kronecker product: shape ``input.shape * other.shape`` (dims aligned right)."""
    nd = max(input.ndim, other.ndim)
    a = input.reshape(*((1,) * (nd - input.ndim) + tuple(input.shape)))
    b = other.reshape(*((1,) * (nd - other.ndim) + tuple(other.shape)))
    # a[i0, i1, ...] * b[j0, j1, ...] laid out as (i0, j0, i1, j1, ...)
    a_shape = [s for d in a.shape for s in (d, 1)]
    b_shape = [s for d in b.shape for s in (1, d)]
    prod = a.reshape(*a_shape) * b.reshape(*b_shape)
    return prod.reshape(*(p * q for p, q in zip(a.shape, b.shape)))


def cross(input: Tensor, other: Tensor, dim: int | None = None) -> Tensor:  # noqa: A002
    """The cross product of 3-vectors along ``dim`` (None: the first dim of size 3, as
    ``torch.cross``); broadcasts."""
    a, b = _args.promote(input, other)
    if a.ndim != b.ndim:
        raise RuntimeError(
            f"cross: inputs must have the same number of dimensions, got shapes "
            f"{tuple(a.shape)} and {tuple(b.shape)}"
        )
    shape = np.broadcast_shapes(tuple(a.shape), tuple(b.shape))
    a, b = a.expand(*shape), b.expand(*shape)
    if dim is None:
        dim = next((i for i, s in enumerate(shape) if s == 3), None)
        if dim is None:
            raise RuntimeError(f"cross: no dimension of size 3 in input of shape {shape}")
    if shape[dim] != 3:
        raise RuntimeError(f"cross: dimension {dim} must have size 3, got shape {shape}")

    def comp(x: Tensor, i: int) -> Tensor:
        return x.narrow(dim, i, 1)

    parts = [
        comp(a, 1) * comp(b, 2) - comp(a, 2) * comp(b, 1),
        comp(a, 2) * comp(b, 0) - comp(a, 0) * comp(b, 2),
        comp(a, 0) * comp(b, 1) - comp(a, 1) * comp(b, 0),
    ]
    return _sh.concat(parts, axis=dim % len(shape))


# ------------------------------------------------------------------ elementwise
def fix(input: Tensor) -> Tensor:  # noqa: A002
    """``trunc``: rounds toward zero (torch's alias)."""
    return _t(input, "fix").trunc()


def _floating_pair(who: str, input: Any, other: Any) -> tuple[Any, Any]:  # noqa: A002
    """Both operands in their promoted floating dtype (``float16`` with ``float64``
    computes in float64, as torch); integer or bool operands are refused, as torch."""
    a, b = _args.promote(input, other)
    tensors = [x for x in (a, b) if isinstance(x, Tensor)]
    dtype = np.result_type(*[x.array.dtype for x in tensors])
    if dtype.kind != "f":
        raise NotImplementedError(f"{who}: not implemented for {dtype} tensors, as in torch (cast first)")
    a, b = (_ar.cast(x, dtype) if isinstance(x, Tensor) and x.array.dtype != dtype else x for x in (a, b))
    return a, b


def hypot(input: Tensor, other: Any) -> Tensor:  # noqa: A002
    """``sqrt(input^2 + other^2)``; infinite where either is infinite (even with a NaN)."""
    a, b = _floating_pair("hypot", input, other)
    out = (a * a + b * b).sqrt()
    infinite = a.isinf() | b.isinf() if isinstance(b, Tensor) else a.isinf()
    if bool(infinite.any()):
        out = _ar.where(infinite, math.inf, out)
    return out


def logaddexp(input: Tensor, other: Any) -> Tensor:  # noqa: A002
    """``log(exp(input) + exp(other))``, computed as ``max + log1p(exp(-|a - b|))``
    (``-inf`` and ``inf`` met by themselves give themselves, as torch)."""
    a, b = _floating_pair("logaddexp", input, other)
    big = _ar.maximum(a, b)
    out = big + (-(a - b).abs()).exp().log1p()
    same_inf = (a == b) & big.isinf()
    if bool(same_inf.any()):
        out = _ar.where(same_inf, big.detach(), out)
    return out


def logaddexp2(input: Tensor, other: Any) -> Tensor:  # noqa: A002
    """``log2(2^input + 2^other)``."""
    ln2 = math.log(2.0)
    return logaddexp(input * ln2, other * ln2) / ln2


def float_power(input: Any, exponent: Any) -> Tensor:  # noqa: A002
    """``input ** exponent`` in float64."""
    base = _t(input, "float_power")
    base = base if base.dtype == np.float64 else _ar.cast(base, np.dtype(np.float64))
    if isinstance(exponent, Tensor) and exponent.dtype != np.float64:
        exponent = _ar.cast(exponent, np.dtype(np.float64))
    return base**exponent


def copysign(input: Tensor, other: Any) -> Tensor:  # noqa: A002
    """``|input|`` with the sign of ``other`` (its sign bit: ``-0.0`` counts as negative)."""
    o = other.array if isinstance(other, Tensor) else np.asarray(other)
    if o.dtype.kind == "f" and isinstance(other, Tensor) and _t(input, "copysign").is_floating_point():
        if other.ndim or not input.ndim:  # torch's promotion (a 0-d other follows)
            input = input.to(np.result_type(input.dtype, o.dtype))
    elif o.dtype.kind == "f" and isinstance(other, Tensor):  # an integer input takes other's
        input = input.to(o.dtype)
    x = _args.floating(_t(input, "copysign"))
    neg = Tensor(np.signbit(o))
    mag = x.abs()
    out = _ar.where(neg, -mag, mag)
    if isinstance(other, Tensor) and other.requires_grad:  # torch: a zero gradient for other
        out = _ar.where(Tensor(np.ones((), dtype=bool)), out, other.to(out.dtype))
    return out


def deg2rad(input: Tensor) -> Tensor:  # noqa: A002
    return _args.floating(input) * (math.pi / 180.0)


def rad2deg(input: Tensor) -> Tensor:  # noqa: A002
    return _args.floating(input) * (180.0 / math.pi)


def ldexp(input: Tensor, other: Any) -> Tensor:  # noqa: A002
    """``input * 2 ** other``."""
    two = Tensor(np.asarray(2.0, dtype=np.float32))
    return _args.floating(input) * two ** _args.floating(_t(other, "ldexp"))


def frexp(input: Tensor) -> rt.frexp:  # noqa: A002
    """``(mantissa, exponent)`` with ``input = mantissa * 2 ** exponent``, ``|mantissa|`` in
    [0.5, 1) (0, inf and NaN keep themselves with exponent 0), as ``torch.frexp``; the
    exponent int32, the mantissa differentiable (``grad / 2 ** exponent``, torch's)."""
    x = _t(input, "frexp")
    if x.array.dtype.kind != "f":
        raise RuntimeError(f"frexp: only floating dtypes are supported (as torch), got {x.dtype}")
    mant, expo = x.xp.frexp(x.array)
    with np.errstate(over="ignore"):
        scale = x.xp.ldexp(x.xp.ones((), dtype=x.array.dtype), -expo)
    # x * 2**-e is exact; where the scale overflows (subnormal x) the mantissa is a constant
    out = _ar.where(x.xp.isfinite(scale), x * Tensor(scale), mant)
    return rt.frexp(out, Tensor(expo.astype(np.int32)))


def nextafter(input: Tensor, other: Any) -> Tensor:  # noqa: A002
    """The next representable value after ``input`` toward ``other`` (floating dtypes; no
    gradient, as torch's has none)."""
    a, b = _args.promote(_t(input, "nextafter"), other)
    dtype = np.result_type(*[x.array.dtype for x in (a, b) if isinstance(x, Tensor)])
    if dtype.kind != "f":
        raise RuntimeError(f"nextafter: only floating dtypes are supported (as torch), got {dtype}")
    aa, bb = (x.array if isinstance(x, Tensor) else x for x in (a, b))
    return Tensor(a.xp.nextafter(a.xp.asarray(aa, dtype=dtype), a.xp.asarray(bb, dtype=dtype)))


def signbit(input: Tensor) -> Tensor:  # noqa: A002
    return Tensor(np.signbit(input.array))


def isposinf(input: Tensor) -> Tensor:  # noqa: A002
    return Tensor(np.isposinf(input.array))


def isneginf(input: Tensor) -> Tensor:  # noqa: A002
    return Tensor(np.isneginf(input.array))


def isreal(input: Tensor) -> Tensor:  # noqa: A002
    """True everywhere: glassnet has no complex dtype."""
    return Tensor(np.ones(input.shape, dtype=bool))


def _ints(who: str, *xs: Tensor) -> None:
    for x in xs:
        if x.dtype.kind not in "iu":
            raise RuntimeError(f"{who}: expected integer tensors, got dtype {x.dtype}")


def gcd(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    _ints("gcd", input, other)
    return Tensor(np.gcd(input.array, other.array))


def lcm(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    _ints("lcm", input, other)
    return Tensor(np.lcm(input.array, other.array))


class MathMethods:
    """The Tensor methods of this module (attached by ``_tensor_methods.attach``)."""

    def mv(self, vec: Tensor) -> Tensor:
        return mv(self, vec)

    def inner(self, other: Tensor) -> Tensor:
        return inner(self, other)

    def vdot(self, other: Tensor) -> Tensor:
        return vdot(self, other)

    def ger(self, vec2: Tensor) -> Tensor:
        return ger(self, vec2)

    def addmv(self, mat: Tensor, vec: Tensor, *, beta: float = 1, alpha: float = 1) -> Tensor:
        return addmv(self, mat, vec, beta=beta, alpha=alpha)

    def addbmm(self, batch1: Tensor, batch2: Tensor, *, beta: float = 1, alpha: float = 1) -> Tensor:
        return addbmm(self, batch1, batch2, beta=beta, alpha=alpha)

    def addr(self, vec1: Tensor, vec2: Tensor, *, beta: float = 1, alpha: float = 1) -> Tensor:
        return addr(self, vec1, vec2, beta=beta, alpha=alpha)

    def addcmul(self, tensor1: Any, tensor2: Any, *, value: float = 1) -> Tensor:
        return addcmul(self, tensor1, tensor2, value=value)

    def addcdiv(self, tensor1: Any, tensor2: Any, *, value: float = 1) -> Tensor:
        return addcdiv(self, tensor1, tensor2, value=value)

    def kron(self, other: Tensor) -> Tensor:
        return kron(self, other)

    def cross(self, other: Tensor, dim: int | None = None) -> Tensor:
        return cross(self, other, dim)

    def hypot(self, other: Any) -> Tensor:
        return hypot(self, other)

    def logaddexp(self, other: Any) -> Tensor:
        return logaddexp(self, other)

    def logaddexp2(self, other: Any) -> Tensor:
        return logaddexp2(self, other)

    def float_power(self, exponent: Any) -> Tensor:
        return float_power(self, exponent)

    def copysign(self, other: Any) -> Tensor:
        return copysign(self, other)

    def deg2rad(self) -> Tensor:
        return deg2rad(self)

    def rad2deg(self) -> Tensor:
        return rad2deg(self)

    def ldexp(self, other: Any) -> Tensor:
        return ldexp(self, other)

    def frexp(self) -> rt.frexp:
        return frexp(self)

    def nextafter(self, other: Any) -> Tensor:
        return nextafter(self, other)

    def signbit(self) -> Tensor:
        return signbit(self)

    def isposinf(self) -> Tensor:
        return isposinf(self)

    def isneginf(self) -> Tensor:
        return isneginf(self)

    def isreal(self) -> Tensor:
        return isreal(self)

    def gcd(self, other: Tensor) -> Tensor:
        return gcd(self, other)

    def lcm(self, other: Tensor) -> Tensor:
        return lcm(self, other)
