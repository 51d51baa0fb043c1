"""New files read for predict, evaluate and explain, and time-series CSVs: hostile cases.

Each case failed before its fix: ``.npz`` array names that training accepts,
a table trained from an ``.npz`` read from a CSV, labels that predictions do
not need, line numbers after blank lines, and ``load_series`` on the CSV
dialects ``load_table`` reads.
"""

from __future__ import annotations

import numpy as np
import pytest

from glassnet.data import DataError, load_series, load_table, open_data, read_inputs
from glassnet.data.sources import input_files

from .test_sources import image_folder, write_csv, write_image


def _table_npz(tmp_path, n=20, f=3):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, f)).astype(np.float32)
    path = str(tmp_path / "train.npz")
    np.savez(path, x=x, y=np.arange(n) % 2)
    return open_data(path), x


@pytest.mark.parametrize("x_name, y_name", [("X", "Y"), ("arr_0", "arr_1"), ("inputs", "labels")])
def test_new_npz_takes_the_array_names_training_takes(tmp_path, x_name, y_name):
    data, x = _table_npz(tmp_path)
    path = str(tmp_path / "new.npz")
    np.savez(path, **{x_name: x[:4], y_name: np.array([1, 0, 1, 1])})
    got, y = read_inputs(path, data.spec)
    np.testing.assert_allclose(got, data.spec.standardizer(x[:4]))
    assert y.tolist() == [1, 0, 1, 1]


def test_npz_without_labels_and_with_labels_ignored(tmp_path):
    data, x = _table_npz(tmp_path)
    path = str(tmp_path / "new.npz")
    np.savez(path, X=x[:3], Y=np.array([7, 8, 9]))  # labels the model never saw
    with pytest.raises(DataError, match="class\\(es\\) 7, 8, 9"):
        read_inputs(path, data.spec)
    got, y = read_inputs(path, data.spec, labels=False)
    assert y is None and got.shape == (3, 3)


def test_table_trained_from_npz_reads_a_csv_by_position(tmp_path):
    data, x = _table_npz(tmp_path)
    rows = "\n".join(",".join(f"{v:.6f}" for v in r) for r in x[:5])
    path = write_csv(tmp_path / "new.csv", "p,q,r\n" + rows + "\n")
    got, y = read_inputs(path, data.spec)
    assert y is None
    np.testing.assert_allclose(got, data.spec.standardizer(x[:5]), atol=1e-5)
    short = write_csv(tmp_path / "short.csv", "p,q\n1,2\n")
    with pytest.raises(DataError, match="'.*short.csv': expected 3 feature columns .*got 2 \\(p, q\\)"):
        read_inputs(short, data.spec)


def test_predict_reads_a_csv_whatever_its_labels(tmp_path):
    train = write_csv(tmp_path / "t.csv", "a,b,kind\n1,2,x\n3,4,y\n5,6,x\n7,8,y\n9,1,x\n")
    spec = open_data(train, target="kind").spec
    new = write_csv(tmp_path / "new.csv", "b,kind,a\n2,horse,1\n4,,3\n")
    with pytest.raises(DataError, match="missing class label|not among the training classes"):
        read_inputs(new, spec)
    x, y = read_inputs(new, spec, labels=False)
    assert y is None
    np.testing.assert_allclose(x, spec.standardizer(np.array([[1, 2], [3, 4]], np.float32)))


def test_predict_reads_every_image_below_a_folder_in_path_order(tmp_path):
    spec = open_data(image_folder(str(tmp_path / "pets"), per_class=3)).spec
    new = tmp_path / "new"
    img = np.full((8, 8), 200, np.uint8)
    for name in ("b.png", "zebra/1.png", "a/2.png"):  # an unknown class folder, loose files
        write_image(str(new / name), img)
    files = input_files(str(new))
    assert [f.split("new/")[1] for f in files] == ["a/2.png", "b.png", "zebra/1.png"]
    x, y = read_inputs(str(new), spec, labels=False)
    assert y is None and x.shape == (3, 1, 8, 8)


def test_line_numbers_count_blank_lines(tmp_path):
    path = write_csv(tmp_path / "t.csv", "a,b,kind\n1,2,x\n\n\n3,n/a,y\n")
    with pytest.raises(DataError, match="line 5, column 'b': expected a number, got 'n/a'"):
        load_table(path, "kind")
    path = write_csv(tmp_path / "u.csv", "a,b,kind\n1,2,x\n\n3,4,\n")
    with pytest.raises(DataError, match="line 4, column 'kind': missing class label"):
        load_table(path, "kind")


# ------------------------------------------------------------------ time series
def test_load_series_reads_the_dialects_load_table_reads(tmp_path):
    semi = tmp_path / "s.csv"
    semi.write_bytes(b"\xef\xbb\xbfmonth;value\r\n2020-01;1,5\r\n2020-02;2,25\r\n2020-03;\r\n")
    np.testing.assert_array_equal(load_series(semi, column="value"), [1.5, 2.25, np.nan])
    tab = write_csv(tmp_path / "t.csv", "a\tb\n1\t2\n3\t4\n")
    np.testing.assert_array_equal(load_series(tab), [[1, 2], [3, 4]])
    assert load_series(str(semi), column=1, delimiter=";").shape == (3,)


@pytest.mark.parametrize(
    "text, column, match",
    [
        ("x,x\n1,2\n", "x", "expected one column named 'x', got 2 \\(at positions 0, 1\\)"),
        ("v\n1\n\n\ninf\n", None, "line 5, column 0 \\('v'\\): expected a finite number"),
        ("t,v\n2020,1\n2021,x\n", "v", "line 3, column 1 \\('v'\\): 'x' is not a number"),
        ("t,v\nJan,1\n", None, "'Jan' is not a number \\(column= picks the numeric columns\\)"),
    ],
)
def test_load_series_errors_name_file_line_and_column(tmp_path, text, column, match):
    path = write_csv(tmp_path / "s.csv", text)
    with pytest.raises(DataError, match=match) as exc:
        load_series(path, column=column)
    assert "s.csv" in str(exc.value)


def test_load_series_refuses_what_is_not_a_utf8_csv(tmp_path):
    bad = tmp_path / "latin.csv"
    bad.write_bytes(b"v\n1\n\xe9\n")
    with pytest.raises(DataError, match="latin.csv': expected UTF-8 text, got byte 0xe9"):
        load_series(bad)
    with pytest.raises(DataError, match="expected a CSV file, got a folder"):
        load_series(tmp_path)
    with pytest.raises(ValueError, match="column must name at least one column, got \\[\\]"):
        load_series(write_csv(tmp_path / "ok.csv", "v\n1\n"), column=[])
