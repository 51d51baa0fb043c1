"""Sharding each epoch's mini-batches across ranks.

Every rank draws the same permutation of the data set (seeded by ``seed`` and
the epoch), cuts it into *global* batches of ``batch_size * world_size``
samples, and takes its own slice of each global batch. So the shards of an
epoch are disjoint and together cover the data set, every rank runs the same
number of steps, and training with ``R`` ranks at batch ``B`` sees exactly the
batches one process at batch ``R * B`` would.
"""

from __future__ import annotations

from typing import Iterator

import numpy as np

__all__ = ["DistributedBatchSampler", "shard_bounds"]


def shard_bounds(n: int, size: int, rank: int) -> tuple[int, int]:
    """``[start, stop)`` of ``rank``'s share of ``n`` items split as evenly as possible."""
    base, extra = divmod(n, size)
    start = rank * base + min(rank, extra)
    return start, start + base + (1 if rank < extra else 0)


class DistributedBatchSampler:
    """Yields this rank's index batches for one epoch.

    Parameters
    ----------
    num_samples : int
        Size of the data set.
    batch_size : int
        Per-rank batch size ``B`` (the global batch is ``B * world_size``).
    rank, world_size : int
    shuffle : bool, default True
    seed : int, default 0
        Shared by all ranks; the permutation of epoch ``e`` uses ``seed + e``.
    drop_last : bool, default False
        Drop the last global batch when it is smaller than ``B * world_size``.

    Notes
    -----
    Call :meth:`set_epoch` at the start of each epoch (the trainer does).
    The last global batch, when partial, is split as evenly as possible, so a
    rank may get a smaller (in rare cases empty) batch; gradient averaging
    weights each rank by its sample count.
    """

    def __init__(
        self,
        num_samples: int,
        batch_size: int,
        *,
        rank: int = 0,
        world_size: int = 1,
        shuffle: bool = True,
        seed: int = 0,
        drop_last: bool = False,
    ) -> None:
        if batch_size <= 0:
            raise ValueError(f"DistributedBatchSampler: batch_size must be positive, got {batch_size}")
        if not 0 <= rank < world_size:
            raise ValueError(f"DistributedBatchSampler: rank {rank} is outside world of {world_size}")
        self.num_samples = int(num_samples)
        self.batch_size = int(batch_size)
        self.rank, self.world_size = rank, world_size
        self.shuffle, self.seed, self.drop_last = shuffle, int(seed), drop_last
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    @property
    def global_batch(self) -> int:
        return self.batch_size * self.world_size

    def __len__(self) -> int:
        full, rest = divmod(self.num_samples, self.global_batch)
        return full + (1 if rest and not self.drop_last else 0)

    def permutation(self) -> np.ndarray:
        if not self.shuffle:
            return np.arange(self.num_samples)
        return np.random.default_rng(self.seed + self.epoch).permutation(self.num_samples)

    def __iter__(self) -> Iterator[np.ndarray]:
        perm = self.permutation()
        g = self.global_batch
        for k in range(len(self)):
            chunk = perm[k * g : (k + 1) * g]
            if len(chunk) == g:
                yield chunk[self.rank * self.batch_size : (self.rank + 1) * self.batch_size]
            else:
                lo, hi = shard_bounds(len(chunk), self.world_size, self.rank)
                yield chunk[lo:hi]
