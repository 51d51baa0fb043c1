"""The continuous uniform distribution on ``[low, high)``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import random as _random
from ..tensor import Tensor
from .distribution import Distribution, as_param, broadcast_params

__all__ = ["Uniform"]


class Uniform(Distribution):
    """``torch.distributions.Uniform(low, high, validate_args=None)``.

    ``log_prob`` of a value outside ``[low, high)`` is refused (ValueError), as torch's
    default argument checks do; with ``validate_args=False`` it is ``-inf``.
    """

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
