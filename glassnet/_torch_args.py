"""Reading PyTorch-style arguments: ``dim``/``axis``, ``keepdim``/``keepdims``, ``.to(...)``,
and PyTorch's type promotion between integer and floating operands.

Shared by the Tensor methods (``_tensor_methods.py``) and the top-level
functions (``_torch_functions.py``), so both read arguments the same way.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import backend
from ._dtypes import is_dtype, to_dtype
from .ops import arithmetic as _ar
from .tensor import Tensor

__all__ = ["dim_arg", "keep_arg", "to_args", "promote", "floating", "cast_for", "wrap_int"]


#: reductions that torch runs over every dim when ``dim`` is empty (``x.sum(dim=())``)
_EMPTY_DIM_IS_ALL = {"sum", "mean", "amax", "amin", "var", "std", "nansum", "nanmean", "norm",
                     "count_nonzero"}  # fmt: skip


def dim_arg(who: str, dim: Any, axis: Any) -> Any:
    """``dim``, or its NumPy spelling ``axis`` (PyTorch accepts both; giving both is an error)."""
    if axis is None:
        if who in _EMPTY_DIM_IS_ALL and isinstance(dim, (tuple, list)) and not dim:
            return None
        return tuple(dim) if isinstance(dim, list) else dim
    if dim is not None:
        raise TypeError(f"{who}: give dim or axis, not both (got dim={dim!r}, axis={axis!r})")
    return tuple(axis) if isinstance(axis, list) else axis


def keep_arg(who: str, keepdim: bool, keepdims: bool | None) -> bool:
    """``keepdim``, or its NumPy spelling ``keepdims``."""
    if keepdims is None:
        return bool(keepdim)
    if keepdim:
        raise TypeError(f"{who}: give keepdim or keepdims, not both")
    return bool(keepdims)


def to_args(args: tuple, kwargs: dict) -> tuple[Any, Any, bool]:
    """``(device, dtype, copy)`` from the forms of ``Tensor.to``.

    ``to(device)``, ``to(dtype)``, ``to(other_tensor)``, ``to(device, dtype)``,
    and the keywords ``device``, ``dtype``, ``copy``, ``non_blocking`` (ignored:
    copies here are synchronous).
    """
    unknown = set(kwargs) - {"device", "dtype", "copy", "non_blocking", "memory_format"}
    if unknown:
        raise TypeError(f"Tensor.to: unexpected keyword arguments {sorted(unknown)}")
    device, dtype = kwargs.get("device"), kwargs.get("dtype")
    for a in args:
        if a is None or isinstance(a, bool):
            continue  # to(device, dtype, non_blocking, copy): the flags
        if isinstance(a, Tensor):
            device, dtype = a.device, a.dtype
        elif is_dtype(a):
            dtype = a
        elif isinstance(a, (str, backend.Device)) or type(a).__name__ == "device":
            device = a
        else:
            raise TypeError(
                f"Tensor.to: expected a device ('cpu', 'cuda'), a dtype (glassnet.float32) "
                f"or a tensor, got {a!r}"
            )
    return device, None if dtype is None else to_dtype(dtype, "Tensor.to"), bool(kwargs.get("copy"))


def _kind(x: Any) -> str:
    """'b', 'i' or 'f' for a tensor, array or Python number ('' for anything else)."""
    if isinstance(x, Tensor):
        k = x.array.dtype.kind
    elif isinstance(x, bool):
        return "b"
    elif isinstance(x, int):
        return "i"
    elif isinstance(x, float):
        return "f"
    else:
        k = getattr(getattr(x, "dtype", None), "kind", "")
    return "i" if k == "u" else k


def promote(a: Any, b: Any) -> tuple[Any, Any]:
    """Operands cast so NumPy's result dtype is PyTorch's.

    PyTorch lets the floating operand decide: an integer tensor with a float
    tensor takes the float tensor's dtype, with a Python float the default
    dtype (NumPy would give float64 in both cases). A NumPy scalar is a Python
    number here (``x * np.float64(2)`` stays float32). Only an integer or
    boolean tensor meeting a floating operand is cast.
    """
    if type(a) is Tensor:  # the common cases first: they change nothing
        if type(b) is Tensor and a.array.dtype == b.array.dtype:
            return a, b
        if a.array.dtype.kind == "f" and type(b) in (float, int):
            return a, b
    if isinstance(a, np.generic):  # NumPy scalars count as Python numbers, as in PyTorch
        a = a.item()
    if isinstance(b, np.generic):
        b = b.item()
    a, b = _wrapped(a, b), _wrapped(b, a)
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        a, b = _zero_dim_follows(a, b)
    ka, kb = _kind(a), _kind(b)
    if ka == kb or "f" not in (ka, kb) or not ({ka, kb} - {"f"}) <= {"i", "b"}:
        return a, b
    if ka == "f":
        return a, _cast_int(b, a)
    return _cast_int(a, b), b


_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}


#: (lowest, highest) of each integer dtype narrower than 64 bits, filled on first use
_INT_RANGE: dict[np.dtype, tuple[int, int]] = {}


def wrap_int(value: int, dtype: Any) -> int:
    """A Python int as torch casts it to a narrow integer ``dtype``: wrapped into its range
    (``uint8 * -2`` multiplies by 254, ``int8 // 300`` divides by 44), where NumPy raises."""
    dt = np.dtype(dtype)
    if dt.itemsize >= 8:
        return value
    bounds = _INT_RANGE.get(dt)
    if bounds is None:
        info = np.iinfo(dt)
        bounds = _INT_RANGE[dt] = (int(info.min), int(info.max))
    low, high = bounds
    if low <= value <= high:
        return value
    return (value - low) % (high - low + 1) + low


def _wrapped(x: Any, other: Any) -> Any:
    """``x`` wrapped by :func:`wrap_int` when it is a Python int meeting an integer tensor
    narrower than 64 bits."""
    if type(x) is int and isinstance(other, Tensor):
        dt = other.array.dtype
        if dt.kind in "iu" and dt.itemsize < 8:
            return wrap_int(x, dt)
    return x


def _zero_dim_follows(a: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    """A 0-d tensor meeting a tensor with dimensions, of the same category (bool, integer,
    floating), takes the other's dtype, as in PyTorch: ``x32 * torch.tensor(2.0, dtype=
    torch.float64)`` stays float32, ``uint8 + torch.tensor(2)`` stays uint8 (NumPy would
    widen both)."""
    da, db = a.array.dtype, b.array.dtype
    if da == db or (a.ndim == 0) == (b.ndim == 0) or _CATEGORY[da.kind] != _CATEGORY[db.kind]:
        return a, b
    if a.ndim == 0:
        return _ar.cast(a, db), b
    return a, _ar.cast(b, da)


def _cast_int(x: Any, other: Any) -> Any:
    if not isinstance(x, Tensor):
        return x
    dt = other.dtype if isinstance(other, Tensor) else backend.default_dtype()
    return _ar.cast(x, np.dtype(dt))


def floating(x: Tensor) -> Tensor:
    """Integer and boolean tensors as the default dtype (PyTorch's ``exp``/``log``/... of ints)."""
    return x if x.dtype.kind in "fc" else _ar.cast(x, backend.default_dtype())


def cast_for(x: Tensor, dtype: Any) -> Tensor:
    """``x`` cast to ``dtype`` before a reduction (``sum(dtype=...)``), or ``x`` itself."""
    if dtype is None:
        return x
    dt = to_dtype(dtype, "dtype argument")
    return x if dt == x.dtype else _ar.cast(x, dt)
