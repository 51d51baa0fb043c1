"""Recurrent layers over whole sequences: ``RNN``, ``LSTM``, ``GRU`` (PyTorch's interface).

Parameter names, shapes, gate order and initialisation are PyTorch's, so a
``state_dict`` moves between the two frameworks unchanged. Each layer and
direction runs as one fused op (``glassnet.ops.rnn``), the seed article's
"unrolled mode"; the same weights are applied at every step (parameter
sharing over time). Single steps are in ``rnn_cells.py``; carrying the state
across calls (streaming) is in ``streaming.py``.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from ..._errors import ShapeError
from ...backend import default_dtype
from ...ops.dropout import dropout as _dropout
from ...ops.rnn import gru_layer, lstm_layer, rnn_layer
from ...ops.shape import concat, stack
from ...tensor import Tensor
from .. import init
from ..module import Module, Parameter
from ..utils.rnn import PackedSequence
from ._checks import positive_int, probability
from .rnn_packed import run_packed
from .rnn_proj import lstm_proj_layer

__all__ = ["RNN", "LSTM", "GRU"]


def _check_proj_size(name: str, proj_size: Any, hidden_size: int) -> int:
    """PyTorch's ``proj_size``: 0 (none), or for the LSTM an int in ``[1, hidden_size)``."""
    if isinstance(proj_size, bool) or not isinstance(proj_size, (int, np.integer)) or proj_size < 0:
        raise ValueError(f"{name}: proj_size must be a non-negative int, got {proj_size!r}")
    if proj_size == 0:
        return 0
    if name != "LSTM":
        raise ValueError(f"{name}: proj_size is only supported for LSTM, got {proj_size!r}")
    if proj_size >= hidden_size:
        raise ValueError(
            f"LSTM: proj_size must be smaller than hidden_size ({hidden_size}), got {proj_size!r}"
        )
    return int(proj_size)


