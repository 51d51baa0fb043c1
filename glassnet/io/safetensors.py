"""The safetensors format, read and written by glassnet's own code (no pickle, no extra package).

Layout of a file::

    8 bytes   N, the header length (unsigned little-endian)
    N bytes   UTF-8 JSON object, padded with spaces to a multiple of 8:
              {"__metadata__": {str: str},
               "<name>": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, ...}
    rest      the tensors' raw little-endian bytes, C order; offsets count from here

Every file is validated completely before any tensor is allocated: a hostile or
damaged file is refused with a :class:`CheckpointError` naming the file and the
fault, and allocations never exceed what the file itself holds.
"""

from __future__ import annotations

import functools
import json
import math
import os
import sys
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from typing import Any, BinaryIO

import numpy as np

from .._fileio import atomic_write
from .._validate import is_int
from ..tensor import Tensor

__all__ = [
    "CheckpointError",
    "TensorInfo",
    "SafetensorsFile",
    "save_file",
    "load_file",
    "load_metadata",
    "safe_open",
]

MAX_HEADER_BYTES = 100_000_000
"""Largest header accepted (the limit of the reference implementation)."""
_MAX_BYTES = 2**63 - 1

# format dtype -> NumPy dtype stored in the file (little-endian)
_STORED: dict[str, np.dtype] = {
    "F64": np.dtype("<f8"),
    "F32": np.dtype("<f4"),
    "F16": np.dtype("<f2"),
    "C64": np.dtype("<c8"),
    "I64": np.dtype("<i8"),
    "I32": np.dtype("<i4"),
    "I16": np.dtype("<i2"),
    "I8": np.dtype("i1"),
    "U64": np.dtype("<u8"),
    "U32": np.dtype("<u4"),
    "U16": np.dtype("<u2"),
    "U8": np.dtype("u1"),
    "BOOL": np.dtype("u1"),
    # formats NumPy lacks: read as their raw bits, decoded to float32
    "BF16": np.dtype("<u2"),
    "F8_E5M2": np.dtype("u1"),
    "F8_E4M3": np.dtype("u1"),
    "F8_E8M0": np.dtype("u1"),
}
_DECODED = {"BF16", "F8_E5M2", "F8_E4M3", "F8_E8M0"}
_SUB_BYTE = {"F4", "F6_E2M3", "F6_E3M2"}  # packed below one byte per value: refused

# NumPy dtype (native) -> format dtype, for writing
_WRITE: dict[np.dtype, str] = {
    np.dtype(np.float64): "F64",
    np.dtype(np.float32): "F32",
    np.dtype(np.float16): "F16",
    np.dtype(np.complex64): "C64",
    np.dtype(np.int64): "I64",
    np.dtype(np.int32): "I32",
    np.dtype(np.int16): "I16",
    np.dtype(np.int8): "I8",
    np.dtype(np.uint64): "U64",
    np.dtype(np.uint32): "U32",
    np.dtype(np.uint16): "U16",
    np.dtype(np.uint8): "U8",
    np.dtype(np.bool_): "BOOL",
}

_PICKLE_HINT = (
    "it is a PyTorch .pt/.pth file (torch.save's zip or pickle format), not a safetensors "
    "file; glassnet never loads arbitrary pickles. Read it with glassnet.load(path) (or "
    "glassnet.io.load_torch_state_dict), which rebuilds tensors and plain containers only"
)


def _looks_pickled(head: bytes, after: bytes = b"") -> bool:
    """torch.save's zip container, or a legacy pickle stream (protocol 2+).

    ``after`` is the byte after the 8-byte header length: a safetensors header
    starts there with ``{``, so a (truncated) safetensors file whose header
    length happens to start with the byte 0x80 is not taken for a pickle.
    """
    if after == b"{":
        return False
    return head[:4] == b"PK\x03\x04" or head[:1] == b"\x80"


class CheckpointError(ValueError):
    """A file that is not a valid safetensors file or glassnet checkpoint; the message names it."""


