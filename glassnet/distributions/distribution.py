"""The base of glassnet's distributions: shapes, sampling shapes, argument checks.

A distribution has a ``batch_shape`` (independent distributions side by side) and an
``event_shape`` (the shape of one draw; ``()`` for the scalar ones here). ``sample`` draws
without a graph; ``rsample`` (where a distribution has one) draws through its
parameters, so gradients flow to them (the reparameterisation trick). Draws come from
glassnet's generator (``glassnet.manual_seed``), so a seed gives other numbers than
torch's; densities, entropies and divergences are torch's formulas.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..backend import default_dtype
from ..tensor import Tensor

__all__ = ["Distribution", "as_param", "broadcast_params"]


def as_param(value: Any, name: str, who: str) -> Tensor:
    """``value`` as a floating tensor (numbers in the default float dtype)."""
    if isinstance(value, Tensor):
        if value.array.dtype.kind != "f":
            return Tensor(value.array.astype(default_dtype()))
        return value
    if isinstance(value, (int, float, np.floating, np.integer)) or isinstance(value, (list, np.ndarray)):
        return Tensor(np.asarray(value, dtype=default_dtype()))
    raise TypeError(f"{who}: {name} must be a number or a Tensor, got {type(value).__name__}")


def broadcast_params(*params: Tensor) -> tuple[Tensor, ...]:
    """The parameters expanded to their common shape (views: gradients reach the originals)."""
    shape = np.broadcast_shapes(*(tuple(p.shape) for p in params))
    return tuple(p if tuple(p.shape) == shape else p.expand(*shape) for p in params)


class Distribution:
    """What every distribution has: shapes, ``sample``/``rsample``, ``stddev``.

    Subclasses set :attr:`batch_shape` (and :attr:`event_shape`) and define ``log_prob``,
    ``entropy``, ``mean``, ``variance`` and ``sample`` or ``rsample``.
    """

    has_rsample = False
    batch_shape: tuple[int, ...] = ()
    event_shape: tuple[int, ...] = ()

    def __init__(self, validate_args: bool | None = None) -> None:
        self._validate = validate_args is not False

    def _extended_shape(self, sample_shape: Sequence[int] | int = ()) -> tuple[int, ...]:
        if isinstance(sample_shape, int):
            sample_shape = (sample_shape,)
        return tuple(int(s) for s in sample_shape) + tuple(self.batch_shape) + tuple(self.event_shape)

    def sample(self, sample_shape: Sequence[int] | int = ()) -> Tensor:
        """A draw of shape ``sample_shape + batch_shape + event_shape``, outside the graph."""
        return self.rsample(sample_shape).detach()

    def rsample(self, sample_shape: Sequence[int] | int = ()) -> Tensor:
        raise NotImplementedError(
            f"{type(self).__name__}.rsample: this distribution has no reparameterised sample "
            "(use sample(), which gives no gradient)"
        )

    @property
    def stddev(self) -> Tensor:
        return self.variance.sqrt()

    def _check(self, ok: bool, message: str) -> None:
        if self._validate and not ok:
            raise ValueError(f"{type(self).__name__}: {message}")

    def __repr__(self) -> str:
        return f"{type(self).__name__}(batch_shape={tuple(self.batch_shape)})"
