"""1-D pooling and adaptive max pooling, written with the 2-D pooling ops and reductions.

``max_pool1d``/``avg_pool1d`` view ``(N, C, L)`` as ``(N, C, 1, L)`` and pool
with a ``(1, k)`` window. ``adaptive_max_pool2d`` pools with a plain window
when the bins tile the input, and otherwise takes the maximum over each bin
of columns, then each bin of rows (a rectangle's maximum is separable; in this order
the gradient goes to the first maximum in row-major order, as PyTorch's).
"""

from __future__ import annotations

from typing import Any

from .._validate import is_int
from ..tensor import Tensor
from . import pool as P
from . import shape as S
from .pool_indices import adaptive_bins, adaptive_max_pool_indices
from .resize import _along
from .select import max_along

__all__ = [
    "max_pool1d", "avg_pool1d", "adaptive_max_pool1d", "adaptive_avg_pool1d",
    "adaptive_max_pool2d", "adaptive_bins",
]  # fmt: skip


def _one(who: str, name: str, value: Any) -> int:
    if isinstance(value, (tuple, list)):
        if len(value) != 1:
            raise ValueError(f"{who}: {name} must be an int or a 1-tuple, got {value!r}")
        value = value[0]
    least = {"kernel_size": 1, "stride": 1, "dilation": 1, "padding": 0, "output_size": 1}.get(name)
    if least is not None and (not is_int(value) or value < least):  # named in 1-D terms
        kind = "a positive" if least else "a non-negative"
        raise ValueError(f"{who}: {name} must be {kind} int, got {value!r}")
    return value


def _as_2d(who: str, x: Tensor) -> tuple[Tensor, bool]:
    if x.ndim not in (2, 3):
        raise ValueError(f"{who}: expected (N, C, L) or (C, L) input, got shape {x.shape}")
    batched = x if x.ndim == 3 else x.unsqueeze(0)
    return batched.unsqueeze(2), x.ndim == 2


def _check_padding(who: str, k: Any, padding: Any) -> None:
    """PyTorch's ``padding <= kernel_size // 2`` (not dilated), in ``who``'s name; other
    bad values are left to the 2-D op's checks."""
    p = _one(who, "padding", padding)
    if is_int(k) and is_int(p):
        P.check_pool_padding(who, (int(k),), (int(p),), padding)


def _back(y: Tensor, unbatched: bool) -> Tensor:
    y = y.squeeze(2)
    return y.squeeze(0) if unbatched else y


def max_pool1d(
    x: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
    ceil_mode: bool = False, return_indices: bool = False,
) -> Tensor:  # fmt: skip
    """Maximum over windows along the last axis; ``(N, C, L)`` to ``(N, C, L_out)``."""
    who = "max_pool1d"
    k = _one(who, "kernel_size", kernel_size)
    s = k if stride is None else _one(who, "stride", stride)
    _check_padding(who, k, padding)
    x2, unbatched = _as_2d(who, x)
    y = P.max_pool2d(
        x2, (1, k), (1, s), (0, _one(who, "padding", padding)), (1, _one(who, "dilation", dilation)),
        ceil_mode, bool(return_indices),
    )  # fmt: skip
    if return_indices:  # positions in (1, L) are positions in L
        return _back(y[0], unbatched), _back(y[1], unbatched)
    return _back(y, unbatched)


