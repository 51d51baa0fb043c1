"""IDX files: round trips for every dtype, and refusals of malformed files that name the file."""

from __future__ import annotations

import gzip
import struct

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import glassnet as gn
from glassnet.data.idx import IDXError, read_idx, write_idx

DTYPES = ["uint8", "int8", "int16", "int32", "float32", "float64"]


def _sample(rng, dtype, shape):
    dt = np.dtype(dtype)
    if dt.kind == "f":
        return rng.standard_normal(shape).astype(dt)
    info = np.iinfo(dt)
    return rng.integers(info.min, info.max, size=shape, endpoint=True, dtype=dt)


def _raw_idx(code: int, dims: tuple[int, ...], payload: bytes) -> bytes:
    return bytes([0, 0, code, len(dims)]) + struct.pack(f">{len(dims)}I", *dims) + payload


@pytest.mark.parametrize("compressed", [False, True])
@pytest.mark.parametrize("dtype", DTYPES)
def test_round_trip_every_dtype(tmp_path, rng, dtype, compressed):
    arr = _sample(rng, dtype, (3, 4, 5))
    path = tmp_path / ("a.idx.gz" if compressed else "a.idx")
    write_idx(path, arr)
    assert path.read_bytes()[:2] == (b"\x1f\x8b" if compressed else b"\x00\x00")
    back = read_idx(path)
    assert back.dtype == arr.dtype and back.dtype.isnative
    np.testing.assert_array_equal(back, arr)


def test_reads_the_mnist_layout_big_endian(tmp_path):
    # an int32 file written by hand, big-endian as the format says
    data = _raw_idx(0x0C, (2, 2), struct.pack(">4i", 1, -2, 3, 2**31 - 1))
    (tmp_path / "x").write_bytes(data)
    np.testing.assert_array_equal(read_idx(tmp_path / "x"), [[1, -2], [3, 2**31 - 1]])


def test_compression_is_decided_by_content_not_name(tmp_path, rng):
    arr = _sample(rng, "uint8", (4, 3))
    write_idx(tmp_path / "unpacked.gz", arr, compress=False)  # a browser unpacked it, kept .gz
    write_idx(tmp_path / "packed.idx", arr, compress=True)
    np.testing.assert_array_equal(read_idx(tmp_path / "unpacked.gz"), arr)
    np.testing.assert_array_equal(read_idx(tmp_path / "packed.idx"), arr)


def test_write_is_deterministic_and_accepts_tensors(tmp_path):
    t = gn.tensor(np.arange(12, dtype=np.float32).reshape(3, 4))
    write_idx(tmp_path / "a.gz", t)
    write_idx(tmp_path / "b.gz", t.numpy().copy())
    assert (tmp_path / "a.gz").read_bytes() == (tmp_path / "b.gz").read_bytes()
    np.testing.assert_array_equal(read_idx(tmp_path / "a.gz"), t.numpy())


def test_big_endian_input_is_written_correctly(tmp_path):
    arr = np.arange(6, dtype=">i2").reshape(2, 3)
    write_idx(tmp_path / "a", arr)
    np.testing.assert_array_equal(read_idx(tmp_path / "a"), arr)


@pytest.mark.parametrize(
    "array, match",
    [
        (np.zeros(3, np.int64), "got dtype int64"),
        (np.zeros(3, bool), "got dtype bool"),
        (np.float32(1.0), "got shape ()"),
        (np.zeros((2, 0), np.uint8), r"got shape \(2, 0\)"),
    ],
)
def test_write_refuses_what_idx_cannot_hold(tmp_path, array, match):
    with pytest.raises(ValueError, match=match) as exc:
        write_idx(tmp_path / "bad.idx", array)
    assert "bad.idx" in str(exc.value)
    assert not list(tmp_path.iterdir())  # nothing half-written


def test_write_refuses_bad_compresslevel(tmp_path):
    with pytest.raises(ValueError, match="compresslevel must be 1..9, got 0"):
        write_idx(tmp_path / "a.gz", np.zeros(2, np.uint8), compresslevel=0)


