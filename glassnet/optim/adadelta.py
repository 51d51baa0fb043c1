"""Adadelta (PyTorch's formulas, updated in place in cache-sized blocks)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..backend import get_array_module
from ._torch_flags import check_torch_flags
from .optimizer import Optimizer, check_bool, check_in_range, check_nonnegative, effective_grad

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    r"""Adadelta (Zeiler, 2012), as ``torch.optim.Adadelta``.

    With ``g`` the gradient (negated when ``maximize``), each step does::

        g = g + weight_decay * p                      # if weight_decay != 0
        v = rho * v + (1 - rho) * g * g               # "square_avg"
        delta = sqrt(u + eps) / sqrt(v + eps) * g
        u = rho * u + (1 - rho) * delta * delta       # "acc_delta"
        p = p - lr * delta

    Parameters
    ----------
    params : iterable of Tensor or of dict
        Parameters or parameter groups (see :class:`Optimizer`).
    lr : float, default 1.0
        Scale of the update (>= 0).
    rho : float, default 0.9
        Decay rate of both running averages, in [0, 1].
    eps : float, default 1e-6
        Added inside both square roots (>= 0).
    weight_decay : float, default 0
        L2 penalty added to the gradient (>= 0).
    foreach : bool, optional
        PyTorch's implementation switch; accepted, no effect.
    capturable, maximize, differentiable : bool, default False
        ``maximize`` ascends the objective; ``capturable`` is accepted with no
        effect; ``differentiable=True`` is refused.

    Notes
    -----
    State per parameter (PyTorch's names): ``"step"``, ``"square_avg"``,
    ``"acc_delta"``. Arguments follow ``torch.optim.Adadelta``'s positional order.
    """

    STATE_ENTRIES = {"step": "count", "square_avg": "array", "acc_delta": "array"}
    REQUIRED_ENTRIES = ("step", "square_avg", "acc_delta")

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0.0,
        foreach: bool | None = None,
        *,
        capturable: bool = False,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        check_torch_flags(
            "Adadelta", foreach=foreach, capturable=capturable, differentiable=differentiable
        )
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize)
        self._check_group(defaults, "Adadelta")
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any], owner: str) -> None:
        group["lr"] = check_nonnegative(owner, "lr", group["lr"])
        group["rho"] = check_in_range(owner, "rho", group["rho"], 0.0, 1.0, closed=True)
        group["eps"] = check_nonnegative(owner, "eps", group["eps"])
        group["weight_decay"] = check_nonnegative(owner, "weight_decay", group["weight_decay"])
        group["maximize"] = check_bool(owner, "maximize", group["maximize"])

    def _step_group(self, group: dict[str, Any]) -> None:
        lr, rho, eps = group["lr"], group["rho"], group["eps"]
        wd, maximize = group["weight_decay"], group["maximize"]
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self.state[p]
            if "square_avg" not in state:
                state["step"] = 0
                state["square_avg"] = self._new_state_array(p)
                state["acc_delta"] = self._new_state_array(p)
            state["step"] += 1
            xp = get_array_module(p.array)
            arrays = [p.array, p.grad.array, state["square_avg"], state["acc_delta"]]
            for blk in self._blocks(arrays, 3):
                _adadelta_block(xp, lr, rho, eps, wd, maximize, blk)


def _adadelta_block(
    xp: Any, lr: float, rho: float, eps: float, wd: float, maximize: bool, blk: list
) -> None:
    """One block ``[param, grad, square_avg, acc_delta, scratch x3]``, updated in place."""
    pb, gb, v, u, t, s, delta = blk
    g = effective_grad(xp, pb, gb, t, wd, maximize)
    v *= rho
    xp.multiply(g, 1.0 - rho, out=s)  # (1 - rho) first: g * g overflows sooner
    s *= g
    v += s
    xp.add(v, eps, out=s)
    xp.sqrt(s, out=s)  # std
    xp.add(u, eps, out=delta)
    xp.sqrt(delta, out=delta)
    xp.divide(delta, s, out=delta)
    xp.multiply(delta, g, out=delta)  # g may live in t: use it before t is reused
    u *= rho
    xp.multiply(delta, 1.0 - rho, out=s)
    s *= delta
    u += s
    delta *= lr
    pb -= delta
