"""A CPU stand-in for CuPy, to test glassnet's device path on machines without a GPU.

:func:`install` puts a module named ``cupy`` into ``sys.modules`` (for one
test, through pytest's ``monkeypatch``). Its arrays wrap NumPy arrays in a
class whose module is ``cupy``, so ``glassnet.backend.get_array_module``
returns this module for them and ``gn.cuda_available()`` is true; every
computation then runs through the same ``xp`` code path as on a GPU.

It behaves like CuPy 14 where glassnet could go wrong, and is stricter
where the project's rules are:

- a host NumPy array mixed into a device computation raises ``TypeError``
  (binary operators, ``xp`` functions, ``out=``, ``a[...] = host_array``),
  as CuPy does; so does ``np.asarray(device_array)`` (CuPy: "Implicit
  conversion to a NumPy array is not allowed");
- NumPy functions and ufuncs called on a device array raise ``TypeError``
  (CuPy would dispatch some of them through ``__array_function__`` /
  ``__array_ufunc__``; glassnet's rule is ``xp.<fn>`` in ops, never ``np.<fn>``);
- NumPy functions, ndarray methods and ``random`` functions that CuPy 14
  lacks raise ``AttributeError`` (the lists come from comparing
  ``dir(numpy)`` with ``dir(cupy)`` for NumPy 2.4 and CuPy 14.2);
- reductions return 0-d arrays, not NumPy scalars (as CuPy does);
- views keep their base alive and ``a.base`` is stable, as in CuPy.

``transfers`` counts host-to-device copies (``h2d``), device-to-host copies
(``d2h``) and scalar reads that synchronise the device (``syncs``), so a
test can bound what a training step moves or waits for.

Not emulated: CUDA kernels (``RawKernel``, ``fuse`` raise; an
``ElementwiseKernel`` runs only when ``KERNELS`` holds a NumPy stand-in under its
name, see :mod:`tests.fakecupy._kernels`), several devices (only device 0 exists), streams, asynchrony and
CuPy's own numerics (results are NumPy's).
"""

from __future__ import annotations

import contextlib
import functools
import math
import sys
import types
from typing import Any

import numpy as np

from ._array import (
    Transfers,
    _index,
    _originals,
    _result,
    _unwrap,
    _wrap,
    ndarray,
    transfers,
)
from ._kernels import KERNELS

__all__ = ["install", "install_for_process", "make_module", "ndarray", "Transfers", "transfers"]

# dir(numpy) names absent from dir(cupy) (NumPy 2.4.6, CuPy 14.2.0); e.g. errstate, frompyfunc
_MISSING = frozenset(
    "False_ ScalarType True_ asmatrix block bmat busday_count busday_offset busdaycalendar "
    "bytes_ char character clongdouble complex256 core ctypeslib datetime64 datetime_as_string "
    "datetime_data dtypes einsum_path emath errstate f2py flexible float128 frompyfunc "
    "fromregex geomspace get_include getbufsize geterr geterrcall histogram_bin_edges info "
    "insert is_busday isnat little_endian longdouble ma matrix matvec memmap nanpercentile "
    "nanquantile ndenumerate nditer nested_iters object_ polyder polydiv polyint rec recarray "
    "record sctypeDict setbufsize seterr seterrcall show_runtime spacing str_ strings test "
    "timedelta64 typecodes unstack vecdot vecmat void".split()
)
# functions that copy host data to the device when given it (counted as h2d)
_CONVERTERS = frozenset({"array", "asarray", "asanyarray", "ascontiguousarray", "asfortranarray"})
_UNSUPPORTED_KERNELS = ("ReductionKernel", "RawKernel", "RawModule", "fuse")


# ------------------------------------------------------------------- functions
def _device_function(name: str, fn: Any) -> Any:
    host_ok = name in _CONVERTERS

    @functools.wraps(fn)
    def call(*args: Any, **kwargs: Any) -> Any:
        where = f"cupy.{name}"
        a = _unwrap(args, where, host_ok=host_ok)
        kw = {k: _unwrap(v, where, host_ok=host_ok and k != "out") for k, v in kwargs.items()}
        if host_ok and args and isinstance(args[0], (list, tuple, int, float, bool)):
            transfers.note("h2d")
        return _result(fn(*a, **kw), _originals(args, kwargs))

    return call


