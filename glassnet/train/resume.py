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
import os
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from .. import random as _random
from ..distributed.sampler import DistributedBatchSampler
from ..io.checkpoint import check_restorable, load_checkpoint
from .callbacks.base import Callback, CallbackList
from .interrupt import TrainingInterrupted
from .logs import EpochStats
from .state import STATE_FORMAT, DataOrder, Progress, TrainState, rng_state_for_rank

__all__ = [
    "ResumePoint", "read_resume_point", "rng_state_for_rank", "STATE_FORMAT", "Resumable",
    "TRAINER_STATE", "check_trainer_state", "check_epochs_reach", "epochs_reached",
]  # fmt: skip


@dataclass
class ResumePoint:
    """A checkpoint read for resuming: its path, its contents and the trainer state in it."""

    path: str
    checkpoint: dict[str, Any]
    state: TrainState

    def seed(self, given: int | None) -> int | None:
        """The data seed to use: the checkpoint's (an explicit different ``seed`` is refused)."""
        saved = self.state.data.seed
        if given is not None and saved is not None and int(given) != int(saved):
            raise ValueError(
                f"fit: seed={given!r} differs from the seed {saved} of the run in {self.path!r}; "
                "a resumed run must keep its data order (leave seed out or pass the same one)"
            )
        return saved if saved is not None else given


def _checkpoint_path(source: Any) -> str:
    """The file behind ``resume_from``: a path, or a ``RunFolder``'s ``last.safetensors``."""
    if hasattr(source, "file") and hasattr(source, "LAST"):
        return source.file(source.LAST)
    if isinstance(source, (str, os.PathLike)):
        return os.fspath(source)
    raise TypeError(
        f"fit: resume_from must be a checkpoint path or a RunFolder, got {type(source).__name__}"
    )


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
    if isinstance(source, ResumePoint):
        return source
    path = _checkpoint_path(source)
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
    check_trainer_state(path, state)
    return ResumePoint(path, ckpt, TrainState.from_dict(state, legacy_rng=ckpt.get("rng_state")))


#: The schema of the trainer state (the table above): key -> (kind, required). Kinds:
#: ``count`` an int >= 0, ``count?`` the same or None, ``flag`` a bool, ``number`` a
#: float (NaN allowed: ``epoch_lr`` before the first step), ``numbers`` a dict of
#: numbers, ``table`` a dict, ``rng`` a list of generator states.
TRAINER_STATE: dict[str, tuple[str, bool]] = {
    "format": ("count", True), "epoch": ("count", True), "step_in_epoch": ("count", False),
    "samples_in_epoch": ("count", False), "global_step": ("count", False),
    "stopped": ("flag", False), "epochs": ("count", False), "data_seed": ("count?", False),
    "num_samples": ("count?", False), "batch_size": ("count?", False),
    "world_size": ("count", False), "steps_per_epoch": ("count?", False),
    "epoch_lr": ("number", False), "epoch_time": ("number", False),
    "stats": ("numbers", False), "metrics": ("table", False), "rng_states": ("rng", False),
    "callbacks": ("table", False),
}  # fmt: skip


def check_trainer_state(path: str, state: dict[str, Any]) -> None:
    """Refuse a trainer state that does not follow :data:`TRAINER_STATE`, naming the key.

    Raises
    ------
    ValueError
        ``fit: 'PATH': trainer state 'KEY' must be ..., got ...`` (also for unknown keys).
    """
    where = f"fit: {path!r}: trainer state"
    for key in state:
        if key not in TRAINER_STATE:
            raise ValueError(f"{where} has an unknown key {key!r:.80}")
    for key, (kind, required) in TRAINER_STATE.items():
        if key not in state:
            if required:
                raise ValueError(f"{where} has no {key!r}")
            continue
        problem = _KIND_CHECKS[kind](state[key])
        if problem:
            raise ValueError(f"{where} {key!r} must be {problem}, got {state[key]!r:.80}")


def _count(v: Any) -> str | None:
    ok = isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= 0
    return None if ok else "an int >= 0"


def _number(v: Any) -> str | None:
    ok = isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
    return None if ok else "a number"


def _numbers(v: Any) -> str | None:
    ok = isinstance(v, dict) and all(_number(x) is None for x in v.values())
    return None if ok else "a dict of numbers"


