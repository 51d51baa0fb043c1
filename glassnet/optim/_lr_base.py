"""``LRScheduler``, the base class of the learning-rate schedulers.

Every scheduler imports it from here; :mod:`glassnet.optim.lr_scheduler` is
the public namespace that gathers them all.
"""

from __future__ import annotations

import warnings
from typing import Any

from .._validate import is_int
from ..tensor import Tensor
from .optimizer import Optimizer
from .state_schema import checked_like

__all__ = ["LRScheduler"]


class LRScheduler:
    """Base class of the learning-rate schedulers.

    Subclasses implement :meth:`get_lr`, the learning rates for
    ``self.last_epoch`` (which :meth:`step` has just advanced).

    Parameters
    ----------
    optimizer : Optimizer
    last_epoch : int, default -1
        The index of the last epoch when resuming; -1 starts afresh. When
        resuming, every parameter group must hold ``"initial_lr"`` (load the
        optimizer's state dict first).

    Attributes
    ----------
    base_lrs : list of float
        Each group's ``"initial_lr"``.
    last_epoch : int
        How many times :meth:`step` has been called since the start (0 after construction).
    """

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        owner = type(self).__name__
        if not isinstance(optimizer, Optimizer):
            raise TypeError(
                f"{owner}: expected a glassnet Optimizer, got {type(optimizer).__name__}"
            )
        if not is_int(last_epoch) or last_epoch < -1:
            raise ValueError(f"{owner}: last_epoch must be an int >= -1, got {last_epoch!r}")
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(
                        f"{owner}: param_groups[{i}] has no 'initial_lr', needed to resume with "
                        f"last_epoch={last_epoch}; load the optimizer's state dict first"
                    )
        self.optimizer = optimizer
        self.base_lrs: list[float] = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    #: Whether :meth:`get_lr` scales every group's current lr, so that a group added to the
    #: optimizer after the scheduler was made is scheduled too, as in PyTorch (StepLR,
    #: ExponentialLR, PolynomialLR, ...); schedulers built on ``base_lrs`` refuse such a group.
    FOLLOWS_ADDED_GROUPS: bool = False

    def get_lr(self) -> list[float]:  # pragma: no cover - abstract
        """The learning rate of each group for epoch ``self.last_epoch``."""
        raise NotImplementedError(f"{type(self).__name__} does not implement get_lr")

    def _current_lrs(self) -> list[float]:
        return [group["lr"] for group in self.optimizer.param_groups]

    def step(self, epoch: float | None = None) -> None:
        """Advance one epoch and set each group's learning rate.

        ``epoch`` is torch's deprecated form (``scheduler.step(epoch)``, with torch's
        ``UserWarning``): it jumps to that epoch and takes the scheduler's closed form there
        where it has one (StepLR, MultiStepLR, ExponentialLR, LinearLR, ConstantLR,
        PolynomialLR, CosineAnnealingLR), else :meth:`get_lr`, as torch does."""
        groups = self.optimizer.param_groups
        if len(groups) != len(self.base_lrs) and not self.FOLLOWS_ADDED_GROUPS:
            raise RuntimeError(
                f"{type(self).__name__}: the optimizer has {len(groups)} parameter groups, "
                f"the scheduler was created for {len(self.base_lrs)} (was a group added later?)"
            )
        self._step_count += 1
        if epoch is None:
            self.last_epoch += 1
            lrs = self.get_lr()
        else:
            warnings.warn(
                f"{type(self).__name__}.step(epoch) is deprecated in torch: call step() once "
                "per epoch; with an epoch the closed-form schedule is used where one exists",
                UserWarning, stacklevel=2,
            )  # fmt: skip
            self.last_epoch = epoch
            closed = getattr(self, "_closed_form_lrs", None)
            lrs = closed() if closed is not None else self.get_lr()
        for group, lr in zip(groups, lrs):
            if isinstance(group["lr"], Tensor):  # torch fills a tensor lr in place
                group["lr"].fill_(float(lr))
            else:
                group["lr"] = float(lr)
        self._last_lr = self._current_lrs()

    def get_last_lr(self) -> list[float]:
        """The learning rate of each parameter group set by the last :meth:`step`."""
        return list(self._last_lr)

    def state_dict(self) -> dict[str, Any]:
        """The scheduler's counters and settings (JSON-serialisable; no optimizer)."""
        return {
            k: (list(v) if isinstance(v, list) else v)
            for k, v in self.__dict__.items()
            if k != "optimizer"
        }

    #: Settings that take one of a few values: key -> the values (see :func:`checked_like`).
    CHOICES: dict[str, tuple[Any, ...]] = {}

    def check_state_dict(self, state_dict: Any) -> dict[str, Any]:
        """``state_dict`` checked against this scheduler's own state, changing nothing.

        The keys must be this scheduler's (PyTorch's extra bookkeeping keys are
        dropped), each value of the kind this scheduler holds there (see
        :mod:`glassnet.optim.state_schema`). Returns the checked state.
        """
        who = f"{type(self).__name__}.load_state_dict"
        return checked_like(who, self.state_dict(), state_dict, choices=self.CHOICES)

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned, once :meth:`check_state_dict` passes."""
        self._apply_state(self.check_state_dict(state_dict))

    def _apply_state(self, state: dict[str, Any]) -> None:
        for k, v in state.items():
            setattr(self, k, v)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(last_epoch={self.last_epoch}, last_lr={self._last_lr})"
