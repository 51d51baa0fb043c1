"""What the commands do, as functions: load data, build, train into a run folder, evaluate.

``train_run(config)`` is ``glassnet train`` (and ``glassnet demo``) without
argument parsing; ``evaluate_checkpoint(...)`` is ``glassnet evaluate``;
``load_trained(...)`` loads the model that ``evaluate`` and ``explain`` read.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import IO, Any

import numpy as np

from .. import __version__
from ..data.dataset import TensorDataset, random_split
from ..data.transforms import Compose, RandomCrop, RandomHorizontalFlip, Transform
from ..train.loop import resolve_optimizer
from .options import DATASETS, UsageError

__all__ = [
    "load_split", "class_names", "build_model", "checkpoint_source", "TrainedModel",
    "load_trained", "train_run", "evaluate_checkpoint", "LayoutAugment", "resume_command",
]  # fmt: skip

LOSS = "cross_entropy"


# ---------------------------------------------------------------------------- data
def load_split(data: str, split: str, *, download: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """``(x (N, 1, 28, 28) float32, y (N,) int64)`` of ``data``'s ``split`` ("train"/"test")."""
    from ..data import datasets

    if data not in DATASETS:
        raise UsageError(f"--data: expected one of {', '.join(DATASETS)}, got {data!r}")
    fn, kwargs = DATASETS[data]
    if not kwargs.get("sample"):
        kwargs = {**kwargs, "download": download}
    return getattr(datasets, fn)(split, **kwargs)


def class_names(data: str) -> list[str]:
    from ..data import datasets

    if DATASETS[data][0] == "fashion_mnist":
        return list(datasets.FASHION_MNIST_CLASSES)
    return list(datasets.MNIST_CLASSES)


class LayoutAugment(Transform):
    """Augmentation of 28x28 greyscale images in any model layout.

    Views a batch as ``(N, 1, 28, 28)``, shifts it randomly by up to 2 pixels
    (zero padding) and flips it horizontally with probability 0.5, and gives
    it back in its original shape (``(N, 784)``, ``(N, 28, 28)`` or images).
    """

    def __init__(self, *, seed: int | None = None) -> None:
        super().__init__(seed=seed)
        self.inner = Compose([RandomCrop(28, padding=2), RandomHorizontalFlip(0.5)])

    def apply(self, x: Any, rng: np.random.Generator) -> Any:
        images = x.reshape(len(x), 1, 28, 28)
        return self.inner(images, rng=rng).reshape(x.shape)

    def extra_repr(self) -> str:
        return repr(self.inner)


