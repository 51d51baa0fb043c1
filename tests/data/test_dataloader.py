"""DataLoader and samplers: batching, dtypes, the fast path, reproducible shuffling, hooks."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.data import (
    BatchSampler,
    DataLoader,
    Dataset,
    RandomSampler,
    Sampler,
    SequentialSampler,
    Subset,
    TensorDataset,
)
from glassnet.data.transforms import RandomHorizontalFlip


def _ds(n=10):
    x = np.arange(n * 4, dtype=np.float64).reshape(n, 1, 2, 2)
    return TensorDataset(x, np.arange(n, dtype=np.uint8))


class NoBatch(Dataset):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return np.full((2,), i, np.float64), i


class Fields(Dataset):
    def __len__(self):
        return 3

    def __getitem__(self, i):
        return {"x": np.ones(2) * i, "y": i}


def _labels(loader):
    return [y.numpy().tolist() for _, y in loader]


def test_batches_are_tensors_with_training_dtypes():
    loader = DataLoader(_ds(10), batch_size=4)
    batches = list(loader)
    assert len(loader) == 3 == len(batches)
    x, y = batches[0]
    assert isinstance(x, gn.Tensor) and isinstance(y, gn.Tensor)
    assert x.dtype == np.float32 and y.dtype == np.int64
    assert x.shape == (4, 1, 2, 2) and batches[-1][0].shape == (2, 1, 2, 2)
    assert _labels(loader) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]


def test_drop_last_and_len_match_torch(torch):
    for n in (1, 7, 8, 9):
        for bs in (1, 3, 8):
            for drop in (False, True):
                ours = DataLoader(_ds(n), batch_size=bs, drop_last=drop)
                ref = torch.utils.data.DataLoader(range(n), batch_size=bs, drop_last=drop)
                assert len(ours) == len(ref) == len(list(ours)), (n, bs, drop)


def test_fast_path_uses_get_batch_and_matches_per_sample_path():
    calls = []

    class Spy(TensorDataset):
        def get_batch(self, idx):
            calls.append(len(idx))
            return super().get_batch(idx)

        def __getitem__(self, i):  # pragma: no cover - must not be used
            raise AssertionError("per-sample path used")

    x = np.random.default_rng(0).standard_normal((9, 3))
    fast = list(DataLoader(Spy(x, np.arange(9)), batch_size=4, shuffle=True, seed=5))
    slow = list(DataLoader(TensorDataset(x, np.arange(9)), batch_size=4, shuffle=True, seed=5,
                           collate_fn=lambda s: tuple(np.stack(f) for f in zip(*s))))  # fmt: skip
    assert calls == [4, 4, 1]
    for (a, b), (c, d) in zip(fast, slow):
        np.testing.assert_array_equal(a.numpy(), c.numpy())
        np.testing.assert_array_equal(b.numpy(), d.numpy())


def test_per_sample_path_and_default_collate():
    x, y = next(iter(DataLoader(NoBatch(5), batch_size=5)))
    assert x.shape == (5, 2) and x.dtype == np.float32 and y.tolist() == [0, 1, 2, 3, 4]
    d = next(iter(DataLoader(Fields(), batch_size=3)))
    assert d["x"].shape == (3, 2) and d["y"].dtype == np.int64


def test_subset_of_tensor_dataset_takes_fast_path():
    sub = Subset(_ds(10), [9, 8, 7])
    assert _labels(DataLoader(sub, batch_size=2)) == [[9, 8], [7]]


def test_shuffle_is_reproducible_and_new_each_epoch():
    a = DataLoader(_ds(20), batch_size=5, shuffle=True, seed=7)
    b = DataLoader(_ds(20), batch_size=5, shuffle=True, seed=7)
    e0, e1 = _labels(a), _labels(a)
    assert e0 == _labels(b) and e1 == _labels(b)
    assert e0 != e1
    assert sorted(sum(e0, [])) == list(range(20))
    assert _labels(DataLoader(_ds(20), batch_size=5, shuffle=True, seed=8)) != e0


def test_set_epoch_reproduces_a_resumed_run():
    run = DataLoader(_ds(20), batch_size=5, shuffle=True, seed=3)
    epochs = [_labels(run) for _ in range(4)]
    resumed = DataLoader(_ds(20), batch_size=5, shuffle=True, seed=3)
    resumed.set_epoch(2)
    assert _labels(resumed) == epochs[2] and _labels(resumed) == epochs[3]


def test_global_seed_fixes_unseeded_loaders():
    gn.manual_seed(11)
    a = _labels(DataLoader(_ds(20), batch_size=20, shuffle=True))
    gn.manual_seed(11)
    assert _labels(DataLoader(_ds(20), batch_size=20, shuffle=True)) == a


def test_transform_applies_to_inputs_reproducibly():
    ds = TensorDataset(np.arange(64, dtype=np.float32).reshape(16, 1, 2, 2), np.arange(16))

    def run(seed, epoch=0):
        loader = DataLoader(ds, batch_size=16, seed=seed, transform=RandomHorizontalFlip(0.5))
        loader.set_epoch(epoch)
        x, y = next(iter(loader))
        return x.numpy(), y.numpy()

    x, y = run(1)
    flipped = (x != ds.arrays[0]).any(axis=(1, 2, 3))
    assert 0 < flipped.sum() < 16 and y.tolist() == list(range(16))
    np.testing.assert_array_equal(x[flipped], ds.arrays[0][flipped][..., ::-1])
    np.testing.assert_array_equal(run(1)[0], x)
    assert not np.array_equal(run(1, epoch=1)[0], x)


def test_plain_callable_transform():
    loader = DataLoader(_ds(4), batch_size=4, transform=lambda x: x * 0)
    x, y = next(iter(loader))
    assert float(x.sum()) == 0.0 and y.tolist() == [0, 1, 2, 3]


class EveryOther(Sampler):
    """A custom sampler (like a distributed shard): even indices, order depends on epoch."""

    def __init__(self, n):
        self.n = n

    def indices(self):
        idx = np.arange(0, self.n, 2)
        return idx if self.epoch % 2 == 0 else idx[::-1]

    def __len__(self):
        return (self.n + 1) // 2


def test_custom_sampler_gets_the_epoch():
    loader = DataLoader(_ds(10), batch_size=3, sampler=EveryOther(10))
    assert len(loader) == 2
    assert _labels(loader) == [[0, 2, 4], [6, 8]]
    assert _labels(loader) == [[8, 6, 4], [2, 0]]


def test_batch_sampler_hook():
    loader = DataLoader(_ds(10), batch_sampler=[[1, 2], [9]])
    assert _labels(loader) == [[1, 2], [9]]


def test_iter_only_sampler_works():
    class Reverse(Sampler):
        def __iter__(self):
            return iter(range(4, -1, -1))

        def __len__(self):
            return 5

    assert _labels(DataLoader(_ds(5), batch_size=2, sampler=Reverse())) == [[4, 3], [2, 1], [0]]


def test_samplers_directly():
    s = RandomSampler(6, seed=0)
    a, b = s.indices(), s.indices()
    assert sorted(a.tolist()) == list(range(6)) and not np.array_equal(a, b)
    s.set_epoch(0)
    np.testing.assert_array_equal(s.indices(), a)
    assert list(SequentialSampler(3)) == [0, 1, 2] and len(SequentialSampler(_ds(4))) == 4
    assert [b.tolist() for b in BatchSampler(range(5), 2, drop_last=True)] == [[0, 1], [2, 3]]


def test_device_argument_moves_batches():
    x, _ = next(iter(DataLoader(_ds(2), batch_size=2, device="cpu")))
    assert x.device == gn.device("cpu")


@pytest.mark.parametrize(
    "kwargs, err, match",
    [
        ({"batch_size": 0}, ValueError, "batch_size must be a positive int, got 0"),
        ({"batch_size": 2.0}, ValueError, "got 2.0"),
        ({"shuffle": 1}, TypeError, "shuffle must be True or False, got 1"),
        (
            {"shuffle": True, "sampler": SequentialSampler(3)},
            ValueError,
            "either shuffle=True or a sampler",
        ),
        (
            {"batch_sampler": [[0]], "batch_size": 2},
            ValueError,
            "batch_sampler decides the batches",
        ),
        ({"collate_fn": 3}, TypeError, "collate_fn must be callable, got 3"),
        ({"transform": "flip"}, TypeError, "transform must be callable, got 'flip'"),
        ({"seed": -2}, ValueError, "seed must be a non-negative int or a numpy Generator, got -2"),
        ({"device": "gpu"}, ValueError, "expected 'cpu', 'cuda' or 'cuda:N', got 'gpu'"),
    ],
)
def test_argument_errors_name_the_argument(kwargs, err, match):
    with pytest.raises(err, match=match) as exc:
        DataLoader(_ds(3), **kwargs)
    assert "DataLoader" in str(exc.value)


def test_other_errors():
    with pytest.raises(TypeError, match="DataLoader: dataset must support indexing and len"):
        DataLoader(5)
    with pytest.raises(ValueError, match="set_epoch: epoch must be an int >= 0, got -1"):
        DataLoader(_ds(3)).set_epoch(-1)
    with pytest.raises(ValueError, match="BatchSampler: batch_size must be a positive int, got 0"):
        BatchSampler(range(3), 0)
    with pytest.raises(TypeError, match="RandomSampler: expected a dataset"):
        RandomSampler(object())
    with pytest.raises(NotImplementedError, match="must implement indices"):
        list(type("Bare", (Sampler,), {"__len__": lambda self: 0})())
    with pytest.raises(TypeError, match="transform needs tuple or array batches, got a dict"):
        next(iter(DataLoader(Fields(), batch_size=3, transform=lambda x: x)))