# what CuPy 14's ufunc methods support (cupy/_core/_kernel.pyx); NumPy allows them for every ufunc
_AT = frozenset(
    {"add", "subtract", "maximum", "minimum", "bitwise_and", "bitwise_or", "bitwise_xor"}
)
_REDUCE = frozenset({"add", "multiply"})


class _UFunc:
    """A NumPy ufunc with CuPy's calling rules (device arrays and scalars only)."""

    def __init__(self, uf: np.ufunc) -> None:
        self._uf = uf
        self.__name__ = uf.__name__
        self.nin, self.nout, self.nargs, self.types = uf.nin, uf.nout, uf.nargs, uf.types

    def _run(self, method: Any, tag: str, args: Any, kwargs: dict, allowed: Any = None) -> Any:
        where = f"cupy.{self.__name__}{tag}"
        if allowed is not None and self.__name__ not in allowed:
            raise NotImplementedError(f"`{where}` is not supported yet (CuPy 14)")
        a = _unwrap(args, where)
        kw = {k: _unwrap(v, where) for k, v in kwargs.items()}
        return _result(method(*a, **kw), _originals(args, kwargs))

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._run(self._uf, "", args, kwargs)

    def reduce(self, *args: Any, **kwargs: Any) -> Any:
        return self._run(self._uf.reduce, ".reduce", args, kwargs, _REDUCE)

    def accumulate(self, *args: Any, **kwargs: Any) -> Any:
        return self._run(self._uf.accumulate, ".accumulate", args, kwargs, _REDUCE)

    def reduceat(self, *args: Any, **kwargs: Any) -> Any:
        return self._run(self._uf.reduceat, ".reduceat", args, kwargs, {"add"})

    def outer(self, *args: Any, **kwargs: Any) -> Any:
        return self._run(self._uf.outer, ".outer", args, kwargs)

    def at(self, a: ndarray, indices: Any, b: Any = None) -> None:
        where = f"cupy.{self.__name__}.at"
        if self.__name__ not in _AT:
            raise NotImplementedError(f"`{where}` is not supported yet (CuPy 14)")
        if not isinstance(a, ndarray):
            raise TypeError(f"{where}: the target must be a device array")
        vals = () if b is None else (_unwrap(b, where),)
        self._uf.at(a._a, _index(indices), *vals)


class ElementwiseKernel:
    """``cupy.ElementwiseKernel`` for the kernels that have a NumPy stand-in in ``KERNELS``.

    Construction checks the name only; calling runs the stand-in on the NumPy data of
    the arguments (device arrays required, as CuPy does), outputs updated in place.
    """

    def __init__(self, in_params: str, out_params: str, operation: str, name: str, **_: Any):
        if name not in KERNELS:
            raise NotImplementedError(
                f"fake CuPy cannot compile CUDA code (cupy.ElementwiseKernel {name!r}); "
                "add a NumPy stand-in to tests/fakecupy/_kernels.py"
            )
        self.name = name
        self.n_in = len([a for a in in_params.split(",") if a.strip()])
        self.n_out = len([a for a in out_params.split(",") if a.strip()])

    def __call__(self, *args: Any) -> Any:
        where = f"ElementwiseKernel {self.name!r}"
        if len(args) != self.n_in + self.n_out:
            raise TypeError(
                f"{where}: {self.n_in + self.n_out} arguments expected, got {len(args)}"
            )
        for a in args[self.n_in :]:
            if not isinstance(a, ndarray):
                raise TypeError(f"{where}: outputs must be device arrays, got {type(a).__name__}")
        KERNELS[self.name](*(_unwrap(a, where) for a in args))
        return args[self.n_in :] if self.n_out > 1 else args[self.n_in]


def _kernel_unsupported(name: str) -> Any:
    def make(*args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"fake CuPy cannot compile CUDA code (cupy.{name})")

    return make


# ---------------------------------------------------------------- submodules
class _Device:
    """``cupy.cuda.Device``: one device (id 0) exists."""

    def __init__(self, device: Any = None) -> None:
        self.id = 0 if device is None else int(device)

    def _check(self) -> None:
        if self.id != 0:
            raise RuntimeError(
                f"cudaErrorInvalidDevice: invalid device ordinal {self.id} (fake CuPy has one device)"
            )

    def __enter__(self) -> _Device:
        self._check()
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def use(self) -> None:
        self._check()

    def synchronize(self) -> None:
        transfers.note("syncs")

    compute_capability = "90"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Device) and other.id == self.id

    def __hash__(self) -> int:
        return hash(self.id)

    def __repr__(self) -> str:
        return f"<CUDA Device {self.id}>"


