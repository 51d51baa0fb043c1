"""torch.save's .pt/.pth files read by glassnet's restricted unpickler (glassnet/io/torch_file.py).

Every file here is written by real torch in the test; what glassnet reads is compared with
what ``torch.load`` reads from the same file. Hostile files are built by hand and must be
refused, naming the file, with nothing run (a marker file stays absent).
"""

from __future__ import annotations

import io
import json
import os
import pickle
import subprocess
import sys
import textwrap
import warnings
import zipfile

import numpy as np
import pytest

import glassnet as gn
import glassnet.io as gio
from glassnet import nn
from glassnet.io.torch_file import TorchFileError, is_torch_file

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _as_numpy(torch, t):
    t = t.detach()
    if t.dtype in (torch.bfloat16, torch.float8_e4m3fn, torch.float8_e5m2):
        t = t.float()  # glassnet widens these to float32 (exactly), as for safetensors
    return t.numpy()


def _same(torch, got, want, where="obj"):
    """``got`` (glassnet's load) holds exactly what ``want`` (torch.load) holds."""
    if isinstance(want, torch.Tensor):
        assert isinstance(got, gn.Tensor), where
        assert isinstance(got, nn.Parameter) == isinstance(want, torch.nn.Parameter), where
        assert got.requires_grad == want.requires_grad, where
        w = _as_numpy(torch, want)
        g = got.detach().numpy()
        assert g.dtype == w.dtype and g.shape == w.shape, (where, g.dtype, w.dtype)
        np.testing.assert_array_equal(g, w, err_msg=where)
    elif isinstance(want, dict):
        assert type(got) is type(want) and list(got) == list(want), where
        for k in want:
            _same(torch, got[k], want[k], f"{where}[{k!r}]")
    elif isinstance(want, (list, tuple)):
        assert type(got) is type(want) and len(got) == len(want), where
        for i, (g, w) in enumerate(zip(got, want)):
            _same(torch, g, w, f"{where}[{i}]")
    else:
        assert type(got) is type(want) and got == want, (where, got, want)


def _save_and_compare(torch, tmp_path, obj, name="obj.pt"):
    path = tmp_path / name
    torch.save(obj, path)
    got = gn.load(path)
    _same(torch, got, torch.load(path, weights_only=True))
    return got


# --------------------------------------------------------------------------- models
def _models(tnn):
    return {
        "linear": (lambda m: m.Linear(5, 3), (4, 5)),
        "conv2d": (lambda m: m.Conv2d(2, 4, 3, padding=1), (2, 2, 6, 6)),
        "batchnorm": (lambda m: m.Sequential(m.Conv2d(2, 3, 3), m.BatchNorm2d(3)), (2, 2, 5, 5)),
        "lstm": (lambda m: m.LSTM(4, 6, num_layers=2, batch_first=True), (3, 5, 4)),
        "embedding": (lambda m: m.Embedding(10, 4), None),
    }


@pytest.mark.parametrize("name", ["linear", "conv2d", "batchnorm", "lstm", "embedding"])
def test_state_dicts_of_torch_models_load_and_give_torchs_outputs(tmp_path, torch, name):
    make, shape = _models(torch.nn)[name]
    torch.manual_seed(0)
    tnet = make(torch.nn)
    if name == "batchnorm":  # running statistics and num_batches_tracked (int64) that moved
        tnet.train()
        for _ in range(3):
            tnet(torch.randn(*shape))
    tnet.eval()
    path = tmp_path / "model.pth"
    torch.save(tnet.state_dict(), path)
    state = gn.load(path)
    _same(torch, state, torch.load(path, weights_only=True))
    if name == "batchnorm":
        assert state["1.num_batches_tracked"].dtype == np.int64
        assert int(state["1.num_batches_tracked"].numpy()) == 3

    model = make(nn).eval()
    model.load_state_dict(state)
    if shape is None:
        x = torch.tensor([[1, 4, 9], [0, 2, 2]])
        gx = gn.tensor(x.numpy())
    else:
        x = torch.randn(*shape)
        gx = gn.tensor(x.numpy())
    with torch.no_grad():
        want = tnet(x)
    got = model(gx)
    want, got = (want[0], got[0]) if isinstance(want, tuple) else (want, got)
    np.testing.assert_allclose(got.detach().numpy(), want.numpy(), rtol=1e-5, atol=1e-6)


