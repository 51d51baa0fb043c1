"""Helpers shared by the convolution and pooling ops.

- argument parsing (``pair``), output-size arithmetic and padding resolution;
- ``im2col`` / ``col2im`` on channels-last (NHWC) arrays.

Layout. The ops compute in channels-last order: a convolution is one matrix
product ``cols (N*H_out*W_out, kh*kw*C_in) @ W (kh*kw*C_in, C_out)`` whose
result is NHWC in memory, handed to the user as the NCHW *view*
``out.transpose(0, 3, 1, 2)``. The next op gets the NHWC array back for free
with ``x.transpose(0, 2, 3, 1)``; inputs in any other layout work too (the
gather simply reads them with other strides).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._kernels import elementwise
from .._validate import int_pair as pair  # conv and pooling import it from here
from ._parallel import run_split
from ._workspace import Workspace

__all__ = [
    "pair", "conv_out_size", "pool_out_size", "resolve_conv_padding", "padded_nhwc", "im2col",
    "im2col_taps", "col2im", "as_strided",
]  # fmt: skip


# ---------------------------------------------------------------- geometry
def conv_out_size(size: int, kernel: int, stride: int, pad_total: int, dilation: int) -> int:
    """``floor((size + pad_total - dilation*(kernel-1) - 1) / stride) + 1``.

    The seed's example: width 7, kernel 3, stride 1, one zero on each side gives
    ``(7 + 2 - 2 - 1) // 1 + 1 = 7`` (padding keeps the width; it never grows to 11).
    """
    return (size + pad_total - dilation * (kernel - 1) - 1) // stride + 1


def pool_out_size(
    size: int, kernel: int, stride: int, pad: int, dilation: int, ceil_mode: bool
) -> int:
    """Output length of a pooling window sweep, with PyTorch's ``ceil_mode`` rule.

    In ``ceil_mode`` the last window may hang over the right edge, but it must
    start inside the input or the left padding (otherwise it is dropped).
    """
    span = size + 2 * pad - dilation * (kernel - 1) - 1
    if ceil_mode:
        out = -(-span // stride) + 1
        if (out - 1) * stride >= size + pad:
            out -= 1
    else:
        out = span // stride + 1
    return out


def resolve_conv_padding(
    who: str,
    padding: Any,
    kernel: tuple[int, int],
    stride: tuple[int, int],
    dilation: tuple[int, int],
) -> tuple[int, int, int, int]:
    """Padding as ``(top, bottom, left, right)``.

    ``padding`` is an int, a pair ``(pad_h, pad_w)``, ``"valid"`` (none) or
    ``"same"`` (output size equals input size; stride 1 only). As in PyTorch,
    an odd total amount of ``"same"`` padding puts the extra row/column at the
    bottom/right.
    """
    if isinstance(padding, str):
        if padding == "valid":
            return 0, 0, 0, 0
        if padding == "same":
            if stride != (1, 1):
                raise ValueError(
                    f"{who}: padding='same' needs stride 1 (as in PyTorch), got stride {stride}"
                )
            out = []
            for k, d in zip(kernel, dilation):
                total = d * (k - 1)
                out += [total // 2, total - total // 2]
            return out[0], out[1], out[2], out[3]
        raise ValueError(
            f"{who}: padding must be a non-negative int, a pair of ints, 'same' or 'valid', "
            f"got {padding!r}"
        )
    try:
        ph, pw = pair(who, "padding", padding, minimum=0)
    except ValueError:
        raise ValueError(
            f"{who}: padding must be a non-negative int, a pair of ints, 'same' or 'valid', "
            f"got {padding!r}"
        ) from None
    return ph, ph, pw, pw


# ------------------------------------------------------------ im2col/col2im
def as_strided(xp: Any, a: Any, shape: tuple, strides: tuple) -> Any:
    return xp.lib.stride_tricks.as_strided(a, shape=shape, strides=strides)


def padded_nhwc(
    xp: Any, xh: Any, pads: tuple[int, int, int, int], value: float, ws: Workspace
) -> Any:
    """``xh`` (N, H, W, C) padded with ``value`` into a workspace buffer (free again once dropped)."""
    pt, pb, pl, pr = pads
    n, h, w, c = xh.shape
    buf = ws.empty(xp, (n, h + pt + pb, w + pl + pr, c), xh.dtype)

    def fill(lo: int, hi: int) -> None:
        b = buf[lo:hi]
        if pt:
            b[:, :pt] = value
        if pb:
            b[:, h + pt :] = value
        if pl:
            b[:, pt : pt + h, :pl] = value
        if pr:
            b[:, pt : pt + h, w + pl :] = value
        b[:, pt : pt + h, pl : pl + w] = xh[lo:hi]

    run_split(fill, n, buf.nbytes, xp)
    return buf


def im2col(
    xp: Any,
    src: Any,
    dst: Any,
    out_hw: tuple[int, int],
    kernel: tuple[int, int],
    stride: tuple[int, int],
    dilation: tuple[int, int],
    groups: int,
) -> None:
    """Copy the sliding windows of ``src`` into ``dst`` with one strided copy.

    Parameters
    ----------
    src : ndarray, shape (N, H_pad, W_pad, C)
        Channels-last input, already padded (any strides).
    dst : ndarray, shape (N, H_out, W_out, groups, kh, kw, C // groups)
        Where the windows go (typically a view of a workspace array).
    """
    n, _, _, c = src.shape
    ho, wo = out_hw
    kh, kw = kernel
    sh, sw = stride
    dh, dw = dilation
    s0, s1, s2, s3 = src.strides
    cg = c // groups
    view = as_strided(
        xp,
        src,
        (n, ho, wo, groups, kh, kw, cg),
        (s0, sh * s1, sw * s2, cg * s3, dh * s1, dw * s2, s3),
    )
    run_split(lambda lo, hi: xp.copyto(dst[lo:hi], view[lo:hi]), n, dst.nbytes, xp)


def im2col_taps(
    xp: Any,
    src: Any,
    dst: Any,
    out_hw: tuple[int, int],
    kernel: tuple[int, int],
    stride: tuple[int, int],
    dilation: tuple[int, int],
) -> None:
    """Transposed columns for inputs with few channels: one copy per kernel tap.

    Parameters
    ----------
    src : ndarray, shape (N, H_pad, W_pad, C)
    dst : ndarray, shape (kh, kw, C, N, H_out, W_out)
        Row ``(a, b, c)`` receives channel ``c`` of every window's tap ``(a, b)``.
    """
    ho, wo = out_hw
    sh, sw = stride

    def copy(lo: int, hi: int) -> None:
        for a in range(kernel[0]):
            for b in range(kernel[1]):
                y, x = a * dilation[0], b * dilation[1]
                view = src[lo:hi, y : y + (ho - 1) * sh + 1 : sh, x : x + (wo - 1) * sw + 1 : sw]
                xp.copyto(dst[a, b, :, lo:hi], view.transpose(3, 0, 1, 2))

    run_split(copy, src.shape[0], dst.nbytes, xp)


def _span(i_len: int, size: int, offset: int, stride: int) -> tuple[int, int, int]:
    """Output indices ``[i0, i1)`` whose input index ``i*stride + offset`` lies in ``[0, size)``."""
    i0 = 0 if offset >= 0 else (-offset + stride - 1) // stride
    last = size - 1 - offset
    i1 = min(i_len, last // stride + 1) if last >= 0 else 0
    return i0, i1, i0 * stride + offset


def col2im(
    xp: Any,
    gc: Any,
    in_shape: tuple[int, int, int, int],
    out_hw: tuple[int, int],
    kernel: tuple[int, int],
    stride: tuple[int, int],
    dilation: tuple[int, int],
    pads: tuple[int, int, int, int],
    groups: int,
    out: Any = None,
) -> Any:
    """Sum window gradients back onto the (unpadded) input: the adjoint of :func:`im2col`.

    Parameters
    ----------
    gc : ndarray, shape (N, H_out, W_out, groups, kh*kw, C // groups)
        Gradient of each window position (any strides; a layout with one
        contiguous block per kernel tap makes each of the ``kh*kw`` adds run
        over long rows).
    in_shape : (N, H, W, C)
    out : ndarray, shape (N, H, W, C), optional
        C-contiguous array to write into.

    Returns
    -------
    ndarray, shape (N, H, W, C)
        Channels-last input gradient. Kernel taps that fall in the padding are
        skipped, so no padded buffer is needed.
    """
    n, h, w, c = in_shape
    ho, wo = out_hw
    kh, kw = kernel
    sh, sw = stride
    dh, dw = dilation
    pt, _, pl, _ = pads
    cg = c // groups
    fused = elementwise(xp, "glassnet_col2im")
    if fused is not None:  # a GPU: one gathering kernel instead of kh*kw strided adds
        gx = xp.empty((n, h, w, c), dtype=gc.dtype) if out is None else out
        i32 = np.int32
        fused(gc, *(i32(v) for v in (h, w, c, ho, wo, kh, kw, sh, sw, dh, dw, pt, pl, cg)), gx)
        return gx
    taps = []
    for a in range(kh):
        i0, i1, y0 = _span(ho, h, a * dh - pt, sh)
        if i1 <= i0:
            continue
        for b in range(kw):
            j0, j1, x0 = _span(wo, w, b * dw - pl, sw)
            if j1 <= j0:
                continue
            full = sh == 1 and sw == 1 and i1 - i0 == h and j1 - j0 == w
            taps.append((not full, a, b, i0, i1, y0, j0, j1, x0))
    taps.sort(key=lambda t: t[0])  # a tap covering the whole input (if any) initialises gx
    gx = xp.empty((n, h, w, c), dtype=gc.dtype) if out is None else out
    g5 = gx.reshape(n, h, w, groups, cg)
    first = True
    for partial, a, b, i0, i1, y0, j0, j1, x0 in taps:
        src = gc[:, i0:i1, j0:j1, :, a * kw + b]
        dst = g5[:, y0 : y0 + (i1 - i0 - 1) * sh + 1 : sh, x0 : x0 + (j1 - j0 - 1) * sw + 1 : sw]
        if first:
            if partial:
                gx[...] = 0
                dst += src
            else:
                dst[...] = src
            first = False
        else:
            dst += src
    if first:  # no tap touches the input (possible with large padding)
        gx[...] = 0
    return gx
