"""Round 6 of hostile files for the CLI: encodings, line endings, compressed and binary files,
broken links, odd arrays, truncated .npy files and odd image folders.

Each case either works (and gives what the plain file gives) or exits 2 with one line naming
the file, what was expected and what came. Before the fixes of this round: a UTF-16 file
without a byte-order mark gave column names full of NUL characters, a file with old Mac line
endings (lone CR) printed Python's csv message, a gzip or zip file was "byte 0x8b", a .npy whose
header declares a huge shape tried to allocate it ("Unable to allocate 36.4 TiB"), an empty
.npy exited 1 without naming the file, and a symbolic link loop was "no such file or folder".
"""

from __future__ import annotations

import csv
import gzip
import os
import re

import numpy as np
import pytest

from glassnet.cli import main
from glassnet.cli.predict import read_images
from glassnet.data import load_table
from tests.data.test_sources import image_folder, write_image

Image = pytest.importorskip("PIL.Image")


def _table_text(n=30, sep=",", eol="\n", trail="", seed=0):
    rng = np.random.default_rng(seed)
    lines = [sep.join(["a", "b", "kind"]) + trail]
    for i in range(n):
        lines.append(
            sep.join([f"{rng.normal() + i % 2:.3f}", f"{rng.normal():.3f}", "xy"[i % 2]]) + trail
        )
    return eol.join(lines) + eol


