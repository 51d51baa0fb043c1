"""Data-parallel training over MPI (optional extra ``mpi``: mpi4py + the mpich wheel).

Launch with ``mpiexec -n 2 python train.py`` (or ``srun`` under Slurm). In a
plain process everything here works as a single rank.
"""

from .comm import CollectiveTimeout, World, mpi_available, world
from .data_parallel import DataParallel
from .sampler import DistributedBatchSampler, shard_bounds

__all__ = [
    "World", "world", "CollectiveTimeout", "mpi_available", "DataParallel",
    "DistributedBatchSampler", "shard_bounds",
]  # fmt: skip
