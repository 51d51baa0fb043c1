"""The ``glassnet`` command line, run as a user runs it (``python -m glassnet`` in a subprocess)."""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys

import numpy as np
import pytest

from glassnet.cli.options import UsageError, int_list, resolve_config
from glassnet.io import load_checkpoint, load_config
from glassnet.models import list_models

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def glassnet(
    *args: str, cwd, env: dict | None = None, timeout: float = 300
) -> subprocess.CompletedProcess:
    environ = {**os.environ, "PYTHONPATH": REPO, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "glassnet", *args], cwd=cwd, env=environ,
        capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip


def one_error_line(proc: subprocess.CompletedProcess) -> str:
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("glassnet: error: "), proc.stderr
    assert "Traceback" not in proc.stderr
    return lines[0]


# --------------------------------------------------------------------- train
def test_train_one_epoch_on_the_sample_then_evaluate(tmp_path):
    (tmp_path / "exp.toml").write_text(
        'model = "mlp"\ndata = "fashion-mnist-sample"\nhidden = [64]\nlr = 0.01\nepochs = 3\n'
    )
    proc = glassnet(
        "train", "--config", "exp.toml", "--epochs", "1", "--lr", "0.002", "--seed", "3",
        "--name", "t1", "--runs-dir", "out", cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "Training mlp" in out and "5400 train / 600 validation / 1000 test" in out
    assert re.search(r"^Epoch 1/1 - 43/43 - .*val_accuracy: ", out, re.M)
    acc = float(re.search(r"Test accuracy: ([0-9.]+)", out).group(1))
    assert acc > 0.5
    run = tmp_path / "out" / "t1"
    assert f"Run folder: {os.path.join('out', 't1')}" in out
    names = set(os.listdir(run))
    assert {"config.toml", "metrics.csv", "metrics.jsonl", "best.safetensors", "last.safetensors", "report.html"} <= names  # fmt: skip

    config = load_config(run / "config.toml")
    assert config["lr"] == 0.002 and config["epochs"] == 1  # flags override the file
    assert config["hidden"] == [64] and config["seed"] == 3  # the file overrides defaults
    assert config["model"] == "mlp" and config["run"]["command"] == "train"
    with open(run / "metrics.csv", newline="") as f:
        assert len(list(csv.DictReader(f))) == 1
    assert load_checkpoint(run / "last.safetensors", restore_rng=False)["epoch"] == 1

    proc = glassnet("evaluate", "--run", os.path.join("out", "t1"), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert f"accuracy: {acc:.4f}" in proc.stdout
    assert "Confusion matrix (rows: true class, columns: predicted):" in proc.stdout
    assert "T-shirt/t" in proc.stdout and len(proc.stdout.splitlines()) == 4 + 1 + 11

    proc = glassnet("evaluate", "--checkpoint", str(run / "last.safetensors"), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert f"accuracy: {acc:.4f}" in proc.stdout


@pytest.mark.slow
def test_demo_one_epoch(tmp_path):
    proc = glassnet("demo", "--epochs", "1", "--runs-dir", "runs", cwd=tmp_path, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert "Training seed-cnn" in proc.stdout and "Epoch 1/1" in proc.stdout
    assert re.search(r"Test accuracy: 0\.\d{4}", proc.stdout)
    (run,) = os.listdir(tmp_path / "runs")
    assert run.startswith("demo-")
    report = (tmp_path / "runs" / run / "report.html").read_text()
    explained = sorted(os.listdir(tmp_path / "runs" / run / "explain"))
    assert len(explained) == 4 and all(name.endswith(".png") for name in explained)
    assert report.count("data:image/png;base64,") >= 3 + 4  # curves, confusion matrix, explanations


# -------------------------------------------------------------------- errors
BAD_TOML = 'model = "mlp"\nlr = = 1\n'


@pytest.mark.parametrize(
    ("args", "files", "status", "message"),
    [
        ([], {}, 2, "the following arguments are required: COMMAND"),
        (["train", "--epochs", "0"], {}, 2, "--epochs: must be a positive integer, got '0'"),
        (["train", "--lr", "fast"], {}, 2, "--lr: expected a number, got 'fast'"),
        (["train", "--device", "tpu"], {}, 2, "--device: expected cpu, cuda or cuda:N, got 'tpu'"),
        (["train", "--monitor", "acc"], {}, 2, "--monitor: expected one of val_loss, val_accuracy, val_mse, val_rmse, val_mae, val_r2, got 'acc'"),
        (["train", "--model", "resnet"], {}, 2, f"--model: expected one of {', '.join(list_models())}, got 'resnet'"),
        (["train", "--hidden", "256,x"], {}, 2, "--hidden: expected comma-separated positive integers like 256,128, got '256,x'"),
        (["train", "--dropout", "1.5"], {}, 2, "--dropout: must be in [0, 1), got '1.5'"),
        (["train", "--schedule", "linear"], {}, 2, "--schedule: expected one of none, cosine, step, plateau, got 'linear'"),
        (["train", "--frobnicate"], {}, 2, "unrecognized arguments: --frobnicate"),
        (["train", "--config", "missing.toml"], {}, 2, "--config: file 'missing.toml' does not exist"),
        (["train", "--config", "c.toml"], {"c.toml": "epoch = 3\n"}, 2, "c.toml: unknown key 'epoch' (did you mean 'epochs'?); known keys: model, data"),
        (["train", "--config", "c.toml"], {"c.toml": "lr = -1\n"}, 2, "c.toml: key 'lr': must be a positive number, got -1"),
        (["train", "--config", "c.toml"], {"c.toml": BAD_TOML}, 2, "c.toml, line 2"),
        (["train", "--model", "seed-cnn", "--hidden", "64", "--data", "fashion-mnist-sample"], {}, 2,
         "--hidden: model 'seed-cnn' does not take it"),
        (["evaluate"], {}, 2, "one of the arguments --run --checkpoint is required"),
        (["evaluate", "--run", "nope"], {}, 2, "--run: run folder 'nope' does not exist"),
        (["evaluate", "--checkpoint", "nope.safetensors"], {}, 2, "--checkpoint: 'nope.safetensors' does not exist"),
        (["evaluate", "--checkpoint", "bad.safetensors"], {"bad.safetensors": "not a checkpoint at all"}, 2,
         "--checkpoint: bad.safetensors: not a valid safetensors file"),
        (["evaluate", "--run", "."], {}, 2, "--run: '.' is not a run folder: it has no config.toml"),
    ],
)  # fmt: skip
def test_user_errors_print_one_line(tmp_path, args, files, status, message):
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    proc = glassnet(*args, cwd=tmp_path)
    assert proc.returncode == status
    assert message in one_error_line(proc)


def test_missing_data_is_one_line(tmp_path):
    env = {"GLASSNET_DATA": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path), "HOME": str(tmp_path)}
    proc = glassnet("train", "--data", "mnist", "--no-download", cwd=tmp_path, env=env)
    assert proc.returncode == 1
    line = one_error_line(proc)
    assert "train-images-idx3-ubyte.gz not found" in line
    assert not os.path.exists(tmp_path / "runs")  # nothing written for a run that never started


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory):
    cwd = tmp_path_factory.mktemp("cli")
    proc = glassnet(
        "train", "--model", "mlp", "--hidden", "16", "--data", "fashion-mnist-sample",
        "--epochs", "1", "--name", "small", "--quiet", cwd=cwd,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "Epoch 1/1" not in proc.stdout  # --quiet
    return cwd, cwd / "runs" / "small"


def test_wrong_shapes_in_a_checkpoint_are_one_line(trained_run):
    cwd, run = trained_run
    config = (run / "config.toml").read_text().replace("hidden = [16]", "hidden = [32]")
    (run / "config.toml").write_text(config)
    proc = glassnet("evaluate", "--run", str(run), "--which", "last", cwd=cwd)
    assert proc.returncode == 2  # the run folder is the user's input, like a data file
    line = one_error_line(proc)
    assert "--run: " in line and "last.safetensors: MLP.load_state_dict" in line
    assert "shape" in line


def test_debug_shows_the_traceback(tmp_path):
    proc = glassnet("--debug", "evaluate", "--run", "nope", cwd=tmp_path)
    assert proc.returncode == 1
    assert "Traceback (most recent call last)" in proc.stderr
    assert "FileNotFoundError: run folder 'nope' does not exist" in proc.stderr
    proc = glassnet("evaluate", "--run", "nope", "--debug", cwd=tmp_path)
    assert "Traceback" in proc.stderr


def test_version_and_help(tmp_path):
    proc = glassnet("--version", cwd=tmp_path)
    assert proc.returncode == 0 and proc.stdout.startswith("glassnet ")
    proc = glassnet("train", "--help", cwd=tmp_path)
    assert proc.returncode == 0
    for flag in ("--model", "--data", "--epochs", "--batch-size", "--lr", "--optimizer", "--hidden",
                 "--dropout", "--weight-decay", "--l1", "--l2", "--augment", "--schedule",
                 "--early-stopping", "--seed", "--name", "--runs-dir", "--config", "--resume",
                 "--distributed", "--checkpoint-every", "--clip-grad-norm"):  # fmt: skip
        assert flag in proc.stdout


# --------------------------------------------------------------- in process
def test_resolve_config_precedence(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('lr = 0.1\nhidden = [8, 4]\naugment = true\n[run]\ncommand = "train"\n')
    config = resolve_config({"lr": "0.5", "epochs": None}, str(path))
    assert config["lr"] == 0.5 and config["hidden"] == [8, 4] and config["augment"] is True
    assert config["epochs"] == 10 and config["optimizer"] == "adam"  # defaults


def test_int_list():
    assert int_list("hidden", "256, 128") == [256, 128]
    assert int_list("hidden", [64]) == [64]
    assert int_list("hidden", 32) == [32]
    for bad in ("", "0", "1.5", [True], []):
        with pytest.raises(
            UsageError, match="--hidden: expected comma-separated positive integers"
        ):
            int_list("hidden", bad)


def test_train_run_in_process_with_options(tmp_path):
    from glassnet.cli.pipeline import train_run

    config = resolve_config({
        "model": "mlp", "data": "fashion-mnist-sample", "epochs": 2, "hidden": "32",
        "l2": "0.0001", "augment": True, "schedule": "cosine", "early_stopping": "1",
        "runs_dir": str(tmp_path), "name": "opts", "seed": "0", "optimizer": "sgd", "lr": "0.05",
    })  # fmt: skip
    import io

    out = io.StringIO()
    result = train_run(config, out=out, verbose=0)
    h = result["history"]
    assert h["lr"] == pytest.approx([0.05, 0.025])  # cosine over 2 epochs
    assert all(v > 0 for v in h["reg_loss"])  # the L2 penalty was applied
    assert result["confusion_matrix"].sum() == 1000
    assert np.trace(result["confusion_matrix"]) / 1000 == pytest.approx(result["test_accuracy"])


def test_main_returns_the_exit_status(capsys):
    from glassnet.cli import main

    assert main(["--version"]) == 0
    assert main(["train", "--epochs", "0"]) == 2
    assert main(["evaluate", "--run", "does-not-exist"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "glassnet: error: --epochs: must be a positive integer, got '0'",
        "glassnet: error: --run: run folder 'does-not-exist' does not exist",
    ]


def test_monitor_val_accuracy_picks_the_best_checkpoint(tmp_path):
    import io

    from glassnet.cli.pipeline import train_run

    config = resolve_config({
        "model": "mlp", "data": "fashion-mnist-sample", "epochs": 3, "hidden": "16",
        "runs_dir": str(tmp_path), "name": "acc", "seed": "0", "monitor": "val_accuracy",
    })  # fmt: skip
    out = io.StringIO()
    result = train_run(config, out=out, verbose=0)
    val_acc = result["history"]["val_accuracy"]
    assert result["best_epoch"] == int(np.argmax(val_acc)) + 1  # first epoch with the highest
    assert "(best val_accuracy)" in out.getvalue()


def test_threads_option_slices_the_batches(tmp_path, monkeypatch):
    """--threads N trains through nn.DataParallel: the config records it and the model
    sees each batch in N slices; the run gives the results of one thread up to rounding."""
    import io

    from glassnet.cli.pipeline import train_run
    from glassnet.nn.layers.conv import Conv2d

    results, sizes = [], []
    for threads in ("1", "2"):
        config = resolve_config({
            "model": "seed-cnn", "data": "fashion-mnist-sample", "epochs": 1, "threads": threads,
            "runs_dir": str(tmp_path), "name": f"t{threads}", "seed": "0", "batch_size": "64",
        })  # fmt: skip
        assert config["threads"] == int(threads)
        seen = []
        original = Conv2d.forward

        def spy(self, x, seen=seen, original=original):
            seen.append(x.shape[0])
            return original(self, x)

        monkeypatch.setattr(Conv2d, "forward", spy)
        results.append(train_run(config, out=io.StringIO(), verbose=0))
        sizes.append(max(set(seen), key=seen.count))  # the training batches
        monkeypatch.undo()
    assert sizes == [64, 32]
    assert results[1]["test_accuracy"] == pytest.approx(results[0]["test_accuracy"], abs=0.01)
