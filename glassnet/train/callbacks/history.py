"""``History``: the per-epoch logs of a training run, returned by ``fit``."""

from __future__ import annotations

from typing import Any

from .base import Callback

__all__ = ["History"]


class History(Callback):
    """Records every epoch's logs; :func:`glassnet.train.fit` returns it.

    Attributes
    ----------
    history : dict of str to list
        One list per logged quantity (``"loss"``, ``"val_accuracy"``, ``"lr"``,
        ``"grad_norm"``, ...), one entry per epoch run.
    epoch : list of int
        The (0-based) epoch numbers, parallel to the lists in ``history``.

    Examples
    --------
    >>> h = History()
    >>> h.on_epoch_end(0, {"loss": 0.9, "accuracy": 0.7})
    >>> h.on_epoch_end(1, {"loss": 0.5, "accuracy": 0.8})
    >>> h.history["loss"], h.epoch
    ([0.9, 0.5], [0, 1])
    """

    def __init__(self) -> None:
        self.history: dict[str, list[Any]] = {}
        self.epoch: list[int] = []

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        logs = logs or {}
        self.epoch.append(epoch)
        n = len(self.epoch)
        for k, v in logs.items():
            column = self.history.setdefault(k, [None] * (n - 1))
            column.append(v)
        for column in self.history.values():
            if len(column) < n:  # a key this epoch did not log
                column.append(None)

    def state_dict(self) -> dict[str, Any]:
        return {"history": {k: list(v) for k, v in self.history.items()}, "epoch": list(self.epoch)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.history = {k: list(v) for k, v in state.get("history", {}).items()}
        self.epoch = [int(e) for e in state.get("epoch", [])]

    def last(self) -> dict[str, Any]:
        """The logs of the last epoch (empty before the first)."""
        return {k: v[-1] for k, v in self.history.items() if v and v[-1] is not None}

    def __repr__(self) -> str:
        return f"History(epochs={len(self.epoch)}, keys={sorted(self.history)})"
