"""RAdam, Adam with a rectified adaptive learning rate (PyTorch's formulas)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from ..backend import get_array_module
from ._adam_family import check_adam_group
from ._torch_flags import check_torch_flags
from .optimizer import (
    Optimizer,
    effective_grad,
    factors_in,
    nonzero_in,
)

__all__ = ["RAdam"]


def rectification(beta2: float, t: int) -> float | None:
    """RAdam's variance rectification factor at step ``t``, or None while it is undefined.

    ``rho_inf = 2 / (1 - beta2) - 1`` and ``rho_t = rho_inf - 2 t beta2^t / (1 - beta2^t)``;
    the factor exists when ``rho_t > 5`` (the first steps take plain momentum SGD steps).
    """
    bc2 = 1.0 - beta2**t
    rho_inf = 2.0 / (1.0 - beta2) - 1.0
    rho_t = rho_inf - 2.0 * t * beta2**t / bc2
    if rho_t <= 5.0:
        return None
    return math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))


class RAdam(Optimizer):
    r"""RAdam (Liu et al., 2020), as ``torch.optim.RAdam``.

    With ``g`` the gradient (negated when ``maximize``) and ``t`` the step count::

        p = p * (1 - lr * weight_decay)        # decoupled_weight_decay
        g = g + weight_decay * p               # otherwise, if weight_decay != 0
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        m_hat = m / (1 - beta1**t)
        p = p - lr * m_hat * r_t * sqrt(1 - beta2**t) / (sqrt(v) + eps)   # when r_t exists
        p = p - lr * m_hat                                                # otherwise

    where ``r_t`` is :func:`rectification`.

    Parameters
    ----------
    params : iterable of Tensor or of dict
        Parameters or parameter groups (see :class:`Optimizer`).
    lr : float, default 1e-3
    betas : (float, float), default (0.9, 0.999)
    eps : float, default 1e-8
    weight_decay : float, default 0
    decoupled_weight_decay : bool, default False
        Decay the weights directly (as AdamW) instead of through the gradient.
    foreach, maximize, capturable, differentiable
        As in :class:`Adadelta` (keyword-only here, as in PyTorch).

    Notes
    -----
    State per parameter (PyTorch's names): ``"step"``, ``"exp_avg"``, ``"exp_avg_sq"``.
    """

    STATE_ENTRIES = {"step": "count", "exp_avg": "array", "exp_avg_sq": "array"}
    REQUIRED_ENTRIES = ("step", "exp_avg", "exp_avg_sq")

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        decoupled_weight_decay: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        check_torch_flags(
            "RAdam", foreach=foreach, capturable=capturable, differentiable=differentiable
        )
        defaults = dict(
            lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
            decoupled_weight_decay=decoupled_weight_decay, maximize=maximize,
        )  # fmt: skip
        self._check_group(defaults, "RAdam")
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any], owner: str) -> None:
        check_adam_group(group, owner, decoupled=True)

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
                state["exp_avg"] = self._new_state_array(p)
                state["exp_avg_sq"] = self._new_state_array(p)
            state["step"] += 1
            t = state["step"]
            rect = rectification(beta2, t)
            xp = get_array_module(p.array)
            arrays = [p.array, p.grad.array, state["exp_avg"], state["exp_avg_sq"]]
            for blk in self._blocks(arrays, 2):
                pb, gb, m, v, tmp, s = blk
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
                _radam_apply(xp, pb, m, v, s, lr, eps, 1.0 - beta1**t, 1.0 - beta2**t, rect)


def _radam_apply(
    xp: Any, pb: Any, m: Any, v: Any, s: Any, lr: float, eps: float,
    bc1: float, bc2: float, rect: float | None,
) -> None:  # fmt: skip
    """``p -= lr * m / bc1 * (rect * sqrt(bc2) / (sqrt(v) + eps) or 1)``, with ``s`` as scratch."""
    if rect is None:
        xp.divide(m, bc1, out=s)
        s *= lr
        pb -= s
        return
    xp.sqrt(v, out=s)
    s += nonzero_in(pb.dtype, eps)
    xp.divide(m, s, out=s)
    for factor in factors_in(pb.dtype, rect * math.sqrt(bc2) / bc1, lr):
        s *= factor
    pb -= s
