"""Data-parallel training: one model replica per rank, gradients averaged over MPI.

At construction the parameters and buffers of rank 0 are broadcast to all
ranks. After each ``backward()``, :meth:`DataParallel.average_gradients`
packs the gradients into a few flat float32 buckets, sums them across ranks
with in-place ``Iallreduce`` (all buckets in flight at once), and leaves each
parameter's ``.grad`` as a view of the reduced bucket — no copy back.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..nn.module import Module
from ..tensor import Tensor
from .comm import World, world

__all__ = ["DataParallel"]


class _Bucket:
    def __init__(self, params: list[Any], dtype: Any, extra: int) -> None:
        self.params = params
        sizes = [p.numel() for p in params]
        self.offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
        self.buffer = np.zeros(int(self.offsets[-1]) + extra, dtype=dtype)

    def view(self, i: int) -> np.ndarray:
        p = self.params[i]
        return self.buffer[self.offsets[i] : self.offsets[i + 1]].reshape(p.shape)


class DataParallel:
    """Keep a model's replicas identical across ranks.

    Parameters
    ----------
    module : Module
        The model (the same architecture on every rank).
    world : World, optional
        The process group (``glassnet.distributed.world()`` by default).
    bucket_mb : float, default 16
        Gradient bucket size; each bucket is one allreduce.

    Examples
    --------
    >>> dp = DataParallel(model)            # doctest: +SKIP
    >>> loss.backward()                     # doctest: +SKIP
    >>> dp.average_gradients(len(batch))    # doctest: +SKIP
    >>> optimizer.step()                    # doctest: +SKIP
    """

    def __init__(
        self, module: Module, world_: World | None = None, *, bucket_mb: float = 16.0
    ) -> None:
        self.module = module
        self.world = world_ if world_ is not None else world()
        params = [p for p in module.parameters() if p.requires_grad]
        for p in params:
            if p.xp is not np:
                raise ValueError(
                    "DataParallel: MPI buckets live in host memory; move the model to the CPU "
                    f"first (a parameter of shape {p.shape} is on {p.device})"
                )
        limit = max(1, int(bucket_mb * 2**20))
        self.buckets: list[_Bucket] = []
        group: list[Any] = []
        nbytes = 0
        for p in params:
            if group and (nbytes + p.array.nbytes > limit or p.dtype != group[0].dtype):
                self.buckets.append(_Bucket(group, group[0].dtype, extra=0))
                group, nbytes = [], 0
            group.append(p)
            nbytes += p.array.nbytes
        if group:
            self.buckets.append(_Bucket(group, group[0].dtype, extra=0))
        # the sample count travels in a float64 buffer of its own
        self._count = np.zeros(1, dtype=np.float64)
        #: The sums over ranks of the ``extra`` values of the last ``average_gradients``.
        self.extra_sums: list[float] = []
        self.sync_parameters()

    @property
    def rank(self) -> int:
        return self.world.rank

    @property
    def size(self) -> int:
        return self.world.size

    def sync_parameters(self) -> None:
        """Broadcast rank 0's parameters and buffers to every rank."""
        if self.world.size == 1:
            return
        for t in list(self.module.parameters()) + list(self.module.buffers()):
            if t.array.flags.c_contiguous:
                self.world.broadcast_(t.array, root=0)
            else:
                buf = np.ascontiguousarray(t.array)
                self.world.broadcast_(buf, root=0)
                t.array[...] = buf

    def average_gradients(
        self, local_count: int | float = 1, *, extra: Sequence[float] | None = None
    ) -> float:
        """Replace every gradient by the sample-weighted mean over ranks.

        Parameters
        ----------
        local_count : int or float
            Samples in this rank's batch. Each rank's (mean-reduced) gradient is
            weighted by it, so uneven last batches average exactly as one big
            batch would. A rank with an empty batch passes 0 (and no gradients).
        extra : sequence of float, optional
            A few numbers summed over ranks in the same message as the sample
            count (flags such as "my loss is not finite" or "stop requested"),
            so agreeing on them costs no extra collective; the sums are left in
            :attr:`extra_sums`.

        Returns
        -------
        float
            The total number of samples over all ranks.
        """
        values = [float(v) for v in (extra or ())]
        if self.world.size == 1:
            self.extra_sums = values
            return float(local_count)
        scale = float(local_count)
        if self._count.size != 1 + len(values):
            self._count = np.zeros(1 + len(values), dtype=np.float64)
        self._count[0] = scale
        self._count[1:] = values
        requests = [self.world.allreduce_start(self._count)]
        for b in self.buckets:
            for i, p in enumerate(b.params):
                view = b.view(i)
                if p.grad is None:
                    view[...] = 0
                else:
                    np.multiply(p.grad.array, scale, out=view)
            requests.append(self.world.allreduce_start(b.buffer))
        for r in requests:
            self.world.allreduce_wait(r)
        total = float(self._count[0])
        self.extra_sums = self._count[1:].tolist()
        inv = 1.0 / total if total > 0 else 0.0
        for b in self.buckets:
            b.buffer *= b.buffer.dtype.type(inv)
            for i, p in enumerate(b.params):
                p.grad = Tensor._make(b.view(i), False, None, 0)
        return total

    def average_buffers(self) -> None:
        """Average floating buffers (batch-norm running statistics) over ranks; broadcast the rest.

        Each replica updates its running statistics from its own shard; the
        trainer calls this at the end of every epoch so that validation and
        checkpoints see one set of statistics.
        """
        if self.world.size == 1:
            return
        inv = 1.0 / self.world.size
        for t in self.module.buffers():
            buf = np.ascontiguousarray(t.array)
            if buf.dtype.kind == "f":
                acc = buf.astype(np.float64)
                self.world.allreduce_(acc)
                t.array[...] = (acc * inv).astype(buf.dtype)
            else:
                self.world.broadcast_(buf, root=0)
                t.array[...] = buf

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.module(*args, **kwargs)
