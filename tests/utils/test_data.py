"""glassnet.utils.data: torch.utils.data's signatures and collation over glassnet.data."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.utils import data as tud


class Pairs(tud.Dataset):
    """Samples (Tensor (2,), float, int, str) like a user's torch Dataset."""

    def __len__(self):
        return 5

    def __getitem__(self, i):
        return gn.ones(2) * i, float(i) / 2, i, f"s{i}"


def test_default_collation_keeps_dtypes_like_torch():
    xb, fb, ib, sb = next(iter(tud.DataLoader(Pairs(), batch_size=3)))
    assert tuple(xb.shape) == (3, 2) and xb.dtype == np.float32
    assert fb.dtype == np.float64 and fb.numpy().tolist() == [0.0, 0.5, 1.0]
    assert ib.dtype == np.int64 and ib.numpy().tolist() == [0, 1, 2]
    assert sb == ("s0", "s1", "s2")  # torch transposes tuple samples with zip: a tuple


def test_tensor_dataset_batches_keep_float64_and_int_dtypes(rng):
    x = gn.tensor(rng.standard_normal((10, 3)))  # float64 in, float64 out (torch's rule)
    y = gn.tensor(np.arange(10))
    batches = list(tud.DataLoader(tud.TensorDataset(x, y), batch_size=4))
    assert [tuple(b[0].shape) for b in batches] == [(4, 3), (4, 3), (2, 3)]
    assert batches[0][0].dtype == np.float64 and batches[0][1].dtype == np.int64
    np.testing.assert_array_equal(np.concatenate([b[1].numpy() for b in batches]), np.arange(10))


def test_dict_samples_collate_per_key():
    class D(tud.Dataset):
        def __len__(self):
            return 4

        def __getitem__(self, i):
            return {"x": np.full(3, i, np.float32), "y": i}

    b = next(iter(tud.DataLoader(D(), batch_size=4)))
    assert b["x"].dtype == np.float32 and tuple(b["x"].shape) == (4, 3)
    assert b["y"].numpy().tolist() == [0, 1, 2, 3]


def test_torch_keywords_are_accepted_and_shuffle_covers_everything():
    ds = tud.TensorDataset(np.arange(20, dtype=np.float32), np.arange(20))
    loader = tud.DataLoader(
        ds, batch_size=8, shuffle=True, num_workers=2, pin_memory=True, drop_last=True,
        persistent_workers=True, prefetch_factor=2, timeout=0, generator=np.random.default_rng(1),
    )  # fmt: skip
    seen = np.concatenate([y.numpy() for _, y in loader])
    assert len(loader) == 2 and len(seen) == 16 and len(set(seen.tolist())) == 16
    assert loader.num_workers == 2 and loader.pin_memory is True
    assert tud.get_worker_info() is None


def test_same_generator_seed_same_order_and_manual_seed_fixes_default():
    ds = tud.TensorDataset(np.arange(30))

    def order(**kw):
        return np.concatenate([b[0].numpy() for b in tud.DataLoader(ds, 7, True, **kw)])

    assert (order(generator=3) == order(generator=3)).all()
    gn.manual_seed(5)
    a = order()
    gn.manual_seed(5)
    assert (order() == a).all()


def test_custom_collate_output_is_returned_as_is():
    loader = tud.DataLoader(Pairs(), batch_size=2, collate_fn=lambda s: [len(s), s[0][3]])
    assert next(iter(loader)) == [2, "s0"]


def test_refusals_name_the_torch_feature():
    with pytest.raises(ValueError, match="num_workers must be an int >= 0, got -1"):
        tud.DataLoader(Pairs(), num_workers=-1)
    with pytest.raises(ValueError, match=r"batch_size=None .* drop_last"):
        tud.DataLoader(Pairs(), batch_size=None, drop_last=True)
    with pytest.raises(TypeError, match="generator must be"):
        tud.DataLoader(Pairs(), shuffle=True, generator="seed")


def test_samplers_with_torch_signatures():
    assert list(tud.BatchSampler(tud.SequentialSampler(range(5)), 2, False)) == [
        [0, 1], [2, 3], [4],
    ]  # fmt: skip
    assert list(tud.BatchSampler(range(5), 2, True)) == [[0, 1], [2, 3]]
    rs = tud.RandomSampler(range(6), generator=0)
    assert sorted(rs) == list(range(6)) and len(rs) == 6
    more = tud.RandomSampler(range(4), num_samples=10, generator=0)
    drawn = list(more)
    assert len(more) == 10 and len(drawn) == 10 and set(drawn) == {0, 1, 2, 3}
    rep = list(tud.RandomSampler(range(3), replacement=True, num_samples=50, generator=0))
    assert len(rep) == 50 and set(rep) <= {0, 1, 2}
    sub = tud.SubsetRandomSampler([7, 3, 9], generator=0)
    assert sorted(sub) == [3, 7, 9] and len(sub) == 3
    with pytest.raises(ValueError, match="num_samples must be a positive int"):
        tud.RandomSampler(range(3), num_samples=0)


def test_user_sampler_subclass_calls_super_with_data_source():
    class EvenFirst(tud.Sampler):
        def __init__(self, data_source):
            super().__init__(data_source)
            self.n = len(data_source)

        def __iter__(self):
            return iter([*range(0, self.n, 2), *range(1, self.n, 2)])

        def __len__(self):
            return self.n

    ds = tud.TensorDataset(np.arange(5))
    got = [b[0].numpy().tolist() for b in tud.DataLoader(ds, batch_size=3, sampler=EvenFirst(ds))]
    assert got == [[0, 2, 4], [1, 3]]


