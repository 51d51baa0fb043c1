"""glassnet's global random generator (initialisation, dropout, shuffling, augmentation).

``gn.manual_seed(n)`` makes a run reproducible. Code that wants its own stream
passes a ``numpy.random.Generator`` explicitly.

Random numbers needed on a GPU (dropout masks) are drawn there, from
:func:`device_rng`: one CuPy generator per GPU, seeded from the last
``manual_seed`` (so GPU runs are reproducible too). Only the host generator's
state is part of :func:`get_state` (checkpoints).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from ._validate import is_int
from .backend import _import_cupy

__all__ = [
    "Generator",
    "manual_seed",
    "get_rng",
    "get_state",
    "set_state",
    "device_rng",
    "thread_rng",
    "initial_seed",
]

_seed: int = int(np.random.SeedSequence().entropy % (2**63))  # as torch: a random default
_rng = np.random.default_rng(_seed)
_device_rngs: dict[int, tuple[Any, Any]] = {}  # device -> (CuPy module, generator)
_DEVICE_STREAM = 0x67707521  # keeps the GPU streams apart from the host one
_local = threading.local()  # a per-thread generator set by thread_rng()


class Generator(np.random.Generator):
    """torch's ``torch.Generator``: a NumPy generator with torch's seeding methods.

    ``torch.Generator().manual_seed(42)`` gives a generator that every glassnet function
    taking ``generator=`` accepts (it *is* a ``numpy.random.Generator``), so
    ``random_split(ds, [0.8, 0.2], generator=torch.Generator().manual_seed(42))`` is
    reproducible. The numbers are NumPy's PCG64 stream, not torch's.

    Parameters
    ----------
    device : str or Device, default 'cpu'
        Only the CPU is supported.
    """

    def __init__(self, device: Any = "cpu") -> None:
        if str(device).split(":")[0] != "cpu":
            raise NotImplementedError(
                f"torch.Generator(device={device!r}): glassnet's generators live on the CPU; "
                "use torch.Generator() (GPU dropout masks draw from glassnet.random.device_rng)"
            )
        seed = int(np.random.SeedSequence().generate_state(1, np.uint64)[0] >> np.uint64(1))
        super().__init__(np.random.PCG64(seed))
        self._initial_seed = seed
        self.device = "cpu"

    def manual_seed(self, seed: int) -> Generator:
        """Reseed from ``seed`` (a non-negative int) and return self."""
        if not is_int(seed) or seed < 0:
            raise ValueError(
                f"Generator.manual_seed: seed must be a non-negative int, got {seed!r}"
            )
        self.bit_generator.state = np.random.PCG64(int(seed)).state
        self._initial_seed = int(seed)
        return self

    def seed(self) -> int:
        """Reseed from fresh entropy and return the new seed."""
        new = int(np.random.SeedSequence().generate_state(1, np.uint64)[0] >> np.uint64(1))
        self.manual_seed(new)
        return new

    def initial_seed(self) -> int:
        """The seed this generator was last seeded with."""
        return self._initial_seed

    def get_state(self) -> dict[str, Any]:
        """The generator's state, a dict that :meth:`set_state` takes back."""
        return self.bit_generator.state

    def set_state(self, new_state: dict[str, Any]) -> Generator:
        """Restore a state returned by :meth:`get_state`; return self."""
        self.bit_generator.state = new_state
        return self


def manual_seed(seed: int) -> np.random.Generator:
    """Reseed the global generator and return it."""
    global _rng, _seed
    if not is_int(seed) or seed < 0:
        raise ValueError(f"manual_seed: seed must be a non-negative int, got {seed!r}")
    _rng = np.random.default_rng(int(seed))
    _seed = int(seed)
    _device_rngs.clear()  # GPU generators are remade from the new seed on first use
    return _rng


def initial_seed() -> int:
    """The seed of the global generator: the last ``manual_seed``, else the one drawn at
    import."""
    return _seed


def get_rng() -> np.random.Generator:
    """The global generator (or the calling thread's, inside :func:`thread_rng`)."""
    return getattr(_local, "rng", None) or _rng


@contextmanager
def thread_rng(gen: np.random.Generator) -> Iterator[np.random.Generator]:
    """Make ``gen`` the generator :func:`get_rng` returns in this thread for the block.

    :class:`glassnet.nn.DataParallel` gives each slice's thread a generator
    seeded from the global one, so dropout masks do not depend on the order
    in which the threads happen to draw.
    """
    prev = getattr(_local, "rng", None)
    _local.rng = gen
    try:
        yield gen
    finally:
        _local.rng = prev


def get_state() -> dict[str, Any]:
    """The generator's state as a JSON-serialisable dict (for checkpoints)."""
    return _rng.bit_generator.state


def set_state(state: dict[str, Any]) -> None:
    """Restore a state returned by :func:`get_state`."""
    _rng.bit_generator.state = state


def device_rng(device_id: int = 0) -> Any:
    """The generator that draws random numbers on GPU ``device_id`` (``cupy.random.RandomState``).

    Seeded from the last :func:`manual_seed` and the device number (from fresh
    entropy when no seed was set); made on first use, after a CUDA device is in use.
    """
    cp = _import_cupy()
    found = _device_rngs.get(device_id)
    if found is not None and found[0] is cp:
        return found[1]
    entropy = _seed if _seed is not None else np.random.SeedSequence().entropy
    seed = int(np.random.SeedSequence([entropy, device_id, _DEVICE_STREAM]).generate_state(1)[0])
    with cp.cuda.Device(device_id):
        gen = cp.random.RandomState(seed)
    _device_rngs[device_id] = (cp, gen)
    return gen
