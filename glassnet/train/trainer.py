"""``fit``: the seed article's training loop with Keras's interface, resumable and data-parallel.

Per epoch: shuffle, split into mini-batches; per batch: forward, loss (plus
an optional regularisation penalty), backward, (in a distributed run) the
gradient average over ranks, gradient norm and optional clipping, optimizer
update, optional per-step scheduler; then evaluate on the validation data.
Training stops at the epoch budget or when a callback sets
``trainer.stop_training`` (e.g. :class:`EarlyStopping`, the seed's "stop
when the error stops falling").

Checkpoints written by ``RunLogger``/``ModelCheckpoint`` hold
:meth:`Trainer.state_dict`, from which ``fit(resume_from=...)`` continues
with the same weights an uninterrupted run would reach. Ctrl-C (or SIGTERM)
stops at the end of the current step, after a checkpoint (see
:mod:`glassnet.train.interrupt`).
"""

from __future__ import annotations

import contextlib
import math
import signal
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from .._validate import int_at_least
from ..backend import get_array_module
from ..distributed.data_parallel import DataParallel
from ..nn.parallel import DataParallel as ThreadParallel
from ..nn.utils import clip_grad_norm_, clip_grad_value_, get_total_norm
from ..ops._parallel import num_threads as get_num_threads
from ..ops._parallel import set_num_threads
from .callbacks.base import Callback, CallbackList
from .callbacks.health import TrainingHealth
from .callbacks.history import History
from .callbacks.lr_scheduler import LearningRateScheduler
from .callbacks.progress_bar import ProgressBar
from .evaluation import run_evaluation
from .interrupt import InterruptGuard, TrainingInterrupted
from .logs import MetricSet, RunningEpoch
from .loop import (
    batch_device,
    check_optimizer_covers,
    check_positive,
    model_parameters,
    on_device,
    resolve_loss,
    resolve_optimizer,
    split_batch,
)
from .resume import Resumable, ResumePoint, read_resume_point
from .settings import FitSettings
from .sharding import ShardedData, resolve_world
from .state import DataOrder, Progress

__all__ = ["DivergenceError", "Trainer", "TrainingInterrupted"]


class DivergenceError(RuntimeError):
    """The loss or the gradient norm became NaN or infinite during ``fit``.

    Attributes
    ----------
    epoch, step : int
        Where it happened (1-based, as displayed).
    lr : float
        The learning rate of the first parameter group at that step.
    advice : str
        What to try: a lower rate, or (when the rate cannot be the cause) the data.
    """

    def __init__(
        self, what: str, value: float, epoch: int, step: int, lr: float, advice: str | None = None
    ) -> None:
        self.epoch, self.step, self.lr = epoch, step, lr
        self.advice = advice if advice is not None else _advice(lr)
        super().__init__(
            f"{what} became {value} at epoch {epoch}, step {step} (lr {lr:g}); {self.advice}"
        )


#: Below this learning rate a divergence is not the step size's doing.
TINY_LR = 1e-7


def _advice(lr: float) -> str:
    if lr > TINY_LR:
        return "try a lower learning rate or gradient clipping"
    return (
        "the learning rate is already tiny, so lowering it will not help: look for inf or "
        "NaN in the inputs or targets, a loss that overflows, or a model that does"
    )


def _non_finite(name: str, t: Any) -> str | None:
    """``"the batch's NAME hold N NaN/inf value(s)"`` when the floating array of ``t`` has any."""
    a = getattr(t, "array", t)
    if not hasattr(a, "dtype") or a.dtype.kind != "f":
        return None
    xp = get_array_module(a)
    bad = int(xp.count_nonzero(~xp.isfinite(a)))
    return f"the batch's {name} hold {bad} NaN or infinite value(s)" if bad else None


def _data_advice(x: Any, y: Any, first_update: bool) -> str | None:
    """Advice that blames the data, not the rate, when the batch or the first step says so."""
    found = _non_finite("inputs", x) or _non_finite("targets", y)
    if found:
        return f"{found}, so no learning rate can help: remove or fill them in the data"
    if first_update:
        return (
            "no update had been made yet, so the learning rate is not the cause: look for "
            "inputs of a huge scale (standardise them), or a model or loss that overflows"
        )
    return None


