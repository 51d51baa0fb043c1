"""The error a bad data file gives: :class:`DataError`, naming the file (and row, column, class)."""

from __future__ import annotations

__all__ = ["DataError", "DataWarning"]


class DataError(ValueError):
    """A data file or folder that cannot be used as it is.

    The message names the file or folder and says what was expected and what
    was found; the command line prints it as one line and exits with status 2.
    """


class DataWarning(UserWarning):
    """Something in a data file that is read but left unused (the command line prints
    ``glassnet: warning: ...`` and goes on), e.g. an ``.npz`` array of no known role."""
