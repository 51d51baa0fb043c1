"""The continuous uniform distribution on ``[low, high)``."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import random as _random
from ..tensor import Tensor
from . import constraints
from .distribution import Distribution, as_param, broadcast_params

__all__ = ["Uniform"]


class Uniform(Distribution):
    """``torch.distributions.Uniform(low, high, validate_args=None)``.

    ``log_prob`` of a value outside ``[low, high)`` is refused (ValueError), as torch's
    default argument checks do; with ``validate_args=False`` it is ``-inf``.
    """

    arg_constraints = {"low": constraints.dependent, "high": constraints.dependent}  # noqa: RUF012

    @property
    def support(self) -> constraints.Constraint:
        """``[low, high]``."""
        return constraints.interval(self.low, self.high)

    has_rsample = True

    def __init__(self, low: Any, high: Any, validate_args: bool | None = None) -> None:
        super().__init__(validate_args)
        self.low, self.high = broadcast_params(as_param(low, "low", "Uniform"),
                                               as_param(high, "high", "Uniform"))  # fmt: skip
        self.batch_shape = tuple(self.low.shape)
        self._check(bool(np.all(self.low.array < self.high.array)), "expected low < high everywhere")

    @property
    def mean(self) -> Tensor:
        return (self.high + self.low) / 2

    @property
    def variance(self) -> Tensor:
        return (self.high - self.low) ** 2 / 12

    def rsample(self, sample_shape: Sequence[int] | int = ()) -> Tensor:
        """``low + u * (high - low)`` with ``u ~ U[0, 1)``."""
        u = _random.get_rng().random(self._extended_shape(sample_shape)).astype(self.low.array.dtype)
        return self.low + Tensor(u) * (self.high - self.low)

    def log_prob(self, value: Any) -> Tensor:
        x = as_param(value, "value", "Uniform.log_prob")
        inside = (self.low.array <= x.array) & (x.array < self.high.array)
        self._check(bool(np.all(inside)), "log_prob: a value lies outside [low, high)")
        with np.errstate(divide="ignore"):
            support = Tensor(np.log(inside.astype(self.low.array.dtype)))
        return support - (self.high - self.low).log()

    def entropy(self) -> Tensor:
        return (self.high - self.low).log()

    @property
    def mode(self) -> Tensor:
        """NaN everywhere, as torch's (every point of the support is a mode)."""
        return self.high * math.nan

    def cdf(self, value: Any) -> Tensor:
        """``(x - low) / (high - low)`` limited to ``[0, 1]``."""
        x = as_param(value, "value", "Uniform.cdf")
        inside = (self.low.array <= x.array) & (x.array <= self.high.array)
        self._check(bool(np.all(inside)), "cdf: a value lies outside [low, high]")
        return ((x - self.low) / (self.high - self.low)).clamp(0, 1)

    def icdf(self, value: Any) -> Tensor:
        """The quantile ``low + p (high - low)``."""
        return as_param(value, "value", "Uniform.icdf") * (self.high - self.low) + self.low
