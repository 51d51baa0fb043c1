"""Inference without a graph: convolution, ReLU and 2x2 max pooling in one blocked pass.

``Conv2d -> ReLU -> MaxPool2d(2)`` is the seed CNN's block. Run op by op, the
convolution writes its whole output (12.8 MB for the seed CNN's first layer at batch
128), the pooling reads it back and writes a quarter of it, and the ReLU makes one more
pass. Here the convolution is computed a few samples at a time into a block buffer
that stays in cache, and each block is pooled and rectified straight into the final
output: the full-size output is never written. :class:`glassnet.nn.Sequential` uses this
when no graph is recorded (``no_grad``/``inference_mode``), through
:meth:`glassnet.nn.Conv2d.inference_fusion`.

The result equals ``maximum(max_pool2d(conv2d(x, w, b), 2), 0)`` computed op by op
(the same products, the same maxima; tested on both kernel paths). Where the call is
not covered (a GPU array, groups, an odd output size, a dtype other than float32 or
float64) :func:`conv2d_relu_maxpool2` returns None and the modules run one by one.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import kernels
from ..tensor import Tensor
from ._im2col import im2col_taps
from ._workspace import Workspace, default_workspace
from .conv import (
    TAPS_MAX_CHANNELS,
    ConvGeometry,
    RowColumns,
    TapColumns,
    _blocks,
    _chunk,
    _weight_matrix,
)

__all__ = ["conv2d_relu_maxpool2"]


def _relu_pool_numpy(block: Any, out: Any) -> None:
    """The reference epilogue: 2x2 maxima of ``block`` (n, 2h, 2w, C), then ReLU, into ``out``."""
    n, h2, w2, c = block.shape
    m = block.reshape(n, h2 // 2, 2, w2 // 2, 2, c).max(axis=(2, 4))
    np.maximum(m, 0, out=out)


def _epilogue() -> Any:
    """The compiled epilogue (``kernels._pool.relu_max_pool_2x2``) or the NumPy one."""
    mod = kernels.load("pool")
    if mod is None:
        return _relu_pool_numpy
    return lambda block, out: mod.relu_max_pool_2x2(block, out)


def covers(x: Any, w: Any, b: Any, geo: ConvGeometry) -> bool:
    """Whether the fused pass covers these arrays and geometry."""
    dt = x.dtype
    return (
        type(x) is np.ndarray
        and type(w) is np.ndarray
        and dt in (np.float32, np.float64)
        and w.dtype == dt
        and (b is None or b.dtype == dt)
        and geo.groups == 1
        and geo.out_h % 2 == 0
        and geo.out_w % 2 == 0
    )


def conv2d_relu_maxpool2(
    x: Tensor,
    weight: Tensor,
    bias: Tensor | None,
    stride: tuple[int, int],
    pads: tuple[int, int, int, int],
    dilation: tuple[int, int],
    workspace: Workspace | None = None,
) -> Tensor | None:
    """``relu(max_pool2d(conv2d(x, weight, bias), 2))`` without a graph, or None.

    Parameters
    ----------
    x : Tensor, shape (N, C_in, H, W)
    weight : Tensor, shape (C_out, C_in, kH, kW)
    bias : Tensor, shape (C_out,), or None
    stride, dilation : (int, int)
    pads : (int, int, int, int)
        Zeros at the top, bottom, left and right (already resolved).
    workspace : Workspace, optional
        Where the column and block buffers live (the layer's own).

    Returns
    -------
    Tensor, shape (N, C_out, H_out / 2, W_out / 2), or None
        Channels-last memory as an NCHW view (as a convolution's output is); None where
        the call is not covered (see :func:`covers`), so the caller runs the ops one by
        one.
    """
    xa, wa = x.array, weight.array
    ba = None if bias is None else bias.array
    geo = ConvGeometry.of(xa.shape, wa.shape, ba is not None, stride, pads, dilation, 1)
    if not covers(xa, wa, ba, geo):
        return None
    ws = workspace if workspace is not None else default_workspace()
    dt = xa.dtype
    xh = xa.transpose(0, 2, 3, 1)
    wk = _weight_matrix(np, geo, wa, ba)[0]  # (K[+1], C_out)
    out = np.empty((geo.batch, geo.out_h // 2, geo.out_w // 2, geo.out_channels), dtype=dt)
    epilogue = _epilogue()
    if geo.in_per_group <= TAPS_MAX_CHANNELS:
        layout = TapColumns(geo, ws, dt)
        products = _tap_products(geo, layout.source(np, xh), wk, ws, dt)
    else:
        layout = RowColumns(geo, ws, dt)
        products = _row_products(layout, layout.source(np, xh), wk)
    for n0, n1, block in products:
        epilogue(block.reshape(n1 - n0, geo.out_h, geo.out_w, geo.out_channels), out[n0:n1])
    return Tensor(out.transpose(0, 3, 1, 2))


def _block_buffer(geo: ConvGeometry, ws: Workspace, dt: Any) -> tuple[int, Any]:
    """Samples per block and one buffer for a block's convolution output."""
    hw = geo.out_h * geo.out_w
    chunk = _chunk(np, geo.batch, hw * max(geo.kb, geo.out_channels) * dt.itemsize)
    return chunk, ws.empty(np, (chunk * hw, geo.out_channels), dt)


def _tap_products(geo: ConvGeometry, src: Any, wk: Any, ws: Workspace, dt: Any) -> Any:
    """Few input channels: the transposed columns of the whole batch (one copy per tap),
    multiplied a block of samples at a time. Yields ``(n0, n1, block (rows, C_out))``."""
    cols = ws.empty(np, (geo.kb, geo.rows), dt)
    if geo.bias:
        cols[geo.k] = 1
    dst = cols[: geo.k].reshape(geo.kernel_h, geo.kernel_w, geo.in_per_group, geo.batch,
                                geo.out_h, geo.out_w)  # fmt: skip
    im2col_taps(np, src, dst, geo.out_hw, geo.kernel, geo.stride, geo.dilation)
    hw = geo.out_h * geo.out_w
    chunk, blk = _block_buffer(geo, ws, dt)
    for n0, n1 in _blocks(geo.batch, chunk):
        block = blk[: (n1 - n0) * hw]
        np.matmul(cols[:, n0 * hw : n1 * hw].T, wk, out=block)
        yield n0, n1, block


def _row_products(layout: RowColumns, src: Any, wk: Any) -> Any:
    """Row columns built and multiplied a block of samples at a time (both in cache), as
    :class:`~glassnet.ops.conv.RowColumns` builds them. Yields ``(n0, n1, block (rows,
    C_out))``."""
    geo, ws, dt = layout.geo, layout.ws, layout.dtype
    hw = geo.out_h * geo.out_w
    chunk, blk = _block_buffer(geo, ws, dt)
    cols = ws.empty(np, (chunk * hw, 1, geo.kb), dt)
    if geo.bias:
        cols[:, :, geo.k] = 1
    for n0, n1 in _blocks(geo.batch, chunk):
        c = cols[: (n1 - n0) * hw]
        layout.fill(np, src, c, n0, n1)
        block = blk[: (n1 - n0) * hw]
        np.matmul(c.reshape(-1, geo.kb), wk, out=block)
        yield n0, n1, block
