"""safetensors read/write: round trips, every dtype, the reference package both ways, the lazy reader."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

import glassnet as gn
from glassnet.io import CheckpointError, load_file, load_metadata, safe_open, save_file

DTYPES = [
    np.float64, np.float32, np.float16, np.complex64, np.int64, np.int32, np.int16, np.int8,
    np.uint64, np.uint32, np.uint16, np.uint8, np.bool_,
]  # fmt: skip
SHAPES = [(), (0,), (3,), (2, 3), (2, 0, 4), (1, 2, 3, 2)]


def _sample(dtype, shape, rng):
    a = rng.standard_normal(shape) * 50
    if np.dtype(dtype).kind == "c":
        a = a + 1j * rng.standard_normal(shape)
    if np.dtype(dtype).kind == "b":
        return a > 0
    return np.asarray(a).astype(dtype)


def _header(path):
    raw = open(path, "rb").read()
    n = int.from_bytes(raw[:8], "little")
    return n, json.loads(raw[8 : 8 + n]), raw


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_round_trip_every_dtype_and_shape(dtype, tmp_path, rng):
    tensors = {f"t{i}": _sample(dtype, s, rng) for i, s in enumerate(SHAPES)}
    path = tmp_path / "a.safetensors"
    save_file(tensors, path)
    back = load_file(path)
    assert list(back) == sorted(tensors)
    for k, a in tensors.items():
        assert back[k].dtype == np.dtype(dtype)
        assert back[k].shape == a.shape
        np.testing.assert_array_equal(back[k], a)
        assert back[k].flags.writeable


def test_file_layout_follows_the_format(tmp_path):
    path = tmp_path / "a.safetensors"
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    b = np.arange(3, dtype=np.int8)
    c = np.arange(2, dtype=np.float64)
    save_file({"a": a, "b": b, "c": c}, path, metadata={"who": "test"})
    n, header, raw = _header(path)
    assert n % 8 == 0 and raw[8 + n - 1 : 8 + n] in (b" ", b"}")
    assert header["__metadata__"] == {"who": "test"}
    assert header["a"] == {"dtype": "F32", "shape": [2, 3], "data_offsets": [16, 40]}
    assert header["c"]["data_offsets"] == [0, 16]  # widest items first: every tensor aligned
    assert header["b"] == {"dtype": "I8", "shape": [3], "data_offsets": [40, 43]}
    assert raw[8 + n + 16 : 8 + n + 40] == a.astype("<f4").tobytes()
    assert len(raw) == 8 + n + 43


def test_tensors_non_contiguous_and_big_endian_are_written_correctly(tmp_path):
    base = np.arange(12, dtype=np.float64).reshape(3, 4)
    tensors = {
        "t": base.T,  # Fortran order
        "s": base[:, ::2],  # strided
        "be": base.astype(">f4"),  # big-endian input
        "g": gn.tensor(base, requires_grad=True),  # a glassnet Tensor
        "scalar": np.float32(2.5),
    }
    path = tmp_path / "a.safetensors"
    save_file(tensors, path)
    back = load_file(path)
    np.testing.assert_array_equal(back["t"], base.T)
    np.testing.assert_array_equal(back["s"], base[:, ::2])
    assert back["be"].dtype == np.float32 and back["be"].dtype.isnative
    np.testing.assert_array_equal(back["be"], base.astype(np.float32))
    np.testing.assert_array_equal(back["g"], base)
    assert back["scalar"].shape == () and back["scalar"] == np.float32(2.5)


def test_reference_package_reads_our_files(tmp_path, rng):
    st = pytest.importorskip("safetensors.numpy")
    tensors = {np.dtype(d).name: _sample(d, (2, 3), rng) for d in DTYPES}
    tensors["empty"] = np.zeros((0, 5), np.float32)
    path = tmp_path / "ours.safetensors"
    save_file(tensors, path, metadata={"k": "v", "unicode": "äß→"})
    back = st.load_file(str(path))
    assert set(back) == set(tensors)
    for k, a in tensors.items():
        assert back[k].dtype == a.dtype
        np.testing.assert_array_equal(back[k], a)
    from safetensors import safe_open as ref_open

    with ref_open(str(path), framework="np") as f:
        assert f.metadata() == {"k": "v", "unicode": "äß→"}


def test_we_read_reference_package_files(tmp_path, rng):
    st = pytest.importorskip("safetensors.numpy")
    tensors = {np.dtype(d).name: _sample(d, (4, 2), rng) for d in DTYPES}
    tensors["scalar"] = np.array(3.0)
    path = tmp_path / "ref.safetensors"
    st.save_file(tensors, str(path), metadata={"format": "np"})
    back = load_file(path)
    assert load_metadata(path) == {"format": "np"}
    for k, a in tensors.items():
        assert back[k].dtype == a.dtype
        np.testing.assert_array_equal(back[k], a)


@pytest.mark.parametrize(
    "name,decoded",
    [
        ("bfloat16", "BF16"),
        ("float8_e4m3fn", "F8_E4M3"),
        ("float8_e5m2", "F8_E5M2"),
        ("float8_e8m0fnu", "F8_E8M0"),
    ],
)
def test_torch_only_dtypes_read_as_float32_exactly(name, decoded, tmp_path, torch):
    st = pytest.importorskip("safetensors.torch")
    tdtype = getattr(torch, name, None)
    if tdtype is None:
        pytest.skip(f"this torch has no {name}")
    if name == "bfloat16":
        bits = torch.arange(0, 2**16, 7, dtype=torch.int32).to(torch.int16)
    else:
        bits = torch.arange(256, dtype=torch.int32).to(torch.uint8)
    t = bits.view(tdtype)
    path = tmp_path / f"{name}.safetensors"
    st.save_file({"x": t}, str(path))
    with safe_open(path) as f:
        assert f.info("x").dtype == decoded
        assert f.info("x").numpy_dtype == np.float32
    got = load_file(path)["x"]
    want = t.float().numpy()
    assert got.dtype == np.float32
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_array_equal(got[~np.isnan(got)], want[~np.isnan(want)])


def test_safe_open_reads_lazily(tmp_path):
    path = tmp_path / "a.safetensors"
    save_file({"a": np.ones((2, 2), np.float32), "b": np.arange(3)}, path, metadata={"m": "1"})
    with safe_open(path) as f:
        assert f.keys() == ["b", "a"] and len(f) == 2 and "a" in f and "z" not in f
        assert f.metadata() == {"m": "1"}
        info = f.info("a")
        assert (info.dtype, info.shape) == ("F32", (2, 2))
        np.testing.assert_array_equal(f.get_tensor("b"), np.arange(3))
        with pytest.raises(KeyError, match="no tensor 'z'.*holds"):
            f.get_tensor("z")
        assert "2 tensors" in repr(f) and "F32" in repr(info)
    with pytest.raises(ValueError, match="closed"):
        f.get_tensor("a")


def test_empty_dict_and_metadata_only(tmp_path):
    path = tmp_path / "e.safetensors"
    save_file({}, path)
    assert load_file(path) == {}
    save_file({}, path, metadata={"only": "meta"})
    assert load_metadata(path) == {"only": "meta"}


def test_failed_write_leaves_the_old_file(tmp_path, monkeypatch):
    from contextlib import contextmanager

    from glassnet.io import safetensors as S

    path = tmp_path / "a.safetensors"
    save_file({"a": np.ones(3)}, path)
    before = path.read_bytes()
    real = S.atomic_write

    class DiskFull:  # a file whose third write fails, like a full disk
        def __init__(self, f):
            self.f, self.calls = f, 0

        def write(self, b):
            self.calls += 1
            if self.calls == 3:
                raise OSError(28, "No space left on device")
            return self.f.write(b)

    @contextmanager
    def flaky(p, mode):
        with real(p, mode) as f:
            yield DiskFull(f)

    monkeypatch.setattr(S, "atomic_write", flaky)
    with pytest.raises(OSError, match="No space"):
        save_file({"a": np.zeros(5), "b": np.zeros(2, np.int8)}, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["a.safetensors"]  # no temporary file left behind


@pytest.mark.parametrize(
    "tensors,metadata,exc,match",
    [
        ([1, 2], None, TypeError, "tensors must be a mapping"),
        ({1: np.ones(2)}, None, TypeError, "names must be strings, got 1"),
        ({"__metadata__": np.ones(2)}, None, ValueError, "'__metadata__' is reserved"),
        ({"a": [1, 2]}, None, TypeError, "tensor 'a' is a list"),
        ({"a": np.ones(2, np.complex128)}, None, TypeError, "tensor 'a' has dtype complex128"),
        ({"a": np.array(["x"])}, None, TypeError, "tensor 'a' has dtype <U1"),
        ({"a": np.ones(2)}, {"k": 1}, TypeError, "metadata must map str to str, got 'k': 1"),
        ({"a": np.ones(2)}, ["k"], TypeError, "metadata must be a mapping"),
    ],
)
def test_save_file_refuses_bad_input(tensors, metadata, exc, match, tmp_path):
    path = tmp_path / "x.safetensors"
    with pytest.raises(exc, match=match):
        save_file(tensors, path, metadata=metadata)
    assert not path.exists()


def test_missing_file_is_an_oserror_not_a_format_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_file(tmp_path / "nope.safetensors")
    assert not issubclass(FileNotFoundError, CheckpointError)
