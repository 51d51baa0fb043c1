"""The Bernoulli distribution, from ``probs`` or ``logits``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import functional as F
from .. import random as _random
from ..tensor import Tensor
from . import constraints
from .distribution import Distribution, as_param

__all__ = ["Bernoulli"]


class Bernoulli(Distribution):
    """``torch.distributions.Bernoulli(probs=None, logits=None, validate_args=None)``.

    Draws are 0.0 or 1.0 in the parameters' dtype; ``log_prob`` and ``entropy`` are
    binary cross-entropies on the logits, as torch computes them.
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}  # noqa: RUF012
    support = constraints.boolean

    def __init__(self, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:  # fmt: skip
        super().__init__(validate_args)
        if (probs is None) == (logits is None):
            raise ValueError("Bernoulli: expected exactly one of probs and logits")
        if probs is not None:
            self.probs = as_param(probs, "probs", "Bernoulli")
            a = self.probs.array
            self._check(bool(np.all((a >= 0) & (a <= 1))), "expected probs in [0, 1]")
            eps = float(np.finfo(a.dtype).eps)
            p = self.probs.clamp(eps, 1 - eps)
            self.logits = p.log() - (1 - p).log()
        else:
            self.logits = as_param(logits, "logits", "Bernoulli")
            self.probs = self.logits.sigmoid()
        self.batch_shape = tuple(self.logits.shape)

    @property
    def mean(self) -> Tensor:
        return self.probs

    @property
    def mode(self) -> Tensor:
        """1 where ``probs > 1/2``, 0 where below, NaN at exactly 1/2 (torch's)."""
        p = self.probs.array
        return Tensor(np.where(p == 0.5, np.nan, p > 0.5).astype(p.dtype))

    @property
    def variance(self) -> Tensor:
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape: Sequence[int] | int = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        p = np.broadcast_to(self.probs.array, shape)
        return Tensor((_random.get_rng().random(shape) < p).astype(self.probs.array.dtype))

    def log_prob(self, value: Any) -> Tensor:
        x = as_param(value, "value", "Bernoulli.log_prob")
        self._check(bool(np.all((x.array == 0) | (x.array == 1))), "log_prob: expected values 0 or 1")
        logits = self.logits
        shape = np.broadcast_shapes(tuple(x.shape), tuple(logits.shape))
        logits = logits if tuple(logits.shape) == shape else logits.expand(*shape)
        x = x if tuple(x.shape) == shape else x.expand(*shape)
        return -F.binary_cross_entropy_with_logits(logits, x, reduction="none")

    def entropy(self) -> Tensor:
        return F.binary_cross_entropy_with_logits(self.logits, self.probs, reduction="none")
