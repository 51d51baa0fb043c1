"""The device array of the fake CuPy: NumPy data behind ``cupy.ndarray``'s interface and rules.

See ``tests/fakecupy/__init__.py`` for what the fake is for and how it differs from CuPy.
"""

from __future__ import annotations

import operator
import sys
import traceback
import weakref
from typing import Any

import numpy as np

# numpy.ndarray attributes absent from cupy.ndarray
_MISSING_METHODS = frozenset(
    "resize setflags getfield setfield ctypes to_device __index__ __contains__ __imatmul__ "
    "__array_interface__ __array_struct__ __array_namespace__ __array_wrap__".split()
)


class Transfers:
    """Counts of host/device traffic since the last :meth:`reset`."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.h2d = 0
        self.d2h = 0
        self.syncs = 0
        #: ``(kind, where)`` of each event, the innermost glassnet frame first
        self.events: list[tuple[str, str]] = []

    def note(self, kind: str) -> None:
        setattr(self, kind, getattr(self, kind) + 1)
        frames = [
            f"{f.filename.split('/glassnet/')[-1]}:{f.lineno} {f.name}"
            for f in traceback.extract_stack()[::-1]
            if "/glassnet/" in f.filename
        ]
        self.events.append((kind, " <- ".join(frames[:3]) or "(outside glassnet)"))

    def __repr__(self) -> str:
        return f"Transfers(h2d={self.h2d}, d2h={self.d2h}, syncs={self.syncs})"


transfers = Transfers()

# one live wrapper per NumPy array object, so identities (x is y, a.base) behave as in CuPy
_live: weakref.WeakValueDictionary[int, ndarray] = weakref.WeakValueDictionary()


def _host_error(where: str) -> TypeError:
    return TypeError(
        f"Unsupported type <class 'numpy.ndarray'>: a host NumPy array was passed to {where} "
        "together with device (fake CuPy) arrays; move it with to_device / xp.asarray first"
    )


def _wrap(x: Any) -> Any:
    """NumPy results as device arrays (NumPy scalars become 0-d arrays, as CuPy returns)."""
    if isinstance(x, np.ndarray):
        w = _live.get(id(x))
        if w is not None and w._a is x:
            return w
        return ndarray._make(x)
    if isinstance(x, np.generic):
        return ndarray._make(np.asarray(x))
    if isinstance(x, tuple):  # named results too (svd, slogdet), as CuPy returns a tuple
        return tuple(_wrap(v) for v in x)
    if type(x) is list:
        return [_wrap(v) for v in x]
    return x


def _unwrap(x: Any, where: str, *, host_ok: bool = False) -> Any:
    """Device arrays as their NumPy data; host arrays refused unless ``host_ok`` (then counted)."""
    if isinstance(x, ndarray):
        return x._a
    if isinstance(x, np.ndarray):
        if not host_ok:
            raise _host_error(where)
        transfers.note("h2d")
        return x
    if isinstance(x, (list, tuple)):
        return type(x)(_unwrap(v, where, host_ok=host_ok) for v in x)
    return x


def _index(key: Any) -> Any:
    """An index for ``a[key]``: device arrays unwrap; host arrays and lists are copied (h2d)."""
    items = key if isinstance(key, tuple) else (key,)
    out = []
    for k in items:
        if isinstance(k, ndarray):
            out.append(k._a)
        elif isinstance(k, (np.ndarray, list)):
            transfers.note("h2d")
            out.append(np.asarray(k) if isinstance(k, list) else k)
        else:
            out.append(k)
    return tuple(out) if isinstance(key, tuple) else out[0]


def _operand(x: Any, where: str) -> Any:
    """A binary operator's other operand: a device array's data, a scalar, or NotImplemented."""
    if isinstance(x, ndarray):
        return x._a
    if isinstance(x, np.ndarray):
        raise _host_error(where)
    if isinstance(x, (bool, int, float, complex, np.generic)):
        return x
    return NotImplemented


def _result(res: Any, originals: dict[int, Any]) -> Any:
    """Wrap ``res``; when NumPy handed back one of the inputs (``out=``, no-op casts), the
    caller gets that input's wrapper back, as CuPy returns the same object."""
    if isinstance(res, np.ndarray) and id(res) in originals:
        return originals[id(res)]
    return _wrap(res)


