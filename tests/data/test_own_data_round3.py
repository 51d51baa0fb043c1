"""Users' own files the earlier rounds did not try: each read as written, or refused naming it."""

from __future__ import annotations

import os

import numpy as np
import pytest

from glassnet import nn
from glassnet.data import DataError, load_table, open_data, read_inputs
from glassnet.train import predict


def write(path, text: str, encoding: str = "utf-8") -> str:
    path.write_bytes(text.encode(encoding))
    return str(path)


def labelled_rows(labels) -> str:
    return "\n".join(f"{i},{(i * 7) % 5},{lab}" for i, lab in enumerate(labels)) + "\n"


# ------------------------------------------------------------------ CSV files
def test_numeric_labels_spelled_differently_are_one_class(tmp_path):
    # pandas writes a float column as 1.0; a hand-edited row may say 1 or 01
    path = write(tmp_path / "t.csv", "a,b,kind\n" + labelled_rows(["1.0", "1", "0", "01"] * 5))
    data = open_data(path, target="kind")
    assert data.spec.classes == ["0", "1"]
    new = write(tmp_path / "new.csv", "a,b,kind\n1,2,1.00\n3,4,0.0\n5,6,1\n")
    _, y = read_inputs(new, data.spec)
    np.testing.assert_array_equal(y, [1, 0, 1])


def test_text_labels_that_look_alike_stay_apart(tmp_path):
    path = write(tmp_path / "t.csv", "a,b,kind\n" + labelled_rows(["1", "x", "1.0"] * 3))
    assert load_table(path, "kind").classes == ["1", "1.0", "x"]


def test_a_value_beyond_float32_is_refused_not_made_infinite(tmp_path):
    path = write(tmp_path / "t.csv", "a,b,kind\n1,2,x\n3,1e39,y\n5,6,x\n")
    with pytest.raises(DataError, match=r"line 3, column 'b': expected a number within float32"):
        load_table(path, "kind")


def test_a_file_without_header_is_named_as_such(tmp_path):
    # its first row repeats numbers: the message used to blame repeated column names
    path = write(tmp_path / "t.csv", "0,0,1\n1,1,0\n2,2,1\n")
    with pytest.raises(DataError, match=r"the first row looks like data \(0, 0, 1\)") as info:
        load_table(path, "-1")
    assert "more than once" not in str(info.value)


def test_utf16_with_a_byte_order_mark_is_read(tmp_path):
    text = "a\tb\tkind\r\n1.5\t2\tkatt\r\n3\t4\thund\r\n"  # Excel's "Unicode text"
    path = write(tmp_path / "t.csv", "\ufeff" + text, encoding="utf-16-le")
    t = load_table(path, "kind")
    assert t.classes == ["hund", "katt"] and t.feature_names == ["a", "b"]
    np.testing.assert_array_equal(t.x, [[1.5, 2], [3, 4]])


def test_unnamed_column_with_values_is_refused_an_empty_one_skipped(tmp_path):
    pandas_index = write(tmp_path / "p.csv", ",a,b,kind\n0,1,2,x\n1,3,4,y\n2,5,6,x\n")
    with pytest.raises(DataError, match=r"p.csv': column 0 .* has no name .*index=False"):
        load_table(pandas_index, "kind")
    trailing = write(tmp_path / "t.csv", "a,b,kind,\n1,2,x,\n3,4,y,\n")
    assert load_table(trailing, "kind").feature_names == ["a", "b"]


def test_wide_tables_read_the_same_through_either_parser(tmp_path):
    # a ',' file is parsed in one call; the same numbers with decimal commas cell by cell
    rng = np.random.default_rng(0)
    values = rng.normal(size=(6, 300)) * 10.0 ** rng.integers(-8, 8, size=(6, 300))
    names = [f"c{j}" for j in range(300)]
    dot = "\n".join(",".join(repr(float(v)) for v in row) + f",{i % 2}" for i, row in enumerate(values))
    comma = dot.replace(",", ";").replace(".", ",")
    a = load_table(write(tmp_path / "a.csv", ",".join(names) + ",kind\n" + dot), "kind")
    b = load_table(write(tmp_path / "b.csv", ";".join(names) + ";kind\n" + comma), "kind")
    np.testing.assert_array_equal(a.x, b.x)
    np.testing.assert_array_equal(a.x, values.astype(np.float32))
    assert a.feature_names == b.feature_names == names


