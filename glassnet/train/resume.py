"""Reading a checkpoint back to continue a run exactly: ``fit(..., resume_from=path)``.

A checkpoint written during ``fit`` (by ``RunLogger`` or ``ModelCheckpoint``)
holds, besides the model, optimizer, scheduler and RNG state, the trainer's
state in ``extra["trainer"]`` (see :meth:`glassnet.train.Trainer.state_dict`):

=====================  ===============================================================
key                    meaning
=====================  ===============================================================
``epoch``              epochs completed
``step_in_epoch``      steps completed after them (0 at an epoch boundary)
``samples_in_epoch``   samples (over all ranks) those steps used
``global_step``        steps completed in the run
``stopped``            a callback ended training (early stopping): nothing left to run
``data_seed``          the shuffling seed; epoch ``e``'s order depends only on it and ``e``
``num_samples``        training samples (a resume with other data is refused)
``batch_size``         per-rank batch size; ``world_size`` ranks; ``steps_per_epoch``
``epoch_lr``           learning rate of the epoch's first step; ``epoch_time`` seconds so far
``stats``, ``metrics``  the running sums of the unfinished epoch (over all ranks)
``rng_states``         glassnet's global generator state on every rank
``callbacks``          each callback's ``state_dict()`` (history, early stopping, logs)
=====================  ===============================================================
"""

from __future__ import annotations

import copy
import math
import os
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import random as _random
from ..distributed.sampler import DistributedBatchSampler
from .callbacks.base import Callback, CallbackList
from .interrupt import TrainingInterrupted
from .logs import EpochStats, MetricSet

__all__ = [
    "ResumePoint", "read_resume_point", "rng_state_for_rank", "STATE_FORMAT", "Resumable",
]  # fmt: skip

#: Version of the trainer state layout.
STATE_FORMAT = 1


@dataclass
class ResumePoint:
    """A checkpoint read for resuming: its path, its contents and the trainer state in it."""

    path: str
    checkpoint: dict[str, Any]
    state: dict[str, Any]

    def seed(self, given: int | None) -> int | None:
        """The data seed to use: the checkpoint's (an explicit different ``seed`` is refused)."""
        saved = self.state.get("data_seed")
        if given is not None and saved is not None and int(given) != int(saved):
            raise ValueError(
                f"fit: seed={given!r} differs from the seed {saved} of the run in {self.path!r}; "
                "a resumed run must keep its data order (leave seed out or pass the same one)"
            )
        return saved if saved is not None else given


def read_resume_point(source: Any) -> ResumePoint:
    """Read ``source`` (a checkpoint path, a ``RunFolder``: its ``last.safetensors``, or a
    ``ResumePoint`` already read).

    Raises
    ------
    FileNotFoundError
        The file does not exist.
    ValueError
        The checkpoint holds no trainer state (weights-only files, checkpoints
        written outside ``fit``) or one of a newer layout.
    """
    from ..io.checkpoint import load_checkpoint

    if isinstance(source, ResumePoint):
        return source
    if hasattr(source, "file") and hasattr(source, "LAST"):
        path = source.file(source.LAST)
    elif isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
    else:
        raise TypeError(
            f"fit: resume_from must be a checkpoint path or a RunFolder, got {type(source).__name__}"
        )
    if not os.path.isfile(path):
        raise FileNotFoundError(f"fit: resume_from checkpoint {path!r} does not exist")
    ckpt = load_checkpoint(path, restore_rng=False)
    extra = ckpt.get("extra")
    state = extra.get("trainer") if isinstance(extra, dict) else None
    if not isinstance(state, dict):
        raise ValueError(
            f"fit: {path!r} holds no trainer state (it was not written by RunLogger or "
            "ModelCheckpoint during fit); load it with glassnet.io.load_checkpoint and pass "
            "initial_epoch=... instead"
        )
    version = state.get("format")
    if not isinstance(version, int) or version > STATE_FORMAT:
        raise ValueError(
            f"fit: {path!r} has trainer state format {version!r}; this glassnet reads "
            f"{STATE_FORMAT} (upgrade glassnet)"
        )
    return ResumePoint(path, ckpt, state)


