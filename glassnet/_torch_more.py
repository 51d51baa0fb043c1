"""More of torch's functions, each composed of existing differentiable ops.

``tensordot``, ``diagonal``, ``unfold`` (sliding windows), ``cummax``/``cummin``,
``quantile``, ``rot90``, ``block_diag``, ``cartesian_prod``, ``trapezoid`` and
``gumbel_softmax`` are written with reshapes, transposes, indexing, ``gather``,
``sort``, ``pad`` and products, so their gradients come from those ops and need no
backward of their own. ``searchsorted``, ``bucketize``, ``isin``, ``heaviside`` and
``sgn`` give results without gradients, as in torch. ``inverse``, ``det``, ``slogdet``
and ``logdet`` are the ops of :mod:`glassnet.ops.linalg` under torch's top-level names, and
``svd``, ``qr``, ``cholesky``, ``pinverse``, ``cholesky_solve``, ``cholesky_inverse`` and
``matrix_power`` those of :mod:`glassnet._decompositions`. ``glassnet/__init__.py``
re-exports the functions; :class:`MoreMethods` is attached to ``Tensor``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import _decompositions as _dec
from . import _views
from . import random as _random
from . import return_types as rt
from .ops import activation as _act
from .ops import arithmetic as _ar
from .ops import linalg as _la
from .ops import logic as _logic
from .ops import pointwise as _pw
from .ops import select as _sel
from .ops import shape as _sh
from .ops.embedding import one_hot
from .tensor import Tensor

__all__ = [
    "tensordot", "diagonal", "cummax", "cummin", "quantile", "rot90", "block_diag",
    "cartesian_prod", "trapezoid", "searchsorted", "bucketize", "isin", "heaviside", "sgn",
    "gumbel_softmax", "inverse", "det", "slogdet", "logdet", "svd", "qr", "cholesky",
    "pinverse", "cholesky_solve", "cholesky_inverse", "matrix_power", "dist", "as_strided",
    "pi", "e", "newaxis", "is_complex", "trapz", "unravel_index",
]  # fmt: skip

#: torch's constants (``torch.pi``, ``torch.e``; ``torch.newaxis`` is None, as NumPy's).
pi: float = math.pi
e: float = math.e
newaxis = None


def _dim(x: Tensor, dim: Any, who: str) -> int:
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
        raise TypeError(f"{who}: dim must be an int, got {dim!r}")
    if not -max(x.ndim, 1) <= dim < max(x.ndim, 1):
        raise IndexError(f"{who}: dim {dim} is out of range for a {x.ndim}-d tensor")
    return int(dim) % max(x.ndim, 1)


def _as_tensor(x: Any, who: str) -> Tensor:
    if isinstance(x, Tensor):
        return x
    if isinstance(x, (np.ndarray, list, tuple, int, float)):
        return Tensor(np.asarray(x))
    raise TypeError(f"{who}: expected a Tensor, got {type(x).__name__}")


# ------------------------------------------------------------- products and shapes
def tensordot(a: Tensor, b: Tensor, dims: Any = 2) -> Tensor:
    """Sum over the last ``dims`` axes of ``a`` and the first ``dims`` of ``b`` (an int), or
    over the listed axes (``([1, 0], [0, 1])``), as ``torch.tensordot``.

    Returns
    -------
    Tensor
        ``a``'s free axes, then ``b``'s.
    """
    if isinstance(dims, (int, np.integer)) and not isinstance(dims, bool):
        if not 0 <= dims <= min(a.ndim, b.ndim):
            raise ValueError(f"tensordot: dims must be in [0, {min(a.ndim, b.ndim)}], got {dims}")
        da, db = list(range(a.ndim - dims, a.ndim)), list(range(dims))
    else:
        try:
            da, db = ([int(d) for d in np.atleast_1d(ax)] for ax in dims)
        except (TypeError, ValueError):
            raise TypeError(
                f"tensordot: dims must be an int or a pair of axis lists, got {dims!r}"
            ) from None
        da, db = [d % a.ndim for d in da], [d % b.ndim for d in db]
        if len(da) != len(db) or any(a.shape[i] != b.shape[j] for i, j in zip(da, db)):
            raise ValueError(
                f"tensordot: contracted dims of {a.shape} at {da} and of {b.shape} at {db} differ"
            )
    fa = [d for d in range(a.ndim) if d not in da]
    fb = [d for d in range(b.ndim) if d not in db]
    k = int(np.prod([a.shape[d] for d in da]))
    left = _sh.reshape(_sh.transpose(a, fa + da), (-1, k))
    right = _sh.reshape(_sh.transpose(b, db + fb), (k, -1))
    shape = tuple(a.shape[d] for d in fa) + tuple(b.shape[d] for d in fb)
    return _sh.reshape(left @ right, shape)


def diagonal(x: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The diagonal of the planes ``(dim1, dim2)`` as the last axis (``torch.diagonal``)."""
    d1, d2 = _dim(x, dim1, "diagonal"), _dim(x, dim2, "diagonal")
    if d1 == d2:
        raise RuntimeError(f"diagonal: dim1 and dim2 cannot be the same, got {dim1} and {dim2}")
    # a view, as torch's: x.diagonal().fill_(0) or .add_(eps) changes x (_views.link)
    out = _sh.diagonal(_views.source(x), offset, d1, d2)
    return _views.link(out, x, "diagonal", (offset, d1, d2))


