"""Ready-made datasets: Fashion-MNIST, MNIST, the embedded Fashion-MNIST sample, CO2 and sunspots.

Image sets come back as arrays ``x (N, 1, 28, 28)`` float32 in ``[0, 1]`` and
``y (N,)`` int64::

    x, y = fashion_mnist("train")                       # full set (found or downloaded)
    (x_train, y_train), (x_test, y_test) = load_data("fashion_mnist", sample=True)
    loader = DataLoader(TensorDataset(x, y), batch_size=128, shuffle=True)

Where the files are looked for and how downloads are verified: see
:mod:`glassnet.data.download`.
"""

from __future__ import annotations

import csv
import importlib.resources
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .download import cache_dir, download_file, mirrors, search_folders
from .idx import read_idx
from .timeseries import load_series

__all__ = [
    "fashion_mnist",
    "mnist",
    "load_data",
    "co2",
    "sunspots",
    "FASHION_MNIST_CLASSES",
    "MNIST_CLASSES",
    "ImageSetSpec",
    "FileSpec",
    "SPECS",
]

#: Fashion-MNIST's label names, by label.
FASHION_MNIST_CLASSES: tuple[str, ...] = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)  # fmt: skip
#: MNIST's label names, by label.
MNIST_CLASSES: tuple[str, ...] = tuple(str(d) for d in range(10))

_ROLES = ("train_images", "train_labels", "test_images", "test_labels")


@dataclass(frozen=True)
class FileSpec:
    """One file of an image set: its name and the SHA-256 of the official download."""

    name: str
    sha256: str
    size: int = 0


@dataclass(frozen=True)
class ImageSetSpec:
    """Everything glassnet knows about an MNIST-format image set."""

    folder: str  # folder name under $GLASSNET_DATA / the cache
    files: dict[str, FileSpec]  # keys: train_images, train_labels, test_images, test_labels
    mirrors: tuple[str, ...]
    counts: dict[str, int]  # split -> number of samples
    system_dirs: tuple[str, ...] = ()
    image_shape: tuple[int, int] = (28, 28)
    num_classes: int = 10
    #: SHA-256 of each file's decompressed content (same whatever the gzip header).
    raw_sha256: dict[str, str] = field(default_factory=dict)


# Fashion-MNIST: the official host is in the project's README. The SHA-256
# values were computed from Debian's dataset-fashion-mnist files after
# restoring the gzip name/time header Debian strips; the restored files match
# the MD5s in the README byte for byte (and the sizes listed there).
FASHION_MNIST = ImageSetSpec(
    folder="fashion-mnist",
    files={
        "train_images": FileSpec(
            "train-images-idx3-ubyte.gz",
            "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
            26421880,
        ),
        "train_labels": FileSpec(
            "train-labels-idx1-ubyte.gz",
            "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
            29515,
        ),
        "test_images": FileSpec(
            "t10k-images-idx3-ubyte.gz",
            "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
            4422102,
        ),
        "test_labels": FileSpec(
            "t10k-labels-idx1-ubyte.gz",
            "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
            5148,
        ),
    },
    mirrors=("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",),
    counts={"train": 60000, "test": 10000},
    system_dirs=("/usr/share/datasets/fashion-mnist",),
    raw_sha256={
        "train_images": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
        "train_labels": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
        "test_images": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
        "test_labels": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
    },
)

# MNIST: yann.lecun.com is the original home; the S3 copy is the mirror
# PyTorch's torchvision uses. The SHA-256 values are the published ones in
# TensorFlow Datasets (tensorflow_datasets/url_checksums/mnist.txt), which
# also lists the sizes below.
MNIST = ImageSetSpec(
    folder="mnist",
    files={
        "train_images": FileSpec(
            "train-images-idx3-ubyte.gz",
            "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
            9912422,
        ),
        "train_labels": FileSpec(
            "train-labels-idx1-ubyte.gz",
            "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
            28881,
        ),
        "test_images": FileSpec(
            "t10k-images-idx3-ubyte.gz",
            "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
            1648877,
        ),
        "test_labels": FileSpec(
            "t10k-labels-idx1-ubyte.gz",
            "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
            4542,
        ),
    },
    mirrors=(
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "http://yann.lecun.com/exdb/mnist/",
    ),
    counts={"train": 60000, "test": 10000},
)

#: The image sets by name (tests swap in small specs).
SPECS: dict[str, ImageSetSpec] = {"fashion_mnist": FASHION_MNIST, "mnist": MNIST}

#: The embedded class-balanced sample of Fashion-MNIST (scripts/make_sample.py).
SAMPLE_COUNTS = {"train": 6000, "test": 1000}


def _check_split(who: str, split: Any) -> str:
    if split not in ("train", "test"):
        raise ValueError(f"{who}: split must be 'train' or 'test', got {split!r}")
    return split


def _find(spec: ImageSetSpec, role: str, folders: list[Path]) -> Path | None:
    name = spec.files[role].name
    for folder in folders:
        for candidate in (folder / name, folder / name.removesuffix(".gz")):
            if candidate.is_file():
                return candidate
    return None


