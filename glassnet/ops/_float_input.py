"""How the special-function ops take their input: one definition for ``ops/special.py``,
``ops/gamma.py``, ``ops/normal_cdf.py`` and ``ops/hyperbolic.py``."""

from __future__ import annotations

from typing import Any

from ..backend import default_dtype, get_array_module
from ..tensor import Tensor
from .arithmetic import cast

__all__ = ["as_float64", "floating"]


def as_float64(x: Any) -> tuple[Any, Any]:
    """``x`` as float64, and the dtype to round the result to (float64 for integers)."""
    xp = get_array_module(x)
    dtype = x.dtype if x.dtype.kind == "f" else xp.dtype(xp.float64)
    return x.astype(xp.float64, copy=False), dtype


def floating(x: Tensor, who: str) -> Tensor:
    """``x`` itself when floating; integer/boolean input in the default dtype (as torch)."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{who}: expected a Tensor, got {type(x).__name__}")
    return x if x.dtype.kind == "f" else cast(x, default_dtype())
