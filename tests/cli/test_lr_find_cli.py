"""glassnet lr-find: files written under the output folder, the suggestion printed, usage errors."""

import json

import numpy as np
import pytest

from glassnet.cli.main import main


def test_lr_find_on_the_sample(tmp_path, capsys):
    out = tmp_path / "lrf"
    args = ["lr-find", "--model", "mlp", "--data", "fashion-mnist-sample", "--hidden", "32"]
    assert main([*args, "--steps", "30", "--out", str(out), "--seed", "3"]) == 0
    printed = capsys.readouterr().out
    assert "suggested learning rate:" in printed
    record = json.loads((out / "lr_find.json").read_text())
    assert record["model"] == "mlp" and record["steps"] == len(record["lrs"]) <= 30
    assert f"{record['suggestion']:.3g}" in printed
    assert (out / "lr_find.csv").read_text().startswith("step,lr,loss,smoothed_loss\n")


def test_default_folder_is_under_runs_dir(tmp_path, capsys):
    args = ["lr-find", "--model", "mlp", "--data", "fashion-mnist-sample", "--hidden", "8"]
    assert main([*args, "--steps", "5", "--runs-dir", str(tmp_path)]) == 0
    (folder,) = tmp_path.iterdir()
    assert folder.name.startswith("lr-find-mlp-")
    assert (folder / "lr_find.json").is_file()


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--steps", "2"], "--steps"),
        (["--start-lr", "1", "--end-lr", "0.5"], "--end-lr"),
        (["--model", "nope"], "--model"),
        (["--batch-size", "0"], "--batch-size"),
    ],
)
def test_usage_errors_exit_2(tmp_path, capsys, extra, message):
    assert main(["lr-find", "--data", "fashion-mnist-sample", "--out", str(tmp_path), *extra]) == 2
    assert message in capsys.readouterr().err


def test_lr_find_reads_an_image_folder_with_image_size(tmp_path, capsys):
    pytest.importorskip("PIL.Image")
    from tests.data.test_sources import image_folder

    root = image_folder(str(tmp_path / "pets"), per_class=6, size=(12, 12), rgb=True)
    out = tmp_path / "lrf"
    code = main(["lr-find", "--data", root, "--image-size", "8", "--steps", "8",
                 "--out", str(out), "--seed", "0"])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    record = json.loads((out / "lr_find.json").read_text())
    assert record["model"] == "small-cnn"  # train's default for images
    assert record["dataset"]["input_shape"] == [3, 8, 8]
    assert record["dataset"]["classes"] == ["cat", "dog", "eel"]
    assert record["steps"] == 8 and set(record["suggestions"]) == {"valley", "min/10", "steepest"}


def test_lr_find_reads_a_csv_with_target(tmp_path, capsys):
    from tests.cli.test_own_data import table_csv

    path = table_csv(tmp_path)
    out = tmp_path / "lrf"
    assert main(["lr-find", "--data", path, "--target", "animal", "--steps", "20",
                 "--out", str(out), "--rule", "min/10"]) == 0  # fmt: skip
    printed = capsys.readouterr().out
    record = json.loads((out / "lr_find.json").read_text())
    assert record["model"] == "mlp" and record["rule"] == "min/10"
    assert record["dataset"]["kind"] == "table" and record["dataset"]["target"] == "animal"
    assert record["suggestion"] == record["suggestions"]["min/10"]
    assert f"suggested learning rate: {record['suggestion']:.3g} (min/10" in printed


def test_lr_find_reads_an_npz(tmp_path, capsys):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 5)).astype(np.float32)
    np.savez(tmp_path / "t.npz", x=x, y=(x[:, 0] > 0).astype(np.int64))
    out = tmp_path / "lrf"
    assert main(["lr-find", "--data", str(tmp_path / "t.npz"), "--steps", "6", "--out", str(out)]) == 0
    assert json.loads((out / "lr_find.json").read_text())["dataset"]["input_shape"] == [5]


@pytest.mark.parametrize(
    "make, extra, message",
    [
        ("csv", [], "--target"),
        ("csv", ["--target", "nope"], "nope"),
        ("builtin", ["--target", "x"], "--target"),
    ],
)
def test_own_data_errors_exit_2(tmp_path, capsys, make, extra, message):
    from tests.cli.test_own_data import table_csv

    data = table_csv(tmp_path) if make == "csv" else "fashion-mnist-sample"
    assert main(["lr-find", "--data", data, "--out", str(tmp_path / "o"), *extra]) == 2
    assert message in capsys.readouterr().err
