"""Convolutions: ``conv2d`` and ``conv1d`` (cross-correlation, as in PyTorch and the seed).

How it runs. The input is read channels-last (``x.transpose(0, 2, 3, 1)``,
free when ``x`` came out of another conv or pool), its windows are copied
with one strided copy into a column matrix held in a reusable
:class:`~glassnet.ops._workspace.Workspace`, and the convolution is the matrix
product ``cols (N*H_out*W_out, kh*kw*C_in + 1) @ W (kh*kw*C_in + 1, C_out)``,
computed a few samples at a time so each block of columns is multiplied while
still in cache. The extra column of ones carries the bias, so the bias is
added inside the product and its gradient falls out of the weight gradient.
The result is NHWC in memory and returned as the NCHW view
``(N, C_out, H_out, W_out)``. Inputs with few channels (a first layer) use
transposed columns ``(kh*kw*C_in + 1, M)`` filled by one long copy per tap.

Backward: ``grad_W.T = grad_out.T @ cols``, and, only when the input needs a
gradient, ``grad_cols = grad_out @ W.T`` summed back onto the input with
``kh*kw`` strided adds (col2im), again a few samples at a time. Layers with few
input channels per group compute ``grad_cols`` one kernel tap at a time, so each
col2im add runs over whole rows. When the columns would be large (more than
``KEEP_COLUMNS_MAX_BYTES``), ungrouped layers keep only their (padded) input
and build the columns again, block by block, for the weight gradient: less
memory, and at large batches also less time. Without a graph (inference) one
block buffer serves the whole batch.

How the code is laid out. :class:`ConvGeometry` names every size of a call.
Each column layout is one small class with its forward product and its
weight gradient (:class:`TapColumns`, :class:`RowColumns`,
:class:`RebuiltRowColumns`, :class:`GroupedColumns`); :func:`choose_columns`
picks one per call by the rule its docstring states, from the constants
below. The input gradient does not depend on the layout (:func:`_input_grad`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import kernels
from .._errors import ShapeError
from .._validate import is_int, positive_int
from ..autograd.function import Function
from ..backend import get_array_module
from ..tensor import Tensor
from . import shape as S
from ._im2col import (
    col2im,
    conv_out_size,
    im2col,
    im2col_taps,
    padded_nhwc,
    pair,
    resolve_conv_padding,
)
from ._parallel import split_threads
from ._workspace import Workspace, default_workspace

__all__ = [
    "conv2d", "conv1d", "conv_output_shape", "ConvGeometry", "ColumnLayout", "TapColumns",
    "RowColumns", "RebuiltRowColumns", "GroupedColumns", "choose_columns", "InputGrad",
]  # fmt: skip

#: Inputs with at most this many channels (per group) use the transposed column layout.
TAPS_MAX_CHANNELS = 4
#: Columns larger than this are not kept from forward to backward: the layer keeps only
#: its (padded) input and backward builds the columns again, a block at a time, for the
#: weight gradient (ungrouped layers with more than ``TAPS_MAX_CHANNELS`` input channels).
#: Forward then writes its columns into one cache-resident block buffer. Measured on the
#: seed CNN's second convolution (2 threads, quiet machine): batch 128 (29 MB of columns)
#: keeps them, 39.3 against 42.0 ms per step; batch 256 builds them again, 70.1 against
#: 74.3 ms and 212 against 263 MB peak; batch 512, 149.6 against 137.8 ms but 382 against
#: 489 MB (PyTorch: 445 MB). 0 always rebuilds them.
KEEP_COLUMNS_MAX_BYTES = 32 << 20
#: Input gradients of layers with at most this many input channels (per group) are
#: assembled one kernel tap at a time (see :func:`_input_grad`).
PER_TAP_MAX_CHANNELS = 64
#: Columns are built and used this many bytes at a time, so each block is still in cache
#: when the matrix product (forward) or the col2im sum (backward) reads it.
CHUNK_BYTES = 4 << 20


def _chunk(xp: Any, n: int, per_sample_bytes: int) -> int:
    """Samples per block: about :data:`CHUNK_BYTES` on the CPU, the whole batch on a GPU
    (no cache to keep a block in, and every block costs kernel launches)."""
    if xp is not np:
        return n
    return max(1, min(n, CHUNK_BYTES // max(1, per_sample_bytes)))


def _blocks(n: int, chunk: int) -> Iterator[tuple[int, int]]:
    """Sample ranges ``[n0, n1)`` of at most ``chunk`` samples covering ``range(n)``."""
    for n0 in range(0, n, chunk):
        yield n0, min(n, n0 + chunk)


# ------------------------------------------------------------------ geometry
@dataclass(frozen=True)
class ConvGeometry:
    """Every size one 2-D convolution call works with, each by name.

    Attributes
    ----------
    batch, in_channels, height, width : int
        The input's shape ``(N, C_in, H, W)``.
    out_channels, kernel_h, kernel_w : int
        The weight's shape is ``(C_out, C_in / groups, kH, kW)``.
    stride, dilation : (int, int)
        Along height, width.
    pads : (int, int, int, int)
        Zeros added at the top, bottom, left and right.
    groups : int
    out_h, out_w : int
        The output's spatial size.
    bias : bool
        Whether a bias is added (it rides as an extra column of ones).
    """

    batch: int
    in_channels: int
    height: int
    width: int
    out_channels: int
    kernel_h: int
    kernel_w: int
    stride: tuple[int, int]
    pads: tuple[int, int, int, int]
    dilation: tuple[int, int]
    groups: int
    out_h: int
    out_w: int
    bias: bool

    @classmethod
    def of(
        cls,
        x_shape: tuple[int, ...],
        w_shape: tuple[int, ...],
        bias: bool,
        stride: tuple[int, int],
        pads: tuple[int, int, int, int],
        dilation: tuple[int, int],
        groups: int,
    ) -> ConvGeometry:
        """The geometry of input ``x_shape`` (N, C, H, W) and weight ``w_shape`` (O, C/G, kH, kW)."""
        n, c, h, w = (int(v) for v in x_shape)
        o, _, kh, kw = (int(v) for v in w_shape)
        pt, pb, pl, pr = pads
        return cls(
            n, c, h, w, o, kh, kw, tuple(stride), tuple(pads), tuple(dilation), int(groups),
            conv_out_size(h, kh, stride[0], pt + pb, dilation[0]),
            conv_out_size(w, kw, stride[1], pl + pr, dilation[1]),
            bool(bias),
        )  # fmt: skip

    @property
    def in_per_group(self) -> int:
        """``C_in / groups`` (``Cg``)."""
        return self.in_channels // self.groups

    @property
    def out_per_group(self) -> int:
        """``C_out / groups``."""
        return self.out_channels // self.groups

    @property
    def kernel(self) -> tuple[int, int]:
        return self.kernel_h, self.kernel_w

    @property
    def out_hw(self) -> tuple[int, int]:
        return self.out_h, self.out_w

    @property
    def taps(self) -> int:
        """Kernel positions, ``kH * kW``."""
        return self.kernel_h * self.kernel_w

    @property
    def rows(self) -> int:
        """Output positions, ``M = N * H_out * W_out`` (one column row each)."""
        return self.batch * self.out_h * self.out_w

    @property
    def k(self) -> int:
        """Column entries per group and position without the bias: ``kH * kW * Cg``."""
        return self.taps * self.in_per_group

    @property
    def kb(self) -> int:
        """Column entries per group and position, the bias's column of ones included."""
        return self.k + self.bias

    @property
    def x_shape(self) -> tuple[int, int, int, int]:
        return self.batch, self.in_channels, self.height, self.width

    @property
    def w_shape(self) -> tuple[int, int, int, int]:
        return self.out_channels, self.in_per_group, self.kernel_h, self.kernel_w


