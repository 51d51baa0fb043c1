"""``glassnet._fileio.atomic_write``: all or nothing, normal permissions, clear errors."""

from __future__ import annotations

import os

import pytest

from glassnet._fileio import atomic_write


def test_writes_binary_and_text(tmp_path):
    with atomic_write(tmp_path / "a.bin") as f:
        f.write(b"\x00\x01")
    with atomic_write(tmp_path / "a.txt", "w", encoding="utf-8") as f:
        f.write("héllo")
    assert (tmp_path / "a.bin").read_bytes() == b"\x00\x01"
    assert (tmp_path / "a.txt").read_text(encoding="utf-8") == "héllo"


def test_error_leaves_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "keep.txt"
    path.write_text("old")
    with pytest.raises(RuntimeError, match="stop"):
        with atomic_write(path, "w") as f:
            f.write("new, half done")
            raise RuntimeError("stop")
    assert path.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]


def test_new_file_gets_umask_permissions_and_replaced_file_keeps_its_own(tmp_path):
    mask = os.umask(0o022)
    os.umask(mask)
    with atomic_write(tmp_path / "new.bin") as f:
        f.write(b"x")
    assert (tmp_path / "new.bin").stat().st_mode & 0o777 == 0o666 & ~mask
    old = tmp_path / "old.bin"
    old.write_bytes(b"a")
    old.chmod(0o640)
    with atomic_write(old) as f:
        f.write(b"b")
    assert old.stat().st_mode & 0o777 == 0o640


def test_bad_mode_and_missing_folder_are_named(tmp_path):
    with pytest.raises(ValueError, match="mode must be 'wb' or 'w', got 'ab'"):
        with atomic_write(tmp_path / "x", "ab"):
            pass
    with pytest.raises(FileNotFoundError, match="does not exist"):
        with atomic_write(tmp_path / "no" / "x"):
            pass
