"""What the commands do, as functions: load data, build, train into a run folder, evaluate.

``train_run(config)`` is ``glassnet train`` (and ``glassnet demo``) without
argument parsing; ``evaluate_checkpoint(...)`` is ``glassnet evaluate``;
``load_trained(...)`` loads the model that ``evaluate`` and ``explain`` read.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import IO, Any

import numpy as np

from ..data.dataset import TensorDataset, random_split
from ..data.sources import default_model
from ..data.transforms import Compose, RandomCrop, RandomHorizontalFlip, Transform
from ..explain import demo_explanations
from ..io.checkpoint import check_restorable, load_checkpoint
from ..models.registry import get_model_spec, list_models, to_layout
from ..nn.parallel import DataParallel
from ..random import manual_seed
from ..train import ConfusionMatrix, TrainingInterrupted, evaluate, fit
from ..train.loop import resolve_optimizer
from ..train.regression_metrics import REGRESSION_METRICS, regression_metrics
from ..train.runlock import hold_on_main, holds_run_folders
from ..train.runs import RunFolder, default_run_name
from .checkpoints import check_checkpoint_path, check_run_path, user_checkpoint
from .options import (
    CLASSIFICATION_MONITORS,
    DATASETS,
    REGRESSION_MONITORS,
    TrainConfig,
    UsageError,
)
from .ranks import main_first
from .sources import (
    RunData,
    class_names,
    is_regression,
    load_split,
    open_run_data,
    target_scaler,
    task_line,
    test_data,
    user_errors,
)
from .train_steps import (
    RunContext,
    announce,
    announce_resume,
    build_regularizer,
    build_scheduler,
    create_run,
    print_summary,
    report_interrupt,
    resume_command,
    resume_run,
    run_callbacks,
    run_context,
)

__all__ = [
    "load_split", "class_names", "build_model", "checkpoint_source", "TrainedModel",
    "load_trained", "train_run", "evaluate_checkpoint", "LayoutAugment", "resume_command",
    "complete_config", "TrainingData",
]  # fmt: skip

LOSS = "cross_entropy"
#: The loss of a regression run (on standardised targets).
REGRESSION_LOSS = "mse"
#: ``--batch-size`` when not given, for ``--data PATH`` (the built-in data sets: 128).
OWN_DATA_BATCH = 32
#: The LR schedule of a run on your own data when ``--schedule`` is not given.
OWN_DATA_SCHEDULE = "cosine"


# ---------------------------------------------------------------------------- data
class LayoutAugment(Transform):
    """Augmentation of images in any model layout.

    Views a batch as ``(N, *image_shape)`` (default ``(N, 1, 28, 28)``), shifts
    it randomly by up to 2 pixels (zero padding) and flips it horizontally with
    probability 0.5, and gives it back in its original shape (``(N, C*H*W)``,
    ``(N, H, W)`` or images).
    """

    def __init__(
        self, *, seed: int | None = None, image_shape: tuple[int, int, int] = (1, 28, 28)
    ) -> None:
        super().__init__(seed=seed)
        self.image_shape = tuple(int(s) for s in image_shape)
        size = self.image_shape[1:]
        self.inner = Compose([RandomCrop(size, padding=2), RandomHorizontalFlip(0.5)])

    def apply(self, x: Any, rng: np.random.Generator) -> Any:
        images = x.reshape(len(x), *self.image_shape)
        return self.inner(images, rng=rng).reshape(x.shape)

    def extra_repr(self) -> str:
        return repr(self.inner)


# --------------------------------------------------------------------- training
def complete_config(config: TrainConfig | Mapping[str, Any]) -> TrainConfig:
    """Fill what depends on the model and the moment: hidden/dropout defaults, seed, name.

    ``config`` may also be a dict of options or a run's record (its other keys are left out).

    Raises
    ------
    UsageError
        ``hidden`` or ``dropout`` was given for a model that does not take it.
    """
    if not isinstance(config, TrainConfig):
        config = TrainConfig.from_mapping(config)
    model = config.model or default_model_name(config.data)
    spec = get_model_spec(model)
    changes: dict[str, Any] = {"model": model}
    builtin = config.data in DATASETS
    if config.batch_size is None:  # smaller own data sets need more steps an epoch
        changes["batch_size"] = 128 if builtin else OWN_DATA_BATCH
    if config.schedule is None:  # and a decaying rate to settle (docs/data.md: +5 points)
        changes["schedule"] = "none" if builtin else OWN_DATA_SCHEDULE
    for key in ("hidden", "dropout"):
        if config[key] is None:
            changes[key] = spec.defaults.get(key)
        elif key not in spec.options:
            raise UsageError(
                f"--{key}: model {spec.name!r} does not take it (it takes: "
                f"{', '.join(spec.options) or 'no options'})"
            )
    if config.seed is None:
        changes["seed"] = int(np.random.default_rng().integers(0, 2**31 - 1))
    if config.name is None:
        changes["name"] = default_run_name(model)
    return config.replace(**changes)


def default_model_name(data: str) -> str:
    """``mlp`` for a built-in data set and tables, ``small-cnn`` for images of your own."""
    if data in DATASETS:
        return "mlp"
    return user_errors(lambda: default_model(data))


def _model_options(config: Mapping[str, Any]) -> dict[str, Any]:
    return {k: config[k] for k in ("hidden", "dropout") if config.get(k) is not None}


def build_model(
    config: TrainConfig | Mapping[str, Any], num_classes: int, input_shape: Any = None
) -> tuple[Any, str]:
    """The configured model and its input layout (``config``: a TrainConfig or a run's record).

    The model is built for samples of ``input_shape`` (default: a run record's
    ``dataset.input_shape``, else 28x28 greyscale images).
    """
    options = config.to_dict() if isinstance(config, TrainConfig) else config
    spec = get_model_spec(options["model"])
    shape = (
        input_shape
        if input_shape is not None
        else ((options.get("dataset") or {}).get("input_shape"))
    )
    try:
        model = spec.build(num_classes=num_classes, input_shape=shape, **_model_options(options))
    except ValueError as exc:
        if shape is None:
            raise
        raise UsageError(f"--model: {exc}") from None
    return model, spec.layout


@dataclass(frozen=True)
class TrainingData:
    """A run's data in the model's layout.

    Attributes
    ----------
    train_set, val_set : Dataset
        The training split, divided by ``val_split``.
    x_test : ndarray
        Test inputs in the model's layout; ``y_test`` (N,) their classes (a regression
        target: (N, 1) standardised values).
    images_test : ndarray, shape (N, 1, 28, 28)
        The same test inputs as images (for explanations).
    class_names : list of str
    layout : {"flat", "image", "rows"}
    dataset : dict or None
        How the user's own data was read (:class:`glassnet.data.sources.DataSpec`
        as a dict; kept in ``config.toml`` and the checkpoints); None for a built-in set.
    unit : {"images", "rows"}
        What one sample is, in the progress line.
    """

    train_set: Any
    val_set: Any
    x_test: Any
    y_test: Any
    images_test: Any
    class_names: list[str]
    layout: str
    dataset: dict[str, Any] | None = None
    unit: str = "images"

    def sizes(self) -> dict[str, int]:
        """Samples per split, as ``config.toml``'s ``[run]`` table records them."""
        return {
            "train_samples": len(self.train_set),
            "val_samples": len(self.val_set),
            "test_samples": len(self.x_test),
        }