def _locate(
    who: str,
    spec: ImageSetSpec,
    role: str,
    root: str | os.PathLike | None,
    download: bool,
    base_url: str | list[str] | None,
) -> Path:
    if root is not None:
        folders, target = [Path(root)], Path(root)
    else:
        folders = search_folders(spec.folder, spec.system_dirs)
        target = cache_dir() / spec.folder
    found = _find(spec, role, folders)
    if found is not None:
        return found
    f = spec.files[role]
    if not download:
        where = "\n  ".join(str(p) for p in folders)
        raise FileNotFoundError(
            f"{who}: {f.name} not found; looked in:\n  {where}\n"
            f"Pass download=True, set GLASSNET_DATA to a folder holding {spec.folder}/, "
            f"or use the embedded sample (sample=True, Fashion-MNIST only)."
        )
    return download_file(f.name, target, f.sha256, mirrors(spec.mirrors, base_url))


def _read_pair(
    who: str, images_path: Path, labels_path: Path, spec: ImageSetSpec, count: int | None
):
    """Read and check an images/labels pair; ``count`` None accepts any equal count."""
    images = read_idx(images_path)
    labels = read_idx(labels_path)
    if count is None:
        count = len(images) if images.ndim else -1
    want = (count,) + spec.image_shape
    if images.dtype != np.uint8 or images.shape != want:
        raise ValueError(
            f"{who}: {str(images_path)!r} should hold uint8 images of shape {want}, "
            f"got {images.dtype} {images.shape}"
        )
    if labels.dtype != np.uint8 or labels.shape != (count,):
        raise ValueError(
            f"{who}: {str(labels_path)!r} should hold {count} uint8 labels, "
            f"got {labels.dtype} {labels.shape}"
        )
    if labels.max() >= spec.num_classes:
        raise ValueError(
            f"{who}: {str(labels_path)!r} has label {labels.max()}, "
            f"expected 0..{spec.num_classes - 1}"
        )
    return images, labels


def _convert(who: str, images: np.ndarray, labels: np.ndarray, dtype: Any):
    dt = np.dtype(dtype)
    x = images[:, None]  # (N, 1, H, W)
    if dt == np.uint8:
        x = np.ascontiguousarray(x)
    elif dt in (np.float32, np.float64):
        x = x.astype(dt)
        x *= dt.type(1.0 / 255.0)
    else:
        raise ValueError(f"{who}: dtype must be float32, float64 or uint8, got {dt}")
    return x, labels.astype(np.int64)


def _load(
    who: str,
    key: str,
    split: str,
    *,
    root: str | os.PathLike | None,
    download: bool,
    sample: bool,
    dtype: Any,
    base_url: str | list[str] | None,
) -> tuple[np.ndarray, np.ndarray]:
    split = _check_split(who, split)
    spec = SPECS[key]
    roles = (f"{split}_images", f"{split}_labels")
    if sample:
        if key != "fashion_mnist":
            raise ValueError(f"{who}: there is no embedded sample of this dataset; sample=True "
                             f"exists for fashion_mnist only")  # fmt: skip
        folder = importlib.resources.files("glassnet.data").joinpath("sample")
        with importlib.resources.as_file(folder) as path:
            images, labels = _read_pair(
                who, *(Path(path) / spec.files[r].name for r in roles), spec, SAMPLE_COUNTS[split]
            )
    else:
        paths = [_locate(who, spec, r, root, download, base_url) for r in roles]
        images, labels = _read_pair(who, *paths, spec, spec.counts[split])
    return _convert(who, images, labels, dtype)