def as_strided(
    input: Tensor, size: Sequence[int], stride: Sequence[int], storage_offset: int | None = None  # noqa: A002
) -> Tensor:
    """``input``'s memory read as ``size`` with ``stride`` (in elements) from element
    ``storage_offset``, a view as torch's (a change through it reaches ``input``;
    overlapping entries add their gradients). glassnet reads the memory of ``input``
    itself, so ``input`` must be C-contiguous and start its memory (``x.contiguous()``
    first); torch reads the whole storage underneath."""
    size, stride = tuple(int(n) for n in size), tuple(int(s) for s in stride)
    offset = 0 if storage_offset is None else int(storage_offset)
    if len(size) != len(stride):
        raise RuntimeError(f"as_strided: size {size} and stride {stride} differ in length")
    if min((*size, *stride, offset), default=0) < 0:
        raise RuntimeError(f"as_strided: negative size, stride or offset: {size}, {stride}, {offset}")
    if not input.is_contiguous() or input.storage_offset() != 0:
        raise NotImplementedError(
            "as_strided: glassnet reads a C-contiguous tensor that starts its own memory; call "
            ".contiguous() first (torch would read the storage under this view)"
        )
    last = offset + sum((n - 1) * s for n, s in zip(size, stride)) if all(size) else -1
    if last >= input.numel():
        raise RuntimeError(
            f"as_strided: size {size}, stride {stride} and offset {offset} reach element "
            f"{last}, out of bounds for a tensor of {input.numel()} elements"
        )
    out = _sh.as_strided(_views.source(input), size, stride, offset)
    return _views.link(out, input, "strided", (size, stride, offset))


def unfold(x: Tensor, dimension: int, size: int, step: int) -> Tensor:
    """Windows of ``size`` every ``step`` along ``dimension``, as a new last axis
    (``Tensor.unfold``). A copy, where torch's is a view."""
    d = _dim(x, dimension, "unfold")
    length = x.shape[d] if x.ndim else 1
    if not 0 <= size <= length or step <= 0:
        raise RuntimeError(
            f"unfold: size {size} must be in (0, {length}] and step {step} positive "
            f"(dimension {dimension} of a tensor of shape {x.shape})"
        )
    if x.ndim == 0:  # as torch: the one window of a 0-d tensor, shape (size,)
        return _sh.reshape(x, (1,))[:size]
    n = (length - size) // step + 1
    idx = np.arange(n)[:, None] * step + np.arange(size)[None, :]
    windows = _sh.getitem(x, (slice(None),) * d + (x.xp.asarray(idx),))
    order = list(range(windows.ndim))
    order.append(order.pop(d + 1))  # the window axis last
    return _sh.transpose(windows, order)


