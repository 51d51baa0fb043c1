"""Weights and data from PyTorch, through the documented ways in, checked against torch."""

from __future__ import annotations

import os

import numpy as np
import pytest

import glassnet as gn
import glassnet.io as gio
from glassnet import nn
from glassnet.train import fit


def _conv_bn(m):
    return m.Sequential(
        m.Conv2d(3, 4, 3, padding=1), m.BatchNorm2d(4), m.ReLU(), m.Flatten(), m.Linear(4 * 5 * 5, 3)
    )


def _lstm(m):
    return m.LSTM(4, 6, num_layers=2, batch_first=True, bidirectional=True)


def _encoder(m):
    return m.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True)


MODELS = {"conv-bn": (_conv_bn, (2, 3, 5, 5)), "lstm": (_lstm, (2, 3, 4)), "encoder": (_encoder, (2, 3, 8))}


def _outputs(model, x):
    out = model(x)
    return out[0] if isinstance(out, tuple) else out


@pytest.mark.parametrize("zip_format", [True, False], ids=["zip", "legacy"])
@pytest.mark.parametrize("name", sorted(MODELS))
def test_a_torch_save_state_dict_converts_as_documented(tmp_path, torch, name, zip_format):
    make, shape = MODELS[name]
    torch.manual_seed(0)
    tnet = make(torch.nn).eval()
    for mod in tnet.modules():  # non-trivial running statistics
        if isinstance(mod, torch.nn.BatchNorm2d):
            mod.running_mean.uniform_(-1, 1)
            mod.running_var.uniform_(0.5, 2)
    pt = tmp_path / "model.pt"
    torch.save(tnet.state_dict(), pt, _use_new_zipfile_serialization=zip_format)
    if zip_format:  # read by glassnet's restricted unpickler: tensors only, no code run
        state = gn.load(pt)
    else:
        with pytest.raises(gio.CheckpointError, match="legacy file format"):
            gn.load(pt)  # torch's legacy format is refused ...
        gn.save(torch.load(pt, weights_only=True), tmp_path / "model.safetensors")  # ... converted
        state = gn.load(tmp_path / "model.safetensors")
    model = make(nn).eval()
    model.load_state_dict(state)
    x = torch.randn(*shape)
    with torch.no_grad():
        want = _outputs(tnet, x).numpy()
    got = _outputs(model, gn.tensor(x.numpy())).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_a_bfloat16_safetensors_file_from_the_safetensors_package(tmp_path, torch):
    st = pytest.importorskip("safetensors.torch")
    torch.manual_seed(0)
    tnet = _conv_bn(torch.nn)
    half = {k: (v.bfloat16() if v.is_floating_point() else v) for k, v in tnet.state_dict().items()}
    st.save_file(half, str(tmp_path / "w.safetensors"))
    state = gio.load_torch_state_dict(tmp_path / "w.safetensors")
    model = _conv_bn(nn)
    model.load_state_dict(state)
    for k, v in model.state_dict().items():
        want = half[k].float() if half[k].is_floating_point() else half[k]
        np.testing.assert_array_equal(v.numpy(), want.numpy(), err_msg=k)


@pytest.mark.parametrize("kind", ["sparse", "meta"])
def test_torch_tensors_without_dense_values_are_refused_by_name(tmp_path, torch, kind):
    bad = torch.eye(3).to_sparse() if kind == "sparse" else torch.empty(3, device="meta")
    with pytest.raises(TypeError, match=r"\['w'\].* is a torch tensor (of layout|on the meta)"):
        gn.save({"ok": torch.ones(2), "w": bad}, tmp_path / "x.safetensors")
    assert os.listdir(tmp_path) == []  # nothing half-written


def test_fit_on_torch_tensors_equals_fit_on_their_arrays(torch):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(24, 4)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)

    def history(data):
        gn.manual_seed(0)
        model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
        h = fit(model, data, loss="cross_entropy", optimizer="adam", epochs=2, batch_size=8,
                verbose=0, seed=0)  # fmt: skip
        return h.history["loss"]

    assert history((torch.from_numpy(x), torch.from_numpy(y))) == history((x, y))


def test_a_toml_file_with_a_byte_order_mark_loads(tmp_path):
    path = tmp_path / "run.toml"
    path.write_bytes(b"\xef\xbb\xbfepochs = 3\r\n[model]\r\nname = \"mlp\"\r\n")
    assert gio.load_config(path) == {"epochs": 3, "model": {"name": "mlp"}}


def test_a_collate_fn_that_returns_torch_tensors(torch):
    from glassnet.data import DataLoader, Dataset

    class Pairs(Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return torch.full((3,), float(i)), torch.tensor(i % 2)

    def stack(samples):
        return torch.stack([x for x, _ in samples]), torch.stack([y for _, y in samples])

    batches = list(DataLoader(Pairs(), batch_size=2, collate_fn=stack))
    plain = list(DataLoader(Pairs(), batch_size=2))
    assert len(batches) == len(plain) == 3
    for (xb, yb), (xp, yp) in zip(batches, plain):
        assert (xb.dtype, yb.dtype) == (xp.dtype, yp.dtype)
        np.testing.assert_array_equal(xb.numpy(), xp.numpy())
        np.testing.assert_array_equal(yb.numpy(), yp.numpy())
