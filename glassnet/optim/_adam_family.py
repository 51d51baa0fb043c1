"""Validation shared by the Adam-family optimizers (betas as a pair in [0, 1))."""

from __future__ import annotations

from typing import Any

from .optimizer import check_bool, check_in_range, check_nonnegative

__all__ = ["check_betas", "check_adam_group"]


def check_betas(owner: str, betas: Any) -> tuple[float, float]:
    """``betas`` as a pair of floats, each in ``[0, 1)``, or a ``ValueError`` naming ``owner``."""
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise ValueError(f"{owner}: betas must be a pair of numbers in [0, 1), got {betas!r}")
    return (
        check_in_range(owner, "betas[0]", betas[0], 0.0, 1.0, closed=False),
        check_in_range(owner, "betas[1]", betas[1], 0.0, 1.0, closed=False),
    )


def check_adam_group(group: dict[str, Any], owner: str, *, decoupled: bool = False) -> None:
    """Validate, in place, what every Adam-family group holds: ``lr``, ``betas``, ``eps``,
    ``weight_decay``, ``maximize`` and, with ``decoupled``, ``decoupled_weight_decay``."""
    group["lr"] = check_nonnegative(owner, "lr", group["lr"])
    group["betas"] = check_betas(owner, group["betas"])
    group["eps"] = check_nonnegative(owner, "eps", group["eps"])
    group["weight_decay"] = check_nonnegative(owner, "weight_decay", group["weight_decay"])
    group["maximize"] = check_bool(owner, "maximize", group["maximize"])
    if decoupled:
        group["decoupled_weight_decay"] = check_bool(
            owner, "decoupled_weight_decay", group.get("decoupled_weight_decay", False)
        )
