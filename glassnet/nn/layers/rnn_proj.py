"""The LSTM with a projected hidden state (PyTorch's ``proj_size``), step by step.

With ``proj_size = P > 0`` PyTorch's LSTM feeds back a projection of the cell's
output instead of the output itself::

    gates = W_ih x_t + b_ih + W_hh r_{t-1} + b_hh     # W_hh is (4H, P)
    c_t = f * c_{t-1} + i * g
    r_t = W_hr (o * tanh(c_t))                         # W_hr is (P, H): the new hidden state

The fused op (``glassnet.ops.rnn.LSTMLayer``) and its compiled kernels assume
the fed-back state and the cell have the same size, so this variant is written
as a loop over time of ordinary differentiable ops (linear, sigmoid, tanh,
slicing, stack). It is slower than the fused op (a few graph nodes per step),
but autograd, the float64 gradient check and ONNX export come from those ops
as they are. Only ``LSTM(..., proj_size=P)`` uses it.
"""

from __future__ import annotations

from ...ops.activation import sigmoid, tanh
from ...ops.linear import linear
from ...ops.shape import split, stack
from ...tensor import Tensor

__all__ = ["lstm_proj_layer"]


def _input_gates(x_tm: Tensor, w_ih: Tensor, b_ih: Tensor | None, b_hh: Tensor | None) -> Tensor:
    """``W_ih x_t + b_ih + b_hh`` for every step at once: ``(T, N, 4H)``."""
    a = linear(x_tm, w_ih, b_ih)
    return a if b_hh is None else a + b_hh


def _step(
    a: Tensor, r: Tensor | None, c: Tensor | None, w_hh: Tensor, w_hr: Tensor
) -> tuple[Tensor, Tensor]:
    """One step from the input part of the gates ``a`` (N, 4H); returns ``(r_t, c_t)``.

    ``r`` (N, P) and ``c`` (N, H) are the previous states; ``None`` stands for zeros.
    """
    if r is not None:
        a = a + linear(r, w_hh)
    i, f, g, o = split(a, w_hr.shape[1], axis=-1)
    c_new = sigmoid(i) * tanh(g)
    if c is not None:
        c_new = sigmoid(f) * c + c_new
    return linear(sigmoid(o) * tanh(c_new), w_hr), c_new


def lstm_proj_layer(
    x: Tensor,
    h0: Tensor | None,
    c0: Tensor | None,
    weight_ih: Tensor,
    weight_hh: Tensor,
    bias_ih: Tensor | None,
    bias_hh: Tensor | None,
    weight_hr: Tensor,
    *,
    reverse: bool = False,
    batch_first: bool = False,
) -> tuple[Tensor, Tensor, Tensor]:
    """Run one projected LSTM layer in one direction over a whole sequence.

    Parameters
    ----------
    x : Tensor, shape (T, N, I), or (N, T, I) with ``batch_first``
    h0 : Tensor, shape (N, P), or None
        Initial (projected) hidden state; zeros when ``None``.
    c0 : Tensor, shape (N, H), or None
        Initial cell state; zeros when ``None``.
    weight_ih : Tensor, shape (4H, I)
        Rows stacked as gates i, f, g, o (PyTorch's order).
    weight_hh : Tensor, shape (4H, P)
    bias_ih, bias_hh : Tensor, shape (4H,), or None
    weight_hr : Tensor, shape (P, H)
        The projection of ``o * tanh(c)`` to the hidden state.
    reverse : bool, default False
        Run from the last step to the first; ``out[t]`` stays aligned with ``x[t]``.
    batch_first : bool, default False
        ``x`` and ``out`` are ``(N, T, .)`` instead of ``(T, N, .)``.

    Returns
    -------
    out : Tensor, shape (T, N, P), or (N, T, P) with ``batch_first``
        The projected hidden state after each step.
    h_n : Tensor, shape (N, P)
    c_n : Tensor, shape (N, H)
    """
    x_tm = x.transpose(0, 1) if batch_first else x
    a = _input_gates(x_tm, weight_ih, bias_ih, bias_hh)
    t_len = x_tm.shape[0]
    order = range(t_len - 1, -1, -1) if reverse else range(t_len)
    r, c = h0, c0
    if r is None:  # zeros, as torch: W_hh then takes part (a zero gradient, not None, for T=1)
        r = Tensor(a.xp.zeros((a.shape[1], weight_hr.shape[0]), dtype=a.dtype))
    outs: list[Tensor] = [None] * t_len  # type: ignore[list-item]
    for t in order:
        r, c = _step(a[t], r, c, weight_hh, weight_hr)
        outs[t] = r
    out = stack(outs, axis=0)
    return (out.transpose(0, 1) if batch_first else out), r, c