class TensorInfo:
    """Where one tensor lies in a safetensors file.

    Attributes
    ----------
    dtype : str
        The format's dtype name (``"F32"``, ``"BF16"``, ...).
    shape : tuple of int
    begin, end : int
        Byte offsets from the start of the data section.
    """

    __slots__ = ("dtype", "shape", "begin", "end")

    def __init__(self, dtype: str, shape: tuple[int, ...], begin: int, end: int) -> None:
        self.dtype = dtype
        self.shape = shape
        self.begin = begin
        self.end = end

    @property
    def numpy_dtype(self) -> np.dtype:
        """The dtype :meth:`SafetensorsFile.get_tensor` returns (float32 for BF16 and F8 kinds)."""
        if self.dtype in _DECODED:
            return np.dtype(np.float32)
        if self.dtype == "BOOL":
            return np.dtype(np.bool_)
        return _STORED[self.dtype].newbyteorder("=")

    def __repr__(self) -> str:
        return f"TensorInfo(dtype={self.dtype!r}, shape={self.shape}, data_offsets=({self.begin}, {self.end}))"


# --------------------------------------------------------------------------- reading
def _reject_constant(name: str) -> Any:
    raise ValueError(f"non-standard JSON constant {name}")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise ValueError(f"duplicate key {k!r}")
        out[k] = v
    return out


def _is_text(s: str) -> bool:
    """False for a ``str`` holding a lone UTF-16 surrogate (JSON's ``"\\ud800"``)."""
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _lone_surrogate(value: Any, where: str) -> str | None:
    """Where in a decoded JSON ``value`` a string is not Unicode text, or None."""
    if isinstance(value, str):
        return None if _is_text(value) else f"{where} {value!r:.60}"
    if isinstance(value, list):
        for i, v in enumerate(value):
            found = _lone_surrogate(v, f"{where}[{i}]")
            if found:
                return found
    if isinstance(value, dict):
        for k, v in value.items():
            if not _is_text(k):
                return f"{where} key {k!r:.60}"
            found = _lone_surrogate(v, f"{where}[{k!r}]")
            if found:
                return found
    return None


def _check_text(header: dict[str, Any], fail: Any) -> None:
    """Refuse a header whose names, metadata or fields hold a lone surrogate."""
    for name, entry in header.items():
        if not _is_text(name):
            fail(f"tensor name {name!r:.60} holds a lone surrogate, which is not Unicode text")
        where = "__metadata__" if name == "__metadata__" else f"tensor {name!r}"
        found = _lone_surrogate(entry, where)
        if found:
            fail(f"{found} holds a lone surrogate, which is not Unicode text")


def _parse_header(raw: bytes, fail: Any) -> tuple[dict[str, TensorInfo], dict[str, str]]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        fail(f"the header is not UTF-8 ({exc.reason} at byte {8 + exc.start})")
    if not text.startswith("{"):
        fail(f"the header does not start with '{{' (it starts with {text[:16]!r})")
    try:
        header = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_reject_constant)
    except RecursionError:
        fail("the header JSON is nested too deeply")
    except ValueError as exc:  # JSONDecodeError, duplicates, NaN/Infinity
        fail(f"the header is not valid JSON: {exc}")
    _check_text(header, fail)
    metadata = header.pop("__metadata__", None)  # an object: the text starts with "{"
    metadata = {} if metadata is None else metadata
    if not isinstance(metadata, dict):
        fail(f"__metadata__ must be an object of strings, got {type(metadata).__name__}")
    for k, v in metadata.items():
        if not isinstance(v, str):
            fail(f"__metadata__[{k!r}] must be a string, got {type(v).__name__}")
    infos: dict[str, TensorInfo] = {}
    for name, entry in header.items():
        infos[name] = _parse_entry(name, entry, fail)
    return infos, metadata