def rot90(x: Tensor, k: int = 1, dims: Sequence[int] = (0, 1)) -> Tensor:
    """Rotate by 90 degrees ``k`` times from the first of ``dims`` toward the second."""
    if len(dims) != 2:
        raise ValueError(f"rot90: dims must hold two dims, got {dims!r}")
    d0, d1 = _dim(x, dims[0], "rot90"), _dim(x, dims[1], "rot90")
    if d0 == d1:
        raise ValueError(f"rot90: the two dims must differ, got {dims!r}")
    k %= 4
    if k == 0:
        return x * 1
    if k == 2:
        return _sel.flip(x, [d0, d1])
    return _sh.swapaxes(_sel.flip(x, d1 if k == 1 else d0), d0, d1)


def block_diag(*tensors: Tensor) -> Tensor:
    """A block-diagonal matrix of the 0-, 1- or 2-D ``tensors`` (``torch.block_diag``)."""
    mats = []
    for t in tensors:
        t = _as_tensor(t, "block_diag")
        if t.ndim > 2:
            raise RuntimeError(f"block_diag: input tensors must have 2 or fewer dims, got {t.ndim}")
        mats.append(_sh.reshape(t, (1, -1)) if t.ndim < 2 else t)
    if not mats:
        return Tensor(np.zeros((0, 0), np.float32))
    floats = {m.dtype for m in mats if m.dtype.kind == "f"}  # torch's promotion, not NumPy's
    target = np.result_type(*(floats or {m.dtype for m in mats}))
    mats = [m if m.dtype == target else m.to(target) for m in mats]
    width = sum(m.shape[1] for m in mats)
    rows, left = [], 0
    for m in mats:
        rows.append(_sh.pad(m, ((0, 0), (left, width - left - m.shape[1]))))
        left += m.shape[1]
    return _sh.concat(rows, axis=0)


def cartesian_prod(*tensors: Tensor) -> Tensor:
    """Every combination of the 1-D ``tensors``' elements, one per row."""
    ts = [_as_tensor(t, "cartesian_prod") for t in tensors]
    if any(t.ndim != 1 for t in ts):
        raise ValueError("cartesian_prod: expects 1-D tensors")
    if len({t.array.dtype for t in ts}) > 1:
        raise RuntimeError(
            f"cartesian_prod: expected tensors of one dtype, got {[str(t.dtype) for t in ts]}"
        )
    if len(ts) == 1:
        return ts[0]
    shape = tuple(t.shape[0] for t in ts)
    cols = []
    for i, t in enumerate(ts):
        view = (1,) * i + (shape[i],) + (1,) * (len(ts) - i - 1)
        cols.append(_sh.reshape(_sh.broadcast_to(_sh.reshape(t, view), shape), (-1,)))
    return _sh.stack(cols, axis=1)


def trapezoid(
    y: Tensor, x: Tensor | None = None, *, dx: float | None = None, dim: int = -1
) -> Tensor:
    """The trapezoidal rule along ``dim``, with sample points ``x`` or spacing ``dx`` (1)."""
    d = _dim(y, dim, "trapezoid")
    n = y.shape[d]
    if n == 0:
        return y.sum(d)
    lo = _sh.getitem(y, (slice(None),) * d + (slice(0, n - 1),))
    hi = _sh.getitem(y, (slice(None),) * d + (slice(1, n),))
    mid = (lo + hi) * 0.5
    if x is None:
        return mid.sum(d) * (1.0 if dx is None else dx)
    x = _as_tensor(x, "trapezoid")
    xd = d if x.ndim == y.ndim else x.ndim - 1
    m = x.shape[xd]
    step = _sh.getitem(x, (slice(None),) * xd + (slice(1, m),)) - _sh.getitem(
        x, (slice(None),) * xd + (slice(0, m - 1),)
    )
    return (mid * step).sum(d)


