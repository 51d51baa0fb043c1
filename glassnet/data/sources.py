"""Your own data: an image folder, an ``.npz`` or a ``.csv``, opened as train/test arrays.

:func:`open_data` reads what ``glassnet train --data PATH`` and
``fit(model, open_data(PATH).train, ...)`` train on; the :class:`DataSpec`
it returns records how the data was read (classes, image size, feature
names, standardisation statistics of the training split). The run keeps it
(``[dataset]`` in ``config.toml`` and in each checkpoint), so
:func:`read_inputs` prepares new files -- for ``glassnet predict``,
``evaluate`` and ``explain`` -- exactly as the training data was.

=================  ===========================================================
``--data``         read as
=================  ===========================================================
``FOLDER/``        class subfolders of images (PNG, JPEG, ...); with ``train/`` and
                   ``test/`` (or ``val/``) subfolders those are the splits
``FILE.npz``       arrays ``x`` and ``y`` (optionally ``x_test``, ``y_test``):
                   ``x`` of shape ``(N, F)`` is a table, ``(N, H, W)`` or
                   ``(N, C, H, W)`` images (uint8 scaled by 1/255)
``FILE.csv``       a header row; ``target`` names the class column, the other
                   columns are numeric features (``categorical`` one-hot encodes
                   text columns, ``missing`` fills or drops missing values,
                   ``ignore`` leaves columns out: see
                   :class:`~glassnet.data.tables.TableEncoding`)
=================  ===========================================================

Without a test split, a fixed 20% of the samples (the same every time:
seed 0) is held out as the test split. Table features (CSV, 2-D ``.npz``)
are standardised with the mean and standard deviation of the training split.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from .errors import DataError, DataWarning
from .images import (
    FITS,
    ImageFolder,
    class_images,
    decode_image,
    image_size_arg,
    is_hidden,
    is_image_file,
    list_images,
)  # fmt: skip
from .regression import TargetScaler, check_task, regression_array, regression_values
from .tables import (
    MISSING_POLICIES,
    Standardizer,
    TableEncoding,
    class_lookup,
    class_order,
    load_table,
    read_header,
    read_raw_table,
    table_labels,
    table_task,
)  # fmt: skip

__all__ = [
    "DataSpec", "LoadedData", "open_data", "read_inputs", "data_kind", "default_model",
    "TEST_FRACTION", "is_data_path", "holdout_split", "input_files",
]  # fmt: skip

#: Share of the samples held out as the test split when the data has none.
TEST_FRACTION = 0.2
_TEST_FOLDERS = ("test", "testing", "val", "valid", "validation")
#: Names of the training split's folder (any case: ``Train/`` as Kaggle ships them).
_TRAIN_FOLDERS = ("train", "training")


@dataclass
class DataSpec:
    """How a data source was read: what a trained model needs to read new inputs the same way.

    Attributes
    ----------
    kind : {"images", "table"}
    source : str
        The path given, made absolute.
    classes : list of str
        Class names in label order; for a regression target, its name (one per output).
    input_shape : list of int
        One sample's shape: ``[C, H, W]`` for images, ``[F]`` for tables.
    fit : {"resize", "pad"}
        How images were brought to ``H x W``.
    target : str
        The CSV class column ("" otherwise).
    feature_names : list of str
        The table's features: its columns, or ``column=value`` for a one-hot one.
    mean, std : list of float
        Standardisation of table features (empty for images).
    columns : list of str
        The CSV columns read through a :class:`~glassnet.data.tables.TableEncoding`
        (empty: ``feature_names`` are the columns, read as plain numbers).
    categories : dict of str to list of str
        The encoding's one-hot columns and their training values.
    missing : {"error", "mean", "drop"}
        The encoding's missing values policy.
    fill : list of float
        The encoding's value for a missing feature (``missing="mean"``).
    task : {"classification", "regression"}
        What the target is (a spec written before regression existed: classification).
    target_mean, target_std : float
        Standardisation of a regression target (training split; 0 and 1 otherwise).
    """

    kind: str
    source: str
    classes: list[str]
    input_shape: list[int]
    fit: str = "resize"
    target: str = ""
    feature_names: list[str] = field(default_factory=list)
    mean: list[float] = field(default_factory=list)
    std: list[float] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    categories: dict[str, list[str]] = field(default_factory=dict)
    missing: str = "error"
    fill: list[float] = field(default_factory=list)
    task: str = "classification"
    target_mean: float = 0.0
    target_std: float = 1.0

    def to_dict(self) -> dict[str, Any]:
        """A plain dict (TOML- and JSON-friendly)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> DataSpec:
        """The inverse of :meth:`to_dict` (unknown keys ignored)."""
        names = cls.__dataclass_fields__
        return cls(
            **{
                k: (list(v) if isinstance(v, (list, tuple)) else v)
                for k, v in d.items()
                if k in names
            }
        )

    @property
    def standardizer(self) -> Standardizer | None:
        """The table's :class:`Standardizer` (None for images)."""
        return Standardizer.from_dict(asdict(self)) if self.mean else None

    @property
    def encoding(self) -> TableEncoding | None:
        """The table's :class:`~glassnet.data.tables.TableEncoding` (None: plain number columns)."""
        return TableEncoding.from_dict(asdict(self)) if self.columns else None

    @property
    def target_scaler(self) -> TargetScaler | None:
        """The regression target's :class:`~glassnet.data.regression.TargetScaler` (None for classes)."""
        return TargetScaler.from_dict(asdict(self)) if self.task == "regression" else None

    def describe(self) -> str:
        """E.g. ``"images 3x32x32, 5 classes"`` or ``"table of 8 features, 3 classes"``."""
        if self.kind == "images":
            what = "images " + "x".join(str(s) for s in self.input_shape)
        else:
            what = f"table of {self.input_shape[0]} features"
        if self.task == "regression":
            return f"{what}, regression target {', '.join(self.classes)}"
        return f"{what}, {len(self.classes)} classes"


