"""Small helpers shared by the data modules."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor

# torch dtypes NumPy has no equivalent for: widened to float32 (exactly)
_TORCH_WIDEN = ("torch.bfloat16", "torch.float8_e4m3fn", "torch.float8_e5m2", "torch.float8_e8m0fnu")


def is_torch_tensor(x: Any) -> bool:
    """Whether ``x`` is a ``torch.Tensor`` (told without importing torch)."""
    return any(c.__module__ == "torch" and c.__name__ == "Tensor" for c in type(x).__mro__)


def _unwrap(x: Any) -> Any:
    """The array inside a Tensor; a torch tensor as a NumPy array (a CPU copy, bfloat16 and
    float8 widened to float32); anything else unchanged (``ndarray.data`` is a buffer, not this)."""
    if isinstance(x, Tensor):
        return x.array
    if is_torch_tensor(x):
        t = x.detach().cpu()
        if str(t.dtype) in _TORCH_WIDEN:
            t = t.float()
        return np.asarray(t.numpy())
    return x
