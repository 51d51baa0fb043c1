"""The thread count of the BLAS library NumPy uses, read and set at run time.

:class:`glassnet.nn.DataParallel` runs one slice of the batch per Python thread
and wants each thread's matrix products on one core; a multi-threaded BLAS
called from two threads at once would put four threads on two cores, and its
idle workers keep spinning on the cores the NumPy passes need.

OpenBLAS (NumPy's wheels) is found among the libraries this process has
loaded (``/proc/self/maps``) and its ``*openblas_set_num_threads*`` entry
point is called through :mod:`ctypes` (a C call, about a microsecond). Where
that does not work (another OS, MKL, Accelerate) ``threadpoolctl`` is used if
it is installed; otherwise the count cannot be changed and :func:`controller`
returns ``None``.
"""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy  # noqa: F401  (loads the BLAS library that controller() looks for)

__all__ = ["controller", "limit"]

_SETTERS = (
    "scipy_openblas_set_num_threads64_",
    "scipy_openblas_set_num_threads",
    "openblas_set_num_threads64_",
    "openblas_set_num_threads",
)
_GETTERS = (
    "scipy_openblas_get_num_threads64_",
    "scipy_openblas_get_num_threads",
    "openblas_get_num_threads64_",
    "openblas_get_num_threads",
)


class _Controller:
    """Reads and sets the BLAS thread count through two callables."""

    def __init__(self, get: Callable[[], int], set_: Callable[[int], None], name: str) -> None:
        self.get, self.set, self.name = get, set_, name

    def __repr__(self) -> str:
        return f"<BLAS threads via {self.name}: {self.get()}>"


_found: list[_Controller | None] = []
_lock = threading.Lock()


def _openblas_ctypes() -> _Controller | None:
    try:
        with open("/proc/self/maps") as f:
            paths = {line.split()[-1] for line in f if "openblas" in line.lower()}
    except OSError:
        return None
    for path in sorted(paths):
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        setter = next((getattr(lib, s) for s in _SETTERS if hasattr(lib, s)), None)
        getter = next((getattr(lib, s) for s in _GETTERS if hasattr(lib, s)), None)
        if setter is None or getter is None:
            continue
        setter.argtypes, setter.restype = [ctypes.c_int], None
        getter.argtypes, getter.restype = [], ctypes.c_int
        return _Controller(lambda g=getter: int(g()), lambda n, s=setter: s(int(n)), path)
    return None


def _threadpoolctl() -> _Controller | None:
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return None
    libs = ThreadpoolController().select(user_api="blas").lib_controllers
    if not libs:
        return None

    def set_(n: int) -> None:
        for lib in libs:
            lib.set_num_threads(int(n))

    return _Controller(lambda: int(libs[0].num_threads), set_, "threadpoolctl")


def controller() -> _Controller | None:
    """The BLAS thread controller of this process, or ``None`` when there is none."""
    with _lock:
        if not _found:
            _found.append(_openblas_ctypes() or _threadpoolctl())
        return _found[0]


@contextmanager
def limit(n: int) -> Iterator[bool]:
    """Run the block with the BLAS library on ``n`` threads, then restore the count.

    Yields whether the count could be set. The count is process-wide: call this
    from one thread around the region where several threads call BLAS.
    """
    ctl = controller()
    if ctl is None:
        yield False
        return
    prev = ctl.get()
    if prev == n:
        yield True
        return
    ctl.set(n)
    try:
        yield True
    finally:
        ctl.set(prev)
