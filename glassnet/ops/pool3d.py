"""3-D pooling: ``max_pool3d``, ``avg_pool3d`` and ``adaptive_max_pool3d`` (PyTorch's).

The windows are read one kernel tap at a time: for each of the ``kD*kH*kW`` taps, one
strided slice of the padded input gives that tap's value at every output position, so
the work is a few vectorised passes whatever the batch and volume size. Max pooling keeps
the running maximum and which tap gave it (the first maximum, or a NaN, as PyTorch); its
backward adds the gradient to that tap's position. Average pooling sums the taps and
divides by PyTorch's divisor, a product of one count per axis. ``ceil_mode``'s last,
partial window reads padding added past the end, which never counts in the divisor.

``adaptive_max_pool3d`` needs no ``Function``: it is a plain window where the bins tile
the input, and otherwise the maximum over each axis's bins in turn (a box's maximum is
separable).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import numpy as np

from .._errors import ShapeError
from ..autograd.function import Function
from ..backend import get_array_module
from ..tensor import Tensor
from ._im2col import pool_out_size
from .conv3d import triple
from .pool_indices import adaptive_max_pool_indices, max_pool_indices
from .pool_more import _max_over_bins, _sizes

__all__ = ["max_pool3d", "avg_pool3d", "adaptive_max_pool3d", "MaxPool3d", "AvgPool3d"]


# ------------------------------------------------------------------ windows
def _windows(kernel: tuple[int, ...], stride: tuple[int, ...], dilation: tuple[int, ...],
             out: tuple[int, ...]) -> Iterator[tuple[slice, ...]]:  # fmt: skip
    """Per kernel tap (row-major), the slices of the padded input's spatial axes it reads."""
    for offs in itertools.product(*(range(k) for k in kernel)):
        yield (slice(None), slice(None)) + tuple(
            slice(o * d, o * d + (n - 1) * s + 1, s)
            for o, d, n, s in zip(offs, dilation, out, stride)
        )  # fmt: skip


def _widths(size: tuple[int, ...], kernel: tuple[int, ...], stride: tuple[int, ...],
            padding: tuple[int, ...], dilation: tuple[int, ...],
            out: tuple[int, ...]) -> list[tuple[int, int]]:  # fmt: skip
    """``(before, after)`` per axis of ``(N, C, *size)``: the padding, and past the end what
    ``ceil_mode``'s last window reaches beyond it."""
    widths = [(0, 0), (0, 0)]
    for n, k, s, p, d, o in zip(size, kernel, stride, padding, dilation, out):
        reach = (o - 1) * s + d * (k - 1) + 1
        widths.append((p, max(p, reach - p - n)))
    return widths


def _crop(a: Any, widths: list[tuple[int, int]]) -> Any:
    return a[tuple(slice(lo, a.shape[i] - hi) for i, (lo, hi) in enumerate(widths))]


def _first_inside(xp: Any, widths: list[tuple[int, int]], size: tuple[int, ...], op: Any) -> Any:
    """Per output position (spatial axes only), the first kernel tap that reads the input
    rather than its padding."""
    inside = xp.zeros(tuple(n + lo + hi for n, (lo, hi) in zip(size, widths[2:])), dtype=bool)
    inside[tuple(slice(lo, lo + n) for n, (lo, _) in zip(size, widths[2:]))] = True
    first = xp.zeros(op.out, dtype=np.int32)
    windows = list(_windows(op.kernel, op.stride, op.dilation, op.out))
    for t in range(len(windows) - 1, -1, -1):
        first = xp.where(inside[windows[t][2:]], np.int32(t), first)
    return first


def _fill_value(dtype: Any) -> Any:
    dt = np.dtype(dtype)
    return -np.inf if dt.kind == "f" else np.iinfo(dt).min


