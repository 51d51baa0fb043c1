"""Samplers: the order in which a :class:`~glassnet.data.DataLoader` visits a dataset.

A sampler yields dataset indices; :class:`BatchSampler` groups them into
batches (index arrays). Samplers that can produce a whole epoch's order at
once implement ``indices()`` returning an integer array, so batching is a
slice of that array rather than a Python loop; a distributed sampler plugs in
by subclassing :class:`Sampler` and returning its shard from ``indices()``.

Shuffling is keyed by ``(seed, epoch)``: epoch ``e`` of a run always visits
the same order, so a run resumed with ``set_epoch(e)`` sees the batches it
would have seen.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from .. import random as _random
from .._validate import int_at_least, is_int, positive_int

__all__ = ["Sampler", "SequentialSampler", "RandomSampler", "BatchSampler", "draw_seed"]


def draw_seed(seed: int | np.random.Generator | None, who: str) -> int:
    """A base seed: ``seed`` itself, or one drawn from a Generator / the global generator."""
    if seed is None:
        return int(_random.get_rng().integers(2**63))
    if isinstance(seed, np.random.Generator):
        return int(seed.integers(2**63))
    if not is_int(seed) or seed < 0:
        raise ValueError(
            f"{who}: seed must be a non-negative int or a numpy Generator, got {seed!r}"
        )
    return int(seed)


def _size(who: str, data_source: Any) -> int:
    if is_int(data_source):
        n = int(data_source)
    else:
        try:
            n = len(data_source)
        except TypeError:
            raise TypeError(
                f"{who}: expected a dataset (with len) or a sample count, got {type(data_source).__name__}"
            ) from None
    if n < 0:
        raise ValueError(f"{who}: the number of samples must be >= 0, got {n}")
    return n


class Sampler:
    """Base class: iterate over dataset indices.

    Subclasses override ``indices()`` (the order of one epoch as an int
    array) or ``__iter__``, and ``__len__``. ``set_epoch(e)`` selects the
    epoch whose order the next pass produces; the
    :class:`~glassnet.data.DataLoader` calls it before every pass.
    """

    epoch: int = 0

    def __init__(self, data_source: Any = None) -> None:
        """``data_source`` is accepted (and ignored) as torch's ``Sampler.__init__`` does."""

    def set_epoch(self, epoch: int) -> None:
        """Make the next pass produce the order of epoch ``epoch``."""
        epoch = int_at_least(f"{type(self).__name__}.set_epoch", "epoch", epoch, 0)
        self.epoch = int(epoch)

    def indices(self) -> np.ndarray:
        """The order of the next pass as an int64 array (advances the epoch)."""
        if type(self).__iter__ is Sampler.__iter__:
            raise NotImplementedError(f"{type(self).__name__} must implement indices() or __iter__")
        return np.fromiter(iter(self), dtype=np.int64)

    def __iter__(self) -> Iterator[int]:
        return iter(self.indices().tolist())

    def __len__(self) -> int:  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__} must implement __len__")


class SequentialSampler(Sampler):
    """``0, 1, ..., n-1`` every epoch.

    Parameters
    ----------
    data_source : Dataset or int
        The dataset (or its length).
    """

    def __init__(self, data_source: Any) -> None:
        self.n = _size("SequentialSampler", data_source)

    def indices(self) -> np.ndarray:
        self.epoch += 1
        return np.arange(self.n, dtype=np.int64)

    def __len__(self) -> int:
        return self.n

    def __repr__(self) -> str:
        return f"SequentialSampler({self.n})"


class RandomSampler(Sampler):
    """A fresh random permutation each epoch, reproducible from ``(seed, epoch)``.

    Parameters
    ----------
    data_source : Dataset or int
        The dataset (or its length).
    seed : int or numpy.random.Generator, optional
        Base seed. Default: drawn from glassnet's global generator at
        construction (so ``gn.manual_seed`` makes runs reproducible).

    Examples
    --------
    >>> s = RandomSampler(5, seed=0)
    >>> a, b = s.indices(), s.indices()    # epochs 0 and 1 differ
    >>> s.set_epoch(1); bool((s.indices() == b).all())
    True
    """

    def __init__(self, data_source: Any, *, seed: int | np.random.Generator | None = None) -> None:
        self.n = _size("RandomSampler", data_source)
        self.seed = draw_seed(seed, "RandomSampler")
        self.epoch = 0

    def indices(self) -> np.ndarray:
        rng = np.random.default_rng([self.seed, self.epoch])
        self.epoch += 1
        return rng.permutation(self.n).astype(np.int64, copy=False)

    def __len__(self) -> int:
        return self.n

    def __repr__(self) -> str:
        return f"RandomSampler({self.n}, seed={self.seed}, epoch={self.epoch})"


class BatchSampler(Sampler):
    """Group a sampler's indices into batches (int64 arrays).

    Parameters
    ----------
    sampler : Sampler or iterable of int
    batch_size : int
        Samples per batch (the last one may be smaller).
    drop_last : bool, default False
        Drop the last batch when it is smaller than ``batch_size``.
    """

    def __init__(self, sampler: Any, batch_size: int, *, drop_last: bool = False) -> None:
        batch_size = positive_int("BatchSampler", "batch_size", batch_size)
        self.sampler = sampler
        self.batch_size = int(batch_size)
        self.drop_last = bool(drop_last)

    def set_epoch(self, epoch: int) -> None:
        super().set_epoch(epoch)
        if hasattr(self.sampler, "set_epoch"):
            self.sampler.set_epoch(epoch)

    def __iter__(self) -> Iterator[np.ndarray]:
        get = getattr(self.sampler, "indices", None)
        order = get() if callable(get) else np.fromiter(iter(self.sampler), dtype=np.int64)
        order = np.asarray(order, dtype=np.int64)
        bs = self.batch_size
        stop = len(order) - len(order) % bs if self.drop_last else len(order)
        for start in range(0, stop, bs):
            yield order[start : start + bs]

    def __len__(self) -> int:
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def __repr__(self) -> str:
        return f"BatchSampler({self.sampler!r}, batch_size={self.batch_size}, drop_last={self.drop_last})"
