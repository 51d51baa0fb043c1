"""The categorical distribution over ``K`` classes, from ``probs`` or ``logits``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import random as _random
from ..tensor import Tensor
from . import constraints
from .distribution import Distribution, as_param

__all__ = ["Categorical"]


class Categorical(Distribution):
    """``torch.distributions.Categorical(probs=None, logits=None, validate_args=None)``.

    Exactly one of ``probs`` (non-negative, normalised along the last axis) and ``logits``
    (normalised to log-probabilities) is given; the last axis holds the ``K`` classes and
    the axes before it are the ``batch_shape``. Draws are int64 class indices.
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}  # noqa: RUF012

    @property
    def support(self) -> constraints.Constraint:
        """The class indices ``0 .. k - 1``."""
        return constraints.integer_interval(0, self.logits.shape[-1] - 1)

    _param_event_dims = {"probs": 1, "logits": 1}  # noqa: RUF012

    def __init__(self, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:  # fmt: skip
        super().__init__(validate_args)
        if (probs is None) == (logits is None):
            raise ValueError("Categorical: expected exactly one of probs and logits")
        if probs is not None:
            p = as_param(probs, "probs", "Categorical")
            self._check(p.ndim >= 1 and bool(np.all(p.array >= 0)), "expected probs >= 0 with a class axis")
            self.probs = p / p.sum(-1, keepdim=True)
            eps = float(np.finfo(p.array.dtype).eps)
            self.logits = self.probs.clamp(eps, 1 - eps).log()
        else:
            lg = as_param(logits, "logits", "Categorical")
            self._check(lg.ndim >= 1, "expected logits with a class axis")
            self.logits = lg - lg.logsumexp(-1, keepdim=True)
            self.probs = self.logits.softmax(-1)
        self.batch_shape = tuple(self.logits.shape[:-1])

    @property
    def param_shape(self) -> tuple[int, ...]:
        return tuple(self.logits.shape)

    def sample(self, sample_shape: Sequence[int] | int = ()) -> Tensor:
        """Class indices of shape ``sample_shape + batch_shape`` (int64), by inverse CDF."""
        shape = self._extended_shape(sample_shape)
        cdf = np.cumsum(self.probs.array.astype(np.float64), axis=-1)
        u = _random.get_rng().random(shape)[..., None] * cdf[..., -1:]
        idx = (u >= np.broadcast_to(cdf, shape + cdf.shape[-1:])).sum(-1)
        return Tensor(np.minimum(idx, cdf.shape[-1] - 1).astype(np.int64))

    def log_prob(self, value: Any) -> Tensor:
        """The log-probability of each class index in ``value`` (broadcast with the batch)."""
        v = np.asarray(value.array if isinstance(value, Tensor) else value)
        k = self.logits.shape[-1]
        self._check(
            v.dtype.kind in "iub" or bool(np.all(v == np.round(v))),
            "log_prob: expected integer class indices",
        )
        self._check(bool(np.all((v >= 0) & (v < k))), f"log_prob: expected class indices in [0, {k})")
        shape = np.broadcast_shapes(v.shape, self.batch_shape)
        idx = np.broadcast_to(v.astype(np.int64), shape)[..., None]
        return self.logits.expand(*shape, k).gather(-1, Tensor(idx)).squeeze(-1)

    @property
    def mean(self) -> Tensor:
        """NaN (class indices have no mean), as torch's."""
        return Tensor(np.full(self.batch_shape, np.nan, dtype=self.probs.array.dtype))

    @property
    def variance(self) -> Tensor:
        """NaN, as torch's."""
        return self.mean

    def entropy(self) -> Tensor:
        """``-sum(p log p)`` over the classes."""
        floor = float(np.finfo(self.logits.array.dtype).min)
        return -(self.logits.clamp(min=floor) * self.probs).sum(-1)

    @property
    def mode(self) -> Tensor:
        return self.probs.argmax(-1)
