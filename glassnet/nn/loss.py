"""Loss modules: ``loss_fn = CrossEntropyLoss(); loss = loss_fn(logits, target)``.

Each wraps one function of :mod:`glassnet.ops.loss` and validates its
arguments at construction. Arguments are PyTorch's, in PyTorch's order
(``CrossEntropyLoss(weight, size_average, ignore_index, reduce, reduction,
label_smoothing)``); the deprecated ``size_average``/``reduce`` are read as
PyTorch reads them (either set overrides ``reduction``). Class weights are registered as a buffer named
``weight`` (as in PyTorch), so they follow ``.to()`` and appear in
``state_dict``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validate import is_int, is_number, one_of
from ..backend import default_dtype
from ..ops import loss as L
from ..tensor import Tensor
from .loss_composed import legacy_reduction
from .module import Module

__all__ = [
    "CrossEntropyLoss", "NLLLoss", "BCEWithLogitsLoss", "BCELoss", "MSELoss", "HalfMSELoss",
    "L1Loss", "HuberLoss", "SmoothL1Loss", "KLDivLoss",
]  # fmt: skip


def _float_array(who: str, name: str, value: Any, ndim: int | None = None) -> np.ndarray:
    arr = np.asarray(value.numpy() if isinstance(value, Tensor) else value)
    if arr.dtype.kind not in "iuf" or (ndim is not None and arr.ndim != ndim):
        want = f"a {ndim}-D array" if ndim is not None else "an array"
        raise ValueError(
            f"{who}: {name} must be {want} of numbers, got shape {arr.shape} and dtype {arr.dtype}"
        )
    if arr.dtype.kind != "f":
        arr = arr.astype(default_dtype())
    return arr


def _number(who: str, name: str, value: Any, lo: float, hi: float | None, lo_open: bool) -> float:
    ok = is_number(value)
    if ok:
        ok = (value > lo if lo_open else value >= lo) and (hi is None or value <= hi)
    if not ok:
        bracket = "(" if lo_open else "["
        rng = f"{bracket}{lo}, {hi}]" if hi is not None else f"{bracket}{lo}, inf)"
        raise ValueError(f"{who}: {name} must be a number in {rng}, got {value!r}")
    return float(value)


def _ignore_index(who: str, value: Any) -> int:
    if not is_int(value):
        raise TypeError(f"{who}: ignore_index must be an int, got {value!r}")
    return value


class _Loss(Module):
    """A loss module: a validated ``reduction`` (one of ``_reductions``) shown in the repr."""

    _reductions: tuple[str, ...] = ("mean", "sum", "none")

    def __init__(
        self, size_average: Any = None, reduce: Any = None, reduction: str = "mean"
    ) -> None:
        super().__init__()
        if size_average is not None or reduce is not None:  # PyTorch's deprecated pair wins
            reduction = legacy_reduction(type(self).__name__, size_average, reduce, reduction)
        self.reduction = one_of(type(self).__name__, "reduction", reduction, self._reductions)

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}"


class _WeightedLoss(_Loss):
    """A loss with an optional ``weight`` buffer (``weight_ndim``: its required rank, or None)."""

    def __init__(
        self,
        weight: Any = None,
        size_average: Any = None,
        reduce: Any = None,
        reduction: str = "mean",
        weight_ndim: int | None = 1,
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        if weight is not None:
            weight = _float_array(type(self).__name__, "weight", weight, weight_ndim)
        self.register_buffer("weight", weight)

    def _weight(self) -> Any:
        return None if self.weight is None else self.weight.array


class CrossEntropyLoss(_WeightedLoss):
    """Cross-entropy between logits and class indices or class probabilities.

    See :func:`glassnet.functional.cross_entropy` for the exact definition.

    Parameters
    ----------
    weight : array-like, shape (C,), optional
        Per-class rescaling.
    ignore_index : int, default -100
        Index targets equal to it contribute nothing.
    reduction : {'mean', 'sum', 'none'}, default 'mean'
    label_smoothing : float in [0, 1], default 0.0

    Shape
    -----
    - Input: ``(N, C)``, ``(N, C, d1, ...)`` or ``(C,)`` logits
    - Target: ``(N,)``/``(N, d1, ...)``/``()`` integer indices in ``[0, C)``,
      or class probabilities / one-hot rows of the input's shape
    - Output: scalar; ``(N,)``/``(N, d1, ...)`` with ``reduction='none'``
    """

    def __init__(
        self,
        weight: Any = None,
        size_average: Any = None,
        ignore_index: int = -100,
        reduce: Any = None,
        reduction: str = "mean",
        label_smoothing: float = 0.0,
    ) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = _ignore_index("CrossEntropyLoss", ignore_index)
        self.label_smoothing = _number(
            "CrossEntropyLoss", "label_smoothing", label_smoothing, 0.0, 1.0, False
        )

    def forward(self, input: Tensor, target: Any) -> Tensor:  # noqa: A002
        return L.cross_entropy(
            input,
            target,
            weight=self._weight(),
            ignore_index=self.ignore_index,
            reduction=self.reduction,
            label_smoothing=self.label_smoothing,
        )

    def extra_repr(self) -> str:
        extra = f", label_smoothing={self.label_smoothing}" if self.label_smoothing else ""
        return super().extra_repr() + extra


class NLLLoss(_WeightedLoss):
    """Negative log-likelihood of log-probabilities (use after ``LogSoftmax(dim=1)``).

    Parameters
    ----------
    weight : array-like, shape (C,), optional
    ignore_index : int, default -100
    reduction : {'mean', 'sum', 'none'}, default 'mean'

    Shape
    -----
    - Input: ``(N, C)``, ``(N, C, d1, ...)`` or ``(C,)`` log-probabilities
    - Target: ``(N,)``, ``(N, d1, ...)`` or ``()`` integer indices
    - Output: scalar; the target's shape with ``reduction='none'``
    """

    def __init__(
        self,
        weight: Any = None,
        size_average: Any = None,
        ignore_index: int = -100,
        reduce: Any = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = _ignore_index("NLLLoss", ignore_index)

    def forward(self, input: Tensor, target: Any) -> Tensor:  # noqa: A002
        return L.nll_loss(
            input,
            target,
            weight=self._weight(),
            ignore_index=self.ignore_index,
            reduction=self.reduction,
        )


class BCEWithLogitsLoss(_WeightedLoss):
    """Sigmoid and binary cross-entropy in one stable op (takes logits).

    Parameters
    ----------
    weight : array-like, optional
        Rescales each element; broadcasts to the input's shape.
    reduction : {'mean', 'sum', 'none'}, default 'mean'
    pos_weight : array-like, optional
        Weight of positive examples per class, e.g. shape ``(C,)``.

    Shape
    -----
    - Input: ``(*)`` logits
    - Target: ``(*)``, same shape, values in ``[0, 1]``
    - Output: scalar; ``(*)`` with ``reduction='none'``
    """

    def __init__(
        self,
        weight: Any = None,
        size_average: Any = None,
        reduce: Any = None,
        reduction: str = "mean",
        pos_weight: Any = None,
    ) -> None:
        super().__init__(weight, size_average, reduce, reduction, weight_ndim=None)
        pw = None
        if pos_weight is not None:
            pw = _float_array("BCEWithLogitsLoss", "pos_weight", pos_weight)
        self.register_buffer("pos_weight", pw)

    def forward(self, input: Tensor, target: Any) -> Tensor:  # noqa: A002
        pw = None if self.pos_weight is None else self.pos_weight.array
        return L.binary_cross_entropy_with_logits(
            input, target, weight=self._weight(), pos_weight=pw, reduction=self.reduction
        )


class BCELoss(_WeightedLoss):
    """Binary cross-entropy of probabilities (after a ``Sigmoid`` or a ``Perceptron``).

    Logs are clamped at -100 as in PyTorch; prefer :class:`BCEWithLogitsLoss`
    on logits for stability.

    Parameters
    ----------
    weight : array-like, optional
        Broadcasts to the input's shape.
    reduction : {'mean', 'sum', 'none'}, default 'mean'

    Shape
    -----
    - Input: ``(*)`` probabilities in ``[0, 1]``
    - Target: ``(*)``, same shape
    - Output: scalar; ``(*)`` with ``reduction='none'``
    """

    def __init__(
        self,
        weight: Any = None,
        size_average: Any = None,
        reduce: Any = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(weight, size_average, reduce, reduction, weight_ndim=None)

    def forward(self, input: Tensor, target: Any) -> Tensor:  # noqa: A002
        return L.binary_cross_entropy(
            input, target, weight=self._weight(), reduction=self.reduction
        )


class MSELoss(_Loss):
    """Mean squared error ``(input - target)^2``.

    Parameters
    ----------
    reduction : {'mean', 'sum', 'none'}, default 'mean'

    Shape
    -----
    - Input: ``(*)``
    - Target: ``(*)``, the same shape exactly
    - Output: scalar; ``(*)`` with ``reduction='none'``
    """

    def forward(self, input: Tensor, target: Any) -> Tensor:  # noqa: A002
        return L.mse_loss(input, target, reduction=self.reduction)


class HalfMSELoss(_Loss):
    """The seed's loss: half the squared error summed over outputs, averaged over the batch.

    ``loss = (1/N) * sum_n sum_j (input[n, j] - target[n, j])^2 / 2``; see
    :func:`glassnet.functional.half_mse_loss`.

    Parameters
    ----------
    reduction : {'mean', 'sum', 'none'}, default 'mean'
        Over the batch axis; ``'none'`` gives one value per sample.

    Shape
    -----
    - Input: ``(N, *)``
    - Target: ``(N, *)``, the same shape
    - Output: scalar; ``(N,)`` with ``reduction='none'``
    """

    def __init__(self, *, reduction: str = "mean") -> None:
        super().__init__(reduction=reduction)

    def forward(self, input: Tensor, target: Any) -> Tensor:  # noqa: A002
        return L.half_mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """Mean absolute error ``|input - target|``.

    Parameters
    ----------
    reduction : {'mean', 'sum', 'none'}, default 'mean'

    Shape
    -----
    - Input: ``(*)``
    - Target: ``(*)``, the same shape
    - Output: scalar; ``(*)`` with ``reduction='none'``
    """

    def forward(self, input: Tensor, target: Any) -> Tensor:  # noqa: A002
        return L.l1_loss(input, target, reduction=self.reduction)


class HuberLoss(_Loss):
    """Quadratic for errors below ``delta``, linear above (robust to outliers).

    Parameters
    ----------
    reduction : {'mean', 'sum', 'none'}, default 'mean'
    delta : float > 0, default 1.0

    Shape
    -----
    - Input: ``(*)``
    - Target: ``(*)``, the same shape
    - Output: scalar; ``(*)`` with ``reduction='none'``
    """

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction=reduction)
        self.delta = _number("HuberLoss", "delta", delta, 0.0, None, True)

    def forward(self, input: Tensor, target: Any) -> Tensor:  # noqa: A002
        return L.huber_loss(input, target, reduction=self.reduction, delta=self.delta)

    def extra_repr(self) -> str:
        return super().extra_repr() + f", delta={self.delta}"


class SmoothL1Loss(_Loss):
    """Smooth L1: ``0.5 d^2 / beta`` below ``beta``, ``|d| - 0.5 beta`` above.

    Parameters
    ----------
    reduction : {'mean', 'sum', 'none'}, default 'mean'
    beta : float >= 0, default 1.0

    Shape
    -----
    - Input: ``(*)``
    - Target: ``(*)``, the same shape
    - Output: scalar; ``(*)`` with ``reduction='none'``
    """

    def __init__(
        self,
        size_average: Any = None,
        reduce: Any = None,
        reduction: str = "mean",
        beta: float = 1.0,
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.beta = _number("SmoothL1Loss", "beta", beta, 0.0, None, False)

    def forward(self, input: Tensor, target: Any) -> Tensor:  # noqa: A002
        return L.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)

    def extra_repr(self) -> str:
        return super().extra_repr() + f", beta={self.beta}"


class KLDivLoss(_Loss):
    """Kullback-Leibler divergence of a target distribution from log-probabilities.

    Parameters
    ----------
    reduction : {'mean', 'batchmean', 'sum', 'none'}, default 'mean'
        ``'batchmean'`` is the mathematical KL divergence.
    log_target : bool, default False
        The target is given as log-probabilities.

    Shape
    -----
    - Input: ``(N, *)`` log-probabilities
    - Target: ``(N, *)``, the same shape
    - Output: scalar; ``(N, *)`` with ``reduction='none'``
    """

    _reductions = ("mean", "batchmean", "sum", "none")

    def __init__(
        self,
        size_average: Any = None,
        reduce: Any = None,
        reduction: str = "mean",
        log_target: bool = False,
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.log_target = bool(log_target)

    def forward(self, input: Tensor, target: Any) -> Tensor:  # noqa: A002
        return L.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)
