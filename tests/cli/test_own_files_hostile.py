"""summary, lr-find, predict, evaluate, explain and --dry-run on files the team had not seen.

Each case failed before its fix: ``summary --config`` ignored the config's own
data, ``predict`` refused labels it does not need and dropped images in
subfolders, ``.npz`` files with the names training accepts were refused,
``explain`` crashed on a table without column names and took no class names,
``lr-find`` printed a nan suggestion with exit 0, and ``--dry-run`` passed data
whose loss is NaN or too small for a validation split.
"""

from __future__ import annotations

import csv
import os

import numpy as np
import pytest

from glassnet.cli import main
from tests.data.test_sources import image_folder, write_csv, write_image

pytest.importorskip("PIL.Image")


def _train(tmp_path, name, *args):
    code = main(["train", "--epochs", "1", "--runs-dir", str(tmp_path / "runs"), "--seed", "0",
                 "--quiet", "--diagnostics", "0", "--name", name, *args])  # fmt: skip
    assert code == 0
    return str(tmp_path / "runs" / name)


def _rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def _table(tmp_path, n=40):
    rng = np.random.default_rng(0)
    lines = ["a;b;c;kind"]
    for i in range(n):
        v = rng.normal(size=3) + (i % 2) * 2
        lines.append(";".join(f"{x:.3f}".replace(".", ",") for x in v) + f";{'xy'[i % 2]}")
    return write_csv(tmp_path / "semi.csv", "\n".join(lines) + "\n")


def test_summary_of_a_config_on_own_data_builds_the_model_train_builds(tmp_path, capsys):
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'data = "{_table(tmp_path)}"\ntarget = "-1"\n')
    assert main(["summary", "--config", str(cfg)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("MLP, input [1, 3]") and "[1, 2]" in out  # 3 features, 2 classes
    root = image_folder(str(tmp_path / "pets"), size=(12, 12))
    cfg.write_text(f'data = "{root}"\n')
    assert main(["summary", "--config", str(cfg)]) == 0
    assert capsys.readouterr().out.startswith("Sequential, input [1, 1, 12, 12]")  # small-cnn


def test_predict_ignores_labels_and_names_every_image_file(tmp_path, capsys):
    run = _train(tmp_path, "pets", "--data", image_folder(str(tmp_path / "pets")))
    new = tmp_path / "new"
    for name in ("loose.png", "horse/1.png"):  # a class the model never saw
        write_image(str(new / name), np.full((8, 8), 99, np.uint8))
    out = tmp_path / "p.csv"
    assert main(["predict", "--run", run, "--input", str(new), "--out", str(out)]) == 0
    got = _rows(out)
    assert [r["file"] for r in got] == ["horse/1.png", "loose.png"]
    png = str(tmp_path / "e.png")  # explain --input numbers the samples as predict's CSV does
    assert main(["explain", "--run", run, "--input", str(new), "--index", "1", "--out", png]) == 0
    assert f"sample 1 of {new} (predicted: {got[1]['class']})" in capsys.readouterr().out
    assert main(["evaluate", "--run", run, "--data", str(new)]) == 2  # labels needed there
    assert "has no class labels to evaluate against" in capsys.readouterr().err


def test_predict_and_evaluate_npz_and_csv_of_a_semicolon_table(tmp_path, capsys):
    run = _train(tmp_path, "t", "--data", _table(tmp_path), "--target", "-1")
    x = np.array([[0.1, 0.2, 0.3], [2.0, 2.1, 2.2]], np.float32)
    np.savez(tmp_path / "new.npz", X=x)
    out = tmp_path / "p.csv"
    assert main(["predict", "--run", run, "--input", str(tmp_path / "new.npz"),
                 "--out", str(out)]) == 0  # fmt: skip
    from_npz = [r["probability"] for r in _rows(out)]
    new = write_csv(tmp_path / "new.csv", "c,kind,b,a\n0.3,unknown,0.2,0.1\n2.2,,2.1,2.0\n")
    assert main(["predict", "--run", run, "--input", new, "--out", str(out)]) == 0
    assert [r["probability"] for r in _rows(out)] == from_npz  # columns by name, labels unread
    np.savez(tmp_path / "lab.npz", X=x, Y=np.array(["x", "y"]))
    assert main(["evaluate", "--run", run, "--data", str(tmp_path / "lab.npz")]) == 0
    assert "all samples, 2 rows" in capsys.readouterr().out


def test_explain_a_table_without_column_names_and_a_class_by_name(tmp_path, capsys):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(30, 3)).astype(np.float32)
    np.savez(tmp_path / "t.npz", x=x, y=np.where(x[:, 0] > 0, "up", "down"))
    run = _train(tmp_path, "n", "--data", str(tmp_path / "t.npz"))
    png = tmp_path / "e.png"
    code = main(["explain", "--run", run, "--method", "ablation", "--target", "up",
                 "--out", str(png)])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    assert "for class up with ablation" in capsys.readouterr().out
    assert main(["explain", "--run", run, "--target", "sideways", "--out", str(png)]) == 2
    assert "got sideways (or a class name: down, up)" in capsys.readouterr().err


def test_lr_find_without_a_suggestion_exits_1_and_nan_data_leaves_no_folder(tmp_path, capsys):
    data = _table(tmp_path)
    out = tmp_path / "lrf"
    args = ["lr-find", "--data", data, "--target", "kind", "--optimizer", "sgd", "--seed", "0"]
    assert main([*args, "--start-lr", "1e6", "--end-lr", "1e14", "--steps", "10",
                 "--out", str(out)]) == 1  # fmt: skip
    printed = capsys.readouterr()
    assert "suggested learning rate: none" in printed.out and "nan" not in printed.out
    assert (out / "lr_find.csv").is_file()
    huge = tmp_path / "huge.npz"
    np.savez(huge, x=np.full((20, 1, 4, 4), 3e38, np.float32), y=np.arange(20) % 2)
    assert main(["lr-find", "--data", str(huge), "--steps", "5", "--out", str(tmp_path / "h")]) == 1
    assert "before any update" in capsys.readouterr().err
    assert not os.path.exists(tmp_path / "h")


def test_dry_run_splits_as_train_and_checks_the_loss(tmp_path, capsys):
    data = _table(tmp_path)
    assert main(["train", "--data", data, "--target", "kind", "--dry-run"]) == 0
    assert "semi.csv: 29 train / 3 validation / 8 test rows of 3" in capsys.readouterr().out
    tiny = write_csv(tmp_path / "tiny.csv", "a,kind\n1,x\n2,y\n")
    runs = tmp_path / "runs"
    for extra in (["--dry-run"], ["--runs-dir", str(runs)]):
        assert main(["train", "--data", tiny, "--target", "kind", *extra]) == 2
        assert "too few to hold out a validation split" in capsys.readouterr().err
    assert not runs.exists()  # refused before the run folder
    huge = tmp_path / "huge.npz"
    np.savez(huge, x=np.full((20, 1, 4, 4), 3e38, np.float32), y=np.arange(20) % 2)
    assert main(["train", "--data", str(huge), "--dry-run"]) == 1
    assert "dry run: the loss of two training samples is nan" in capsys.readouterr().err
