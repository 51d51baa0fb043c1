"""glassnet lr-find: files written under the output folder, the suggestion printed, usage errors."""

import json

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