@dataclass
class LoadedData:
    """Arrays of a data source: ``train`` and ``test`` as ``(x, y)`` and its :class:`DataSpec`."""

    train: tuple[np.ndarray, np.ndarray]
    test: tuple[np.ndarray, np.ndarray]
    spec: DataSpec


def is_data_path(data: str) -> bool:
    """True when ``data`` names an existing folder, ``.npz`` or ``.csv`` file."""
    return os.path.isdir(data) or (os.path.isfile(data) and data.lower().endswith((".npz", ".csv")))


def data_kind(path: str) -> str:
    """``"images"`` or ``"table"``: what ``path`` holds (an ``.npz`` is opened to see ``x``'s rank)."""
    if os.path.isdir(path):
        return "images"
    if path.lower().endswith(".csv"):
        return "table"
    if path.lower().endswith(".npz"):
        x, _ = _npz_arrays(path, "x", "y")
        return "table" if x.ndim == 2 else "images"
    raise DataError(f"{path!r}: expected an image folder, a .npz or a .csv file")


def default_model(path: str) -> str:
    """The model ``glassnet train`` picks without ``--model``: ``small-cnn`` for images, ``mlp`` for tables."""
    return "small-cnn" if data_kind(path) == "images" else "mlp"


# ------------------------------------------------------------------ splits
def _holdout_rows(n: int, who: str) -> tuple[np.ndarray, np.ndarray]:
    """``(train rows, test rows)`` of ``n`` samples: a fixed :data:`TEST_FRACTION` (seed 0) is the test split."""
    if n < 2:
        raise DataError(f"{who}: expected at least 2 samples to hold out a test split, got {n}")
    order = np.random.default_rng(0).permutation(n)
    k = min(n - 1, max(1, round(n * TEST_FRACTION)))
    return np.sort(order[k:]), np.sort(order[:k])


def _holdout(x: np.ndarray, y: np.ndarray, who: str) -> tuple[tuple, tuple]:
    """A fixed :data:`TEST_FRACTION` of ``(x, y)`` as the test split (seed 0)."""
    train, test = _holdout_rows(len(x), who)
    return (x[train], y[train]), (x[test], y[test])


def _has_subfolders(folder: str) -> bool:
    return any(
        not n.startswith(".") and os.path.isdir(os.path.join(folder, n)) for n in os.listdir(folder)
    )


def _split_folders(root: str) -> tuple[str, str | None]:
    """``(train folder, test folder or None)`` of an image folder; split folders are
    named in any case (``train/``, ``Train/``, ``training/``; ``test/``, ``Val/``, ...)."""
    folders = {}
    if os.path.isdir(root):
        for name in sorted(os.listdir(root)):
            if os.path.isdir(os.path.join(root, name)):
                folders.setdefault(name.lower(), name)
    train = next((folders[n] for n in _TRAIN_FOLDERS if n in folders), None)
    if train is not None and not _has_subfolders(os.path.join(root, train)):
        train = None  # a class named "train" (of vehicles, say): images, no class folders
    test = next((folders[n] for n in _TEST_FOLDERS if n in folders), None)
    if train is None:
        if test is not None and all(n in _TEST_FOLDERS for n in folders):
            raise DataError(
                f"{root!r}: its subfolders ({', '.join(folders.values())}) are named like "
                "data splits, not classes; expected a train/ folder beside them (or one "
                "subfolder per class)"
            )
        return root, None
    return os.path.join(root, train), (None if test is None else os.path.join(root, test))


# ------------------------------------------------------------------ sources
def _refuse_loose_images(folder: str) -> None:
    """Images directly in a folder of class folders belong to no class: training would skip
    them without a word, so they are refused, naming one."""
    loose = list_images(folder)
    classes = [n for n in os.listdir(folder) if not is_hidden(n)]
    if loose and any(os.path.isdir(os.path.join(folder, n)) for n in classes):
        raise DataError(
            f"{folder!r}: expected every image inside a class folder, got {len(loose)} "
            f"image file(s) beside the class folders (e.g. {os.path.basename(loose[0])!r}); "
            "move them into their class's folder, or out of the data folder"
        )


