"""One process per run folder (issue 17, item 2), with real processes."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from glassnet.train import runlock
from glassnet.train.runlock import RunFolderBusy, hold, holds_run_folders, release

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

HOLDER = """
import sys, time
from glassnet.train.runlock import hold, RunFolderBusy
try:
    hold(sys.argv[1])
except RunFolderBusy as exc:
    print("busy:", exc, flush=True)
    sys.exit(3)
print("held", flush=True)
time.sleep(120)
"""


def _holder(folder):
    env = {**os.environ, "PYTHONPATH": REPO}
    return subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(folder)], env=env, stdout=subprocess.PIPE, text=True
    )


def _wait_held(proc):
    line = proc.stdout.readline()
    assert line.strip() == "held", line
    return proc


@pytest.fixture
def folder(tmp_path):
    d = tmp_path / "run"
    d.mkdir()
    yield d
    release(d)


def test_a_second_process_is_refused_naming_the_holder(folder):
    proc = _wait_held(_holder(folder))
    try:
        with pytest.raises(RunFolderBusy) as info:
            hold(folder)
        msg = str(info.value)
        assert f"process {proc.pid} on host {socket.gethostname()}" in msg
        assert str(folder) in msg and "since" in msg
        assert runlock.held() == []
    finally:
        proc.kill()
        proc.wait()


def test_a_killed_holder_does_not_block(folder):
    proc = _wait_held(_holder(folder))
    os.kill(proc.pid, signal.SIGKILL)  # no chance to clean up: the .lock file stays
    proc.wait()
    assert (folder / ".lock").exists()
    hold(folder)  # the kernel ended the lock with its process
    assert runlock.held() == [os.path.realpath(folder)]
    assert str(os.getpid()) in (folder / ".lock").read_text()


def test_two_processes_at_once_one_wins(folder):
    procs = [_holder(folder) for _ in range(2)]
    try:
        deadline = time.monotonic() + 120
        lines = [p.stdout.readline().strip() for p in procs]
        assert time.monotonic() < deadline
        assert sorted(line.split(":")[0] for line in lines) == ["busy", "held"], lines
    finally:
        for p in procs:
            p.kill()
            p.wait()


def test_reentrant_in_one_process_and_released_by_the_decorator(folder):
    @holds_run_folders
    def train_twice():
        hold(folder)
        hold(folder)  # a resume in the same session: no self-refusal
        assert runlock.held() == [os.path.realpath(folder)]
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train_twice()
    assert runlock.held() == []
    proc = _wait_held(_holder(folder))  # free for another process again
    proc.kill()
    proc.wait()
