"""More activation layers with PyTorch's names and arguments (the functions are composed ops).

``inplace=`` is accepted where PyTorch has it; glassnet never overwrites a
layer's input, so it has no effect.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...backend import default_dtype
from ...ops import activation_composed as C
from ...tensor import Tensor
from ..module import Module, Parameter
from ._checks import as_given
from .activation import _inplace_repr

__all__ = [
    "Hardtanh", "ReLU6", "Hardsigmoid", "Hardswish", "Mish", "LogSigmoid", "Softmin", "PReLU",
    "SELU", "CELU", "Softsign",
]  # fmt: skip


def _number(layer: str, name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{layer}: {name} must be a number, got {value!r}")
    return as_given(value)


class _Elementwise(Module):
    """An activation with no parameters: ``forward`` applies ``fn``; shape ``(*)`` to ``(*)``."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = bool(inplace)

    def fn(self, x: Tensor) -> Tensor:  # pragma: no cover - abstract
        raise NotImplementedError

    def forward(self, x: Tensor) -> Tensor:
        return self.fn(x)


class Hardtanh(_Elementwise):
    """``x`` clipped to ``[min_val, max_val]``.

    Parameters
    ----------
    min_val : float, default -1
    max_val : float, default 1
    inplace : bool, default False
    min_value, max_value : float, optional
        PyTorch's old names of ``min_val``/``max_val``; they win when given.

    Shape
    -----
    - Input: ``(*)``; Output: ``(*)``
    """

    def __init__(
        self,
        min_val: float = -1.0,
        max_val: float = 1.0,
        inplace: bool = False,
        min_value: float | None = None,
        max_value: float | None = None,
    ) -> None:
        super().__init__(inplace)
        min_val = min_val if min_value is None else min_value
        max_val = max_val if max_value is None else max_value
        self.min_val = _number("Hardtanh", "min_val", min_val)
        self.max_val = _number("Hardtanh", "max_val", max_val)
        if self.max_val <= self.min_val:  # torch's layer asserts it (F.hardtanh allows equal)
            raise ValueError(f"Hardtanh: max_val ({max_val}) must be > min_val ({min_val})")

    def fn(self, x: Tensor) -> Tensor:
        return C.hardtanh(x, self.min_val, self.max_val)

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}" + _inplace_repr(self, ", ")


class ReLU6(_Elementwise):
    """``min(max(x, 0), 6)``. Shape ``(*)`` to ``(*)``."""

    def fn(self, x: Tensor) -> Tensor:
        return C.relu6(x)

    def extra_repr(self) -> str:
        return _inplace_repr(self)


class Hardsigmoid(_Elementwise):
    """``clip(x / 6 + 1/2, 0, 1)``. Shape ``(*)`` to ``(*)``."""

    def fn(self, x: Tensor) -> Tensor:
        return C.hardsigmoid(x)


class Hardswish(_Elementwise):
    """``x * clip(x + 3, 0, 6) / 6``. Shape ``(*)`` to ``(*)``."""

    def fn(self, x: Tensor) -> Tensor:
        return C.hardswish(x)


class Mish(_Elementwise):
    """``x * tanh(softplus(x))``. Shape ``(*)`` to ``(*)``."""

    def fn(self, x: Tensor) -> Tensor:
        return C.mish(x)

    def extra_repr(self) -> str:
        return _inplace_repr(self)


class SELU(_Elementwise):
    """Scaled ELU with the self-normalising constants. Shape ``(*)`` to ``(*)``."""

    def fn(self, x: Tensor) -> Tensor:
        return C.selu(x)

    def extra_repr(self) -> str:
        return _inplace_repr(self)


class CELU(_Elementwise):
    """``max(0, x) + min(0, alpha (exp(x / alpha) - 1))``.

    Parameters
    ----------
    alpha : float, default 1
    inplace : bool, default False
    """

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__(inplace)
        self.alpha = _number("CELU", "alpha", alpha)
        if self.alpha == 0:
            raise ValueError("CELU: alpha must not be 0")

    def fn(self, x: Tensor) -> Tensor:
        return C.celu(x, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}" + _inplace_repr(self, ", ")


class LogSigmoid(Module):
    """``log(sigmoid(x))``, stable. Shape ``(*)`` to ``(*)``."""

    def forward(self, x: Tensor) -> Tensor:
        return C.logsigmoid(x)


class Softsign(Module):
    """``x / (1 + |x|)``. Shape ``(*)`` to ``(*)``."""

    def forward(self, x: Tensor) -> Tensor:
        return C.softsign(x)


class Softmin(Module):
    """``softmax(-x)`` along ``dim``.

    Parameters
    ----------
    dim : int, optional
        Without it, PyTorch's legacy implicit choice is made, with its warning.

    Shape
    -----
    - Input: ``(*)``; Output: ``(*)``
    """

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        if dim is not None and (isinstance(dim, bool) or not isinstance(dim, int)):
            raise TypeError(f"Softmin: dim must be an int or None, got {dim!r}")
        self.dim = dim

    def forward(self, x: Tensor) -> Tensor:
        return C.softmin(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class PReLU(Module):
    """``x`` where positive, ``a * x`` elsewhere, with learnt slopes ``a``.

    Parameters
    ----------
    num_parameters : int, default 1
        1 (one slope for all) or the number of channels (axis 1 of the input).
    init : float, default 0.25
        Initial slope.
    device : str, optional
    dtype : dtype, optional

    Shape
    -----
    - Input: ``(N, C, *)``; 0- and 1-D inputs have one channel; Output: the same

    Attributes
    ----------
    weight : Parameter, shape (num_parameters,)
    """

    def __init__(
        self, num_parameters: int = 1, init: float = 0.25, device: Any = None, dtype: Any = None
    ) -> None:
        super().__init__()
        if isinstance(num_parameters, bool) or not isinstance(num_parameters, int) or num_parameters < 1:
            raise ValueError(f"PReLU: num_parameters must be a positive int, got {num_parameters!r}")
        self.num_parameters = num_parameters
        self.init = _number("PReLU", "init", init)
        dt = np.dtype(dtype) if dtype is not None else default_dtype()
        self.weight = Parameter(np.full((num_parameters,), self.init, dtype=dt))
        if device is not None:
            self.to(device)

    def reset_parameters(self) -> None:
        self.weight.array[...] = self.init

    def forward(self, x: Tensor) -> Tensor:
        return C.prelu(x, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"