# ------------------------------------------------------------------- running extremes
def _running(x: Tensor, dim: int, largest: bool, who: str) -> tuple[Tensor, Tensor]:
    _logic.refuse_while_tracing(who, "ONNX has no running maximum or minimum")
    d = _dim(x, dim, who)
    arr = x.array if x.ndim else x.array.reshape(1)
    ufunc = x.xp.maximum if largest else x.xp.minimum
    best = ufunc.accumulate(arr, axis=d)
    pos = x.xp.arange(arr.shape[d]).reshape((-1,) + (1,) * (arr.ndim - d - 1))
    same = arr == best
    if arr.dtype.kind == "f":  # a NaN is the running extreme from there on, as in torch
        same |= x.xp.isnan(arr)
    hit = x.xp.where(same, pos, 0)  # ties: the latest position, as torch
    idx = x.xp.maximum.accumulate(hit, axis=d).astype(np.int64)
    src = x if x.ndim else _sh.reshape(x, (1,))
    values = _sel.gather(src, d, idx)
    if not x.ndim:
        return _sh.reshape(values, ()), Tensor(idx.reshape(()))
    return values, Tensor(idx)


def cummax(x: Tensor, dim: int) -> rt.cummax:
    """Running maximum along ``dim`` and where it was (ties: the latest position)."""
    return rt.cummax(*_running(x, dim, True, "cummax"))


def cummin(x: Tensor, dim: int) -> rt.cummin:
    """Running minimum along ``dim`` and where it was (ties: the latest position)."""
    return rt.cummin(*_running(x, dim, False, "cummin"))


# ------------------------------------------------------------------------ quantiles
_INTERPOLATIONS = ("linear", "lower", "higher", "nearest", "midpoint")


def quantile(
    x: Tensor,
    q: Any,
    dim: int | None = None,
    keepdim: bool = False,
    *,
    interpolation: str = "linear",
) -> Tensor:
    """The ``q``-quantiles of ``x`` (over all elements, or along ``dim``), as ``torch.quantile``.

    Parameters
    ----------
    x : Tensor
    q : float or 1-D Tensor of floats in [0, 1]
        With a 1-D ``q`` the result gains a first axis, one entry per quantile.
    dim : int, optional
    keepdim : bool, default False
    interpolation : {'linear', 'lower', 'higher', 'nearest', 'midpoint'}
    """
    if interpolation not in _INTERPOLATIONS:
        raise ValueError(
            f"quantile: interpolation must be one of {_INTERPOLATIONS}, got {interpolation!r}"
        )
    qs = np.asarray(q.array if isinstance(q, Tensor) else q, dtype=np.float64)
    if qs.ndim > 1 or qs.size == 0 or np.any((qs < 0) | (qs > 1)):
        raise ValueError(
            f"quantile: q must be a number or a 1-D tensor of values in [0, 1], got {q!r}"
        )
    src = _sh.reshape(x, (-1,)) if dim is None else x
    d = 0 if dim is None else _dim(x, dim, "quantile")
    ordered = _sel.sort(src, d).values
    n = src.shape[d]
    pos = qs.reshape(-1) * (n - 1)
    lo, hi = np.floor(pos).astype(np.int64), np.ceil(pos).astype(np.int64)
    frac = pos - lo
    if interpolation == "lower":
        hi, frac = lo, frac * 0
    elif interpolation == "higher":
        lo, frac = hi, frac * 0
    elif interpolation == "nearest":
        lo = hi = np.round(pos).astype(np.int64)
        frac = frac * 0
    elif interpolation == "midpoint":
        frac = np.where(hi > lo, 0.5, 0.0)
    take = lambda i: _sh.getitem(ordered, (slice(None),) * d + (ordered.xp.asarray(i),))  # noqa: E731
    shape = [1] * ordered.ndim
    shape[d] = -1
    w = Tensor(ordered.xp.asarray(frac.reshape(shape), dtype=ordered.dtype))
    out = take(lo) + (take(hi) - take(lo)) * w  # (..., len(q) at d, ...)
    if dim is None:
        out = _sh.reshape(out, (len(pos),) + ((1,) * x.ndim if keepdim else ()))
    else:
        out = _sh.transpose(out, [d] + [i for i in range(out.ndim) if i != d])
        if keepdim:
            out = _sh.unsqueeze(out, d + 1)
    return _sh.reshape(out, out.shape[1:]) if qs.ndim == 0 else out