class _RandomState:
    """``cupy.random.RandomState`` drawing (on the "device") from a NumPy generator."""

    def __init__(self, seed: Any = None) -> None:
        self._g = np.random.default_rng(seed)

    def seed(self, seed: Any = None) -> None:
        self._g = np.random.default_rng(seed)

    def random_sample(self, size: Any = None, dtype: Any = float) -> ndarray:
        return _wrap(np.asarray(self._g.random(size, dtype=np.dtype(dtype))))

    def rand(self, *size: int, dtype: Any = float) -> ndarray:
        return self.random_sample(size, dtype)

    def standard_normal(self, size: Any = None, dtype: Any = float) -> ndarray:
        return _wrap(np.asarray(self._g.standard_normal(size, dtype=np.dtype(dtype))))

    def randn(self, *size: int, dtype: Any = float) -> ndarray:
        return self.standard_normal(size, dtype)

    def normal(self, loc: float = 0.0, scale: float = 1.0, size: Any = None, dtype: Any = float) -> ndarray:  # fmt: skip
        return _wrap(np.asarray(self._g.normal(loc, scale, size)).astype(dtype))

    def uniform(self, low: float = 0.0, high: float = 1.0, size: Any = None, dtype: Any = float) -> ndarray:  # fmt: skip
        return _wrap(np.asarray(self._g.uniform(low, high, size)).astype(dtype))

    def randint(self, low: int, high: Any = None, size: Any = None, dtype: Any = int) -> ndarray:
        return _wrap(np.asarray(self._g.integers(low, high, size, dtype=dtype)))

    def permutation(self, n: int) -> ndarray:
        return _wrap(self._g.permutation(n))


class _Generator:
    """``cupy.random.Generator``: only what CuPy 14's has (no ``normal``, for one)."""

    def __init__(self, seed: Any = None) -> None:
        self._g = np.random.default_rng(seed)

    def random(self, size: Any = None, dtype: Any = np.float64, out: Any = None) -> ndarray:
        return _wrap(np.asarray(self._g.random(size, dtype=np.dtype(dtype))))

    def standard_normal(self, size: Any = None, dtype: Any = np.float64, out: Any = None) -> ndarray:  # fmt: skip
        return _wrap(np.asarray(self._g.standard_normal(size, dtype=np.dtype(dtype))))

    def uniform(self, low: float = 0.0, high: float = 1.0, size: Any = None, dtype: Any = np.float64) -> ndarray:  # fmt: skip
        return _wrap(np.asarray(self._g.uniform(low, high, size)).astype(dtype))

    def integers(self, low: int, high: Any = None, size: Any = None, dtype: Any = np.int64, endpoint: bool = False) -> ndarray:  # fmt: skip
        return _wrap(np.asarray(self._g.integers(low, high, size, dtype=dtype, endpoint=endpoint)))


def _random_module() -> types.ModuleType:
    mod = types.ModuleType("cupy.random")
    state = _RandomState()
    mod.RandomState = _RandomState
    mod.Generator = _Generator
    mod.default_rng = _Generator
    mod.get_random_state = lambda: state
    mod.seed = state.seed
    for name in ("random_sample", "rand", "randn", "standard_normal", "normal", "uniform",
                 "randint", "permutation"):  # fmt: skip
        setattr(mod, name, getattr(state, name))
    mod.random = state.random_sample
    return mod


def _cuda_module() -> types.ModuleType:
    cuda = types.ModuleType("cupy.cuda")
    cuda.Device = _Device
    cuda.is_available = lambda: True
    cuda.get_device_id = lambda: 0
    runtime = types.ModuleType("cupy.cuda.runtime")
    runtime.getDeviceCount = lambda: 1
    runtime.deviceSynchronize = lambda: _Device(0).synchronize()
    cuda.runtime = runtime

    class _Stream:
        null = None

        def synchronize(self) -> None:
            transfers.note("syncs")

    cuda.Stream = _Stream
    cuda.get_current_stream = lambda: _Stream()
    return cuda


