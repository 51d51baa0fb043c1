"""Validation shared by the Adam-family optimizers (betas as a pair in [0, 1))."""

from __future__ import annotations

from typing import Any

from .optimizer import check_in_range

__all__ = ["check_betas"]


def check_betas(owner: str, betas: Any) -> tuple[float, float]:
    """``betas`` as a pair of floats, each in ``[0, 1)``, or a ``ValueError`` naming ``owner``."""
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise ValueError(f"{owner}: betas must be a pair of numbers in [0, 1), got {betas!r}")
    return (
        check_in_range(owner, "betas[0]", betas[0], 0.0, 1.0, closed=False),
        check_in_range(owner, "betas[1]", betas[1], 0.0, 1.0, closed=False),
    )
