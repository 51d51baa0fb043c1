"""Embedding lookups and one-hot codes (PyTorch's ``F.embedding`` and ``F.one_hot``).

``embedding`` is a row gather (``weight[indices]``, the ``getitem`` op), so its
gradient is the scatter-add of the output gradient into the looked-up rows,
and its ONNX export is a ``Gather``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd.grad_mode import no_grad
from ..tensor import Tensor
from . import arithmetic as M
from . import shape as S

__all__ = ["embedding", "one_hot", "renorm_rows_"]


def _indices(who: str, indices: Any, num: int, xp: Any) -> Any:
    idx = indices.data if isinstance(indices, Tensor) else indices
    idx = xp.asarray(idx)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"{who}: indices must be integers, got dtype {idx.dtype}")
    if idx.size and (int(idx.min()) < -num or int(idx.max()) >= num):
        raise IndexError(
            f"{who}: index out of range: got values in [{int(idx.min())}, {int(idx.max())}] "
            f"for {num} embeddings"
        )
    return idx


def renorm_rows_(weight: Tensor, idx: Any, max_norm: float, norm_type: float) -> None:
    """Scale, in place, the rows of ``weight`` that ``idx`` looks up so their norm is <= ``max_norm``."""
    xp = weight.xp
    rows = xp.unique(idx.reshape(-1))
    w = weight.data[rows]
    norms = (xp.abs(w) ** norm_type).sum(axis=1) ** (1.0 / norm_type)
    scale = xp.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0).astype(w.dtype)
    with no_grad():
        weight.data[rows] = w * scale[:, None]


def embedding(
    input: Any, weight: Tensor, padding_idx: int | None = None, max_norm: float | None = None,  # noqa: A002
    norm_type: float = 2.0, scale_grad_by_freq: bool = False, sparse: bool = False,
) -> Tensor:  # fmt: skip
    """Rows of ``weight`` picked by integer ``input``.

    Parameters
    ----------
    input : integer array-like, shape (*)
    weight : Tensor, shape (num_embeddings, embedding_dim)
    padding_idx : int, optional
        That row gets no gradient (its output is still the row's value).
    max_norm : float, optional
        Looked-up rows with a larger ``norm_type``-norm are scaled down to it,
        in place, before the lookup (as PyTorch).
    norm_type : float, default 2
    scale_grad_by_freq, sparse : bool
        Not supported (``NotImplementedError`` when True).

    Returns
    -------
    Tensor, shape (*, embedding_dim)
    """
    who = "embedding"
    if scale_grad_by_freq or sparse:
        name = "scale_grad_by_freq" if scale_grad_by_freq else "sparse"
        raise NotImplementedError(f"{who}: {name}=True is not supported; glassnet's gradients are dense")
    if weight.ndim != 2:
        raise ValueError(f"{who}: weight must be 2-D (num_embeddings, dim), got {weight.shape}")
    idx = _indices(who, input, weight.shape[0], weight.xp)
    if max_norm is not None:
        renorm_rows_(weight, idx, float(max_norm), float(norm_type))
    out = S.getitem(weight, idx)
    if padding_idx is None:
        return out
    pad = padding_idx % weight.shape[0]
    keep = (idx % weight.shape[0] != pad)[..., None]
    return M.where(keep, out, out.detach())


def one_hot(tensor: Any, num_classes: int = -1) -> Tensor:
    """Integer class indices as one-hot rows (int64), as ``torch.nn.functional.one_hot``.

    Parameters
    ----------
    tensor : integer array-like, shape (*)
    num_classes : int, default -1
        ``-1``: one more than the largest index.

    Returns
    -------
    Tensor, shape (*, num_classes), dtype int64
    """
    idx = tensor.data if isinstance(tensor, Tensor) else np.asarray(tensor)
    xp = tensor.xp if isinstance(tensor, Tensor) else np
    if idx.dtype.kind not in "iu":
        raise TypeError(f"one_hot: expected integer class indices, got dtype {idx.dtype}")
    if idx.size and int(idx.min()) < 0:
        raise ValueError(f"one_hot: class indices must be >= 0, got {int(idx.min())}")
    top = int(idx.max()) + 1 if idx.size else 0
    n = top if num_classes == -1 else int(num_classes)
    if top > n:
        raise ValueError(f"one_hot: class index {top - 1} is too large for num_classes={n}")
    return Tensor((idx[..., None] == xp.arange(n)).astype(np.int64))
