"""The base of glassnet's distributions: shapes, sampling shapes, argument checks.

A distribution has a ``batch_shape`` (independent distributions side by side) and an
``event_shape`` (the shape of one draw; ``()`` for the scalar ones here). ``sample`` draws
without a graph; ``rsample`` (where a distribution has one) draws through its
parameters, so gradients flow to them (the reparameterisation trick). Draws come from
glassnet's generator (``glassnet.manual_seed``), so a seed gives other numbers than
torch's; densities, entropies and divergences are torch's formulas.
"""

from __future__ import annotations

import copy
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
    """The parameters expanded to their common shape (views: gradients reach the originals).

    A parameter given as a number (a 0-d tensor) takes the floating dtype of the tensors
    given with it, as torch's ``broadcast_all`` does: ``Binomial(8, probs=p64)`` counts in
    float64."""
    floats = [p.array.dtype for p in params if p.ndim and p.array.dtype.kind == "f"]
    if floats:
        target = np.result_type(*floats)
        params = tuple(
            p.to(target) if p.ndim == 0 and p.array.dtype != target else p for p in params
        )
    shape = np.broadcast_shapes(*(tuple(p.shape) for p in params))
    return tuple(p if tuple(p.shape) == shape else p.expand(*shape) for p in params)


def _broadcasts_to(shape: tuple[int, ...], target: tuple[int, ...]) -> bool:
    """Whether ``shape`` broadcasts to ``target`` (without changing ``target``)."""
    if len(shape) > len(target):
        return False
    tail = target[len(target) - len(shape):]
    return all(s in (1, t) for s, t in zip(shape, tail))


class Distribution:
    """What every distribution has: shapes, ``sample``/``rsample``, ``stddev``.

    Subclasses set :attr:`batch_shape` (and :attr:`event_shape`) and define ``log_prob``,
    ``entropy``, ``mean``, ``variance`` and ``sample`` or ``rsample``.
    """

    has_rsample = False
    #: parameters (Tensor attributes) with dims after the batch dims, and how many
    _param_event_dims: dict[str, int] = {}  # noqa: RUF012 - read only
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

    @property
    def arg_constraints(self) -> dict:
        """The constraint each parameter satisfies (:mod:`.constraints`), by name."""
        raise NotImplementedError(f"{type(self).__name__}: arg_constraints is not defined")

    @property
    def support(self) -> Any:
        """The set the values lie in (a :mod:`.constraints` object)."""
        raise NotImplementedError(f"{type(self).__name__}: support is not defined")

    def expand(self, batch_shape: Sequence[int], _instance: Any = None) -> Distribution:
        """The same distribution repeated to ``batch_shape`` (``torch``'s ``expand``): each
        parameter is expanded (a view, so gradients reach the original parameters).

        Parameters
        ----------
        batch_shape : sequence of int
            A shape the current ``batch_shape`` broadcasts to.

        Returns
        -------
        Distribution
            Of the same class, with ``batch_shape`` and the same ``event_shape``.
        """
        new_batch = tuple(int(s) for s in batch_shape)
        old = tuple(self.batch_shape)
        if not _broadcasts_to(old, new_batch):
            raise ValueError(
                f"{type(self).__name__}.expand: batch_shape {old} cannot be expanded to "
                f"{new_batch}"
            )
        new = copy.copy(self)
        for name, value in vars(self).items():
            if isinstance(value, Distribution):
                rest = tuple(value.batch_shape)[len(old):]
                setattr(new, name, value.expand(new_batch + rest))
            elif isinstance(value, Tensor):
                k = self._param_event_dims.get(name, 0)
                event = tuple(value.shape)[value.ndim - k:] if k else ()
                setattr(new, name, value.expand(*(new_batch + event)))
        new.batch_shape = new_batch
        return new

    def _check(self, ok: bool, message: str) -> None:
        if self._validate and not ok:
            raise ValueError(f"{type(self).__name__}: {message}")

    def __repr__(self) -> str:
        return f"{type(self).__name__}(batch_shape={tuple(self.batch_shape)})"
