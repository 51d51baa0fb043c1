"""Datasets: TensorDataset, Subset, ConcatDataset, random_split."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.data import ConcatDataset, Dataset, Subset, TensorDataset, random_split
from glassnet.data.dataset import has_batches


def _ds(n=10, offset=0):
    x = np.arange(offset, offset + n, dtype=np.float32)[:, None] * np.ones((1, 3), np.float32)
    return TensorDataset(x, np.arange(offset, offset + n))


class Squares(Dataset):
    """A dataset without get_batch (per-sample path)."""

    def __len__(self):
        return 5

    def __getitem__(self, i):
        return np.float32(i * i), i


def test_tensor_dataset_items_and_batches():
    ds = _ds()
    x, y = ds[3]
    assert y == 3 and x.tolist() == [3.0, 3.0, 3.0]
    assert ds[-1][1] == 9
    bx, by = ds.get_batch([4, 0, 4])
    assert by.tolist() == [4, 0, 4] and bx.shape == (3, 3)
    assert len(ds) == 10 and has_batches(ds)


def test_tensor_dataset_takes_tensors_without_copy():
    t = gn.tensor(np.zeros((4, 2), np.float32))
    ds = TensorDataset(t, np.arange(4))
    assert ds.arrays[0] is t.array and ds.tensors is ds.arrays


def test_tensor_dataset_errors_name_the_problem():
    with pytest.raises(ValueError, match=r"same first dimension, got sizes \[3, 4\]"):
        TensorDataset(np.zeros((3, 2)), np.zeros(4))
    with pytest.raises(ValueError, match="at least one array"):
        TensorDataset()
    with pytest.raises(ValueError, match="array 1 is a scalar"):
        TensorDataset(np.zeros(3), np.float32(1))
    with pytest.raises(IndexError, match="index 10 is out of range for 10 samples"):
        _ds()[10]
    with pytest.raises(TypeError, match="index must be an int, got float"):
        _ds()[1.0]
    with pytest.raises(IndexError, match=r"indices must lie in \[-10, 10\)"):
        _ds().get_batch([0, 12])
    with pytest.raises(TypeError, match="indices must be integers, got dtype float64"):
        _ds().get_batch([0.5])


def test_subset_maps_indices_and_keeps_fast_path():
    sub = Subset(_ds(), [7, 2, 5])
    assert len(sub) == 3 and sub[0][1] == 7
    assert sub.get_batch([2, 0])[1].tolist() == [5, 7]
    assert has_batches(sub) and not has_batches(Subset(Squares(), [1]))
    assert len(Subset(_ds(), [])) == 0
    with pytest.raises(IndexError, match="Subset: indices must lie in"):
        Subset(_ds(), [11])


def test_concat_dataset_gathers_in_request_order():
    cat = _ds(4) + _ds(3, offset=100)
    assert isinstance(cat, ConcatDataset) and len(cat) == 7
    assert cat[4][1] == 100 and cat[-1][1] == 102
    x, y = cat.get_batch([6, 0, 4, 3])
    assert y.tolist() == [102, 0, 100, 3]
    np.testing.assert_array_equal(x[:, 0], [102, 0, 100, 3])
    assert not has_batches(ConcatDataset([_ds(2), Squares()]))
    with pytest.raises(ValueError, match="dataset 1 is empty"):
        ConcatDataset([_ds(2), Subset(_ds(), [])])
    with pytest.raises(ValueError, match="at least one dataset"):
        ConcatDataset([])


def test_random_split_partitions_reproducibly():
    a = random_split(_ds(), [6, 4], seed=1)
    b = random_split(_ds(), [6, 4], seed=1)
    assert [len(s) for s in a] == [6, 4]
    got = np.concatenate([s.indices for s in a])
    assert sorted(got.tolist()) == list(range(10))
    assert all((s.indices == t.indices).all() for s, t in zip(a, b))
    assert not (random_split(_ds(), [6, 4], seed=2)[0].indices == a[0].indices).all()


def test_random_split_follows_global_seed():
    gn.manual_seed(3)
    a = random_split(_ds(), [5, 5])[0].indices
    gn.manual_seed(3)
    assert (random_split(_ds(), [5, 5])[0].indices == a).all()


@pytest.mark.filterwarnings("ignore:Length of split")
def test_random_split_fractions_match_torch(torch):
    for n, fr in [
        (10, [0.8, 0.2]),
        (7, [0.5, 0.25, 0.25]),
        (3, [0.34, 0.33, 0.33]),
        (11, [1.0, 0.0]),
    ]:
        ours = [len(s) for s in random_split(_ds(n), fr, seed=0)]
        ref = [len(s) for s in torch.utils.data.random_split(range(n), fr)]
        assert ours == ref, (n, fr)


@pytest.mark.parametrize(
    "lengths, match",
    [
        ([5, 4], "sum to the dataset size 10, got"),
        ([11, -1], "integer lengths must be >= 0"),
        ([0.5, 0.6], "fractional lengths must lie in"),
        ([], "must not be empty"),
    ],
)
def test_random_split_errors(lengths, match):
    with pytest.raises(ValueError, match=match):
        random_split(_ds(), lengths, seed=0)


def test_random_split_bad_seed():
    with pytest.raises(
        ValueError, match="seed must be a non-negative int or a numpy Generator, got -1"
    ):
        random_split(_ds(), [5, 5], seed=-1)
