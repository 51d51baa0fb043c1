"""``DataParallel``: one training step spread over the CPU cores by slicing the batch.

NumPy runs each elementwise pass (pooling, ReLU, im2col, the optimizer) on one
core, and only the matrix products use every core. Slicing the batch and
running each slice's forward and backward in its own Python thread, with the
BLAS library on one thread, puts every pass on every core: NumPy releases the
GIL inside its loops, so for models whose ops work on large arrays (the
convolutional networks, wide MLPs) the threads hardly wait for each other.
Models made of many small ops (an LSTM over short rows) gain nothing this way.

How it works: each extra thread has a replica of the module whose parameters
share their arrays with the module's (no copy) but collect their own
gradients; the module itself serves the first slice. The forward returns the
slices' outputs concatenated, attached to the graph through one node whose
backward runs every slice's backward in its thread and then adds the
replicas' gradients into the module's. Only the first slice's module updates
batch-norm running statistics (as in ``torch.nn.DataParallel``); each slice
normalises with its own batch statistics.
"""

from __future__ import annotations

import copy
import os
from typing import Any

import numpy as np

from .. import _blas
from .. import random as _random
from ..autograd import engine
from ..autograd.function import Function
from ..autograd.grad_mode import is_grad_enabled
from ..backend import get_array_module
from ..ops import _parallel
from ..tensor import Tensor
from .module import Module

__all__ = ["DataParallel"]

#: Gradient sums of parameters larger than this are split between the threads.
_SPLIT_ELEMENTS = 1 << 16


class _Gather(Function):
    """Concatenates the slices' outputs; its backward runs the slices' backward passes."""

    def forward(self, anchor: Any, *, shards: list, owner: DataParallel) -> Any:
        if self.requires_grad:
            self.shards, self.owner = shards, owner
        return get_array_module(shards[0].data).concatenate([s.data for s in shards], axis=0)

    def backward(self, g: Any) -> Any:
        self.owner._backward(self.shards, g)
        return None


