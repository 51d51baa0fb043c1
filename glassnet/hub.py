"""``torch.hub``'s weight downloads: :func:`load_state_dict_from_url` and its cache.

``torch.hub.load_state_dict_from_url(url)`` (and ``torch.utils.model_zoo.load_url``)
download a ``.pth`` file once into ``<hub dir>/checkpoints`` and load it with
:func:`glassnet.load`, which reads PyTorch's files without running code from them. The
hub folder is PyTorch's (``$TORCH_HOME/hub``, else ``$XDG_CACHE_HOME/torch/hub``, else
``~/.cache/torch/hub``), so weights PyTorch has already downloaded are used as they are.

``torch.hub.load``, ``list`` and ``help`` run a repository's ``hubconf.py``: glassnet does
not execute downloaded code, so they are refused, naming the alternative (build the model
from its class and load its weights with :func:`load_state_dict_from_url`).
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from .data.download import fetch_url
from .io.serialization import load as _load

__all__ = [
    "get_dir", "set_dir", "download_url_to_file", "load_state_dict_from_url", "load_url",
    "load", "list", "help", "HASH_REGEX",
]  # fmt: skip

#: The hash prefix in a weight file's name: ``resnet18-f37072fd.pth`` -> ``f37072fd``.
HASH_REGEX = re.compile(r"-([a-f0-9]*)\.")

_hub_dir: str | None = None

_NO_CODE = (
    "glassnet does not run code downloaded from a repository (its hubconf.py); build the "
    "model from its class and load the weights with torch.hub.load_state_dict_from_url(url)"
)


def get_dir() -> str:
    """The hub folder: :func:`set_dir`'s, else ``$TORCH_HOME/hub``, else
    ``$XDG_CACHE_HOME/torch/hub``, else ``~/.cache/torch/hub`` (PyTorch's own)."""
    if _hub_dir is not None:
        return _hub_dir
    home = os.environ.get("TORCH_HOME")
    if home is None:
        cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        home = os.path.join(cache, "torch")
    return os.path.join(os.path.expanduser(home), "hub")


def set_dir(d: str | os.PathLike) -> None:
    """Use ``d`` as the hub folder from now on."""
    global _hub_dir
    _hub_dir = os.path.expanduser(os.fspath(d))


def download_url_to_file(url: str, dst: str, hash_prefix: str | None = None,
                         progress: bool = True) -> None:  # fmt: skip
    """Download ``url`` to ``dst`` (atomically; checked against ``hash_prefix`` when given).

    Parameters
    ----------
    url : str
    dst : str
        The file to write; left untouched when the download fails or its SHA-256 does not
        start with ``hash_prefix``.
    hash_prefix : str, optional
    progress : bool, default True
        Print one line on stderr for the download.
    """
    if progress:
        print(f"Downloading: {url!r} to {dst}", file=sys.stderr)
    fetch_url(url, dst, sha256_prefix=hash_prefix)


def load_state_dict_from_url(
    url: str,
    model_dir: str | None = None,
    map_location: Any = None,
    progress: bool = True,
    check_hash: bool = False,
    file_name: str | None = None,
    weights_only: bool = False,
) -> Any:
    """The object saved at ``url`` (a state dict), downloaded once into the hub's cache.

    Parameters
    ----------
    url : str
    model_dir : str, optional
        Where the file is kept; default ``<get_dir()>/checkpoints``.
    map_location : str, Device or dict, optional
        As :func:`glassnet.load`'s.
    progress : bool, default True
    check_hash : bool, default False
        Check the download against the hash prefix in its name (``name-<hex>.pth``).
    file_name : str, optional
        The cached file's name; default the last part of the URL's path.
    weights_only : bool, default False
        Accepted: glassnet always reads the file the restricted way (no code runs).

    Returns
    -------
    object
        What :func:`glassnet.load` gives for the file (tensors as glassnet Tensors).
    """
    folder = Path(model_dir if model_dir is not None else os.path.join(get_dir(), "checkpoints"))
    folder.mkdir(parents=True, exist_ok=True)
    name = file_name or os.path.basename(urlparse(url).path)
    if not name:
        raise ValueError(f"load_state_dict_from_url: expected a URL that ends in a file name "
                         f"(or file_name=...), got {url!r}")  # fmt: skip
    cached = folder / name
    if not cached.exists():
        prefix = None
        if check_hash:
            found = HASH_REGEX.search(name)
            prefix = found.group(1) if found else None
        download_url_to_file(url, str(cached), prefix, progress=progress)
    return _load(str(cached), map_location=map_location, weights_only=weights_only)


#: ``torch.utils.model_zoo.load_url``: the same function.
load_url = load_state_dict_from_url


def load(repo_or_dir: Any, model: Any, *args: Any, **kwargs: Any) -> Any:
    """Refused: ``torch.hub.load`` runs a repository's code."""
    raise NotImplementedError(f"torch.hub.load({repo_or_dir!r}, {model!r}): {_NO_CODE}")


def list(github: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: A001 - torch's name
    """Refused: ``torch.hub.list`` runs a repository's code."""
    raise NotImplementedError(f"torch.hub.list({github!r}): {_NO_CODE}")


def help(github: Any, model: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: A001 - torch's name
    """Refused: ``torch.hub.help`` runs a repository's code."""
    raise NotImplementedError(f"torch.hub.help({github!r}, {model!r}): {_NO_CODE}")
