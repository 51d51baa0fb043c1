"""Atomic file writes shared by every writer in glassnet (checkpoints, datasets, configs).

``atomic_write(path, mode)`` writes to a temporary file in the same folder,
flushes and fsyncs it, renames it over ``path`` with ``os.replace`` and fsyncs
the folder, so a reader sees the old file or the complete new one -- never a
partial write, even if the process dies. On any error the temporary file is
removed and ``path`` is left untouched; an ``OSError`` that names no file (a full
disk, ``ENOSPC``) is raised again naming ``path``. The new file gets the permissions an
ordinary ``open`` would give it (those of the file it replaces, else
``0o666`` less the umask), not the private ``0o600`` of a temporary file.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from typing import IO, Any

__all__ = ["atomic_write"]


def _read_umask() -> int:
    mask = os.umask(0o022)  # the only portable way to read it is to set it
    os.umask(mask)
    return mask


_UMASK = _read_umask()  # read once, at import, before any threads write files


def _new_file_mode(path: str) -> int:
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        return 0o666 & ~_UMASK


def _fsync_dir(folder: str) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # platforms that cannot open a folder (Windows)
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "wb", **kwargs: Any) -> Iterator[IO]:
    """Open a temporary file for writing; on success it replaces ``path`` atomically.

    Parameters
    ----------
    path : str or os.PathLike
        The destination. Its folder must exist.
    mode : {'wb', 'w'}
        Binary or text writing.
    **kwargs
        Passed to ``open`` (``encoding=``, ``newline=``) in text mode.

    Yields
    ------
    file object
        Write to it inside the ``with`` block.

    Examples
    --------
    >>> with atomic_write("out.txt", "w", encoding="utf-8") as f:  # doctest: +SKIP
    ...     f.write("hello")
    """
    if mode not in ("wb", "w"):
        raise ValueError(f"atomic_write: mode must be 'wb' or 'w', got {mode!r}")
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"atomic_write: folder {folder!r} of {path!r} does not exist")
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=folder)
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(fd, _new_file_mode(path))
        with os.fdopen(fd, mode, **kwargs) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError) and exc.filename is None and exc.errno is not None:
            # a full disk: "[Errno 28] No space left on device: 'runs/D/last.safetensors'"
            raise type(exc)(exc.errno, exc.strerror, path) from exc
        raise
    _fsync_dir(folder)