def _write(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return str(path)


def _one_error_line(capsys):
    err = capsys.readouterr().err
    assert err.startswith("glassnet: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    return err


def _dry(path, *args):
    return main(["train", "--data", path, "--dry-run", *args])


def _train(tmp_path, name, *args):
    code = main(["train", "--epochs", "1", "--runs-dir", str(tmp_path / "runs"), "--seed", "0",
                 "--quiet", "--diagnostics", "0", "--name", name, *args])  # fmt: skip
    assert code == 0
    return str(tmp_path / "runs" / name)


def _rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


# ------------------------------------------------------------------ CSV files that work
PLAIN = _table_text()
WORKING_CSV = {
    "bom": ("\ufeff" + PLAIN).encode("utf-8"),
    "utf16_bom": PLAIN.encode("utf-16"),
    "utf16le_no_bom": PLAIN.encode("utf-16-le"),
    "utf16be_no_bom": PLAIN.encode("utf-16-be"),
    "semicolon": _table_text(sep=";").encode(),
    "tab": _table_text(sep="\t").encode(),
    "pipe": _table_text(sep="|").encode(),
    "crlf": _table_text(eol="\r\n").encode(),
    "cr_only": _table_text(eol="\r").encode(),
    "trailing_delimiter": _table_text(trail=",").encode(),
    "padded_header": PLAIN.replace("a,b,kind", " a , b , kind ").encode(),
    "unicode path": PLAIN.encode(),
}


@pytest.mark.parametrize("name", sorted(WORKING_CSV))
def test_csv_variants_read_as_the_plain_file(tmp_path, name):
    plain = load_table(_write(tmp_path / "plain.csv", PLAIN), target="kind")
    path = _write(tmp_path / f"{name} é 数据.csv", WORKING_CSV[name])
    got = load_table(path, target="kind")
    assert got.feature_names == plain.feature_names == ["a", "b"]
    np.testing.assert_array_equal(got.x, plain.x)
    np.testing.assert_array_equal(got.y, plain.y)
    assert main(["train", "--data", path, "--target", "kind", "--dry-run"]) == 0


def test_quoted_labels_with_delimiters_and_newlines_are_one_class_each(tmp_path):
    text = PLAIN.replace(",x\n", ',"x, big\none"\n')
    table = load_table(_write(tmp_path / "q.csv", text), target="kind")
    assert table.classes == ["x, big\none", "y"] and len(table.y) == 30
    assert _dry(str(tmp_path / "q.csv"), "--target", "kind") == 0


def test_labels_1_and_1_0_are_one_class_and_1e3_reads_as_a_number(tmp_path):
    labels = ["1", "2.0", "1.0", "2"]
    text = "a,k\n1e3,1\n" + "".join(f"{i},{labels[i % 4]}\n" for i in range(20))
    table = load_table(_write(tmp_path / "f.csv", text), target="k")
    assert table.classes == ["1", "2"] and table.x[0, 0] == 1000.0
    np.testing.assert_array_equal(table.y[1:], [0, 1, 0, 1] * 5)


def test_a_5000_column_file_trains(tmp_path):
    rng = np.random.default_rng(0)
    head = ",".join(f"c{i}" for i in range(5000)) + ",kind\n"
    body = "".join(
        ",".join(f"{v:.2f}" for v in rng.normal(size=5000)) + f",{'xy'[i % 2]}\n" for i in range(30)
    )
    path = _write(tmp_path / "wide.csv", head + body)
    assert _dry(path, "--target", "kind") == 0


# ------------------------------------------------------------------ CSV files that are refused
REFUSED_CSV = [
    ("gz.csv", gzip.compress(PLAIN.encode()), "gz.csv': expected CSV text, got a gzip-compressed file"),
    ("x.csv", b"PK\x03\x04" + b"\0" * 40, "x.csv': expected CSV text, got a zip archive \\(an Excel .xlsx\\?"),
    ("xls.csv", b"\xd0\xcf\x11\xe0" + b"\0" * 40, "got an old Excel .xls workbook"),
    ("nul.csv", PLAIN.encode().replace(b"1", b"\0", 1), r"nul.csv': expected text, got a NUL byte at offset \d+"),
    ("l1.csv", PLAIN.replace(",y\n", ",\xe9\n").encode("latin-1"), "l1.csv': expected UTF-8 text, got byte 0xe9"),
    ("ho.csv", b"a,b,kind\n", "ho.csv': the CSV file has a header but no data rows"),
    ("blank.csv", b"\n\n\n", "blank.csv': the CSV file has a header but no data rows"),
    ("empty.csv", b"", "empty.csv': the CSV file is empty"),
    ("one.csv", b"a,b,kind\n1,2,x\n", "one.csv': expected at least 2 samples"),
    ("dup.csv", PLAIN.replace("a,b,kind", "a,a,kind").encode(), "expected distinct column names in the header row, got 'a'"),
    ("dupt.csv", PLAIN.replace("a,b,kind", "kind,b,kind").encode(), "got 'kind' more than once"),
    ("oc.csv", PLAIN.replace(",y\n", ",x\n").encode(), "oc.csv': expected at least 2 classes to learn, got 1 in column 'kind'"),
    ("th.csv", b"a,b,kind\n" + b"".join(f'"1,{i:03d}",{i},{"xy"[i % 2]}\n'.encode() for i in range(30)),
     "th.csv': line 2, column 'a': expected a number, got '1,000'"),
    ("inf.csv", PLAIN.replace("kind\n", "kind\ninf,2,x\n", 1).encode(), "line 2, column 'a': expected a finite number, got 'inf'"),
    ("ninf.csv", PLAIN.replace("kind\n", "kind\n-Infinity,2,x\n", 1).encode(), "expected a finite number, got '-Infinity'"),
    ("nan.csv", PLAIN.replace("kind\n", "kind\nnan,2,x\n", 1).encode(), "got 'nan' \\(a missing-value marker, --missing mean"),
    ("el.csv", PLAIN.replace("kind\n", "kind\n1,2,\n", 1).encode(), "line 2, column 'kind': missing class label"),
    ("rag.csv", PLAIN.replace("kind\n", "kind\n1,x\n", 1).encode(), "rag.csv': line 2: expected 3 values, got 2"),
    ("eh.csv", PLAIN.replace("a,b,kind", ",b,kind").encode(), "column 0 \\(counting from 0\\) has no name"),
    ("allnan.csv", b"a,b,kind\n" + b"".join(f",{i},{'xy'[i % 2]}\n".encode() for i in range(30)),
     "column 'a' has no values in the training split"),
]  # fmt: skip


@pytest.mark.parametrize("name, data, message", REFUSED_CSV, ids=[c[0] for c in REFUSED_CSV])
def test_bad_csv_exits_2_naming_the_file(tmp_path, capsys, name, data, message):
    extra = ["--missing", "mean"] if name == "allnan.csv" else []
    assert _dry(_write(tmp_path / name, data), "--target", "kind", *extra) == 2
    err = _one_error_line(capsys)
    assert re.search(message, err), err


@pytest.mark.parametrize(
    "name, message",
    [
        ("t.tsv", "a delimited text table: rename it to .csv"),
        ("t.csv.gz", "a compressed file: decompress it first"),
        ("t.xlsx", "a spreadsheet: save it as CSV UTF-8"),
        ("t.npy", r"a single array: save x and y together with np.savez"),
    ],
)
def test_other_kinds_of_file_say_how_to_convert_them(tmp_path, capsys, name, message):
    assert _dry(_write(tmp_path / name, PLAIN)) == 2
    err = _one_error_line(capsys)
    assert f"a file that is neither .npz nor .csv; {message}" in err


def test_a_symlink_loop_and_a_dangling_link_are_named_as_links(tmp_path, capsys):
    os.symlink(tmp_path / "l2.csv", tmp_path / "l1.csv")
    os.symlink(tmp_path / "l1.csv", tmp_path / "l2.csv")
    os.symlink(tmp_path / "gone.csv", tmp_path / "dangling.csv")
    for name in ("l1.csv", "dangling.csv"):
        assert _dry(str(tmp_path / name), "--target", "kind") == 2
        assert (
            "a symbolic link to nothing: its target is missing or the links loop"
            in _one_error_line(capsys)
        )


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_file_exits_2(tmp_path, capsys):
    path = _write(tmp_path / "secret.csv", PLAIN)
    os.chmod(path, 0)
    assert _dry(path, "--target", "kind") == 2
    assert "secret.csv" in _one_error_line(capsys)


# ------------------------------------------------------------------ .npz and .npy
def _npz(tmp_path, name, **arrays):
    np.savez(tmp_path / name, **arrays)
    return str(tmp_path / name)


X = np.random.default_rng(0).normal(size=(30, 4)).astype(np.float32)
Y = np.arange(30) % 2


@pytest.mark.parametrize(
    "arrays, message",
    [
        (
            {"x": np.array([{"a": 1}] * 30, dtype=object), "y": Y},
            "array 'x' holds Python objects .* never loads",
        ),
        ({"x": X, "y": np.array(["a", None] * 15, dtype=object)}, "array 'y' holds Python objects"),
        (
            {"x": X, "y": Y[:20]},
            r"expected y of shape \(30,\) \(one class label per sample\), got \(20,\)",
        ),
        (
            {"x": np.array(3.0), "y": np.array(1)},
            r"expected x of numbers shaped \(N, F\).*got float64 \(\)",
        ),
        ({"x": X.astype(np.complex64), "y": Y}, "got complex64"),
        ({"x": np.where(X > 2, np.nan, X), "y": Y}, "x holds NaN or infinite values"),
        # float y that is not whole: a regression target, whose NaN is named
        ({"x": X, "y": np.where(Y, 0.5, np.nan)},
         r"y\[\d+\]: expected a finite number \(regression target\), got nan"),
        ({"x": X, "y": np.eye(2)[Y]}, r"got \(30, 2\)"),
        ({"x": X[:0], "y": Y[:0]}, "expected at least 2 samples to hold out a test split, got 0"),
        ({"x": X}, "expected arrays 'x' and 'y'"),
    ],
    ids=[
        "object-x",
        "object-y",
        "lengths",
        "0-d",
        "complex",
        "nan",
        "fraction",
        "one-hot",
        "empty",
        "no-y",
    ],
)
def test_bad_npz_exits_2(tmp_path, capsys, arrays, message):
    assert _dry(_npz(tmp_path, "d.npz", **arrays)) == 2
    err = _one_error_line(capsys)
    assert "d.npz'" in err and re.search(message, err), err


def test_integer_bool_and_string_label_npz_train(tmp_path):
    for i, arrays in enumerate([
        {"x": (X * 10).astype(np.int64), "y": Y},
        {"x": X > 0, "y": Y},
        {"x": X.astype(np.float16), "y": np.where(Y, "yes", "no")},
    ]):  # fmt: skip
        assert _dry(_npz(tmp_path, f"{i}.npz", **arrays)) == 0


def test_truncated_and_mislabelled_npz(tmp_path, capsys):
    data = open(_npz(tmp_path, "t.npz", x=X, y=Y), "rb").read()
    (tmp_path / "t.npz").write_bytes(data[: len(data) // 2])
    assert _dry(str(tmp_path / "t.npz")) == 2
    assert "t.npz': not a readable .npz file" in _one_error_line(capsys)
    np.save(tmp_path / "a.npy", X)
    os.replace(tmp_path / "a.npy", tmp_path / "a.npz")
    assert _dry(str(tmp_path / "a.npz")) == 2
    assert "expected a zip archive of .npy arrays" in _one_error_line(capsys)


def _npy_header_only(path, shape, extra=b""):
    with open(path, "wb") as f:
        np.lib.format.write_array_header_1_0(
            f, {"descr": "<f4", "fortran_order": False, "shape": shape}
        )
        f.write(extra)
    return str(path)


@pytest.fixture(scope="module")
def table_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("r6")
    data = _write(tmp / "t.csv", PLAIN)
    return _train(tmp, "tab", "--data", data, "--target", "kind"), tmp


def test_predict_on_npy_headers_that_promise_more_than_the_file_holds(table_run, tmp_path, capsys):
    run, _ = table_run
    out = tmp_path / "p.csv"
    for shape, extra, what in [
        (
            (10**7, 10**6),
            b"",
            "declares an array of shape (10000000, 1000000) float32, 40000000000000 bytes",
        ),
        ((1000, 2), b"\0" * 100, "but the file holds 100 bytes after the header"),
    ]:
        path = _npy_header_only(tmp_path / "h.npy", shape, extra)
        assert main(["predict", "--run", run, "--input", path, "--out", str(out)]) == 2
        assert what in _one_error_line(capsys)
    assert not out.exists()
    # a built-in model's predict reads .npy files with its own reader: the same check
    path = _npy_header_only(tmp_path / "h.npy", (10**9, 28, 28))
    with pytest.raises(
        ValueError, match=r"h.npy'.*declares an array of shape \(1000000000, 28, 28\)"
    ):
        read_images(path)


def test_predict_on_empty_and_odd_npy(table_run, tmp_path, capsys):
    run, _ = table_run
    out = tmp_path / "p.csv"
    ok = np.random.default_rng(1).normal(size=(3, 2))
    cases = {
        "empty": (
            np.zeros((0, 2), np.float32),
            2,
            "expected at least one sample, got x of shape (0, 2)",
        ),
        "strings": (np.array([["1", "2"]]), 2, "expected x of numbers shaped"),
        "wide": (
            np.zeros((3, 5), np.float32),
            2,
            "expected samples of shape 2 like the training data, got 5",
        ),
    }
    for name, (arr, code, message) in cases.items():
        np.save(tmp_path / f"{name}.npy", arr)
        assert main(["predict", "--run", run, "--input", str(tmp_path / f"{name}.npy"),
                     "--out", str(out)]) == code  # fmt: skip
        err = _one_error_line(capsys)
        assert f"{name}.npy'" in err and message in err
    # Fortran order, big-endian and int64 give the float32 C-order answers
    np.save(tmp_path / "ref.npy", ok.astype(np.float32))
    assert (
        main(["predict", "--run", run, "--input", str(tmp_path / "ref.npy"), "--out", str(out)])
        == 0
    )
    ref = _rows(out)
    for name, arr in {
        "f": np.asfortranarray(ok.astype(np.float32)),
        "be": ok.astype(">f4"),
    }.items():
        np.save(tmp_path / f"{name}.npy", arr)
        assert main(["predict", "--run", run, "--input", str(tmp_path / f"{name}.npy"),
                     "--out", str(out)]) == 0  # fmt: skip
        assert _rows(out) == ref


def test_predict_on_csv_variants_matches_the_plain_file(table_run, tmp_path, capsys):
    run, _ = table_run
    out = tmp_path / "p.csv"
    plain = "a,b\n0.1,2\n1.5,-1\n"
    assert (
        main(
            [
                "predict",
                "--run",
                run,
                "--input",
                _write(tmp_path / "n.csv", plain),
                "--out",
                str(out),
            ]
        )
        == 0
    )
    ref = _rows(out)
    for name, data in {
        "reordered": b"b,a\n2,0.1\n-1,1.5\n",
        "extra": b"zzz,a,b\n9,0.1,2\n9,1.5,-1\n",
        "utf16": plain.encode("utf-16-le"),
        "cr": plain.replace("\n", "\r").encode(),
        "semicolon": plain.replace(",", ";").encode(),
    }.items():  # fmt: skip
        assert main(["predict", "--run", run, "--input", _write(tmp_path / f"{name}.csv", data),
                     "--out", str(out)]) == 0  # fmt: skip
        assert _rows(out) == ref, name
    for name, data, message in [
        ("missing", "a\n1\n", "expected the training columns a, b; missing b"),
        ("gz", gzip.compress(plain.encode()), "got a gzip-compressed file"),
        ("text", "a,b\nfoo,2\n", "line 2, column 'a': expected a number, got 'foo'"),
    ]:
        before = out.read_bytes()
        assert main(["predict", "--run", run, "--input", _write(tmp_path / f"{name}.csv", data),
                     "--out", str(out)]) == 2  # fmt: skip
        assert f"{name}.csv'" in (err := _one_error_line(capsys)) and message in err
        assert out.read_bytes() == before  # the earlier output is left whole
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("p.csv")] == ["p.csv"]


def test_predict_with_a_checkpoint_of_an_image_model_on_a_table(table_run, tmp_path, capsys):
    _, tmp = table_run
    x = np.random.default_rng(0).normal(size=(30, 1, 8, 8)).astype(np.float32)
    img_run = _train(tmp, "img", "--data", _npz(tmp_path, "img.npz", x=x, y=Y))
    np.save(tmp_path / "rows.npy", np.zeros((3, 2), np.float32))
    ckpt = os.path.join(img_run, "best.safetensors")
    assert main(["predict", "--checkpoint", ckpt, "--input", str(tmp_path / "rows.npy"),
                 "--out", str(tmp_path / "p.csv")]) == 2  # fmt: skip
    assert (
        "rows.npy': expected samples of shape 1x8x8 like the training data, got 2"
        in _one_error_line(capsys)
    )
    assert main(["predict", "--checkpoint", ckpt, "--input", _write(tmp_path / "t.csv", "a,b\n1,2\n"),
                 "--out", str(tmp_path / "p.csv")]) == 2  # fmt: skip
    assert "t.csv': the model reads images; expected an image file" in _one_error_line(capsys)
    assert not (tmp_path / "p.csv").exists()


# ------------------------------------------------------------------ image folders
def test_image_folder_with_every_mode_hidden_files_and_upper_case_extensions(tmp_path):
    root = image_folder(str(tmp_path / "pets"), classes=("a", "b"), per_class=4)
    rng = np.random.default_rng(0)
    base = Image.fromarray(rng.integers(0, 255, (8, 8, 3), dtype=np.uint8))
    for mode, ext in (
        ("L", "PNG"),
        ("RGBA", "png"),
        ("P", "png"),
        ("CMYK", "JPG"),
        ("LA", "png"),
        ("1", "png"),
    ):
        base.convert(mode).save(os.path.join(root, "a", f"m{mode}.{ext}"))
    Image.fromarray(rng.integers(0, 65535, (8, 8)).astype(np.uint16)).save(
        os.path.join(root, "b", "i16.png")
    )
    write_image(
        os.path.join(root, "b", "deep", "deeper", "n.png"),
        rng.integers(0, 255, (8, 8), dtype=np.uint8),
    )
    for junk in (".DS_Store", "._m1.png", "readme.txt", "Thumbs.db"):
        with open(os.path.join(root, "a", junk), "wb") as f:
            f.write(b"\0\5junk")
    os.makedirs(os.path.join(root, ".git"))
    assert _dry(root) == 0


@pytest.mark.parametrize(
    "broken, message",
    [
        ("zero", r"z.png': not a readable PNG/JPEG image \(the file is empty: 0 bytes\)"),
        ("truncated-png", r"t.png': not a readable PNG/JPEG image \(image file is truncated"),
        ("truncated-jpg", r"j.jpg': not a readable PNG/JPEG image \(image file is truncated"),
        ("text-as-png", r"fake.png': not a readable PNG/JPEG image"),
    ],
)
def test_broken_images_exit_2_naming_the_file(tmp_path, capsys, broken, message):
    root = image_folder(str(tmp_path / "pets"), classes=("a", "b"))
    a = os.path.join(root, "a")
    if broken == "zero":
        open(os.path.join(a, "z.png"), "wb").close()
    elif broken == "truncated-png":
        data = open(os.path.join(a, "0.png"), "rb").read()
        open(os.path.join(a, "t.png"), "wb").write(data[: len(data) // 2])
    elif broken == "truncated-jpg":
        write_image(
            os.path.join(a, "j.jpg"),
            np.random.default_rng(0).integers(0, 255, (64, 64), dtype=np.uint8),
        )
        data = open(os.path.join(a, "j.jpg"), "rb").read()
        open(os.path.join(a, "j.jpg"), "wb").write(data[: len(data) // 2])
    else:
        open(os.path.join(a, "fake.png"), "w").write("not an image")
    assert _dry(root) == 2
    err = _one_error_line(capsys)
    assert re.search(message, err), err


def test_one_class_mixed_sizes_and_an_empty_folder(tmp_path, capsys):
    one = image_folder(str(tmp_path / "one"), classes=("only",))
    assert _dry(one) == 2
    assert (
        "one': expected at least 2 classes to learn, got 1 in the class folders (only)"
        in _one_error_line(capsys)
    )
    sizes = image_folder(str(tmp_path / "sizes"), classes=("a", "b"))
    write_image(os.path.join(sizes, "a", "big.png"), np.zeros((20, 30), np.uint8))
    assert _dry(sizes) == 2
    assert "the images differ in size (8x8 in" in _one_error_line(capsys)
    assert _dry(sizes, "--image-size", "8") == 0
    (tmp_path / "empty").mkdir()
    assert _dry(str(tmp_path / "empty")) == 2
    assert "expected one subfolder per class" in _one_error_line(capsys)
