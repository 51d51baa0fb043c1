"""Adam and AdamW (PyTorch's formulas, updated in place in cache-sized blocks)."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

import numpy as np

from .._kernels import elementwise
from ..backend import get_array_module
from ..tensor import Tensor
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

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    r"""Adam (Kingma & Ba, 2015), as ``torch.optim.Adam``.

    With ``g`` the gradient (negated when ``maximize``) and ``t`` the
    parameter's step count (1 on the first step), each step does::

        p = p * (1 - lr * weight_decay)            # decoupled_weight_decay (AdamW)
        g = g + weight_decay * p                   # otherwise, if weight_decay != 0
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        v_max = max(v_max, v)                      # amsgrad: use v_max below instead of v
        p = p - lr / (1 - beta1**t) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)

    Parameters
    ----------
    params : iterable of Tensor or of dict
        Parameters or parameter groups (see :class:`Optimizer`).
    lr : float, default 1e-3
        Learning rate (>= 0). Arguments follow PyTorch's positional order.
    betas : (float, float), default (0.9, 0.999)
        Decay rates of the first and second moment averages, each in [0, 1).
    eps : float, default 1e-8
        Added to the denominator for numerical stability (>= 0).
    weight_decay : float, default 0
        L2 penalty added to the gradient (or, with ``decoupled_weight_decay``,
        the factor of the decoupled decay).
    amsgrad : bool, default False
        Use the maximum of past second moments (AMSGrad).
    maximize : bool, default False
        Ascend the objective instead of descending it.
    decoupled_weight_decay : bool, default False
        Decay the weights directly, as AdamW, instead of through the gradient.

    Notes
    -----
    State per parameter (PyTorch's names): ``"step"`` (int), ``"exp_avg"``,
    ``"exp_avg_sq"`` and, with ``amsgrad``, ``"max_exp_avg_sq"``, in the
    parameter's dtype and on its device. Gradients are read, never modified.
    """

    STATE_ENTRIES = {
        "step": "count",
        "exp_avg": "array",
        "exp_avg_sq": "array",
        "max_exp_avg_sq": "array",
    }
    REQUIRED_ENTRIES = ("step", "exp_avg", "exp_avg_sq")

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
        decoupled_weight_decay: bool = False,
    ) -> None:
        check_torch_flags(
            type(self).__name__, foreach=foreach, fused=fused, capturable=capturable,
            differentiable=differentiable,
        )  # fmt: skip
        if foreach and isinstance(lr, Tensor):  # torch refuses it (CPU, capturable=False)
            raise ValueError("lr as a Tensor is not supported for capturable=False and foreach=True")
        defaults = dict(
            lr=lr,
            betas=betas,
            eps=eps,
            weight_decay=weight_decay,
            amsgrad=amsgrad,
            maximize=maximize,
            decoupled_weight_decay=decoupled_weight_decay,
        )
        self._check_group(defaults, type(self).__name__)
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any], owner: str) -> None:
        group["lr"] = check_nonnegative(owner, "lr", group["lr"])
        betas = group["betas"]
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"{owner}: betas must be a pair of numbers in [0, 1), got {betas!r}")
        group["betas"] = (
            check_in_range(owner, "betas[0]", betas[0], 0.0, 1.0, closed=False),
            check_in_range(owner, "betas[1]", betas[1], 0.0, 1.0, closed=False),
        )
        group["eps"] = check_nonnegative(owner, "eps", group["eps"])
        group["weight_decay"] = check_nonnegative(owner, "weight_decay", group["weight_decay"])
        group["amsgrad"] = check_bool(owner, "amsgrad", group["amsgrad"])
        group["maximize"] = check_bool(owner, "maximize", group["maximize"])
        group["decoupled_weight_decay"] = check_bool(
            owner, "decoupled_weight_decay", group.get("decoupled_weight_decay", False)
        )

    def _step_group(self, group: dict[str, Any]) -> None:
        lr = group["lr"]
        beta1, beta2 = group["betas"]
        eps = group["eps"]
        wd = group["weight_decay"]
        amsgrad = group["amsgrad"]
        maximize = group["maximize"]
        decoupled = group["decoupled_weight_decay"]
        l2 = wd != 0 and not decoupled
        shrink = 1.0 - lr * wd if (wd != 0 and decoupled) else 1.0
        items: list = []
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self.state[p]
            if "exp_avg" not in state:
                state["step"] = 0
                state["exp_avg"] = self._new_state_array(p)
                state["exp_avg_sq"] = self._new_state_array(p)
            if amsgrad and "max_exp_avg_sq" not in state:
                state["max_exp_avg_sq"] = self._new_state_array(p)
            state["step"] += 1
            scale = _scales(p.dtype, lr, beta1, beta2, eps, state["step"])
            xp = get_array_module(p.array)
            fused = None if amsgrad else elementwise(xp, "glassnet_adam")
            if fused is not None:  # a GPU: the whole update in one kernel
                k = p.array.dtype.type
                ds, de, sa, sb = scale if scale is not None else (0.0, 0.0, 0.0, 0.0)
                fused(
                    p.grad.array, k(shrink), k(-1.0 if maximize else 1.0), k(wd if l2 else 0.0),
                    k(1.0 - beta1), k(beta2), k(1.0 - beta2), k(ds), k(de), k(sa), k(sb),
                    k(0.0 if scale is None else 1.0), p.array, state["exp_avg"], state["exp_avg_sq"],
                )  # fmt: skip
                continue
            compiled = None if amsgrad else compiled_updates(p.array)
            if compiled is not None and compiled[0].adam(
                p.array, p.grad.array, state["exp_avg"], state["exp_avg_sq"], shrink=shrink,
                maximize=maximize, l2=wd if l2 else 0.0, beta1=beta1, beta2=beta2, scale=scale,
                threads=compiled[1],
            ):  # fmt: skip
                continue
            arrays = [p.array, p.grad.array, state["exp_avg"], state["exp_avg_sq"]]
            if amsgrad:
                arrays.append(state["max_exp_avg_sq"])
            items.append((arrays, 2, functools.partial(
                _adam_block, xp, shrink, wd if l2 else 0.0, maximize, beta1, beta2, amsgrad, scale
            )))  # fmt: skip
        self._run_blocks(items)


def _scales(
    dtype: Any, lr: float, beta1: float, beta2: float, eps: float, t: int
) -> tuple[float, float, float, float] | None:
    """The scalars of the update ``p -= m / (sqrt(v) * a + b) * c * d`` at step ``t``.

    Mathematically the update is ``lr / (1 - beta1**t) * m / (sqrt(v) / sqrt(1 - beta2**t)
    + eps)``. Where the parameters' dtype holds them safely, the step size is folded into
    the denominator (``c = d = 1``: one pass less over the arrays). At a tiny learning rate
    the folded scale ``1 / (sqrt(1 - beta2**t) * step_size)`` overflows float32 (``lr <
    ~3e-38``) and ``0 * inf`` made NaN; at a huge one it underflows. Then the factors stay
    apart: ``a = 1 / sqrt(1 - beta2**t)``, ``b = eps``, ``c = 1 / (1 - beta1**t)``,
    ``d = lr``, each in range. Returns None when ``lr`` is 0 (no update).
    """
    step_size = lr / (1.0 - beta1**t)
    if step_size == 0:
        return None
    inv_bc2 = 1.0 / (1.0 - beta2**t) ** 0.5
    info = np.finfo(dtype)
    big = float(info.max)
    # sqrt(v) lies in [sqrt(smallest subnormal), sqrt(max)]: keep sqrt(v) * a normal and finite
    low, high = float(info.tiny) / float(np.sqrt(info.smallest_subnormal)), float(np.sqrt(big)) / 2
    folded, folded_eps = inv_bc2 / step_size, eps / step_size
    if eps > 0 and low <= folded <= high and float(info.tiny) <= folded_eps <= big / 2:
        return folded, folded_eps, 1.0, 1.0
    return inv_bc2, nonzero_in(np.dtype(dtype), eps), 1.0 / (1.0 - beta1**t), lr


def _adam_block(
    xp: Any,
    shrink: float,
    wd: float,
    maximize: bool,
    beta1: float,
    beta2: float,
    amsgrad: bool,
    scale: tuple[float, float, float, float] | None,
    blk: list,
) -> None:
    """Adam's update of one block ``[param, grad, m, v, (vmax,) scratch, scratch]``, in place."""
    pb, gb, m, v = blk[:4]
    s = blk[-1]
    if shrink != 1.0:
        pb *= shrink
    g = effective_grad(xp, pb, gb, blk[-2], wd, maximize)
    # m += (1 - beta1) * (g - m): PyTorch's lerp
    xp.subtract(g, m, out=s)
    s *= 1.0 - beta1
    m += s
    v *= beta2
    xp.multiply(g, 1.0 - beta2, out=s)  # (1 - beta2) first: g * g alone overflows sooner
    s *= g
    v += s
    if amsgrad:
        vmax = blk[4]
        xp.maximum(vmax, v, out=vmax)
        v = vmax
    if scale is None:
        return
    xp.sqrt(v, out=s)
    s *= scale[0]
    s += scale[1]
    xp.divide(m, s, out=s)
    for factor in scale[2:]:
        if factor != 1.0:
            s *= factor
    pb -= s


class AdamW(Adam):
    r"""Adam with decoupled weight decay (Loshchilov & Hutter, 2019), as ``torch.optim.AdamW``.

    The same as ``Adam(..., decoupled_weight_decay=True)``: each step first
    shrinks the parameters, ``p = p * (1 - lr * weight_decay)``, then applies
    the Adam update with the plain gradient (see :class:`Adam`).

    Parameters
    ----------
    params : iterable of Tensor or of dict
        Parameters or parameter groups (see :class:`Optimizer`).
    lr : float, default 1e-3
        Learning rate (>= 0). Arguments follow PyTorch's positional order.
    betas : (float, float), default (0.9, 0.999)
    eps : float, default 1e-8
    weight_decay : float, default 1e-2
        Decoupled weight decay factor (>= 0).
    amsgrad : bool, default False
    maximize : bool, default False
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        super().__init__(
            params,
            lr,
            foreach=foreach,
            capturable=capturable,
            differentiable=differentiable,
            fused=fused,
            betas=betas,
            eps=eps,
            weight_decay=weight_decay,
            amsgrad=amsgrad,
            maximize=maximize,
            decoupled_weight_decay=True,
        )

    def _check_group(self, group: dict[str, Any], owner: str) -> None:
        group["decoupled_weight_decay"] = True
        super()._check_group(group, owner)
