"""More of torch's top-level functions: shapes and statistics.

``broadcast_tensors``, ``atleast_1d``/``2d``/``3d``, ``column_stack``, ``dstack``,
``ravel``, ``hsplit``/``vsplit``/``dsplit``, ``diag_embed``, ``diagflat``,
``combinations``, ``take``, ``index_copy``, ``cov``, ``corrcoef``, ``renorm`` and
``cumulative_trapezoid`` are composed of existing differentiable ops (reshapes, indexing,
products, sums), so their gradients are those ops'. ``broadcast_shapes``, ``histc``,
``histogram``, ``unique_consecutive``, ``poisson`` and ``msort``'s order give results
without gradients, as in torch. :class:`ShapeMethods` is attached to ``Tensor``.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import _torch_args as _args
from . import random as _random
from . import return_types as _rt
from ._torch_config import promote_types
from ._torch_math import _need_dims, _t
from .ops import arithmetic as _ar
from .ops import logic as _logic
from .ops import select as _sel
from .ops import shape as _sh
from .ops.scatter_reduce import scatter_reduce as _scatter_reduce
from .tensor import Size, Tensor

__all__ = [
    "broadcast_tensors", "broadcast_shapes", "atleast_1d", "atleast_2d", "atleast_3d",
    "column_stack", "dstack", "ravel", "hsplit", "vsplit", "dsplit", "diag_embed", "diagflat",
    "combinations", "take", "index_copy", "cov", "corrcoef", "renorm", "cumulative_trapezoid",
    "gradient",
    "histc", "histogram", "unique_consecutive", "poisson", "msort", "scatter_reduce",
    "ShapeMethods",
]  # fmt: skip


# ------------------------------------------------------------------------ shapes
def broadcast_tensors(*tensors: Tensor) -> tuple[Tensor, ...]:
    """Each tensor expanded to the common shape (views: gradients reach the originals)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    shape = np.broadcast_shapes(*(tuple(t.shape) for t in tensors))
    return tuple(t if tuple(t.shape) == shape else t.expand(*shape) for t in tensors)


def broadcast_shapes(*shapes: Any) -> tuple[int, ...]:
    """The shape the given shapes broadcast to (ints count as 1-D shapes)."""
    as_tuples = [(s,) if isinstance(s, int) else tuple(s) for s in shapes]
    try:
        return Size(np.broadcast_shapes(*as_tuples))
    except ValueError as err:
        raise RuntimeError(f"broadcast_shapes: shapes {as_tuples} do not broadcast") from err


def _atleast(n: int, tensors: tuple) -> Any:
    many = len(tensors) != 1 or isinstance(tensors[0], (list, tuple))
    items = tensors[0] if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)) else tensors
    out = []
    for t in items:
        t = _t(t, f"atleast_{n}d")
        if t.ndim < n:
            pad = {1: [(1,)], 2: [(1, 1), (1, -1)], 3: [(1, 1, 1), (1, -1, 1), None]}[n][t.ndim]
            t = t.reshape(*pad) if pad is not None else t.unsqueeze(-1)
        out.append(t)
    return tuple(out) if many else out[0]


def atleast_1d(*tensors: Any) -> Any:
    return _atleast(1, tensors)


def atleast_2d(*tensors: Any) -> Any:
    return _atleast(2, tensors)


def atleast_3d(*tensors: Any) -> Any:
    """As NumPy's: a ``(n,)`` tensor becomes ``(1, n, 1)``, an ``(m, n)`` one ``(m, n, 1)``."""
    return _atleast(3, tensors)


def column_stack(tensors: Sequence[Tensor]) -> Tensor:
    """1-D tensors as columns (and 0-d as one-element columns), side by side."""
    cols = [t.reshape(-1, 1) if t.ndim <= 1 else t for t in tensors]
    return _sh.concat(list(_args_promoted(cols)), axis=1)


def dstack(tensors: Sequence[Tensor]) -> Tensor:
    """Stack along the third axis (after :func:`atleast_3d`)."""
    return _sh.concat(list(_args_promoted(list(atleast_3d(*tensors)))), axis=2)


def _args_promoted(tensors: list[Tensor]) -> list[Tensor]:
    """The tensors cast to their common dtype by torch's rule (int32 with float32 is
    float32, where NumPy says float64)."""
    kinds = {t.dtype for t in tensors}
    if len(kinds) == 1:
        return tensors
    target = tensors[0].dtype
    for t in tensors[1:]:
        target = promote_types(target, t.dtype)
    return [t if t.dtype == target else _ar.cast(t, target) for t in tensors]


