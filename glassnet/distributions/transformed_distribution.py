"""``torch.distributions.TransformedDistribution``: a base distribution pushed through transforms.

``y = t_n(... t_1(x))`` with ``x`` drawn from the base. ``rsample`` keeps the graph (when the
base has ``rsample``), and ``log_prob(y)`` is the base's log-density of ``x`` less the
transforms' log-Jacobians, ``x`` recovered by the inverses (or from a transform's cache):

    log p(y) = log p_base(x) - sum_i log |d t_i / d x_i|

For example the tanh-squashed Gaussian of soft actor-critic::

    d = TransformedDistribution(Normal(mu, std), [TanhTransform(cache_size=1)])
    action = d.rsample()
    logp = d.log_prob(action)        # through the cache: no atanh of a value rounded to 1
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..tensor import Tensor
from .distribution import Distribution, as_param
from .transforms import Transform

__all__ = ["TransformedDistribution"]


class TransformedDistribution(Distribution):
    """``TransformedDistribution(base_distribution, transforms, validate_args=None)``.

    Parameters
    ----------
    base_distribution : Distribution
    transforms : Transform or sequence of Transform
        Elementwise transforms (glassnet's are all ``event_dim`` 0), applied in order.
    validate_args : bool, optional
    """

    def __init__(self, base_distribution: Distribution, transforms: Transform | Sequence[Transform],
                 validate_args: bool | None = None) -> None:  # fmt: skip
        super().__init__(validate_args)
        if isinstance(transforms, Transform):
            transforms = [transforms]
        transforms = list(transforms)
        if not isinstance(base_distribution, Distribution):
            raise TypeError(f"TransformedDistribution: expected a Distribution as the base, got "
                            f"{type(base_distribution).__name__}")  # fmt: skip
        for t in transforms:
            if not isinstance(t, Transform):
                raise TypeError(f"TransformedDistribution: expected Transforms, got "
                                f"{type(t).__name__}")  # fmt: skip
            if t.event_dim != 0:
                raise NotImplementedError("TransformedDistribution: glassnet's transforms are "
                                          "elementwise (event_dim 0)")  # fmt: skip
        self.base_dist, self.transforms = base_distribution, transforms
        self.batch_shape = tuple(base_distribution.batch_shape)
        self.event_shape = tuple(base_distribution.event_shape)
        self.has_rsample = base_distribution.has_rsample

    @property
    def support(self) -> Any:
        return self.transforms[-1].codomain if self.transforms else self.base_dist.support

    @property
    def arg_constraints(self) -> dict:
        return {}

    def _forward(self, x: Tensor) -> Tensor:
        for t in self.transforms:
            x = t(x)
        return x

    def sample(self, sample_shape: Sequence[int] | int = ()) -> Tensor:
        """A draw of the base pushed through the transforms, outside the graph."""
        return self._forward(self.base_dist.sample(sample_shape)).detach()

    def rsample(self, sample_shape: Sequence[int] | int = ()) -> Tensor:
        """A reparameterised draw: gradients reach the base's parameters (and the transforms')."""
        return self._forward(self.base_dist.rsample(sample_shape))

    def log_prob(self, value: Any) -> Tensor:
        """``log p(value)``: the base's at the inverted value, less the log-Jacobians."""
        y = as_param(value, "value", "TransformedDistribution.log_prob")
        event = len(self.event_shape)
        total: Tensor | None = None
        for t in reversed(self.transforms):
            x = t.inv(y)
            term = _sum_rightmost(t.log_abs_det_jacobian(x, y), event)
            total = -term if total is None else total - term
            y = x
        base = self.base_dist.log_prob(y)
        return base if total is None else base + total

    @property
    def mean(self) -> Tensor:
        raise NotImplementedError("TransformedDistribution.mean: not defined in closed form (as "
                                  "in torch); average rsample() draws instead")  # fmt: skip

    def __repr__(self) -> str:
        return f"TransformedDistribution({self.base_dist!r}, {self.transforms!r})"


def _sum_rightmost(t: Tensor, n: int) -> Tensor:
    return t.sum(tuple(range(-n, 0))) if n else t


