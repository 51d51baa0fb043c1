"""``nn.CosineSimilarity`` and ``nn.PairwiseDistance``: modules around the functions."""

from __future__ import annotations

from ...ops.loss_composed import pairwise_distance
from ...ops.pointwise import cosine_similarity
from ...tensor import Tensor
from ..module import Module

__all__ = ["CosineSimilarity", "PairwiseDistance"]


class CosineSimilarity(Module):
    """Cosine similarity of ``x1`` and ``x2`` along ``dim``, each norm clamped at ``eps``.

    Shape
    -----
    - Input1, Input2: ``(*, D, *)``, broadcastable; Output: without ``dim``
    """

    def __init__(self, dim: int = 1, eps: float = 1e-8) -> None:
        super().__init__()
        self.dim, self.eps = dim, eps

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return cosine_similarity(x1, x2, self.dim, self.eps)


class PairwiseDistance(Module):
    """``||x1 - x2 + eps||_p`` over the last dimension.

    Shape
    -----
    - Input1, Input2: ``(N, D)`` or ``(D,)``; Output: ``(N,)`` (``(N, 1)`` with ``keepdim``)
    """

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> None:
        super().__init__()
        self.norm, self.eps, self.keepdim = p, eps, keepdim

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)
