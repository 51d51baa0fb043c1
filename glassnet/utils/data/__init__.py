"""``glassnet.utils.data``: torch.utils.data's names and signatures over :mod:`glassnet.data`.

::

    from glassnet.utils.data import DataLoader, TensorDataset, random_split
    train, val = random_split(TensorDataset(x, y), [0.8, 0.2])
    loader = DataLoader(train, batch_size=64, shuffle=True, num_workers=2, pin_memory=True)

The loading machinery is :class:`glassnet.data.DataLoader`; this module gives it
PyTorch's constructor and PyTorch's collation, under which a batch keeps the
dtype of its samples (Python floats become float64, ints int64, strings stay a
list of str). :class:`glassnet.data.DataLoader` instead casts floats to float32.

Differences from PyTorch, each on purpose:

- ``num_workers``: accepted, and every batch is loaded in the main process
  (``num_workers=0`` semantics); :func:`get_worker_info` returns None.
  ``pin_memory``, ``persistent_workers``, ``prefetch_factor``, ``timeout``,
  ``worker_init_fn`` and ``multiprocessing_context`` change no result and are
  accepted for that reason. The batches are the same; only parallel loading is absent.
- ``generator``: a ``numpy.random.Generator``, an int seed, or any object with
  ``initial_seed()``; the shuffle order is glassnet's, so it differs from
  torch's order for the same seed.
- Index batches from :class:`BatchSampler` are lists of int, as in torch.
- Iterable-style datasets (:class:`IterableDataset`) are read in the main process too, so a
  dataset that shards its stream by ``get_worker_info()`` yields all of it once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from ...data import dataloader as _loader
from ...data import dataset as _dataset
from ...data import sampler as _sampler
from ...data.dataset import ConcatDataset, Dataset
from ...data.dataset import TensorDataset as _ArrayDataset
from ...data.sampler import Sampler, SequentialSampler
from ...tensor import Tensor
from . import iterable as _iterable
from .iterable import ChainDataset, IterableDataset

__all__ = [
    "Dataset", "TensorDataset", "Subset", "ConcatDataset", "StackDataset", "random_split",
    "IterableDataset",
    "ChainDataset",
    "DataLoader", "default_collate", "default_convert", "get_worker_info",
    "Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler",
    "WeightedRandomSampler", "BatchSampler",
]  # fmt: skip


def _seed_of(generator: Any, who: str) -> int | np.random.Generator | None:
    """A glassnet seed from torch's ``generator=`` argument."""
    if generator is None or isinstance(generator, (int, np.random.Generator)):
        return generator
    initial = getattr(generator, "initial_seed", None)
    if callable(initial):
        return int(initial())
    raise TypeError(
        f"{who}: generator must be a numpy.random.Generator, an int seed or an object with "
        f"initial_seed(), got {type(generator).__name__}"
    )


def default_collate(batch: list[Any]) -> Any:
    """Stack samples into a batch of Tensors the way torch does, keeping each field's dtype.

    Parameters
    ----------
    batch : list
        Samples: Tensors, arrays, numbers, or tuples / lists / dicts of them.

    Returns
    -------
    Tensor or tuple or dict
        One Tensor of shape ``(len(batch), *sample_shape)`` per field; strings as lists.
    """
    return _torch_structure(_loader.to_tensor(_loader.default_collate(batch), keep_dtype=True))


def default_convert(data: Any) -> Any:
    """One sample as torch's loader gives it without batching (``batch_size=None``).

    NumPy arrays and scalars become Tensors (dtype kept); Tensors, Python numbers and strings
    stay as they are; tuples (namedtuples too), lists and dicts are converted item by item
    and keep their type.
    """
    if isinstance(data, Tensor) or isinstance(data, (str, bytes)):
        return data
    if isinstance(data, dict):
        return {k: default_convert(v) for k, v in data.items()}
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, (tuple, list)):
        return type(data)(default_convert(d) for d in data)
    if isinstance(data, (np.ndarray, np.generic)) and data.dtype.kind not in "USO":
        return _loader.to_tensor(np.asarray(data), keep_dtype=True)
    return data


