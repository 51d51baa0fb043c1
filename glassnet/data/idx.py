"""IDX files, the format of MNIST and Fashion-MNIST: ``read_idx`` and ``write_idx``.

An IDX file is a 4-byte magic number -- two zero bytes, a dtype code, the
number of dimensions -- then one big-endian ``uint32`` per dimension, then the
values in C order, big-endian. Files may be gzip-compressed; whether a file is
compressed is decided by its first bytes, not its name (browsers often unpack
a ``.gz`` download but keep the name).

The reader treats every file as untrusted: the header is checked against the
file's real length before anything is allocated, and every way a file can be
wrong ends in an :class:`IDXError` (a ``ValueError``) naming the file.
"""

from __future__ import annotations

import gzip
import os
import struct
import zlib
from typing import Any, BinaryIO

import numpy as np

from .._fileio import atomic_write
from ._util import _unwrap

__all__ = ["read_idx", "write_idx", "IDXError", "IDX_DTYPES"]

#: IDX dtype code -> NumPy dtype as stored in the file (big-endian).
IDX_DTYPES: dict[int, np.dtype] = {
    0x08: np.dtype("u1"),
    0x09: np.dtype("i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_CODES = {dt.newbyteorder("="): code for code, dt in IDX_DTYPES.items()}

_GZIP_MAGIC = b"\x1f\x8b"
# deflate cannot expand data more than ~1032:1; a header claiming more than
# this many bytes per compressed byte is lying (or the file is a bomb).
_MAX_DEFLATE_RATIO = 1040
_MAX_NDIM = 32
_READ_CHUNK = 1 << 22
DEFAULT_MAX_BYTES = 1 << 32  # 4 GiB of values


class IDXError(ValueError):
    """An IDX file is malformed (bad magic, dtype, dims, length or compression)."""


def _fail(path: str, what: str) -> IDXError:
    return IDXError(f"read_idx: {path!r} is not a valid IDX file: {what}")


def _read_exact(f: BinaryIO, n: int, path: str, what: str) -> bytes:
    data = f.read(n)
    if len(data) != n:
        raise _fail(path, f"the file ends inside the {what} ({len(data)} of {n} bytes)")
    return data


def _parse_header(f: BinaryIO, path: str) -> tuple[np.dtype, tuple[int, ...], int]:
    magic = _read_exact(f, 4, path, "magic number")
    if magic[0] != 0 or magic[1] != 0:
        raise _fail(path, f"the magic number must start with two zero bytes, got {magic.hex()}")
    code, ndim = magic[2], magic[3]
    if code not in IDX_DTYPES:
        known = ", ".join(f"0x{c:02X}" for c in IDX_DTYPES)
        raise _fail(path, f"unknown dtype code 0x{code:02X} (known: {known})")
    if not 1 <= ndim <= _MAX_NDIM:
        raise _fail(path, f"the number of dimensions must be 1..{_MAX_NDIM}, got {ndim}")
    dims = struct.unpack(f">{ndim}I", _read_exact(f, 4 * ndim, path, "dimensions"))
    for axis, d in enumerate(dims):
        if d == 0:
            raise _fail(path, f"dimension {axis} is 0 (dims {dims})")
    return IDX_DTYPES[code], dims, 4 + 4 * ndim


def _payload_size(path: str, dtype: np.dtype, dims: tuple[int, ...], max_bytes: int) -> int:
    count = 1
    for d in dims:
        count *= d  # Python ints: no overflow
    nbytes = count * dtype.itemsize
    if nbytes > max_bytes:
        raise _fail(
            path,
            f"the header claims {nbytes} bytes of data (dims {dims}), more than "
            f"max_bytes={max_bytes}; pass a larger max_bytes if the file is genuine",
        )
    return nbytes


def _finish(buf: np.ndarray, dtype: np.dtype, dims: tuple[int, ...]) -> np.ndarray:
    arr = buf.view(dtype).reshape(dims)
    if dtype.byteorder == ">":
        arr = arr.astype(dtype.newbyteorder("="))
    return arr


def _read_raw(f: BinaryIO, path: str, max_bytes: int) -> np.ndarray:
    size = os.fstat(f.fileno()).st_size
    dtype, dims, header = _parse_header(f, path)
    nbytes = _payload_size(path, dtype, dims, max_bytes)
    if header + nbytes != size:
        kind = "truncated" if header + nbytes > size else "too long"
        raise _fail(
            path,
            f"the header (dims {dims}, {dtype.itemsize}-byte values) needs "
            f"{header + nbytes} bytes but the file has {size} ({kind})",
        )
    buf = np.empty(nbytes, dtype=np.uint8)
    if f.readinto(memoryview(buf)) != nbytes:
        raise _fail(path, "the file shrank while it was being read")
    return _finish(buf, dtype, dims)


def _read_gzip(f: BinaryIO, path: str, max_bytes: int) -> np.ndarray:
    compressed = os.fstat(f.fileno()).st_size
    try:
        with gzip.GzipFile(fileobj=f, mode="rb") as z:
            dtype, dims, _ = _parse_header(z, path)
            nbytes = _payload_size(path, dtype, dims, max_bytes)
            if nbytes > compressed * _MAX_DEFLATE_RATIO:
                raise _fail(
                    path,
                    f"the header claims {nbytes} bytes of data (dims {dims}) but a gzip "
                    f"file of {compressed} bytes cannot hold that much",
                )
            # grow with the data that actually arrives: a lying header costs nothing
            data = bytearray()
            while len(data) < nbytes:
                chunk = z.read(min(_READ_CHUNK, nbytes - len(data)))
                if not chunk:
                    raise _fail(
                        path,
                        f"the data is truncated: the header (dims {dims}) needs {nbytes} "
                        f"bytes after it, the file holds {len(data)}",
                    )
                data += chunk
            if z.read(1):  # also reaches the end, so the CRC and length are checked
                raise _fail(
                    path, f"the data is too long: more than the {nbytes} bytes of dims {dims}"
                )
    except EOFError as exc:
        raise _fail(path, f"the gzip stream is truncated ({exc})") from None
    except (gzip.BadGzipFile, zlib.error) as exc:
        raise _fail(path, f"the gzip stream is corrupt ({exc})") from None
    return _finish(np.frombuffer(data, dtype=np.uint8), dtype, dims)


def read_idx(path: str | os.PathLike, *, max_bytes: int = DEFAULT_MAX_BYTES) -> np.ndarray:
    """Read an IDX file (raw or gzip-compressed) into a NumPy array.

    Parameters
    ----------
    path : str or os.PathLike
        The file. Compression is detected from its first two bytes.
    max_bytes : int, default 4 GiB
        Refuse files whose header claims more data than this.

    Returns
    -------
    ndarray, shape given by the file's dims
        In native byte order, dtype one of ``uint8, int8, int16, int32,
        float32, float64``. MNIST images come out as ``(N, 28, 28)`` uint8.

    Raises
    ------
    IDXError
        (a ``ValueError``) naming the file when the magic number, dtype code,
        dimensions, data length or gzip stream is wrong.
    FileNotFoundError
        When the file does not exist.
    """
    name = os.fspath(path)
    with open(name, "rb") as f:
        head = f.read(2)
        f.seek(0)
        if head == _GZIP_MAGIC:
            return _read_gzip(f, name, max_bytes)
        return _read_raw(f, name, max_bytes)


def write_idx(
    path: str | os.PathLike,
    array: Any,
    *,
    compress: bool | None = None,
    compresslevel: int = 6,
) -> None:
    """Write an array as an IDX file, atomically (readers never see a partial file).

    Parameters
    ----------
    path : str or os.PathLike
        The destination; its folder must exist.
    array : array-like or Tensor
        Values of dtype ``uint8, int8, int16, int32, float32`` or ``float64``,
        with at least one dimension and no dimension of size 0.
    compress : bool, optional
        Gzip the file. By default, when ``path`` ends in ``.gz``.
    compresslevel : int, default 6
        Gzip level 1..9. The gzip header holds no name or time, so the same
        array always gives the same bytes (for a given zlib).

    Raises
    ------
    ValueError
        When the dtype or shape cannot be stored in IDX.
    """
    name = os.fspath(path)
    arr = np.asarray(_unwrap(array))
    dt = arr.dtype.newbyteorder("=") if arr.dtype.byteorder in "<>" else arr.dtype
    if dt not in _CODES:
        raise ValueError(
            f"write_idx: {name!r}: IDX stores uint8, int8, int16, int32, float32 or "
            f"float64, got dtype {arr.dtype}; cast the array first"
        )
    if not 1 <= arr.ndim <= _MAX_NDIM or any(d == 0 or d >= 1 << 32 for d in arr.shape):
        raise ValueError(
            f"write_idx: {name!r}: IDX needs 1..{_MAX_NDIM} dimensions, each in 1..2**32-1, "
            f"got shape {arr.shape}"
        )
    if not 1 <= compresslevel <= 9:
        raise ValueError(f"write_idx: compresslevel must be 1..9, got {compresslevel!r}")
    if compress is None:
        compress = name.endswith(".gz")
    code = _CODES[dt]
    header = bytes([0, 0, code, arr.ndim]) + struct.pack(f">{arr.ndim}I", *arr.shape)
    payload = np.ascontiguousarray(arr, dtype=IDX_DTYPES[code]).tobytes()
    with atomic_write(name, "wb") as f:
        if compress:
            with gzip.GzipFile(
                filename="", mode="wb", fileobj=f, compresslevel=compresslevel, mtime=0
            ) as z:
                z.write(header)
                z.write(payload)
        else:
            f.write(header)
            f.write(payload)
