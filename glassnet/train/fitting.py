"""``fit``: train a model with mini-batch gradient descent (builds a :class:`Trainer`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from .callbacks.base import Callback
from .callbacks.history import History
from .trainer import Trainer

__all__ = ["fit"]


def fit(
    model: Any,
    train_data: Any,
    *,
    loss: Any,
    optimizer: Any,
    epochs: int,
    batch_size: int = 32,
    validation_data: Any = None,
    metrics: Iterable[Any] = ("accuracy",),
    callbacks: Iterable[Callback] = (),
    verbose: int = 1,
    shuffle: bool = True,
    seed: int | None = None,
    regularizer: Callable[[Any], Any] | None = None,
    clip_grad_norm: float | None = None,
    clip_grad_value: float | None = None,
    scheduler: Any = None,
    scheduler_per: str = "epoch",
    initial_epoch: int = 0,
    transform: Callable[[Any], Any] | None = None,
    resume_from: Any = None,
    checkpoint_every: int | None = None,
    distributed: Any = False,
    device: Any = None,
    threads: int | None = None,
) -> History:
    """Train ``model`` on ``train_data`` with mini-batch gradient descent.

    Parameters
    ----------
    model : Module
    train_data : tuple (X, y), Dataset or DataLoader
        ``X`` of shape ``(N, ...)`` and ``y`` of shape ``(N,)`` (class indices)
        or ``(N, ...)`` (targets), as arrays or tensors; a map-style dataset;
        or a loader (then ``batch_size``, ``shuffle``, ``seed`` and
        ``transform`` are its own).
    loss : str, callable or Module
        ``"cross_entropy"``, ``"mse"``, ``"half_mse"``, ``"bce_with_logits"``, ...,
        a function ``loss(outputs, targets) -> Tensor``, or a loss module.
    optimizer : str or Optimizer
        ``"adam"`` (etc.) builds that optimizer with its defaults over
        ``model.parameters()``; or an optimizer instance.
    epochs : int
        Train until this epoch number (exclusive of ``initial_epoch``).
    batch_size : int, default 32
        Samples per step, per rank in a distributed run (PyTorch's convention:
        the global batch is ``batch_size * ranks``).
    validation_data : like ``train_data``, optional
        Evaluated after every epoch (``val_loss``, ``val_<metric>``).
    metrics : iterable, default ("accuracy",)
        Metric names (``glassnet.train.metrics.get_metric``), streaming metric
        objects or functions ``fn(outputs, targets) -> number`` (arrays in).
    callbacks : iterable of Callback
        Called at the start/end of training, epochs and batches.
    verbose : {0, 1, 2}, default 1
        0 silent; 1 a live progress bar on a terminal (one line per epoch
        otherwise); 2 one line per epoch.
    shuffle : bool, default True
        A new random order every epoch.
    seed : int, optional
        Seeds the shuffling order: epoch ``e``'s order depends only on
        ``(seed, e)``. Default: drawn from glassnet's global generator.
    regularizer : callable, optional
        ``regularizer(model) -> Tensor`` added to the loss (logged as ``reg_loss``).
    clip_grad_norm, clip_grad_value : float, optional
        Gradient clipping before each update (the logged ``grad_norm`` is
        measured before clipping, after the average over ranks).
    scheduler : LR scheduler or callable, optional
        Stepped after every epoch (``scheduler_per="epoch"``) or every step
        (``"batch"``); a ``ReduceLROnPlateau`` gets ``val_loss`` (``loss``
        without validation data). See :class:`LearningRateScheduler`.
        Scheduler callbacks run before the other callbacks at the end of an
        epoch, so checkpoints hold the stepped scheduler (exact resumes).
    scheduler_per : {"epoch", "batch"}, default "epoch"
    initial_epoch : int, default 0
        Epoch to start from (after loading weights yourself); ``resume_from``
        does all of it.
    transform : callable, optional
        Applied to each input batch (augmentation), e.g.
        ``glassnet.data.transforms.RandomCrop``.
    resume_from : str, os.PathLike or RunFolder, optional
        A checkpoint written during ``fit`` (``RunLogger``'s
        ``last.safetensors``, a ``ModelCheckpoint`` file): restores the
        model, optimizer, scheduler, RNG state of every rank, the data order
        and position (also in the middle of an epoch), the callbacks' states
        (history, early stopping, logged rows) and continues, reaching the
        weights an uninterrupted run reaches (bit for bit on the same machine
        and thread count). Build the model, optimizer and callbacks as for
        the original run.
    checkpoint_every : int, optional
        Also save every this many steps (callbacks' ``on_checkpoint``;
        ``RunLogger`` writes ``last.safetensors``), so a killed run loses at
        most that many steps.
    distributed : bool or World, default False
        Data-parallel training over MPI (launch with ``mpiexec -n R``): the
        model is wrapped in :class:`~glassnet.distributed.DataParallel`
        (rank 0's weights broadcast), every rank trains on its shard of each
        global batch (:class:`~glassnet.distributed.DistributedBatchSampler`,
        one seed for all ranks), gradients are averaged after backward (before
        clipping), losses and metric counts of training and the sharded
        validation are summed over ranks, and only rank 0 prints and runs
        ``main_rank_only`` callbacks (run folders, checkpoints). Each rank
        gets its own dropout stream. In a plain process it is one rank.
    device : str or Device, optional
        Move the model there first (``"cuda"``: through CuPy). Batches are
        moved to the model's device as they come, whatever the loader yields;
        ``evaluate`` and ``predict`` do the same.
    threads : int, optional
        Slice each training and validation batch over this many threads
        (:class:`glassnet.nn.DataParallel`: BLAS on one thread per slice) and
        split the optimizer's update over as many (``gn.set_num_threads``,
        restored afterwards). Pays off for models of large ops such as
        convolutional networks on a machine with that many cores; the
        gradients are the whole batch's. Batch norm then normalises each slice
        by its own statistics.

    Returns
    -------
    History
        ``history.history`` holds per epoch: ``loss``, each metric,
        ``reg_loss`` (with a regularizer), ``val_loss`` and ``val_<metric>``
        (with validation data), ``lr`` (of the epoch's first step),
        ``grad_norm`` (mean over steps of the global gradient 2-norm),
        ``grad_norm_max`` and ``time`` (seconds). A resumed run's history
        holds the epochs before the checkpoint too.

    Raises
    ------
    DivergenceError
        The loss or gradient norm became NaN or infinite; the message names
        the epoch, the step and the learning rate. Callbacks'
        ``on_train_end`` still run, and the parameters keep their last
        finite values (the update of the failing step is not applied).
    TrainingInterrupted
        Ctrl-C (SIGINT) or SIGTERM arrived: training stopped at the end of
        the current step after the callbacks saved a checkpoint (a second
        Ctrl-C stops at once). A ``KeyboardInterrupt``.
    """
    trainer = Trainer(
        model,
        loss=loss,
        optimizer=optimizer,
        metrics=metrics,
        regularizer=regularizer,
        clip_grad_norm=clip_grad_norm,
        clip_grad_value=clip_grad_value,
        distributed=distributed,
        device=device,
        threads=threads,
    )
    return trainer.fit(
        train_data,
        epochs=epochs,
        batch_size=batch_size,
        validation_data=validation_data,
        callbacks=callbacks,
        verbose=verbose,
        shuffle=shuffle,
        seed=seed,
        scheduler=scheduler,
        scheduler_per=scheduler_per,
        initial_epoch=initial_epoch,
        transform=transform,
        resume_from=resume_from,
        checkpoint_every=checkpoint_every,
    )
