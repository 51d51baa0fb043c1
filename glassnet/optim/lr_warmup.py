"""Whole-run schedules with a warm-up: ``WarmupCosineLR`` and ``OneCycleLR`` (call ``step()`` per batch)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from .._validate import int_at_least, is_int, is_number, positive_int, positive_number
from ._lr_base import LRScheduler
from .optimizer import Optimizer

__all__ = ["WarmupCosineLR", "OneCycleLR"]


class WarmupCosineLR(LRScheduler):
    r"""Linear warm-up, then cosine decay to ``min_lr``; the usual schedule for transformers.

    With ``t`` the step count (``last_epoch``), ``W = warmup_steps``,
    ``T = total_steps`` and ``f0 = warmup_start_factor``::

        lr(t) = initial_lr * (f0 + (1 - f0) * t / W)                      for t < W
        lr(t) = min_lr + (initial_lr - min_lr) * (1 + cos(pi * (t - W) / (T - W))) / 2
                                                                           for W <= t <= T
        lr(t) = min_lr                                                     for t > T

    For ``f0 > 0`` and ``t <= T`` this equals PyTorch's
    ``SequentialLR([LinearLR(start_factor=f0, total_iters=W),
    CosineAnnealingLR(T_max=T - W, eta_min=min_lr)], milestones=[W])``.
    Call :meth:`step` once per optimizer step. The lr is computed from the
    initial lr (not chained).

    Parameters
    ----------
    optimizer : Optimizer
    warmup_steps : int
        Length of the warm-up (>= 0; 0 starts the cosine at once).
    total_steps : int
        Step at which the cosine reaches ``min_lr`` (> ``warmup_steps``).
    warmup_start_factor : float, default 0.0
        Fraction of the initial lr at step 0, in [0, 1].
    min_lr : float, default 0.0
        Final learning rate (>= 0).
    last_epoch : int, default -1
    """

    def __init__(
        self,
        optimizer: Optimizer,
        warmup_steps: int,
        total_steps: int,
        *,
        warmup_start_factor: float = 0.0,
        min_lr: float = 0.0,
        last_epoch: int = -1,
    ) -> None:
        owner = "WarmupCosineLR"
        warmup_steps = int_at_least(owner, "warmup_steps", warmup_steps, 0)
        if not is_int(total_steps) or total_steps <= warmup_steps:
            raise ValueError(
                f"{owner}: total_steps must be an int > warmup_steps ({warmup_steps}), "
                f"got {total_steps!r}"
            )
        f0 = warmup_start_factor
        if not is_number(f0) or not 0 <= f0 <= 1:
            raise ValueError(f"{owner}: warmup_start_factor must be in [0, 1], got {f0!r}")
        if not is_number(min_lr) or not math.isfinite(min_lr) or min_lr < 0:
            raise ValueError(f"{owner}: min_lr must be a number >= 0, got {min_lr!r}")
        self.warmup_steps = warmup_steps
        self.total_steps = total_steps
        self.warmup_start_factor = float(f0)
        self.min_lr = float(min_lr)
        super().__init__(optimizer, last_epoch)

    def lr_at(self, step: int, base_lr: float) -> float:
        """The learning rate at ``step`` for a group whose initial lr is ``base_lr``."""
        w, total, f0 = self.warmup_steps, self.total_steps, self.warmup_start_factor
        if step < w:
            return base_lr * (f0 + (1.0 - f0) * step / w)
        if step > total:
            return self.min_lr
        progress = (step - w) / (total - w)
        return self.min_lr + (base_lr - self.min_lr) * (1 + math.cos(math.pi * progress)) / 2

    def get_lr(self) -> list[float]:
        return [self.lr_at(self.last_epoch, b) for b in self.base_lrs]


def _per_group(owner: str, name: str, value: Any, n: int) -> list[float]:
    values = list(value) if isinstance(value, (list, tuple)) else [value] * n
    if len(values) != n:
        raise ValueError(f"{owner}: {name} has {len(values)} values for {n} parameter groups")
    return [positive_number(owner, name, v) for v in values]


class OneCycleLR(LRScheduler):
    """The 1cycle policy (Smith & Topin, 2018), as ``torch.optim.lr_scheduler.OneCycleLR``.

    The learning rate rises from ``max_lr / div_factor`` to ``max_lr`` over the
    first ``pct_start`` of the run, then falls to
    ``max_lr / (div_factor * final_div_factor)``; with ``cycle_momentum`` the
    momentum (or Adam's ``beta1``) moves the opposite way between
    ``max_momentum`` and ``base_momentum``. With ``three_phase`` the rise is
    mirrored back down to the initial lr before the final fall. Each phase
    runs from ``start`` to ``end`` along ``anneal_strategy``: ``"cos"``,
    ``end + (start - end) * (1 + cos(pi * pct)) / 2``, or ``"linear"``.
    Call :meth:`step` once per batch; stepping past ``total_steps`` raises.

    Parameters
    ----------
    optimizer : Optimizer
    max_lr : float or sequence of float
        Peak learning rate (one for all groups or one per group).
    total_steps : int, optional
        Number of steps in the cycle; or give ``epochs`` and ``steps_per_epoch``.
    epochs, steps_per_epoch : int, optional
    pct_start : float, default 0.3
        Fraction of the cycle spent increasing the lr, in [0, 1].
    anneal_strategy : {"cos", "linear"}, default "cos"
    cycle_momentum : bool, default True
        Also cycle ``momentum`` (SGD, RMSprop) or ``betas[0]`` (Adam).
    base_momentum, max_momentum : float or sequence of float, default 0.85, 0.95
    div_factor : float, default 25.0
        ``initial_lr = max_lr / div_factor``.
    final_div_factor : float, default 1e4
        ``min_lr = initial_lr / final_div_factor``.
    three_phase : bool, default False
    last_epoch : int, default -1
    """

    CHOICES = {"anneal_strategy": ("cos", "linear")}

    def __init__(
        self,
        optimizer: Optimizer,
        max_lr: float | Sequence[float],
        total_steps: int | None = None,
        epochs: int | None = None,
        steps_per_epoch: int | None = None,
        pct_start: float = 0.3,
        anneal_strategy: str = "cos",
        cycle_momentum: bool = True,
        base_momentum: float | Sequence[float] = 0.85,
        max_momentum: float | Sequence[float] = 0.95,
        div_factor: float = 25.0,
        final_div_factor: float = 1e4,
        three_phase: bool = False,
        last_epoch: int = -1,
    ) -> None:
        owner = "OneCycleLR"
        if not isinstance(optimizer, Optimizer):
            raise TypeError(
                f"{owner}: expected a glassnet Optimizer, got {type(optimizer).__name__}"
            )
        if total_steps is not None:
            self.total_steps = positive_int(owner, "total_steps", total_steps)
        elif epochs is not None and steps_per_epoch is not None:
            self.total_steps = positive_int(owner, "epochs", epochs) * positive_int(
                owner, "steps_per_epoch", steps_per_epoch
            )
        else:
            raise ValueError(f"{owner}: give total_steps, or both epochs and steps_per_epoch")
        if not is_number(pct_start) or not (0 <= pct_start <= 1):
            raise ValueError(f"{owner}: pct_start must be a number in [0, 1], got {pct_start!r}")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(
                f"{owner}: anneal_strategy must be 'cos' or 'linear', got {anneal_strategy!r}"
            )
        div_factor = positive_number(owner, "div_factor", div_factor)
        final_div_factor = positive_number(owner, "final_div_factor", final_div_factor)
        self.anneal_strategy = anneal_strategy
        n = self.total_steps
        if three_phase:
            self._phases = [
                {"end": pct_start * n - 1, "lr": ("initial_lr", "max_lr"),
                 "momentum": ("max_momentum", "base_momentum")},
                {"end": 2 * pct_start * n - 2, "lr": ("max_lr", "initial_lr"),
                 "momentum": ("base_momentum", "max_momentum")},
                {"end": n - 1, "lr": ("initial_lr", "min_lr"),
                 "momentum": ("max_momentum", "max_momentum")},
            ]  # fmt: skip
        else:
            self._phases = [
                {"end": pct_start * n - 1, "lr": ("initial_lr", "max_lr"),
                 "momentum": ("max_momentum", "base_momentum")},
                {"end": n - 1, "lr": ("max_lr", "min_lr"),
                 "momentum": ("base_momentum", "max_momentum")},
            ]  # fmt: skip
        groups = optimizer.param_groups
        max_lrs = _per_group(owner, "max_lr", max_lr, len(groups))
        if last_epoch == -1:
            for group, top in zip(groups, max_lrs):
                group["initial_lr"] = top / div_factor
                group["max_lr"] = top
                group["min_lr"] = group["initial_lr"] / final_div_factor
        self.cycle_momentum = bool(cycle_momentum)
        self.use_beta1 = "betas" in optimizer.defaults
        if self.cycle_momentum:
            if "momentum" not in optimizer.defaults and not self.use_beta1:
                raise ValueError(
                    f"{owner}: cycle_momentum=True needs an optimizer with momentum or betas, "
                    f"got {type(optimizer).__name__}; pass cycle_momentum=False"
                )
            tops = _per_group(owner, "max_momentum", max_momentum, len(groups))
            bases = _per_group(owner, "base_momentum", base_momentum, len(groups))
            if last_epoch == -1:
                for group, top, base in zip(groups, tops, bases):
                    self._set_momentum(group, top)
                    group["max_momentum"] = top
                    group["base_momentum"] = base
        super().__init__(optimizer, last_epoch)

    def _set_momentum(self, group: dict[str, Any], value: float) -> None:
        if self.use_beta1:
            group["betas"] = (value, *group["betas"][1:])
        else:
            group["momentum"] = value

    def _anneal(self, start: float, end: float, pct: float) -> float:
        if self.anneal_strategy == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def get_lr(self) -> list[float]:
        t = self.last_epoch
        if t > self.total_steps:
            raise ValueError(
                f"OneCycleLR: stepped {t} times, but the cycle has total_steps={self.total_steps}"
            )
        lrs = []
        for group in self.optimizer.param_groups:
            start = 0.0
            for i, phase in enumerate(self._phases):
                end = phase["end"]
                if t <= end or i == len(self._phases) - 1:
                    pct = (t - start) / (end - start) if end != start else 1.0
                    lr_from, lr_to = phase["lr"]
                    lrs.append(self._anneal(group[lr_from], group[lr_to], pct))
                    if self.cycle_momentum:
                        m_from, m_to = phase["momentum"]
                        self._set_momentum(group, self._anneal(group[m_from], group[m_to], pct))
                    break
                start = end
        return lrs
