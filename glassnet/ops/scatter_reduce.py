"""``scatter_reduce``: entries of ``src`` combined into ``input`` at ``index`` along ``dim``
by a sum, product, mean, maximum or minimum (``torch.Tensor.scatter_reduce``).

Forward runs NumPy's (or CuPy's) unbuffered ``ufunc.at`` over the index grid. The
gradients are torch's:

* ``sum``: ``g`` to ``input`` and ``g`` gathered at ``index`` to ``src``;
* ``mean``: the same divided by how many entries met at each position;
* ``prod``: ``g`` times the product of the *other* entries at the position (computed from
  the count of zeros and the product of the non-zero entries, so a zero gets the
  product of the rest, as in torch);
* ``amax``/``amin``: ``g`` shared evenly between the entries equal to the result.

With ``include_self=False`` the input's own value at a position some ``src`` entry
reaches takes no part (and gets no gradient).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd.function import Function
from ..backend import device_of, get_array_module, to_device, to_host
from ..tensor import Tensor
from .select import _dim, _grid, _index_array

__all__ = ["ScatterReduce", "scatter_reduce", "reduce_identity"]

_UFUNC = {"sum": "add", "mean": "add", "prod": "multiply", "amax": "maximum", "amin": "minimum"}


def reduce_identity(reduce: str, dtype: Any) -> Any:
    """The value a position starts from when the input's own value is left out."""
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    info = np.finfo(dtype) if np.dtype(dtype).kind == "f" else np.iinfo(dtype)
    big = np.inf if np.dtype(dtype).kind == "f" else info.max
    return -big if reduce == "amax" else big


def _reduce_at(xp: Any, ufunc: str, out: Any, grid: tuple, vals: Any) -> None:
    """``xp.<ufunc>.at(out, grid, vals)``; CuPy has no ``multiply.at``, so a product on a
    GPU is taken on the host (exact, at the cost of two copies)."""
    if xp is np or ufunc != "multiply":
        getattr(xp, ufunc).at(out, grid, vals)
        return
    host = to_host(out)
    np.multiply.at(host, tuple(to_host(i) for i in grid), to_host(vals))
    out[...] = to_device(host, device_of(out))


class ScatterReduce(Function):
    """See :func:`scatter_reduce`."""

    def forward(
        self, a: Any, src: Any, index: Any = None, dim: int = 0, reduce: str = "sum",
        include_self: bool = True,
    ) -> Any:  # fmt: skip
        xp = get_array_module(a, src)
        self.dim, self.reduce, self.include_self = dim, reduce, include_self
        grid = _grid(xp, index.shape, dim, index)
        vals = src[tuple(slice(0, n) for n in index.shape)]
        out = a.copy()
        hit = xp.zeros(a.shape, dtype=bool)
        hit[grid] = True
        if not include_self:
            out[hit] = reduce_identity(reduce, a.dtype)
        _reduce_at(xp, _UFUNC[reduce], out, grid, vals)
        count = None
        if reduce == "mean":
            count = xp.where(hit, 0, 1).astype(a.dtype) if not include_self else xp.ones_like(a)
            xp.add.at(count, grid, 1)
            count = xp.maximum(count, 1)
            out = out // count if a.dtype.kind in "iu" else out / count
        if self.requires_grad:
            self.saved = (a, vals, grid, hit, out, count, src.shape)
        return out

    def backward(self, g: Any) -> tuple:
        xp = get_array_module(g)
        a, vals, grid, hit, out, count, src_shape = self.saved
        na, ns = self.needs_input_grad
        use_self = xp.ones(a.shape, dtype=bool) if self.include_self else ~hit
        g_self, g_vals = self._grads(xp, g, a, vals, grid, out, count, use_self)
        g_self = xp.where(use_self, g_self, 0)
        gs = None
        if ns:
            gs = xp.zeros(src_shape, dtype=g.dtype)
            gs[tuple(slice(0, n) for n in vals.shape)] = g_vals
        return (g_self.astype(g.dtype, copy=False) if na else None), gs

    def _grads(self, xp: Any, g: Any, a: Any, vals: Any, grid: tuple, out: Any, count: Any,
               use_self: Any) -> tuple:  # fmt: skip
        """The gradients of the input and of the scattered block of ``src`` (``use_self``:
        where the input's own value took part)."""
        r = self.reduce
        if r == "sum":
            return g, g[grid]
        if r == "mean":
            gc = g / count
            return gc, gc[grid]
        if r == "prod":
            return self._prod_grads(xp, g, a, vals, grid, use_self)
        self_is = a == out  # torch counts a tie with the input's value even when it took no part
        src_is = vals == out[grid]
        ties = self_is.astype(g.dtype)
        xp.add.at(ties, grid, src_is.astype(g.dtype))
        share = g / xp.maximum(ties, 1)
        return share * self_is, share[grid] * src_is

    @staticmethod
    def _prod_grads(xp: Any, g: Any, a: Any, vals: Any, grid: tuple, use_self: Any) -> tuple:
        """Each entry's gradient is ``g`` times the product of the others at its position."""
        zeros = ((a == 0) & use_self).astype(np.int64)
        xp.add.at(zeros, grid, (vals == 0).astype(np.int64))
        nonzero = xp.where(use_self & (a != 0), a, 1).astype(g.dtype)
        _reduce_at(xp, "multiply", nonzero, grid, xp.where(vals != 0, vals, 1).astype(g.dtype))

        def others(x: Any, z: Any, p: Any) -> Any:
            safe = xp.where(x == 0, 1, x)
            return xp.where(x == 0, xp.where(z == 1, p, 0), xp.where(z > 0, 0, p / safe))

        g_self = g * others(a, zeros, nonzero)
        g_vals = g[grid] * others(vals, zeros[grid], nonzero[grid])
        return g_self, g_vals


