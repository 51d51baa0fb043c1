"""``glassnet explain``: why a trained model classified one test image as it did, as a picture."""

from __future__ import annotations

import argparse
import os
import sys
from typing import IO, Any

import numpy as np

__all__ = ["add_parser", "run", "explain_example", "CLI_METHODS"]

#: ``--method`` names -> the names of :func:`glassnet.explain.gallery.explain_images`.
CLI_METHODS = {
    "ig": "ig",
    "saliency": "saliency",
    "smoothgrad": "smoothgrad",
    "occlusion": "occlusion",
    "gradcam": "gradcam",
    "attention": "attention",
    "lime": "lime",
}


def add_parser(sub: Any) -> argparse.ArgumentParser:
    from .options import DATASETS

    p = sub.add_parser(
        "explain",
        help="explain one test image of a trained model (writes a PNG)",
        description=(
            "Load a trained model from a run folder or a checkpoint written by glassnet train, "
            "explain its decision on one test image with an attribution method, and write the "
            "image with the attribution laid over it (attention: the attention weights) as a PNG."
        ),
    )
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument(
        "--run", metavar="RUN_FOLDER", help="a run folder, e.g. runs/demo-20261127-101500"
    )
    src.add_argument(
        "--checkpoint", metavar="FILE", help="a checkpoint (.safetensors) from glassnet train"
    )
    p.add_argument(
        "--which",
        choices=("best", "last"),
        default="best",
        help="checkpoint of a run folder (default: best)",
    )
    p.add_argument(
        "--method",
        choices=tuple(CLI_METHODS),
        default="ig",
        help="attribution method (default: ig)",
    )
    p.add_argument("--index", default="0", metavar="I", help="test image to explain (default 0)")
    p.add_argument(
        "--target",
        default=None,
        metavar="CLASS",
        help="class to explain (default: the predicted one)",
    )
    p.add_argument(
        "--out", default="explain.png", metavar="FILE", help="PNG to write (default explain.png)"
    )
    p.add_argument(
        "--data", choices=tuple(DATASETS), default=None, help="data set (default: the run's)"
    )
    p.add_argument(
        "--seed", default="0", metavar="N", help="seed of smoothgrad and lime (default 0)"
    )
    p.add_argument(
        "--no-download", action="store_true", help="fail instead of downloading missing data"
    )
    return p


def _int_arg(name: str, value: Any, lo: int = 0) -> int:
    from .options import UsageError

    try:
        v = int(value)
    except (TypeError, ValueError):
        raise UsageError(f"--{name}: expected an int, got {value!r}") from None
    if v < lo:
        raise UsageError(f"--{name}: expected an int >= {lo}, got {v}")
    return v


def _config_and_checkpoint(run_dir: str | None, checkpoint: str | None, which: str) -> tuple:
    from ..io.checkpoint import load_checkpoint
    from ..train.runs import RunFolder
    from .options import UsageError

    if (run_dir is None) == (checkpoint is None):
        raise UsageError("explain: give exactly one of --run RUN_FOLDER or --checkpoint FILE")
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
            "metadata); explain it with --run RUN_FOLDER instead"
        )
    return config, checkpoint


def explain_example(
    *,
    run_dir: str | None = None,
    checkpoint: str | None = None,
    which: str = "best",
    method: str = "ig",
    index: int = 0,
    target: int | None = None,
    out_path: str = "explain.png",
    data: str | None = None,
    seed: int = 0,
    download: bool = True,
    out: IO[str] | None = None,
) -> str:
    """Explain test image ``index`` of a trained model; write ``out_path``; return it."""
    from ..explain.gallery import explain_images, image_logits
    from ..explain.plots import plot_image_attribution
    from ..io.checkpoint import load_checkpoint
    from .options import DATASETS, UsageError
    from .pipeline import build_model, class_names, load_split

    out = out if out is not None else sys.stdout
    if method not in CLI_METHODS:
        raise UsageError(f"--method: expected one of {', '.join(CLI_METHODS)}, got {method!r}")
    config, path = _config_and_checkpoint(run_dir, checkpoint, which)
    data = data or config.get("data")
    if data not in DATASETS:
        raise UsageError(f"--data: expected one of {', '.join(DATASETS)}, got {data!r}")
    names = class_names(data)
    model, layout = build_model(config, len(names))
    load_checkpoint(path, model=model, restore_rng=False)
    x, y = load_split(data, "test", download=download)
    if not 0 <= index < len(x):
        raise UsageError(
            f"--index: the test split has {len(x)} images (0..{len(x) - 1}), got {index}"
        )
    if target is not None and not 0 <= target < len(names):
        raise UsageError(f"--target: expected a class 0..{len(names) - 1}, got {target}")
    image = x[index : index + 1]
    attr = explain_images(
        model, image, CLI_METHODS[method], layout=layout, target=target, seed=seed
    )
    logits = image_logits(model, image, layout=layout)[0]
    pred = int(np.argmax(logits))
    explained = pred if target is None else target
    title = f"{method}: {names[explained]} (true: {names[int(y[index])]}, predicted: {names[pred]})"
    signed = False if method == "attention" else None  # attention weights are never negative
    plot_image_attribution(image[0], attr[0], out_path, title=title, signed=signed)
    print(
        f"Explained test image {index} of {data} (true: {names[int(y[index])]}, predicted: "
        f"{names[pred]}) for class {names[explained]} with {method} -> {out_path}",
        file=out,
        flush=True,
    )
    return out_path


def run(args: argparse.Namespace) -> int:
    explain_example(
        run_dir=args.run,
        checkpoint=args.checkpoint,
        which=args.which,
        method=args.method,
        index=_int_arg("index", args.index),
        target=None if args.target is None else _int_arg("target", args.target),
        out_path=args.out,
        data=args.data,
        seed=_int_arg("seed", args.seed),
        download=not args.no_download,
    )
    return 0
