"""The gamma distribution ``(concentration, rate)`` and the chi-squared distribution."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import random as _random
from ..tensor import Tensor
from . import constraints
from .distribution import Distribution, as_param, broadcast_params

__all__ = ["Gamma", "Chi2"]


class Gamma(Distribution):
    """``torch.distributions.Gamma(concentration, rate, validate_args=None)``: density
    ``rate^a x^(a-1) exp(-rate x) / Gamma(a)`` on ``x > 0``.

    Draws come without a graph: glassnet has no reparameterised gamma draw (torch's
    ``rsample`` differentiates through the draw), so ``rsample`` is refused by name.
    """

    arg_constraints = {  # noqa: RUF012
        "concentration": constraints.positive, "rate": constraints.positive,
    }  # fmt: skip
    support = constraints.nonnegative

    def __init__(self, concentration: Any, rate: Any, validate_args: bool | None = None) -> None:
        super().__init__(validate_args)
        name = type(self).__name__
        self.concentration, self.rate = broadcast_params(
            as_param(concentration, "concentration", name), as_param(rate, "rate", name)
        )
        self.batch_shape = tuple(self.rate.shape)
        self._check(bool(np.all(self.concentration.array > 0)), "expected concentration > 0")
        self._check(bool(np.all(self.rate.array > 0)), "expected rate > 0")

    @property
    def mean(self) -> Tensor:
        return self.concentration / self.rate

    @property
    def mode(self) -> Tensor:
        return ((self.concentration - 1) / self.rate).clamp(min=0)

    @property
    def variance(self) -> Tensor:
        return self.concentration / self.rate**2

    def sample(self, sample_shape: Sequence[int] | int = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        a = np.broadcast_to(self.concentration.array, shape)
        draw = _random.get_rng().standard_gamma(a) / np.broadcast_to(self.rate.array, shape)
        tiny = np.finfo(self.rate.array.dtype).tiny
        return Tensor(np.maximum(draw, tiny).astype(self.rate.array.dtype))

    def log_prob(self, value: Any) -> Tensor:
        x = as_param(value, "value", f"{type(self).__name__}.log_prob")
        self._check(bool(np.all(x.array >= 0)), "log_prob: expected values >= 0")
        a, b = self.concentration, self.rate
        return a.xlogy(b) + (a - 1).xlogy(x) - b * x - a.lgamma()

    def entropy(self) -> Tensor:
        a = self.concentration
        return a - self.rate.log() + a.lgamma() + (1.0 - a) * a.digamma()

    def cdf(self, value: Any) -> Tensor:
        raise NotImplementedError(
            f"{type(self).__name__}.cdf: the regularised incomplete gamma function is not in "
            "glassnet"
        )


class Chi2(Gamma):
    """``torch.distributions.Chi2(df, validate_args=None)``: ``Gamma(df / 2, 1 / 2)``."""

    arg_constraints = {"df": constraints.positive}  # noqa: RUF012

    def __init__(self, df: Any, validate_args: bool | None = None) -> None:
        d = as_param(df, "df", "Chi2")
        super().__init__(d * 0.5, d * 0 + 0.5, validate_args)

    @property
    def df(self) -> Tensor:
        return self.concentration * 2
