"""The ``glassnet`` command line: ``glassnet demo``, ``glassnet train``, ``glassnet evaluate``.

Each sub-command is a module with ``add_parser(subparsers)`` and ``run(args)``;
the work itself is in :mod:`glassnet.cli.pipeline` so it can be called from
Python too.
"""

from .main import main

__all__ = ["main"]
