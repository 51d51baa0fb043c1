"""The inverse hyperbolic functions ``asinh``, ``acosh`` and ``atanh`` as ops.

Forward is ``xp.arcsinh``/``arccosh``/``arctanh`` (accurate near 0 and for large
arguments, where the logarithm formulas cancel); the gradients are
``1 / sqrt(x^2 + 1)``, ``1 / sqrt(x^2 - 1)`` and ``1 / (1 - x^2)``. Outside the domain
(``x < 1`` for ``acosh``, ``|x| > 1`` for ``atanh``) the value is NaN, as in torch.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd.function import Function
from ..backend import get_array_module
from ..tensor import Tensor
from ._float_input import floating

__all__ = ["Asinh", "Acosh", "Atanh", "asinh", "acosh", "atanh"]


class _Inverse(Function):
    """One input saved; ``backward`` is ``g * derivative(x)``. Each subclass's ``forward``
    calls :meth:`_run` (a class with a ``forward`` of its own is an op to export)."""

    name = ""

    def _run(self, a: Any) -> Any:
        if self.requires_grad:
            self.a = a
        with np.errstate(invalid="ignore", divide="ignore"):  # NaN/inf outside, as torch
            return getattr(get_array_module(a), self.name)(a)

    def backward(self, g: Any) -> Any:
        with np.errstate(invalid="ignore", divide="ignore"):
            return g * self.derivative(get_array_module(g), self.a)


class Asinh(_Inverse):
    name = "arcsinh"

    def forward(self, a: Any) -> Any:
        return self._run(a)

    @staticmethod
    def derivative(xp: Any, a: Any) -> Any:
        return 1 / xp.sqrt(a * a + 1)


class Acosh(_Inverse):
    name = "arccosh"

    def forward(self, a: Any) -> Any:
        return self._run(a)

    @staticmethod
    def derivative(xp: Any, a: Any) -> Any:
        return 1 / xp.sqrt(a * a - 1)


class Atanh(_Inverse):
    name = "arctanh"

    def forward(self, a: Any) -> Any:
        return self._run(a)

    @staticmethod
    def derivative(xp: Any, a: Any) -> Any:
        return 1 / (1 - a * a)



def asinh(x: Tensor) -> Tensor:
    """``asinh(x)`` elementwise (integers give the default float dtype): same shape."""
    return Asinh.apply(floating(x, "asinh"))


def acosh(x: Tensor) -> Tensor:
    """``acosh(x)`` elementwise, NaN below 1: same shape."""
    return Acosh.apply(floating(x, "acosh"))


def atanh(x: Tensor) -> Tensor:
    """``atanh(x)`` elementwise, +-inf at +-1, NaN beyond: same shape."""
    return Atanh.apply(floating(x, "atanh"))