# The steps of train_run, in order; each does one thing.
def _settle_config(config: TrainConfig, world: Any) -> TrainConfig:
    """The completed configuration, one for all ranks (rank 0's seed and name); seeds glassnet."""
    config = complete_config(config)
    if world.size > 1:  # as JSON
        config = TrainConfig(**world.broadcast_object(config.to_dict()))
    manual_seed(config.seed)
    return config


def _load_arrays(ctx: RunContext, download: bool) -> RunData:
    """The configured data set, or the user's own files (rank 0 first)."""
    return main_first(ctx.world, lambda: open_run_data(ctx.config, download=download))


def _build_model_on_device(
    config: TrainConfig, num_classes: int, input_shape: Any = None
) -> tuple[Any, str]:
    """The configured model (on ``config.device``) and its input layout."""
    model, layout = build_model(config, num_classes, input_shape)
    if config.device != "cpu":
        model.to(config.device)  # batches follow the model (fit/evaluate/predict)
    return model, layout


def validation_sizes(n: int, fraction: float, data: str) -> list[int]:
    """``[train, validation]`` sample counts of a training split of ``n`` samples.

    ``fraction`` of them (rounded down, the remainder to training, as
    ``random_split`` hands it out) is held out, and at least one.

    Raises
    ------
    UsageError
        Fewer than 2 samples: none would be left to train on or to validate.
    """
    if n < 2:
        raise UsageError(
            f"--data: {data!r}: {n} training sample(s) after the test split is too few to hold "
            f"out a validation split (--val-split); expected at least 2"
        )
    val = math.floor(n * fraction)
    train = math.floor(n * (1 - fraction))
    if n - train - val:  # the remainder goes round-robin, to training first
        train += 1
        val += n - train - val
    val = max(1, val)
    return [n - val, val]


