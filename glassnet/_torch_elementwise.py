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

from . import _torch_args as _args
from .ops import arithmetic as _ar
from .ops import hyperbolic as _hyp
from .tensor import Tensor

__all__ = [
    "asinh", "acosh", "atanh", "arcsinh", "arccosh", "arctanh", "fmax", "fmin", "absolute",
    "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "ElementwiseMethods",
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
