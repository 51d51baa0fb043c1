"""The Laplace distribution ``(loc, scale)``."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import random as _random
from ..tensor import Tensor
from . import constraints
from .distribution import Distribution, as_param, broadcast_params

__all__ = ["Laplace"]


class Laplace(Distribution):
    """``torch.distributions.Laplace(loc, scale, validate_args=None)``: density
    ``exp(-|x - loc| / scale) / (2 scale)``."""

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}  # noqa: RUF012
    support = constraints.real

    has_rsample = True

    def __init__(self, loc: Any, scale: Any, validate_args: bool | None = None) -> None:
        super().__init__(validate_args)
        self.loc, self.scale = broadcast_params(as_param(loc, "loc", "Laplace"),
                                                as_param(scale, "scale", "Laplace"))  # fmt: skip
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
        return 2.0 * self.scale**2

    @property
    def stddev(self) -> Tensor:
        return math.sqrt(2.0) * self.scale

    def rsample(self, sample_shape: Sequence[int] | int = ()) -> Tensor:
        """``loc - scale sign(u) log(1 - |u|)`` with ``u`` uniform on ``(-1, 1)``."""
        dt = self.loc.array.dtype
        tiny = float(np.finfo(dt).eps)
        u = _random.get_rng().uniform(tiny - 1.0, 1.0, self._extended_shape(sample_shape))
        step = -np.sign(u) * np.log1p(-np.abs(u))
        return self.loc + self.scale * Tensor(step.astype(dt))

    def log_prob(self, value: Any) -> Tensor:
        x = as_param(value, "value", "Laplace.log_prob")
        return -(2 * self.scale).log() - (x - self.loc).abs() / self.scale

    def entropy(self) -> Tensor:
        return 1.0 + (2 * self.scale).log()

    def cdf(self, value: Any) -> Tensor:
        x = as_param(value, "value", "Laplace.cdf")
        z = x - self.loc
        return 0.5 - 0.5 * z.sign() * (-z.abs() / self.scale).expm1()

    def icdf(self, value: Any) -> Tensor:
        """The quantile ``loc - scale sign(p - 1/2) log(1 - 2 |p - 1/2|)``."""
        term = as_param(value, "value", "Laplace.icdf") - 0.5
        return self.loc - self.scale * term.sign() * (-2 * term.abs()).log1p()