def run_loss(dataset: Mapping[str, Any] | None) -> str:
    """The loss a run trains with: cross-entropy over classes, MSE for a regression target."""
    return REGRESSION_LOSS if is_regression(dataset) else LOSS


def run_metrics(dataset: Mapping[str, Any] | None) -> list[Any]:
    """What a run logs besides the loss: accuracy, or MSE/RMSE/MAE/R² in the target's units."""
    scale = target_scaler(dataset)
    if scale is None:
        return ["accuracy"]
    return list(regression_metrics(scale.mean, scale.std))


def check_task_options(config: Mapping[str, Any], dataset: Mapping[str, Any] | None) -> None:
    """Refuse an option of the other task (``--monitor val_accuracy`` for a regression target).

    Raises
    ------
    UsageError
        Naming the option, the task and what to use instead.
    """
    monitor = config.get("monitor") or "val_loss"
    if is_regression(dataset) and monitor in CLASSIFICATION_MONITORS:
        raise UsageError(
            f"--monitor {monitor}: the target is a regression target (no classes); expected "
            f"one of val_loss, {', '.join(REGRESSION_MONITORS)}"
        )
    if not is_regression(dataset) and monitor in REGRESSION_MONITORS:
        raise UsageError(
            f"--monitor {monitor}: the target holds classes; expected val_loss or "
            f"{', '.join(CLASSIFICATION_MONITORS)} (--task regression predicts a number)"
        )


def _prepare_data(config: TrainConfig, arrays: RunData, layout: str) -> TrainingData:
    """The arrays in the model's layout, the training split divided for validation."""
    (x_train, y_train), (x_test, y_test) = arrays.train, arrays.test
    train_set, val_set = random_split(
        TensorDataset(to_layout(x_train, layout), y_train),
        validation_sizes(len(x_train), config.val_split, config.data),
        seed=config.seed,
    )
    return TrainingData(
        train_set, val_set, to_layout(x_test, layout), y_test, x_test, arrays.classes, layout,
        arrays.dataset, arrays.unit,
    )  # fmt: skip


def _build_optimizer(config: TrainConfig, model: Any) -> tuple[Any, Any]:
    """The configured optimizer over ``model``'s parameters and its LR scheduler (or None)."""
    optimizer = resolve_optimizer(
        "train", config.optimizer, model, lr=config.lr, weight_decay=config.weight_decay
    )
    return optimizer, build_scheduler(config, optimizer)


def _augmentation(config: TrainConfig, data: TrainingData) -> LayoutAugment | None:
    """``--augment``: shifts and flips of the run's images (their shape from ``dataset``)."""
    if not config.augment:
        return None
    shape = (data.dataset or {}).get("input_shape", (1, 28, 28))
    return LayoutAugment(seed=config.seed, image_shape=tuple(shape))


def _train(
    ctx: RunContext,
    model: Any,
    data: TrainingData,
    optim: tuple[Any, Any],
    callbacks: list[Any],
    point: Any,
) -> Any:
    """``fit`` as configured; the History."""
    config = ctx.config
    optimizer, scheduler = optim
    return fit(
        model,
        data.train_set,
        loss=run_loss(data.dataset),
        metrics=run_metrics(data.dataset),
        optimizer=optimizer,
        validation_data=data.val_set,
        callbacks=callbacks,
        verbose=ctx.verbose,
        regularizer=build_regularizer(config),
        scheduler=scheduler,
        transform=_augmentation(config, data),
        resume_from=point,
        distributed=ctx.world if ctx.distributed else False,
        **config.fit_options(),
    )


def _test_best(ctx: RunContext, model: Any, data: TrainingData, run: Any, best: Any) -> dict:
    """The best epoch's weights (when there is one) on the test split."""
    if best is not None:
        load_checkpoint(run.file(run.BEST), model=model, restore_rng=False)
    return _test_results(
        model, data.x_test, data.y_test, len(data.class_names), batch_size=256,
        threads=ctx.config.threads, dataset=data.dataset,
    )  # fmt: skip


