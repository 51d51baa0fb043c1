"""``Independent``: some of a distribution's batch axes read as one event."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..tensor import Tensor
from .distribution import Distribution

__all__ = ["Independent"]


class Independent(Distribution):
    """``torch.distributions.Independent(base_distribution, reinterpreted_batch_ndims)``.

    The last ``reinterpreted_batch_ndims`` axes of the base's ``batch_shape`` become part
    of the ``event_shape``: ``log_prob`` and ``entropy`` are summed over them, so a
    ``Normal`` over ``(N, D)`` becomes ``N`` distributions over vectors of length ``D``.
    """

    arg_constraints: dict = {}  # noqa: RUF012

    @property
    def support(self) -> Any:
        """The base distribution's support (torch's: with the reinterpreted dims as event
        dims)."""
        return self.base_dist.support

    def __init__(
        self, base_distribution: Distribution, reinterpreted_batch_ndims: int,
        validate_args: bool | None = None,
    ) -> None:  # fmt: skip
        super().__init__(validate_args)
        n = reinterpreted_batch_ndims
        batch = tuple(base_distribution.batch_shape)
        if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= len(batch):
            raise ValueError(
                f"Independent: reinterpreted_batch_ndims must be an int in [0, {len(batch)}] "
                f"for a base with batch_shape {batch}, got {n!r}"
            )
        self.base_dist, self.reinterpreted_batch_ndims = base_distribution, n
        self.batch_shape = batch[: len(batch) - n]
        self.event_shape = batch[len(batch) - n :] + tuple(base_distribution.event_shape)
        self.has_rsample = base_distribution.has_rsample

    def _sum_event(self, t: Tensor) -> Tensor:
        n = self.reinterpreted_batch_ndims
        return t.sum(tuple(range(-n, 0))) if n else t

    @property
    def mean(self) -> Tensor:
        return self.base_dist.mean

    @property
    def mode(self) -> Tensor:
        return self.base_dist.mode

    @property
    def variance(self) -> Tensor:
        return self.base_dist.variance

    def sample(self, sample_shape: Sequence[int] | int = ()) -> Tensor:
        return self.base_dist.sample(sample_shape)

    def rsample(self, sample_shape: Sequence[int] | int = ()) -> Tensor:
        return self.base_dist.rsample(sample_shape)

    def log_prob(self, value: Any) -> Tensor:
        return self._sum_event(self.base_dist.log_prob(value))

    def entropy(self) -> Tensor:
        return self._sum_event(self.base_dist.entropy())

    def __repr__(self) -> str:
        return (
            f"Independent({self.base_dist!r}, {self.reinterpreted_batch_ndims}, "
            f"event_shape={tuple(self.event_shape)})"
        )