def _torch_structure(batch: Any, field_of_sequence: bool = False) -> Any:
    """A collated batch in torch's containers: a list per sequence of fields (a namedtuple
    stays one); a field of strings is a tuple inside a sequence sample (torch transposes
    with ``zip``), a list elsewhere."""
    if isinstance(batch, (list, tuple)) and batch and all(isinstance(b, str) for b in batch):
        return tuple(batch) if field_of_sequence else list(batch)
    if isinstance(batch, tuple) and hasattr(batch, "_fields"):
        return type(batch)(*(_torch_structure(b, True) for b in batch))
    if isinstance(batch, (list, tuple)):
        return [_torch_structure(b, True) for b in batch]
    if isinstance(batch, dict):
        return {k: _torch_structure(v) for k, v in batch.items()}
    return batch


class TensorDataset(_ArrayDataset):
    """``torch.utils.data.TensorDataset``: samples are the rows of equally long tensors.

    ``ds[i]`` is a tuple of Tensors (``x[i], y[i]``; a slice, a list or a tensor of indices
    gives several rows at once), ``ds.tensors`` the Tensors, as in torch. The rows share the
    stored arrays' memory.

    Parameters
    ----------
    *tensors : Tensor or ndarray
        One per field, all with the same first dimension ``N``.
    """

    @property
    def tensors(self) -> tuple[Tensor, ...]:
        """The fields as Tensors."""
        return tuple(_as_tensor(a) for a in self.arrays)

    def __getitem__(self, index: Any) -> tuple[Tensor, ...]:
        if isinstance(index, (int, np.integer)) and not isinstance(index, bool):
            return tuple(_as_tensor(a) for a in super().__getitem__(index))
        if isinstance(index, Tensor):
            index = index.numpy()
        return tuple(_as_tensor(a[index]) for a in self.arrays)


def _as_tensor(a: Any) -> Tensor:
    return Tensor._make(a if hasattr(a, "ndim") and not np.isscalar(a) else np.asarray(a), False, None, 0)


def get_worker_info() -> None:
    """None: glassnet loads every batch in the main process (no worker processes)."""
    return None


class Subset(_dataset.Subset):
    """``torch.utils.data.Subset``: the samples of ``dataset`` at ``indices``, in that order.

    ``indices`` stays the object given (a list, a range, a Tensor), as in torch, so that
    ``train.indices + val.indices`` joins two lists; :func:`random_split` gives lists of int.

    Parameters
    ----------
    dataset : Dataset
    indices : sequence of int
        Positions in ``dataset`` (negative ones count from the end).
    """

    def __init__(self, dataset: Any, indices: Any) -> None:
        super().__init__(dataset, indices)
        self._positions = self.indices  # the checked positions, an int array
        self.indices = indices

    def __len__(self) -> int:
        return len(self._positions)

    def __getitem__(self, index: int) -> Any:
        return self.dataset[int(self._positions[_dataset._check_index("Subset", index, len(self))])]

    def get_batch(self, indices: Any) -> tuple[Any, ...]:
        """The samples at ``indices`` of this subset, gathered from the parent in one call."""
        picked = self._positions[_dataset._check_indices("Subset", indices, len(self))]
        return self.dataset.get_batch(picked)


