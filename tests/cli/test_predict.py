"""``glassnet predict``: a trained model's classes for images from a .npy or IDX file, as a CSV."""

from __future__ import annotations

import csv
import os

import numpy as np
import pytest

import glassnet as gn
from glassnet.cli.main import main
from glassnet.cli.predict import read_images
from glassnet.data.datasets import FASHION_MNIST_CLASSES, fashion_mnist
from glassnet.data.idx import write_idx
from glassnet.models import build_model
from glassnet.models.registry import to_layout
from glassnet.train.runs import RunFolder

#: Dropout > 0, so predictions made in training mode would differ from the expected ones.
CONFIG = {"model": "mlp", "data": "fashion-mnist-sample", "hidden": [16], "dropout": 0.5}
N = 40


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """A run folder with an untrained MLP (no training: the test checks the plumbing)."""
    gn.manual_seed(0)
    folder = RunFolder.create(tmp_path_factory.mktemp("runs"), "tiny")
    folder.write_config(CONFIG)
    model = build_model("mlp", num_classes=10, hidden=[16], dropout=0.5)
    folder.save_checkpoint("best", model=model, epoch=2, config=CONFIG)
    return folder.path, model


@pytest.fixture(scope="module")
def images() -> np.ndarray:
    """``N`` test images of the embedded sample, uint8 ``(N, 28, 28)``."""
    x, _ = fashion_mnist("test", sample=True, dtype=np.uint8)
    return x[:N, 0]


def expected_logits(model, images: np.ndarray, layout: str = "flat") -> np.ndarray:
    x = images.reshape(len(images), 1, 28, 28).astype(np.float32) * np.float32(1 / 255)
    model.eval()
    with gn.no_grad():
        return model(gn.Tensor(to_layout(x, layout))).numpy()


def read_csv(path) -> tuple[list[str], list[list[str]]]:
    with open(path, newline="", encoding="utf-8") as f:
        header, *rows = csv.reader(f)
    return header, rows


def predict(capsys, run_dir: str, *args: str) -> tuple[int, str, str]:
    status = main(["predict", "--run", run_dir, *args])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


# -------------------------------------------------------------------- inputs
@pytest.mark.parametrize(
    "kind",
    ["uint8 (N, 28, 28)", "uint8 (N, 1, 28, 28)", "float32 (N, 28, 28)",
     "float64 (N, 1, 28, 28)", "float32 (N, 784)"],
)  # fmt: skip
def test_npy_predictions_are_the_models_argmax(run, images, tmp_path, monkeypatch, capsys, kind):
    run_dir, model = run
    dtype, shape = kind.split(" ", 1)
    dims = tuple(N if d == "N" else int(d) for d in shape.strip("()").split(", "))
    x = images.reshape(dims)
    if dtype != "uint8":  # exactly the values the model sees for uint8 input
        x = (x.astype(np.float32) * np.float32(1 / 255)).astype(dtype)
    np.save(tmp_path / "images.npy", x)
    monkeypatch.chdir(tmp_path)

    status, out, err = predict(capsys, run_dir, "--input", "images.npy", "--batch-size", "16")
    assert status == 0, err
    # issue 18: the default --out is predictions.csv in the run's folder, not the working one
    header, rows = read_csv(os.path.join(run_dir, "predictions.csv"))
    assert header == ["index", "predicted", "class", "probability"]
    logits = expected_logits(model, images)
    want = logits.argmax(axis=1)
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    assert [int(r[0]) for r in rows] == list(range(N))
    assert [int(r[1]) for r in rows] == want.tolist()
    assert [r[2] for r in rows] == [FASHION_MNIST_CLASSES[c] for c in want]
    np.testing.assert_allclose([float(r[3]) for r in rows], p.max(axis=1), atol=2e-6)

    lines = out.splitlines()
    assert lines[0] == f"Model: mlp from {os.path.join(run_dir, 'best.safetensors')} (epoch 2)"
    assert lines[1].startswith(f"Input: images.npy, {N} images ({dtype} {x.shape}, ")
    counts = np.bincount(want, minlength=10)
    assert lines[2] == "Predicted: " + ", ".join(
        f"{FASHION_MNIST_CLASSES[c]} {k}" for c, k in enumerate(counts) if k
    )
    assert lines[3] == f"Wrote {os.path.join(run_dir, 'predictions.csv')}" and len(lines) == 4
    assert not (tmp_path / "predictions.csv").exists()


