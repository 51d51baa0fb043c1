"""3-D convolution (``conv3d``) and transposed 3-D convolution (``conv_transpose3d``).

How it runs. The input ``(N, C_in, D, H, W)`` is zero-padded, and its windows are
copied into a column array ``(N, G, C_in/G * kD*kH*kW, D_out*H_out*W_out)``, one
strided slice per kernel tap (``kD*kH*kW`` vectorised copies, whatever the batch or
volume size). The convolution is then one batched matrix product per group,
``W (G, C_out/G, C_in/G * K) @ cols``, whose result is already ``(N, C_out, D_out,
H_out, W_out)`` in memory. Columns are built a few samples at a time (about
:data:`CHUNK_BYTES` each) so a video batch never needs all of them at once.

Backward keeps only the padded input (not the columns) and builds the columns again,
block by block, for the weight gradient ``grad_out @ cols.T``; the input gradient is
``W.T @ grad_out`` added back onto the padded input one tap at a time (col2vol), then
cropped. The column code is written for any number of spatial axes; the public entry
points are the 3-D ones (1-D and 2-D have their own tuned op in :mod:`.conv`).

The transposed convolution needs no ``Function`` of its own: as in
:mod:`.conv_transpose` it is the convolution of the input spread out by the stride,
padded, with the kernel flipped and its channel axes swapped within each group.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._errors import ShapeError
from .._validate import is_int, positive_int
from ..autograd.function import Function
from ..backend import get_array_module
from ..tensor import Tensor
from . import resize as Z
from . import shape as S
from ._im2col import conv_out_size

__all__ = [
    "conv3d", "conv_transpose3d", "Conv3d", "VolumeGeometry", "conv3d_padding", "triple",
]  # fmt: skip

#: Columns are built and multiplied this many bytes at a time on the CPU (a GPU takes the
#: whole batch at once): large enough that each matrix product is efficient, small enough
#: that a batch of video clips does not need all its columns in memory at once.
CHUNK_BYTES = 32 << 20


def triple(who: str, name: str, value: Any, *, minimum: int = 1, n: int = 3) -> tuple[int, ...]:
    """An int or ``n`` ints, each ``>= minimum``, as an ``n``-tuple (kernel sizes, strides)."""
    vals = (value,) * n if is_int(value) else tuple(value) if isinstance(value, (tuple, list)) else ()
    if len(vals) != n or any(not is_int(v) or v < minimum for v in vals):
        kind = "positive" if minimum == 1 else "non-negative"
        raise ValueError(f"{who}: {name} must be a {kind} int or {n} of them, got {value!r}")
    return tuple(int(v) for v in vals)


def conv3d_padding(
    who: str, padding: Any, kernel: tuple[int, ...], stride: tuple[int, ...],
    dilation: tuple[int, ...],
) -> tuple[int, ...]:  # fmt: skip
    """Padding as ``(front, back, top, bottom, left, right)``.

    ``padding`` is an int, three ints, ``'valid'`` (none) or ``'same'`` (output size
    equals input size; stride 1 only; an odd total puts the extra zero at the back,
    bottom and right, as PyTorch).
    """
    if isinstance(padding, str):
        if padding == "valid":
            return (0,) * (2 * len(kernel))
        if padding == "same":
            if any(s != 1 for s in stride):
                raise ValueError(
                    f"{who}: padding='same' needs stride 1 (as in PyTorch), got stride {stride}"
                )
            out: list[int] = []
            for k, d in zip(kernel, dilation):
                total = d * (k - 1)
                out += [total // 2, total - total // 2]
            return tuple(out)
    try:
        pads = triple(who, "padding", padding, minimum=0, n=len(kernel))
    except ValueError:
        raise ValueError(
            f"{who}: padding must be a non-negative int, {len(kernel)} of them, 'same' or "
            f"'valid', got {padding!r}"
        ) from None
    return tuple(p for v in pads for p in (v, v))


# ------------------------------------------------------------------ geometry
@dataclass(frozen=True)
class VolumeGeometry:
    """Every size of one convolution call over ``len(kernel)`` spatial axes, by name.

    Attributes
    ----------
    batch, in_channels, out_channels, groups : int
    size : tuple of int
        The input's spatial size, e.g. ``(D, H, W)``.
    kernel, stride, dilation : tuple of int
        One value per spatial axis.
    pads : tuple of int
        ``(before, after)`` per spatial axis, flattened: ``(front, back, top, bottom,
        left, right)`` for a volume.
    out : tuple of int
        The output's spatial size.
    """

    batch: int
    in_channels: int
    out_channels: int
    groups: int
    size: tuple[int, ...]
    kernel: tuple[int, ...]
    stride: tuple[int, ...]
    dilation: tuple[int, ...]
    pads: tuple[int, ...]
    out: tuple[int, ...]

    @classmethod
    def of(cls, x_shape: tuple[int, ...], w_shape: tuple[int, ...], stride: tuple[int, ...],
           pads: tuple[int, ...], dilation: tuple[int, ...], groups: int) -> VolumeGeometry:  # fmt: skip
        """The geometry of input ``(N, C_in, *size)`` and weight ``(C_out, C_in/G, *kernel)``."""
        size, kernel = tuple(int(v) for v in x_shape[2:]), tuple(int(v) for v in w_shape[2:])
        out = tuple(
            conv_out_size(n, k, s, pads[2 * i] + pads[2 * i + 1], d)
            for i, (n, k, s, d) in enumerate(zip(size, kernel, stride, dilation))
        )  # fmt: skip
        return cls(int(x_shape[0]), int(x_shape[1]), int(w_shape[0]), int(groups), size, kernel,
                   tuple(stride), tuple(dilation), tuple(pads), out)  # fmt: skip

    @property
    def taps(self) -> int:
        """Kernel positions, ``kD * kH * kW``."""
        return int(np.prod(self.kernel))

    @property
    def positions(self) -> int:
        """Output positions per sample and channel, ``D_out * H_out * W_out``."""
        return int(np.prod(self.out))

    @property
    def rows(self) -> int:
        """Column rows per group: ``C_in/G * kD*kH*kW``."""
        return self.in_channels // self.groups * self.taps

    def tap_windows(self) -> Iterator[tuple[slice, ...]]:
        """For each kernel tap (in the weight's order), the slices of the padded input's
        spatial axes that this tap reads at every output position."""
        for offs in itertools.product(*(range(k) for k in self.kernel)):
            yield tuple(
                slice(o * d, o * d + (n - 1) * s + 1, s)
                for o, d, n, s in zip(offs, self.dilation, self.out, self.stride)
            )  # fmt: skip


def _blocks(xp: Any, geo: VolumeGeometry, itemsize: int) -> Iterator[tuple[int, int]]:
    """Sample ranges ``[n0, n1)`` whose columns take about :data:`CHUNK_BYTES`."""
    per = max(1, geo.in_channels * geo.taps * geo.positions * itemsize)
    chunk = geo.batch if xp is not np else max(1, min(geo.batch, CHUNK_BYTES // per))
    for n0 in range(0, geo.batch, max(1, chunk)):
        yield n0, min(geo.batch, n0 + chunk)


def _pad_zeros(xp: Any, x: Any, pads: tuple[int, ...]) -> Any:
    """``x`` (N, C, *size) with ``pads`` zeros before and after each spatial axis."""
    if not any(pads):
        return x
    widths = [(0, 0), (0, 0)] + [(pads[2 * i], pads[2 * i + 1]) for i in range(x.ndim - 2)]
    return xp.pad(x, widths)


def _crop(a: Any, pads: tuple[int, ...]) -> Any:
    """Undo :func:`_pad_zeros`."""
    index = (slice(None), slice(None)) + tuple(
        slice(pads[2 * i], a.shape[2 + i] - pads[2 * i + 1]) for i in range(a.ndim - 2)
    )  # fmt: skip
    return a[index]


def vol2col(xp: Any, geo: VolumeGeometry, xpad: Any) -> Any:
    """The columns ``(n, G, C_in/G * taps, positions)`` of padded samples ``xpad`` ``(n, C_in, ...)``."""
    n, c = xpad.shape[:2]
    cols = xp.empty((n, c, geo.taps) + geo.out, dtype=xpad.dtype)
    for t, window in enumerate(geo.tap_windows()):
        cols[:, :, t] = xpad[(slice(None), slice(None)) + window]
    return cols.reshape(n, geo.groups, geo.rows, geo.positions)


def col2vol(xp: Any, geo: VolumeGeometry, cols: Any, padded: tuple[int, ...]) -> Any:
    """The adjoint of :func:`vol2col`: columns ``(n, G, rows, positions)`` summed back
    onto a zero padded input of spatial size ``padded``, returned as ``(n, C_in, *padded)``."""
    n = cols.shape[0]
    cols = cols.reshape((n, geo.in_channels, geo.taps) + geo.out)
    out = xp.zeros((n, geo.in_channels) + tuple(padded), dtype=cols.dtype)
    for t, window in enumerate(geo.tap_windows()):
        out[(slice(None), slice(None)) + window] += cols[:, :, t]
    return out


# ----------------------------------------------------------------- Function
class Conv3d(Function):
    """3-D convolution on raw arrays: x (N, C, D, H, W), w (O, C/groups, kD, kH, kW), b (O,).

    ``stride``, ``pads`` (front, back, top, bottom, left, right), ``dilation`` and
    ``groups`` are public attributes (ONNX export reads them). Backward keeps the padded
    input ``xpad`` when the weight needs a gradient, the weight ``w`` when the input does.
    """

    def forward(self, x: Any, w: Any, b: Any = None, stride: tuple[int, ...] = (1, 1, 1),
                pads: tuple[int, ...] = (0,) * 6, dilation: tuple[int, ...] = (1, 1, 1),
                groups: int = 1) -> Any:  # fmt: skip
        xp = get_array_module(x, w)
        self.stride, self.pads, self.dilation, self.groups = stride, pads, dilation, groups
        geo = self.geometry = VolumeGeometry.of(x.shape, w.shape, stride, pads, dilation, groups)
        dt = xp.result_type(x.dtype, w.dtype)
        self.x_dtype = x.dtype
        xpad = _pad_zeros(xp, x.astype(dt, copy=False), pads)
        wg = w.astype(dt, copy=False).reshape(geo.groups, geo.out_channels // geo.groups, geo.rows)
        out = xp.empty((geo.batch, geo.out_channels, geo.positions), dtype=dt)
        for n0, n1 in _blocks(xp, geo, dt.itemsize):
            prod = xp.matmul(wg[None], vol2col(xp, geo, xpad[n0:n1]))  # (n, G, O/G, P)
            out[n0:n1] = prod.reshape(n1 - n0, geo.out_channels, geo.positions)
        if b is not None:
            out += b.astype(dt, copy=False)[None, :, None]
        nx, nw = self.needs_input_grad[:2]
        if nw:
            self.xpad = xpad
        if nx:
            self.w = wg
        return out.reshape((geo.batch, geo.out_channels) + geo.out)

    def backward(self, grad: Any) -> tuple:
        nx, nw, nb = (tuple(self.needs_input_grad) + (False,))[:3]
        geo = self.geometry
        xp = get_array_module(grad)
        og = geo.out_channels // geo.groups
        # contiguous for the products (the gradient of a sum arrives as a broadcast view)
        g = xp.ascontiguousarray(grad).reshape(geo.batch, geo.groups, og, geo.positions)
        gx = gw = gb = None
        if nw:
            # cols @ grad.T as (G, rows, O/G): NumPy's stacked product is several times
            # faster in this orientation than grad @ cols.T (measured at 16 -> 32 channels)
            acc = xp.zeros((geo.groups, geo.rows, og), dtype=grad.dtype)
            for n0, n1 in _blocks(xp, geo, grad.dtype.itemsize):
                cols = vol2col(xp, geo, self.xpad[n0:n1])
                acc += xp.matmul(cols, g[n0:n1].swapaxes(-1, -2)).sum(axis=0)
            gw = xp.ascontiguousarray(acc.swapaxes(-1, -2)).reshape(
                (geo.out_channels, geo.in_channels // geo.groups) + geo.kernel)
        if nb:
            gb = g.sum(axis=(0, 3)).reshape(geo.out_channels)
        if nx:
            padded = tuple(n + geo.pads[2 * i] + geo.pads[2 * i + 1] for i, n in enumerate(geo.size))
            gx = xp.empty((geo.batch, geo.in_channels) + geo.size, dtype=grad.dtype)
            wt = self.w.swapaxes(-1, -2)[None]  # (1, G, rows, O/G)
            for n0, n1 in _blocks(xp, geo, grad.dtype.itemsize):
                gcols = xp.matmul(wt, g[n0:n1])
                gx[n0:n1] = _crop(col2vol(xp, geo, gcols, padded), geo.pads)
            gx = gx.astype(self.x_dtype, copy=False)
        return gx, gw, gb


# ------------------------------------------------------------------ checks
def _check_args(who: str, x: Tensor, weight: Tensor, bias: Tensor | None, groups: Any) -> int:
    if x.ndim != 5:
        raise ShapeError(f"{who}: expected input of shape (N, C_in, D, H, W) or (C_in, D, H, W), "
                         f"got {tuple(x.shape)}")  # fmt: skip
    if weight.ndim != 5:
        raise ShapeError(f"{who}: expected weight of shape (C_out, C_in/groups, kD, kH, kW), "
                         f"got {tuple(weight.shape)}")  # fmt: skip
    groups = positive_int(who, "groups", groups)
    c, o, cg = int(x.shape[1]), int(weight.shape[0]), int(weight.shape[1])
    if o % groups:
        raise ShapeError(f"{who}: the weight's {o} output channels are not divisible by "
                         f"groups={groups}")  # fmt: skip
    if cg * groups != c:
        raise ShapeError(
            f"{who}: input has {c} channels (shape {tuple(x.shape)}), but the weight "
            f"{tuple(weight.shape)} with groups={groups} expects {cg * groups}"
        )
    if bias is not None and tuple(bias.shape) != (o,):
        raise ShapeError(f"{who}: expected bias of shape ({o},), got {tuple(bias.shape)}")
    return groups


def check_output_size(who: str, size: tuple[int, ...], kernel: tuple[int, ...],
                      pads: tuple[int, ...], dilation: tuple[int, ...]) -> None:  # fmt: skip
    """Raise a ``ValueError`` when the (dilated) kernel exceeds the padded input."""
    padded = tuple(n + pads[2 * i] + pads[2 * i + 1] for i, n in enumerate(size))
    span = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    if any(e > p for e, p in zip(span, padded)):
        dil = f" (dilated to {'x'.join(map(str, span))})" if span != tuple(kernel) else ""
        raise ValueError(
            f"{who}: kernel {'x'.join(map(str, kernel))}{dil} is larger than the padded input "
            f"{'x'.join(map(str, padded))}"
        )


# ---------------------------------------------------------------- functions
def conv3d(
    input: Tensor,  # noqa: A002
    weight: Tensor,
    bias: Tensor | None = None,
    stride: int | tuple[int, int, int] = 1,
    padding: int | tuple[int, int, int] | str = 0,
    dilation: int | tuple[int, int, int] = 1,
    groups: int = 1,
) -> Tensor:
    """3-D convolution (cross-correlation) with PyTorch's semantics (``F.conv3d``).

    Parameters
    ----------
    input : Tensor, shape (N, C_in, D, H, W) or (C_in, D, H, W)
    weight : Tensor, shape (C_out, C_in / groups, kD, kH, kW)
    bias : Tensor, shape (C_out,), optional
    stride : int or (int, int, int), default 1
    padding : int, (int, int, int), 'same' or 'valid', default 0
        Zeros added on both sides of each spatial axis. ``'same'`` keeps ``D, H, W``
        (stride 1 only; an odd total puts the extra zero at the end, as PyTorch).
    dilation : int or (int, int, int), default 1
    groups : int, default 1

    Returns
    -------
    Tensor, shape (N, C_out, D_out, H_out, W_out)
        ``D_out = floor((D + 2*pad_d - dilation_d*(kD - 1) - 1) / stride_d) + 1``
        (likewise ``H_out``, ``W_out``).
    """
    who = "conv3d"
    if input.ndim == 4 and weight.ndim == 5:  # one sample, as PyTorch takes it
        return conv3d(input.unsqueeze(0), weight, bias, stride, padding, dilation, groups).squeeze(0)
    groups = _check_args(who, input, weight, bias, groups)
    k = tuple(int(v) for v in weight.shape[2:])
    st = triple(who, "stride", stride)
    dil = triple(who, "dilation", dilation)
    pads = conv3d_padding(who, padding, k, st, dil)
    check_output_size(who, tuple(input.shape[2:]), k, pads, dil)
    return Conv3d.apply(input, weight, bias, stride=st, pads=pads, dilation=dil, groups=groups)


def _spread(x: Tensor, stride: tuple[int, ...]) -> Tensor:
    """Insert ``stride - 1`` zeros between neighbours along each spatial axis of (N, C, D, H, W)."""
    if all(s == 1 for s in stride):
        return x
    n, c, *size = x.shape
    y = x.reshape((n, c, size[0], 1, size[1], 1, size[2], 1))
    widths = [(0, 0), (0, 0)] + [w for s in stride for w in ((0, 0), (0, s - 1))]
    y = S.pad(y, tuple(widths)).reshape((n, c) + tuple(m * s for m, s in zip(size, stride)))
    keep = tuple(slice(0, (m - 1) * s + 1) for m, s in zip(size, stride))
    return S.getitem(y, (slice(None), slice(None)) + keep)


def _flipped_kernel(weight: Tensor, groups: int) -> Tensor:
    """(C_in, C_out/G, kD, kH, kW) to the equivalent convolution's (C_out, C_in/G, ...), flipped."""
    c_in, c_out_g, *k = weight.shape
    w = weight.reshape((groups, c_in // groups, c_out_g, *k)).transpose((0, 2, 1, 3, 4, 5))
    w = w.reshape((groups * c_out_g, c_in // groups, *k))
    return S.getitem(w, (slice(None), slice(None)) + (slice(None, None, -1),) * 3)


def conv_transpose3d(
    input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,  # noqa: A002
    padding: Any = 0, output_padding: Any = 0, groups: int = 1, dilation: Any = 1,
) -> Tensor:  # fmt: skip
    """Transposed 3-D convolution, as ``torch.nn.functional.conv_transpose3d``.

    Parameters
    ----------
    input : Tensor, shape (N, C_in, D, H, W) or (C_in, D, H, W)
    weight : Tensor, shape (C_in, C_out / groups, kD, kH, kW)
    bias : Tensor, shape (C_out,), optional
    stride, padding, output_padding, dilation : int or (int, int, int)
        ``output_padding`` (smaller than ``stride`` or ``dilation``) adds planes at the
        end of each axis.
    groups : int, default 1

    Returns
    -------
    Tensor, shape (N, C_out, D_out, H_out, W_out)
        ``D_out = (D - 1) stride - 2 padding + dilation (kD - 1) + output_padding + 1``.
    """
    who = "conv_transpose3d"
    if input.ndim == 4 and weight.ndim == 5:
        return conv_transpose3d(input.unsqueeze(0), weight, bias, stride, padding,
                                output_padding, groups, dilation).squeeze(0)  # fmt: skip
    if input.ndim != 5 or weight.ndim != 5:
        raise ShapeError(
            f"{who}: expected input (N, C_in, D, H, W) and weight (C_in, C_out/groups, kD, kH, kW), "
            f"got {tuple(input.shape)} and {tuple(weight.shape)}"
        )
    groups = positive_int(who, "groups", groups)
    s = triple(who, "stride", stride)
    p = triple(who, "padding", padding, minimum=0)
    op = triple(who, "output_padding", output_padding, minimum=0)
    d = triple(who, "dilation", dilation)
    if input.shape[1] != weight.shape[0] or weight.shape[0] % groups:
        raise ShapeError(
            f"{who}: input has {input.shape[1]} channels, weight {tuple(weight.shape)} expects "
            f"{weight.shape[0]} (divisible by groups={groups})"
        )
    if any(o >= max(si, di) for o, si, di in zip(op, s, d)):
        raise ValueError(f"{who}: output_padding {op} must be smaller than stride {s} or dilation {d}")
    out_c = weight.shape[1] * groups
    if bias is not None and tuple(bias.shape) != (out_c,):
        raise ShapeError(f"{who}: expected bias of shape ({out_c},), got {tuple(bias.shape)}")
    edge = [di * (ki - 1) - pi for di, ki, pi in zip(d, weight.shape[2:], p)]
    widths: list[int] = []
    for axis in (2, 1, 0):  # F.pad order: last axis first
        widths += [edge[axis], edge[axis] + op[axis]]
    x = Z.pad(_spread(input, s), widths)
    return conv3d(x, _flipped_kernel(weight, groups), bias, 1, 0, d, groups)