# ------------------------------------------------------------------ image folders
def test_a_symbolic_link_loop_in_a_class_folder_is_refused(tmp_path):
    image = pytest.importorskip("PIL.Image")
    root = str(tmp_path / "pics")
    for name in ("a", "b"):
        os.makedirs(os.path.join(root, name))
        for i in range(2):
            image.fromarray(np.full((4, 4), 60 * i, np.uint8)).save(f"{root}/{name}/{i}.png")
    loop = os.path.join(root, "a", "again")
    os.symlink(root, loop)
    with pytest.raises(DataError, match=r"'.*again': expected a folder of images, got a symbolic link back"):
        open_data(root)


def _pngs(folder, n=2):
    image = pytest.importorskip("PIL.Image")
    os.makedirs(folder)
    for i in range(n):
        image.fromarray(np.full((4, 4), 60 * i, np.uint8)).save(os.path.join(folder, f"{i}.png"))


def test_split_folders_in_any_case_are_splits_not_classes(tmp_path):
    for split in ("Train", "Test"):  # as Kaggle ships them
        for name in ("cat", "dog"):
            _pngs(tmp_path / split / name)
    data = open_data(str(tmp_path))
    assert data.spec.classes == ["cat", "dog"] and len(data.test[0]) == 4
    os.rename(tmp_path / "Train", tmp_path / "validation")
    with pytest.raises(DataError, match=r"subfolders \(Test, validation\) are named like data splits"):
        open_data(str(tmp_path))


def test_a_class_named_train_holding_images_is_a_class(tmp_path):
    for name in ("bus", "train"):
        _pngs(tmp_path / name)
    assert open_data(str(tmp_path)).spec.classes == ["bus", "train"]


# ------------------------------------------------------------------ .npz files
def images(n=10):
    return np.random.default_rng(0).integers(0, 255, (n, 6, 6), dtype=np.uint8)


@pytest.mark.parametrize(
    "y",
    [
        np.arange(10) % 2 * 1.0,  # whole floats
        (np.arange(10) % 2 == 1),  # bools
        (np.arange(10) % 2)[:, None],  # a column (N, 1)
    ],
    ids=["float", "bool", "column"],
)
def test_npz_labels_of_other_dtypes_and_shapes(tmp_path, y):
    np.savez(tmp_path / "d.npz", x=images(), y=y)
    data = open_data(str(tmp_path / "d.npz"))
    assert len(data.spec.classes) == 2
    whole = np.concatenate([data.train[1], data.test[1]])
    assert sorted(np.bincount(whole)) == [5, 5]


def test_a_keras_style_npz_with_train_and_test_arrays(tmp_path):
    rng = np.random.default_rng(0)
    x_test = rng.integers(0, 255, (4, 6, 6), dtype=np.uint8)
    np.savez(tmp_path / "mnist.npz", x_train=images(), y_train=np.arange(10) % 2,
             x_test=x_test, y_test=np.arange(4) % 2)  # fmt: skip
    data = open_data(str(tmp_path / "mnist.npz"))
    assert len(data.train[0]) == 10 and len(data.test[0]) == 4
    np.testing.assert_allclose(data.test[0][:, 0], x_test / np.float32(255), rtol=1e-6)


def test_npz_byte_labels_are_text_and_bool_features_are_numbers(tmp_path):
    np.savez(tmp_path / "d.npz", x=np.eye(10, 4, dtype=bool), y=np.array([b"ja", "n\u00e4".encode()] * 5))
    data = open_data(str(tmp_path / "d.npz"))
    assert data.spec.classes == ["ja", "n\u00e4"] and data.spec.input_shape == [4]