# ------------------------------------------------------------- results without gradients
def searchsorted(
    sorted_sequence: Tensor,
    values: Any,
    *,
    out_int32: bool = False,
    right: bool = False,
    side: str | None = None,
    sorter: Any = None,
) -> Tensor:
    """Where ``values`` would go in the sorted last axis of ``sorted_sequence``."""
    _logic.refuse_while_tracing("searchsorted", "ONNX has no sorted search")
    seq = _as_tensor(sorted_sequence, "searchsorted").array
    vals = values.array if isinstance(values, Tensor) else np.asarray(values)
    if side not in (None, "left", "right") or (side == "left" and right):
        raise ValueError(
            f"searchsorted: side must be 'left' or 'right' and agree with right, got {side!r}"
        )
    how = side or ("right" if right else "left")
    if sorter is not None:
        order = sorter.array if isinstance(sorter, Tensor) else np.asarray(sorter)
        seq = np.take_along_axis(seq, order, axis=-1)
    if _has_nan(seq) or _has_nan(vals):
        out = _bisect_like_torch(seq, np.asarray(vals), how == "right")
    elif seq.ndim <= 1:
        out = np.searchsorted(seq, vals, side=how)
    else:
        if seq.shape[:-1] != np.shape(vals)[:-1]:
            raise RuntimeError(
                f"searchsorted: the leading dims of sorted_sequence {seq.shape} and values "
                f"{np.shape(vals)} must match"
            )
        flat_s, flat_v = (
            seq.reshape(-1, seq.shape[-1]),
            np.asarray(vals).reshape(-1, np.shape(vals)[-1]),
        )
        out = np.stack([np.searchsorted(s, v, side=how) for s, v in zip(flat_s, flat_v)])
        out = out.reshape(np.shape(vals))
    return Tensor(np.asarray(out, dtype=np.int32 if out_int32 else np.int64))


def _has_nan(a: Any) -> bool:
    return a.dtype.kind == "f" and bool(np.isnan(a).any())


def _bisect_like_torch(seq: np.ndarray, vals: np.ndarray, right: bool) -> np.ndarray:
    """torch's binary search, for NaNs: it steps right while ``!(mid >= v)`` (``!(mid > v)``
    with ``right``), so a NaN value lands at the end, where NumPy orders NaN as largest."""
    n = seq.shape[-1]
    rows = seq.reshape(1, n) if seq.ndim <= 1 else seq.reshape(-1, n)
    v = vals.reshape(1, -1) if seq.ndim <= 1 else vals.reshape(rows.shape[0], -1)
    start, end = np.zeros(v.shape, np.int64), np.full(v.shape, n, np.int64)
    with np.errstate(invalid="ignore"):
        while True:
            active = start < end
            if not active.any():
                break
            mid = (start + end) // 2
            at = np.take_along_axis(rows, np.minimum(mid, n - 1), axis=-1)
            step_right = active & ~((at > v) if right else (at >= v))
            start = np.where(step_right, mid + 1, start)
            end = np.where(active & ~step_right, mid, end)
    return start.reshape(vals.shape)


def bucketize(
    input: Any, boundaries: Tensor, *, out_int32: bool = False, right: bool = False
) -> Tensor:  # noqa: A002
    """The bucket of each element of ``input`` among the 1-D ``boundaries`` (torch's rule:
    ``right=False`` puts ``x == boundary`` in the bucket that ends there)."""
    b = _as_tensor(boundaries, "bucketize")
    if b.ndim != 1:
        raise ValueError(f"bucketize: boundaries must be 1-D, got shape {b.shape}")
    return searchsorted(b, input, out_int32=out_int32, right=right)


