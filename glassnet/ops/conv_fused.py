"""Convolution, ReLU and 2x2 max pooling in one blocked pass, with or without a graph.

``Conv2d -> ReLU -> MaxPool2d(2)`` is the seed CNN's block. Run op by op, the
convolution writes its whole output (12.8 MB for the seed CNN's first layer at batch
128), the pooling reads it back and writes a quarter of it, and in training the
pooling's backward writes a full-size gradient (three quarters zeros) that the
convolution's backward reads again. Here the convolution is computed a few samples at a
time into a block buffer that stays in cache (:class:`BlockedConv`), and each block is
pooled and rectified straight into the final output: the full-size output is never
written.

- Without a graph (:func:`conv2d_relu_maxpool2` under ``no_grad``/``inference_mode``):
  the result equals ``maximum(max_pool2d(conv2d(x, w, b), 2), 0)`` computed op by op
  bit for bit (the same products, the same maxima; tested on both kernel paths).
- With a graph (:class:`ConvReluPool2d`, compiled kernels only): forward also keeps,
  per pooled value, the tap of its window's maximum, or "none" where the maximum is not
  positive (ReLU passes no gradient there). Backward rebuilds each block's full-size
  gradient from those taps in cache, and takes the weight and input gradients from it
  block by block. The values are the modules' bit for bit; the weight gradient sums its
  blocks in another order, so it agrees with theirs to float rounding.

:class:`glassnet.nn.Sequential` uses these through
:meth:`glassnet.nn.Conv2d.inference_fusion` and :meth:`glassnet.nn.Conv2d.graph_fusion`.
Where a call is not covered (a GPU array, groups, an odd output size, a dtype other than
float32 or float64) the functions return None and the modules run one by one.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import kernels
from ..autograd import tracing
from ..autograd.function import Function
from ..autograd.grad_mode import is_grad_enabled
from ..backend import get_array_module
from ..tensor import Tensor
from ._im2col import im2col_taps
from ._parallel import split_threads
from ._workspace import Workspace, default_workspace
from .conv import (
    KEEP_COLUMNS_MAX_BYTES,
    TAPS_MAX_CHANNELS,
    ConvGeometry,
    InputGrad,
    RowColumns,
    TapColumns,
    _blocks,
    _chunk,
    _split_weight_grad,
    _weight_matrix,
)

__all__ = ["conv2d_relu_maxpool2", "ConvReluPool2d", "BlockedConv", "covers"]


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


# ------------------------------------------------------------------ blocks
class BlockedConv:
    """One convolution call computed a block of samples at a time (NumPy arrays).

    Few input channels (at most ``TAPS_MAX_CHANNELS``): the transposed columns of the
    whole batch, ``(K[+1], M)``, filled by one copy per tap, as
    :class:`~glassnet.ops.conv.TapColumns` builds them. Otherwise row columns built a
    block at a time, as :class:`~glassnet.ops.conv.RowColumns` builds them; with
    ``keep`` they are kept whole for :meth:`weight_grad` when they take at most
    ``KEEP_COLUMNS_MAX_BYTES``, and built again block by block when they take more.

    Parameters
    ----------
    geo : ConvGeometry
    ws : Workspace
    xh : ndarray, shape (N, H, W, C_in)
        The input, channels-last (any strides).
    wk : ndarray, shape (K[+1], C_out)
        The weights in column order (the bias as the last row).
    keep : bool
        Whether :meth:`weight_grad` will be called.

    Attributes
    ----------
    chunk : int
        Samples per block (about ``CHUNK_BYTES`` of columns or output).
    """

    def __init__(self, geo: ConvGeometry, ws: Workspace, xh: Any, wk: Any, keep: bool) -> None:
        self.geo, self.ws, self.wk, self.dtype = geo, ws, wk, wk.dtype
        hw = geo.out_h * geo.out_w
        self.chunk = _chunk(np, geo.batch, hw * max(geo.kb, geo.out_channels) * wk.itemsize)
        self.taps = geo.in_per_group <= TAPS_MAX_CHANNELS
        self.out = ws.empty(np, (self.chunk * hw, geo.out_channels), self.dtype)
        if self.taps:
            self.layout: Any = TapColumns(geo, ws, self.dtype)
            self.cols = self._tap_columns(self.layout.source(np, xh))
            return
        self.layout = RowColumns(geo, ws, self.dtype)
        self.src = self.layout.source(np, xh)
        self.whole = keep and geo.rows * geo.kb * wk.itemsize <= KEEP_COLUMNS_MAX_BYTES
        self.cols = ws.empty(np, (geo.rows if self.whole else self.chunk * hw, 1, geo.kb),
                             self.dtype)  # fmt: skip
        if geo.bias:
            self.cols[:, :, geo.k] = 1
        self.filled = False  # whole columns: built block by block by the products of forward

    def _tap_columns(self, src: Any) -> Any:
        geo = self.geo
        cols = self.ws.empty(np, (geo.kb, geo.rows), self.dtype)
        if geo.bias:
            cols[geo.k] = 1
        dst = cols[: geo.k].reshape(geo.kernel_h, geo.kernel_w, geo.in_per_group, geo.batch,
                                    geo.out_h, geo.out_w)  # fmt: skip
        im2col_taps(np, src, dst, geo.out_hw, geo.kernel, geo.stride, geo.dilation)
        return cols

    def blocks(self) -> Any:
        """The sample ranges ``(n0, n1)`` of the blocks, in order."""
        return _blocks(self.geo.batch, self.chunk)

    def columns(self, n0: int, n1: int) -> Any:
        """The columns of samples ``[n0, n1)``: ``(K[+1], rows)`` with few channels, else
        ``(rows, K[+1])`` (built now unless kept whole and already built)."""
        geo = self.geo
        hw = geo.out_h * geo.out_w
        r0, r1 = n0 * hw, n1 * hw
        if self.taps:
            return self.cols[:, r0:r1]
        if self.whole:
            blk = self.cols[r0:r1]
            if not self.filled:
                self.layout.fill(np, self.src, blk, n0, n1)
        else:
            blk = self.cols[: r1 - r0]
            self.layout.fill(np, self.src, blk, n0, n1)
        return blk.reshape(r1 - r0, geo.kb)

    def product(self, n0: int, n1: int) -> Any:
        """The convolution's output for samples ``[n0, n1)``, ``(n1 - n0, H_out, W_out,
        C_out)``, in the block buffer (valid until the next call)."""
        geo = self.geo
        rows = (n1 - n0) * geo.out_h * geo.out_w
        cols = self.columns(n0, n1)
        np.matmul(cols.T if self.taps else cols, self.wk, out=self.out[:rows])
        if n1 == geo.batch:
            self.filled = True
        return self.out[:rows].reshape(n1 - n0, geo.out_h, geo.out_w, geo.out_channels)

    def weight_grad(self, g2: Any, n0: int, n1: int, gwb: Any) -> None:
        """Add ``g2.T @ columns(n0, n1)`` to ``gwb`` ``(C_out, K[+1])``; ``g2`` is the
        block's output gradient ``(rows, C_out)``."""
        cols = self.columns(n0, n1)
        gwb += (cols @ g2).T if self.taps else g2.T @ cols


