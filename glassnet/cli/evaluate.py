"""``glassnet evaluate``: test loss, accuracy and confusion matrix of a trained model
(MSE, RMSE, MAE and R² in the target's units for a regression run)."""

from __future__ import annotations

import argparse
from typing import Any

from .options import add_threads_argument, add_trained_model_arguments, positive_int
from .pipeline import evaluate_checkpoint

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "evaluate",
        help="evaluate a run's (or a checkpoint's) model on the test split",
        description=(
            "Load a trained model from a run folder (its config.toml says which model) or from a "
            "checkpoint written by glassnet train, and print loss, accuracy and the confusion matrix "
            "(a regression run: MSE, RMSE, MAE and R2 in the target's units)."
        ),
    )
    add_trained_model_arguments(p, "runs/mlp-20261127-101500")
    p.add_argument(
        "--batch-size", default="256", metavar="N", help="evaluation batch size (default 256)"
    )
    add_threads_argument(p)
    return p


def run(args: argparse.Namespace) -> int:
    evaluate_checkpoint(
        run_dir=args.run,
        checkpoint=args.checkpoint,
        which=args.which,
        data=args.data,
        batch_size=positive_int("batch_size", args.batch_size),
        download=not args.no_download,
        threads=positive_int("threads", args.threads),
    )
    return 0