def _window_dst(geo: ConvGeometry, blk: Any, samples: int) -> Any:
    """The part of a row-column block ``(samples*H_out*W_out, G, K[+1])`` im2col writes,
    as ``(samples, H_out, W_out, G, kH, kW, Cg)`` (the bias's ones left out)."""
    dst = blk.reshape(samples, geo.out_h, geo.out_w, geo.groups, geo.kb)
    if geo.bias:
        dst = dst[..., : geo.k]
    return dst.reshape(samples, geo.out_h, geo.out_w, geo.groups, geo.kernel_h, geo.kernel_w,
                       geo.in_per_group)  # fmt: skip


def _fill_rows(xp: Any, geo: ConvGeometry, src: Any, blk: Any, n0: int, n1: int) -> None:
    """im2col of samples ``[n0, n1)`` of the padded NHWC input into a row-column block."""
    dst = _window_dst(geo, blk, n1 - n0)
    im2col(xp, src[n0:n1], dst, geo.out_hw, geo.kernel, geo.stride, geo.dilation, geo.groups)


# ------------------------------------------------------------ column layouts
class ColumnLayout:
    """One column layout: how forward builds the columns and multiplies them by the
    weights, and how backward computes ``grad_W`` from what forward kept.

    A layout object is made per call and holds the call's geometry, workspace and
    dtype. With ``keep=True`` (the weight needs a gradient) :meth:`forward` also
    returns what :meth:`weight_grad` needs: the columns, or, when :attr:`rebuilds`,
    the padded input they are built again from. Workspace buffers go back to the
    pool once nothing refers to them.
    """

    #: Whether backward builds the columns again from the kept (padded) input.
    rebuilds = False

    def __init__(self, geo: ConvGeometry, ws: Workspace, dtype: Any) -> None:
        self.geo, self.ws, self.dtype = geo, ws, dtype

    def source(self, xp: Any, xh: Any) -> Any:
        """What :meth:`forward` reads: the NHWC input ``xh``, zero-padded into a
        workspace buffer where the geometry pads."""
        geo = self.geo
        return padded_nhwc(xp, xh, geo.pads, 0, self.ws) if any(geo.pads) else xh

    def forward(self, xp: Any, src: Any, wk: Any, keep: bool) -> tuple[Any, Any]:
        """``(cols @ W, kept)``: the product ``(M, C_out)`` from ``src`` (what
        :meth:`source` gave) and the weights ``wk`` ``(G, K[+1], C_out/G)``, and what
        backward needs (None unless ``keep``)."""
        raise NotImplementedError

    def weight_grad(self, xp: Any, g2: Any, kept: Any) -> Any:
        """``grad_out.T @ cols`` as ``(G, C_out/G, K[+1])`` from ``g2`` ``(M, C_out)``."""
        raise NotImplementedError


