"""PyTorch's dtype names as NumPy dtype objects (``glassnet.float32``, ``glassnet.long``, ...).

A tensor's ``dtype`` is a :class:`numpy.dtype`, so the names are NumPy dtypes
too: ``x.dtype == glassnet.float32`` holds, and ``x.to(glassnet.long)``,
``glassnet.zeros(3, dtype=glassnet.int64)`` and NumPy's own spellings
(``np.float32``, ``"float32"``) all work. ``glassnet.float``, ``glassnet.int``
and ``glassnet.bool`` are ``float32``, ``int32`` and ``bool`` as in PyTorch
(not Python's ``float``/``int``, which NumPy reads as float64/int64).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import backend

__all__ = [
    "float32", "float64", "float16", "half", "double", "int64", "long", "int32", "int16",
    "short", "int8", "uint8", "bool_", "finfo", "iinfo", "get_default_dtype",
]  # fmt: skip

float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)
float16 = np.dtype(np.float16)
half = float16
double = float64
int64 = np.dtype(np.int64)
long = int64
int32 = np.dtype(np.int32)
int16 = np.dtype(np.int16)
short = int16
int8 = np.dtype(np.int8)
uint8 = np.dtype(np.uint8)
bool_ = np.dtype(np.bool_)

#: ``glassnet.<name>`` for names that shadow Python builtins in the package namespace.
BUILTIN_NAMES = {"float": float32, "int": int32, "bool": bool_}

iinfo = np.iinfo


def finfo(type: Any = None) -> np.finfo:  # noqa: A002 - torch's name
    """:class:`numpy.finfo` of ``type`` (the default dtype when omitted, as ``torch.finfo()``)."""
    return np.finfo(backend.default_dtype() if type is None else type)


def get_default_dtype() -> np.dtype:
    """The floating dtype new tensors get when none is given (``glassnet.float32`` unless set)."""
    return backend.default_dtype()


def is_dtype(obj: Any) -> bool:
    """True for a dtype object or NumPy scalar type (``glassnet.long``, ``np.float32``).

    Strings are not dtypes here (``'cuda'`` is a device); Python's ``float``,
    ``int`` and ``bool`` are, as in ``x.to(float)`` (float64 then, as NumPy reads them).
    """
    if isinstance(obj, np.dtype):
        return True
    return isinstance(obj, type) and (issubclass(obj, np.generic) or obj in (float, int, bool))


def to_dtype(obj: Any, who: str = "dtype") -> np.dtype:
    """``obj`` as a :class:`numpy.dtype`, with an error naming ``who`` for anything else."""
    try:
        return np.dtype(obj)
    except TypeError:
        raise TypeError(f"{who}: expected a dtype such as glassnet.float32, got {obj!r}") from None


def is_floating_point(dtype: Any) -> bool:
    """True for float16/float32/float64."""
    return np.dtype(dtype).kind == "f"