def ravel(input: Tensor) -> Tensor:  # noqa: A002
    return input.reshape(-1)


def _split_along(x: Tensor, sections: Any, dim: int, who: str) -> tuple[Tensor, ...]:
    if isinstance(sections, int) and x.shape[dim] % sections:
        raise RuntimeError(
            f"{who}: dimension {dim} of size {x.shape[dim]} is not divisible by {sections}"
        )
    return tuple(x.tensor_split(sections, dim))


def hsplit(input: Tensor, sections: Any) -> tuple[Tensor, ...]:  # noqa: A002
    return _split_along(input, sections, 0 if input.ndim == 1 else 1, "hsplit")


def vsplit(input: Tensor, sections: Any) -> tuple[Tensor, ...]:  # noqa: A002
    if input.ndim < 2:
        raise RuntimeError(f"vsplit: expected at least 2 dims, got shape {tuple(input.shape)}")
    return _split_along(input, sections, 0, "vsplit")


def dsplit(input: Tensor, sections: Any) -> tuple[Tensor, ...]:  # noqa: A002
    if input.ndim < 3:
        raise RuntimeError(f"dsplit: expected at least 3 dims, got shape {tuple(input.shape)}")
    return _split_along(input, sections, 2, "dsplit")


def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:  # noqa: A002
    """The last axis of ``input`` placed on the ``offset`` diagonal of new ``(dim1, dim2)``
    planes: shape ``input.shape[:-1]`` plus two axes of size ``n + |offset|``."""
    n = input.shape[-1]
    size = n + abs(offset)
    rows = np.arange(n) + max(-offset, 0)
    cols = np.arange(n) + max(offset, 0)
    onto = np.zeros((n, size, size), dtype=input.dtype)
    onto[np.arange(n), rows, cols] = 1
    out = (input.unsqueeze(-1).unsqueeze(-1) * Tensor(onto)).sum(-3)  # (..., size, size)
    if out.dtype != input.dtype:  # the sum widens bool and small integers: back to input's
        out = _ar.cast(out, input.dtype)
    nd = out.ndim
    d1, d2 = dim1 % nd, dim2 % nd
    if (d1, d2) == (nd - 2, nd - 1):
        return out
    order = [i for i in range(nd - 2)]
    for pos, src in sorted(((d1, nd - 2), (d2, nd - 1))):
        order.insert(pos, src)
    return out.permute(*order)


def diagflat(input: Tensor, offset: int = 0) -> Tensor:  # noqa: A002
    """``input`` flattened onto the ``offset`` diagonal of a square matrix."""
    return diag_embed(input.reshape(-1), offset)


def combinations(input: Tensor, r: int = 2, with_replacement: bool = False) -> Tensor:  # noqa: A002
    """The length-``r`` combinations of a 1-D tensor's entries, as rows ``(k, r)``."""
    _need_dims(input, 1, "combinations")
    pick = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    rows = list(pick(range(input.shape[0]), r)) if r > 0 else []
    idx = np.array(rows, dtype=np.int64).reshape(len(rows), r)
    if idx.size == 0:  # none (r > n), or r == 0: torch's empty (0, r) and (0,) results
        empty = input[Tensor(np.zeros((0,), dtype=np.int64))]
        return empty.reshape(0, r) if r > 0 else empty
    return input[Tensor(idx)]


def take(input: Tensor, index: Tensor) -> Tensor:  # noqa: A002
    """Entries of the flattened ``input`` at ``index`` (shape of ``index``)."""
    return input.reshape(-1)[index]


def index_copy(input: Tensor, dim: int, index: Tensor, source: Tensor) -> Tensor:  # noqa: A002
    """A copy of ``input`` with its slices at ``index`` along ``dim`` replaced by ``source``'s."""
    if _logic.tracing_active() and input.ndim:  # a scatter of the index spread over source
        d = dim % input.ndim
        idx = index if isinstance(index, Tensor) else Tensor(np.asarray(index))
        spread = [1] * input.ndim
        spread[d] = -1
        full = _sh.broadcast_to(_sh.reshape(idx, tuple(spread)), tuple(source.shape))
        return _sel.scatter(input, d, full, source)
    out = input.clone()
    key = (slice(None),) * (dim % max(input.ndim, 1)) + (index,)
    out[key] = source
    return out


