"""A stopped (SIGSTOP, not killed) rank under real MPI (issue 17, item 7).

Before: the waiting rank waited out the timeout, printed its message twice, and
said only that "another rank" had probably died.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .test_mpi import ENV, _mpiexec

pytest.importorskip("mpi4py")
SCRIPT = Path(__file__).with_name("mpi_stopped.py")


def test_a_stopped_rank_is_named_once_within_the_timeout():
    env = {**ENV, "GLASSNET_MPI_TIMEOUT": "2"}
    res = subprocess.run(
        [_mpiexec(), "-n", "2", sys.executable, str(SCRIPT)],
        capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip
    assert res.returncode != 0 and "UNREACHABLE" not in res.stdout
    lines = [ln for ln in res.stderr.splitlines() if "did not complete within" in ln]
    assert len(lines) == 1, res.stderr  # printed once
    assert "allreduce on rank 0 did not complete within 2 s" in lines[0]
    assert "rank 1 of 2 stopped answering" in lines[0]
    assert "GLASSNET_MPI_TIMEOUT" in lines[0]


def test_mpi_timeout_flag_is_checked_as_a_usage_error(tmp_path):
    env = {**os.environ, "PYTHONPATH": ENV["PYTHONPATH"]}
    res = subprocess.run(
        [sys.executable, "-m", "glassnet", "train", "--mpi-timeout", "0", "--distributed"],
        capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path,
    )  # fmt: skip
    assert res.returncode == 2, res.stderr
    assert (
        res.stderr.strip() == "glassnet: error: --mpi-timeout: must be a positive number, got '0'"
    )
