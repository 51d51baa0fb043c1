"""``ReduceLROnPlateau``: lower the learning rate when a monitored metric stops improving."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

from .._validate import int_at_least, is_number, nonnegative_number
from .optimizer import Optimizer
from .state_schema import checked_like

__all__ = ["ReduceLROnPlateau"]


class ReduceLROnPlateau:
    """Multiply each group's learning rate by ``factor`` when the metric has stopped improving.

    Follows ``torch.optim.lr_scheduler.ReduceLROnPlateau``: call
    ``step(metric)`` once per epoch (after validation). A metric counts as
    an improvement over the best so far when, for ``mode="min"``,
    ``metric < best * (1 - threshold)`` (``threshold_mode="rel"``) or
    ``metric < best - threshold`` (``"abs"``); ``"max"`` mirrors this. After
    more than ``patience`` epochs without improvement, each lr becomes
    ``max(lr * factor, min_lr)`` (changes smaller than ``eps`` are skipped)
    and ``cooldown`` epochs pass before bad epochs count again.

    Parameters
    ----------
    optimizer : Optimizer
    mode : {"min", "max"}, default "min"
        Whether lower (a loss) or higher (an accuracy) is better.
    factor : float, default 0.1
        Multiplier of the learning rate, in (0, 1).
    patience : int, default 10
        Epochs without improvement tolerated before lowering the lr.
    threshold : float, default 1e-4
        Smallest change that counts as an improvement (>= 0).
    threshold_mode : {"rel", "abs"}, default "rel"
    cooldown : int, default 0
        Epochs to wait after a reduction before counting bad epochs again.
    min_lr : float or sequence of float, default 0
        Lower bound on the lr (one per parameter group, or one for all).
    eps : float, default 1e-8
        Reductions smaller than this are not applied.

    Examples
    --------
    >>> sched = ReduceLROnPlateau(opt, mode="max", patience=2)  # doctest: +SKIP
    >>> for epoch in range(20):  # doctest: +SKIP
    ...     train_one_epoch(); sched.step(validation_accuracy())
    """

    def __init__(
        self,
        optimizer: Optimizer,
        mode: str = "min",
        factor: float = 0.1,
        patience: int = 10,
        threshold: float = 1e-4,
        threshold_mode: str = "rel",
        cooldown: int = 0,
        min_lr: float | Sequence[float] = 0.0,
        eps: float = 1e-8,
    ) -> None:
        owner = "ReduceLROnPlateau"
        if not isinstance(optimizer, Optimizer):
            raise TypeError(
                f"{owner}: expected a glassnet Optimizer, got {type(optimizer).__name__}"
            )
        if mode not in ("min", "max"):
            raise ValueError(f"{owner}: mode must be 'min' or 'max', got {mode!r}")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(
                f"{owner}: threshold_mode must be 'rel' or 'abs', got {threshold_mode!r}"
            )
        if not is_number(factor) or not 0 < factor < 1:
            raise ValueError(f"{owner}: factor must be a number in (0, 1), got {factor!r}")
        n = len(optimizer.param_groups)
        if isinstance(min_lr, (list, tuple)):
            if len(min_lr) != n:
                raise ValueError(
                    f"{owner}: min_lr has {len(min_lr)} values, the optimizer has "
                    f"{n} parameter groups"
                )
            self.min_lrs = [nonnegative_number(owner, "min_lr", v) for v in min_lr]
            self.default_min_lr: float | None = None
        else:
            self.default_min_lr = nonnegative_number(owner, "min_lr", min_lr)
            self.min_lrs = [self.default_min_lr] * n
        self.optimizer = optimizer
        self.mode = mode
        self.factor = float(factor)
        self.patience = int_at_least(owner, "patience", patience, 0)
        self.threshold = nonnegative_number(owner, "threshold", threshold)
        self.threshold_mode = threshold_mode
        self.cooldown = int_at_least(owner, "cooldown", cooldown, 0)
        self.eps = nonnegative_number(owner, "eps", eps)
        self.last_epoch = 0
        self.best = math.inf if mode == "min" else -math.inf
        self.num_bad_epochs = 0
        self.cooldown_counter = 0
        self._last_lr = [g["lr"] for g in optimizer.param_groups]

    @property
    def in_cooldown(self) -> bool:
        return self.cooldown_counter > 0

    def is_better(self, current: float, best: float) -> bool:
        """Whether ``current`` improves on ``best`` under ``mode``/``threshold``."""
        if self.mode == "min":
            if self.threshold_mode == "rel":
                return current < best * (1.0 - self.threshold)
            return current < best - self.threshold
        if self.threshold_mode == "rel":
            return current > best * (1.0 + self.threshold)
        return current > best + self.threshold

    def step(self, metrics: Any, epoch: int | None = None) -> None:
        """Record one epoch's ``metrics`` (a number or one-element tensor) and lower the lr if
        due. ``epoch`` is torch's deprecated argument (with its ``UserWarning``): the epoch
        number to record instead of counting on by one."""
        try:
            current = float(metrics)
        except (TypeError, ValueError):
            raise TypeError(
                f"ReduceLROnPlateau.step: metrics must be a number, got {type(metrics).__name__}"
            ) from None
        if epoch is None:
            self.last_epoch += 1
        else:
            warnings.warn(
                "ReduceLROnPlateau.step(metrics, epoch) is deprecated in torch: call "
                "step(metrics) once per epoch", UserWarning, stacklevel=2,
            )  # fmt: skip
            self.last_epoch = epoch
        if self.is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            self._reduce_lr()
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = [g["lr"] for g in self.optimizer.param_groups]

    def _reduce_lr(self) -> None:
        groups = self.optimizer.param_groups
        if len(groups) != len(self.min_lrs):
            if self.default_min_lr is None:
                raise RuntimeError(
                    f"ReduceLROnPlateau: the optimizer now has {len(groups)} parameter groups, "
                    f"min_lr was given for {len(self.min_lrs)}; set .min_lrs to one value per group"
                )
            self.min_lrs = [self.default_min_lr] * len(groups)
        for group, min_lr in zip(groups, self.min_lrs):
            old = float(group["lr"])
            new = max(old * self.factor, min_lr)
            if old - new > self.eps:
                group["lr"] = new

    def get_last_lr(self) -> list[float]:
        """The learning rate of each parameter group after the last ``step``."""
        return list(self._last_lr)

    def state_dict(self) -> dict[str, Any]:
        """Counters and settings (JSON-serialisable; the optimizer is not included)."""
        return {
            k: (list(v) if isinstance(v, list) else v)
            for k, v in self.__dict__.items()
            if k != "optimizer"
        }

    def check_state_dict(self, state_dict: Any) -> dict[str, Any]:
        """``state_dict`` checked against this scheduler's own state (see ``LRScheduler``)."""
        mine = self.state_dict()
        # None (min_lr given per group) or a number, whichever this scheduler holds
        saved = state_dict.get("default_min_lr") if isinstance(state_dict, dict) else None
        mine["default_min_lr"] = None if saved is None else 0.0
        return checked_like(
            "ReduceLROnPlateau.load_state_dict", mine, state_dict,
            choices={"mode": ("min", "max"), "threshold_mode": ("rel", "abs")},
        )  # fmt: skip

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned, once :meth:`check_state_dict` passes."""
        for k, v in self.check_state_dict(state_dict).items():
            setattr(self, k, v)