def _parse_entry(name: str, entry: Any, fail: Any) -> TensorInfo:
    where = f"tensor {name!r}"
    if not isinstance(entry, dict):
        fail(f"{where}: expected an object with dtype, shape and data_offsets, got {entry!r:.80}")
    for field in ("dtype", "shape", "data_offsets"):
        if field not in entry:
            fail(f"{where}: missing field {field!r}")
    dtype, shape, offsets = entry["dtype"], entry["shape"], entry["data_offsets"]
    if not isinstance(dtype, str):
        fail(f"{where}: dtype must be a string, got {dtype!r:.80}")
    if dtype in _SUB_BYTE:
        fail(f"{where}: dtype {dtype} (packed below one byte per value) is not supported")
    if dtype not in _STORED:
        fail(f"{where}: unknown dtype {dtype!r:.40}")
    if not isinstance(shape, list) or not all(is_int(d) for d in shape):
        fail(f"{where}: shape must be a list of ints, got {shape!r:.80}")
    if any(d < 0 for d in shape):
        fail(f"{where}: negative dimension in shape {shape!r:.80}")
    if len(shape) > 64:
        fail(f"{where}: {len(shape)} dimensions (NumPy allows at most 64)")
    if math.prod(d for d in shape if d) * _STORED[dtype].itemsize > _MAX_BYTES:
        fail(f"{where}: shape {shape!r:.80} is too large for an array")
    if not isinstance(offsets, list) or len(offsets) != 2 or not all(is_int(o) for o in offsets):
        fail(f"{where}: data_offsets must be a list of two ints, got {offsets!r:.80}")
    begin, end = offsets
    if begin < 0 or end < begin:
        fail(f"{where}: data_offsets {offsets} are not 0 <= begin <= end")
    nbytes = math.prod(shape) * _STORED[dtype].itemsize
    if nbytes != end - begin:
        fail(
            f"{where}: shape {shape} of {dtype} needs {nbytes} bytes, "
            f"but data_offsets {offsets} span {end - begin}"
        )
    return TensorInfo(dtype, tuple(shape), begin, end)


def _check_layout(infos: dict[str, TensorInfo], data_size: int, fail: Any) -> None:
    """The tensors must tile the data section exactly: no overlap, no hole, nothing past the end."""
    pos = 0
    for name, info in sorted(infos.items(), key=lambda kv: (kv[1].begin, kv[1].end)):
        if info.begin > pos:
            fail(
                f"tensor {name!r}: bytes {pos}..{info.begin} of the data section are not used by any tensor"
            )
        if info.begin < pos:
            fail(
                f"tensor {name!r}: data_offsets [{info.begin}, {info.end}] overlap another tensor (which ends at {pos})"
            )
        if info.end > data_size:
            fail(
                f"tensor {name!r}: data_offsets [{info.begin}, {info.end}] run past the end of the data "
                f"section ({data_size} bytes; the file is truncated?)"
            )
        pos = info.end
    if pos != data_size:
        fail(f"the data section has {data_size} bytes but the tensors cover {pos} (trailing bytes)")


@functools.lru_cache(maxsize=1)
def _f8_e4m3_table() -> np.ndarray:
    b = np.arange(256)
    sign = np.where(b >> 7, -1.0, 1.0)
    exp = (b >> 3) & 0xF
    man = b & 0x7
    val = np.where(exp == 0, man / 8.0 * 2.0**-6, (1.0 + man / 8.0) * 2.0 ** (exp - 7.0))
    val = sign * val
    val[(exp == 15) & (man == 7)] = np.nan  # e4m3fn: no infinities, one NaN pattern
    return val.astype(np.float32)


def _decode(kind: str, raw: np.ndarray) -> np.ndarray:
    if kind == "BF16":
        return (raw.astype(np.uint32) << 16).view(np.float32)
    if kind == "F8_E5M2":  # the upper byte of a float16
        return (raw.astype(np.uint16) << 8).view(np.float16).astype(np.float32)
    if kind == "F8_E4M3":
        return _f8_e4m3_table()[raw]
    # F8_E8M0: a bare exponent, 2 ** (b - 127); 255 is NaN
    nan = raw == 255
    out = np.ldexp(np.float32(1.0), np.where(nan, 0, raw.astype(np.int32) - 127))
    out[nan] = np.nan
    return out