class StackDataset(Dataset):
    """``torch.utils.data.StackDataset``: several equally long datasets side by side; item
    ``i`` is the tuple of their items ``i`` (positional datasets) or the dict of them
    (keyword datasets).

    Parameters
    ----------
    *args : Dataset
    **kwargs : Dataset
        Either positional or keyword datasets, not both; all of the same length.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if args and kwargs:
            raise ValueError("StackDataset: give the datasets as positional or as keyword "
                             "arguments, not both")  # fmt: skip
        parts = list(args) or list(kwargs.values())
        if not parts:
            raise ValueError("StackDataset: expected at least one dataset, got none")
        sizes = [len(d) for d in parts]
        if len(set(sizes)) != 1:
            raise ValueError(f"StackDataset: the datasets must have the same length, got {sizes}")
        self.datasets: tuple[Any, ...] | dict[str, Any] = tuple(args) if args else dict(kwargs)
        self._length = sizes[0]

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, index: int) -> Any:
        if isinstance(self.datasets, dict):
            return {k: d[index] for k, d in self.datasets.items()}
        return tuple(d[index] for d in self.datasets)


def random_split(dataset: Any, lengths: Sequence[float], generator: Any = None) -> list[Subset]:
    """Split ``dataset`` into non-overlapping random subsets (lengths or fractions).

    Parameters
    ----------
    dataset : Dataset
    lengths : sequence of int or float
        Sizes summing to ``len(dataset)``, or fractions summing to 1.
    generator : numpy.random.Generator or int, optional
        Fixes the split; default glassnet's global generator (``manual_seed``).

    Returns
    -------
    list of Subset
    """
    parts = _dataset.random_split(dataset, lengths, seed=_seed_of(generator, "random_split"))
    return [Subset(dataset, part.indices.tolist()) for part in parts]


class RandomSampler(_sampler.RandomSampler):
    """Random order each epoch; torch's signature.

    Parameters
    ----------
    data_source : Dataset
    replacement : bool, default False
        Draw ``num_samples`` indices with replacement.
    num_samples : int, optional
        How many indices per epoch (default ``len(data_source)``).
    generator : numpy.random.Generator or int, optional
    """

    def __init__(
        self,
        data_source: Any,
        replacement: bool = False,
        num_samples: int | None = None,
        generator: Any = None,
    ) -> None:
        super().__init__(data_source, seed=_seed_of(generator, "RandomSampler"))
        if num_samples is not None and (not isinstance(num_samples, int) or num_samples <= 0):
            raise ValueError(
                f"RandomSampler: num_samples must be a positive int, got {num_samples!r}"
            )
        self.replacement = bool(replacement)
        self.num_samples = self.n if num_samples is None else int(num_samples)

    def indices(self) -> np.ndarray:
        rng = np.random.default_rng([self.seed, self.epoch])
        self.epoch += 1
        if self.replacement:
            return rng.integers(0, self.n, size=self.num_samples, dtype=np.int64)
        reps = -(-self.num_samples // self.n) if self.n else 0
        order = np.concatenate([rng.permutation(self.n) for _ in range(reps)] or [[]])
        return order[: self.num_samples].astype(np.int64, copy=False)

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given indices in a random order each epoch.

    Parameters
    ----------
    indices : sequence of int
    generator : numpy.random.Generator or int, optional
    """

    def __init__(self, indices: Sequence[int], generator: Any = None) -> None:
        self.subset = np.asarray(indices, dtype=np.int64).reshape(-1)
        self.seed = _sampler.draw_seed(
            _seed_of(generator, "SubsetRandomSampler"), "SubsetRandomSampler"
        )

    def indices(self) -> np.ndarray:
        rng = np.random.default_rng([self.seed, self.epoch])
        self.epoch += 1
        return self.subset[rng.permutation(len(self.subset))]

    def __len__(self) -> int:
        return len(self.subset)