def _open_folder(root: str, image_size: Any, fit: str) -> LoadedData:
    train_dir, test_dir = _split_folders(root)
    for folder in (train_dir, test_dir):
        if folder is not None:
            _refuse_loose_images(folder)
    train = ImageFolder(train_dir, image_size=image_size, fit=fit)
    x, y = train.arrays()
    spec = DataSpec("images", root, train.classes, [train.channels, *train.image_size], fit=fit)
    if test_dir is None:
        (xt, yt), test_arrays = _holdout(x, y, repr(root))
        return LoadedData((xt, yt), test_arrays, spec)
    test = ImageFolder(
        test_dir, image_size=train.image_size, fit=fit, channels=train.channels,
        classes=train.classes,
    )  # fmt: skip
    return LoadedData((x, y), test.arrays(), spec)


#: The names an ``.npz`` array may have, by role (``np.savez(f, x, y)`` gives arr_0, arr_1).
NPZ_NAMES = {
    "x": ("x", "X", "x_train", "X_train", "images", "data", "features", "inputs", "arr_0"),
    "y": ("y", "Y", "y_train", "Y_train", "labels", "targets", "target", "arr_1"),
    "x_test": ("x_test", "X_test"),
    "y_test": ("y_test", "Y_test"),
}


def _npz_key(path: str, role: str, found: list[str]) -> str | None:
    """The stored name of the array playing ``role``; a :class:`DataError` if two names could."""
    hits = [name for name in NPZ_NAMES[role] if name in found]
    if len(hits) > 1:
        raise DataError(
            f"{path!r}: expected one array for {role!r}, got several that could be it: "
            f"{', '.join(hits)}"
        )
    return hits[0] if hits else None


#: The first bytes of a zip archive (one with files, or an empty one), which every ``.npz`` is.
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")


def _npz_array(path: str, f: Any, name: str) -> np.ndarray:
    """The array ``name`` of an open ``.npz``; one of Python objects (stored pickled) is refused."""
    try:
        return np.asarray(f[name])
    except ValueError as exc:
        if "allow_pickle" not in str(exc):
            raise
        raise DataError(
            f"{path!r}: array {name!r} holds Python objects (dtype=object, stored pickled), "
            "which glassnet never loads; expected numbers or strings (save it as e.g. "
            "np.asarray(a, dtype=np.float32) or dtype=str)"
        ) from None


def _read_npz(path: str, pick: Callable[[list[str]], list[str | None]]) -> list[np.ndarray | None]:
    """The arrays ``pick(names in the file)`` names (None stays None), with one error per fault."""
    if not os.path.isfile(path):
        raise DataError(f"{path!r}: no such file")
    with open(path, "rb") as raw:
        if raw.read(4) not in _ZIP_MAGIC:
            raise DataError(
                f"{path!r}: not a readable .npz file (expected a zip archive of .npy arrays, "
                "as np.savez writes; the file does not start like one)"
            )
    try:
        with np.load(path, allow_pickle=False) as f:
            names = pick(list(f.keys()))
            return [None if k is None else _npz_array(path, f, k) for k in names]
    except DataError:
        raise
    except Exception as exc:
        detail = " ".join(str(exc).split()) or type(exc).__name__
        raise DataError(f"{path!r}: not a readable .npz file ({detail})") from None


def _npz_arrays(path: str, *keys: str, warn_unused: bool = False) -> tuple[np.ndarray | None, ...]:
    def pick(found: list[str]) -> list[str | None]:
        names = [_npz_key(path, key, found) for key in keys]
        if None in names[:2]:
            raise DataError(
                f"{path!r}: expected arrays 'x' and 'y' (or X/Y, images/labels, data/target), "
                f"got {', '.join(found) or 'none'}"
            )
        unused = [name for name in found if name not in names]
        if warn_unused and unused:
            warnings.warn(
                f"{path!r}: left unused: {', '.join(unused)} (array names of no known role); "
                "training reads "
                f"{', '.join(n for n in names if n)} (x_test and y_test, when given, are the "
                "test split; the validation split is held out of x)",
                DataWarning,
                stacklevel=2,
            )
        return names

    return tuple(_read_npz(path, pick))


def _npz_images(path: str, x: np.ndarray) -> np.ndarray:
    """``x`` as float32 images ``(N, C, H, W)`` (or a table ``(N, F)``), uint8 scaled by 1/255."""
    if x.dtype.kind == "b":
        x = x.astype(np.float32)  # 0/1 features or pixels
    if x.dtype.kind not in "uif" or x.ndim not in (2, 3, 4):
        raise DataError(
            f"{path!r}: expected x of numbers shaped (N, F), (N, H, W) or (N, C, H, W), "
            f"got {x.dtype} {x.shape}"
        )
    if 0 in x.shape[1:]:
        raise DataError(
            f"{path!r}: expected x with at least one value per sample, got shape {x.shape}"
        )
    if not np.isfinite(x).all():
        first = int(np.argmax(~np.isfinite(x.reshape(len(x), -1)).all(axis=1)))
        raise DataError(f"{path!r}: x holds NaN or infinite values (first in sample {first})")
    if x.dtype.kind == "f" and x.dtype.itemsize > 4 and len(x):
        big = np.abs(x).reshape(len(x), -1).max(axis=1) > np.finfo(np.float32).max
        if big.any():
            raise DataError(
                f"{path!r}: x holds values beyond float32's range (+-3.4e38; first in sample "
                f"{int(np.argmax(big))}), which would become infinite"
            )
    if x.ndim == 3:
        x = x[:, None]
    if x.ndim == 4 and x.shape[3] in (1, 3, 4) and x.shape[1] not in (1, 3, 4):
        x = x.transpose(0, 3, 1, 2)  # channels last (N, H, W, C), as PIL and Keras hold images
    scaled = (
        x.astype(np.float32) * np.float32(1 / 255) if x.dtype == np.uint8 and x.ndim == 4 else x
    )
    return np.ascontiguousarray(scaled, dtype=np.float32)


