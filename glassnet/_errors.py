"""Exception classes that are glassnet's and PyTorch's at once.

PyTorch raises ``RuntimeError`` for a wrong shape (``mat1 and mat2 shapes cannot be
multiplied``, ``The size of tensor a (3) must match the size of tensor b (4)``, ``shape
'[5, 2]' is invalid for input of size 12``) and ``IndexError`` for a dimension out of
range; glassnet's own code and tests expect ``ValueError`` there. Each class here derives
from both, so ``except RuntimeError:`` in a PyTorch script and ``except ValueError:`` in
glassnet code catch the same error::

    >>> issubclass(ShapeError, RuntimeError) and issubclass(ShapeError, ValueError)
    True

This module imports nothing from glassnet: every layer may raise these.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["ShapeError", "OutOfRangeError", "DeviceError", "IndexBoundsError",
           "broadcast_message",
           "broadcast_failed"]


class ShapeError(ValueError, RuntimeError):
    """A tensor of the wrong shape, rank or size: glassnet's ``ValueError``, torch's ``RuntimeError``."""


class OutOfRangeError(ValueError, IndexError):
    """A dimension or class index out of range: glassnet's ``ValueError``, torch's ``IndexError``."""


class IndexBoundsError(IndexError, RuntimeError):
    """An index past a tensor's end where torch raises ``RuntimeError`` (``gather``)."""


class DeviceError(ValueError, RuntimeError):
    """Operands on two devices: glassnet's ``ValueError``, torch's ``RuntimeError``."""


def broadcast_message(who: str, shapes: Sequence[tuple[int, ...]]) -> str:
    """``who``'s message for operands whose shapes do not broadcast, with torch's wording.

    Parameters
    ----------
    who : str
        The op, e.g. ``"add"``.
    shapes : sequence of tuple of int
        The operands' shapes (two or more).

    Returns
    -------
    str
        E.g. ``"add: shapes (2, 3) and (2, 4) do not broadcast: the size of tensor a (3)
        must match the size of tensor b (4) at non-singleton dimension 1"``.
    """
    shapes = [tuple(s) for s in shapes]
    text = f"{who}: shapes {' and '.join(str(s) for s in shapes)} do not broadcast"
    rank = max(len(s) for s in shapes)
    for i, a in enumerate(shapes):
        for j in range(i + 1, len(shapes)):
            b = shapes[j]
            for k in range(1, min(len(a), len(b)) + 1):
                if a[-k] != b[-k] and a[-k] != 1 and b[-k] != 1:
                    return (
                        f"{text}: the size of tensor {chr(97 + i)} ({a[-k]}) must match the size "
                        f"of tensor {chr(97 + j)} ({b[-k]}) at non-singleton dimension {rank - k}"
                    )
    return text


def broadcast_failed(who: str, err: ValueError, *operands: Any) -> None:
    """Raise a :class:`ShapeError` naming ``who`` when ``err`` is NumPy refusing to broadcast
    ``operands``; return otherwise (the caller then re-raises ``err``).

    Called only in an ``except ValueError`` clause, so the success path costs nothing.
    """
    if "broadcast" in str(err):
        shapes = [tuple(v.shape) if hasattr(v, "shape") else np.shape(v) for v in operands]
        raise ShapeError(broadcast_message(who, shapes)) from err
