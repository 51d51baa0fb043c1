"""torch's inverse hyperbolic functions, ``fmax``/``fmin``, ``absolute`` and the ``bitwise_*``
names, as functions and Tensor methods.

``asinh``/``acosh``/``atanh`` (and the ``arc*`` spellings) are the ops of
:mod:`glassnet.ops.hyperbolic`. ``fmax``/``fmin`` ignore a NaN when the other operand is a
number and send the gradient of a tie to the first operand, as torch's do.
``bitwise_and``/``or``/``xor``/``not`` are the ``& | ^ ~`` operators (integers and
booleans, no gradient). :class:`ElementwiseMethods` is attached to ``Tensor``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _torch_args as _args
from .autograd import tracing
from .ops import arithmetic as _ar
from .ops import hyperbolic as _hyp
from .ops import logic as _logic
from .tensor import Tensor

__all__ = [
    "asinh", "acosh", "atanh", "arcsinh", "arccosh", "arctanh", "fmax", "fmin", "absolute",
    "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "bitwise_left_shift",
    "bitwise_right_shift", "ElementwiseMethods",
]  # fmt: skip

asinh, acosh, atanh = _hyp.asinh, _hyp.acosh, _hyp.atanh
arcsinh, arccosh, arctanh = asinh, acosh, atanh


def fmax(input: Tensor, other: Any) -> Tensor:  # noqa: A002 - torch's names
    """The larger of the two, ignoring a NaN where the other is a number."""
    a, b = _args.promote(input, other)
    pick_a = (a >= b) | b.isnan() if isinstance(b, Tensor) else (a >= b)
    return _ar.where(pick_a, a, b)


def fmin(input: Tensor, other: Any) -> Tensor:  # noqa: A002
    """The smaller of the two, ignoring a NaN where the other is a number."""
    a, b = _args.promote(input, other)
    pick_a = (a <= b) | b.isnan() if isinstance(b, Tensor) else (a <= b)
    return _ar.where(pick_a, a, b)


def absolute(input: Tensor) -> Tensor:  # noqa: A002
    return input.abs()


def _integral(x: Any, who: str) -> None:
    if isinstance(x, Tensor) and x.dtype.kind not in "iub":
        raise TypeError(f"{who}: expected integer or boolean tensors, got dtype {x.dtype}")


def bitwise_and(input: Tensor, other: Any) -> Tensor:  # noqa: A002
    _integral(input, "bitwise_and")
    _integral(other, "bitwise_and")
    return input & other


def bitwise_or(input: Tensor, other: Any) -> Tensor:  # noqa: A002
    _integral(input, "bitwise_or")
    _integral(other, "bitwise_or")
    return input | other


def bitwise_xor(input: Tensor, other: Any) -> Tensor:  # noqa: A002
    _integral(input, "bitwise_xor")
    _integral(other, "bitwise_xor")
    return input ^ other


def bitwise_not(input: Tensor) -> Tensor:  # noqa: A002
    _integral(input, "bitwise_not")
    return ~input


def _traceable_shift(a: Any, b: Any) -> bool:
    """Whether ``a << b`` / ``a >> b`` can run as a product / floor quotient by ``2**b``:
    an integer tensor shifted by a Python int whose power of two fits its dtype."""
    if not isinstance(a, Tensor) or type(b) is not int or a.dtype.kind not in "iu":
        return False
    return 0 <= b < a.dtype.itemsize * 8 - (a.dtype.kind == "i")


def _shift(a: Any, b: Any, left: bool) -> Tensor:
    """``a << b`` or ``a >> b`` on integers and booleans, as torch: a Python int takes the
    tensor's dtype, and a shift by a negative count or by the width or more gives 0 (``<<``)
    or the sign fill (``>>``), where NumPy's answer depends on the machine."""
    who = "bitwise_left_shift" if left else "bitwise_right_shift"
    for x in (a, b):
        if isinstance(x, Tensor):
            _integral(x, who)
        elif not isinstance(x, int):
            raise TypeError(f"{who}: expected integer tensors or Python ints, got {type(x).__name__}")
    if tracing.current() is not None and _traceable_shift(a, b):
        # While exporting, a shift by a fixed count is the same product or floor quotient
        # by 2**b (two's-complement wrap included), which the trace records.
        return a * (1 << b) if left else a // (1 << b)
    _logic.refuse_while_tracing(who, "glassnet records no shift op; a shift of an integer tensor by a Python int exports")
    a, b = _args.promote(a, b)
    xp = (a if isinstance(a, Tensor) else b).xp
    aa = a.array if isinstance(a, Tensor) else a
    bb = b.array if isinstance(b, Tensor) else b
    if all(type(x) is bool or getattr(getattr(x, "dtype", None), "kind", "") == "b" for x in (aa, bb)):
        raise TypeError(f"{who}: not defined for two booleans (cast one to an integer dtype)")
    with np.errstate(all="ignore"):
        out = xp.left_shift(aa, bb) if left else xp.right_shift(aa, bb)
        out = xp.asarray(out)
        bits = out.dtype.itemsize * 8
        counts = xp.asarray(bb)
        over = (counts < 0) | (counts >= bits)
        if bool(over.any()):
            full = xp.zeros_like(out) if left else xp.right_shift(xp.asarray(aa, dtype=out.dtype), bits - 1)
            out = xp.where(over, full, out).astype(out.dtype)
    return Tensor._make(out, False, None, 0)


def bitwise_left_shift(input: Any, other: Any) -> Tensor:  # noqa: A002
    """``input << other`` elementwise (integer or boolean tensors, no gradient)."""
    return _shift(input, other, True)


def bitwise_right_shift(input: Any, other: Any) -> Tensor:  # noqa: A002
    """``input >> other`` elementwise, arithmetic for signed integers (no gradient)."""
    return _shift(input, other, False)


class ElementwiseMethods:
    """The Tensor methods of this module (attached by ``_tensor_methods.attach``)."""

    def asinh(self) -> Tensor:
        return asinh(self)

    def acosh(self) -> Tensor:
        return acosh(self)

    def atanh(self) -> Tensor:
        return atanh(self)

    arcsinh, arccosh, arctanh = asinh, acosh, atanh

    def fmax(self, other: Any) -> Tensor:
        return fmax(self, other)

    def fmin(self, other: Any) -> Tensor:
        return fmin(self, other)

    def absolute(self) -> Tensor:
        return self.abs()

    def bitwise_and(self, other: Any) -> Tensor:
        return bitwise_and(self, other)

    def bitwise_or(self, other: Any) -> Tensor:
        return bitwise_or(self, other)

    def bitwise_xor(self, other: Any) -> Tensor:
        return bitwise_xor(self, other)

    def bitwise_not(self) -> Tensor:
        return bitwise_not(self)

    def bitwise_left_shift(self, other: Any) -> Tensor:
        return _shift(self, other, True)

    def bitwise_right_shift(self, other: Any) -> Tensor:
        return _shift(self, other, False)

    def __lshift__(self, other: Any) -> Tensor:
        return _shift(self, other, True)

    def __rlshift__(self, other: Any) -> Tensor:
        return _shift(other, self, True)

    def __rshift__(self, other: Any) -> Tensor:
        return _shift(self, other, False)

    def __rrshift__(self, other: Any) -> Tensor:
        return _shift(other, self, False)