def _write_report(
    model: Any, data: TrainingData, run: Any, history: Any, final: dict, test: dict, explain: int
) -> tuple[str, list[str]]:
    """Explanations (when asked) and ``report.html``; the report's path and notes."""
    if is_regression(data.dataset):  # no classes to pick examples of, no confusion matrix
        extra, explain_notes = {}, []
    else:
        extra, explain_notes = _explanations(
            model, data.images_test, data.y_test, data.layout, data.class_names, run, explain
        )
    report, notes = run.write_report(
        config=run.read_config(), history=history.history, final_metrics=final,
        cm=test.get("confusion_matrix"), class_names=data.class_names, extra_figures=extra,
    )  # fmt: skip
    return report, notes + explain_notes


@holds_run_folders
def train_run(
    config: TrainConfig,
    *,
    out: IO[str] | None = None,
    verbose: int = 1,
    download: bool = True,
    command: str = "train",
    resume: str | None = None,
    distributed: bool = False,
    explain: int = 0,
) -> dict[str, Any]:
    """Train as configured, writing the run folder; return a summary.

    The steps: settle the configuration (model defaults, seed, name), build the
    model, load the data and split it, build the optimizer and scheduler,
    open the run folder (new, or the one to resume), train, test the best
    weights, write the report and print the summary.

    Parameters
    ----------
    config : TrainConfig
        A resolved configuration (:func:`glassnet.cli.options.resolve_config`,
        or :func:`~glassnet.cli.options.resume_config` with ``resume``); a
        dict of options is accepted too.
    out : file-like, optional
        Where progress and the summary go (default ``sys.stdout``; rank 0 only).
    resume : str, optional
        A run folder to continue from its ``last.safetensors`` (from the start
        when it has none yet); metrics are appended to its files.
    distributed : bool, default False
        Data parallel over the MPI ranks this process belongs to; rank 0
        prints, writes the run folder and evaluates on the test split.
    explain : int, default 0
        Explain this many test images (of different classes) with the model's
        default attribution methods: PNGs in ``explain/`` of the run folder,
        also shown in ``report.html`` (needs matplotlib; skipped with a note
        without it).

    Returns
    -------
    dict
        ``run`` (its path), ``test_loss``, ``test_accuracy``, ``best_epoch``,
        ``history`` (dict of lists), ``confusion_matrix`` and ``notes`` (only
        ``run`` on other ranks).

    Raises
    ------
    TrainingInterrupted
        After Ctrl-C / SIGTERM, once the state is saved and the resume command printed.
    """
    ctx = run_context(config, out, verbose, distributed)
    hold_on_main(resume, ctx.world)  # one process per run folder, before any work
    ctx.config = _settle_config(config, ctx.world)
    arrays = _load_arrays(ctx, download)
    check_task_options(ctx.config, arrays.dataset)
    line = task_line(ctx.config, arrays.dataset)
    if line is not None:
        print(line, file=ctx.out)
    shape = (arrays.dataset or {}).get("input_shape")
    model, layout = _build_model_on_device(ctx.config, len(arrays.classes), shape)
    data = _prepare_data(ctx.config, arrays, layout)
    ctx.dataset = arrays.dataset
    optim = _build_optimizer(ctx.config, model)
    if resume is not None:
        run, point = resume_run(ctx, resume, model, optim)
    else:
        run, point = create_run(ctx, command, data.sizes()), None
    announce(ctx, model.num_parameters(), data.sizes(), data.unit)
    if resume is not None:
        announce_resume(ctx, run, point)
    logger, callbacks = run_callbacks(ctx.config, run, ctx.dataset, ctx.out, ctx.verbose)
    try:
        history = _train(ctx, model, data, optim, callbacks, point)
    except TrainingInterrupted as exc:
        report_interrupt(ctx, run, exc)
        raise
    if not ctx.world.is_main:
        return {"run": run.path}
    test = _test_best(ctx, model, data, run, logger.best_epoch)
    figures = REGRESSION_METRICS if is_regression(data.dataset) else ("accuracy",)
    final = {
        "test_loss": test["loss"],
        **{f"test_{k}": test[k] for k in figures},
        "best_epoch": logger.best_epoch,
        "epochs_run": len(history.epoch),
    }
    report, notes = _write_report(model, data, run, history, final, test, explain)
    print_summary(ctx, run, final, report, notes)
    return {
        "run": run.path,
        **{k: v for k, v in final.items() if k != "epochs_run"},
        "history": history.history,
        "confusion_matrix": test.get("confusion_matrix"),
        "notes": notes,
    }