# ----------------------------------------------------------------- Functions
class MaxPool3d(Function):
    """Max pooling on raw arrays ``(N, C, D, H, W)``; ``kernel``, ``stride``, ``padding``,
    ``dilation`` and ``out`` (the output's spatial size) are public attributes."""

    def forward(self, x: Any, kernel: tuple = (2, 2, 2), stride: tuple = (2, 2, 2),
                padding: tuple = (0, 0, 0), dilation: tuple = (1, 1, 1),
                out: tuple = (1, 1, 1)) -> Any:  # fmt: skip
        xp = get_array_module(x)
        self.kernel, self.stride, self.padding, self.dilation, self.out = (
            kernel, stride, padding, dilation, out)  # fmt: skip
        widths = _widths(x.shape[2:], kernel, stride, padding, dilation, out)
        src = xp.pad(x, widths, constant_values=_fill_value(x.dtype)) if any(map(any, widths)) else x
        best = tap = None
        for t, window in enumerate(_windows(kernel, stride, dilation, out)):
            v = src[window]
            if best is None:
                best, tap = v.copy(), xp.zeros(v.shape, dtype=np.int32)
                continue
            take = v > best
            if x.dtype.kind == "f":  # a NaN wins, the last one (PyTorch's rule)
                take |= xp.isnan(v)
            best = xp.where(take, v, best)
            tap = xp.where(take, np.int32(t), tap)
        if src is not x:  # a window of nothing but the fill: its first real position, as PyTorch
            tap = xp.where(best == _fill_value(x.dtype), _first_inside(xp, widths, x.shape[2:], self), tap)
        if self.requires_grad:
            self.tap, self.widths, self.padded = tap, widths, src.shape
        return best

    def backward(self, grad: Any) -> tuple:
        xp = get_array_module(grad)
        gx = xp.zeros(self.padded, dtype=grad.dtype)
        zero = grad.dtype.type(0)
        for t, window in enumerate(_windows(self.kernel, self.stride, self.dilation, self.out)):
            gx[window] += xp.where(self.tap == t, grad, zero)
        return (_crop(gx, self.widths),)


def _counts(xp: Any, n: int, k: int, s: int, p: int, o: int, include_pad: bool) -> Any:
    """Per output position along one axis: how many of the window's positions count
    (inside the padded input with ``include_pad``, else inside the input)."""
    start = xp.arange(o) * s - p
    end = xp.minimum(start + k, n + p)
    if include_pad:
        return end - start
    return xp.minimum(end, n) - xp.maximum(start, 0)


class AvgPool3d(Function):
    """Average pooling on raw arrays ``(N, C, D, H, W)``; ``kernel``, ``stride``,
    ``padding``, ``out``, ``count_include_pad`` and ``divisor_override`` are public."""

    def forward(self, x: Any, kernel: tuple = (2, 2, 2), stride: tuple = (2, 2, 2),
                padding: tuple = (0, 0, 0), out: tuple = (1, 1, 1),
                count_include_pad: bool = True, divisor_override: int | None = None) -> Any:  # fmt: skip
        xp = get_array_module(x)
        self.kernel, self.stride, self.padding, self.out = kernel, stride, padding, out
        self.count_include_pad, self.divisor_override = count_include_pad, divisor_override
        ones = (1,) * len(kernel)
        widths = _widths(x.shape[2:], kernel, stride, padding, ones, out)
        src = xp.pad(x, widths) if any(map(any, widths)) else x
        total = None
        for window in _windows(kernel, stride, ones, out):
            total = src[window].astype(x.dtype, copy=True) if total is None else total + src[window]
        self.divisor = self._divisor(xp, x.shape[2:], x.dtype)
        if self.requires_grad:
            self.widths, self.padded = widths, src.shape
        return total / self.divisor

    def _divisor(self, xp: Any, size: tuple[int, ...], dtype: Any) -> Any:
        """PyTorch's divisor per output position, shaped to broadcast over ``(N, C, ...)``."""
        if self.divisor_override is not None:
            return np.dtype(dtype).type(self.divisor_override)
        div = xp.ones(self.out, dtype=dtype)
        for axis, (n, k, s, p, o) in enumerate(zip(size, self.kernel, self.stride, self.padding,
                                                   self.out)):  # fmt: skip
            shape = [1] * len(self.out)
            shape[axis] = o
            div = div * _counts(xp, n, k, s, p, o, self.count_include_pad).astype(dtype).reshape(shape)
        return div

    def backward(self, grad: Any) -> tuple:
        xp = get_array_module(grad)
        gx = xp.zeros(self.padded, dtype=grad.dtype)
        share = grad / self.divisor
        ones = (1,) * len(self.kernel)
        for window in _windows(self.kernel, self.stride, ones, self.out):
            gx[window] += share
        return (_crop(gx, self.widths),)


