"""Where each max-pooling window's maximum is (``return_indices=True``), and ``max_unpool``.

The indices are PyTorch's: per sample and channel, the position of the maximum
in the flattened spatial input (``h * W + w``), the first maximum of the window
in row-major order, a NaN wherever the window has one. They carry no gradient.
The pooled values come from the pooling ops themselves; these functions only
say where they came from, so the fast pooling kernels are untouched.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np

from ..autograd.function import Function
from ..backend import get_array_module
from ..tensor import Tensor
from .logic import refuse_while_tracing

__all__ = [
    "max_pool_indices", "adaptive_max_pool_indices", "max_unpool1d", "max_unpool2d",
    "unpool_output_size", "adaptive_bins",
]  # fmt: skip

#: Why the indices have no ONNX export (said when an exporter traces them).
_NO_ONNX = "they are PyTorch's per-plane positions; ONNX's MaxPool gives whole-tensor ones"


def adaptive_bins(n_in: int, n_out: int) -> list[tuple[int, int]]:
    """PyTorch's adaptive bins: ``[floor(i n_in / n_out), ceil((i + 1) n_in / n_out))``."""
    return [(i * n_in // n_out, math.ceil((i + 1) * n_in / n_out)) for i in range(n_out)]


def _better(xp: Any, v: Any, best: Any) -> Any:
    """Where a later value replaces the running maximum: larger, or NaN (PyTorch's rule)."""
    return (v > best) | xp.isnan(v)


def max_pool_indices(
    x: Any, kernel: tuple, stride: tuple, padding: tuple, dilation: tuple, out_sizes: tuple
) -> Any:
    """Flat spatial index of each window's maximum.

    Parameters
    ----------
    x : array, shape (N, C, *spatial)
    kernel, stride, padding, dilation, out_sizes : tuple of int, one per spatial axis

    Returns
    -------
    array of int64, shape (N, C, *out_sizes)
    """
    refuse_while_tracing("max pooling with return_indices=True", _NO_ONNX)
    xp = get_array_module(x)
    spatial = x.shape[2:]
    widths = [(0, 0), (0, 0)]
    for n, k, s, p, d, o in zip(spatial, kernel, stride, padding, dilation, out_sizes):
        reach = (o - 1) * s + d * (k - 1) + 1
        widths.append((p, max(0, reach - p - n)))
    src = xp.pad(x, widths, constant_values=-np.inf)
    flat = xp.arange(math.prod(spatial), dtype=np.int64).reshape(spatial)
    pos = xp.pad(flat, widths[2:], constant_values=-1)
    best = xp.full(x.shape[:2] + tuple(out_sizes), -np.inf, dtype=x.dtype)
    where = xp.full(best.shape, -1, dtype=np.int64)
    first = xp.full(tuple(out_sizes), -1, dtype=np.int64)  # first real position of each window
    for taps in itertools.product(*(range(k) for k in kernel)):
        view = tuple(
            slice(t * d, t * d + (o - 1) * s + 1, s)
            for t, d, s, o in zip(taps, dilation, stride, out_sizes)
        )
        v, at = src[(slice(None), slice(None)) + view], pos[view]
        take = _better(xp, v, best) & (at >= 0)
        best = xp.where(take, v, best)
        where = xp.where(take, at, where)
        first = xp.where((first < 0) & (at >= 0), at, first)
    return xp.where(where < 0, first, where)  # an all -inf window: its first position


def adaptive_max_pool_indices(x: Any, out_sizes: tuple) -> Any:
    """Flat spatial index of each adaptive bin's maximum (PyTorch's bins and rule).

    Parameters
    ----------
    x : array, shape (N, C, *spatial)
    out_sizes : tuple of int, one per spatial axis

    Returns
    -------
    array of int64, shape (N, C, *out_sizes)
    """
    refuse_while_tracing("adaptive max pooling with return_indices=True", _NO_ONNX)
    xp = get_array_module(x)
    spatial = x.shape[2:]
    bins = [adaptive_bins(n, o) for n, o in zip(spatial, out_sizes)]
    flat = xp.arange(math.prod(spatial), dtype=np.int64).reshape(spatial)
    out = xp.empty(x.shape[:2] + tuple(out_sizes), dtype=np.int64)
    for cell in itertools.product(*(range(o) for o in out_sizes)):
        window = tuple(slice(*bins[a][i]) for a, i in enumerate(cell))
        v = x[(slice(None), slice(None)) + window].reshape(x.shape[:2] + (-1,))
        at = flat[window].reshape(-1)
        best = v[..., 0]
        where = xp.zeros(x.shape[:2], dtype=np.int64)
        for j in range(1, v.shape[-1]):
            take = _better(xp, v[..., j], best)
            best = xp.where(take, v[..., j], best)
            where = xp.where(take, j, where)
        out[(slice(None), slice(None)) + cell] = at[where]
    return out


class MaxUnpool(Function):
    """Scatter each value to its index in a zero output; the gradient gathers it back."""

    def forward(self, x: Any, indices: Any = None, out_sizes: tuple = ()) -> Any:
        xp = get_array_module(x)
        n, c = x.shape[:2]
        out = xp.zeros((n, c, math.prod(out_sizes)), dtype=x.dtype)
        idx = indices.reshape(n, c, -1)
        xp.put_along_axis(out, idx, x.reshape(n, c, -1), axis=2)
        if self.requires_grad:
            self.idx, self.in_shape = idx, x.shape
        return out.reshape((n, c) + tuple(out_sizes))

    def backward(self, g: Any) -> Any:
        xp = get_array_module(g)
        flat = g.reshape(g.shape[0], g.shape[1], -1)
        return xp.take_along_axis(flat, self.idx, axis=2).reshape(self.in_shape)


def _ints(who: str, name: str, value: Any, k: int) -> tuple:
    vals = (value,) * k if isinstance(value, (int, np.integer)) else tuple(value)
    if len(vals) != k or any(isinstance(v, bool) or not isinstance(v, (int, np.integer)) for v in vals):
        raise ValueError(f"{who}: {name} must be an int or {k} ints, got {value!r}")
    return tuple(int(v) for v in vals)


def unpool_output_size(
    who: str, in_sizes: tuple, kernel: Any, stride: Any, padding: Any, output_size: Any
) -> tuple:
    """PyTorch's default ``(in - 1) * stride - 2 * padding + kernel`` per axis, or a checked
    ``output_size`` (its last ``len(in_sizes)`` entries)."""
    k = len(in_sizes)
    ks = _ints(who, "kernel_size", kernel, k)
    ss = ks if stride is None else _ints(who, "stride", stride, k)
    ps = _ints(who, "padding", padding, k)
    default = tuple((n - 1) * s - 2 * p + kk for n, s, p, kk in zip(in_sizes, ss, ps, ks))
    if output_size is None:
        return default
    want = tuple(int(v) for v in tuple(output_size)[-k:])
    for w, d, s in zip(want, default, ss):
        if not d - s < w < d + s:
            raise ValueError(
                f"{who}: output_size {want} must be within one stride {ss} of the default "
                f"size {default}"
            )
    return want


def _unpool(
    who: str, x: Tensor, indices: Any, k: int, kernel: Any, stride: Any, padding: Any,
    output_size: Any,
) -> Tensor:  # fmt: skip
    if x.ndim not in (k + 1, k + 2):
        raise ValueError(f"{who}: expected a {k + 1}-D or {k + 2}-D input, got shape {x.shape}")
    idx = indices.array if isinstance(indices, Tensor) else x.xp.asarray(indices)
    if tuple(idx.shape) != tuple(x.shape) or idx.dtype.kind not in "iu":
        raise ValueError(
            f"{who}: indices must be integers of the input's shape {tuple(x.shape)}, got "
            f"{idx.dtype} of shape {tuple(idx.shape)}"
        )
    unbatched = x.ndim == k + 1
    if unbatched:
        x, idx = x.unsqueeze(0), idx[None]
    sizes = unpool_output_size(who, tuple(x.shape[2:]), kernel, stride, padding, output_size)
    total = math.prod(sizes)
    if idx.size and (int(idx.min()) < 0 or int(idx.max()) >= total):
        raise IndexError(f"{who}: indices must be in [0, {total}) for output size {sizes}")
    y = MaxUnpool.apply(x, indices=idx.astype(np.int64, copy=False), out_sizes=sizes)
    return y.squeeze(0) if unbatched else y


def max_unpool1d(
    input: Tensor, indices: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,  # noqa: A002
    output_size: Any = None,
) -> Tensor:  # fmt: skip
    """Undo ``max_pool1d``: each value goes to its index, zeros elsewhere.

    Parameters
    ----------
    input : Tensor, shape (N, C, L_in) or (C, L_in)
    indices : int array or Tensor, the input's shape (from ``return_indices=True``)
    kernel_size, stride, padding : int, the pooling's
    output_size : sequence of int, optional

    Returns
    -------
    Tensor, shape (N, C, L_out), ``L_out = (L_in - 1) * stride - 2 * padding + kernel_size``
    """
    return _unpool("max_unpool1d", input, indices, 1, kernel_size, stride, padding, output_size)


def max_unpool2d(
    input: Tensor, indices: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,  # noqa: A002
    output_size: Any = None,
) -> Tensor:  # fmt: skip
    """Undo ``max_pool2d``: each value goes to its index, zeros elsewhere.

    Parameters
    ----------
    input : Tensor, shape (N, C, H_in, W_in) or (C, H_in, W_in)
    indices : int array or Tensor, the input's shape (from ``return_indices=True``)
    kernel_size, stride, padding : int or (int, int), the pooling's
    output_size : sequence of int, optional

    Returns
    -------
    Tensor, shape (N, C, H_out, W_out)
    """
    return _unpool("max_unpool2d", input, indices, 2, kernel_size, stride, padding, output_size)