class WeightedRandomSampler(Sampler):
    """``num_samples`` indices drawn with probabilities proportional to ``weights``.

    Parameters
    ----------
    weights : sequence of float, shape (N,)
        Non-negative, not all zero (they need not sum to 1).
    num_samples : int
        Indices per epoch.
    replacement : bool, default True
        Without replacement, ``num_samples`` must not exceed the number of non-zero weights.
    generator : numpy.random.Generator or int, optional
    """

    def __init__(
        self,
        weights: Sequence[float],
        num_samples: int,
        replacement: bool = True,
        generator: Any = None,
    ) -> None:
        who = "WeightedRandomSampler"
        w = np.asarray(weights, dtype=np.float64).reshape(-1)
        if not len(w) or not np.all(np.isfinite(w)) or (w < 0).any() or w.sum() <= 0:
            raise ValueError(
                f"{who}: weights must be finite, >= 0 and not all 0, got {weights!r:.80}"
            )
        if not isinstance(num_samples, int) or isinstance(num_samples, bool) or num_samples <= 0:
            raise ValueError(f"{who}: num_samples must be a positive int, got {num_samples!r}")
        if not replacement and num_samples > int((w > 0).sum()):
            raise ValueError(
                f"{who}: without replacement num_samples ({num_samples}) cannot exceed the "
                f"{int((w > 0).sum())} non-zero weights"
            )
        self.weights = w / w.sum()
        self.num_samples = num_samples
        self.replacement = bool(replacement)
        self.seed = _sampler.draw_seed(_seed_of(generator, who), who)

    def indices(self) -> np.ndarray:
        rng = np.random.default_rng([self.seed, self.epoch])
        self.epoch += 1
        n = len(self.weights)
        return rng.choice(n, self.num_samples, replace=self.replacement, p=self.weights).astype(
            np.int64
        )

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(_sampler.BatchSampler):
    """Group a sampler's indices into lists of ``batch_size`` (torch's positional signature)."""

    def __init__(self, sampler: Any, batch_size: int, drop_last: bool) -> None:
        super().__init__(sampler, batch_size, drop_last=drop_last)

    def __iter__(self) -> Iterator[list[int]]:  # type: ignore[override]
        for batch in super().__iter__():
            yield batch.tolist()


def _check_workers(num_workers: Any) -> None:
    if not isinstance(num_workers, int) or isinstance(num_workers, bool) or num_workers < 0:
        raise ValueError(f"DataLoader: num_workers must be an int >= 0, got {num_workers!r}")


