"""Fully connected layers: ``Linear`` and ``Identity``."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ...backend import default_dtype
from ...ops.linear import linear
from ...tensor import Tensor
from .. import init
from ..module import Module, Parameter
from ._checks import check_input, positive_int

__all__ = ["Linear", "Identity"]


class Linear(Module):
    """Affine layer ``y = x @ weight.T + bias``, the weighted sum of the seed's perceptron.

    Parameters
    ----------
    in_features : int
        Size of each input sample.
    out_features : int
        Size of each output sample.
    bias : bool, default True
    device : device, optional
        Where the parameters live (the CPU by default).
    dtype : dtype, optional
        Parameter dtype (float32 by default).

    Arguments are PyTorch's, in PyTorch's order: ``Linear(4, 8, False)``.

    Shape
    -----
    - Input: ``(*, in_features)``
    - Output: ``(*, out_features)``

    Attributes
    ----------
    weight : Parameter, shape (out_features, in_features)
        Initialised like PyTorch: ``U(-1/sqrt(in), 1/sqrt(in))``.
    bias : Parameter, shape (out_features,)
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        self.in_features = positive_int("Linear", "in_features", in_features)
        self.out_features = positive_int("Linear", "out_features", out_features)
        dt = np.dtype(dtype) if dtype is not None else default_dtype()
        self.weight = Parameter(np.empty((out_features, in_features), dtype=dt))
        if bias:
            self.bias = Parameter(np.empty((out_features,), dtype=dt))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()
        if device is not None:
            self.to(device)

    def reset_parameters(self) -> None:
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features)
            init.uniform_(self.bias, -bound, bound)

    def forward(self, x: Tensor) -> Tensor:
        check_input(self, x, (), -1, self.in_features, f"(*, {self.in_features})")
        return linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Identity(Module):
    """Returns its input unchanged (a placeholder in a ``Sequential``).

    Parameters
    ----------
    *args, **kwargs
        Accepted and ignored, as PyTorch's ``Identity`` does (so a layer can be swapped for
        it without changing the call).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, x: Any) -> Any:
        return x
