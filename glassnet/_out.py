"""torch's ``out=`` argument: a function's result written into a given tensor.

Kept apart from the functions that take ``out=`` so that any module can use it
(:mod:`glassnet._torch_functions`, :mod:`glassnet._decompositions`, ...).
"""

from __future__ import annotations

import warnings
from typing import Any

from .autograd import grad_mode
from .tensor import Tensor

__all__ = ["write_out"]

_KINDS = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}


def write_out(name: str, result: Any, out: Any) -> Any:
    """Write ``result`` into ``out`` as torch's ``out=`` argument does, and return ``out``.

    Parameters
    ----------
    name : str
        The function's name, for messages.
    result : Tensor or tuple of Tensor
        What the function computed (a tuple for ``max(x, dim)``, ``sort``, ``topk``, ...).
    out : Tensor or tuple of Tensor
        Where to write it: same structure as ``result``. A tensor of another shape is
        resized to the result's shape (with torch's warning unless it was empty); its
        dtype must be able to hold the result's (no float into an integer tensor).

    Raises
    ------
    RuntimeError
        As torch: when gradients are recorded and an input or ``out`` requires grad
        (``out=`` is not differentiable), or when the dtypes cannot be cast.
    """
    if isinstance(result, tuple):
        if not isinstance(out, (tuple, list)) or len(out) != len(result):
            raise TypeError(
                f"{name}(): out= expected a tuple of {len(result)} Tensors, got {type(out).__name__}"
            )
        for r, o in zip(result, out):
            write_out(name, r, o)
        return type(result)(*out) if hasattr(result, "_fields") else tuple(out)
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}(): argument 'out' must be a Tensor, got {type(out).__name__}")
    if not isinstance(result, Tensor):
        raise TypeError(f"{name}(): out= is not supported for a result of type {type(result).__name__}")
    if grad_mode.is_grad_enabled() and (result.requires_grad or out.requires_grad):
        raise RuntimeError(
            f"{name}(): functions with out=... arguments don't support automatic "
            "differentiation, but one of the arguments requires grad."
        )
    if _KINDS.get(result.dtype.kind, 0) > _KINDS.get(out.dtype.kind, 0):
        raise RuntimeError(
            f"{name}(): result type {result.dtype} can't be cast to the desired output type "
            f"{out.dtype}"
        )
    if tuple(out.shape) != tuple(result.shape):
        if out.numel() != 0:
            warnings.warn(
                f"{name}(): an output with one or more elements was resized since it had shape "
                f"{list(out.shape)}, which does not match the required output shape "
                f"{list(result.shape)} (as torch, which deprecates this)",
                UserWarning,
                stacklevel=3,
            )
        out.data = result.array.astype(out.dtype, copy=True)
        out._version += 1
        return out
    out.copy_(result.detach())
    return out
