"""Small helpers shared by the data modules."""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor


def _unwrap(x: Any) -> Any:
    """The array inside a Tensor; anything else unchanged (``ndarray.data`` is a buffer, not this)."""
    return x.array if isinstance(x, Tensor) else x
