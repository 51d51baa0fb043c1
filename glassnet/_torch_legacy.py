"""torch's legacy typed-tensor constructors: ``torch.FloatTensor(2, 3)``, ``torch.LongTensor([1, 2])``.

Older tutorials build tensors this way and cast with ``x.type(torch.FloatTensor)`` or test
``isinstance(x, torch.LongTensor)``. Each name is a class whose call makes a glassnet
:class:`~glassnet.tensor.Tensor` of its dtype (sizes give zeros: glassnet never hands out
uninitialised memory), whose ``dtype`` attribute makes ``np.dtype(torch.FloatTensor)`` and
so ``x.type(torch.FloatTensor)`` / ``x.to(...)`` work, and whose ``isinstance`` check
compares dtypes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .tensor import Tensor

#: torch's legacy class name -> NumPy dtype (the CPU ones; ``torch.cuda.*`` are not here).
LEGACY_TYPES = {
    "FloatTensor": np.float32, "DoubleTensor": np.float64, "HalfTensor": np.float16,
    "LongTensor": np.int64, "IntTensor": np.int32, "ShortTensor": np.int16,
    "CharTensor": np.int8, "ByteTensor": np.uint8, "BoolTensor": np.bool_,
}  # fmt: skip

__all__ = list(LEGACY_TYPES)


class _LegacyTensorType(type):
    """The metaclass: calling the class makes a Tensor; ``isinstance`` compares dtypes."""

    dtype: np.dtype

    def __call__(cls, *args: Any) -> Tensor:
        if not args:
            return Tensor(np.zeros((0,), dtype=cls.dtype))
        if len(args) == 1 and isinstance(args[0], (tuple, list)) and args[0] and all(
            isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in args[0]
        ) and type(args[0]).__name__ in ("Size", "tuple"):  # a shape such as x.shape
            args = tuple(args[0])
        if all(isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in args):
            return Tensor(np.zeros(tuple(int(a) for a in args), dtype=cls.dtype))
        if len(args) != 1:
            raise TypeError(
                f"torch.{cls.__name__}: expected sizes (ints) or one sequence of data, got {args!r}"
            )
        data = args[0]
        if isinstance(data, Tensor):
            return data.to(cls.dtype)
        return Tensor(np.array(data, dtype=cls.dtype))

    def __instancecheck__(cls, obj: Any) -> bool:
        return isinstance(obj, Tensor) and obj.dtype == cls.dtype

    def __repr__(cls) -> str:
        return f"<class 'torch.{cls.__name__}'>"


for _name, _dtype in LEGACY_TYPES.items():
    globals()[_name] = _LegacyTensorType(_name, (), {"dtype": np.dtype(_dtype), "__module__": __name__})
