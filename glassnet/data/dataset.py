"""Map-style datasets: ``Dataset``, ``TensorDataset``, ``Subset``, ``ConcatDataset``, ``random_split``.

A dataset maps an index ``0 <= i < len(ds)`` to a sample. Array-backed
datasets also implement ``get_batch(indices)``, which returns whole batches
with one fancy-indexing call per array: the :class:`~glassnet.data.DataLoader`
uses it instead of a Python loop over samples.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import random as _random
from .._validate import is_int
from ._util import _unwrap

__all__ = ["Dataset", "TensorDataset", "Subset", "ConcatDataset", "random_split", "has_batches"]


class Dataset:
    """Base class of map-style datasets: override ``__getitem__`` and ``__len__``.

    Subclasses backed by arrays may also override ``get_batch(indices)`` to
    return a tuple of arrays (one per field, batch first); see
    :class:`TensorDataset`. ``ds1 + ds2`` concatenates.
    """

    def __getitem__(self, index: int) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__")

    def __len__(self) -> int:  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__} must implement __len__")

    def __add__(self, other: Dataset) -> ConcatDataset:
        return ConcatDataset([self, other])


def has_batches(dataset: Any) -> bool:
    """True when ``dataset.get_batch(indices)`` is available (the loader's fast path)."""
    fn = getattr(dataset, "get_batch", None)
    if fn is None:
        return False
    probe = getattr(dataset, "supports_get_batch", None)
    return bool(probe()) if callable(probe) else True


def _check_index(name: str, index: Any, n: int) -> int:
    if not is_int(index):
        raise TypeError(f"{name}: index must be an int, got {type(index).__name__} {index!r}")
    i = int(index)
    if i < 0:
        i += n
    if not 0 <= i < n:
        raise IndexError(f"{name}: index {index} is out of range for {n} samples")
    return i


def _check_indices(name: str, indices: Any, n: int) -> np.ndarray:
    idx = np.asarray(indices)
    if idx.size == 0:
        return idx.astype(np.intp)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"{name}: indices must be integers, got dtype {idx.dtype}")
    idx = idx.astype(np.intp, copy=False)
    if idx.size and (idx.min() < -n or idx.max() >= n):
        raise IndexError(f"{name}: indices must lie in [-{n}, {n}), got {idx.min()}..{idx.max()}")
    return idx


