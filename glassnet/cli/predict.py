"""``glassnet predict``: a trained model's classes for images in a file, written as a CSV.

The images come from a ``.npy`` file -- shape ``(N, H, W)``, ``(N, 1, H, W)``
or ``(N, H*W)``, uint8 (scaled by 1/255) or float (used as is, in ``[0, 1]``
like the training data) -- or from an IDX image file such as
``t10k-images-idx3-ubyte`` (optionally ``.gz``), scaled as the data sets are.
``H x W`` is the image size of the run's data set (28 x 28 for MNIST and
Fashion-MNIST). The CSV is written atomically: a bad input or an error leaves
nothing behind.
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import sys
from typing import IO, Any

import numpy as np

from .._fileio import atomic_write
from ..data.datasets import SPECS
from ..data.idx import IDXError, read_idx
from ..data.sources import input_files, npy_size_problem
from ..models.registry import to_layout
from ..train import predict
from .options import (
    DATASETS,
    UsageError,
    add_threads_argument,
    add_trained_model_arguments,
    positive_int,
)
from .outpaths import check_out_file
from .pipeline import load_trained, sliced
from .sources import input_data, spec_of, target_scaler, user_errors

__all__ = ["add_parser", "run", "read_images", "predict_file", "DEFAULT_OUT", "default_out"]

#: Where the CSV goes without ``--out``.
DEFAULT_OUT = "predictions.csv"


def default_out(run_dir: str | None, checkpoint: str | None, name: str) -> str:
    """``name`` in the run's folder (or the checkpoint's), not in the working directory."""
    folder = run_dir if run_dir is not None else os.path.dirname(checkpoint or "")
    return os.path.join(folder, name)
#: IDX files by name: ``t10k-images-idx3-ubyte``, ``train-images.idx3-ubyte``, with ``.gz``.
_IDX_NAME = re.compile(r"idx\d+-ubyte(\.gz)?$", re.IGNORECASE)
#: The first bytes of every ``.npy`` file.
_NPY_MAGIC = b"\x93NUMPY"


def add_parser(sub: Any) -> argparse.ArgumentParser:
    """Add ``glassnet predict`` to the sub-command parsers ``sub``."""
    p = sub.add_parser(
        "predict",
        help="classify images from a .npy or IDX file with a trained model (writes a CSV)",
        description=(
            "Load a trained model from a run folder or a checkpoint written by glassnet train, "
            "classify the images in --input (a .npy file of shape (N, 28, 28), (N, 1, 28, 28) "
            "or (N, 784), uint8 0..255 or float 0..1, or an IDX image file such as "
            "t10k-images-idx3-ubyte[.gz]) and write one CSV row per image: index, predicted "
            "class number, class name and its softmax probability (--top-k adds the runners-up). "
            "A regression run writes index,predicted_<target> in the target's units."
        ),
    )
    add_trained_model_arguments(p, "runs/mlp-20261127-101500", data=False)
    p.add_argument(
        "--input",
        required=True,
        metavar="FILE",
        help="images: a .npy file or an IDX image file (*-images-idx3-ubyte, optionally .gz)",
    )
    p.add_argument(
        "--out",
        default=None,
        metavar="FILE",
        help=f"CSV to write (default {DEFAULT_OUT} in the run's folder)",
    )
    p.add_argument(
        "--batch-size", default="256", metavar="N", help="prediction batch size (default 256)"
    )
    p.add_argument(
        "--top-k",
        default="1",
        metavar="K",
        help="also write the K-1 next most probable classes (default 1)",
    )
    add_threads_argument(p)
    return p


# --------------------------------------------------------------------- input
def _input_error(path: str, what: str) -> UsageError:
    """A bad ``--input`` file: the user's input, so exit status 2 (a ``ValueError`` too)."""
    return UsageError(f"--input: {path!r}: {what}")


def _shapes(image_shape: tuple[int, int]) -> str:
    h, w = image_shape
    return f"(N, {h}, {w}), (N, 1, {h}, {w}) or (N, {h * w})"


