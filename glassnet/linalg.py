"""``torch.linalg``: the norms, ``inv``, ``det``, ``slogdet``, ``solve`` and the
decompositions.

The norms (:func:`vector_norm`, :func:`matrix_norm`, :func:`norm`) are made of glassnet's
differentiable ops (absolute values, powers, sums, maxima), so their gradients are the
ops' (an all-zero vector gets gradient 0, as in PyTorch); the matrix norms ``'nuc'``,
``2`` and ``-2`` take the singular values. ``inv``, ``det``, ``slogdet`` and ``solve`` are
ops of their own (:mod:`glassnet.ops.linalg`); ``cholesky``, ``eigh``, ``svd``, ``qr``
and what is built on them (``pinv``, ``lstsq``, ``matrix_rank``, ...) come from
:mod:`glassnet._decompositions`. Only real matrices: ``eig``/``eigvals`` (complex
results) are not here, and under ``glassnet run`` asking for one raises
``NotImplementedError`` naming it.
"""

from __future__ import annotations

import math
from typing import Any

from ._decompositions import (
    LinAlgError,
    accepts_out,
    cholesky,
    eigh,
    eigvalsh,
    lstsq,
    matrix_power,
    matrix_rank,
    multi_dot,
    pinv,
    qr,
    solve_triangular,
    svd,
    svd_norm,
    svdvals,
)
from ._torch_args import cast_for
from ._torch_math import cross as _cross
from .ops import arithmetic as _ar
from .ops import pointwise as _pw
from .ops import reduce as _red
from .ops import shape as _sh
from .ops.linalg import det, inv, slogdet, solve
from .ops.matrix_exp import matrix_exp
from .tensor import Tensor

__all__ = [
    "vector_norm", "matrix_norm", "norm", "cond", "inv", "det", "slogdet", "solve",
    "LinAlgError", "cholesky", "eigh", "eigvalsh", "svd", "svdvals", "qr", "pinv",
    "matrix_rank", "lstsq", "matrix_power", "multi_dot", "cross", "vecdot", "vander",
    "matrix_exp", "solve_triangular",
]  # fmt: skip

Dims = int | tuple[int, ...] | list[int] | None


def _dims(x: Tensor, who: str, dim: Dims) -> tuple[int, ...] | None:
    if dim is None:
        return None
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    for d in dims:
        if not -max(x.ndim, 1) <= d < max(x.ndim, 1):
            raise IndexError(f"linalg.{who}: dim {d} is out of range for a {x.ndim}-d tensor")
    return tuple(d % max(x.ndim, 1) for d in dims)


@accepts_out
def vector_norm(
    x: Tensor, ord: float = 2, dim: Dims = None, keepdim: bool = False, *, dtype: Any = None
) -> Tensor:
    """The vector ``ord``-norm of ``x`` over ``dim`` (every entry when None).

    Parameters
    ----------
    x : Tensor, floating
    ord : float, default 2
        A number (``inf``/``-inf``: the largest/smallest absolute value; 0: the count
        of non-zeros, without gradient).
    dim : int or tuple of int, optional
    keepdim : bool, default False
    dtype : dtype, optional
        Cast ``x`` to it first.

    Returns
    -------
    Tensor
        ``x``'s shape without ``dim`` (or with size-1 dims there when ``keepdim``).
    """
    if isinstance(ord, str):
        raise ValueError(f"linalg.vector_norm: ord must be a number, got {ord!r}")
    return _pw.norm(cast_for(x, dtype), ord, _dims(x, "vector_norm", dim), keepdim)


@accepts_out
def matrix_norm(
    a: Tensor,
    ord: str | float = "fro",
    dim: tuple[int, int] = (-2, -1),
    keepdim: bool = False,
    *,
    dtype: Any = None,
) -> Tensor:
    """The matrix norm of ``a`` over the two dims ``dim`` (rows, columns).

    Parameters
    ----------
    a : Tensor, shape (..., m, n)
    ord : {'fro', 'nuc', 1, -1, 2, -2, inf, -inf}, default 'fro'
        Frobenius; the sum of the singular values (``'nuc'``); the largest (smallest)
        column sum of absolute values for ``1`` (``-1``); the largest (smallest) singular
        value for ``2`` (``-2``); the largest (smallest) row sum for ``inf`` (``-inf``).
    dim : (int, int), default (-2, -1)
    keepdim : bool, default False
    dtype : dtype, optional

    Returns
    -------
    Tensor, shape (...)
    """
    a = cast_for(a, dtype)
    dims = _dims(a, "matrix_norm", dim)
    if dims is None or len(dims) != 2 or dims[0] == dims[1] or a.ndim < 2:
        raise ValueError(
            f"linalg.matrix_norm: expected two distinct dims of a tensor with at least 2 dims, "
            f"got dim={dim!r} for shape {tuple(a.shape)}"
        )
    if ord == "fro":
        return _pw.norm(a, 2, dims, keepdim)
    if ord in ("nuc", 2, -2):
        return svd_norm(a, ord, dims, keepdim)
    if ord not in (1, -1) and not (isinstance(ord, float) and math.isinf(ord)):
        raise ValueError(
            f"linalg.matrix_norm: ord must be 'fro', 'nuc', 1, -1, 2, -2, inf or -inf, got {ord!r}"
        )
    rows, cols = dims
    summed, kept = (rows, cols) if abs(ord) == 1 else (cols, rows)  # 1: column sums
    sums = _red.sum(_ar.abs(a), summed, True)
    if sums.shape[kept] == 0 and ord > 0:  # the largest of no sums: 0, as torch's
        out = _red.sum(sums, kept, True)
    else:
        out = (_red.max if ord > 0 else _red.min)(sums, kept, True)
    return out if keepdim else out.squeeze(tuple(sorted(dims)))


