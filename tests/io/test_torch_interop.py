"""Weights between glassnet and PyTorch: torch's safetensors files, in-memory state dicts."""

from __future__ import annotations

import sys

import numpy as np
import pytest

import glassnet as gn
from glassnet import nn
from glassnet.io import (
    CheckpointError,
    from_torch_state_dict,
    load_torch_state_dict,
    save,
    to_torch_state_dict,
)


class _ReLU(nn.Module):
    def forward(self, x):
        return x.relu()


ReLU = getattr(nn, "ReLU", _ReLU)


def _pair(torch):
    torch.manual_seed(0)
    t = torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3)).double()
    gn.manual_seed(1)
    g = nn.Sequential(nn.Linear(5, 8), ReLU(), nn.Linear(8, 3)).double()
    return t, g


def _outputs_agree(t, g, rng, torch):
    x = rng.standard_normal((6, 5))
    want = t(torch.from_numpy(x)).detach().numpy()
    got = g(gn.tensor(x)).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_torch_safetensors_file_loads_into_glassnet(tmp_path, rng, torch):
    st = pytest.importorskip("safetensors.torch")
    t, g = _pair(torch)
    path = tmp_path / "torch.safetensors"
    st.save_file(t.state_dict(), str(path))
    sd = load_torch_state_dict(path)
    assert set(sd) == {"0.weight", "0.bias", "2.weight", "2.bias"}
    assert all(isinstance(v, np.ndarray) and v.dtype == np.float64 for v in sd.values())
    g.load_state_dict(sd)
    _outputs_agree(t, g, rng, torch)


def test_glassnet_file_loads_into_torch(tmp_path, rng, torch):
    st = pytest.importorskip("safetensors.torch")
    t, g = _pair(torch)
    path = tmp_path / "glassnet.safetensors"
    save(g, path)
    t.load_state_dict(st.load_file(str(path)))
    _outputs_agree(t, g, rng, torch)


def test_in_memory_conversion_both_ways(rng, torch):
    t, g = _pair(torch)
    keys = from_torch_state_dict(g, t.state_dict())
    assert keys.missing_keys == [] and keys.unexpected_keys == []
    _outputs_agree(t, g, rng, torch)
    t2, _ = _pair(torch)
    with torch.no_grad():
        for p in t2.parameters():
            p.add_(1.0)
    t2.load_state_dict(to_torch_state_dict(g))
    _outputs_agree(t2, g, rng, torch)
    # copies: changing the torch tensors leaves the glassnet model alone
    sd = to_torch_state_dict(g)
    sd["0.bias"].add_(5.0)
    assert not np.allclose(g.state_dict()["0.bias"], sd["0.bias"].numpy())


def test_bfloat16_torch_weights_are_widened(tmp_path, torch):
    st = pytest.importorskip("safetensors.torch")
    torch.manual_seed(0)
    t = torch.nn.Linear(4, 2).to(torch.bfloat16)
    g = nn.Linear(4, 2)
    from_torch_state_dict(g, t.state_dict())
    np.testing.assert_array_equal(g.weight.numpy(), t.weight.float().detach().numpy())
    path = tmp_path / "bf16.safetensors"
    st.save_file(t.state_dict(), str(path))
    sd = load_torch_state_dict(path)
    assert sd["weight"].dtype == np.float32
    np.testing.assert_array_equal(sd["weight"], t.weight.float().detach().numpy())


def test_strict_and_non_strict_key_handling(torch):
    t, g = _pair(torch)
    sd = dict(t.state_dict())
    sd["extra.weight"] = torch.zeros(1)
    with pytest.raises(KeyError, match=r"unexpected keys \['extra.weight'\]"):
        from_torch_state_dict(g, sd)
    del sd["0.bias"]
    keys = from_torch_state_dict(g, sd, strict=False)
    assert keys.missing_keys == ["0.bias"] and keys.unexpected_keys == ["extra.weight"]


def test_shape_mismatch_names_the_key(torch):
    g = nn.Linear(4, 2)
    with pytest.raises(ValueError, match="'weight' has shape \\(3, 4\\)"):
        from_torch_state_dict(g, torch.nn.Linear(4, 3).state_dict())


def test_bad_arguments():
    g = nn.Linear(2, 2)
    with pytest.raises(
        TypeError, match="from_torch_state_dict: expected a glassnet Module, got dict"
    ):
        from_torch_state_dict({}, {})
    with pytest.raises(TypeError, match="expected a state dict \\(mapping\\), got list"):
        from_torch_state_dict(g, [])
    with pytest.raises(TypeError, match="'weight' is a str, expected a torch tensor"):
        from_torch_state_dict(g, {"weight": "x", "bias": np.zeros(2)})


def test_to_torch_without_torch_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(ImportError, match=r"pip install 'glassnet\[torch\]'"):
        to_torch_state_dict(nn.Linear(2, 2))


def test_load_torch_state_dict_needs_no_torch(tmp_path, monkeypatch, torch):
    st = pytest.importorskip("safetensors.torch")
    path = tmp_path / "t.safetensors"
    st.save_file({"w": torch.arange(6, dtype=torch.int64).reshape(2, 3)}, str(path))
    monkeypatch.setitem(sys.modules, "torch", None)
    np.testing.assert_array_equal(load_torch_state_dict(path)["w"], np.arange(6).reshape(2, 3))


def test_pt_files_load_and_unpicklable_objects_are_refused(tmp_path, torch):
    path = tmp_path / "model.pth"
    sd = torch.nn.Linear(2, 2).state_dict()
    torch.save(sd, path)  # read by glassnet's restricted unpickler (tests/io/test_torch_file.py)
    for k, v in load_torch_state_dict(path).items():
        np.testing.assert_array_equal(v, sd[k].numpy())
    torch.save(torch.nn.Linear(2, 2), path)  # a whole module: never unpickled
    with pytest.raises(CheckpointError, match=r"model.pth: .*refused global .*state_dict"):
        load_torch_state_dict(path)
