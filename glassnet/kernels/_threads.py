"""numba's thread count for the next kernel call (numba keeps it per calling thread)."""

from __future__ import annotations

import numba

__all__ = ["use_threads"]


def use_threads(n: int) -> None:
    """Run the next parallel kernels of this thread on ``n`` threads (clamped to
    ``[1, NUMBA_NUM_THREADS]``); ``1`` runs their ``prange`` loops in the caller."""
    n = max(1, min(int(n), numba.config.NUMBA_NUM_THREADS))
    if numba.get_num_threads() != n:
        numba.set_num_threads(n)
