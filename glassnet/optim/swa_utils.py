"""Stochastic weight averaging, as ``torch.optim.swa_utils``.

::

    swa_model = AveragedModel(model)                  # a copy holding the running average
    swa_scheduler = SWALR(optimizer, swa_lr=0.05)     # anneal to a constant lr
    for epoch in range(epochs):
        train_one_epoch(model, optimizer)
        if epoch >= swa_start:
            swa_model.update_parameters(model)
            swa_scheduler.step()
    update_bn(train_loader, swa_model)                # BatchNorm statistics for the average

``AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(0.999))`` keeps an exponential
moving average instead (``use_buffers=True`` averages the buffers too). The averages are
computed as torch computes them on the CPU: ``avg + (p - avg) / (n + 1)`` for SWA, a ``lerp``
towards ``p`` by ``1 - decay`` for the EMA.
"""

from __future__ import annotations

import copy
import itertools
import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from .._validate import is_int
from ..autograd.grad_mode import no_grad
from ..nn.layers.norm import _BatchNorm
from ..nn.module import Module
from ..tensor import Tensor
from ._lr_base import LRScheduler
from .lr_warmup import _per_group
from .optimizer import Optimizer

__all__ = [
    "AveragedModel", "SWALR", "update_bn", "get_ema_multi_avg_fn", "get_swa_multi_avg_fn",
    "get_ema_avg_fn", "get_swa_avg_fn",
]  # fmt: skip

AvgFn = Callable[[Tensor, Tensor, Any], Tensor]
MultiAvgFn = Callable[[list[Tensor], list[Tensor], Any], None]


def get_ema_avg_fn(decay: float = 0.999) -> AvgFn:
    """``decay * averaged + (1 - decay) * current``, one tensor at a time (for ``avg_fn``)."""

    def ema_update(averaged: Tensor, current: Tensor, num_averaged: Any) -> Tensor:
        return decay * averaged + (1 - decay) * current

    return ema_update


def get_swa_avg_fn() -> AvgFn:
    """The running mean ``averaged + (current - averaged) / (num_averaged + 1)``."""

    def swa_update(averaged: Tensor, current: Tensor, num_averaged: Any) -> Tensor:
        return averaged + (current - averaged) / (num_averaged + 1)

    return swa_update


def get_ema_multi_avg_fn(decay: float = 0.999) -> MultiAvgFn:
    """The EMA over lists of tensors, in place (for ``multi_avg_fn``): each averaged tensor
    moves ``1 - decay`` of the way to the current one (integer tensors:
    ``averaged * decay + current * (1 - decay)``)."""

    def ema_update(averaged: list[Tensor], current: list[Tensor], num_averaged: Any) -> None:
        with no_grad():
            for a, c in zip(averaged, current):
                if a.is_floating_point():
                    a.lerp_(c, 1 - decay)
                else:
                    a.copy_(a * decay + c * (1 - decay))

    return ema_update


def get_swa_multi_avg_fn() -> MultiAvgFn:
    """The running mean over lists of tensors, in place (for ``multi_avg_fn``)."""

    def swa_update(averaged: list[Tensor], current: list[Tensor], num_averaged: Any) -> None:
        with no_grad():
            for a, c in zip(averaged, current):
                if a.is_floating_point():
                    a.lerp_(c, 1 / (num_averaged + 1))
                else:
                    a.add_(c - a, alpha=1.0 / (_count(num_averaged) + 1))

    return swa_update


def _count(n: Any) -> int:
    return int(n.item()) if isinstance(n, Tensor) else int(n)


class AveragedModel(Module):
    """A copy of ``model`` whose parameters are the average of ``model``'s over updates.

    Parameters
    ----------
    model : Module
        The model to average; it is deep-copied into ``self.module``.
    device : str or Device, optional
        Where the copy lives.
    avg_fn : callable, optional
        ``avg_fn(averaged, current, num_averaged) -> Tensor`` for one tensor.
    multi_avg_fn : callable, optional
        ``multi_avg_fn(averaged_list, current_list, num_averaged)``, updating in place;
        takes precedence over ``avg_fn``. Neither: the equal-weight running mean (SWA).
    use_buffers : bool, default False
        Average the buffers too; otherwise they are copied from ``model`` at each update.

    Attributes
    ----------
    n_averaged : Tensor (int64, 0-d)
        How many times :meth:`update_parameters` has run (a buffer).
    """

    def __init__(
        self,
        model: Module,
        device: Any = None,
        avg_fn: AvgFn | None = None,
        multi_avg_fn: MultiAvgFn | None = None,
        use_buffers: bool = False,
    ) -> None:
        super().__init__()
        if not isinstance(model, Module):
            raise TypeError(f"AveragedModel: expected a Module, got {type(model).__name__}")
        self.module = copy.deepcopy(model)
        if device is not None:
            self.module = self.module.to(device)
        self.register_buffer("n_averaged", np.array(0, dtype=np.int64))
        self.avg_fn = avg_fn
        self.multi_avg_fn = multi_avg_fn
        self.use_buffers = bool(use_buffers)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """``self.module(*args, **kwargs)``."""
        return self.module(*args, **kwargs)

    def _pairs(self, model: Module) -> tuple[list[Tensor], list[Tensor]]:
        if self.use_buffers:
            mine = itertools.chain(self.module.parameters(), self.module.buffers())
            theirs = itertools.chain(model.parameters(), model.buffers())
        else:
            mine, theirs = self.module.parameters(), model.parameters()
        averaged, current = [], []
        for a, c in zip(mine, theirs):
            averaged.append(a.detach())
            current.append(c.detach().to(a.device))
        return averaged, current

    def update_parameters(self, model: Module) -> None:
        """Fold ``model``'s current parameters into the average (the first call copies them)."""
        with no_grad():
            averaged, current = self._pairs(model)
            n = self.n_averaged
            if _count(n) == 0:
                for a, c in zip(averaged, current):
                    a.copy_(c)
            elif self.multi_avg_fn is not None:
                self.multi_avg_fn(averaged, current, n)
            else:
                fn = self.avg_fn if self.avg_fn is not None else get_swa_avg_fn()
                for a, c in zip(averaged, current):
                    a.copy_(fn(a, c, n))
            if not self.use_buffers:
                for b_avg, b in zip(self.module.buffers(), model.buffers()):
                    b_avg.copy_(b.detach().to(b_avg.device))
            self.n_averaged += 1


