"""``embedding_bag``: sums, means or maxima of bags of embedding rows (PyTorch's ``F.embedding_bag``).

Written with other ops: the rows are an :func:`~glassnet.ops.embedding.embedding`
lookup, a bag's sum or mean an ``index_add`` into its output row, its maximum a
``max`` over its rows; gradients (for ``weight`` and ``per_sample_weights``) come
from them. Which bag each index belongs to is worked out on the host, except for a 2-D
input without ``padding_idx`` (each row a bag): a ``(B, N, D)`` lookup reduced over ``N``.
While an ONNX exporter traces, the other forms (``offsets``, ``padding_idx``) are built from
ops it records: a mask of each bag's positions, computed from the indices and offsets.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..backend import to_host
from ..tensor import Tensor
from . import arithmetic as M
from . import logic as _logic
from . import reduce as R
from . import shape as S
from .embedding import embedding
from .select import index_add

__all__ = ["embedding_bag", "bag_layout"]

_MODES = ("sum", "mean", "max")


def bag_layout(
    who: str, input: Any, offsets: Any, include_last_offset: bool  # noqa: A002
) -> tuple[np.ndarray, np.ndarray, int]:
    """The flat indices, each one's bag and the number of bags.

    ``input`` is ``(B, N)`` (each row a bag; no ``offsets``) or ``(T,)`` with
    ``offsets`` ``(B,)`` of bag starts (``(B + 1,)`` ending with ``T`` when
    ``include_last_offset``).
    """
    idx = np.asarray(to_host(input.array if isinstance(input, Tensor) else input))
    if idx.dtype.kind not in "iu":
        raise TypeError(f"{who}: input must hold integer indices, got dtype {idx.dtype}")
    if idx.ndim == 2:
        if offsets is not None:
            raise ValueError(f"{who}: offsets must be None for a 2-D input (each row is a bag)")
        n_bags, per = idx.shape
        return idx.reshape(-1), np.repeat(np.arange(n_bags), per), n_bags
    if idx.ndim != 1:
        raise ValueError(f"{who}: input must be 1-D (with offsets) or 2-D, got shape {idx.shape}")
    if offsets is None:
        raise ValueError(f"{who}: a 1-D input needs offsets (the start of each bag)")
    off = np.asarray(to_host(offsets.array if isinstance(offsets, Tensor) else offsets))
    if off.ndim != 1 or off.dtype.kind not in "iu" or (off.size and off[0] != 0):
        raise ValueError(f"{who}: offsets must be a 1-D integer array starting at 0, got {off!r}")
    if np.any(np.diff(off) < 0) or (off.size and off[-1] > idx.size):
        raise ValueError(f"{who}: offsets must be non-decreasing and at most {idx.size}, got {off!r}")
    starts = off[:-1] if include_last_offset else off
    # torch: the last bag runs to the end of ``input`` even when the last offset is smaller
    ends = np.append(off[1 : starts.size], idx.size)[: starts.size]
    n_bags = starts.size
    bags = np.repeat(np.arange(n_bags), ends - starts)
    return idx[: bags.size], bags, n_bags


def embedding_bag(
    input: Any,  # noqa: A002
    weight: Tensor,
    offsets: Any = None,
    max_norm: float | None = None,
    norm_type: float = 2.0,
    scale_grad_by_freq: bool = False,
    mode: str = "mean",
    sparse: bool = False,
    per_sample_weights: Tensor | None = None,
    include_last_offset: bool = False,
    padding_idx: int | None = None,
) -> Tensor:
    """Reduce bags of embedding rows to one row each.

    Parameters
    ----------
    input : integer array-like or Tensor, shape (B, N) or (T,)
    weight : Tensor, shape (num_embeddings, D)
    offsets : integer array-like, shape (B,) or (B + 1,), optional
        Bag starts for a 1-D ``input``.
    max_norm, norm_type : as :func:`~glassnet.ops.embedding.embedding`
    mode : {'mean', 'sum', 'max'}
    per_sample_weights : Tensor, the shape of ``input``, optional
        Weights of the rows (``mode='sum'`` only).
    include_last_offset : bool, default False
    padding_idx : int, optional
        Entries equal to it are left out of their bag (and of its count).
    scale_grad_by_freq, sparse : bool
        Not supported (``NotImplementedError`` when True).

    Returns
    -------
    Tensor, shape (B, D)
        An empty bag gives zeros.
    """
    who = "embedding_bag"
    if mode not in _MODES:
        raise ValueError(f"{who}: mode must be one of {_MODES}, got {mode!r}")
    if scale_grad_by_freq or sparse:
        name = "scale_grad_by_freq" if scale_grad_by_freq else "sparse"
        raise NotImplementedError(f"{who}: {name}=True is not supported; glassnet's gradients are dense")
    if per_sample_weights is not None and mode != "sum":
        raise ValueError(f"{who}: per_sample_weights is only supported with mode='sum', got mode={mode!r}")
    idx, bags, n_bags = bag_layout(who, input, offsets, include_last_offset)
    n, dim = weight.shape
    per_bag = np.ndim(to_host(input.array if isinstance(input, Tensor) else input)) == 2
    if padding_idx is not None and not -n <= padding_idx < n:
        raise ValueError(f"{who}: padding_idx must be in [-{n}, {n}), got {padding_idx!r}")
    if per_bag and idx.size and padding_idx is None:
        return _rows_bag(input, weight, mode, max_norm, norm_type, per_sample_weights)
    if idx.size and _logic.tracing_active():
        pad = None if padding_idx is None else padding_idx % n
        return _traced_bags(input, weight, offsets, mode, max_norm, norm_type,
                            per_sample_weights, include_last_offset, pad)  # fmt: skip
    _logic.refuse_while_tracing(
        "embedding_bag of an empty input",
        "an input without indices has no rows to reduce in the graph; a non-empty input exports",
    )  # fmt: skip
    keep = np.ones(idx.size, dtype=bool)
    if padding_idx is not None:
        keep = idx != padding_idx % n
    rows = embedding(idx, weight, None, max_norm, norm_type)  # (T, D)
    out = Tensor(weight.xp.zeros((n_bags, dim), dtype=weight.dtype))
    if mode == "max":
        return _bag_max(rows, bags[keep], np.flatnonzero(keep), n_bags, out)
    scale = keep.astype(weight.dtype)
    if mode == "mean":
        count = np.bincount(bags[keep], minlength=n_bags)
        scale = scale / np.maximum(count, 1)[bags]
    rows = rows * Tensor(weight.xp.asarray(scale[:, None]))
    if per_sample_weights is not None:
        psw = per_sample_weights.reshape(-1)
        if psw.shape[0] != idx.size:
            raise ValueError(f"{who}: per_sample_weights must have the input's shape, got {per_sample_weights.shape}")
        rows = rows * S.unsqueeze(psw[: bags.size], -1)
    return index_add(out, 0, weight.xp.asarray(bags), rows)


def _rows_bag(
    input: Any, weight: Tensor, mode: str, max_norm: float | None, norm_type: float,  # noqa: A002
    per_sample_weights: Tensor | None,
) -> Tensor:  # fmt: skip
    """Bags that are the rows of a 2-D ``input`` ``(B, N)``, ``N > 0``: a lookup
    ``(B, N, D)`` reduced over ``N`` (ops an exporter records, so the bags follow the input)."""
    ids = input if isinstance(input, Tensor) else Tensor(weight.xp.asarray(input))
    rows = embedding(ids, weight, None, max_norm, norm_type)  # (B, N, D)
    if per_sample_weights is not None:
        if tuple(per_sample_weights.shape) != tuple(ids.shape):
            raise ValueError(
                f"embedding_bag: per_sample_weights must have the input's shape {tuple(ids.shape)}, "
                f"got {tuple(per_sample_weights.shape)}"
            )
        rows = rows * S.unsqueeze(per_sample_weights.to(weight.dtype), -1)
    reduce = {"sum": R.sum, "mean": R.mean, "max": R.max}[mode]
    return reduce(rows, 1)


def _traced_bags(
    input: Any, weight: Tensor, offsets: Any, mode: str, max_norm: float | None,  # noqa: A002
    norm_type: float, per_sample_weights: Tensor | None, include_last_offset: bool,
    padding_idx: int | None,
) -> Tensor:  # fmt: skip
    """:func:`embedding_bag` from ops an exporter records, so the bags follow the indices and
    the offsets in the graph (an input, or a constant of the model).

    Each bag is a mask over the rows: for a 2-D input ``(B, N)`` its row, for a 1-D input
    ``(T,)`` the positions ``t`` whose bag, the number of bag starts ``<= t`` less one, is
    ``b`` (an empty bag shares its start with the next, so it owns no position; the last bag
    runs to the end of the input, as torch's). ``padding_idx`` entries are left out of the
    mask. The rows, zero (``sum``, ``mean``) or ``-inf`` (``max``) outside a bag's mask, are
    reduced over the positions; an empty bag gives zeros.
    """
    ids = input if isinstance(input, Tensor) else Tensor(weight.xp.asarray(input))
    rows = embedding(ids, weight, None, max_norm, norm_type)  # (B, N, D) or (T, D)
    if per_sample_weights is not None:
        psw = per_sample_weights.to(weight.dtype)
        if tuple(psw.shape) != tuple(ids.shape):
            raise ValueError(
                f"embedding_bag: per_sample_weights must have the input's shape {tuple(ids.shape)}, "
                f"got {tuple(psw.shape)}"
            )
        rows = rows * S.unsqueeze(psw, -1)
    if ids.ndim == 2:
        mask = None
    else:
        off = offsets if isinstance(offsets, Tensor) else Tensor(weight.xp.asarray(offsets))
        starts = S.getitem(off, slice(None, -1)) if include_last_offset else off
        # positions 0..T-1 and bag numbers 0..B-1, computed from the shapes in the graph
        pos = M.sub(R.cumsum(M.cast(_logic.compare(ids, ids, "__eq__"), np.int64), 0), 1)
        bag_no = M.sub(R.cumsum(M.cast(_logic.compare(starts, starts, "__eq__"), np.int64), 0), 1)
        started = _logic.compare(S.unsqueeze(starts, 1), S.unsqueeze(pos, 0), "__le__")  # (B, T)
        bag_of = M.sub(_logic.truth(started, "count", 0), 1)  # (T,)
        mask = _logic.compare(S.unsqueeze(bag_of, 0), S.unsqueeze(bag_no, 1), "__eq__")  # (B, T)
        rows = S.unsqueeze(rows, 0)  # (1, T, D)
    if padding_idx is not None:
        kept = _logic.compare(ids, padding_idx, "__ne__")
        kept = kept if ids.ndim == 2 else S.unsqueeze(kept, 0)
        mask = kept if mask is None else _logic.logic(mask, kept, "__and__")
    if mask is None:  # every row a bag of N > 0 entries
        return {"sum": R.sum, "mean": R.mean, "max": R.max}[mode](rows, 1)
    mask3 = S.unsqueeze(mask, -1)
    count = M.cast(_logic.truth(mask, "count", 1, True), weight.dtype)  # (B, 1)
    if mode == "max":
        top = R.max(M.where(mask3, rows, -np.inf), 1)
        return M.where(_logic.compare(count, 0, "__gt__"), top, 0.0)
    total = R.sum(M.where(mask3, rows, 0.0), 1)
    return total if mode == "sum" else M.div(total, M.maximum(count, 1.0))


def _bag_max(rows: Tensor, bags: np.ndarray, where: np.ndarray, n_bags: int, empty: Tensor) -> Tensor:
    """Each bag's elementwise maximum over its rows (zeros for an empty bag)."""
    picked = []
    for b in range(n_bags):
        members = where[bags == b]
        if members.size == 0:
            picked.append(empty[b])
        else:
            picked.append(R.max(S.getitem(rows, rows.xp.asarray(members)), 0))
    return S.stack(picked, 0) if picked else M.mul(empty, 1.0)
