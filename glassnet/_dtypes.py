"""PyTorch's dtype names as NumPy dtype objects (``glassnet.float32``, ``glassnet.long``, ...).

A tensor's ``dtype`` is a :class:`numpy.dtype`, so the names are NumPy dtypes
too: ``x.dtype == glassnet.float32`` holds, and ``x.to(glassnet.long)``,
``glassnet.zeros(3, dtype=glassnet.int64)`` and NumPy's own spellings
(``np.float32``, ``"float32"``) all work. ``glassnet.float``, ``glassnet.int``
and ``glassnet.bool`` are ``float32``, ``int32`` and ``bool`` as in PyTorch
(not Python's ``float``/``int``, which NumPy reads as float64/int64).

Under ``glassnet run`` (the torch import hook) ``x.dtype`` and these names are
:class:`TorchDType` objects instead: the same NumPy dtypes for NumPy and for
comparisons, printed as PyTorch prints them (``torch.float32``).
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

#: NumPy dtype names that PyTorch spells the same way (``torch.<name>``).
TORCH_NAMES = frozenset({
    "float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "uint16",
    "uint32", "uint64", "bool", "complex64", "complex128",
})  # fmt: skip


class _TorchDTypeMeta(type):
    """``isinstance(d, torch.dtype)`` holds for a plain NumPy dtype too, as both are dtypes."""

    def __instancecheck__(cls, obj: Any) -> bool:
        return type(obj) is cls or isinstance(obj, np.dtype)


class TorchDType(metaclass=_TorchDTypeMeta):
    """A NumPy dtype that prints as PyTorch's: ``torch.float32``.

    What ``x.dtype``, ``torch.float32``, ``torch.long``, ... are while ``glassnet run``'s
    import hook is installed (:func:`glassnet.cli.torch_alias.install`); glassnet's own
    code keeps plain :class:`numpy.dtype` objects. The NumPy dtype is :attr:`dtype`, which
    is how NumPy reads this object wherever it takes a dtype (``np.zeros(2, dtype=d)``,
    ``a.astype(d)``, ``np.dtype(d)``). It compares and hashes as that dtype (so it is
    found in dicts keyed by NumPy dtypes), has its attributes (``kind``, ``itemsize``,
    ``name``, ``type``) and torch's (``is_floating_point``, ``is_complex``,
    ``is_signed``, ``to_real()``, ``to_complex()``). One object per dtype.
    """

    __slots__ = ("dtype", "_text")
    _made: dict[np.dtype, TorchDType] = {}

    def __new__(cls, dtype: Any) -> TorchDType:
        dt = np.dtype(dtype)
        made = cls._made.get(dt)
        if made is None:
            made = object.__new__(cls)
            made.dtype = dt
            made._text = f"torch.{dt.name}" if dt.name in TORCH_NAMES else repr(dt)
            cls._made[dt] = made
        return made

    def __repr__(self) -> str:
        return self._text

    __str__ = __repr__

    def __eq__(self, other: Any) -> bool:
        if type(other) is TorchDType:
            return self.dtype == other.dtype
        return bool(self.dtype == other)

    def __ne__(self, other: Any) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return hash(self.dtype)

    def __getattr__(self, name: str) -> Any:  # NumPy's attributes: kind, name, type, char, ...
        if name in TorchDType.__slots__:  # not set yet (never, outside __new__)
            raise AttributeError(name)
        return getattr(self.dtype, name)

    def __reduce__(self) -> tuple:
        return (TorchDType, (self.dtype,))

    def __copy__(self) -> TorchDType:
        return self

    def __deepcopy__(self, memo: dict) -> TorchDType:
        return self

    @property
    def is_floating_point(self) -> bool:
        """True for float16/32/64 (``torch.dtype.is_floating_point``)."""
        return self.dtype.kind == "f"

    @property
    def is_complex(self) -> bool:
        """True for complex64/128."""
        return self.dtype.kind == "c"

    @property
    def is_signed(self) -> bool:
        """True for signed integer, floating and complex dtypes (not bool or uint8)."""
        return self.dtype.kind in "ifc"

    def to_real(self) -> TorchDType:
        """The real dtype of a complex one (complex64 -> float32); others unchanged."""
        if self.dtype.kind != "c":
            return self
        return TorchDType(np.dtype(f"f{self.dtype.itemsize // 2}"))

    def to_complex(self) -> TorchDType:
        """The complex dtype of a floating one (float32 -> complex64); complex unchanged."""
        if self.dtype.kind == "c":
            return self
        if self.dtype.kind != "f" or self.dtype.itemsize < 4:
            raise ValueError(f"to_complex: expected float32 or float64, got {self}")
        return TorchDType(np.dtype(f"c{self.dtype.itemsize * 2}"))


def tensor_torch_dtype(t: Any) -> TorchDType:
    """``t.dtype`` as a :class:`TorchDType`: the getter of ``Tensor.dtype`` under the hook."""
    dt = t.array.dtype
    made = TorchDType._made.get(dt)
    return made if made is not None else TorchDType(dt)


def torch_dtype_result(fn: Any) -> Any:
    """``fn`` returning a :class:`TorchDType` where it returns a NumPy dtype
    (``torch.get_default_dtype`` under the hook)."""

    def returns_torch_dtype(*args: Any, **kwargs: Any) -> Any:
        out = fn(*args, **kwargs)
        return TorchDType(out) if isinstance(out, np.dtype) else out

    returns_torch_dtype.__name__ = getattr(fn, "__name__", "returns_torch_dtype")
    returns_torch_dtype.__doc__ = getattr(fn, "__doc__", None)
    returns_torch_dtype.__wrapped__ = fn  # type: ignore[attr-defined]
    return returns_torch_dtype


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
    if isinstance(obj, np.dtype) or type(obj) is TorchDType:
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