class SafetensorsFile:
    """A safetensors file opened for lazy reading: the header now, tensors on request.

    Use :func:`safe_open` (a context manager) rather than this class directly.
    The whole header is validated on opening, so every later read either
    succeeds or reports that the file changed on disk.

    Parameters
    ----------
    path : str or os.PathLike
    """

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = os.fspath(path)
        self._f: BinaryIO | None = open(self.path, "rb")  # noqa: SIM115 - closed by close()
        try:
            self._infos, self._metadata, self._data_start = self._read_header(self._f)
        except BaseException:
            self.close()
            raise

    def _fail(self, msg: str) -> Any:
        raise CheckpointError(f"{self.path}: not a valid safetensors file: {msg}")

    def _read_header(self, f: BinaryIO) -> tuple[dict[str, TensorInfo], dict[str, str], int]:
        size = os.fstat(f.fileno()).st_size
        head = f.read(8)
        if len(head) < 8:
            self._fail(f"the file has {len(head)} bytes, fewer than the 8-byte header length")
        n = int.from_bytes(head, "little")
        if (n > MAX_HEADER_BYTES or 8 + n > size) and _looks_pickled(head, f.read(1)):
            raise CheckpointError(f"{self.path}: {_PICKLE_HINT}")
        f.seek(8)
        if n > MAX_HEADER_BYTES:
            self._fail(f"header length {n} is over the {MAX_HEADER_BYTES}-byte limit")
        if 8 + n > size:
            self._fail(f"header length {n} is larger than the file ({size} bytes)")
        if n < 2:
            self._fail(f"header length {n} is too small for a JSON object")
        raw = f.read(n)
        if len(raw) != n:
            self._fail("the file was shortened while it was being read")
        infos, metadata = _parse_header(raw, self._fail)
        _check_layout(infos, size - 8 - n, self._fail)
        return infos, metadata, 8 + n

    # ------------------------------------------------------------- queries
    def keys(self) -> list[str]:
        """Tensor names in the order of the header."""
        return list(self._infos)

    def __iter__(self) -> Iterator[str]:
        return iter(self._infos)

    def __len__(self) -> int:
        return len(self._infos)

    def __contains__(self, name: object) -> bool:
        return name in self._infos

    def metadata(self) -> dict[str, str]:
        """The ``__metadata__`` strings (empty if the file has none)."""
        return dict(self._metadata)

    def info(self, name: str) -> TensorInfo:
        """Dtype, shape and offsets of tensor ``name`` without reading it."""
        if name not in self._infos:
            raise KeyError(f"{self.path}: no tensor {name!r}; the file holds {self.keys()}")
        return self._infos[name]

    def get_tensor(self, name: str) -> np.ndarray:
        """Read tensor ``name`` into a new, writable NumPy array in native byte order.

        BF16 and 8-bit float kinds come back as float32 (NumPy has no such
        dtypes); the conversion is exact.
        """
        info = self.info(name)
        if self._f is None:
            raise ValueError(f"{self.path}: the file is closed")
        stored = _STORED[info.dtype]
        raw = np.empty(info.shape, dtype=stored)
        n = info.end - info.begin
        if n:
            self._f.seek(self._data_start + info.begin)
            got = self._f.readinto(raw.reshape(-1).view(np.uint8))
            if got != n:
                self._fail(f"tensor {name!r}: the file was shortened while it was being read")
        if info.dtype in _DECODED:
            return _decode(info.dtype, raw)
        if info.dtype == "BOOL":
            if n and raw.max() > 1:
                self._fail(f"tensor {name!r}: a BOOL tensor holds bytes other than 0 and 1")
            return raw.view(np.bool_)
        if sys.byteorder == "big" and stored.byteorder == "<":
            return raw.astype(stored.newbyteorder("="))
        return raw

    def close(self) -> None:
        if self._f is not None:
            self._f.close()
            self._f = None

    def __enter__(self) -> SafetensorsFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"SafetensorsFile({self.path!r}, {len(self)} tensors)"


def safe_open(path: str | os.PathLike) -> SafetensorsFile:
    """Open a safetensors file for lazy reading (use it in a ``with`` block).

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    SafetensorsFile
        ``keys()``, ``metadata()``, ``info(name)``, ``get_tensor(name)``.

    Raises
    ------
    CheckpointError
        The file is not a valid safetensors file (the message names it and the fault).
    OSError
        The file cannot be opened.
    """
    return SafetensorsFile(path)


def load_file(path: str | os.PathLike) -> OrderedDict[str, np.ndarray]:
    """Read every tensor of a safetensors file.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    OrderedDict of str to ndarray
        In the header's order; native byte order; BF16/F8 kinds as float32.
    """
    with safe_open(path) as f:
        return OrderedDict((k, f.get_tensor(k)) for k in f.keys())


