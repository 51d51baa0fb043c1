"""ASGD, averaged stochastic gradient descent (PyTorch's formulas)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..backend import get_array_module
from ._torch_flags import check_torch_flags
from .optimizer import Optimizer, check_bool, check_finite, check_nonnegative, effective_grad

__all__ = ["ASGD"]


class ASGD(Optimizer):
    r"""Averaged SGD (Polyak & Juditsky, 1992), as ``torch.optim.ASGD``.

    With ``g`` the gradient (negated when ``maximize``) and ``t`` the step count,
    each step does::

        g = g + weight_decay * p                           # if weight_decay != 0
        p = p * (1 - lambd * eta) - eta * g
        ax = p                       if mu == 1
        ax = ax + mu * (p - ax)      otherwise              # the running average
        eta = lr / (1 + lambd * lr * t) ** alpha
        mu = 1 / max(1, t - t0)

    ``ax`` (state ``"ax"``) is the averaged iterate: copy it into the
    parameters to evaluate the averaged model.

    Parameters
    ----------
    params : iterable of Tensor or of dict
        Parameters or parameter groups (see :class:`Optimizer`).
    lr : float, default 1e-2
    lambd : float, default 1e-4
        Decay term (>= 0).
    alpha : float, default 0.75
        Power of the step-size decay.
    t0 : float, default 1e6
        Step at which averaging starts.
    weight_decay : float, default 0
    foreach, maximize, differentiable, capturable
        As in :class:`Adadelta`; all four may be given by position, as in PyTorch.

    Notes
    -----
    State per parameter (PyTorch's names): ``"step"``, ``"eta"``, ``"mu"``
    (Python floats here, 0-d tensors in PyTorch's default dtype there), ``"ax"``.
    """

    STATE_ENTRIES = {"step": "count", "eta": "number", "mu": "number", "ax": "array"}
    REQUIRED_ENTRIES = ("step", "eta", "mu", "ax")

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        lambd: float = 1e-4,
        alpha: float = 0.75,
        t0: float = 1e6,
        weight_decay: float = 0.0,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
        capturable: bool = False,
    ) -> None:
        check_torch_flags(
            "ASGD", foreach=foreach, capturable=capturable, differentiable=differentiable
        )
        defaults = dict(
            lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay, maximize=maximize
        )
        self._check_group(defaults, "ASGD")
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any], owner: str) -> None:
        group["lr"] = check_nonnegative(owner, "lr", group["lr"])
        group["lambd"] = check_nonnegative(owner, "lambd", group["lambd"])
        group["alpha"] = check_finite(owner, "alpha", group["alpha"])
        group["t0"] = check_finite(owner, "t0", group["t0"])
        group["weight_decay"] = check_nonnegative(owner, "weight_decay", group["weight_decay"])
        group["maximize"] = check_bool(owner, "maximize", group["maximize"])

    def _step_group(self, group: dict[str, Any]) -> None:
        lr, lambd, wd = group["lr"], group["lambd"], group["weight_decay"]
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self.state[p]
            if "ax" not in state:
                state.update(step=0, eta=lr, mu=1.0, ax=self._new_state_array(p))
            state["step"] += 1
            eta, mu = float(state["eta"]), float(state["mu"])
            xp = get_array_module(p.array)
            for blk in self._blocks([p.array, p.grad.array, state["ax"]], 2):
                pb, gb, ax, tmp, s = blk
                g = effective_grad(xp, pb, gb, tmp, wd, group["maximize"])
                pb *= 1.0 - lambd * eta
                xp.multiply(g, eta, out=s)
                pb -= s
                if mu != 1.0:
                    xp.subtract(pb, ax, out=s)
                    s *= mu
                    ax += s
                else:
                    ax[...] = pb
            t = state["step"]
            state["eta"] = lr / (1.0 + lambd * lr * t) ** group["alpha"]
            state["mu"] = 1.0 / max(1.0, t - group["t0"])
