"""``TensorBoard``: a callback that logs training to TensorBoard event files."""

from __future__ import annotations

import numbers
import os
from typing import Any

from ...utils.tensorboard import SummaryWriter
from .base import Callback

__all__ = ["TensorBoard"]


class TensorBoard(Callback):
    """Log the epoch metrics, the batch loss and weight histograms for TensorBoard (Keras's callback).

    Parameters
    ----------
    log_dir : str or path, default "runs/tensorboard"
        Where the event files go; view with ``tensorboard --logdir DIR``.
    update_freq : {"epoch"} or int, default "epoch"
        ``"epoch"``: scalars once per epoch; an int N: also the batch loss every N steps
        (tag ``batch/loss``, x axis the global step).
    histogram_freq : int, default 0
        Every this many epochs, a histogram of each parameter and its gradient
        (0: none).
    writer : SummaryWriter, optional
        Use this writer instead of opening one (it is then not closed).

    Notes
    -----
    Epoch figures are written as ``epoch/<name>`` (``epoch/loss``,
    ``epoch/val_accuracy``, ``epoch/lr``) with the epoch number as the step.
    Needs the ``tensorboard`` extra.
    """

    main_rank_only = True

    def __init__(
        self,
        log_dir: str | os.PathLike = "runs/tensorboard",
        *,
        update_freq: str | int = "epoch",
        histogram_freq: int = 0,
        writer: SummaryWriter | None = None,
    ) -> None:
        if update_freq != "epoch" and (
            isinstance(update_freq, bool) or not isinstance(update_freq, int) or update_freq < 1
        ):
            raise ValueError(
                f"TensorBoard: update_freq must be 'epoch' or an int >= 1, got {update_freq!r}"
            )
        if (
            isinstance(histogram_freq, bool)
            or not isinstance(histogram_freq, int)
            or histogram_freq < 0
        ):
            raise ValueError(
                f"TensorBoard: histogram_freq must be an int >= 0, got {histogram_freq!r}"
            )
        self.log_dir = os.fspath(log_dir)
        self.update_freq = update_freq
        self.histogram_freq = histogram_freq
        self._given = writer
        self.writer: SummaryWriter | None = writer

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        if self.writer is None:
            self.writer = SummaryWriter(self.log_dir)

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        if self.update_freq == "epoch" or self.writer is None:
            return
        step = self.trainer.global_step
        if step % self.update_freq == 0 and logs and "loss" in logs:
            self.writer.add_scalar("batch/loss", logs["loss"], step)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        w = self.writer
        if w is None:
            return
        for key, value in (logs or {}).items():
            if isinstance(value, numbers.Real) and not isinstance(value, bool):
                w.add_scalar(f"epoch/{key}", float(value), epoch + 1)
        if self.histogram_freq and (epoch + 1) % self.histogram_freq == 0:
            for name, p in self.model.named_parameters():
                w.add_histogram(name, p, epoch + 1)
                if p.grad is not None:
                    w.add_histogram(f"{name}.grad", p.grad, epoch + 1)
        w.flush()

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        if self.writer is not None and self._given is None:
            self.writer.close()
            self.writer = None
        elif self.writer is not None:
            self.writer.flush()
