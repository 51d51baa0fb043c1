"""Odd but valid files a user brings, and broken ones: each read, or refused naming the file."""

from __future__ import annotations

import os

import numpy as np
import pytest

from glassnet.data import DataError, ImageFolder, load_table, open_data
from glassnet.data.images import decode_image
from glassnet.data.sources import DataSpec, read_inputs

from .test_sources import image_folder, write_image

ROWS = "1.5,2,x\n3,4.25,y\n5,6,x\n7,8,y\n"


def write_bytes(path, data: bytes) -> str:
    path.write_bytes(data)
    return str(path)


@pytest.mark.parametrize(
    "data",
    [
        b"a;b;kind\n1,5;2;x\n3;4,25;y\n5;6;x\n7;8;y\n",  # semicolons with decimal commas
        b"a\tb\tkind\n1.5\t2\tx\n3\t4.25\ty\n5\t6\tx\n7\t8\ty\n",
        b"\xef\xbb\xbfa,b,kind\r\n" + ROWS.replace("\n", "\r\n").encode(),  # BOM and CRLF
        b'"a","b","kind"\n' + ROWS.encode(),
    ],
)
def test_delimiters_bom_crlf_and_quotes(tmp_path, data):
    t = load_table(write_bytes(tmp_path / "t.csv", data), "kind")
    assert t.feature_names == ["a", "b"] and t.classes == ["x", "y"]
    np.testing.assert_allclose(t.x[:2], [[1.5, 2], [3, 4.25]])


def test_target_by_position(tmp_path):
    path = write_bytes(tmp_path / "t.csv", b"a,b,kind\n" + ROWS.encode())
    for target in ("2", "-1"):
        t = load_table(path, target)
        assert t.target == "kind" and t.feature_names == ["a", "b"]
    assert open_data(path, target="2").spec.target == "kind"


def test_numbered_column_names_are_a_header(tmp_path):
    # pandas.DataFrame(array).to_csv(index=False) names the columns 0, 1, 2, ...
    path = write_bytes(tmp_path / "t.csv", b"0,1,2\n" + ROWS.replace("x", "0").replace("y", "1").encode())
    t = load_table(path, "2")
    assert t.target == "2" and t.feature_names == ["0", "1"] and t.classes == ["0", "1"]
    np.testing.assert_allclose(t.x[:2], [[1.5, 2], [3, 4.25]])


@pytest.mark.parametrize(
    "data, target, match",
    [
        (ROWS.encode(), "2", r"the first row looks like data \(1.5, 2, x\), not column names"),
        ("é,b,kind\n".encode("latin-1") + ROWS.encode(), "kind", r"expected UTF-8 text, got byte 0xe9"),
        (b"a,b,kind\n1,2,x,9\n3,4,y\n", "kind", r"line 2: expected 3 values, got 4"),
        (b"a,a,kind\n" + ROWS.encode(), "kind", r"expected distinct column names .* 'a' more than once"),
        (b"a,b,kind\n" + ROWS.encode(), "7", r"no column '7' .* position, 0..2"),
    ],
)  # fmt: skip
def test_broken_tables_name_the_file(tmp_path, data, target, match):
    path = write_bytes(tmp_path / "bad.csv", data)
    with pytest.raises(DataError, match=match) as info:
        load_table(path, target)
    assert "bad.csv" in str(info.value)


def test_trailing_delimiters_are_not_extra_values(tmp_path):
    t = load_table(write_bytes(tmp_path / "t.csv", b"a,b,kind\n1,2,x,\n3,4,y,\n"), "kind")
    assert t.x.shape == (2, 2)


def test_one_class_is_refused_for_training(tmp_path):
    path = write_bytes(tmp_path / "t.csv", b"a,kind\n1,x\n2,x\n3,x\n")
    with pytest.raises(DataError, match=r"expected at least 2 classes to learn, got 1 in column"):
        open_data(path, target="kind")
    root = image_folder(str(tmp_path / "p"), classes=("cat",))
    with pytest.raises(DataError, match=r"got 1 in the class folders \(cat\)"):
        open_data(root)


def test_class_folders_with_subfolders_and_upper_case_names(tmp_path):
    root = image_folder(str(tmp_path / "p"), classes=("cat", "dog"), per_class=2)
    rng = np.random.default_rng(0)
    write_image(
        os.path.join(root, "cat", "2024", "deep", "A.PNG"),
        rng.integers(0, 255, (8, 8), dtype=np.uint8),
    )
    os.makedirs(os.path.join(root, "dog", ".hidden"))
    write_image(
        os.path.join(root, "dog", ".hidden", "b.png"), rng.integers(0, 255, (8, 8), dtype=np.uint8)
    )
    ds = ImageFolder(root)
    names = [os.path.relpath(p, root) for p, _ in ds.samples]
    assert os.path.join("cat", "2024", "deep", "A.PNG") in names and len(names) == 5


def test_sixteen_bit_png_keeps_its_grey_levels(tmp_path):
    Image = pytest.importorskip("PIL.Image")
    levels = (np.arange(16).reshape(4, 4) * 4369).astype(np.uint16)  # 0 .. 65535
    path = str(tmp_path / "deep.png")
    Image.fromarray(levels).save(path)
    np.testing.assert_allclose(decode_image(path, channels=1)[0], levels / 65535, atol=1e-6)
    rgb = decode_image(path, channels=3, size=(8, 8))
    assert rgb.shape == (3, 8, 8) and 0.4 < rgb.mean() < 0.6


@pytest.mark.parametrize("names", [("X", "Y"), ("images", "labels"), ("data", "target")])
def test_npz_array_names(tmp_path, names):
    rng = np.random.default_rng(0)
    path = tmp_path / "d.npz"
    np.savez(path, **{names[0]: rng.random((10, 3)), names[1]: np.arange(10) % 2})
    assert open_data(str(path)).spec.input_shape == [3]


def test_npz_positional_and_ambiguous_names(tmp_path):
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "p.npz", rng.random((10, 3)), np.arange(10) % 2)
    assert open_data(str(tmp_path / "p.npz")).spec.input_shape == [3]
    np.savez(tmp_path / "a.npz", x=rng.random((10, 3)), X=rng.random((10, 3)), y=np.arange(10) % 2)
    with pytest.raises(DataError, match=r"a.npz': expected one array for 'x', got several .*x, X"):
        open_data(str(tmp_path / "a.npz"))


def test_npz_channels_last_images(tmp_path):
    rng = np.random.default_rng(0)
    nhwc = rng.integers(0, 255, (10, 6, 5, 3), dtype=np.uint8)
    np.savez(tmp_path / "d.npz", x=nhwc, y=np.arange(10) % 2)
    data = open_data(str(tmp_path / "d.npz"))
    assert data.spec.input_shape == [3, 6, 5]
    spec = DataSpec.from_dict(data.spec.to_dict())
    np.savez(tmp_path / "new.npz", x=nhwc[:2], y=np.arange(2))
    x, _ = read_inputs(str(tmp_path / "new.npz"), spec)
    np.testing.assert_allclose(x, nhwc[:2].transpose(0, 3, 1, 2) / 255, atol=1e-6)
