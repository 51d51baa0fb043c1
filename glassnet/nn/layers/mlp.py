"""The seed's models: a single ``Perceptron`` unit and the multi-layer perceptron ``MLP``."""

from __future__ import annotations

import copy
import math
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..._errors import ShapeError
from ...backend import default_dtype
from ...ops.activation import sigmoid
from ...ops.linear import linear
from ...tensor import Tensor
from .. import init
from ..container import Sequential
from ..module import Module, Parameter
from ._checks import check_input, positive_int, probability
from .activation import get_activation
from .dropout import Dropout
from .linear import Linear
from .norm import BatchNorm1d

__all__ = ["Perceptron", "MLP"]


class Perceptron(Module):
    """One neuron: the weighted sum of the inputs plus a bias, through a sigmoid.

    ``y = sigmoid(x @ weight.T + bias)``, the probability of the positive
    class. ``weight[0, i]`` is the weight of feature ``i``, so a trained
    perceptron explains itself: positive weights push towards class 1.

    Parameters
    ----------
    in_features : int
        Number of input features.
    bias : bool, default True
    dtype : dtype, optional
        Parameter dtype (float32 by default).

    Shape
    -----
    - Input: ``(N, in_features)`` (any leading dims)
    - Output: ``(N, 1)``, probabilities in ``(0, 1)``

    Attributes
    ----------
    weight : Parameter, shape (1, in_features)
        The feature weights (PyTorch's ``Linear(in_features, 1)`` layout).
    bias : Parameter, shape (1,)

    Examples
    --------
    >>> import glassnet as gn
    >>> p = gn.nn.Perceptron(2)
    >>> p(gn.zeros(4, 2)).shape
    (4, 1)
    """

    def __init__(self, in_features: int, *, bias: bool = True, dtype: Any = None) -> None:
        super().__init__()
        self.in_features = positive_int("Perceptron", "in_features", in_features)
        dt = np.dtype(dtype) if dtype is not None else default_dtype()
        self.weight = Parameter(np.empty((1, in_features), dtype=dt))
        if bias:
            self.bias = Parameter(np.empty((1,), dtype=dt))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """``U(-1/sqrt(in), 1/sqrt(in))`` for weight and bias, as ``Linear(in, 1)``."""
        bound = 1 / math.sqrt(self.in_features)
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def logits(self, x: Tensor) -> Tensor:
        """The weighted sum before the sigmoid, shape ``(N, 1)`` (for ``BCEWithLogitsLoss``)."""
        check_input(self, x, (), -1, self.in_features, f"(N, {self.in_features})")
        return linear(x, self.weight, self.bias)

    def forward(self, x: Tensor) -> Tensor:
        return sigmoid(self.logits(x))

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, bias={self.bias is not None}"


def _sizes(sizes: Any) -> tuple[int, ...]:
    if isinstance(sizes, (str, bytes)) or not isinstance(sizes, Sequence):
        raise TypeError(f"MLP: sizes must be a list of layer widths, got {sizes!r}")
    if len(sizes) < 2:
        raise ValueError(
            f"MLP: sizes must list at least 2 widths (inputs, ..., outputs), got {list(sizes)}"
        )
    return tuple(positive_int("MLP", f"sizes[{i}]", s) for i, s in enumerate(sizes))


def _activation_factory(spec: Any, who: str) -> Any:
    """A function making a fresh activation module per layer (a given instance is copied)."""
    first = get_activation(spec, who)
    if isinstance(spec, Module):
        return lambda: copy.deepcopy(first)
    return lambda: get_activation(spec, who)


class MLP(Sequential):
    """A multi-layer perceptron: ``Linear`` layers with activations (and dropout) between them.

    ``MLP([784, 256, 128, 10], activation="relu", dropout=0.2)`` is::

        fc1 (784->256), act1, drop1, fc2 (256->128), act2, drop2, fc3 (128->10)

    The children have these names, so ``state_dict`` keys read
    ``fc1.weight``, ``fc1.bias``, ... . The output layer has no activation
    unless ``output_activation`` is given (cross-entropy losses take logits).

    Parameters
    ----------
    sizes : sequence of int
        Widths from the input features to the outputs; at least two.
    activation : str, Module class or Module, default "relu"
        Hidden activation: a name from
        :data:`glassnet.nn.layers.activation.ACTIVATIONS` (``"relu"``,
        ``"tanh"``, ``"sigmoid"``, ``"gelu"``, ...), a class, or a module
        (copied for each layer).
    dropout : float in [0, 1), default 0.0
        Dropout probability after each hidden activation (none when 0).
    output_activation : str, Module class or Module, optional
        Applied to the output (named ``out_act``), e.g. ``"sigmoid"``.
    batch_norm : bool, default False
        Insert ``BatchNorm1d`` (named ``bn1``, ...) between each hidden
        ``Linear`` and its activation.
    bias : bool, default True
        Give the ``Linear`` layers biases.
    dtype : dtype, optional
        Parameter dtype (float32 by default).

    Shape
    -----
    - Input: ``(N, sizes[0])``
    - Output: ``(N, sizes[-1])``
    """

    def __init__(
        self,
        sizes: Sequence[int],
        *,
        activation: Any = "relu",
        dropout: float = 0.0,
        output_activation: Any = None,
        batch_norm: bool = False,
        bias: bool = True,
        dtype: Any = None,
    ) -> None:
        widths = _sizes(sizes)
        p = probability("MLP", "dropout", dropout)
        make_act = _activation_factory(activation, "MLP")
        layers: OrderedDict[str, Module] = OrderedDict()
        n_layers = len(widths) - 1
        for i in range(1, n_layers + 1):
            layers[f"fc{i}"] = Linear(widths[i - 1], widths[i], bias=bias, dtype=dtype)
            if i == n_layers:
                break
            if batch_norm:
                layers[f"bn{i}"] = BatchNorm1d(widths[i], dtype=dtype)
            layers[f"act{i}"] = make_act()
            if p > 0:
                layers[f"drop{i}"] = Dropout(p)
        if output_activation is not None:
            layers["out_act"] = get_activation(output_activation, "MLP")
        super().__init__(layers)
        self.sizes = widths
        self.dropout = p
        self.batch_norm = bool(batch_norm)

    def forward(self, x: Tensor) -> Tensor:
        n_in = self.sizes[0]
        if x.ndim == 0 or x.shape[-1] != n_in:
            raise ShapeError(
                f"MLP(sizes={list(self.sizes)}): expected input of shape (N, {n_in}), "
                f"got {tuple(x.shape)}"
            )
        return super().forward(x)

    def extra_repr(self) -> str:
        return f"sizes={list(self.sizes)}"
