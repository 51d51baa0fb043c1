"""``DataLoader``: batches of a dataset as glassnet Tensors, shuffled reproducibly.

For array-backed datasets (:class:`~glassnet.data.TensorDataset`, and
``Subset`` / ``ConcatDataset`` of them) a batch is gathered with one
fancy-indexing call per array; other datasets are read sample by sample and
stacked by :func:`default_collate`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from .._validate import flag, int_at_least, positive_int
from ..backend import Device, default_dtype, to_device
from ..tensor import Tensor
from ._util import _unwrap
from .dataset import has_batches
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler, draw_seed
from .transforms import Transform

__all__ = ["DataLoader", "default_collate", "to_tensor"]

_TRANSFORM_STREAM = 0x7472616E  # keeps the augmentation stream apart from the shuffling one


def default_collate(samples: list[Any]) -> Any:
    """Stack a list of samples into a batch, field by field.

    Samples may be arrays / numbers (stacked along a new first axis), tuples
    or lists of those (one stacked array per field; a namedtuple stays one) or dicts
    (one per key).
    """
    if not samples:
        raise ValueError("default_collate: got an empty list of samples")
    first = samples[0]
    if isinstance(first, dict):
        return {k: default_collate([s[k] for s in samples]) for k in first}
    if isinstance(first, (tuple, list)):
        n = len(first)
        if any(len(s) != n for s in samples):
            raise ValueError(
                f"default_collate: samples have different numbers of fields: {sorted({len(s) for s in samples})}"
            )
        fields = (default_collate([s[k] for s in samples]) for k in range(n))
        return type(first)(*fields) if hasattr(first, "_fields") else tuple(fields)
    return np.stack([np.asarray(_unwrap(s)) for s in samples])


def to_tensor(batch: Any, device: Any = None, *, keep_dtype: bool = False) -> Any:
    """Arrays in ``batch`` (nested tuples / lists / dicts) to Tensors.

    Floating arrays become the default float dtype (float32), integer arrays
    int64 (class labels), booleans stay boolean; tensors pass through. With
    ``keep_dtype`` (PyTorch's collation) every array keeps its dtype, and
    arrays of strings become lists of str.
    """
    if isinstance(batch, Tensor):
        return batch if device is None else batch.to(device)
    if isinstance(batch, dict):
        return {k: to_tensor(v, device, keep_dtype=keep_dtype) for k, v in batch.items()}
    if isinstance(batch, (tuple, list)):
        fields = (to_tensor(v, device, keep_dtype=keep_dtype) for v in batch)
        return type(batch)(*fields) if hasattr(batch, "_fields") else tuple(fields)
    if not hasattr(batch, "dtype"):
        return batch
    batch = _unwrap(batch)  # a torch tensor (from a collate_fn) as its array
    kind = batch.dtype.kind
    if kind in "USO" and keep_dtype:
        return batch.tolist()
    if kind == "f" and not keep_dtype:
        batch = batch.astype(default_dtype(), copy=False)
    elif kind in "iu" and not keep_dtype:
        batch = batch.astype(np.int64, copy=False)
    if device is not None:
        batch = to_device(batch, device)
    return Tensor(batch)


class DataLoader:
    """Iterate over a dataset in batches of Tensors.

    Parameters
    ----------
    dataset : Dataset
        Map-style: ``dataset[i]`` and ``len(dataset)``. Datasets with
        ``get_batch(indices)`` (e.g. :class:`~glassnet.data.TensorDataset`)
        are gathered one call per array per batch.
    batch_size : int, default 1
    shuffle : bool, default False
        A new random order every epoch, reproducible from ``(seed, epoch)``.
    seed : int or numpy.random.Generator, optional
        Base seed of the shuffling and of the augmentation in ``transform``.
        Default: drawn from glassnet's global generator at construction, so
        ``gn.manual_seed(n)`` before building the loader fixes everything.
    sampler : Sampler, optional
        Custom order of indices (excludes ``shuffle``). A distributed sampler
        plugs in here; it gets ``set_epoch(e)`` before every pass.
    batch_sampler : iterable of index arrays, optional
        Yields whole batches of indices (excludes ``batch_size``, ``shuffle``,
        ``sampler`` and ``drop_last``).
    drop_last : bool, default False
        Skip the last batch when it is smaller than ``batch_size``.
    collate_fn : callable, optional
        ``collate_fn(list_of_samples) -> batch``. Giving one turns the
        per-array fast path off. Default: :func:`default_collate`.
    transform : callable, optional
        Applied to each batch's first field (the inputs) as a NumPy array
        before it becomes a Tensor, e.g. :class:`~glassnet.data.transforms.RandomCrop`.
        :class:`~glassnet.data.transforms.Transform` objects get a generator
        keyed by ``(seed, epoch)``, so augmentation is reproducible too.
    device : str, optional
        Move every batch there (``'cuda'``, ``'cuda:1'``); augmentation
        (``transform``) runs on the host before the copy.

    Yields
    ------
    tuple of Tensor
        One per field: inputs float32, integer labels int64. A dataset whose
        samples are single arrays yields single Tensors.

    Examples
    --------
    >>> import numpy as np
    >>> from glassnet.data import TensorDataset
    >>> ds = TensorDataset(np.zeros((10, 1, 28, 28), np.float32), np.arange(10))
    >>> loader = DataLoader(ds, batch_size=4, shuffle=True, seed=0)
    >>> len(loader), [tuple(x.shape) for x, y in loader]
    (3, [(4, 1, 28, 28), (4, 1, 28, 28), (2, 1, 28, 28)])
    """

    def __init__(
        self,
        dataset: Any,
        batch_size: int = 1,
        shuffle: bool = False,
        *,
        seed: int | np.random.Generator | None = None,
        sampler: Sampler | None = None,
        batch_sampler: Any = None,
        drop_last: bool = False,
        collate_fn: Callable[[list[Any]], Any] | None = None,
        transform: Callable[..., Any] | None = None,
        device: Any = None,
    ) -> None:
        who = "DataLoader"
        if not hasattr(dataset, "__getitem__") or not hasattr(dataset, "__len__"):
            raise TypeError(
                f"{who}: dataset must support indexing and len(), got {type(dataset).__name__}"
            )
        batch_size = positive_int(who, "batch_size", batch_size)
        shuffle = flag(who, "shuffle", shuffle)
        drop_last = flag(who, "drop_last", drop_last)
        for name, fn in (("collate_fn", collate_fn), ("transform", transform)):
            if fn is not None and not callable(fn):
                raise TypeError(f"{who}: {name} must be callable, got {fn!r}")
        if batch_sampler is not None and (
            batch_size != 1 or shuffle or sampler is not None or drop_last
        ):
            raise ValueError(
                f"{who}: batch_sampler decides the batches; do not also pass batch_size, "
                f"shuffle, sampler or drop_last"
            )
        if sampler is not None and shuffle:
            raise ValueError(f"{who}: pass either shuffle=True or a sampler, not both")

        self.dataset = dataset
        self.seed = draw_seed(seed, who)
        self.drop_last = drop_last
        self.collate_fn = collate_fn
        self.transform = transform
        try:
            self.device = None if device is None else Device(device)
        except (TypeError, ValueError) as exc:
            raise type(exc)(f"{who}: {exc}") from None
        if self.device is not None and self.device.type != "cpu":
            try:
                self.device.xp  # noqa: B018 - fails here, not at the first batch, without a GPU
            except RuntimeError as exc:
                raise RuntimeError(f"{who}: {exc}") from None
        self.epoch = 0
        if batch_sampler is not None:
            self.batch_size = None
            self.sampler = getattr(batch_sampler, "sampler", None)
            self.batch_sampler = batch_sampler
        else:
            if sampler is None:
                sampler = (
                    RandomSampler(dataset, seed=self.seed)
                    if shuffle
                    else SequentialSampler(dataset)
                )
            self.batch_size = int(batch_size)
            self.sampler = sampler
            self.batch_sampler = BatchSampler(sampler, self.batch_size, drop_last=drop_last)
        self._fast = collate_fn is None and has_batches(dataset)

    def set_epoch(self, epoch: int) -> None:
        """Make the next pass the ``epoch``-th (its shuffle and augmentation), e.g. when resuming."""
        epoch = int_at_least("DataLoader.set_epoch", "epoch", epoch, 0)
        self.epoch = int(epoch)

    def __len__(self) -> int:
        return len(self.batch_sampler)

    def _fetch(self, idx: Any) -> Any:
        if self._fast:
            return self.dataset.get_batch(idx)
        samples = [self.dataset[int(i)] for i in idx]
        return (self.collate_fn or default_collate)(samples)

    def _augment(self, batch: Any, rng: np.random.Generator) -> Any:
        t = self.transform
        apply = (lambda x: t(x, rng=rng)) if isinstance(t, Transform) else t
        if isinstance(batch, (tuple, list)):
            return (apply(batch[0]),) + tuple(batch[1:])
        if isinstance(batch, dict):
            raise TypeError("DataLoader: transform needs tuple or array batches, got a dict")
        return apply(batch)

    def __iter__(self) -> Iterator[Any]:
        epoch = self.epoch
        self.epoch += 1
        if hasattr(self.batch_sampler, "set_epoch"):
            self.batch_sampler.set_epoch(epoch)
        rng = np.random.default_rng([self.seed, epoch, _TRANSFORM_STREAM])
        for idx in self.batch_sampler:
            batch = self._fetch(idx)
            if self.transform is not None:
                batch = self._augment(batch, rng)
            yield self._to_tensors(batch)

    def _to_tensors(self, batch: Any) -> Any:
        """A fetched batch (arrays) as Tensors on :attr:`device`."""
        return to_tensor(batch, self.device)

    def __repr__(self) -> str:
        return (
            f"DataLoader({type(self.dataset).__name__} of {len(self.dataset)}, "
            f"batch_size={self.batch_size}, sampler={type(self.sampler).__name__}, "
            f"{len(self)} batches)"
        )
