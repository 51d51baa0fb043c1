"""NAdam, Adam with Nesterov momentum (PyTorch's formulas, with its momentum schedule)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from ..backend import get_array_module
from ._adam_family import check_adam_group
from ._torch_flags import check_torch_flags
from .optimizer import (
    Optimizer,
    check_nonnegative,
    effective_grad,
    nonzero_in,
)

__all__ = ["NAdam"]


def momentum_at(beta1: float, momentum_decay: float, t: int) -> float:
    """NAdam's momentum coefficient ``mu_t = beta1 (1 - 0.5 * 0.96 ** (t * momentum_decay))``."""
    return beta1 * (1.0 - 0.5 * 0.96 ** (t * momentum_decay))


class NAdam(Optimizer):
    r"""NAdam (Dozat, 2016), as ``torch.optim.NAdam``.

    With ``g`` the gradient (negated when ``maximize``), ``t`` the step count,
    ``mu_t`` from :func:`momentum_at` and ``P_t = mu_1 * ... * mu_t`` (``"mu_product"``)::

        p = p * (1 - lr * weight_decay)        # decoupled_weight_decay
        g = g + weight_decay * p               # otherwise, if weight_decay != 0
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        d = sqrt(v / (1 - beta2**t)) + eps
        p = p - lr * (1 - mu_t) / (1 - P_t) * g / d - lr * mu_{t+1} / (1 - P_t * mu_{t+1}) * m / d

    Parameters
    ----------
    params : iterable of Tensor or of dict
        Parameters or parameter groups (see :class:`Optimizer`).
    lr : float, default 2e-3
    betas : (float, float), default (0.9, 0.999)
    eps : float, default 1e-8
    weight_decay : float, default 0
    momentum_decay : float, default 4e-3
        Speed of the momentum schedule (>= 0).
    decoupled_weight_decay : bool, default False
        Decay the weights directly (NAdamW) instead of through the gradient.
    foreach, maximize, capturable, differentiable
        As in :class:`Adadelta` (keyword-only here, as in PyTorch).

    Notes
    -----
    State per parameter (PyTorch's names): ``"step"``, ``"mu_product"`` (a
    Python float here, a 0-d tensor in PyTorch; PyTorch keeps it in its
    default dtype, float32 unless changed, so its float64 runs round it
    there), ``"exp_avg"``, ``"exp_avg_sq"``.
    """

    STATE_ENTRIES = {
        "step": "count",
        "mu_product": "number",
        "exp_avg": "array",
        "exp_avg_sq": "array",
    }
    REQUIRED_ENTRIES = ("step", "mu_product", "exp_avg", "exp_avg_sq")

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum_decay: float = 4e-3,
        decoupled_weight_decay: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        check_torch_flags(
            "NAdam", foreach=foreach, capturable=capturable, differentiable=differentiable
        )
        defaults = dict(
            lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, momentum_decay=momentum_decay,
            decoupled_weight_decay=decoupled_weight_decay, maximize=maximize,
        )  # fmt: skip
        self._check_group(defaults, "NAdam")
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any], owner: str) -> None:
        check_adam_group(group, owner, decoupled=True)
        group["momentum_decay"] = check_nonnegative(
            owner, "momentum_decay", group["momentum_decay"]
        )

    def _step_group(self, group: dict[str, Any]) -> None:
        lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
        wd, maximize = group["weight_decay"], group["maximize"]
        decoupled = group["decoupled_weight_decay"]
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self.state[p]
            if "exp_avg" not in state:
                state["step"] = 0
                state["mu_product"] = 1.0
                state["exp_avg"] = self._new_state_array(p)
                state["exp_avg_sq"] = self._new_state_array(p)
            state["step"] += 1
            t = state["step"]
            mu = momentum_at(beta1, group["momentum_decay"], t)
            mu_next = momentum_at(beta1, group["momentum_decay"], t + 1)
            state["mu_product"] = float(state["mu_product"]) * mu
            prod = state["mu_product"]
            coef_g = lr * (1.0 - mu) / (1.0 - prod)
            coef_m = lr * mu_next / (1.0 - prod * mu_next)
            bc2 = 1.0 - beta2**t
            xp = get_array_module(p.array)
            eps_p = nonzero_in(p.dtype, eps)
            arrays = [p.array, p.grad.array, state["exp_avg"], state["exp_avg_sq"]]
            for blk in self._blocks(arrays, 3):
                pb, gb, m, v, tmp, s, d = blk
                if wd != 0 and decoupled:
                    pb *= 1.0 - lr * wd
                g = effective_grad(xp, pb, gb, tmp, 0.0 if decoupled else wd, maximize)
                xp.subtract(g, m, out=s)
                s *= 1.0 - beta1
                m += s
                v *= beta2
                xp.multiply(g, 1.0 - beta2, out=s)  # (1 - beta2) first: g * g overflows sooner
                s *= g
                v += s
                xp.sqrt(v, out=d)  # sqrt before the correction: v / bc2 overflows sooner
                d *= 1.0 / math.sqrt(bc2)
                d += eps_p
                xp.divide(g, d, out=s)
                s *= coef_g
                pb -= s
                xp.divide(m, d, out=s)
                s *= coef_m
                pb -= s
