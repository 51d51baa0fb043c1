"""``EarlyStopping``: stop when the monitored quantity stops improving (the seed's stopping rule)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..._validate import int_at_least, is_number
from ._monitor import is_better, monitored, resolve_mode
from .base import Callback

__all__ = ["EarlyStopping"]


class EarlyStopping(Callback):
    """Stop training once ``monitor`` has not improved for ``patience`` epochs.

    Parameters
    ----------
    monitor : str, default "val_loss"
        A key of the epoch logs.
    min_delta : float, default 0
        An improvement must beat the best value by more than this.
    patience : int, default 0
        Training stops after this many consecutive epochs without improvement
        (0 and 1 both stop at the first epoch that does not improve).
    mode : {"auto", "min", "max"}, default "auto"
        Whether lower or higher is better; ``"auto"`` chooses "max" for
        accuracy-like names and "min" otherwise.
    restore_best_weights : bool, default False
        At the end of training, load the weights of the best epoch back into
        the model (when the last epoch was not the best).
    baseline : float, optional
        Training stops after ``patience`` epochs unless the best value beats
        this baseline.

    Attributes
    ----------
    best : float or None
        The best monitored value seen.
    best_epoch : int
        The (0-based) epoch that gave it.
    stopped_epoch : int or None
        The epoch after which training was stopped (None if it ran out).
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        *,
        min_delta: float = 0.0,
        patience: int = 0,
        mode: str = "auto",
        restore_best_weights: bool = False,
        baseline: float | None = None,
    ) -> None:
        self.mode = resolve_mode("EarlyStopping", monitor, mode)
        self.monitor = monitor
        patience = int_at_least("EarlyStopping", "patience", patience, 0)
        if not is_number(min_delta) or min_delta < 0:
            raise ValueError(f"EarlyStopping: min_delta must be a number >= 0, got {min_delta!r}")
        if baseline is not None and not isinstance(baseline, (int, float)):
            raise ValueError(f"EarlyStopping: baseline must be a number or None, got {baseline!r}")
        self.patience = patience
        self.min_delta = float(min_delta)
        self.restore_best_weights = bool(restore_best_weights)
        self.baseline = None if baseline is None else float(baseline)
        self._reset()

    def _reset(self) -> None:
        self.best: float | None = None
        self.best_epoch = -1
        self.wait = 0
        self.stopped_epoch: int | None = None
        self.best_weights: dict[str, np.ndarray] | None = None
        self._last_epoch = -1

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._reset()

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        value = monitored("EarlyStopping", self.monitor, logs)
        self._last_epoch = epoch
        if is_better(value, self.best, self.mode, self.min_delta):
            self.best = value
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = {k: v.numpy().copy() for k, v in self.model.state_dict().items()}
            if self.baseline is None or is_better(value, self.baseline, self.mode):
                self.wait = 0
                return
        self.wait += 1
        if self.wait >= max(self.patience, 1):
            self.stopped_epoch = epoch
            self.trainer.stop_training = True

    def state_dict(self) -> dict[str, Any]:
        return {
            "best": self.best,
            "best_epoch": self.best_epoch,
            "wait": self.wait,
            "stopped_epoch": self.stopped_epoch,
            "last_epoch": self._last_epoch,
            "best_weights": self.best_weights,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.best = state.get("best")
        self.best_epoch = int(state.get("best_epoch", -1))
        self.wait = int(state.get("wait", 0))
        self.stopped_epoch = state.get("stopped_epoch")
        self._last_epoch = int(state.get("last_epoch", -1))
        weights = state.get("best_weights")
        self.best_weights = (
            None if weights is None else {k: np.array(v) for k, v in weights.items()}
        )

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        if (
            self.restore_best_weights
            and self.best_weights is not None
            and self.best_epoch != self._last_epoch
        ):
            self.model.load_state_dict(self.best_weights)

    def __repr__(self) -> str:
        return (
            f"EarlyStopping(monitor={self.monitor!r}, patience={self.patience}, "
            f"mode={self.mode!r}, min_delta={self.min_delta})"
        )
