"""``DataParallel``: one training step spread over the CPU cores by slicing the batch.

NumPy runs each elementwise pass (pooling, ReLU, im2col, the optimizer) on one
core, and only the matrix products use every core. Slicing the batch and
running each slice's forward and backward in its own Python thread, with the
BLAS library on one thread, puts every pass on every core: NumPy releases the
GIL inside its loops, so for models whose ops work on large arrays (the
convolutional networks) the threads hardly wait for each other: the seed CNN's
training step is 1.2x faster on 2 cores. Models made of a few small products
(an MLP at batch 128) or of many small ops (an LSTM over 28 rows) gain little
or lose (0.85x and 1.01x measured): there the threads wait for the GIL.

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
import warnings
from typing import Any

import numpy as np

from .. import _blas
from .. import random as _random
from .._validate import is_int, positive_int
from ..autograd import engine
from ..autograd.function import Function
from ..autograd.grad_mode import is_grad_enabled
from ..backend import get_array_module
from ..ops import _parallel
from ..tensor import Tensor
from .module import Module

__all__ = ["DataParallel", "data_parallel"]

#: Gradient sums of parameters larger than this are split between the threads.
_SPLIT_ELEMENTS = 1 << 16


class _Gather(Function):
    """Concatenates the slices' outputs (one or several); its backward runs the slices'
    backward passes, once for all the outputs."""

    def forward(self, anchor: Any, *, shards: list, owner: DataParallel, dim: int) -> Any:
        if self.requires_grad:
            self.shards, self.owner, self.dim = shards, owner, dim
            self.materialize_grads = False  # an output that took no part gets None, not zeros
        xp = get_array_module(shards[0][0].array)
        outs = tuple(xp.concatenate([s.array for s in out], axis=dim) for out in shards)
        return outs if len(outs) > 1 else outs[0]

    def backward(self, *grads: Any) -> Any:
        self.owner._backward(self.shards, grads, self.dim)
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
    device_ids, output_device : optional
        torch's GPU arguments, accepted (also ``DataParallel(module, [0, 1])``, torch's
        positional form) and kept as attributes; as torch does without CUDA, they change
        nothing: glassnet slices over CPU threads.

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

    def __init__(
        self, module: Module, threads: int | None = None, min_batch: int = 2, dim: int = 0, *,
        device_ids: Any = None, output_device: Any = None,
    ) -> None:  # fmt: skip
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(f"DataParallel: expected a Module, got {type(module).__name__}")
        if isinstance(threads, (list, tuple)):  # torch's DataParallel(module, device_ids, ...)
            device_ids, threads, min_batch = list(threads), None, 2
        object.__setattr__(self, "device_ids", [] if device_ids is None else list(device_ids))
        object.__setattr__(self, "output_device", output_device if output_device is not None
                           else (self.device_ids[0] if self.device_ids else None))  # fmt: skip
        if threads is None:
            threads = os.cpu_count() or 1
        threads = positive_int("DataParallel", "threads", threads)
        min_batch = positive_int("DataParallel", "min_batch", min_batch)
        if not is_int(dim) or dim < 0:
            raise ValueError(f"DataParallel: dim must be a non-negative int, got {dim!r}")
        self.module = module
        object.__setattr__(self, "dim", dim)
        object.__setattr__(self, "_structure", None)
        object.__setattr__(self, "threads", threads)
        object.__setattr__(self, "min_batch", min_batch)
        object.__setattr__(self, "_replicas", [])
        object.__setattr__(self, "_anchor", Tensor(np.zeros((), np.float32), requires_grad=True))

    def extra_repr(self) -> str:
        return f"threads={self.threads}" + (f", dim={self.dim}" if self.dim else "")

    # ------------------------------------------------------------- replicas
    def _sync_replicas(self, count: int) -> list[Module]:
        """``count`` replicas of the module as it is now, sharing its parameter arrays.

        Replicas are copied once and then brought up to date before every call:
        parameters (the module's arrays, rebound if the module's were replaced),
        buffers (private copies of the module's values), plain attributes
        (numbers, strings, tuples: ``training``, a dropout's ``p``) and the hook
        tables (shared). A change of structure (a layer added, replaced or
        reshaped) makes them be copied again.
        """
        mods = list(self.module.modules())
        shape = tuple(
            (type(m), tuple((k, None if v is None else v.shape) for k, v in m._parameters.items()))
            for m in mods
        )
        reps = self._replicas
        if shape != self._structure:
            reps.clear()
            object.__setattr__(self, "_structure", shape)
        while len(reps) < count:
            memo: dict[int, Any] = {}
            for m in mods:
                for p in m._parameters.values():
                    if p is not None:
                        memo[id(p.array)] = p.array  # shared, not copied
                        if p.grad is not None:
                            memo[id(p.grad)] = None
            reps.append(copy.deepcopy(self.module, memo))
        for rep in reps[:count]:
            for m, r in zip(mods, rep.modules()):
                _sync_module(m, r)
        return reps[:count]

    # -------------------------------------------------------------- forward
    def to_onnx(self, builder: Any, *args: Any, **kwargs: Any) -> Any:
        """ONNX export converts the wrapped module: threads are how it runs, not part of it."""
        return builder.call(self.module, *args, **kwargs)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        first = args[0] if args else None
        dim = self.dim
        if not isinstance(first, Tensor) or first.ndim <= dim:
            raise TypeError(
                f"DataParallel: the first argument must be a Tensor with a batch dimension "
                f"{dim}, got "
                + (
                    f"shape {tuple(first.shape)}"
                    if isinstance(first, Tensor)
                    else type(first).__name__
                )
            )
        n = first.shape[dim]
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
            a = [_slice(v, dim, n, lo, hi) for v in args]
            kw = {key: _slice(v, dim, n, lo, hi) for key, v in kwargs.items()}
            if seeds is None:
                return models[k](*a, **kw)
            with _random.thread_rng(np.random.default_rng(int(seeds[k]))):
                return models[k](*a, **kw)

        with _blas.limit(1) as limited:
            if not limited:
                _warn_unlimited_blas()
            outs = _parallel.run_tasks([lambda k=k: run(k) for k in range(parts)])
        return self._gather(outs, [bounds[k + 1] - bounds[k] for k in range(parts)], training)

    def _gather(self, outs: list, sizes: list[int], training: bool) -> Any:
        """The slices' outputs joined along the batch dimension, in the structure the
        module returned (a Tensor, a tuple, list or named tuple of Tensors, or a dict)."""
        leaves, rebuild = _flatten(outs[0])
        per_slice = [leaves] + [_flatten(o)[0] for o in outs[1:]]
        shards = [[sl[i] for sl in per_slice] for i in range(len(leaves))]
        for out in shards:
            self._check_batch(out, sizes)
        graded = [
            i for i, out in enumerate(shards) if training and any(s.requires_grad for s in out)
        ]
        joined: list = [None] * len(shards)
        if graded:
            made = _Gather.apply(
                self._anchor, shards=[shards[i] for i in graded], owner=self, dim=self.dim
            )
            for i, t in zip(graded, made if isinstance(made, tuple) else (made,)):
                joined[i] = t
        for i, out in enumerate(shards):
            if joined[i] is None:
                xp = get_array_module(out[0].array)
                array = xp.concatenate([s.array for s in out], axis=self.dim)
                joined[i] = Tensor._make(array, False, None, 0)
        return rebuild(joined)

    def _check_batch(self, shards: list, sizes: list[int]) -> None:
        dim = self.dim
        for s, size in zip(shards, sizes):
            if s.ndim <= dim or s.shape[dim] != size:
                raise ValueError(
                    f"DataParallel: every output must keep the batch dimension {dim}; a slice of "
                    f"{size} gave an output of shape {tuple(s.shape)} (compute losses and other "
                    "reductions on the gathered output)"
                )

    # ------------------------------------------------------------- backward
    def _backward(self, shards: list, grads: tuple, dim: int) -> None:
        """Each slice's backward in its thread (all its outputs at once), then the
        replicas' gradients added to the module's.

        ``shards[i][k]`` is output ``i`` of slice ``k``; ``grads[i]`` the gradient of
        gathered output ``i`` (None where it took no part in the loss)."""
        sizes = [s.shape[dim] for s in shards[0]]
        bounds = np.cumsum([0] + sizes)
        lead = (slice(None),) * dim
        jobs = []
        for k in range(len(sizes)):
            part = (*lead, slice(bounds[k], bounds[k + 1]))
            pairs = [
                (out[k], g[part])
                for out, g in zip(shards, grads)
                if g is not None and out[k].requires_grad
            ]
            if pairs:
                jobs.append(([t for t, _ in pairs], [gs for _, gs in pairs]))
        with _blas.limit(1):
            _parallel.run_tasks([lambda ts=ts, gs=gs: engine.backward(ts, gs) for ts, gs in jobs])
            self._reduce(len(sizes) - 1)

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
                p.grad = Tensor._make(gs[0].array, False, None, 0)
                gs = gs[1:]
            pairs.extend((p.grad.array, q.array) for q in gs)
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


_warned: list[bool] = []


def data_parallel(
    module: Module, inputs: Any, device_ids: Any = None, output_device: Any = None,
    dim: int = 0, module_kwargs: dict | None = None,
) -> Any:  # fmt: skip
    """``torch.nn.parallel.data_parallel``: ``module(*inputs, **module_kwargs)``. Without a
    GPU torch runs the module as is, and so does glassnet (use :class:`DataParallel` for
    CPU threads)."""
    if not isinstance(module, Module):
        raise TypeError(f"data_parallel: expected a Module, got {type(module).__name__}")
    args = inputs if isinstance(inputs, tuple) else (inputs,)
    return module(*args, **(module_kwargs or {}))


def _warn_unlimited_blas() -> None:
    """Say once that the slices' matrix products may oversubscribe the cores."""
    if not _warned:
        _warned.append(True)
        warnings.warn(
            "DataParallel: the BLAS library's thread count cannot be set here (no OpenBLAS "
            "found and threadpoolctl not installed), so each slice's matrix products may use "
            "every core; set OMP_NUM_THREADS=1 / MKL_NUM_THREADS=1 or install threadpoolctl",
            RuntimeWarning,
            stacklevel=3,
        )


def _flatten(out: Any) -> tuple[list, Any]:
    """The Tensors of a module's output and a function that puts joined ones back in
    the same structure: a Tensor, a tuple, list or named tuple of Tensors, or a dict
    of Tensors (what ``torch.nn.DataParallel`` gathers)."""
    if isinstance(out, Tensor):
        return [out], lambda ts: ts[0]
    if isinstance(out, dict) and out and all(isinstance(v, Tensor) for v in out.values()):
        keys = list(out)
        return list(out.values()), lambda ts: type(out)(zip(keys, ts))
    if isinstance(out, (tuple, list)) and out and all(isinstance(v, Tensor) for v in out):
        if hasattr(out, "_fields"):  # a named tuple
            return list(out), lambda ts: type(out)(*ts)
        return list(out), lambda ts: type(out)(ts)
    raise TypeError(
        "DataParallel: the module must return a Tensor, or a tuple, list or dict of Tensors, "
        f"got {type(out).__name__}"
        + (" with non-Tensor items" if isinstance(out, (tuple, list, dict)) else "")
    )


def _slice(v: Any, dim: int, n: int, lo: int, hi: int) -> Any:
    """``v`` sliced ``lo:hi`` along ``dim`` for tensors and arrays of size ``n`` there;
    anything else as it is."""
    if isinstance(v, (Tensor, np.ndarray)) and v.ndim > dim and v.shape[dim] == n:
        return v[(slice(None),) * dim + (slice(lo, hi),)]
    return v


_PLAIN = (bool, int, float, str, type(None))


def _sync_module(m: Module, r: Module) -> None:
    """Bring replica ``r`` of module ``m`` up to date (see ``DataParallel._sync_replicas``)."""
    for name, p in m._parameters.items():
        q = r._parameters[name]
        if p is not None and q is not None:
            q.array = p.array
            q.requires_grad = p.requires_grad
            q.grad = None
    for name, b in m._buffers.items():
        c = r._buffers.get(name)
        if b is None or c is None:
            r._buffers[name] = None if b is None else Tensor(b.array.copy())
        elif c.array.shape == b.array.shape and c.array.dtype == b.array.dtype:
            c.array[...] = b.array
        else:
            c.array = b.array.copy()
    d = r.__dict__
    for k, v in m.__dict__.items():
        if isinstance(v, _PLAIN) or (type(v) is tuple and all(isinstance(e, _PLAIN) for e in v)):
            d[k] = v
    d["_forward_hooks"] = m._forward_hooks
    d["_forward_pre_hooks"] = m._forward_pre_hooks