def sliced(model: Any, threads: int) -> Any:
    """``model`` run on slices of each batch in ``threads`` threads (itself for one thread)."""
    return DataParallel(model, threads=threads) if threads > 1 else model


def _test_results(
    model: Any, x: Any, y: Any, num_classes: int, *, batch_size: int, threads: int = 1,
    dataset: Mapping[str, Any] | None = None,
) -> dict[str, Any]:  # fmt: skip
    """``loss``, ``accuracy`` and ``confusion_matrix`` of ``model`` on ``(x, y)``, in one pass
    (a regression target of ``dataset``: ``loss``, ``mse``, ``rmse``, ``mae``, ``r2``)."""
    metrics = run_metrics(dataset) if is_regression(dataset) else (
        "accuracy", ConfusionMatrix(num_classes)
    )  # fmt: skip
    return evaluate(
        sliced(model, threads), (x, y), loss=run_loss(dataset), metrics=metrics,
        batch_size=batch_size,
    )  # fmt: skip


def _explanations(
    model: Any, images: Any, labels: Any, layout: str, names: Any, run: Any, count: int
) -> tuple[dict[str, bytes], list[str]]:
    """Explain ``count`` test images of different classes; PNGs into ``run/explain/``."""
    if count <= 0:
        return {}, []
    labels = np.asarray(labels)
    picks: list[int] = []
    for c in range(len(names)):
        hits = np.flatnonzero(labels == c)
        if len(hits):
            picks.append(int(hits[0]))
        if len(picks) == count:
            break
    try:
        paths = demo_explanations(
            model, np.asarray(images)[picks], labels[picks], run.file("explain"), names,
            layout=layout,
        )  # fmt: skip
    except ImportError as exc:  # no matplotlib: the run is still complete
        return {}, [f"explanations skipped: {exc}"]
    figures = {}
    for path in paths:
        with open(path, "rb") as f:
            figures[f"explain/{os.path.basename(path)}"] = f.read()
    return figures, []


# ------------------------------------------------------------------- evaluation
def checkpoint_source(
    who: str, run_dir: str | None, checkpoint: str | None, which: str = "best"
) -> tuple[dict[str, Any], str]:
    """The configuration and checkpoint path behind ``--run`` / ``--checkpoint`` (exactly one).

    A run folder gives its ``config.toml`` and ``best``/``last`` checkpoint; a
    checkpoint file written by ``glassnet train`` carries its configuration
    in ``extra["config"]``.
    """
    if (run_dir is None) == (checkpoint is None):
        raise UsageError(f"{who}: give exactly one of --run RUN_FOLDER or --checkpoint FILE")
    if run_dir is not None:
        check_run_path("--run", run_dir)
        with user_checkpoint("--run"):
            run = RunFolder.open(run_dir)
            path = run.file(run.BEST if which == "best" else run.LAST)
            if not os.path.isfile(path):
                raise FileNotFoundError(f"run folder {run_dir!r} has no {os.path.basename(path)}")
            return run.read_config(), path
    check_checkpoint_path(checkpoint)
    with user_checkpoint("--checkpoint"):
        extra = load_checkpoint(checkpoint, restore_rng=False).get("extra")
    config = extra.get("config") if isinstance(extra, dict) else None
    if not isinstance(config, dict) or "model" not in config:
        raise UsageError(
            f"checkpoint {checkpoint!r} does not say which model it holds (no config in its "
            f"metadata); {who} it with --run RUN_FOLDER instead"
        )
    return config, checkpoint


@dataclass(frozen=True)
class TrainedModel:
    """A trained model loaded from a run folder or checkpoint, with what a command reports of it.

    Attributes
    ----------
    model : Module
        With the checkpoint's weights, on the CPU.
    layout : {"flat", "image", "rows"}
        How the model reads images (see :func:`glassnet.models.to_layout`).
    config : dict
        The run's configuration.
    path : str
        The checkpoint file.
    epoch : int or None
        The epoch the checkpoint was written after.
    data : str
        The data set (``--data`` or the run's).
    class_names : list of str
    """

    model: Any
    layout: str
    config: dict[str, Any]
    path: str
    epoch: int | None
    data: str
    class_names: list[str]


