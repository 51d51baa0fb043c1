"""Stochastic gradient descent with momentum and Nesterov momentum (PyTorch's formulas)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..backend import get_array_module
from ._torch_flags import check_torch_flags
from .optimizer import (
    Optimizer,
    check_bool,
    check_finite,
    check_nonnegative,
    compiled_updates,
    effective_grad,
)

__all__ = ["SGD"]


class SGD(Optimizer):
    r"""Stochastic gradient descent, optionally with (Nesterov) momentum, as ``torch.optim.SGD``.

    With ``g`` the gradient (negated when ``maximize``), each step does::

        g = g + weight_decay * p                     # if weight_decay != 0
        b = g            on the first step,          # if momentum != 0
        b = momentum * b + (1 - dampening) * g       afterwards
        g = g + momentum * b if nesterov else b
        p = p - lr * g

    Parameters
    ----------
    params : iterable of Tensor or of dict
        Parameters or parameter groups (see :class:`Optimizer`).
    lr : float, default 1e-3
        Learning rate (>= 0). Arguments follow PyTorch's positional order.
    momentum : float, default 0
        Momentum factor (>= 0).
    dampening : float, default 0
        Dampening of the gradient's contribution to the momentum buffer.
    weight_decay : float, default 0
        L2 penalty coefficient (>= 0), added to the gradient.
    nesterov : bool, default False
        Nesterov momentum (needs ``momentum > 0`` and ``dampening == 0``).
    maximize : bool, default False
        Ascend the objective instead of descending it.

    Notes
    -----
    State per parameter: ``"momentum_buffer"`` (only when ``momentum != 0``).
    Gradients are read, never modified.

    Examples
    --------
    >>> opt = SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True)  # doctest: +SKIP
    >>> loss.backward(); opt.step(); opt.zero_grad()  # doctest: +SKIP
    """

    STATE_ENTRIES = {"momentum_buffer": "array?"}
    REQUIRED_ENTRIES = ()

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        check_torch_flags("SGD", foreach=foreach, fused=fused, differentiable=differentiable)
        defaults = dict(
            lr=lr,
            momentum=momentum,
            dampening=dampening,
            weight_decay=weight_decay,
            nesterov=nesterov,
            maximize=maximize,
        )
        self._check_group(defaults, "SGD")
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any], owner: str) -> None:
        group["lr"] = check_nonnegative(owner, "lr", group["lr"])
        group["momentum"] = check_nonnegative(owner, "momentum", group["momentum"])
        group["dampening"] = check_finite(owner, "dampening", group["dampening"])
        group["weight_decay"] = check_nonnegative(owner, "weight_decay", group["weight_decay"])
        group["nesterov"] = check_bool(owner, "nesterov", group["nesterov"])
        group["maximize"] = check_bool(owner, "maximize", group["maximize"])
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(
                f"{owner}: nesterov=True needs momentum > 0 and dampening == 0, got "
                f"momentum={group['momentum']!r}, dampening={group['dampening']!r}"
            )

    def _step_group(self, group: dict[str, Any]) -> None:
        lr = group["lr"]
        momentum = group["momentum"]
        dampening = group["dampening"]
        wd = group["weight_decay"]
        nesterov = group["nesterov"]
        maximize = group["maximize"]
        for p in group["params"]:
            if p.grad is None:
                continue
            arrays = [p.array, p.grad.array]
            fresh = False
            if momentum != 0:
                state = self.state[p]
                buf = state.get("momentum_buffer")
                if buf is None:
                    buf = state["momentum_buffer"] = self._new_state_array(p)
                    fresh = True
                arrays.append(buf)
            compiled = compiled_updates(p.array)
            if compiled is not None and compiled[0].sgd(
                p.array, p.grad.array, arrays[2] if momentum != 0 else None, lr=lr,
                maximize=maximize, weight_decay=wd, momentum=momentum, dampening=dampening,
                fresh=fresh, nesterov=nesterov, threads=compiled[1],
            ):  # fmt: skip
                continue
            xp = get_array_module(p.array)
            for blk in self._blocks(arrays, 2):
                if momentum != 0:
                    pb, gb, bb = blk[:3]
                else:
                    pb, gb = blk[:2]
                    bb = None
                s = blk[-1]
                g = effective_grad(xp, pb, gb, blk[-2], wd, maximize)
                if bb is not None:
                    if fresh:
                        bb[...] = g
                    else:
                        bb *= momentum
                        if dampening != 0:
                            xp.multiply(g, 1.0 - dampening, out=s)
                            bb += s
                        else:
                            bb += g
                    if nesterov:
                        xp.multiply(bb, momentum, out=s)
                        s += g
                        update = s
                    else:
                        update = bb
                else:
                    update = g
                xp.multiply(update, lr, out=s)
                pb -= s
