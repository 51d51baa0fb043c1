"""Periodic schedules: ``CyclicLR`` (triangles) and ``CosineAnnealingWarmRestarts`` (SGDR)."""

from __future__ import annotations

import math
import types
from collections.abc import Callable, Sequence
from typing import Any

from .._validate import is_number, positive_int
from ._lr_base import LRScheduler
from .optimizer import Optimizer

__all__ = ["CyclicLR", "CosineAnnealingWarmRestarts"]

_MODES = ("triangular", "triangular2", "exp_range")


def _per_group(owner: str, name: str, value: Any, n: int) -> list[float]:
    """One float per parameter group from a number or a sequence of ``n`` numbers."""
    values = list(value) if isinstance(value, (list, tuple)) else [value] * n
    if len(values) != n:
        raise ValueError(
            f"{owner}: expected {n} values of {name} (one per group), got {len(values)}"
        )
    for v in values:
        if not is_number(v) or not math.isfinite(v):
            raise ValueError(f"{owner}: {name} must be a finite number, got {v!r}")
    return [float(v) for v in values]


class CyclicLR(LRScheduler):
    """Cycle the learning rate between ``base_lr`` and ``max_lr`` (Smith, 2017).

    As ``torch.optim.lr_scheduler.CyclicLR``: step it after every *batch*.
    Each cycle rises for ``step_size_up`` steps and falls for
    ``step_size_down``; the amplitude is scaled per cycle (``triangular``: 1,
    ``triangular2``: halved each cycle) or per step (``exp_range``:
    ``gamma ** step``), or by ``scale_fn``. With ``cycle_momentum`` the
    momentum (or Adam's ``beta1``) moves the opposite way between
    ``base_momentum`` and ``max_momentum``.

    Parameters
    ----------
    optimizer : Optimizer
    base_lr, max_lr : float or list of float
        Lower and upper learning rates (one per group, or one for all).
    step_size_up : int, default 2000
    step_size_down : int, optional
        Default ``step_size_up``.
    mode : {"triangular", "triangular2", "exp_range"}, default "triangular"
    gamma : float, default 1.0
        Base of ``exp_range``'s scale.
    scale_fn : callable, optional
        ``f(x) -> factor`` in [0, 1]; replaces ``mode``.
    scale_mode : {"cycle", "iterations"}, default "cycle"
        What ``scale_fn`` receives: the cycle number or the step count.
    cycle_momentum : bool, default True
    base_momentum, max_momentum : float or list of float, default 0.8 / 0.9
    last_epoch : int, default -1
    """

    def __init__(
        self,
        optimizer: Optimizer,
        base_lr: float | Sequence[float],
        max_lr: float | Sequence[float],
        step_size_up: int = 2000,
        step_size_down: int | None = None,
        mode: str = "triangular",
        gamma: float = 1.0,
        scale_fn: Callable[[float], float] | None = None,
        scale_mode: str = "cycle",
        cycle_momentum: bool = True,
        base_momentum: float | Sequence[float] = 0.8,
        max_momentum: float | Sequence[float] = 0.9,
        last_epoch: int = -1,
    ) -> None:
        owner = "CyclicLR"
        n = len(optimizer.param_groups) if isinstance(optimizer, Optimizer) else 0
        base_lrs = _per_group(owner, "base_lr", base_lr, n)
        self.max_lrs = _per_group(owner, "max_lr", max_lr, n)
        up = float(positive_int(owner, "step_size_up", step_size_up))
        down = (
            up
            if step_size_down is None
            else float(positive_int(owner, "step_size_down", step_size_down))
        )
        self.total_size = up + down
        self.step_ratio = up / self.total_size
        if scale_fn is None and mode not in _MODES:
            raise ValueError(
                f"{owner}: mode must be one of {_MODES} (or pass scale_fn), got {mode!r}"
            )
        if scale_mode not in ("cycle", "iterations"):
            raise ValueError(
                f"{owner}: scale_mode must be 'cycle' or 'iterations', got {scale_mode!r}"
            )
        self.mode, self.gamma, self.scale_mode = mode, float(gamma), scale_mode
        self._scale_fn_custom = scale_fn
        if scale_fn is None:  # the built-in modes fix what their scale reads
            self.scale_mode = "iterations" if mode == "exp_range" else "cycle"
        self.cycle_momentum = bool(cycle_momentum)
        if last_epoch == -1 and isinstance(optimizer, Optimizer):
            for lr, group in zip(base_lrs, optimizer.param_groups):
                group["lr"] = lr
        if self.cycle_momentum:
            self._init_momentum(optimizer, base_momentum, max_momentum, n, last_epoch)
        super().__init__(optimizer, last_epoch)
        self.base_lrs = base_lrs

    def _init_momentum(self, optimizer: Optimizer, base: Any, top: Any, n: int, last: int) -> None:
        if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
            raise ValueError(
                f"CyclicLR: cycle_momentum=True needs an optimizer with momentum or betas, "
                f"got {type(optimizer).__name__}; pass cycle_momentum=False"
            )
        self.use_beta1 = "betas" in optimizer.defaults
        self.base_momentums = _per_group("CyclicLR", "base_momentum", base, n)
        self.max_momentums = _per_group("CyclicLR", "max_momentum", top, n)
        if last == -1:
            for m, b, group in zip(self.max_momentums, self.base_momentums, optimizer.param_groups):
                self._set_momentum(group, m)
                group["max_momentum"], group["base_momentum"] = m, b

    def _set_momentum(self, group: dict[str, Any], value: float) -> None:
        if self.use_beta1:
            group["betas"] = (value, *group["betas"][1:])
        else:
            group["momentum"] = value

    def scale_fn(self, x: float) -> float:
        """The amplitude factor at cycle (or step) ``x``."""
        if self._scale_fn_custom is not None:
            return self._scale_fn_custom(x)
        if self.mode == "triangular2":
            return 1.0 / (2.0 ** (x - 1))
        if self.mode == "exp_range":
            return self.gamma**x
        return 1.0

    def get_lr(self) -> list[float]:
        cycle = math.floor(1 + self.last_epoch / self.total_size)
        x = 1.0 + self.last_epoch / self.total_size - cycle
        if x <= self.step_ratio:
            height = x / self.step_ratio
        else:
            height = (x - 1) / (self.step_ratio - 1)
        scale = self.scale_fn(cycle if self.scale_mode == "cycle" else self.last_epoch)
        if self.cycle_momentum:
            for group, b, m in zip(
                self.optimizer.param_groups, self.base_momentums, self.max_momentums
            ):
                self._set_momentum(group, m - (m - b) * height * scale)
        return [b + (m - b) * height * scale for b, m in zip(self.base_lrs, self.max_lrs)]

    def state_dict(self) -> dict[str, Any]:
        state = {k: v for k, v in super().state_dict().items() if k != "_scale_fn_custom"}
        fn = self._scale_fn_custom
        state["_scale_fn_custom"] = (
            None if fn is None or isinstance(fn, types.FunctionType) else dict(fn.__dict__)
        )
        return state

    def _apply_state(self, state: dict[str, Any]) -> None:
        attrs = state.pop("_scale_fn_custom")  # checked: the attributes scale_fn has, same kinds
        super()._apply_state(state)
        if attrs is not None and self._scale_fn_custom is not None:
            self._scale_fn_custom.__dict__.update(attrs)