class _CupyModule(types.ModuleType):
    """The fake ``cupy`` module: NumPy's functions under CuPy's rules, made on first use."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in _MISSING or not hasattr(np, name):
            raise AttributeError(
                f"module 'cupy' has no attribute {name!r}"
                + (" (NumPy has it, CuPy 14 does not)" if hasattr(np, name) else "")
            )
        obj = getattr(np, name)
        if isinstance(obj, np.ufunc):
            out: Any = _UFunc(obj)
        elif callable(obj) and not isinstance(obj, type):
            out = _device_function(name, obj)
        else:
            out = obj  # dtypes, scalar types, constants
        setattr(self, name, out)
        return out


def make_module() -> types.ModuleType:
    """A fresh fake ``cupy`` module (with ``cuda``, ``random``, ``lib``, ``linalg``)."""
    cp = _CupyModule("cupy")
    cp.__version__ = "14.2.0+fake"
    cp.ndarray = ndarray
    cp.cuda = _cuda_module()
    cp.random = _random_module()
    cp.transfers = transfers
    cp.asnumpy = lambda a, stream=None, order="C", out=None: (
        a.get(order=order, out=out) if isinstance(a, ndarray) else np.asarray(a)
    )
    cp.get_array_module = lambda *args: cp if any(isinstance(a, ndarray) for a in args) else np
    for name in _UNSUPPORTED_KERNELS:
        setattr(cp, name, _kernel_unsupported(name))
    cp.ElementwiseKernel = ElementwiseKernel
    pool = types.SimpleNamespace(
        used_bytes=lambda: 0, total_bytes=lambda: 0, free_all_blocks=lambda: None
    )  # device memory is host memory here: the pool holds nothing
    cp.get_default_memory_pool = lambda: pool
    cp.get_default_pinned_memory_pool = lambda: pool
    lib = types.ModuleType("cupy.lib")
    lib.stride_tricks = types.ModuleType("cupy.lib.stride_tricks")
    lib.stride_tricks.as_strided = _device_function(
        "lib.stride_tricks.as_strided", np.lib.stride_tricks.as_strided
    )
    lib.stride_tricks.sliding_window_view = _device_function(
        "lib.stride_tricks.sliding_window_view", np.lib.stride_tricks.sliding_window_view
    )
    cp.lib = lib
    linalg = types.ModuleType("cupy.linalg")
    for name in (
        "cholesky", "det", "eigh", "inv", "lstsq", "norm", "pinv", "qr", "slogdet", "solve", "svd"
    ):
        setattr(linalg, name, _device_function(f"linalg.{name}", getattr(np.linalg, name)))
    cp.linalg = linalg
    return cp


def _cupyx_module() -> types.ModuleType:
    cupyx = types.ModuleType("cupyx")
    cupyx.errstate = lambda **kw: contextlib.nullcontext()
    cupyx.scatter_add = lambda a, slices, value: np.add.at(
        a._a, _index(slices), _unwrap(value, "cupyx.scatter_add")
    )
    cupyx.empty_pinned = np.empty
    cupyx.zeros_pinned = np.zeros
    scipy = types.ModuleType("cupyx.scipy")
    special = types.ModuleType("cupyx.scipy.special")
    _erf = np.frompyfunc(math.erf, 1, 1)
    special.erf = lambda x: _wrap(np.asarray(_erf(x._a), dtype=x.dtype))
    scipy.special = special
    cupyx.scipy = scipy
    return cupyx


class _Setter:
    """``monkeypatch.setitem`` without the undo, for scripts (``benchmarks/gpu_check.sh --dry-run``)."""

    @staticmethod
    def setitem(mapping: dict, key: str, value: Any) -> None:
        mapping[key] = value


def install_for_process() -> types.ModuleType:
    """Install the fake CuPy for the rest of this process (scripts, not tests)."""
    return install(_Setter())


def install(monkeypatch: Any) -> types.ModuleType:
    """Put a fresh fake CuPy into ``sys.modules`` for the current test and return it."""
    cp = make_module()
    cupyx = _cupyx_module()
    modules = {
        "cupy": cp,
        "cupy.cuda": cp.cuda,
        "cupy.cuda.runtime": cp.cuda.runtime,
        "cupy.random": cp.random,
        "cupy.lib": cp.lib,
        "cupy.lib.stride_tricks": cp.lib.stride_tricks,
        "cupy.linalg": cp.linalg,
        "cupyx": cupyx,
        "cupyx.scipy": cupyx.scipy,
        "cupyx.scipy.special": cupyx.scipy.special,
    }
    for name, mod in modules.items():
        monkeypatch.setitem(sys.modules, name, mod)
    transfers.reset()
    return cp
