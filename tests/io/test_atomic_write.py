"""``glassnet._fileio.atomic_write``: all-or-nothing file replacement used by every writer."""

from __future__ import annotations

import os

import pytest

from glassnet._fileio import atomic_write


def test_writes_binary_and_text(tmp_path):
    path = tmp_path / "f.bin"
    with atomic_write(path, "wb") as f:
        f.write(b"\x00\x01")
    assert path.read_bytes() == b"\x00\x01"
    with atomic_write(str(path), "w", encoding="utf-8") as f:
        f.write("héllo")
    assert path.read_text(encoding="utf-8") == "héllo"
    assert os.listdir(tmp_path) == ["f.bin"]


def test_the_old_file_survives_an_error(tmp_path):
    path = tmp_path / "f.txt"
    path.write_text("old")
    with pytest.raises(RuntimeError, match="boom"):
        with atomic_write(path, "w") as f:
            f.write("partial new content")
            f.flush()
            raise RuntimeError("boom")
    assert path.read_text() == "old"
    assert os.listdir(tmp_path) == ["f.txt"]  # the temporary file is gone


def test_nothing_is_visible_until_the_block_ends(tmp_path):
    path = tmp_path / "f.txt"
    with atomic_write(path, "w") as f:
        f.write("x")
        f.flush()
        assert not path.exists()
        temps = os.listdir(tmp_path)
        assert len(temps) == 1 and temps[0].startswith(".f.txt.") and temps[0].endswith(".tmp")
    assert path.read_text() == "x"


def test_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="mode must be 'wb' or 'w', got 'a'"):
        with atomic_write(tmp_path / "f", "a"):
            pass
    with pytest.raises(FileNotFoundError, match="folder .*missing.* does not exist"):
        with atomic_write(tmp_path / "missing" / "f", "wb"):
            pass
    assert os.listdir(tmp_path) == []
