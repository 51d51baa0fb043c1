"""Ctrl-C (SIGINT) and SIGTERM during ``fit``: finish the current step, checkpoint, then stop.

While :func:`glassnet.train.fit` runs in the main thread, the first SIGINT or
SIGTERM only sets a flag; the trainer looks at it at the end of every step
(and of every epoch), asks the callbacks to write a checkpoint of that
consistent state (``Callback.on_checkpoint``), and raises
:class:`TrainingInterrupted`. A second signal stops at once (a plain
``KeyboardInterrupt``). The previous handlers are restored when ``fit`` returns.
"""

from __future__ import annotations

import signal
import sys
import threading
from typing import Any

__all__ = ["TrainingInterrupted", "InterruptGuard"]

_SIGNALS = tuple(
    s for s in (getattr(signal, "SIGINT", None), getattr(signal, "SIGTERM", None)) if s
)


class TrainingInterrupted(KeyboardInterrupt):
    """``fit`` stopped at a safe point because of Ctrl-C (SIGINT) or SIGTERM.

    A subclass of ``KeyboardInterrupt``, so scripts stop as on any Ctrl-C.
    The model, optimizer and scheduler hold the state after the last
    completed step, and callbacks that write checkpoints (``RunLogger``) have
    saved it.

    Attributes
    ----------
    signal : int
        The signal number (``signal.SIGINT`` or ``signal.SIGTERM``).
    epoch : int
        Epochs completed.
    step : int
        Steps completed in the epoch after those (0 at an epoch boundary).
    global_step : int
        Steps completed in the whole run.
    checkpoints : list of str
        The files written by the callbacks at this point.
    exit_status : int
        ``128 + signal``: 130 for SIGINT, 143 for SIGTERM (what a shell reports).
    """

    def __init__(
        self, signum: int, epoch: int, step: int, global_step: int, checkpoints: list[str]
    ) -> None:
        self.signal, self.epoch, self.step, self.global_step = signum, epoch, step, global_step
        self.checkpoints = list(checkpoints)
        try:
            name = signal.Signals(signum).name
        except ValueError:
            name = f"signal {signum}"
        where = f"in epoch {epoch + 1} after step {step}" if step else f"after epoch {epoch}"
        saved = (
            f"; saved {', '.join(self.checkpoints)}"
            if self.checkpoints
            else "; no checkpoint written"
        )
        super().__init__(
            f"training interrupted by {name} {where} (global step {global_step}){saved}"
        )

    @property
    def exit_status(self) -> int:
        return 128 + int(self.signal)


class InterruptGuard:
    """Defers SIGINT/SIGTERM to the trainer's next safe point (a context manager).

    Parameters
    ----------
    announce : bool, default True
        Write one line to stderr when the first signal arrives.

    Attributes
    ----------
    requested : int or None
        The first signal received, or None.
    """

    def __init__(self, *, announce: bool = True) -> None:
        self.announce = announce
        self.requested: int | None = None
        self._previous: dict[int, Any] = {}

    def _handle(self, signum: int, frame: Any) -> None:
        if self.requested is not None:  # a second signal: stop now
            self._restore()
            raise KeyboardInterrupt
        self.requested = signum
        if self.announce:
            try:
                sys.stderr.write(
                    "glassnet: stopping after the current step and saving a checkpoint "
                    "(press Ctrl-C again to stop at once)\n"
                )
                sys.stderr.flush()
            except (OSError, ValueError):
                pass

    def request(self, signum: int = signal.SIGINT) -> None:
        """Ask for a stop at the next safe point, as if ``signum`` had arrived."""
        if self.requested is None:
            self.requested = signum

    def _restore(self) -> None:
        for s, h in self._previous.items():
            signal.signal(s, h if h is not None else signal.SIG_DFL)
        self._previous = {}

    def __enter__(self) -> InterruptGuard:
        self.requested = None
        if threading.current_thread() is threading.main_thread():
            for s in _SIGNALS:
                self._previous[s] = signal.signal(s, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        self._restore()
