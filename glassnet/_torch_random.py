"""``torch.random``: seeding and the global generator's state, and :func:`fork_rng`.

The functions are also glassnet's top-level ones (``gn.manual_seed``, ``gn.get_rng_state``);
under ``glassnet run`` this module is ``torch.random``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from . import random as _random
from ._torch_config import get_rng_state, initial_seed, seed, set_rng_state

__all__ = ["manual_seed", "seed", "initial_seed", "get_rng_state", "set_rng_state", "fork_rng"]


def manual_seed(seed: int) -> None:
    """Seed glassnet's global random generator (initialisation, dropout, shuffling)."""
    _random.manual_seed(seed)


@contextmanager
def fork_rng(devices: Iterable[Any] | None = None, enabled: bool = True, _caller: str = "fork_rng",
             _devices_kw: str = "devices", device_type: str | None = None) -> Iterator[None]:  # fmt: skip
    """Run the block with the global generator's state restored afterwards.

    Random numbers drawn inside the block (dropout masks, ``randn``) do not change what
    the code after it draws, as with ``torch.random.fork_rng``.

    Parameters
    ----------
    devices, device_type
        Accepted; glassnet's global generator is the one state saved (GPU streams draw
        from it too).
    enabled : bool, default True
        False runs the block without saving or restoring anything.
    """
    if not enabled:
        yield
        return
    state = get_rng_state()
    try:
        yield
    finally:
        set_rng_state(state)
