"""Where the commands' data comes from: a built-in data set by name, or the user's own files.

``--data`` is a name of :data:`~glassnet.cli.options.DATASETS` or a path
(an image folder, a ``.npz`` or a ``.csv``; see :mod:`glassnet.data.sources`).
A run trained on a path records how the data was read in its configuration
(the ``dataset`` table), and ``evaluate``, ``predict`` and ``explain`` read
new files the same way. Bad files give a :class:`UsageError` (exit status 2)
naming the file.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from ..data import datasets
from ..data.errors import DataError
from ..data.regression import TargetScaler
from ..data.sources import DataSpec, holdout_split, open_data, read_inputs
from ..data.tables import label_value
from .options import DATASETS, UsageError

__all__ = [
    "RunData", "open_run_data", "test_data", "input_data", "spec_of", "user_errors",
    "load_split", "class_names", "as_options", "is_regression", "target_scaler", "task_line",
]  # fmt: skip

T = TypeVar("T")

#: Options that say how the user's own data (``--data PATH``) is read.
OWN_DATA_OPTIONS = ("target", "image_size", "image_fit", "categorical", "missing", "ignore")


def load_split(data: str, split: str, *, download: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """``(x (N, 1, 28, 28) float32, y (N,) int64)`` of ``data``'s ``split`` ("train"/"test")."""
    if data not in DATASETS:
        raise UsageError(f"--data: expected one of {', '.join(DATASETS)}, got {data!r}")
    fn, kwargs = DATASETS[data]
    if not kwargs.get("sample"):
        kwargs = {**kwargs, "download": download}
    try:
        return getattr(datasets, fn)(split, **kwargs)
    except FileNotFoundError as exc:
        if download:
            raise
        found = str(exc).split("\nPass download=True")[0]  # where it looked, not the Python advice
        raise FileNotFoundError(
            f"--data {data}: {found.split(': ', 1)[-1]};\ndrop --no-download to download it, set "
            f"GLASSNET_DATA to a folder that holds it, or use --data fashion-mnist-sample (the "
            f"embedded sample, no download)"
        ) from None


def class_names(data: str) -> list[str]:
    if DATASETS[data][0] == "fashion_mnist":
        return list(datasets.FASHION_MNIST_CLASSES)
    return list(datasets.MNIST_CLASSES)


def as_options(config: Any) -> dict[str, Any]:
    """A configuration as a plain dict of its options (a dict, or an object with ``to_dict()``)."""
    to_dict = getattr(config, "to_dict", None)
    return dict(to_dict()) if callable(to_dict) else dict(config)


def is_regression(dataset: Mapping[str, Any] | None) -> bool:
    """Whether a run's ``dataset`` table (None: a built-in data set) describes a regression target."""
    return isinstance(dataset, Mapping) and dataset.get("task") == "regression"


def target_scaler(dataset: Mapping[str, Any] | None) -> TargetScaler | None:
    """The regression target's scaling recorded in a run's ``dataset`` table (None for classes)."""
    return spec_of({"dataset": dataset}).target_scaler if is_regression(dataset) else None


def task_line(config: Mapping[str, Any], dataset: Mapping[str, Any] | None) -> str | None:
    """The line ``glassnet train`` prints on the task it chose for a table or an ``.npz``, and why.

    None for a built-in data set and an image folder (classes by folder).
    """
    if not isinstance(dataset, Mapping) or os.path.isdir(str(dataset.get("source", ""))):
        return None
    task = dataset.get("task", "classification")
    where = f"column {dataset['target']!r}" if dataset.get("target") else "y"
    if config.get("task") not in (None, "auto"):
        return f"Task: {task} (--task {task})"
    if task == "regression":
        return (
            f"Task: regression: {where} holds numbers that are not all whole "
            "(--task classification treats each value as a class)"
        )
    classes = list(dataset.get("classes") or [])
    if all(label_value(str(c)) is not None for c in classes):
        return (
            f"Task: classification: {where} holds whole numbers, {len(classes)} classes "
            "(--task regression predicts the number itself)"
        )
    return f"Task: classification: {where} holds text labels, {len(classes)} classes"


def user_errors(fn: Callable[[], T]) -> T:
    """``fn()``, with a :class:`DataError` (a bad file) turned into a :class:`UsageError`."""
    try:
        return fn()
    except DataError as exc:
        raise UsageError(str(exc)) from None


