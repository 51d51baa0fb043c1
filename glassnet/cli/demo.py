"""``glassnet demo``: the seed CNN on the embedded Fashion-MNIST sample, in about a minute."""

from __future__ import annotations

import argparse
from typing import Any

from ..train.runs import default_run_name
from .options import resolve_config
from .pipeline import train_run

__all__ = ["add_parser", "run", "DEMO_EPOCHS"]

#: Epochs of the demo: enough for the seed CNN to pass 0.80 test accuracy on the sample.
DEMO_EPOCHS = 6
#: Test images (of different classes) the demo explains next to its results.
DEMO_EXPLAIN = 4


def add_parser(sub: Any) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "demo",
        help="train the seed CNN on the embedded Fashion-MNIST sample (no download)",
        description=(
            "Train the seed article's CNN on the class-balanced Fashion-MNIST sample shipped "
            "with glassnet (5,400 train / 600 validation / 1,000 test images); prints progress, "
            "the test accuracy and where the run folder and its report are, and explains a few "
            "test images (saliency, integrated gradients, Grad-CAM) in the run folder's explain/."
        ),
    )
    p.add_argument("--epochs", default=None, metavar="N", help=f"epochs (default {DEMO_EPOCHS})")
    p.add_argument(
        "--runs-dir", default=None, metavar="DIR", help="folder for run folders (default: runs)"
    )
    p.add_argument("--seed", default=None, metavar="N", help="random seed (default 0)")
    return p


def run(args: argparse.Namespace) -> int:
    flags = {
        "model": "seed-cnn",
        "data": "fashion-mnist-sample",
        "epochs": args.epochs if args.epochs is not None else DEMO_EPOCHS,
        "runs_dir": args.runs_dir,
        "seed": args.seed if args.seed is not None else 0,
        "name": default_run_name("demo"),
    }
    train_run(resolve_config(flags), command="demo", explain=DEMO_EXPLAIN)
    return 0
