"""The normal distribution ``N(loc, scale^2)``."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import random as _random
from ..tensor import Tensor
from . import constraints
from .distribution import Distribution, as_param, broadcast_params

__all__ = ["Normal"]

_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


class Normal(Distribution):
    """``torch.distributions.Normal(loc, scale, validate_args=None)``.

    Parameters
    ----------
    loc, scale : float or Tensor
        Broadcast together into ``batch_shape``; ``scale`` must be positive.
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}  # noqa: RUF012
    support = constraints.real

    has_rsample = True

    def __init__(self, loc: Any, scale: Any, validate_args: bool | None = None) -> None:
        super().__init__(validate_args)
        self.loc, self.scale = broadcast_params(as_param(loc, "loc", "Normal"),
                                                as_param(scale, "scale", "Normal"))  # fmt: skip
        self.batch_shape = tuple(self.loc.shape)
        self._check(bool(np.all(self.scale.array > 0)), "expected scale > 0 everywhere")

    @property
    def mean(self) -> Tensor:
        return self.loc

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def variance(self) -> Tensor:
        return self.scale * self.scale

    @property
    def stddev(self) -> Tensor:
        return self.scale

    def rsample(self, sample_shape: Sequence[int] | int = ()) -> Tensor:
        """``loc + eps * scale`` with ``eps ~ N(0, 1)``: gradients reach loc and scale."""
        shape = self._extended_shape(sample_shape)
        eps = _random.get_rng().standard_normal(shape).astype(self.loc.array.dtype)
        return self.loc + Tensor(eps) * self.scale

    def log_prob(self, value: Any) -> Tensor:
        """``-(x - loc)^2 / (2 scale^2) - log(scale) - log(sqrt(2 pi))``."""
        x = as_param(value, "value", "Normal.log_prob")
        return -((x - self.loc) ** 2) / (2 * self.variance) - self.scale.log() - _HALF_LOG_2PI

    def entropy(self) -> Tensor:
        return 0.5 + _HALF_LOG_2PI + self.scale.log()

    def cdf(self, value: Any) -> Tensor:
        """``(1 + erf((x - loc) / (scale sqrt(2)))) / 2``."""
        x = as_param(value, "value", "Normal.cdf")
        return 0.5 * (1 + ((x - self.loc) / self.scale / math.sqrt(2)).erf())

    def icdf(self, value: Any) -> Tensor:
        """The quantile ``loc + scale sqrt(2) erfinv(2 p - 1)``."""
        p = as_param(value, "value", "Normal.icdf")
        return self.loc + self.scale * (2 * p - 1).erfinv() * math.sqrt(2)
