"""Sharding: disjoint, covering, equal step counts, same batches as one big process."""

from __future__ import annotations

import numpy as np
import pytest

from glassnet.distributed import DistributedBatchSampler, shard_bounds


@pytest.mark.parametrize(
    "n,batch,world", [(100, 8, 2), (101, 8, 2), (10, 4, 3), (7, 4, 3), (1000, 32, 4)]
)
def test_shards_disjoint_and_cover(n, batch, world):
    samplers = [
        DistributedBatchSampler(n, batch, rank=r, world_size=world, seed=3) for r in range(world)
    ]
    for s in samplers:
        s.set_epoch(5)
    per_rank = [list(s) for s in samplers]
    assert len({len(b) for b in per_rank}) == 1  # same number of steps on every rank
    seen = np.concatenate([np.concatenate(b) if b else np.array([], int) for b in per_rank])
    assert len(seen) == n and len(np.unique(seen)) == n


def test_global_batches_equal_single_process_batches():
    n, batch, world = 103, 8, 2
    one = list(DistributedBatchSampler(n, batch * world, rank=0, world_size=1, seed=1))
    ranks = [
        list(DistributedBatchSampler(n, batch, rank=r, world_size=world, seed=1))
        for r in range(world)
    ]
    for k, big in enumerate(one):
        merged = np.concatenate([ranks[r][k] for r in range(world)])
        np.testing.assert_array_equal(np.sort(merged), np.sort(big))


def test_epochs_differ_and_repeat():
    s = DistributedBatchSampler(50, 10, seed=0)
    s.set_epoch(0)
    a = np.concatenate(list(s))
    s.set_epoch(1)
    b = np.concatenate(list(s))
    s.set_epoch(0)
    c = np.concatenate(list(s))
    assert not np.array_equal(a, b) and np.array_equal(a, c)


def test_drop_last_and_bounds():
    s = DistributedBatchSampler(10, 3, rank=1, world_size=2, drop_last=True, shuffle=False)
    assert len(s) == 1 and list(s)[0].tolist() == [3, 4, 5]
    assert [shard_bounds(7, 3, r) for r in range(3)] == [(0, 3), (3, 5), (5, 7)]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"rank": 2, "world_size": 2}, "rank 2 is outside a world of 2 ranks"),
        ({"batch_size": 0}, "batch_size must be an int >= 1, got 0"),
        ({"world_size": 0}, "world_size must be an int >= 1, got 0"),
        ({"seed": -1}, "seed must be an int >= 0, got -1"),
        ({"num_samples": 2.5}, "num_samples must be an int >= 0, got 2.5"),
    ],
)
def test_bad_arguments(kwargs, message):
    args = {"num_samples": 10, "batch_size": 2, **kwargs}
    n, b = args.pop("num_samples"), args.pop("batch_size")
    with pytest.raises(ValueError, match="DistributedBatchSampler: " + message):
        DistributedBatchSampler(n, b, **args)
    with pytest.raises(ValueError, match="DistributedBatchSampler: skip must be an int >= 0"):
        DistributedBatchSampler(10, 2).skip(-3)


def test_one_rank_gives_the_shuffled_loader_order():
    from glassnet.data import RandomSampler

    s, r = DistributedBatchSampler(37, 5, seed=11), RandomSampler(37, seed=11)
    for epoch in (0, 3):
        s.set_epoch(epoch)
        r.set_epoch(epoch)
        np.testing.assert_array_equal(np.concatenate(list(s)), r.indices())


@pytest.mark.parametrize("world", [1, 2, 3])
def test_skip_continues_the_epoch_without_repeats_or_gaps(world):
    n, done = 50, 14  # 14 samples already used, e.g. by a run with another geometry
    order = DistributedBatchSampler(n, 4, seed=2).permutation()
    samplers = [
        DistributedBatchSampler(n, 3, rank=r, world_size=world, seed=2) for r in range(world)
    ]
    for s in samplers:
        s.skip(done)
    rest = np.concatenate([np.concatenate(list(s)) for s in samplers])
    np.testing.assert_array_equal(np.sort(rest), np.sort(order[done:]))
    assert len(list(samplers[0])) == len(samplers[0])  # the skip applies to one pass only
