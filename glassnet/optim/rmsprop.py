"""RMSprop, plain, centered and with momentum (PyTorch's formulas)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..backend import get_array_module
from ._torch_flags import check_torch_flags
from .optimizer import (
    Optimizer,
    check_bool,
    check_in_range,
    check_nonnegative,
    compiled_updates,
    effective_grad,
    nonzero_in,
)

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    r"""RMSprop (Hinton's lecture notes; centered variant of Graves, 2013), as ``torch.optim.RMSprop``.

    With ``g`` the gradient (negated when ``maximize``), each step does::

        g = g + weight_decay * p                         # if weight_decay != 0
        sq = alpha * sq + (1 - alpha) * g * g
        avg = sqrt(sq) + eps
        avg = sqrt(sq - ga * ga) + eps,  ga = alpha * ga + (1 - alpha) * g    # centered
        b = momentum * b + g / avg;  p = p - lr * b      # if momentum > 0
        p = p - lr * g / avg                             # otherwise

    Parameters
    ----------
    params : iterable of Tensor or of dict
        Parameters or parameter groups (see :class:`Optimizer`).
    lr : float, default 1e-2
        Learning rate (>= 0). Arguments follow PyTorch's positional order.
    alpha : float, default 0.99
        Smoothing constant of the squared-gradient average, in [0, 1].
    eps : float, default 1e-8
        Added to the denominator (>= 0).
    weight_decay : float, default 0
        L2 penalty added to the gradient (>= 0).
    momentum : float, default 0
        Momentum factor (>= 0).
    centered : bool, default False
        Normalise by an estimate of the gradient's variance instead of its
        second moment.
    maximize : bool, default False
        Ascend the objective instead of descending it.

    Notes
    -----
    State per parameter (PyTorch's names): ``"step"``, ``"square_avg"``,
    ``"momentum_buffer"`` (when ``momentum > 0``), ``"grad_avg"`` (when
    ``centered``). Gradients are read, never modified.
    """

    STATE_ENTRIES = {
        "step": "count",
        "square_avg": "array",
        "momentum_buffer": "array",
        "grad_avg": "array",
    }
    REQUIRED_ENTRIES = ("step", "square_avg")

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
        capturable: bool = False,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        check_torch_flags(
            "RMSprop", foreach=foreach, capturable=capturable, differentiable=differentiable
        )
        defaults = dict(
            lr=lr,
            alpha=alpha,
            eps=eps,
            weight_decay=weight_decay,
            momentum=momentum,
            centered=centered,
            maximize=maximize,
        )
        self._check_group(defaults, "RMSprop")
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any], owner: str) -> None:
        group["lr"] = check_nonnegative(owner, "lr", group["lr"])
        group["alpha"] = check_in_range(owner, "alpha", group["alpha"], 0.0, 1.0, closed=True)
        group["eps"] = check_nonnegative(owner, "eps", group["eps"])
        group["weight_decay"] = check_nonnegative(owner, "weight_decay", group["weight_decay"])
        group["momentum"] = check_nonnegative(owner, "momentum", group["momentum"])
        group["centered"] = check_bool(owner, "centered", group["centered"])
        group["maximize"] = check_bool(owner, "maximize", group["maximize"])

    def _step_group(self, group: dict[str, Any]) -> None:
        lr = group["lr"]
        alpha = group["alpha"]
        eps = group["eps"]
        wd = group["weight_decay"]
        momentum = group["momentum"]
        centered = group["centered"]
        maximize = group["maximize"]
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self.state[p]
            if "square_avg" not in state:
                state["step"] = 0
                state["square_avg"] = self._new_state_array(p)
            if momentum > 0 and "momentum_buffer" not in state:
                state["momentum_buffer"] = self._new_state_array(p)
            if centered and "grad_avg" not in state:
                state["grad_avg"] = self._new_state_array(p)
            state["step"] += 1
            arrays = [p.array, p.grad.array, state["square_avg"]]
            if momentum > 0:
                arrays.append(state["momentum_buffer"])
            if centered:
                arrays.append(state["grad_avg"])
            eps_p = nonzero_in(p.dtype, eps)
            compiled = compiled_updates(p.array)
            if compiled is not None and compiled[0].rmsprop(
                p.array, p.grad.array, state["square_avg"],
                state["momentum_buffer"] if momentum > 0 else None,
                state["grad_avg"] if centered else None, lr=lr, maximize=maximize, weight_decay=wd, alpha=alpha,
                eps=eps_p, momentum=momentum, threads=compiled[1],
            ):  # fmt: skip
                continue
            xp = get_array_module(p.array)
            for blk in self._blocks(arrays, 2):
                pb, gb, sq = blk[:3]
                rest = blk[3:]
                buf = rest.pop(0) if momentum > 0 else None
                gavg = rest.pop(0) if centered else None
                s = blk[-1]
                g = effective_grad(xp, pb, gb, blk[-2], wd, maximize)
                sq *= alpha
                xp.multiply(g, 1.0 - alpha, out=s)  # (1 - alpha) first: g * g overflows sooner
                s *= g
                sq += s
                if gavg is not None:
                    xp.subtract(g, gavg, out=s)
                    s *= 1.0 - alpha
                    gavg += s
                    xp.multiply(gavg, gavg, out=s)
                    xp.subtract(sq, s, out=s)
                    xp.maximum(s, 0, out=s)  # a variance: rounding can take it below 0
                    xp.sqrt(s, out=s)
                else:
                    xp.sqrt(sq, out=s)
                s += eps_p
                xp.divide(g, s, out=s)
                if buf is not None:
                    buf *= momentum
                    buf += s
                    xp.multiply(buf, lr, out=s)
                else:
                    s *= lr
                pb -= s
