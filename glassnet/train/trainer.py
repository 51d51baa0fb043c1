"""``fit``, ``evaluate`` and ``predict``: the seed article's training loop with Keras's interface.

Per epoch: shuffle, split into mini-batches; per batch: forward, loss (plus
an optional regularisation penalty), backward, gradient norm (and optional
clipping), optimizer update, optional per-step scheduler; then evaluate on
the validation data. Training stops at the epoch budget or when a callback
sets ``trainer.stop_training`` (e.g. :class:`EarlyStopping`, the seed's "stop
when the error stops falling").
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from ..autograd.grad_mode import no_grad
from ..nn.utils import clip_grad_norm_, clip_grad_value_, get_total_norm
from .callbacks.base import Callback, CallbackList
from .callbacks.history import History
from .callbacks.lr_scheduler import LearningRateScheduler
from .callbacks.progress_bar import ProgressBar
from .logs import EpochStats, MetricSet
from .loop import (
    check_int,
    check_positive,
    make_loader,
    model_parameters,
    resolve_loss,
    resolve_optimizer,
    split_batch,
)

__all__ = ["DivergenceError", "Trainer", "fit", "evaluate", "predict"]

_DEFAULT_EVAL_BATCH = 256


class DivergenceError(RuntimeError):
    """The loss or the gradient norm became NaN or infinite during ``fit``.

    Attributes
    ----------
    epoch, step : int
        Where it happened (1-based, as displayed).
    lr : float
        The learning rate of the first parameter group at that step.
    """

    def __init__(self, what: str, value: float, epoch: int, step: int, lr: float) -> None:
        self.epoch, self.step, self.lr = epoch, step, lr
        super().__init__(
            f"{what} became {value} at epoch {epoch}, step {step} (lr {lr:g}); "
            "try a lower learning rate or gradient clipping"
        )


class Trainer:
    """The training loop and the state callbacks see.

    Most code calls :func:`fit`, which builds a ``Trainer``; callbacks get it
    through ``set_trainer`` and may read ``model``, ``optimizer``,
    ``scheduler``, ``epochs``, ``initial_epoch``, ``steps_per_epoch``,
    ``epoch`` (current, 0-based) and set ``stop_training``.

    Parameters
    ----------
    model : Module
    loss : str, callable or Module
        A name (``"cross_entropy"``, ``"mse"``, ``"half_mse"``,
        ``"bce_with_logits"``, ... see ``glassnet.train.loop.LOSSES``), a
        function ``loss(outputs, targets) -> Tensor`` or a loss module.
    optimizer : str or Optimizer
        A name (``"sgd"``, ``"adam"``, ``"adamw"``, ``"rmsprop"``,
        ``"adagrad"``: that optimizer with its defaults over the model's
        parameters) or an optimizer instance.
    metrics : iterable, default ("accuracy",)
        See :class:`glassnet.train.logs.MetricSet`.
    regularizer : callable, optional
        ``regularizer(model) -> scalar Tensor`` added to the loss before
        backward (e.g. :class:`glassnet.nn.regularization.L1L2`).
    clip_grad_norm : float, optional
        Rescale the gradients so their global 2-norm is at most this.
    clip_grad_value : float, optional
        Clip every gradient element to ``[-value, value]`` (after norm clipping).
    """

    def __init__(
        self,
        model: Any,
        *,
        loss: Any,
        optimizer: Any,
        metrics: Iterable[Any] = ("accuracy",),
        regularizer: Callable[[Any], Any] | None = None,
        clip_grad_norm: float | None = None,
        clip_grad_value: float | None = None,
    ) -> None:
        self.model = model
        self.loss_fn = resolve_loss("fit", loss)
        self.optimizer = resolve_optimizer("fit", optimizer, model)
        self.metrics = metrics
        if regularizer is not None and not callable(regularizer):
            raise TypeError(
                f"fit: regularizer must be callable as regularizer(model) -> Tensor, got {regularizer!r}"
            )
        self.regularizer = regularizer
        self.clip_grad_norm = check_positive(
            "fit", "clip_grad_norm", clip_grad_norm, allow_none=True
        )
        self.clip_grad_value = check_positive(
            "fit", "clip_grad_value", clip_grad_value, allow_none=True
        )
        self.scheduler: Any = None
        self.stop_training = False
        self.epochs = 0
        self.initial_epoch = 0
        self.epoch = 0
        self.steps_per_epoch: int | None = None
        self._train_metrics = MetricSet("fit", metrics)
        self._stats = EpochStats()
        self._epoch_lr = math.nan

    # ------------------------------------------------------------ one step
    def _clip_and_norm(self, params: list[Any]) -> float:
        """The global gradient 2-norm before clipping; clips when asked."""
        if self.clip_grad_norm is not None:
            norm = float(clip_grad_norm_(params, self.clip_grad_norm))
        else:
            norm = float(get_total_norm([p.grad for p in params if p.grad is not None]))
        if self.clip_grad_value is not None and math.isfinite(norm):
            clip_grad_value_(params, self.clip_grad_value)
        return norm

    def _lr(self) -> float:
        return float(self.optimizer.param_groups[0]["lr"])

    def _train_epoch(self, loader: Any, params: list[Any], callbacks: CallbackList) -> None:
        model, loss_fn, opt, reg = self.model, self.loss_fn, self.optimizer, self.regularizer
        stats, metrics = self._stats, self._train_metrics
        begin = callbacks.on_train_batch_begin if callbacks.wants_batch_begin else None
        end = callbacks.on_train_batch_end if callbacks.wants_batch_end else None
        epoch = self.epoch + 1
        for step, batch in enumerate(loader):
            x, y = split_batch("fit", batch)
            if y is None:
                raise ValueError("fit: training batches must be (x, y) pairs; got inputs only")
            n = len(x)
            if begin is not None:
                begin(step, {"batch": step, "size": n})
            if step == 0:
                self._epoch_lr = self._lr()
            out = model(x)
            loss_t = loss_fn(out, y)
            loss_v = float(loss_t.data)
            if not math.isfinite(loss_v):
                raise DivergenceError("loss", loss_v, epoch, step + 1, self._lr())
            penalty = 0.0
            if reg is not None:
                pen_t = reg(model)
                penalty = float(pen_t.data)
                loss_t = loss_t + pen_t
            opt.zero_grad()
            loss_t.backward()
            norm = self._clip_and_norm(params)
            if not math.isfinite(norm):
                raise DivergenceError("gradient norm", norm, epoch, step + 1, self._lr())
            opt.step()
            stats.add(loss_v, n, norm, penalty)
            if metrics.items:
                metrics.update(out.data, getattr(y, "data", y))
            del out, loss_t
            if end is not None:
                end(step, {"batch": step, "size": n, "loss": loss_v})
            if self.stop_training:
                break

    def running_logs(self) -> dict[str, float]:
        """The current epoch's averages so far (``loss`` and the metrics); for progress displays."""
        logs = {"loss": self._stats.mean_loss()}
        logs.update(self._train_metrics.results())
        return logs

    # ---------------------------------------------------------------- fit
    def fit(
        self,
        train_data: Any,
        *,
        epochs: int,
        batch_size: int = 32,
        validation_data: Any = None,
        callbacks: Iterable[Callback] = (),
        verbose: int = 1,
        shuffle: bool = True,
        seed: int | None = None,
        scheduler: Any = None,
        scheduler_per: str = "epoch",
        initial_epoch: int = 0,
        transform: Callable[[Any], Any] | None = None,
    ) -> History:
        """Train; see :func:`glassnet.train.fit` for the parameters."""
        self.epochs = check_int("fit", "epochs", epochs, 1)
        self.initial_epoch = check_int("fit", "initial_epoch", initial_epoch, 0)
        batch_size = check_int("fit", "batch_size", batch_size, 1)
        if verbose not in (0, 1, 2):
            raise ValueError(f"fit: verbose must be 0, 1 or 2, got {verbose!r}")
        loader = make_loader(
            "fit",
            train_data,
            batch_size=batch_size,
            shuffle=shuffle,
            seed=seed,
            transform=transform,
        )
        val_loader = None
        if validation_data is not None:
            val_loader = make_loader(
                "fit (validation_data)", validation_data, batch_size=batch_size
            )
        self.steps_per_epoch = len(loader) if hasattr(loader, "__len__") else None

        cbs = list(callbacks)
        if scheduler is not None:
            monitor = "val_loss" if val_loader is not None else "loss"
            cbs.append(LearningRateScheduler(scheduler, per=scheduler_per, monitor=monitor))
        # Schedulers step first at the end of an epoch, so checkpoints written by
        # later callbacks hold the stepped scheduler and optimizer (exact resumes).
        schedulers = [c for c in cbs if isinstance(c, LearningRateScheduler)]
        cbs = schedulers + [c for c in cbs if not isinstance(c, LearningRateScheduler)]
        self.scheduler = next(
            (c.scheduler for c in schedulers if hasattr(c.scheduler, "state_dict")), None
        )
        history = next((c for c in cbs if isinstance(c, History)), None)
        if history is None:
            history = History()
            cbs.insert(0, history)
        if verbose and not any(isinstance(c, ProgressBar) for c in cbs):
            cbs.append(ProgressBar(verbose))
        callbacks_ = CallbackList(cbs)

        params = model_parameters(self.model)
        was_training = self.model.training
        self.stop_training = False
        callbacks_.set_trainer(self)
        callbacks_.on_train_begin({})
        logs: dict[str, Any] = {}
        try:
            for epoch in range(self.initial_epoch, self.epochs):
                self.epoch = epoch
                for dl in (loader, val_loader):
                    if dl is not None and hasattr(dl, "set_epoch"):
                        dl.set_epoch(epoch)
                self._stats = EpochStats()
                self._train_metrics.reset()
                callbacks_.on_epoch_begin(epoch, {})
                self._epoch_lr = self._lr()
                start = time.perf_counter()
                self.model.train()
                self._train_epoch(loader, params, callbacks_)
                logs = self.running_logs()
                if self.regularizer is not None:
                    logs["reg_loss"] = self._stats.mean_penalty()
                if val_loader is not None:
                    logs.update(self._evaluate_loader(val_loader, prefix="val_"))
                logs["lr"] = self._epoch_lr
                logs["grad_norm"] = self._stats.mean_norm()
                logs["grad_norm_max"] = self._stats.norm_max
                logs["time"] = time.perf_counter() - start
                callbacks_.on_epoch_end(epoch, logs)
                if self.stop_training:
                    break
        except BaseException:
            self.model.train(was_training)
            callbacks_.on_train_end(logs)
            raise
        self.model.train(was_training)
        callbacks_.on_train_end(logs)
        return history

    def _evaluate_loader(self, loader: Any, prefix: str = "") -> dict[str, float]:
        return _evaluate(self.model, loader, self.loss_fn, MetricSet("fit", self.metrics), prefix)


