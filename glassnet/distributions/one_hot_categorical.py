"""The categorical distribution with one-hot draws (``event_shape = (K,)``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..tensor import Tensor
from . import constraints
from .categorical import Categorical
from .distribution import Distribution

__all__ = ["OneHotCategorical"]


class OneHotCategorical(Distribution):
    """``torch.distributions.OneHotCategorical(probs=None, logits=None, validate_args=None)``.

    :class:`Categorical` with each draw a one-hot vector of length ``K`` (float, the
    parameters' dtype) instead of a class index; ``log_prob`` takes one-hot vectors.
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}  # noqa: RUF012
    support = constraints.one_hot

    _param_event_dims = {"probs": 1, "logits": 1}  # noqa: RUF012

    def __init__(self, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:  # fmt: skip
        super().__init__(validate_args)
        self._categorical = Categorical(probs, logits, validate_args)
        self.probs, self.logits = self._categorical.probs, self._categorical.logits
        self.batch_shape = self._categorical.batch_shape
        self.event_shape = (self.logits.shape[-1],)

    @property
    def mean(self) -> Tensor:
        return self.probs

    @property
    def mode(self) -> Tensor:
        k = self.event_shape[0]
        idx = self.probs.array.argmax(-1)
        return Tensor(np.eye(k, dtype=self.probs.array.dtype)[idx])

    @property
    def variance(self) -> Tensor:
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape: Sequence[int] | int = ()) -> Tensor:
        idx = self._categorical.sample(sample_shape).array
        return Tensor(np.eye(self.event_shape[0], dtype=self.probs.array.dtype)[idx])

    def log_prob(self, value: Any) -> Tensor:
        v = np.asarray(value.array if isinstance(value, Tensor) else value)
        k = self.event_shape[0]
        self._check(
            v.ndim >= 1 and v.shape[-1] == k and bool(np.all((v == 0) | (v == 1)))
            and bool(np.all(v.sum(-1) == 1)),
            f"log_prob: expected one-hot vectors of length {k}",
        )
        return self._categorical.log_prob(v.argmax(-1))

    def entropy(self) -> Tensor:
        return self._categorical.entropy()