class TapColumns(ColumnLayout):
    """Transposed columns ``(K[+1], M)`` for few input channels (a first layer): one
    contiguous row per kernel tap and channel, filled by ``kH*kW`` long copies."""

    def forward(self, xp: Any, src: Any, wk: Any, keep: bool) -> tuple[Any, Any]:
        geo = self.geo
        cols = self.ws.empty(xp, (geo.kb, geo.rows), self.dtype)
        if geo.bias:
            cols[geo.k] = 1
        dst = cols[: geo.k].reshape(geo.kernel_h, geo.kernel_w, geo.in_per_group, geo.batch,
                                    geo.out_h, geo.out_w)  # fmt: skip
        im2col_taps(xp, src, dst, geo.out_hw, geo.kernel, geo.stride, geo.dilation)
        return xp.matmul(cols.T, wk[0]), (cols if keep else None)

    def weight_grad(self, xp: Any, g2: Any, kept: Any) -> Any:
        # BLAS prefers this orientation (long inner dimension M, small output)
        return (kept @ g2).T[None]  # (1, O, K[+1])


class RowColumns(ColumnLayout):
    """Ungrouped row columns ``(M, 1, K[+1])``, built and multiplied a few samples at a
    time so each block is multiplied while still in cache. Kept whole for backward when
    the weight needs a gradient; otherwise one block-sized buffer serves every block.

    With the compiled kernels (:mod:`glassnet.kernels._conv`) the columns are built from
    the unpadded input, the kernel writing the padding's zeros, so the padded copy of the
    input is not made.
    """

    def __init__(self, geo: ConvGeometry, ws: Workspace, dtype: Any) -> None:
        super().__init__(geo, ws, dtype)
        self.compiled: Any = None

    def source(self, xp: Any, xh: Any) -> Any:
        # the kernel reads the input itself: its dtype must be one the kernel takes too
        self.compiled = _compiled_conv(xp, self.geo, self.dtype, xh.dtype)
        return xh if self.compiled is not None else super().source(xp, xh)

    def fill(self, xp: Any, src: Any, blk: Any, n0: int, n1: int) -> None:
        """im2col of samples ``[n0, n1)`` of ``src`` into the row-column block ``blk``."""
        geo = self.geo
        if self.compiled is None:
            _fill_rows(xp, geo, src, blk, n0, n1)
            return
        rows = blk.reshape(blk.shape[0], geo.kb)
        self.compiled.im2col_rows(src, rows, n0, geo.out_hw, geo.kernel, geo.stride,
                                  geo.dilation, geo.pads, split_threads(rows.nbytes))  # fmt: skip

    def forward(self, xp: Any, src: Any, wk: Any, keep: bool) -> tuple[Any, Any]:
        geo = self.geo
        hw = geo.out_h * geo.out_w
        chunk = _chunk(xp, geo.batch, hw * geo.kb * self.dtype.itemsize)
        cols = self.ws.empty(xp, (geo.rows if keep else chunk * hw, 1, geo.kb), self.dtype)
        if geo.bias:
            cols[:, :, geo.k] = 1
        out = xp.empty((geo.rows, geo.out_channels), dtype=self.dtype)
        for n0, n1 in _blocks(geo.batch, chunk):
            r0, r1 = n0 * hw, n1 * hw
            blk = cols[r0:r1] if keep else cols[: r1 - r0]
            self.fill(xp, src, blk, n0, n1)
            xp.matmul(blk.reshape(r1 - r0, geo.kb), wk[0], out=out[r0:r1])
        return out, (cols if keep else None)

    def weight_grad(self, xp: Any, g2: Any, kept: Any) -> Any:
        # the sizes spelled out: ``-1`` cannot be inferred for an empty batch (0 rows)
        return (g2.T @ kept.reshape(self.geo.rows, self.geo.kb))[None]  # (1, O, K[+1])


