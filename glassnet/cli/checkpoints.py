"""A checkpoint or run folder named on the command line that cannot be used is a usage error.

``--checkpoint FILE``, ``--run RUN_FOLDER`` and ``--resume RUN_FOLDER`` are the
user's input like ``--data``: a path that does not exist, a folder where a file
was expected, a file that is not a glassnet checkpoint (empty, truncated, plain
weights, a PyTorch ``.pt``), a ``config.toml`` that does not parse, or weights
whose names or shapes do not fit the model the run describes all exit with
status 2 and one line naming the flag, the file and the fault. Only these
faults are converted: any other exception is an internal error (status 1).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from ..io.safetensors import CheckpointError
from ..io.tomlconf import ConfigError
from .options import UsageError, one_line

__all__ = ["user_checkpoint", "check_checkpoint_path", "check_run_path", "FILE_FAULTS"]

#: What reading a named checkpoint or run folder raises when the file, not glassnet, is at fault.
FILE_FAULTS = (
    CheckpointError, ConfigError, FileNotFoundError, IsADirectoryError, NotADirectoryError,
    PermissionError,
)  # fmt: skip


@contextmanager
def user_checkpoint(flag: str, *, also: tuple[type[Exception], ...] = ()) -> Iterator[None]:
    """Turn a fault of the file behind ``flag`` into a :class:`UsageError` (exit status 2).

    Parameters
    ----------
    flag : str
        The option that named the file, e.g. ``"--checkpoint"``; it starts the message.
    also : tuple of exception types, optional
        More faults that the code inside reports about the file only, e.g. the
        ``KeyError`` of :func:`~glassnet.io.checkpoint.check_restorable` for
        weights whose names do not fit the model (wrap that check alone).
    """
    try:
        yield
    except UsageError:
        raise
    except (*FILE_FAULTS, *also) as exc:
        raise UsageError(f"{flag}: {one_line(exc)}") from exc


def check_checkpoint_path(path: str) -> None:
    """Refuse a ``--checkpoint`` that is missing or a folder, saying which (and what to pass).

    Raises
    ------
    UsageError
        ``--checkpoint: 'PATH' does not exist`` or ``... is a folder ...``.
    """
    if os.path.isdir(path):
        if os.path.isfile(os.path.join(path, "config.toml")):
            raise UsageError(
                f"--checkpoint: {path!r} is a run folder, expected a checkpoint file; "
                f"pass --run {path} (or --checkpoint {os.path.join(path, 'best.safetensors')})"
            )
        raise UsageError(
            f"--checkpoint: {path!r} is a folder, expected a checkpoint file (.safetensors) "
            "written by glassnet train"
        )
    if not os.path.lexists(path):
        raise UsageError(f"--checkpoint: {path!r} does not exist")
    if not os.path.exists(path):
        raise UsageError(f"--checkpoint: {path!r} is a broken symbolic link")


def check_run_path(flag: str, path: str) -> None:
    """Refuse a ``--run`` / ``--resume`` path that is a file, pointing to ``--checkpoint``.

    (A missing folder, or one without ``config.toml``, is named by
    :meth:`~glassnet.train.RunFolder.open` under :func:`user_checkpoint`.)
    """
    if os.path.isfile(path):
        hint = f"; pass --checkpoint {path}" if flag == "--run" else ""
        raise UsageError(f"{flag}: {path!r} is a file, expected a run folder{hint}")
