"""One process at a time per run folder: a lock file held with ``flock``.

A process that trains into a run folder (``glassnet train``, new or
``--resume``) holds ``RUN/.lock`` for as long as it trains. A second process
that wants the folder is refused at once with a message naming the process
that holds it (its PID, host and command). The lock is the kernel's
(``fcntl.flock``), taken on an open file, so it ends with its process however
that process ends: after a SIGKILL or a crash the folder is free again, and a
stale ``.lock`` file never blocks a resume.

Within one process the lock is re-entrant (a resume in the same Python session
after training into the folder), so it guards against other processes, not
other threads.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import socket
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

try:  # POSIX; elsewhere the folder is not locked
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "RunFolderBusy", "LOCK_FILE", "hold", "hold_on_main", "release", "held", "holds_run_folders",
    "holding",
]  # fmt: skip

LOCK_FILE = ".lock"

#: The folders this process holds: real path -> the open lock file's descriptor.
_held: dict[str, int] = {}

F = TypeVar("F", bound=Callable[..., Any])


class RunFolderBusy(RuntimeError):
    """Another process holds the run folder (it is training into it)."""


def _key(folder: str | os.PathLike) -> str:
    return os.path.realpath(os.fspath(folder))


def held() -> list[str]:
    """The run folders this process holds (real paths)."""
    return list(_held)


def hold(folder: str | os.PathLike) -> None:
    """Take the lock of ``folder`` for this process, or raise :class:`RunFolderBusy`.

    Parameters
    ----------
    folder : str or os.PathLike
        An existing run folder.

    Raises
    ------
    RunFolderBusy
        Another living process holds it; the message names that process.
    """
    key = _key(folder)
    if key in _held or fcntl is None:
        return
    if not os.path.isdir(key):
        raise FileNotFoundError(f"run folder {os.fspath(folder)!r} does not exist")
    fd = os.open(os.path.join(key, LOCK_FILE), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        holder = _read_holder(fd)
        os.close(fd)
        raise RunFolderBusy(
            f"run folder {os.fspath(folder)!r} is in use by {holder}; wait for it to end or "
            "stop it (a process that was killed frees the folder at once)"
        ) from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, _holder_line().encode("utf-8", "replace"), 0)
    _held[key] = fd


def hold_on_main(folder: str | os.PathLike | None, world: Any) -> None:
    """:func:`hold` ``folder`` on the main rank of ``world`` (the rank that writes the run folder);
    nothing for ``None``."""
    if folder is not None and world.is_main:
        hold(folder)


def release(folder: str | os.PathLike) -> None:
    """Give the lock of ``folder`` back (nothing happens if this process does not hold it)."""
    fd = _held.pop(_key(folder), None)
    if fd is None:
        return
    with contextlib.suppress(OSError):
        os.ftruncate(fd, 0)  # the holder's line no longer describes anyone
    os.close(fd)  # closing ends the flock


def holds_run_folders(fn: F) -> F:
    """Decorate ``fn`` so that the run folders it takes with :func:`hold` are released when it
    returns or raises (folders held before the call stay held)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        before = set(_held)
        try:
            return fn(*args, **kwargs)
        finally:
            for key in [k for k in _held if k not in before]:
                release(key)

    return wrapper  # type: ignore[return-value]


@contextlib.contextmanager
def holding(folder: str | os.PathLike) -> Iterator[None]:
    """``with holding(folder):`` hold it for the block (unless this process held it already)."""
    mine = _key(folder) not in _held
    hold(folder)
    try:
        yield
    finally:
        if mine:
            release(folder)


def _holder_line() -> str:
    """What the lock file says about its holder: one JSON object."""
    command = " ".join(os.path.basename(a) if i == 0 else a for i, a in enumerate(sys.argv))
    return json.dumps({
        "pid": os.getpid(), "host": socket.gethostname(),
        "since": time.strftime("%Y-%m-%d %H:%M:%S"), "command": command[:200],
    }) + "\n"  # fmt: skip


def _read_holder(fd: int) -> str:
    """``process 1234 on host h (since ..., command ...)`` from the lock file, as far as known."""
    try:
        fields = json.loads(os.pread(fd, 4096, 0).decode("utf-8", "replace"))
    except (OSError, ValueError):
        fields = None
    if not isinstance(fields, dict) or "pid" not in fields:
        return "another process (it has not written its name yet)"
    rest = ", ".join(f"{k} {fields[k]}" for k in ("since", "command") if fields.get(k))
    return f"process {fields['pid']} on host {fields.get('host', '?')}" + (
        f" ({rest})" if rest else ""
    )
