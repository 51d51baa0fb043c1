"""Split big NumPy passes over the batch axis across a few threads (opt-in).

NumPy runs one loop on one core, while BLAS (and PyTorch) use every core.
NumPy releases the GIL inside its loops, so the copies and elementwise passes
of the convolution, pooling and batch-norm ops can be split into per-thread
slices of the batch that run at the same time. Only NumPy arrays are split
(CuPy work is already parallel on the GPU), only passes of at least
:data:`MIN_BYTES` per thread, and never from inside a worker.

:func:`run_tasks` runs whole tasks side by side; :class:`glassnet.nn.DataParallel`
uses it to run the slices of a batch, and the optimizers to share out their
blocked updates when :func:`num_threads` is above one.

Splitting single passes is off by default (one thread): on a 2-core machine, measured in the seed
CNN's training step, OpenBLAS's worker threads keep spinning on the cores for
a while after each matrix product, and the NumPy workers then gain nothing
(the step was 46.4 ms with one thread and 47.2 ms with two). With
``OPENBLAS_THREAD_TIMEOUT=4`` (short spinning) two threads gave 47.7 ms
against 50.3 ms. Turn it on with ``GLASSNET_NUM_THREADS=n`` or
:func:`set_num_threads`.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from .._validate import is_int
from ..autograd.grad_mode import is_grad_enabled, set_grad_enabled

__all__ = [
    "num_threads", "set_num_threads", "run_split", "run_tasks", "split_threads", "MIN_BYTES",
]  # fmt: skip

#: Work smaller than this per thread is not worth a hand-off (about 20-50 us).
MIN_BYTES = 1 << 20

_state = threading.local()
_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None
_threads: int | None = None


def _default_threads() -> int:
    v = os.environ.get("GLASSNET_NUM_THREADS", "").strip()
    return int(v) if v.isdigit() and int(v) > 0 else 1


def num_threads() -> int:
    """glassnet's own thread count (``gn.get_num_threads()``): the threads the optimizers
    share their updates between and the conv/pool/batch-norm ops split big passes over."""
    global _threads
    if _threads is None:
        _threads = max(1, min(_default_threads(), 16))
    return _threads


def set_num_threads(n: int) -> None:
    """Use ``n`` threads for glassnet's own NumPy work (``gn.set_num_threads(n)``).

    ``1`` (the default, or ``GLASSNET_NUM_THREADS``) runs every pass in the
    calling thread. Above one, optimizers share out their blocked updates
    and big conv/pool/batch-norm passes are split; this pays inside
    :class:`glassnet.nn.DataParallel` (BLAS on one thread per slice) and
    little otherwise (see the module docstring). ``fit(threads=n)`` sets it
    for the run and restores it afterwards.
    """
    global _threads, _executor
    if not is_int(n) or n < 1:
        raise ValueError(f"set_num_threads: expected a positive int, got {n!r}")
    with _lock:
        _threads = n
        if _executor is not None:
            _executor.shutdown(wait=True)
            _executor = None


def _pool(workers: int) -> ThreadPoolExecutor:
    global _executor
    with _lock:
        if _executor is None or _executor._max_workers < workers:  # noqa: SLF001
            if _executor is not None:
                _executor.shutdown(wait=False)
            _executor = ThreadPoolExecutor(workers, thread_name_prefix="glassnet")
        return _executor


def _worker(fn: Callable[[int, int], None], lo: int, hi: int) -> None:
    _state.busy = True
    try:
        fn(lo, hi)
    finally:
        _state.busy = False


def run_tasks(tasks: list[Callable[[], Any]]) -> list[Any]:
    """Run ``tasks`` at the same time, the first in the calling thread; return their results.

    Each task runs with the caller's gradient mode, and marked as a worker, so
    the ops it calls do not split their own passes again. The first exception
    raised by a task is raised here after every task has finished.
    """
    if len(tasks) == 1 or getattr(_state, "busy", False):
        return [t() for t in tasks]
    grad = is_grad_enabled()

    def call(task: Callable[[], Any]) -> Any:
        _state.busy = True
        set_grad_enabled(grad)
        try:
            return task()
        finally:
            _state.busy = False

    pool = _pool(len(tasks) - 1)
    futures = [pool.submit(call, t) for t in tasks[1:]]
    first_exc: BaseException | None = None
    results: list[Any] = [None] * len(tasks)
    try:
        _state.busy = True
        results[0] = tasks[0]()
    except BaseException as e:  # noqa: BLE001  (re-raised below, after the workers finish)
        first_exc = e
    finally:
        _state.busy = False
    for i, f in enumerate(futures, 1):
        try:
            results[i] = f.result()
        except BaseException as e:  # noqa: BLE001
            first_exc = first_exc or e
    if first_exc is not None:
        raise first_exc
    return results


def split_threads(nbytes: int) -> int:
    """Threads for one pass of about ``nbytes``: :func:`num_threads`, fewer where a thread
    would get less than :data:`MIN_BYTES`, and one inside a worker (the compiled kernels of
    :mod:`glassnet.kernels` run their ``prange`` loops on this many threads)."""
    if getattr(_state, "busy", False):
        return 1
    return max(1, min(num_threads(), nbytes // MIN_BYTES))


def run_split(fn: Callable[[int, int], None], n: int, nbytes: int, xp: Any = np) -> None:
    """Call ``fn(lo, hi)`` on slices ``[lo, hi)`` that together cover ``range(n)``.

    Parameters
    ----------
    fn : callable
        Does the work for batch items ``lo`` to ``hi - 1``; slices are disjoint,
        so ``fn`` may write to its slice of shared output arrays.
    n : int
        Number of items (the batch size).
    nbytes : int
        Rough size of the whole pass; it is split only when each thread gets
        at least :data:`MIN_BYTES`.
    xp : module
        The array module; only NumPy work is split.
    """
    t = min(num_threads(), n, max(1, nbytes // MIN_BYTES))
    if t <= 1 or xp is not np or getattr(_state, "busy", False):
        fn(0, n)
        return
    bounds = [n * i // t for i in range(t + 1)]
    pool = _pool(t - 1)
    futures = [pool.submit(_worker, fn, bounds[i], bounds[i + 1]) for i in range(1, t)]
    try:
        _state.busy = True
        fn(bounds[0], bounds[1])
    finally:
        _state.busy = False
        for f in futures:
            f.result()
