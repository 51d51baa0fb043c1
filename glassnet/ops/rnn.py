"""Fused recurrent ops: a whole sequence of one layer and one direction in one autograd node.

Each op runs the seed article's "unrolled mode": a Python loop over time that
does one matrix product and a few in-place array operations per step, writing
into buffers allocated once per call and reused by backward. Backward is one
loop of backpropagation through time carrying ``dh`` (and the LSTM's ``dc``)
from step to step. No tensor is created per step: the graph has one node per
layer and direction, whatever the sequence length.

How the loop is laid out (the speed comes from these choices):

- States are kept transposed, ``(H, N)``, and the gates of a step as
  ``(G*H, N)``, so every gate is a contiguous block of rows and every
  elementwise operation runs on contiguous memory.
- The recurrent and the input projections share one product per step:
  ``[W_hh | W_ih | b] @ [h; x_t; 1]``. The stack ``z[k] = [h; x_t; 1]`` of
  every step is kept, so backward accumulates all weight gradients with one
  product per step, ``dW += dgates @ z[k].T``.
- The LSTM's rows are rotated from PyTorch's (i, f, g, o) to (o, i, f, g) so
  the three sigmoid gates are adjacent, and their pre-activations are halved
  in the weights, because ``sigmoid(a) = 0.5 * tanh(a / 2) + 0.5``: a single
  ``tanh`` then serves all four gates. The GRU halves its r and z rows alike.
- Without a graph (inference) the LSTM keeps one step's gates and two cell
  states instead of every step's, so its working set stays in cache, and each
  new hidden state is computed into a private scratch array and copied into
  the stack (a ufunc writing straight into memory the other BLAS thread has
  just read was measured several times slower on a busy machine); on a quiet
  machine this took inference from 2.65 to 2.53 ms per batch of 128.

Inputs and outputs use PyTorch's layouts: ``x (T, N, I)`` (or ``(N, T, I)``
with ``batch_first=True``), ``weight_ih (G*H, I)``, ``weight_hh (G*H, H)``
with the gates stacked in PyTorch's order (LSTM: i, f, g, o; GRU: r, z, n).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import kernels
from .._kernels import elementwise
from ..autograd.function import Function
from ..backend import get_array_module
from ..tensor import Tensor
from ._parallel import split_threads
from ._workspace import default_workspace

__all__ = [
    "lstm_layer", "gru_layer", "rnn_layer", "lstm_cell", "gru_cell", "rnn_cell",
]  # fmt: skip


_empty = default_workspace().empty  # large buffers from the shared pool (ops/_workspace.py)


def _zeros(xp: Any, shape: tuple, dtype: Any) -> Any:
    a = _empty(xp, shape, dtype)
    a.fill(0)
    return a


# ------------------------------------------------------------------ helpers
def _rot_in(a: Any, h: int) -> Any:
    """LSTM rows from PyTorch's (i, f, g, o) to the internal (o, i, f, g)."""
    return get_array_module(a).concatenate((a[3 * h :], a[: 3 * h]))


def _rot_out(a: Any, h: int) -> Any:
    """LSTM rows from the internal (o, i, f, g) back to PyTorch's (i, f, g, o)."""
    return get_array_module(a).concatenate((a[h:], a[:h]))


def _bias_sum(b_ih: Any, b_hh: Any) -> Any:
    if b_ih is None:
        return b_hh
    if b_hh is None:
        return b_ih
    return b_ih + b_hh


def _time_major(a: Any, batch_first: bool) -> Any:
    """A ``(T, N, F)`` view of a sequence given as ``(T, N, F)`` or ``(N, T, F)``."""
    return a.transpose(1, 0, 2) if batch_first else a


def _order(t_len: int, reverse: bool) -> range:
    """Time index of each processing step ``k``."""
    return range(t_len - 1, -1, -1) if reverse else range(t_len)