class _RNNBase(Module):
    """Shared construction, checks and the layer/direction loop of ``RNN``, ``LSTM``, ``GRU``."""

    _gates = 1

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        self.input_size = positive_int(name, "input_size", input_size)
        self.hidden_size = positive_int(name, "hidden_size", hidden_size)
        self.proj_size = _check_proj_size(name, proj_size, self.hidden_size)
        self.num_layers = positive_int(name, "num_layers", num_layers)
        self.dropout = probability(name, "dropout", dropout)
        for flag, value in (("bias", bias), ("batch_first", batch_first)):
            if not isinstance(value, bool):
                raise ValueError(f"{name}: {flag} must be True or False, got {value!r}")
        if not isinstance(bidirectional, bool):
            raise ValueError(f"{name}: bidirectional must be True or False, got {bidirectional!r}")
        self.bias = bias
        self.batch_first = batch_first
        self.bidirectional = bidirectional
        if dropout > 0 and num_layers == 1:
            warnings.warn(
                f"{name}: dropout={dropout} acts between stacked layers only, "
                "so it does nothing with num_layers=1",
                stacklevel=2,
            )
        dt = np.dtype(dtype) if dtype is not None else default_dtype()
        for layer in range(num_layers):
            for suffix in self._suffixes():
                self._make_parameters(layer, suffix, dt)
        self.reset_parameters()
        if device is not None:
            self.to(device)

    def _make_parameters(self, layer: int, suffix: str, dt: np.dtype) -> None:
        """One layer and direction's parameters, registered in PyTorch's order."""
        rows, out = self._gates * self.hidden_size, self.out_size
        width = self.input_size if layer == 0 else out * self.num_directions
        names = self._param_names(layer, suffix)
        setattr(self, names[0], Parameter(np.empty((rows, width), dtype=dt)))
        setattr(self, names[1], Parameter(np.empty((rows, out), dtype=dt)))
        for k in names[2:]:
            if self.bias:
                setattr(self, k, Parameter(np.empty((rows,), dtype=dt)))
            else:
                self.register_parameter(k, None)
        if self.proj_size:
            shape = (self.proj_size, self.hidden_size)
            setattr(self, f"weight_hr_l{layer}{suffix}", Parameter(np.empty(shape, dtype=dt)))

    # ------------------------------------------------------------ structure
    @property
    def num_directions(self) -> int:
        return 2 if self.bidirectional else 1

    @property
    def out_size(self) -> int:
        """Size of the hidden state and of each direction's output: ``proj_size`` or ``hidden_size``."""
        return self.proj_size or self.hidden_size

    def _suffixes(self) -> tuple[str, ...]:
        return ("", "_reverse") if self.bidirectional else ("",)

    @staticmethod
    def _param_names(layer: int, suffix: str) -> tuple[str, str, str, str]:
        return tuple(
            f"{k}_l{layer}{suffix}" for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
        )  # type: ignore[return-value]

    @property
    def all_weights(self) -> list[list[Parameter]]:
        """Each layer and direction's parameters (``w_ih, w_hh[, b_ih, b_hh][, w_hr]``), in
        torch's order, as torch's ``all_weights``."""
        return [
            [w for w in self._weights(layer, d) if w is not None]
            for layer in range(self.num_layers) for d in range(self.num_directions)
        ]  # fmt: skip

    def flatten_parameters(self) -> None:
        """torch's cuDNN weight compaction (called in ``forward`` by many RNN scripts):
        nothing to do here, the weights are used as they are."""

    def _weights(self, layer: int, direction: int) -> tuple:
        """``(w_ih, w_hh, b_ih, b_hh)``, and ``w_hr`` last with a projection."""
        suffix = self._suffixes()[direction]
        names = self._param_names(layer, suffix)
        if self.proj_size:
            names += (f"weight_hr_l{layer}{suffix}",)
        return tuple(getattr(self, k) for k in names)

    def reset_parameters(self) -> None:
        """Every weight and bias from ``U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))``, as PyTorch."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -bound, bound)

    # --------------------------------------------------------------- checks
    def _expected(self, batched: bool) -> str:
        if not batched:
            return f"(T, {self.input_size})"
        return f"(N, T, {self.input_size})" if self.batch_first else f"(T, N, {self.input_size})"

    def _check_input(self, x: Any) -> bool:
        if not isinstance(x, Tensor):
            raise TypeError(f"{self!r}: expected a Tensor input, got {type(x).__name__}")
        shape = tuple(x.shape)
        if x.ndim not in (2, 3):
            raise ShapeError(
                f"{self!r}: expected input of shape {self._expected(True)} "
                f"(or {self._expected(False)} unbatched), got {shape}"
            )
        batched = x.ndim == 3
        if shape[-1] != self.input_size:
            raise ShapeError(
                f"{self!r}: expected input of shape {self._expected(batched)} with "
                f"{self.input_size} features in the last axis, got {shape}"
            )
        p = self.weight_ih_l0
        if x.dtype != p.dtype:
            raise TypeError(
                f"{self!r}: input dtype {x.dtype} differs from the parameters' {p.dtype}; "
                f"cast the input or call .to(dtype=...) on the layer"
            )
        return batched

    def _check_state(self, name: str, s: Any, n: int, batched: bool) -> Tensor:
        lead = self.num_layers * self.num_directions
        projected = name == "h0" and self.proj_size > 0
        size = self.proj_size if projected else self.hidden_size
        want = (lead, n, size) if batched else (lead, size)
        if not isinstance(s, Tensor):
            raise TypeError(f"{self!r}: expected {name} to be a Tensor, got {type(s).__name__}")
        if tuple(s.shape) != want:
            last = "proj_size" if projected else "hidden_size"
            what = f"(num_layers * num_directions, N, {last})"
            if not batched:
                what = f"(num_layers * num_directions, {last}) for unbatched input"
            raise ShapeError(
                f"{self!r}: expected {name} of shape {want} {what}, got {tuple(s.shape)}"
            )
        if not batched:
            s = s.reshape((lead, 1, size))
        return s

    # -------------------------------------------------------------- forward
    def _run(self, x: Tensor, states: list, weights: tuple, reverse: bool) -> tuple:
        raise NotImplementedError

    def _forward(self, x: Tensor, states: list | None) -> tuple[Tensor, list[Tensor]]:
        """Run all layers and directions; return ``(output, [h_n, (c_n)])`` (batched)."""
        n_states = 2 if self._gates == 4 else 1
        finals: list[list[Tensor]] = [[] for _ in range(n_states)]
        layer_in = x
        for layer in range(self.num_layers):
            outs = []
            for d in range(self.num_directions):
                idx = layer * self.num_directions + d
                init_states = [None if s is None else s[idx] for s in states or [None] * n_states]
                res = self._run(layer_in, init_states, self._weights(layer, d), reverse=d == 1)
                outs.append(res[0])
                for k in range(n_states):
                    finals[k].append(res[1 + k])
            layer_out = outs[0] if len(outs) == 1 else concat(outs, axis=-1)
            if self.dropout > 0 and self.training and layer < self.num_layers - 1:
                layer_out = _dropout(layer_out, self.dropout, training=True)
            layer_in = layer_out
        return layer_in, [stack(f, axis=0) if len(f) > 1 else f[0].unsqueeze(0) for f in finals]

    def _prepare(self, x: Tensor, hx: Any, state_names: tuple[str, ...]) -> tuple:
        batched = self._check_input(x)
        if not batched:
            x = x.unsqueeze(0 if self.batch_first else 1)
        n = x.shape[0] if self.batch_first else x.shape[1]
        states = None
        if hx is not None:
            if len(state_names) == 2:
                if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                    raise TypeError(
                        f"{self!r}: expected hx to be a tuple (h0, c0), got {type(hx).__name__}"
                    )
                states = [self._check_state(k, s, n, batched) for k, s in zip(state_names, hx)]
            else:
                states = [self._check_state(state_names[0], hx, n, batched)]
        return x, states, batched

    def _finish(self, out: Tensor, finals: list[Tensor], batched: bool) -> tuple:
        if not batched:
            out = out.squeeze(0 if self.batch_first else 1)
            finals = [f.squeeze(1) for f in finals]
        return out, finals

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size:  # torch's order: proj_size first
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if not self.bias:
            s += ", bias=False"
        if self.batch_first:
            s += ", batch_first=True"
        if self.dropout:
            s += f", dropout={self.dropout}"
        if self.bidirectional:
            s += ", bidirectional=True"
        return s


class RNN(_RNNBase):
    """Elman recurrent network: ``h_t = act(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)``.

    Parameters
    ----------
    input_size : int
        Features per time step.
    hidden_size : int
        Size of the hidden state ``H``.
    num_layers : int, default 1
        Stacked layers; each takes the previous one's output sequence.
    nonlinearity : {"tanh", "relu"}, default "tanh"
    bias : bool, default True
    batch_first : bool, default False
        Input and output are ``(N, T, F)`` instead of ``(T, N, F)``; states are not affected.
    dropout : float, default 0.0
        Dropout on the outputs of every layer but the last, in training only.
    bidirectional : bool, default False
        Add a second direction that reads the sequence backwards; outputs are concatenated.
    proj_size : int, default 0
        Only 0, as in PyTorch (which raises for any other value on an RNN).
    device : device, optional
        Where the parameters live (the CPU by default).
    dtype : dtype, optional
        Parameter dtype (float32 by default).

    Arguments are PyTorch's, in PyTorch's order: ``RNN(28, 128, 2, 'relu')``.

    Shape
    -----
    - Input: ``(T, N, input_size)``, ``(N, T, input_size)`` with ``batch_first``,
      or ``(T, input_size)`` unbatched.
    - h0 (optional): ``(num_layers * D, N, H)``, zeros when omitted (``D = 2`` if bidirectional).
    - Output: ``(T, N, D * H)`` (or ``(N, T, D * H)``), the last layer's state at every step.
    - h_n: ``(num_layers * D, N, H)``, every layer's final state.

    Attributes
    ----------
    weight_ih_l{k}, weight_hh_l{k} : Parameter, shapes (H, in) and (H, H)
        ``in`` is ``input_size`` for layer 0 and ``D * H`` above. The backward
        direction's parameters end in ``_reverse``.
    bias_ih_l{k}, bias_hh_l{k} : Parameter, shape (H,)
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        super().__init__(
            input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
            proj_size, device, dtype,
        )  # fmt: skip
        self.nonlinearity = nonlinearity

    def _run(self, x: Tensor, states: list, weights: tuple, reverse: bool) -> tuple:
        return rnn_layer(
            x, states[0], *weights, nonlinearity=self.nonlinearity,
            reverse=reverse, batch_first=self.batch_first,
        )  # fmt: skip

    def forward(self, input: Tensor, hx: Tensor | None = None) -> tuple[Tensor, Tensor]:  # noqa: A002
        """Run the sequence (a Tensor or a PackedSequence); return ``(output, h_n)``."""
        if isinstance(input, PackedSequence):
            out, finals = run_packed(self, input, hx)
            return out, finals[0]
        x, states, batched = self._prepare(input, hx, ("h0",))
        out, finals = self._forward(x, states)
        out, finals = self._finish(out, finals, batched)
        return out, finals[0]