def test_a_full_training_checkpoint(tmp_path, torch):
    torch.manual_seed(0)
    tnet = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    opt = torch.optim.Adam(tnet.parameters(), lr=1e-2)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=2)
    for _ in range(3):
        opt.zero_grad()
        tnet(torch.randn(5, 3)).pow(2).mean().backward()
        opt.step()
        sched.step()
    ckpt = {
        "model": tnet.state_dict(),
        "optimizer": opt.state_dict(),  # step tensors, param_groups lists, betas tuples
        "scheduler": sched.state_dict(),
        "epoch": 7,
        "best_loss": 0.125,
        "name": "run-ü",
        "nested": [1, (2.5, [None, "x"]), {"k": (True, False)}],
        "nothing": None,
        "blob": b"\x00\xffbytes",
        "shape": torch.Size([2, 3]),
        "device": torch.device("cpu"),
        "dtype": torch.float16,
        "ids": {3, 1, 2},
    }
    path = tmp_path / "ckpt.pt"
    torch.save(ckpt, path)
    got = gn.load(path)
    want = torch.load(path, weights_only=True)
    for key in ("model", "optimizer", "scheduler", "epoch", "best_loss", "name", "nested"):
        _same(torch, got[key], want[key], key)
    assert got["optimizer"]["state"][0]["step"].shape == ()
    assert got["optimizer"]["param_groups"][0]["params"] == [0, 1, 2, 3]
    assert got["nothing"] is None and got["blob"] == b"\x00\xffbytes"
    assert isinstance(got["shape"], gn.Size) and got["shape"] == (2, 3)
    assert got["device"] == gn.device("cpu") and got["dtype"] == gn.float16
    assert got["ids"] == {1, 2, 3}
    assert got["model"]._metadata == want["model"]._metadata  # the state dict's versions

    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    model.load_state_dict(got["model"])
    x = torch.randn(6, 3)
    with torch.no_grad():
        expected = tnet(x).numpy()
    np.testing.assert_allclose(model(gn.tensor(x.numpy())).detach().numpy(), expected, rtol=1e-6)


def test_views_of_one_storage_share_memory(tmp_path, torch):
    t = torch.arange(12, dtype=torch.float32).reshape(3, 4)
    obj = {"t": t, "tail": t[1:], "T": t.T, "cols": t[:, 1::2], "same": t, "row": t[2]}
    got = _save_and_compare(torch, tmp_path, obj)
    arrays = {k: v.numpy() for k, v in got.items()}
    for k in ("tail", "T", "cols", "row"):
        assert np.shares_memory(arrays["t"], arrays[k]), k
    assert got["same"] is got["t"]  # one tensor saved twice is one tensor, as in torch
    assert arrays["T"].strides == (4, 16)  # the transposed layout, not a copy
    got["t"].numpy()[2, 1] = -1.0  # a write shows through every view, as in torch
    assert arrays["tail"][1, 1] == -1.0 and arrays["T"][1, 2] == -1.0 and arrays["row"][1] == -1.0


def test_expanded_and_overlapping_layouts_read_as_read_only_views(tmp_path, torch):
    base = torch.arange(3.0)
    obj = {"base": base, "expand": base.expand(4, 3), "strided": base.as_strided((2, 2), (1, 1))}
    got = _save_and_compare(torch, tmp_path, obj)
    arrays = {k: v.numpy() for k, v in got.items()}
    assert np.shares_memory(arrays["base"], arrays["expand"])  # no copy of 4x the storage
    assert arrays["base"].flags.writeable
    for k in ("expand", "strided"):  # writing in place is refused, as torch refuses it
        assert not arrays[k].flags.writeable, k
        with pytest.raises(ValueError, match="read-only"):
            arrays[k][0, 0] = 5.0
    huge = torch.zeros(1).expand(10**6, 10**6)  # 10**12 elements over one stored float
    torch.save(huge, tmp_path / "huge.pt")
    assert gn.load(tmp_path / "huge.pt").shape == (10**6, 10**6)


