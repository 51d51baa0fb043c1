"""``glassnet`` (and ``python -m glassnet``): the command-line entry point.

User errors -- a bad flag value, a bad data file, a missing or invalid
checkpoint or run folder (missing, not a checkpoint, truncated, weights of other
shapes) -- print one line ``glassnet: error: ...`` to stderr and exit with
status 2; other failures (a download that fails, a full disk, an internal
error) print one line too and exit with 1; ``--debug`` shows the traceback
instead. Ctrl-C exits with 130 (during training after saving a
checkpoint; SIGTERM there gives 143).
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from collections.abc import Sequence
from typing import Any

from .. import __version__
from . import demo, evaluate, explain, lr_find, predict, run, summary, train
from .options import UsageError, one_line

__all__ = ["main", "build_parser"]

COMMANDS = (demo, train, evaluate, predict, explain, summary, lr_find, run)


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line on stderr (status 2)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"glassnet: error: {message} (see '{self.prog} --help')\n")
        sys.exit(2)


def build_parser() -> argparse.ArgumentParser:
    """The parser of ``glassnet`` and its sub-commands."""
    parser = _Parser(
        prog="glassnet",
        description=(
            "glassnet: deep learning on NumPy -- demo, train, evaluate, predict and explain "
            "from the shell."
        ),
    )
    parser.add_argument("--version", action="version", version=f"glassnet {__version__}")
    parser.add_argument(
        "--debug", action="store_true", default=False, help="show tracebacks on errors"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in COMMANDS:
        p = module.add_parser(sub)
        p.add_argument(
            "--debug",
            action="store_true",
            default=argparse.SUPPRESS,
            help="show tracebacks on errors",
        )
        p.set_defaults(func=module.run)
    return parser


_USER_ERRORS = (ValueError, TypeError, KeyError, OSError, RuntimeError)


def _show_warning(message: Any, category: type, filename: str, lineno: int, *rest: Any) -> None:
    """glassnet's own warnings as one line, ``glassnet: warning: ...``; others as Python shows them."""
    if category.__module__.startswith("glassnet."):
        sys.stderr.write(f"glassnet: warning: {message}\n")
        return
    sys.stderr.write(warnings.formatwarning(message, category, filename, lineno))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``glassnet`` command line; return the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version and usage errors (already printed)
        return exc.code if isinstance(exc.code, int) else 2
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            return int(args.func(args) or 0)
    except BrokenPipeError:  # e.g. `glassnet evaluate ... | head`: stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except KeyboardInterrupt:
        if args.debug:
            raise
        sys.stderr.write("glassnet: interrupted\n")
        return 130
    except UsageError as exc:
        if args.debug:
            raise
        sys.stderr.write(f"glassnet: error: {one_line(exc)}\n")
        return 2
    except Exception as exc:
        if args.debug:
            raise
        hint = "" if isinstance(exc, _USER_ERRORS) else " (run with --debug for the traceback)"
        if not getattr(exc, "printed", False):  # a collective's timeout printed its own line
            sys.stderr.write(f"glassnet: error: {one_line(exc)}{hint}\n")
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