# ------------------------------------------------------------------ evaluate
def _evaluate(model: Any, loader: Any, loss_fn: Any, metrics: MetricSet, prefix: str) -> dict:
    was_training = model.training
    model.eval()
    total, count = 0.0, 0
    try:
        with no_grad():
            for batch in loader:
                x, y = split_batch("evaluate", batch)
                if y is None:
                    raise ValueError("evaluate: batches must be (x, y) pairs; got inputs only")
                out = model(x)
                n = len(x)
                if loss_fn is not None:
                    total += float(loss_fn(out, y).data) * n
                count += n
                metrics.update(out.data, getattr(y, "data", y))
    finally:
        model.train(was_training)
    logs: dict[str, float] = {}
    if loss_fn is not None:
        logs[prefix + "loss"] = total / count if count else math.nan
    logs.update(metrics.results(prefix))
    return logs


def evaluate(
    model: Any,
    data: Any,
    *,
    loss: Any = None,
    metrics: Iterable[Any] = ("accuracy",),
    batch_size: int = _DEFAULT_EVAL_BATCH,
) -> dict[str, float]:
    """Loss and metrics of ``model`` on ``data``, in evaluation mode without gradients.

    Parameters
    ----------
    model : Module
    data : tuple (X, y), Dataset or DataLoader
    loss : str, callable or Module, optional
        As in :func:`fit`; without it only the metrics are computed.
    metrics : iterable, default ("accuracy",)
    batch_size : int, default 256

    Returns
    -------
    dict of str to float
        ``{"loss": ..., "accuracy": ...}``: sample-weighted means over all batches.
        The model's train/eval mode is restored afterwards.
    """
    batch_size = check_int("evaluate", "batch_size", batch_size, 1)
    loss_fn = None if loss is None else resolve_loss("evaluate", loss)
    loader = make_loader("evaluate", data, batch_size=batch_size)
    return _evaluate(model, loader, loss_fn, MetricSet("evaluate", metrics), "")