class LSTM(_RNNBase):
    """Long short-term memory: the seed article's gated cell, over a whole sequence.

    At each step ``t`` the cell reads the input ``x_t`` and the previous hidden
    state ``h_{t-1}`` and computes four gate pre-activations with one product,
    ``W_ih x_t + b_ih + W_hh h_{t-1} + b_hh``. The rows of ``weight_ih_l0``
    (and of ``weight_hh_l0`` and the biases) are stacked in PyTorch's order,
    each block ``H`` rows long; below, ``W_ii = weight_ih_l0[0:H]``,
    ``W_hi = weight_hh_l0[0:H]``, ``b_ii = bias_ih_l0[0:H]`` and so on:

    - rows ``0:H``, gate **i**, the *input gate*: ``i = sigmoid(W_ii x + b_ii + W_hi h + b_hi)``,
      how much of the candidate enters the memory;
    - rows ``H:2H``, gate **f**, the *forget gate*: ``f = sigmoid(W_if x + b_if + W_hf h + b_hf)``,
      how much of the old memory is kept;
    - rows ``2H:3H``, gate **g**, the *candidate memory cell*:
      ``g = tanh(W_ig x + b_ig + W_hg h + b_hg)``, the new content on offer;
    - rows ``3H:4H``, gate **o**, the *output gate*: ``o = sigmoid(W_io x + b_io + W_ho h + b_ho)``,
      how much of the memory is shown.

    The *actual memory cell* ``c_t`` and the new hidden state are then::

        c_t = f * c_{t-1} + i * g        # keep part of the old memory, add part of the candidate
        h_t = o * tanh(c_t)              # what the cell shows: the output, fed back at t + 1

    The gates are sigmoids, values in (0, 1) that act as soft switches; the
    additive update of ``c_t`` is what lets gradients travel over many steps.
    The same weights serve every step (parameter sharing over time).

    Parameters
    ----------
    input_size : int
        Features per time step.
    hidden_size : int
        Size of ``h`` and ``c``.
    num_layers : int, default 1
    bias : bool, default True
    batch_first : bool, default False
        Input and output are ``(N, T, F)`` instead of ``(T, N, F)``; states are not affected.
    dropout : float, default 0.0
        Dropout on the outputs of every layer but the last, in training only.
    bidirectional : bool, default False
        Add a direction that reads the sequence backwards; outputs are concatenated.
    proj_size : int, default 0
        With ``P = proj_size > 0`` (``P < hidden_size``), PyTorch's projected LSTM:
        ``h_t = W_hr (o * tanh(c_t))`` has ``P`` features and is what is fed back and
        output; ``c_t`` keeps ``hidden_size``. This runs as a per-step composition of
        ordinary ops (``rnn_proj.py``), slower than the fused op used when ``P = 0``.
    device, dtype : optional
        Where the parameters live and their dtype (CPU, float32 by default).

    Arguments are PyTorch's, in PyTorch's order: ``LSTM(28, 128, 2)``.

    Shape
    -----
    - Input: ``(T, N, input_size)``, ``(N, T, input_size)`` with ``batch_first``,
      or ``(T, input_size)`` unbatched.
    - hx (optional): a tuple ``(h0, c0)``, each ``(num_layers * D, N, H)``; zeros when omitted.
    - Output: ``(output, (h_n, c_n))``: ``output`` is ``(T, N, D * H)`` (or
      ``(N, T, D * H)``), ``h_n`` and ``c_n`` are ``(num_layers * D, N, H)``.
    - With ``proj_size = P``: ``h0``, ``h_n`` are ``(num_layers * D, N, P)`` and
      ``output`` is ``(T, N, D * P)``; ``c0``, ``c_n`` keep ``H``.

    Attributes
    ----------
    weight_ih_l{k} : Parameter, shape (4H, in)
        Gates i, f, g, o stacked by rows; ``in`` is ``input_size`` for layer 0, ``D * H``
        above (``D * P`` with a projection).
    weight_hh_l{k} : Parameter, shape (4H, H), or (4H, P) with a projection
    bias_ih_l{k}, bias_hh_l{k} : Parameter, shape (4H,)
        The backward direction's parameters end in ``_reverse``.
    weight_hr_l{k} : Parameter, shape (P, H)
        Only with ``proj_size = P > 0``.

    Examples
    --------
    >>> import glassnet as gn
    >>> lstm = gn.nn.LSTM(28, 64, batch_first=True)
    >>> out, (h, c) = lstm(gn.randn(32, 28, 28))
    >>> out.shape, h.shape
    ((32, 28, 64), (1, 32, 64))
    """

    _gates = 4

    def _run(self, x: Tensor, states: list, weights: tuple, reverse: bool) -> tuple:
        run = lstm_proj_layer if self.proj_size else lstm_layer
        return run(x, states[0], states[1], *weights, reverse=reverse, batch_first=self.batch_first)

    def _packed_zeros(self, packed: PackedSequence) -> tuple[Tensor, Tensor]:
        """Zero ``(h0, c0)`` for a packed batch: ``h0`` has ``proj_size`` features."""
        data, n = packed.data, int(packed.batch_sizes[0])
        lead = self.num_layers * self.num_directions
        h0 = Tensor(data.xp.zeros((lead, n, self.proj_size), dtype=data.dtype))
        c0 = Tensor(data.xp.zeros((lead, n, self.hidden_size), dtype=data.dtype))
        return h0, c0

    def forward(
        self,
        input: Tensor,  # noqa: A002
        hx: tuple[Tensor, Tensor] | None = None,
    ) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        """Run the sequence (a Tensor or a PackedSequence); return ``(output, (h_n, c_n))``."""
        if isinstance(input, PackedSequence):
            if hx is None and self.proj_size:
                hx = self._packed_zeros(input)
            out, finals = run_packed(self, input, hx)
            return out, (finals[0], finals[1])
        x, states, batched = self._prepare(input, hx, ("h0", "c0"))
        out, finals = self._forward(x, states)
        out, finals = self._finish(out, finals, batched)
        return out, (finals[0], finals[1])


