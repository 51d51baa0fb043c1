"""Adagrad (PyTorch's formulas, including the learning-rate decay)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..backend import get_array_module
from ._torch_flags import check_torch_flags
from .optimizer import Optimizer, check_bool, check_nonnegative, effective_grad, nonzero_in

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    r"""Adagrad (Duchi et al., 2011), as ``torch.optim.Adagrad``.

    With ``g`` the gradient (negated when ``maximize``) and ``t`` the
    parameter's step count (1 on the first step), each step does::

        g = g + weight_decay * p                 # if weight_decay != 0
        clr = lr / (1 + (t - 1) * lr_decay)
        s = s + g * g
        p = p - clr * g / (sqrt(s) + eps)

    Parameters
    ----------
    params : iterable of Tensor or of dict
        Parameters or parameter groups (see :class:`Optimizer`).
    lr : float, default 1e-2
        Learning rate (>= 0). Arguments follow PyTorch's positional order.
    lr_decay : float, default 0
        Learning-rate decay per step (>= 0).
    weight_decay : float, default 0
        L2 penalty added to the gradient (>= 0).
    initial_accumulator_value : float, default 0
        Starting value of the sum of squared gradients (>= 0).
    eps : float, default 1e-10
        Added to the denominator (>= 0).
    maximize : bool, default False
        Ascend the objective instead of descending it.

    Notes
    -----
    State per parameter (PyTorch's names): ``"step"`` and ``"sum"``, created
    when the parameter is added (as PyTorch does), so ``state_dict()`` lists
    them before the first step. Gradients are read, never modified.
    """

    STATE_ENTRIES = {"step": "count", "sum": "array"}
    REQUIRED_ENTRIES = ("step", "sum")

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        check_torch_flags("Adagrad", foreach=foreach, fused=fused, differentiable=differentiable)
        defaults = dict(
            lr=lr,
            lr_decay=lr_decay,
            weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value,
            eps=eps,
            maximize=maximize,
        )
        self._check_group(defaults, "Adagrad")
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any], owner: str) -> None:
        group["lr"] = check_nonnegative(owner, "lr", group["lr"])
        group["lr_decay"] = check_nonnegative(owner, "lr_decay", group["lr_decay"])
        group["weight_decay"] = check_nonnegative(owner, "weight_decay", group["weight_decay"])
        group["initial_accumulator_value"] = check_nonnegative(
            owner, "initial_accumulator_value", group["initial_accumulator_value"]
        )
        group["eps"] = check_nonnegative(owner, "eps", group["eps"])
        group["maximize"] = check_bool(owner, "maximize", group["maximize"])

    def add_param_group(self, param_group: Mapping[str, Any]) -> None:
        super().add_param_group(param_group)
        group = self.param_groups[-1]
        for p in group["params"]:
            self._init_state(p, group)

    def _init_state(self, p: Any, group: dict[str, Any]) -> None:
        state = self.state[p]
        state["step"] = 0
        state["sum"] = self._new_state_array(p, group["initial_accumulator_value"])

    def _step_group(self, group: dict[str, Any]) -> None:
        lr = group["lr"]
        lr_decay = group["lr_decay"]
        eps = group["eps"]
        wd = group["weight_decay"]
        maximize = group["maximize"]
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self.state[p]
            if "sum" not in state:
                self._init_state(p, group)
            state["step"] += 1
            clr = lr / (1.0 + (state["step"] - 1) * lr_decay)
            xp = get_array_module(p.array)
            eps_p = nonzero_in(p.dtype, eps)
            for blk in self._blocks([p.array, p.grad.array, state["sum"]], 2):
                pb, gb, total = blk[:3]
                s = blk[-1]
                g = effective_grad(xp, pb, gb, blk[-2], wd, maximize)
                xp.multiply(g, g, out=s)
                total += s
                xp.sqrt(total, out=s)
                s += eps_p
                xp.divide(g, s, out=s)
                s *= clr
                pb -= s
