"""Learning-rate schedulers with PyTorch's semantics (``glassnet.optim.lr_scheduler``).

A scheduler sets ``group["lr"]`` of its optimizer's parameter groups. Create
it after the optimizer, then call ``scheduler.step()`` once per epoch (or per
batch, for per-step schedules) *after* ``optimizer.step()``::

    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    sched = lr_scheduler.StepLR(opt, step_size=30, gamma=0.1)
    for epoch in range(100):
        train_one_epoch()          # calls opt.step()
        sched.step()

Creating a scheduler records each group's starting lr as ``"initial_lr"``
and applies the value for epoch 0. ``StepLR``, ``MultiStepLR``,
``ExponentialLR``, ``LinearLR`` and ``CosineAnnealingLR`` update the current
lr multiplicatively (PyTorch's "chainable" form, so they compose);
``LambdaLR``, ``WarmupCosineLR`` and ``OneCycleLR`` compute it from the
initial lr. ``ReduceLROnPlateau`` reacts to a metric: ``step(metric)``.
"""

from __future__ import annotations

import bisect
import math
import types
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from .._validate import is_int, is_number, positive_int, positive_number
from ._lr_base import LRScheduler
from .lr_compose import ChainedScheduler, SequentialLR
from .lr_cyclic import CosineAnnealingWarmRestarts, CyclicLR
from .lr_plateau import ReduceLROnPlateau
from .lr_warmup import OneCycleLR, WarmupCosineLR
from .optimizer import Optimizer

__all__ = [
    "LRScheduler", "StepLR", "MultiStepLR", "ExponentialLR", "LambdaLR", "MultiplicativeLR", "LinearLR",
    "CosineAnnealingLR", "WarmupCosineLR", "OneCycleLR", "ReduceLROnPlateau", "CyclicLR",
    "CosineAnnealingWarmRestarts", "SequentialLR", "ChainedScheduler", "ConstantLR", "PolynomialLR",
]  # fmt: skip


class StepLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` every ``step_size`` epochs.

    ``lr = initial_lr * gamma ** (epoch // step_size)``.

    Parameters
    ----------
    optimizer : Optimizer
    step_size : int
        Period of the decay, in epochs (> 0).
    gamma : float, default 0.1
        Multiplicative factor (> 0).
    last_epoch : int, default -1
    """

    FOLLOWS_ADDED_GROUPS = True

    def __init__(
        self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1
    ) -> None:
        self.step_size = positive_int("StepLR", "step_size", step_size)
        self.gamma = positive_number("StepLR", "gamma", gamma)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return self._current_lrs()
        return [lr * self.gamma for lr in self._current_lrs()]

    def _closed_form_lrs(self) -> list[float]:
        return [b * self.gamma ** (self.last_epoch // self.step_size) for b in self.base_lrs]


class MultiStepLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` at each milestone epoch.

    ``lr = initial_lr * gamma ** (number of milestones <= epoch)``; a
    milestone listed twice applies ``gamma`` twice.

    Parameters
    ----------
    optimizer : Optimizer
    milestones : iterable of int
        Epochs at which to decay (non-negative ints, any order).
    gamma : float, default 0.1
        Multiplicative factor (> 0).
    last_epoch : int, default -1
    """

    FOLLOWS_ADDED_GROUPS = True

    def __init__(
        self,
        optimizer: Optimizer,
        milestones: Iterable[int],
        gamma: float = 0.1,
        last_epoch: int = -1,
    ) -> None:
        ms = list(milestones)
        for m in ms:
            if not is_int(m) or m < 0:
                raise ValueError(f"MultiStepLR: milestones must be ints >= 0, got {m!r} in {ms!r}")
        self.milestones = sorted(ms)
        self.gamma = positive_number("MultiStepLR", "gamma", gamma)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        hits = self.milestones.count(self.last_epoch)
        if hits == 0:
            return self._current_lrs()
        return [lr * self.gamma**hits for lr in self._current_lrs()]

    def _closed_form_lrs(self) -> list[float]:
        hits = bisect.bisect_right(self.milestones, self.last_epoch)
        return [b * self.gamma**hits for b in self.base_lrs]

    def check_state_dict(self, state_dict: Any) -> dict[str, Any]:
        state = dict(state_dict) if isinstance(state_dict, dict) else state_dict
        ms = state.get("milestones") if isinstance(state, dict) else None
        if isinstance(ms, dict):  # PyTorch saves a Counter {epoch: count}
            try:
                state["milestones"] = sorted(int(k) for k, c in ms.items() for _ in range(int(c)))
            except (TypeError, ValueError):
                raise ValueError(
                    f"MultiStepLR.load_state_dict: 'milestones' must map epochs to counts, "
                    f"got {ms!r:.80}"
                ) from None
        return super().check_state_dict(state)


class ExponentialLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` every epoch: ``lr = initial_lr * gamma ** epoch``.

    Parameters
    ----------
    optimizer : Optimizer
    gamma : float
        Multiplicative factor (> 0).
    last_epoch : int, default -1
    """

    FOLLOWS_ADDED_GROUPS = True

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = positive_number("ExponentialLR", "gamma", gamma)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self._is_initial:
            return self._current_lrs()
        return [lr * self.gamma for lr in self._current_lrs()]

    def _closed_form_lrs(self) -> list[float]:
        return [b * self.gamma**self.last_epoch for b in self.base_lrs]


