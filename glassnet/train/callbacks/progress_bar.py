"""``ProgressBar``: the Keras-style display of ``fit`` (``verbose=1`` or ``2``)."""

from __future__ import annotations

import sys
from typing import IO, Any

from ..progress import Progbar, is_tty
from .base import Callback

__all__ = ["ProgressBar"]


class ProgressBar(Callback):
    """Print ``Epoch 3/10``, a live bar with step count, ETA and running metrics, then the epoch's line.

    ``fit(verbose=1)`` adds one automatically; ``verbose=0`` shows nothing.

    Parameters
    ----------
    verbose : {1, 2}, default 1
        1: a live bar on a terminal; otherwise a line at every 10% of the epoch
        (at most one a second) and one at its end;
        2: one line per epoch always.
    stream : file-like, optional
        Where to write (default ``sys.stdout`` at the start of training).
    interval : float, default 0.1
        Least seconds between two redraws of the bar.

    Examples
    --------
    Not on a terminal, each epoch prints one line like::

        Epoch 3/10 - 43/43 - 4s 95ms/step - loss: 0.4123 - accuracy: 0.8512 - val_loss: 0.4410 - val_accuracy: 0.8433 - lr: 0.001 - grad_norm: 1.2345
    """

    main_rank_only = True

    def __init__(self, verbose: int = 1, *, stream: IO[str] | None = None, interval: float = 0.1):
        if verbose not in (1, 2):
            raise ValueError(f"ProgressBar: verbose must be 1 or 2, got {verbose!r}")
        self.verbose = verbose
        self.stream = stream
        self.interval = float(interval)
        self._bar: Progbar | None = None
        self._steps = 0

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._out = self.stream if self.stream is not None else sys.stdout
        self._live = self.verbose == 1 and is_tty(self._out)

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        title = f"Epoch {epoch + 1}/{self.trainer.epochs}"
        if self._live:
            self._out.write(title + "\n")
            self._out.flush()
        self._bar = Progbar(
            self.trainer.steps_per_epoch,
            stream=self._out,
            prefix=title,
            live=self._live,
            interval=self.interval,
            marks=10 if self.verbose == 1 else 0,
        )
        # a run resumed in the middle of this epoch: its first steps were run before
        self._steps = self._bar.skipped = int((logs or {}).get("step", 0))

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self._steps = batch + 1
        bar = self._bar
        if bar is not None and bar.due(self._steps):
            bar.update(self._steps, self.trainer.running_logs())

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if self._bar is not None:
            self._bar.finish(self._steps, logs)
            self._bar = None

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        # training stopped inside an epoch (Ctrl-C, an error): end the bar's line so that
        # what is printed next starts on a line of its own
        if self._bar is not None:
            self._bar.end_line()
            self._bar = None
