"""Data: datasets, the DataLoader, IDX files, ready-made datasets, augmentation, time series.

::

    from glassnet.data import DataLoader, TensorDataset, fashion_mnist
    x, y = fashion_mnist("train", sample=True)          # (6000, 1, 28, 28) float32, (6000,) int64
    data = open_data("my_images/")                       # your own: image folder, .npz or .csv
    loader = DataLoader(TensorDataset(x, y), batch_size=128, shuffle=True, seed=0)
    for xb, yb in loader: ...                            # glassnet Tensors
"""

from . import transforms
from .dataloader import DataLoader, default_collate, to_tensor
from .dataset import ConcatDataset, Dataset, Subset, TensorDataset, random_split
from .datasets import (
    FASHION_MNIST_CLASSES,
    MNIST_CLASSES,
    co2,
    fashion_mnist,
    load_data,
    mnist,
    sunspots,
)
from .download import ChecksumError, DownloadError, cache_dir
from .errors import DataError
from .idx import IDXError, read_idx, write_idx
from .images import ImageFolder
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler
from .sources import DataSpec, LoadedData, open_data, read_inputs
from .tables import Standardizer, load_table
from .timeseries import lengths_to_mask, load_series, pad_sequences, split_by_time, windows

__all__ = [
    "Dataset", "TensorDataset", "Subset", "ConcatDataset", "random_split",
    "DataLoader", "default_collate", "to_tensor",
    "Sampler", "SequentialSampler", "RandomSampler", "BatchSampler",
    "read_idx", "write_idx", "IDXError",
    "fashion_mnist", "mnist", "load_data", "FASHION_MNIST_CLASSES", "MNIST_CLASSES",
    "co2", "sunspots", "ChecksumError", "DownloadError", "cache_dir",
    "transforms",
    "ImageFolder", "open_data", "read_inputs", "load_table", "Standardizer", "DataSpec",
    "LoadedData", "DataError",
    "windows", "load_series", "split_by_time", "pad_sequences", "lengths_to_mask",
]  # fmt: skip
