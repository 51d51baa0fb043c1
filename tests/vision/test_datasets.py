"""glassnet.vision.datasets: torchvision's folders, items and download (local HTTP server)."""

from __future__ import annotations

import numpy as np
import pytest

from glassnet.data import ChecksumError
from glassnet.data import datasets as gdata
from glassnet.data.idx import write_idx
from glassnet.utils.data import DataLoader
from glassnet.vision import datasets, transforms
from tests.data.test_download import NAMES, _spec, _write_set, isolated, server  # noqa: F401


def _raw(root, name="MNIST", n_train=12, n_test=6, gz=True):
    raw = root / name / "raw"
    raw.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for split, n in (("train", n_train), ("test", n_test)):
        images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        labels = (np.arange(n) % 10).astype(np.uint8)
        for role, arr in (("images", images), ("labels", labels)):
            name_ = NAMES[f"{split}_{role}"]
            write_idx(raw / (name_ if gz else name_.removesuffix(".gz")), arr)
    return raw


@pytest.mark.parametrize("gz", [True, False])
def test_mnist_reads_torchvisions_layout_and_items_match_torchvision(tmp_path, isolated, gz):  # noqa: F811
    _raw(tmp_path, gz=gz)
    ds = datasets.MNIST(str(tmp_path), train=True, transform=transforms.ToTensor())
    assert len(ds) == 12 and ds.data.dtype == np.uint8 and tuple(ds.data.shape) == (12, 28, 28)
    img, label = ds[3]
    assert tuple(img.shape) == (1, 28, 28) and img.dtype == np.float32 and label == 3
    assert isinstance(label, int)
    np.testing.assert_allclose(img.numpy()[0], ds.data.numpy()[3] / 255.0, rtol=1e-6)
    test = datasets.MNIST(tmp_path, train=False)
    assert len(test) == 6 and test.targets.numpy().tolist() == [0, 1, 2, 3, 4, 5]


def test_fashion_mnist_folder_classes_and_target_transform(tmp_path, isolated):  # noqa: F811
    _raw(tmp_path, name="FashionMNIST")
    ds = datasets.FashionMNIST(tmp_path, target_transform=lambda y: y + 100)
    img, label = ds[1]
    assert label == 101 and ds.classes[9] == "Ankle boot"
    assert np.asarray(img).shape == (28, 28)  # a Pillow image (or uint8 array) before ToTensor


def test_missing_files_name_the_folders_and_download(tmp_path, isolated):  # noqa: F811
    with pytest.raises(FileNotFoundError) as exc:
        datasets.MNIST(tmp_path)
    msg = str(exc.value)
    assert str(tmp_path / "MNIST" / "raw") in msg and "download=True" in msg


def test_download_true_uses_the_checksummed_downloader(tmp_path, server, isolated, monkeypatch):  # noqa: F811
    url, www, requests = server
    hashes = _write_set(www)
    monkeypatch.setitem(gdata.SPECS, "mnist", _spec(hashes))
    monkeypatch.setenv("GLASSNET_DATASET_MIRROR", url)
    ds = datasets.MNIST(tmp_path / "data", train=True, download=True)
    assert len(ds) == 20
    raw = tmp_path / "data" / "MNIST" / "raw"
    assert sorted(p.name for p in raw.iterdir()) == sorted(
        [NAMES["train_images"], NAMES["train_labels"]]
    )
    n = len(requests)
    datasets.MNIST(tmp_path / "data", train=True, download=True)
    assert len(requests) == n  # found in ROOT/MNIST/raw now
    (www / NAMES["test_labels"]).write_bytes(b"tampered")
    with pytest.raises(ChecksumError, match=NAMES["test_labels"]):
        datasets.MNIST(tmp_path / "data", train=False, download=True)


def test_glassnets_own_lookup_is_the_fallback(tmp_path, isolated, monkeypatch):  # noqa: F811
    own = tmp_path / "own"
    _raw(own, name="x")
    monkeypatch.setenv("GLASSNET_DATA", str(own / "x"))
    (own / "x" / "raw").rename(own / "x" / "mnist")
    ds = datasets.MNIST(tmp_path / "elsewhere", train=False)
    assert len(ds) == 6


def test_a_loader_over_the_dataset_gives_torchs_batches(tmp_path, isolated):  # noqa: F811
    _raw(tmp_path)
    t = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
    loader = DataLoader(datasets.MNIST(tmp_path, transform=t), batch_size=5, shuffle=True)
    x, y = next(iter(loader))
    assert tuple(x.shape) == (5, 1, 28, 28) and x.dtype == np.float32 and y.dtype == np.int64
    assert len(loader) == 3
