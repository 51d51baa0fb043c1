"""Padding modes and resizing (``F.pad``, ``F.interpolate``) written as index gathers.

Reflect, replicate and circular padding and nearest or (bi)linear resizing
all read the input at computed integer positions, one axis at a time: a
``getitem`` with an index array (plus, for linear modes, a weighted sum of
two such gathers). The gradient of a gather is a scatter-add, so these need
no ``Function`` of their own, and index rules follow PyTorch's exactly.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .._errors import ShapeError
from ..tensor import Tensor
from . import arithmetic as M
from . import shape as S
from .bicubic import resize_cubic
from .pool import _bin_matrix

__all__ = ["pad", "interpolate", "pad_indices"]

_PAD_MODES = ("constant", "reflect", "replicate", "circular")
_RESIZE_MODES = (
    "nearest", "nearest-exact", "linear", "bilinear", "trilinear", "bicubic", "area",
)  # fmt: skip


def pad_indices(n: int, lo: int, hi: int, mode: str) -> np.ndarray:
    """Source positions of a length-``n`` axis padded by ``lo`` and ``hi`` in ``mode``."""
    pos = np.arange(-lo, n + hi)
    if mode == "replicate":
        return np.clip(pos, 0, n - 1)
    if mode == "circular":
        return pos % n
    period = 2 * (n - 1)  # reflect: mirror about the edges, without repeating them
    pos = np.abs(pos) % period if period else np.zeros_like(pos)
    return np.where(pos >= n, period - pos, pos)


def _gather(x: Tensor, axis: int, idx: np.ndarray) -> Tensor:
    index = (slice(None),) * axis + (x.xp.asarray(idx),)
    return S.getitem(x, index)


def pad(input: Tensor, pad: Sequence[int], mode: str = "constant", value: float | None = None) -> Tensor:  # noqa: A002
    """PyTorch's ``F.pad``: ``pad`` lists (left, right) pairs from the last axis backwards.

    Parameters
    ----------
    input : Tensor
    pad : sequence of int
        ``(left_last, right_last, left_prev, right_prev, ...)``; padding may
        be negative (cropping) in every mode, as in PyTorch.
    mode : {'constant', 'reflect', 'replicate', 'circular'}
    value : float, optional
        Fill value of constant padding (default 0).
    """
    flat = [int(p) for p in pad]
    if len(flat) % 2 or len(flat) // 2 > input.ndim:
        raise ShapeError(
            f"pad: expected pairs for at most {input.ndim} axes, got pad={tuple(flat)}"
        )
    if mode not in _PAD_MODES:
        raise ValueError(f"pad: mode must be one of {_PAD_MODES}, got {mode!r}")
    pairs = [(flat[i], flat[i + 1]) for i in range(0, len(flat), 2)]
    for k, (lo, hi) in enumerate(pairs):
        n = input.shape[input.ndim - 1 - k]
        if n + lo + hi < 0:  # torch: "narrow(): length must be non-negative"
            raise ShapeError(f"pad: padding ({lo}, {hi}) crops more than an axis of length {n}")
        if mode == "circular" and (lo > n or hi > n):
            raise ShapeError(
                f"pad: circular padding ({lo}, {hi}) wraps around an axis of length {n} more "
                "than once (as torch, at most the axis length)"
            )
    if mode == "constant":
        return _constant(input, pairs, 0.0 if value is None else float(value))
    if value not in (None, 0, 0.0):
        raise ValueError(f"pad: value= is only used by mode='constant', got value={value!r}")
    if input.ndim not in (len(pairs) + 1, len(pairs) + 2):  # torch's rule for these modes
        raise ShapeError(
            f"pad: mode={mode!r} with {len(flat)} padding values pads the last {len(pairs)} "
            f"axes of a {len(pairs) + 1}-D or {len(pairs) + 2}-D input, got {input.ndim}-D"
        )
    out = input
    for k, (lo, hi) in enumerate(pairs):
        axis = input.ndim - 1 - k
        n = input.shape[axis]
        if mode == "reflect" and (lo >= n or hi >= n):
            raise ShapeError(
                f"pad: reflect padding ({lo}, {hi}) must be smaller than the axis length {n}"
            )
        if n - max(-lo, 0) - max(-hi, 0) + max(lo, 0) + max(hi, 0) <= 0:
            raise ShapeError(f"pad: padding ({lo}, {hi}) leaves nothing of an axis of length {n}")
        if mode == "circular" and (lo < 0 or hi < 0):  # PyTorch crops first, then wraps
            out = S.getitem(out, (slice(None),) * axis + (slice(max(-lo, 0), n - max(-hi, 0)),))
            n, lo, hi = out.shape[axis], max(lo, 0), max(hi, 0)
        if lo or hi:  # reflect/replicate: negative padding crops, the edges stay the input's
            out = _gather(out, axis, pad_indices(n, lo, hi, mode))
    return out


def _constant(x: Tensor, pairs: list[tuple[int, int]], value: float) -> Tensor:
    crop = [slice(None)] * x.ndim
    widths = [(0, 0)] * x.ndim
    for k, (lo, hi) in enumerate(pairs):
        axis = x.ndim - 1 - k
        widths[axis] = (max(lo, 0), max(hi, 0))
        crop[axis] = slice(max(-lo, 0), x.shape[axis] - max(-hi, 0))
    out = S.getitem(x, tuple(crop)) if any(s != slice(None) for s in crop) else x
    if any(w != (0, 0) for w in widths):
        out = S.pad(out, tuple(widths), value)
    return out


# ------------------------------------------------------------------ interpolate
def _out_sizes(x: Tensor, size: Any, scale_factor: Any, recompute: bool | None) -> tuple:
    """Output sizes and the source-per-output scales PyTorch uses, per spatial axis."""
    spatial = x.shape[2:]
    k = len(spatial)
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate: give exactly one of size and scale_factor")
    if size is not None:
        if recompute:
            raise ValueError(
                "interpolate: recompute_scale_factor=True is not meaningful with an explicit "
                "size (it recomputes the scale from scale_factor); leave it None"
            )
        sizes = (size,) * k if isinstance(size, int) else tuple(int(s) for s in size)
        if len(sizes) != k:
            raise ValueError(f"interpolate: size has {len(sizes)} values for {k} spatial axes")
        return sizes, tuple(n / m if m else 0.0 for n, m in zip(spatial, sizes))
    factors = (scale_factor,) * k if isinstance(scale_factor, (int, float)) else tuple(scale_factor)
    if len(factors) != k:
        raise ValueError(f"interpolate: scale_factor has {len(factors)} values for {k} spatial axes")
    sizes = tuple(int(math.floor(n * f)) for n, f in zip(spatial, factors))
    if recompute:  # an empty axis ('area' allows it, as PyTorch) reads no position
        return sizes, tuple(n / m if m else 0.0 for n, m in zip(spatial, sizes))
    return sizes, tuple(1.0 / f for f in factors)


def _nearest(x: Tensor, axis: int, n_out: int, scale: float, exact: bool) -> Tensor:
    n = x.shape[axis]
    dst = np.arange(n_out, dtype=np.float32)
    if not exact and x.ndim == 4 and n_out in (n, 2 * n):
        # PyTorch's 2-D 'nearest' kernel (only it) copies an axis whose size is kept and
        # halves the index of one whose size doubles, whatever the scale
        return x if n_out == n else _gather(x, axis, np.arange(n_out) // 2)
    # PyTorch computes these positions in float32 whatever the input's dtype
    sc = np.float32(scale)
    src = np.floor((dst + np.float32(0.5)) * sc) if exact else np.floor(dst * sc)
    return _gather(x, axis, np.minimum(src.astype(np.int64), n - 1))


def _linear(x: Tensor, axis: int, n_out: int, scale: float, align_corners: bool) -> Tensor:
    n = x.shape[axis]
    if n_out == n:  # PyTorch copies an axis whose size is kept, whatever the scale
        return x
    dt = np.dtype(x.dtype).type  # PyTorch's arithmetic type for the positions
    dst = np.arange(n_out, dtype=dt)
    if align_corners:
        src = dst * dt((n - 1) / (n_out - 1)) if n_out > 1 else np.zeros(n_out, dt)
    else:
        src = np.maximum((dst + dt(0.5)) * dt(scale) - dt(0.5), dt(0.0))
    i0 = np.minimum(np.floor(src).astype(np.int64), n - 1)
    i1 = np.minimum(i0 + 1, n - 1)
    lam = (src - i0).astype(x.dtype)
    shape = [1] * x.ndim
    shape[axis] = n_out
    w1 = Tensor(x.xp.asarray(lam.reshape(shape)))
    return _gather(x, axis, i0) * (1 - w1) + _gather(x, axis, i1) * w1


def interpolate(
    input: Tensor, size: Any = None, scale_factor: Any = None, mode: str = "nearest",  # noqa: A002
    align_corners: bool | None = None, recompute_scale_factor: bool | None = None,
    antialias: bool = False,
) -> Tensor:  # fmt: skip
    """Resize the spatial axes of ``(N, C, *spatial)`` input, as PyTorch's ``F.interpolate``.

    Parameters
    ----------
    input : Tensor, shape (N, C, L), (N, C, H, W) or (N, C, D, H, W)
    size : int or tuple of int, optional
    scale_factor : float or tuple of float, optional
        Exactly one of ``size`` and ``scale_factor``. With ``scale_factor``
        the source positions use ``1 / scale_factor`` (PyTorch's rule) unless
        ``recompute_scale_factor``.
    mode : {'nearest', 'nearest-exact', 'linear', 'bilinear', 'trilinear', 'bicubic', 'area'}
        Linear and cubic modes interpolate separably along each spatial axis
        (``bicubic``: PyTorch's cubic convolution, ``A = -0.75``, edges
        repeated); ``area`` averages PyTorch's adaptive-pooling bins.
    align_corners : bool, optional
        Linear and cubic modes only: map the corner pixels' centres onto each other.
    recompute_scale_factor : bool, optional
    antialias : bool, default False
        ``bilinear`` and ``bicubic`` only, without ``align_corners``: when shrinking, each
        output averages all the inputs its widened filter covers (PyTorch's, after Pillow's:
        a triangle, or the cubic with ``A = -0.5``, stretched by the scale), so no input is
        skipped; ``align_corners=True`` with it is refused.
    """
    if mode not in _RESIZE_MODES:
        raise NotImplementedError(
            f"interpolate: mode {mode!r} is not supported; glassnet has {_RESIZE_MODES}"
        )
    if antialias and (mode not in ("bilinear", "bicubic") or input.ndim != 4):
        raise ValueError(
            f"interpolate: antialias=True is for modes 'bilinear' and 'bicubic' on a 4-D input "
            f"(as in PyTorch), got mode {mode!r} and shape {input.shape}"
        )
    if antialias and align_corners:
        raise NotImplementedError(
            "interpolate: antialias=True with align_corners=True is not available in glassnet; "
            "use align_corners=False"
        )
    if input.ndim < 3:
        raise ValueError(f"interpolate: expected (N, C, *spatial) input, got shape {input.shape}")
    if input.dtype.kind not in "fc" and mode not in ("nearest", "nearest-exact"):
        raise TypeError(
            f"interpolate: mode {mode!r} needs a floating-point input (as in PyTorch), got dtype "
            f"{input.dtype}; convert it first (x.float())"
        )
    linear = mode in ("linear", "bilinear", "trilinear")
    if not linear and mode != "bicubic" and align_corners is not None:
        raise ValueError(
            f"interpolate: align_corners is only for linear and bicubic modes, not {mode!r}"
        )
    wanted = {"linear": 3, "bilinear": 4, "trilinear": 5, "bicubic": 4}.get(mode)
    if wanted is not None and input.ndim != wanted:
        raise ValueError(f"interpolate: mode {mode!r} needs a {wanted}-D input, got {input.shape}")
    sizes, scales = _out_sizes(input, size, scale_factor, recompute_scale_factor)
    if min(sizes) <= 0 and mode != "area":  # as PyTorch ('area' is adaptive pooling)
        raise ValueError(
            f"interpolate: output sizes must be greater than 0, got {tuple(sizes)} for input "
            f"shape {tuple(input.shape)}"
        )
    if antialias:
        out = input
        for k, (n_out, scale) in enumerate(zip(sizes, scales)):
            if n_out == out.shape[2 + k]:  # PyTorch copies an axis whose size is kept
                continue
            weights = _antialias_matrix(out.shape[2 + k], n_out, scale, mode == "bicubic")
            out = _along(out, 2 + k, weights)
        return out
    if mode == "bicubic":
        factors = None if size is not None or recompute_scale_factor else _factors(scale_factor, 2)
        return resize_cubic(input, sizes, factors, bool(align_corners))
    out = input
    for k, (n_out, scale) in enumerate(zip(sizes, scales)):
        axis = 2 + k
        if linear:
            out = _linear(out, axis, n_out, scale, bool(align_corners))
        elif mode == "area":
            out = _along(out, axis, _bin_matrix(out.shape[axis], n_out))
        else:
            out = _nearest(out, axis, n_out, scale, mode == "nearest-exact")
    return out


def _antialias_filter(x: np.ndarray, cubic: bool) -> np.ndarray:
    x = np.abs(x)
    if not cubic:
        return np.maximum(1.0 - x, 0.0)
    a = -0.5  # Pillow's (and PyTorch's antialiased) cubic; the plain bicubic uses -0.75
    near = ((a + 2) * x - (a + 3)) * x * x + 1
    far = (((x - 5) * x + 8) * x - 4) * a
    return np.where(x < 1, near, np.where(x < 2, far, 0.0))


def _antialias_matrix(n_in: int, n_out: int, scale: float, cubic: bool) -> np.ndarray:
    """``(n_out, n_in)`` weights of antialiased resizing: output ``i`` is centred at
    ``scale * (i + 0.5)``; when shrinking (``scale > 1``) the filter is ``scale`` times
    wider, and each row is normalised to sum to 1."""
    half = 2.0 if cubic else 1.0  # the filter's support at scale 1
    stretch = max(scale, 1.0)
    support = half * stretch
    weights = np.zeros((n_out, n_in))
    for i in range(n_out):
        center = scale * (i + 0.5)
        lo = max(int(center - support + 0.5), 0)
        hi = min(int(center + support + 0.5), n_in)
        w = _antialias_filter((np.arange(lo, hi) - center + 0.5) / stretch, cubic)
        total = w.sum()
        weights[i, lo:hi] = w / total if total != 0 else w
    return weights


def _factors(scale_factor: Any, k: int) -> tuple[float, ...]:
    """``scale_factor`` as one float per spatial axis."""
    if isinstance(scale_factor, (int, float)):
        return (float(scale_factor),) * k
    return tuple(float(f) for f in scale_factor)


def _along(x: Tensor, axis: int, weights: np.ndarray) -> Tensor:
    """``x`` mixed along ``axis`` by ``weights`` of shape ``(n_out, n_in)``."""
    w = Tensor(x.xp.asarray(weights.T.astype(x.dtype)))
    return S.swapaxes(M.matmul(S.swapaxes(x, axis, -1), w), axis, -1)