class RebuiltRowColumns(RowColumns):
    """Row columns as :class:`RowColumns`, but backward builds them again, block by block,
    from the kept input (padded, or as given where the compiled im2col pads): for columns
    above ``KEEP_COLUMNS_MAX_BYTES``."""

    rebuilds = True

    def forward(self, xp: Any, src: Any, wk: Any, keep: bool) -> tuple[Any, Any]:
        out, _ = super().forward(xp, src, wk, keep=False)
        return out, (src if keep else None)

    def weight_grad(self, xp: Any, g2: Any, kept: Any) -> Any:
        geo = self.geo
        hw = geo.out_h * geo.out_w
        chunk = _chunk(xp, geo.batch, hw * geo.kb * g2.dtype.itemsize)
        buf = self.ws.empty(xp, (chunk * hw, geo.kb), g2.dtype)
        if geo.bias:
            buf[:, geo.k] = 1
        gwb = xp.zeros((geo.out_channels, geo.kb), dtype=g2.dtype)
        part = xp.empty((geo.out_channels, geo.kb), dtype=g2.dtype)
        for n0, n1 in _blocks(geo.batch, chunk):
            r0, r1 = n0 * hw, n1 * hw
            blk = buf[: r1 - r0]
            self.fill(xp, kept, blk, n0, n1)
            xp.matmul(g2[r0:r1].T, blk, out=part)
            gwb += part
        return gwb[None]


class GroupedColumns(ColumnLayout):
    """Grouped row columns ``(M, G, K[+1])`` for the whole batch, one batched product."""

    def forward(self, xp: Any, src: Any, wk: Any, keep: bool) -> tuple[Any, Any]:
        geo = self.geo
        cols = self.ws.empty(xp, (geo.rows, geo.groups, geo.kb), self.dtype)
        if geo.bias:
            cols[:, :, geo.k] = 1
        _fill_rows(xp, geo, src, cols, 0, geo.batch)
        out = xp.matmul(cols.transpose(1, 0, 2), wk)  # (G, M, O/G)
        out = xp.ascontiguousarray(out.transpose(1, 0, 2)).reshape(geo.rows, geo.out_channels)
        return out, (cols if keep else None)

    def weight_grad(self, xp: Any, g2: Any, kept: Any) -> Any:
        geo = self.geo
        g3 = g2.reshape(geo.rows, geo.groups, geo.out_per_group).transpose(1, 2, 0)
        return xp.matmul(g3, kept.transpose(1, 0, 2))  # (G, O/G, K[+1])


def choose_columns(geo: ConvGeometry, itemsize: int, weight_grad: bool) -> type[ColumnLayout]:
    """The column layout for ``geo``.

    - ``groups > 1``: :class:`GroupedColumns`;
    - at most ``TAPS_MAX_CHANNELS`` input channels: :class:`TapColumns` (a first layer's
      columns are long and thin; one copy per tap fills them fastest);
    - the weight needs a gradient and its columns ``(M, K[+1])`` would take more than
      ``KEEP_COLUMNS_MAX_BYTES``: :class:`RebuiltRowColumns` (less memory, and at large
      batches less time, see the constant's note);
    - otherwise :class:`RowColumns`.
    """
    if geo.groups > 1:
        return GroupedColumns
    if geo.in_per_group <= TAPS_MAX_CHANNELS:
        return TapColumns
    if weight_grad and geo.rows * geo.kb * itemsize > KEEP_COLUMNS_MAX_BYTES:
        return RebuiltRowColumns
    return RowColumns


# ------------------------------------------------------------ weights, grads
def _weight_matrix(xp: Any, geo: ConvGeometry, w: Any, b: Any) -> Any:
    """The weights as ``(G, kH*kW*Cg [+1], C_out/G)``, rows ordered like the columns."""
    g, og, cg, kh, kw = geo.groups, geo.out_per_group, geo.in_per_group, geo.kernel_h, geo.kernel_w
    wk = w.reshape(g, og, cg, kh, kw).transpose(0, 3, 4, 2, 1).reshape(g, geo.k, og)
    if b is not None:
        wk = xp.concatenate([wk, b.reshape(g, 1, og).astype(wk.dtype, copy=False)], axis=1)
    return wk


def _split_weight_grad(xp: Any, geo: ConvGeometry, gwb: Any) -> tuple[Any, Any]:
    """``grad_W`` ``(C_out, Cg, kH, kW)`` and ``grad_b`` (None without a bias) from the
    column-ordered ``(G, C_out/G, K[+1])``."""
    gw = gwb[:, :, : geo.k].reshape(geo.groups, geo.out_per_group, geo.kernel_h, geo.kernel_w,
                                    geo.in_per_group).transpose(0, 1, 4, 2, 3)  # fmt: skip
    gw = xp.ascontiguousarray(gw).reshape(geo.w_shape)
    gb = xp.ascontiguousarray(gwb[:, :, geo.k]).reshape(geo.out_channels) if geo.bias else None
    return gw, gb


def _input_grad(xp: Any, geo: ConvGeometry, ws: Workspace, g2: Any, w: Any) -> Any:
    """``grad_x`` (N, C_in, H, W), an NCHW view of NHWC memory, from ``g2`` (M, C_out).

    ``grad_cols = grad_out @ W.T``, summed back onto the input by col2im, a few samples
    at a time so each block of gradient columns is still in cache when added
    (:class:`InputGrad`).
    """
    ig = InputGrad(xp, geo, ws, w, g2.dtype)
    hw = geo.out_h * geo.out_w
    for n0, n1 in _blocks(geo.batch, ig.chunk):
        ig.add_block(g2[n0 * hw : n1 * hw], n0, n1)
    return ig.gxh.transpose(0, 3, 1, 2)


