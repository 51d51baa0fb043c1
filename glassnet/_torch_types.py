"""``torch.types``: the type aliases scripts annotate with (``Number``, ``Device``, ``_size``)."""

from __future__ import annotations

from typing import Any

from .backend import Device as _Device
from .tensor import Size, Tensor

__all__ = ["Number", "Device", "Tensor", "Size"]

_int = int
_float = float
_bool = bool
_complex = complex
_str = str
_bytes = bytes
_dtype = Any
_layout = Any
_size = Size | list[int] | tuple[int, ...]
_device = _Device
Number = int | float | bool
Device = str | _Device | int | None
_TensorOrTensors = Tensor | tuple[Tensor, ...]
_TensorOrOptionalTensors = Tensor | tuple[Tensor | None, ...] | None
FileLike = Any
