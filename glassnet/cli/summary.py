"""``glassnet summary``: the layer table of a registered model, a config file's model or a run's."""

from __future__ import annotations

import argparse
import json
from typing import Any

import numpy as np

from ..models.registry import to_layout
from ..train.runs import RunFolder
from .checkpoints import check_run_path, user_checkpoint
from .options import DATASETS, TrainConfig, UsageError, int_list, positive_int, resolve_config
from .pipeline import build_model, class_names, complete_config, default_model_name
from .sources import as_options, open_run_data

__all__ = ["add_parser", "run", "model_for_summary"]


def add_parser(sub: Any) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "summary",
        help="print a model's layers: output shapes, parameters, FLOPs, activation memory",
        description=(
            "Build a model (by name, from a config file, or a run folder's config.toml), run it "
            "once on zeros and print one row per layer with its output shape, parameters "
            "(trainable/frozen), FLOPs (2 x multiply-adds) and activation memory, then totals."
        ),
    )
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--model", metavar="NAME", help="a registered model, e.g. seed-cnn")
    src.add_argument("--config", metavar="FILE", help="a TOML config as glassnet train reads it")
    src.add_argument("--run", metavar="RUN_FOLDER", help="a run folder (its config.toml)")
    p.add_argument(
        "--batch-size", default="1", metavar="N", help="batch size of the input (default 1)"
    )
    p.add_argument(
        "--input-shape",
        default=None,
        metavar="DIMS",
        help="input shape without the batch dimension, e.g. 1,28,28 (default: the model's layout)",
    )
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    return p


def _config(args: argparse.Namespace) -> dict[str, Any]:
    if args.model is not None:
        return resolve_config({"model": args.model})
    if args.config is not None:
        return resolve_config({}, args.config)
    check_run_path("--run", args.run)
    with user_checkpoint("--run"):
        return RunFolder.open(args.run).read_config()


def model_for_summary(config: TrainConfig | dict[str, Any]) -> tuple[Any, tuple[int, ...]]:
    """The configured model and one example's input shape.

    ``config`` is a TrainConfig, a dict of options or a run's record. A run trained on
    the user's own data records its classes and sample shape (the ``dataset`` table);
    a configuration whose ``data`` is a path of the user's own is opened as ``glassnet
    train`` opens it, for the same; otherwise the model reads 28x28 greyscale images.
    """
    config = as_options(config)
    dataset = config.get("dataset")
    dataset = dataset if isinstance(dataset, dict) and dataset.get("input_shape") else None
    data = config.get("data")
    if dataset is None and data is not None and data not in DATASETS:
        # the user's own files, not yet trained on: read as train reads them
        dataset = open_run_data(config).dataset
        config = {**config, "model": config.get("model") or default_model_name(data)}
    if dataset is not None:  # the record has what the model needs; the data may be gone
        config = {k: v for k, v in config.items() if k not in ("data", "dataset", "run")}
    config = complete_config(config)
    options = config.to_dict()
    data = options.get("data")
    if dataset is not None:
        num_classes = len(dataset.get("classes") or ()) or int(options.get("num_classes", 10))
        sample = tuple(int(d) for d in dataset["input_shape"])
    else:
        num_classes = (
            len(class_names(data)) if data in DATASETS else int(options.get("num_classes", 10))
        )
        sample = (1, 28, 28)
    model, layout = build_model(config, num_classes, input_shape=dataset and sample)
    shape = to_layout(np.zeros((1, *sample), dtype=np.float32), layout).shape[1:]
    return model, tuple(shape)


def _dims(text: str) -> tuple[int, ...]:
    return tuple(int_list("input_shape", text))


def run(args: argparse.Namespace) -> int:
    batch = positive_int("batch_size", args.batch_size)
    dims = _dims(args.input_shape) if args.input_shape is not None else None
    model, shape = model_for_summary(_config(args))
    try:
        summary = model.summary((batch, *(dims or shape)))
    except ValueError as exc:
        if dims is None:
            raise
        raise UsageError(f"--input-shape: {exc}") from None
    print(json.dumps(summary.to_dict(), indent=2) if args.json else summary)
    return 0
