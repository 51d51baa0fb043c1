"""Root-mean-square layer normalisation (Zhang & Sennrich, 2019), as ``torch.nn.RMSNorm``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ...ops import norm_composed as N
from ...tensor import Tensor
from .. import init
from ..module import Module, Parameter
from ._checks import positive_int
from .norm_more import _dtype, _eps

__all__ = ["RMSNorm"]


class RMSNorm(Module):
    """Scale each sample by the root mean square of its last dimensions, then by ``weight``.

    Parameters
    ----------
    normalized_shape : int or sequence of int
        The trailing shape to normalise over.
    eps : float, optional
        Added to the mean square; the machine epsilon of the input's dtype by default.
    elementwise_affine : bool, default True
        Learn ``weight`` (ones) of shape ``normalized_shape``.
    device, dtype : optional

    Shape
    -----
    - Input: ``(*, *normalized_shape)``; Output: the same
    """

    def __init__(
        self, normalized_shape: int | Sequence[int], eps: float | None = None,
        elementwise_affine: bool = True, device: Any = None, dtype: Any = None,
    ) -> None:  # fmt: skip
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        if not shape:
            raise ValueError("RMSNorm: normalized_shape must not be empty")
        for s in shape:
            positive_int("RMSNorm", "normalized_shape", s)
        self.normalized_shape = shape
        self.eps = None if eps is None else _eps("RMSNorm", eps)
        self.elementwise_affine = bool(elementwise_affine)
        if self.elementwise_affine:
            self.weight = Parameter(np.ones(shape, dtype=_dtype(dtype)))
        else:
            self.register_parameter("weight", None)
        if device is not None:
            self.to(device)

    def reset_parameters(self) -> None:
        if self.weight is not None:
            init.ones_(self.weight)

    def forward(self, x: Tensor) -> Tensor:
        return N.rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, "
            f"elementwise_affine={self.elementwise_affine}"
        )
