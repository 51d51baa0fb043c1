"""Single-step recurrent cells: ``RNNCell``, ``LSTMCell``, ``GRUCell`` (PyTorch's interface).

A cell advances the state by one time step; a Python loop over the cell is
the seed article's step-by-step view of a recurrent network (the whole-sequence
layers in ``rnn.py`` do the same loop inside one fused op and are much faster).
Parameter names, shapes and initialisation are PyTorch's.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..._errors import ShapeError
from ...backend import default_dtype
from ...ops.rnn import gru_cell, lstm_cell, rnn_cell
from ...tensor import Tensor
from .. import init
from ..module import Module, Parameter
from ._checks import positive_int

__all__ = ["RNNCell", "LSTMCell", "GRUCell"]


class _CellBase(Module):
    _gates = 1

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        self.input_size = positive_int(name, "input_size", input_size)
        self.hidden_size = positive_int(name, "hidden_size", hidden_size)
        if not isinstance(bias, bool):
            raise ValueError(f"{name}: bias must be True or False, got {bias!r}")
        dt = np.dtype(dtype) if dtype is not None else default_dtype()
        rows = self._gates * hidden_size
        self.weight_ih = Parameter(np.empty((rows, input_size), dtype=dt))
        self.weight_hh = Parameter(np.empty((rows, hidden_size), dtype=dt))
        if bias:
            self.bias_ih = Parameter(np.empty((rows,), dtype=dt))
            self.bias_hh = Parameter(np.empty((rows,), dtype=dt))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()
        if device is not None:
            self.to(device)

    def reset_parameters(self) -> None:
        """Every parameter from ``U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))``, as PyTorch."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -bound, bound)

    def _params(self) -> tuple:
        return self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh

    def _check_input(self, x: Any) -> bool:
        if not isinstance(x, Tensor):
            raise TypeError(f"{self!r}: expected a Tensor input, got {type(x).__name__}")
        if x.ndim not in (1, 2) or x.shape[-1] != self.input_size:
            raise ShapeError(
                f"{self!r}: expected input of shape (N, {self.input_size}) or "
                f"({self.input_size},), got {tuple(x.shape)}"
            )
        if x.dtype != self.weight_ih.dtype:
            raise TypeError(
                f"{self!r}: input dtype {x.dtype} differs from the parameters' "
                f"{self.weight_ih.dtype}; cast the input or call .to(dtype=...) on the cell"
            )
        return x.ndim == 2

    def _check_state(self, name: str, s: Any, n: int, batched: bool) -> Tensor:
        want = (n, self.hidden_size) if batched else (self.hidden_size,)
        if not isinstance(s, Tensor):
            raise TypeError(f"{self!r}: expected {name} to be a Tensor, got {type(s).__name__}")
        if tuple(s.shape) != want:
            raise ShapeError(f"{self!r}: expected {name} of shape {want}, got {tuple(s.shape)}")
        return s if batched else s.reshape((1, self.hidden_size))

    def _batch(self, x: Tensor) -> tuple[Tensor, bool]:
        batched = self._check_input(x)
        return (x if batched else x.reshape((1, self.input_size))), batched

    def _unbatch(self, h: Tensor, batched: bool) -> Tensor:
        return h if batched else h.reshape((self.hidden_size,))

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        return s if self.bias_ih is not None else s + ", bias=False"


class RNNCell(_CellBase):
    """One Elman step: ``h' = act(W_ih x + b_ih + W_hh h + b_hh)``.

    Parameters
    ----------
    input_size : int
    hidden_size : int
    bias : bool, default True
    nonlinearity : {"tanh", "relu"}, default "tanh"
    device, dtype : optional
        Where the parameters live and their dtype (CPU, float32 by default).

    Shape
    -----
    - Input: ``(N, input_size)`` or ``(input_size,)``; hx ``(N, H)`` or ``(H,)``, zeros if omitted.
    - Output: ``h'`` with the shape of hx.

    Attributes
    ----------
    weight_ih : Parameter, shape (H, input_size)
    weight_hh : Parameter, shape (H, H)
    bias_ih, bias_hh : Parameter, shape (H,)
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        nonlinearity: str = "tanh",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(
                f"RNNCell: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}"
            )
        super().__init__(input_size, hidden_size, bias, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:  # noqa: A002
        x, batched = self._batch(input)
        h = None if hx is None else self._check_state("hx", hx, x.shape[0], batched)
        out = rnn_cell(x, h, *self._params(), nonlinearity=self.nonlinearity)
        return self._unbatch(out, batched)

    def extra_repr(self) -> str:
        s = super().extra_repr()
        return s + (f", nonlinearity={self.nonlinearity}" if self.nonlinearity != "tanh" else "")


class LSTMCell(_CellBase):
    """One LSTM step; the gates and equations are those of :class:`~glassnet.nn.LSTM`.

    Parameters
    ----------
    input_size : int
    hidden_size : int
    bias : bool, default True
    device, dtype : optional
        Where the parameters live and their dtype (CPU, float32 by default).

    Shape
    -----
    - Input: ``(N, input_size)`` or ``(input_size,)``; hx a tuple ``(h, c)``, each
      ``(N, H)`` or ``(H,)``, zeros if omitted.
    - Output: ``(h', c')``, each with the shape of ``h``.

    Attributes
    ----------
    weight_ih : Parameter, shape (4H, input_size)
        Gates i, f, g, o stacked by rows.
    weight_hh : Parameter, shape (4H, H)
    bias_ih, bias_hh : Parameter, shape (4H,)
    """

    _gates = 4

    def forward(
        self,
        input: Tensor,  # noqa: A002
        hx: tuple[Tensor, Tensor] | None = None,
    ) -> tuple[Tensor, Tensor]:
        x, batched = self._batch(input)
        h = c = None
        if hx is not None:
            if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                raise TypeError(
                    f"{self!r}: expected hx to be a tuple (h, c), got {type(hx).__name__}"
                )
            h = self._check_state("h", hx[0], x.shape[0], batched)
            c = self._check_state("c", hx[1], x.shape[0], batched)
        h1, c1 = lstm_cell(x, h, c, *self._params())
        return self._unbatch(h1, batched), self._unbatch(c1, batched)


class GRUCell(_CellBase):
    """One GRU step; the gates and equations are those of :class:`~glassnet.nn.GRU`.

    Parameters
    ----------
    input_size : int
    hidden_size : int
    bias : bool, default True
    device, dtype : optional
        Where the parameters live and their dtype (CPU, float32 by default).

    Shape
    -----
    - Input: ``(N, input_size)`` or ``(input_size,)``; hx ``(N, H)`` or ``(H,)``, zeros if omitted.
    - Output: ``h'`` with the shape of hx.

    Attributes
    ----------
    weight_ih : Parameter, shape (3H, input_size)
        Gates r, z, n stacked by rows.
    weight_hh : Parameter, shape (3H, H)
    bias_ih, bias_hh : Parameter, shape (3H,)
    """

    _gates = 3

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:  # noqa: A002
        x, batched = self._batch(input)
        h = None if hx is None else self._check_state("hx", hx, x.shape[0], batched)
        return self._unbatch(gru_cell(x, h, *self._params()), batched)