class InputGrad:
    """The input's gradient, assembled a block of samples at a time.

    With few channels per group (at most ``PER_TAP_MAX_CHANNELS``, or grouped) on the
    NumPy path: one product per group and tap, so each tap's gradient columns are one
    block and the col2im adds run over whole rows (with the taps interleaved they run
    over Cg values at a time; at Cg = 32 that made col2im 1.5x slower than the extra
    products cost). Otherwise one product per block, ``(rows, C_out) @ (C_out,
    kH*kW*C_in)``, and the compiled col2im where it covers the call.

    Attributes
    ----------
    chunk : int
        Samples per block that :attr:`buf` holds (blocks may be smaller).
    gxh : ndarray, shape (N, H, W, C_in)
        The gradient, written block by block by :meth:`add_block`.
    """

    def __init__(self, xp: Any, geo: ConvGeometry, ws: Workspace, w: Any, dtype: Any,
                 chunk: int | None = None) -> None:  # fmt: skip
        g, og, cg, taps = geo.groups, geo.out_per_group, geo.in_per_group, geo.taps
        self.xp, self.geo = xp, geo
        self.per = g * taps * geo.out_h * geo.out_w * cg  # gradient-column entries per sample
        self.chunk = chunk or _chunk(xp, geo.batch, self.per * np.dtype(dtype).itemsize)
        self.buf = ws.empty(xp, (self.chunk * self.per,), dtype)
        self.gxh = xp.empty((geo.batch, geo.height, geo.width, geo.in_channels), dtype=dtype)
        self.compiled = _compiled_conv(xp, geo, dtype)
        self.per_tap = self.compiled is None and (g > 1 or cg <= PER_TAP_MAX_CHANNELS)
        if self.per_tap:  # (G, kH*kW, O/G, Cg)
            self.wt = w.reshape(g, og, cg, taps).transpose(0, 3, 1, 2)
        else:  # (O, kH*kW*C)
            wt = w.reshape(geo.out_channels, cg, taps).transpose(0, 2, 1)
            self.wt = wt.reshape(-1, taps * cg)

    def add_block(self, g2: Any, n0: int, n1: int) -> None:
        """Write ``gxh[n0:n1]`` from ``g2`` ``(rows of samples n0..n1, C_out)``."""
        xp, geo = self.xp, self.geo
        g, og, cg, taps = geo.groups, geo.out_per_group, geo.in_per_group, geo.taps
        ho, wo, rows = geo.out_h, geo.out_w, g2.shape[0]
        if self.per_tap:  # (G, 1, rows, O/G) @ (G, kH*kW, O/G, Cg)
            gc = self.buf[: (n1 - n0) * self.per].reshape(g, taps, rows, cg)
            xp.matmul(g2.reshape(rows, g, og).transpose(1, 0, 2)[:, None], self.wt, out=gc)
            gc = gc.reshape(g, taps, n1 - n0, ho, wo, cg).transpose(2, 3, 4, 0, 1, 5)
        else:
            gc = self.buf[: (n1 - n0) * self.per].reshape(rows, taps * cg)
            xp.matmul(g2, self.wt, out=gc)
            gc = gc.reshape(n1 - n0, ho, wo, 1, taps, cg)
        out = self.gxh[n0:n1]
        if self.compiled is not None:
            self.compiled.col2im(gc.reshape(n1 - n0, ho, wo, geo.kernel_h, geo.kernel_w, cg),
                                 out, geo.stride, geo.dilation, geo.pads,
                                 split_threads(out.nbytes))  # fmt: skip
            return
        col2im(xp, gc, (n1 - n0, geo.height, geo.width, geo.in_channels), geo.out_hw,
               geo.kernel, geo.stride, geo.dilation, geo.pads, g, out=out)  # fmt: skip


def _compiled_conv(xp: Any, geo: ConvGeometry, *dtypes: Any) -> Any:
    """The compiled im2col/col2im module (:mod:`glassnet.kernels._conv`) where it covers
    the call (NumPy arrays, every one of ``dtypes`` float32/float64, no groups), else None
    (the NumPy path). A float16 input convolved with float32 weights computes in float32,
    but the kernel would read the float16 input, which numba does not take."""
    if xp is not np:
        return None
    mod = kernels.load("conv")
    if mod is None or not all(mod.supports(np.dtype(dt), geo.groups) for dt in dtypes):
        return None
    return mod


