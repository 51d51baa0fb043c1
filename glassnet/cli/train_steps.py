"""The steps of ``glassnet train`` that need only its configuration.

:func:`glassnet.cli.pipeline.train_run` calls them in order: the objects the
configuration names (scheduler, regularizer, callbacks), the run folder (a new
one or the one to resume, with its ``config.toml``) and what the command prints.
Each takes the :class:`RunContext` or the :class:`~glassnet.cli.options.TrainConfig`
it needs and does one thing.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import IO, Any

from .. import __version__
from ..data.sources import DataSpec
from ..io.checkpoint import check_restorable
from ..nn.regularization import L1L2
from ..optim import lr_scheduler as S
from ..train import EarlyStopping, LayerDiagnostics, RunLogger
from ..train.resume import check_epochs_reach, read_resume_point
from ..train.runlock import hold, release
from ..train.runs import RunFolder
from .checkpoints import user_checkpoint
from .options import TrainConfig, UsageError
from .ranks import Discard, command_world, on_main

__all__ = [
    "RunContext", "run_context", "build_scheduler", "build_regularizer", "run_record",
    "resume_record", "resume_command", "resume_run", "create_run", "announce",
    "announce_resume", "run_callbacks", "report_interrupt", "print_summary",
]  # fmt: skip


def build_scheduler(config: TrainConfig, optimizer: Any) -> Any:
    kind, epochs = config.schedule, config.epochs
    if kind == "cosine":
        return S.CosineAnnealingLR(optimizer, T_max=epochs)
    if kind == "step":
        return S.StepLR(optimizer, step_size=max(1, epochs // 3), gamma=0.1)
    if kind == "plateau":
        return S.ReduceLROnPlateau(optimizer, factor=0.5, patience=1)
    return None


def build_regularizer(config: TrainConfig) -> Any:
    if not (config.l1 or config.l2):
        return None
    return L1L2(l1=config.l1, l2=config.l2)


def _with_dataset(options: dict[str, Any], dataset: Mapping[str, Any] | None) -> dict[str, Any]:
    """The options plus the ``dataset`` table of a run on the user's own data."""
    return {**options, "dataset": dict(dataset)} if dataset else options


def run_record(
    config: TrainConfig,
    command: str,
    sizes: Mapping[str, int],
    world: Any,
    dataset: Mapping[str, Any] | None = None,
) -> dict:
    """What ``config.toml`` holds: the options, the ``[dataset]`` table of a run on the user's
    own data, and a ``[run]`` table recording how the run was made."""
    return {
        **_with_dataset(config.to_dict(), dataset),
        "run": {
            "command": command,
            "glassnet_version": __version__,
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            **sizes,
            "ranks": world.size,
        },
    }


def resume_record(
    run: Any, config: TrainConfig, world: Any, dataset: Mapping[str, Any] | None = None
) -> None:
    """Rewrite ``config.toml`` for a resumed run: new ``epochs``/``checkpoint_every``, a ``resumed`` entry."""
    record = run.read_config()
    table = dict(record.get("run") or {})
    table["resumed"] = [*table.get("resumed", []), time.strftime("%Y-%m-%dT%H:%M:%S%z")]
    table["ranks"] = world.size
    run.write_config({**_with_dataset(config.to_dict(), dataset), "run": table})


def resume_command(path: str, ranks: int) -> str:
    """The command that continues the run in ``path``."""
    if ranks > 1:
        return f"mpiexec -n {ranks} glassnet train --resume {path} --distributed"
    return f"glassnet train --resume {path}"


@dataclass
class RunContext:
    """What every step of :func:`train_run` shares: the configuration, the ranks and the output."""

    config: TrainConfig
    world: Any
    out: IO[str]
    verbose: int
    distributed: bool
    dataset: dict[str, Any] | None = None  # how the user's own data was read (DataSpec)


#: What must stay the same in the data a run resumes on: ``[dataset]`` keys and their wording.
_SAME_DATA = (
    ("kind", "kind"), ("classes", "classes"), ("input_shape", "sample shape"),
    ("feature_names", "feature columns"), ("target", "target column"),
    ("mean", "feature means"), ("std", "feature standard deviations"),
    ("columns", "columns read"), ("missing", "missing values policy"),
    ("fill", "missing-value fills"),
)  # fmt: skip


