"""``glassnet`` commands on hostile files and values: exit status 2, a message naming the
file or option, and nothing half-written left on disk."""

from __future__ import annotations

import csv
import os

import numpy as np
import pytest

from glassnet.cli import main
from glassnet.io import load_config
from glassnet.train.runs import RunFolder


def run(capsys, *args):
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


def train_args(tmp_path, *args):
    return ("train", "--epochs", "2", "--runs-dir", str(tmp_path / "runs"), "--seed", "0",
            "--quiet", "--name", "R", *args)  # fmt: skip


def numeric_label_csv(path, n=40):
    """A ';' table with decimal commas, a BOM, CRLF, the class first, spelled as 0 / 1,0 / 1."""
    rng = np.random.default_rng(0)
    lines = ["\ufeffkind;w;h"]
    for i in range(n):
        k = i % 2
        label = "0" if k == 0 else ("1,0" if i % 4 == 1 else "1")
        features = f"{k * 3 + rng.normal():.2f};{rng.normal():.2f}".replace(".", ",")
        lines.append(f"{label};{features}")
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    return str(path)


def test_numeric_labels_train_and_predict_as_two_classes(tmp_path, capsys):
    data = numeric_label_csv(tmp_path / "t.csv")
    status, _, err = run(capsys, *train_args(tmp_path, "--data", data, "--target", "kind"))
    assert status == 0, err
    new = tmp_path / "new.csv"
    new.write_text("h;w;kind\n0,1;3,2;1.0\n0;-0,5;0,0\n", encoding="utf-8")
    out_csv = str(tmp_path / "p.csv")
    run_dir = str(tmp_path / "runs" / "R")
    status, _, err = run(capsys, "predict", "--run", run_dir, "--input", str(new), "--out", out_csv)
    assert status == 0, err
    with open(out_csv, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 2 and {r["class"] for r in rows} <= {"0", "1"}
    assert load_config(os.path.join(run_dir, "config.toml"))["dataset"]["classes"] == ["0", "1"]
    status, out, err = run(capsys, "evaluate", "--run", run_dir, "--data", str(new))
    assert status == 0, err  # the labels 1.0 and 0,0 are the classes 1 and 0
    assert "Data: " in out and "2 rows" in out


@pytest.mark.parametrize(
    ("extra", "toml", "message"),
    [
        (("--epochs", "99999999999999999999"), None,
         "--epochs: expected an integer of at most 2**63 - 1"),
        ((), "seed = 99999999999999999999\n", "key 'seed': expected an integer of at most 2**63 - 1"),
        ((), "hidden = [99999999999999999999]\n", "key 'hidden': expected comma-separated"),
    ],
)  # fmt: skip
def test_integers_a_config_cannot_hold_are_usage_errors(tmp_path, capsys, extra, toml, message):
    data = numeric_label_csv(tmp_path / "t.csv")
    args = [*train_args(tmp_path, "--data", data, "--target", "kind"), *extra]
    if toml is not None:
        (tmp_path / "c.toml").write_text(toml)
        args += ["--config", str(tmp_path / "c.toml")]
    status, _, err = run(capsys, *args)
    assert status == 2, err
    assert message in err and len(err.splitlines()) == 1
    assert not (tmp_path / "runs").exists() or os.listdir(tmp_path / "runs") == []


def test_a_config_that_is_a_folder_is_named_as_one(tmp_path, capsys):
    status, _, err = run(capsys, "train", "--config", str(tmp_path), "--dry-run")
    assert status == 2
    assert err == f"glassnet: error: --config: expected a TOML file, got the folder {str(tmp_path)!r}\n"


def test_a_run_folder_whose_config_cannot_be_written_is_removed(tmp_path, capsys, monkeypatch):
    data = numeric_label_csv(tmp_path / "t.csv")

    def fail(self, record):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(RunFolder, "write_config", fail)
    status, _, err = run(capsys, *train_args(tmp_path, "--data", data, "--target", "kind"))
    assert status == 1 and "Permission denied" in err
    assert os.listdir(tmp_path / "runs") == []


@pytest.mark.parametrize("change", ["classes", "values"])
def test_resume_refuses_data_that_changed_since_the_run_started(tmp_path, capsys, change):
    data = numeric_label_csv(tmp_path / "t.csv")
    status, _, err = run(capsys, *train_args(tmp_path, "--data", data, "--target", "kind"))
    assert status == 0, err
    run_dir = tmp_path / "runs" / "R"
    before = (run_dir / "config.toml").read_bytes()
    text = (tmp_path / "t.csv").read_bytes().decode("utf-8")
    lines = text.split("\r\n")
    if change == "classes":
        lines[1] = "2" + lines[1][1:]
    else:
        lines[1] = lines[1].split(";")[0] + ";99;0"
    (tmp_path / "t.csv").write_text("\r\n".join(lines), encoding="utf-8")
    status, _, err = run(capsys, "train", "--resume", str(run_dir), "--epochs", "3", "--quiet")
    assert status == 2, err
    what = "classes were 0, 1, now 0, 1, 2" if change == "classes" else "feature means were"
    assert "--resume: the data" in err and what in err and "t.csv" in err
    assert (run_dir / "config.toml").read_bytes() == before  # the record is untouched
    (tmp_path / "t.csv").write_bytes(text.encode("utf-8"))  # the data as it was: resumes
    status, _, err = run(capsys, "train", "--resume", str(run_dir), "--epochs", "3", "--quiet")
    assert status == 0, err


def test_predict_reads_a_npy_array_like_the_npz_it_trained_on(tmp_path, capsys):
    rng = np.random.default_rng(0)
    x = rng.integers(0, 255, (12, 6, 6), dtype=np.uint8)
    np.savez(tmp_path / "d.npz", x=x, y=np.arange(12) % 2 * 1.0)  # float labels, too
    status, _, err = run(capsys, *train_args(tmp_path, "--data", str(tmp_path / "d.npz")))
    assert status == 0, err
    run_dir = str(tmp_path / "runs" / "R")
    np.save(tmp_path / "new.npy", x[:3])
    np.savez(tmp_path / "new.npz", x=x[:3])
    got = {}
    for name in ("new.npy", "new.npz"):
        out = str(tmp_path / f"{name}.csv")
        status, _, err = run(capsys, "predict", "--run", run_dir, "--input", str(tmp_path / name),
                             "--out", out)  # fmt: skip
        assert status == 0, err
        with open(out, newline="") as f:
            got[name] = list(csv.DictReader(f))
    assert got["new.npy"] == got["new.npz"] and len(got["new.npy"]) == 3
    np.save(tmp_path / "bad.npy", x[:3, :5])
    status, _, err = run(capsys, "predict", "--run", run_dir, "--input", str(tmp_path / "bad.npy"),
                         "--out", str(tmp_path / "bad.csv"))  # fmt: skip
    assert status == 2 and "bad.npy': expected samples of shape 1x6x6" in err
    assert "(x of shape (3, 5, 6) is read as 3 samples" in err
    assert not (tmp_path / "bad.csv").exists()


@pytest.mark.parametrize("command", ["train", "lr-find"])
@pytest.mark.parametrize("runs_dir", ["t.csv", "t.csv/sub"])
def test_a_runs_dir_that_is_a_file_is_a_usage_error(tmp_path, capsys, monkeypatch, command, runs_dir):
    monkeypatch.chdir(tmp_path)
    numeric_label_csv(tmp_path / "t.csv")
    status, _, err = run(capsys, command, "--data", "t.csv", "--target", "kind", "--runs-dir", runs_dir)
    assert status == 2, err
    assert err.startswith("glassnet: error: --runs-dir: expected a folder, got ") and "t.csv" in err
    assert sorted(os.listdir(tmp_path)) == ["t.csv"]


@pytest.mark.parametrize(
    ("make", "extra", "message"),
    [
        ("csv", ("--target", "kind", "--image-size", "8"), "image_size=[8, 8] (--image-size) applies to"),
        ("npz", ("--target", "kind"), "target='kind' (--target) applies to the class column of a .csv"),
        ("npz", ("--image-fit", "pad"), "fit='pad' (--image-fit) applies to the images of a folder"),
    ],
)  # fmt: skip
def test_an_option_the_data_has_no_use_for_is_refused(tmp_path, capsys, make, extra, message):
    if make == "csv":
        data = numeric_label_csv(tmp_path / "t.csv")
    else:
        data = str(tmp_path / "d.npz")
        np.savez(data, x=np.ones((10, 3)), y=np.arange(10) % 2)
    status, _, err = run(capsys, *train_args(tmp_path, "--data", data, *extra))
    assert status == 2 and message in err and len(err.splitlines()) == 1, err
    assert not (tmp_path / "runs").exists()