@pytest.mark.parametrize("name", ["t10k-images-idx3-ubyte", "t10k-images-idx3-ubyte.gz"])
def test_idx_input_gives_the_same_predictions(run, images, tmp_path, capsys, name):
    run_dir, model = run
    write_idx(tmp_path / name, images)
    out_csv = tmp_path / "p.csv"
    status, out, err = predict(
        capsys, run_dir, "--input", str(tmp_path / name), "--out", str(out_csv)
    )
    assert status == 0, err
    _, rows = read_csv(out_csv)
    assert [int(r[1]) for r in rows] == expected_logits(model, images).argmax(axis=1).tolist()
    assert f"{N} images (uint8 ({N}, 28, 28), scaled by 1/255)" in out
    assert out.splitlines()[-1] == f"Wrote {out_csv}"
    x, _ = read_images(str(tmp_path / name))
    want, _ = fashion_mnist("test", sample=True)  # float32, scaled as the data sets are
    np.testing.assert_array_equal(x, want[:N])


def test_idx_bytes_by_hand(tmp_path):
    """The IDX layout itself: magic 0x00000803, then the dims as big-endian uint32."""
    pixels = np.arange(2 * 28 * 28, dtype=np.uint32).astype(np.uint8).reshape(2, 28, 28)
    path = tmp_path / "mine-images-idx3-ubyte"
    path.write_bytes(
        bytes([0, 0, 8, 3]) + (2).to_bytes(4, "big") + (28).to_bytes(4, "big") * 2
        + pixels.tobytes()
    )  # fmt: skip
    x, description = read_images(str(path))
    assert x.shape == (2, 1, 28, 28) and x.dtype == np.float32
    np.testing.assert_array_equal(x[:, 0], pixels.astype(np.float32) * np.float32(1 / 255))
    assert description == "uint8 (2, 28, 28), scaled by 1/255"


def test_threads_give_the_same_csv(run, images, tmp_path, monkeypatch, capsys):
    """--threads 2 slices each batch over two threads (nn.DataParallel): the same predictions."""
    monkeypatch.chdir(tmp_path)
    np.save("images.npy", images)
    csvs = []
    for threads in ("1", "2"):
        status, _, err = predict(capsys, run[0], "--input", "images.npy", "--threads", threads,
                                 "--out", f"p{threads}.csv")  # fmt: skip
        assert status == 0, err
        csvs.append(read_csv(tmp_path / f"p{threads}.csv"))
    (h1, r1), (h2, r2) = csvs
    assert h1 == h2 and [r[:3] for r in r1] == [r[:3] for r in r2]
    np.testing.assert_allclose([float(r[3]) for r in r1], [float(r[3]) for r in r2], atol=1e-6)


def test_top_k_columns(run, images, tmp_path, capsys):
    run_dir, model = run
    np.save(tmp_path / "images.npy", images)
    out_csv = tmp_path / "top.csv"
    status, _, err = predict(
        capsys, run_dir, "--input", str(tmp_path / "images.npy"), "--out", str(out_csv),
        "--top-k", "3",
    )  # fmt: skip
    assert status == 0, err
    header, rows = read_csv(out_csv)
    assert header == [
        "index", "predicted", "class", "probability",
        "top2_class", "top2_probability", "top3_class", "top3_probability",
    ]  # fmt: skip
    order = np.argsort(-expected_logits(model, images), axis=1, kind="stable")[:, :3]
    names = np.array(FASHION_MNIST_CLASSES)
    assert [[r[2], r[4], r[6]] for r in rows] == names[order].tolist()
    for r in rows:
        p = [float(r[3]), float(r[5]), float(r[7])]
        assert p == sorted(p, reverse=True) and 0 < sum(p) <= 1 + 1e-5


def test_rows_layout_and_checkpoint_file(images, tmp_path, capsys):
    """A sequence model (rows layout), read through --checkpoint."""
    config = {"model": "lstm-attn", "data": "fashion-mnist-sample", "hidden": [8]}
    gn.manual_seed(1)
    model = build_model("lstm-attn", num_classes=10, hidden=[8])
    folder = RunFolder.create(tmp_path, "rows")
    folder.write_config(config)
    ckpt = folder.save_checkpoint("last", model=model, epoch=1, config=config)
    np.save(tmp_path / "images.npy", images[:8])
    out_csv = tmp_path / "rows.csv"
    status = main([
        "predict", "--checkpoint", ckpt, "--input", str(tmp_path / "images.npy"),
        "--out", str(out_csv),
    ])  # fmt: skip
    assert status == 0, capsys.readouterr().err
    _, rows = read_csv(out_csv)
    want = expected_logits(model, images[:8], "rows").argmax(axis=1)
    assert [int(r[1]) for r in rows] == want.tolist()
    assert capsys.readouterr().out.startswith(f"Model: lstm-attn from {ckpt} (epoch 1)")


# -------------------------------------------------------------------- errors
def _nan_images() -> np.ndarray:
    x = np.full((3, 28, 28), 0.5, dtype=np.float32)
    x[1, 4, 4] = np.nan
    return x


