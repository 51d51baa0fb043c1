"""Run folders: everything one training run leaves behind, in ``runs/<name>/``.

::

    runs/fmnist-cnn/
      config.toml          the resolved configuration (flags + config file + defaults)
      metrics.csv          one row per epoch (epoch, loss, accuracy, val_loss, ..., lr, grad_norm, time)
      metrics.jsonl        the same rows as JSON lines
      last.safetensors     the latest checkpoint (after the last epoch, or a mid-epoch save point):
                           model, optimizer, scheduler, RNG, and the trainer's state for exact resumes
      best.safetensors     checkpoint of the best epoch (by the monitored quantity)
      loss.png, accuracy.png, confusion_matrix.png   (with matplotlib)
      report.html          self-contained report (figures embedded)

Every file is written atomically (``glassnet._fileio.atomic_write``): a
crash leaves the previous complete version, never half a file (at most a
hidden ``.NAME.*.tmp`` next to it, which :meth:`RunFolder.remove_stale_temporaries`
deletes when the run is resumed).
"""

from __future__ import annotations

import json
import math
import os
import re
import time
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .._fileio import atomic_write
from ..io.checkpoint import save_checkpoint
from ..io.tomlconf import load_config, save_config
from . import report as _report
from .callbacks.csv_logger import csv_text
from .diagnostics_report import diagnostics_section

__all__ = ["RunFolder", "default_run_name", "jsonl_text"]

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


def check_run_name(name: Any) -> str:
    """``name`` if it is a plain folder name, else a ``ValueError`` saying what one is."""
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise ValueError(
            "run name must be 1-100 letters, digits, '.', '_' or '-' and start with a letter "
            f"or digit, got {name!r}"
        )
    return name


def default_run_name(prefix: str) -> str:
    """``"<prefix>-YYYYmmdd-HHMMSS"`` in local time."""
    return f"{prefix}-{time.strftime('%Y%m%d-%H%M%S')}"


def _json_value(v: Any) -> Any:
    if isinstance(v, (float, np.floating)):
        f = float(v)
        return f if math.isfinite(f) else None
    if isinstance(v, np.integer):
        return int(v)
    return v


def jsonl_text(rows: Sequence[Mapping[str, Any]]) -> str:
    """One JSON object per line; NaN and infinities become ``null`` (JSON has neither)."""
    return "".join(
        json.dumps({k: _json_value(v) for k, v in row.items()}, allow_nan=False) + "\n"
        for row in rows
    )


