"""glassnet's global random generator (initialisation, dropout, shuffling, augmentation).

``gn.manual_seed(n)`` makes a run reproducible. Code that wants its own stream
passes a ``numpy.random.Generator`` explicitly.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["manual_seed", "get_rng", "get_state", "set_state"]

_rng = np.random.default_rng()


def manual_seed(seed: int) -> np.random.Generator:
    """Reseed the global generator and return it."""
    global _rng
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"manual_seed: seed must be a non-negative int, got {seed!r}")
    _rng = np.random.default_rng(int(seed))
    return _rng


def get_rng() -> np.random.Generator:
    """The global generator."""
    return _rng


def get_state() -> dict[str, Any]:
    """The generator's state as a JSON-serialisable dict (for checkpoints)."""
    return _rng.bit_generator.state


def set_state(state: dict[str, Any]) -> None:
    """Restore a state returned by :func:`get_state`."""
    _rng.bit_generator.state = state
