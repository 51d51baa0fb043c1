"""``glassnet train/evaluate/predict/explain --data PATH``: image folders, .npz and .csv from the shell."""

from __future__ import annotations

import csv
import os

import numpy as np
import pytest

from glassnet.cli import main
from glassnet.io import load_checkpoint, load_config
from tests.data.test_sources import image_folder, write_csv

pytest.importorskip("PIL.Image")


def train(tmp_path, *args):
    return main(["train", "--epochs", "2", "--runs-dir", str(tmp_path / "runs"), "--seed", "0",
                 "--quiet", *args])  # fmt: skip


def rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def table_csv(tmp_path, n=80):
    """Two informative features and one noise column; string classes."""
    rng = np.random.default_rng(0)
    lines = ["height,weight,noise,animal"]
    for i in range(n):
        k = i % 3
        lines.append(
            f"{k * 4 + rng.normal():.3f},{10 - 4 * k + rng.normal():.3f},{rng.normal():.3f},{'cat dog eel'.split()[k]}"
        )
    return write_csv(tmp_path / "animals.csv", "\n".join(lines) + "\n")


def test_image_folder_trains_the_small_cnn_and_predicts_class_names(tmp_path, capsys):
    root = image_folder(str(tmp_path / "pets"), per_class=8, rgb=True)
    assert train(tmp_path, "--data", root, "--name", "pets", "--batch-size", "8") == 0
    out = capsys.readouterr().out
    assert "Training small-cnn" in out and "18 train / 1 validation / 5 test images" in out
    run = tmp_path / "runs" / "pets"
    config = load_config(run / "config.toml")
    assert config["model"] == "small-cnn"
    assert config["dataset"]["classes"] == ["cat", "dog", "eel"]
    assert config["dataset"]["input_shape"] == [3, 8, 8]
    extra = load_checkpoint(run / "best.safetensors", restore_rng=False)["extra"]
    assert extra["config"]["dataset"]["classes"] == ["cat", "dog", "eel"]

    assert main(["predict", "--run", str(run), "--input", os.path.join(root, "dog"),
                 "--out", str(tmp_path / "p.csv")]) == 0  # fmt: skip
    got = rows(tmp_path / "p.csv")
    assert len(got) == 8 and {r["class"] for r in got} <= {"cat", "dog", "eel"}
    assert main(["evaluate", "--run", str(run)]) == 0
    out = capsys.readouterr().out
    assert f"Data: {root}, test split, 5 images" in out


def test_csv_trains_an_mlp_to_high_accuracy(tmp_path, capsys):
    path = table_csv(tmp_path)
    code = train(tmp_path, "--data", path, "--target", "animal", "--name", "t", "--epochs", "40",
                 "--batch-size", "16", "--lr", "0.01")  # fmt: skip
    assert code == 0
    out = capsys.readouterr().out
    assert "Training mlp" in out and "58 train / 6 validation / 16 test rows" in out
    acc = float(out.split("Test accuracy: ")[1].split()[0])
    assert acc >= 0.9
    config = load_config(tmp_path / "runs" / "t" / "config.toml")
    assert config["dataset"]["feature_names"] == ["height", "weight", "noise"]
    assert len(config["dataset"]["mean"]) == 3 and config["target"] == "animal"
    new = write_csv(tmp_path / "new.csv", "noise,weight,height\n0,10,0\n0,2,8\n")
    assert main(["predict", "--run", str(tmp_path / "runs" / "t"), "--input", new,
                 "--out", str(tmp_path / "p.csv")]) == 0  # fmt: skip
    assert [r["class"] for r in rows(tmp_path / "p.csv")] == ["cat", "eel"]


def test_npz_with_explicit_model(tmp_path, capsys):
    rng = np.random.default_rng(0)
    y = np.arange(60) % 2
    x = rng.normal(size=(60, 1, 8, 8)).astype(np.float32) * 0.1
    x[y == 1, :, :4] += 1
    np.savez(tmp_path / "d.npz", x=x, y=y)
    assert train(tmp_path, "--data", str(tmp_path / "d.npz"), "--model", "mlp", "--name", "n") == 0
    assert "Training mlp" in capsys.readouterr().out
    config = load_config(tmp_path / "runs" / "n" / "config.toml")
    assert config["dataset"]["input_shape"] == [1, 8, 8]


@pytest.mark.parametrize(
    "make, args, message",
    [
        (lambda p: table_csv(p), ["--target", "colour"], "no column 'colour' for the target"),
        (lambda p: table_csv(p), [], r"needs the class column named \(--target COLUMN\)"),
        (lambda p: write_csv(p / "m.csv", "a,c\n1,x\n,y\n"), ["--target", "c"], "line 3, column 'a': missing value"),
        (lambda p: str(p / "nothing-here"), [], "or an image folder, .npz or .csv file, got"),
        (lambda p: write_csv(p / "l.csv", "\xe9,c\n1,x\n2,y\n", "latin-1"), ["--target", "c"], "l.csv': expected UTF-8 text, got byte 0xe9"),
        (lambda p: write_csv(p / "h.csv", "1,2,x\n3,4,y\n"), ["--target", "2"], "h.csv': the first row looks like data"),
        (lambda p: table_csv(p), ["--target", "animal", "--model", "seed-cnn"], "--model: model 'seed-cnn' reads images"),
        (lambda p: table_csv(p), ["--target", "animal", "--augment"], "--augment: shifts and flips images"),
    ],
)  # fmt: skip
def test_bad_data_exits_2_with_one_line(tmp_path, capsys, make, args, message):
    assert train(tmp_path, "--data", make(tmp_path), *args) == 2
    err = capsys.readouterr().err
    assert err.startswith("glassnet: error: ") and err.count("\n") == 1
    assert __import__("re").search(message, err), err


def test_empty_class_folder_and_corrupt_image_exit_2(tmp_path, capsys):
    root = image_folder(str(tmp_path / "p"))
    os.makedirs(tmp_path / "p" / "fox")
    assert train(tmp_path, "--data", root) == 2
    assert "fox' : class folder holds no" in capsys.readouterr().err.replace("':", "' :")
    os.rmdir(tmp_path / "p" / "fox")
    (tmp_path / "p" / "cat" / "x.jpg").write_bytes(b"\xff\xd8\xff garbage")
    assert train(tmp_path, "--data", root) == 2
    assert "x.jpg': not a readable PNG/JPEG image" in capsys.readouterr().err


def test_target_on_a_builtin_data_set_is_refused(tmp_path, capsys):
    assert train(tmp_path, "--data", "fashion-mnist-sample", "--target", "x") == 2
    assert "--target: applies to your own data" in capsys.readouterr().err


def test_own_data_gets_a_cosine_schedule_by_default(tmp_path):
    from glassnet.cli.pipeline import OWN_DATA_SCHEDULE, complete_config

    path = table_csv(tmp_path)
    assert OWN_DATA_SCHEDULE == "cosine"
    own = complete_config({"data": path, "target": "animal", "seed": 0})
    assert own.schedule == "cosine" and own.batch_size == 32
    assert complete_config({"data": path, "target": "animal", "schedule": "none"}).schedule == "none"
    builtin = complete_config({"data": "fashion-mnist-sample", "seed": 0})
    assert builtin.schedule == "none" and builtin.batch_size == 128
    assert train(tmp_path, "--data", path, "--target", "animal", "--name", "c") == 0
    assert load_config(tmp_path / "runs" / "c" / "config.toml")["schedule"] == "cosine"