def update_bn(loader: Iterable[Any], model: Module, device: Any = None) -> None:
    """Recompute every BatchNorm layer's running statistics in one pass over ``loader``.

    The statistics are reset and become the equal-weight average over the batches
    (momentum ``None`` for the pass, restored after); the model is put in training mode for
    the pass and left in the mode it had.

    Parameters
    ----------
    loader : iterable
        Batches: a tensor, or a list/tuple whose first item is the model's input.
    model : Module
    device : str or Device, optional
        Where each batch is moved before the forward pass.
    """
    momenta = {}
    for module in model.modules():
        if isinstance(module, _BatchNorm):
            module.reset_running_stats()
            momenta[module] = module.momentum
    if not momenta:
        return
    was_training = model.training
    model.train()
    for module in momenta:
        module.momentum = None
    with no_grad():
        for batch in loader:
            if isinstance(batch, (list, tuple)):
                batch = batch[0]
            if device is not None:
                batch = batch.to(device)
            model(batch)
    for module, momentum in momenta.items():
        module.momentum = momentum
    model.train(was_training)


class SWALR(LRScheduler):
    """Anneal each group's learning rate to ``swa_lr`` over ``anneal_epochs``, then hold it.

    Parameters
    ----------
    optimizer : Optimizer
    swa_lr : float or sequence of float
        The final learning rate (one per parameter group, or one for all).
    anneal_epochs : int, default 10
        Steps of the annealing (0: ``swa_lr`` from the first step).
    anneal_strategy : {"cos", "linear"}, default "cos"
    last_epoch : int, default -1
    """

    CHOICES = {"_anneal_strategy": ("cos", "linear")}

    def __init__(
        self,
        optimizer: Optimizer,
        swa_lr: float | Sequence[float],
        anneal_epochs: int = 10,
        anneal_strategy: str = "cos",
        last_epoch: int = -1,
    ) -> None:
        owner = "SWALR"
        if not isinstance(optimizer, Optimizer):
            raise TypeError(
                f"{owner}: expected a glassnet Optimizer, got {type(optimizer).__name__}"
            )
        for lr, group in zip(_per_group(owner, "swa_lr", swa_lr, len(optimizer.param_groups)),
                             optimizer.param_groups):  # fmt: skip
            group["swa_lr"] = lr
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(
                f"{owner}: anneal_strategy must be 'cos' or 'linear', got {anneal_strategy!r}"
            )
        if not is_int(anneal_epochs) or anneal_epochs < 0:
            raise ValueError(f"{owner}: anneal_epochs must be an int >= 0, got {anneal_epochs!r}")
        self._anneal_strategy = anneal_strategy
        self.anneal_epochs = int(anneal_epochs)
        super().__init__(optimizer, last_epoch)

    def _anneal(self, t: float) -> float:
        return (1 - math.cos(math.pi * t)) / 2 if self._anneal_strategy == "cos" else t

    @staticmethod
    def _start_lr(lr: float, swa_lr: float, alpha: float) -> float:
        """The lr annealing began from, given the lr reached at fraction ``alpha``."""
        return swa_lr if alpha == 1 else (lr - alpha * swa_lr) / (1 - alpha)

    def get_lr(self) -> list[float]:
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        span = max(1, self.anneal_epochs)
        prev_alpha = self._anneal(max(0, min(1, (step - 1) / span)))
        alpha = self._anneal(max(0, min(1, step / span)))
        groups = self.optimizer.param_groups
        starts = [self._start_lr(g["lr"], g["swa_lr"], prev_alpha) for g in groups]
        return [g["swa_lr"] * alpha + lr * (1 - alpha) for g, lr in zip(groups, starts)]