@pytest.mark.parametrize(
    "dtype",
    ["float16", "bfloat16", "float32", "float64", "bool", "int8", "int16", "int32", "int64", "uint8"],
)
def test_every_dtype_0d_and_empty(tmp_path, torch, dtype):
    dt = getattr(torch, dtype)
    torch.manual_seed(1)
    full = (torch.randn(3, 5) * 50).to(dt) if dtype != "bool" else torch.randn(3, 5) > 0
    obj = {
        "full": full,
        "slice": full[1:, ::2],
        "scalar": full[1, 2].clone(),
        "empty": torch.zeros(0, 4, dtype=dt),
        "empty_view": full[:, 5:],
    }
    got = _save_and_compare(torch, tmp_path, obj)
    assert got["scalar"].shape == () and got["empty"].shape == (0, 4)
    want = np.float32 if dtype == "bfloat16" else np.dtype(dtype if dtype != "bool" else "?")
    assert got["full"].dtype == want


def test_a_bare_tensor_and_a_parameter(tmp_path, torch):
    torch.manual_seed(0)
    got = _save_and_compare(torch, tmp_path, torch.randn(4, 2), "t.pt")
    assert isinstance(got, gn.Tensor) and not got.requires_grad
    p = torch.nn.Parameter(torch.randn(3))
    got = _save_and_compare(torch, tmp_path, {"p": p, "frozen": torch.nn.Parameter(torch.ones(2), requires_grad=False)})
    assert isinstance(got["p"], nn.Parameter) and got["p"].requires_grad
    assert isinstance(got["frozen"], nn.Parameter) and not got["frozen"].requires_grad


def test_float8_and_uint16_from_torch_2s_untyped_storages(tmp_path, torch):
    torch.manual_seed(0)
    obj = {"f8": torch.randn(6).to(torch.float8_e4m3fn), "u16": torch.tensor([1, 65535], dtype=torch.int32).to(torch.uint16)}
    got = _save_and_compare(torch, tmp_path, obj)
    assert got["f8"].dtype == np.float32 and got["u16"].dtype == np.uint16


