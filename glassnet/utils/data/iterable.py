"""torch's iterable-style datasets: :class:`IterableDataset`, :class:`ChainDataset`, and the
loop :class:`~glassnet.utils.data.DataLoader` runs over them.

An iterable-style dataset is a stream: ``iter(dataset)`` yields samples, there may be no
length and no indexing. The loader takes them in order and groups ``batch_size``
consecutive samples into a batch with ``collate_fn`` (the last one smaller unless
``drop_last``); with ``batch_size=None`` each sample is yielded as it is, its arrays made
Tensors. As in torch, there is no sampler and no shuffling (``shuffle=True``, ``sampler``
or ``batch_sampler`` are refused). glassnet loads in the main process, so
``get_worker_info()`` is None inside ``__iter__`` and a dataset that splits its stream
between workers yields all of it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from ...data import dataloader as _loader

__all__ = ["IterableDataset", "ChainDataset", "is_iterable_style", "check_stream_args", "batches"]


class IterableDataset:
    """Base class of iterable-style datasets: override ``__iter__``.

    ``a + b`` chains two of them (:class:`ChainDataset`).
    """

    def __iter__(self) -> Iterator[Any]:  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__} must implement __iter__")

    def __add__(self, other: IterableDataset) -> ChainDataset:
        return ChainDataset([self, other])


class ChainDataset(IterableDataset):
    """The samples of several iterable datasets, one after another.

    Parameters
    ----------
    datasets : iterable of IterableDataset
    """

    def __init__(self, datasets: Iterable[IterableDataset]) -> None:
        self.datasets = list(datasets)
        for d in self.datasets:
            if not is_iterable_style(d):
                raise TypeError(
                    f"ChainDataset: expected iterable-style datasets, got {type(d).__name__}"
                )

    def __iter__(self) -> Iterator[Any]:
        for d in self.datasets:
            yield from d

    def __len__(self) -> int:
        return sum(len(d) for d in self.datasets)  # type: ignore[arg-type]


def is_iterable_style(dataset: Any) -> bool:
    """An :class:`IterableDataset`, or any object with ``__iter__`` and no ``__getitem__``."""
    if isinstance(dataset, IterableDataset):
        return True
    return hasattr(dataset, "__iter__") and not hasattr(dataset, "__getitem__")


def check_stream_args(shuffle: Any, sampler: Any, batch_sampler: Any) -> None:
    """torch's refusals for a loader over an iterable-style dataset."""
    if shuffle:
        raise ValueError(
            f"DataLoader with IterableDataset: expected unspecified shuffle option, but got "
            f"shuffle={shuffle}"
        )
    if sampler is not None:
        raise ValueError(
            f"DataLoader with IterableDataset: expected unspecified sampler option, but got "
            f"sampler={sampler}"
        )
    if batch_sampler is not None:
        raise ValueError(
            f"DataLoader with IterableDataset: expected unspecified batch_sampler option, but "
            f"got batch_sampler={batch_sampler}"
        )


def batches(
    dataset: Any, batch_size: int | None, drop_last: bool, collate_fn: Callable[[list], Any]
) -> Iterator[Any]:
    """The loader's batches over the stream ``iter(dataset)``."""
    stream = iter(dataset)
    if batch_size is None:
        for sample in stream:
            yield _loader.to_tensor(sample, keep_dtype=True)
        return
    while True:
        chunk = list(itertools.islice(stream, batch_size))
        if not chunk or (drop_last and len(chunk) < batch_size):
            return
        yield collate_fn(chunk)