@dataclass
class RunData:
    """A run's data: ``train``/``test`` as ``(x, y)``, class names, and its description.

    ``dataset`` is None for a built-in data set, else the
    :class:`~glassnet.data.sources.DataSpec` as a dict (kept in ``config.toml``).
    """

    train: tuple[np.ndarray, np.ndarray]
    test: tuple[np.ndarray, np.ndarray]
    classes: list[str]
    dataset: dict[str, Any] | None

    @property
    def unit(self) -> str:
        """What one sample is, in the progress line: ``images`` or ``rows``."""
        return "rows" if self.dataset and self.dataset["kind"] == "table" else "images"


def _builtin(data: str, *, download: bool) -> RunData:
    return RunData(
        load_split(data, "train", download=download),
        load_split(data, "test", download=download),
        class_names(data),
        None,
    )


def open_run_data(config: Any, *, download: bool = True) -> RunData:
    """The data of a ``glassnet train`` configuration (``data`` and :data:`OWN_DATA_OPTIONS`)."""
    config = as_options(config)
    data = config["data"]
    if data in DATASETS:
        if config.get("task") == "regression":
            raise UsageError(f"--task regression: {data!r} holds classes; it applies to your own "
                             "data (--data FILE.csv with a numeric --target, or an .npz)")  # fmt: skip
        for key in OWN_DATA_OPTIONS:
            if config.get(key) is not None:
                flag = "--" + key.replace("_", "-")
                raise UsageError(f"{flag}: applies to your own data (--data PATH), not {data!r}")
        return _builtin(data, download=download)
    loaded = user_errors(
        lambda: open_data(
            data,
            target=config.get("target"),
            image_size=config.get("image_size"),
            fit=config.get("image_fit") or "resize",
            categorical=config.get("categorical"),
            missing=config.get("missing"),
            ignore=config.get("ignore"),
            task=config.get("task") or "auto",
        )  # fmt: skip
    )
    if loaded.spec.kind == "table" and config.get("augment"):
        raise UsageError(f"--augment: shifts and flips images; {data!r} is a table")
    return RunData(loaded.train, loaded.test, loaded.spec.classes, loaded.spec.to_dict())


def spec_of(config: Mapping[str, Any]) -> Any:
    """The run's :class:`~glassnet.data.sources.DataSpec`, or None for a built-in data set."""
    table = config.get("dataset")
    return DataSpec.from_dict(table) if isinstance(table, Mapping) else None


def test_data(
    config: Mapping[str, Any], data: str | None = None, *, download: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """The test samples of a trained run: its own data's test split, or all of ``data``.

    ``data`` may be a built-in name, the run's own path (its test split,
    prepared with the statistics recorded in the run) or another labelled
    path read like the training data.
    """
    spec = spec_of(config)
    if spec is not None and (data is None or os.path.abspath(data) == spec.source):
        if not os.path.exists(spec.source):  # moved or deleted since the run trained
            raise UsageError(
                f"{spec.source!r}: the data the run trained on is gone (no such file or "
                "folder); put it back, or evaluate on another labelled file with --data PATH"
            )
        return user_errors(lambda: holdout_split(spec))
    data = data or config.get("data")
    if data in DATASETS:
        if spec is not None:
            raise UsageError(
                f"--data: the model was trained on {spec.source!r} ({spec.describe()}), "
                f"not on {data!r}"
            )
        return load_split(data, "test", download=download)
    if spec is None:
        raise UsageError(
            f"--data: the model was trained on {config.get('data')!r}; expected one of "
            f"{', '.join(DATASETS)}, got {data!r}"
        )
    x, y = user_errors(lambda: read_inputs(data, spec, drop_missing=True))
    if y is None:
        what = "target values" if spec.task == "regression" else "class labels"
        raise UsageError(f"--data: {data!r} has no {what} to evaluate against")
    return x, y


def input_data(
    config: Mapping[str, Any], path: str, *, labels: bool = True
) -> tuple[np.ndarray, np.ndarray | None]:
    """New inputs for a run trained on its own data (``glassnet predict --input PATH``).

    ``labels=False`` (``predict``) leaves the labels the input may carry unread
    (:func:`glassnet.data.sources.read_inputs`).
    """
    spec = spec_of(config)
    return user_errors(lambda: read_inputs(path, spec, labels=labels))
