"""Downloads against a local HTTP server (127.0.0.1, port 0): verification, mirrors, lookup order.

No test here touches the internet: the real download code runs against small
generated IDX files served from a temporary folder.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from glassnet.data import ChecksumError, DownloadError, datasets, fashion_mnist, mnist
from glassnet.data.datasets import FileSpec, ImageSetSpec
from glassnet.data.download import cache_dir, download_file, mirrors, search_folders
from glassnet.data.idx import write_idx

from ..local_http import serve

NAMES = {
    "train_images": "train-images-idx3-ubyte.gz",
    "train_labels": "train-labels-idx1-ubyte.gz",
    "test_images": "t10k-images-idx3-ubyte.gz",
    "test_labels": "t10k-labels-idx1-ubyte.gz",
}
COUNTS = {"train": 20, "test": 10}


@pytest.fixture
def server(tmp_path):
    """Serve tmp_path/www on 127.0.0.1 from a thread; yields (base_url, folder, request log)."""
    root = tmp_path / "www"
    root.mkdir()
    with serve(root) as (url, requests):
        yield url, root, requests


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """No GLASSNET_DATA, no mirror variable, a private cache; returns the cache folder."""
    monkeypatch.delenv("GLASSNET_DATA", raising=False)
    monkeypatch.delenv("GLASSNET_DATASET_MIRROR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    return tmp_path / "xdg" / "glassnet"


def _write_set(folder: Path, label_offset: int = 0) -> dict[str, str]:
    """Small MNIST-format files; returns {role: sha256}. Labels encode ``label_offset``."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(label_offset)
    hashes = {}
    for split, n in COUNTS.items():
        arrays = {
            f"{split}_images": rng.integers(0, 256, (n, 28, 28), dtype=np.uint8),
            f"{split}_labels": ((np.arange(n) + label_offset) % 10).astype(np.uint8),
        }
        for role, arr in arrays.items():
            write_idx(folder / NAMES[role], arr)
            hashes[role] = hashlib.sha256((folder / NAMES[role]).read_bytes()).hexdigest()
    return hashes


def _spec(hashes: dict[str, str], mirror: str = "http://127.0.0.1:9/", system=()) -> ImageSetSpec:
    return ImageSetSpec(
        folder="tiny",
        files={r: FileSpec(NAMES[r], hashes[r]) for r in NAMES},
        mirrors=(mirror,),
        counts=dict(COUNTS),
        system_dirs=tuple(str(s) for s in system),
    )


# ---------------------------------------------------------------- download_file
def test_download_verifies_and_places_the_file(server, tmp_path):
    url, www, _ = server
    (www / "a.bin").write_bytes(b"hello")
    good = hashlib.sha256(b"hello").hexdigest()
    path = download_file("a.bin", tmp_path / "dl", good.upper(), [url], quiet=True)
    assert path.read_bytes() == b"hello"
    assert sorted(p.name for p in (tmp_path / "dl").iterdir()) == ["a.bin"]


def test_bad_checksum_deletes_partial_file_and_names_both_hashes(server, tmp_path):
    url, www, _ = server
    (www / "a.bin").write_bytes(b"tampered")
    expected = hashlib.sha256(b"hello").hexdigest()
    actual = hashlib.sha256(b"tampered").hexdigest()
    with pytest.raises(ChecksumError) as exc:
        download_file("a.bin", tmp_path / "dl", expected, [url], quiet=True)
    msg = str(exc.value)
    assert "a.bin" in msg and expected in msg and actual in msg
    assert list((tmp_path / "dl").iterdir()) == []


def test_falls_back_to_the_next_mirror(server, tmp_path):
    url, www, requests = server
    (www / "b").mkdir()
    (www / "b" / "a.bin").write_bytes(b"x")
    sha = hashlib.sha256(b"x").hexdigest()
    path = download_file("a.bin", tmp_path, sha, [url + "missing/", url + "b/"], quiet=True)
    assert path.read_bytes() == b"x" and requests == ["/missing/a.bin", "/b/a.bin"]


def test_cut_transfer_moves_on_to_the_next_mirror(server, tmp_path):
    url, www, _ = server
    (www / "a.bin").write_bytes(b"x")
    sha = hashlib.sha256(b"x").hexdigest()
    path = download_file("a.bin", tmp_path, sha, [url + "short/", url], quiet=True)
    assert path.read_bytes() == b"x" and not (tmp_path / "a.bin.part").exists()
    with pytest.raises(DownloadError, match="short/a.bin"):
        download_file("a.bin", tmp_path / "b", sha, [url + "short/"], quiet=True)
    assert list((tmp_path / "b").iterdir()) == []


def test_all_mirrors_failing_is_a_download_error(server, tmp_path):
    url, _, _ = server
    with pytest.raises(DownloadError, match="could not download a.bin") as exc:
        download_file("a.bin", tmp_path, "0" * 64, [url, url + "x/"], quiet=True)
    assert url + "a.bin" in str(exc.value) and "GLASSNET_DATA" in str(exc.value)
    assert isinstance(exc.value, OSError)


