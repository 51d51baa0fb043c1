"""Embedding lookups and one-hot codes (PyTorch's ``F.embedding`` and ``F.one_hot``).

``embedding`` is a row gather (``weight[indices]``, the ``Embedding`` op): its
gradient is the scatter-add of the output gradient into the looked-up rows, and
its ONNX export is a ``Gather`` whose indices are a graph input.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._errors import ShapeError
from ..autograd.function import Function
from ..autograd.grad_mode import is_grad_enabled, no_grad
from ..backend import get_array_module
from ..tensor import Tensor
from . import arithmetic as _ar
from . import logic as _logic
from . import select as _sel

__all__ = ["Embedding", "embedding", "one_hot", "renorm_rows_"]


class Embedding(Function):
    """Rows of a table picked by integer indices: ``weight[indices]``.

    The indices come in as a (non-differentiable) tensor argument, so a trace sees
    them as an input of the op (ONNX ``Gather``), not as a constant.
    """

    def forward(self, weight: Any, indices: Any, scale_grad_by_freq: bool = False) -> Any:
        if self.requires_grad:
            self.indices, self.shape, self.by_freq = indices, weight.shape, scale_grad_by_freq
        return weight[indices]

    def backward(self, g: Any) -> tuple:
        xp = get_array_module(g)
        grad = xp.zeros(self.shape, dtype=g.dtype)
        if self.by_freq:  # as torch: each lookup's gradient over its row's count in the batch
            counts = xp.bincount(self.indices.reshape(-1), minlength=self.shape[0])
            g = g / counts[self.indices][..., None].astype(g.dtype)
        xp.add.at(grad, self.indices, g)
        return grad, None

    def backward_graph(self, g: Any) -> tuple:
        # the rows' scatter-add, recorded (its own backward gathers the rows again)
        if self.by_freq:
            counts = g.xp.bincount(self.indices.reshape(-1), minlength=self.shape[0])
            g = g / g._make(counts[self.indices][..., None].astype(g.dtype), False, None, 0)
        return _sel.index_add_graph(g, tuple(self.shape), self.indices), None


def _indices(who: str, indices: Any, num: int, xp: Any) -> Any:
    idx = indices.array if isinstance(indices, Tensor) else indices
    idx = xp.asarray(idx)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"{who}: indices must be integers, got dtype {idx.dtype}")
    if idx.size and (int(idx.min()) < 0 or int(idx.max()) >= num):  # no negatives, as PyTorch
        raise IndexError(
            f"{who}: index out of range: got values in [{int(idx.min())}, {int(idx.max())}] "
            f"for {num} embeddings (indices must be in [0, {num}))"
        )
    return idx


def renorm_rows_(weight: Tensor, idx: Any, max_norm: float, norm_type: float) -> None:
    """Scale, in place, the rows of ``weight`` that ``idx`` looks up so their norm is <= ``max_norm``."""
    xp = weight.xp
    rows = xp.unique(idx.reshape(-1))
    w = weight.array[rows]
    norms = (xp.abs(w) ** norm_type).sum(axis=1) ** (1.0 / norm_type)
    scale = xp.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0).astype(w.dtype)
    with no_grad():
        weight.array[rows] = w * scale[:, None]


def _renormed(weight: Tensor, max_norm: float, norm_type: float) -> Tensor:
    """``weight`` with every row scaled down to norm ``max_norm`` as :func:`renorm_rows_`
    does, out of place in ops (the looked-up rows are the same)."""
    norms = (weight.abs() ** norm_type).sum(1) ** (1.0 / norm_type)
    over = _logic.compare(norms, max_norm, "__gt__")
    scale = _ar.where(over, max_norm / (norms + 1e-7), np.asarray(1.0, dtype=weight.dtype))
    return weight * scale.unsqueeze(1)


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
    scale_grad_by_freq : bool, default False
        Each lookup's gradient is divided by the number of times ``input`` holds its index.
    sparse : bool
        Not supported (``NotImplementedError`` when True).

    Returns
    -------
    Tensor, shape (*, embedding_dim)
    """
    who = "embedding"
    if sparse:
        raise NotImplementedError(f"{who}: sparse=True is not supported; glassnet's gradients are dense")
    if weight.ndim != 2:
        raise ValueError(f"{who}: weight must be 2-D (num_embeddings, dim), got {weight.shape}")
    idx = _indices(who, input, weight.shape[0], weight.xp)
    if max_norm is not None and _logic.tracing_active():
        # an exporter traces: the rows looked up are those of the renormalized table
        weight = _renormed(weight, float(max_norm), float(norm_type))
    elif max_norm is not None:
        renorm_rows_(weight, idx, float(max_norm), float(norm_type))
    ids = input if isinstance(input, Tensor) and input.xp is weight.xp else Tensor(idx)
    freq = {"scale_grad_by_freq": True} if scale_grad_by_freq else {}
    if padding_idx is None or not (weight.requires_grad and is_grad_enabled()):
        return Embedding.apply(weight, ids, **freq)
    # the padding row reaches the output but not the gradient: gather from a table whose
    # padding row is detached (values unchanged)
    rows = weight.xp.zeros((weight.shape[0], 1), dtype=weight.dtype)
    rows[padding_idx % weight.shape[0]] = 1
    table = weight * (1 - rows) + weight.detach() * rows
    return Embedding.apply(table, ids, **freq)


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
    idx = tensor.array if isinstance(tensor, Tensor) else np.asarray(tensor)
    xp = tensor.xp if isinstance(tensor, Tensor) else np
    if idx.dtype.kind not in "iu":
        raise TypeError(f"one_hot: expected integer class indices, got dtype {idx.dtype}")
    if idx.size and int(idx.min()) < 0:
        raise ShapeError(f"one_hot: class indices must be >= 0, got {int(idx.min())}")
    if not idx.size and num_classes == -1:  # torch: nothing to infer the classes from
        raise ValueError("one_hot: cannot infer num_classes from an empty tensor; pass num_classes")
    top = int(idx.max()) + 1 if idx.size else 0
    n = top if num_classes == -1 else int(num_classes)
    if top > n:
        raise ShapeError(f"one_hot: class index {top - 1} is too large for num_classes={n}")
    if _logic.tracing_active() and isinstance(tensor, Tensor):  # record the op for export
        return _logic.one_hot_indices(tensor, n)
    return Tensor((idx[..., None] == xp.arange(n)).astype(np.int64))
