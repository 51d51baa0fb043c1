"""``glassnet train/predict/explain --data`` on real-looking data: a Titanic-like CSV with text
columns, an ID and empty cells, and an image folder of mixed formats, modes and sizes."""

from __future__ import annotations

import csv
import os

import numpy as np
import pytest

from glassnet.cli import main
from glassnet.io import load_checkpoint, load_config
from tests.data.test_real_tables import titanic_rows, write_rows

Image = pytest.importorskip("PIL.Image")


def train(tmp_path, *args):
    return main(["train", "--runs-dir", str(tmp_path / "runs"), "--seed", "0", "--quiet", *args])


def rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_titanic_like_csv_trains_and_predicts_with_the_saved_encoding(tmp_path, capsys):
    header, train_rows = titanic_rows(400, seed=0)
    path = write_rows(tmp_path / "titanic.csv", header, train_rows)
    # the default still refuses the text column, and says which flag reads it
    assert train(tmp_path, "--data", path, "--target", "Survived", "--epochs", "1") == 2
    assert "--categorical Name one-hot encodes it" in capsys.readouterr().err
    assert train(tmp_path, "--data", path, "--target", "Survived", "--categorical", "auto",
                 "--missing", "mean", "--ignore", "PassengerId,Name", "--epochs", "15",
                 "--name", "titanic") == 0  # fmt: skip
    run = tmp_path / "runs" / "titanic"
    config = load_config(run / "config.toml")
    assert config["categorical"] == "auto" and config["missing"] == "mean"
    assert config["ignore"] == ["PassengerId", "Name"]
    assert config["dataset"]["categories"] == {"Sex": ["female", "male"], "Embarked": ["C", "Q", "S"]}
    extra = load_checkpoint(run / "best.safetensors", restore_rng=False)["extra"]
    assert extra["config"]["dataset"]["fill"] == config["dataset"]["fill"]

    # new passengers (another seed), without the target column and with unseen/missing values
    header2, new_rows = titanic_rows(200, seed=1)
    new_rows[0][7] = "X"  # an embarkation port training never saw: all zeros
    keep = [c for c in header2 if c != "Survived"]
    new = write_rows(tmp_path / "new.csv", keep, [[r[header2.index(c)] for c in keep] for r in new_rows])
    out = tmp_path / "pred.csv"
    assert main(["predict", "--run", str(run), "--input", new, "--out", str(out)]) == 0
    predicted = [int(r["class"]) for r in rows(out)]
    truth = [r[1] for r in new_rows]  # survived = female and class 1 or 2
    assert len(predicted) == 200 and np.mean(np.equal(predicted, truth)) >= 0.9

    assert main(["evaluate", "--run", str(run)]) == 0
    assert main(["explain", "--run", str(run), "--input", new, "--index", "3",
                 "--out", str(tmp_path / "e.png")]) == 0  # fmt: skip
    assert main(["summary", "--run", str(run)]) == 0


def test_table_options_as_toml_keys_and_their_usage_errors(tmp_path, capsys):
    header, train_rows = titanic_rows(60)
    path = write_rows(tmp_path / "titanic.csv", header, train_rows)
    conf = tmp_path / "c.toml"
    conf.write_text(
        f'data = "{path}"\ntarget = "Survived"\ncategorical = ["Sex", "Embarked"]\n'
        'missing = "drop"\nignore = ["PassengerId", "Name"]\nepochs = 1\n',
        encoding="utf-8",
    )
    assert train(tmp_path, "--config", str(conf), "--name", "toml") == 0
    dataset = load_config(tmp_path / "runs" / "toml" / "config.toml")["dataset"]
    assert dataset["columns"] == ["Pclass", "Sex", "Age", "Fare", "Embarked"]
    assert dataset["missing"] == "drop"
    capsys.readouterr()

    for args, message in [
        (["--missing", "zero"], "--missing: expected one of error, mean, drop, got 'zero'"),
        (["--categorical", ","], "--categorical: expected auto or comma-separated column names"),
        (["--ignore", "Name,Name"], "--ignore: expected each column once, got Name twice"),
        (["--ignore", "Nom"], "no column 'Nom' to ignore (--ignore)"),
    ]:
        assert train(tmp_path, "--data", path, "--target", "Survived", *args) == 2
        assert message in capsys.readouterr().err
    assert train(tmp_path, "--data", "fashion-mnist-sample", "--missing", "mean") == 2
    assert "--missing: applies to your own data (--data PATH)" in capsys.readouterr().err


def _mixed_folder(root):
    """Red and blue images in every format and mode a user's folder may hold."""
    rng = np.random.default_rng(0)
    for name, colour in (("red", (220, 30, 30)), ("blue", (30, 30, 220))):
        d = os.path.join(root, name)
        os.makedirs(os.path.join(d, "2024"), exist_ok=True)
        for k in range(3):
            a = np.clip(np.array(colour) + rng.integers(-20, 20, (12 + k, 14, 3)), 0, 255)
            img = Image.fromarray(a.astype(np.uint8))
            img.save(os.path.join(d, f"a{k}.PNG"))
            img.convert("P").save(os.path.join(d, f"p{k}.png"))
            img.convert("RGBA").save(os.path.join(d, f"rgba{k}.png"))
            img.convert("CMYK").save(os.path.join(d, f"c{k}.jpg"))
            img.save(os.path.join(d, f"prog{k}.JPEG"), progressive=True)
            img.save(os.path.join(d, f"b{k}.bmp"))
            img.save(os.path.join(d, f"g{k}.gif"))
            img.save(os.path.join(d, f"t{k}.tiff"))
            img.save(os.path.join(d, f"w{k}.webp"))
            exif = Image.Exif()
            exif[0x0112] = 6
            img.save(os.path.join(d, "2024", f"e{k}.jpg"), exif=exif)
        for junk in (".DS_Store", "Thumbs.db", "._a0.PNG", "notes.txt"):
            with open(os.path.join(d, junk), "wb") as f:
                f.write(b"\0\1junk")
    os.makedirs(os.path.join(root, "__MACOSX", "red"))
    return root


def test_mixed_image_folder_trains_and_predicts(tmp_path, capsys):
    root = _mixed_folder(str(tmp_path / "colours"))
    assert train(tmp_path, "--data", root, "--image-size", "12", "--epochs", "6",
                 "--batch-size", "8", "--name", "mixed") == 0  # fmt: skip
    run = tmp_path / "runs" / "mixed"
    config = load_config(run / "config.toml")
    assert config["dataset"]["classes"] == ["blue", "red"]  # no __MACOSX class
    assert config["run"]["train_samples"] + config["run"]["val_samples"] + config["run"]["test_samples"] == 60
    out = tmp_path / "p.csv"
    assert main(["predict", "--run", str(run), "--input", root, "--out", str(out)]) == 0
    got = rows(out)
    assert len(got) == 60
    right = [r["class"] == r["file"].split(os.sep)[0] for r in got]
    assert np.mean(right) >= 0.9
    assert main(["explain", "--run", str(run), "--input", os.path.join(root, "red", "w0.webp"),
                 "--out", str(tmp_path / "e.png")]) == 0  # fmt: skip