def _label_texts(path: str, key: str, y: np.ndarray) -> list[str]:
    """The class labels of ``y`` as text: integers, whole floats (``1.0`` -> ``'1'``), bools,
    str or UTF-8 bytes."""
    if y.dtype.kind == "f":
        whole = np.isfinite(y) & (y == np.round(y)) & (np.abs(y) <= 2**53)
        if not whole.all():
            i = int(np.argmin(whole))
            raise DataError(
                f"{path!r}: expected class labels in {key}, got the float {float(y[i])!r} at "
                f"index {i} (float labels must be whole numbers such as 0.0, 1.0, below 2**53; "
                "to predict the number itself, pass --task regression or leave --task auto)"
            )
        y = y.astype(np.int64)
    if y.dtype.kind not in "iubUS":
        raise DataError(
            f"{path!r}: expected integer, whole float, bool or string class labels in {key}, "
            f"got {y.dtype}"
        )
    if y.dtype.kind == "S":
        try:
            labels = [v.decode("utf-8") for v in y.tolist()]
        except UnicodeDecodeError:
            raise DataError(f"{path!r}: expected UTF-8 text in the byte labels {key}") from None
    else:
        labels = [str(v) for v in y.tolist()]
    empty = [i for i, label in enumerate(labels) if not label.strip()]
    if empty:
        raise DataError(f"{path!r}: {key}[{empty[0]}]: missing class label (an empty string)")
    return labels


def _npz_labels(path: str, key: str, y: np.ndarray, n: int, classes: list[str] | None):
    if y.ndim == 2 and y.shape[1] == 1:  # a column vector (N, 1), as Keras users keep labels
        y = y[:, 0]
    if y.ndim != 1 or len(y) != n:
        raise DataError(
            f"{path!r}: expected {key} of shape ({n},) (one class label per sample), got {y.shape}"
        )
    labels = _label_texts(path, key, y)
    order = classes if classes is not None else class_order(labels)
    lookup = class_lookup(order)
    numbers = [lookup(lab) for lab in labels]
    unknown = sorted({lab for lab, k in zip(labels, numbers) if k is None})
    if unknown:
        raise DataError(
            f"{path!r}: {key} holds class(es) {', '.join(unknown)} that the training labels "
            f"do not ({', '.join(order)})"
        )
    return np.array(numbers, dtype=np.int64), order


def _npz_task(path: str, y: np.ndarray, task: str) -> str:
    """``task``, or for ``"auto"``: regression when ``y`` is float with a value that is not whole."""
    if task != "auto":
        return task
    if y.dtype.kind != "f":
        return "classification"
    values = np.asarray(y, dtype=np.float64)
    finite = values[np.isfinite(values)]
    return "regression" if (finite != np.round(finite)).any() else "classification"


def _open_npz(path: str, task: str = "auto") -> LoadedData:
    x, y, x_test, y_test = _npz_arrays(path, "x", "y", "x_test", "y_test", warn_unused=True)
    if (x_test is None) != (y_test is None):
        have, lack = ("x_test", "y_test") if y_test is None else ("y_test", "x_test")
        raise DataError(
            f"{path!r}: expected x_test and y_test together (the test split), got {have} "
            f"without {lack}"
        )
    x = _npz_images(path, x)
    task = _npz_task(path, y, task)
    regression = task == "regression"
    if regression:
        y, classes = regression_array(path, "y", y, len(x)), ["y"]
    else:
        y, classes = _npz_labels(path, "y", y, len(x), None)
    if x_test is not None and y_test is not None:
        xt = _npz_images(path, x_test)
        if xt.shape[1:] != x.shape[1:]:
            raise DataError(f"{path!r}: x_test samples are {xt.shape[1:]}, x's {x.shape[1:]}")
        yt = (
            regression_array(path, "y_test", y_test, len(xt)) if regression
            else _npz_labels(path, "y_test", y_test, len(xt), classes)[0]
        )  # fmt: skip
        train, test = (x, y), (xt, yt)
    else:
        train, test = _holdout(x, y, repr(path))
    kind = "table" if x.ndim == 2 else "images"
    spec = DataSpec(kind, path, classes, list(x.shape[1:]), task=task)
    if regression:
        return _scaled_targets(
            _standardised(LoadedData(train, test, spec)) if kind == "table"
            else LoadedData(train, test, spec)
        )  # fmt: skip
    return (
        _standardised(LoadedData(train, test, spec))
        if kind == "table"
        else LoadedData(train, test, spec)
    )


