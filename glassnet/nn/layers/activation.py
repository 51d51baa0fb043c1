"""Activation layers: thin modules over the activation ops, with PyTorch's names and arguments.

``inplace=`` is accepted where PyTorch has it so ported code runs unchanged;
glassnet never overwrites a layer's input, so it has no effect.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from ..._validate import is_int, is_number
from ...ops import activation as A
from ...ops.activation_composed import implicit_softmax_dim
from ...tensor import Tensor
from ..module import Module
from ._checks import as_given

__all__ = [
    "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "ELU", "GELU", "Softplus", "SiLU", "Softmax",
    "LogSoftmax", "ACTIVATIONS", "get_activation",
]  # fmt: skip


def _number(layer: str, name: str, value: Any, *, positive: bool = False) -> float:
    if not is_number(value):
        raise TypeError(f"{layer}: {name} must be a number, got {value!r}")
    if positive and value <= 0:
        raise ValueError(f"{layer}: {name} must be positive, got {value!r}")
    return as_given(value)


def _dim(layer: str, dim: Any) -> int | None:
    if dim is not None and not is_int(dim):
        raise TypeError(f"{layer}: dim must be an int, got {dim!r}")
    return dim


def _softmax_axis(layer: Module, x: Tensor, dim: int | None) -> int:
    """``dim``, or PyTorch's implicit choice (with its warning) when it is None.

    A 0-D input is taken as torch takes it (``dim`` 0 or -1): its softmax is 1.
    """
    if dim is None:
        return implicit_softmax_dim(type(layer).__name__, x.ndim)
    if x.ndim == 0 and dim in (0, -1):
        return dim
    return _axis_in_range(layer, x, dim)


def _inplace_repr(layer: Module, sep: str = "") -> str:
    """``"inplace=True"`` (after ``sep``) when the layer was made with it, as PyTorch's repr."""
    return f"{sep}inplace=True" if getattr(layer, "inplace", False) else ""


class ReLU(Module):
    """``max(x, 0)`` elementwise.

    Parameters
    ----------
    inplace : bool, default False
        Accepted for PyTorch; the result is computed out of place (the input is left unchanged).

    Shape
    -----
    - Input: ``(*)``
    - Output: ``(*)``, same shape
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = bool(inplace)

    def forward(self, x: Tensor) -> Tensor:
        return A.relu(x)

    def extra_repr(self) -> str:
        return _inplace_repr(self)


class LeakyReLU(Module):
    """``x`` where positive, ``negative_slope * x`` elsewhere.

    Parameters
    ----------
    negative_slope : float, default 0.01
    inplace : bool, default False
        Accepted for PyTorch; the result is computed out of place (the input is left unchanged).

    Shape
    -----
    - Input: ``(*)``
    - Output: ``(*)``, same shape
    """

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope = _number("LeakyReLU", "negative_slope", negative_slope)
        self.inplace = bool(inplace)

    def forward(self, x: Tensor) -> Tensor:
        return A.leaky_relu(x, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}" + _inplace_repr(self, ", ")


class Sigmoid(Module):
    """Logistic function ``1 / (1 + exp(-x))``, computed stably.

    Shape
    -----
    - Input: ``(*)``
    - Output: ``(*)``, same shape, values in ``(0, 1)``
    """

    def forward(self, x: Tensor) -> Tensor:
        return A.sigmoid(x)


class Tanh(Module):
    """Hyperbolic tangent.

    Shape
    -----
    - Input: ``(*)``
    - Output: ``(*)``, same shape, values in ``(-1, 1)``
    """

    def forward(self, x: Tensor) -> Tensor:
        return A.tanh(x)


class ELU(Module):
    """``x`` where positive, ``alpha * (exp(x) - 1)`` elsewhere.

    Parameters
    ----------
    alpha : float, default 1.0
    inplace : bool, default False
        Accepted for PyTorch; the result is computed out of place (the input is left unchanged).

    Shape
    -----
    - Input: ``(*)``
    - Output: ``(*)``, same shape
    """

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha = _number("ELU", "alpha", alpha)
        self.inplace = bool(inplace)

    def forward(self, x: Tensor) -> Tensor:
        return A.elu(x, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}" + _inplace_repr(self, ", ")


class GELU(Module):
    """Gaussian error linear unit ``x * Phi(x)``.

    Parameters
    ----------
    approximate : {'none', 'tanh'}, default 'none'
        ``'tanh'`` uses the tanh approximation (as BERT/GPT-2 did).

    Shape
    -----
    - Input: ``(*)``
    - Output: ``(*)``, same shape
    """

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, x: Tensor) -> Tensor:
        return A.gelu(x, self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class Softplus(Module):
    """``log(1 + exp(beta * x)) / beta``, the identity where ``beta * x > threshold``.

    Parameters
    ----------
    beta : float, default 1.0
        Non-zero; a negative one (as torch allows) gives a non-positive, concave function.
    threshold : float, default 20.0

    Shape
    -----
    - Input: ``(*)``
    - Output: ``(*)``, same shape
    """

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta = _number("Softplus", "beta", beta)  # torch takes a negative one too
        if self.beta == 0:  # torch divides by it: inf everywhere
            raise ValueError(f"Softplus: beta must be non-zero, got {beta!r}")
        self.threshold = _number("Softplus", "threshold", threshold)

    def forward(self, x: Tensor) -> Tensor:
        return A.softplus(x, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class SiLU(Module):
    """``x * sigmoid(x)`` (swish).

    Parameters
    ----------
    inplace : bool, default False
        Accepted for PyTorch; the result is computed out of place (the input is left unchanged).

    Shape
    -----
    - Input: ``(*)``
    - Output: ``(*)``, same shape
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = bool(inplace)

    def forward(self, x: Tensor) -> Tensor:
        return A.silu(x)

    def extra_repr(self) -> str:
        return _inplace_repr(self)