def load_metadata(path: str | os.PathLike) -> dict[str, str]:
    """The ``__metadata__`` strings of a safetensors file (the header only is read)."""
    with safe_open(path) as f:
        return f.metadata()


# --------------------------------------------------------------------------- writing
def _as_array(name: str, value: Any) -> np.ndarray:
    if isinstance(value, Tensor):
        arr = value.numpy()
    elif isinstance(value, (np.ndarray, np.generic)):
        arr = np.asarray(value)
    else:
        raise TypeError(
            f"save_file: tensor {name!r} is a {type(value).__name__}, expected a NumPy array "
            "or a glassnet Tensor"
        )
    native = arr.dtype.newbyteorder("=") if arr.dtype.byteorder in "<>" else arr.dtype
    if native not in _WRITE:
        raise TypeError(
            f"save_file: tensor {name!r} has dtype {arr.dtype}, which safetensors cannot store "
            f"(supported: {', '.join(str(d) for d in _WRITE)})"
        )
    return np.asarray(arr, dtype=native.newbyteorder("<"), order="C")


def save_file(
    tensors: Mapping[str, np.ndarray | Tensor],
    path: str | os.PathLike,
    metadata: Mapping[str, str] | None = None,
) -> None:
    """Write ``tensors`` to ``path`` in the safetensors format, atomically.

    The file appears complete or not at all (a temporary file in the same
    folder is renamed over ``path``). The result loads with the ``safetensors``
    package (``safetensors.numpy.load_file`` / ``safetensors.torch.load_file``).

    Parameters
    ----------
    tensors : mapping of str to ndarray or Tensor
        Names and arrays; dtypes float64/32/16, complex64, (u)int64/32/16/8, bool.
    path : str or os.PathLike
    metadata : mapping of str to str, optional
        Stored under ``__metadata__``.
    """
    if not isinstance(tensors, Mapping):
        raise TypeError(
            f"save_file: tensors must be a mapping of names to arrays, got {type(tensors).__name__}"
        )
    arrays: dict[str, np.ndarray] = {}
    for name, value in tensors.items():
        if not isinstance(name, str):
            raise TypeError(f"save_file: tensor names must be strings, got {name!r}")
        if name == "__metadata__":
            raise ValueError("save_file: '__metadata__' is reserved and cannot name a tensor")
        if not _is_text(name):
            raise ValueError(f"save_file: tensor name {name!r} holds a lone surrogate")
        arrays[name] = _as_array(name, value)
    meta: dict[str, str] = {}
    if metadata is not None:
        if not isinstance(metadata, Mapping):
            raise TypeError(
                f"save_file: metadata must be a mapping of str to str, got {type(metadata).__name__}"
            )
        for k, v in metadata.items():
            if not isinstance(k, str) or not isinstance(v, str):
                raise TypeError(f"save_file: metadata must map str to str, got {k!r}: {v!r:.80}")
            for text in (k, v):
                if not _is_text(text):
                    raise ValueError(f"save_file: metadata {text!r:.80} holds a lone surrogate")
            meta[k] = v
    # largest items first, so every tensor starts at a multiple of its item size
    order = sorted(arrays, key=lambda k: (-arrays[k].dtype.itemsize, k))
    header: dict[str, Any] = {}
    if meta:
        header["__metadata__"] = meta
    pos = 0
    for name in order:
        a = arrays[name]
        header[name] = {
            "dtype": _WRITE[a.dtype.newbyteorder("=")],
            "shape": list(a.shape),
            "data_offsets": [pos, pos + a.nbytes],
        }
        pos += a.nbytes
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()
    text += b" " * (-len(text) % 8)
    if len(text) > MAX_HEADER_BYTES:
        raise ValueError(
            f"save_file: the header would take {len(text)} bytes, over the {MAX_HEADER_BYTES}-byte limit"
        )
    with atomic_write(path, "wb") as f:
        f.write(len(text).to_bytes(8, "little"))
        f.write(text)
        for name in order:
            a = arrays[name]
            if a.nbytes:
                f.write(a.reshape(-1).view(np.uint8))
