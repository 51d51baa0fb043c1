"""Rprop, resilient backpropagation (PyTorch's formulas)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..backend import get_array_module
from ._torch_flags import check_torch_flags
from .optimizer import Optimizer, check_bool, check_nonnegative

__all__ = ["Rprop"]


class Rprop(Optimizer):
    r"""Rprop (Riedmiller & Braun, 1993), as ``torch.optim.Rprop``.

    Each entry of a parameter has its own step size, which grows by ``etaplus`` while the
    gradient keeps its sign and shrinks by ``etaminus`` when it flips; only the gradient's
    sign moves the parameter. With ``g`` the gradient (negated when ``maximize``)::

        s = sign(g * prev)
        step_size = clip(step_size * (etaplus if s > 0 else etaminus if s < 0 else 1),
                         step_size_min, step_size_max)
        g = 0 where s < 0                  # skip the update after a sign flip
        p = p - sign(g) * step_size
        prev = g

    Parameters
    ----------
    params : iterable of Tensor or of dict
        Parameters or parameter groups (see :class:`Optimizer`).
    lr : float, default 1e-2
        The initial step size (>= 0).
    etas : (float, float), default (0.5, 1.2)
        ``(etaminus, etaplus)``, with ``0 < etaminus < 1 < etaplus``.
    step_sizes : (float, float), default (1e-6, 50)
        The smallest and largest step size.
    capturable, foreach, differentiable : bool, optional
        PyTorch's implementation switches; accepted with no effect (``differentiable=True``
        is refused).
    maximize : bool, default False
        Ascend the objective.

    Notes
    -----
    State per parameter (PyTorch's names): ``"step"``, ``"prev"``, ``"step_size"``.
    """

    STATE_ENTRIES = {"step": "count", "prev": "array", "step_size": "array"}
    REQUIRED_ENTRIES = ("step", "prev", "step_size")

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        etas: tuple[float, float] = (0.5, 1.2),
        step_sizes: tuple[float, float] = (1e-6, 50),
        *,
        capturable: bool = False,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        check_torch_flags(
            "Rprop", foreach=foreach, capturable=capturable, differentiable=differentiable
        )
        defaults = dict(lr=lr, etas=etas, step_sizes=step_sizes, maximize=maximize)
        self._check_group(defaults, "Rprop")
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any], owner: str) -> None:
        group["lr"] = check_nonnegative(owner, "lr", group["lr"])
        etas, sizes = group["etas"], group["step_sizes"]
        if not (isinstance(etas, (tuple, list)) and len(etas) == 2 and 0.0 < etas[0] < 1.0 < etas[1]):
            raise ValueError(f"{owner}: etas must be (etaminus, etaplus) with 0 < etaminus < 1 < etaplus, got {etas!r}")
        if not (isinstance(sizes, (tuple, list)) and len(sizes) == 2 and 0 <= sizes[0] <= sizes[1]):
            raise ValueError(f"{owner}: step_sizes must be (min, max) with 0 <= min <= max, got {sizes!r}")
        group["etas"] = (float(etas[0]), float(etas[1]))
        group["step_sizes"] = (float(sizes[0]), float(sizes[1]))
        group["maximize"] = check_bool(owner, "maximize", group["maximize"])

    def _step_group(self, group: dict[str, Any]) -> None:
        (etaminus, etaplus), (lo, hi) = group["etas"], group["step_sizes"]
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self.state[p]
            if "prev" not in state:
                state["step"] = 0
                state["prev"] = self._new_state_array(p)
                state["step_size"] = self._new_state_array(p, group["lr"])
            state["step"] += 1
            xp = get_array_module(p.array)
            g = -p.grad.array if group["maximize"] else p.grad.array.copy()
            sign = xp.sign(g * state["prev"])
            factor = xp.where(sign > 0, etaplus, xp.where(sign < 0, etaminus, 1.0))
            step_size = state["step_size"]
            step_size *= factor.astype(step_size.dtype, copy=False)
            xp.clip(step_size, lo, hi, out=step_size)
            g[sign < 0] = 0
            p.array -= xp.sign(g) * step_size
            state["prev"][...] = g
