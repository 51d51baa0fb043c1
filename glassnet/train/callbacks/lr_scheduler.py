"""``LearningRateScheduler``: step an LR scheduler (or a schedule function) per epoch or per batch."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..._validate import is_number
from ...optim.lr_scheduler import OneCycleLR, ReduceLROnPlateau
from ._monitor import monitored
from .base import Callback

__all__ = ["LearningRateScheduler"]


def _is_plateau(scheduler: Any) -> bool:
    return isinstance(scheduler, ReduceLROnPlateau)


class LearningRateScheduler(Callback):
    """Change the learning rate during training.

    Parameters
    ----------
    scheduler : LRScheduler, ReduceLROnPlateau or callable
        - a scheduler from :mod:`glassnet.optim.lr_scheduler`: its ``step()`` is
          called after every epoch (``per="epoch"``) or every training step
          (``per="batch"``);
        - a ``ReduceLROnPlateau``: ``step(value)`` gets the monitored quantity
          after every epoch;
        - a function ``schedule(index, lr) -> new_lr`` (Keras style), called
          before every epoch with the 0-based epoch (or before every step with
          the 0-based global step); the result is set on every parameter
          group of the trainer's optimizer.
    per : {"epoch", "batch"}, default "epoch"
    monitor : str, default "val_loss"
        The quantity passed to ``ReduceLROnPlateau``.

    Examples
    --------
    >>> import glassnet as gn  # doctest: +SKIP
    >>> sched = gn.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=10)  # doctest: +SKIP
    >>> gn.train.fit(model, data, ..., callbacks=[LearningRateScheduler(sched)])  # doctest: +SKIP
    """

    def __init__(
        self,
        scheduler: Any,
        *,
        per: str = "epoch",
        monitor: str = "val_loss",
    ) -> None:
        if per not in ("epoch", "batch"):
            raise ValueError(f"LearningRateScheduler: per must be 'epoch' or 'batch', got {per!r}")
        has_step = callable(getattr(scheduler, "step", None))
        if not has_step and not callable(scheduler):
            raise TypeError(
                "LearningRateScheduler: scheduler must be an LR scheduler (with step()) or a "
                f"function schedule(index, lr) -> lr, got {scheduler!r}"
            )
        self.scheduler = scheduler
        self.per = per
        self.monitor = monitor
        self._function: Callable[[int, float], float] | None = None if has_step else scheduler
        self.plateau = has_step and _is_plateau(scheduler)
        if self.plateau and per != "epoch":
            raise ValueError(
                "LearningRateScheduler: ReduceLROnPlateau steps on an epoch's monitored value; "
                f"use per='epoch', got per={per!r}"
            )
        self._global_step = 0

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._global_step = self.trainer.initial_epoch * (self.trainer.steps_per_epoch or 0)
        self._check_optimizer()
        self._check_cycle_length()

    def _check_optimizer(self) -> None:
        """Refuse a scheduler built over another optimizer than the one training: it would
        change learning rates nothing reads."""
        own = getattr(self.scheduler, "optimizer", None)
        trained = self.trainer.optimizer
        if own is None or own is trained:
            return
        raise ValueError(
            f"LearningRateScheduler: the {type(self.scheduler).__name__} was built over another "
            f"{type(own).__name__} than the {type(trained).__name__} being trained, so it would "
            "change nothing; build it over the optimizer passed to fit"
        )

    def _steps_ahead(self) -> tuple[int, str] | None:
        """How many more times this fit steps the scheduler, and how that count is made up."""
        t = self.trainer
        epochs_left = t.epochs - t.epochs_completed
        if self.per == "epoch":
            return epochs_left, f"{epochs_left} epoch(s)"
        spe = t.steps_per_epoch
        if spe is None:
            return None
        ahead = epochs_left * spe - t.step_in_epoch
        return ahead, f"{epochs_left} epoch(s) x {spe} step(s) per epoch"

    def _check_cycle_length(self) -> None:
        """Refuse, before training, a ``OneCycleLR`` too short for the run (it raises once past
        its ``total_steps``, which would stop training in the middle)."""
        sched = self.scheduler
        if not isinstance(sched, OneCycleLR):
            return
        ahead = self._steps_ahead()
        if ahead is None or sched.last_epoch + ahead[0] <= sched.total_steps:
            return
        need = sched.last_epoch + ahead[0]
        raise ValueError(
            f"LearningRateScheduler: OneCycleLR has total_steps={sched.total_steps} and has "
            f"taken {sched.last_epoch}, but stepped per {self.per} this fit takes {ahead[0]} more "
            f"({ahead[1]}); build it with total_steps={need} or more"
        )

    def _set(self, index: int) -> None:
        groups = self.trainer.optimizer.param_groups
        lr = self._function(index, groups[0]["lr"])
        if not is_number(lr) or lr < 0:
            raise ValueError(
                f"LearningRateScheduler: the schedule returned {lr!r} at index {index}; "
                "it must return a number >= 0"
            )
        for g in groups:
            g["lr"] = float(lr)

    def state_dict(self) -> dict[str, Any]:
        has_state = callable(getattr(self.scheduler, "state_dict", None))
        return {
            "global_step": self._global_step,
            "scheduler": self.scheduler.state_dict() if has_state else None,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self._global_step = int(state.get("global_step", self._global_step))
        saved = state.get("scheduler")
        if saved is not None and callable(getattr(self.scheduler, "load_state_dict", None)):
            self.scheduler.load_state_dict(saved)

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if logs and logs.get("resumed"):  # the epoch's lr was set before the checkpoint
            return
        if self._function is not None and self.per == "epoch":
            self._set(epoch)

    def on_train_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        if self._function is not None and self.per == "batch":
            self._set(self._global_step)

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        if self.per == "batch":
            self._global_step += 1
            if self._function is None:
                self.scheduler.step()

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if self._function is not None or self.per != "epoch":
            return
        if self.plateau:
            self.scheduler.step(monitored("LearningRateScheduler", self.monitor, logs))
        else:
            self.scheduler.step()

    def __repr__(self) -> str:
        return f"LearningRateScheduler({self.scheduler!r}, per={self.per!r})"