class LambdaLR(LRScheduler):
    """Set the learning rate to ``initial_lr * lr_lambda(epoch)``.

    Parameters
    ----------
    optimizer : Optimizer
    lr_lambda : callable or list of callable
        ``f(epoch) -> factor``; one for all groups or one per group.
    last_epoch : int, default -1

    Notes
    -----
    :meth:`state_dict` saves the attributes of callable objects (not plain
    functions or lambdas, which cannot be saved), as PyTorch does.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        lr_lambda: Callable[[int], float] | Sequence[Callable[[int], float]],
        last_epoch: int = -1,
    ) -> None:
        n = len(optimizer.param_groups) if isinstance(optimizer, Optimizer) else 0
        if isinstance(lr_lambda, (list, tuple)):
            if len(lr_lambda) != n:
                raise ValueError(
                    f"LambdaLR: got {len(lr_lambda)} lr_lambdas for {n} parameter groups"
                )
            fns = list(lr_lambda)
        else:
            fns = [lr_lambda] * n
        for f in fns:
            if not callable(f):
                raise TypeError(f"LambdaLR: lr_lambda must be callable, got {f!r}")
        self.lr_lambdas = fns
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        return [base * f(self.last_epoch) for f, base in zip(self.lr_lambdas, self.base_lrs)]

    def state_dict(self) -> dict[str, Any]:
        state = {k: v for k, v in super().state_dict().items() if k != "lr_lambdas"}
        state["lr_lambdas"] = [
            None if isinstance(f, types.FunctionType) else dict(f.__dict__) for f in self.lr_lambdas
        ]
        return state

    def _apply_state(self, state: dict[str, Any]) -> None:
        saved = state.pop("lr_lambdas")
        super()._apply_state(state)
        for f, attrs in zip(self.lr_lambdas, saved):
            if attrs is not None:  # checked: the same attribute names and kinds as f's
                f.__dict__.update(attrs)


class MultiplicativeLR(LambdaLR):
    """Multiply each group's current learning rate by ``lr_lambda(epoch)`` at every step.

    ``lr_epoch = lr_{epoch-1} * lr_lambda(epoch)`` (epoch 0 keeps the initial lr),
    as ``torch.optim.lr_scheduler.MultiplicativeLR``. Compare :class:`LambdaLR`,
    which scales the *initial* lr.

    Parameters
    ----------
    optimizer : Optimizer
    lr_lambda : callable or list of callable
        ``f(epoch) -> factor``; one for all groups or one per group.
    last_epoch : int, default -1

    Examples
    --------
    >>> sched = MultiplicativeLR(opt, lambda epoch: 0.95)  # doctest: +SKIP
    """

    def get_lr(self) -> list[float]:
        lrs = self._current_lrs()
        if self._is_initial:
            return lrs
        return [lr * f(self.last_epoch) for f, lr in zip(self.lr_lambdas, lrs)]


class LinearLR(LRScheduler):
    """Scale the learning rate linearly from ``start_factor`` to ``end_factor`` over ``total_iters`` epochs.

    ``lr = initial_lr * (start + (end - start) * min(epoch, total_iters) / total_iters)``.

    Parameters
    ----------
    optimizer : Optimizer
    start_factor : float, default 1/3
        Factor at epoch 0, in (0, 1].
    end_factor : float, default 1.0
        Factor from epoch ``total_iters`` on, in [0, 1].
    total_iters : int, default 5
        Length of the ramp (> 0).
    last_epoch : int, default -1
    """

    FOLLOWS_ADDED_GROUPS = True

    def __init__(
        self,
        optimizer: Optimizer,
        start_factor: float = 1.0 / 3,
        end_factor: float = 1.0,
        total_iters: int = 5,
        last_epoch: int = -1,
    ) -> None:
        if not is_number(start_factor) or not (0 < start_factor <= 1):
            raise ValueError(f"LinearLR: start_factor must be in (0, 1], got {start_factor!r}")
        if not is_number(end_factor) or not (0 <= end_factor <= 1):
            raise ValueError(f"LinearLR: end_factor must be in [0, 1], got {end_factor!r}")
        self.start_factor = float(start_factor)
        self.end_factor = float(end_factor)
        self.total_iters = positive_int("LinearLR", "total_iters", total_iters)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        lrs = self._current_lrs()
        if self.last_epoch == 0:
            return [lr * self.start_factor for lr in lrs]
        if self._is_initial or self.last_epoch > self.total_iters:
            return lrs
        delta = self.end_factor - self.start_factor
        ratio = 1.0 + delta / (self.total_iters * self.start_factor + (self.last_epoch - 1) * delta)
        return [lr * ratio for lr in lrs]

    def _closed_form_lrs(self) -> list[float]:
        done = min(self.total_iters, self.last_epoch) / self.total_iters
        factor = self.start_factor + (self.end_factor - self.start_factor) * done
        return [b * factor for b in self.base_lrs]


class ConstantLR(LRScheduler):
    """Multiply the learning rate by ``factor`` until epoch ``total_iters``, then restore it.

    ``lr = initial_lr * factor`` for ``epoch < total_iters``, else ``initial_lr`` (a short
    warm-up, often the first part of a :class:`SequentialLR`).

    Parameters
    ----------
    optimizer : Optimizer
    factor : float, default 1/3
        In [0, 1].
    total_iters : int, default 5
        Epochs during which the factor applies (>= 0).
    last_epoch : int, default -1
    """

    FOLLOWS_ADDED_GROUPS = True

    def __init__(
        self,
        optimizer: Optimizer,
        factor: float = 1.0 / 3,
        total_iters: int = 5,
        last_epoch: int = -1,
    ) -> None:
        if not is_number(factor) or not (0 <= factor <= 1):
            raise ValueError(f"ConstantLR: factor must be in [0, 1], got {factor!r}")
        if not is_int(total_iters) or total_iters < 0:
            raise ValueError(f"ConstantLR: total_iters must be an int >= 0, got {total_iters!r}")
        self.factor = float(factor)
        self.total_iters = int(total_iters)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        lrs = self._current_lrs()
        if self.last_epoch == 0:
            return [lr * self.factor for lr in lrs]
        if self.last_epoch != self.total_iters:
            return lrs
        return [lr / self.factor for lr in lrs]

    def _closed_form_lrs(self) -> list[float]:
        scale = 1.0 if self.last_epoch >= self.total_iters else self.factor
        return [b * scale for b in self.base_lrs]


class PolynomialLR(LRScheduler):
    """Decay the learning rate polynomially to 0 over ``total_iters`` epochs.

    ``lr = initial_lr * (1 - min(epoch, total_iters) / total_iters) ** power``, applied
    to the current lr step by step as PyTorch does (so it composes).

    Parameters
    ----------
    optimizer : Optimizer
    total_iters : int, default 5
        Epochs until the lr reaches 0 (> 0).
    power : float, default 1.0
        The polynomial's power (> 0 for a decay).
    last_epoch : int, default -1
    """

    FOLLOWS_ADDED_GROUPS = True

    def __init__(
        self,
        optimizer: Optimizer,
        total_iters: int = 5,
        power: float = 1.0,
        last_epoch: int = -1,
    ) -> None:
        self.total_iters = positive_int("PolynomialLR", "total_iters", total_iters)
        if not is_number(power):
            raise ValueError(f"PolynomialLR: power must be a number, got {power!r}")
        self.power = float(power)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        lrs = self._current_lrs()
        if self._is_initial or self.last_epoch > self.total_iters:
            return lrs
        n, e = self.total_iters, self.last_epoch
        factor = ((1.0 - e / n) / (1.0 - (e - 1) / n)) ** self.power
        return [lr * factor for lr in lrs]

    def _closed_form_lrs(self) -> list[float]:
        left = 1.0 - min(self.total_iters, self.last_epoch) / self.total_iters
        return [b * left**self.power for b in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    """Anneal the learning rate along a cosine from ``initial_lr`` to ``eta_min`` over ``T_max`` epochs.

    ``lr = eta_min + (initial_lr - eta_min) * (1 + cos(pi * epoch / T_max)) / 2``
    for ``epoch <= T_max``; like PyTorch, the curve continues periodically
    (back up) after ``T_max``, and the update is applied to the current lr,
    so it composes with other schedulers.

    Parameters
    ----------
    optimizer : Optimizer
    T_max : int
        Half period, in epochs (> 0).
    eta_min : float, default 0.0
        Minimum learning rate (>= 0).
    last_epoch : int, default -1
    """

    def __init__(
        self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1
    ) -> None:
        self.T_max = positive_int("CosineAnnealingLR", "T_max", T_max)
        if not is_number(eta_min) or not math.isfinite(eta_min) or eta_min < 0:
            raise ValueError(f"CosineAnnealingLR: eta_min must be a number >= 0, got {eta_min!r}")
        self.eta_min = float(eta_min)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        lrs = self._current_lrs()
        t, T, lo = self.last_epoch, self.T_max, self.eta_min
        if self._is_initial:
            return lrs
        if self._step_count == 1 and t > 0:  # resumed: closed form
            return [lo + (b - lo) * (1 + math.cos(t * math.pi / T)) / 2 for b in self.base_lrs]
        if (t - 1 - T) % (2 * T) == 0:  # leaving the minimum
            return [
                lr + (b - lo) * (1 - math.cos(math.pi / T)) / 2 for lr, b in zip(lrs, self.base_lrs)
            ]
        ratio = (1 + math.cos(math.pi * t / T)) / (1 + math.cos(math.pi * (t - 1) / T))
        return [ratio * (lr - lo) + lo for lr in lrs]

    def _closed_form_lrs(self) -> list[float]:
        cos = (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2
        return [self.eta_min + (b - self.eta_min) * cos for b in self.base_lrs]
