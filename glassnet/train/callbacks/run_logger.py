"""``RunLogger``: keep a run folder's metrics files and checkpoints current after every epoch."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._monitor import is_better, resolve_mode
from .base import Callback

__all__ = ["RunLogger"]


class RunLogger(Callback):
    """After every epoch: rewrite ``metrics.csv``/``metrics.jsonl``, write ``last.safetensors``,
    and ``best.safetensors`` when the monitored quantity improved.

    Parameters
    ----------
    run : RunFolder
        The folder to write into (:class:`glassnet.train.runs.RunFolder`).
    monitor : str, default "val_loss"
        Decides the best epoch; when the logs have no such key (training
        without validation data) the lowest ``"loss"`` decides.
    mode : {"auto", "min", "max"}, default "auto"
    config : mapping, optional
        Stored in the checkpoints (``extra["config"]``).

    Attributes
    ----------
    rows : list of dict
        The rows written so far (``epoch`` is 1-based).
    best_epoch : int or None
        1-based epoch of ``best.safetensors``.
    """

    def __init__(
        self,
        run: Any,
        *,
        monitor: str = "val_loss",
        mode: str = "auto",
        config: Mapping[str, Any] | None = None,
    ) -> None:
        self.run = run
        self.monitor = monitor
        self.mode = resolve_mode("RunLogger", monitor, mode)
        self.config = config
        self.rows: list[dict[str, Any]] = []
        self.best: float | None = None
        self.best_epoch: int | None = None

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self.rows = []
        self.best = None
        self.best_epoch = None

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        logs = logs or {}
        self.rows.append({"epoch": epoch + 1, **logs})
        self.run.write_metrics(self.rows)
        t = self.trainer
        state = {
            "model": self.model,
            "optimizer": t.optimizer,
            "scheduler": t.scheduler,
            "epoch": epoch + 1,
            "config": self.config,
        }
        self.run.save_checkpoint("last", **state)
        if logs.get(self.monitor) is not None:
            value, mode = logs[self.monitor], self.mode
        else:
            value, mode = logs.get("loss"), "min"
        if value is not None and is_better(float(value), self.best, mode):
            self.best = float(value)
            self.best_epoch = epoch + 1
            self.run.save_checkpoint("best", **state)