def _load_array(path: str) -> np.ndarray:
    """The raw array in ``path``: a ``.npy`` or IDX file (known by its name)."""
    name = os.path.basename(path)
    if name.lower().endswith(".npy"):
        kind = ".npy"
    elif _IDX_NAME.search(name):
        kind = "IDX"
    else:
        raise UsageError(
            f"--input: {path!r}: unknown file type; expected a .npy file or an IDX image file "
            f"(*-images-idx3-ubyte, optionally .gz)"
        )
    if not os.path.exists(path):
        raise UsageError(f"--input: {path!r} does not exist")
    if not os.path.isfile(path):
        raise _input_error(path, f"expected a {kind} file, got a folder")
    if kind == "IDX":
        try:
            return read_idx(path)
        except IDXError as exc:
            raise UsageError(f"--input: {str(exc).removeprefix('read_idx: ')}") from None
    try:
        with open(path, "rb") as f:
            magic = f.read(len(_NPY_MAGIC))
    except OSError as exc:  # permission denied, a device error
        raise _input_error(path, f"cannot be read ({exc.strerror or exc})") from None
    if magic != _NPY_MAGIC:
        got = "a .npz archive" if magic.startswith(b"PK") else "no .npy header"
        raise _input_error(path, f"expected a .npy file (written by numpy.save), got {got}")
    short = npy_size_problem(path)
    if short:
        raise _input_error(path, f"not a readable .npy file: {short}")
    try:
        return np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        detail = " ".join(str(exc).split()) or type(exc).__name__
        if "allow_pickle" in detail:
            detail = "it holds Python objects (dtype object)"
        raise _input_error(path, f"not a readable .npy file: {detail}") from None


def read_images(path: str, image_shape: tuple[int, int] = (28, 28)) -> tuple[np.ndarray, str]:
    """Read and check the images in a ``.npy`` or IDX file, scaled as the data sets are.

    Parameters
    ----------
    path : str
        A ``.npy`` file, or an IDX file whose name ends in ``idx3-ubyte`` (optionally
        ``.gz``; the IDX reader decides compression from the bytes).
    image_shape : tuple of int, default (28, 28)
        ``(H, W)`` of the images the model reads.

    Returns
    -------
    x : ndarray, shape (N, 1, H, W), float32
        uint8 values scaled by 1/255; float values as they are (checked to lie in ``[0, 1]``).
    description : str
        What was read, e.g. ``"uint8 (100, 28, 28), scaled by 1/255"``.

    Raises
    ------
    UsageError
        Naming ``path`` (exit status 2): the file name is neither ``*.npy`` nor an
        IDX name, the file does not exist, is unreadable, empty, of another shape or
        dtype, holds NaN or infinite values, or float values outside ``[0, 1]``.
    """
    array = _load_array(path)
    h, w = image_shape
    shape = tuple(array.shape)
    got = f"{array.dtype} {shape}"
    if array.size == 0:
        raise _input_error(path, f"expected at least one image, got an empty array ({got})")
    if array.dtype != np.uint8 and array.dtype.kind != "f":
        raise _input_error(
            path,
            f"expected uint8 (0..255) or float (0..1) images, got dtype {array.dtype} "
            f"(cast 0..255 values to uint8)",
        )
    n = shape[0] if shape else 0
    if shape not in ((n, h, w), (n, 1, h, w), (n, h * w)):
        raise _input_error(
            path, f"expected images of shape {_shapes(image_shape)}, got shape {shape}"
        )
    if array.dtype == np.uint8:
        x = array.reshape(n, 1, h, w).astype(np.float32)
        x *= np.float32(1.0 / 255.0)  # as glassnet.data.datasets scales them
        return x, f"{got}, scaled by 1/255"
    finite = np.isfinite(array)
    if not finite.all():
        bad = ~finite.reshape(n, -1)
        first = int(np.argmax(bad.any(axis=1)))
        nans = int(np.isnan(array).sum())
        what = f"{nans} NaN" if nans == bad.sum() else f"{int(bad.sum())} NaN or infinite"
        raise _input_error(
            path, f"expected finite values, got {what} value(s) (first in image {first})"
        )
    lo, hi = float(array.min()), float(array.max())
    if lo < 0.0 or hi > 1.0:
        raise _input_error(
            path,
            f"expected float values in [0, 1] like the training data, got values in "
            f"[{lo:g}, {hi:g}] (divide by 255, or pass uint8 0..255)",
        )
    x = np.ascontiguousarray(array.reshape(n, 1, h, w), dtype=np.float32)
    return x, f"{got}, used as is"


