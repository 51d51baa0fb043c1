"""Recurrent models: images read row by row with temporal attention, and a time-series forecaster.

``RowAttentionClassifier`` treats each 28x28 image as a sequence of 28 rows
(28 features per step), runs an LSTM over the rows, lets additive temporal
attention pick the rows that matter, and classifies the attention's context
vector. The attention weights over the rows say which rows the decision
rested on.

``LSTMForecaster`` reads a window of a series and predicts the next
``horizon`` steps from the LSTM's last hidden state (the shapes of
``glassnet.data.timeseries.windows``).
"""

from __future__ import annotations

from typing import Any

from ..autograd.grad_mode import no_grad
from ..nn.layers._checks import positive_int, probability
from ..nn.layers.attention import TemporalAttention
from ..nn.layers.dropout import Dropout
from ..nn.layers.linear import Linear
from ..nn.layers.rnn import LSTM
from ..nn.module import Module
from ..tensor import Tensor

__all__ = ["RowAttentionClassifier", "row_lstm_attention", "LSTMForecaster"]


class RowAttentionClassifier(Module):
    """LSTM over image rows + temporal attention + linear classifier.

    Parameters
    ----------
    num_classes : int, default 10
    hidden_size : int, default 128
        LSTM hidden size ``H``.
    input_size : int, default 28
        Features per row (image width).
    num_layers : int, default 1
    bidirectional : bool, default False
        The attention then reads ``2H`` features per row.
    dropout : float, default 0.0
        Between stacked LSTM layers and on the context before the classifier (training only).
    score : {"additive", "dot", "scaled_dot"}, default "additive"
        The attention's scoring; ``"additive"`` is ``v . tanh(W h_t + b)``.
    attn_size : int, optional
        Width of the additive score (default: the LSTM's output width).

    Shape
    -----
    - Input: ``(N, rows, input_size)`` or ``(N, 1, rows, input_size)`` images.
    - Output: logits ``(N, num_classes)``; with ``return_weights=True`` also the
      attention weights over the rows, ``(N, rows)``.

    Attributes
    ----------
    lstm : LSTM(input_size, hidden_size, batch_first=True)
    attention : TemporalAttention
        Its weights are collected with ``glassnet.nn.record_attention(model)``
        or returned by :meth:`row_weights`.
    classifier : Linear(D * hidden_size, num_classes)
    """

    def __init__(
        self,
        num_classes: int = 10,
        hidden_size: int = 128,
        *,
        input_size: int = 28,
        num_layers: int = 1,
        bidirectional: bool = False,
        dropout: float = 0.0,
        score: str = "additive",
        attn_size: int | None = None,
    ) -> None:
        super().__init__()
        name = "RowAttentionClassifier"
        self.num_classes = positive_int(name, "num_classes", num_classes)
        self.hidden_size = positive_int(name, "hidden_size", hidden_size)
        self.input_size = positive_int(name, "input_size", input_size)
        p = probability(name, "dropout", dropout)
        self.lstm = LSTM(
            input_size, hidden_size, num_layers=num_layers, batch_first=True,
            bidirectional=bidirectional, dropout=p if num_layers > 1 else 0.0,
        )  # fmt: skip
        width = hidden_size * (2 if bidirectional else 1)
        self.attention = TemporalAttention(width, score=score, attn_size=attn_size)
        self.dropout = Dropout(p) if p > 0 else None
        self.classifier = Linear(width, num_classes)

    def _rows(self, x: Tensor) -> Tensor:
        if not isinstance(x, Tensor):
            raise TypeError(f"{type(self).__name__}: expected a Tensor, got {type(x).__name__}")
        if x.ndim == 4 and x.shape[1] == 1:
            x = x.reshape((x.shape[0], x.shape[2], x.shape[3]))
        if x.ndim != 3 or x.shape[2] != self.input_size:
            raise ValueError(
                f"{type(self).__name__}: expected images of shape (N, rows, {self.input_size}) "
                f"or (N, 1, rows, {self.input_size}), got {tuple(x.shape)}"
            )
        return x

    def forward(self, x: Tensor, *, return_weights: bool = False) -> Any:
        """Logits ``(N, num_classes)``; with ``return_weights`` also the row weights ``(N, rows)``."""
        out, _ = self.lstm(self._rows(x))
        ctx, w = self.attention(out)
        if self.dropout is not None:
            ctx = self.dropout(ctx)
        logits = self.classifier(ctx)
        return (logits, w) if return_weights else logits

    def row_weights(self, x: Tensor) -> Tensor:
        """Attention weights over the rows, ``(N, rows)``, computed without recording a graph."""
        with no_grad():
            return self.forward(x, return_weights=True)[1]