def test_random_split_lengths_fractions_and_generator():
    a, b = tud.random_split(range(10), [3, 7], generator=np.random.default_rng(0))
    assert (len(a), len(b)) == (3, 7) and sorted([*a, *b]) == list(range(10))
    parts = tud.random_split(tud.TensorDataset(np.arange(10)), [0.5, 0.3, 0.2], generator=1)
    assert [len(p) for p in parts] == [5, 3, 2]
    again = tud.random_split(tud.TensorDataset(np.arange(10)), [0.5, 0.3, 0.2], generator=1)
    assert parts[0].indices == again[0].indices


def test_subset_indices_are_kept_as_torch_keeps_them(torch):
    """random_split gives lists of int (``train.indices + val.indices`` joins them), and a
    Subset keeps the indices object it was given, as torch's does."""
    for lib in (tud, torch.utils.data):
        data = lib.TensorDataset(torch.arange(10.0) if lib is not tud else np.arange(10.0))
        a, b = lib.random_split(data, [0.7, 0.3], generator=torch.Generator().manual_seed(0))
        assert type(a.indices) is list and all(type(i) is int for i in a.indices)
        assert sorted(a.indices + b.indices) == list(range(10))
        assert [float(a[i][0]) for i in range(len(a))] == [float(i) for i in a.indices]
        every = lib.Subset(data, range(0, 10, 3))
        assert type(every.indices) is range and len(every) == 4 and float(every[-1][0]) == 9.0
        batch = next(iter(lib.DataLoader(every, batch_size=4)))
        assert [float(v) for v in batch[0]] == [0.0, 3.0, 6.0, 9.0]


def test_namedtuple_samples_collate_to_the_namedtuple(torch):
    """default_collate and the DataLoader keep a namedtuple sample's type, as torch's
    (``batch.image``, ``batch.label``); a plain tuple still gives a list."""
    import collections

    Sample = collections.namedtuple("Sample", "image label")
    rows = [Sample(np.full(2, float(i), dtype=np.float32), i) for i in range(3)]
    ours = tud.default_collate([Sample(gn.tensor(r.image), r.label) for r in rows])
    theirs = torch.utils.data.default_collate([Sample(torch.tensor(r.image), r.label) for r in rows])
    assert type(ours) is Sample and type(theirs) is Sample
    np.testing.assert_array_equal(ours.image.numpy(), theirs.image.numpy())
    assert ours.label.tolist() == theirs.label.tolist() and ours.label.dtype == gn.int64
    loaded = next(iter(tud.DataLoader(rows, batch_size=2)))
    assert type(loaded) is Sample and loaded.label.tolist() == [0, 1]
    assert type(next(iter(tud.DataLoader([tuple(r) for r in rows], batch_size=2)))) is list


def test_subset_and_concat_dataset_in_a_loader():
    ds = tud.TensorDataset(np.arange(6, dtype=np.float32))
    both = tud.ConcatDataset([tud.Subset(ds, [5, 4]), ds])
    got = np.concatenate([b[0].numpy() for b in tud.DataLoader(both, batch_size=4)])
    assert got.tolist() == [5, 4, 0, 1, 2, 3, 4, 5]
    assert isinstance(ds + ds, tud.ConcatDataset)


def test_weighted_random_sampler_follows_the_weights():
    s = tud.WeightedRandomSampler([0.0, 1.0, 3.0], num_samples=4000, generator=0)
    drawn = np.array(list(s))
    assert len(s) == 4000 and 0 not in drawn
    assert abs((drawn == 2).mean() - 0.75) < 0.03
    once = list(tud.WeightedRandomSampler([1, 1, 1, 0], 3, replacement=False, generator=0))
    assert sorted(once) == [0, 1, 2]
    with pytest.raises(ValueError, match="cannot exceed the 3 non-zero weights"):
        tud.WeightedRandomSampler([1, 1, 1, 0], 4, replacement=False)
    with pytest.raises(ValueError, match="weights must be finite"):
        tud.WeightedRandomSampler([0, 0], 2)
    ds = tud.TensorDataset(np.arange(3))
    loader = tud.DataLoader(ds, batch_size=5, sampler=tud.WeightedRandomSampler([0, 0, 1], 10))
    assert [b[0].numpy().tolist() for b in loader] == [[2] * 5, [2] * 5]


def test_stack_dataset_items_and_batches_as_torchs(torch):
    """StackDataset of positional and of keyword datasets: the items, the DataLoader's
    batches, and the refusals of mixed forms and unequal lengths."""
    x, y = np.arange(8.0).reshape(4, 2), np.arange(4)
    seen = []
    for lib in (tud, torch.utils.data):
        a, b = lib.TensorDataset(torch.tensor(x) if lib is not tud else x), lib.TensorDataset(
            torch.tensor(y) if lib is not tud else y)
        pos, kw = lib.StackDataset(a, b), lib.StackDataset(img=a, lbl=b)
        batch = next(iter(lib.DataLoader(pos, batch_size=3)))
        named = next(iter(lib.DataLoader(kw, batch_size=3)))
        seen.append((len(pos), float(pos[2][0][0][1]), int(kw[3]["lbl"][0]),
                     batch[0][0].numpy().tolist(), batch[1][0].tolist(), sorted(named),
                     named["lbl"][0].tolist()))  # fmt: skip
        with pytest.raises(ValueError):
            lib.StackDataset(a, x=b)
        with pytest.raises(ValueError):
            lib.StackDataset(a, lib.Subset(b, [0, 1]))
    assert seen[0] == seen[1]