# --------------------------------------------------------------------- training
def _scheduler(config: Mapping[str, Any], optimizer: Any) -> Any:
    from ..optim import lr_scheduler as S

    kind, epochs = config["schedule"], config["epochs"]
    if kind == "cosine":
        return S.CosineAnnealingLR(optimizer, T_max=epochs)
    if kind == "step":
        return S.StepLR(optimizer, step_size=max(1, epochs // 3), gamma=0.1)
    if kind == "plateau":
        return S.ReduceLROnPlateau(optimizer, factor=0.5, patience=1)
    return None


def _regularizer(config: Mapping[str, Any]) -> Any:
    if not (config["l1"] or config["l2"]):
        return None
    from ..nn.regularization import L1L2

    return L1L2(l1=config["l1"], l2=config["l2"])


def complete_config(config: dict[str, Any]) -> dict[str, Any]:
    """Fill what depends on the model and the moment: hidden/dropout defaults, seed, name."""
    from ..models.registry import get_model_spec
    from ..train.runs import default_run_name

    spec = get_model_spec(config["model"])
    for key in ("hidden", "dropout"):
        if config.get(key) is None:
            if key in spec.defaults:
                config[key] = spec.defaults[key]
            else:
                config.pop(key, None)
        elif key not in spec.options:
            raise UsageError(
                f"--{key}: model {spec.name!r} does not take it (it takes: "
                f"{', '.join(spec.options) or 'no options'})"
            )
    if config.get("seed") is None:
        config["seed"] = int(np.random.default_rng().integers(0, 2**31 - 1))
    if config.get("name") is None:
        config["name"] = default_run_name(config["model"])
    for key in [k for k, v in config.items() if v is None]:  # options left off (TOML has no null)
        del config[key]
    return config


def _model_options(config: Mapping[str, Any]) -> dict[str, Any]:
    return {k: config[k] for k in ("hidden", "dropout") if k in config}


def build_model(config: Mapping[str, Any], num_classes: int) -> tuple[Any, str]:
    """The configured model and its input layout."""
    from ..models.registry import get_model_spec

    spec = get_model_spec(config["model"])
    return spec.build(num_classes=num_classes, **_model_options(config)), spec.layout


def _run_record(
    config: Mapping[str, Any], command: str, sizes: Mapping[str, int], world: Any
) -> dict:
    """What ``config.toml`` holds: the options and a ``[run]`` table recording how the run was made."""
    return {
        **config,
        "run": {
            "command": command,
            "glassnet_version": __version__,
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            **sizes,
            "ranks": world.size,
        },
    }


def _resume_record(run: Any, config: Mapping[str, Any], world: Any) -> None:
    """Rewrite ``config.toml`` for a resumed run: new ``epochs``/``checkpoint_every``, a ``resumed`` entry."""
    record = run.read_config()
    table = dict(record.get("run") or {})
    table["resumed"] = [*table.get("resumed", []), time.strftime("%Y-%m-%dT%H:%M:%S%z")]
    table["ranks"] = world.size
    run.write_config({**config, "run": table})


def resume_command(path: str, ranks: int) -> str:
    """The command that continues the run in ``path``."""
    if ranks > 1:
        return f"mpiexec -n {ranks} glassnet train --resume {path} --distributed"
    return f"glassnet train --resume {path}"


def train_run(
    config: dict[str, Any],
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

    Parameters
    ----------
    config : dict
        A resolved configuration (:func:`glassnet.cli.options.resolve_config`,
        or :func:`~glassnet.cli.options.resume_config` with ``resume``);
        completed in place (seed, name, model defaults).
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
        ``history`` (dict of lists) and ``notes`` (only ``run`` on other ranks).

    Raises
    ------
    TrainingInterrupted
        After Ctrl-C / SIGTERM, once the state is saved and the resume command printed.
    """
    import glassnet as gn

    from ..io.checkpoint import load_checkpoint
    from ..models.registry import to_layout
    from ..train import EarlyStopping, RunLogger, TrainingInterrupted, fit
    from ..train.resume import read_resume_point
    from ..train.runs import RunFolder
    from .ranks import Discard, command_world, main_first, on_main

    world = command_world(distributed)
    main = world.is_main
    out = out if out is not None else sys.stdout
    if not main:
        out, verbose = Discard(), 0
    config = complete_config(config)
    if world.size > 1:  # one seed and one name: rank 0's
        config = world.broadcast_object(config)
    seed = config["seed"]
    gn.manual_seed(seed)

    def load() -> tuple[Any, ...]:
        return (
            load_split(config["data"], "train", download=download),
            load_split(config["data"], "test", download=download),
        )

    (x_train, y_train), (x_test, y_test) = main_first(world, load)
    names = class_names(config["data"])
    model, layout = build_model(config, len(names))
    if config.get("device", "cpu") != "cpu":
        model.to(config["device"])  # batches follow the model (fit/evaluate/predict)
    images_test = x_test
    x_train, x_test = to_layout(x_train, layout), to_layout(x_test, layout)
    fraction = config["val_split"]
    train_set, val_set = random_split(
        TensorDataset(x_train, y_train), [1 - fraction, fraction], seed=seed
    )
    optimizer = resolve_optimizer(
        "train", config["optimizer"], model, lr=config["lr"], weight_decay=config["weight_decay"]
    )
    scheduler = _scheduler(config, optimizer)
    sizes = {
        "train_samples": len(train_set),
        "val_samples": len(val_set),
        "test_samples": len(x_test),
    }

    point = None
    if resume is not None:
        run = RunFolder.open(resume)
        if os.path.isfile(run.file(run.LAST)):
            point = read_resume_point(run.file(run.LAST))

        def prepare() -> None:
            run.remove_stale_temporaries()
            _resume_record(run, config, world)

        on_main(world, prepare)
    else:

        def create() -> str:
            new = RunFolder.create(config["runs_dir"], config["name"])
            config["name"] = new.name
            new.write_config(_run_record(config, command, sizes, world))
            return new.path

        run = RunFolder(on_main(world, create))
        config["name"] = run.name
    ranks = (
        f" on {world.size} ranks (batch {config['batch_size']} per rank)" if world.size > 1 else ""
    )
    print(
        f"Training {config['model']} ({model.num_parameters():,} parameters) on {config['data']}: "
        f"{len(train_set)} train / {len(val_set)} validation / {len(x_test)} test images, "
        f"{config['epochs']} epoch{'s' if config['epochs'] != 1 else ''}, seed {seed}{ranks}",
        file=out,
        flush=True,
    )
    if resume is not None:
        if point is None:
            print(f"Resuming {run.path}: no checkpoint yet, starting from the beginning", file=out)
        else:
            st = point.state
            step, epoch = st["step_in_epoch"], st["epoch"]
            at = f"in epoch {epoch + 1} after step {step}" if step else f"after epoch {epoch}"
            print(f"Resuming {run.path} {at} (global step {st['global_step']})", file=out)
    monitor = config.get("monitor", "val_loss")
    logger = RunLogger(run, monitor=monitor, config=config)
    callbacks: list[Any] = [logger]
    if config["early_stopping"]:
        callbacks.append(EarlyStopping(monitor, patience=config["early_stopping"]))
    try:
        history = fit(
            model,
            train_set,
            loss=LOSS,
            optimizer=optimizer,
            epochs=config["epochs"],
            batch_size=config["batch_size"],
            validation_data=val_set,
            callbacks=callbacks,
            verbose=verbose,
            seed=seed,
            regularizer=_regularizer(config),
            clip_grad_norm=config.get("clip_grad_norm"),
            scheduler=scheduler,
            transform=LayoutAugment(seed=seed) if config["augment"] else None,
            resume_from=point,
            checkpoint_every=config.get("checkpoint_every") or None,
            distributed=world if distributed else False,
            threads=config.get("threads", 1),
        )
    except TrainingInterrupted as exc:
        where = (
            f"in epoch {exc.epoch + 1} after step {exc.step}"
            if exc.step
            else f"after epoch {exc.epoch}"
        )
        saved = ", ".join(exc.checkpoints) or "nothing (no checkpoint written)"
        print(f"Interrupted {where} (global step {exc.global_step}); saved {saved}", file=out)
        print(f"Resume with: {resume_command(run.path, world.size)}", file=out, flush=True)
        raise
    if not main:
        return {"run": run.path}
    if logger.best_epoch is not None:
        load_checkpoint(run.file(run.BEST), model=model, restore_rng=False)
    test = _test_results(
        model, x_test, y_test, len(names), batch_size=256, threads=config.get("threads", 1)
    )
    cm = test["confusion_matrix"]
    final = {
        "test_loss": test["loss"],
        "test_accuracy": test["accuracy"],
        "best_epoch": logger.best_epoch,
        "epochs_run": len(history.epoch),
    }
    record = run.read_config()
    extra, explain_notes = _explanations(model, images_test, y_test, layout, names, run, explain)
    report, notes = run.write_report(
        config=record, history=history.history, final_metrics=final, cm=cm, class_names=names,
        extra_figures=extra,
    )  # fmt: skip
    notes = notes + explain_notes
    print(
        f"Test accuracy: {test['accuracy']:.4f} (loss {test['loss']:.4f}), "
        f"weights of epoch {logger.best_epoch} (best {monitor})",
        file=out,
    )
    print(f"Run folder: {run.path}", file=out)
    for name in sorted(os.listdir(run.path)):
        if not name.startswith("."):
            print(f"  {name}", file=out)
    for note in notes:
        print(f"Note: {note}", file=out)
    print(f"Report: {report}", file=out, flush=True)
    return {
        "run": run.path,
        "test_loss": test["loss"],
        "test_accuracy": test["accuracy"],
        "best_epoch": logger.best_epoch,
        "history": history.history,
        "confusion_matrix": cm,
        "notes": notes,
    }


def sliced(model: Any, threads: int) -> Any:
    """``model`` run on slices of each batch in ``threads`` threads (itself for one thread)."""
    from ..nn.parallel import DataParallel

    return DataParallel(model, threads=threads) if threads > 1 else model


def _test_results(
    model: Any, x: Any, y: Any, num_classes: int, *, batch_size: int, threads: int = 1
) -> dict[str, Any]:
    """``loss``, ``accuracy`` and ``confusion_matrix`` of ``model`` on ``(x, y)``, in one pass."""
    from ..train import ConfusionMatrix, evaluate

    metrics = ("accuracy", ConfusionMatrix(num_classes))
    return evaluate(
        sliced(model, threads), (x, y), loss=LOSS, metrics=metrics, batch_size=batch_size
    )


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
        from ..explain import demo_explanations

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
    from ..io.checkpoint import load_checkpoint
    from ..train.runs import RunFolder

    if (run_dir is None) == (checkpoint is None):
        raise UsageError(f"{who}: give exactly one of --run RUN_FOLDER or --checkpoint FILE")
    if run_dir is not None:
        run = RunFolder.open(run_dir)
        path = run.file(run.BEST if which == "best" else run.LAST)
        if not os.path.isfile(path):
            raise FileNotFoundError(f"run folder {run_dir!r} has no {os.path.basename(path)}")
        return run.read_config(), path
    if not os.path.isfile(checkpoint):
        raise FileNotFoundError(f"checkpoint {checkpoint!r} does not exist")
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
    from ..io.checkpoint import load_checkpoint

    config, path = checkpoint_source(who, run_dir, checkpoint, which)
    data = data or config.get("data")
    if data not in DATASETS:
        raise UsageError(f"--data: expected one of {', '.join(DATASETS)}, got {data!r}")
    names = class_names(data)
    model, layout = build_model(config, len(names))
    ckpt = load_checkpoint(path, model=model, restore_rng=False)
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
    from ..models.registry import to_layout

    out = out if out is not None else sys.stdout
    t = load_trained("evaluate", run_dir=run_dir, checkpoint=checkpoint, which=which, data=data)
    model, names = t.model, t.class_names
    if t.config.get("device", "cpu") != "cpu":
        model.to(t.config["device"])  # batches follow the model (fit/evaluate/predict)
    x, y = load_split(t.data, "test", download=download)
    x = to_layout(x, t.layout)
    result = _test_results(model, x, y, len(names), batch_size=batch_size, threads=threads)
    print(f"Model: {t.config['model']} from {t.path} (epoch {t.epoch})", file=out)
    print(f"Data: {t.data}, test split, {len(x)} images", file=out)
    print(f"loss: {result['loss']:.4f}", file=out)
    print(f"accuracy: {result['accuracy']:.4f}", file=out)
    print("Confusion matrix (rows: true class, columns: predicted):", file=out)
    print(format_confusion(result["confusion_matrix"], names), file=out, flush=True)
    return {**result, "checkpoint": t.path}