# -------------------------------------------------------------------- statistics
def scatter_reduce(
    input: Tensor, dim: int, index: Any, src: Tensor, reduce: str, *,  # noqa: A002
    include_self: bool = True,
) -> Tensor:  # fmt: skip
    """``input`` with ``src``'s entries at ``index`` along ``dim`` reduced into it
    (:func:`glassnet.ops.scatter_reduce.scatter_reduce`)."""
    _sel.refuse_negative_index("scatter_reduce", index)
    return _scatter_reduce(input, dim, index, src, reduce, include_self=include_self)


def cov(
    input: Tensor, *, correction: int = 1, fweights: Tensor | None = None,  # noqa: A002
    aweights: Tensor | None = None,
) -> Tensor:  # fmt: skip
    """The covariance of the variables in the rows of ``input`` ``(vars, obs)`` (or one
    variable, 1-D), with frequency and observation weights as ``torch.cov``."""
    x = _args.floating(input if input.ndim == 2 else input.reshape(1, -1))
    n_obs = x.shape[1]
    w = None
    if fweights is not None:
        w = _args.floating(fweights)
    if aweights is not None:
        w = aweights if w is None else w * aweights
    if w is None:
        avg = x.mean(1, keepdim=True)
        norm = n_obs - correction
        xc = x - avg
        c = xc @ xc.mT / max(norm, 0)
    else:
        w = _ar.cast(w, x.dtype) if w.dtype != x.dtype else w
        w_sum = w.sum()
        avg = (x * w).sum(1, keepdim=True) / w_sum
        if correction == 0:
            norm = w_sum
        elif aweights is None:
            norm = w_sum - correction
        else:
            norm = w_sum - correction * (w * aweights).sum() / w_sum
        xc = x - avg
        c = (xc * w) @ xc.mT / norm
    return c.squeeze() if input.ndim < 2 else c


def corrcoef(input: Tensor) -> Tensor:  # noqa: A002
    """Pearson correlation coefficients of the rows, clipped to [-1, 1]."""
    c = cov(input)
    if c.ndim == 0:
        return c / c
    d = c.diagonal().sqrt()
    return (c / d.unsqueeze(1) / d.unsqueeze(0)).clamp(-1, 1)


def renorm(input: Tensor, p: float, dim: int, maxnorm: float) -> Tensor:  # noqa: A002
    """Each slice along ``dim`` whose ``p``-norm exceeds ``maxnorm`` scaled down to it."""
    others = tuple(i for i in range(input.ndim) if i != dim % input.ndim)
    norms = input.norm(p, others, keepdim=True)
    scale = _ar.where(norms > maxnorm, maxnorm / (norms + 1e-7), norms * 0 + 1)
    return input * scale


def cumulative_trapezoid(y: Tensor, x: Tensor | None = None, *, dx: float | None = None,
                         dim: int = -1) -> Tensor:  # fmt: skip
    """The running trapezoid-rule integral of ``y`` along ``dim`` (one entry fewer)."""
    n = y.shape[dim]
    left, right = y.narrow(dim, 0, n - 1), y.narrow(dim, 1, n - 1)
    if x is not None:
        xs = x if x.ndim == 1 else x
        if xs.ndim == 1:
            shape = [1] * y.ndim
            shape[dim] = n - 1
            step = (xs[1:] - xs[:-1]).reshape(*shape)
        else:
            step = xs.narrow(dim, 1, n - 1) - xs.narrow(dim, 0, n - 1)
        return ((left + right) * step / 2).cumsum(dim)
    return ((left + right) * ((1.0 if dx is None else dx) / 2)).cumsum(dim)


def _spacings(who: str, spacing: Any, dims: list[int]) -> list[Any]:
    """One spacing per dim of ``dims``: a float step or a 1-D coordinates Tensor."""
    if isinstance(spacing, (int, float)) or (isinstance(spacing, Tensor) and spacing.ndim == 0):
        return [float(spacing)] * len(dims)
    items = list(spacing)
    if len(items) == 1 and len(dims) > 1 and not isinstance(items[0], Tensor):
        items = items * len(dims)
    if len(items) != len(dims):
        raise RuntimeError(
            f"{who}: expected spacing to be a scalar or one entry per dim ({len(dims)}), "
            f"got {len(items)}"
        )
    return [s if isinstance(s, Tensor) and s.ndim == 1 else float(s) for s in items]


