"""glassnet.save / glassnet.load: torch.save's uses in safetensors files, never pickle."""

from __future__ import annotations

import json

import numpy as np
import pytest

import glassnet as gn
from glassnet.io import CheckpointError, load_file, load_metadata


def _trained():
    model = gn.nn.Linear(3, 2)
    opt = gn.optim.Adam(model.parameters(), lr=0.1)
    model(gn.randn(4, 3)).sum().backward()
    opt.step()
    return model, opt


def test_state_dict_round_trip_and_plain_safetensors_names(tmp_path):
    model, _ = _trained()
    path = tmp_path / "model.pt"
    gn.save(model.state_dict(), path)
    back = gn.load(path)
    assert list(back) == ["weight", "bias"] and isinstance(back["weight"], gn.Tensor)
    other = gn.nn.Linear(3, 2)
    other.load_state_dict(back)
    np.testing.assert_array_equal(other.weight.numpy(), model.weight.numpy())
    assert sorted(load_file(path)) == ["bias", "weight"]  # an ordinary safetensors file too


def test_nested_checkpoint_with_optimizer_state_round_trips(tmp_path):
    model, opt = _trained()
    obj = {
        "model": model.state_dict(), "optim": opt.state_dict(), "epoch": 3, "best": float("inf"),
        "tags": ("a", None, True), "arr": np.arange(3, dtype=np.int32),
    }  # fmt: skip
    gn.save(obj, tmp_path / "ckpt.pt")
    back = gn.load(tmp_path / "ckpt.pt", map_location="cpu", weights_only=True)
    assert back["epoch"] == 3 and back["best"] == float("inf") and back["tags"] == ("a", None, True)
    assert isinstance(back["arr"], np.ndarray) and back["arr"].dtype == np.int32
    opt2 = gn.optim.Adam(gn.nn.Linear(3, 2).parameters(), lr=0.5)
    opt2.load_state_dict(back["optim"])
    assert opt2.param_groups[0]["lr"] == 0.1
    np.testing.assert_array_equal(
        opt2.state_dict()["state"][0]["exp_avg"], opt.state_dict()["state"][0]["exp_avg"]
    )
    meta = load_metadata(tmp_path / "ckpt.pt")
    assert meta["format"] == "glassnet.save" and json.loads(meta["structure"])["epoch"] == 3


def test_a_single_tensor_and_a_list(tmp_path):
    gn.save(gn.arange(4.0), tmp_path / "t.pt")
    t = gn.load(tmp_path / "t.pt")
    assert isinstance(t, gn.Tensor) and t.numpy().tolist() == [0.0, 1.0, 2.0, 3.0]
    gn.save([gn.ones(2), 5], tmp_path / "l.pt")
    lst = gn.load(tmp_path / "l.pt")
    assert lst[1] == 5 and lst[0].numpy().tolist() == [1.0, 1.0]


def test_saving_a_module_or_optimizer_is_refused_naming_state_dict(tmp_path):
    model, opt = _trained()
    with pytest.raises(TypeError, match=r"model\.state_dict\(\)") as exc:
        gn.save(model, tmp_path / "m.pt")
    assert "pickle" in str(exc.value)
    with pytest.raises(TypeError, match=r"state_dict\(\)"):
        gn.save(opt, tmp_path / "o.pt")
    with pytest.raises(
        TypeError, match=r"obj\['f'\] is a builtin_function_or_method.*state_dict\(\)"
    ):
        gn.save({"f": print}, tmp_path / "f.pt")
    assert not any(tmp_path.iterdir())  # nothing half-written


def test_a_torch_file_loads_and_a_bare_pickle_is_refused_clearly(tmp_path, torch):
    torch.save({"w": torch.ones(2)}, tmp_path / "torch.pt")  # more in tests/io/test_torch_file.py
    np.testing.assert_array_equal(gn.load(tmp_path / "torch.pt")["w"].numpy(), [1.0, 1.0])
    (tmp_path / "legacy.pt").write_bytes(b"\x80\x02\x8a\x0alegacy pickle")
    with pytest.raises(CheckpointError, match="plain pickle stream.*never unpickles"):
        gn.load(tmp_path / "legacy.pt")


def test_file_objects_and_bad_map_location_are_refused(tmp_path):
    gn.save(gn.ones(2), tmp_path / "t.pt")
    with pytest.raises(TypeError, match="expected a file path"):
        gn.save(gn.ones(2), 42)  # binary file objects are taken (test_examples_round4)
    with pytest.raises(NotImplementedError, match="map_location=<function>"):
        gn.load(tmp_path / "t.pt", map_location=lambda s, loc: s)
    assert gn.load(tmp_path / "t.pt", map_location={"cuda:0": "cpu"}).device == "cpu"