# ----------------------------------------------------------------- Function
def _conv_input_grad_graph(g: Tensor, w: Tensor, x_shape: tuple, geo: ConvGeometry) -> Tensor:
    """The gradient of a (groups=1) convolution's input as recorded ops (``create_graph``):
    the gradient spread out by the stride, convolved with the flipped kernel whose channel
    axes are swapped, then placed into the padded input and cropped to the input."""
    (sh, sw), (dh, dw) = geo.stride, geo.dilation
    top, bottom, left, right = geo.pads
    n, o, ho, wo = g.shape
    kh, kw = w.shape[2:]
    if (sh, sw) != (1, 1):  # stride - 1 zeros between neighbours
        g = g.reshape(n, o, ho, 1, wo, 1)
        g = S.Pad.apply(g, widths=((0, 0), (0, 0), (0, 0), (0, sh - 1), (0, 0), (0, sw - 1)))
        g = g.reshape(n, o, ho * sh, wo * sw)[:, :, : (ho - 1) * sh + 1, : (wo - 1) * sw + 1]
    flipped = w.transpose(0, 1)[:, :, ::-1, ::-1]
    reach = (dh * (kh - 1), dh * (kh - 1), dw * (kw - 1), dw * (kw - 1))
    full = Conv2d.apply(g, flipped, None, pads=reach, dilation=(dh, dw))
    h, wd = x_shape[2:]
    extra_h = h + top + bottom - full.shape[2]  # rows the strided conv never reached
    extra_w = wd + left + right - full.shape[3]
    if extra_h or extra_w:
        full = S.Pad.apply(full, widths=((0, 0), (0, 0), (0, extra_h), (0, extra_w)))
    return full[:, :, top : top + h, left : left + wd]


def _conv_weight_grad_graph(g: Tensor, x: Tensor, w_shape: tuple, geo: ConvGeometry) -> Tensor:
    """The gradient of a (groups=1) convolution's weight as recorded ops (``create_graph``):
    a convolution of the input (batch and channel axes swapped) with the output gradient
    as kernel, stride and dilation exchanged, cropped to the kernel's size."""
    kh, kw = w_shape[2:]
    out = Conv2d.apply(
        x.transpose(0, 1), g.transpose(0, 1), None,
        stride=geo.dilation, pads=geo.pads, dilation=geo.stride,
    )  # fmt: skip
    return out[:, :, :kh, :kw].transpose(0, 1)


class Conv2d(Function):
    """2-D convolution on raw arrays: x (N, C, H, W), w (O, C/groups, kh, kw), b (O,).

    After forward, :attr:`geometry` (a :class:`ConvGeometry`) names every size of the
    call; ``stride``, ``padding`` (top, bottom, left, right), ``dilation`` and
    ``groups`` read from it (ONNX export reads these).

    What backward uses is explicit state, set only when the weight needs a gradient:
    ``columns``, the layout object (see :func:`choose_columns`), computes ``grad_W``
    from ``cols`` (the kept columns) or, when ``columns.rebuilds``, from ``src`` (the
    kept padded input). ``w`` and ``ws`` (set only when the input needs a gradient)
    give ``grad_x``.
    """

    geometry: ConvGeometry

    stride = property(lambda self: self.geometry.stride, doc="(int, int)")
    padding = property(lambda self: self.geometry.pads, doc="(top, bottom, left, right)")
    dilation = property(lambda self: self.geometry.dilation, doc="(int, int)")
    groups = property(lambda self: self.geometry.groups, doc="int")

    def forward(
        self,
        x: Any,
        w: Any,
        b: Any = None,
        stride: tuple[int, int] = (1, 1),
        pads: tuple[int, int, int, int] = (0, 0, 0, 0),
        dilation: tuple[int, int] = (1, 1),
        groups: int = 1,
        workspace: Workspace | None = None,
    ) -> Any:
        xp = get_array_module(x, w)
        ws = workspace if workspace is not None else default_workspace()
        geo = self.geometry = ConvGeometry.of(
            x.shape, w.shape, b is not None, stride, pads, dilation, groups
        )
        dt = xp.result_type(x.dtype, w.dtype)
        xh = x.transpose(0, 2, 3, 1)  # free when x came out of a conv or pool
        nx, nw = self.needs_input_grad[:2]
        columns = choose_columns(geo, dt.itemsize, nw)(geo, ws, dt)
        src = columns.source(xp, xh)
        out, kept = columns.forward(xp, src, _weight_matrix(xp, geo, w, b), keep=nw)
        if nw:
            self.columns = columns
            if columns.rebuilds:
                self.src = kept
            else:
                self.cols = kept
        if nx:
            self.w, self.ws = w, ws
        return out.reshape(geo.batch, geo.out_h, geo.out_w, geo.out_channels).transpose(0, 3, 1, 2)

    def backward(self, grad: Any) -> tuple:
        nx, nw, nb = (tuple(self.needs_input_grad) + (False,))[:3]
        geo = self.geometry
        xp = get_array_module(grad)
        # (M, C_out): free when grad is channels-last
        g2 = grad.transpose(0, 2, 3, 1).reshape(geo.rows, geo.out_channels)
        gx = gw = gb = None
        if nw:
            kept = self.src if self.columns.rebuilds else self.cols
            gw, gb = _split_weight_grad(xp, geo, self.columns.weight_grad(xp, g2, kept))
            gb = gb if nb else None
        if nb and gb is None:
            gb = g2.sum(axis=0)
        if nx:
            gx = _input_grad(xp, geo, self.ws, g2, self.w)
        return gx, gw, gb

    def backward_graph(self, grad: Any) -> tuple:
        return _conv_backward_graph(self, grad, self.operand(0), self.operand(1))