def _gradient_along(f: Tensor, d: int, step: Any, edge_order: int) -> Tensor:
    """Central differences of ``f`` along ``d`` (one-sided of order ``edge_order`` at the
    ends), for a float step or 1-D coordinates, as ``numpy.gradient``."""
    n = f.shape[d]
    at = lambda i, k=1: f.narrow(d, i % n, k)  # noqa: E731

    def col(v: Tensor) -> Tensor:  # a 1-D tensor of per-position factors, broadcast along d
        shape = [1] * f.ndim
        shape[d] = v.shape[0]
        return v.reshape(*shape)

    if not isinstance(step, Tensor):
        h = step
        inner = (at(2, n - 2) - at(0, n - 2)) / (2 * h)
        if edge_order == 1:
            first, last = (at(1) - at(0)) / h, (at(-1) - at(-2)) / h
        else:
            first = (-1.5 * at(0) + 2 * at(1) - 0.5 * at(2)) / h
            last = (0.5 * at(-3) - 2 * at(-2) + 1.5 * at(-1)) / h
        return _sh.concat([first, inner, last], axis=d)
    x = _ar.cast(step, f.dtype) if step.dtype != f.dtype else step
    dx = x[1:] - x[:-1]
    h1, h2 = dx[:-1], dx[1:]
    inner = (col(-h2 / (h1 * (h1 + h2))) * at(0, n - 2) + col((h2 - h1) / (h1 * h2)) * at(1, n - 2)
             + col(h1 / (h2 * (h1 + h2))) * at(2, n - 2))  # fmt: skip
    if edge_order == 1:
        first, last = (at(1) - at(0)) / dx[0], (at(-1) - at(-2)) / dx[-1]
    else:
        a, b = dx[0], dx[1]
        first = (-(2 * a + b) / (a * (a + b)) * at(0) + (a + b) / (a * b) * at(1)
                 - a / (b * (a + b)) * at(2))  # fmt: skip
        a, b = dx[-2], dx[-1]
        last = (b / (a * (a + b)) * at(-3) - (a + b) / (a * b) * at(-2)
                + (2 * b + a) / (b * (a + b)) * at(-1))  # fmt: skip
    return _sh.concat([first, inner, last], axis=d)


def gradient(
    input: Tensor,  # noqa: A002
    *,
    spacing: Any = 1,
    dim: int | Sequence[int] | None = None,
    edge_order: int = 1,
) -> tuple[Tensor, ...]:
    """``torch.gradient``: the derivative of sampled values along each of ``dim`` by central
    differences (one-sided of order ``edge_order`` at the ends); differentiable.

    Parameters
    ----------
    input : Tensor, shape (...)
        Integer inputs give float results, as torch's.
    spacing : float, sequence of floats, or sequence of 1-D Tensors, default 1
        One step for every dim, one step per dim, or the coordinates along each dim.
    dim : int or sequence of ints, optional
        The dims to differentiate along (all by default).
    edge_order : {1, 2}, default 1

    Returns
    -------
    tuple of Tensor, one per dim, each of ``input``'s shape
    """
    who = "gradient"
    if edge_order not in (1, 2):
        raise RuntimeError(f"{who}: expected edge_order 1 or 2, got {edge_order!r}")
    f = input if input.dtype.kind in "fc" else _args.floating(input)
    dims = list(range(f.ndim)) if dim is None else [dim] if isinstance(dim, int) else list(dim)
    dims = [d % max(f.ndim, 1) for d in dims]
    steps = _spacings(who, spacing, dims)
    out = []
    for d, step in zip(dims, steps):
        if f.shape[d] < edge_order + 1:
            raise RuntimeError(
                f"{who}: expected each dimension size to be at least edge_order+1 "
                f"({edge_order + 1}), got {f.shape[d]} along dim {d}"
            )
        out.append(_gradient_along(f, d, step, edge_order))
    return tuple(out)


