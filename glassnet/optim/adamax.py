"""Adamax, Adam with an infinity norm (PyTorch's formulas)."""

from __future__ import annotations

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

__all__ = ["Adamax"]


class Adamax(Optimizer):
    r"""Adamax (Kingma & Ba, 2015, section 7), as ``torch.optim.Adamax``.

    With ``g`` the gradient (negated when ``maximize``) and ``t`` the
    parameter's step count (1 on the first step), each step does::

        g = g + weight_decay * p                     # if weight_decay != 0
        m = beta1 * m + (1 - beta1) * g              # "exp_avg"
        u = max(beta2 * u, |g| + eps)                # "exp_inf"
        p = p - lr / (1 - beta1**t) * m / u

    Parameters
    ----------
    params : iterable of Tensor or of dict
        Parameters or parameter groups (see :class:`Optimizer`).
    lr : float, default 2e-3
        Learning rate (>= 0).
    betas : (float, float), default (0.9, 0.999)
        Decay rates of the first moment and of the infinity norm, each in [0, 1).
    eps : float, default 1e-8
        Added to ``|g|`` (>= 0).
    weight_decay : float, default 0
        L2 penalty added to the gradient (>= 0).
    foreach : bool, optional
        PyTorch's implementation switch; accepted, no effect.
    maximize, differentiable, capturable : bool, default False
        ``maximize`` ascends the objective; ``capturable`` is accepted with no
        effect; ``differentiable=True`` is refused.

    Notes
    -----
    State per parameter (PyTorch's names): ``"step"``, ``"exp_avg"``, ``"exp_inf"``.
    """

    STATE_ENTRIES = {"step": "count", "exp_avg": "array", "exp_inf": "array"}
    REQUIRED_ENTRIES = ("step", "exp_avg", "exp_inf")

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        capturable: bool = False,
    ) -> None:
        check_torch_flags(
            "Adamax", foreach=foreach, capturable=capturable, differentiable=differentiable
        )
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, maximize=maximize)
        self._check_group(defaults, "Adamax")
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any], owner: str) -> None:
        check_adam_group(group, owner)

    def _step_group(self, group: dict[str, Any]) -> None:
        lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
        wd, maximize = group["weight_decay"], group["maximize"]
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self.state[p]
            if "exp_avg" not in state:
                state["step"] = 0
                state["exp_avg"] = self._new_state_array(p)
                state["exp_inf"] = self._new_state_array(p)
            state["step"] += 1
            scales = factors_in(p.dtype, 1.0 / (1.0 - beta1 ** state["step"]), lr)
            eps_p = nonzero_in(p.dtype, eps)
            xp = get_array_module(p.array)
            arrays = [p.array, p.grad.array, state["exp_avg"], state["exp_inf"]]
            for blk in self._blocks(arrays, 2):
                pb, gb, m, u, t, s = blk
                g = effective_grad(xp, pb, gb, t, wd, maximize)
                xp.subtract(g, m, out=s)  # m += (1 - beta1) * (g - m): torch's lerp
                s *= 1.0 - beta1
                m += s
                u *= beta2
                xp.abs(g, out=s)
                s += eps_p
                xp.maximum(u, s, out=u)
                xp.divide(m, u, out=s)
                for factor in scales:
                    s *= factor
                pb -= s
