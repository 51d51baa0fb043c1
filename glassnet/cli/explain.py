"""``glassnet explain``: why a trained model classified one test image as it did, as a picture."""

from __future__ import annotations

import argparse
import os
import sys
from typing import IO, Any

import numpy as np

from ..data.datasets import SPECS
from ..explain.attention import attention_layer_names
from ..explain.gallery import explain_images, image_logits
from ..explain.plots import plot_image_attribution
from ..models.registry import build_model, list_models, to_layout
from ..train import predict
from .explain_own import explain_array, plot_explanation
from .options import DATASETS, UsageError, add_trained_model_arguments
from .outpaths import check_out_file
from .pipeline import load_trained
from .predict import default_out, read_images
from .sources import input_data, spec_of, target_scaler, test_data

__all__ = ["add_parser", "run", "explain_example", "CLI_METHODS"]

#: ``--method`` names: those of :func:`glassnet.explain.gallery.explain_images`, ``ig`` first.
CLI_METHODS = (
    "ig", "saliency", "input_x_gradient", "smoothgrad", "occlusion", "ablation", "gradcam",
    "attention", "lime", "deeplift", "guided_backprop", "shapley",
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
        "--input",
        default=None,
        metavar="PATH",
        help="explain sample --index of this file or folder instead of the test split "
        "(what glassnet predict --input reads)",
    )
    p.add_argument(
        "--target",
        default=None,
        metavar="CLASS",
        help="class to explain, by number or name (default: the class the model predicts)",
    )
    p.add_argument(
        "--out", default=None, metavar="FILE",
        help="PNG to write (default explain.png in the run's folder)",
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
    target: int | str | None = None,
    out_path: str = "explain.png",
    data: str | None = None,
    seed: int = 0,
    download: bool = True,
    out: IO[str] | None = None,
    input_path: str | None = None,
) -> str:
    """Explain test image ``index`` of a trained model (or sample ``index`` of ``input_path``,
    read as ``glassnet predict --input`` reads it); write ``out_path``; return it.

    For a run trained on its own colour images or a table, the methods are those of
    :data:`glassnet.cli.explain_own.OWN_METHODS`; a table's explanation is a bar per feature.
    ``target`` is a class number or a class name (a number in range wins).
    """
    out = out if out is not None else sys.stdout
    if method not in CLI_METHODS:
        raise UsageError(f"--method: expected one of {', '.join(CLI_METHODS)}, got {method!r}")
    _check_paths(out_path, input_path)
    t = load_trained("explain", run_dir=run_dir, checkpoint=checkpoint, which=which, data=data)
    model, names = t.model, t.class_names
    if input_path is not None:
        x, y, what = *_inputs(t, input_path), f"sample {index} of {input_path}"
    else:
        x, y = test_data(t.config, data, download=download)
        what = f"test {'row' if x.ndim == 2 else 'image'} {index} of {t.data}"
    if not 0 <= index < len(x):
        where = f"{input_path!r} has" if input_path is not None else "the test split has"
        unit = "rows" if x.ndim == 2 else "images"
        raise UsageError(f"--index: {where} {len(x)} {unit} (0..{len(x) - 1}), got {index}")
    target = None if target is None else class_index(target, names)
    if method == "attention":
        _check_attention(model, t.config["model"])
    sample = x[index : index + 1]
    attr, logits = _attribute(t, sample, method, target, seed)
    scale = target_scaler(t.config.get("dataset"))
    if scale is not None:  # one output, the predicted number: explained as output 0
        return _explained_value(t, sample, attr, logits, y, index, method, out_path, what, out)
    pred = int(np.argmax(logits))
    explained = pred if target is None else target
    which_class = " (the predicted class; --target picks another)" if target is None else ""
    truth = "" if y is None else f"true: {names[int(y[index])]}, "
    title = f"{method}: {names[explained]} ({truth}predicted: {names[pred]})"
    spec = spec_of(t.config)
    if spec is not None and (spec.kind == "table" or spec.input_shape[0] != 1):
        plot_explanation(sample[0], attr, spec, out_path, title, method)
    else:
        signed = False if method == "attention" else None  # attention weights are never negative
        plot_image_attribution(sample[0], attr[0], out_path, title=title, signed=signed)
    print(
        f"Explained {what} ({truth}predicted: "
        f"{names[pred]}) for class {names[explained]}{which_class} with {method} -> {out_path}",
        file=out,
        flush=True,
    )
    return out_path