@accepts_out
def norm(
    a: Tensor,
    ord: str | float | None = None,
    dim: Dims = None,
    keepdim: bool = False,
    *,
    dtype: Any = None,
) -> Tensor:
    """A vector or matrix norm, as ``torch.linalg.norm`` picks it.

    ``dim`` an int, or ``dim=None`` with ``ord=None``: a vector norm (of every entry
    when ``dim`` is None). ``dim`` a pair, or ``dim=None`` with ``ord`` given on a 2-D
    tensor: a matrix norm (``ord=None`` is Frobenius).

    Parameters
    ----------
    a : Tensor
    ord : str, float or None
    dim : int or (int, int), optional
    keepdim : bool, default False
    dtype : dtype, optional

    Returns
    -------
    Tensor
    """
    if dim is None and ord is None:
        return vector_norm(a, 2, None, keepdim, dtype=dtype)
    if isinstance(dim, int) or (dim is not None and len(tuple(dim)) == 1):
        return vector_norm(a, 2 if ord is None else ord, dim, keepdim, dtype=dtype)
    if dim is None:
        if a.ndim == 1:
            return vector_norm(a, ord, None, keepdim, dtype=dtype)
        if a.ndim != 2:
            raise ValueError(
                f"linalg.norm: with ord={ord!r} and dim=None the input must be 1-D or 2-D, got "
                f"shape {tuple(a.shape)}"
            )
        dim = (-2, -1)
    return matrix_norm(a, "fro" if ord is None else ord, tuple(dim), keepdim, dtype=dtype)


@accepts_out
def cond(input: Tensor, p: str | float | None = None) -> Tensor:  # noqa: A002 - torch's name
    """The condition number ``norm(A, p) * norm(A^-1, p)`` (``torch.linalg.cond``).

    Parameters
    ----------
    a : Tensor, shape (..., m, n)
        Square unless ``p`` is None, 2 or -2.
    p : {None, 2, -2, 'fro', 'nuc', 1, -1, inf, -inf}
        None and 2: the largest singular value over the smallest; -2: the inverse.

    Returns
    -------
    Tensor, shape (...)
    """
    a = input
    if a.ndim >= 2 and 0 in tuple(a.shape):  # empty matrices (or batch): zeros, as torch's
        return Tensor(a.xp.zeros(tuple(a.shape[:-2]), dtype=a.dtype))
    if p is None or p in (2, -2):
        s = svdvals(a)
        big, small = _red.max(s, -1, False), _red.min(s, -1, False)
        return small / big if p == -2 else big / small
    return matrix_norm(a, p) * matrix_norm(inv(a), p)


@accepts_out
def cross(input: Tensor, other: Tensor, *, dim: int = -1) -> Tensor:  # noqa: A002
    """The cross product of 3-vectors along ``dim`` (broadcast), as ``torch.linalg.cross``."""
    return _cross(input, other, dim)


@accepts_out
def vecdot(x: Tensor, y: Tensor, *, dim: int = -1) -> Tensor:
    """The dot product of ``x`` and ``y`` along ``dim`` (broadcast); floating tensors
    only, as torch's."""
    for t in (x, y):
        if not isinstance(t, Tensor) or t.dtype.kind != "f":
            raise TypeError(
                f"linalg.vecdot: expected floating tensors, got {getattr(t, 'dtype', type(t))}"
            )
    return (x * y).sum(dim)


def vander(x: Tensor, *, N: int | None = None) -> Tensor:  # noqa: N803 - torch's name
    """Increasing powers ``x^0 ... x^(N-1)`` of the last axis: shape ``x.shape + (N,)``."""
    n = x.shape[-1] if N is None else N
    if n < 1:
        raise ValueError(f"linalg.vander: N must be at least 1, got {n}")
    cols = [x.unsqueeze(-1) ** 0]
    for _ in range(1, n):
        cols.append(cols[-1] * x.unsqueeze(-1))
    return _sh.concat(cols, axis=-1)
