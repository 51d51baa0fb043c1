"""PyTorch's remaining activation layers: Threshold, GLU, RReLU, the shrinks and Softmax2d.

The functions are composed ops (:mod:`glassnet.ops.activation_shrink`);
``inplace=`` is accepted where PyTorch has it and computes out of place.
"""

from __future__ import annotations

from typing import Any

from ...ops import activation as A
from ...ops import activation_shrink as K
from ...tensor import Tensor
from ..module import Module
from .activation import _inplace_repr

__all__ = ["Threshold", "GLU", "RReLU", "Hardshrink", "Softshrink", "Tanhshrink", "Softmax2d"]


def _number(layer: str, name: str, value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{layer}: {name} must be a number, got {value!r}")
    return value


class Threshold(Module):
    """``x`` where ``x > threshold``, else ``value``.

    Parameters
    ----------
    threshold : float
    value : float
    inplace : bool, default False
        Accepted; the result is computed out of place.

    Shape
    -----
    - Input: ``(*)``; Output: ``(*)``
    """

    def __init__(self, threshold: float, value: float, inplace: bool = False) -> None:
        super().__init__()
        self.threshold = _number("Threshold", "threshold", threshold)
        self.value = _number("Threshold", "value", value)
        self.inplace = bool(inplace)

    def forward(self, x: Tensor) -> Tensor:
        return K.threshold(x, self.threshold, self.value)

    def extra_repr(self) -> str:
        return f"threshold={self.threshold}, value={self.value}" + _inplace_repr(self, ", ")


class GLU(Module):
    """Gated linear unit ``a * sigmoid(b)``, ``a`` and ``b`` the halves of the input along ``dim``.

    Shape
    -----
    - Input: ``(*, 2 * M, *)``; Output: ``(*, M, *)``
    """

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        if isinstance(dim, bool) or not isinstance(dim, int):
            raise TypeError(f"GLU: dim must be an int, got {dim!r}")
        self.dim = dim

    def forward(self, x: Tensor) -> Tensor:
        return K.glu(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class RReLU(Module):
    """Randomised leaky ReLU: random negative slopes in ``[lower, upper]`` in training.

    In evaluation mode the slope is ``(lower + upper) / 2``. Training slopes come
    from glassnet's global generator (``gn.manual_seed``), not torch's, so they are
    not PyTorch's numbers.

    Shape
    -----
    - Input: ``(*)``; Output: ``(*)``
    """

    def __init__(self, lower: float = 1.0 / 8, upper: float = 1.0 / 3, inplace: bool = False) -> None:
        super().__init__()
        self.lower = _number("RReLU", "lower", lower)
        self.upper = _number("RReLU", "upper", upper)
        if self.lower > self.upper:
            raise ValueError(f"RReLU: lower ({lower}) must be <= upper ({upper})")
        self.inplace = bool(inplace)

    def forward(self, x: Tensor) -> Tensor:
        return K.rrelu(x, self.lower, self.upper, self.training)

    def extra_repr(self) -> str:
        return f"lower={self.lower}, upper={self.upper}" + _inplace_repr(self, ", ")


class Hardshrink(Module):
    """``x`` where ``|x| > lambd``, else 0. Shape ``(*)`` to ``(*)``."""

    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__()
        self.lambd = _number("Hardshrink", "lambd", lambd)

    def forward(self, x: Tensor) -> Tensor:
        return K.hardshrink(x, self.lambd)

    def extra_repr(self) -> str:
        return f"{self.lambd}"


class Softshrink(Module):
    """``x`` moved ``lambd`` towards 0, and 0 within ``[-lambd, lambd]``. Shape ``(*)`` to ``(*)``."""

    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__()
        self.lambd = _number("Softshrink", "lambd", lambd)

    def forward(self, x: Tensor) -> Tensor:
        return K.softshrink(x, self.lambd)

    def extra_repr(self) -> str:
        return f"{self.lambd}"


class Tanhshrink(Module):
    """``x - tanh(x)``. Shape ``(*)`` to ``(*)``."""

    def forward(self, x: Tensor) -> Tensor:
        return K.tanhshrink(x)


class Softmax2d(Module):
    """Softmax over the channels at each spatial position.

    Shape
    -----
    - Input: ``(N, C, H, W)`` or ``(C, H, W)``; Output: the same
    """

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim not in (3, 4):
            raise ValueError(
                f"Softmax2d: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got shape "
                f"{tuple(x.shape)}"
            )
        return A.softmax(x, -3)
