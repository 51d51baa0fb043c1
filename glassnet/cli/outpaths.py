"""Output paths named on the command line (``--out``), checked before any work is done.

A path that cannot be written -- an existing folder where a file goes, a file
where a folder goes, a folder the process may not write in or that cannot hold
files (``/proc``, a read-only mount) -- is a usage error (exit status 2) whose
one line names the flag and the path, instead of an ``OSError`` about a
temporary file half-way through the command.
"""

from __future__ import annotations

import os
import tempfile

from .options import UsageError

__all__ = ["check_out_file", "check_out_folder"]


def _nearest_folder(path: str) -> str:
    """The deepest existing ancestor of ``path`` (what a ``makedirs`` would start from)."""
    folder = os.path.dirname(os.path.abspath(path))
    while not os.path.exists(folder):
        folder = os.path.dirname(folder)
    return folder


def _check_writable(flag: str, path: str, folder: str) -> None:
    """A :class:`UsageError` naming ``path`` when no file can be made in ``folder``."""
    if not os.path.isdir(folder):
        raise UsageError(f"{flag}: {path!r}: {folder!r} is a file, expected a folder")
    try:
        fd, probe = tempfile.mkstemp(prefix=".glassnet-probe-", dir=folder)
    except OSError as exc:
        raise UsageError(
            f"{flag}: {path!r}: cannot write in folder {folder!r} ({exc.strerror or exc})"
        ) from None
    os.close(fd)
    os.remove(probe)


def check_out_file(flag: str, path: str, what: str = "file") -> None:
    """Refuse an output file ``path`` that is a folder or lies where nothing can be written.

    Parameters
    ----------
    flag : str
        The option, e.g. ``"--out"``.
    path : str
        The file to be written (its missing parent folders may be made later).
    what : str, default "file"
        What the file is, for the message (``"PNG file"``).
    """
    if os.path.isdir(path):
        raise UsageError(f"{flag}: {path!r} is a folder; expected a {what} name")
    _check_writable(flag, path, _nearest_folder(path))


def check_out_folder(flag: str, path: str) -> None:
    """Refuse an output folder ``path`` that is a file or lies where nothing can be written."""
    if os.path.exists(path) and not os.path.isdir(path):
        raise UsageError(f"{flag}: {path!r} is a file; expected a folder (or a new folder's name)")
    here = path if os.path.isdir(path) else _nearest_folder(os.path.join(path, "x"))
    _check_writable(flag, path, here)