class DataParallel(Module):
    """Run ``module`` on slices of the batch in parallel threads (CPU, NumPy).

    A drop-in wrapper, used like ``torch.nn.DataParallel``: call it as the
    module, compute the loss on its output, call ``backward()`` and step the
    optimizer over ``module.parameters()`` (the wrapper's parameters are the
    module's). Gradients are those of the whole batch, up to the order of
    floating-point sums. Set ``gn.set_num_threads(threads)`` as well to split
    the optimizer's update over the threads.

    Parameters
    ----------
    module : Module
        The model. Its first input (and every tensor argument with the same
        first dimension) is sliced along dimension 0 (the batch).
    threads : int, optional
        Number of slices and threads; the number of CPUs by default.
    min_batch : int, default 2
        Batches smaller than ``threads * min_batch`` run unsliced.

    Notes
    -----
    Slicing is used when training (``module.training`` with gradients on) and
    for inference under ``no_grad``. In evaluation mode with gradients on (the
    explanation methods), and whenever an input requires a gradient, the call
    goes straight to ``module``. Parameter gradients reach the module through
    ``backward()``; ``autograd.grad`` with respect to parameters needs the
    unwrapped module. Only NumPy arrays are sliced; on a GPU the call goes to
    ``module``. Batch-norm layers use each slice's statistics, so a model with
    batch norm trains as with the smaller batch (as with PyTorch's wrapper).

    Examples
    --------
    >>> gn.set_num_threads(2)                       # doctest: +SKIP
    >>> model = nn.DataParallel(seed_cnn(), threads=2)  # doctest: +SKIP
    >>> loss = F.cross_entropy(model(x), y)         # doctest: +SKIP
    >>> loss.backward(); optimizer.step()           # doctest: +SKIP
    """

    def __init__(self, module: Module, threads: int | None = None, min_batch: int = 2) -> None:
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(f"DataParallel: expected a Module, got {type(module).__name__}")
        if threads is None:
            threads = os.cpu_count() or 1
        if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
            raise ValueError(f"DataParallel: threads must be a positive int, got {threads!r}")
        if isinstance(min_batch, bool) or not isinstance(min_batch, int) or min_batch < 1:
            raise ValueError(f"DataParallel: min_batch must be a positive int, got {min_batch!r}")
        self.module = module
        object.__setattr__(self, "threads", threads)
        object.__setattr__(self, "min_batch", min_batch)
        object.__setattr__(self, "_replicas", [])
        object.__setattr__(self, "_anchor", Tensor(np.zeros((), np.float32), requires_grad=True))

    def extra_repr(self) -> str:
        return f"threads={self.threads}"

    # ------------------------------------------------------------- replicas
    def _sync_replicas(self, count: int) -> list[Module]:
        """``count`` replicas that share the module's parameter arrays (made on first use)."""
        params = list(self.module.parameters())
        buffers = list(self.module.buffers())
        reps = self._replicas
        if reps and sum(1 for _ in reps[0].parameters()) != len(params):
            reps.clear()  # the module was changed; copy it again
        while len(reps) < count:
            memo = {id(p.data): p.data for p in params}
            for p in params:
                if p.grad is not None:
                    memo[id(p.grad)] = None
            reps.append(copy.deepcopy(self.module, memo))
        for rep in reps[:count]:
            for p, q in zip(params, rep.parameters()):
                q.data = p.data
                q.requires_grad = p.requires_grad
                q.grad = None
            for b, c in zip(buffers, rep.buffers()):
                if c.data.shape == b.data.shape and c.data.dtype == b.data.dtype:
                    c.data[...] = b.data
                else:
                    c.data = b.data.copy()
            if rep.training != self.module.training:
                rep.train(self.module.training)
        return reps[:count]

    # -------------------------------------------------------------- forward
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        first = args[0] if args else None
        if not isinstance(first, Tensor) or first.ndim == 0:
            raise TypeError(
                "DataParallel: the first argument must be a batched Tensor (N, ...), got "
                f"{type(first).__name__ if not isinstance(first, Tensor) else 'a 0-d Tensor'}"
            )
        n = first.shape[0]
        grad = is_grad_enabled()
        training = grad and self.module.training
        parts = min(self.threads, n // self.min_batch)
        tensors = [a for a in (*args, *kwargs.values()) if isinstance(a, Tensor)]
        if (
            parts < 2
            or first.xp is not np
            or (grad and not training)
            or any(t.requires_grad for t in tensors)
        ):
            return self.module(*args, **kwargs)
        bounds = [n * i // parts for i in range(parts + 1)]
        models = [self.module, *self._sync_replicas(parts - 1)]
        # one generator per slice, seeded from the global one: dropout masks do not
        # depend on the order in which the threads draw
        seeds = _random.get_rng().integers(0, 2**63, size=parts) if self.module.training else None

        def run(k: int) -> Any:
            lo, hi = bounds[k], bounds[k + 1]
            a = [_slice(v, n, lo, hi) for v in args]
            kw = {key: _slice(v, n, lo, hi) for key, v in kwargs.items()}
            if seeds is None:
                return models[k](*a, **kw)
            with _random.thread_rng(np.random.default_rng(int(seeds[k]))):
                return models[k](*a, **kw)

        with _blas.limit(1):
            outs = _parallel.run_tasks([lambda k=k: run(k) for k in range(parts)])
        return self._gather(outs, training)

    def _gather(self, outs: list, training: bool) -> Any:
        first = outs[0]
        if isinstance(first, Tensor):
            return self._gather_one(outs, training)
        if isinstance(first, (tuple, list)) and all(isinstance(o, Tensor) for o in first):
            return type(first)(
                self._gather_one([o[i] for o in outs], training) for i in range(len(first))
            )
        raise TypeError(
            "DataParallel: the module must return a Tensor or a tuple of Tensors, got "
            f"{type(first).__name__}"
        )

    def _gather_one(self, shards: list, training: bool) -> Tensor:
        if not training or not any(s.requires_grad for s in shards):
            xp = get_array_module(shards[0].data)
            return Tensor._make(xp.concatenate([s.data for s in shards], axis=0), False, None, 0)
        return _Gather.apply(self._anchor, shards=shards, owner=self)

    # ------------------------------------------------------------- backward
    def _backward(self, shards: list, g: Any) -> None:
        """Each slice's backward in its thread, then the replicas' gradients added to the module's."""
        bounds = np.cumsum([0] + [s.shape[0] for s in shards])
        jobs = [(s, g[bounds[k] : bounds[k + 1]]) for k, s in enumerate(shards) if s.requires_grad]
        with _blas.limit(1):
            _parallel.run_tasks([lambda s=s, gs=gs: engine.backward([s], [gs]) for s, gs in jobs])
            self._reduce(len(shards) - 1)

    def _reduce(self, count: int) -> None:
        """Add the replicas' gradients into the module's, the large ones split between threads."""
        pairs = []
        for p, *qs in zip(
            self.module.parameters(), *(r.parameters() for r in self._replicas[:count])
        ):
            gs = [q.grad for q in qs if q.grad is not None]
            for q in qs:
                q.grad = None
            if not gs:
                continue
            if p.grad is None:
                p.grad = Tensor._make(gs[0].data, False, None, 0)
                gs = gs[1:]
            pairs.extend((p.grad.data, q.data) for q in gs)
        small = [(a, b) for a, b in pairs if a.size < _SPLIT_ELEMENTS]
        big = [(a, b) for a, b in pairs if a.size >= _SPLIT_ELEMENTS]
        parts = max(1, min(self.threads, len(self._replicas) + 1))

        def add(k: int) -> None:
            if k == 0:
                for a, b in small:
                    a += b
            for a, b in big:
                if not (a.flags.c_contiguous and b.flags.c_contiguous):
                    if k == 0:
                        a += b
                    continue
                fa, fb = a.reshape(-1), b.reshape(-1)
                lo, hi = fa.size * k // parts, fa.size * (k + 1) // parts
                fa[lo:hi] += fb[lo:hi]

        _parallel.run_tasks([lambda k=k: add(k) for k in range(parts)])


def _slice(v: Any, n: int, lo: int, hi: int) -> Any:
    """``v[lo:hi]`` for tensors and arrays with ``n`` rows; anything else as it is."""
    if isinstance(v, (Tensor, np.ndarray)) and v.ndim > 0 and v.shape[0] == n:
        return v[lo:hi]
    return v
