"""The CTC loss module (the function is :func:`glassnet.ops.ctc.ctc_loss`)."""

from __future__ import annotations

from typing import Any

from .._validate import flag, is_int
from ..ops.ctc import ctc_loss
from ..tensor import Tensor
from .loss import _Loss

__all__ = ["CTCLoss"]


class CTCLoss(_Loss):
    """Connectionist temporal classification loss, as ``torch.nn.CTCLoss``.

    Parameters
    ----------
    blank : int, default 0
        The blank class.
    reduction : {'mean', 'sum', 'none'}, default 'mean'
        ``'mean'`` divides each loss by its target length, then averages.
    zero_infinity : bool, default False
        Impossible alignments give 0 loss and 0 gradient instead of ``inf``.

    Shape
    -----
    - Log_probs: ``(T, N, C)`` or ``(T, C)``, log-probabilities (``log_softmax``)
    - Targets: ``(N, S)`` padded, ``(sum(target_lengths),)`` concatenated, or ``(S,)``
    - Input_lengths, Target_lengths: ``(N,)`` (tensor or tuple of ints)
    - Output: scalar; ``(N,)`` (``()`` unbatched) with ``reduction='none'``
    """

    def __init__(self, blank: int = 0, reduction: str = "mean", zero_infinity: bool = False) -> None:
        super().__init__(reduction=reduction)
        if not is_int(blank) or blank < 0:
            raise ValueError(f"CTCLoss: blank must be a non-negative int, got {blank!r}")
        self.blank = int(blank)
        self.zero_infinity = flag("CTCLoss", "zero_infinity", zero_infinity)

    def forward(
        self, log_probs: Tensor, targets: Any, input_lengths: Any, target_lengths: Any
    ) -> Tensor:
        return ctc_loss(
            log_probs, targets, input_lengths, target_lengths, self.blank, self.reduction,
            self.zero_infinity,
        )  # fmt: skip

    def extra_repr(self) -> str:
        return f"blank={self.blank}, reduction={self.reduction!r}, zero_infinity={self.zero_infinity}"