class CosineAnnealingWarmRestarts(LRScheduler):
    """Cosine annealing with warm restarts (SGDR, Loshchilov & Hutter, 2017).

    ``lr = eta_min + (initial_lr - eta_min) * (1 + cos(pi * T_cur / T_i)) / 2``,
    where ``T_cur`` counts epochs since the last restart and the period
    ``T_i`` starts at ``T_0`` and is multiplied by ``T_mult`` at each restart.
    As in PyTorch, :meth:`step` also takes a (possibly fractional) epoch, so it
    can be stepped per batch: ``sched.step(epoch + i / iters_per_epoch)``.

    Parameters
    ----------
    optimizer : Optimizer
    T_0 : int
        First period, in epochs (> 0).
    T_mult : int, default 1
        Period growth factor (>= 1).
    eta_min : float, default 0
    last_epoch : int, default -1
    """

    def __init__(
        self,
        optimizer: Optimizer,
        T_0: int,
        T_mult: int = 1,
        eta_min: float = 0.0,
        last_epoch: int = -1,
    ) -> None:
        owner = "CosineAnnealingWarmRestarts"
        self.T_0 = positive_int(owner, "T_0", T_0)
        self.T_mult = positive_int(owner, "T_mult", T_mult)
        if not is_number(eta_min):
            raise ValueError(f"{owner}: eta_min must be a number, got {eta_min!r}")
        self.T_i, self.eta_min, self.T_cur = self.T_0, float(eta_min), float(last_epoch)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        cos = (1 + math.cos(math.pi * self.T_cur / self.T_i)) / 2
        return [self.eta_min + (b - self.eta_min) * cos for b in self.base_lrs]

    def _place(self, epoch: float) -> None:
        """Set ``T_cur`` and ``T_i`` for an absolute (possibly fractional) epoch."""
        if epoch < 0:
            raise ValueError(f"CosineAnnealingWarmRestarts.step: epoch must be >= 0, got {epoch!r}")
        epoch = float(epoch)  # T_cur stays a float, so a state saved at a fractional epoch loads
        if epoch < self.T_0:
            self.T_i, self.T_cur = self.T_0, epoch
        elif self.T_mult == 1:
            self.T_cur = epoch % self.T_0
        else:
            k = int(math.log(epoch / self.T_0 * (self.T_mult - 1) + 1, self.T_mult))
            self.T_cur = epoch - self.T_0 * (self.T_mult**k - 1) / (self.T_mult - 1)
            self.T_i = self.T_0 * self.T_mult**k

    def step(self, epoch: float | None = None) -> None:  # type: ignore[override]
        """Advance one epoch, or jump to ``epoch``, and set each group's learning rate."""
        if epoch is None and self.last_epoch < 0:
            epoch = 0
        if epoch is None:
            epoch = self.last_epoch + 1
            self.T_cur += 1
            if self.T_cur >= self.T_i:
                self.T_cur = self.T_cur % self.T_i
                self.T_i *= self.T_mult
        else:
            self._place(epoch)
        self._step_count += 1
        self.last_epoch = math.floor(epoch)
        for group, lr in zip(self.optimizer.param_groups, self.get_lr()):
            group["lr"] = float(lr)
        self._last_lr = self._current_lrs()