def isin(
    elements: Any, test_elements: Any, *, assume_unique: bool = False, invert: bool = False
) -> Tensor:
    """Whether each element of ``elements`` is in ``test_elements`` (a bool tensor)."""
    _logic.refuse_while_tracing("isin", "not written with glassnet's ops")
    e = elements.array if isinstance(elements, Tensor) else np.asarray(elements)
    t = test_elements.array if isinstance(test_elements, Tensor) else np.asarray(test_elements)
    return Tensor(np.isin(e, t, assume_unique=assume_unique, invert=invert))


def heaviside(input: Tensor, values: Any) -> Tensor:  # noqa: A002
    """0 below zero, 1 above, ``values`` at zero (no gradient, as in torch)."""
    _logic.refuse_while_tracing("heaviside", "not written with glassnet's ops")
    x = _as_tensor(input, "heaviside").array
    v = values.array if isinstance(values, Tensor) else np.asarray(values)
    with np.errstate(invalid="ignore"):  # torch's rule: values at 0, else x > 0 (NaN: 0)
        out = np.where(x == 0, v, x > 0)
    return Tensor(out.astype(np.result_type(x, v), copy=False))


def sgn(input: Tensor) -> Tensor:  # noqa: A002
    """The sign (of real tensors; ``x / |x|`` for complex ones in torch)."""
    return _as_tensor(input, "sgn").sign()


# --------------------------------------------------------------------------- sampling
def gumbel_softmax(
    logits: Tensor, tau: float = 1.0, hard: bool = False, eps: float = 1e-10, dim: int = -1
) -> Tensor:
    """Samples from the Gumbel-softmax distribution over ``dim`` (``F.gumbel_softmax``).

    The Gumbel noise comes from glassnet's generator (``manual_seed``), so the draws are
    not torch's. With ``hard=True`` the result is one-hot in value and has the soft
    sample's gradient (the straight-through estimator)."""
    d = _dim(logits, dim, "gumbel_softmax")
    u = _random.get_rng().random(logits.shape)
    noise = -np.log(-np.log(np.clip(u, np.finfo(np.float64).tiny, 1.0)))
    g = Tensor(logits.xp.asarray(noise, dtype=logits.dtype))
    soft = _act.softmax((logits + g) / tau, axis=d)
    if not hard:
        return soft
    idx = soft.array.argmax(axis=d)
    onehot = _sh.transpose(one_hot(Tensor(idx), soft.shape[d]), _moved_back(soft.ndim, d)).to(
        soft.dtype
    )
    return onehot - soft.detach() + soft


def _moved_back(ndim: int, d: int) -> list[int]:
    """Axes that put a last axis back at position ``d``."""
    order = list(range(ndim - 1))
    order.insert(d, ndim - 1)
    return order


def dist(input: Tensor, other: Any, p: float = 2) -> Tensor:  # noqa: A002 - torch's name
    """The ``p``-norm of ``input - other`` over every entry (broadcast), a 0-d tensor."""
    return _pw.norm(input - other, p)


inverse = _la.inv
det = _la.det
slogdet = _la.slogdet
logdet = _la.logdet
svd = _dec.torch_svd
qr = _dec.torch_qr
cholesky = _dec.torch_cholesky
pinverse = _dec.pinverse
cholesky_solve = _dec.cholesky_solve
cholesky_inverse = _dec.cholesky_inverse
matrix_power = _dec.matrix_power


def is_complex(input: Tensor) -> bool:  # noqa: A002
    """torch's ``is_complex``: always False (glassnet has no complex dtypes)."""
    return input.is_complex()


def trapz(y: Tensor, x: Tensor | None = None, *, dx: float | None = None, dim: int = -1) -> Tensor:
    """torch's older name of :func:`trapezoid`."""
    return trapezoid(y, x, dx=dx, dim=dim)