def rng_state_for_rank(saved: list[dict[str, Any]], rank: int) -> dict[str, Any]:
    """The generator state rank ``rank`` continues with.

    Ranks that existed in the saved run get their own state back (exact
    resumes); new ranks (a run resumed on more ranks) get an independent
    stream derived from rank 0's saved state.
    """
    if rank < len(saved):
        return saved[rank]
    inner = saved[0].get("state", {}) if saved else {}
    entropy = [int(inner.get("state", 0)) % 2**128, int(inner.get("inc", 0)) % 2**128, rank]
    return np.random.default_rng(entropy).bit_generator.state


class Resumable:
    """Saving and restoring the trainer's state (a mixin of :class:`~glassnet.train.Trainer`)."""

    world: Any
    model: Any
    optimizer: Any
    scheduler: Any
    stop_training: bool
    epochs: int
    initial_epoch: int
    epoch: int
    steps_per_epoch: int | None
    epochs_completed: int
    step_in_epoch: int
    samples_in_epoch: int
    global_step: int
    data_seed: int | None
    batch_size: int | None
    num_samples: int | None
    _stats: EpochStats
    _train_metrics: MetricSet
    _epoch_lr: float
    _epoch_time: float
    _epoch_start: float
    _callbacks: list[Callback]
    _keys: dict[int, str]
    _snap: dict[str, Any] | None
    _skip_batches: int

    def _take_snapshot(self) -> None:
        """Record what a checkpoint needs from every rank (a collective in a distributed run)."""
        world = self.world
        if self.step_in_epoch == 0:
            stats, metrics = EpochStats().state_dict(), {}
        else:
            s = EpochStats()
            s.load_state_dict(self._stats.state_dict())
            s.reduce(world)
            m = copy.deepcopy(self._train_metrics)
            m.reduce(world)
            stats, metrics = s.state_dict(), m.state_dict()
        rng = _random.get_state()
        states = world.allgather_object(rng) if world.size > 1 else [rng]
        self._snap = {"stats": stats, "metrics": metrics, "rng_states": states}

    def state_dict(self) -> dict[str, Any]:
        """The trainer's progress and its parts' states, as checkpoints store it.

        See :mod:`glassnet.train.resume` for the keys. In a distributed run it
        describes the last save point (epoch end, ``checkpoint_every``,
        Ctrl-C): call it from ``main_rank_only`` callbacks there.
        """
        if self.world.size == 1 or self._snap is None:
            if self.world.size > 1:
                raise RuntimeError(
                    "Trainer.state_dict: in a distributed run the state exists at save points "
                    "only; call it from a main_rank_only callback's on_epoch_end or on_checkpoint"
                )
            self._take_snapshot()
        snap = self._snap
        callbacks = {}
        for cb in self._callbacks:
            state = cb.state_dict()
            if state is not None:
                callbacks[self._keys[id(cb)]] = state
        elapsed = time.perf_counter() - self._epoch_start if self.step_in_epoch else 0.0
        return {
            "format": STATE_FORMAT,
            "epoch": self.epochs_completed,
            "step_in_epoch": self.step_in_epoch,
            "samples_in_epoch": self.samples_in_epoch,
            "global_step": self.global_step,
            "stopped": bool(self.stop_training),
            "epochs": self.epochs,
            "data_seed": self.data_seed,
            "num_samples": self.num_samples,
            "batch_size": self.batch_size,
            "world_size": self.world.size,
            "steps_per_epoch": self.steps_per_epoch,
            "epoch_lr": self._epoch_lr,
            "epoch_time": elapsed,
            "stats": snap["stats"],
            "metrics": snap["metrics"],
            "rng_states": snap["rng_states"],
            "callbacks": callbacks,
        }

    def _checkpoint_logs(self, reason: str) -> dict[str, Any]:
        return {
            "reason": reason,
            "epoch": self.epochs_completed,
            "step": self.step_in_epoch,
            "global_step": self.global_step,
        }

    def _save_point(self, reason: str, callbacks: CallbackList) -> list[str]:
        dp = getattr(self, "dp", None)
        if dp is not None:
            # one set of batch-norm statistics in the checkpoint; averaging commutes with
            # their running-average updates, so the epoch's end sees the same average
            dp.average_buffers()
        self._take_snapshot()
        return callbacks.on_checkpoint(self._checkpoint_logs(reason))

    def _interrupt(self, signum: int, callbacks: CallbackList) -> None:
        paths = self._save_point("interrupt", callbacks)
        raise TrainingInterrupted(
            signum, self.epochs_completed, self.step_in_epoch, self.global_step, paths
        )

    # -------------------------------------------------------------- resume
    def _restore(self, point: ResumePoint, loader: Any) -> None:
        st, ck, world = point.state, point.checkpoint, self.world
        if st.get("num_samples") not in (None, self.num_samples):
            raise ValueError(
                f"fit: {point.path!r} was written training on {st['num_samples']} samples; "
                f"this training data has {self.num_samples}"
            )
        if st.get("data_seed") not in (None, self.data_seed):
            raise ValueError(
                f"fit: {point.path!r} was written with data seed {st['data_seed']}; the "
                f"DataLoader given has seed {self.data_seed} (build it with seed={st['data_seed']})"
            )
        self.model.load_state_dict(ck["model"])
        if ck.get("optimizer") is None:
            raise ValueError(f"fit: {point.path!r} holds no optimizer state; it cannot be resumed")
        self.optimizer.load_state_dict(ck["optimizer"])
        if self.scheduler is not None:
            if ck.get("scheduler") is None:
                raise ValueError(
                    f"fit: {point.path!r} holds no scheduler state, but a scheduler was given"
                )
            self.scheduler.load_state_dict(ck["scheduler"])
        saved = st.get("rng_states") or ([ck["rng_state"]] if ck.get("rng_state") else [])
        if saved:
            _random.set_state(rng_state_for_rank(saved, world.rank))
        self.epochs_completed = self.initial_epoch = int(st["epoch"])
        self.step_in_epoch = int(st.get("step_in_epoch", 0))
        self.samples_in_epoch = int(st.get("samples_in_epoch", 0))
        self.global_step = int(st.get("global_step", 0))
        self.stop_training = bool(st.get("stopped", False))
        self._epoch_lr = float(st.get("epoch_lr", math.nan))
        self._epoch_time = float(st.get("epoch_time", 0.0))
        self._stats = EpochStats()
        self._stats.load_state_dict(st.get("stats", {}), sums=world.rank == 0)
        self._train_metrics.reset()
        if world.rank == 0:
            self._train_metrics.load_state_dict(st.get("metrics", {}))
        if not self.step_in_epoch:
            return
        same = (st.get("world_size"), st.get("batch_size"), st.get("steps_per_epoch")) == (
            world.size,
            self.batch_size,
            self.steps_per_epoch,
        )
        sampler = getattr(loader, "batch_sampler", None)
        if same:
            self._skip_batches = self.step_in_epoch  # replay the epoch's data stream exactly
        elif isinstance(sampler, DistributedBatchSampler):
            sampler.skip(self.samples_in_epoch)
        else:
            raise ValueError(
                f"fit: {point.path!r} was written in the middle of an epoch with batch size "
                f"{st.get('batch_size')} on {st.get('world_size')} rank(s); continuing it with "
                f"batch size {self.batch_size} on {world.size} needs a loader with a "
                "DistributedBatchSampler (pass arrays or a dataset, not a DataLoader)"
            )

    def _load_callback_states(self, point: ResumePoint) -> None:
        saved = point.state.get("callbacks") or {}
        for cb in self._callbacks:
            state = saved.get(self._keys[id(cb)])
            if state is not None:
                cb.load_state_dict(state)

    def _decorrelate_rng(self) -> None:
        """Give every rank its own random stream (dropout) from one base shared by rank 0."""
        draw = int(_random.get_rng().integers(2**63))
        base = self.world.broadcast_object(draw)
        _random.set_state(np.random.default_rng([base, self.world.rank]).bit_generator.state)
