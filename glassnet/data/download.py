"""Where dataset files live, and fetching them with SHA-256 verification.

Lookup order for a dataset folder called ``<name>`` (see :func:`search_folders`):

1. ``$GLASSNET_DATA/<name>/``
2. the user cache: ``$XDG_CACHE_HOME/glassnet/<name>/`` or ``~/.cache/glassnet/<name>/``
3. system folders a package manager fills (Debian's ``/usr/share/datasets/...``)

Missing files are downloaded into the cache (or a ``root`` you pass): each
to ``<file>.part``, hashed while it streams, and renamed into place only when
its SHA-256 matches; a mismatch deletes the partial file and raises
:class:`ChecksumError`. The mirror can be changed with
``GLASSNET_DATASET_MIRROR`` (one base URL, or several separated by spaces).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path

__all__ = [
    "ChecksumError",
    "DownloadError",
    "cache_dir",
    "search_folders",
    "mirrors",
    "download_file",
    "sha256_file",
]

_CHUNK = 1 << 20


class ChecksumError(ValueError):
    """A downloaded file's SHA-256 differs from the expected one."""


class DownloadError(OSError):
    """No mirror could deliver a file."""


def cache_dir() -> Path:
    """glassnet's cache folder: ``$XDG_CACHE_HOME/glassnet``, else ``~/.cache/glassnet``."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "glassnet"


def search_folders(name: str, system: Sequence[str | os.PathLike] = ()) -> list[Path]:
    """The folders searched for dataset ``name``, in order (they need not exist)."""
    folders = []
    env = os.environ.get("GLASSNET_DATA")
    if env:
        folders.append(Path(env) / name)
    folders.append(cache_dir() / name)
    folders.extend(Path(s) for s in system)
    return folders


def mirrors(default: Sequence[str], base_url: str | Sequence[str] | None = None) -> list[str]:
    """Base URLs to try: ``base_url``, else ``$GLASSNET_DATASET_MIRROR``, else ``default``."""
    chosen: str | Sequence[str] | None = base_url
    if chosen is None:
        chosen = os.environ.get("GLASSNET_DATASET_MIRROR") or None
    if chosen is None:
        chosen = default
    urls = chosen.split() if isinstance(chosen, str) else list(chosen)
    if not urls:
        raise ValueError("mirrors: no base URL to download from")
    return [u if u.endswith("/") else u + "/" for u in urls]


def sha256_file(path: str | os.PathLike) -> str:
    """The SHA-256 of a file's bytes, as lowercase hex."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def _fetch(url: str, part: Path, timeout: float) -> str:
    import urllib.request  # here, not at module level: it costs ~15 ms to import

    h = hashlib.sha256()
    got = 0
    with urllib.request.urlopen(url, timeout=timeout) as resp, open(part, "wb") as out:
        announced = resp.headers.get("Content-Length")
        for chunk in iter(lambda: resp.read(_CHUNK), b""):
            h.update(chunk)
            out.write(chunk)
            got += len(chunk)
        out.flush()
        os.fsync(out.fileno())
    if announced is not None and announced.isdigit() and got != int(announced):
        raise OSError(f"the transfer was cut short: {got} of {announced} bytes")
    return h.hexdigest()


def fetch_url(url: str, dest: str | os.PathLike, *, sha256_prefix: str | None = None,
              timeout: float = 60.0) -> str:  # fmt: skip
    """Download ``url`` into ``dest`` atomically (through ``dest + '.part'``).

    Parameters
    ----------
    url : str
    dest : str or os.PathLike
        Replaced only once the whole body has arrived (and matched ``sha256_prefix``).
    sha256_prefix : str, optional
        The bytes' SHA-256 (hex) must start with it (PyTorch names its weight files
        ``<name>-<first hex digits>.pth``).
    timeout : float, default 60
        Seconds to wait on the network.

    Returns
    -------
    str
        The SHA-256 (hex) of the bytes written.

    Raises
    ------
    ChecksumError
        The hash does not start with ``sha256_prefix``; nothing is left behind.
    OSError
        The transfer failed or was cut short (``urllib``'s errors are OSErrors); the
        partial file is deleted.
    """
    dest = Path(dest)
    part = dest.with_name(dest.name + ".part")
    try:
        digest = _fetch(url, part, timeout)
        if sha256_prefix is not None and not digest.startswith(sha256_prefix.lower()):
            raise ChecksumError(f"fetch_url: {url} has SHA-256 {digest}, which does not start "
                                f"with {sha256_prefix.lower()!r} as its name says")  # fmt: skip
    except BaseException:
        with contextlib.suppress(OSError):
            part.unlink()
        raise
    os.replace(part, dest)
    return digest


def download_file(
    filename: str,
    folder: str | os.PathLike,
    sha256: str,
    base_urls: Sequence[str],
    *,
    timeout: float = 60.0,
    quiet: bool = False,
) -> Path:
    """Download ``filename`` from the first base URL that serves it, verified by SHA-256.

    Parameters
    ----------
    filename : str
        The file's name, appended to each base URL.
    folder : str or os.PathLike
        Where it goes (created if missing).
    sha256 : str
        Expected SHA-256 (hex) of the file's bytes.
    base_urls : sequence of str
        Mirrors, tried in order while they fail to connect / answer 404.
    timeout : float, default 60
        Seconds to wait on the network.
    quiet : bool, default False
        Do not print the one line per download on stderr.

    Returns
    -------
    Path
        The verified file.

    Raises
    ------
    ChecksumError
        The bytes' hash differs; the partial file is deleted. No other mirror
        is tried: a wrong file is reported, not papered over.
    DownloadError
        No mirror delivered the file.
    """
    import http.client  # lazily, like urllib.request in _fetch

    dest_dir = Path(folder)
    dest_dir.mkdir(parents=True, exist_ok=True)
    dest = dest_dir / filename
    part = dest_dir / (filename + ".part")
    failures = []
    for base in base_urls:
        url = base + filename
        if not quiet:
            print(f"glassnet: downloading {url} -> {dest}", file=sys.stderr)
        try:
            actual = _fetch(url, part, timeout)
        except (OSError, ValueError, http.client.HTTPException) as exc:  # URLError is an OSError
            with contextlib.suppress(OSError):
                part.unlink()
            failures.append(f"{url}: {exc}")
            continue
        except BaseException:
            with contextlib.suppress(OSError):
                part.unlink()
            raise
        if actual != sha256.lower():
            with contextlib.suppress(OSError):
                part.unlink()
            raise ChecksumError(
                f"download_file: {filename} from {url} has the wrong SHA-256: expected "
                f"{sha256.lower()}, got {actual}; the partial file {part} was deleted"
            )
        os.replace(part, dest)
        return dest
    raise DownloadError(
        f"download_file: could not download {filename} into {dest_dir}:\n  "
        + "\n  ".join(failures)
        + "\nPut the file there yourself, point GLASSNET_DATA at a folder holding it, "
        "or set GLASSNET_DATASET_MIRROR to a mirror."
    )
