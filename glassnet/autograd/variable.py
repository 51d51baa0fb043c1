"""``torch.autograd.Variable``, the pre-0.4 name of a tensor that old tutorials still use."""

from __future__ import annotations

import warnings
from typing import Any

from ..tensor import Tensor

__all__ = ["Variable"]


class _VariableMeta(type):
    def __instancecheck__(cls, obj: Any) -> bool:
        return isinstance(obj, Tensor)


class Variable(metaclass=_VariableMeta):
    """``Variable(tensor, requires_grad=False)``: a leaf tensor sharing ``tensor``'s memory.

    As in torch since 0.4 a Variable is a Tensor: the call returns a new leaf (detached
    from any graph) with ``requires_grad`` as given, and ``isinstance(t, Variable)`` is
    true for every tensor. ``volatile`` has no effect (torch warns the same).
    """

    def __new__(cls, data: Any, requires_grad: bool = False, volatile: bool = False) -> Any:  # noqa: D102
        if not isinstance(data, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        if volatile:
            warnings.warn(
                "volatile was removed and now has no effect. Use `with torch.no_grad():` instead.",
                UserWarning,
                stacklevel=2,
            )
        out = Tensor._make(data.array, False, None, 0)
        return out.requires_grad_(True) if requires_grad else out
