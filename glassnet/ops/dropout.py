"""Inverted dropout: zero a fraction ``p`` of elements and scale the rest by ``1/(1-p)``."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd.function import Function
from ..backend import get_array_module
from ..random import get_rng
from ..tensor import Tensor

__all__ = ["dropout"]


class Dropout(Function):
    def forward(self, x: Any, mask: Any = None) -> Any:
        if self.requires_grad:
            self.mask = mask
        return x * mask

    def backward(self, g: Any) -> Any:
        return g * self.mask


def dropout(x: Tensor, p: float = 0.5, training: bool = True, rng: Any = None) -> Tensor:
    """Inverted dropout (identity when ``training`` is false or ``p == 0``).

    Parameters
    ----------
    x : Tensor
    p : float
        Probability of zeroing each element, in ``[0, 1)``. (The seed's
        ``keep_prob`` is ``1 - p``: 1 keeps everything, which is evaluation.)
    training : bool
    rng : numpy.random.Generator, optional
        Source of the mask (glassnet's global generator by default).
    """
    if not 0.0 <= p < 1.0:
        raise ValueError(f"dropout: p must be in [0, 1), got {p!r}")
    if not training or p == 0.0:
        return x
    xp = get_array_module(x.data)
    rng = rng if rng is not None else get_rng()
    if xp is np:
        keep = rng.random(x.shape, dtype=np.float32) >= p
    else:  # cupy: draw on the device
        keep = xp.random.random(x.shape, dtype=xp.float32) >= p
    mask = keep.astype(x.dtype) * x.dtype.type(1.0 / (1.0 - p))
    return Dropout.apply(x, mask=mask)
