"""torch's iterable-style datasets through glassnet.utils.data.DataLoader: batches, drop_last,
batch_size=None, len(), chaining and torch's refusals, compared with torch's loader."""

from __future__ import annotations

import numpy as np
import pytest

from glassnet.utils import data as gdata


def _stream_class(base):
    class Squares(base):
        def __init__(self, n):
            self.n = n

        def __iter__(self):
            for i in range(self.n):
                yield np.full(2, i * i, dtype=np.float32), i % 3

    return Squares


def _batches(loader):
    out = []
    for b in loader:
        if isinstance(b, (tuple, list)):
            out.append([np.asarray(t.numpy() if hasattr(t, "numpy") else t) for t in b])
        else:
            out.append([np.asarray(b.numpy())])
    return out


@pytest.mark.parametrize("batch_size, drop_last", [(4, False), (4, True), (1, False), (None, False)])
def test_batches_match_torch(batch_size, drop_last):
    torch = pytest.importorskip("torch")
    ours = gdata.DataLoader(_stream_class(gdata.IterableDataset)(10), batch_size=batch_size,
                            drop_last=drop_last)  # fmt: skip
    theirs = torch.utils.data.DataLoader(_stream_class(torch.utils.data.IterableDataset)(10),
                                         batch_size=batch_size, drop_last=drop_last)  # fmt: skip
    got, want = _batches(ours), _batches(theirs)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        for a, b in zip(g, w):
            np.testing.assert_array_equal(a, b)
            assert a.dtype == b.dtype
    again = _batches(ours)  # a second pass starts the stream again
    assert len(again) == len(got) and all(np.array_equal(a[0], b[0]) for a, b in zip(again, got))


def test_len_chain_and_refusals():
    class Sized(gdata.IterableDataset):
        def __iter__(self):
            yield from range(7)

        def __len__(self):
            return 7

    assert len(gdata.DataLoader(Sized(), batch_size=3)) == 3
    assert len(gdata.DataLoader(Sized(), batch_size=3, drop_last=True)) == 2
    chained = gdata.DataLoader(Sized() + Sized(), batch_size=5)
    assert [b.tolist() for b in chained] == [[0, 1, 2, 3, 4], [5, 6, 0, 1, 2], [3, 4, 5, 6]]
    plain = gdata.DataLoader(_stream_class(gdata.IterableDataset)(3), batch_size=2)
    with pytest.raises(TypeError, match="has no len"):
        len(plain)
    with pytest.raises(ValueError, match="expected unspecified shuffle option"):
        gdata.DataLoader(Sized(), shuffle=True)
    with pytest.raises(ValueError, match="expected unspecified sampler option"):
        gdata.DataLoader(Sized(), sampler=[0, 1])
    unbatched = gdata.DataLoader(gdata.TensorDataset(np.arange(6.0).reshape(3, 2)), batch_size=None)
    assert len(unbatched) == 3 and [x.tolist() for (x,) in unbatched][1] == [2.0, 3.0]


def test_a_generator_object_is_a_stream():
    class Gen:
        def __iter__(self):
            return iter([np.ones(2), np.zeros(2), np.ones(2)])

    out = [b.numpy().tolist() for b in gdata.DataLoader(Gen(), batch_size=2)]
    assert out == [[[1.0, 1.0], [0.0, 0.0]], [[1.0, 1.0]]]
