"""Streaming a long series through a recurrent layer in chunks, carrying the state.

The seed article contrasts "unrolled mode" (the whole sequence at once) with
a streaming mode that processes a chunk of a long series, keeps the state and
waits for the next steps. :class:`StatefulRNN` wraps an ``RNN``, ``LSTM`` or
``GRU`` so that each call starts from the state the previous call ended in;
:func:`stream` cuts a series into chunks and feeds them one after another.

Between calls the carried state is *detached* from the graph: gradients flow
within a chunk but not into earlier chunks. Training this way is truncated
backpropagation through time (TBPTT): ``backward()`` after every chunk costs
memory for one chunk only, whatever the length of the series.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

from ..._validate import positive_int
from ...tensor import Tensor
from ..module import Module
from .rnn import _RNNBase

__all__ = ["StatefulRNN", "StreamChunk", "stream"]


def _move(state: Any, device: Any) -> Any:
    if isinstance(state, tuple):
        return tuple(s.to(device) for s in state)
    return state.to(device)


def _detach(state: Any) -> Any:
    if isinstance(state, tuple):
        return tuple(s.detach() for s in state)
    return state.detach()


class StatefulRNN(Module):
    """A recurrent layer that remembers its final state from one call to the next.

    Parameters
    ----------
    rnn : RNN, LSTM or GRU
        The wrapped layer (its parameters are this module's, under ``rnn.``).

    Shape
    -----
    - Input: as the wrapped layer (``(T, N, F)``, or ``(N, T, F)`` with ``batch_first``).
    - Output: the wrapped layer's output sequence; the final state goes to ``state``.

    Attributes
    ----------
    state : Tensor, tuple of Tensor, or None
        The carried state, detached from the graph: ``h`` (``(h, c)`` for an
        LSTM), each ``(num_layers * D, N, H)``. ``None`` means zeros (the start
        of a series).

    Examples
    --------
    >>> srnn = StatefulRNN(gn.nn.LSTM(1, 32, batch_first=True))
    >>> for chunk in chunks:              # (N, T_chunk, 1) pieces of one long series
    ...     out = srnn(chunk)             # starts where the previous chunk ended
    >>> srnn.reset_state()                # before the next, unrelated series
    """

    def __init__(self, rnn: _RNNBase) -> None:
        super().__init__()
        if not isinstance(rnn, _RNNBase):
            raise TypeError(f"StatefulRNN: expected an RNN, LSTM or GRU, got {type(rnn).__name__}")
        self.rnn = rnn
        self.state: Any = None

    def reset_state(self) -> None:
        """Forget the carried state (the next call starts from zeros)."""
        self.state = None

    def _batch_size(self, x: Tensor) -> int | None:
        if x.ndim != 3:
            return None
        return x.shape[0] if self.rnn.batch_first else x.shape[1]

    def forward(self, x: Tensor) -> Tensor:
        """Run ``x`` from the carried state; keep the final state (detached) for the next call."""
        if self.state is not None:
            h = self.state[0] if isinstance(self.state, tuple) else self.state
            n = self._batch_size(x)
            carried = h.shape[1] if h.ndim == 3 else None
            if n != carried:
                raise ValueError(
                    f"{self.rnn!r} (streaming): the carried state is for a batch of "
                    f"{carried if carried is not None else 'one unbatched sequence'}, got input "
                    f"of shape {tuple(x.shape)}; call reset_state() before a new series"
                )
            if h.device != x.device:  # the model moved between calls: the state follows
                self.state = _move(self.state, x.device)
        out, state = self.rnn(x, self.state)
        self.state = _detach(state)
        return out

    def extra_repr(self) -> str:
        return "carrying a state" if self.state is not None else ""


class StreamChunk(NamedTuple):
    """One chunk of :func:`stream`: steps ``start:stop`` of the series and the model's output."""

    start: int
    stop: int
    output: Any


def _stateful_layers(model: Module) -> list[StatefulRNN]:
    return [m for m in model.modules() if isinstance(m, StatefulRNN)]


def stream(
    model: Module,
    series: Tensor,
    chunk_len: int,
    *,
    time_axis: int | None = None,
    reset: bool = True,
) -> Iterator[StreamChunk]:
    """Feed a long series to ``model`` one chunk of steps at a time.

    Parameters
    ----------
    model : Module
        A :class:`StatefulRNN`, or a model containing one or more, so that each
        call continues from the previous chunk's state.
    series : Tensor
        The whole series, e.g. ``(N, T, F)`` for a ``batch_first`` layer.
    chunk_len : int
        Steps per chunk; the last chunk may be shorter.
    time_axis : int, optional
        The axis of ``series`` holding time. Default: 1 if the model's first
        ``StatefulRNN`` is ``batch_first`` and its input is batched, else 0.
    reset : bool, default True
        Reset the carried states before the first chunk.

    Yields
    ------
    StreamChunk
        ``(start, stop, output)``: the steps covered and ``model(series[start:stop])``.
        Compute a loss on it and call ``backward()`` inside the loop for TBPTT.

    Examples
    --------
    >>> model = StatefulRNN(gn.nn.LSTM(1, 16, batch_first=True))
    >>> for start, stop, out in stream(model, series, chunk_len=50):
    ...     loss = F.mse_loss(out, targets[:, start:stop])
    ...     opt.zero_grad(); loss.backward(); opt.step()
    """
    chunk_len = positive_int("stream", "chunk_len", chunk_len)
    layers = _stateful_layers(model)
    if not layers:
        raise ValueError(
            f"stream: {type(model).__name__} holds no StatefulRNN, so no state would be carried "
            "between chunks; wrap its recurrent layer in StatefulRNN"
        )
    if not isinstance(series, Tensor):
        raise TypeError(f"stream: expected series to be a Tensor, got {type(series).__name__}")
    if time_axis is None:
        first = layers[0].rnn
        time_axis = 1 if first.batch_first and series.ndim == 3 else 0
    if not -series.ndim <= time_axis < series.ndim:
        raise ValueError(
            f"stream: time_axis {time_axis} is out of range for a series of shape {series.shape}"
        )
    time_axis %= series.ndim
    if reset:
        for m in layers:
            m.reset_state()
    total = series.shape[time_axis]
    for start in range(0, total, chunk_len):
        stop = min(start + chunk_len, total)
        index = (slice(None),) * time_axis + (slice(start, stop),)
        yield StreamChunk(start, stop, model(series[index]))
