"""Two ``glassnet train`` processes on one run folder (issue 17, item 2), as a user runs them.

Before the lock, ``glassnet train --resume runs/D`` ran while ``glassnet train
--name D`` was still training: both exited 0 and the folder ended with the
second process's epochs.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

from glassnet.train.resume import epochs_reached, read_resume_point

from .test_cli import REPO, glassnet, one_error_line


def _start_training(tmp_path):
    env = {**os.environ, "PYTHONPATH": REPO}
    proc = subprocess.Popen(
        [sys.executable, "-m", "glassnet", "train", "--data", "fashion-mnist-sample",
         "--epochs", "200", "--hidden", "8", "--name", "D", "--runs-dir", "runs",
         "--quiet", "--seed", "1"],
        cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    lock = tmp_path / "runs" / "D" / ".lock"
    deadline = time.monotonic() + 240
    while not (lock.exists() and lock.read_text()):
        assert proc.poll() is None, proc.stderr.read()
        assert time.monotonic() < deadline, "the first run did not start"
        time.sleep(0.2)
    return proc


def test_resume_while_training_is_refused_and_a_killed_run_resumes(tmp_path):
    first = _start_training(tmp_path)
    try:
        second = glassnet("train", "--resume", "runs/D", "--epochs", "8", cwd=tmp_path, timeout=240)
        assert second.returncode == 1, second.stderr
        line = one_error_line(second)
        assert f"process {first.pid} on host {socket.gethostname()}" in line, line
        assert "runs/D" in line and "in use" in line
        assert first.poll() is None  # the first run goes on, undisturbed
    finally:
        first.send_signal(signal.SIGKILL)  # dies holding the lock: the .lock file stays
        first.wait()
    assert (tmp_path / "runs" / "D" / ".lock").exists()
    # continue only to the epoch the killed run was in (fewer epochs than done is refused)
    last = tmp_path / "runs" / "D" / "last.safetensors"
    reached = epochs_reached(read_resume_point(str(last)).state.progress) if last.exists() else 1
    third = glassnet(
        "train", "--resume", "runs/D", "--epochs", str(max(reached, 1)), cwd=tmp_path, timeout=300
    )
    assert third.returncode == 0, third.stderr
    assert "Resuming runs/D" in third.stdout