BAD_INPUTS = [
    ("missing.npy", None, 2, "--input: 'missing.npy' does not exist"),
    ("images.png", b"\x89PNG", 2,
     "--input: 'images.png': unknown file type; expected a .npy file or an IDX image file "
     "(*-images-idx3-ubyte, optionally .gz)"),
    ("big.npy", np.zeros((2, 32, 32), np.uint8), 2,
     "--input: 'big.npy': expected images of shape (N, 28, 28), (N, 1, 28, 28) or (N, 784), "
     "got shape (2, 32, 32)"),
    ("flat.npy", np.zeros((2, 785), np.float32), 2,
     "expected images of shape (N, 28, 28), (N, 1, 28, 28) or (N, 784), got shape (2, 785)"),
    ("rgb.npy", np.zeros((2, 3, 28, 28), np.uint8), 2, "got shape (2, 3, 28, 28)"),
    ("empty.npy", np.zeros((0, 28, 28), np.uint8), 2,
     "--input: 'empty.npy': expected at least one image, got an empty array (uint8 (0, 28, 28))"),
    ("nan.npy", _nan_images(), 2,
     "--input: 'nan.npy': expected finite values, got 1 NaN value(s) (first in image 1)"),
    ("raw.npy", np.full((2, 784), 255.0), 2,
     "--input: 'raw.npy': expected float values in [0, 1] like the training data, got values "
     "in [255, 255] (divide by 255, or pass uint8 0..255)"),
    ("ints.npy", np.zeros((2, 28, 28), np.int64), 2,
     "--input: 'ints.npy': expected uint8 (0..255) or float (0..1) images, got dtype int64"),
    ("text.npy", b"not numpy", 2,
     "--input: 'text.npy': expected a .npy file (written by numpy.save), got no .npy header"),
    ("bad-images-idx3-ubyte", b"\x00\x00\x08\x03\x00", 2,
     "--input: 'bad-images-idx3-ubyte' is not a valid IDX file: the file ends inside the dimensions"),
    ("t10k-labels-idx1-ubyte", np.zeros(5, np.uint8), 2, "got shape (5,)"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "content", "status", "message"), BAD_INPUTS)
def test_bad_input_is_one_line_and_writes_nothing(
    run, tmp_path, monkeypatch, capsys, name, content, status, message
):
    monkeypatch.chdir(tmp_path)
    if isinstance(content, bytes):
        (tmp_path / name).write_bytes(content)
    elif isinstance(content, np.ndarray):
        if "idx" in name:
            write_idx(name, content)
        else:
            np.save(name, content)
    (tmp_path / "old.csv").write_text("kept\n")
    before = sorted(os.listdir(tmp_path))

    got, out, err = predict(capsys, run[0], "--input", name, "--out", "old.csv")
    assert got == status
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("glassnet: error: "), err
    assert message in lines[0]
    assert sorted(os.listdir(tmp_path)) == before  # no CSV, no temporary file
    assert (tmp_path / "old.csv").read_text() == "kept\n"


@pytest.mark.parametrize(
    ("args", "status", "message"),
    [
        (["--top-k", "0"], 2, "--top-k: must be a positive integer, got '0'"),
        (["--top-k", "11"], 2, "--top-k: the model has 10 classes, so at most 10, got 11"),
        (["--batch-size", "x"], 2, "--batch-size: expected an integer, got 'x'"),
        (["--out", "nope/p.csv"], 2, "--out: 'nope/p.csv': folder 'nope' does not exist"),
        (["--out", "."], 2, "--out: '.' is a folder; expected a CSV file name"),
        (["--out", "images.npy"], 2, "--out: 'images.npy' is the --input file"),
        (["--which", "last"], 2, "tiny' has no last.safetensors"),
        (["--threads", "0"], 2, "--threads: must be a positive integer, got '0'"),
    ],
)
def test_bad_options(run, images, tmp_path, monkeypatch, capsys, args, status, message):
    monkeypatch.chdir(tmp_path)
    np.save("images.npy", images)
    got, _, err = predict(capsys, run[0], "--input", "images.npy", *args)
    assert got == status
    assert err.startswith("glassnet: error: ") and err.count("\n") == 1
    assert message in err
    assert sorted(os.listdir(tmp_path)) == ["images.npy"]


def test_missing_run_folder_is_named_as_such(images, tmp_path, monkeypatch, capsys):
    # the default --out lies in the run folder: its check used to come first and blame --out
    monkeypatch.chdir(tmp_path)
    np.save("images.npy", images)
    got, _, err = predict(capsys, "runs/nope", "--input", "images.npy")
    assert got == 2
    assert err == "glassnet: error: --run: run folder 'runs/nope' does not exist\n"


def test_help_lists_predict(capsys):
    assert main(["--help"]) == 0
    assert "predict" in capsys.readouterr().out
    assert main(["predict", "--help"]) == 0
    text = capsys.readouterr().out
    for flag in ("--run", "--checkpoint", "--which", "--input", "--out", "--batch-size", "--top-k"):
        assert flag in text
    assert "--data" not in text
