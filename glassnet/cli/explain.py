"""``glassnet explain``: why a trained model classified one test image as it did, as a picture."""

from __future__ import annotations

import argparse
import sys
from typing import IO, Any

import numpy as np

from ..explain.gallery import explain_images, image_logits
from ..explain.plots import plot_image_attribution
from .options import UsageError, add_trained_model_arguments
from .pipeline import load_split, load_trained

__all__ = ["add_parser", "run", "explain_example", "CLI_METHODS"]

#: ``--method`` names: those of :func:`glassnet.explain.gallery.explain_images`, ``ig`` first.
CLI_METHODS = (
    "ig", "saliency", "input_x_gradient", "smoothgrad", "occlusion", "ablation", "gradcam",
    "attention", "lime",
)  # fmt: skip


def add_parser(sub: Any) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "explain",
        help="explain one test image of a trained model (writes a PNG)",
        description=(
            "Load a trained model from a run folder or a checkpoint written by glassnet train, "
            "explain its decision on one test image with an attribution method, and write the "
            "image with the attribution laid over it (attention: the attention weights) as a PNG."
        ),
    )
    add_trained_model_arguments(p, "runs/demo-20261127-101500")
    p.add_argument(
        "--method",
        choices=CLI_METHODS,
        default="ig",
        help="attribution method (default: ig)",
    )
    p.add_argument("--index", default="0", metavar="I", help="test image to explain (default 0)")
    p.add_argument(
        "--target",
        default=None,
        metavar="CLASS",
        help="class to explain (default: the class the model predicts for the image)",
    )
    p.add_argument(
        "--out", default="explain.png", metavar="FILE", help="PNG to write (default explain.png)"
    )
    p.add_argument(
        "--seed", default="0", metavar="N", help="seed of smoothgrad and lime (default 0)"
    )
    return p


def _int_arg(name: str, value: Any) -> int:
    """``value`` as an int >= 0, or a :class:`UsageError` naming ``--name``."""
    try:
        v = int(value)
    except (TypeError, ValueError):
        raise UsageError(f"--{name}: expected an int, got {value!r}") from None
    if v < 0:
        raise UsageError(f"--{name}: expected an int >= 0, got {v}")
    return v


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
    out = out if out is not None else sys.stdout
    if method not in CLI_METHODS:
        raise UsageError(f"--method: expected one of {', '.join(CLI_METHODS)}, got {method!r}")
    t = load_trained("explain", run_dir=run_dir, checkpoint=checkpoint, which=which, data=data)
    model, layout, names = t.model, t.layout, t.class_names
    x, y = load_split(t.data, "test", download=download)
    if not 0 <= index < len(x):
        raise UsageError(
            f"--index: the test split has {len(x)} images (0..{len(x) - 1}), got {index}"
        )
    if target is not None and not 0 <= target < len(names):
        raise UsageError(f"--target: expected a class 0..{len(names) - 1}, got {target}")
    image = x[index : index + 1]
    attr = explain_images(model, image, method, layout=layout, target=target, seed=seed)
    logits = image_logits(model, image, layout=layout)[0]
    pred = int(np.argmax(logits))
    explained = pred if target is None else target
    which_class = " (the predicted class; --target picks another)" if target is None else ""
    title = f"{method}: {names[explained]} (true: {names[int(y[index])]}, predicted: {names[pred]})"
    signed = False if method == "attention" else None  # attention weights are never negative
    plot_image_attribution(image[0], attr[0], out_path, title=title, signed=signed)
    print(
        f"Explained test image {index} of {t.data} (true: {names[int(y[index])]}, predicted: "
        f"{names[pred]}) for class {names[explained]}{which_class} with {method} -> {out_path}",
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