def _callback_keys(callbacks: list[Callback]) -> dict[int, str]:
    """Stable names for the callbacks' states: the class name, ``#2``, ``#3`` for repeats."""
    seen: dict[str, int] = {}
    keys = {}
    for cb in callbacks:
        name = type(cb).__name__
        seen[name] = seen.get(name, 0) + 1
        keys[id(cb)] = name if seen[name] == 1 else f"{name}#{seen[name]}"
    return keys


class Trainer(Resumable, ShardedData):
    """The training loop and the state callbacks see.

    Most code calls :func:`fit`, which builds a ``Trainer``; callbacks get it
    through ``set_trainer`` and may read ``model``, ``optimizer``,
    ``scheduler``, ``epochs``, ``initial_epoch``, ``steps_per_epoch``,
    ``epoch`` (current, 0-based), ``global_step``, ``world`` (ranks) and set
    ``stop_training``. ``progress`` (a :class:`~glassnet.train.state.Progress`)
    counts epochs and steps; ``state_dict()`` is what checkpoints store.

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
    distributed : bool or World, default False
        Data-parallel training over MPI (see :func:`fit`).
    threads : int, optional
        Slice each batch over this many threads (see :func:`fit`).
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
        distributed: Any = False,
        device: Any = None,
        threads: int | None = None,
    ) -> None:
        if device is not None:
            model.to(device)
        self.model = model
        self.threads = int_at_least("fit", "threads", threads, 1) if threads is not None else 1
        # the model as the steps call it: sliced over threads (nn.DataParallel) or as it is
        self._runner: Any = model
        self.loss_fn = resolve_loss("fit", loss)
        self.optimizer = resolve_optimizer("fit", optimizer, model)
        check_optimizer_covers("fit", self.optimizer, model, loss)
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
        self.world, self.distributed = resolve_world("fit", distributed)
        self.dp: Any = None
        self.scheduler: Any = None
        self.stop_training = False
        self.epochs = 0
        self.initial_epoch = 0
        self.epoch = 0
        self.steps_per_epoch: int | None = None
        self.progress = Progress()  # as a checkpoint records it
        self.data_order = DataOrder()
        self.epoch_run = RunningEpoch(metrics)
        self._guard = InterruptGuard(announce=self.world.is_main)
        self._callbacks: list[Callback] = []
        self._keys: dict[int, str] = {}
        self._snap: dict[str, Any] | None = None
        self._skip_batches = 0

    @property
    def global_step(self) -> int:
        """Steps finished in the run."""
        return self.progress.global_step

    @property
    def step_in_epoch(self) -> int:
        """Steps finished in the current epoch."""
        return self.progress.step_in_epoch

    @property
    def epochs_completed(self) -> int:
        """Epochs finished."""
        return self.progress.epochs_completed

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

    def _diverged(
        self, what: str, value: float, x: Any = None, y: Any = None
    ) -> DivergenceError:
        """The error for a non-finite ``what``; the advice blames the batch ``(x, y)`` when
        it holds NaN/inf, or the data when no update had been made yet."""
        p = self.progress
        advice = _data_advice(x, y, p.global_step == 0 and what == "loss")
        return DivergenceError(
            what, value, self.epoch + 1, p.step_in_epoch + 1, self._lr(), advice
        )

    def _forward_backward(self, x: Any, y: Any) -> tuple[float, float, Any]:
        """Loss, penalty and outputs of one batch; backward when the loss is finite."""
        if not len(x):
            return 0.0, 0.0, None
        out = self._runner(x)
        loss_t = self.loss_fn(out, y)
        loss_v, penalty = float(loss_t.array), 0.0
        if self.dp is None and not math.isfinite(loss_v):
            raise self._diverged("loss", loss_v, x, y)
        if math.isfinite(loss_v):
            if self.regularizer is not None:
                pen_t = self.regularizer(self.model)
                penalty = float(pen_t.array)
                loss_t = loss_t + pen_t
            loss_t.backward()
        return loss_v, penalty, out

    def _gather(self, n: int, loss_v: float) -> tuple[int, int]:
        """``(samples over all ranks, signal to stop on)``; averages gradients over ranks."""
        requested = self._guard.requested or 0
        if self.dp is None:
            return n, requested
        finite = math.isfinite(loss_v)
        total = self.dp.average_gradients(n, extra=(0.0 if finite else 1.0, float(requested)))
        bad, asked = self.dp.extra_sums
        if bad:
            raise self._diverged("loss", loss_v if not finite else math.nan)
        return int(total), (requested or int(signal.SIGINT)) if asked else 0

    def _step(self, x: Any, y: Any, params: list[Any]) -> tuple[float, int, float, float, Any, int]:
        """Forward, backward, (average), clip, update: ``(loss, global n, norm, penalty, out, stop)``."""
        self.optimizer.zero_grad()
        loss_v, penalty, out = self._forward_backward(x, y)
        total, stop = self._gather(len(x), loss_v)
        norm = self._clip_and_norm(params)
        if not math.isfinite(norm):
            raise self._diverged("gradient norm", norm, x, y)
        self.optimizer.step()
        return loss_v, total, norm, penalty, out, stop

    def _batches(self, loader: Any) -> Iterator[tuple[Any, Any]]:
        """The epoch's ``(x, y)`` on the model's device, past the steps a resume replays."""
        batches = iter(loader)
        for _ in range(self._skip_batches):  # resuming in the middle of this epoch
            if next(batches, None) is None:
                break
        self._skip_batches = 0
        dev = batch_device(self.model)
        for batch in batches:
            x, y = split_batch("fit", batch)
            if y is None:
                raise ValueError("fit: training batches must be (x, y) pairs; got inputs only")
            if dev is not None:
                x, y = on_device(x, dev), on_device(y, dev)
            yield x, y

    def _train_epoch(
        self, loader: Any, params: list[Any], callbacks: CallbackList, every: int | None
    ) -> None:
        begin = callbacks.on_train_batch_begin if callbacks.wants_batch_begin else None
        end = callbacks.on_train_batch_end if callbacks.wants_batch_end else None
        for x, y in self._batches(loader):
            n, step = len(x), self.progress.step_in_epoch
            if begin is not None:
                begin(step, {"batch": step, "size": n})
            if step == 0:
                self.epoch_run.lr = self._lr()
            loss_v, total, norm, penalty, out, stop = self._step(x, y, params)
            self.epoch_run.add(loss_v, n, norm, penalty, out, y)
            del out
            self.progress.advance(total)
            if end is not None:
                end(step, {"batch": step, "size": n, "loss": loss_v})
            self._after_step(stop, callbacks, every)
            if self.stop_training:
                break

    def _after_step(self, stop: int, callbacks: CallbackList, every: int | None) -> None:
        """Stop on a signal (after a checkpoint); save every ``every`` steps but an epoch's last."""
        if stop:
            self._interrupt(stop, callbacks)
        p = self.progress
        last = self.steps_per_epoch is not None and p.step_in_epoch >= self.steps_per_epoch
        if every and p.global_step % every == 0 and not last:
            self._save_point("interval", callbacks)

    def running_logs(self) -> dict[str, float]:
        """The current epoch's averages so far (``loss`` and the metrics); for progress displays."""
        return self.epoch_run.logs()

    # ---------------------------------------------------------------- fit
    def _ordered_callbacks(
        self,
        callbacks: Iterable[Callback],
        scheduler: Any,
        scheduler_per: str,
        monitor: str,
        verbose: int,
    ) -> tuple[list[Callback], History]:
        """The callbacks in calling order (schedulers first) with a History and a progress bar."""
        cbs = list(CallbackList(callbacks))  # checks the types
        if scheduler is not None:
            cbs.append(LearningRateScheduler(scheduler, per=scheduler_per, monitor=monitor))
        # Schedulers step first at the end of an epoch, so checkpoints hold the stepped
        # scheduler and optimizer (exact resumes).
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
        if not any(isinstance(c, TrainingHealth) for c in cbs):
            cbs.append(TrainingHealth())  # warns of a run that diverged without a NaN
        return cbs, history

    def _callback_lists(
        self,
        callbacks: Iterable[Callback],
        scheduler: Any,
        scheduler_per: str,
        monitor: str,
        verbose: int,
    ) -> tuple[CallbackList, CallbackList, CallbackList, History]:
        cbs, history = self._ordered_callbacks(
            callbacks, scheduler, scheduler_per, monitor, verbose
        )
        self._keys = _callback_keys(cbs)
        # Callbacks that steer training run first (on every rank); those that only
        # report or write files run after the state is final, on rank 0 alone.
        early = [c for c in cbs if not getattr(c, "main_rank_only", False)]
        late = [c for c in cbs if getattr(c, "main_rank_only", False)]
        if not self.world.is_main:
            late = []
        self._callbacks = early + late
        return CallbackList(early + late), CallbackList(early), CallbackList(late), history

    def _end_of_epoch(
        self,
        epoch: int,
        val_loader: Any,
        val_sharded: bool,
        lists: tuple[CallbackList, CallbackList, CallbackList],
    ) -> dict[str, Any]:
        everyone, early, late = lists
        world, run = self.world, self.epoch_run
        run.stats.reduce(world)
        run.metrics.reduce(world)
        logs: dict[str, Any] = run.logs()
        if self.regularizer is not None:
            logs["reg_loss"] = run.stats.mean_penalty()
        if self.dp is not None:
            self.dp.average_buffers()
        if val_loader is not None:
            metrics = MetricSet("fit", self.metrics)
            logs.update(
                run_evaluation(
                    self._runner,
                    val_loader,
                    self.loss_fn,
                    metrics,
                    "val_",
                    world if val_sharded else None,
                )
            )
        logs["lr"] = run.lr
        logs["grad_norm"] = run.stats.mean_norm()
        logs["grad_norm_max"] = run.stats.norm_max
        logs["time"] = run.elapsed()
        early.on_epoch_end(epoch, logs)
        self.progress.epochs_completed = epoch + 1
        self.progress.start_epoch()
        self._take_snapshot()
        late.record_epoch(epoch, logs)  # every state current before any checkpoint is written
        late.on_epoch_end(epoch, logs)
        asked = self._guard.requested or 0
        if world.size > 1:
            asked = int(world.sum_scalars([asked])[0])
        if asked:
            self._interrupt(self._guard.requested or int(signal.SIGINT), everyone)
        return logs

    def _start(self, point: ResumePoint | None, loader: Any) -> None:
        """Counters, random streams and (when resuming) every state, before the first epoch."""
        self._snap = None
        self.epoch_run.time_before = 0.0
        if point is not None:
            self._resume(point, loader)
            return
        self.progress = Progress(
            epochs_completed=self.initial_epoch,
            global_step=self.initial_epoch * (self.steps_per_epoch or 0),
        )
        self.stop_training = False
        if self.world.size > 1:
            self._decorrelate_rng()

    @contextlib.contextmanager
    def _parallel(self) -> Iterator[None]:
        """Wrap the model for MPI ranks and threads while training; the signal guard too."""
        if self.distributed:
            self.dp = DataParallel(self.model, self.world)  # rank 0's weights everywhere
        threads_before = get_num_threads()
        if self.threads > 1:
            self._runner = ThreadParallel(self.model, threads=self.threads)
            set_num_threads(self.threads)  # the optimizer's update over the threads too
        with self._guard, _restore_threads(threads_before):
            yield

    def _begin_epoch(
        self, epoch: int, loaders: tuple[Any, Any], callbacks: CallbackList, resumed_mid: bool
    ) -> None:
        """Set the loaders' epoch; a fresh epoch empties the sums, a resumed one keeps its clock."""
        self.epoch = epoch
        for dl in loaders:
            if dl is not None and hasattr(dl, "set_epoch"):
                dl.set_epoch(epoch)
        if resumed_mid:
            callbacks.on_epoch_begin(epoch, {"resumed": True, "step": self.progress.step_in_epoch})
            self.epoch_run.carry_on()
        else:
            self.epoch_run.reset()
            self.progress.start_epoch()
            callbacks.on_epoch_begin(epoch, {})
            self.epoch_run.begin(self._lr())

    def _epochs(
        self,
        loaders: tuple[Any, Any, bool],
        lists: tuple[CallbackList, CallbackList, CallbackList],
        point: ResumePoint | None,
        params: list[Any],
        every: int | None,
    ) -> None:
        """Train the remaining epochs; callbacks' ``on_train_end`` runs whatever happens."""
        loader, val_loader, val_sharded = loaders
        everyone = lists[0]
        was_training = self.model.training
        logs: dict[str, Any] = {}
        everyone.set_trainer(self)
        everyone.on_train_begin({})
        try:
            if point is not None:
                self._load_callback_states(point)
            resumed_mid = self.progress.step_in_epoch > 0
            for epoch in range(self.progress.epochs_completed, self.epochs):
                if self.stop_training:  # a resumed run that had finished
                    break
                self._begin_epoch(epoch, (loader, val_loader), everyone, resumed_mid)
                resumed_mid = False
                self.model.train()
                self._train_epoch(loader, params, everyone, every)
                logs = self._end_of_epoch(epoch, val_loader, val_sharded, lists)
                if self.stop_training:
                    break
        finally:
            self.model.train(was_training)
            everyone.on_train_end(logs)

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
        resume_from: Any = None,
        checkpoint_every: int | None = None,
    ) -> History:
        """Train; see :func:`glassnet.train.fit` for the parameters."""
        settings = FitSettings.checked(
            epochs=epochs, batch_size=batch_size, verbose=verbose, shuffle=shuffle,
            initial_epoch=initial_epoch, checkpoint_every=checkpoint_every,
            scheduler_per=scheduler_per, resuming=resume_from is not None,
        )  # fmt: skip
        return self._fit(
            settings, train_data, validation_data=validation_data, callbacks=callbacks,
            seed=seed, scheduler=scheduler, transform=transform, resume_from=resume_from,
        )  # fmt: skip

    def _fit(
        self,
        settings: FitSettings,
        train_data: Any,
        *,
        validation_data: Any = None,
        callbacks: Iterable[Callback] = (),
        seed: int | None = None,
        scheduler: Any = None,
        transform: Callable[[Any], Any] | None = None,
        resume_from: Any = None,
    ) -> History:
        """:meth:`fit` with its plain settings checked already."""
        self.epochs, self.initial_epoch = settings.epochs, settings.initial_epoch
        point = read_resume_point(resume_from) if resume_from is not None else None
        if point is not None:
            seed = point.seed(seed)
        verbose = settings.verbose if self.world.is_main else 0
        loader = self._train_loader(
            train_data, settings.batch_size, settings.shuffle, seed, transform
        )
        val_loader, val_sharded = self._val_loader(validation_data, settings.batch_size)
        self.steps_per_epoch = len(loader) if hasattr(loader, "__len__") else None
        if self.steps_per_epoch == 0:
            raise ValueError(
                f"fit: the training data gives no batches an epoch ({_why_empty(loader)})"
            )
        monitor = "val_loss" if val_loader is not None else "loss"
        everyone, early, late, history = self._callback_lists(
            callbacks, scheduler, settings.scheduler_per, monitor, verbose
        )
        params = model_parameters(self.model)
        self._start(point, loader)
        with self._parallel():
            self._epochs(
                (loader, val_loader, val_sharded), (everyone, early, late), point, params,
                settings.checkpoint_every,
            )  # fmt: skip
        return history


def _why_empty(loader: Any) -> str:
    """What makes ``loader`` yield nothing, as far as it says."""
    size = len(loader.dataset) if hasattr(getattr(loader, "dataset", None), "__len__") else None
    batch = getattr(loader, "batch_size", None)
    if size is not None and batch is not None and getattr(loader, "drop_last", False):
        return f"{size} sample(s), batch_size={batch} with drop_last=True drops them all"
    return "an empty sampler or shard" if size else "no samples"


@contextlib.contextmanager
def _restore_threads(n: int) -> Iterator[None]:
    """Put glassnet's thread count back to ``n`` when the block ends."""
    try:
        yield
    finally:
        if get_num_threads() != n:
            set_num_threads(n)
