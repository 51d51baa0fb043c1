"""``Bilinear``: ``y = x1^T W x2 + b``, one bilinear form per output feature."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ...backend import default_dtype
from ...ops.bilinear import bilinear
from ...tensor import Tensor
from .. import init
from ..module import Module, Parameter
from ._checks import positive_int

__all__ = ["Bilinear"]


class Bilinear(Module):
    """Bilinear layer ``y[..., o] = x1[..., :] @ weight[o] @ x2[..., :] + bias[o]``.

    Parameters
    ----------
    in1_features : int
        Size of each first input sample.
    in2_features : int
        Size of each second input sample.
    out_features : int
    bias : bool, default True
    device : device, optional
    dtype : dtype, optional
        Parameter dtype (float32 by default).

    Shape
    -----
    - Input1: ``(*, in1_features)``; Input2: ``(*, in2_features)``, the same ``*``
    - Output: ``(*, out_features)``

    Attributes
    ----------
    weight : Parameter, shape (out_features, in1_features, in2_features)
        Initialised like PyTorch: ``U(-1/sqrt(in1), 1/sqrt(in1))``.
    bias : Parameter, shape (out_features,)
        The same distribution.
    """

    def __init__(
        self,
        in1_features: int,
        in2_features: int,
        out_features: int,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        self.in1_features = positive_int("Bilinear", "in1_features", in1_features)
        self.in2_features = positive_int("Bilinear", "in2_features", in2_features)
        self.out_features = positive_int("Bilinear", "out_features", out_features)
        dt = np.dtype(dtype) if dtype is not None else default_dtype()
        self.weight = Parameter(np.empty((out_features, in1_features, in2_features), dtype=dt))
        if bias:
            self.bias = Parameter(np.empty((out_features,), dtype=dt))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()
        if device is not None:
            self.to(device)

    def reset_parameters(self) -> None:
        bound = 1 / math.sqrt(self.in1_features)
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1: Tensor, input2: Tensor) -> Tensor:
        if input1.shape[-1:] != (self.in1_features,) or input2.shape[-1:] != (self.in2_features,):
            raise ValueError(
                f"{self!r}: expected inputs (*, {self.in1_features}) and "
                f"(*, {self.in2_features}), got {input1.shape} and {input2.shape}"
            )
        return bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (
            f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
            f"out_features={self.out_features}, bias={self.bias is not None}"
        )