class DataLoader(_loader.DataLoader):
    """Batches of a dataset as Tensors, with torch.utils.data.DataLoader's signature.

    Parameters
    ----------
    dataset : Dataset or IterableDataset
        Map-style (``dataset[i]``, ``len(dataset)``), or iterable-style (a stream:
        consecutive samples are batched, no shuffling; see :mod:`.iterable`).
    batch_size : int, default 1
        ``None`` (torch's "no batching"): each item the sampler gives (an index, or a list
        of indices from a ``BatchSampler`` passed as ``sampler``) is looked up in the
        dataset and passed through ``collate_fn`` (default :func:`default_convert`);
        over an iterable dataset its samples come one by one.
    shuffle : bool, optional
    sampler, batch_sampler : Sampler, optional
    num_workers : int, default 0
        Accepted; loading always happens in the main process.
    collate_fn : callable, optional
        Default :func:`default_collate` (torch's collation: dtypes kept).
    pin_memory : bool, default False
        Accepted; no effect (there is no pinned host memory in NumPy).
    drop_last : bool, default False
    timeout, worker_init_fn, multiprocessing_context, prefetch_factor,
    persistent_workers, pin_memory_device, in_order
        Accepted for torch's sake; no effect without worker processes.
    generator : numpy.random.Generator or int, optional
        Seed of the shuffle (default: glassnet's global generator).

    Yields
    ------
    Tensor or tuple of Tensor
        ``(inputs (B, ...), targets (B, ...))`` for a dataset of pairs.
    """

    def __init__(
        self,
        dataset: Any,
        batch_size: int | None = 1,
        shuffle: bool | None = None,
        sampler: Any = None,
        batch_sampler: Any = None,
        num_workers: int = 0,
        collate_fn: Callable[[list[Any]], Any] | None = None,
        pin_memory: bool = False,
        drop_last: bool = False,
        timeout: float = 0,
        worker_init_fn: Callable[[int], None] | None = None,
        multiprocessing_context: Any = None,
        generator: Any = None,
        *,
        prefetch_factor: int | None = None,
        persistent_workers: bool = False,
        pin_memory_device: str = "",
        in_order: bool = True,
    ) -> None:
        _check_workers(num_workers)
        self.num_workers = num_workers
        self.pin_memory = bool(pin_memory)
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.persistent_workers = bool(persistent_workers)
        self.prefetch_factor = prefetch_factor
        self._stream = _iterable.is_iterable_style(dataset)
        if self._stream:
            self._init_stream(dataset, batch_size, shuffle, sampler, batch_sampler, drop_last,
                              collate_fn)  # fmt: skip
            return
        unbatched = batch_size is None
        if unbatched and (batch_sampler is not None or drop_last):
            raise ValueError(
                "DataLoader: batch_size=None turns automatic batching off, so it cannot go "
                "with batch_sampler or drop_last=True"
            )
        super().__init__(
            dataset,
            1 if unbatched else batch_size,
            bool(shuffle),
            seed=_seed_of(generator, "DataLoader"),
            sampler=sampler,
            batch_sampler=batch_sampler,
            drop_last=drop_last,
            collate_fn=collate_fn or default_collate,
        )
        self._fast = collate_fn is None and _dataset.has_batches(dataset) and not unbatched
        self.collate_fn = collate_fn or (default_convert if unbatched else default_collate)
        self._unbatched = unbatched
        if unbatched:
            self.batch_size = None

    def _init_stream(self, dataset: Any, batch_size: int | None, shuffle: Any, sampler: Any,
                     batch_sampler: Any, drop_last: bool, collate_fn: Any) -> None:  # fmt: skip
        """The loader over an iterable-style dataset (see :mod:`.iterable`)."""
        _iterable.check_stream_args(shuffle, sampler, batch_sampler)
        if batch_size is not None and (not isinstance(batch_size, int) or batch_size < 1):
            raise ValueError(f"DataLoader: batch_size must be a positive int or None, got {batch_size!r}")
        self.dataset, self.batch_size, self.drop_last = dataset, batch_size, bool(drop_last)
        self.sampler = self.batch_sampler = self.transform = self.device = None
        self.seed, self.epoch, self._fast = None, 0, False
        self.collate_fn = collate_fn or default_collate

    def __iter__(self) -> Iterator[Any]:
        if self._stream:
            self.epoch += 1
            return _iterable.batches(self.dataset, self.batch_size, self.drop_last, self.collate_fn)
        if self._unbatched:
            return self._samples()
        return super().__iter__()

    def _samples(self) -> Iterator[Any]:
        """``batch_size=None``: one converted item per index the sampler gives."""
        epoch = self.epoch
        self.epoch += 1
        if hasattr(self.sampler, "set_epoch"):
            self.sampler.set_epoch(epoch)
        for idx in self.sampler:
            yield self.collate_fn(self.dataset[int(idx) if isinstance(idx, np.integer) else idx])

    def __len__(self) -> int:
        if not self._stream:
            return len(self.sampler) if self._unbatched else super().__len__()
        try:
            n = len(self.dataset)
        except TypeError:
            raise TypeError(
                f"DataLoader: the iterable dataset {type(self.dataset).__name__} has no len()"
            ) from None
        if self.batch_size is None:
            return n
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def _fetch(self, idx: Any) -> Any:
        if self._fast:  # arrays of a TensorDataset, gathered in one call per field
            return _torch_structure(_loader.to_tensor(self.dataset.get_batch(idx), keep_dtype=True))
        return self.collate_fn([self.dataset[int(i)] for i in idx])

    def _to_tensors(self, batch: Any) -> Any:
        return batch  # as collate_fn made it, as in torch
