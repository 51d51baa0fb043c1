"""Where ``fit``'s batches come from: the training and validation loaders, sharded over ranks.

The trainer always builds its loaders on a
:class:`~glassnet.distributed.DistributedBatchSampler`: with one rank it yields the
order of ``DataLoader(shuffle=True, seed=seed)``; with ``R`` ranks each rank gets
its slice of every global batch. Epoch ``e``'s order depends only on the seed and
``e``, which is what lets a run resume on another number of ranks.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..data.dataloader import DataLoader
from ..data.sampler import draw_seed
from ..distributed import world
from ..distributed.comm import World
from ..distributed.sampler import DistributedBatchSampler
from .loop import as_dataset, check_no_transform
from .state import DataOrder

__all__ = ["resolve_world", "ShardedData"]


def resolve_world(who: str, distributed: Any) -> tuple[World, bool]:
    """``(world, is_distributed)`` for ``fit(distributed=...)``: False, True or a ``World``."""
    if distributed is False or distributed is None:
        return World(None), False
    if distributed is True:
        return world(), True
    if isinstance(distributed, World):
        return distributed, True
    raise TypeError(
        f"{who}: distributed must be True, False or a glassnet.distributed.World, got {distributed!r}"
    )


class ShardedData:
    """The trainer's loaders (a mixin of :class:`~glassnet.train.Trainer`).

    Sets ``data_order`` (seed, per-rank batch size and sample count), which
    checkpoints record.
    """

    world: World
    data_order: DataOrder

    def _train_loader(
        self, data: Any, batch_size: int, shuffle: bool, seed: Any, transform: Any
    ) -> Any:
        world = self.world
        if isinstance(data, DataLoader):
            check_no_transform("fit", transform)
            bs = data.batch_sampler
            sharded = isinstance(bs, DistributedBatchSampler)
            if world.size > 1 and not sharded:
                raise ValueError(
                    "fit: with distributed=True the trainer shards arrays and datasets itself; a "
                    "DataLoader must use batch_sampler=DistributedBatchSampler(...), got "
                    f"{type(bs).__name__}"
                )
            self.data_order = DataOrder(
                seed=bs.seed if sharded else data.seed,
                batch_size=bs.batch_size if sharded else data.batch_size,
                num_samples=len(data.dataset),
            )
            return data
        dataset = as_dataset("fit", data)
        seed = draw_seed(seed, "fit")
        if world.size > 1:
            seed = world.broadcast_object(seed)  # one data order for all ranks
        sampler = DistributedBatchSampler(
            len(dataset),
            batch_size,
            rank=world.rank,
            world_size=world.size,
            shuffle=shuffle,
            seed=seed,
        )
        # augmentation stream: rank 0 keeps the run's seed, other ranks get their own
        aug_seed = (
            seed
            if world.rank == 0
            else int(np.random.default_rng([seed, world.rank]).integers(2**63))
        )
        self.data_order = DataOrder(seed=seed, batch_size=batch_size, num_samples=len(dataset))
        return DataLoader(dataset, batch_sampler=sampler, seed=aug_seed, transform=transform)

    def _val_loader(self, data: Any, batch_size: int) -> tuple[Any, bool]:
        """The validation loader, and whether it is sharded over ranks (results summed)."""
        world = self.world
        if data is None:
            return None, False
        if isinstance(data, DataLoader):
            return data, world.size > 1 and isinstance(data.batch_sampler, DistributedBatchSampler)
        dataset = as_dataset("fit (validation_data)", data)
        sampler = DistributedBatchSampler(
            len(dataset), batch_size, rank=world.rank, world_size=world.size, shuffle=False
        )
        return DataLoader(dataset, batch_sampler=sampler, seed=0), world.size > 1
