"""Runs that lose nothing: SIGKILL at random moments, Ctrl-C, ``glassnet train --resume``, example configs.

The process tests run ``python -m glassnet train`` as a user does (one BLAS
thread, so results are bit-for-bit reproducible) and compare the final
weights of an interrupted-and-resumed run with those of an uninterrupted one.
"""

from __future__ import annotations

import csv
import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from glassnet.io import load, load_checkpoint

REPO = Path(__file__).resolve().parents[2]
ENV = {
    **os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}  # fmt: skip
#: A small MLP on the embedded sample: 43 steps an epoch, a checkpoint every 5 steps.
TRAIN = ["train", "--model", "mlp", "--data", "fashion-mnist-sample", "--epochs", "3",
         "--seed", "1", "--checkpoint-every", "5", "--quiet", "--runs-dir", "runs"]  # fmt: skip


def start(*args: str, cwd: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "glassnet", *args], cwd=cwd, env=ENV,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def finish(proc: subprocess.Popen, timeout: float = 300) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out, err


def wait_for(path: Path, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.005)


def metrics_without_time(run: Path) -> list[dict]:
    with open(run / "metrics.csv", newline="") as f:
        return [{k: v for k, v in row.items() if k != "time"} for row in csv.DictReader(f)]


def assert_same_final_weights(a: Path, b: Path) -> None:
    wa, wb = load(a / "last.safetensors"), load(b / "last.safetensors")
    assert list(wa) == list(wb)
    for k in wa:
        np.testing.assert_array_equal(wa[k], wb[k], err_msg=k)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """An uninterrupted run; its epochs' total time sizes the kill windows."""
    cwd = tmp_path_factory.mktemp("resume")
    rc, out, err = finish(start(*TRAIN, "--name", "ref", cwd=cwd))
    assert rc == 0, err
    run = cwd / "runs" / "ref"
    seconds = sum(float(r["time"]) for r in csv.DictReader(open(run / "metrics.csv")))
    return cwd, run, seconds


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_sigkill_at_a_random_moment_loses_nothing(reference, seed):
    cwd, ref, seconds = reference
    name = f"kill{seed}"
    run = cwd / "runs" / name
    delay = np.random.default_rng(seed).uniform(0.0, 0.8) * seconds
    proc = start(*TRAIN, "--name", name, cwd=cwd)
    wait_for(run / "last.safetensors", proc)
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    rc, _, _ = finish(proc)
    assert rc == -signal.SIGKILL, "the run finished before the kill; the test checked nothing"

    # the last completed checkpoint is intact and loadable; temporaries are never it
    ckpt = load_checkpoint(run / "last.safetensors", restore_rng=False)
    state = ckpt["extra"]["trainer"]
    assert state["global_step"] % 5 == 0 or state["step_in_epoch"] == 0

    leftovers = [n for n in os.listdir(run) if n.endswith(".tmp")]
    assert all(n.startswith(".") for n in leftovers)

    rc, out, err = finish(start("train", "--resume", str(Path("runs") / name), cwd=cwd))
    assert rc == 0, err
    assert f"Resuming {os.path.join('runs', name)}" in out
    assert not [n for n in os.listdir(run) if n.endswith(".tmp")]  # cleaned on resume
    assert_same_final_weights(run, ref)
    assert metrics_without_time(run) == metrics_without_time(ref)  # appended, not overwritten


def test_ctrl_c_saves_prints_how_to_resume_and_exits_130(reference):
    cwd, ref, seconds = reference
    run = cwd / "runs" / "int"
    proc = start(*TRAIN, "--name", "int", cwd=cwd)
    wait_for(run / "last.safetensors", proc)
    time.sleep(0.3 * seconds)
    proc.send_signal(signal.SIGINT)
    rc, out, err = finish(proc)
    assert rc == 130, err
    assert "press Ctrl-C again to stop at once" in err and "Traceback" not in err
    state = load_checkpoint(run / "last.safetensors", restore_rng=False)["extra"]["trainer"]
    where = (
        f"in epoch {state['epoch'] + 1} after step {state['step_in_epoch']}"
        if state["step_in_epoch"]
        else f"after epoch {state['epoch']}"
    )
    last = os.path.join("runs", "int", "last.safetensors")
    assert f"Interrupted {where} (global step {state['global_step']}); saved {last}" in out
    assert f"Resume with: glassnet train --resume {os.path.join('runs', 'int')}" in out

    rc, out, err = finish(start("train", "--resume", os.path.join("runs", "int"), cwd=cwd))
    assert rc == 0, err
    assert_same_final_weights(run, ref)
    assert metrics_without_time(run) == metrics_without_time(ref)