def check_same_data(
    path: str, recorded: Mapping[str, Any] | None, now: Mapping[str, Any] | None
) -> None:
    """A :class:`UsageError` when the data a run resumes on is not what it trained on.

    Parameters
    ----------
    path : str
        The run folder.
    recorded : mapping or None
        The run's ``[dataset]`` table (None: a built-in data set).
    now : mapping or None
        The same, of the data as it reads now.
    """
    if not recorded or not now:
        return
    recorded, now = DataSpec.from_dict(recorded).to_dict(), DataSpec.from_dict(now).to_dict()
    for key, what in _SAME_DATA:
        was, got = recorded.get(key), now.get(key)
        if was != got:
            raise UsageError(
                f"--resume: the data {now.get('source')!r} is not what {path!r} trained on "
                f"(its {what} were {_short(was)}, now {_short(got)}); the file changed since "
                "the run started: restore it, or start a new run"
            )


def _short(value: Any) -> str:
    items = value if isinstance(value, (list, tuple)) else [value]
    text = ", ".join(str(v) for v in items[:6])
    return text + (", ..." if len(items) > 6 else "")


def resume_run(
    ctx: RunContext, path: str, model: Any = None, optim: tuple[Any, Any] = (None, None)
) -> tuple[Any, Any]:
    """The run folder to continue and its resume point (None before its first checkpoint).

    The last checkpoint is read and checked against ``model`` and ``optim``
    (optimizer, scheduler) before ``config.toml`` is rewritten: a file that
    does not fit is refused (exit status 2) with the run folder unchanged.
    """
    run = RunFolder.open(path)
    with user_checkpoint("--resume", also=(ValueError,)):  # read_resume_point checks the file
        last = run.file(run.LAST)
        point = read_resume_point(last) if os.path.isfile(last) else None
    if point is not None:  # before the run's config.toml is rewritten with the new --epochs
        try:
            check_epochs_reach(point.state.progress, ctx.config.epochs, path, flag="--epochs")
        except ValueError as exc:
            raise UsageError(str(exc)) from None

    check_same_data(path, run.read_config().get("dataset"), ctx.dataset)
    if point is not None:  # after the data check, which names a changed file better
        with user_checkpoint("--resume", also=(KeyError,)):  # names and shapes of the weights
            check_restorable(
                point.path, point.checkpoint, model=model, optimizer=optim[0], scheduler=optim[1]
            )

    def prepare() -> None:
        run.remove_stale_temporaries()
        resume_record(run, ctx.config, ctx.world, ctx.dataset)

    on_main(ctx.world, prepare)
    return run, point


def _discard_new_folder(path: str) -> None:
    """Remove a run folder just made, with the lock file it may hold and nothing else."""
    release(path)
    for name in os.listdir(path):
        full = os.path.join(path, name)
        if name.startswith(".") and os.path.isfile(full):
            os.remove(full)
    try:
        os.rmdir(path)
    except OSError:  # something else was written there meanwhile: keep it
        pass


def create_run(ctx: RunContext, command: str, sizes: Mapping[str, int]) -> Any:
    """A new run folder (rank 0 creates it and writes ``config.toml``); its name goes in the config."""

    def create() -> str:
        new = RunFolder.create(ctx.config.runs_dir, ctx.config.name)
        try:
            hold(new.path)  # the folder is this process's until train_run ends
            record = run_record(
                ctx.config.replace(name=new.name), command, sizes, ctx.world, ctx.dataset
            )
            new.write_config(record)
        except BaseException:
            _discard_new_folder(new.path)  # leave no run folder without its config.toml
            raise
        return new.path

    run = RunFolder(on_main(ctx.world, create))
    ctx.config = ctx.config.replace(name=run.name)
    return run


