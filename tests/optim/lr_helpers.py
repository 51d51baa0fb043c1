"""Run a glassnet scheduler and a torch scheduler side by side and collect their learning rates."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from glassnet import optim
from glassnet.nn import Parameter

LRS = (0.1, 0.03)


def gn_optimizer(cls: str = "SGD", lrs: tuple[float, ...] = LRS, **kwargs: Any) -> Any:
    groups = [{"params": [Parameter(np.zeros(2))], "lr": lr} for lr in lrs]
    return getattr(optim, cls)(groups, **kwargs)


def torch_optimizer(torch: Any, cls: str = "SGD", lrs: tuple[float, ...] = LRS, **kwargs: Any):
    groups = [{"params": [torch.nn.Parameter(torch.zeros(2))], "lr": lr} for lr in lrs]
    return getattr(torch.optim, cls)(groups, **kwargs)


def lr_sequences(
    torch: Any,
    make_gn: Callable[[Any], Any],
    make_torch: Callable[[Any], Any],
    steps: int = 40,
    cls: str = "SGD",
    metrics: list[float] | None = None,
    **opt_kwargs: Any,
) -> tuple[np.ndarray, np.ndarray]:
    """Per step, each group's lr (and momentum / beta1), as arrays of shape (steps, values)."""
    gopt, topt = gn_optimizer(cls, **opt_kwargs), torch_optimizer(torch, cls, **opt_kwargs)
    gs, ts = make_gn(gopt), make_torch(topt)
    out_g, out_t = [], []
    for i in range(steps):
        for opt, sched, out in ((gopt, gs, out_g), (topt, ts, out_t)):
            row = list(sched.get_last_lr()) + [g["lr"] for g in opt.param_groups]
            for g in opt.param_groups:
                if "betas" in g:
                    row.append(g["betas"][0])
                if "momentum" in g:
                    row.append(g["momentum"])
            out.append(row)
            opt.step()
            if metrics is None:
                sched.step()
            else:
                sched.step(metrics[i])
    return np.array(out_g, dtype=float), np.array(out_t, dtype=float)