def predict(model: Any, data: Any, *, batch_size: int = _DEFAULT_EVAL_BATCH) -> np.ndarray:
    """The model's outputs for ``data``, batch by batch, as one NumPy array.

    Parameters
    ----------
    model : Module
    data : array, Tensor, tuple (X,) or (X, y), Dataset or DataLoader
        Targets, if present, are ignored.
    batch_size : int, default 256

    Returns
    -------
    ndarray, shape (N, *output_shape)
        Computed in evaluation mode under ``no_grad``; the model's previous
        mode is restored afterwards.
    """
    batch_size = check_int("predict", "batch_size", batch_size, 1)
    loader = make_loader("predict", data, batch_size=batch_size)
    was_training = model.training
    model.eval()
    outs = []
    try:
        with no_grad():
            for batch in loader:
                x, _ = split_batch("predict", batch)
                outs.append(model(x).numpy())
    finally:
        model.train(was_training)
    if not outs:
        raise ValueError("predict: the data holds no samples")
    return np.concatenate(outs)


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
        Seeds the shuffling order (reproducible epochs, also when resuming).
    regularizer : callable, optional
        ``regularizer(model) -> Tensor`` added to the loss (logged as ``reg_loss``).
    clip_grad_norm, clip_grad_value : float, optional
        Gradient clipping before each update (the logged ``grad_norm`` is
        measured before clipping).
    scheduler : LR scheduler or callable, optional
        Stepped after every epoch (``scheduler_per="epoch"``) or every step
        (``"batch"``); a ``ReduceLROnPlateau`` gets ``val_loss`` (``loss``
        without validation data). See :class:`LearningRateScheduler`.
        Scheduler callbacks run before the other callbacks at the end of an
        epoch, so checkpoints hold the stepped scheduler (exact resumes).
    scheduler_per : {"epoch", "batch"}, default "epoch"
    initial_epoch : int, default 0
        Epoch to start from (resuming from a checkpoint's ``epoch``).
    transform : callable, optional
        Applied to each input batch (augmentation), e.g.
        ``glassnet.data.transforms.RandomCrop``.

    Returns
    -------
    History
        ``history.history`` holds per epoch: ``loss``, each metric,
        ``reg_loss`` (with a regularizer), ``val_loss`` and ``val_<metric>``
        (with validation data), ``lr`` (of the epoch's first step),
        ``grad_norm`` (mean over steps of the global gradient 2-norm),
        ``grad_norm_max`` and ``time`` (seconds).

    Raises
    ------
    DivergenceError
        The loss or gradient norm became NaN or infinite; the message names
        the epoch, the step and the learning rate. Callbacks'
        ``on_train_end`` still run, and the parameters keep their last
        finite values (the update of the failing step is not applied).
    """
    trainer = Trainer(
        model,
        loss=loss,
        optimizer=optimizer,
        metrics=metrics,
        regularizer=regularizer,
        clip_grad_norm=clip_grad_norm,
        clip_grad_value=clip_grad_value,
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
    )