class Softmax(Module):
    """Normalised exponentials along ``dim``: each slice sums to 1.

    Parameters
    ----------
    dim : int, optional
        The axis to normalise (the class axis: 1 for ``(N, C)`` input). Without
        it, PyTorch's legacy implicit choice is made (axis 0 for 0-, 1- and 3-D
        input, else 1), with PyTorch's warning.

    Shape
    -----
    - Input: ``(*)``, at least 1-D
    - Output: ``(*)``, same shape
    """

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = _dim("Softmax", dim)

    def forward(self, x: Tensor) -> Tensor:
        return A.softmax(x, _softmax_axis(self, x, self.dim))

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """``log(softmax(x))`` along ``dim``, computed stably.

    Parameters
    ----------
    dim : int, optional
        As for :class:`Softmax` (PyTorch's implicit choice without it).

    Shape
    -----
    - Input: ``(*)``, at least 1-D
    - Output: ``(*)``, same shape
    """

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = _dim("LogSoftmax", dim)

    def forward(self, x: Tensor) -> Tensor:
        return A.log_softmax(x, _softmax_axis(self, x, self.dim))

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


def _axis_in_range(layer: Module, x: Tensor, dim: int) -> int:
    if not -x.ndim <= dim < x.ndim:
        raise ValueError(f"{layer!r}: dim {dim} is out of range for input of shape {x.shape}")
    return dim


#: Names accepted by :func:`get_activation` (and by ``MLP(activation=...)``).
ACTIVATIONS: dict[str, Callable[[], Module]] = {
    "relu": ReLU,
    "leaky_relu": LeakyReLU,
    "sigmoid": Sigmoid,
    "tanh": Tanh,
    "elu": ELU,
    "gelu": GELU,
    "softplus": Softplus,
    "silu": SiLU,
    "swish": SiLU,
    # glassnet's names normalise the last axis (the features of an MLP's output)
    "softmax": functools.partial(Softmax, dim=-1),
    "log_softmax": functools.partial(LogSoftmax, dim=-1),
}


def get_activation(spec: Any, who: str = "get_activation") -> Module:
    """A fresh activation module from a name (``"relu"``), a Module class, or a module instance.

    Parameters
    ----------
    spec : str, type or Module
        A key of :data:`ACTIVATIONS` (case-insensitive), a ``Module`` subclass
        (instantiated without arguments), a zero-argument callable returning
        a module, or a module (returned as is).
    who : str
        The caller's name for error messages.
    """
    if isinstance(spec, Module):
        return spec
    if isinstance(spec, str):
        cls = ACTIVATIONS.get(spec.lower())
        if cls is None:
            raise ValueError(
                f"{who}: unknown activation {spec!r}; known: {', '.join(sorted(ACTIVATIONS))}"
            )
        return cls()
    if callable(spec):
        m = spec()
        if isinstance(m, Module):
            return m
    raise TypeError(f"{who}: activation must be a name, a Module class or a Module, got {spec!r}")
