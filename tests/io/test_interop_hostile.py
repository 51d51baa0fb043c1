"""Files and state dicts from PyTorch the other interop tests do not try."""

from __future__ import annotations

import fractions

import numpy as np
import pytest

import glassnet as gn
import glassnet.io as gio
from glassnet import nn


def _torch_checkpoint(torch):
    net = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.BatchNorm1d(3))
    opt = torch.optim.Adam(net.parameters(), lr=0.01)
    net(torch.randn(5, 4)).sum().backward()
    opt.step()
    return net, opt, {
        "model": net.state_dict(), "optim": opt.state_dict(), "epoch": 3, "lr": 0.1,
        "name": "run", "history": [1, 2.5, "x"], "nested": {"a": {"b": torch.ones(2)}},
        "half": torch.arange(3).bfloat16(), "pair": (1, None),
    }  # fmt: skip


def test_a_torch_checkpoint_dict_saves_as_it_is(tmp_path, torch):
    net, opt, ckpt = _torch_checkpoint(torch)
    gn.save(ckpt, tmp_path / "ckpt.safetensors")
    back = gn.load(tmp_path / "ckpt.safetensors")
    for k, v in net.state_dict().items():
        np.testing.assert_array_equal(back["model"][k].numpy(), v.numpy())
    state = back["optim"]["state"][0]
    np.testing.assert_array_equal(state["exp_avg"].numpy(), opt.state_dict()["state"][0]["exp_avg"])
    assert back["optim"]["param_groups"][0]["betas"] == (0.9, 0.999)
    assert (back["epoch"], back["lr"], back["name"], back["history"]) == (
        3,
        0.1,
        "run",
        [1, 2.5, "x"],
    )
    assert back["pair"] == (1, None)
    np.testing.assert_array_equal(back["half"].numpy(), [0.0, 1.0, 2.0])  # bfloat16 widened
    model = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3))
    model.load_state_dict(back["model"])


@pytest.mark.parametrize("new_zip", [True, False])
def test_torch_save_files_are_refused_first_as_what_they_are(tmp_path, torch, new_zip):
    _, _, ckpt = _torch_checkpoint(torch)
    path = tmp_path / "ckpt.pt"
    torch.save(ckpt, path, _use_new_zipfile_serialization=new_zip)
    for load in (gio.load_file, gio.load_checkpoint):  # safetensors readers name what it is
        with pytest.raises(gio.CheckpointError) as err:
            load(path)
        msg = str(err.value)
        assert msg.startswith(f"{path}: it is a PyTorch .pt/.pth file"), msg
        assert "header length" not in msg and "glassnet.load(path)" in msg
    # the state dict readers: a checkpoint dict (zip) is not a state dict; legacy is refused
    for load in (gio.load, gio.load_torch_state_dict):
        with pytest.raises(gio.TorchFileError, match="glassnet.load" if new_zip else "legacy"):
            load(path)
    if new_zip:  # torch's zip format reads as torch.load(weights_only=True) reads it
        back = gn.load(path)
        np.testing.assert_array_equal(back["half"].numpy(), [0.0, 1.0, 2.0])
        assert back["pair"] == (1, None) and back["history"] == [1, 2.5, "x"]
    else:
        with pytest.raises(gio.TorchFileError, match="legacy file format"):
            gn.load(path)


def test_an_unknown_object_is_named_with_its_module(tmp_path):
    with pytest.raises(TypeError, match="obj\\['x'\\] is a fractions.Fraction, which needs pickle"):
        gn.save({"x": fractions.Fraction(1, 3)}, tmp_path / "f.safetensors")


LAYERS = {
    "lstm": lambda m: m.LSTM(4, 6, 2, bidirectional=True, batch_first=True),
    "gru_without_bias": lambda m: m.GRU(4, 6, bias=False),
    "attention_kdim_bias_kv": lambda m: m.MultiheadAttention(
        8, 2, kdim=5, vdim=3, add_bias_kv=True
    ),
    "transformer": lambda m: m.Transformer(8, 2, 1, 1, 16, batch_first=True),
    "norms": lambda m: m.Sequential(
        m.BatchNorm1d(3, affine=False),
        m.GroupNorm(1, 3),
        m.InstanceNorm1d(3, affine=True, track_running_stats=True),
        m.LayerNorm([3, 4]),
    ),  # fmt: skip
    "conv_transpose_groups_prelu": lambda m: m.Sequential(
        m.ConvTranspose2d(4, 6, 3, groups=2), m.PReLU(6), m.Embedding(9, 3, 0)
    ),  # fmt: skip
}


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_torch_state_dicts_load_and_go_back(torch, name):
    tmodel, model = LAYERS[name](torch.nn), LAYERS[name](nn)
    state = tmodel.state_dict()
    assert gio.from_torch_state_dict(model, state) == ([], [])
    assert list(model.state_dict()) == list(state)
    tmodel.load_state_dict(gio.to_torch_state_dict(model))
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(np.asarray(v.numpy()), tmodel.state_dict()[k].numpy())