def _open_csv(path: str, target: str | None, reading: Mapping[str, Any]) -> LoadedData:
    if not target:
        raise DataError(f"{path!r}: a CSV file needs the class column named (--target COLUMN)")
    task = reading.get("task") or "auto"
    if reading.get("categorical") is not None or reading.get("missing") not in (None, "error"):
        return _open_encoded_csv(path, target, reading)
    ignore = list(reading.get("ignore") or ())
    names = None
    if ignore:
        raw = read_raw_table(path, target, ignore=ignore)
        names = raw.columns
    table = load_table(path, target, feature_names=names, task=task)
    train, test = _holdout(table.x, table.y, repr(path))
    spec = DataSpec(
        "table", path, table.classes, [table.x.shape[1]], target=table.target,
        feature_names=table.feature_names, task=table.task,
    )  # fmt: skip
    return _scaled_targets(_standardised(LoadedData(train, test, spec)))


def _open_encoded_csv(path: str, target: str, reading: Mapping[str, Any]) -> LoadedData:
    """A CSV read through a :class:`TableEncoding` fitted on its training split."""
    missing = reading.get("missing") or "error"
    raw = read_raw_table(path, target, ignore=list(reading.get("ignore") or ()))
    if missing == "drop":
        raw = raw.take(raw.complete_rows())
        if len(raw.cells) == 0:
            raise DataError(
                f"{path!r}: every row has a missing value, so --missing drop leaves none; "
                "expected some complete rows (or --missing mean)"
            )
    task = table_task(raw, reading.get("task") or "auto")
    if task == "regression":
        y, classes = regression_values(path, str(raw.target), raw.labels or [], raw.lines), [
            str(raw.target)
        ]
    else:
        y, classes = table_labels(raw)
    train, test = _holdout_rows(len(raw.cells), repr(path))
    enc = TableEncoding.fit(raw, train, categorical=reading.get("categorical"), missing=missing)
    x = enc.encode(raw, hint=True)
    spec = DataSpec(
        "table", path, classes, [x.shape[1]], target=raw.target or "",
        feature_names=enc.feature_names, **enc.to_dict(), task=task,
    )  # fmt: skip
    data = LoadedData((x[train], y[train]), (x[test], y[test]), spec)
    return _scaled_targets(_standardised(data))


def _scaled_targets(data: LoadedData) -> LoadedData:
    """A regression target standardised with the training split's statistics (kept in the
    spec); class numbers as they are."""
    if data.spec.task != "regression":
        return data
    scale = TargetScaler.fit(data.train[1], source=data.spec.source, target=data.spec.target)
    data.spec.target_mean, data.spec.target_std = scale.mean, scale.std
    return LoadedData(
        (data.train[0], scale(data.train[1])), (data.test[0], scale(data.test[1])), data.spec
    )


def _standardised(data: LoadedData) -> LoadedData:
    """Tables: features scaled with the training split's statistics (kept in the spec)."""
    scale = Standardizer.fit(data.train[0])
    d = scale.to_dict()
    data.spec.mean, data.spec.std = d["mean"], d["std"]
    return LoadedData(
        (scale(data.train[0]), data.train[1]), (scale(data.test[0]), data.test[1]), data.spec
    )


def open_data(
    path: str,
    *,
    target: str | None = None,
    image_size: int | tuple[int, int] | str | None = None,
    fit: str = "resize",
    categorical: str | list[str] | None = None,
    missing: str | None = None,
    ignore: list[str] | None = None,
    task: str = "auto",
) -> LoadedData:
    """Open an image folder, ``.npz`` or ``.csv`` as train and test arrays.

    Parameters
    ----------
    path : str
        See the module docstring for the forms.
    target : str, optional
        The class column of a CSV file (needed for one).
    image_size : int, (int, int) or "HxW", optional
        Bring every image of a folder to this size; default: the size they share.
    fit : {"resize", "pad"}, default "resize"
        See :func:`glassnet.data.images.decode_image`.
    categorical : "auto" or list of str, optional
        CSV columns to one-hot encode (``"auto"``: every column holding text),
        with the values of the training split; default: none (text is an error).
    missing : {"error", "mean", "drop"}, optional
        A missing CSV value (blank, ``NA``, ``N/A``, ``?``, ``nan``, ``null``):
        an error (the default), the training split's mean, or its row left out.
    ignore : list of str, optional
        CSV columns that are not features (an ID, a name).
    task : {"auto", "classification", "regression"}, default "auto"
        What the target is. ``"auto"``: a CSV target column of numbers of which
        some are not whole, or a float ``y`` with such values, is a regression
        target; whole numbers and text are class labels. One target column.

    Returns
    -------
    LoadedData
        ``train = (x, y)``, ``test = (x, y)``: images ``(N, C, H, W)`` float32
        in ``[0, 1]`` or standardised features ``(N, F)`` float32, and class
        numbers ``(N,)`` int64 (a regression target: float32 ``(N, 1)``,
        standardised with ``spec.target_mean``/``target_std``); ``spec`` says
        how they were read.

    Raises
    ------
    DataError
        A bad file or folder, naming it (and the row, column or class).

    Examples
    --------
    >>> data = open_data("flowers/", image_size=64)
    >>> model = glassnet.models.build_model("small-cnn", num_classes=len(data.spec.classes),
    ...                                     input_shape=data.spec.input_shape)
    >>> fit(model, data.train, loss="cross_entropy", optimizer="adam", epochs=5)
    """
    if fit not in FITS:
        raise ValueError(f"open_data: fit must be one of {', '.join(FITS)}, got {fit!r}")
    if missing is not None and missing not in MISSING_POLICIES:
        raise ValueError(
            f"open_data: missing must be one of {', '.join(MISSING_POLICIES)}, got {missing!r}"
        )
    task = check_task("open_data", task)
    reading = {"categorical": categorical, "missing": missing, "ignore": ignore}
    if task == "regression" and os.path.isdir(path):
        raise DataError(
            f"{path!r}: --task regression needs a number per sample (a .csv column or an "
            ".npz's y); an image folder holds classes"
        )
    loaded = _open_any(path, target, image_size, fit, {**reading, "task": task})
    if loaded.spec.task == "regression":
        return loaded
    return _warn_untrained_classes(_at_least_two_classes(loaded))