def row_lstm_attention(
    num_classes: int = 10,
    hidden: int = 128,
    num_layers: int = 1,
    bidirectional: bool = False,
    **kwargs: Any,
) -> RowAttentionClassifier:
    """Build a :class:`RowAttentionClassifier` (``hidden`` is the LSTM hidden size).

    Other keyword arguments (``dropout``, ``input_size``, ``score``, ``attn_size``)
    go to the class.
    """
    return RowAttentionClassifier(
        num_classes, hidden, num_layers=num_layers, bidirectional=bidirectional, **kwargs
    )


class LSTMForecaster(Module):
    """Predict the next ``horizon`` steps of a series from a window of past steps.

    An LSTM reads the window; a linear layer maps its last hidden state to all
    ``horizon * output_size`` future values at once (no feedback of predictions).

    Parameters
    ----------
    input_size : int
        Features per step of the window.
    hidden : int
        LSTM hidden size.
    horizon : int
        Steps to predict.
    num_layers : int, default 1
    dropout : float, default 0.0
        Between stacked LSTM layers (training only).
    output_size : int, optional
        Features per predicted step (default ``input_size``).

    Shape
    -----
    - Input: ``(N, W, input_size)``, or ``(N, W)`` when ``input_size == 1``.
    - Output: ``(N, horizon, output_size)``, the target shape of
      ``glassnet.data.timeseries.windows``.

    Attributes
    ----------
    lstm : LSTM(input_size, hidden, batch_first=True)
    head : Linear(hidden, horizon * output_size)
    """

    def __init__(
        self,
        input_size: int,
        hidden: int,
        horizon: int,
        *,
        num_layers: int = 1,
        dropout: float = 0.0,
        output_size: int | None = None,
    ) -> None:
        super().__init__()
        name = "LSTMForecaster"
        self.input_size = positive_int(name, "input_size", input_size)
        self.hidden = positive_int(name, "hidden", hidden)
        self.horizon = positive_int(name, "horizon", horizon)
        self.output_size = (
            input_size if output_size is None else positive_int(name, "output_size", output_size)
        )
        p = probability(name, "dropout", dropout)
        self.lstm = LSTM(
            input_size, hidden, num_layers=num_layers, batch_first=True,
            dropout=p if num_layers > 1 else 0.0,
        )  # fmt: skip
        self.head = Linear(hidden, horizon * self.output_size)

    def forward(self, x: Tensor) -> Tensor:
        """``(N, W, input_size)`` window -> ``(N, horizon, output_size)`` forecast."""
        if not isinstance(x, Tensor):
            raise TypeError(f"LSTMForecaster: expected a Tensor, got {type(x).__name__}")
        if x.ndim == 2 and self.input_size == 1:
            x = x.unsqueeze(-1)
        if x.ndim != 3 or x.shape[2] != self.input_size:
            extra = " or (N, W)" if self.input_size == 1 else ""
            raise ValueError(
                f"LSTMForecaster: expected a window of shape (N, W, {self.input_size}){extra}, "
                f"got {tuple(x.shape)}"
            )
        _, (h, _) = self.lstm(x)
        y = self.head(h[-1])
        return y.reshape((x.shape[0], self.horizon, self.output_size))

    def extra_repr(self) -> str:
        return f"horizon={self.horizon}, output_size={self.output_size}"
