"""Time series helpers: windows, load_series, split_by_time, pad_sequences, lengths_to_mask."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.data import lengths_to_mask, load_series, pad_sequences, split_by_time, windows


def test_windows_reference_and_zero_copy(rng):
    s = rng.standard_normal((20, 3))
    for input_len, horizon, stride in [(4, 2, 1), (5, 3, 2), (1, 1, 7), (17, 3, 1)]:
        X, Y = windows(s, input_len, horizon, stride)
        starts = range(0, 20 - input_len - horizon + 1, stride)
        assert X.shape == (len(starts), input_len, 3) and Y.shape == (len(starts), horizon, 3)
        for k, t in enumerate(starts):
            np.testing.assert_array_equal(X[k], s[t : t + input_len])
            np.testing.assert_array_equal(Y[k], s[t + input_len : t + input_len + horizon])
        assert np.shares_memory(X, s) and np.shares_memory(Y, s)


def test_windows_one_dimensional_and_targets(rng):
    X, Y = windows(np.arange(10.0), 3, 2)
    assert X.shape == (6, 3, 1) and Y[:, :, 0].tolist()[0] == [3.0, 4.0]
    s = rng.standard_normal((12, 4))
    _, Y1 = windows(s, 3, 2, targets=2)
    _, Yl = windows(s, 3, 2, targets=[3, 0])
    _, Yneg = windows(s, 3, 2, targets=-1)
    assert Y1.shape == (8, 2, 1) and np.shares_memory(Y1, s)
    np.testing.assert_array_equal(Yl[1, 0], s[4, [3, 0]])
    np.testing.assert_array_equal(Yneg[..., 0], windows(s, 3, 2)[1][..., 3])
    Xt, _ = windows(gn.tensor(np.arange(6.0)), 2, 1)
    assert Xt.shape == (4, 2, 1)


@pytest.mark.parametrize(
    "args, kwargs, match",
    [
        ((np.zeros(5), 4, 2), {}, "the series has 5 steps, fewer than input_len \\+ horizon = 6"),
        ((np.zeros(5), 0, 1), {}, "input_len must be an int >= 1, got 0"),
        ((np.zeros(5), 1, 1, 0), {}, "stride must be an int >= 1, got 0"),
        (
            (np.zeros((2, 2, 2)), 1, 1),
            {},
            "series must have shape \\(T,\\) or \\(T, F\\), got \\(2, 2, 2\\)",
        ),
        (
            (np.zeros((5, 2)), 1, 1),
            {"targets": 2},
            "targets must be feature indices in \\[0, 2\\), got 2",
        ),
        ((np.zeros((5, 2)), 1, 1), {"targets": []}, "targets must be feature indices"),
    ],
)
def test_windows_errors(args, kwargs, match):
    with pytest.raises(ValueError, match=match) as exc:
        windows(*args, **kwargs)
    assert str(exc.value).startswith("windows:")


def test_load_series_csv_header_columns_missing(tmp_path):
    p = tmp_path / "s.csv"
    p.write_text("date,value,other\n2020-01,1.5,7\n2020-02,,8\n\n2020-03,NA,9\n")
    np.testing.assert_array_equal(load_series(p, column="value"), [1.5, np.nan, np.nan])
    np.testing.assert_array_equal(load_series(p, column=2), [7, 8, 9])
    assert load_series(p, column=["value", "other"]).shape == (3, 2)
    q = tmp_path / "n.csv"
    q.write_text("1;2\n3;4\n")
    np.testing.assert_array_equal(load_series(str(q), delimiter=";"), [[1, 2], [3, 4]])
    r = tmp_path / "one.csv"
    r.write_text("x\n1\n2\n")
    assert load_series(r).shape == (2,)


def test_load_series_arrays():
    a = np.arange(6).reshape(3, 2)
    assert load_series(a).dtype == np.float64
    np.testing.assert_array_equal(load_series(a, column=1), [1, 3, 5])
    f32 = np.zeros(3, np.float32)
    assert load_series(f32) is f32


def test_load_series_errors(tmp_path):
    p = tmp_path / "s.csv"
    p.write_text("date,value\n2020-01,1.5\n2020-02,x\n")
    with pytest.raises(ValueError, match=r"s.csv' line 3, column 1 \('value'\): 'x' is not a number"):
        load_series(p, column="value")
    with pytest.raises(ValueError, match=r"no column named 'v' \(columns: \['date', 'value'\]\)"):
        load_series(p, column="v")
    with pytest.raises(ValueError, match="column must be a name or an index in \\[0, 2\\), got 5"):
        load_series(p, column=5)
    (tmp_path / "ragged.csv").write_text("1,2\n3\n")
    with pytest.raises(ValueError, match="ragged.csv' line 2 has 1 fields, expected 2"):
        load_series(tmp_path / "ragged.csv")
    (tmp_path / "empty.csv").write_text("\n")
    with pytest.raises(ValueError, match="empty.csv' holds no rows"):
        load_series(tmp_path / "empty.csv")
    (tmp_path / "head.csv").write_text("a,b\n")
    with pytest.raises(ValueError, match="holds a header but no data rows"):
        load_series(tmp_path / "head.csv")
    with pytest.raises(ValueError, match="column= needs a 2-D array"):
        load_series(np.zeros(3), column=0)


def test_split_by_time_is_chronological():
    s = np.arange(100)
    tr, va, te = split_by_time(s)
    assert (len(tr), len(va), len(te)) == (80, 10, 10)
    np.testing.assert_array_equal(np.concatenate([tr, va, te]), s)
    tr, va, te = split_by_time(s.reshape(50, 2), val=0, test=5)
    assert tr.shape == (45, 2) and va.shape == (0, 2) and te[0].tolist() == [90, 91]


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"val": 0.6, "test": 0.4}, "leave no training steps of the 10"),
        ({"val": 1.0}, "val must be a fraction in \\[0, 1\\), got 1.0"),
        ({"test": 10}, "test must be a count in \\[0, 10\\), got 10"),
        ({"val": "a"}, "val must be a fraction in \\[0, 1\\) or a count, got 'a'"),
    ],
)
def test_split_by_time_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        split_by_time(np.arange(10), **kwargs)


def test_pad_sequences_matches_torch(rng, torch):
    seqs = [rng.standard_normal((n, 3)).astype(np.float32) for n in (4, 1, 6, 0, 2)]
    for batch_first in (True, False):
        padded, lengths = pad_sequences(seqs, batch_first=batch_first, padding_value=-1.0)
        ref = torch.nn.utils.rnn.pad_sequence(
            [torch.tensor(s) for s in seqs], batch_first=batch_first, padding_value=-1.0
        )
        np.testing.assert_array_equal(padded, ref.numpy())
        assert lengths.tolist() == [4, 1, 6, 0, 2] and lengths.dtype == np.int64


def test_pad_sequences_dtypes_and_errors():
    p, _ = pad_sequences([np.array([1, 2]), np.array([3])])
    assert p.dtype == np.int64 and p.tolist() == [[1, 2], [3, 0]]
    p, _ = pad_sequences([gn.tensor(np.ones(2, np.float32)), np.zeros(1, np.float32)])
    assert p.dtype == np.float32
    with pytest.raises(
        ValueError, match="sequence 1 has trailing shape \\(3,\\), sequence 0 has \\(2,\\)"
    ):
        pad_sequences([np.zeros((2, 2)), np.zeros((2, 3))])
    with pytest.raises(ValueError, match="needs at least one sequence"):
        pad_sequences([])
    with pytest.raises(ValueError, match="sequence 0 is a scalar"):
        pad_sequences([np.float32(1)])


def test_lengths_to_mask(torch):
    lengths = np.array([3, 0, 5, 1])
    mask = lengths_to_mask(lengths, 6)
    ref = torch.arange(6)[None, :] < torch.tensor(lengths)[:, None]
    np.testing.assert_array_equal(mask, ref.numpy())
    assert lengths_to_mask(lengths).shape == (4, 5) and mask.dtype == bool
    with pytest.raises(ValueError, match="max_len=4 is shorter than the longest length 5"):
        lengths_to_mask(lengths, 4)
    with pytest.raises(ValueError, match="lengths must be >= 0, got -1"):
        lengths_to_mask([2, -1])
    with pytest.raises(ValueError, match="lengths must be a 1-D array of ints"):
        lengths_to_mask([1.5])
