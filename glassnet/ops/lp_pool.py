"""Power-average pooling ``(sum_window x^p)^(1/p)``, composed from average pooling.

As in PyTorch, the window sum is ``avg_pool(x^p) * kernel_elems`` and the root
is taken of ``sign(s) relu(|s|)``: the sum itself, so a negative sum (odd ``p``,
signed inputs) gives NaN, as in PyTorch. ``p = inf`` is max pooling of ``|x|``
(``-inf``: the smallest ``|x|``). Gradients
and ONNX export come from the ops it is built of (``Pow``, ``AvgPool2d``,
``Abs``, ``ReLU``, ``Mul``, ``MaxPool2d``).
"""

from __future__ import annotations

import math
from typing import Any

from .._errors import ShapeError
from .._validate import flag, is_number
from ..tensor import Tensor
from . import pool as P
from ._im2col import pair
from .activation import relu
from .arithmetic import abs as _abs
from .arithmetic import mul, neg, pow
from .pointwise import sign
from .pool_more import _one

__all__ = ["lp_pool1d", "lp_pool2d", "lp_pool_args"]


def lp_pool_args(
    who: str, norm_type: Any, kernel_size: Any, stride: Any, ceil_mode: Any, dims: int
) -> tuple[float, tuple[int, ...], tuple[int, ...], bool]:
    """Checked ``(p, kernel, stride, ceil_mode)`` of a ``dims``-D LP pooling; stride defaults to kernel."""
    if not is_number(norm_type) or norm_type == 0:
        raise ValueError(f"{who}: norm_type must be a non-zero number, got {norm_type!r}")
    if dims == 1:
        k = pair(who, "kernel_size", _one(who, "kernel_size", kernel_size))[:1]
        s = k if stride is None else pair(who, "stride", _one(who, "stride", stride))[:1]
    else:
        k = pair(who, "kernel_size", kernel_size)
        s = k if stride is None else pair(who, "stride", stride)
    return float(norm_type), k, s, flag(who, "ceil_mode", ceil_mode)


def _root(s: Tensor, elems: int, p: float) -> Tensor:
    """``(sign(s) relu(|s|) * elems) ** (1/p)``: PyTorch's last step, sign handling included."""
    kept = mul(sign(s), relu(_abs(s)))
    return pow(mul(kept, float(elems)), 1.0 / p)


def _lp_4d(x: Tensor, p: float, k: tuple[int, int], st: tuple[int, int], ceil: bool,
           who: str) -> Tensor:  # fmt: skip
    """LP pooling of ``(N, C, H, W)``; the pooling's errors in ``who``'s name."""
    try:
        return _lp_pool(x, p, k, st, ceil)
    except ValueError as err:  # e.g. a window larger than the input
        raise ValueError(f"{who}: {err}") from err


def _lp_pool(x: Tensor, p: float, k: tuple[int, int], st: tuple[int, int], ceil: bool) -> Tensor:
    """LP pooling of ``(N, C, H, W)``; ``p = inf`` is the largest ``|x|``, ``-inf`` the smallest."""
    if math.isinf(p):
        a = _abs(x)
        if p > 0:
            return P.max_pool2d(a, k, st, 0, 1, ceil)
        return neg(P.max_pool2d(neg(a), k, st, 0, 1, ceil))
    return _root(P.avg_pool2d(pow(x, p), k, st, 0, ceil), k[0] * k[1], p)


def _batched(who: str, x: Tensor, ndim: int, shape: str) -> tuple[Tensor, bool]:
    if x.ndim not in (ndim, ndim + 1):
        raise ShapeError(f"{who}: expected input of shape {shape}, got {x.shape}")
    return (x.unsqueeze(0), True) if x.ndim == ndim else (x, False)


def lp_pool2d(
    input: Tensor,  # noqa: A002
    norm_type: float,
    kernel_size: int | tuple[int, int],
    stride: int | tuple[int, int] | None = None,
    ceil_mode: bool = False,
) -> Tensor:
    """The ``p``-norm of each window, ``(sum_window x^p)^(1/p)`` (PyTorch's ``F.lp_pool2d``).

    Parameters
    ----------
    input : Tensor, shape (N, C, H, W) or (C, H, W)
    norm_type : float
        ``p``; 1 gives sum pooling, ``inf`` max pooling of ``|x|``.
    kernel_size : int or (int, int)
    stride : int or (int, int), optional
        Defaults to ``kernel_size``.
    ceil_mode : bool, default False

    Returns
    -------
    Tensor, shape (N, C, H_out, W_out) or (C, H_out, W_out)
    """
    p, k, st, ceil = lp_pool_args("lp_pool2d", norm_type, kernel_size, stride, ceil_mode, 2)
    x, unbatched = _batched("lp_pool2d", input, 3, "(N, C, H, W) or (C, H, W)")
    y = _lp_4d(x, p, k, st, ceil, "lp_pool2d")
    return y.squeeze(0) if unbatched else y


def lp_pool1d(
    input: Tensor,  # noqa: A002
    norm_type: float,
    kernel_size: int,
    stride: int | None = None,
    ceil_mode: bool = False,
) -> Tensor:
    """The ``p``-norm of each window along the last axis (PyTorch's ``F.lp_pool1d``).

    Parameters
    ----------
    input : Tensor, shape (N, C, L) or (C, L)
    norm_type : float
        ``p``.
    kernel_size : int
    stride : int, optional
        Defaults to ``kernel_size``.
    ceil_mode : bool, default False

    Returns
    -------
    Tensor, shape (N, C, L_out) or (C, L_out)
    """
    p, k, st, ceil = lp_pool_args("lp_pool1d", norm_type, kernel_size, stride, ceil_mode, 1)
    x, unbatched = _batched("lp_pool1d", input, 2, "(N, C, L) or (C, L)")
    y = _lp_4d(x.unsqueeze(2), p, (1, k[0]), (1, st[0]), ceil, "lp_pool1d").squeeze(2)
    return y.squeeze(0) if unbatched else y