# ------------------------------------------------------------------ checks
def _check_input(who: str, x: Tensor) -> None:
    if x.ndim != 5:
        raise ShapeError(f"{who}: expected input of shape (N, C, D, H, W) or (C, D, H, W), "
                         f"got {tuple(x.shape)}")  # fmt: skip


def _geometry(who: str, size: tuple[int, ...], kernel: tuple[int, ...], stride: tuple[int, ...],
              padding: tuple[int, ...], dilation: tuple[int, ...],
              ceil_mode: bool) -> tuple[int, ...]:  # fmt: skip
    """Validate a window against the input as PyTorch does and return the output's spatial
    size: padding at most half the kernel (not dilated), and at least one output position
    per axis (in ``ceil_mode`` a window may reach past the padding)."""
    if any(p > k // 2 for p, k in zip(padding, kernel)):
        raise ValueError(
            f"{who}: padding must be at most half the kernel size, got padding {padding} for "
            f"kernel {'x'.join(map(str, kernel))}"
        )
    out = tuple(pool_out_size(n, k, s, p, d, ceil_mode)
                for n, k, s, p, d in zip(size, kernel, stride, padding, dilation))  # fmt: skip
    if any(o < 1 for o in out):
        eff = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
        padded = tuple(n + 2 * p for n, p in zip(size, padding))
        raise ValueError(f"{who}: kernel {'x'.join(map(str, eff))} is larger than the padded "
                         f"input {'x'.join(map(str, padded))}")  # fmt: skip
    return out


def _window_args(who: str, kernel_size: Any, stride: Any, padding: Any) -> tuple:
    k = triple(who, "kernel_size", kernel_size)
    # torch takes stride=None or an empty list for "the kernel size"
    s = k if stride is None or (isinstance(stride, (tuple, list)) and not stride) else triple(
        who, "stride", stride)  # fmt: skip
    return k, s, triple(who, "padding", padding, minimum=0)


# ---------------------------------------------------------------- functions
def max_pool3d(
    input: Tensor,  # noqa: A002
    kernel_size: int | tuple[int, int, int],
    stride: int | tuple[int, int, int] | None = None,
    padding: int | tuple[int, int, int] = 0,
    dilation: int | tuple[int, int, int] = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Tensor | tuple[Tensor, Tensor]:
    """Maximum over each ``kD x kH x kW`` window (PyTorch's ``max_pool3d``).

    Parameters
    ----------
    input : Tensor, shape (N, C, D, H, W) or (C, D, H, W)
    kernel_size : int or (int, int, int)
    stride : int or (int, int, int), optional
        Defaults to ``kernel_size``.
    padding : int or (int, int, int), default 0
        Implicit ``-inf`` on both sides, at most half the (dilated) kernel.
    dilation : int or (int, int, int), default 1
    ceil_mode : bool, default False
        Round the output size up (a last, partial window).
    return_indices : bool, default False
        Also return each maximum's position ``(d * H + h) * W + w`` in its channel.

    Returns
    -------
    Tensor, shape (N, C, D_out, H_out, W_out)
        ``D_out = floor((D + 2*padding - dilation*(kD - 1) - 1) / stride) + 1`` (``ceil``
        in ``ceil_mode``). The gradient goes to the first maximum of each window.
    indices : Tensor of int64, same shape (only with ``return_indices``)
    """
    who = "max_pool3d"
    if input.ndim == 4:  # one sample, as PyTorch takes it
        y = max_pool3d(input.unsqueeze(0), kernel_size, stride, padding, dilation, ceil_mode,
                       return_indices)  # fmt: skip
        return tuple(t.squeeze(0) for t in y) if return_indices else y.squeeze(0)
    _check_input(who, input)
    if input.dtype.kind not in "fiu":
        raise TypeError(f"{who}: expected a floating-point or integer input, got {input.dtype}")
    k, s, p = _window_args(who, kernel_size, stride, padding)
    d = triple(who, "dilation", dilation)
    out = _geometry(who, tuple(input.shape[2:]), k, s, p, d, bool(ceil_mode))
    y = MaxPool3d.apply(input, kernel=k, stride=s, padding=p, dilation=d, out=out)
    if not return_indices:
        return y
    return y, Tensor(max_pool_indices(input.array, k, s, p, d, out))


def avg_pool3d(
    input: Tensor,  # noqa: A002
    kernel_size: int | tuple[int, int, int],
    stride: int | tuple[int, int, int] | None = None,
    padding: int | tuple[int, int, int] = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """Mean over each ``kD x kH x kW`` window (PyTorch's ``avg_pool3d``).

    Parameters
    ----------
    input : Tensor, shape (N, C, D, H, W) or (C, D, H, W)
    kernel_size : int or (int, int, int)
    stride : int or (int, int, int), optional
        Defaults to ``kernel_size``.
    padding : int or (int, int, int), default 0
        Implicit zeros on both sides, at most half the kernel.
    ceil_mode : bool, default False
    count_include_pad : bool, default True
        Whether the padding's zeros count in the divisor (the part of a ``ceil_mode``
        window past the padding never does).
    divisor_override : int, optional
        Divide every window's sum by this instead.

    Returns
    -------
    Tensor, shape (N, C, D_out, H_out, W_out)
    """
    who = "avg_pool3d"
    if input.ndim == 4:
        return avg_pool3d(input.unsqueeze(0), kernel_size, stride, padding, ceil_mode,
                          count_include_pad, divisor_override).squeeze(0)  # fmt: skip
    _check_input(who, input)
    if input.dtype.kind != "f":
        raise TypeError(f"{who}: expected a floating-point input, got {input.dtype}")
    if divisor_override is not None and (
        isinstance(divisor_override, bool) or not isinstance(divisor_override, (int, np.integer))
        or divisor_override == 0
    ):  # fmt: skip
        raise ValueError(f"{who}: divisor_override must be a non-zero int, got {divisor_override!r}")
    k, s, p = _window_args(who, kernel_size, stride, padding)
    size = tuple(int(n) for n in input.shape[2:])
    if any(n < kk for n, kk in zip(size, k)):  # PyTorch's avg_pool3d asks this (max_pool3d not)
        raise ValueError(f"{who}: input {'x'.join(map(str, size))} is smaller than the kernel "
                         f"{'x'.join(map(str, k))}")  # fmt: skip
    out = _geometry(who, size, k, s, p, (1, 1, 1), bool(ceil_mode))
    return AvgPool3d.apply(
        input, kernel=k, stride=s, padding=p, out=out, count_include_pad=bool(count_include_pad),
        divisor_override=None if divisor_override is None else int(divisor_override),
    )  # fmt: skip


def adaptive_max_pool3d(
    input: Tensor, output_size: Any, return_indices: bool = False  # noqa: A002
) -> Tensor | tuple[Tensor, Tensor]:
    """Max pooling to a fixed ``(D_out, H_out, W_out)`` with PyTorch's (possibly
    overlapping) bins ``[floor(i n / o), ceil((i + 1) n / o))``.

    Parameters
    ----------
    input : Tensor, shape (N, C, D, H, W) or (C, D, H, W)
    output_size : int or (int or None, int or None, int or None)
        ``None`` keeps that input size.
    return_indices : bool, default False
        Also return each maximum's position ``(d * H + h) * W + w`` in its channel.

    Returns
    -------
    Tensor, shape (N, C, D_out, H_out, W_out) (no batch axis for an unbatched input)
    """
    who = "adaptive_max_pool3d"
    if input.ndim not in (4, 5):
        raise ShapeError(f"{who}: expected (N, C, D, H, W) or (C, D, H, W) input, "
                         f"got shape {tuple(input.shape)}")  # fmt: skip
    xb = input if input.ndim == 5 else input.unsqueeze(0)
    size = tuple(int(n) for n in xb.shape[2:])
    sizes = _sizes(who, output_size, size)
    if all(n % o == 0 for n, o in zip(size, sizes)):
        y = max_pool3d(xb, tuple(n // o for n, o in zip(size, sizes)))
    else:
        y = xb
        for axis in (4, 3, 2):  # the last first: ties go to the row-major first maximum
            y = _max_over_bins(y, axis, sizes[axis - 2])
    if return_indices:
        idx = Tensor(adaptive_max_pool_indices(xb.array, sizes))
        return (y, idx) if input.ndim == 5 else (y.squeeze(0), idx.squeeze(0))
    return y if input.ndim == 5 else y.squeeze(0)
