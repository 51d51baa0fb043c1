"""``TrainingHealth``: warn when training ended diverged without a NaN (exploded weights, a loss
that did not fall), with the figures.

A learning rate far too large does not always give NaN: Adam at ``lr=1000``
moves every weight by about 1000 a step, the logits saturate, the loss stays
finite and the accuracy sits at chance. :class:`~glassnet.train.DivergenceError`
never fires, so this callback looks at the run once it ends:

- **exploded weights**: a weight matrix (a parameter with 2 or more dimensions)
  whose root-mean-square grew more than :attr:`growth` times during ``fit``
  and ended above :attr:`floor`;
- **a loss that did not fall**: over 3 or more epochs, the last epoch's
  training loss is not below the first's.

Either gives a :class:`TrainingHealthWarning` (a ``RuntimeWarning``) naming the
weight, the figures, the learning rate and what to try. ``fit`` adds one to every
run; pass your own ``TrainingHealth(growth=..., floor=...)`` to tune it, or
silence the category with :mod:`warnings`.
"""

from __future__ import annotations

import math
import sys
import warnings
from typing import Any

from . import layer_stats as stats
from .base import Callback

__all__ = ["TrainingHealth", "TrainingHealthWarning"]


class TrainingHealthWarning(RuntimeWarning):
    """Training ended with exploded weights or a loss that did not fall."""


class TrainingHealth(Callback):
    """Warn at the end of ``fit`` when the weights exploded or the loss did not fall.

    Parameters
    ----------
    growth : float, default 100
        A weight matrix whose RMS grew more than this many times is exploded...
    floor : float, default 10
        ...if its RMS also ended above this.
    """

    main_rank_only = True

    def __init__(self, growth: float = 100.0, floor: float = 10.0) -> None:
        super().__init__()
        self.growth = float(growth)
        self.floor = float(floor)
        self._start: dict[str, float] = {}
        self._losses: list[float] = []

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._start = {n: stats.rms(p.array) for n, p in self._matrices()}
        self._losses = []

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        loss = (logs or {}).get("loss")
        if loss is not None:
            self._losses.append(float(loss))

    def _matrices(self) -> list[tuple[str, Any]]:
        model = getattr(self.trainer, "model", None) if self.trainer is not None else None
        return stats.weight_matrices(model)

    def findings(self) -> list[str]:
        """What looks wrong now, one sentence each with its figures (empty when nothing)."""
        found = []
        for name, p in self._matrices():
            before, now = self._start.get(name), stats.rms(p.array)
            if before is None or not math.isfinite(now):
                continue
            if now > self.floor and now > self.growth * max(before, 1e-12):
                top = stats.max_abs(p.array)
                found.append(
                    f"weight {name!r} grew from RMS {before:.3g} to {now:.3g} "
                    f"(x{now / max(before, 1e-12):.3g}; largest |w| {top:.3g})"
                )
                break  # the first exploded matrix says enough
        losses = [v for v in self._losses if math.isfinite(v)]
        if len(losses) >= 3 and losses[-1] >= losses[0]:
            shown = ", ".join(f"{v:.4g}" for v in losses[-6:])
            found.append(f"the training loss did not fall over {len(losses)} epochs ({shown})")
        return found

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        if sys.exc_info()[0] is not None:  # fit is ending with an error, which says enough
            return
        found = self.findings()
        if not found:
            return
        groups = getattr(getattr(self.trainer, "optimizer", None), "param_groups", None) or [{}]
        lr = groups[0].get("lr")
        acc = (logs or {}).get("accuracy")
        figures = "; ".join(found) + (f"; accuracy {acc:.3f}" if acc is not None else "")
        warnings.warn(
            f"training looks diverged: {figures}. Try a lower learning rate"
            + (f" (it is {lr:g})" if isinstance(lr, (int, float)) else "")
            + " or gradient clipping (clip_grad_norm / --clip-grad-norm)",
            TrainingHealthWarning,
            stacklevel=2,
        )