def load_trained(
    who: str,
    *,
    run_dir: str | None = None,
    checkpoint: str | None = None,
    which: str = "best",
    data: str | None = None,
) -> TrainedModel:
    """Build the model behind ``--run`` / ``--checkpoint`` and load its weights.

    Parameters
    ----------
    who : str
        The command, for error messages (``"evaluate"``, ``"explain"``).
    run_dir, checkpoint : str, optional
        Exactly one: a run folder or a checkpoint file (see :func:`checkpoint_source`).
    which : {"best", "last"}, default "best"
        The checkpoint of a run folder.
    data : str, optional
        A name of :data:`~glassnet.cli.options.DATASETS` (default: the run's).
    """
    config, path = checkpoint_source(who, run_dir, checkpoint, which)
    if config.get("model") not in list_models():  # an edited config.toml, a foreign checkpoint
        where = path if checkpoint is not None else os.path.join(run_dir, RunFolder.CONFIG)
        flag = "--run" if checkpoint is None else "--checkpoint"
        raise UsageError(
            f"{flag}: {where}: expected one of the models {', '.join(list_models())}, "
            f"got model {config.get('model')!r}"
        )
    dataset = config.get("dataset")
    if isinstance(dataset, Mapping):  # trained on the user's own data: its classes are recorded
        data, names = data or config.get("data"), list(dataset["classes"])
    else:
        data = data or config.get("data")
        if data not in DATASETS:
            raise UsageError(f"--data: expected one of {', '.join(DATASETS)}, got {data!r}")
        names = class_names(data)
    model, layout = build_model(config, len(names))
    with user_checkpoint("--run" if checkpoint is None else "--checkpoint", also=(KeyError,)):
        ckpt = load_checkpoint(path, restore_rng=False)
        check_restorable(path, ckpt, model=model)  # names and shapes, before anything changes
    model.load_state_dict(ckpt["model"])
    return TrainedModel(model, layout, config, path, ckpt.get("epoch"), data, names)


def format_confusion(cm: np.ndarray, names: list[str]) -> str:
    """The confusion matrix as text (rows: true class, columns: predicted)."""
    short = [n[:9] for n in names]
    width = max(6, max(len(s) for s in short), len(str(int(cm.max()))) + 1)
    head = " " * (width + 1) + " ".join(f"{s:>{width}}" for s in short)
    lines = [head]
    for name, row in zip(short, cm):
        lines.append(f"{name:>{width}} " + " ".join(f"{int(v):>{width}}" for v in row))
    return "\n".join(lines)


def evaluate_checkpoint(
    *,
    run_dir: str | None = None,
    checkpoint: str | None = None,
    which: str = "best",
    data: str | None = None,
    batch_size: int = 256,
    download: bool = True,
    out: IO[str] | None = None,
    threads: int = 1,
) -> dict[str, Any]:
    """Load a run's (or a checkpoint file's) model and print its test loss, accuracy and confusion matrix.

    ``threads`` above one slices each batch over that many threads (``nn.DataParallel``).

    Returns
    -------
    dict
        ``loss``, ``accuracy``, ``confusion_matrix`` (ndarray, shape (C, C)) and
        ``checkpoint`` (the file read).
    """
    out = out if out is not None else sys.stdout
    t = load_trained("evaluate", run_dir=run_dir, checkpoint=checkpoint, which=which, data=data)
    model, names = t.model, t.class_names
    if t.config.get("device", "cpu") != "cpu":
        model.to(t.config["device"])  # batches follow the model (fit/evaluate/predict)
    x, y = test_data(t.config, data, download=download)
    x = to_layout(x, t.layout)
    dataset = t.config.get("dataset")
    result = _test_results(
        model, x, y, len(names), batch_size=batch_size, threads=threads, dataset=dataset
    )
    print(f"Model: {t.config['model']} from {t.path} (epoch {t.epoch})", file=out)
    split = "test split" if data is None or data == t.config.get("data") else "all samples"
    unit = "rows" if (dataset or {}).get("kind") == "table" else "images"
    print(f"Data: {t.data}, {split}, {len(x)} {unit}", file=out)
    if is_regression(dataset):
        print(f"loss (MSE of the standardised target): {result['loss']:.6g}", file=out)
        print(f"Regression of {', '.join(names)} (in its own units):", file=out)
        for k in REGRESSION_METRICS:
            print(f"{k}: {result[k]:.6g}", file=out)
        out.flush()
        return {**result, "checkpoint": t.path}
    print(f"loss: {result['loss']:.4f}", file=out)
    print(f"accuracy: {result['accuracy']:.4f}", file=out)
    print("Confusion matrix (rows: true class, columns: predicted):", file=out)
    print(format_confusion(result["confusion_matrix"], names), file=out, flush=True)
    return {**result, "checkpoint": t.path}
