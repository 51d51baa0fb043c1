"""``torch.hub.load_state_dict_from_url`` (glassnet/hub.py) against a local HTTP server."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

import glassnet as gn
from glassnet import hub
from glassnet.data import ChecksumError

from ..local_http import serve


@pytest.fixture
def server(tmp_path):
    """Serve tmp_path/www on 127.0.0.1; yields (base_url, folder, request log)."""
    root = tmp_path / "www"
    root.mkdir()
    with serve(root) as (url, requests):
        yield url, root, requests


@pytest.fixture
def hub_home(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch_home"))
    monkeypatch.setattr(hub, "_hub_dir", None)
    return tmp_path / "torch_home" / "hub"


def _torch_weights(folder):
    """A torch Linear's state dict saved by torch as ``lin-<sha256 prefix>.pth``."""
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    net = torch.nn.Linear(3, 2)
    tmp = folder / "tmp.pth"
    torch.save(net.state_dict(), tmp)
    digest = hashlib.sha256(tmp.read_bytes()).hexdigest()
    name = f"lin-{digest[:8]}.pth"
    tmp.rename(folder / name)
    return net, name


def test_weights_download_once_into_torchs_cache_and_load(server, hub_home):
    base, root, requests = server
    net, name = _torch_weights(root)
    model = gn.nn.Linear(3, 2)
    for _ in range(2):
        state = hub.load_state_dict_from_url(base + name, check_hash=True, progress=False)
        model.load_state_dict(state)
    assert requests == [f"/{name}"]  # the second call read the cached file
    assert (hub_home / "checkpoints" / name).exists()
    x = np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3)
    np.testing.assert_allclose(model(gn.tensor(x)).detach().numpy(),
                               net(__import__("torch").from_numpy(x)).detach().numpy(), rtol=1e-6)  # fmt: skip
    assert hub.load_url is hub.load_state_dict_from_url


def test_a_wrong_hash_leaves_nothing_behind(server, hub_home):
    base, root, _ = server
    _, name = _torch_weights(root)
    wrong = "lin-00000000.pth"
    (root / name).rename(root / wrong)
    with pytest.raises(ChecksumError, match="does not start with '00000000'"):
        hub.load_state_dict_from_url(base + wrong, check_hash=True, progress=False)
    assert list((hub_home / "checkpoints").iterdir()) == []


def test_folders_and_names(server, tmp_path, hub_home, monkeypatch):
    base, root, _ = server
    _, name = _torch_weights(root)
    assert hub.get_dir() == str(hub_home)
    hub.set_dir(tmp_path / "mine")
    assert hub.get_dir() == str(tmp_path / "mine")
    state = hub.load_state_dict_from_url(base + name, model_dir=str(tmp_path / "models"),
                                         file_name="renamed.pth", progress=False)  # fmt: skip
    assert set(state) == {"weight", "bias"} and (tmp_path / "models" / "renamed.pth").exists()
    monkeypatch.delenv("TORCH_HOME")
    monkeypatch.setattr(hub, "_hub_dir", None)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert hub.get_dir() == str(tmp_path / "xdg" / "torch" / "hub")


def test_code_from_a_repository_is_refused():
    for call in (lambda: hub.load("pytorch/vision", "resnet18"), lambda: hub.list("pytorch/vision"),
                 lambda: hub.help("pytorch/vision", "resnet18")):  # fmt: skip
        with pytest.raises(NotImplementedError, match="does not run code downloaded"):
            call()
