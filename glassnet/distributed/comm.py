"""The communicator: MPI through mpi4py, or a single-process stand-in.

``world()`` returns the process group for this run. Under ``mpiexec`` (or
Slurm's ``srun``) it wraps ``MPI.COMM_WORLD``; in a plain process it is a
one-rank group whose collectives are no-ops, so the same training code runs
both ways.

Every collective is issued non-blocking and waited on with a deadline
(``GLASSNET_MPI_TIMEOUT`` seconds, default 300; ``glassnet train
--mpi-timeout``): when a rank dies or stops taking part, the others print one
line naming the collective and the ranks that stopped answering, and the job
is aborted instead of hanging. To name them, a rank that has waited over a
second answers small "are you there" messages from the others; at the deadline
it asks every rank and waits a moment for the answers.
"""

from __future__ import annotations

import os
import time
from typing import Any

import numpy as np

__all__ = ["World", "world", "CollectiveTimeout", "mpi_available"]


class CollectiveTimeout(RuntimeError):
    """A collective did not complete in time: another rank died or diverged.

    Attributes
    ----------
    silent : list of int
        The ranks that did not answer when asked (stopped, hung or dead).
    printed : bool
        The message is already on stderr (printed before ``MPI_Abort``): do not print it again.
    """

    def __init__(self, msg: str, silent: list[int]) -> None:
        super().__init__(msg)
        self.silent = silent
        self.printed = True


#: Message tags of the "are you there" exchange that names a silent rank.
_PING, _PONG = 7301, 7302
#: Seconds a collective waits before its rank starts answering pings (none in a normal step).
_ANSWER_AFTER = 1.0


def mpi_available() -> bool:
    """True when mpi4py can be imported."""
    try:
        import mpi4py  # noqa: F401
    except ImportError:
        return False
    return True


def _launched_by_mpi() -> bool:
    keys = (
        "PMI_RANK",
        "PMI_SIZE",
        "OMPI_COMM_WORLD_SIZE",
        "PMIX_RANK",
        "MPI_LOCALNRANKS",
        "HYDI_CONTROL_FD",
    )
    return any(k in os.environ for k in keys)


