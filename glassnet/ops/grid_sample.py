"""``affine_grid`` and ``grid_sample`` (spatial transformers), PyTorch's 2-D forms.

Both are written with other ops: the sampling positions and the interpolation
weights are tensors computed from ``grid``, and the input is read with an
index gather, so the gradients for the input, the grid and ``theta`` (and the
GPU path) come from those ops.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import tracing
from ..autograd.function import Function
from ..backend import to_host
from ..tensor import Tensor
from . import arithmetic as M
from . import shape as S

__all__ = ["affine_grid", "grid_sample"]

_MODES = ("bilinear", "nearest", "bicubic")
_A = -0.75  # PyTorch's cubic convolution coefficient
_PADDING = ("zeros", "border", "reflection")


def _base_coords(n: int, align_corners: bool) -> np.ndarray:
    """The ``n`` normalised pixel-centre positions in ``[-1, 1]`` (PyTorch's ``linspace``)."""
    pos = np.linspace(-1.0, 1.0, n) if n > 1 else np.zeros(1)
    return pos if align_corners else pos * (n - 1) / n


def affine_grid(theta: Tensor, size: Any, align_corners: bool = False) -> Tensor:
    """Sampling grid of the affine maps ``theta`` for an output of ``size``.

    Parameters
    ----------
    theta : Tensor, shape (N, 2, 3)
    size : sequence of int
        ``(N, C, H, W)``.
    align_corners : bool, default False

    Returns
    -------
    Tensor, shape (N, H, W, 2)
        ``(x, y)`` positions in ``[-1, 1]`` for :func:`grid_sample`.
    """
    who = "affine_grid"
    size = tuple(int(v) for v in size)
    if len(size) != 4:
        raise NotImplementedError(
            f"{who}: only 4-D sizes (N, C, H, W) with theta (N, 2, 3) are supported, got size {size}"
        )
    n, _, h, w = size
    if tuple(theta.shape) != (n, 2, 3):
        raise ValueError(f"{who}: expected theta of shape ({n}, 2, 3) for size {size}, got {theta.shape}")
    xs, ys = _base_coords(w, align_corners), _base_coords(h, align_corners)
    base = np.stack(
        [np.tile(xs, h), np.repeat(ys, w), np.ones(h * w)], axis=1
    ).astype(theta.dtype)  # (H*W, 3): x, y, 1
    grid = M.matmul(Tensor(theta.xp.asarray(base)), S.swapaxes(theta, 1, 2))  # (N, H*W, 2)
    return grid.reshape(n, h, w, 2)


def _unnormalize(coord: Tensor, size: int, align_corners: bool) -> Tensor:
    if align_corners:
        return (coord + 1.0) * ((size - 1) / 2)
    return ((coord + 1.0) * size - 1.0) / 2


def _reflect(coord: Tensor, low: float, span: float) -> Tensor:
    """``coord`` mirrored into ``[low, low + span]`` (PyTorch's ``reflect_coordinates``)."""
    if span <= 0:
        return coord * 0.0
    dist = M.abs(coord - low)
    flips = dist.xp.floor(dist.array / span)
    extra = dist - Tensor((flips * span).astype(dist.dtype))
    return M.where((flips % 2) == 0, extra + low, (span - extra) + low)


def _source(coord: Tensor, size: int, padding_mode: str, align_corners: bool) -> Tensor:
    """Pixel positions read for the normalised ``coord``. Clipping passes no gradient on the
    edges themselves, as PyTorch's ``clip_coordinates_set_grad``."""
    x = _unnormalize(coord, size, align_corners)
    if padding_mode == "border":
        return M.clip_open(x, 0.0, size - 1.0)
    if padding_mode == "reflection":
        x = _reflect(x, 0.0, size - 1.0) if align_corners else _reflect(x, -0.5, float(size))
        return M.clip_open(x, 0.0, size - 1.0)
    return x


def _gather(x: Tensor, yi: np.ndarray, xi: np.ndarray, valid: np.ndarray) -> Tensor:
    """``x[n, :, yi, xi]`` as ``(N, H_out, W_out, C)``, 0 where not ``valid``."""
    n, _, h, w = x.shape
    batch = np.arange(n).reshape(n, 1, 1)
    idx = (batch, slice(None), np.clip(yi, 0, h - 1), np.clip(xi, 0, w - 1))
    vals = S.getitem(x, tuple(x.xp.asarray(i) if isinstance(i, np.ndarray) else i for i in idx))
    if valid.all():
        return vals
    return vals * Tensor(x.xp.asarray(valid[..., None].astype(x.dtype)))


def _tap_index(pos: np.ndarray, size: int, padding_mode: str, align_corners: bool) -> tuple:
    """Integer pixel ``pos`` mapped as PyTorch's bicubic ``get_value_bounded``: the index to
    read and whether it is inside (outside reads 0, with ``padding_mode='zeros'``)."""
    p = pos.astype(np.float64)
    if padding_mode == "reflection":
        low, span = (0.0, size - 1.0) if align_corners else (-0.5, float(size))
        if span <= 0:
            p = np.zeros_like(p)
        else:
            dist = np.abs(p - low)
            extra, flips = np.fmod(dist, span), np.floor(dist / span)
            p = np.where(flips % 2 == 0, extra + low, span - extra + low)
    if padding_mode != "zeros":
        p = np.clip(p, 0.0, size - 1.0)
    idx = np.trunc(p).astype(np.int64)
    return idx, (idx >= 0) & (idx < size)


def _cubic_weights(t: Tensor) -> list[Tensor]:
    """The four cubic-convolution weights of taps ``-1, 0, 1, 2`` at fraction ``t``."""
    a = _A
    u, v, r = t + 1.0, 1.0 - t, 2.0 - t
    return [
        ((u * a - 5 * a) * u + 8 * a) * u - 4 * a,
        ((t * (a + 2)) - (a + 3)) * t * t + 1.0,
        ((v * (a + 2)) - (a + 3)) * v * v + 1.0,
        ((r * a - 5 * a) * r + 8 * a) * r - 4 * a,
    ]


def _bicubic(input: Tensor, grid: Tensor, padding_mode: str, ac: bool) -> Tensor:  # noqa: A002
    """PyTorch's bicubic ``grid_sample``: 4 x 4 taps around each (unpadded) position, each
    tap read through ``padding_mode``; gradients reach ``grid`` through the weights."""
    _, _, h, w = input.shape
    x, y = _unnormalize(grid[..., 0], w, ac), _unnormalize(grid[..., 1], h, ac)
    x0a, y0a = np.floor(to_host(x.array)), np.floor(to_host(y.array))
    wxs = _cubic_weights(x - Tensor(x.xp.asarray(x0a.astype(x.dtype))))
    wys = _cubic_weights(y - Tensor(y.xp.asarray(y0a.astype(y.dtype))))
    out = None
    for i, wy in enumerate(wys):
        yi, yok = _tap_index(y0a + (i - 1), h, padding_mode, ac)
        row = None
        for j, wx in enumerate(wxs):
            xi, xok = _tap_index(x0a + (j - 1), w, padding_mode, ac)
            term = _gather(input, yi, xi, yok & xok) * S.unsqueeze(wx, -1)
            row = term if row is None else row + term
        out = row * S.unsqueeze(wy, -1) if out is None else out + row * S.unsqueeze(wy, -1)
    return S.transpose(out, (0, 3, 1, 2))


def grid_sample(
    input: Tensor, grid: Tensor, mode: str = "bilinear", padding_mode: str = "zeros",  # noqa: A002
    align_corners: bool | None = None,
) -> Tensor:  # fmt: skip
    """Sample ``input`` at the ``grid`` positions (PyTorch's ``F.grid_sample``, 2-D).

    Parameters
    ----------
    input : Tensor, shape (N, C, H, W)
    grid : Tensor, shape (N, H_out, W_out, 2)
        ``(x, y)`` in ``[-1, 1]`` (-1: the left/top edge).
    mode : {'bilinear', 'nearest', 'bicubic'}
        ``bicubic``: PyTorch's cubic convolution (``A = -0.75``) over 4 x 4 taps.
    padding_mode : {'zeros', 'border', 'reflection'}
    align_corners : bool, optional
        ``None`` means False, as PyTorch.

    Returns
    -------
    Tensor, shape (N, C, H_out, W_out)
    """
    who = "grid_sample"
    if mode not in _MODES:
        raise NotImplementedError(f"{who}: mode must be one of {_MODES}, got {mode!r}")
    if padding_mode not in _PADDING:
        raise ValueError(f"{who}: padding_mode must be one of {_PADDING}, got {padding_mode!r}")
    if input.ndim != 4:
        raise NotImplementedError(
            f"{who}: only 4-D input (N, C, H, W) is supported, got shape {input.shape}"
        )
    n, _, h, w = input.shape
    if grid.ndim != 4 or grid.shape[0] != n or grid.shape[3] != 2:
        raise ValueError(f"{who}: expected grid of shape ({n}, H_out, W_out, 2), got {grid.shape}")
    ac = bool(align_corners)
    if tracing.current() is not None:  # an exporter records one op (ONNX's GridSample)
        return GridSample.apply(input, grid, mode=mode, padding_mode=padding_mode, align_corners=ac)
    if grid.dtype != input.dtype:
        grid = grid.to(dtype=input.dtype)
    if mode == "bicubic":
        return _bicubic(input, grid, padding_mode, ac)
    x = _source(grid[..., 0], w, padding_mode, ac)
    y = _source(grid[..., 1], h, padding_mode, ac)
    if mode == "nearest":
        xi = np.rint(to_host(x.array)).astype(np.int64)  # half to even, as PyTorch
        yi = np.rint(to_host(y.array)).astype(np.int64)
        valid = (xi >= 0) & (xi < w) & (yi >= 0) & (yi < h)
        return S.transpose(_gather(input, yi, xi, valid), (0, 3, 1, 2))
    x0a, y0a = np.floor(to_host(x.array)), np.floor(to_host(y.array))
    wx1 = x - Tensor(x.xp.asarray(x0a.astype(x.dtype)))
    wy1 = y - Tensor(y.xp.asarray(y0a.astype(y.dtype)))
    x0, y0 = x0a.astype(np.int64), y0a.astype(np.int64)
    out = None
    for dy, wy in ((0, 1.0 - wy1), (1, wy1)):
        for dx, wx in ((0, 1.0 - wx1), (1, wx1)):
            yi, xi = y0 + dy, x0 + dx
            valid = (xi >= 0) & (xi < w) & (yi >= 0) & (yi < h)
            term = _gather(input, yi, xi, valid) * S.unsqueeze(wy * wx, -1)
            out = term if out is None else out + term
    return S.transpose(out, (0, 3, 1, 2))


class GridSample(Function):
    """:func:`grid_sample` as one op, recorded while an exporter traces (ONNX ``GridSample``);
    outside a trace the composed ops above run and give the gradients, so it has no backward."""

    def forward(
        self, x: Any, grid: Any, mode: str = "bilinear", padding_mode: str = "zeros",
        align_corners: bool = False,
    ) -> Any:  # fmt: skip
        with tracing.recording(None):
            return grid_sample(Tensor(x), Tensor(grid), mode, padding_mode, align_corners).array