def _rows(top: int, i_size: int) -> int:
    """Rows of ``[h; x; 1]`` rounded up to a multiple of 16 (zero padding): BLAS runs faster."""
    return -(-(top + i_size + 1) // 16) * 16


def _stack(xp: Any, x_tm: Any, h0: Any, top: int, reverse: bool) -> Any:
    """``z[k] = [h_prev (top rows); x_t (I rows); 1]`` for each step ``k``, shape (T+1, top+I+1, N).

    Slot ``k + 1`` receives the hidden state written by step ``k``; the rows
    ``top:`` of the last slot are unused.
    """
    t_len, n, i_size = x_tm.shape
    z = _empty(xp, (t_len + 1, _rows(top, i_size), n), x_tm.dtype)
    src = x_tm[::-1] if reverse else x_tm
    z[:t_len, top : top + i_size] = src.transpose(0, 2, 1)
    z[:, top + i_size] = 1
    z[:, top + i_size + 1 :] = 0
    z[t_len, top:] = 0
    if top:
        if h0 is None:
            z[0, :top] = 0
        else:
            z[0, :top] = h0.T
    return z


def _grad_steps(xp: Any, g: Any, batch_first: bool) -> Any:
    """The output gradient as ``(T, H, N)``, C-contiguous: each step's block in the
    states' layout, so the step loop reads it row by row (read through a transposed view,
    the LSTM's compiled backward step took 104 instead of 23 us at H = N = 128; the LSTM
    layer's forward and backward at T = 28, N = H = 128: 24.3 -> 23.1 ms, one process,
    alternating, three runs)."""
    g_tm = _time_major(g, batch_first)
    out = _empty(xp, (g_tm.shape[0], g_tm.shape[2], g_tm.shape[1]), g.dtype)
    out[...] = g_tm.transpose(0, 2, 1)
    return out


class _Recurrent(Function):
    """What the three ops share: the output buffer and the input gradient."""

    @staticmethod
    def _out_buffers(xp: Any, x: Any, h: int, batch_first: bool) -> tuple:
        """The op's output ``(T, N, H)`` or ``(N, T, H)``, and its time-major view."""
        out = _empty(xp, x.shape[:2] + (h,), x.dtype)
        return out, _time_major(out, batch_first)

    def _dx_buffer(self, xp: Any) -> Any:
        return _empty(xp, self.x_shape, self.dtype)


# ------------------------------------------------------------- the LSTM step
def _compiled_steps(xp: Any, gates: Any) -> tuple[Any, int]:
    """The compiled LSTM steps (:mod:`glassnet.kernels._rnn`) and their threads for the gate
    blocks ``gates`` (T, 4H, N), or ``(None, 1)`` (a device, or the NumPy path)."""
    if xp is not np or not gates.flags.c_contiguous:
        return None, 1
    mod = kernels.load("rnn")
    if mod is None or not mod.fits(gates):
        return None, 1
    return mod, split_threads(gates[0].nbytes)


def lstm_step(xp: Any, a: Any, c_prev: Any, c: Any, tc: Any, h: Any, tmp: Any) -> None:
    """One LSTM step after its gate product, in place: the reference definition.

    The GPU kernel ``glassnet_lstm_step`` (``glassnet/_kernels.py``) does the same float
    operations in the same order, and the fake-CuPy stand-in of that kernel calls this
    function, so the step is defined once in Python.

    Parameters
    ----------
    a : ndarray, shape (4H, N)
        Gate pre-activations in rows (o, i, f, g), the sigmoid rows (o, i, f) halved;
        overwritten with the activations (``sigmoid(x) = 0.5 * tanh(x / 2) + 0.5``).
    c_prev : ndarray, shape (H, N), or None
        The previous cell state (None: zero).
    c, tc, h : ndarray, shape (H, N)
        Written: the cell state, ``tanh(c)`` and the hidden state ``o * tanh(c)``.
    tmp : ndarray, shape (H, N)
        Scratch.
    """
    n_h = a.shape[0] // 4
    half = a.dtype.type(0.5)
    xp.tanh(a, out=a)  # one tanh serves all four gates
    sig = a[: 3 * n_h]
    sig *= half
    sig += half
    o, i, f, g = a[:n_h], a[n_h : 2 * n_h], a[2 * n_h : 3 * n_h], a[3 * n_h :]
    xp.multiply(i, g, out=c)
    if c_prev is not None:
        xp.multiply(f, c_prev, out=tmp)
        c += tmp
    xp.tanh(c, out=tc)
    xp.multiply(o, tc, out=h)


def lstm_step_grad(
    xp: Any, dh: Any, g_out: Any, a: Any, tc: Any, c_prev: Any, dc: Any, d: Any, deriv: Any,
    tmp: Any,
) -> None:  # fmt: skip
    """Backward of :func:`lstm_step`, in place: the reference definition.

    The GPU kernel ``glassnet_lstm_step_grad`` restates it; its fake-CuPy stand-in
    calls this function.

    Parameters
    ----------
    dh : ndarray, shape (H, N)
        Gradient of the step's hidden state from the step after; ``g_out`` (the
        output's gradient at this step, any strides) is added to it in place.
    a : ndarray, shape (4H, N)
        The step's gate activations, rows (o, i, f, g).
    tc : ndarray, shape (H, N)
        ``tanh(c)`` of the step.
    c_prev : ndarray, shape (H, N), or None
    dc : ndarray, shape (H, N)
        Gradient of the step's cell state from the step after; becomes the previous
        step's (``dc * f``).
    d : ndarray, shape (4H, N)
        Written: the gradients of the gate pre-activations (o, i, f, g).
    deriv, tmp : ndarray, shapes (4H, N) and (H, N)
        Scratch.
    """
    n_h = a.shape[0] // 4
    one = a.dtype.type(1)
    xp.copyto(tmp, g_out)
    dh += tmp
    o, i, f, g = a[:n_h], a[n_h : 2 * n_h], a[2 * n_h : 3 * n_h], a[3 * n_h :]
    d_o, d_i, d_f, d_g = d[:n_h], d[n_h : 2 * n_h], d[2 * n_h : 3 * n_h], d[3 * n_h :]
    # h = o * tanh(c): d_o = dh * tanh(c), and dc += dh * o * (1 - tanh(c)^2)
    xp.multiply(dh, tc, out=d_o)
    xp.multiply(d_o, tc, out=tmp)
    xp.subtract(dh, tmp, out=tmp)
    tmp *= o
    dc += tmp
    # c = f * c_prev + i * g
    xp.multiply(dc, g, out=d_i)
    if c_prev is None:
        d_f[...] = 0
    else:
        xp.multiply(dc, c_prev, out=d_f)
    xp.multiply(dc, i, out=d_g)
    # through the nonlinearities: sigmoid' = s (1 - s) on o, i, f; tanh' = 1 - g^2
    xp.subtract(one, a[: 3 * n_h], out=deriv[: 3 * n_h])
    deriv[: 3 * n_h] *= a[: 3 * n_h]
    xp.multiply(g, g, out=deriv[3 * n_h :])
    xp.subtract(one, deriv[3 * n_h :], out=deriv[3 * n_h :])
    d *= deriv
    dc *= f


# --------------------------------------------------------------------- LSTM
class LSTMLayer(_Recurrent):
    """One LSTM layer, one direction, all steps; see :func:`lstm_layer`."""

    def forward(
        self, x: Any, h0: Any, c0: Any, w_ih: Any, w_hh: Any, b_ih: Any, b_hh: Any,
        reverse: bool = False, batch_first: bool = False,
    ) -> tuple:  # fmt: skip
        xp = get_array_module(x, w_ih)
        x_tm = _time_major(x, batch_first)
        t_len, n, i_size = x_tm.shape
        h = w_hh.shape[1]
        dt = x.dtype
        half = dt.type(0.5)
        # [W_hh | W_ih | b], rows rotated to (o, i, f, g), sigmoid rows halved
        w = _zeros(xp, (4 * h, _rows(h, i_size)), dt)
        w[:, :h] = _rot_in(w_hh, h)
        w[:, h : h + i_size] = _rot_in(w_ih, h)
        b = _bias_sum(b_ih, b_hh)
        if b is not None:
            w[:, h + i_size] = _rot_in(b, h)
        w[: 3 * h] *= half
        z = _stack(xp, x_tm, h0, h, reverse)
        # backward reads every step's gates and cell states; without a graph one set of
        # buffers (two for the cell state) is reused and stays in cache
        keep = t_len if self.requires_grad else 1
        c_slots = t_len if self.requires_grad else 2
        gates = _empty(xp, (keep, 4 * h, n), dt)
        cs = _empty(xp, (c_slots, h, n), dt)
        tcs = _empty(xp, (keep, h, n), dt)
        out, out_tm = self._out_buffers(xp, x, h, batch_first)
        tmp = _empty(xp, (h, n), dt)
        hb = None if self.requires_grad else xp.empty((h, n), dtype=dt)
        c_prev = None if c0 is None else xp.ascontiguousarray(c0.T)
        fused = elementwise(xp, "glassnet_lstm_step")  # a GPU: one kernel per step
        compiled, threads = _compiled_steps(xp, gates)
        for k in range(t_len):
            a = gates[k % keep]
            if k == 0 and h0 is None:  # h_prev is zero: skip its columns
                xp.matmul(w[:, h:], z[0, h:], out=a)
            else:
                xp.matmul(w, z[k], out=a)
            c, tc = cs[k % c_slots], tcs[k % keep]
            if fused is not None:
                has_prev = dt.type(c_prev is not None)
                fused(tmp if c_prev is None else c_prev, has_prev,
                      a[:h], a[h : 2 * h], a[2 * h : 3 * h], a[3 * h :], c, tc, z[k + 1, :h])  # fmt: skip
            elif compiled is not None:
                compiled.lstm_step(a, c_prev, c, tc, z[k + 1, :h] if hb is None else hb, threads)
                if hb is not None:
                    z[k + 1, :h] = hb
            elif hb is None:
                lstm_step(xp, a, c_prev, c, tc, z[k + 1, :h], tmp)
            else:  # into scratch, then copied into the stack (see the module docstring)
                lstm_step(xp, a, c_prev, c, tc, hb, tmp)
                z[k + 1, :h] = hb
            c_prev = c
        for k, t in enumerate(_order(t_len, reverse)):
            out_tm[t] = z[k + 1, :h].T
        if self.requires_grad:
            self.reverse, self.batch_first = reverse, batch_first
            self.z, self.gates, self.cs, self.tcs = z, gates, cs, tcs
            self.c0 = None if c0 is None else xp.ascontiguousarray(c0.T)
            self.h0_given = h0 is not None
            self.w_ih, self.w_hh = w_ih, w_hh
            self.x_shape, self.dtype = x.shape, dt
        return out, z[t_len, :h].T.copy(), c_prev.T.copy()

    def backward(self, g_out: Any, g_hn: Any, g_cn: Any) -> tuple:
        xp = get_array_module(g_out)
        nx, nh0, nc0, nwi, nwh, nbi, nbh = self.needs_input_grad
        z, gates, cs, tcs = self.z, self.gates, self.cs, self.tcs
        t_len, h, n = cs.shape
        i_size = self.x_shape[2]
        dt = cs.dtype
        need_w = nwi or nwh or nbi or nbh
        g_steps = _grad_steps(xp, g_out, self.batch_first)  # (T, H, N)
        w_hh_r = xp.ascontiguousarray(_rot_in(self.w_hh, h).T)  # (H, 4H); dgates rows (o, i, f, g)
        w_ih_r = _rot_in(self.w_ih, h) if nx else None
        dx = self._dx_buffer(xp) if nx else None
        dx_tm = _time_major(dx, self.batch_first) if nx else None
        dw = _zeros(xp, (4 * h, z.shape[1]), dt) if need_w else None
        dw_step = _empty(xp, dw.shape, dt) if need_w else None
        d = _empty(xp, (4 * h, n), dt)
        d_o, d_i, d_f, d_g = d[:h], d[h : 2 * h], d[2 * h : 3 * h], d[3 * h :]
        deriv = _empty(xp, (4 * h, n), dt)
        dh = xp.ascontiguousarray(g_hn.T)
        dc = xp.ascontiguousarray(g_cn.T)
        tmp = _empty(xp, (h, n), dt)
        order = list(_order(t_len, self.reverse))
        skip_h0 = not self.h0_given  # z[0]'s h rows are zeros: no dW_hh from the first step
        fused = elementwise(xp, "glassnet_lstm_step_grad")  # a GPU: one kernel per step
        compiled, threads = _compiled_steps(xp, gates)
        for k in range(t_len - 1, -1, -1):
            t = order[k]
            a, c_prev = gates[k], (cs[k - 1] if k > 0 else self.c0)
            if fused is not None:
                has_prev = dt.type(c_prev is not None)
                fused(dh, g_steps[t], tcs[k], a[:h], a[h : 2 * h], a[2 * h : 3 * h], a[3 * h :],
                      tmp if c_prev is None else c_prev, has_prev, dc, d_o, d_i, d_f, d_g)  # fmt: skip
            elif compiled is not None:
                compiled.lstm_step_grad(dh, g_steps[t], a, tcs[k], c_prev, dc, d, threads)
            else:
                lstm_step_grad(xp, dh, g_steps[t], a, tcs[k], c_prev, dc, d, deriv, tmp)
            self._step_products(xp, k, t, d, dh, dw, dw_step, dx_tm, w_ih_r, w_hh_r,
                                need_w, nx, nh0, skip_h0)  # fmt: skip
        g_wi = _rot_out(dw[:, h : h + i_size], h) if nwi else None
        g_wh = _rot_out(dw[:, :h], h) if nwh else None
        g_b = _rot_out(dw[:, h + i_size], h) if (nbi or nbh) else None
        g_h0 = dh.T if nh0 else None
        g_c0 = dc.T if nc0 else None
        return dx, g_h0, g_c0, g_wi, g_wh, (g_b if nbi else None), (g_b if nbh else None)

    def _step_products(
        self, xp: Any, k: int, t: int, d: Any, dh: Any, dw: Any, dw_step: Any, dx_tm: Any,
        w_ih_r: Any, w_hh_r: Any, need_w: bool, nx: bool, nh0: bool, skip_h0: bool,
    ) -> None:  # fmt: skip
        """Step ``k``'s matrix products: weight gradients, the input's gradient, and ``dh``
        for the step before from the gate gradients ``d`` (4H, N)."""
        z, h = self.z, d.shape[0] // 4
        if need_w and k == 0 and skip_h0:
            xp.matmul(d, z[0, h:].T, out=dw_step[:, h:])
            dw[:, h:] += dw_step[:, h:]
        elif need_w:
            xp.matmul(d, z[k].T, out=dw_step)
            dw += dw_step
        if nx:
            xp.matmul(d.T, w_ih_r, out=dx_tm[t])
        if k > 0 or nh0:
            xp.matmul(w_hh_r, d, out=dh)


# ---------------------------------------------------------------------- GRU
class GRULayer(_Recurrent):
    """One GRU layer, one direction, all steps; see :func:`gru_layer`."""

    def forward(
        self, x: Any, h0: Any, w_ih: Any, w_hh: Any, b_ih: Any, b_hh: Any,
        reverse: bool = False, batch_first: bool = False,
    ) -> tuple:  # fmt: skip
        xp = get_array_module(x, w_ih)
        x_tm = _time_major(x, batch_first)
        t_len, n, i_size = x_tm.shape
        h = w_hh.shape[1]
        dt = x.dtype
        half = dt.type(0.5)
        # input side [W_ih | b_ih] and hidden side [W_hh | b_hh], r and z rows halved
        wx = _zeros(xp, (3 * h, _rows(0, i_size)), dt)
        wx[:, :i_size] = w_ih
        if b_ih is not None:
            wx[:, i_size] = b_ih
        wx[: 2 * h] *= half
        wh = xp.empty((3 * h, h + 1), dtype=dt)
        wh[:, :h] = w_hh
        wh[:, h] = 0 if b_hh is None else b_hh
        wh[: 2 * h] *= half
        xs = _stack(xp, x_tm, None, 0, reverse)[:t_len]  # (T, I+1 and padding, N): [x_t; 1]
        gates = xp.matmul(wx, xs, out=_empty(xp, (t_len, 3 * h, n), dt))
        zh = _empty(xp, (t_len + 1, h + 1, n), dt)  # [h_prev; 1]
        zh[:, h] = 1
        zh[0, :h] = 0 if h0 is None else h0.T
        hh = _empty(xp, (t_len, 3 * h, n), dt)
        out, out_tm = self._out_buffers(xp, x, h, batch_first)
        tmp = xp.empty((h, n), dtype=dt)
        compiled, threads = _compiled_steps(xp, gates)
        for k, t in enumerate(_order(t_len, reverse)):
            a, r_h = gates[k], hh[k]
            if k == 0 and h0 is None:
                xp.matmul(wh[:, h:], zh[0, h:], out=r_h)
            else:
                xp.matmul(wh, zh[k], out=r_h)
            if compiled is not None:
                compiled.gru_step(a, r_h, zh[k, :h], zh[k + 1, :h], threads)
                out_tm[t] = zh[k + 1, :h].T
                continue
            rz = a[: 2 * h]
            rz += r_h[: 2 * h]
            xp.tanh(rz, out=rz)
            rz *= half
            rz += half
            r, u, nn_ = a[:h], a[h : 2 * h], a[2 * h :]
            xp.multiply(r, r_h[2 * h :], out=tmp)
            nn_ += tmp
            xp.tanh(nn_, out=nn_)
            # h = n + z * (h_prev - n)
            h_k = zh[k + 1, :h]
            xp.subtract(zh[k, :h], nn_, out=tmp)
            tmp *= u
            xp.add(nn_, tmp, out=h_k)
            out_tm[t] = h_k.T
        if self.requires_grad:
            self.reverse, self.batch_first = reverse, batch_first
            self.xs, self.zh, self.gates, self.hh = xs, zh, gates, hh
            self.w_ih, self.w_hh = w_ih, w_hh
            self.x_shape, self.dtype = x.shape, dt
        return out, zh[t_len, :h].T.copy()

    def backward(self, g_out: Any, g_hn: Any) -> tuple:
        xp = get_array_module(g_out)
        nx, nh0, nwi, nwh, nbi, nbh = self.needs_input_grad
        xs, zh, gates, hh = self.xs, self.zh, self.gates, self.hh
        t_len, h3, n = gates.shape
        h = h3 // 3
        dt = gates.dtype
        g_steps = _grad_steps(xp, g_out, self.batch_first)  # (T, H, N)
        w_hh_t = self.w_hh.T
        dx = self._dx_buffer(xp) if nx else None
        dx_tm = _time_major(dx, self.batch_first) if nx else None
        dwx = xp.zeros((3 * h, xs.shape[1]), dtype=dt) if (nwi or nbi) else None
        dwh = xp.zeros((3 * h, h + 1), dtype=dt) if (nwh or nbh) else None
        dwx_step = None if dwx is None else xp.empty_like(dwx)
        dwh_step = None if dwh is None else xp.empty_like(dwh)
        dzx = xp.empty((3 * h, n), dtype=dt)
        dzh = xp.empty((3 * h, n), dtype=dt)
        dh = xp.ascontiguousarray(g_hn.T)
        tmp = xp.empty((h, n), dtype=dt)
        tmp2 = xp.empty((2 * h, n), dtype=dt)
        order = list(_order(t_len, self.reverse))
        for k in range(t_len - 1, -1, -1):
            t = order[k]
            self._step_grad(xp, dh, g_steps[t], gates[k], hh[k], zh[k, :h], dzx, dzh, tmp, tmp2)
            if dwx is not None:
                xp.matmul(dzx, xs[k].T, out=dwx_step)
                dwx += dwx_step
            if dwh is not None:
                xp.matmul(dzh, zh[k].T, out=dwh_step)
                dwh += dwh_step
            if nx:
                xp.matmul(dzx.T, self.w_ih, out=dx_tm[t])
            if k > 0 or nh0:
                xp.matmul(w_hh_t, dzh, out=tmp)
                dh += tmp
        i_size = self.x_shape[2]
        g_wi = dwx[:, :i_size] if nwi else None
        g_bi = dwx[:, i_size] if nbi else None
        g_wh = dwh[:, :h] if nwh else None
        g_bh = dwh[:, h] if nbh else None
        g_h0 = dh.T if nh0 else None
        return dx, g_h0, g_wi, g_wh, g_bi, g_bh


    @staticmethod
    def _step_grad(
        xp: Any, dh: Any, g_out: Any, a: Any, r_h: Any, h_prev: Any, dzx: Any, dzh: Any,
        tmp: Any, tmp2: Any,
    ) -> None:  # fmt: skip
        """The elementwise part of one step's backward, in place: ``dh`` takes ``g_out``
        and becomes ``dh * z``; ``dzx``, ``dzh`` (3H, N) get the pre-activation gradients."""
        h = dh.shape[0]
        one = dh.dtype.type(1)
        xp.copyto(tmp, g_out)
        dh += tmp
        r, u, nn_ = a[:h], a[h : 2 * h], a[2 * h :]
        d_r, d_u, d_n = dzx[:h], dzx[h : 2 * h], dzx[2 * h :]
        # through h = n + z * (h_prev - n)
        xp.subtract(h_prev, nn_, out=d_u)
        d_u *= dh
        xp.subtract(one, u, out=tmp)
        xp.multiply(dh, tmp, out=d_n)
        xp.multiply(nn_, nn_, out=tmp)
        xp.subtract(one, tmp, out=tmp)
        d_n *= tmp
        # r enters through r * (W_hn h + b_hn)
        xp.multiply(d_n, r_h[2 * h :], out=d_r)
        xp.multiply(d_n, r, out=dzh[2 * h :])
        rz = a[: 2 * h]
        xp.subtract(one, rz, out=tmp2)
        tmp2 *= rz
        dzx[: 2 * h] *= tmp2
        dzh[: 2 * h] = dzx[: 2 * h]
        dh *= u


# ---------------------------------------------------------------------- RNN
class RNNLayer(_Recurrent):
    """One Elman RNN layer, one direction, all steps; see :func:`rnn_layer`."""

    def forward(
        self, x: Any, h0: Any, w_ih: Any, w_hh: Any, b_ih: Any, b_hh: Any,
        reverse: bool = False, batch_first: bool = False, relu: bool = False,
    ) -> tuple:  # fmt: skip
        xp = get_array_module(x, w_ih)
        x_tm = _time_major(x, batch_first)
        t_len, n, i_size = x_tm.shape
        h = w_hh.shape[1]
        dt = x.dtype
        w = _zeros(xp, (h, _rows(h, i_size)), dt)
        w[:, :h] = w_hh
        w[:, h : h + i_size] = w_ih
        b = _bias_sum(b_ih, b_hh)
        if b is not None:
            w[:, h + i_size] = b
        z = _stack(xp, x_tm, h0, h, reverse)
        out, out_tm = self._out_buffers(xp, x, h, batch_first)
        for k, t in enumerate(_order(t_len, reverse)):
            h_k = z[k + 1, :h]
            if k == 0 and h0 is None:
                xp.matmul(w[:, h:], z[0, h:], out=h_k)
            else:
                xp.matmul(w, z[k], out=h_k)
            if relu:
                xp.maximum(h_k, 0, out=h_k)
            else:
                xp.tanh(h_k, out=h_k)
            out_tm[t] = h_k.T
        if self.requires_grad:
            self.reverse, self.batch_first, self.relu = reverse, batch_first, relu
            self.z = z
            self.w_ih, self.w_hh = w_ih, w_hh
            self.x_shape, self.dtype = x.shape, dt
        return out, z[t_len, :h].T.copy()

    def backward(self, g_out: Any, g_hn: Any) -> tuple:
        xp = get_array_module(g_out)
        nx, nh0, nwi, nwh, nbi, nbh = self.needs_input_grad
        z = self.z
        t_len = z.shape[0] - 1
        h = self.w_hh.shape[0]
        i_size = self.x_shape[2]
        dt = z.dtype
        one = dt.type(1)
        need_w = nwi or nwh or nbi or nbh
        g_steps = _grad_steps(xp, g_out, self.batch_first)  # (T, H, N)
        w_hh_t = self.w_hh.T
        dx = self._dx_buffer(xp) if nx else None
        dx_tm = _time_major(dx, self.batch_first) if nx else None
        dw = _zeros(xp, (h, z.shape[1]), dt) if need_w else None
        dw_step = xp.empty_like(dw) if need_w else None
        dh = xp.ascontiguousarray(g_hn.T)
        d = xp.empty((h, z.shape[2]), dtype=dt)
        tmp = xp.empty_like(d)
        order = list(_order(t_len, self.reverse))
        for k in range(t_len - 1, -1, -1):
            t = order[k]
            xp.copyto(tmp, g_steps[t])
            dh += tmp
            h_k = z[k + 1, :h]
            if self.relu:
                xp.greater(h_k, 0, out=tmp)
            else:
                xp.multiply(h_k, h_k, out=tmp)
                xp.subtract(one, tmp, out=tmp)
            xp.multiply(dh, tmp, out=d)
            if need_w:
                xp.matmul(d, z[k].T, out=dw_step)
                dw += dw_step
            if nx:
                xp.matmul(d.T, self.w_ih, out=dx_tm[t])
            if k > 0 or nh0:
                xp.matmul(w_hh_t, d, out=dh)
        g_wi = dw[:, h : h + i_size] if nwi else None
        g_wh = dw[:, :h] if nwh else None
        g_b = dw[:, h + i_size] if (nbi or nbh) else None
        g_h0 = dh.T if nh0 else None
        return dx, g_h0, g_wi, g_wh, (g_b if nbi else None), (g_b if nbh else None)


# ------------------------------------------------------------------- checks
def _check(
    name: str, x: Tensor, states: tuple, w_ih: Tensor, w_hh: Tensor, gates: int, batch_first: bool
) -> None:
    what = "(N, T, input_size)" if batch_first else "(T, N, input_size)"
    if x.ndim != 3:
        raise ValueError(f"{name}: expected x of shape {what}, got {tuple(x.shape)}")
    if w_hh.ndim != 2 or w_hh.shape[0] != gates * w_hh.shape[1]:
        raise ValueError(
            f"{name}: expected weight_hh of shape ({gates}*H, H), got {tuple(w_hh.shape)}"
        )
    h = w_hh.shape[1]
    if tuple(w_ih.shape) != (gates * h, x.shape[2]):
        raise ValueError(
            f"{name}: expected weight_ih of shape ({gates * h}, {x.shape[2]}) for x of shape "
            f"{tuple(x.shape)}, got {tuple(w_ih.shape)}"
        )
    want = (x.shape[0] if batch_first else x.shape[1], h)
    for label, s in states:
        if s is not None and tuple(s.shape) != want:
            raise ValueError(f"{name}: expected {label} of shape {want}, got {tuple(s.shape)}")
    if x.shape[0] == 0 or x.shape[1] == 0:
        raise ValueError(f"{name}: x must have at least one step and one sample, got {x.shape}")


# ---------------------------------------------------------------- functions
def lstm_layer(
    x: Tensor,
    h0: Tensor | None,
    c0: Tensor | None,
    weight_ih: Tensor,
    weight_hh: Tensor,
    bias_ih: Tensor | None = None,
    bias_hh: Tensor | None = None,
    *,
    reverse: bool = False,
    batch_first: bool = False,
) -> tuple[Tensor, Tensor, Tensor]:
    """Run one LSTM layer in one direction over a whole sequence (one fused op).

    Parameters
    ----------
    x : Tensor, shape (T, N, I), or (N, T, I) with ``batch_first``
    h0, c0 : Tensor, shape (N, H), or None
        Initial hidden and cell state (zeros when ``None``).
    weight_ih : Tensor, shape (4H, I)
        Rows stacked as gates i, f, g, o (PyTorch's order).
    weight_hh : Tensor, shape (4H, H)
    bias_ih, bias_hh : Tensor, shape (4H,), optional
    reverse : bool, default False
        Run from the last step to the first (the backward direction of a
        bidirectional layer); ``out[t]`` stays aligned with ``x[t]``.
    batch_first : bool, default False
        ``x`` and ``out`` are ``(N, T, .)`` instead of ``(T, N, .)``.

    Returns
    -------
    out : Tensor, shape (T, N, H), or (N, T, H) with ``batch_first``
        The hidden state after each step.
    h_n, c_n : Tensor, shape (N, H)
        Hidden and cell state after the last step processed.
    """
    _check("lstm_layer", x, (("h0", h0), ("c0", c0)), weight_ih, weight_hh, 4, batch_first)
    return LSTMLayer.apply(
        x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh,
        reverse=reverse, batch_first=batch_first,
    )  # fmt: skip


def gru_layer(
    x: Tensor,
    h0: Tensor | None,
    weight_ih: Tensor,
    weight_hh: Tensor,
    bias_ih: Tensor | None = None,
    bias_hh: Tensor | None = None,
    *,
    reverse: bool = False,
    batch_first: bool = False,
) -> tuple[Tensor, Tensor]:
    """Run one GRU layer in one direction over a whole sequence (one fused op).

    PyTorch's equations, gates r, z, n::

        r = sigmoid(W_ir x + b_ir + W_hr h + b_hr)
        z = sigmoid(W_iz x + b_iz + W_hz h + b_hz)
        n = tanh(W_in x + b_in + r * (W_hn h + b_hn))
        h' = (1 - z) * n + z * h

    Parameters
    ----------
    x : Tensor, shape (T, N, I), or (N, T, I) with ``batch_first``
    h0 : Tensor, shape (N, H), or None
    weight_ih : Tensor, shape (3H, I)
        Rows stacked as gates r, z, n (PyTorch's order).
    weight_hh : Tensor, shape (3H, H)
    bias_ih, bias_hh : Tensor, shape (3H,), optional
    reverse, batch_first : bool, default False
        As in :func:`lstm_layer`.

    Returns
    -------
    out : Tensor, shape (T, N, H), or (N, T, H) with ``batch_first``
    h_n : Tensor, shape (N, H)
    """
    _check("gru_layer", x, (("h0", h0),), weight_ih, weight_hh, 3, batch_first)
    return GRULayer.apply(
        x, h0, weight_ih, weight_hh, bias_ih, bias_hh, reverse=reverse, batch_first=batch_first
    )


def rnn_layer(
    x: Tensor,
    h0: Tensor | None,
    weight_ih: Tensor,
    weight_hh: Tensor,
    bias_ih: Tensor | None = None,
    bias_hh: Tensor | None = None,
    *,
    nonlinearity: str = "tanh",
    reverse: bool = False,
    batch_first: bool = False,
) -> tuple[Tensor, Tensor]:
    """Run one Elman RNN layer, ``h' = act(W_ih x + b_ih + W_hh h + b_hh)``, over a sequence.

    Parameters
    ----------
    x : Tensor, shape (T, N, I), or (N, T, I) with ``batch_first``
    h0 : Tensor, shape (N, H), or None
    weight_ih : Tensor, shape (H, I)
    weight_hh : Tensor, shape (H, H)
    bias_ih, bias_hh : Tensor, shape (H,), optional
    nonlinearity : {"tanh", "relu"}
    reverse, batch_first : bool, default False
        As in :func:`lstm_layer`.

    Returns
    -------
    out : Tensor, shape (T, N, H), or (N, T, H) with ``batch_first``
    h_n : Tensor, shape (N, H)
    """
    if nonlinearity not in ("tanh", "relu"):
        raise ValueError(f"rnn_layer: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
    _check("rnn_layer", x, (("h0", h0),), weight_ih, weight_hh, 1, batch_first)
    return RNNLayer.apply(
        x, h0, weight_ih, weight_hh, bias_ih, bias_hh,
        reverse=reverse, batch_first=batch_first, relu=nonlinearity == "relu",
    )  # fmt: skip


def _one_step(name: str, x: Tensor) -> Tensor:
    if x.ndim != 2:
        raise ValueError(f"{name}: expected x of shape (N, input_size), got {tuple(x.shape)}")
    return x.reshape((1,) + tuple(x.shape))


def lstm_cell(
    x: Tensor,
    h: Tensor | None,
    c: Tensor | None,
    weight_ih: Tensor,
    weight_hh: Tensor,
    bias_ih: Tensor | None = None,
    bias_hh: Tensor | None = None,
) -> tuple[Tensor, Tensor]:
    """One LSTM step: ``x (N, I)`` and state ``h, c (N, H)`` -> ``(h', c')``, each ``(N, H)``."""
    _, h1, c1 = lstm_layer(_one_step("lstm_cell", x), h, c, weight_ih, weight_hh, bias_ih, bias_hh)
    return h1, c1


def gru_cell(
    x: Tensor,
    h: Tensor | None,
    weight_ih: Tensor,
    weight_hh: Tensor,
    bias_ih: Tensor | None = None,
    bias_hh: Tensor | None = None,
) -> Tensor:
    """One GRU step: ``x (N, I)`` and ``h (N, H)`` -> ``h' (N, H)``."""
    return gru_layer(_one_step("gru_cell", x), h, weight_ih, weight_hh, bias_ih, bias_hh)[1]


def rnn_cell(
    x: Tensor,
    h: Tensor | None,
    weight_ih: Tensor,
    weight_hh: Tensor,
    bias_ih: Tensor | None = None,
    bias_hh: Tensor | None = None,
    *,
    nonlinearity: str = "tanh",
) -> Tensor:
    """One Elman RNN step: ``x (N, I)`` and ``h (N, H)`` -> ``h' (N, H)``."""
    x1 = _one_step("rnn_cell", x)
    return rnn_layer(x1, h, weight_ih, weight_hh, bias_ih, bias_hh, nonlinearity=nonlinearity)[1]