class RunFolder:
    """One run's folder and the files in it.

    Parameters
    ----------
    path : str or os.PathLike
        The folder (see :meth:`create` to make a new one and :meth:`open` for an
        existing one).
    """

    CONFIG = "config.toml"
    METRICS_CSV = "metrics.csv"
    METRICS_JSONL = "metrics.jsonl"
    BEST = "best.safetensors"
    LAST = "last.safetensors"
    REPORT = "report.html"

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = os.fspath(path)

    @classmethod
    def create(cls, runs_dir: str | os.PathLike, name: str) -> RunFolder:
        """Make ``runs_dir/name`` (``name-2``, ``name-3``, ... when it exists already).

        Raises
        ------
        ValueError
            ``name`` is not a plain folder name (letters, digits, ``.``, ``_``, ``-``).
        """
        check_run_name(name)
        root = os.fspath(runs_dir)
        os.makedirs(root, exist_ok=True)
        candidate, k = name, 1
        while True:
            path = os.path.join(root, candidate)
            try:
                os.mkdir(path)
                return cls(path)
            except FileExistsError:
                k += 1
                candidate = f"{name}-{k}"

    @classmethod
    def open(cls, path: str | os.PathLike) -> RunFolder:
        """An existing run folder; ``FileNotFoundError`` naming what is missing otherwise."""
        path = os.fspath(path)
        if not os.path.isdir(path):
            raise FileNotFoundError(f"run folder {path!r} does not exist")
        run = cls(path)
        if not os.path.isfile(run.file(cls.CONFIG)):
            raise FileNotFoundError(f"{path!r} is not a run folder: it has no {cls.CONFIG}")
        return run

    @property
    def name(self) -> str:
        return os.path.basename(os.path.normpath(self.path))

    def file(self, name: str) -> str:
        """The path of ``name`` inside the run folder."""
        return os.path.join(self.path, name)

    # ---------------------------------------------------------------- config
    def write_config(self, config: Mapping[str, Any]) -> str:
        """Write ``config.toml`` (see :func:`glassnet.io.dump_config` for what it can hold)."""
        path = self.file(self.CONFIG)
        save_config(config, path)
        return path

    def read_config(self) -> dict[str, Any]:
        """``config.toml`` parsed back."""
        return load_config(self.file(self.CONFIG))

    # --------------------------------------------------------------- metrics
    def write_metrics(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Rewrite ``metrics.csv`` and ``metrics.jsonl`` with ``rows`` (one per epoch)."""
        with atomic_write(self.file(self.METRICS_CSV), "w", encoding="utf-8", newline="") as f:
            f.write(csv_text(list(rows)))
        with atomic_write(self.file(self.METRICS_JSONL), "w", encoding="utf-8", newline="\n") as f:
            f.write(jsonl_text(rows))

    # ----------------------------------------------------------- checkpoints
    def save_checkpoint(
        self,
        which: str,
        *,
        model: Any,
        optimizer: Any = None,
        scheduler: Any = None,
        epoch: int | None = None,
        step: int | None = None,
        config: Mapping[str, Any] | None = None,
        trainer_state: Mapping[str, Any] | None = None,
    ) -> str:
        """Write ``best.safetensors`` or ``last.safetensors``: weights, optimizer, scheduler, epoch, RNG.

        ``config`` goes into the checkpoint's ``extra`` as ``{"config": ...}``
        so a checkpoint copied out of its folder still says which model it is;
        ``trainer_state`` (``Trainer.state_dict()``) as ``{"trainer": ...}``,
        which ``fit(resume_from=...)`` continues from.
        """
        if which not in ("best", "last"):
            raise ValueError(
                f"RunFolder.save_checkpoint: which must be 'best' or 'last', got {which!r}"
            )
        path = self.file(self.BEST if which == "best" else self.LAST)
        extra: dict[str, Any] = {}
        if config is not None:
            extra["config"] = dict(config)
        if trainer_state is not None:
            extra["trainer"] = dict(trainer_state)
        save_checkpoint(
            path,
            model=model,
            optimizer=optimizer,
            scheduler=scheduler,
            epoch=epoch,
            step=step,
            extra=extra or None,
        )
        return path

    def remove_stale_temporaries(self) -> list[str]:
        """Delete the temporary files an interrupted atomic write left (``.NAME.*.tmp``).

        Call it only while no process writes into the folder (e.g. before
        resuming). Returns the names removed.
        """
        removed = []
        for name in sorted(os.listdir(self.path)):
            if name.startswith(".") and name.endswith(".tmp"):
                path = self.file(name)
                if os.path.isfile(path):
                    os.unlink(path)
                    removed.append(name)
        return removed

    # ---------------------------------------------------------------- report
    def write_report(
        self,
        *,
        config: Mapping[str, Any],
        history: Mapping[str, Sequence[Any]],
        final_metrics: Mapping[str, Any],
        cm: np.ndarray | None = None,
        class_names: Sequence[str] | None = None,
        title: str | None = None,
        extra_figures: Mapping[str, bytes] | None = None,
    ) -> tuple[str, list[str]]:
        """Write the PNG figures (with matplotlib) and ``report.html``.

        ``extra_figures`` (file name -> PNG bytes, e.g. explanations already
        written to the run folder) are embedded in the report after the others.

        Returns
        -------
        (str, list of str)
            The report's path and notes (e.g. that figures were skipped).
        """
        figures = _report.write_figures(self.path, history, cm, class_names)
        notes = [] if figures else [_report.NO_PLOT_NOTE]
        if extra_figures:
            figures = {**figures, **extra_figures}
        path = _report.write_report(
            self.file(self.REPORT),
            title=title or f"glassnet run {self.name}",
            config=config,
            history=history,
            final_metrics=final_metrics,
            cm=cm,
            class_names=class_names,
            figures=figures,
            notes=notes,
            sections=_extra_sections(self.path),
        )
        return path, notes

    def __repr__(self) -> str:
        return f"RunFolder({self.path!r})"


def _extra_sections(folder: str) -> list[tuple[str, str]]:
    """Report sections written by callbacks into the run folder (LayerDiagnostics)."""
    body = diagnostics_section(folder)
    return [] if body is None else [("Diagnostics", body)]