def avg_pool1d(
    x: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Tensor:  # fmt: skip
    """Mean over windows along the last axis; ``(N, C, L)`` to ``(N, C, L_out)``."""
    who = "avg_pool1d"
    k = _one(who, "kernel_size", kernel_size)
    s = k if stride is None else _one(who, "stride", stride)
    _check_padding(who, k, padding)
    x2, unbatched = _as_2d(who, x)
    y = P.avg_pool2d(
        x2, (1, k), (1, s), (0, _one(who, "padding", padding)), ceil_mode, count_include_pad
    )
    return _back(y, unbatched)


def _max_over_bins(x: Tensor, axis: int, n_out: int) -> Tensor:
    n = x.shape[axis]
    if n == n_out:
        return x
    parts = []
    for lo, hi in adaptive_bins(n, n_out):
        index = (slice(None),) * axis + (slice(lo, hi),)
        # the gradient to the first maximum of each bin, as PyTorch (not shared among ties);
        # per axis in turn that is the first in row-major order over the whole box
        parts.append(max_along(S.getitem(x, index), axis, keepdim=True).values)
    return S.concat(parts, axis)


def _nonempty(who: str, spatial: tuple[int, ...]) -> None:
    """Refuse an empty spatial axis, as torch does (there is nothing to pool into a bin)."""
    if 0 in spatial:
        raise ValueError(f"{who}: expected an input with non-empty spatial sizes, got {spatial}")


def _sizes(who: str, output_size: Any, spatial: tuple[int, ...]) -> tuple[int, ...]:
    k = len(spatial)
    _nonempty(who, spatial)
    raw = (output_size,) * k if isinstance(output_size, int) or output_size is None else tuple(output_size)
    if len(raw) != k:
        raise ValueError(f"{who}: output_size must have {k} values, got {output_size!r}")
    sizes = tuple(n if o is None else o for o, n in zip(raw, spatial))
    if any(not is_int(o) or o < 1 for o in sizes):
        raise ValueError(f"{who}: output sizes must be positive ints or None, got {output_size!r}")
    return sizes


def adaptive_max_pool2d(x: Tensor, output_size: Any, return_indices: bool = False) -> Tensor:
    """Max pooling to a fixed ``(H_out, W_out)`` with PyTorch's (possibly overlapping) bins.

    Parameters
    ----------
    x : Tensor, shape (N, C, H, W) or (C, H, W)
    output_size : int or (int or None, int or None)
        ``None`` keeps that input size.
    """
    who = "adaptive_max_pool2d"
    if x.ndim not in (3, 4):
        raise ValueError(f"{who}: expected (N, C, H, W) or (C, H, W) input, got shape {x.shape}")
    xb = x if x.ndim == 4 else x.unsqueeze(0)
    oh, ow = _sizes(who, output_size, tuple(xb.shape[2:]))
    h, w = xb.shape[2:]
    if h % oh == 0 and w % ow == 0:
        y = P.max_pool2d(xb, (h // oh, w // ow))
    else:
        # the last axis first: the gradient then goes to the first maximum in row-major order
        y = _max_over_bins(_max_over_bins(xb, 3, ow), 2, oh)
    if return_indices:
        idx = Tensor(adaptive_max_pool_indices(xb.array, (oh, ow)))
        return (y, idx) if x.ndim == 4 else (y.squeeze(0), idx.squeeze(0))
    return y if x.ndim == 4 else y.squeeze(0)


def adaptive_max_pool1d(x: Tensor, output_size: Any, return_indices: bool = False) -> Tensor:
    """Max pooling of ``(N, C, L)`` to ``(N, C, output_size)`` (and the maxima's positions
    with ``return_indices``)."""
    x2, unbatched = _as_2d("adaptive_max_pool1d", x)
    size = _one("adaptive_max_pool1d", "output_size", output_size)
    y = adaptive_max_pool2d(x2, (1, size), return_indices)
    if return_indices:
        return _back(y[0], unbatched), _back(y[1], unbatched)
    return _back(y, unbatched)


def adaptive_avg_pool1d(x: Tensor, output_size: Any) -> Tensor:
    """Average pooling of ``(N, C, L)`` to ``(N, C, output_size)``."""
    x2, unbatched = _as_2d("adaptive_avg_pool1d", x)
    size = _one("adaptive_avg_pool1d", "output_size", output_size)
    return _back(P.adaptive_avg_pool2d(x2, (1, size)), unbatched)


def adaptive_avg_pool3d(x: Tensor, output_size: Any) -> Tensor:
    """Average pooling of ``(N, C, D, H, W)`` (or ``(C, D, H, W)``) to ``output_size``.

    Parameters
    ----------
    x : Tensor, shape (N, C, D, H, W) or (C, D, H, W)
    output_size : int or (int or None, int or None, int or None)
        ``None`` keeps that input size.

    Returns
    -------
    Tensor, shape (N, C, D_out, H_out, W_out) (no batch axis for an unbatched input)

    PyTorch's bins along each axis; the average over a box of bins is separable, so each
    axis is mixed by its averaging matrix in turn.
    """
    who = "adaptive_avg_pool3d"
    if x.ndim not in (4, 5):
        raise ValueError(f"{who}: expected (N, C, D, H, W) or (C, D, H, W) input, got shape {x.shape}")
    sizes = _sizes(who, output_size, tuple(x.shape[-3:]))
    out = x
    for k, n_out in enumerate(sizes):
        axis = x.ndim - 3 + k
        out = _along(out, axis, P._bin_matrix(out.shape[axis], n_out))
    return out
