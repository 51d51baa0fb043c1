"""``glassnet run SCRIPT.py [ARGS...]``: run an unmodified PyTorch script on glassnet.

The script runs as ``__main__`` with ``sys.argv = [SCRIPT.py, ARGS...]`` and its
folder first on ``sys.path``, as ``python SCRIPT.py ARGS...`` would run it (the rest of
``sys.path`` stays as it is), but
with the import hook of :mod:`glassnet.cli.torch_alias` installed: ``torch``,
``torch.*``, ``torchvision`` and ``torchvision.*`` are glassnet's modules. The
exit status is the script's (``sys.exit(n)`` gives ``n``; an uncaught exception
prints its traceback and gives 1). A missing script is a usage error (status 2).
"""

from __future__ import annotations

import argparse
import os
import runpy
import sys
import traceback
from typing import Any

from .options import UsageError
from .torch_alias import install, uninstall

__all__ = ["add_parser", "run", "run_script"]


def add_parser(sub: Any) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "run",
        help="run an unmodified PyTorch script on glassnet (torch and torchvision map to glassnet)",
        description=(
            "Run SCRIPT.py as `python SCRIPT.py ARGS...` would, with `import torch` and "
            "`import torchvision` resolving to glassnet's modules (whether or not PyTorch is "
            "installed). A torch API glassnet lacks raises NotImplementedError naming it and "
            "the nearest glassnet API. The exit status is the script's. See docs/pytorch.md."
        ),
    )
    p.add_argument("script", metavar="SCRIPT.py", help="the PyTorch script to run")
    p.add_argument(
        "script_args", nargs=argparse.REMAINDER, metavar="ARGS", help="the script's own arguments"
    )
    return p


def _exit_status(code: Any) -> int:
    """The process status ``sys.exit(code)`` means (a message is printed, as Python does)."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    sys.stderr.write(f"{code}\n")
    return 1


def _print_script_traceback(exc: BaseException, script: str) -> None:
    """The traceback from the script's own frames on (runpy's and glassnet run's left out)."""
    tb = exc.__traceback__
    while tb is not None and os.path.abspath(tb.tb_frame.f_code.co_filename) != script:
        tb = tb.tb_next
    traceback.print_exception(type(exc), exc, tb or exc.__traceback__)


def run_script(script: str, argv: list[str]) -> int:
    """Run ``script`` with ``argv`` under the torch aliases; return its exit status.

    Parameters
    ----------
    script : str
        Path of a Python file.
    argv : list of str
        The script's arguments (``sys.argv[1:]``).

    Returns
    -------
    int
        0 on success, ``n`` after ``sys.exit(n)``, 1 after an uncaught exception, 130 on Ctrl-C.
    """
    if not os.path.isfile(script):
        raise UsageError(f"run: SCRIPT.py {script!r} is not a file")
    path = os.path.abspath(script)
    saved_argv, saved_path = sys.argv[:], sys.path[:]
    sys.argv = [script, *argv]
    sys.path.insert(0, os.path.dirname(path))  # the script's folder first, as python does
    finder = install()
    try:
        runpy.run_path(path, run_name="__main__")
        return 0
    except SystemExit as exc:
        return _exit_status(exc.code)
    except KeyboardInterrupt:
        sys.stderr.write("glassnet run: interrupted\n")
        return 130
    except Exception as exc:  # the script's error: its traceback, status 1, like python
        _print_script_traceback(exc, path)
        return 1
    finally:
        uninstall(finder)
        sys.argv = saved_argv
        sys.path[:] = saved_path


def run(args: argparse.Namespace) -> int:
    sys.stdout.flush()
    return run_script(args.script, list(args.script_args))
