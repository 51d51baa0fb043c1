"""The log-normal distribution: ``exp`` of a normal draw."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..tensor import Tensor
from . import constraints
from .distribution import Distribution, as_param
from .normal import Normal

__all__ = ["LogNormal"]


class LogNormal(Distribution):
    """``torch.distributions.LogNormal(loc, scale, validate_args=None)``: ``exp(X)`` with
    ``X ~ Normal(loc, scale)``."""

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}  # noqa: RUF012
    support = constraints.positive

    has_rsample = True

    def __init__(self, loc: Any, scale: Any, validate_args: bool | None = None) -> None:
        super().__init__(validate_args)
        self.base_dist = Normal(loc, scale, validate_args)
        self.loc, self.scale = self.base_dist.loc, self.base_dist.scale
        self.batch_shape = self.base_dist.batch_shape

    @property
    def mean(self) -> Tensor:
        return (self.loc + self.scale**2 / 2).exp()

    @property
    def mode(self) -> Tensor:
        return (self.loc - self.scale**2).exp()

    @property
    def variance(self) -> Tensor:
        s2 = self.scale**2
        return s2.expm1() * (2 * self.loc + s2).exp()

    def rsample(self, sample_shape: Sequence[int] | int = ()) -> Tensor:
        return self.base_dist.rsample(sample_shape).exp()

    def log_prob(self, value: Any) -> Tensor:
        x = as_param(value, "value", "LogNormal.log_prob")
        self._check(bool(np.all(x.array > 0)), "log_prob: expected values > 0")
        y = x.log()
        return self.base_dist.log_prob(y) - y

    def entropy(self) -> Tensor:
        return self.base_dist.entropy() + self.loc

    def cdf(self, value: Any) -> Tensor:
        """The normal ``cdf`` of ``log(x)``."""
        x = as_param(value, "value", "LogNormal.cdf")
        self._check(bool(np.all(x.array > 0)), "cdf: expected values > 0")
        return self.base_dist.cdf(x.log())

    def icdf(self, value: Any) -> Tensor:
        """``exp`` of the normal quantile."""
        return self.base_dist.icdf(value).exp()
