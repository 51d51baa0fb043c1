"""The exponential distribution with ``rate``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import random as _random
from ..tensor import Tensor
from . import constraints
from .distribution import Distribution, as_param

__all__ = ["Exponential"]


class Exponential(Distribution):
    """``torch.distributions.Exponential(rate, validate_args=None)``: density
    ``rate * exp(-rate * x)`` on ``x >= 0``."""

    arg_constraints = {"rate": constraints.positive}  # noqa: RUF012
    support = constraints.nonnegative

    has_rsample = True

    def __init__(self, rate: Any, validate_args: bool | None = None) -> None:
        super().__init__(validate_args)
        self.rate = as_param(rate, "rate", "Exponential")
        self.batch_shape = tuple(self.rate.shape)
        self._check(bool(np.all(self.rate.array > 0)), "expected rate > 0 everywhere")

    @property
    def mean(self) -> Tensor:
        return 1.0 / self.rate

    @property
    def mode(self) -> Tensor:
        return self.rate * 0.0

    @property
    def variance(self) -> Tensor:
        return self.rate ** -2

    @property
    def stddev(self) -> Tensor:
        return 1.0 / self.rate

    def rsample(self, sample_shape: Sequence[int] | int = ()) -> Tensor:
        """``E / rate`` with ``E`` a standard exponential draw: gradients reach ``rate``."""
        e = _random.get_rng().standard_exponential(self._extended_shape(sample_shape))
        return Tensor(e.astype(self.rate.array.dtype)) / self.rate

    def log_prob(self, value: Any) -> Tensor:
        x = as_param(value, "value", "Exponential.log_prob")
        self._check(bool(np.all(x.array >= 0)), "log_prob: expected values >= 0")
        return self.rate.log() - self.rate * x

    def entropy(self) -> Tensor:
        return 1.0 - self.rate.log()

    def cdf(self, value: Any) -> Tensor:
        x = as_param(value, "value", "Exponential.cdf")
        return 1.0 - (-self.rate * x).exp()

    def icdf(self, value: Any) -> Tensor:
        """The quantile ``-log(1 - p) / rate``."""
        return -(-as_param(value, "value", "Exponential.icdf")).log1p() / self.rate
