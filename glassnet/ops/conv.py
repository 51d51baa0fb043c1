"""Convolutions: ``conv2d`` and ``conv1d`` (cross-correlation, as in PyTorch and the seed).

How it runs. The input is read channels-last (``x.transpose(0, 2, 3, 1)``,
free when ``x`` came out of another conv or pool), its windows are copied
with one strided copy into a column matrix held in a reusable
:class:`~glassnet.ops._im2col.Workspace`, and the convolution is the matrix
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
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validate import is_int, positive_int
from ..autograd.function import Function
from ..backend import get_array_module
from ..tensor import Tensor
from ._im2col import (
    Workspace,
    col2im,
    conv_out_size,
    default_workspace,
    im2col,
    im2col_taps,
    padded_nhwc,
    pair,
    resolve_conv_padding,
)

__all__ = ["conv2d", "conv1d", "conv_output_shape"]

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
#: assembled one kernel tap at a time (see ``Conv2d.backward``).
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


class Conv2d(Function):
    """2-D convolution on raw arrays: x (N, C, H, W), w (O, C/groups, kh, kw), b (O,)."""

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
        n, c, h, wd = x.shape
        o, cg, kh, kw = w.shape
        g = groups
        og = o // g
        pt, pb, pl, pr = pads
        ho = conv_out_size(h, kh, stride[0], pt + pb, dilation[0])
        wo = conv_out_size(wd, kw, stride[1], pl + pr, dilation[1])
        m = n * ho * wo
        k = kh * kw * cg
        has_b = b is not None
        kb = k + has_b
        dt = xp.result_type(x.dtype, w.dtype)

        xh = x.transpose(0, 2, 3, 1)
        if any(pads):
            src = padded_nhwc(xp, xh, pads, 0, ws)
        else:
            src = xh
        # weights as (G, kh*kw*Cg [+1], O/G), rows ordered like the columns
        wk = w.reshape(g, og, cg, kh, kw).transpose(0, 3, 4, 2, 1).reshape(g, k, og)
        if has_b:
            wk = xp.concatenate([wk, b.reshape(g, 1, og).astype(wk.dtype, copy=False)], axis=1)

        # few input channels (a first layer): columns transposed, (K[+1], M), one contiguous
        # row per kernel tap and channel, filled by kh*kw long copies
        taps = g == 1 and cg <= TAPS_MAX_CHANNELS
        if taps:
            cols = ws.take(xp, (kb, m), dt)
            if has_b:
                cols[k] = 1
            im2col_taps(xp, src, cols[:k].reshape(kh, kw, cg, n, ho, wo), (ho, wo), (kh, kw),
                        stride, dilation)  # fmt: skip
            out = xp.matmul(cols.T, wk[0])
        else:
            # a few samples at a time: each block of columns is multiplied while still in cache
            per = ho * wo * g * kb * dt.itemsize
            chunk = _chunk(xp, n, per) if g == 1 else n
            # one block-sized buffer serves every block; backward builds the columns again,
            # block by block, for the weight gradient when keeping them all would take more
            # than KEEP_COLUMNS_MAX_BYTES
            recompute = g == 1 and m * kb * dt.itemsize > KEEP_COLUMNS_MAX_BYTES
            whole = g > 1 or (self.requires_grad and self.needs_input_grad[1] and not recompute)
            cols = ws.take(xp, (m if whole else chunk * ho * wo, g, kb), dt)
            if has_b:
                cols[:, :, k] = 1
            out = xp.empty((m, o), dtype=dt) if g == 1 else None
            for n0 in range(0, n, chunk):
                n1 = min(n, n0 + chunk)
                r0, r1 = n0 * ho * wo, n1 * ho * wo
                blk = cols[r0:r1] if whole else cols[: r1 - r0]
                dst = blk.reshape(n1 - n0, ho, wo, g, kb)
                if has_b:
                    dst = dst[..., :k]
                dst = dst.reshape(n1 - n0, ho, wo, g, kh, kw, cg)
                im2col(xp, src[n0:n1], dst, (ho, wo), (kh, kw), stride, dilation, g)
                if g == 1:
                    xp.matmul(blk.reshape(r1 - r0, kb), wk[0], out=out[r0:r1])
            if g > 1:
                out = xp.matmul(cols.transpose(1, 0, 2), wk)  # (G, M, O/G)
                out = xp.ascontiguousarray(out.transpose(1, 0, 2)).reshape(m, o)
        nx, nw, nb = (tuple(self.needs_input_grad) + (False,))[:3]
        keep_src = self.requires_grad and nw and not taps and not whole
        if src is not xh and not keep_src:
            ws.give(src)

        if self.requires_grad:
            self.geom = (x.shape, w.shape, (ho, wo), stride, pads, dilation, g, has_b, taps)
            self.ws = ws
            if keep_src:  # the (padded) input, to build the columns again in backward
                self.src = src
                if src is not xh:
                    self.src_lease = ws.lease(src)
                ws.give(cols)
            elif nw:
                self.cols = cols
                self.lease = ws.lease(cols)
            else:
                ws.give(cols)
            if nx:
                self.w = w
        else:
            ws.give(cols)
        return out.reshape(n, ho, wo, o).transpose(0, 3, 1, 2)

    def backward(self, grad: Any) -> tuple:
        nx, nw, nb = (tuple(self.needs_input_grad) + (False,))[:3]
        x_shape, w_shape, (ho, wo), stride, pads, dilation, g, has_b, taps = self.geom
        n, c, h, wd = x_shape
        o, cg, kh, kw = w_shape
        og = o // g
        m = n * ho * wo
        k = kh * kw * cg
        xp = get_array_module(grad)
        g2 = grad.transpose(0, 2, 3, 1).reshape(m, o)  # free when grad is channels-last
        gx = gw = gb = None
        if nw and "src" in self.__dict__:
            gwb = self._weight_grad_from_blocks(xp, g2, has_b)
        elif nw:
            # grad_W.T = grad_out.T @ cols: (O/G, K[+1]) per group; BLAS prefers this
            # orientation (long inner dimension M, small output) to cols.T @ grad_out
            cols = self.cols
            if taps:
                gwb = (cols @ g2).T[None]  # (1, O, K[+1])
            elif g == 1:
                gwb = (g2.T @ cols.reshape(m, -1))[None]
            else:
                gwb = xp.matmul(g2.reshape(m, g, og).transpose(1, 2, 0), cols.transpose(1, 0, 2))
        if nw:
            gw = gwb[:, :, :k].reshape(g, og, kh, kw, cg).transpose(0, 1, 4, 2, 3)
            gw = xp.ascontiguousarray(gw).reshape(w_shape)
            if nb and has_b:
                gb = xp.ascontiguousarray(gwb[:, :, k]).reshape(o)
        if nb and gb is None:
            gb = g2.sum(axis=0)
        if nx:
            # grad_cols = grad_out @ W.T, summed back onto the input by col2im, a few samples
            # at a time so each block of gradient columns is still in cache when added
            ws = self.ws
            per = g * kh * kw * ho * wo * cg  # gradient-column entries per sample
            chunk = _chunk(xp, n, per * g2.dtype.itemsize)
            buf = ws.take(xp, (chunk * per,), g2.dtype)
            gxh = xp.empty((n, h, wd, c), dtype=g2.dtype)
            # Few channels per group: one product per group and tap, so each tap's
            # gradient columns are one block and the col2im adds run over whole rows
            # (with the taps interleaved they run over Cg values at a time; at Cg = 32
            # that made col2im 1.5x slower than the extra products cost).
            per_tap = g > 1 or cg <= PER_TAP_MAX_CHANNELS
            if not per_tap:  # one product per block: (rows, O) @ (O, kh*kw*C)
                wt = self.w.reshape(o, cg, kh * kw).transpose(0, 2, 1).reshape(o, kh * kw * cg)
            else:  # per group and tap: (G, 1, rows, O/G) @ (G, kh*kw, O/G, Cg)
                wt = self.w.reshape(g, og, cg, kh * kw).transpose(0, 3, 1, 2)
                gg = g2.reshape(m, g, og).transpose(1, 0, 2)[:, None]
            for n0 in range(0, n, chunk):
                n1 = min(n, n0 + chunk)
                r0, r1 = n0 * ho * wo, n1 * ho * wo
                if not per_tap:
                    gc = buf[: (n1 - n0) * per].reshape(r1 - r0, kh * kw * cg)
                    xp.matmul(g2[r0:r1], wt, out=gc)
                    gc = gc.reshape(n1 - n0, ho, wo, 1, kh * kw, cg)
                else:
                    gc = buf[: (n1 - n0) * per].reshape(g, kh * kw, r1 - r0, cg)
                    xp.matmul(gg[:, :, r0:r1], wt, out=gc)
                    gc = gc.reshape(g, kh * kw, n1 - n0, ho, wo, cg).transpose(2, 3, 4, 0, 1, 5)
                col2im(xp, gc, (n1 - n0, h, wd, c), (ho, wo), (kh, kw), stride, dilation, pads,
                       g, out=gxh[n0:n1])  # fmt: skip
            ws.give(buf)
            gx = gxh.transpose(0, 3, 1, 2)
        return gx, gw, gb

    def _weight_grad_from_blocks(self, xp: Any, g2: Any, has_b: bool) -> Any:
        """``grad_out.T @ cols`` (``(1, O, K[+1])``) with the columns built again a few
        samples at a time from the saved input, each block multiplied while in cache."""
        x_shape, w_shape, (ho, wo), stride, pads, dilation, _, _, _ = self.geom
        n = x_shape[0]
        o, cg, kh, kw = w_shape
        k = kh * kw * cg
        kb = k + has_b
        src, ws = self.src, self.ws
        per = ho * wo * kb * g2.dtype.itemsize
        chunk = _chunk(xp, n, per)
        buf = ws.take(xp, (chunk * ho * wo, kb), g2.dtype)
        if has_b:
            buf[:, k] = 1
        gwb = xp.zeros((o, kb), dtype=g2.dtype)
        part = xp.empty((o, kb), dtype=g2.dtype)
        for n0 in range(0, n, chunk):
            n1 = min(n, n0 + chunk)
            r0, r1 = n0 * ho * wo, n1 * ho * wo
            blk = buf[: r1 - r0]
            dst = blk.reshape(n1 - n0, ho, wo, 1, kb)[..., :k]
            dst = dst.reshape(n1 - n0, ho, wo, 1, kh, kw, cg)
            im2col(xp, src[n0:n1], dst, (ho, wo), (kh, kw), stride, dilation, 1)
            xp.matmul(g2[r0:r1].T, blk, out=part)
            gwb += part
        ws.give(buf)
        return gwb[None]


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
        raise ValueError(f"{who}: expected input of shape (N, C_in, {names}), got {tuple(x.shape)}")
    if weight.ndim != rank:
        raise ValueError(
            f"{who}: expected weight of shape (C_out, C_in/groups, {knames}), "
            f"got {tuple(weight.shape)}"
        )
    groups = positive_int(who, "groups", groups)
    c, o, cg = x.shape[1], weight.shape[0], weight.shape[1]
    if o % groups:
        raise ValueError(
            f"{who}: the weight's {o} output channels are not divisible by groups={groups}"
        )
    if cg * groups != c:
        raise ValueError(
            f"{who}: input has {c} channels (shape {tuple(x.shape)}), but the weight "
            f"{tuple(weight.shape)} with groups={groups} expects {cg * groups}"
        )
    if bias is not None and tuple(bias.shape) != (o,):
        raise ValueError(f"{who}: expected bias of shape ({o},), got {tuple(bias.shape)}")


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
    x : Tensor, shape (N, C_in, H, W)
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
    x : Tensor, shape (N, C_in, L)
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
