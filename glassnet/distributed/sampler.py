"""Sharding each epoch's mini-batches across ranks.

Every rank draws the same permutation of the data set (seeded by ``(seed,
epoch)``, the same order as ``glassnet.data.RandomSampler(seed=seed)``), cuts it
into *global* batches of ``batch_size * world_size`` samples, and takes its own
slice of each global batch. So the shards of an epoch are disjoint and together
cover the data set, every rank runs the same number of steps, and training with
``R`` ranks at batch ``B`` sees exactly the batches one process at batch
``R * B`` would (with one rank it is the plain shuffled loader's order).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from .._validate import int_at_least

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
        Shared by all ranks; epoch ``e`` uses the permutation drawn from
        ``numpy.random.default_rng([seed, e])``.
    drop_last : bool, default False
        Drop the last global batch when it is smaller than ``B * world_size``.

    Notes
    -----
    Call :meth:`set_epoch` at the start of each epoch (the ``DataLoader`` and
    the trainer do). The last global batch, when partial, is split as evenly as
    possible, so a rank may get a smaller (in rare cases empty) batch; gradient
    averaging weights each rank by its sample count. :meth:`skip` starts the
    next pass part-way into the epoch (resuming a run whose batch geometry
    changed).
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
        self.num_samples = int_at_least("DistributedBatchSampler", "num_samples", num_samples, 0)
        self.batch_size = int_at_least("DistributedBatchSampler", "batch_size", batch_size, 1)
        self.world_size = int_at_least("DistributedBatchSampler", "world_size", world_size, 1)
        self.rank = int_at_least("DistributedBatchSampler", "rank", rank, 0)
        if self.rank >= self.world_size:
            raise ValueError(
                f"DistributedBatchSampler: rank {rank} is outside a world of {world_size} ranks"
            )
        self.seed = int_at_least("DistributedBatchSampler", "seed", seed, 0)
        self.shuffle, self.drop_last = bool(shuffle), bool(drop_last)
        self.epoch = 0
        self._skip = 0

    def set_epoch(self, epoch: int) -> None:
        """Make the next pass produce the order of epoch ``epoch``."""
        self.epoch = int_at_least("DistributedBatchSampler", "epoch", epoch, 0)

    def skip(self, samples: int) -> None:
        """Start the next pass ``samples`` samples into its epoch's order (once).

        The remaining samples are cut into global batches as usual, so a run
        resumed with another number of ranks or batch size neither repeats nor
        misses a sample of the interrupted epoch.
        """
        self._skip = int_at_least("DistributedBatchSampler", "skip", samples, 0)

    @property
    def global_batch(self) -> int:
        return self.batch_size * self.world_size

    def __len__(self) -> int:
        full, rest = divmod(self.num_samples, self.global_batch)
        return full + (1 if rest and not self.drop_last else 0)

    def permutation(self) -> np.ndarray:
        """The epoch's order of all samples (the same on every rank)."""
        if not self.shuffle:
            return np.arange(self.num_samples, dtype=np.int64)
        rng = np.random.default_rng([self.seed, self.epoch])
        return rng.permutation(self.num_samples).astype(np.int64, copy=False)

    def __iter__(self) -> Iterator[np.ndarray]:
        perm = self.permutation()[self._skip :]
        self._skip = 0
        g = self.global_batch
        full, rest = divmod(len(perm), g)
        for k in range(full + (1 if rest and not self.drop_last else 0)):
            chunk = perm[k * g : (k + 1) * g]
            if len(chunk) == g:
                yield chunk[self.rank * self.batch_size : (self.rank + 1) * self.batch_size]
            else:
                lo, hi = shard_bounds(len(chunk), self.world_size, self.rank)
                yield chunk[lo:hi]

    def __repr__(self) -> str:
        return (
            f"DistributedBatchSampler({self.num_samples}, batch_size={self.batch_size}, "
            f"rank={self.rank}, world_size={self.world_size}, seed={self.seed}, epoch={self.epoch})"
        )