def test_mirror_selection(monkeypatch):
    monkeypatch.delenv("GLASSNET_DATASET_MIRROR", raising=False)
    assert mirrors(["http://a"]) == ["http://a/"]
    monkeypatch.setenv("GLASSNET_DATASET_MIRROR", "http://m1/ http://m2")
    assert mirrors(["http://a"]) == ["http://m1/", "http://m2/"]
    assert mirrors(["http://a"], "http://arg") == ["http://arg/"]
    with pytest.raises(ValueError, match="no base URL"):
        mirrors([], [])


def test_search_folders_order(tmp_path, monkeypatch):
    monkeypatch.setenv("GLASSNET_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert search_folders("x", ["/sys/x"]) == [
        tmp_path / "data" / "x",
        tmp_path / "xdg" / "glassnet" / "x",
        Path("/sys/x"),
    ]
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert cache_dir() == Path.home() / ".cache" / "glassnet"


# ---------------------------------------------------- datasets through the server
def test_fashion_mnist_downloads_into_cache_then_reuses_it(server, isolated, monkeypatch):
    url, www, requests = server
    hashes = _write_set(www)
    monkeypatch.setitem(datasets.SPECS, "fashion_mnist", _spec(hashes))
    monkeypatch.setenv("GLASSNET_DATASET_MIRROR", url)
    x, y = fashion_mnist("train")
    assert x.shape == (20, 1, 28, 28) and x.dtype == np.float32 and y.dtype == np.int64
    assert 0.0 <= x.min() and x.max() <= 1.0
    assert sorted(p.name for p in (isolated / "tiny").iterdir()) == sorted(
        [NAMES["train_images"], NAMES["train_labels"]]
    )
    n = len(requests)
    fashion_mnist("train")
    assert len(requests) == n  # served from the cache now


def test_corrupted_download_is_refused(server, isolated, monkeypatch):
    url, www, _ = server
    hashes = _write_set(www)
    data = bytearray((www / NAMES["test_labels"]).read_bytes())
    data[-1] ^= 0xFF
    (www / NAMES["test_labels"]).write_bytes(bytes(data))
    monkeypatch.setitem(datasets.SPECS, "mnist", _spec(hashes))
    with pytest.raises(ChecksumError, match=NAMES["test_labels"]) as exc:
        mnist("test", base_url=url)
    assert hashes["test_labels"] in str(exc.value)
    assert not (isolated / "tiny" / NAMES["test_labels"]).exists()
    assert not (isolated / "tiny" / (NAMES["test_labels"] + ".part")).exists()


def test_lookup_order_env_then_cache_then_system(tmp_path, isolated, monkeypatch):
    system = tmp_path / "usr-share"
    hashes = _write_set(system, label_offset=3)
    monkeypatch.setitem(datasets.SPECS, "fashion_mnist", _spec(hashes, system=[system]))
    assert fashion_mnist("test", download=False)[1][0] == 3
    _write_set(isolated / "tiny", label_offset=2)
    assert fashion_mnist("test", download=False)[1][0] == 2
    _write_set(tmp_path / "env" / "tiny", label_offset=1)
    monkeypatch.setenv("GLASSNET_DATA", str(tmp_path / "env"))
    assert fashion_mnist("test", download=False)[1][0] == 1


def test_unpacked_files_are_found_too(tmp_path, isolated, monkeypatch):
    folder = tmp_path / "root"
    hashes = _write_set(folder)
    for name in NAMES.values():
        (folder / name).rename(folder / name.removesuffix(".gz"))
    monkeypatch.setitem(datasets.SPECS, "mnist", _spec(hashes))
    x, y = mnist("train", root=folder, dtype=np.uint8)
    assert x.dtype == np.uint8 and x.shape == (20, 1, 28, 28)


def test_root_is_searched_and_downloaded_into(server, tmp_path, isolated, monkeypatch):
    url, www, _ = server
    hashes = _write_set(www)
    monkeypatch.setitem(datasets.SPECS, "mnist", _spec(hashes))
    mnist("test", root=tmp_path / "mine", base_url=[url])
    assert (tmp_path / "mine" / NAMES["test_images"]).is_file()
    assert not (isolated / "tiny").exists()


def test_missing_without_download_lists_the_folders(tmp_path, isolated, monkeypatch):
    monkeypatch.setitem(datasets.SPECS, "fashion_mnist", _spec(_write_set(tmp_path / "x")))
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte.gz not found") as exc:
        fashion_mnist(download=False)
    assert str(isolated / "tiny") in str(exc.value) and "sample=True" in str(exc.value)


def test_wrong_content_is_named(tmp_path, isolated, monkeypatch):
    folder = tmp_path / "root"
    hashes = _write_set(folder)
    write_idx(folder / NAMES["test_labels"], np.full(10, 12, np.uint8))
    monkeypatch.setitem(datasets.SPECS, "mnist", _spec(hashes))
    with pytest.raises(ValueError, match=r"t10k-labels-idx1-ubyte.gz' has label 12, expected 0..9"):
        mnist("test", root=folder)
    write_idx(folder / NAMES["test_labels"], np.zeros(9, np.uint8))
    with pytest.raises(ValueError, match="should hold 10 uint8 labels, got uint8 \\(9,\\)"):
        mnist("test", root=folder)
    write_idx(folder / NAMES["test_images"], np.zeros((10, 28, 27), np.uint8))
    with pytest.raises(ValueError, match=r"should hold uint8 images of shape \(10, 28, 28\)"):
        mnist("test", root=folder)
