"""Run under ``mpiexec -n 2`` by tests/distributed/test_mpi_stopped.py: rank 1 stops (SIGSTOP).

Rank 0 waits in an allreduce; within the timeout (GLASSNET_MPI_TIMEOUT) it must
print one line naming rank 1 and end the job.
"""

from __future__ import annotations

import os
import signal
import sys

import numpy as np

from glassnet import distributed as dist
from glassnet.distributed.comm import CollectiveTimeout

w = dist.world()
if w.rank == 1:
    os.kill(os.getpid(), signal.SIGSTOP)  # stopped, not killed: MPI cannot notice
try:
    w.allreduce_(np.ones(4, dtype=np.float32))
except CollectiveTimeout as exc:
    sys.exit(3 if exc.printed and exc.silent == [1] else 4)
print("UNREACHABLE", flush=True)
