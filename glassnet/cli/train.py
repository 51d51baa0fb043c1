"""``glassnet train``: train a registered model on an image data set into a run folder."""

from __future__ import annotations

import argparse
from typing import Any

from .options import TRAIN_OPTIONS

__all__ = ["add_parser", "run"]

EXAMPLE = """examples:
  glassnet train --model mlp --data fashion-mnist-sample --epochs 5
  glassnet train --model seed-cnn --data fashion-mnist --epochs 6 --augment --schedule cosine
  glassnet train --config experiment.toml --lr 3e-4      (flags override the file's keys)
"""


def add_parser(sub: Any) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "train",
        help="train a model and write a run folder",
        description="Train a model; writes runs/NAME/ with config.toml, metrics, checkpoints and report.html.",
        epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    for opt in TRAIN_OPTIONS:
        default_text = "" if opt.default is None else f" (default: {opt.default})"
        if opt.key == "augment":
            p.add_argument(
                opt.flag, action=argparse.BooleanOptionalAction, default=None,
                help=opt.help + default_text,
            )  # fmt: skip
        else:
            p.add_argument(
                opt.flag, default=None, metavar=opt.metavar, help=opt.help + default_text
            )
    p.add_argument("--config", metavar="FILE.toml", help="read options from a TOML file")
    p.add_argument(
        "--no-download", action="store_true", help="fail instead of downloading missing data"
    )
    p.add_argument("--quiet", action="store_true", help="no per-epoch progress")
    return p


def run(args: argparse.Namespace) -> int:
    from .options import resolve_config
    from .pipeline import train_run

    flags = {opt.key: getattr(args, opt.key) for opt in TRAIN_OPTIONS}
    config = resolve_config(flags, args.config)
    train_run(config, verbose=0 if args.quiet else 1, download=not args.no_download)
    return 0