def test_failed_write_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "a.idx"
    write_idx(path, np.arange(4, dtype=np.uint8))
    before = path.read_bytes()

    def boom(self, *a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(gzip.GzipFile, "write", boom)
    with pytest.raises(OSError, match="disk full"):
        write_idx(path, np.arange(8, dtype=np.uint8), compress=True)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["a.idx"]


BAD_FILES = {
    "empty": (b"", "ends inside the magic number"),
    "bad magic": (b"\x01\x00\x08\x01" + struct.pack(">I", 1) + b"\x00", "two zero bytes"),
    "unknown dtype": (_raw_idx(0x0A, (1,), b"\x00"), "unknown dtype code 0x0A"),
    "zero ndim": (b"\x00\x00\x08\x00", "number of dimensions must be 1..32, got 0"),
    "huge ndim": (b"\x00\x00\x08\xff", "got 255"),
    "short dims": (b"\x00\x00\x08\x02" + struct.pack(">I", 3), "ends inside the dimensions"),
    "zero dim": (_raw_idx(0x08, (3, 0), b""), "dimension 1 is 0"),
    "truncated": (_raw_idx(0x08, (2, 3), b"\x00" * 5), "truncated"),
    "too long": (_raw_idx(0x08, (2, 3), b"\x00" * 7), "too long"),
    "absurd header": (_raw_idx(0x0E, (2**32 - 1, 2**32 - 1), b""), "more than max_bytes"),
    "gzip bomb header": (gzip.compress(_raw_idx(0x08, (2**31,), b"")), "cannot hold that much"),
    "gzip truncated data": (gzip.compress(_raw_idx(0x08, (10,), b"\x01" * 9)), "data is truncated"),
    "gzip too long": (gzip.compress(_raw_idx(0x08, (2,), b"\x01" * 3)), "too long"),
    "gzip cut stream": (
        gzip.compress(_raw_idx(0x08, (100,), bytes(range(100))))[:-12],
        "truncated",
    ),
    "gzip bad crc": (
        (lambda b: b[:-8] + bytes([b[-8] ^ 1]) + b[-7:])(
            gzip.compress(_raw_idx(0x08, (3,), b"abc"))
        ),
        "corrupt",
    ),
    "gzip garbage": (b"\x1f\x8b" + b"\xff" * 30, "corrupt"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_malformed_files_are_refused_naming_the_file(tmp_path, case):
    data, match = BAD_FILES[case]
    path = tmp_path / "broken-file.idx"
    path.write_bytes(data)
    with pytest.raises(IDXError, match=match) as exc:
        read_idx(path)
    assert "broken-file.idx" in str(exc.value)
    assert isinstance(exc.value, ValueError)


def test_max_bytes_can_be_raised_for_genuine_big_files(tmp_path):
    write_idx(tmp_path / "a", np.zeros(100, np.float64))
    with pytest.raises(IDXError, match="800 bytes of data"):
        read_idx(tmp_path / "a", max_bytes=799)
    assert read_idx(tmp_path / "a", max_bytes=800).shape == (100,)


def test_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_idx(tmp_path / "nope.idx")


# ------------------------------------------------------------ property based
@st.composite
def idx_files(draw):
    dtype = draw(st.sampled_from(DTYPES))
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=3)))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    return _sample(rng, dtype, shape), draw(st.booleans())


def _mutate(data: bytes, draw) -> bytes:
    kind = draw(st.sampled_from(["truncate", "flip", "append", "overwrite"]))
    if kind == "truncate":
        return data[: draw(st.integers(0, len(data) - 1))]
    if kind == "append":
        return data + draw(st.binary(min_size=1, max_size=16))
    pos = draw(st.integers(0, len(data) - 1))
    if kind == "flip":
        return data[:pos] + bytes([data[pos] ^ (1 << draw(st.integers(0, 7)))]) + data[pos + 1 :]
    chunk = draw(st.binary(min_size=1, max_size=8))
    return data[:pos] + chunk + data[pos + len(chunk) :]


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(case=idx_files(), data=st.data())
def test_mutated_files_load_correctly_or_are_refused_cleanly(tmp_path, case, data):
    arr, compressed = case
    good = tmp_path / "good.idx"
    write_idx(good, arr, compress=compressed)
    blob = _mutate(good.read_bytes(), data.draw)
    bad = tmp_path / "mutant.idx"
    bad.write_bytes(blob)
    try:
        out = read_idx(bad)
    except IDXError as exc:
        assert "mutant.idx" in str(exc)
        return
    # it loaded: then it must be exactly what the bytes describe
    raw = gzip.decompress(blob) if blob[:2] == b"\x1f\x8b" else blob
    code, ndim = raw[2], raw[3]
    dims = struct.unpack(f">{ndim}I", raw[4 : 4 + 4 * ndim])
    dt = {8: ">u1", 9: ">i1", 11: ">i2", 12: ">i4", 13: ">f4", 14: ">f8"}[code]
    expected = np.frombuffer(raw[4 + 4 * ndim :], dtype=dt).reshape(dims)
    assert out.shape == dims
    np.testing.assert_array_equal(out, expected)