def histc(input: Tensor, bins: int = 100, min: float = 0, max: float = 0) -> Tensor:  # noqa: A002
    """Counts in ``bins`` equal bins over ``[min, max]`` (the data's range when both are 0);
    values outside are ignored."""
    if input.dtype.kind != "f":
        raise NotImplementedError(f"histc: needs a floating tensor (as torch), got {input.dtype}")
    data = input.array
    lo, hi = float(min), float(max)
    if lo == hi and data.size:  # as torch: equal bounds (0 and 0 too) take the data's range
        lo, hi = float(data.min()), float(data.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    counts, _ = np.histogram(data, bins=bins, range=(lo, hi))
    return Tensor(counts.astype(input.dtype if input.dtype.kind == "f" else np.float32))


def histogram(
    input: Tensor, bins: Any = 100, *, range: Any = None, weight: Tensor | None = None,  # noqa: A002
    density: bool = False,
) -> _rt.histogram:  # fmt: skip
    """``(hist, bin_edges)`` as ``torch.histogram``, a named pair."""
    edges = bins.array if isinstance(bins, Tensor) else bins
    w = None if weight is None else weight.array
    hist, out_edges = np.histogram(input.array, bins=edges, range=range, weights=w, density=density)
    return _rt.histogram(Tensor(hist.astype(input.dtype)), Tensor(out_edges.astype(input.dtype)))


def unique_consecutive(
    input: Tensor, return_inverse: bool = False, return_counts: bool = False,  # noqa: A002
    dim: int | None = None,
) -> Any:  # fmt: skip
    """The input with runs of equal entries (slices along ``dim``) collapsed to one."""
    _logic.refuse_while_tracing("unique_consecutive")
    a = input.array
    if dim is None:
        flat = a.reshape(-1)
        change = np.ones(flat.shape[0], dtype=bool)
        change[1:] = flat[1:] != flat[:-1]
        values = flat[change]
        groups = np.cumsum(change) - 1
        inverse = groups.reshape(a.shape)
    else:
        moved = np.moveaxis(a, dim, 0).reshape(a.shape[dim], -1)
        change = np.ones(moved.shape[0], dtype=bool)
        change[1:] = (moved[1:] != moved[:-1]).any(axis=1)
        values = np.compress(change, a, axis=dim)
        inverse = np.cumsum(change) - 1
    counts = np.diff(np.append(np.flatnonzero(change), change.shape[0]))
    out: list[Tensor] = [Tensor(values)]
    if return_inverse:
        out.append(Tensor(inverse.astype(np.int64)))
    if return_counts:
        out.append(Tensor(counts.astype(np.int64)))
    return out[0] if len(out) == 1 else tuple(out)


def poisson(input: Tensor, generator: Any = None) -> Tensor:  # noqa: A002
    """A Poisson draw with each entry of ``input`` as its rate (same dtype, no gradient)."""
    rng = generator if generator is not None else _random.get_rng()
    return Tensor(rng.poisson(input.array).astype(input.dtype))


def msort(input: Tensor) -> Tensor:  # noqa: A002
    """``input`` sorted along its first axis (values only)."""
    return input.sort(0)[0]


class ShapeMethods:
    """The Tensor methods of this module (attached by ``_tensor_methods.attach``)."""

    def ravel(self) -> Tensor:
        return ravel(self)

    def hsplit(self, sections: Any) -> tuple[Tensor, ...]:
        return hsplit(self, sections)

    def vsplit(self, sections: Any) -> tuple[Tensor, ...]:
        return vsplit(self, sections)

    def dsplit(self, sections: Any) -> tuple[Tensor, ...]:
        return dsplit(self, sections)

    def diag_embed(self, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
        return diag_embed(self, offset, dim1, dim2)

    def diagflat(self, offset: int = 0) -> Tensor:
        return diagflat(self, offset)

    def take(self, index: Tensor) -> Tensor:
        return take(self, index)

    def index_copy(self, dim: int, index: Tensor, source: Tensor) -> Tensor:
        return index_copy(self, dim, index, source)

    def renorm(self, p: float, dim: int, maxnorm: float) -> Tensor:
        return renorm(self, p, dim, maxnorm)

    def histc(self, bins: int = 100, min: float = 0, max: float = 0) -> Tensor:  # noqa: A002
        return histc(self, bins, min, max)

    def unique_consecutive(
        self, return_inverse: bool = False, return_counts: bool = False, dim: int | None = None
    ) -> Any:
        return unique_consecutive(self, return_inverse, return_counts, dim)

    def scatter_reduce(self, dim: int, index: Any, src: Tensor, reduce: str, *,
                       include_self: bool = True) -> Tensor:  # fmt: skip
        return scatter_reduce(self, dim, index, src, reduce, include_self=include_self)

    def msort(self) -> Tensor:
        return msort(self)

    def cov(self, *, correction: int = 1, fweights: Any = None, aweights: Any = None) -> Tensor:
        return cov(self, correction=correction, fweights=fweights, aweights=aweights)

    def corrcoef(self) -> Tensor:
        return corrcoef(self)
