"""Schedulers made of schedulers: ``SequentialLR`` (one after another) and ``ChainedScheduler``."""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from typing import Any

from ._lr_base import LRScheduler
from .lr_plateau import ReduceLROnPlateau
from .optimizer import Optimizer
from .state_schema import checked_like

__all__ = ["SequentialLR", "ChainedScheduler"]


def _check_children(owner: str, schedulers: Sequence[Any], optimizer: Optimizer) -> list:
    children = list(schedulers)
    if not children:
        raise ValueError(f"{owner}: expected at least one scheduler, got none")
    for i, s in enumerate(children):
        if isinstance(s, ReduceLROnPlateau):
            raise ValueError(
                f"{owner}: schedulers[{i}] is a ReduceLROnPlateau, whose step() needs a metric; "
                "step it yourself next to this one"
            )
        if not isinstance(s, LRScheduler):
            raise TypeError(
                f"{owner}: schedulers[{i}] must be an LRScheduler, got {type(s).__name__}"
            )
        if s.optimizer is not optimizer:
            raise ValueError(
                f"{owner}: schedulers[{i}] ({type(s).__name__}) belongs to another optimizer; "
                "all schedulers must share one"
            )
    return children


def _restart(scheduler: LRScheduler) -> None:
    """Put ``scheduler`` at epoch 0 again, with its lr from its closed form when it has one."""
    scheduler.last_epoch = 0
    closed = getattr(scheduler, "_closed_form_lrs", None)
    lrs = closed() if closed is not None else scheduler.get_lr()
    for group, lr in zip(scheduler.optimizer.param_groups, lrs):
        group["lr"] = float(lr)
    scheduler._last_lr = scheduler._current_lrs()


def _initial_step(scheduler: LRScheduler) -> None:
    """Run ``scheduler``'s first step again (the one its constructor runs)."""
    scheduler._step_count = 0
    scheduler._is_initial = True
    try:
        scheduler.step()
    finally:
        scheduler._is_initial = False


class _Composite(LRScheduler):
    """What the two composites share: children's state dicts nested in their own."""

    _schedulers: list[LRScheduler]

    def get_lr(self) -> list[float]:
        return self._current_lrs()

    def state_dict(self) -> dict[str, Any]:
        own = {
            k: (list(v) if isinstance(v, list) else v)
            for k, v in self.__dict__.items()
            if k not in ("optimizer", "_schedulers")
        }
        own["_schedulers"] = [s.state_dict() for s in self._schedulers]
        return own

    def check_state_dict(self, state_dict: Any) -> dict[str, Any]:
        """Its own keys as any scheduler's, and each child's state by that child's check."""
        who = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"{who}: expected a dict, got {type(state_dict).__name__}")
        state = dict(state_dict)
        children = state.pop("_schedulers", None)
        if not isinstance(children, list) or len(children) != len(self._schedulers):
            raise ValueError(
                f"{who}: expected '_schedulers' with {len(self._schedulers)} state dicts, "
                f"got {children!r:.80}"
            )
        own = {k: v for k, v in self.state_dict().items() if k != "_schedulers"}
        checked = checked_like(who, own, state, choices=self.CHOICES)
        checked["_schedulers"] = [s.check_state_dict(c) for s, c in zip(self._schedulers, children)]
        return checked

    def _apply_state(self, state: dict[str, Any]) -> None:
        for s, child in zip(self._schedulers, state.pop("_schedulers")):
            s._apply_state(child)
        super()._apply_state(state)


class SequentialLR(_Composite):
    """Run ``schedulers`` one after another, switching at the ``milestones`` epochs.

    As ``torch.optim.lr_scheduler.SequentialLR``: e.g. a linear warm-up for
    5 epochs then cosine annealing,
    ``SequentialLR(opt, [LinearLR(opt, 0.1, total_iters=5), CosineAnnealingLR(opt, 95)], [5])``.
    At a milestone the next scheduler starts at its epoch 0 (from the
    initial lr, by its closed form where it has one).

    Parameters
    ----------
    optimizer : Optimizer
    schedulers : list of LRScheduler
        Built on ``optimizer``; not ``ReduceLROnPlateau``.
    milestones : list of int
        ``len(schedulers) - 1`` increasing epochs.
    last_epoch : int, default -1
    """

    def __init__(
        self,
        optimizer: Optimizer,
        schedulers: Sequence[LRScheduler],
        milestones: Sequence[int],
        last_epoch: int = -1,
    ) -> None:
        self._schedulers = _check_children("SequentialLR", schedulers, optimizer)
        ms = list(milestones)
        if len(ms) != len(self._schedulers) - 1:
            raise ValueError(
                f"SequentialLR: expected {len(self._schedulers) - 1} milestones for "
                f"{len(self._schedulers)} schedulers, got {ms!r}"
            )
        self._milestones = ms
        self.optimizer = optimizer
        self.last_epoch = last_epoch + 1
        self._step_count = 0
        self._is_initial = False
        for group in optimizer.param_groups:
            group["lr"] = group["initial_lr"]
        for s in self._schedulers:  # undo the first step their constructors ran
            s.last_epoch -= 1
        first = self._schedulers[bisect.bisect_right(ms, 0)]
        _initial_step(first)
        self.base_lrs = list(first.base_lrs)
        self._last_lr = first.get_last_lr()

    def step(self) -> None:
        """Advance one epoch in the scheduler whose stretch this epoch falls in."""
        self.last_epoch += 1
        self._step_count += 1
        i = bisect.bisect_right(self._milestones, self.last_epoch)
        current = self._schedulers[i]
        if i > 0 and self._milestones[i - 1] == self.last_epoch:
            _restart(current)
        else:
            current.step()
        self._last_lr = current.get_last_lr()


class ChainedScheduler(_Composite):
    """Step several schedulers together each epoch, their effects multiplying.

    As ``torch.optim.lr_scheduler.ChainedScheduler``; the schedulers should be
    chainable ones (``StepLR``, ``ExponentialLR``, ``LinearLR``, ...), which
    update the current lr rather than recompute it.

    Parameters
    ----------
    schedulers : list of LRScheduler
    optimizer : Optimizer, optional
        Default: the first scheduler's.
    """

    def __init__(
        self, schedulers: Sequence[LRScheduler], optimizer: Optimizer | None = None
    ) -> None:
        listed = list(schedulers)
        if optimizer is None and listed:
            optimizer = getattr(listed[0], "optimizer", None)
        self._schedulers = _check_children("ChainedScheduler", listed, optimizer)
        self.optimizer = optimizer
        self.base_lrs = [g.get("initial_lr", g["lr"]) for g in optimizer.param_groups]
        self.last_epoch = self._schedulers[0].last_epoch
        self._step_count = 0
        self._is_initial = False
        self._last_lr = self._current_lrs()

    def step(self) -> None:
        """Step every scheduler in order."""
        for s in self._schedulers:
            s.step()
        self.last_epoch += 1
        self._step_count += 1
        self._last_lr = self._current_lrs()
