"""Messages that say what happened and what to do (issue 17, item 7)."""

from __future__ import annotations

import errno
import os
import sys

import pytest

from glassnet.cli.main import main
from glassnet.io import load_checkpoint


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/fd")
def test_full_disk_names_the_file_and_the_resume_command(tmp_path, monkeypatch, capsys):
    real_fsync = os.fsync
    writes = {"n": 0}

    def fsync(fd):  # the disk fills up while the second epoch's checkpoint is written
        target = os.readlink(f"/proc/self/fd/{fd}") if isinstance(fd, int) else ""
        if ".last.safetensors." in os.path.basename(target):
            writes["n"] += 1
            if writes["n"] >= 2:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.chdir(tmp_path)
    code = main(["train", "--data", "fashion-mnist-sample", "--epochs", "3", "--hidden", "8",
                 "--name", "D", "--runs-dir", "runs", "--quiet", "--seed", "0"])  # fmt: skip
    assert code == 1
    err = [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]
    assert len(err) == 1, err
    line = err[0]
    assert line.startswith("glassnet: error: no space left on device")
    assert os.path.join("runs", "D", "last.safetensors") in line
    assert "glassnet train --resume " + os.path.join("runs", "D") in line
    monkeypatch.undo()
    assert load_checkpoint(tmp_path / "runs" / "D" / "last.safetensors")["epoch"] == 1  # intact
    assert not [n for n in os.listdir(tmp_path / "runs" / "D") if n.endswith(".tmp")]


def test_atomic_write_names_the_file_when_the_disk_is_full(tmp_path, monkeypatch):
    from glassnet._fileio import atomic_write

    def fsync(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    (tmp_path / "old.txt").write_text("kept")
    monkeypatch.setattr(os, "fsync", fsync)
    with pytest.raises(OSError) as info, atomic_write(tmp_path / "old.txt", "w") as f:
        f.write("new")
    assert info.value.errno == errno.ENOSPC
    assert info.value.filename == str(tmp_path / "old.txt")
    assert str(tmp_path / "old.txt") in str(info.value)
    monkeypatch.undo()
    assert (tmp_path / "old.txt").read_text() == "kept"
    assert os.listdir(tmp_path) == ["old.txt"]


def test_cli_warns_of_a_run_that_ends_diverged(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code = main(["train", "--data", "fashion-mnist-sample", "--epochs", "1", "--hidden", "16",
                 "--lr", "1000", "--name", "H", "--runs-dir", "runs", "--quiet", "--seed", "0"])  # fmt: skip
    assert code == 0
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.startswith("glassnet: warning: ")]
    assert len(lines) == 1, err
    assert "training looks diverged: weight " in lines[0] and "(it is 1000)" in lines[0]
