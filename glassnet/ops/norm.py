"""Batch normalisation over (N, C), (N, C, L) and (N, C, H, W) inputs.

Statistics are taken per channel over every other axis, on the channels-last
view of the input (``moveaxis(x, 1, -1)``), which is contiguous when ``x``
came out of a conv; results keep the input's memory layout.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import kernels
from .._errors import ShapeError
from ..autograd.function import Function
from ..backend import get_array_module
from ..tensor import Tensor
from ._parallel import run_split, split_threads

__all__ = ["batch_norm"]


def _channel_sum(a: Any, axes: tuple) -> Any:
    """Per-channel sum of a channels-last array over ``axes`` (all but the last).

    A contiguous array is summed as ``(rows, k*C)`` with ``k*C`` about 1024, then the
    ``k`` partial sums are added: long inner loops instead of one NumPy loop call per
    row of ``C`` values, several times faster and more accurate than ``sum(axis=0)``.
    """
    if not a.flags.c_contiguous:
        return a.sum(axis=axes)
    c = a.shape[-1]
    a2 = a.reshape(-1, c)
    m = a2.shape[0]
    k = max(1, min(1024 // c, m))
    q = m // k
    total = a2[: q * k].reshape(q, k * c).sum(axis=0).reshape(k, c).sum(axis=0)
    if q * k < m:
        total += a2[q * k :].sum(axis=0)
    return total


#: Row blocks of about this size keep the temporaries of the contiguous path in cache.
BLOCK_BYTES = 1 << 20


def _blockwise(xp: Any, m: int, c: int, dtype: Any, body: Any, vectors: tuple = ()) -> None:
    """Run ``body(rows, tmp, vecs)`` over cache-sized row blocks of an (m, c) problem.

    Per-channel broadcasts over rows of only ``c`` values make NumPy call its inner
    loop once per row; so each block is seen as ``(rows/k, k*c)`` with ``k*c`` about
    1024, and the per-channel ``vectors`` are tiled ``k`` times to match. ``rows(a)``
    gives that view of the block of an (m, c) array, ``tmp`` is scratch of the same
    shape, and ``vecs`` the (tiled) vectors. Blocks are split across threads.
    """
    k = max(1, min(1024 // c, m))
    rows = max(k, BLOCK_BYTES // (c * dtype.itemsize) // k * k)
    wide = tuple(xp.tile(v, k) for v in vectors)
    n_blocks = -(-m // rows)

    def work(b0: int, b1: int) -> None:
        tmp = xp.empty(min(rows, m - b0 * rows) * c, dtype=dtype)
        for b in range(b0, b1):
            r0, r1 = b * rows, min(m, (b + 1) * rows)
            kk = k if (r1 - r0) % k == 0 else 1
            shape = ((r1 - r0) // kk, kk * c)
            body(
                lambda a, r0=r0, r1=r1, shape=shape: a[r0:r1].reshape(shape),
                tmp[: (r1 - r0) * c].reshape(shape),
                wide if kk == k else vectors,
            )

    run_split(work, n_blocks, m * c * dtype.itemsize, xp)


def _fold(s: Any, c: int) -> Any:
    """Per-channel totals of a row sum taken over a widened ``(rows, k*c)`` view."""
    return s.reshape(-1, c).sum(axis=0)


def _compiled(xp: Any, *arrays: Any) -> Any:
    """The compiled passes (:mod:`glassnet.kernels._norm`) when they take ``arrays``
    (C-contiguous float32/float64 NumPy arrays), else None (the NumPy code runs)."""
    if xp is not np:
        return None
    mod = kernels.load("norm")
    return mod if mod is not None and mod.fits(*arrays) else None


def _centred_sums(xp: Any, a2: Any, b2: Any, centre: Any) -> tuple[Any, Any]:
    """Per-column sums without full-size temporaries: ``(sum(a2 - centre),
    sum((a2 - centre)**2))`` when ``b2`` is None, else ``(sum(b2), sum((a2 - centre) * b2))``."""
    compiled = _compiled(xp, a2, *(() if b2 is None else (b2,)))
    if compiled is not None:
        return compiled.centred_sums(a2, b2, centre, split_threads(a2.nbytes))
    m, c = a2.shape
    parts: list = []

    def body(rows: Any, tmp: Any, vecs: tuple) -> None:
        xp.subtract(rows(a2), vecs[0], out=tmp)
        other = tmp if b2 is None else rows(b2)
        s1 = other.sum(axis=0)
        s2 = xp.einsum("ij,ij->j", other, tmp)  # products summed without writing them
        parts.append((_fold(s1, c), _fold(s2, c)))

    _blockwise(xp, m, c, a2.dtype, body, (centre,))
    zero = xp.zeros(c, dtype=a2.dtype)  # the sums over no rows (an empty batch): arrays too
    return sum((p[0] for p in parts), zero), sum((p[1] for p in parts), zero)


class BatchNorm(Function):
    """``y = (x - mean) / sqrt(var + eps) * weight + bias`` per channel (axis 1).

    The normalised input is never stored: forward computes ``y = x * scale + shift``
    and backward rebuilds what it needs from ``x`` (kept alive by the graph anyway)
    and the per-channel ``mean`` and ``1/std``. When the channels-last view of ``x``
    is contiguous (the output of a conv, or (N, C) features), every pass runs over
    cache-sized row blocks split across threads, with no full-size temporaries.
    """

    def forward(
        self,
        x: Any,
        weight: Any = None,
        bias: Any = None,
        running_mean: Any = None,
        running_var: Any = None,
        training: bool = True,
        momentum: float = 0.1,
        eps: float = 1e-5,
    ) -> Any:
        xp = get_array_module(x)
        dt = x.dtype.type
        c = x.shape[1]
        xcl = xp.moveaxis(x, 1, -1)
        axes = tuple(range(xcl.ndim - 1))
        count = x.size // c
        flat = xcl.reshape(-1, c) if xcl.flags.c_contiguous else None
        if training:
            if flat is not None:
                # shifted sums: the variance of x - (a rough mean) loses no precision
                centre = flat[: min(count, 64)].mean(axis=0)
                s1, s2 = _centred_sums(xp, flat, None, centre)
                d = s1 * dt(1 / count)
                mean = centre + d
                var = xp.maximum(s2 * dt(1 / count) - d * d, dt(0))
            else:
                mean = xcl.mean(axis=axes)
                sq = xcl - mean
                sq *= sq
                var = sq.mean(axis=axes)
            invstd = dt(1) / xp.sqrt(var + dt(eps))
            m = dt(momentum)
            if running_mean is not None:
                running_mean *= dt(1) - m
                running_mean += (m * mean).astype(running_mean.dtype, copy=False)
            if running_var is not None:
                unbiased = var * dt(count / max(count - 1, 1))
                running_var *= dt(1) - m
                running_var += (m * unbiased).astype(running_var.dtype, copy=False)
        else:
            mean = running_mean.astype(x.dtype)
            invstd = dt(1) / xp.sqrt(running_var.astype(x.dtype) + dt(eps))
        scale = invstd * weight if weight is not None else invstd
        shift = -mean * scale
        if bias is not None:
            shift += bias
        compiled = None if flat is None else _compiled(xp, flat)
        if compiled is not None:
            out = compiled.affine(flat, scale, shift, split_threads(flat.nbytes)).reshape(xcl.shape)
        elif flat is not None:
            out = xp.empty(flat.shape, dtype=x.dtype)

            def affine(rows: Any, tmp: Any, vecs: tuple) -> None:
                o = rows(out)
                xp.multiply(rows(flat), vecs[0], out=o)
                o += vecs[1]

            _blockwise(xp, count, c, x.dtype, affine, (scale, shift))
            out = out.reshape(xcl.shape)
        else:
            out = xcl * scale
            out += shift
        if self.requires_grad:
            self.xcl, self.mean, self.invstd, self.scale = xcl, mean, invstd, scale
        self.training, self.count, self.axes, self.eps = training, count, axes, eps
        return xp.moveaxis(out, -1, 1)

    def backward(self, g: Any) -> tuple:
        xp = get_array_module(g)
        nx, nw, nb = self.needs_input_grad
        gcl = xp.moveaxis(g, 1, -1)
        axes, xcl, mean, invstd, scale = self.axes, self.xcl, self.mean, self.invstd, self.scale
        c = xcl.shape[-1]
        flat = gcl.flags.c_contiguous and xcl.flags.c_contiguous
        need_sums = nb or nw or (nx and self.training)
        sum_g = sum_gxhat = None
        if need_sums and flat:
            g2, x2 = gcl.reshape(-1, c), xcl.reshape(-1, c)
            # sum(g) and sum(g * (x - mean)) = sum(g * xhat) / invstd, in one pass
            sum_g, sum_gxc = _centred_sums(xp, x2, g2, mean)
            sum_gxhat = sum_gxc * invstd
        elif need_sums:
            sum_g = _channel_sum(gcl, axes)
            sum_gxhat = (gcl * (xcl - mean)).sum(axis=axes) * invstd
        gx = None
        if nx and self.training:
            # gx = scale * (g - sum(g)/n - xhat * sum(g * xhat)/n), expanded in x
            inv_n = g.dtype.type(1 / self.count)
            coef_x = -scale * invstd * sum_gxhat * inv_n
            const = -scale * sum_g * inv_n - coef_x * mean
            compiled = _compiled(xp, gcl, xcl) if flat else None
            if compiled is not None:
                g2, x2 = gcl.reshape(-1, c), xcl.reshape(-1, c)
                gx = compiled.assemble(x2, g2, coef_x, const, scale, split_threads(g2.nbytes))
                gx = gx.reshape(gcl.shape)
            elif flat:
                g2, x2 = gcl.reshape(-1, c), xcl.reshape(-1, c)
                gx = xp.empty(g2.shape, dtype=g.dtype)

                def assemble(rows: Any, tmp: Any, vecs: tuple) -> None:
                    xp.multiply(rows(x2), vecs[0], out=tmp)
                    tmp += vecs[1]
                    o = rows(gx)
                    xp.multiply(rows(g2), vecs[2], out=o)
                    o += tmp

                _blockwise(xp, g2.shape[0], c, g.dtype, assemble, (coef_x, const, scale))
                gx = gx.reshape(gcl.shape)
            else:
                gx = gcl * scale
                t = xcl * coef_x
                t += const
                gx += t
        elif nx:
            gx = gcl * scale
        if gx is not None:
            gx = xp.moveaxis(gx, -1, 1)
        return gx, (sum_gxhat if nw else None), (sum_g if nb else None)

    def backward_graph(self, g: Any) -> tuple:
        # composed from Tensor ops: training mode rebuilds the batch statistics from x (so
        # they are differentiated too); eval mode is affine in x with the running ones
        nx, nw, nb = (tuple(self.needs_input_grad) + (False, False))[:3]
        x, w = _graph_operand(self, 0, g), _graph_operand(self, 1, g)
        axes = (0, *range(2, g.ndim))
        shape = (1, g.shape[1]) + (1,) * (g.ndim - 2)
        if self.training:
            xc = x - x.mean(dim=axes, keepdim=True)
            rstd = ((xc * xc).mean(dim=axes, keepdim=True) + self.eps) ** -0.5
        else:
            xc = x - g._make(self.mean.reshape(shape), False, None, 0)
            rstd = g._make(self.invstd.reshape(shape), False, None, 0)
        xhat = xc * rstd
        gx = gw = gb = None
        if nx:
            gxhat = g if w is None else g * w.reshape(shape)
            if self.training:
                gxhat = (
                    gxhat
                    - gxhat.mean(dim=axes, keepdim=True)
                    - xhat * (gxhat * xhat).mean(dim=axes, keepdim=True)
                )
            gx = gxhat * rstd
        if nw:
            gw = (g * xhat).sum(dim=axes)
        if nb:
            gb = g.sum(dim=axes)
        return (gx, gw, gb)[: len(self.inputs)]


def _graph_operand(node: Function, i: int, like: Any) -> Any:
    """Positional input ``i`` of ``node`` as a Tensor (a constant one for an array), or
    None where there is none."""
    if i >= len(node.inputs):
        return None
    v = node.operand(i)
    if v is None or isinstance(v, Tensor):
        return v
    return like._make(get_array_module(like.array).asarray(v), False, None, 0)


def batch_norm(
    x: Tensor,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Batch normalisation (PyTorch's ``batch_norm``).

    Parameters
    ----------
    x : Tensor, shape (N, C), (N, C, L), (N, C, H, W) or (N, C, D, H, W)
    running_mean, running_var : Tensor, shape (C,), or None
        Running statistics. In training they are updated in place,
        ``r = (1 - momentum) * r + momentum * batch_stat`` (the variance with
        Bessel's correction); in evaluation they normalise ``x``. ``None``
        means batch statistics always (they are then required in training).
    weight, bias : Tensor, shape (C,), optional
        The affine scale ``gamma`` and shift ``beta``.
    training : bool, default False
        Normalise with the batch's statistics (and update the running ones)
        rather than with the running ones.
    momentum : float, default 0.1
    eps : float, default 1e-5

    Returns
    -------
    Tensor, same shape as ``x``
    """
    if x.ndim > 4:  # (N, C, D, H, W, ...): the same per-channel statistics over (N, D*H, W)
        flat = x.reshape(x.shape[0], x.shape[1], -1, x.shape[-1])
        out = batch_norm(flat, running_mean, running_var, weight, bias, training, momentum, eps)
        return out.reshape(x.shape)
    if x.ndim not in (2, 3, 4):
        raise ShapeError(
            f"batch_norm: expected input of shape (N, C), (N, C, L), (N, C, H, W) or "
            f"(N, C, D, H, W), got {tuple(x.shape)}"
        )
    c = x.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):  # fmt: skip
        if t is not None and tuple(t.shape) != (c,):
            raise ShapeError(
                f"batch_norm: expected {name} of shape ({c},) for input {tuple(x.shape)}, "
                f"got {tuple(t.shape)}"
            )
    if not training and (running_mean is None or running_var is None):
        raise ValueError(
            "batch_norm: evaluation (training=False) needs running_mean and running_var"
        )
    if training and x.numel() // c <= 1:
        raise ValueError(
            f"batch_norm: expected more than 1 value per channel when training, "
            f"got input of shape {tuple(x.shape)}"
        )
    if not 0.0 <= float(momentum) <= 1.0:
        raise ValueError(f"batch_norm: momentum must be in [0, 1], got {momentum!r}")
    return BatchNorm.apply(
        x,
        weight,
        bias,
        running_mean=None if running_mean is None else running_mean.array,
        running_var=None if running_var is None else running_var.array,
        training=bool(training),
        momentum=float(momentum),
        eps=float(eps),
    )
