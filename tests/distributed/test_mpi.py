"""Data parallel over real MPI: ``mpiexec -n 2`` launched from pytest (skipped without mpi4py)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

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


def _run(mode: str, timeout: float = 120) -> subprocess.CompletedProcess:
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    return subprocess.run(
        [_mpiexec(), "-n", "2", sys.executable, str(SCRIPT), mode],
        capture_output=True, text=True, timeout=timeout, env=env,
    )  # fmt: skip


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