class Conv1d(Conv2d):
    """1-D convolution: the 2-D one on a height-1 image."""

    def forward(self, x: Any, w: Any, b: Any = None, **kwargs: Any) -> Any:
        out = super().forward(x[:, :, None, :], w[:, :, None, :], b, **kwargs)
        return out[:, :, 0, :]

    def backward(self, grad: Any) -> tuple:
        gx, gw, gb = super().backward(grad[:, :, None, :])
        return (
            None if gx is None else gx[:, :, 0, :],
            None if gw is None else gw[:, :, 0, :],
            gb,
        )

    def backward_graph(self, grad: Any) -> tuple:
        # the 2-D one's on height-1 views of the operands, the results squeezed back
        x, w = (v.unsqueeze(2) for v in (self.operand(0), self.operand(1)))
        grads = _conv_backward_graph(self, grad.unsqueeze(2), x, w)
        return tuple(v.squeeze(2) if v is not None and v.ndim == 4 else v for v in grads)


def _conv_backward_graph(node: Conv2d, grad: Tensor, x: Tensor, w: Tensor) -> tuple:
    """A 2-D convolution's gradients as recorded ops, one group at a time (each group is a
    groups=1 convolution of its channels), for ``create_graph=True``."""
    n_in = len(node.inputs)
    nx, nw, nb = (tuple(node.needs_input_grad) + (False,))[:3]
    geo = node.geometry
    groups = geo.groups
    o_g, c_g = w.shape[0] // groups, x.shape[1] // groups
    gxs, gws = [], []
    for i in range(groups):
        g_i = grad if groups == 1 else grad[:, i * o_g : (i + 1) * o_g]
        w_i = w if groups == 1 else w[i * o_g : (i + 1) * o_g]
        x_i = x if groups == 1 else x[:, i * c_g : (i + 1) * c_g]
        if nx:
            shape = (x.shape[0], c_g, *x.shape[2:])
            gxs.append(_conv_input_grad_graph(g_i, w_i, shape, geo))
        if nw:
            gws.append(_conv_weight_grad_graph(g_i, x_i, tuple(w_i.shape), geo))
    gx = (gxs[0] if groups == 1 else S.concat(gxs, axis=1)) if nx else None
    gw = (gws[0] if groups == 1 else S.concat(gws, axis=0)) if nw else None
    gb = grad.sum(dim=(0, 2, 3)) if nb else None
    return (gx, gw, gb)[:n_in]


# ------------------------------------------------------------------ checks
def _check_args(
    who: str,
    x: Tensor,
    weight: Tensor,
    bias: Tensor | None,
    groups: Any,
    spatial: int,
    names: str,
    knames: str,
) -> None:
    rank = spatial + 2
    if x.ndim != rank:
        raise ShapeError(f"{who}: expected input of shape (N, C_in, {names}), got {tuple(x.shape)}")
    if weight.ndim != rank:
        raise ShapeError(
            f"{who}: expected weight of shape (C_out, C_in/groups, {knames}), "
            f"got {tuple(weight.shape)}"
        )
    groups = positive_int(who, "groups", groups)
    c, o, cg = x.shape[1], weight.shape[0], weight.shape[1]
    if o % groups:
        raise ShapeError(
            f"{who}: the weight's {o} output channels are not divisible by groups={groups}"
        )
    if cg * groups != c:
        raise ShapeError(
            f"{who}: input has {c} channels (shape {tuple(x.shape)}), but the weight "
            f"{tuple(weight.shape)} with groups={groups} expects {cg * groups}"
        )
    if bias is not None and tuple(bias.shape) != (o,):
        raise ShapeError(f"{who}: expected bias of shape ({o},), got {tuple(bias.shape)}")


def conv_output_shape(
    who: str,
    in_hw: tuple[int, int],
    kernel: tuple[int, int],
    stride: tuple[int, int],
    pads: tuple[int, int, int, int],
    dilation: tuple[int, int],
    *,
    dims: int = 2,
) -> tuple[int, int]:
    """``(H_out, W_out)``, or a ``ValueError`` when the kernel exceeds the padded input."""
    pt, pb, pl, pr = pads
    ph, pw = in_hw[0] + pt + pb, in_hw[1] + pl + pr
    eh = dilation[0] * (kernel[0] - 1) + 1
    ew = dilation[1] * (kernel[1] - 1) + 1
    if eh > ph or ew > pw:
        dil = f" (dilated to {eh}x{ew})" if (eh, ew) != tuple(kernel) else ""
        if dims == 1:
            raise ValueError(
                f"{who}: kernel {kernel[1]}{' (dilated to ' + str(ew) + ')' if dil else ''} "
                f"is larger than the padded input {pw}"
            )
        raise ValueError(
            f"{who}: kernel {kernel[0]}x{kernel[1]}{dil} is larger than the padded input {ph}x{pw}"
        )
    return (
        conv_out_size(in_hw[0], kernel[0], stride[0], pt + pb, dilation[0]),
        conv_out_size(in_hw[1], kernel[1], stride[1], pl + pr, dilation[1]),
    )


