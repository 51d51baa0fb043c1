"""Count distributions: Poisson, geometric and binomial."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import functional as F
from .. import random as _random
from ..tensor import Tensor
from . import constraints
from .distribution import Distribution, as_param, broadcast_params

__all__ = ["Poisson", "Geometric", "Binomial"]


def _counts(x: Tensor, who: str, check: Any) -> None:
    a = x.array
    check(bool(np.all((a >= 0) & (a == np.round(a)))), f"{who}: expected non-negative integer counts")


def _probs_logits(probs: Any, logits: Any, who: str) -> tuple[Tensor, Tensor]:
    if (probs is None) == (logits is None):
        raise ValueError(f"{who}: expected exactly one of probs and logits")
    if probs is not None:
        p = as_param(probs, "probs", who)
        eps = float(np.finfo(p.array.dtype).eps)
        q = p.clamp(eps, 1 - eps)
        return p, q.log() - (1 - q).log()
    lg = as_param(logits, "logits", who)
    return lg.sigmoid(), lg


class Poisson(Distribution):
    """``torch.distributions.Poisson(rate, validate_args=None)``: counts with mean ``rate``."""

    arg_constraints = {"rate": constraints.nonnegative}  # noqa: RUF012
    support = constraints.nonnegative_integer

    def __init__(self, rate: Any, validate_args: bool | None = None) -> None:
        super().__init__(validate_args)
        self.rate = as_param(rate, "rate", "Poisson")
        self._check(bool(np.all(self.rate.array >= 0)), "expected rate >= 0")
        self.batch_shape = tuple(self.rate.shape)

    @property
    def mean(self) -> Tensor:
        return self.rate

    @property
    def mode(self) -> Tensor:
        return self.rate.floor()

    @property
    def variance(self) -> Tensor:
        return self.rate

    def sample(self, sample_shape: Sequence[int] | int = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        lam = np.broadcast_to(self.rate.array, shape)
        return Tensor(_random.get_rng().poisson(lam).astype(self.rate.array.dtype))

    def log_prob(self, value: Any) -> Tensor:
        k = as_param(value, "value", "Poisson.log_prob")
        _counts(k, "Poisson.log_prob", self._check)
        return k.xlogy(self.rate) - self.rate - (k + 1).lgamma()


class Geometric(Distribution):
    """``torch.distributions.Geometric(probs=None, logits=None, validate_args=None)``: the
    number of failures before the first success, ``P(k) = (1 - p)^k p``."""

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}  # noqa: RUF012
    support = constraints.nonnegative_integer

    def __init__(self, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:  # fmt: skip
        super().__init__(validate_args)
        self.probs, self.logits = _probs_logits(probs, logits, "Geometric")
        self._check(bool(np.all((self.probs.array > 0) & (self.probs.array <= 1))),
                    "expected probs in (0, 1]")  # fmt: skip
        self.batch_shape = tuple(self.probs.shape)

    @property
    def mean(self) -> Tensor:
        return 1.0 / self.probs - 1.0

    @property
    def mode(self) -> Tensor:
        return self.probs * 0

    @property
    def variance(self) -> Tensor:
        return (1.0 / self.probs - 1.0) / self.probs

    def sample(self, sample_shape: Sequence[int] | int = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        p = np.broadcast_to(self.probs.array, shape)
        return Tensor((_random.get_rng().geometric(p) - 1).astype(self.probs.array.dtype))

    def log_prob(self, value: Any) -> Tensor:
        k = as_param(value, "value", "Geometric.log_prob")
        _counts(k, "Geometric.log_prob", self._check)
        shape = np.broadcast_shapes(tuple(k.shape), self.batch_shape)
        p, k = self.probs.expand(*shape), k.expand(*shape)
        certain = (p.array == 1) & (k.array == 0)  # as torch: 0 * log(1 - 1) counts as 0
        p_tail = p.masked_fill(Tensor(certain), 0.0) if certain.any() else p
        return k * (-p_tail).log1p() + self.probs.log()

    def entropy(self) -> Tensor:
        return F.binary_cross_entropy_with_logits(self.logits, self.probs, reduction="none") / self.probs


class Binomial(Distribution):
    """``torch.distributions.Binomial(total_count=1, probs=None, logits=None, validate_args=None)``."""

    arg_constraints = {  # noqa: RUF012
        "total_count": constraints.nonnegative_integer, "probs": constraints.unit_interval,
        "logits": constraints.real,
    }  # fmt: skip

    @property
    def support(self) -> constraints.Constraint:
        """The integers ``0 .. total_count``."""
        return constraints.integer_interval(0, self.total_count)

    def __init__(self, total_count: Any = 1, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:  # fmt: skip
        super().__init__(validate_args)
        p, lg = _probs_logits(probs, logits, "Binomial")
        n = as_param(total_count, "total_count", "Binomial")
        self.total_count, self.probs, self.logits = broadcast_params(n, p, lg)
        self.batch_shape = tuple(self.probs.shape)

    @property
    def mean(self) -> Tensor:
        return self.total_count * self.probs

    @property
    def variance(self) -> Tensor:
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape: Sequence[int] | int = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        n = np.broadcast_to(self.total_count.array, shape).astype(np.int64)
        p = np.broadcast_to(self.probs.array, shape)
        return Tensor(_random.get_rng().binomial(n, p).astype(self.probs.array.dtype))

    def log_prob(self, value: Any) -> Tensor:
        k = as_param(value, "value", "Binomial.log_prob")
        _counts(k, "Binomial.log_prob", self._check)
        n, lg = self.total_count, self.logits
        log_binom = (n + 1).lgamma() - (k + 1).lgamma() - (n - k + 1).lgamma()
        # log p^k (1-p)^(n-k) = k * logits - n * log(1 + exp(logits)), stable for any logits
        return log_binom + k * lg - n * (lg.clamp(min=0) + (-lg.abs()).exp().log1p())