def _open_any(
    path: str, target: str | None, image_size: Any, fit: str, reading: dict[str, Any]
) -> LoadedData:
    task = reading.pop("task", "auto")
    if os.path.isdir(path):
        _refuse_unused(path, "an image folder", target=target, **reading)
        return _open_folder(os.path.abspath(path), image_size_arg(image_size), fit)
    path = os.path.abspath(path) if os.path.exists(path) else path
    if not os.path.exists(path):
        raise DataError(f"{path!r}: no such file or folder")
    low = path.lower()
    if low.endswith(".npz"):
        _refuse_unused(
            path, "a .npz of arrays", target=target, image_size=image_size, fit=fit, **reading
        )
        return _open_npz(path, task)
    if low.endswith(".csv"):
        _refuse_unused(path, "a .csv table", image_size=image_size, fit=fit)
        return _open_csv(path, target, {**reading, "task": task})
    raise DataError(f"{path!r}: expected an image folder, a .npz or a .csv file")


#: What each option of :func:`open_data` applies to, for the error when it cannot apply.
_APPLIES_TO = {
    "target": ("--target", "the class column of a .csv file"),
    "image_size": ("--image-size", "the images of a folder"),
    "fit": ("--image-fit", "the images of a folder"),
    "categorical": ("--categorical", "the columns of a .csv file"),
    "missing": ("--missing", "the cells of a .csv file"),
    "ignore": ("--ignore", "the columns of a .csv file"),
}


def _refuse_unused(path: str, kind: str, **given: Any) -> None:
    """A :class:`DataError` for an option given that ``path`` (a ``kind``) has no use for, so
    it is not silently ignored (``fit`` counts when it is not the default ``resize``)."""
    for key, value in given.items():
        default = {"fit": "resize", "missing": "error"}.get(key)
        if value is None or value == default or value == []:
            continue
        flag, applies = _APPLIES_TO[key]
        raise DataError(
            f"{path!r}: {key}={value!r} ({flag}) applies to {applies}; this is {kind}, "
            f"expected no {key}"
        )


def _at_least_two_classes(data: LoadedData) -> LoadedData:
    """Training data must hold two classes or more: a one-class classifier learns nothing."""
    classes = data.spec.classes
    if len(classes) < 2:
        where = (
            f"column {data.spec.target!r}" if data.spec.target
            else "the class folders" if os.path.isdir(data.spec.source) else "the labels"
        )  # fmt: skip
        raise DataError(
            f"{data.spec.source!r}: expected at least 2 classes to learn, got {len(classes)} "
            f"in {where} ({', '.join(map(str, classes))})"
        )
    return data


def _warn_untrained_classes(data: LoadedData) -> LoadedData:
    """A :class:`DataWarning` naming the classes with no sample in the training split (all
    held out for the test): the model cannot learn them, and their test samples are missed."""
    seen = np.bincount(np.asarray(data.train[1], dtype=np.int64), minlength=len(data.spec.classes))
    absent = [str(data.spec.classes[k]) for k in np.flatnonzero(seen == 0)]
    if absent:
        warnings.warn(
            f"{data.spec.source!r}: class(es) {', '.join(absent[:6])}"
            f"{', ...' if len(absent) > 6 else ''} have no sample in the training split (all "
            "held out for the test split): the model cannot learn them; add samples of them",
            DataWarning,
            stacklevel=2,
        )
    return data


