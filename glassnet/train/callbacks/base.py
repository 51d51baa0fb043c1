"""The callback protocol of :func:`glassnet.train.fit` (Keras's hooks) and the list that calls them.

A callback is told about the trainer once (``set_trainer``), then called at
the start and end of training, of every epoch and of every training batch.
``logs`` is a dict: per batch ``{"batch", "size", "loss"}``, per epoch the
epoch's metrics (``loss``, ``accuracy``, ``val_loss``, ``lr``, ``grad_norm``,
``time``, ...). A callback stops training by setting
``self.trainer.stop_training = True``: the current step is the last one, the
epoch is then completed as usual (validation, ``on_epoch_end``) and training ends.

For exact resumes a callback with memory (``EarlyStopping``'s patience count,
``RunLogger``'s rows) implements ``state_dict()``/``load_state_dict()``; the
trainer stores those states in its checkpoints and gives them back after
``on_train_begin`` of a resumed ``fit``. ``on_checkpoint`` is called at
mid-epoch save points (``fit(checkpoint_every=N)``, Ctrl-C). Callbacks that
only report or write files set ``main_rank_only = True``: in a distributed
run they run on rank 0 alone, after the callbacks that steer training. A
callback that writes checkpoints updates its own state in ``record_epoch``
(which the trainer calls on every callback before any ``main_rank_only``
callback's ``on_epoch_end``), so each checkpoint holds every callback's
state after the epoch.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["Callback", "CallbackList"]


class Callback:
    """Base class: override the hooks you need; each one does nothing by default.

    Attributes
    ----------
    trainer : Trainer or None
        The running trainer (``trainer.model``, ``trainer.optimizer``,
        ``trainer.stop_training``, ``trainer.epochs``, ``trainer.steps``),
        set by :meth:`set_trainer` before ``on_train_begin``.
    """

    trainer: Any = None
    #: Only report or write files: run on rank 0 alone, after the other callbacks.
    main_rank_only: bool = False

    def set_trainer(self, trainer: Any) -> None:
        """Called once before training with the :class:`~glassnet.train.Trainer` running it."""
        self.trainer = trainer

    @property
    def model(self) -> Any:
        """The model being trained (``self.trainer.model``)."""
        return None if self.trainer is None else self.trainer.model

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        """Before the first epoch."""

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        """After the last epoch, also when training stops with an error (``DivergenceError``)."""

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        """Before epoch ``epoch`` (0-based)."""

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        """After epoch ``epoch`` (0-based) and its validation; ``logs`` holds its metrics."""

    def on_train_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """Before training step ``batch`` (0-based within the epoch)."""

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """After training step ``batch``; ``logs`` is ``{"batch", "size", "loss"}``."""

    def record_epoch(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        """Update the state kept about epoch ``epoch`` without writing files (idempotent).

        ``on_epoch_end`` of a callback that implements it should call it first
        (a second call for the same epoch does nothing).
        """

    def on_checkpoint(self, logs: dict[str, Any] | None = None) -> str | None:
        """A save point in the middle of an epoch (or at Ctrl-C): write a checkpoint if you keep any.

        ``logs`` is ``{"reason": "interval" | "interrupt", "epoch", "step", "global_step"}``
        (``epoch`` = epochs completed, ``step`` = steps completed after them).
        ``self.trainer.state_dict()`` is the state to store. Return the path
        written, or None.
        """
        return None

    def state_dict(self) -> dict[str, Any] | None:
        """What this callback must remember across a resume (None: nothing)."""
        return None

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned (called after ``on_train_begin``)."""


def _overrides(cb: Callback, name: str) -> bool:
    return getattr(type(cb), name, None) is not getattr(Callback, name)


class CallbackList:
    """Calls a hook on every callback in order.

    Batch hooks are dispatched only to the callbacks that override them, so a
    training step costs nothing for callbacks that work per epoch.
    """

    def __init__(self, callbacks: Iterable[Callback] = ()) -> None:
        if isinstance(callbacks, Callback):
            raise TypeError(
                f"fit: callbacks must be a list of Callback instances, got one "
                f"{type(callbacks).__name__}; pass callbacks=[{type(callbacks).__name__}(...)]"
            )
        self.callbacks = list(callbacks)
        for cb in self.callbacks:
            if not isinstance(cb, Callback):
                raise TypeError(
                    f"fit: callbacks must be glassnet.train.Callback instances, got {cb!r}"
                )
        self._batch_begin = [cb for cb in self.callbacks if _overrides(cb, "on_train_batch_begin")]
        self._batch_end = [cb for cb in self.callbacks if _overrides(cb, "on_train_batch_end")]

    @property
    def wants_batch_begin(self) -> bool:
        return bool(self._batch_begin)

    @property
    def wants_batch_end(self) -> bool:
        return bool(self._batch_end)

    def set_trainer(self, trainer: Any) -> None:
        for cb in self.callbacks:
            cb.set_trainer(trainer)

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        for cb in self.callbacks:
            cb.on_train_begin(logs)

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        for cb in self.callbacks:
            cb.on_train_end(logs)

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        for cb in self.callbacks:
            cb.on_epoch_begin(epoch, logs)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        for cb in self.callbacks:
            cb.on_epoch_end(epoch, logs)

    def on_train_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        for cb in self._batch_begin:
            cb.on_train_batch_begin(batch, logs)

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        for cb in self._batch_end:
            cb.on_train_batch_end(batch, logs)

    def record_epoch(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        for cb in self.callbacks:
            cb.record_epoch(epoch, logs)

    def on_checkpoint(self, logs: dict[str, Any] | None = None) -> list[str]:
        """Every callback's ``on_checkpoint``; the paths they wrote."""
        paths = []
        for cb in self.callbacks:
            path = cb.on_checkpoint(logs)
            if path:
                paths.append(str(path))
        return paths

    def __iter__(self):
        return iter(self.callbacks)

    def __len__(self) -> int:
        return len(self.callbacks)