def _originals(args: Any, kwargs: dict) -> dict[int, Any]:
    found: dict[int, Any] = {}
    stack = list(args) + list(kwargs.values())
    while stack:
        v = stack.pop()
        if isinstance(v, ndarray):
            found[id(v._a)] = v
        elif isinstance(v, (list, tuple)):
            stack.extend(v)
    return found


class _Flags:
    __slots__ = ("_f",)

    def __init__(self, f: Any) -> None:
        self._f = f

    c_contiguous = property(lambda self: self._f.c_contiguous)
    f_contiguous = property(lambda self: self._f.f_contiguous)
    owndata = property(lambda self: self._f.owndata)

    def __repr__(self) -> str:
        return f"C_CONTIGUOUS : {self.c_contiguous}\nF_CONTIGUOUS : {self.f_contiguous}"


class _MemoryPointer:
    """What ``cupy.ndarray.data`` is: a pointer to device memory, not an array."""

    __module__ = "cupy.cuda.memory"

    def __init__(self, a: np.ndarray) -> None:
        self.ptr = a.__array_interface__["data"][0]
        self.device_id = 0


class ndarray:  # noqa: N801 - CuPy's name
    """A device array of the fake CuPy: NumPy data behind CuPy's interface."""

    __slots__ = ("_a", "_base", "__weakref__")
    __module__ = "cupy"  # what glassnet.backend.is_cupy_array looks at
    __array_ufunc__ = None  # np.<ufunc>(device array) raises; NumPy operators defer to ours
    __hash__ = None  # type: ignore[assignment]

    def __init__(self, shape: Any, dtype: Any = float) -> None:
        self._a = np.empty(shape, dtype=dtype)
        self._base = None
        _live[id(self._a)] = self

    @classmethod
    def _make(cls, a: np.ndarray) -> ndarray:
        self = cls.__new__(cls)
        self._a = a
        b = a.base
        self._base = _wrap(b) if isinstance(b, np.ndarray) else None
        _live[id(a)] = self
        return self

    # ----------------------------------------------------------- attributes
    shape = property(lambda self: self._a.shape)
    dtype = property(lambda self: self._a.dtype)
    ndim = property(lambda self: self._a.ndim)
    size = property(lambda self: self._a.size)
    strides = property(lambda self: self._a.strides)
    itemsize = property(lambda self: self._a.itemsize)
    nbytes = property(lambda self: self._a.nbytes)
    T = property(lambda self: _wrap(self._a.T))
    base = property(lambda self: self._base)
    flags = property(lambda self: _Flags(self._a.flags))

    @property
    def device(self) -> Any:
        return sys.modules["cupy"].cuda.Device(0)

    @property
    def data(self) -> _MemoryPointer:
        return _MemoryPointer(self._a)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in _MISSING_METHODS:
            raise AttributeError(f"'cupy.ndarray' object has no attribute {name!r}")
        attr = getattr(self._a, name)
        if not callable(attr):
            return _wrap(attr)

        def method(*args: Any, **kwargs: Any) -> Any:
            where = f"ndarray.{name}"
            a = _unwrap(args, where)
            kw = {k: _unwrap(v, where) for k, v in kwargs.items()}
            originals = _originals(args, kwargs)
            originals[id(self._a)] = self
            return _result(attr(*a, **kw), originals)

        return method

    # ------------------------------------------------------- host transfers
    def get(self, stream: Any = None, order: str = "C", out: Any = None) -> np.ndarray:
        transfers.note("d2h")
        if out is not None:
            out[...] = self._a
            return out
        return np.array(self._a, order=order, copy=True)

    def set(self, arr: np.ndarray, stream: Any = None) -> None:
        transfers.note("h2d")
        self._a[...] = arr

    def item(self, *args: Any) -> Any:
        transfers.note("syncs")
        return self._a.item(*args)

    def tolist(self) -> Any:
        transfers.note("d2h")
        return self._a.tolist()

    def fill(self, value: Any) -> None:
        if isinstance(value, np.ndarray):
            raise _host_error("ndarray.fill")
        self._a.fill(value._a if isinstance(value, ndarray) else value)

    def __float__(self) -> float:
        transfers.note("syncs")
        return float(self._a)

    def __int__(self) -> int:
        transfers.note("syncs")
        return int(self._a)

    def __bool__(self) -> bool:
        transfers.note("syncs")
        return bool(self._a)

    def __complex__(self) -> complex:
        transfers.note("syncs")
        return complex(self._a)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        raise TypeError(
            "Implicit conversion to a NumPy array is not allowed. "
            "Please use `.get()` to construct a NumPy array explicitly."
        )

    def __array_function__(self, func: Any, types_: Any, args: Any, kwargs: Any) -> Any:
        raise TypeError(
            f"numpy.{func.__name__} was called on a device (fake CuPy) array; "
            "use the array's module (xp = get_array_module(...)) instead of np"
        )

    # ------------------------------------------------------------- indexing
    def __getitem__(self, key: Any) -> Any:
        return _wrap(self._a[_index(key)])

    def __setitem__(self, key: Any, value: Any) -> None:
        if isinstance(value, np.ndarray):
            raise _host_error("ndarray.__setitem__")  # CuPy refuses assignment from CPU arrays
        self._a[_index(key)] = value._a if isinstance(value, ndarray) else value

    def __len__(self) -> int:
        return len(self._a)

    def __iter__(self) -> Any:
        for i in range(len(self._a)):
            yield _wrap(self._a[i])

    def __repr__(self) -> str:
        return "fakecupy." + repr(self._a)

    def __copy__(self) -> ndarray:
        return ndarray._make(self._a.copy())

    def __deepcopy__(self, memo: dict) -> ndarray:
        return ndarray._make(self._a.copy())

    def __reduce__(self) -> Any:
        return (_rebuild, (self._a.copy(),))

    # ------------------------------------------------------------ operators
    def __neg__(self) -> ndarray:
        return _wrap(-self._a)

    def __pos__(self) -> ndarray:
        return _wrap(+self._a)

    def __abs__(self) -> ndarray:
        return _wrap(abs(self._a))

    def __invert__(self) -> ndarray:
        return _wrap(~self._a)


