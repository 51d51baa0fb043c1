"""Loss modules for metric learning and likelihoods (see :mod:`glassnet.ops.loss_composed`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..ops import loss_composed as LC
from ..tensor import Tensor
from .layers.distance import PairwiseDistance
from .module import Module

__all__ = [
    "CosineEmbeddingLoss",
    "MarginRankingLoss",
    "TripletMarginLoss",
    "TripletMarginWithDistanceLoss",
    "PoissonNLLLoss",
    "GaussianNLLLoss",
]


def legacy_reduction(who: str, size_average: Any, reduce: Any, reduction: str) -> str:
    """PyTorch's reading of its deprecated ``size_average``/``reduce`` arguments.

    Either set (not None) overrides ``reduction``: ``reduce=False`` gives
    ``'none'``, otherwise ``size_average=False`` gives ``'sum'``, else ``'mean'``.
    Each must be a bool or None: ``MSELoss('sum')`` (meaning ``reduction='sum'``)
    raises instead of silently averaging.
    """
    for name, value in (("size_average", size_average), ("reduce", reduce)):
        if value is not None and not isinstance(value, bool):
            raise TypeError(
                f"{who}: {name} (a positional argument in PyTorch's order, deprecated there) "
                f"must be True, False or None, got {value!r}; pass reduction='mean', 'sum' "
                "or 'none' by keyword"
            )
    if size_average is None and reduce is None:
        if reduction not in ("mean", "sum", "none"):
            raise ValueError(
                f"{who}: reduction must be one of 'mean', 'sum', 'none', got {reduction!r}"
            )
        return reduction
    if reduce is False:
        return "none"
    return "sum" if size_average is False else "mean"


def _number(who: str, name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{who}: {name} must be a number, got {value!r}")
    return float(value)


class _ComposedLoss(Module):
    def __init__(self, size_average: Any, reduce: Any, reduction: str) -> None:
        super().__init__()
        self.reduction = legacy_reduction(type(self).__name__, size_average, reduce, reduction)

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}"


class CosineEmbeddingLoss(_ComposedLoss):
    """``1 - cos(x1, x2)`` for similar pairs (``y = 1``), ``max(0, cos - margin)`` for dissimilar.

    Parameters
    ----------
    margin : float, default 0
    size_average, reduce : deprecated (PyTorch's meaning)
    reduction : {'mean', 'sum', 'none'}, default 'mean'

    Shape
    -----
    - Input1, Input2: ``(N, D)`` or ``(D,)``
    - Target: ``(N,)`` or ``()``, values 1 or -1
    - Output: scalar; ``(N,)`` with ``reduction='none'``
    """

    def __init__(
        self, margin: float = 0.0, size_average: Any = None, reduce: Any = None,
        reduction: str = "mean",
    ) -> None:  # fmt: skip
        super().__init__(size_average, reduce, reduction)
        self.margin = _number("CosineEmbeddingLoss", "margin", margin)

    def forward(self, input1: Tensor, input2: Tensor, target: Any) -> Tensor:
        return LC.cosine_embedding_loss(input1, input2, target, self.margin, self.reduction)


class MarginRankingLoss(_ComposedLoss):
    """``max(0, -y (x1 - x2) + margin)``.

    Parameters
    ----------
    margin : float, default 0
    size_average, reduce : deprecated (PyTorch's meaning)
    reduction : {'mean', 'sum', 'none'}, default 'mean'

    Shape
    -----
    - Input1, Input2, Target: ``(N,)`` or ``()``
    - Output: scalar; ``(N,)`` with ``reduction='none'``
    """

    def __init__(
        self, margin: float = 0.0, size_average: Any = None, reduce: Any = None,
        reduction: str = "mean",
    ) -> None:  # fmt: skip
        super().__init__(size_average, reduce, reduction)
        self.margin = _number("MarginRankingLoss", "margin", margin)

    def forward(self, input1: Tensor, input2: Tensor, target: Any) -> Tensor:
        return LC.margin_ranking_loss(input1, input2, target, self.margin, self.reduction)


class TripletMarginLoss(_ComposedLoss):
    """``max(0, d(a, p) - d(a, n) + margin)`` with ``d`` the p-norm distance.

    Parameters
    ----------
    margin : float, default 1
    p : float, default 2
    eps : float, default 1e-6
    swap : bool, default False
    size_average, reduce : deprecated (PyTorch's meaning)
    reduction : {'mean', 'sum', 'none'}, default 'mean'

    Shape
    -----
    - Anchor, Positive, Negative: ``(N, D)`` or ``(D,)``
    - Output: scalar; ``(N,)`` with ``reduction='none'``
    """

    def __init__(
        self, margin: float = 1.0, p: float = 2.0, eps: float = 1e-6, swap: bool = False,
        size_average: Any = None, reduce: Any = None, reduction: str = "mean",
    ) -> None:  # fmt: skip
        super().__init__(size_average, reduce, reduction)
        who = "TripletMarginLoss"
        self.margin = _number(who, "margin", margin)
        if self.margin <= 0:
            raise ValueError(f"{who}: margin must be > 0, got {margin!r}")
        self.p, self.eps, self.swap = _number(who, "p", p), _number(who, "eps", eps), bool(swap)

    def forward(self, anchor: Tensor, positive: Tensor, negative: Tensor) -> Tensor:
        return LC.triplet_margin_loss(
            anchor, positive, negative, self.margin, self.p, self.eps, self.swap, self.reduction
        )


class TripletMarginWithDistanceLoss(_ComposedLoss):
    """``max(0, d(a, p) - d(a, n) + margin)`` with a distance function of the caller's choice.

    Parameters
    ----------
    distance_function : callable, optional (keyword-only)
        ``d(x1, x2) -> Tensor`` of distances; default ``PairwiseDistance()`` (a child module,
        as in PyTorch).
    margin : float, default 1
        Must be > 0.
    swap : bool, default False
        Use ``min(d(a, n), d(p, n))`` as the negative distance.
    reduction : {'mean', 'sum', 'none'}, default 'mean'

    Shape
    -----
    - Anchor, Positive, Negative: ``(N, *)`` or ``(*)``, as ``distance_function`` takes them
    - Output: scalar; the distances' shape with ``reduction='none'``
    """

    def __init__(
        self, *, distance_function: Callable[[Tensor, Tensor], Tensor] | None = None,
        margin: float = 1.0, swap: bool = False, reduction: str = "mean",
    ) -> None:  # fmt: skip
        super().__init__(None, None, reduction)
        who = "TripletMarginWithDistanceLoss"
        self.margin = _number(who, "margin", margin)
        if self.margin <= 0:
            raise ValueError(f"{who}: margin must be > 0, got {margin!r}")
        if distance_function is not None and not callable(distance_function):
            raise TypeError(f"{who}: distance_function must be callable, got {distance_function!r}")
        self.distance_function = (
            distance_function if distance_function is not None else PairwiseDistance()
        )
        self.swap = bool(swap)

    def forward(self, anchor: Tensor, positive: Tensor, negative: Tensor) -> Tensor:
        return LC.triplet_margin_with_distance_loss(
            anchor, positive, negative, distance_function=self.distance_function,
            margin=self.margin, swap=self.swap, reduction=self.reduction,
        )  # fmt: skip

    def extra_repr(self) -> str:
        return ""  # torch's repr: the distance function's child line only


class PoissonNLLLoss(_ComposedLoss):
    """Poisson negative log-likelihood (see :func:`glassnet.ops.loss_composed.poisson_nll_loss`).

    Parameters
    ----------
    log_input : bool, default True
    full : bool, default False
    size_average : deprecated
    eps : float, default 1e-8
    reduce : deprecated
    reduction : {'mean', 'sum', 'none'}, default 'mean'

    Shape
    -----
    - Input, Target: ``(*)``
    - Output: scalar; ``(*)`` with ``reduction='none'``
    """

    def __init__(
        self, log_input: bool = True, full: bool = False, size_average: Any = None,
        eps: float = 1e-8, reduce: Any = None, reduction: str = "mean",
    ) -> None:  # fmt: skip
        super().__init__(size_average, reduce, reduction)
        self.log_input, self.full = bool(log_input), bool(full)
        self.eps = _number("PoissonNLLLoss", "eps", eps)

    def forward(self, log_input: Tensor, target: Any) -> Tensor:
        return LC.poisson_nll_loss(
            log_input, target, self.log_input, self.full, self.eps, self.reduction
        )


class GaussianNLLLoss(_ComposedLoss):
    """Gaussian negative log-likelihood with a predicted variance.

    Parameters
    ----------
    full : bool, default False
    eps : float, default 1e-6
    reduction : {'mean', 'sum', 'none'}, default 'mean'

    Shape
    -----
    - Input, Target: ``(N, *)``
    - Var: ``(N, *)``, ``(N, *)`` without its last dimension, or with a last dimension of 1
    - Output: scalar; ``(N, *)`` with ``reduction='none'``
    """

    def __init__(self, *, full: bool = False, eps: float = 1e-6, reduction: str = "mean") -> None:
        super().__init__(None, None, reduction)
        self.full, self.eps = bool(full), _number("GaussianNLLLoss", "eps", eps)

    def forward(self, input: Tensor, target: Any, var: Any) -> Tensor:  # noqa: A002
        return LC.gaussian_nll_loss(input, target, var, self.full, self.eps, self.reduction)