def announce(
    ctx: RunContext, parameters: int, sizes: Mapping[str, int], unit: str = "images"
) -> None:
    """One line saying what trains on what (``sizes`` as :func:`run_record` takes them)."""
    config, world = ctx.config, ctx.world
    ranks = f" on {world.size} ranks (batch {config.batch_size} per rank)" if world.size > 1 else ""
    plural = "s" if config.epochs != 1 else ""
    print(
        f"Training {config.model} ({parameters:,} parameters) on {config.data}: "
        f"{sizes['train_samples']} train / {sizes['val_samples']} validation / "
        f"{sizes['test_samples']} test {unit}, {config.epochs} epoch{plural}, "
        f"seed {config.seed}{ranks}",
        file=ctx.out,
        flush=True,
    )


def position(epoch: int, step: int) -> str:
    """``in epoch E after step S`` in the middle of an epoch, ``after epoch E`` at its end."""
    return f"in epoch {epoch + 1} after step {step}" if step else f"after epoch {epoch}"


def announce_resume(ctx: RunContext, run: Any, point: Any) -> None:
    """Where a resumed run continues from."""
    if point is None:
        print(f"Resuming {run.path}: no checkpoint yet, starting from the beginning", file=ctx.out)
        return
    p = point.state.progress
    at = position(p.epochs_completed, p.step_in_epoch)
    print(f"Resuming {run.path} {at} (global step {p.global_step})", file=ctx.out)


def run_callbacks(
    config: TrainConfig,
    run: Any,
    dataset: Mapping[str, Any] | None = None,
    out: IO[str] | None = None,
    verbose: int = 1,
) -> tuple[Any, list[Any]]:
    """The run logger (metrics, checkpoints into ``run``, with the ``dataset`` table of a run
    on the user's own data), early stopping when asked and per-layer diagnostics (into
    ``run``, warnings to ``out``) unless ``--diagnostics 0``."""
    options = _with_dataset(config.to_dict(), dataset)
    logger = RunLogger(run, monitor=config.monitor, config=options)
    callbacks: list[Any] = [logger]
    if config.early_stopping:
        callbacks.append(EarlyStopping(config.monitor, patience=config.early_stopping))
    if config.diagnostics:
        callbacks.append(
            LayerDiagnostics(config.diagnostics, folder=run.path, stream=out, verbose=bool(verbose))
        )
    return logger, callbacks


def report_interrupt(ctx: RunContext, run: Any, exc: Any) -> None:
    """What an interrupted run saved and how to continue it."""
    saved = ", ".join(exc.checkpoints) or "nothing (no checkpoint written)"
    at = position(exc.epoch, exc.step)
    print(f"Interrupted {at} (global step {exc.global_step}); saved {saved}", file=ctx.out)
    print(f"Resume with: {resume_command(run.path, ctx.world.size)}", file=ctx.out, flush=True)


def print_summary(ctx: RunContext, run: Any, final: dict, report: str, notes: list[str]) -> None:
    """Test figures, the run folder's files, notes and the report."""
    out = ctx.out
    if "test_rmse" in final:  # a regression target: its errors in its own units
        figures = (
            f"Test RMSE: {final['test_rmse']:.6g}, MAE {final['test_mae']:.6g}, "
            f"R2 {final['test_r2']:.4f}"
        )
    else:
        figures = f"Test accuracy: {final['test_accuracy']:.4f} (loss {final['test_loss']:.4f})"
    print(
        f"{figures}, weights of epoch {final['best_epoch']} (best {ctx.config.monitor})",
        file=out,
    )
    print(f"Run folder: {run.path}", file=out)
    for name in sorted(os.listdir(run.path)):
        if not name.startswith("."):
            print(f"  {name}", file=out)
    for note in notes:
        print(f"Note: {note}", file=out)
    print(f"Report: {report}", file=out, flush=True)


def run_context(
    config: TrainConfig, out: IO[str] | None, verbose: int, distributed: bool
) -> RunContext:
    """The world of ``--distributed``; output and progress on rank 0 only."""
    world = command_world(distributed)
    if not world.is_main:
        return RunContext(config, world, Discard(), 0, distributed)
    return RunContext(config, world, out if out is not None else sys.stdout, verbose, distributed)