def _rebuild(a: np.ndarray) -> ndarray:
    return ndarray._make(a)


def _binary(op: Any, name: str) -> tuple:
    def fwd(self: ndarray, other: Any) -> Any:
        o = _operand(other, f"the operator {name}")
        return NotImplemented if o is NotImplemented else _wrap(op(self._a, o))

    def rev(self: ndarray, other: Any) -> Any:
        o = _operand(other, f"the operator {name}")
        return NotImplemented if o is NotImplemented else _wrap(op(o, self._a))

    def inplace(self: ndarray, other: Any) -> Any:
        o = _operand(other, f"the operator {name}=")
        if o is NotImplemented:
            return NotImplemented
        getattr(operator, f"i{name}")(self._a, o)
        return self

    return fwd, rev, inplace


for _name in ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul", "and", "or",
              "xor", "lshift", "rshift"):  # fmt: skip
    _f, _r, _i = _binary(getattr(operator, _name + ("_" if _name in ("and", "or") else "")), _name)
    setattr(ndarray, f"__{_name}__", _f)
    setattr(ndarray, f"__r{_name}__", _r)
    if _name != "matmul":
        setattr(ndarray, f"__i{_name}__", _i)
for _name in ("eq", "ne", "lt", "le", "gt", "ge"):
    setattr(ndarray, f"__{_name}__", _binary(getattr(operator, _name), _name)[0])
