"""The callback protocol of :func:`glassnet.train.fit` (Keras's hooks) and the list that calls them.

A callback is told about the trainer once (``set_trainer``), then called at
the start and end of training, of every epoch and of every training batch.
``logs`` is a dict: per batch ``{"batch", "size", "loss"}``, per epoch the
epoch's metrics (``loss``, ``accuracy``, ``val_loss``, ``lr``, ``grad_norm``,
``time``, ...). A callback stops training by setting
``self.trainer.stop_training = True``: the current step is the last one, the
epoch is then completed as usual (validation, ``on_epoch_end``) and training ends.
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


def _overrides(cb: Callback, name: str) -> bool:
    return getattr(type(cb), name, None) is not getattr(Callback, name)


class CallbackList:
    """Calls a hook on every callback in order.

    Batch hooks are dispatched only to the callbacks that override them, so a
    training step costs nothing for callbacks that work per epoch.
    """

    def __init__(self, callbacks: Iterable[Callback] = ()) -> None:
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

    def __iter__(self):
        return iter(self.callbacks)

    def __len__(self) -> int:
        return len(self.callbacks)