def test_npz_label_and_array_faults_are_named(tmp_path):
    np.savez(tmp_path / "f.npz", x=images(), y=np.arange(10) * 0.5)
    with pytest.raises(DataError, match=r"got the float 0.5 at index 1 .*whole numbers"):
        open_data(str(tmp_path / "f.npz"), task="classification")
    np.savez(tmp_path / "o.npz", x=images(), y=np.array(list("ab") * 5, dtype=object))
    with pytest.raises(DataError, match=r"array 'y' holds Python objects .*never loads") as info:
        open_data(str(tmp_path / "o.npz"))
    assert "allow_pickle" not in str(info.value)
    (tmp_path / "t.npz").write_text("x,y\n1,2\n")
    with pytest.raises(DataError, match=r"not a readable .npz file \(expected a zip archive") as info:
        open_data(str(tmp_path / "t.npz"))
    assert "allow_pickle" not in str(info.value)
    np.savez(tmp_path / "h.npz", x=images(), y=np.arange(10) % 2, x_test=images(3))
    with pytest.raises(DataError, match="expected x_test and y_test together .*x_test without y_test"):
        open_data(str(tmp_path / "h.npz"))


@pytest.mark.parametrize(
    ("arrays", "match"),
    [
        ({"x": np.zeros((10, 0))}, r"at least one value per sample, got shape \(10, 0\)"),
        ({"x": np.full((10, 3), 1e39)}, r"beyond float32's range .*first in sample 0"),
        ({"y": np.array([1.5e20] * 5 + [0.0] * 5)}, r"got the float 1.5e\+20 at index 0"),
        ({"y": np.array(["", "a"] * 5)}, r"y\[0\]: missing class label"),
    ],
    ids=["no-features", "float32-overflow", "huge-label", "empty-label"],
)  # fmt: skip
def test_npz_arrays_that_would_train_on_nothing_or_garbage(tmp_path, arrays, match):
    np.savez(tmp_path / "d.npz", **{"x": np.ones((10, 3)), "y": np.arange(10) % 2, **arrays})
    with pytest.raises(DataError, match=match):
        open_data(str(tmp_path / "d.npz"))


# ------------------------------------------------------------------ inputs of the wrong shape
def test_one_image_without_its_sample_axis_is_explained(tmp_path):
    np.savez(tmp_path / "d.npz", x=images(), y=np.arange(10) % 2)
    spec = open_data(str(tmp_path / "d.npz")).spec
    np.savez(tmp_path / "one.npz", x=np.zeros((6, 6)))
    with pytest.raises(DataError, match=r"got 6 \(x of shape \(6, 6\) is read as 6 samples"):
        read_inputs(str(tmp_path / "one.npz"), spec, labels=False)


def test_new_samples_in_a_npy_file_are_read_like_the_npz_ones(tmp_path):
    np.savez(tmp_path / "d.npz", x=images(), y=np.arange(10) % 2)
    spec = open_data(str(tmp_path / "d.npz")).spec
    np.save(tmp_path / "new.npy", images(3))
    x, y = read_inputs(str(tmp_path / "new.npy"), spec, labels=False)
    want, _ = read_inputs(str(tmp_path / "d.npz"), spec, labels=False)
    np.testing.assert_array_equal(x, want[:3])
    assert y is None
    np.save(tmp_path / "o.npy", np.array([1, "a"], dtype=object))
    with pytest.raises(DataError, match=r"'.*o.npy': expected a .npy array of numbers, got Python objects"):
        read_inputs(str(tmp_path / "o.npy"), spec, labels=False)


def test_predict_refuses_data_that_has_no_sample_axis():
    model = nn.Sequential(nn.Linear(4, 3))
    x = np.ones((5, 4), np.float32)
    assert predict(model, x).shape == (5, 3)
    with pytest.raises(ValueError, match=r"predict: expected the model to return one output per sample"):
        predict(model, x[0])  # one sample: its 4 values were taken for 4 samples