# ------------------------------------------------------------------ new inputs
def read_inputs(
    path: str,
    spec: DataSpec | Mapping[str, Any],
    *,
    labels: bool = True,
    drop_missing: bool = False,
) -> tuple[np.ndarray, np.ndarray | None]:
    """New samples prepared as the training data of ``spec`` was: for predict, evaluate, explain.

    Parameters
    ----------
    path : str
        For images: one PNG/JPEG file, a folder of them, a folder of class
        subfolders (labels known), an ``.npz`` with ``x`` (and ``y``) or a
        ``.npy`` array of samples. For tables: a ``.csv`` with the training
        feature columns (and the target column: labels known), an ``.npz``
        with ``x`` (and ``y``) or a ``.npy`` array.
        The arrays may have the names training accepts (:data:`NPZ_NAMES`).
    spec : DataSpec or dict
    labels : bool, default True
        Read the labels the input carries. False (``glassnet predict``) leaves
        them unread, so labels unknown to the model or missing do no harm, and
        reads every image of a folder and its subfolders (:func:`input_files`).
    drop_missing : bool, default False
        A CSV with labels, for a model trained with ``missing="drop"``: leave
        out the rows with a missing value, as training did (for evaluation).
        Otherwise such a row is an error, so each input row gets a prediction.

    Returns
    -------
    x : ndarray, shape (N, C, H, W) or (N, F), float32
    y : ndarray, shape (N,), int64, or None
        Class numbers when the input carries labels (and ``labels``).
    """
    spec = spec if isinstance(spec, DataSpec) else DataSpec.from_dict(spec)
    if not os.path.exists(path):
        raise DataError(f"{path!r}: no such file or folder")
    if path.lower().endswith((".npz", ".npy")):
        x, y = _npz_inputs(path) if path.lower().endswith(".npz") else (_npy_input(path), None)
        stored = tuple(np.shape(x))
        if len(stored) > 1 and stored[0] == 0:
            raise DataError(f"{path!r}: expected at least one sample, got x of shape {stored}")
        x = _npz_images(path, x)
        y = None if y is None or not labels else _npz_y(path, "y", y, len(x), spec)
        _check_shape(path, x, spec, stored)
        return (spec.standardizer(x) if spec.standardizer else x), y
    if spec.kind == "table":
        return _table_inputs(path, spec, labels, drop_missing)
    if not labels:
        return _image_files(input_files(path), spec), None
    return _image_inputs(path, spec)


def input_files(path: str) -> list[str]:
    """The image files :func:`read_inputs` reads from ``path`` with ``labels=False``, in order.

    Parameters
    ----------
    path : str
        One PNG/JPEG file, or a folder: its images and those of its
        subfolders, sorted by path (hidden files and folders skipped).

    Returns
    -------
    list of str
    """
    if os.path.isfile(path):
        if not is_image_file(path):
            raise DataError(
                f"{path!r}: the model reads images; expected an image file (PNG, JPEG, ...), a "
                "folder, a .npz or a .npy"
            )
        return [path]
    files = class_images(path)
    if not files:
        raise DataError(
            f"{path!r}: expected images (PNG, JPEG, ...) in the folder or its subfolders, "
            "got none"
        )
    return files


def _image_files(files: list[str], spec: DataSpec) -> np.ndarray:
    channels, h, w = spec.input_shape
    return np.stack([decode_image(p, channels=channels, size=(h, w), fit=spec.fit) for p in files])


def _npz_inputs(path: str) -> tuple[np.ndarray, np.ndarray | None]:
    """``x`` and ``y`` (None when absent) of an ``.npz`` of new samples, by any name of :data:`NPZ_NAMES`."""

    def pick(found: list[str]) -> list[str | None]:
        kx, ky = _npz_key(path, "x", found), _npz_key(path, "y", found)
        if kx is None:
            raise DataError(
                f"{path!r}: expected an array 'x' (or X, x_train, images, data, features, "
                f"inputs, arr_0), got {', '.join(found) or 'none'}"
            )
        return [kx, ky]

    x, y = _read_npz(path, pick)
    return x, y  # type: ignore[return-value]


def npy_size_problem(path: str) -> str | None:
    """Why a ``.npy`` file cannot hold the array its header declares, or None.

    Checked before :func:`numpy.load`, which would otherwise try to allocate a
    declared shape (possibly terabytes) that the file does not hold.
    """
    try:
        with open(path, "rb") as f:
            major, _ = np.lib.format.read_magic(f)
            read = np.lib.format.read_array_header_1_0 if major == 1 else np.lib.format.read_array_header_2_0
            shape, _, dtype = read(f)
            start = f.tell()
    except Exception:
        return None  # np.load reports a bad header itself
    if dtype.hasobject:
        return None
    need = int(np.prod(shape, dtype=object)) * dtype.itemsize
    have = os.path.getsize(path) - start
    if need > have:
        return (
            f"its header declares an array of shape {tuple(shape)} {dtype}, {need} bytes, "
            f"but the file holds {have} bytes after the header; expected a complete file "
            "written by np.save"
        )
    return None


def _npy_input(path: str) -> np.ndarray:
    """The array of a ``.npy`` file of new samples (``np.save(path, x)``); never unpickled."""
    if not os.path.isfile(path):
        raise DataError(f"{path!r}: expected a .npy file, got a folder")
    short = npy_size_problem(path)
    if short:
        raise DataError(f"{path!r}: not a readable .npy file ({short})")
    try:
        return np.load(path, allow_pickle=False)
    except ValueError as exc:
        if "allow_pickle" not in str(exc):
            detail = " ".join(str(exc).split())
            raise DataError(f"{path!r}: not a readable .npy file ({detail})") from None
        raise DataError(
            f"{path!r}: expected a .npy array of numbers, got Python objects (dtype=object, "
            "stored pickled), which glassnet never loads"
        ) from None
    except Exception as exc:
        detail = " ".join(str(exc).split()) or type(exc).__name__
        raise DataError(f"{path!r}: not a readable .npy file ({detail})") from None


