"""``ModelCheckpoint``: write a checkpoint after each epoch, or only when the model improved."""

from __future__ import annotations

import os
from typing import Any

from ...io.checkpoint import save, save_checkpoint
from ._monitor import is_better, monitored, resolve_mode
from .base import Callback

__all__ = ["ModelCheckpoint"]


class ModelCheckpoint(Callback):
    """Save the model (and optimizer, scheduler, epoch, RNG state) at the end of epochs.

    Files are safetensors checkpoints written atomically by
    :func:`glassnet.io.save_checkpoint` (load them with
    :func:`glassnet.io.load_checkpoint`); the ``epoch`` they record is the
    number of epochs completed and ``extra["trainer"]`` holds the trainer's
    state, so ``fit(..., resume_from=path)`` continues exactly after it.

    Parameters
    ----------
    filepath : str or os.PathLike
        Where to write. May hold ``str.format`` fields filled from the epoch's
        logs and ``epoch`` (1-based), e.g. ``"ckpt/e{epoch:02d}-{val_loss:.3f}.safetensors"``.
        Missing folders are created.
    monitor : str, default "val_loss"
        The quantity that decides what "best" is (``save_best_only``).
    save_best_only : bool, default False
        Write only when ``monitor`` improved on the best value so far.
    mode : {"auto", "min", "max"}, default "auto"
    save_weights_only : bool, default False
        Write only the model's weights (:func:`glassnet.io.save`).

    Attributes
    ----------
    best : float or None
        The best monitored value seen.
    last_saved : str or None
        The path written last.
    """

    main_rank_only = True

    def __init__(
        self,
        filepath: str | os.PathLike,
        *,
        monitor: str = "val_loss",
        save_best_only: bool = False,
        mode: str = "auto",
        save_weights_only: bool = False,
    ) -> None:
        if not isinstance(filepath, (str, os.PathLike)) or not os.fspath(filepath):
            raise ValueError(
                f"ModelCheckpoint: filepath must be a non-empty path, got {filepath!r}"
            )
        self.filepath = os.fspath(filepath)
        self.mode = resolve_mode("ModelCheckpoint", monitor, mode)
        self.monitor = monitor
        self.save_best_only = bool(save_best_only)
        self.save_weights_only = bool(save_weights_only)
        self.best: float | None = None
        self.last_saved: str | None = None
        self._recorded: int | None = None
        self._pending: str | None = None

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self.best = None
        self._recorded = self._pending = None

    def _path(self, epoch: int, logs: dict[str, Any]) -> str:
        try:
            return self.filepath.format(epoch=epoch + 1, **logs)
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError(
                f"ModelCheckpoint: cannot fill the fields of filepath {self.filepath!r} from the "
                f"epoch logs (keys: {', '.join(sorted(logs))}): {exc!r}"
            ) from None

    def record_epoch(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if self._recorded == epoch:
            return
        self._recorded, self._pending = epoch, None
        logs = logs or {}
        if self.save_best_only:
            value = monitored("ModelCheckpoint", self.monitor, logs)
            if not is_better(value, self.best, self.mode):
                return
            self.best = value
        self._pending = self.last_saved = self._path(epoch, logs)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.record_epoch(epoch, logs)
        path, self._pending = self._pending, None
        if path is None:
            return
        folder = os.path.dirname(os.path.abspath(path))
        os.makedirs(folder, exist_ok=True)
        if self.save_weights_only:
            save(self.model, path)
        else:
            t = self.trainer
            state = t.state_dict() if callable(getattr(t, "state_dict", None)) else None
            save_checkpoint(
                path,
                model=self.model,
                optimizer=getattr(t, "optimizer", None),
                scheduler=getattr(t, "scheduler", None),
                epoch=epoch + 1,
                step=None if state is None else state["global_step"],
                extra=None if state is None else {"trainer": state},
            )

    def state_dict(self) -> dict[str, Any]:
        return {"best": self.best, "last_saved": self.last_saved}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.best = state.get("best")
        self.last_saved = state.get("last_saved")

    def __repr__(self) -> str:
        return (
            f"ModelCheckpoint({self.filepath!r}, monitor={self.monitor!r}, "
            f"save_best_only={self.save_best_only}, mode={self.mode!r})"
        )