# ---------------------------------------------------------------- the entry
def conv2d_relu_maxpool2(
    x: Tensor,
    weight: Tensor,
    bias: Tensor | None,
    stride: tuple[int, int],
    pads: tuple[int, int, int, int],
    dilation: tuple[int, int],
    workspace: Workspace | None = None,
) -> Tensor | None:
    """``relu(max_pool2d(conv2d(x, weight, bias), 2))`` in one blocked pass, or None.

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
        Channels-last memory as an NCHW view (as a convolution's output is). With a
        graph (gradients enabled and an input that needs one) it is
        :class:`ConvReluPool2d`'s output, and only where the compiled kernels are in
        use. None where the call is not covered (see :func:`covers`) or an exporter is
        tracing the ops, so the caller runs the ops one by one.
    """
    if tracing.current() is not None:
        return None  # an exporter records the three ops
    xa, wa = x.array, weight.array
    ba = None if bias is None else bias.array
    geo = ConvGeometry.of(xa.shape, wa.shape, ba is not None, stride, pads, dilation, 1)
    if not covers(xa, wa, ba, geo):
        return None
    ws = workspace if workspace is not None else default_workspace()
    if is_grad_enabled() and any(t is not None and t.requires_grad for t in (x, weight, bias)):
        if kernels.load("pool") is None:
            return None
        return ConvReluPool2d.apply(x, weight, bias, stride=stride, pads=pads,
                                    dilation=dilation, workspace=ws)  # fmt: skip
    conv = BlockedConv(geo, ws, xa.transpose(0, 2, 3, 1), _weight_matrix(np, geo, wa, ba)[0],
                       keep=False)  # fmt: skip
    out = np.empty((geo.batch, geo.out_h // 2, geo.out_w // 2, geo.out_channels), dtype=xa.dtype)
    epilogue = _epilogue()
    for n0, n1 in conv.blocks():
        epilogue(conv.product(n0, n1), out[n0:n1])
    return Tensor(out.transpose(0, 3, 1, 2))


# --------------------------------------------------------------- with a graph
class ConvReluPool2d(Function):
    """``relu(max_pool2d(conv2d(x, w, b), 2))`` with a graph, blocked (see the module).

    Needs the compiled pooling kernels (``kernels._pool``); :func:`conv2d_relu_maxpool2`
    checks. Saved for backward: the :class:`BlockedConv` (its columns or input), the taps
    ``idx`` ``(N, H_out/2, W_out/2, C_out)`` and, when the input needs a gradient, the
    weight.
    """

    def forward(
        self,
        x: Any,
        w: Any,
        b: Any = None,
        stride: tuple[int, int] = (1, 1),
        pads: tuple[int, int, int, int] = (0, 0, 0, 0),
        dilation: tuple[int, int] = (1, 1),
        workspace: Workspace | None = None,
    ) -> Any:
        pool = kernels.load("pool")  # the caller checked: NumPy arrays, compiled kernels
        xp = get_array_module(x, w)
        geo = ConvGeometry.of(x.shape, w.shape, b is not None, stride, pads, dilation, 1)
        ws = workspace if workspace is not None else default_workspace()
        keep = self.requires_grad
        conv = BlockedConv(geo, ws, x.transpose(0, 2, 3, 1), _weight_matrix(xp, geo, w, b)[0],
                           keep=keep and self.needs_input_grad[1])  # fmt: skip
        shape = (geo.batch, geo.out_h // 2, geo.out_w // 2, geo.out_channels)
        out = xp.empty(shape, dtype=x.dtype)
        idx = xp.empty(shape, dtype=np.uint8) if keep else None
        for n0, n1 in conv.blocks():
            block = conv.product(n0, n1)
            pool.relu_max_pool_2x2(block, out[n0:n1], None if idx is None else idx[n0:n1],
                                   split_threads(block.nbytes))  # fmt: skip
        conv.out = None  # the block buffer goes back to the workspace now, not after backward
        if keep:
            self.geometry, self.conv, self.idx, self.ws, self.w = geo, conv, idx, ws, w
            self.pool = pool  # backward uses the same kernels, whatever the switch says then
        return out.transpose(0, 3, 1, 2)

    def backward(self, grad: Any) -> tuple:
        nx, nw, nb = (tuple(self.needs_input_grad) + (False,))[:3]
        pool, geo, conv = self.pool, self.geometry, self.conv
        xp = get_array_module(grad)
        gh = grad.transpose(0, 2, 3, 1)
        hw = geo.out_h * geo.out_w
        dense = self.ws.empty(xp, (conv.chunk * hw, geo.out_channels), grad.dtype)
        gwb = xp.zeros((geo.out_channels, geo.kb), dtype=grad.dtype) if nw or nb else None
        ig = InputGrad(xp, geo, self.ws, self.w, grad.dtype, conv.chunk) if nx else None
        for n0, n1 in conv.blocks():
            g2 = dense[: (n1 - n0) * hw]
            pool.max_pool_backward_2x2(gh[n0:n1], self.idx[n0:n1],
                                       g2.reshape(n1 - n0, geo.out_h, geo.out_w, -1),
                                       split_threads(g2.nbytes))  # fmt: skip
            if nw:
                conv.weight_grad(g2, n0, n1, gwb)
            elif nb:
                gwb[:, -1] += g2.sum(axis=0)
            if ig is not None:
                ig.add_block(g2, n0, n1)
        gx = None if ig is None else ig.gxh.transpose(0, 3, 1, 2)
        gw = gb = None
        if gwb is not None:
            gw, gb = _split_weight_grad(xp, geo, gwb[None])
        return gx, (gw if nw else None), (gb if nb else None)
