"""Own data: image folders (PNG/JPEG via Pillow), .npz and .csv, and the errors on bad files."""

from __future__ import annotations

import os

import numpy as np
import pytest

from glassnet.data import DataError, ImageFolder, load_table, open_data
from glassnet.data.images import decode_image, image_size_arg
from glassnet.data.sources import DataSpec, data_kind, default_model, holdout_split, read_inputs
from glassnet.data.tables import Standardizer

Image = pytest.importorskip("PIL.Image")


def write_image(path, array, fmt=None):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    Image.fromarray(array).save(path, format=fmt)


def image_folder(root, classes=("cat", "dog", "eel"), per_class=5, size=(8, 8), rgb=False, seed=0):
    """Class ``k``'s images are bright in row band ``k``: learnable and checkable."""
    rng = np.random.default_rng(seed)
    for k, name in enumerate(classes):
        for i in range(per_class):
            a = rng.integers(0, 40, size=size, dtype=np.uint8)
            a[k * size[0] // len(classes) : (k + 1) * size[0] // len(classes)] = 250
            if rgb:
                a = np.stack([a, a // 2, 255 - a], axis=-1).astype(np.uint8)
            ext = ".png" if i % 2 == 0 else ".jpg"
            write_image(os.path.join(root, name, f"{i}{ext}"), a)
    return root


def write_csv(path, text, encoding="utf-8"):
    path.write_text(text, encoding=encoding)
    return str(path)


# ------------------------------------------------------------------ images
def test_image_folder_reads_png_and_jpeg_greyscale(tmp_path):
    root = image_folder(str(tmp_path / "pets"))
    ds = ImageFolder(root)
    assert ds.classes == ["cat", "dog", "eel"] and len(ds) == 15
    assert ds.channels == 1 and ds.image_size == (8, 8)
    x, y = ds.arrays()
    assert x.shape == (15, 1, 8, 8) and x.dtype == np.float32 and 0 <= x.min() and x.max() <= 1
    np.testing.assert_array_equal(y, np.repeat([0, 1, 2], 5))
    png = x[0, 0]  # cat 0.png: lossless, the bright band is rows 0..1
    assert png[:2].min() == pytest.approx(250 / 255) and png[3:].max() < 40 / 255 + 1e-6
    xi, yi = ds[5]
    assert xi.shape == (1, 8, 8) and yi == 1


def test_rgb_images_give_three_channels_and_resize_or_pad(tmp_path):
    root = image_folder(str(tmp_path / "rgb"), rgb=True, size=(8, 16))
    ds = ImageFolder(root, image_size=(8, 8))
    assert ds.channels == 3 and ds.arrays()[0].shape == (15, 3, 8, 8)
    padded = ImageFolder(root, image_size=8, fit="pad").arrays()[0]
    assert padded.shape == (15, 3, 8, 8)
    # an 8x16 image scaled into 8x8 keeps its aspect: 4 rows of content, black above and below
    assert padded[:, :, :2].max() == 0 and padded[:, :, 6:].max() == 0
    assert padded[:, :, 2:6].max() > 0


def test_mixed_grey_and_colour_become_rgb(tmp_path):
    root = image_folder(str(tmp_path / "m"))
    write_image(str(tmp_path / "m" / "cat" / "c.png"), np.full((8, 8, 3), (200, 10, 10), np.uint8))
    ds = ImageFolder(root)
    x, _ = ds.arrays()
    assert ds.channels == 3 and x.shape[1] == 3
    assert decode_image(str(tmp_path / "m" / "cat" / "c.png"), channels=1).shape == (1, 8, 8)


def test_image_size_arg():
    assert image_size_arg(32) == (32, 32) and image_size_arg("24x32") == (24, 32)
    assert image_size_arg([5, 6]) == (5, 6) and image_size_arg(None) is None
    for bad in ("0", "axb", [1, 2, 3], "3x-1"):
        with pytest.raises(ValueError, match="image_size"):
            image_size_arg(bad)


def test_train_and_test_subfolders_are_the_splits(tmp_path):
    image_folder(str(tmp_path / "d" / "train"), per_class=4)
    image_folder(str(tmp_path / "d" / "val"), classes=("cat", "eel"), per_class=2, seed=1)
    data = open_data(str(tmp_path / "d"))
    assert data.train[0].shape == (12, 1, 8, 8) and data.test[0].shape == (4, 1, 8, 8)
    np.testing.assert_array_equal(data.test[1], [0, 0, 2, 2])  # eel keeps its training number
    assert data.spec.classes == ["cat", "dog", "eel"] and data.spec.input_shape == [1, 8, 8]
    x, y = holdout_split(data.spec.to_dict())
    np.testing.assert_array_equal(x, data.test[0])
    np.testing.assert_array_equal(y, data.test[1])


def test_without_a_test_folder_a_fixed_fifth_is_held_out(tmp_path):
    root = image_folder(str(tmp_path / "p"), per_class=10)
    a, b = open_data(root), open_data(root)
    assert len(a.train[0]) == 24 and len(a.test[0]) == 6
    np.testing.assert_array_equal(a.test[0], b.test[0])
    x, y = holdout_split(a.spec)
    np.testing.assert_array_equal(x, a.test[0])
    np.testing.assert_array_equal(y, a.test[1])
    assert data_kind(root) == "images" and default_model(root) == "small-cnn"


def test_read_inputs_one_file_a_flat_folder_or_class_folders(tmp_path):
    root = image_folder(str(tmp_path / "p"), size=(10, 12))
    spec = open_data(root, image_size=8).spec
    x, y = read_inputs(os.path.join(root, "dog", "0.png"), spec)
    assert x.shape == (1, 1, 8, 8) and y is None
    x, y = read_inputs(os.path.join(root, "dog"), spec)
    assert x.shape == (5, 1, 8, 8) and y is None
    x, y = read_inputs(root, spec)
    assert x.shape == (15, 1, 8, 8) and list(y[:6]) == [0] * 5 + [1]


# --------------------------------------------------------------- image errors
def test_empty_class_folder_is_an_error_naming_it(tmp_path):
    root = image_folder(str(tmp_path / "p"))
    os.makedirs(tmp_path / "p" / "fox")
    with pytest.raises(DataError, match=r"fox'?: class folder holds no images \(it is empty\)"):
        ImageFolder(root)


def test_corrupt_image_is_an_error_naming_the_file(tmp_path):
    root = image_folder(str(tmp_path / "p"))
    (tmp_path / "p" / "dog" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    with pytest.raises(DataError, match=r"broken\.png'?: not a readable PNG/JPEG image"):
        ImageFolder(root)


def test_no_class_folders_and_different_sizes(tmp_path):
    (tmp_path / "flat").mkdir()
    with pytest.raises(DataError, match="expected one subfolder per class"):
        ImageFolder(str(tmp_path / "flat"))
    root = image_folder(str(tmp_path / "p"))
    write_image(str(tmp_path / "p" / "cat" / "big.png"), np.zeros((9, 8), np.uint8))
    with pytest.raises(DataError, match=r"differ in size \(.*9x8.*\); choose one with image_size"):
        ImageFolder(root)
    assert ImageFolder(root, image_size=8).arrays()[0].shape == (16, 1, 8, 8)


def test_test_folder_with_an_unknown_class(tmp_path):
    image_folder(str(tmp_path / "d" / "train"))
    image_folder(str(tmp_path / "d" / "test"), classes=("cat", "owl"))
    with pytest.raises(DataError, match="class 'owl' is not one of the training classes"):
        open_data(str(tmp_path / "d"))


# ------------------------------------------------------------------ tables
CSV = "a,b,kind\n1,10,x\n2,20,y\n3,30,x\n4,40,y\n5,50,x\n"


def test_load_table_string_labels(tmp_path):
    t = load_table(write_csv(tmp_path / "t.csv", CSV), "kind")
    assert t.feature_names == ["a", "b"] and t.classes == ["x", "y"]
    np.testing.assert_array_equal(t.x[:, 1], [10, 20, 30, 40, 50])
    np.testing.assert_array_equal(t.y, [0, 1, 0, 1, 0])


def test_numeric_labels_are_ordered_as_numbers(tmp_path):
    t = load_table(write_csv(tmp_path / "t.csv", "f,c\n1,10\n2,9\n3,2\n"), "c")
    assert t.classes == ["2", "9", "10"]


def test_csv_is_standardised_with_training_statistics(tmp_path):
    rows = "".join(f"{i},{i * i % 7},{'ab'[i % 2]}\n" for i in range(20))
    path = write_csv(tmp_path / "t.csv", "u,v,c\n" + rows)
    data = open_data(path, target="c")
    xt = data.train[0]
    np.testing.assert_allclose(xt.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(xt.std(axis=0), 1, atol=1e-5)
    assert len(data.train[0]) == 16 and len(data.test[0]) == 4
    spec = DataSpec.from_dict(data.spec.to_dict())
    x, y = holdout_split(spec)  # the saved statistics, not recomputed
    np.testing.assert_allclose(x, data.test[0], rtol=1e-6)
    # new rows without the target column are read with the same statistics
    new = write_csv(tmp_path / "new.csv", "v,u\n3,1\n")
    x, y = read_inputs(new, spec)
    assert y is None
    np.testing.assert_allclose(x[0], (np.array([1, 3]) - spec.mean) / spec.std, rtol=1e-5)
    assert data_kind(path) == "table" and default_model(path) == "mlp"


def test_standardizer_constant_feature():
    s = Standardizer.fit(np.array([[1.0, 5.0], [3.0, 5.0]]))
    np.testing.assert_allclose(s(np.array([[2.0, 5.0]])), [[0.0, 0.0]])
    assert Standardizer.from_dict(s.to_dict()).std.tolist() == [1.0, 1.0]


@pytest.mark.parametrize(
    "text, match",
    [
        ("a,b,kind\n1,,x\n", r"line 2, column 'b': missing value"),
        ("a,b,kind\n1,2,x\n3,oops,y\n", r"line 3, column 'b': expected a number, got 'oops'"),
        ("a,b,kind\n1,2,\n", r"line 2, column 'kind': missing class label"),
        ("a,b,kind\n1,2\n", r"line 2: expected 3 values, got 2"),
        ("", "the CSV file is empty"),
        ("a,b,kind\n", "no data rows"),
        ("a,b,kind\n1,inf,x\n", r"column 'b': expected a finite number"),
        ("a,b,kind\n1,nan,x\n", r"column 'b': expected a number, got 'nan' \(a missing-value marker"),
    ],
)
def test_csv_errors_name_the_line_and_column(tmp_path, text, match):
    with pytest.raises(DataError, match=match):
        load_table(write_csv(tmp_path / "bad.csv", text), "kind")


def test_unknown_target_column_lists_the_columns(tmp_path):
    path = write_csv(tmp_path / "t.csv", CSV)
    with pytest.raises(
        DataError, match=r"no column 'label' for the target \(--target\); columns: a, b, kind"
    ):
        open_data(path, target="label")
    with pytest.raises(DataError, match=r"needs the class column named \(--target COLUMN\)"):
        open_data(path)


def test_prediction_table_missing_a_training_column(tmp_path):
    spec = open_data(write_csv(tmp_path / "t.csv", CSV), target="kind").spec
    with pytest.raises(DataError, match="expected the training columns a, b; missing b"):
        read_inputs(write_csv(tmp_path / "n.csv", "a\n1\n"), spec)


# ------------------------------------------------------------------ npz
def test_npz_images_and_tables(tmp_path):
    rng = np.random.default_rng(0)
    np.savez(
        tmp_path / "img.npz",
        x=rng.integers(0, 256, (10, 6, 6), dtype=np.uint8),
        y=np.arange(10) % 2,
    )
    data = open_data(str(tmp_path / "img.npz"))
    assert data.spec.kind == "images" and data.spec.input_shape == [1, 6, 6]
    assert data.train[0].dtype == np.float32 and data.train[0].max() <= 1
    assert len(data.train[0]) == 8 and data.spec.classes == ["0", "1"]
    np.savez(tmp_path / "tab.npz", x=rng.normal(5, 3, (10, 3)), y=np.array(["a", "b"] * 5),
             x_test=rng.normal(5, 3, (4, 3)), y_test=np.array(["b"] * 4))  # fmt: skip
    data = open_data(str(tmp_path / "tab.npz"))
    assert data.spec.kind == "table" and len(data.train[0]) == 10 and len(data.test[0]) == 4
    np.testing.assert_allclose(data.train[0].mean(axis=0), 0, atol=1e-5)
    np.testing.assert_array_equal(data.test[1], [1, 1, 1, 1])
    x, y = holdout_split(data.spec)
    np.testing.assert_allclose(x, data.test[0], rtol=1e-6)


def test_npz_errors(tmp_path):
    np.savez(tmp_path / "a.npz", images=np.zeros((3, 2)))
    names = r"expected arrays 'x' and 'y' \(or X/Y, images/labels, data/target\), got images$"
    with pytest.raises(DataError, match=names):
        open_data(str(tmp_path / "a.npz"))
    np.savez(tmp_path / "b.npz", x=np.zeros((3, 2)), y=np.zeros(4, np.int64))
    with pytest.raises(DataError, match=r"expected y of shape \(3,\)"):
        open_data(str(tmp_path / "b.npz"))
    np.savez(tmp_path / "c.npz", x=np.full((3, 2), np.nan), y=np.zeros(3, np.int64))
    with pytest.raises(DataError, match="NaN or infinite"):
        open_data(str(tmp_path / "c.npz"))
    (tmp_path / "d.npz").write_bytes(b"garbage")
    with pytest.raises(DataError, match="not a readable .npz file"):
        open_data(str(tmp_path / "d.npz"))
    with pytest.raises(DataError, match="no such file or folder"):
        open_data(str(tmp_path / "missing.npz"))


def test_fit_trains_on_an_image_folder_dataset(tmp_path):
    import glassnet as gn
    from glassnet.models import build_model
    from glassnet.train import evaluate, fit

    root = image_folder(str(tmp_path / "p"), per_class=8)
    ds = ImageFolder(root)
    gn.manual_seed(0)
    model = build_model("small-cnn", num_classes=3, input_shape=(ds.channels, *ds.image_size))
    history = fit(model, ds, loss="cross_entropy", optimizer="adam", epochs=6, batch_size=8,
                  verbose=0, seed=0)  # fmt: skip
    assert len(history.history["loss"]) == 6
    assert evaluate(model, ds.arrays(), loss="cross_entropy")["accuracy"] >= 0.9