# -------------------------------------------------------------------- output
def _check_out(out_path: str, input_path: str) -> None:
    """Fail before any work when ``out_path`` cannot be written."""
    folder = os.path.dirname(out_path)
    if folder and not os.path.isdir(folder):
        raise UsageError(f"--out: {out_path!r}: folder {folder!r} does not exist")
    if os.path.isdir(out_path):
        raise UsageError(f"--out: {out_path!r} is a folder; expected a CSV file name")
    if os.path.exists(out_path) and os.path.exists(input_path):
        if os.path.samefile(out_path, input_path):
            raise UsageError(f"--out: {out_path!r} is the --input file; choose another name")
    check_out_file("--out", out_path, "CSV file")  # a folder that cannot hold files: named now


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax of ``logits (N, C)``, in float64 (stable: the row maximum is subtracted)."""
    z = np.asarray(logits, dtype=np.float64)
    z = z - z.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=1, keepdims=True)
    return z


def _header(top_k: int, files: bool = False) -> list[str]:
    extra = [f"top{r}_{what}" for r in range(2, top_k + 1) for what in ("class", "probability")]
    return ["index", *(["file"] if files else []), "predicted", "class", "probability", *extra]


def _write_csv(
    path: str,
    order: np.ndarray,
    probs: np.ndarray,
    names: list[str],
    top_k: int,
    files: list[str] | None = None,
) -> None:
    rows = np.arange(len(order))[:, None]
    top = probs[rows, order[:, :top_k]]
    with atomic_write(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(_header(top_k, files is not None))
        for i, (classes, p) in enumerate(zip(order[:, :top_k].tolist(), top.tolist())):
            first = [i] if files is None else [i, files[i]]
            row: list[Any] = [*first, classes[0], names[classes[0]], f"{p[0]:.6f}"]
            for c, q in zip(classes[1:], p[1:]):
                row += [names[c], f"{q:.6f}"]
            writer.writerow(row)


def _write_values(path: str, values: np.ndarray, names: list[str]) -> None:
    """The regression CSV: ``index,predicted_<target>`` (values in the target's units)."""
    with atomic_write(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["index", *(f"predicted_{n}" for n in names)])
        for i, row in enumerate(values.tolist()):
            writer.writerow([i, *(format(v, ".10g") for v in row)])


def _predict_values(
    t: Any, x: np.ndarray, description: str, input_path: str, out_path: str,
    batch_size: int, threads: int, out: IO[str],
) -> dict[str, Any]:  # fmt: skip
    """``predict_file`` for a regression run: the values in the target's units, to ``out_path``."""
    scale = target_scaler(t.config.get("dataset"))
    z = predict(sliced(t.model, threads), to_layout(x, t.layout), batch_size=batch_size)
    values = scale.inverse(np.asarray(z).reshape(len(x), -1))  # type: ignore[union-attr]
    _write_values(out_path, values, t.class_names)
    epoch = "" if t.epoch is None else f" (epoch {t.epoch})"
    print(f"Model: {t.config['model']} from {t.path}{epoch}", file=out)
    print(f"Input: {input_path}, {len(x)} rows ({description})", file=out)
    lo, hi = float(values.min()), float(values.max())
    print(f"Predicted {', '.join(t.class_names)}: {lo:.6g} to {hi:.6g}", file=out)
    print(f"Wrote {out_path}", file=out, flush=True)
    return {"values": values, "checkpoint": t.path, "csv": out_path, "files": None}


def _counts(predicted: np.ndarray, names: list[str]) -> str:
    counts = np.bincount(predicted, minlength=len(names))
    return ", ".join(f"{names[c]} {int(k)}" for c, k in enumerate(counts) if k)


def _table_reading(spec: Any) -> str:
    """How a table's columns were read: ``one-hot Sex, Embarked; missing values: mean; standardised ...``."""
    parts = [f"one-hot {', '.join(spec.categories)}"] if spec.categories else []
    if spec.missing != "error":
        parts.append(f"missing values: {spec.missing}")
    return "; ".join(parts + ["standardised as in training"])


def _own_inputs(config: dict[str, Any], path: str) -> tuple[np.ndarray, str, list[str] | None]:
    """Inputs for a run trained on its own data, read as its training data was.

    Returns ``(x, description, files)``: ``files`` names each image read from
    a PNG/JPEG file or a folder (relative to the folder), else None. Labels the
    input carries are not read: predictions need none.
    """

    x, _ = input_data(config, path, labels=False)
    spec = spec_of(config)
    how = (
        _table_reading(spec)
        if spec.kind == "table"
        else f"{spec.fit} to " + "x".join(str(s) for s in spec.input_shape[1:])
    )
    files = None
    if spec.kind == "images" and not path.lower().endswith((".npz", ".npy")):
        base = path if os.path.isdir(path) else os.path.dirname(path)
        files = [os.path.relpath(f, base) for f in user_errors(lambda: input_files(path))]
    return x, f"{spec.kind} {tuple(x.shape)}, {how}", files


# ------------------------------------------------------------------- command
def predict_file(
    *,
    run_dir: str | None = None,
    checkpoint: str | None = None,
    which: str = "best",
    input_path: str,
    out_path: str = DEFAULT_OUT,
    batch_size: int = 256,
    top_k: int = 1,
    out: IO[str] | None = None,
    threads: int = 1,
) -> dict[str, Any]:
    """Classify the images in ``input_path`` with a trained model; write a CSV and print a summary.

    Parameters
    ----------
    run_dir, checkpoint : str, optional
        Exactly one: a run folder or a checkpoint written by ``glassnet train``.
    which : {"best", "last"}, default "best"
        The checkpoint of a run folder.
    input_path : str
        The images (see :func:`read_images`); their size is that of the run's data set.
    out_path : str, default "predictions.csv"
        The CSV: ``index,predicted,class,probability`` (``index,file,...`` for
        PNG/JPEG inputs, ``file`` relative to the input folder) and, with ``top_k > 1``,
        ``top2_class,top2_probability,...``; written atomically.
    batch_size : int, default 256
    top_k : int, default 1
        Classes per row, most probable first (at most the number of classes).
    out : file-like, optional
        Where the summary goes (default ``sys.stdout``).
    threads : int, default 1
        Slice each batch over this many threads (``nn.DataParallel``).

    Returns
    -------
    dict
        For a regression run: ``values`` (ndarray (N, 1), the target's units),
        ``checkpoint``, ``csv`` and ``files`` (None); the CSV is
        ``index,predicted_<target>``. Otherwise ``predicted`` (ndarray (N,) of class numbers), ``probabilities``
        (ndarray (N, C), softmax), ``class_names``, ``checkpoint`` (the file read)
        ``csv`` (``out_path``) and ``files`` (the image file of each row, when
        the input is PNG/JPEG files of a run trained on its own images; else None).
    """
    out = out if out is not None else sys.stdout
    batch_size = positive_int("batch_size", batch_size)
    top_k = positive_int("top_k", top_k)
    threads = positive_int("threads", threads)
    # the model first: a missing --run folder is named as such, not as --out's missing folder
    t = load_trained("predict", run_dir=run_dir, checkpoint=checkpoint, which=which)
    _check_out(out_path, input_path)
    names = t.class_names
    regression = target_scaler(t.config.get("dataset")) is not None
    if regression and top_k > 1:
        raise UsageError(
            f"--top-k: the model predicts a number ({', '.join(names)}), not classes; "
            f"expected --top-k 1 (the default), got {top_k}"
        )
    if top_k > len(names):
        raise UsageError(
            f"--top-k: the model has {len(names)} classes, so at most {len(names)}, got {top_k}"
        )
    if isinstance(t.config.get("dataset"), dict):  # trained on the user's own data
        x, description, files = _own_inputs(t.config, input_path)
    else:
        image_shape = SPECS[DATASETS[t.data][0]].image_shape
        (x, description), files = read_images(input_path, image_shape), None
    model = t.model
    if t.config.get("device", "cpu") != "cpu":
        model.to(t.config["device"])  # batches follow the model
    if regression:
        return _predict_values(
            t, x, description, input_path, out_path, batch_size, threads, out
        )
    logits = predict(sliced(model, threads), to_layout(x, t.layout), batch_size=batch_size)
    order = np.argsort(-logits, axis=1, kind="stable")  # ties: the lower class, as argmax
    probs = softmax(logits)
    predicted = order[:, 0]
    _write_csv(out_path, order, probs, names, top_k, files)
    epoch = "" if t.epoch is None else f" (epoch {t.epoch})"
    print(f"Model: {t.config['model']} from {t.path}{epoch}", file=out)
    unit = "rows" if x.ndim == 2 and isinstance(t.config.get("dataset"), dict) else "images"
    print(f"Input: {input_path}, {len(x)} {unit} ({description})", file=out)
    print(f"Predicted: {_counts(predicted, names)}", file=out)
    print(f"Wrote {out_path}", file=out, flush=True)
    return {
        "predicted": predicted,
        "probabilities": probs,
        "class_names": names,
        "checkpoint": t.path,
        "csv": out_path,
        "files": files,
    }


def run(args: argparse.Namespace) -> int:
    """``glassnet predict`` with parsed ``args``; returns the exit status."""
    predict_file(
        run_dir=args.run,
        checkpoint=args.checkpoint,
        which=args.which,
        input_path=args.input,
        out_path=args.out or default_out(args.run, args.checkpoint, DEFAULT_OUT),
        batch_size=args.batch_size,
        top_k=args.top_k,
        threads=args.threads,
    )
    return 0