class TensorDataset(Dataset):
    """Samples are the rows of equally long arrays: ``ds[i] == (x[i], y[i])``.

    Parameters
    ----------
    *arrays : ndarray or Tensor
        One per field, all with the same first dimension ``N``. Tensors are
        stored by their data (no copy).

    Attributes
    ----------
    arrays : tuple of ndarray
        The fields.

    Examples
    --------
    >>> import numpy as np
    >>> ds = TensorDataset(np.zeros((4, 3), np.float32), np.arange(4))
    >>> len(ds), ds[1][1]
    (4, 1)
    """

    def __init__(self, *arrays: Any) -> None:
        if not arrays:
            raise ValueError("TensorDataset: needs at least one array, got none")
        data = []
        for k, a in enumerate(arrays):
            arr = _unwrap(a)
            if not hasattr(arr, "shape"):
                arr = np.asarray(arr)
            if arr.ndim == 0:
                raise ValueError(
                    f"TensorDataset: array {k} is a scalar; every array needs a first (sample) dimension"
                )
            data.append(arr)
        sizes = [len(a) for a in data]
        if len(set(sizes)) != 1:
            raise ValueError(
                f"TensorDataset: all arrays need the same first dimension, got sizes {sizes} "
                f"(shapes {[tuple(a.shape) for a in data]})"
            )
        self.arrays: tuple[Any, ...] = tuple(data)

    @property
    def tensors(self) -> tuple[Any, ...]:
        """Alias of :attr:`arrays` (PyTorch's name)."""
        return self.arrays

    def __len__(self) -> int:
        return len(self.arrays[0])

    def __getitem__(self, index: int) -> tuple[Any, ...]:
        i = _check_index("TensorDataset", index, len(self))
        return tuple(a[i] for a in self.arrays)

    def get_batch(self, indices: Any) -> tuple[Any, ...]:
        """The samples at ``indices`` stacked: one fancy-indexing call per array."""
        idx = _check_indices("TensorDataset", indices, len(self))
        return tuple(a[idx] for a in self.arrays)

    def __repr__(self) -> str:
        shapes = ", ".join(f"{tuple(a.shape)} {a.dtype}" for a in self.arrays)
        return f"TensorDataset({shapes})"


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order.

    Parameters
    ----------
    dataset : Dataset
    indices : sequence of int
        Positions in ``dataset`` (negative ones count from the end).
    """

    def __init__(self, dataset: Any, indices: Sequence[int] | np.ndarray) -> None:
        self.dataset = dataset
        self.indices = _check_indices("Subset", indices, len(dataset)).reshape(-1)

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, index: int) -> Any:
        return self.dataset[int(self.indices[_check_index("Subset", index, len(self))])]

    def supports_get_batch(self) -> bool:
        return has_batches(self.dataset)

    def get_batch(self, indices: Any) -> tuple[Any, ...]:
        """The samples at ``indices`` of this subset, gathered from the parent in one call."""
        return self.dataset.get_batch(self.indices[_check_indices("Subset", indices, len(self))])

    def __repr__(self) -> str:
        return f"Subset({len(self)} of {type(self.dataset).__name__} of {len(self.dataset)})"


class ConcatDataset(Dataset):
    """Several datasets one after the other.

    Parameters
    ----------
    datasets : sequence of Dataset
        At least one, none empty.
    """

    def __init__(self, datasets: Sequence[Any]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: needs at least one dataset, got none")
        sizes = [len(d) for d in self.datasets]
        if 0 in sizes:
            raise ValueError(f"ConcatDataset: dataset {sizes.index(0)} is empty (sizes {sizes})")
        self.cumulative_sizes: list[int] = np.cumsum(sizes).tolist()  # a list, as torch's

    def __len__(self) -> int:
        return int(self.cumulative_sizes[-1])

    def _locate(self, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        ends = np.asarray(self.cumulative_sizes)
        which = np.searchsorted(ends, idx, side="right")
        starts = np.concatenate(([0], ends[:-1]))
        return which, idx - starts[which]

    def __getitem__(self, index: int) -> Any:
        i = _check_index("ConcatDataset", index, len(self))
        which, local = self._locate(np.asarray([i]))
        return self.datasets[int(which[0])][int(local[0])]

    def supports_get_batch(self) -> bool:
        return all(has_batches(d) for d in self.datasets)

    def get_batch(self, indices: Any) -> tuple[Any, ...]:
        """Gather from each part in one call and put the rows back in request order."""
        idx = _check_indices("ConcatDataset", indices, len(self)).reshape(-1) % len(self)
        which, local = self._locate(idx)
        out: list[Any] | None = None
        for k in np.unique(which):
            rows = np.flatnonzero(which == k)
            part = self.datasets[int(k)].get_batch(local[rows])
            if out is None:
                out = [np.empty((len(idx),) + p.shape[1:], dtype=p.dtype) for p in part]
            if len(part) != len(out):
                raise ValueError(
                    f"ConcatDataset: dataset {int(k)} has {len(part)} fields, dataset 0 has {len(out)}"
                )
            for dst, src in zip(out, part):
                dst[rows] = src
        assert out is not None
        return tuple(out)

    def __repr__(self) -> str:
        return f"ConcatDataset({len(self.datasets)} datasets, {len(self)} samples)"


def _split_lengths(lengths: Sequence[float], n: int) -> list[int]:
    vals = list(lengths)
    if not vals:
        raise ValueError("random_split: lengths must not be empty")
    if all(is_int(v) for v in vals):
        if any(v < 0 for v in vals) or sum(vals) != n:
            raise ValueError(
                f"random_split: integer lengths must be >= 0 and sum to the dataset size {n}, "
                f"got {vals} (sum {sum(vals)})"
            )
        return [int(v) for v in vals]
    if any(isinstance(v, bool) or not 0 <= v <= 1 for v in vals) or not math.isclose(
        sum(vals), 1.0, abs_tol=1e-6
    ):
        raise ValueError(
            f"random_split: fractional lengths must lie in [0, 1] and sum to 1, got {vals}"
        )
    counts = [int(math.floor(n * f)) for f in vals]
    for k in range(n - sum(counts)):  # hand the remainder out round-robin, like PyTorch
        counts[k % len(counts)] += 1
    return counts


def _generator(seed: int | np.random.Generator | None, who: str) -> np.random.Generator:
    if seed is None:
        return _random.get_rng()
    if isinstance(seed, np.random.Generator):
        return seed
    if not is_int(seed) or seed < 0:
        raise ValueError(
            f"{who}: seed must be a non-negative int or a numpy Generator, got {seed!r}"
        )
    return np.random.default_rng(int(seed))


def random_split(
    dataset: Any,
    lengths: Sequence[float],
    *,
    seed: int | np.random.Generator | None = None,
) -> list[Subset]:
    """Split ``dataset`` into non-overlapping random subsets.

    Parameters
    ----------
    dataset : Dataset
    lengths : sequence of int or float
        Sizes summing to ``len(dataset)``, or fractions summing to 1 (the
        remainder of rounding goes to the first subsets).
    seed : int or numpy.random.Generator, optional
        Fixes the split. Default: glassnet's global generator
        (``gn.manual_seed``).

    Returns
    -------
    list of Subset

    Examples
    --------
    >>> import numpy as np
    >>> train, val = random_split(TensorDataset(np.arange(10)), [0.8, 0.2], seed=0)
    >>> len(train), len(val)
    (8, 2)
    """
    n = len(dataset)
    counts = _split_lengths(lengths, n)
    perm = _generator(seed, "random_split").permutation(n)
    bounds = np.cumsum([0] + counts)
    return [Subset(dataset, perm[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]
