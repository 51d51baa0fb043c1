"""Inverted dropout: zero a fraction ``p`` of elements and scale the rest by ``1/(1-p)``."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd.function import Function
from ..backend import device_of, get_array_module, to_device
from ..random import device_rng, get_rng
from ..tensor import Tensor

__all__ = ["dropout", "dropout_mask"]


class Dropout(Function):
    def forward(self, x: Any, mask: Any = None) -> Any:
        if self.requires_grad:
            self.mask = mask
        return x * mask

    def backward(self, g: Any) -> Any:
        return g * self.mask

    def backward_graph(self, g: Any) -> Any:
        return g * g._make(self.mask, False, None, 0)


def dropout_mask(x: Any, p: float, rng: Any = None, *, shape: tuple | None = None) -> Any:
    """The scaled keep-mask of inverted dropout for array ``x``: ``(u >= p) / (1 - p)``.

    Of ``x``'s shape (or ``shape``), in ``x``'s dtype and on its device (attention
    weights use it with the scores' shape). On a GPU the uniforms are drawn there
    (from :func:`glassnet.random.device_rng`, seeded by ``gn.manual_seed``)
    unless ``rng`` is a NumPy Generator: then they come from it, on the host,
    and are copied, which gives the same mask on every device.

    Parameters
    ----------
    x : ndarray
        NumPy or CuPy array (only its shape, dtype and device are used).
    p : float in [0, 1)
    rng : numpy.random.Generator or CuPy generator, optional
    shape : tuple of int, optional
        The mask's shape when it is not ``x``'s.
    """
    xp = get_array_module(x)
    shape = x.shape if shape is None else tuple(shape)
    scale = x.dtype.type(1.0 / (1.0 - p))
    if xp is np or isinstance(rng, np.random.Generator):
        keep = (rng if rng is not None else get_rng()).random(shape, dtype=np.float32) >= p
        if xp is not np:
            keep = to_device(keep, device_of(x))
    else:
        gen = rng if rng is not None else device_rng(x.device.id)
        draw = getattr(gen, "random_sample", None) or gen.random
        keep = draw(shape, dtype=xp.float32) >= p
    return keep.astype(x.dtype) * scale


def dropout(x: Tensor, p: float = 0.5, training: bool = True, rng: Any = None) -> Tensor:
    """Inverted dropout (identity when ``training`` is false or ``p == 0``).

    Parameters
    ----------
    x : Tensor
    p : float
        Probability of zeroing each element, in ``[0, 1]`` (1 zeroes everything, as in
        PyTorch). (The seed's ``keep_prob`` is ``1 - p``: 1 keeps everything, which is
        evaluation.)
    training : bool
    rng : numpy.random.Generator, optional
        Source of the mask (glassnet's global generator by default; on a GPU,
        the GPU's generator, see :func:`dropout_mask`).
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: p must be in [0, 1], got {p!r}")
    if not training or p == 0.0:
        return x
    if p == 1.0:  # every element dropped: zeros, and a zero gradient
        return x * 0.0
    return Dropout.apply(x, mask=dropout_mask(x.array, p, rng))