def _npz_y(path: str, key: str, y: np.ndarray, n: int, spec: DataSpec) -> np.ndarray:
    """An ``.npz``'s labels for a trained ``spec``: class numbers, or standardised targets."""
    scale = spec.target_scaler
    if scale is None:
        return _npz_labels(path, key, y, n, spec.classes)[0]
    return scale(regression_array(path, key, y, n))


def _check_shape(
    path: str, x: np.ndarray, spec: DataSpec, stored: tuple[int, ...] | None = None
) -> None:
    """``x``'s samples must have the training shape; ``stored`` is the shape in the file."""
    if list(x.shape[1:]) != list(spec.input_shape):
        want = "x".join(str(s) for s in spec.input_shape)
        raise DataError(
            f"{path!r}: expected samples of shape {want} like the training data, "
            f"got {'x'.join(str(s) for s in x.shape[1:])} (x of shape {stored or tuple(x.shape)} "
            f"is read as {len(x)} samples; the first axis counts them)"
        )


def _table_inputs(
    path: str, spec: DataSpec, labels: bool = True, drop_missing: bool = False
) -> tuple[np.ndarray, np.ndarray | None]:
    if not path.lower().endswith(".csv"):
        raise DataError(f"{path!r}: the model reads a table; expected a .csv, .npz or .npy file")
    header = read_header(path)
    target = spec.target if labels and spec.target and spec.target in header else None
    encoding = spec.encoding
    if encoding is not None:
        table = load_table(
            path, target, classes=spec.classes, encoding=encoding, drop_missing=drop_missing,
            task=spec.task,
        )  # fmt: skip
        scale = spec.standardizer
        return (scale(table.x) if scale else table.x), _table_y(table, spec)
    if spec.feature_names:
        names: list[str] | None = spec.feature_names
    else:  # trained on an .npz: no column names, so every column but the target is a feature
        names = [h for h in header if h != spec.target and h] or None
    table = load_table(path, target, classes=spec.classes, feature_names=names, task=spec.task)
    if not spec.feature_names and table.x.shape[1] != spec.input_shape[0]:
        raise DataError(
            f"{path!r}: expected {spec.input_shape[0]} feature columns like the training "
            f"data (an .npz, whose columns have no names), got {table.x.shape[1]} "
            f"({', '.join(table.feature_names)})"
        )
    scale = spec.standardizer
    return (scale(table.x) if scale else table.x), _table_y(table, spec)


def _table_y(table: Any, spec: DataSpec) -> np.ndarray | None:
    """A table's class numbers, or its regression targets standardised as in training."""
    scale = spec.target_scaler
    return table.y if scale is None or table.y is None else scale(table.y)


def _image_inputs(path: str, spec: DataSpec) -> tuple[np.ndarray, np.ndarray | None]:
    channels, h, w = spec.input_shape
    if os.path.isfile(path):
        if not is_image_file(path):
            raise DataError(
                f"{path!r}: the model reads images; expected an image file (PNG, JPEG, ...), a "
                "folder, a .npz or a .npy"
            )
        x = decode_image(path, channels=channels, size=(h, w), fit=spec.fit)[None]
        return x, None
    files = list_images(path)
    if files:
        x = np.stack([decode_image(p, channels=channels, size=(h, w), fit=spec.fit) for p in files])
        return x, None
    folder = ImageFolder(
        path, image_size=(h, w), fit=spec.fit, channels=channels, classes=spec.classes
    )
    return folder.arrays()


def holdout_split(spec: DataSpec | Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """The test split of the data ``spec`` was made from, prepared with ``spec``'s statistics.

    The same samples :func:`open_data` held out (a ``test/`` folder, an
    ``.npz``'s ``x_test``, or the fixed 20%), read with the image size and
    standardisation recorded in ``spec`` rather than recomputed.
    """
    spec = spec if isinstance(spec, DataSpec) else DataSpec.from_dict(spec)
    path = spec.source
    if os.path.isdir(path):
        train_dir, test_dir = _split_folders(path)
        if test_dir is not None:
            x, y = read_inputs(test_dir, spec)
            return x, y  # type: ignore[return-value]
        x, y = read_inputs(train_dir, spec)
        return _holdout(x, y, repr(path))[1]
    if path.lower().endswith(".npz"):
        x_test, y_test = _npz_arrays(path, "x", "y", "x_test", "y_test")[2:]
        if x_test is not None and y_test is not None:
            xt = _npz_images(path, x_test)
            _check_shape(path, xt, spec)
            yt = _npz_y(path, "y_test", y_test, len(xt), spec)
            return (spec.standardizer(xt) if spec.standardizer else xt), yt
    x, y = read_inputs(path, spec, drop_missing=True)
    if y is None:
        raise DataError(f"{path!r}: expected the class column {spec.target!r}, got none")
    return _holdout(x, y, repr(path))[1]