def fashion_mnist(
    split: str = "train",
    *,
    root: str | os.PathLike | None = None,
    download: bool = True,
    sample: bool = False,
    dtype: Any = np.float32,
    base_url: str | list[str] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Zalando's Fashion-MNIST: 28x28 greyscale clothing images in 10 classes (MIT licence).

    Parameters
    ----------
    split : {'train', 'test'}, default 'train'
        60,000 training or 10,000 test images (6,000 / 1,000 with ``sample``).
    root : str or os.PathLike, optional
        Folder holding the four ``*-ubyte.gz`` files (or their unpacked
        forms); downloads go there. Default: search ``$GLASSNET_DATA/fashion-mnist``,
        the cache ``~/.cache/glassnet/fashion-mnist``, then Debian's
        ``/usr/share/datasets/fashion-mnist``; download into the cache.
    download : bool, default True
        Fetch missing files from the official host (SHA-256 verified).
    sample : bool, default False
        Use the class-balanced sample embedded in glassnet (600 train / 100
        test images per class); needs no files and no network.
    dtype : {float32, float64, uint8}, default float32
        Floats are scaled to ``[0, 1]``; ``uint8`` keeps the raw 0..255
        (pair it with :class:`~glassnet.data.transforms.ToFloat` in the loader).
    base_url : str or list of str, optional
        Mirror(s) to download from (default ``$GLASSNET_DATASET_MIRROR``, else
        the official host).

    Returns
    -------
    x : ndarray, shape (N, 1, 28, 28)
    y : ndarray of int64, shape (N,)
        Labels 0..9; names in :data:`FASHION_MNIST_CLASSES`.
    """
    return _load("fashion_mnist", "fashion_mnist", split, root=root, download=download,
                 sample=sample, dtype=dtype, base_url=base_url)  # fmt: skip


def mnist(
    split: str = "train",
    *,
    root: str | os.PathLike | None = None,
    download: bool = True,
    dtype: Any = np.float32,
    base_url: str | list[str] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """LeCun, Cortes and Burges' MNIST handwritten digits, 28x28 greyscale, 10 classes.

    Parameters
    ----------
    split : {'train', 'test'}, default 'train'
    root : str or os.PathLike, optional
        As in :func:`fashion_mnist`; the default search is
        ``$GLASSNET_DATA/mnist`` then ``~/.cache/glassnet/mnist``.
    download : bool, default True
        Fetch missing files (SHA-256 verified) from the S3 mirror PyTorch
        uses, then yann.lecun.com.
    dtype : {float32, float64, uint8}, default float32
    base_url : str or list of str, optional

    Returns
    -------
    x : ndarray, shape (N, 1, 28, 28)
    y : ndarray of int64, shape (N,)
    """
    return _load("mnist", "mnist", split, root=root, download=download, sample=False,
                 dtype=dtype, base_url=base_url)  # fmt: skip


def load_data(name: str = "fashion_mnist", **kwargs: Any):
    """Both splits at once, Keras style: ``(x_train, y_train), (x_test, y_test)``.

    Parameters
    ----------
    name : {'fashion_mnist', 'mnist'}
    **kwargs
        Passed to :func:`fashion_mnist` / :func:`mnist` (``sample=True``, ``root=``...).
    """
    loaders = {"fashion_mnist": fashion_mnist, "mnist": mnist}
    if name not in loaders:
        raise ValueError(f"load_data: name must be one of {sorted(loaders)}, got {name!r}")
    fn = loaders[name]
    return fn("train", **kwargs), fn("test", **kwargs)


# ----------------------------------------------------------------- time series
def _series_file(name: str):
    return importlib.resources.files("glassnet.data").joinpath("series", name)


def _read_series(name: str, column: str, date_unit: str, return_dates: bool):
    with importlib.resources.as_file(_series_file(name)) as path:
        values = load_series(path, column=column)
        if not return_dates:
            return values
        with open(path, newline="", encoding="ascii") as f:
            dates = np.array(
                [row[0] for row in list(csv.reader(f))[1:]], dtype=f"datetime64[{date_unit}]"
            )
    return dates, values


def _frequency(who: str, frequency: Any, allowed: tuple[str, ...]) -> str:
    if frequency not in allowed:
        raise ValueError(f"{who}: frequency must be one of {allowed}, got {frequency!r}")
    return frequency


def co2(*, frequency: str = "monthly", return_dates: bool = False):
    """Atmospheric CO2 at Mauna Loa (ppmv), 1958-2001: a trend plus a clear yearly season.

    Parameters
    ----------
    frequency : {'monthly', 'weekly'}, default 'monthly'
        ``'monthly'``: 526 monthly means, March 1958 - December 2001, season
        length 12 (five months with no valid week are linearly interpolated).
        ``'weekly'``: 2,284 weeks (Saturdays), season length about 52; 59
        missing weeks are NaN.
    return_dates : bool, default False
        Also return the dates (``datetime64[M]`` months or ``datetime64[D]`` days).

    Returns
    -------
    values : ndarray of float64, shape (T,)
        Or ``(dates, values)``.

    Notes
    -----
    Keeling & Whorf (2004), via the statsmodels package; public domain. See
    ``glassnet/data/series/NOTICE``.
    """
    if _frequency("co2", frequency, ("monthly", "weekly")) == "monthly":
        return _read_series("co2_monthly.csv", "co2", "M", return_dates)
    return _read_series("co2_weekly.csv", "co2", "D", return_dates)


def sunspots(*, frequency: str = "yearly", return_dates: bool = False):
    """Sunspot numbers (NOAA NGDC): a quasi-periodic ~11-year cycle, no fixed season.

    Parameters
    ----------
    frequency : {'yearly', 'monthly'}, default 'yearly'
        ``'yearly'``: 309 values, 1700-2008 (cycle about 11 steps).
        ``'monthly'``: 3,120 monthly means, January 1749 - December 2008
        (cycle about 132 steps).
    return_dates : bool, default False
        Also return the dates (``datetime64[Y]`` or ``datetime64[M]``).

    Returns
    -------
    values : ndarray of float64, shape (T,)
        Or ``(dates, values)``.

    Notes
    -----
    Public domain, via the statsmodels package; see ``glassnet/data/series/NOTICE``.
    """
    if _frequency("sunspots", frequency, ("yearly", "monthly")) == "yearly":
        return _read_series("sunspots_yearly.csv", "sunspots", "Y", return_dates)
    return _read_series("sunspots_monthly.csv", "sunspots", "M", return_dates)