def scatter_reduce(
    a: Tensor, dim: int, index: Any, src: Tensor, reduce: str, *, include_self: bool = True
) -> Tensor:
    """``a`` with the entries of ``src`` at ``index`` along ``dim`` combined into it.

    Parameters
    ----------
    a : Tensor
    dim : int
    index : Tensor of int, same number of dims as ``a``, no larger than ``src`` anywhere
        (nor than ``a`` outside ``dim``)
    src : Tensor
    reduce : {'sum', 'prod', 'mean', 'amax', 'amin'}
    include_self : bool, default True
        Whether ``a``'s own value at a position takes part in its reduction.

    Returns
    -------
    Tensor, ``a``'s shape and dtype
    """
    if reduce not in _UFUNC:
        raise RuntimeError(
            f"scatter_reduce: reduce must be 'sum', 'prod', 'mean', 'amax' or 'amin', got "
            f"{reduce!r}"
        )
    d = _dim(dim, a.ndim, "scatter_reduce")
    idx = _index_array(index, a, "scatter_reduce")
    if idx.ndim != a.ndim or src.ndim != a.ndim:
        raise RuntimeError(
            f"scatter_reduce: index ({idx.ndim} dims), src ({src.ndim}) and input ({a.ndim}) "
            "must have the same number of dims"
        )
    if any(idx.shape[i] > src.shape[i] or (i != d and idx.shape[i] > a.shape[i])
           for i in range(a.ndim)):  # fmt: skip
        raise RuntimeError(
            f"scatter_reduce: index of shape {idx.shape} does not fit src of shape "
            f"{tuple(src.shape)} and input of shape {tuple(a.shape)}"
        )
    if idx.size and (int(idx.min()) < -a.shape[d] or int(idx.max()) >= a.shape[d]):
        raise IndexError(
            f"scatter_reduce: index out of range for dim {dim} of size {a.shape[d]}"
        )
    if src.dtype != a.dtype:
        raise RuntimeError(
            f"scatter_reduce: expected src of the input's dtype {a.dtype}, got {src.dtype}"
        )
    if reduce == "mean" and a.dtype.kind == "b":
        raise NotImplementedError("scatter_reduce: reduce='mean' is not implemented for bool, as in torch")
    if idx.size and int(idx.min()) < 0:
        idx = idx % a.shape[d]
    return ScatterReduce.apply(a, src, index=idx, dim=d, reduce=reduce, include_self=include_self)