# ---------------------------------------------------------------- functions
def conv2d(
    x: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] | str = 0,
    dilation: int | tuple[int, int] = 1,
    groups: int = 1,
    *,
    workspace: Workspace | None = None,
) -> Tensor:
    """2-D convolution (cross-correlation) with PyTorch's semantics.

    Parameters
    ----------
    x : Tensor, shape (N, C_in, H, W) or (C_in, H, W)
    weight : Tensor, shape (C_out, C_in / groups, kH, kW)
    bias : Tensor, shape (C_out,), optional
    stride : int or (int, int), default 1
    padding : int, (int, int), 'same' or 'valid', default 0
        Zeros added on both sides. ``'same'`` keeps ``H`` and ``W`` (stride 1
        only; an odd total puts the extra zero at the bottom/right, as PyTorch).
    dilation : int or (int, int), default 1
        Spacing between kernel taps.
    groups : int, default 1
        Channels split into ``groups`` independent convolutions
        (``groups == C_in`` is a depthwise convolution).
    workspace : Workspace, optional
        Where the column buffers live between calls (a layer passes its own);
        a shared default otherwise.

    Returns
    -------
    Tensor, shape (N, C_out, H_out, W_out)
        ``H_out = floor((H + pad_top + pad_bottom - dilation*(kH - 1) - 1) / stride) + 1``
        (likewise ``W_out``). The memory is channels-last (NHWC); the tensor is
        an NCHW view of it, which every op accepts.
    """
    if x.ndim == 3 and weight.ndim == 4:  # (C_in, H, W): one sample, as PyTorch takes it
        y = conv2d(x.unsqueeze(0), weight, bias, stride, padding, dilation, groups, workspace=workspace)
        return y.squeeze(0)
    _check_args("conv2d", x, weight, bias, groups, 2, "H, W", "kH, kW")
    k = (int(weight.shape[2]), int(weight.shape[3]))
    st = pair("conv2d", "stride", stride)
    dil = pair("conv2d", "dilation", dilation)
    pads = resolve_conv_padding("conv2d", padding, k, st, dil)
    conv_output_shape("conv2d", x.shape[2:], k, st, pads, dil)
    return Conv2d.apply(
        x, weight, bias, stride=st, pads=pads, dilation=dil, groups=groups, workspace=workspace
    )


def conv1d(
    x: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: int = 1,
    padding: int | str = 0,
    dilation: int = 1,
    groups: int = 1,
    *,
    workspace: Workspace | None = None,
) -> Tensor:
    """1-D convolution (cross-correlation) with PyTorch's semantics.

    Parameters
    ----------
    x : Tensor, shape (N, C_in, L) or (C_in, L)
    weight : Tensor, shape (C_out, C_in / groups, k)
    bias : Tensor, shape (C_out,), optional
    stride, dilation : int, default 1
    padding : int, 'same' or 'valid', default 0
    groups : int, default 1
    workspace : Workspace, optional

    Returns
    -------
    Tensor, shape (N, C_out, L_out)
        ``L_out = floor((L + 2*padding - dilation*(k - 1) - 1) / stride) + 1``.
    """
    if x.ndim == 2 and weight.ndim == 3:  # (C_in, L): one sample, as PyTorch takes it
        y = conv1d(x.unsqueeze(0), weight, bias, stride, padding, dilation, groups, workspace=workspace)
        return y.squeeze(0)
    _check_args("conv1d", x, weight, bias, groups, 1, "L", "k")
    k = int(weight.shape[2])
    st = _single("conv1d", "stride", stride)
    dil = _single("conv1d", "dilation", dilation)
    if isinstance(padding, str):
        pads = resolve_conv_padding("conv1d", padding, (1, k), (1, st), (1, dil))
    else:
        p = _single("conv1d", "padding", padding, minimum=0)
        pads = (0, 0, p, p)
    conv_output_shape("conv1d", (1, x.shape[2]), (1, k), (1, st), pads, (1, dil), dims=1)
    return Conv1d.apply(
        x, weight, bias, stride=(1, st), pads=pads, dilation=(1, dil), groups=groups,
        workspace=workspace,
    )  # fmt: skip


def _single(who: str, name: str, value: Any, *, minimum: int = 1) -> int:
    if isinstance(value, (tuple, list)) and len(value) == 1:
        value = value[0]
    if not is_int(value) or value < minimum:
        kind = "positive" if minimum == 1 else "non-negative"
        raise ValueError(f"{who}: {name} must be a {kind} int, got {value!r}")
    return value
