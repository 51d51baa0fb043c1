"""Margin loss modules (the functions are in :mod:`glassnet.ops.loss_margin`).

Each takes PyTorch's arguments in PyTorch's order, the deprecated
``size_average``/``reduce`` included (read as PyTorch reads them).
"""

from __future__ import annotations

from typing import Any

from ..ops import loss_margin as LM
from ..tensor import Tensor
from .loss import _Loss, _WeightedLoss
from .loss_composed import _number

__all__ = [
    "SoftMarginLoss", "MultiLabelSoftMarginLoss", "HingeEmbeddingLoss", "MultiMarginLoss",
    "MultiLabelMarginLoss",
]  # fmt: skip


class SoftMarginLoss(_Loss):
    """``log(1 + exp(-y x))``, ``y`` in {1, -1}.

    Parameters
    ----------
    size_average, reduce : deprecated (PyTorch's meaning)
    reduction : {'mean', 'sum', 'none'}, default 'mean'

    Shape
    -----
    - Input, Target: ``(*)``
    - Output: scalar; ``(*)`` with ``reduction='none'``
    """

    def forward(self, input: Tensor, target: Any) -> Tensor:  # noqa: A002
        return LM.soft_margin_loss(input, target, self.reduction)


class MultiLabelSoftMarginLoss(_WeightedLoss):
    """Per-class binary cross-entropy on logits, averaged over the classes.

    Parameters
    ----------
    weight : array-like or Tensor, shape (C,), optional
    size_average, reduce : deprecated (PyTorch's meaning)
    reduction : {'mean', 'sum', 'none'}, default 'mean'

    Shape
    -----
    - Input, Target: ``(N, C)`` or ``(C,)``
    - Output: scalar; ``(N,)`` with ``reduction='none'``
    """

    def __init__(
        self, weight: Any = None, size_average: Any = None, reduce: Any = None,
        reduction: str = "mean",
    ) -> None:  # fmt: skip
        super().__init__(weight, size_average, reduce, reduction)

    def forward(self, input: Tensor, target: Any) -> Tensor:  # noqa: A002
        return LM.multilabel_soft_margin_loss(input, target, self.weight, self.reduction)


class HingeEmbeddingLoss(_Loss):
    """``x`` for similar pairs (``y = 1``), ``max(0, margin - x)`` for dissimilar (``y = -1``).

    Parameters
    ----------
    margin : float, default 1
    size_average, reduce : deprecated (PyTorch's meaning)
    reduction : {'mean', 'sum', 'none'}, default 'mean'

    Shape
    -----
    - Input, Target: ``(*)``
    - Output: scalar; ``(*)`` with ``reduction='none'``
    """

    def __init__(
        self, margin: float = 1.0, size_average: Any = None, reduce: Any = None,
        reduction: str = "mean",
    ) -> None:  # fmt: skip
        super().__init__(size_average, reduce, reduction)
        self.margin = _number("HingeEmbeddingLoss", "margin", margin)

    def forward(self, input: Tensor, target: Any) -> Tensor:  # noqa: A002
        return LM.hinge_embedding_loss(input, target, self.margin, self.reduction)


class MultiMarginLoss(_WeightedLoss):
    """Multi-class hinge loss ``sum_{j != y} max(0, margin - x[y] + x[j])^p / C``.

    Parameters
    ----------
    p : {1, 2}, default 1
    margin : float, default 1
    weight : array-like or Tensor, shape (C,), optional
    size_average, reduce : deprecated (PyTorch's meaning)
    reduction : {'mean', 'sum', 'none'}, default 'mean'

    Shape
    -----
    - Input: ``(N, C)`` or ``(C,)``; Target: ``(N,)`` or ``()`` class indices
    - Output: scalar; ``(N,)`` with ``reduction='none'``
    """

    def __init__(
        self, p: int = 1, margin: float = 1.0, weight: Any = None, size_average: Any = None,
        reduce: Any = None, reduction: str = "mean",
    ) -> None:  # fmt: skip
        if p not in (1, 2) or isinstance(p, bool):
            raise ValueError(f"MultiMarginLoss: only p = 1 and p = 2 are supported, got p={p!r}")
        super().__init__(weight, size_average, reduce, reduction)
        self.p = p
        self.margin = _number("MultiMarginLoss", "margin", margin)

    def forward(self, input: Tensor, target: Any) -> Tensor:  # noqa: A002
        return LM.multi_margin_loss(input, target, self.p, self.margin, self.weight, self.reduction)


class MultiLabelMarginLoss(_Loss):
    """Multi-label hinge loss ``sum_{j listed} sum_{i not listed} max(0, 1 - x[j] + x[i]) / C``.

    Parameters
    ----------
    size_average, reduce : deprecated (PyTorch's meaning)
    reduction : {'mean', 'sum', 'none'}, default 'mean'

    Shape
    -----
    - Input: ``(N, C)`` or ``(C,)``; Target: the same shape, class indices ended by ``-1``
    - Output: scalar; ``(N,)`` with ``reduction='none'``
    """

    def forward(self, input: Tensor, target: Any) -> Tensor:  # noqa: A002
        return LM.multilabel_margin_loss(input, target, self.reduction)