def test_big_endian_storages_are_read_in_their_byte_order(tmp_path, torch):
    t = torch.tensor([[1.5, -2.25], [3.0, 1e-3]], dtype=torch.float64)
    torch.save({"w": t, "n": torch.tensor([1, -2], dtype=torch.int32)}, tmp_path / "le.pt")
    src = zipfile.ZipFile(tmp_path / "le.pt")
    with zipfile.ZipFile(tmp_path / "be.pt", "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.endswith("/byteorder"):
                data = b"big"
            elif info.filename.endswith("/data/0"):
                data = np.frombuffer(data, "<f8").astype(">f8").tobytes()
            elif info.filename.endswith("/data/1"):
                data = np.frombuffer(data, "<i4").astype(">i4").tobytes()
            dst.writestr(info.filename, data)
    got = gn.load(tmp_path / "be.pt")
    np.testing.assert_array_equal(got["w"].numpy(), t.numpy())
    np.testing.assert_array_equal(got["n"].numpy(), [1, -2])
    assert got["w"].numpy().dtype.isnative


# --------------------------------------------------------------------------- the ways in
def test_torch_load_arguments_file_objects_and_the_io_helpers(tmp_path, torch):
    torch.manual_seed(0)
    sd = torch.nn.Linear(3, 2).state_dict()
    path = tmp_path / "m.pth"
    torch.save(sd, path)
    assert is_torch_file(path)
    for kwargs in ({}, {"map_location": "cpu"}, {"map_location": {"cpu": "cpu"}},
                   {"weights_only": True}, {"weights_only": False}, {"weights_only": None}):  # fmt: skip
        _same(torch, gn.load(path, **kwargs), sd, str(kwargs))
    with pytest.raises(NotImplementedError, match="map_location=<function>"):
        gn.load(path, map_location=lambda s, loc: s)
    with open(path, "rb") as fh:  # a binary file object, as torch.load(open(...)) reads
        _same(torch, gn.load(fh), sd)
    _same(torch, gn.load(io.BytesIO(path.read_bytes())), sd)
    for arrays in (gio.load_torch_state_dict(path), gio.load(path)):
        assert list(arrays) == list(sd)
        for k, v in sd.items():
            np.testing.assert_array_equal(arrays[k], v.numpy())
    torch.save({"model": sd, "epoch": 1}, tmp_path / "ckpt.pt")
    with pytest.raises(TorchFileError, match=r"ckpt.pt.*\['model', 'epoch'\].*glassnet.load"):
        gio.load_torch_state_dict(tmp_path / "ckpt.pt")


def test_a_file_saved_from_cuda_follows_map_location(tmp_path, torch):
    torch.save({"w": torch.ones(2)}, tmp_path / "cpu.pt")
    _rewrite_pickle(tmp_path / "cpu.pt", tmp_path / "cuda.pt", lambda p: p.replace(b"X\x03\x00\x00\x00cpu", b"X\x06\x00\x00\x00cuda:0"))
    got = gn.load(tmp_path / "cuda.pt", map_location="cpu")
    assert got["w"].device == gn.device("cpu")
    np.testing.assert_array_equal(got["w"].numpy(), [1.0, 1.0])
    got = gn.load(tmp_path / "cuda.pt", map_location={"cuda:0": "cpu"})
    assert got["w"].device == gn.device("cpu")
    _rewrite_pickle(tmp_path / "cpu.pt", tmp_path / "mps.pt", lambda p: p.replace(b"X\x03\x00\x00\x00cpu", b"X\x03\x00\x00\x00mps"))
    with pytest.raises(TorchFileError, match=r"mps.pt.*device 'mps'.*map_location='cpu'"):
        gn.load(tmp_path / "mps.pt")
    assert gn.load(tmp_path / "mps.pt", map_location="cpu")["w"].shape == (2,)


# --------------------------------------------------------------------------- refused
def test_the_legacy_format_and_torchscript_are_refused_by_name(tmp_path, torch):
    torch.save({"w": torch.ones(2)}, tmp_path / "legacy.pt", _use_new_zipfile_serialization=False)
    with pytest.raises(TorchFileError, match=r"legacy.pt: .*legacy file format.*_use_new_zipfile"):
        gn.load(tmp_path / "legacy.pt")
    with pytest.raises(TorchFileError, match=r"legacy.pt: .*legacy"):
        gio.load_torch_state_dict(tmp_path / "legacy.pt")
    with warnings.catch_warnings():  # torch.jit is deprecated in torch 2.13, still written
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.jit.save(torch.jit.script(torch.nn.Linear(2, 2)), tmp_path / "scripted.pt")
    with pytest.raises(TorchFileError, match=r"scripted.pt: .*TorchScript archive"):
        gn.load(tmp_path / "scripted.pt")
    (tmp_path / "plain.pkl").write_bytes(pickle.dumps({"a": 1}, protocol=2))
    with pytest.raises(TorchFileError, match=r"plain.pkl: .*plain pickle stream"):
        gn.load(tmp_path / "plain.pkl")


def test_a_whole_module_and_complex_tensors_are_refused(tmp_path, torch):
    torch.save(torch.nn.Linear(2, 2), tmp_path / "module.pt")
    for kwargs in ({}, {"weights_only": False}):
        with pytest.raises(
            TorchFileError,
            match=r"module.pt: .*refused global 'torch.nn.modules.linear.Linear'.*state_dict",
        ) as exc:
            gn.load(tmp_path / "module.pt", **kwargs)
        assert isinstance(exc.value, pickle.UnpicklingError) and isinstance(exc.value, ValueError)
    assert "weights_only=False does not change this" in str(exc.value)
    torch.save({"c": torch.ones(2, dtype=torch.complex64)}, tmp_path / "complex.pt")
    with pytest.raises(TorchFileError, match=r"complex.pt: .*complex tensors.*ComplexFloatStorage"):
        gn.load(tmp_path / "complex.pt")
    torch.save({"s": torch.eye(2).to_sparse()}, tmp_path / "sparse.pt")
    with pytest.raises(TorchFileError, match=r"sparse.pt: .*sparse tensors"):
        gn.load(tmp_path / "sparse.pt")


def _archive(path, pkl: bytes, storages=None, byteorder=b"little"):
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("archive/data.pkl", pkl)
        zf.writestr("archive/byteorder", byteorder)
        for key, data in (storages or {}).items():
            zf.writestr(f"archive/data/{key}", data)
        zf.writestr("archive/version", b"3\n")


def _rewrite_pickle(src, dst, edit):
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            zout.writestr(info.filename, edit(data) if info.filename.endswith("data.pkl") else data)


class _Call:
    """Pickles as a call of ``func(*args)``: what a hostile file does."""

    def __init__(self, func, *args):
        self.func, self.args = func, args

    def __reduce__(self):
        return self.func, self.args


def _hostile_pickles(marker: str) -> dict[str, tuple[bytes, str]]:
    touch = f"open({marker!r}, 'w').close()"
    dump = lambda obj: pickle.dumps(obj, protocol=2)  # noqa: E731
    return {
        "os.system": (dump({"w": _Call(os.system, f"touch {marker}")}), r"refused global '(posix|nt|os)\.system'"),
        "builtins.eval": (dump(_Call(eval, touch)), r"refused global 'builtins.eval'"),
        "builtins.exec": (dump([_Call(exec, touch)]), r"refused global 'builtins.exec'"),
        "getattr": (dump(_Call(getattr, "text", "upper")), r"refused global 'builtins.getattr'"),
        "open": (dump(_Call(open, marker, "w")), r"refused global '(io|builtins).open'"),
        "protocol-4": (pickle.dumps(_Call(os.system, f"touch {marker}"), protocol=4), r"refused global"),
        # REDUCE on a permitted name that is not a constructor (a storage class)
        "reduce-storage-class": (b"\x80\x02ctorch\nFloatStorage\n)R.", "REDUCE on torch.FloatStorage"),
        # INST and OBJ create objects without GLOBAL + REDUCE
        "inst": (b"(S'touch x'\nios\nsystem\n.", "INST/OBJ/EXT"),
        "obj": (b"\x80\x02(ccollections\nOrderedDict\no.", "INST/OBJ/EXT"),
        # BUILD on a permitted object other than an OrderedDict
        "build-set": (b"\x80\x02c__builtin__\nset\n]\x85R}X\x01\x00\x00\x00a\x4b\x01sb.", "BUILD"),
        "setitem-on-set": (b"\x80\x02c__builtin__\nset\n]\x85RK\x01K\x02s.", "SETITEM on a set"),
        "persistent-id": (b"\x80\x02X\x04\x00\x00\x00evilQ.", "unknown persistent id"),
        "not-a-pickle": (b"\x80\x02}q\x00(", "damaged or truncated"),
        "bad-opcode": (b"\x80\x02\xff.", "damaged pickle"),
    }


@pytest.mark.parametrize("case", sorted(_hostile_pickles("m")))
def test_hostile_pickles_are_refused_and_nothing_runs(tmp_path, case):
    marker = tmp_path / "pwned"
    pkl, message = _hostile_pickles(str(marker))[case]
    path = tmp_path / "hostile.pt"
    _archive(path, pkl)
    with pytest.raises(TorchFileError, match=f"hostile.pt: glassnet.load: .*{message}"):
        gn.load(path)
    with pytest.raises(TorchFileError, match="hostile.pt"):
        gio.load_torch_state_dict(path)
    assert not marker.exists()


def _tensor_pickle(storage_cls: str, key: str, numel: int, offset: int, size, stride) -> bytes:
    """torch._utils._rebuild_tensor_v2 of one storage, written opcode by opcode."""
    def tup(xs):
        return b"(" + b"".join(b"K" + bytes([x]) for x in xs) + b"t"

    return (
        b"\x80\x02ctorch._utils\n_rebuild_tensor_v2\n("
        + b"(X\x07\x00\x00\x00storagectorch\n" + storage_cls.encode() + b"\n"
        + b"X" + len(key).to_bytes(4, "little") + key.encode() + b"X\x03\x00\x00\x00cpu"
        + b"K" + bytes([numel]) + b"tQ"
        + b"K" + bytes([offset]) + tup(size) + tup(stride)
        + b"\x89ccollections\nOrderedDict\n)RtR."
    )  # fmt: skip


def test_hand_made_tensors_out_of_bounds_or_missing_storage_are_refused(tmp_path):
    ok = _tensor_pickle("FloatStorage", "0", 6, 1, (2, 2), (2, 1))
    _archive(tmp_path / "ok.pt", ok, {"0": np.arange(6, dtype="<f4").tobytes()})
    np.testing.assert_array_equal(gn.load(tmp_path / "ok.pt").numpy(), [[1, 2], [3, 4]])
    cases = {
        "missing": (ok, {}, r"storage member 'archive/data/0' is missing"),
        "short-member": (ok, {"0": b"\0" * 8}, "has 8 bytes, but the tensors that use it need 24"),
        "past-the-end": (
            _tensor_pickle("FloatStorage", "0", 6, 3, (2, 2), (2, 1)),
            {"0": b"\0" * 24},
            r"reaches element 6 of storage '0', which has 6",
        ),
        "huge-stride": (
            _tensor_pickle("FloatStorage", "0", 6, 0, (2,), (200,)),
            {"0": b"\0" * 24},
            "reaches element 200",
        ),
        "bad-bool": (_tensor_pickle("BoolStorage", "0", 2, 0, (2,), (1,)), {"0": b"\x00\x07"}, "bytes other than 0 and 1"),
        "complex": (_tensor_pickle("ComplexFloatStorage", "0", 1, 0, (1,), (1,)), {"0": b"\0" * 8}, "complex tensors"),
    }
    for name, (pkl, storages, message) in cases.items():
        _archive(tmp_path / f"{name}.pt", pkl, storages)
        with pytest.raises(TorchFileError, match=f"{name}.pt: .*{message}"):
            gn.load(tmp_path / f"{name}.pt")


def test_truncated_and_damaged_archives_are_refused(tmp_path, torch):
    torch.save({"w": torch.randn(64, 64)}, tmp_path / "good.pt")
    data = (tmp_path / "good.pt").read_bytes()
    for cut in (len(data) // 2, len(data) - 30, 100):
        (tmp_path / "cut.pt").write_bytes(data[:cut])
        with pytest.raises(TorchFileError, match=r"cut.pt: glassnet.load: .*(damaged|truncated|ends early)"):
            gn.load(tmp_path / "cut.pt")
    with zipfile.ZipFile(tmp_path / "other.zip", "w") as zf:
        zf.writestr("readme.txt", "not torch")
    with pytest.raises(TorchFileError, match=r"other.zip: .*not in torch.save's layout"):
        gn.load(tmp_path / "other.zip")


# --------------------------------------------------------------------------- scripts
TRAIN = """
import torch, torch.nn as nn
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3))
opt = torch.optim.SGD(model.parameters(), lr=0.1)
x, y = torch.randn(32, 4), torch.randint(0, 3, (32,))
for _ in range(20):
    opt.zero_grad()
    nn.functional.cross_entropy(model(x), y).backward()
    opt.step()
torch.save(model.state_dict(), "m.pth")
"""

PREDICT = """
import json
import torch, torch.nn as nn
model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3))
model.load_state_dict(torch.load("m.pth"))
model.eval()
x = torch.linspace(-1, 1, 20).reshape(5, 4)
with torch.no_grad():
    out = model(x)
print(json.dumps({"out": out.tolist(), "pred": out.argmax(dim=1).tolist()}))
"""


def test_an_unmodified_script_loads_torchs_weights_under_glassnet_run(tmp_path, torch):
    (tmp_path / "train.py").write_text(textwrap.dedent(TRAIN))
    (tmp_path / "predict.py").write_text(textwrap.dedent(PREDICT))
    env = dict(os.environ, PYTHONPATH=ROOT)

    def run(*cmd):
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path, env=env, timeout=180)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    run(sys.executable, "train.py")  # real torch trains and saves
    want = json.loads(run(sys.executable, "predict.py"))  # real torch predicts
    got = json.loads(run(sys.executable, "-m", "glassnet", "run", "predict.py"))
    assert got["pred"] == want["pred"]
    np.testing.assert_allclose(got["out"], want["out"], rtol=1e-5, atol=1e-6)
