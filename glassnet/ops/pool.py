"""Pooling: ``max_pool2d``, ``avg_pool2d``, ``adaptive_avg_pool2d``, ``global_avg_pool2d``.

Windows are strided views of the channels-last input (``x.transpose(0, 2, 3, 1)``,
free after a conv), so the work is a few whole-array operations per kernel tap
and never a loop over pixels. Max pooling runs as a pass over the kernel's
columns and one over its rows (the maximum is separable), a few samples at a
time, keeping the tap of the first maximum (``uint8``) of each pass to route the
gradient as PyTorch does. Adaptive average pooling multiplies by averaging
matrices. Results are NHWC in memory, returned as NCHW views.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import kernels
from .._errors import ShapeError
from .._validate import is_int
from ..autograd.function import Function
from ..backend import get_array_module
from ..tensor import Tensor
from ._im2col import pair, pool_out_size
from ._parallel import run_split, split_threads
from .pool_indices import max_pool_indices
from .select import ScatterAdd
from .shape import reshape

__all__ = ["max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "global_avg_pool2d"]


def _geometry(
    in_hw: tuple[int, int], out_hw: tuple[int, int], k: tuple, s: tuple, p: tuple, d: tuple
) -> tuple[tuple[int, int], bool]:
    """Rows/cols of the padded input the windows reach, and whether padding is needed."""
    reach = tuple((o - 1) * st + dl * (kk - 1) + 1 for o, st, dl, kk in zip(out_hw, s, d, k))
    needs_pad = any(p) or any(r > n for r, n in zip(reach, in_hw))
    return reach, needs_pad


def _windows(src: Any, out_hw: tuple, k: tuple, s: tuple, d: tuple) -> list:
    """One strided view (N, H_out, W_out, C) of ``src`` per kernel offset, in row-major order."""
    ho, wo = out_hw
    views = []
    for a in range(k[0]):
        for b in range(k[1]):
            y, x = a * d[0], b * d[1]
            views.append(
                src[:, y : y + (ho - 1) * s[0] + 1 : s[0], x : x + (wo - 1) * s[1] + 1 : s[1]]
            )
    return views


def _pad_nhwc(xp: Any, xh: Any, p: tuple, reach: tuple, value: float) -> Any:
    """``xh`` placed at offset ``p`` in an array filled with ``value`` that covers ``reach``."""
    n, h, w, c = xh.shape
    hp, wp = max(reach[0], h + p[0]), max(reach[1], w + p[1])
    buf = xp.full((n, hp, wp, c), value, dtype=xh.dtype)
    buf[:, p[0] : p[0] + h, p[1] : p[1] + w] = xh
    return buf


def _taps(src: Any, axis: int, n_out: int, k: int, st: int, dl: int) -> list:
    """Views of ``src`` along ``axis`` (1 = rows, 2 = columns), one per kernel tap."""
    views = []
    for t in range(k):
        sl = slice(t * dl, t * dl + (n_out - 1) * st + 1, st)
        views.append(src[:, sl] if axis == 1 else src[:, :, sl])
    return views


def _first_max(xp: Any, views: list, out: Any, idx: Any) -> Any:
    """Elementwise maximum of ``views`` into ``out`` and, when ``idx`` is given, the index of
    the first maximum into it.

    The index is updated arithmetically, ``idx += [v > m] * (t - idx)``, on small integer
    arrays: masked copies or ``where`` with data-dependent masks are several times slower.
    """
    if len(views) == 1:
        out[...] = views[0]
        return out
    xp.maximum(views[0], views[1], out=out)
    if idx is not None and idx.itemsize == 1:
        xp.greater(views[1], views[0], out=idx.view(xp.bool_))
    elif idx is not None:
        idx[...] = views[1] > views[0]
    for t, v in enumerate(views[2:], 2):
        if idx is not None:
            step = t - idx  # modulo the dtype; idx + step == t
            step *= v > out
            idx += step
        xp.maximum(out, v, out=out)
    if idx is not None:
        _first_nan(xp, views, out, idx)
    return out


def _first_nan(xp: Any, views: list, out: Any, idx: Any) -> None:
    """Point ``idx`` at the first NaN of the taps where ``out`` is NaN.

    ``np.maximum`` lets a NaN through, but ``v > m`` is false for it, so the update of
    :func:`_first_max` leaves a NaN maximum's index on a tap that holds a number. The
    compiled kernels (``kernels._pool``) send that gradient to the window's first NaN in
    row-major order, and so does this (the column pass, then the row pass). On the CPU it
    costs one ``min`` per pass (which propagates a NaN), and a pass per tap only when there
    is one; on a GPU a pass per tap always (no wait for the device).
    PyTorch's CPU kernel picks the window's last NaN instead.
    """
    if xp is np and (out.size == 0 or not np.isnan(out.min())):
        return  # the CPU's common case; a GPU skips this test, which would wait for the device
    nan = xp.isnan(out)
    for t in range(len(views) - 1, -1, -1):  # the first NaN is written last
        xp.copyto(idx, idx.dtype.type(t), where=nan & xp.isnan(views[t]))


def _first_real_taps(
    xp: Any, n_in: int, n_out: int, k: int, st: int, dl: int, pad: int, axis: int, dtype: Any
) -> Any:
    """Per output position along one axis, the first kernel tap that reads the input rather
    than its padding, for the windows whose tap 0 is padding; None when there are none.

    Only windows that start in the leading padding have such a tap, so these are the
    first ``lead`` outputs: returns shape (lead,) put on ``axis`` of a 4-D array (ones
    elsewhere), of ``dtype`` (the tap indices').
    """
    pos = np.arange(n_out)[:, None] * st + np.arange(k)[None, :] * dl - pad
    inside = (pos >= 0) & (pos < n_in)
    first = np.where(inside.any(axis=1), inside.argmax(axis=1), 0)
    lead = int(np.count_nonzero(first))
    if lead == 0:
        return None
    shape = [1, 1, 1, 1]
    shape[axis] = lead
    return xp.asarray(first[:lead].reshape(shape).astype(dtype))


def _inf_to_first_real(xp: Any, out: Any, idx: Any, first: Any, axis: int) -> None:
    """Point ``idx`` at the first real tap (``first``, from :func:`_first_real_taps`) where
    a pass's maximum ``out`` is ``-inf``: the window held nothing but ``-inf`` and padding,
    and PyTorch sends its gradient to the window's first position inside the input, not
    into the padding.

    Only the few leading outputs along ``axis`` whose first tap is padding are looked at
    (a slice of ``out``, no pass over the data); elsewhere tap 0 is already real.
    """
    if first is None:
        return
    window = (slice(None),) * axis + (slice(0, first.shape[axis]),)
    xp.copyto(idx[window], first, where=out[window] == -np.inf)


def _block_items(xp: Any, n: int, per_item_bytes: int, target: int = 512 << 10) -> int:
    """Samples per block: about ``target`` bytes of scratch on the CPU (so a pass's result
    is still in cache for the next), the whole batch on a GPU (where each block costs
    kernel launches and there is no such cache to keep warm)."""
    if xp is not np:
        return max(1, n)
    return max(1, target // max(1, per_item_bytes))


class MaxPool2d(Function):
    """Max pooling as two 1-D passes: over the kernel's columns, then over its rows.

    The maximum over a rectangular window is separable; scanning columns first and
    then rows, each keeping its first maximum, picks the first maximum of the window
    in row-major order (PyTorch's choice on ties). The row pass works on whole
    contiguous rows of the channels-last array. Each pass is split over the batch
    across threads (see :mod:`glassnet.ops._parallel`).
    """

    def forward(
        self,
        x: Any,
        kernel: tuple = (2, 2),
        stride: tuple = (2, 2),
        padding: tuple = (0, 0),
        dilation: tuple = (1, 1),
        out_hw: tuple = (1, 1),
    ) -> Any:
        xp = get_array_module(x)
        n, c, h, w = x.shape
        ho, wo = out_hw
        xh = x.transpose(0, 2, 3, 1)
        reach, needs_pad = _geometry((h, w), out_hw, kernel, stride, padding, dilation)
        compiled = kernels.load("pool") if xp is np else None
        if compiled is not None and compiled.supports(x.dtype, kernel, padding, dilation, needs_pad):
            threads = split_threads(x.nbytes)
            out, idx = compiled.max_pool_forward(xh, kernel, stride, out_hw, threads)
            if self.requires_grad:
                self.compiled, self.idx = compiled, idx
                self.geom = (x.shape, kernel, stride)
            return out.transpose(0, 3, 1, 2)
        src = _pad_nhwc(xp, xh, padding, reach, -np.inf) if needs_pad else xh
        src = src[:, : reach[0]]
        record = self.requires_grad
        (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
        itype = xp.uint8 if max(kh, kw) < 256 else xp.int32
        out = xp.empty((n, ho, wo, c), dtype=x.dtype)
        icol = xp.empty((n, reach[0], wo, c), dtype=itype) if record and kw > 1 else None
        irow = xp.empty((n, ho, wo, c), dtype=itype) if record and kh > 1 else None

        # a few samples at a time, so the column-pass result is still in cache for the row pass
        blk = _block_items(xp, n, reach[0] * wo * c * x.dtype.itemsize)
        # per output row/column, the first tap inside the input (for all -inf windows)
        first_h = _first_real_taps(xp, h, ho, kh, sh, dh, padding[0], 1, itype) if record else None
        first_w = _first_real_taps(xp, w, wo, kw, sw, dw, padding[1], 2, itype) if record else None

        def work(lo: int, hi: int) -> None:
            buf = xp.empty((min(blk, hi - lo), reach[0], wo, c), dtype=x.dtype) if kw > 1 else None
            for b0 in range(lo, hi, blk):
                b1 = min(hi, b0 + blk)
                col_taps = _taps(src[b0:b1], 2, wo, kw, sw, dw)
                if kw == 1:
                    cols = col_taps[0]
                else:
                    cols = buf[: b1 - b0]
                    _first_max(xp, col_taps, cols, None if icol is None else icol[b0:b1])
                    if icol is not None:
                        _inf_to_first_real(xp, cols, icol[b0:b1], first_w, 2)
                rows = _taps(cols, 1, ho, kh, sh, dh)
                _first_max(xp, rows, out[b0:b1], None if irow is None else irow[b0:b1])
                if irow is not None:
                    _inf_to_first_real(xp, out[b0:b1], irow[b0:b1], first_h, 1)

        run_split(work, n, x.nbytes, xp)
        if record:
            self.compiled, self.icol, self.irow = None, icol, irow
            self.geom = (x.shape, out_hw, kernel, stride, padding, dilation, needs_pad, reach)
        return out.transpose(0, 3, 1, 2)

    def backward(self, g: Any) -> Any:
        if self.compiled is not None:
            (n, c, h, w), kernel, stride = self.geom
            gh = g.transpose(0, 2, 3, 1)
            gx = self.compiled.max_pool_backward(
                gh, self.idx, kernel, stride, (h, w), split_threads(g.nbytes * 4)
            )
            return gx.transpose(0, 3, 1, 2)
        xp = get_array_module(g)
        (n, c, h, w), (ho, wo), (kh, kw), (sh, sw), p, (dh, dw), needs_pad, reach = self.geom
        gh = g.transpose(0, 2, 3, 1)
        wpad = max(reach[1], w + p[1]) if needs_pad else w
        crop = needs_pad or reach[0] < h
        gx = xp.zeros((n, h, w, c), dtype=g.dtype) if crop else None
        full = None if crop else xp.empty((n, h, w, c), dtype=g.dtype)
        icol, irow = self.icol, self.irow

        blk = _block_items(xp, n, reach[0] * wpad * c * g.dtype.itemsize)

        def work(lo: int, hi: int) -> None:
            m = min(blk, hi - lo)
            gbuf = xp.empty((m, reach[0], wo, c), dtype=g.dtype)
            rbuf = xp.empty((m, reach[0], wpad, c), dtype=g.dtype) if crop else None
            for b0 in range(lo, hi, blk):
                b1 = min(hi, b0 + blk)
                # rows: (N, H_out, W_out, C) -> (N, reach_h, W_out, C); then columns
                gcols = _spread(xp, gh[b0:b1], None if irow is None else irow[b0:b1], 1,
                                ho, kh, sh, dh, out=gbuf[: b1 - b0])  # fmt: skip
                dst = rbuf[: b1 - b0] if crop else full[b0:b1]
                _spread(xp, gcols, None if icol is None else icol[b0:b1], 2, wo, kw, sw, dw,
                        out=dst)  # fmt: skip
                if crop:
                    rows = min(h, reach[0] - p[0])
                    gx[b0:b1, :rows] = dst[:, p[0] : p[0] + rows, p[1] : p[1] + w]

        run_split(work, n, g.nbytes * kh * kw, xp)
        return (gx if crop else full).transpose(0, 3, 1, 2)

    def backward_graph(self, g: Any) -> Any:
        # the gradient goes to each window's argmax (recomputed from x, as return_indices
        # finds it): a recorded scatter-add, whose own backward gathers at the same places
        x = self.operand(0)
        x = x.array if isinstance(x, Tensor) else x
        if self.compiled is not None:
            _, kernel, stride = self.geom
            padding, dilation = (0, 0), (1, 1)
        else:
            _, _, kernel, stride, padding, dilation, _, _ = self.geom
        idx = max_pool_indices(x, kernel, stride, padding, dilation, tuple(g.shape[2:]))
        n, c, h, w = x.shape
        return _plane_scatter_graph(g.reshape(n * c, -1), idx.reshape(n * c, -1), (n, c, h, w))


def _plane_scatter_graph(vals: Any, index: Any, shape: tuple) -> Any:
    """Recorded ``zeros(shape)`` with ``vals`` (a Tensor, (N*C, M)) added at the per-plane
    flat positions ``index`` (an array, (N*C, M)): a pooling op's differentiable backward."""
    n, c, h, w = shape
    zeros = Tensor._make(vals.xp.zeros((n * c, h * w), dtype=vals.dtype), False, None, 0)
    return ScatterAdd.apply(zeros, vals, index=index, dim=1).reshape(shape)


def _window_positions(in_hw: tuple, out_hw: tuple, k: tuple, s: tuple, p: tuple) -> Any:
    """Per output position and kernel tap (row-major), the flat position ``h * W + w`` of
    the input it reads, or -1 where it reads padding: array (H_out * W_out * k_h * k_w,)."""
    (h, w), (ho, wo) = in_hw, out_hw
    rows = np.arange(ho)[:, None] * s[0] - p[0] + np.arange(k[0])[None, :]  # (ho, kh)
    cols = np.arange(wo)[:, None] * s[1] - p[1] + np.arange(k[1])[None, :]  # (wo, kw)
    r, cc = rows[:, None, :, None], cols[None, :, None, :]
    inside = (r >= 0) & (r < h) & (cc >= 0) & (cc < w)
    return np.where(inside, r * w + cc, -1).reshape(-1)


def _spread(
    xp: Any, g: Any, idx: Any, axis: int, n_out: int, k: int, st: int, dl: int, out: Any
) -> Any:
    """Send ``g`` back to the tap that won along ``axis`` (the adjoint of one max pass)."""
    buf = out
    tiles = st == k and dl == 1 and buf.shape[axis] == n_out * k
    if not tiles:
        buf[...] = 0
    for t, view in enumerate(_taps(buf, axis, n_out, k, st, dl)):
        if idx is None:  # a single tap
            if tiles:
                view[...] = g
            else:
                view += g
        elif tiles:
            # multiply by the mask rather than select: no data-dependent branches
            xp.multiply(g, idx == t, out=view)
        else:
            view += g * (idx == t)
    return buf


class AvgPool2d(Function):
    def forward(
        self,
        x: Any,
        kernel: tuple = (2, 2),
        stride: tuple = (2, 2),
        padding: tuple = (0, 0),
        out_hw: tuple = (1, 1),
        count_include_pad: bool = True,
    ) -> Any:
        xp = get_array_module(x)
        n, c, h, w = x.shape
        d = (1, 1)
        xh = x.transpose(0, 2, 3, 1)
        reach, needs_pad = _geometry((h, w), out_hw, kernel, stride, padding, d)
        src = _pad_nhwc(xp, xh, padding, reach, 0) if needs_pad else xh
        views = _windows(src, out_hw, kernel, stride, d)
        out = views[0] + views[1] if len(views) > 1 else views[0].copy()
        for v in views[2:]:
            out += v
        div = _avg_divisor(xp, (h, w), out_hw, kernel, stride, padding, count_include_pad, x.dtype)
        out *= 1 / div if isinstance(div, float) else xp.reciprocal(div)
        if self.requires_grad:
            self.div = div
            self.geom = (x.shape, out_hw, kernel, stride, padding, needs_pad, reach)
        return out.transpose(0, 3, 1, 2)

    def backward(self, g: Any) -> Any:
        xp = get_array_module(g)
        (n, c, h, w), out_hw, k, s, p, needs_pad, reach = self.geom
        gh = g.transpose(0, 2, 3, 1)
        div = self.div
        gs = gh * g.dtype.type(1 / div) if isinstance(div, float) else gh / div
        shape = (
            (n, max(reach[0], h + p[0]), max(reach[1], w + p[1]), c) if needs_pad else (n, h, w, c)
        )
        tiles = k == s and not needs_pad and reach == (h, w)
        buf = xp.empty(shape, dtype=g.dtype) if tiles else xp.zeros(shape, dtype=g.dtype)
        for view in _windows(buf, out_hw, k, s, (1, 1)):
            if tiles:
                view[...] = gs
            else:
                view += gs
        if needs_pad:
            buf = buf[:, p[0] : p[0] + h, p[1] : p[1] + w]
        return buf.transpose(0, 3, 1, 2)

    def backward_graph(self, g: Any) -> Any:
        # g / divisor spread over each window's taps inside the input: a recorded scatter-add
        (n, c, h, w), (ho, wo), k, s, p, _, _ = self.geom
        div = self.div
        gs = g * (1 / div) if isinstance(div, float) else g / g._make(
            div.transpose(0, 3, 1, 2), False, None, 0
        )
        pos = _window_positions((h, w), (ho, wo), k, s, p)
        taps = k[0] * k[1]
        vals = gs.reshape(n * c, ho * wo, 1).expand(n * c, ho * wo, taps).reshape(n * c, -1)
        keep = np.flatnonzero(pos >= 0)
        if keep.size != pos.size:
            vals = vals[:, g.xp.asarray(keep)]
            pos = pos[keep]
        index = g.xp.ascontiguousarray(g.xp.broadcast_to(g.xp.asarray(pos), vals.shape))
        return _plane_scatter_graph(vals, index, (n, c, h, w))


def _avg_divisor(
    xp: Any,
    in_hw: tuple,
    out_hw: tuple,
    k: tuple,
    s: tuple,
    p: tuple,
    include_pad: bool,
    dtype: Any,
) -> Any:
    """Per-window divisor, PyTorch's rule: windows are clipped to the padded input
    (``count_include_pad``) or to the input itself; a float when it is constant."""
    sizes = []
    for n_in, n_out, kk, st, pd in zip(in_hw, out_hw, k, s, p):
        start = np.arange(n_out) * st - pd
        end = np.minimum(start + kk, n_in + pd)
        if not include_pad:
            end = np.minimum(end, n_in)
            start = np.maximum(start, 0)
        sizes.append(end - start)
    div = sizes[0][:, None] * sizes[1][None, :]
    if (div == div.flat[0]).all():
        return float(div.flat[0])
    return xp.asarray(div[None, :, :, None].astype(dtype))


class AdaptiveAvgPool2d(Function):
    """Averages over PyTorch's bins ``[floor(i*H/H_out), ceil((i+1)*H/H_out))``, as the
    separable product ``A_h @ x @ A_w.T`` with averaging matrices."""

    def forward(self, x: Any, out_hw: tuple = (1, 1)) -> Any:
        xp = get_array_module(x)
        h, w = x.shape[2:]
        ah = xp.asarray(_bin_matrix(h, out_hw[0]), dtype=x.dtype)
        aw = xp.asarray(_bin_matrix(w, out_hw[1]), dtype=x.dtype)
        if self.requires_grad:
            self.ah, self.aw = ah, aw
        return xp.matmul(xp.matmul(ah, x), aw.T)

    def backward(self, g: Any) -> Any:
        xp = get_array_module(g)
        return xp.matmul(xp.matmul(self.ah.T, g), self.aw)

    def backward_graph(self, g: Any) -> Any:
        ah_t = g._make(self.ah.T, False, None, 0)
        aw = g._make(self.aw, False, None, 0)
        return (ah_t @ g) @ aw


def _bin_matrix(n_in: int, n_out: int) -> np.ndarray:
    i = np.arange(n_out)
    start = (i * n_in) // n_out
    end = -((-(i + 1) * n_in) // n_out)
    cols = np.arange(n_in)
    inside = (cols[None, :] >= start[:, None]) & (cols[None, :] < end[:, None])
    return inside / (end - start)[:, None]


class GlobalAvgPool2d(Function):
    def forward(self, x: Any) -> Any:
        self.shape = x.shape
        return x.mean(axis=(2, 3))

    def backward(self, g: Any) -> Any:
        n, c, h, w = self.shape
        xp = get_array_module(g)
        return xp.broadcast_to((g * g.dtype.type(1 / (h * w)))[:, :, None, None], self.shape)

    def backward_graph(self, g: Any) -> Any:
        n, c, h, w = self.shape
        return (g * (1 / (h * w))).reshape(n, c, 1, 1).expand(n, c, h, w)


# ------------------------------------------------------------------ checks
def _check_input(who: str, x: Tensor) -> None:
    if x.ndim != 4:
        raise ShapeError(f"{who}: expected input of shape (N, C, H, W), got {tuple(x.shape)}")


def check_pool_padding(
    who: str, kernel: tuple[int, ...], padding: tuple[int, ...], given: Any = None
) -> None:
    """Refuse padding over half the kernel, PyTorch's rule: ``padding <= kernel_size // 2``
    per axis, against the kernel as given (not dilated: dilation does not allow more).

    Parameters
    ----------
    who : str
        The function or layer named in the error.
    kernel, padding : tuple of int, one per spatial axis
    given : optional
        The padding as the caller wrote it, echoed in the error (default ``padding``).

    Raises
    ------
    ValueError
        Naming ``who``, the largest padding allowed and the padding given.
    """
    if any(pd > kk // 2 for pd, kk in zip(padding, kernel)):
        most = tuple(kk // 2 for kk in kernel)
        raise ValueError(
            f"{who}: padding must be at most half the kernel size (kernel_size // 2, not "
            f"dilated): expected padding <= {most} for kernel_size {tuple(kernel)}, "
            f"got padding {tuple(padding) if given is None else given!r}"
        )


def pool_geometry(
    who: str,
    in_hw: tuple[int, int],
    kernel: tuple[int, int],
    stride: tuple[int, int],
    padding: tuple[int, int],
    dilation: tuple[int, int],
    ceil_mode: bool,
) -> tuple[int, int]:
    """Validate a pooling window against the input and return ``(H_out, W_out)``.

    As PyTorch, the output must have at least one position per axis: in ``ceil_mode`` a
    (dilated) kernel may be larger than the padded input, its one window hanging over
    the far edge, when it starts inside the input.
    """
    check_pool_padding(who, kernel, padding)
    out = (
        pool_out_size(in_hw[0], kernel[0], stride[0], padding[0], dilation[0], ceil_mode),
        pool_out_size(in_hw[1], kernel[1], stride[1], padding[1], dilation[1], ceil_mode),
    )
    if out[0] < 1 or out[1] < 1:
        eff = tuple(dl * (kk - 1) + 1 for kk, dl in zip(kernel, dilation))
        padded = tuple(n + 2 * pd for n, pd in zip(in_hw, padding))
        raise ValueError(
            f"{who}: kernel {eff[0]}x{eff[1]} is larger than the padded input "
            f"{padded[0]}x{padded[1]}: expected an output of at least 1x1, got "
            f"{out[0]}x{out[1]}"
        )
    return out


def _window_args(who: str, kernel_size: Any, stride: Any, padding: Any, dilation: Any) -> tuple:
    k = pair(who, "kernel_size", kernel_size)
    s = k if stride is None else pair(who, "stride", stride)
    p = pair(who, "padding", padding, minimum=0)
    d = pair(who, "dilation", dilation)
    return k, s, p, d


# ---------------------------------------------------------------- functions
def max_pool2d(
    x: Tensor,
    kernel_size: int | tuple[int, int],
    stride: int | tuple[int, int] | None = None,
    padding: int | tuple[int, int] = 0,
    dilation: int | tuple[int, int] = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Tensor | tuple[Tensor, Tensor]:
    """Maximum over each window (PyTorch's ``max_pool2d``).

    Parameters
    ----------
    x : Tensor, shape (N, C, H, W) or (C, H, W)
    kernel_size : int or (int, int)
    stride : int or (int, int), optional
        Defaults to ``kernel_size`` (non-overlapping windows).
    padding : int or (int, int), default 0
        Implicit ``-inf`` on both sides, at most ``kernel_size // 2`` (whatever the
        dilation, as PyTorch).
    dilation : int or (int, int), default 1
    ceil_mode : bool, default False
        Round the output size up (a last, partial window) instead of down.
    return_indices : bool, default False
        Also return where each maximum is (for ``max_unpool2d``).

    Returns
    -------
    Tensor, shape (N, C, H_out, W_out)
        ``H_out = floor((H + 2*padding - dilation*(k - 1) - 1) / stride) + 1``
        (``ceil`` in ``ceil_mode``). The gradient goes to the first maximum of
        each window; for a window of nothing but ``-inf`` and padding, to its first
        position inside the input (PyTorch's).
    indices : Tensor of int64, shape (N, C, H_out, W_out)
        Only with ``return_indices``: each maximum's position ``h * W + w`` in its
        channel of ``x`` (PyTorch's).
    """
    if x.ndim == 3:  # (C, H, W): one sample, as PyTorch takes it
        y = max_pool2d(x.unsqueeze(0), kernel_size, stride, padding, dilation, ceil_mode, return_indices)
        return tuple(t.squeeze(0) for t in y) if return_indices else y.squeeze(0)
    _check_input("max_pool2d", x)
    k, s, p, d = _window_args("max_pool2d", kernel_size, stride, padding, dilation)
    out_hw = pool_geometry("max_pool2d", x.shape[2:], k, s, p, d, bool(ceil_mode))
    out = MaxPool2d.apply(x, kernel=k, stride=s, padding=p, dilation=d, out_hw=out_hw)
    if not return_indices:
        return out
    return out, Tensor(max_pool_indices(x.array, k, s, p, d, out_hw))


def avg_pool2d(
    x: Tensor,
    kernel_size: int | tuple[int, int],
    stride: int | tuple[int, int] | None = None,
    padding: int | tuple[int, int] = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """Mean over each window (PyTorch's ``avg_pool2d``).

    Parameters
    ----------
    x : Tensor, shape (N, C, H, W)
    kernel_size : int or (int, int)
    stride : int or (int, int), optional
        Defaults to ``kernel_size``.
    padding : int or (int, int), default 0
        Implicit zeros on both sides, at most half the kernel.
    ceil_mode : bool, default False
    count_include_pad : bool, default True
        Divide by the window size including padded zeros (PyTorch's default)
        or only by the number of real inputs in the window.
    divisor_override : int, optional
        Divide every window's sum by this instead (``count_include_pad`` then
        has no effect).

    Returns
    -------
    Tensor, shape (N, C, H_out, W_out)
    """
    if x.ndim == 3:  # (C, H, W): one sample, as PyTorch takes it
        return avg_pool2d(
            x.unsqueeze(0), kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override
        ).squeeze(0)
    _check_input("avg_pool2d", x)
    k, s, p, _ = _window_args("avg_pool2d", kernel_size, stride, padding, 1)
    if divisor_override is not None and (
        isinstance(divisor_override, bool)
        or not isinstance(divisor_override, (int, np.integer))
        or divisor_override == 0
    ):
        raise ValueError(f"avg_pool2d: divisor_override must be a non-zero int, got {divisor_override!r}")
    out_hw = pool_geometry("avg_pool2d", x.shape[2:], k, s, p, (1, 1), bool(ceil_mode))
    include = bool(count_include_pad) or divisor_override is not None
    out = AvgPool2d.apply(x, kernel=k, stride=s, padding=p, out_hw=out_hw, count_include_pad=include)
    if divisor_override is None:
        return out
    # each window's sum (its mean times its padded size) over the given divisor
    div = _avg_divisor(x.xp, tuple(x.shape[2:]), out_hw, k, s, p, True, x.dtype)
    if isinstance(div, float):
        return out * (div / divisor_override)
    scale = div.transpose(0, 3, 1, 2) / x.dtype.type(divisor_override)
    return out * Tensor._make(scale, False, None, 0)


def adaptive_avg_pool2d(x: Tensor, output_size: int | tuple[int | None, int | None]) -> Tensor:
    """Average pooling to a fixed output size (PyTorch's bins, which may overlap).

    Parameters
    ----------
    x : Tensor, shape (N, C, H, W)
    output_size : int or (int or None, int or None)
        ``(H_out, W_out)``; ``None`` keeps that input dimension.

    Returns
    -------
    Tensor, shape (N, C, H_out, W_out)
        Bin ``i`` covers rows ``floor(i*H/H_out)`` to ``ceil((i+1)*H/H_out) - 1``.
    """
    if x.ndim == 3:  # (C, H, W): one sample, as PyTorch takes it
        return adaptive_avg_pool2d(x.unsqueeze(0), output_size).squeeze(0)
    _check_input("adaptive_avg_pool2d", x)
    out_hw = _adaptive_size("adaptive_avg_pool2d", output_size, x.shape[2:])
    h, w = x.shape[2:]
    if out_hw == (1, 1):
        return global_avg_pool2d(x, keepdims=True)
    if h % out_hw[0] == 0 and w % out_hw[1] == 0:
        k = (h // out_hw[0], w // out_hw[1])
        return AvgPool2d.apply(
            x, kernel=k, stride=k, padding=(0, 0), out_hw=out_hw, count_include_pad=True
        )
    return AdaptiveAvgPool2d.apply(x, out_hw=out_hw)


def _adaptive_size(who: str, output_size: Any, in_hw: tuple) -> tuple[int, int]:
    given = output_size
    bad = ValueError(
        f"{who}: output_size must be a positive int or a pair of (positive int or None), "
        f"got {given!r}"
    )
    if 0 in in_hw:  # as torch: nothing to pool into a bin
        raise ValueError(f"{who}: expected an input with non-empty spatial sizes, got {in_hw}")
    if output_size is None or isinstance(output_size, (int, np.integer)):
        output_size = (output_size, output_size)
    if not isinstance(output_size, (tuple, list)) or len(output_size) != 2:
        raise bad
    out = []
    for o, n in zip(output_size, in_hw):
        if o is None:
            o = n
        if not is_int(o) or o <= 0:
            raise bad
        out.append(int(o))
    return out[0], out[1]


def global_avg_pool2d(x: Tensor, keepdims: bool = False) -> Tensor:
    """Mean over the spatial dimensions, the seed's replacement for a fully connected layer.

    Parameters
    ----------
    x : Tensor, shape (N, C, H, W)
    keepdims : bool, default False

    Returns
    -------
    Tensor, shape (N, C) (or (N, C, 1, 1) with ``keepdims``)
    """
    _check_input("global_avg_pool2d", x)
    out = GlobalAvgPool2d.apply(x)
    if keepdims:
        out = reshape(out, (x.shape[0], x.shape[1], 1, 1))
    return out
