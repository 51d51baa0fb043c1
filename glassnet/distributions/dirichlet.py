"""The Dirichlet distribution over the simplex and the beta distribution (its two-class case)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import random as _random
from ..ops import shape as _sh
from ..tensor import Tensor
from . import constraints
from .distribution import Distribution, as_param, broadcast_params

__all__ = ["Dirichlet", "Beta", "dirichlet_log_prob", "dirichlet_entropy"]


def dirichlet_log_prob(alpha: Tensor, x: Tensor) -> Tensor:
    """``sum((alpha - 1) log x) + lgamma(sum alpha) - sum lgamma(alpha)`` over the last axis."""
    return (alpha - 1).xlogy(x).sum(-1) + alpha.sum(-1).lgamma() - alpha.lgamma().sum(-1)


def dirichlet_entropy(alpha: Tensor) -> Tensor:
    k = alpha.shape[-1]
    a0 = alpha.sum(-1)
    return (
        alpha.lgamma().sum(-1) - a0.lgamma() - (k - a0) * a0.digamma()
        - ((alpha - 1.0) * alpha.digamma()).sum(-1)
    )  # fmt: skip


def _draw(alpha: np.ndarray, shape: tuple, dtype: Any) -> np.ndarray:
    """Dirichlet draws of ``shape + (k,)`` from normalised gamma draws."""
    g = _random.get_rng().standard_gamma(np.broadcast_to(alpha, shape + alpha.shape[-1:]))
    tiny = np.finfo(dtype).tiny
    g = np.maximum(g, tiny)
    return (g / g.sum(-1, keepdims=True)).astype(dtype)


def _dirichlet_mode(alpha: np.ndarray) -> np.ndarray:
    """torch's Dirichlet mode of concentrations ``alpha`` (..., k)."""
    above = np.clip(alpha - 1, 0, None)
    with np.errstate(invalid="ignore", divide="ignore"):
        mode = above / above.sum(-1, keepdims=True)
    corner = (alpha < 1).all(-1)
    mode[corner] = np.eye(alpha.shape[-1], dtype=alpha.dtype)[np.argmax(mode[corner], -1)]
    return mode


class Dirichlet(Distribution):
    """``torch.distributions.Dirichlet(concentration, validate_args=None)``.

    ``concentration`` (..., K): ``batch_shape`` is its leading axes, ``event_shape`` ``(K,)``.
    Draws come without a graph (no reparameterised gamma draw in glassnet, as in
    :class:`~glassnet.distributions.Gamma`).
    """

    arg_constraints = {"concentration": constraints.positive}  # noqa: RUF012
    support = constraints.simplex

    _param_event_dims = {"concentration": 1}  # noqa: RUF012

    def __init__(self, concentration: Any, validate_args: bool | None = None) -> None:
        super().__init__(validate_args)
        self.concentration = as_param(concentration, "concentration", "Dirichlet")
        if self.concentration.ndim < 1:
            raise ValueError("Dirichlet: concentration must be at least one-dimensional")
        self._check(bool(np.all(self.concentration.array > 0)), "expected concentration > 0")
        self.batch_shape = tuple(self.concentration.shape[:-1])
        self.event_shape = tuple(self.concentration.shape[-1:])

    @property
    def mean(self) -> Tensor:
        return self.concentration / self.concentration.sum(-1, keepdim=True)

    @property
    def mode(self) -> Tensor:
        """torch's: ``(a - 1)^+`` normalised; one-hot at the largest entry where every
        concentration is below 1 (no gradient)."""
        return Tensor(_dirichlet_mode(self.concentration.array))

    @property
    def variance(self) -> Tensor:
        a0 = self.concentration.sum(-1, keepdim=True)
        return self.concentration * (a0 - self.concentration) / (a0**2 * (a0 + 1))

    def sample(self, sample_shape: Sequence[int] | int = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)[:-1]
        return Tensor(_draw(self.concentration.array, shape, self.concentration.array.dtype))

    def log_prob(self, value: Any) -> Tensor:
        x = as_param(value, "value", "Dirichlet.log_prob")
        self._check(bool(np.allclose(x.array.sum(-1), 1, atol=1e-5)) and bool(np.all(x.array >= 0)),
                    "log_prob: expected points of the simplex (non-negative, summing to 1)")  # fmt: skip
        return dirichlet_log_prob(self.concentration, x)

    def entropy(self) -> Tensor:
        return dirichlet_entropy(self.concentration)


class Beta(Distribution):
    """``torch.distributions.Beta(concentration1, concentration0, validate_args=None)``:
    density ``x^(c1-1) (1-x)^(c0-1) / B(c1, c0)`` on ``[0, 1]``, computed as a two-class
    Dirichlet (torch's way). Draws come without a graph."""

    arg_constraints = {  # noqa: RUF012
        "concentration1": constraints.positive, "concentration0": constraints.positive,
    }  # fmt: skip
    support = constraints.unit_interval

    def __init__(self, concentration1: Any, concentration0: Any,
                 validate_args: bool | None = None) -> None:  # fmt: skip
        super().__init__(validate_args)
        self.concentration1, self.concentration0 = broadcast_params(
            as_param(concentration1, "concentration1", "Beta"),
            as_param(concentration0, "concentration0", "Beta"),
        )
        self._check(bool(np.all(self.concentration1.array > 0))
                    and bool(np.all(self.concentration0.array > 0)), "expected concentrations > 0")  # fmt: skip
        self.batch_shape = tuple(self.concentration1.shape)

    def _alpha(self) -> Tensor:
        return _sh.stack([self.concentration1, self.concentration0], axis=-1)

    @property
    def mean(self) -> Tensor:
        return self.concentration1 / (self.concentration1 + self.concentration0)

    @property
    def mode(self) -> Tensor:
        """The Dirichlet mode of ``(concentration1, concentration0)``, first entry."""
        return Tensor(_dirichlet_mode(self._alpha().array)[..., 0])

    @property
    def variance(self) -> Tensor:
        total = self.concentration1 + self.concentration0
        return self.concentration1 * self.concentration0 / (total**2 * (total + 1))

    def sample(self, sample_shape: Sequence[int] | int = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        draws = _draw(self._alpha().array, shape, self.concentration1.array.dtype)
        return Tensor(np.ascontiguousarray(draws[..., 0]))

    def log_prob(self, value: Any) -> Tensor:
        x = as_param(value, "value", "Beta.log_prob")
        self._check(bool(np.all((x.array >= 0) & (x.array <= 1))), "log_prob: expected values in [0, 1]")
        shape = np.broadcast_shapes(tuple(x.shape), self.batch_shape)
        x = x.expand(*shape) if tuple(x.shape) != shape else x
        both = _sh.stack([x, 1.0 - x], axis=-1)
        alpha = self._alpha()
        alpha = alpha.expand(*shape, 2) if tuple(alpha.shape[:-1]) != shape else alpha
        return dirichlet_log_prob(alpha, both)

    def entropy(self) -> Tensor:
        return dirichlet_entropy(self._alpha())
