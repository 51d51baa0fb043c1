"""The plain settings of one ``fit`` call, checked once: :class:`FitSettings`."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validate import int_at_least as check_int

__all__ = ["FitSettings"]


@dataclass(frozen=True)
class FitSettings:
    """How long and in what steps ``Trainer.fit`` trains (see :func:`glassnet.train.fit`).

    Built by :meth:`checked`, which validates every value with the message
    ``fit`` gives for it; the trainer's loop reads it instead of a dozen
    keyword arguments.

    Attributes
    ----------
    epochs : int
        Train until this epoch number.
    batch_size : int
        Samples per step (per rank).
    verbose : {0, 1, 2}
    shuffle : bool
    initial_epoch : int
        Epoch to start from.
    checkpoint_every : int or None
        Also save every this many steps.
    scheduler_per : {"epoch", "batch"}
        When a scheduler given to ``fit`` steps.
    """

    epochs: int
    batch_size: int = 32
    verbose: int = 1
    shuffle: bool = True
    initial_epoch: int = 0
    checkpoint_every: int | None = None
    scheduler_per: str = "epoch"

    @classmethod
    def checked(
        cls,
        *,
        epochs: int,
        batch_size: int = 32,
        verbose: int = 1,
        shuffle: bool = True,
        initial_epoch: int = 0,
        checkpoint_every: int | None = None,
        scheduler_per: str = "epoch",
        resuming: bool = False,
    ) -> FitSettings:
        """The settings, each checked; ``resuming`` refuses an ``initial_epoch`` as well.

        Raises
        ------
        ValueError, TypeError
            Naming the argument and echoing the value.
        """
        epochs = check_int("fit", "epochs", epochs, 1)
        initial_epoch = check_int("fit", "initial_epoch", initial_epoch, 0)
        batch_size = check_int("fit", "batch_size", batch_size, 1)
        if initial_epoch > epochs:
            raise ValueError(
                f"fit: initial_epoch={initial_epoch} is beyond epochs={epochs} (epochs is the "
                "number to train until, not the number of epochs to add)"
            )
        if verbose not in (0, 1, 2):
            raise ValueError(f"fit: verbose must be 0, 1 or 2, got {verbose!r}")
        if not isinstance(shuffle, (bool, np.bool_)):
            raise TypeError(f"fit: shuffle must be True or False, got {shuffle!r}")
        if scheduler_per not in ("epoch", "batch"):
            raise ValueError(
                f"fit: scheduler_per must be 'epoch' or 'batch', got {scheduler_per!r}"
            )
        if checkpoint_every is not None:
            checkpoint_every = check_int("fit", "checkpoint_every", checkpoint_every, 1)
        if resuming and initial_epoch:
            raise ValueError(
                "fit: pass either resume_from or initial_epoch, not both (the checkpoint knows "
                "its epoch)"
            )
        return cls(
            epochs=epochs,
            batch_size=batch_size,
            verbose=verbose,
            shuffle=bool(shuffle),
            initial_epoch=initial_epoch,
            checkpoint_every=checkpoint_every,
            scheduler_per=scheduler_per,
        )
