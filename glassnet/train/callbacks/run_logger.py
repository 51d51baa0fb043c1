"""``RunLogger``: keep a run folder's metrics files and checkpoints current during training."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._monitor import is_better, resolve_mode
from .base import Callback

__all__ = ["RunLogger"]


class RunLogger(Callback):
    """After every epoch: rewrite ``metrics.csv``/``metrics.jsonl``, write ``last.safetensors``,
    and ``best.safetensors`` when the monitored quantity improved; at mid-epoch save
    points (``fit(checkpoint_every=N)``, Ctrl-C) write ``last.safetensors``.

    Every checkpoint holds the trainer's state (``extra["trainer"]``: progress,
    data order, RNG of every rank, this logger's rows and the other callbacks'
    states), so ``fit(..., resume_from=run.file("last.safetensors"))`` continues
    the run exactly and appends to its metrics.

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
    last_checkpoint : str or None
        The path of the last checkpoint written.
    """

    main_rank_only = True

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
        self.last_checkpoint: str | None = None
        self._improved = False

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self.rows = []
        self.best = None
        self.best_epoch = None
        self._improved = False

    def state_dict(self) -> dict[str, Any]:
        return {
            "rows": [dict(r) for r in self.rows],
            "best": self.best,
            "best_epoch": self.best_epoch,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.rows = [dict(r) for r in state.get("rows", [])]
        self.best = state.get("best")
        self.best_epoch = state.get("best_epoch")

    def _save(self, which: str, epoch: int) -> str:
        t = self.trainer
        state = t.state_dict() if callable(getattr(t, "state_dict", None)) else None
        path = self.run.save_checkpoint(
            which,
            model=self.model,
            optimizer=t.optimizer,
            scheduler=t.scheduler,
            epoch=epoch,
            step=None if state is None else state["global_step"],
            config=self.config,
            trainer_state=state,
        )
        if which == "last":
            self.last_checkpoint = path
        return path

    def record_epoch(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if self.rows and self.rows[-1].get("epoch") == epoch + 1:
            return
        logs = logs or {}
        self.rows.append({"epoch": epoch + 1, **logs})
        if logs.get(self.monitor) is not None:
            value, mode = logs[self.monitor], self.mode
        else:
            value, mode = logs.get("loss"), "min"
        self._improved = value is not None and is_better(float(value), self.best, mode)
        if self._improved:
            self.best = float(value)
            self.best_epoch = epoch + 1

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.record_epoch(epoch, logs)
        # metrics first: a crash between the two leaves rows the checkpoint does not
        # know of, and a resume rewrites the files from the checkpoint's rows
        self.run.write_metrics(self.rows)
        if self._improved:
            self._save("best", epoch + 1)
        self._save("last", epoch + 1)

    def on_checkpoint(self, logs: dict[str, Any] | None = None) -> str | None:
        return self._save("last", int((logs or {}).get("epoch", self.trainer.epoch)))
