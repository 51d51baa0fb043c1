"""``torch.linalg``: the norms, and ``inv``, ``det``, ``slogdet``, ``solve``.

The norms (:func:`vector_norm`, :func:`matrix_norm`, :func:`norm`) are made of glassnet's
differentiable ops (absolute values, powers, sums, maxima), so their gradients are the
ops' (an all-zero vector gets gradient 0, as in PyTorch). ``inv``, ``det``, ``slogdet``
and ``solve`` are ops of their own (:mod:`glassnet.ops.linalg`). Decompositions (``svd``,
``eigh``, ``qr``, ``cholesky``) and the norms that need singular values (``'nuc'``,
``2``, ``-2``) are not here; under ``glassnet run`` asking for one raises
``NotImplementedError`` naming it.
"""

from __future__ import annotations

import math
from typing import Any

from ._torch_args import cast_for
from .ops import arithmetic as _ar
from .ops import pointwise as _pw
from .ops import reduce as _red
from .ops.linalg import det, inv, slogdet, solve
from .tensor import Tensor

__all__ = ["vector_norm", "matrix_norm", "norm", "inv", "det", "slogdet", "solve"]

Dims = int | tuple[int, ...] | list[int] | None


def _dims(x: Tensor, who: str, dim: Dims) -> tuple[int, ...] | None:
    if dim is None:
        return None
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    for d in dims:
        if not -max(x.ndim, 1) <= d < max(x.ndim, 1):
            raise IndexError(f"linalg.{who}: dim {d} is out of range for a {x.ndim}-d tensor")
    return tuple(d % max(x.ndim, 1) for d in dims)


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
    ord : {'fro', 1, -1, inf, -inf}, default 'fro'
        Frobenius; the largest (smallest) column sum of absolute values for ``1``
        (``-1``); the largest (smallest) row sum for ``inf`` (``-inf``).
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
        raise NotImplementedError(
            f"linalg.matrix_norm: ord={ord!r} needs singular values, which glassnet does not "
            "compute; 'fro', 1, -1, inf and -inf are available"
        )
    if ord not in (1, -1) and not (isinstance(ord, float) and math.isinf(ord)):
        raise ValueError(f"linalg.matrix_norm: ord must be 'fro', 1, -1, inf or -inf, got {ord!r}")
    rows, cols = dims
    summed, kept = (rows, cols) if abs(ord) == 1 else (cols, rows)  # 1: column sums
    sums = _red.sum(_ar.abs(a), summed, True)
    out = (_red.max if ord > 0 else _red.min)(sums, kept, True)
    return out if keepdim else out.squeeze(tuple(sorted(dims)))


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