# ---------------------------------------------------------------- in process
def main(*args: str) -> tuple[int, str]:
    from contextlib import redirect_stdout

    from glassnet.cli import main as cli_main

    buf = io.StringIO()
    with redirect_stdout(buf):
        status = cli_main(list(args))
    return status, buf.getvalue()


def test_resume_without_a_checkpoint_then_extend_then_finished(tmp_path, capsys):
    from glassnet.train import RunFolder

    run = RunFolder.create(tmp_path, "r")
    run.write_config({"model": "mlp", "hidden": [16], "data": "fashion-mnist-sample",
                      "epochs": 1, "seed": 2, "run": {"command": "train"}})  # fmt: skip
    status, out = main("train", "--resume", run.path, "--quiet")
    assert status == 0, capsys.readouterr().err
    assert "no checkpoint yet, starting from the beginning" in out
    status, out = main("train", "--resume", run.path, "--quiet", "--epochs", "2")
    assert status == 0 and f"Resuming {run.path} after epoch 1 (global step 43)" in out
    assert [r["epoch"] for r in metrics_without_time(Path(run.path))] == ["1", "2"]
    config = run.read_config()
    assert config["epochs"] == 2 and len(config["run"]["resumed"]) == 2
    status, out = main("train", "--resume", run.path, "--quiet")  # complete: only the report
    assert status == 0 and "after epoch 2" in out and "Test accuracy" in out
    assert len(metrics_without_time(Path(run.path))) == 2
    capsys.readouterr()
    # fewer epochs than done: refused before config.toml is rewritten (it used to say epochs = 1)
    assert main("train", "--resume", run.path, "--quiet", "--epochs", "1")[0] == 2
    err = capsys.readouterr().err
    assert err.startswith("glassnet: error: --epochs: got 1, below what") and "pass 2 or more" in err
    assert run.read_config()["epochs"] == 2


@pytest.mark.parametrize(
    ("args", "status", "message"),
    [
        (["--lr", "0.1"], 2, "--resume continues 'RUN' with its own configuration, so --lr cannot change (only --epochs, --checkpoint-every, --device, --threads can)"),
        (["--model", "seed-cnn", "--seed", "3"], 2, "so --model, --seed cannot change"),
        (["--config", "c.toml"], 2, "--resume continues 'RUN' with its own config.toml; do not pass --config"),
        (["--epochs", "0"], 2, "--epochs: must be a positive integer, got '0'"),
    ],
)  # fmt: skip
def test_resume_usage_errors(tmp_path, monkeypatch, capsys, args, status, message):
    from glassnet.train import RunFolder

    RunFolder.create(tmp_path, "RUN").write_config({"model": "mlp"})
    monkeypatch.chdir(tmp_path)
    assert main("train", "--resume", "RUN", *args)[0] == status
    err = capsys.readouterr().err
    assert message in err and len(err.splitlines()) == 1


def test_resume_of_a_missing_folder(tmp_path, capsys):
    assert main("train", "--resume", str(tmp_path / "nope"))[0] == 2
    assert "does not exist" in capsys.readouterr().err


# ---------------------------------------------------------------- examples
EXAMPLES = sorted((REPO / "examples").glob("*.toml"))


def test_the_example_configs_are_shipped():
    names = {p.name for p in EXAMPLES}
    assert {"seed_cnn.toml", "seed_cnn_bn_aug.toml", "mlp.toml", "lstm_attention.toml"} <= names


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_configs_are_valid_and_build_their_model(path):
    from glassnet.cli.options import load_config_file, resolve_config
    from glassnet.cli.pipeline import build_model, complete_config

    keys = load_config_file(str(path))
    assert keys["data"] == "fashion-mnist" and keys["batch_size"] == 128
    config = complete_config(resolve_config({}, str(path)))
    model, layout = build_model(config, 10)
    assert model.num_parameters() > 0 and layout in ("flat", "image", "rows")


def test_the_mlp_example_trains_on_the_sample(tmp_path, capsys):
    status, out = main("train", "--config", str(REPO / "examples" / "mlp.toml"), "--quiet",
                       "--data", "fashion-mnist-sample", "--epochs", "1",
                       "--runs-dir", str(tmp_path), "--name", "ex")  # fmt: skip
    assert status == 0, capsys.readouterr().err
    assert "Training mlp (235,146 parameters)" in out