def _rng_states(v: Any) -> str | None:
    if not isinstance(v, list):
        return "a list of generator states"
    for s in v:
        scratch = type(_random.get_rng().bit_generator)()
        try:
            scratch.state = s
        except (TypeError, ValueError, KeyError, OverflowError):
            return "a list of valid generator states"
    return None


_KIND_CHECKS = {
    "count": _count,
    "count?": lambda v: None if v is None else _count(v) and "an int >= 0 or None",
    "flag": lambda v: None if isinstance(v, bool) else "true or false",
    "number": _number,
    "numbers": _numbers,
    "table": lambda v: None if isinstance(v, dict) else "a dict",
    "rng": _rng_states,
}


def epochs_reached(progress: Any) -> int:
    """The smallest ``epochs`` a run at ``progress`` can continue to: an unfinished epoch counts."""
    return progress.epochs_completed + (1 if progress.step_in_epoch else 0)


def check_epochs_reach(progress: Any, epochs: int, path: str, *, flag: str | None = None) -> None:
    """Refuse an ``epochs`` below what the checkpoint at ``path`` has trained already.

    Parameters
    ----------
    progress : Progress
        The checkpoint's progress.
    epochs : int
        The epochs the continued run is to reach.
    path : str
        The checkpoint (or run folder), for the message.
    flag : str, optional
        The command-line flag to name (``"--epochs"``) instead of ``fit``'s argument.

    Raises
    ------
    ValueError
        Naming both counts and the smallest ``epochs`` that continues the run.
    """
    need = epochs_reached(progress)
    if epochs >= need:
        return
    part = f" and {progress.step_in_epoch} step(s) of the next" if progress.step_in_epoch else ""
    head = f"{flag}: got {epochs}," if flag else f"fit: epochs={epochs} is"
    raise ValueError(
        f"{head} below what {path!r} has trained: {progress.epochs_completed} epoch(s){part}; "
        f"pass {need} or more (epochs counts from the start of the run)"
    )