def _explained_value(
    t: Any, sample: np.ndarray, attr: np.ndarray, output: np.ndarray, y: np.ndarray | None,
    index: int, method: str, out_path: str, what: str, out: IO[str],
) -> str:  # fmt: skip
    """Plot and report the attribution of a regression model's one output (target's units)."""
    scale = target_scaler(t.config.get("dataset"))
    name = ", ".join(t.class_names)
    pred = float(scale.inverse(np.asarray(output).reshape(-1))[0])  # type: ignore[union-attr]
    truth = "" if y is None else (
        f"true: {float(scale.inverse(np.asarray(y[index]).reshape(-1))[0]):.6g}, "  # type: ignore[union-attr]
    )  # fmt: skip
    title = f"{method}: {name} ({truth}predicted: {pred:.6g})"
    plot_explanation(sample[0], attr, spec_of(t.config), out_path, title, method)
    print(
        f"Explained {what} ({truth}predicted {name}: {pred:.6g}) with {method} -> {out_path}",
        file=out,
        flush=True,
    )
    return out_path


def _check_paths(out_path: str, input_path: str | None) -> None:
    """A :class:`UsageError` before any work for an ``--out`` that is not a PNG or an
    ``--input`` that does not exist."""
    if not os.fspath(out_path).lower().endswith(".png"):
        raise UsageError(
            f"--out: the explanation is written as a PNG picture; expected a path ending in "
            f".png, got {os.fspath(out_path)!r}"
        )
    if input_path is not None and not os.path.exists(input_path):
        raise UsageError(f"--input: {input_path!r} does not exist")
    check_out_file("--out", os.fspath(out_path), "PNG file")


def class_index(target: int | str, names: list[str]) -> int:
    """The class number ``target`` means: a number in ``0..len(names)-1``, else a class name.

    Raises
    ------
    UsageError
        Neither: the message lists the classes.
    """
    text = str(target).strip()
    try:
        number = int(text)
    except ValueError:
        number = None
    if number is not None and 0 <= number < len(names):
        return number
    if text in names:
        return names.index(text)
    shown = ", ".join(names[:12]) + (", ..." if len(names) > 12 else "")
    raise UsageError(
        f"--target: expected a class 0..{len(names) - 1}, got {text} (or a class name: {shown})"
    )


def _inputs(t: Any, path: str) -> tuple[np.ndarray, np.ndarray | None]:
    """``--input``: new samples read as ``glassnet predict`` reads them, so ``--index`` is
    the row of its CSV; a table's or an ``.npz``'s labels are shown when the model knows them."""

    spec = spec_of(t.config)
    if spec is None:
        return read_images(path, SPECS[DATASETS[t.data][0]].image_shape)[0], None
    if spec.kind == "images" and not path.lower().endswith(".npz"):
        return input_data(t.config, path, labels=False)  # every image below the folder
    try:
        return input_data(t.config, path)
    except UsageError:  # labels the model does not know: predict reads such files too
        return input_data(t.config, path, labels=False)


def _attribute(
    t: Any, sample: np.ndarray, method: str, target: int | None, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Attributions of one sample (in its own shape) and the model's logits for it."""

    spec = spec_of(t.config)
    if spec is None or (spec.kind == "images" and spec.input_shape[0] == 1):
        attr = explain_images(t.model, sample, method, layout=t.layout, target=target, seed=seed)
        return attr, image_logits(t.model, sample, layout=t.layout)[0]
    xin = np.ascontiguousarray(to_layout(sample, t.layout))
    logits = predict(t.model, xin)[0]
    explained = int(np.argmax(logits)) if target is None else target  # the predicted class
    attr = explain_array(t.model, xin, method, spec.kind, target=explained, seed=seed)
    if attr.size == sample.size:  # a flat model's attributions, back in the sample's shape
        attr = attr.reshape(sample.shape)
    return attr, logits


def models_with_attention() -> list[str]:
    """The registered models that have an attention layer (built with their defaults)."""

    names = []
    for name in list_models():
        try:
            if attention_layer_names(build_model(name)):
                names.append(name)
        except (TypeError, ValueError):  # a model that cannot be built for 28x28 images
            continue
    return names


def _check_attention(model: Any, name: str) -> None:
    """A :class:`UsageError` naming the models with attention when ``model`` has none."""

    if attention_layer_names(model):
        return
    others = [m for m in CLI_METHODS if m != "attention"]
    raise UsageError(
        f"--method attention: model {name!r} has no attention layer; the models with one are "
        f"{', '.join(models_with_attention())} (train one with --model NAME), or choose "
        f"another method: {', '.join(others)}"
    )


def run(args: argparse.Namespace) -> int:
    explain_example(
        run_dir=args.run,
        checkpoint=args.checkpoint,
        which=args.which,
        method=args.method,
        index=_int_arg("index", args.index),
        target=args.target,
        out_path=args.out or default_out(args.run, args.checkpoint, "explain.png"),
        data=args.data,
        seed=_int_arg("seed", args.seed),
        download=not args.no_download,
        input_path=args.input,
    )
    return 0
