"""What a checkpoint records of a run in progress, as data: :class:`TrainState`.

``Trainer.state_dict()`` builds a :class:`TrainState` and writes it as a plain
dict (``extra["trainer"]`` of a checkpoint; the keys are listed in
:mod:`glassnet.train.resume`). Resuming reads it back with
:meth:`TrainState.from_dict`, checks it against the data and the ranks at hand
(:meth:`TrainState.check_data`, :meth:`TrainState.replays_batches`), and the
trainer applies it in one place.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["STATE_FORMAT", "Progress", "DataOrder", "TrainState", "rng_state_for_rank"]

#: Version of the trainer state layout.
STATE_FORMAT = 1


@dataclass
class Progress:
    """How far a run is; the trainer advances it step by step.

    Attributes
    ----------
    epochs_completed : int
        Epochs finished.
    step_in_epoch : int
        Steps finished after them (0 at an epoch boundary).
    samples_in_epoch : int
        Samples, over all ranks, those steps used.
    global_step : int
        Steps finished in the whole run.
    """

    epochs_completed: int = 0
    step_in_epoch: int = 0
    samples_in_epoch: int = 0
    global_step: int = 0

    def start_epoch(self) -> None:
        """Forget the steps of an epoch (at its start and its end)."""
        self.step_in_epoch = self.samples_in_epoch = 0

    def advance(self, samples: int) -> None:
        """Count one step that used ``samples`` samples over all ranks."""
        self.step_in_epoch += 1
        self.global_step += 1
        self.samples_in_epoch += samples


@dataclass(frozen=True)
class DataOrder:
    """What fixes the order of the training batches; a resume must see the same.

    Attributes
    ----------
    seed : int or None
        The shuffling seed: epoch ``e``'s order depends only on it and ``e``.
    batch_size : int or None
        Samples per step on one rank.
    num_samples : int or None
        Training samples.
    """

    seed: int | None = None
    batch_size: int | None = None
    num_samples: int | None = None


def _int_or_none(value: Any) -> int | None:
    return None if value is None else int(value)


@dataclass
class TrainState:
    """A run's state at a save point: what resuming restores besides the weights.

    Attributes
    ----------
    progress : Progress
        Epochs and steps done.
    stopped : bool
        A callback ended training (early stopping): nothing is left to run.
    epochs : int
        The epoch budget of the run that saved it.
    data : DataOrder
        Data seed, per-rank batch size and sample count.
    world_size : int or None
        Ranks of the run that saved it.
    steps_per_epoch : int or None
    epoch_lr : float
        Learning rate of the unfinished epoch's first step.
    epoch_time : float
        Seconds the unfinished epoch has run.
    stats, metrics : dict
        Running sums of the unfinished epoch over all ranks
        (``EpochStats.state_dict()``, ``MetricSet.state_dict()``).
    rng_states : list of dict
        glassnet's global generator state on every rank.
    callbacks : dict
        Each callback's ``state_dict()`` under its key (class name, ``#2``...).
    """

    progress: Progress
    stopped: bool = False
    epochs: int = 0
    data: DataOrder = field(default_factory=DataOrder)
    world_size: int | None = None
    steps_per_epoch: int | None = None
    epoch_lr: float = math.nan
    epoch_time: float = 0.0
    stats: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    rng_states: list[dict[str, Any]] = field(default_factory=list)
    callbacks: dict[str, Any] = field(default_factory=dict)

    # ----------------------------------------------------------- as stored
    def to_dict(self) -> dict[str, Any]:
        """The layout checkpoints store in ``extra["trainer"]``."""
        p = self.progress
        return {
            "format": STATE_FORMAT,
            "epoch": p.epochs_completed,
            "step_in_epoch": p.step_in_epoch,
            "samples_in_epoch": p.samples_in_epoch,
            "global_step": p.global_step,
            "stopped": bool(self.stopped),
            "epochs": self.epochs,
            "data_seed": self.data.seed,
            "num_samples": self.data.num_samples,
            "batch_size": self.data.batch_size,
            "world_size": self.world_size,
            "steps_per_epoch": self.steps_per_epoch,
            "epoch_lr": self.epoch_lr,
            "epoch_time": self.epoch_time,
            "stats": self.stats,
            "metrics": self.metrics,
            "rng_states": self.rng_states,
            "callbacks": self.callbacks,
        }

    @classmethod
    def from_dict(
        cls, state: Mapping[str, Any], *, legacy_rng: Mapping[str, Any] | None = None
    ) -> TrainState:
        """Read :meth:`to_dict`'s layout; keys missing from older checkpoints get defaults.

        ``legacy_rng`` is the checkpoint's single ``rng_state``, used when the
        state lists none per rank.
        """
        progress = Progress(
            epochs_completed=int(state["epoch"]),
            step_in_epoch=int(state.get("step_in_epoch", 0)),
            samples_in_epoch=int(state.get("samples_in_epoch", 0)),
            global_step=int(state.get("global_step", 0)),
        )
        data = DataOrder(
            seed=_int_or_none(state.get("data_seed")),
            batch_size=_int_or_none(state.get("batch_size")),
            num_samples=_int_or_none(state.get("num_samples")),
        )
        rng = list(state.get("rng_states") or ([legacy_rng] if legacy_rng else []))
        return cls(
            progress=progress,
            stopped=bool(state.get("stopped", False)),
            epochs=int(state.get("epochs") or 0),
            data=data,
            world_size=_int_or_none(state.get("world_size")),
            steps_per_epoch=_int_or_none(state.get("steps_per_epoch")),
            epoch_lr=float(state.get("epoch_lr", math.nan)),
            epoch_time=float(state.get("epoch_time", 0.0)),
            stats=dict(state.get("stats") or {}),
            metrics=dict(state.get("metrics") or {}),
            rng_states=rng,
            callbacks=dict(state.get("callbacks") or {}),
        )

    # ----------------------------------------------------------- checks
    def check_data(self, data: DataOrder, path: str) -> None:
        """Refuse training data of another size or another shuffling seed than the saved run's."""
        saved = self.data
        if saved.num_samples not in (None, data.num_samples):
            raise ValueError(
                f"fit: {path!r} was written training on {saved.num_samples} samples; "
                f"this training data has {data.num_samples}"
            )
        if saved.seed not in (None, data.seed):
            raise ValueError(
                f"fit: {path!r} was written with data seed {saved.seed}; the "
                f"DataLoader given has seed {data.seed} (build it with seed={saved.seed})"
            )

    def replays_batches(
        self, world_size: int | None, batch_size: int | None, steps_per_epoch: int | None
    ) -> bool:
        """Whether the batches of the unfinished epoch are the saved run's (same ranks and sizes)."""
        saved = (self.world_size, self.data.batch_size, self.steps_per_epoch)
        return saved == (world_size, batch_size, steps_per_epoch)

    def rng_state(self, rank: int) -> dict[str, Any] | None:
        """The generator state ``rank`` continues with (None when the checkpoint has none)."""
        return rng_state_for_rank(self.rng_states, rank) if self.rng_states else None


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