class World:
    """A group of ranks with the collectives data-parallel training needs.

    Parameters
    ----------
    comm : mpi4py.MPI.Comm or None
        ``None`` makes a single-rank group (no MPI).
    timeout : float, optional
        Seconds to wait for a collective before raising
        :class:`CollectiveTimeout` (default ``GLASSNET_MPI_TIMEOUT`` or 300).
    """

    def __init__(self, comm: Any = None, timeout: float | None = None) -> None:
        self.comm = comm
        self.rank = comm.Get_rank() if comm is not None else 0
        self.size = comm.Get_size() if comm is not None else 1
        env_timeout = os.environ.get("GLASSNET_MPI_TIMEOUT")
        self.timeout = float(timeout if timeout is not None else env_timeout or 300.0)

    @property
    def is_main(self) -> bool:
        """True on rank 0, the rank that prints and writes files."""
        return self.rank == 0

    def __repr__(self) -> str:
        return f"World(rank={self.rank}, size={self.size})"

    # ------------------------------------------------------------- internals
    def _wait(self, request: Any, what: str) -> None:
        start = time.monotonic()
        deadline = start + self.timeout
        spins = 0
        while not request.Test():
            spins += 1
            if spins > 1000:
                time.sleep(1e-4)
            now = time.monotonic()
            if now - start > _ANSWER_AFTER:
                self._answer_pings()
            if now > deadline:
                self._give_up(what)

    def _answer_pings(self) -> None:
        """Answer every rank that asked whether this one is still there."""
        from mpi4py import MPI

        status = MPI.Status()
        while self.comm.Iprobe(source=MPI.ANY_SOURCE, tag=_PING, status=status):
            src = status.Get_source()
            self.comm.recv(source=src, tag=_PING)
            self.comm.isend(self.rank, dest=src, tag=_PONG)

    def _silent_ranks(self, grace: float) -> list[int]:
        """The other ranks that do not answer a ping within ``grace`` seconds."""
        from mpi4py import MPI

        others = [r for r in range(self.size) if r != self.rank]
        sends = [self.comm.isend(self.rank, dest=r, tag=_PING) for r in others]
        waiting = set(others)
        status = MPI.Status()
        end = time.monotonic() + grace
        while waiting and time.monotonic() < end:
            self._answer_pings()
            if self.comm.Iprobe(source=MPI.ANY_SOURCE, tag=_PONG, status=status):
                waiting.discard(self.comm.recv(source=status.Get_source(), tag=_PONG))
            else:
                time.sleep(1e-3)
        del sends  # left pending: the job is about to be aborted
        return sorted(waiting)

    def _give_up(self, what: str) -> None:
        """Print one line naming the silent ranks, abort the job, raise CollectiveTimeout."""
        import sys

        silent = self._silent_ranks(grace=min(5.0, max(1.0, self.timeout / 10)))
        who = (
            f"rank{'s' if len(silent) > 1 else ''} {', '.join(map(str, silent))} of "
            f"{self.size} stopped answering (stopped, hung or dead)"
            if silent
            else "every rank still answers, so one of them is in another step (diverged)"
        )
        msg = (
            f"glassnet.distributed: {what} on rank {self.rank} did not complete within "
            f"{self.timeout:g} s (GLASSNET_MPI_TIMEOUT / --mpi-timeout); {who}. "
            "Aborting the job."
        )
        try:
            print(msg, file=sys.stderr, flush=True)
            # let the launcher forward the line before MPI_Abort tears the job down
            time.sleep(1.0)
        finally:
            self.comm.Abort(1)
        raise CollectiveTimeout(msg, silent)  # where MPI_Abort returns (a stopped peer)

    # ----------------------------------------------------------- collectives
    def barrier(self) -> None:
        if self.comm is None:
            return
        self._wait(self.comm.Ibarrier(), "barrier")

    def allreduce_(self, array: np.ndarray) -> np.ndarray:
        """Sum ``array`` over all ranks, in place (a contiguous NumPy array)."""
        if self.comm is None:
            return array
        from mpi4py import MPI

        if not array.flags.c_contiguous:
            raise ValueError("allreduce_: the buffer must be C-contiguous")
        self._wait(self.comm.Iallreduce(MPI.IN_PLACE, array, op=MPI.SUM), "allreduce")
        return array

    def allreduce_start(self, array: np.ndarray) -> Any:
        """Start an in-place sum over ranks; finish it with :meth:`allreduce_wait`."""
        if self.comm is None:
            return None
        from mpi4py import MPI

        return self.comm.Iallreduce(MPI.IN_PLACE, array, op=MPI.SUM)

    def allreduce_wait(self, request: Any) -> None:
        if request is not None:
            self._wait(request, "allreduce")

    def broadcast_(self, array: np.ndarray, root: int = 0) -> np.ndarray:
        """Overwrite ``array`` on every rank with root's values, in place."""
        if self.comm is None:
            return array
        if not array.flags.c_contiguous:
            raise ValueError("broadcast_: the buffer must be C-contiguous")
        self._wait(self.comm.Ibcast(array, root=root), "broadcast")
        return array

    def sum_scalars(self, values: list[float]) -> list[float]:
        """Sum a few Python numbers over all ranks (metrics, sample counts)."""
        buf = np.asarray(values, dtype=np.float64)
        self.allreduce_(buf)
        return buf.tolist()

    def broadcast_object(self, obj: Any, root: int = 0) -> Any:
        """Send a small JSON-able object from ``root`` to all ranks."""
        if self.comm is None:
            return obj
        import json

        data = (
            np.frombuffer(json.dumps(obj).encode(), dtype=np.uint8) if self.rank == root else None
        )
        n = np.array([0 if data is None else data.size], dtype=np.int64)
        self.broadcast_(n, root)
        buf = data.copy() if data is not None else np.empty(int(n[0]), dtype=np.uint8)
        self.broadcast_(buf, root)
        return json.loads(buf.tobytes().decode())

    def allgather_object(self, obj: Any) -> list[Any]:
        """Every rank's small JSON-able ``obj``, in rank order, on every rank."""
        if self.comm is None:
            return [obj]
        return [
            self.broadcast_object(obj if r == self.rank else None, root=r) for r in range(self.size)
        ]


_WORLD: World | None = None


def world(timeout: float | None = None) -> World:
    """The process group of this run (MPI when launched by ``mpiexec``/``srun``, else one rank).

    Raises
    ------
    RuntimeError
        When launched under MPI but mpi4py is missing (names the ``mpi`` extra).
    """
    global _WORLD
    if _WORLD is not None:
        return _WORLD
    if not _launched_by_mpi():
        _WORLD = World(None, timeout)
        return _WORLD
    if not mpi_available():
        raise RuntimeError(
            "glassnet.distributed: this process was started by an MPI launcher but mpi4py is "
            "not installed; install the 'mpi' extra: pip install 'glassnet[mpi]'"
        )
    from mpi4py import MPI

    _WORLD = World(MPI.COMM_WORLD, timeout)
    return _WORLD
