"""``glassnet lr-find``: the learning-rate range test on a model and data set, with its plot."""

from __future__ import annotations

import argparse
import json
import math
import os
from typing import Any

from .._fileio import atomic_write
from ..models.registry import to_layout
from ..random import manual_seed
from ..train.loop import resolve_optimizer
from ..train.lr_finder import DEFAULT_RULE, RULES, lr_find
from ..train.report import matplotlib_available
from ..train.runs import default_run_name
from .options import (
    OPTIONS_BY_KEY,
    TrainConfig,
    UsageError,
    positive_float,
    positive_int,
    resolve_config,
)
from .outpaths import check_out_folder
from .pipeline import build_model, complete_config, run_loss
from .sources import open_run_data

__all__ = ["add_parser", "run", "lr_find_run"]

#: Options of ``glassnet train`` that lr-find also takes (same validators, same config keys).
SHARED = (
    "model", "data", "target", "categorical", "missing", "ignore", "image_size", "image_fit",
    "batch_size", "optimizer",
    "weight_decay", "hidden", "dropout", "seed", "runs_dir",
)  # fmt: skip


def add_parser(sub: Any) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "lr-find",
        help="learning-rate range test: sweep the LR on a copy of the model, suggest one",
        description=(
            "Train a copy of the model for a few hundred steps while the learning rate grows "
            "exponentially; stop when the smoothed loss diverges (4x its minimum); print the "
            "suggested rate and write lr_find.png, .csv and .json under runs/. --data takes "
            "what glassnet train takes: a built-in data set, an image folder, a .npz or a "
            ".csv (with --target)."
        ),
    )
    for key in SHARED:
        opt = OPTIONS_BY_KEY[key]
        default_text = "" if opt.default is None else f" (default: {opt.default})"
        p.add_argument(opt.flag, default=None, metavar=opt.metavar, help=opt.help + default_text)
    p.add_argument("--config", metavar="FILE.toml", help="read the model and data from a config")
    p.add_argument("--steps", default="200", metavar="N", help="steps of the sweep (default 200)")
    p.add_argument("--start-lr", default="1e-7", metavar="LR", help="first rate (default 1e-7)")
    p.add_argument("--end-lr", default="10", metavar="LR", help="last rate (default 10)")
    p.add_argument(
        "--rule",
        default=DEFAULT_RULE,
        choices=list(RULES),
        help=f"which rule's rate is the suggestion (default {DEFAULT_RULE}; all are printed)",
    )
    p.add_argument(
        "--out",
        default=None,
        metavar="DIR",
        help="output folder (default RUNS_DIR/lr-find-MODEL-DATE-TIME)",
    )
    p.add_argument(
        "--no-download", action="store_true", help="fail instead of downloading missing data"
    )
    return p


def _options(args: argparse.Namespace) -> tuple[dict[str, Any], dict[str, Any]]:
    config = resolve_config({k: getattr(args, k) for k in SHARED}, args.config)
    sweep = {
        "num_steps": positive_int("steps", args.steps),
        "start_lr": positive_float("start_lr", args.start_lr),
        "end_lr": positive_float("end_lr", args.end_lr),
        "rule": args.rule,
    }
    if sweep["num_steps"] < 5:
        raise UsageError(f"--steps: expected at least 5, got {args.steps!r}")
    if sweep["end_lr"] <= sweep["start_lr"]:
        raise UsageError(f"--end-lr: must exceed --start-lr ({args.start_lr}), got {args.end_lr!r}")
    return config, sweep


def lr_find_run(
    config: dict[str, Any], sweep: dict[str, Any], out: str | None = None, *, download: bool = True
) -> tuple[Any, str]:
    """Run the range test for ``config``'s model and training data; write the files to ``out``.

    The data is read as ``glassnet train`` reads it: a built-in data set, or
    your own image folder, ``.npz`` or ``.csv`` (``target``, ``image_size``,
    ``image_fit``), whose training split the sweep uses. Without ``model`` the
    default is ``train``'s (``small-cnn`` for images, ``mlp`` for tables).

    Returns
    -------
    (LRFindResult, str)
        The result and the folder written.
    """
    config = complete_config(config if isinstance(config, TrainConfig) else TrainConfig(**config))
    options = config.to_dict()
    manual_seed(config["seed"])
    data = open_run_data(config, download=download)
    x, y = data.train
    shape = (data.dataset or {}).get("input_shape")
    model, layout = build_model(config, len(data.classes), shape)
    hyper = {"lr": 1e-3}
    if options.get("weight_decay"):
        hyper["weight_decay"] = config["weight_decay"]
    optimizer = resolve_optimizer("lr-find", config["optimizer"], model, **hyper)
    folder = out or os.path.join(config["runs_dir"], default_run_name(f"lr-find-{config['model']}"))
    result = lr_find(
        model, (to_layout(x, layout), y), optimizer=optimizer, batch_size=config["batch_size"],
        seed=config["seed"], loss=run_loss(data.dataset), **sweep,
    )  # fmt: skip
    os.makedirs(folder, exist_ok=True)  # only once the sweep ran: a failed one leaves nothing
    if matplotlib_available():
        result.plot(os.path.join(folder, "lr_find.png"))
    with atomic_write(os.path.join(folder, "lr_find.csv"), "w", encoding="utf-8") as f:
        f.write(result.csv_text())
    record = {**result.to_dict(), "model": config["model"], "data": config["data"]}
    if data.dataset is not None:
        record["dataset"] = data.dataset
    with atomic_write(os.path.join(folder, "lr_find.json"), "w", encoding="utf-8") as f:
        json.dump(record, f, indent=1)
    return result, folder


def run(args: argparse.Namespace) -> int:
    config, sweep = _options(args)
    if args.out is not None:
        check_out_folder("--out", args.out)
    result, folder = lr_find_run(config, sweep, args.out, download=not args.no_download)
    how = "stopped early: the loss diverged" if result.stopped_early else "no divergence"
    others = ", ".join(f"{k} {v:.3g}" for k, v in result.suggestions.items() if k != result.rule)
    found = math.isfinite(result.suggestion)
    suggested = (
        f"{result.suggestion:.3g} ({result.rule}: {RULES[result.rule]})"
        if found
        else "none (the warning above says why)"
    )
    print(
        f"lr-find: {len(result.lrs)} steps from {result.lrs[0]:.2g} to {result.lrs[-1]:.2g} ({how})\n"
        f"suggested learning rate: {suggested}\n"
        + (f"other rules: {others}\n" if found else "")
        + f"wrote {folder}/lr_find.csv, lr_find.json"
        + (", lr_find.png" if os.path.isfile(os.path.join(folder, "lr_find.png")) else "")
    )
    return 0 if found else 1