class GRU(_RNNBase):
    """Gated recurrent unit with PyTorch's equations (gates r, z, n)::

        r = sigmoid(W_ir x + b_ir + W_hr h + b_hr)      # reset gate, rows 0:H
        z = sigmoid(W_iz x + b_iz + W_hz h + b_hz)      # update gate, rows H:2H
        n = tanh(W_in x + b_in + r * (W_hn h + b_hn))   # candidate, rows 2H:3H
        h' = (1 - z) * n + z * h

    Parameters
    ----------
    input_size : int
    hidden_size : int
    num_layers : int, default 1
    bias : bool, default True
    batch_first : bool, default False
    dropout : float, default 0.0
    bidirectional : bool, default False
    proj_size : int, default 0
        Only 0, as in PyTorch (which raises for any other value on a GRU).
    device, dtype : optional

    Arguments are PyTorch's, in PyTorch's order: ``GRU(28, 128, 2, True, True)``.

    Shape
    -----
    - Input: ``(T, N, input_size)``, ``(N, T, input_size)`` with ``batch_first``,
      or ``(T, input_size)`` unbatched.
    - h0 (optional): ``(num_layers * D, N, H)``.
    - Output: ``(output, h_n)`` with ``output`` ``(T, N, D * H)`` and ``h_n``
      ``(num_layers * D, N, H)``.

    Attributes
    ----------
    weight_ih_l{k} : Parameter, shape (3H, in)
    weight_hh_l{k} : Parameter, shape (3H, H)
    bias_ih_l{k}, bias_hh_l{k} : Parameter, shape (3H,)
    """

    _gates = 3

    def _run(self, x: Tensor, states: list, weights: tuple, reverse: bool) -> tuple:
        return gru_layer(x, states[0], *weights, reverse=reverse, batch_first=self.batch_first)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> tuple[Tensor, Tensor]:  # noqa: A002
        """Run the sequence (a Tensor or a PackedSequence); return ``(output, h_n)``."""
        if isinstance(input, PackedSequence):
            out, finals = run_packed(self, input, hx)
            return out, finals[0]
        x, states, batched = self._prepare(input, hx, ("h0",))
        out, finals = self._forward(x, states)
        out, finals = self._finish(out, finals, batched)
        return out, finals[0]