class Resumable:
    """Saving and restoring the trainer's state (a mixin of :class:`~glassnet.train.Trainer`).

    Saving builds a :class:`~glassnet.train.state.TrainState` from the
    trainer's progress, its running epoch and every callback; resuming reads
    one from the checkpoint, checks it against the data at hand and applies
    it (:meth:`_resume`).
    """

    world: Any
    model: Any
    optimizer: Any
    scheduler: Any
    stop_training: bool
    epochs: int
    initial_epoch: int
    steps_per_epoch: int | None
    progress: Progress
    data_order: DataOrder
    epoch_run: Any  # RunningEpoch
    _callbacks: list[Callback]
    _keys: dict[int, str]
    _snap: dict[str, Any] | None
    _skip_batches: int

    # ----------------------------------------------------------------- save
    def _take_snapshot(self) -> None:
        """Record what a checkpoint needs from every rank (a collective in a distributed run)."""
        world = self.world
        if self.progress.step_in_epoch == 0:
            stats, metrics = EpochStats().state_dict(), {}
        else:
            s = EpochStats()
            s.load_state_dict(self.epoch_run.stats.state_dict())
            s.reduce(world)
            m = copy.deepcopy(self.epoch_run.metrics)
            m.reduce(world)
            stats, metrics = s.state_dict(), m.state_dict()
        rng = _random.get_state()
        states = world.allgather_object(rng) if world.size > 1 else [rng]
        self._snap = {"stats": stats, "metrics": metrics, "rng_states": states}

    def _callback_states(self) -> dict[str, Any]:
        states = {}
        for cb in self._callbacks:
            state = cb.state_dict()
            if state is not None:
                states[self._keys[id(cb)]] = state
        return states

    def train_state(self) -> TrainState:
        """The run's state at the last save point (see :meth:`state_dict`)."""
        if self.world.size == 1 or self._snap is None:
            if self.world.size > 1:
                raise RuntimeError(
                    "Trainer.state_dict: in a distributed run the state exists at save points "
                    "only; call it from a main_rank_only callback's on_epoch_end or on_checkpoint"
                )
            self._take_snapshot()
        snap = self._snap
        running = self.progress.step_in_epoch > 0
        return TrainState(
            progress=replace(self.progress),
            stopped=bool(self.stop_training),
            epochs=self.epochs,
            data=self.data_order,
            world_size=self.world.size,
            steps_per_epoch=self.steps_per_epoch,
            epoch_lr=self.epoch_run.lr,
            epoch_time=self.epoch_run.elapsed() if running else 0.0,
            stats=snap["stats"],
            metrics=snap["metrics"],
            rng_states=snap["rng_states"],
            callbacks=self._callback_states(),
        )

    def state_dict(self) -> dict[str, Any]:
        """The trainer's progress and its parts' states, as checkpoints store it.

        See :mod:`glassnet.train.resume` for the keys. In a distributed run it
        describes the last save point (epoch end, ``checkpoint_every``,
        Ctrl-C): call it from ``main_rank_only`` callbacks there.
        """
        return self.train_state().to_dict()

    def _checkpoint_logs(self, reason: str) -> dict[str, Any]:
        p = self.progress
        return {
            "reason": reason,
            "epoch": p.epochs_completed,
            "step": p.step_in_epoch,
            "global_step": p.global_step,
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
        p = self.progress
        raise TrainingInterrupted(signum, p.epochs_completed, p.step_in_epoch, p.global_step, paths)

    # -------------------------------------------------------------- resume
    def _resume(self, point: ResumePoint, loader: Any) -> None:
        """Continue from ``point``: check its state against this run, then apply it."""
        state = point.state
        check_epochs_reach(state.progress, getattr(self, "epochs", 0), point.path)
        state.check_data(self.data_order, point.path)
        skip = self._batches_to_skip(state, point.path, loader)
        self._load_parts(point)
        self._apply(state, skip)

    def _batches_to_skip(self, state: TrainState, path: str, loader: Any) -> int:
        """Steps of the unfinished epoch to replay past; a sharded loader skips samples itself."""
        step = state.progress.step_in_epoch
        if not step:
            return 0
        world = self.world
        if state.replays_batches(world.size, self.data_order.batch_size, self.steps_per_epoch):
            return step  # replay the epoch's data stream exactly
        sampler = getattr(loader, "batch_sampler", None)
        if isinstance(sampler, DistributedBatchSampler):
            sampler.skip(state.progress.samples_in_epoch)
            return 0
        raise ValueError(
            f"fit: {path!r} was written in the middle of an epoch with batch size "
            f"{state.data.batch_size} on {state.world_size} rank(s); continuing it with "
            f"batch size {self.data_order.batch_size} on {world.size} needs a loader with a "
            "DistributedBatchSampler (pass arrays or a dataset, not a DataLoader)"
        )

    def _load_parts(self, point: ResumePoint) -> None:
        """The model's, optimizer's and scheduler's states from the checkpoint."""
        ck = point.checkpoint
        if ck.get("optimizer") is None:
            raise ValueError(f"fit: {point.path!r} holds no optimizer state; it cannot be resumed")
        if self.scheduler is not None and ck.get("scheduler") is None:
            raise ValueError(
                f"fit: {point.path!r} holds no scheduler state, but a scheduler was given"
            )
        # everything checked before anything is restored
        check_restorable(
            point.path, ck, model=self.model, optimizer=self.optimizer, scheduler=self.scheduler
        )
        self.model.load_state_dict(ck["model"])
        self.optimizer.load_state_dict(ck["optimizer"])
        if self.scheduler is not None:
            self.scheduler.load_state_dict(ck["scheduler"])

    def _apply(self, state: TrainState, skip: int) -> None:
        """Make ``state`` the trainer's: progress, random stream and the unfinished epoch."""
        rank = self.world.rank
        rng = state.rng_state(rank)
        if rng is not None:
            _random.set_state(rng)
        self.progress = replace(state.progress)
        self.initial_epoch = state.progress.epochs_completed
        self.stop_training = state.stopped
        self.epoch_run.load(state, sums=rank == 0)
        self._skip_batches = skip

    def _load_callback_states(self, point: ResumePoint) -> None:
        saved = point.state.callbacks
        for cb in self._callbacks:
            state = saved.get(self._keys[id(cb)])
            if state is not None:
                cb.load_state_dict(state)

    def _decorrelate_rng(self) -> None:
        """Give every rank its own random stream (dropout) from one base shared by rank 0."""
        draw = int(_random.get_rng().integers(2**63))
        base = self.world.broadcast_object(draw)
        _random.set_state(np.random.default_rng([base, self.world.rank]).bit_generator.state)
