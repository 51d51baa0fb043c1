"""Data parallel over real MPI: ``mpiexec -n 2`` launched from pytest (skipped without mpi4py)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("mpi4py")
pytestmark = pytest.mark.mpi

SCRIPT = Path(__file__).with_name("mpi_script.py")


def _mpiexec() -> str:
    here = Path(sys.executable).parent / "mpiexec"
    found = str(here) if here.exists() else shutil.which("mpiexec")
    if not found:
        pytest.skip("mpiexec not found")
    return found


REPO = Path(__file__).resolve().parents[2]
ENV = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", PYTHONPATH=str(REPO))


def _run(mode: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [_mpiexec(), "-n", "2", sys.executable, str(SCRIPT), mode, *args],
        capture_output=True, text=True, timeout=timeout, env=ENV,
    )  # fmt: skip


def _value(stdout: str, key: str) -> float:
    found = re.search(key + r" ([0-9.e+-]+?)(?=[A-Z]|\s|$)", stdout)
    assert found, stdout
    return float(found.group(1))


def test_two_ranks_equal_one_process_with_double_batch():
    res = _run("equivalence")
    assert res.returncode == 0, res.stderr[-2000:]
    line = [ln for ln in res.stdout.splitlines() if ln.startswith("MAXDIFF")][0]
    assert float(line.split()[1]) < 1e-5, line


def test_dead_rank_gives_clear_error_not_hang():
    res = _run("timeout", timeout=90)
    assert res.returncode != 0
    assert "UNREACHABLE" not in res.stdout
    assert "did not complete within" in res.stderr


# --------------------------------------------------------------- the trainer
def test_fit_with_two_ranks_equals_one_process_with_double_batch():
    res = _run("fit_equivalence")
    assert res.returncode == 0, res.stderr[-2000:]
    assert _value(res.stdout, "MAXDIFF") < 1e-5  # weights
    assert _value(res.stdout, "LOGDIFF") < 1e-5  # loss, accuracy, val_loss, val_accuracy, grad_norm


def test_fit_ctrl_c_on_one_rank_stops_all_and_resumes_exactly(tmp_path):
    res = _run("fit_resume", str(tmp_path))
    assert res.returncode == 0, res.stderr[-2000:]
    # (the ranks' output can run together on one line: parse with patterns, not lines)
    stops = sorted(re.findall(r"RANK (\d) INTERRUPTED (epoch=\d+ step=\d+)", res.stdout))
    assert [r for r, _ in stops] == ["0", "1"] and stops[0][1] == stops[1][1]  # same step
    assert stops[0][1] == "epoch=1 step=4"  # 6 steps an epoch; SIGINT after step 9
    diffs = sorted(re.findall(r"RANK (\d) MAXDIFF ([0-9.e+-]+?)(?=RANK|\s|$)", res.stdout))
    assert diffs == [("0", "0"), ("1", "0")], res.stdout  # bit for bit on both ranks
    assert "press Ctrl-C again" in res.stderr


def test_a_two_rank_checkpoint_resumes_on_one_rank_without_repeating_samples(tmp_path):
    """Mid-epoch state of 2 ranks x 8 continues in one process at batch 8: the rest of the epoch."""
    res = _run("fit_resume", str(tmp_path))
    assert res.returncode == 0, res.stderr[-2000:]
    import glassnet as gn
    from glassnet import nn, optim
    from glassnet.io import load_checkpoint
    from glassnet.train import Callback, fit

    mid = tmp_path / "mid.safetensors"
    state = load_checkpoint(mid, restore_rng=False)["extra"]["trainer"]
    assert (state["world_size"], state["step_in_epoch"], state["samples_in_epoch"]) == (2, 4, 64)
    sizes: list[tuple[int, int]] = []

    class Sizes(Callback):
        def on_train_batch_begin(self, batch, logs=None):
            sizes.append((self.trainer.epoch, logs["size"]))

    rng = np.random.default_rng(0)  # mpi_script.blobs(90, 0)
    y = rng.integers(0, 3, 90)
    x = rng.standard_normal((90, 6)).astype(np.float32) + y[:, None].astype(np.float32)
    gn.manual_seed(5)
    model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Dropout(0.3), nn.Linear(16, 3))
    h = fit(model, (x, y), loss="cross_entropy", optimizer=optim.Adam(model.parameters()),
            epochs=3, batch_size=8, verbose=0, resume_from=str(mid), callbacks=[Sizes()])  # fmt: skip
    assert sum(n for e, n in sizes if e == 1) == 90 - 64  # the rest of epoch 2, once
    assert sum(n for e, n in sizes if e == 2) == 90
    assert h.epoch == [0, 1, 2]


def test_batch_norm_statistics_are_averaged_over_ranks():
    res = _run("fit_batchnorm")
    assert res.returncode == 0, res.stderr[-2000:]
    assert res.stdout.count("BUFFERS SAME") == 2, res.stdout


def test_a_rank_that_stops_inside_fit_stops_the_job_with_a_clear_error():
    res = _run("fit_dead_rank", timeout=90)
    both = f"stdout:\n{res.stdout}\nstderr:\n{res.stderr}"
    assert res.returncode != 0, both
    assert "UNREACHABLE" not in res.stdout and "RANK 1: rank 1 stops" in res.stdout, both
    assert "did not complete within 3 s" in res.stdout + res.stderr, both


# ------------------------------------------------------------------- the CLI
def test_cli_distributed_writes_one_run_folder_and_resumes_on_one_rank(tmp_path):
    res = subprocess.run(
        [_mpiexec(), "-n", "2", sys.executable, "-m", "glassnet", "train", "--model", "mlp",
         "--hidden", "32", "--data", "fashion-mnist-sample", "--epochs", "1", "--batch-size", "64",
         "--distributed", "--name", "d", "--runs-dir", "out"],
        capture_output=True, text=True, timeout=300, env=ENV, cwd=tmp_path,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr[-2000:]
    assert os.listdir(tmp_path / "out") == ["d"]  # rank 0 alone made the folder
    # rank 0 alone prints (a slow machine may add progress lines, but one final line)
    assert res.stdout.count("Training mlp") == 1 and res.stdout.count("Epoch 1/1 - 43/43 - ") == 1
    assert "on 2 ranks (batch 64 per rank)" in res.stdout
    assert re.search(r"^Epoch 1/1 - 43/43 - ", res.stdout, re.M)  # 5400 / (64 * 2) steps
    from glassnet.io import load_config

    assert load_config(tmp_path / "out" / "d" / "config.toml")["run"]["ranks"] == 2

    res = subprocess.run(
        [sys.executable, "-m", "glassnet", "train", "--resume", "out/d", "--epochs", "2", "--quiet"],
        capture_output=True, text=True, timeout=300, env=ENV, cwd=tmp_path,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr[-2000:]
    assert "Resuming out/d after epoch 1 (global step 43)" in res.stdout
    rows = (tmp_path / "out" / "d" / "metrics.csv").read_text().splitlines()
    assert len(rows) == 3  # header, the 2-rank epoch, the 1-rank epoch