def unravel_index(indices: Any, shape: Sequence[int] | int) -> tuple[Tensor, ...]:
    """The coordinates in ``shape`` of the flat ``indices`` (int64 tensors of ``indices``'
    shape, one per dimension of ``shape``), as torch's; no gradient."""
    idx = np.asarray(indices.numpy() if isinstance(indices, Tensor) else indices)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"unravel_index: expected integer indices, got dtype {idx.dtype}")
    dims = (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(n) for n in shape)
    size = math.prod(dims)
    if idx.size and (idx.min() < -size or idx.max() >= size):
        raise RuntimeError(f"unravel_index: index out of range for shape {dims}")
    coords = np.unravel_index(np.where(idx < 0, idx + size, idx), dims)
    return tuple(Tensor(np.asarray(c, dtype=np.int64)) for c in coords)


def _scaled_sum(input: Tensor, product: Tensor, beta: Any, alpha: Any) -> Tensor:  # noqa: A002
    """``beta * input + alpha * product``; ``input`` ignored (NaNs too) where ``beta`` is 0."""
    out = product if alpha == 1 else product * alpha
    return out if beta == 0 else out + (input if beta == 1 else input * beta)


class MoreMethods:
    """The Tensor methods of this module (attached by ``_tensor_methods.attach``)."""

    def addmm(self, mat1: Tensor, mat2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        """``beta * self + alpha * (mat1 @ mat2)`` for 2-D ``mat1``, ``mat2``, as ``torch.addmm``."""
        if mat1.ndim != 2 or mat2.ndim != 2:
            raise RuntimeError(f"addmm: expected 2-D matrices, got shapes {mat1.shape} and {mat2.shape}")
        return _scaled_sum(self, _ar.matmul(mat1, mat2), beta, alpha)

    def baddbmm(self, batch1: Tensor, batch2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        """``beta * self + alpha * (batch1 @ batch2)`` for 3-D batches, as ``torch.baddbmm``."""
        if batch1.ndim != 3 or batch2.ndim != 3:
            raise RuntimeError(
                f"baddbmm: expected 3-D batches, got shapes {batch1.shape} and {batch2.shape}"
            )
        return _scaled_sum(self, _ar.matmul(batch1, batch2), beta, alpha)

    def unfold(self, dimension: int, size: int, step: int) -> Tensor:
        return unfold(self, dimension, size, step)

    def as_strided(
        self, size: Sequence[int], stride: Sequence[int], storage_offset: int | None = None
    ) -> Tensor:
        return as_strided(self, size, stride, storage_offset)

    def diagonal(self, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
        return diagonal(self, offset, dim1, dim2)

    def cummax(self, dim: int) -> rt.cummax:
        return cummax(self, dim)

    def cummin(self, dim: int) -> rt.cummin:
        return cummin(self, dim)

    def quantile(
        self,
        q: Any,
        dim: int | None = None,
        keepdim: bool = False,
        *,
        interpolation: str = "linear",
    ) -> Tensor:
        return quantile(self, q, dim, keepdim, interpolation=interpolation)

    def rot90(self, k: int = 1, dims: Sequence[int] = (0, 1)) -> Tensor:
        return rot90(self, k, dims)

    def heaviside(self, values: Any) -> Tensor:
        return heaviside(self, values)

    def sgn(self) -> Tensor:
        return sgn(self)

    def isin(
        self, test_elements: Any, *, assume_unique: bool = False, invert: bool = False
    ) -> Tensor:
        return isin(self, test_elements, assume_unique=assume_unique, invert=invert)

    def dist(self, other: Any, p: float = 2) -> Tensor:
        return dist(self, other, p)

    def inverse(self) -> Tensor:
        return _la.inv(self)

    def det(self) -> Tensor:
        return _la.det(self)

    def slogdet(self) -> tuple[Tensor, Tensor]:
        return _la.slogdet(self)

    def logdet(self) -> Tensor:
        return _la.logdet(self)
