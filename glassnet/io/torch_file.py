"""PyTorch's ``.pt``/``.pth`` files (``torch.save``'s zip format) read without running code.

::

    state = glassnet.io.torch_file.load_torch_file("model.pth")   # or glassnet.load(...)
    model.load_state_dict(state)

A torch file is a zip archive: ``<archive>/data.pkl`` is a pickle of the saved
object in which every tensor is a call to a rebuild function and every storage
a *persistent id* naming the member ``<archive>/data/<key>`` that holds its raw
bytes (in the order written to ``<archive>/byteorder``).

A pickle is a small program, and unpickling it in general calls whatever
functions it names. This module runs such a program on a restricted machine
(the same idea as ``torch.load(weights_only=True)``, written for glassnet):

- ``GLOBAL`` may name only the entries of :data:`ALLOWED_GLOBALS` (torch's
  tensor / parameter rebuild functions, its storage classes and dtypes,
  ``torch.Size``, ``torch.device``, ``collections.OrderedDict`` / ``Counter``,
  ``builtins.set`` / ``bytearray`` / ``complex`` and ``_codecs.encode`` for
  bytes); each maps to glassnet's own reconstructor, never to torch's;
- ``REDUCE`` and ``NEWOBJ`` call only those reconstructors; ``BUILD`` only sets
  plain attributes on an ``OrderedDict`` (a state dict's ``_metadata``);
  ``INST``/``OBJ``/``EXT*`` are refused; appends and item sets reach only
  lists, dicts and sets;
- storages become NumPy arrays read from the zip members (sizes checked
  against the member, byte order honoured); a tensor is a strided view of its
  storage, bounds-checked, so views saved from one torch storage share memory.

Anything else (``os.system``, ``builtins.eval``, a class of the user's, a
whole ``nn.Module``, NumPy arrays pickled inside the object) is refused with a
:class:`TorchFileError` that names the file and the refused global, before it
can run. torch's legacy (non-zip) format and TorchScript archives are refused
by name.
"""

from __future__ import annotations

import collections
import io
import os
import pickle
import zipfile
from collections.abc import Callable
from typing import Any

import numpy as np

from ..backend import Device
from ..nn.module import Parameter
from ..tensor import Size, Tensor
from .safetensors import CheckpointError
from .safetensors import _decode as _decode_narrow_float

__all__ = [
    "TorchFileError", "ALLOWED_GLOBALS", "is_torch_file", "load_torch_file",
    "load_torch_file_state_dict",
]  # fmt: skip

_ZIP_MAGIC = b"PK\x03\x04"
# torch's legacy format starts with a pickled magic number: PROTO 2, LONG1 of 10 bytes
_LEGACY_MAGIC = b"\x80\x02\x8a\x0a" + (0x1950A86A20F9469CFC6C).to_bytes(10, "little")
_CONVERT_HINT = (
    "Where torch is installed, save a state dict instead (torch.save(model.state_dict(), "
    "path)), or convert the file once: glassnet.save(torch.load(path, weights_only=False), "
    "'model.safetensors') keeping only tensors and plain values"
)


#: What ``torch.serialization.add_safe_globals`` was given (recorded; see :func:`add_safe_globals`).
SAFE_GLOBALS: list[Any] = []


def add_safe_globals(safe_globals: list[Any]) -> None:
    """``torch.serialization.add_safe_globals``: recorded, so that the refusal of such a
    global can say so. glassnet never rebuilds objects of other classes from a file, even
    ones a script trusts: that would run their code."""
    SAFE_GLOBALS.extend(safe_globals)


def get_safe_globals() -> list[Any]:
    """What :func:`add_safe_globals` recorded."""
    return list(SAFE_GLOBALS)


def clear_safe_globals() -> None:
    """Forget what :func:`add_safe_globals` recorded."""
    SAFE_GLOBALS.clear()


class safe_globals:  # noqa: N801 - torch's name
    """``with torch.serialization.safe_globals([...]):``: recorded for the block only."""

    def __init__(self, globals_list: list[Any]) -> None:
        self.globals_list = list(globals_list)

    def __enter__(self) -> None:
        self.before = len(SAFE_GLOBALS)
        add_safe_globals(self.globals_list)

    def __exit__(self, *exc: object) -> None:
        del SAFE_GLOBALS[self.before :]


def _trusted_names() -> set[str]:
    names = set()
    for g in SAFE_GLOBALS:
        obj = g[0] if isinstance(g, tuple) else g
        names.add(f"{getattr(obj, '__module__', '')}.{getattr(obj, '__qualname__', '')}")
        if isinstance(g, tuple) and len(g) == 2:
            names.add(str(g[1]))
    return names


class TorchFileError(CheckpointError, pickle.UnpicklingError):
    """A torch file glassnet will not (or cannot) read; the message names the file and why.

    Both a :class:`~glassnet.io.CheckpointError` (a ``ValueError``) and a
    ``pickle.UnpicklingError``, the error ``torch.load(weights_only=True)`` raises.
    """


# ----------------------------------------------------------------------------- dtypes
# torch dtype name -> (NumPy dtype of the stored bytes, widened to float32 on reading)
_KINDS: dict[str, tuple[np.dtype, bool]] = {
    "float32": (np.dtype("<f4"), False),
    "float64": (np.dtype("<f8"), False),
    "float16": (np.dtype("<f2"), False),
    "bfloat16": (np.dtype("<u2"), True),
    "float8_e4m3fn": (np.dtype("u1"), True),
    "float8_e5m2": (np.dtype("u1"), True),
    "float8_e8m0fnu": (np.dtype("u1"), True),
    "int64": (np.dtype("<i8"), False),
    "int32": (np.dtype("<i4"), False),
    "int16": (np.dtype("<i2"), False),
    "int8": (np.dtype("i1"), False),
    "uint64": (np.dtype("<u8"), False),
    "uint32": (np.dtype("<u4"), False),
    "uint16": (np.dtype("<u2"), False),
    "uint8": (np.dtype("u1"), False),
    "bool": (np.dtype("?"), False),
}
_NARROW_FLOATS = {
    "bfloat16": "BF16", "float8_e4m3fn": "F8_E4M3", "float8_e5m2": "F8_E5M2",
    "float8_e8m0fnu": "F8_E8M0",
}  # fmt: skip
_STORAGE_KINDS = {
    "FloatStorage": "float32", "DoubleStorage": "float64", "HalfStorage": "float16",
    "BFloat16Storage": "bfloat16", "LongStorage": "int64", "IntStorage": "int32",
    "ShortStorage": "int16", "CharStorage": "int8", "ByteStorage": "uint8",
    "BoolStorage": "bool", "UntypedStorage": "uint8",
}  # fmt: skip
_UNSUPPORTED = {  # torch globals glassnet knows and refuses, with the reason
    "ComplexFloatStorage": "complex tensors (glassnet has no complex dtype)",
    "ComplexDoubleStorage": "complex tensors (glassnet has no complex dtype)",
    "QInt8Storage": "quantized tensors", "QInt32Storage": "quantized tensors",
    "QUInt8Storage": "quantized tensors", "QUInt4x2Storage": "quantized tensors",
    "QUInt2x4Storage": "quantized tensors",
    "_rebuild_qtensor": "quantized tensors",
    "_rebuild_sparse_tensor": "sparse tensors (save t.to_dense())",
    "_get_layout": "sparse tensors (save t.to_dense())",
    "_rebuild_nested_tensor": "nested tensors",
    "_rebuild_meta_tensor_no_storage": "meta tensors, which hold no values",
    "_rebuild_wrapper_subclass": "tensor subclasses",
    "_rebuild_device_tensor_from_numpy": "tensors of an accelerator other than CUDA",
    "_rebuild_device_tensor_from_cpu_tensor": "tensors of an accelerator other than CUDA",
}  # fmt: skip


def _kind_dtype(kind: str) -> np.dtype:
    """The dtype a tensor of torch dtype ``kind`` gets in glassnet (narrow floats widened)."""
    raw, widen = _KINDS[kind]
    return np.dtype(np.float32) if widen else raw.newbyteorder("=")


class _Global:
    """What a permitted ``GLOBAL`` gives: a name, and glassnet's reconstructor or a tag.

    ``call`` is the function ``REDUCE``/``NEWOBJ`` may run (None: not callable);
    ``kind`` is the torch dtype a storage class or dtype stands for.
    """

    __slots__ = ("name", "call", "kind")

    def __init__(self, name: str, call: Callable[..., Any] | None = None, kind: str = "") -> None:
        self.name, self.call, self.kind = name, call, kind

    def __repr__(self) -> str:
        return self.name


class _Storage:
    """One torch storage: the raw bytes of its zip member, decoded once per dtype."""

    __slots__ = ("key", "raw", "kind", "location", "_decoded")

    def __init__(self, key: str, raw: np.ndarray, kind: str, location: str) -> None:
        self.key, self.raw, self.kind, self.location = key, raw, kind, location
        self._decoded: dict[str, np.ndarray] = {}


# ----------------------------------------------------------------------------- reading
def _head(path: str) -> tuple[bytes, int]:
    with open(path, "rb") as fh:
        return fh.read(len(_LEGACY_MAGIC)), os.fstat(fh.fileno()).st_size


def is_torch_file(path: str | os.PathLike) -> bool:
    """Whether ``path`` looks like a ``torch.save`` file (a zip archive or a pickle stream).

    A safetensors file whose 8-byte header length happens to start with the same
    bytes is told apart by that length fitting the file.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    bool
    """
    head, size = _head(os.fspath(path))
    if len(head) >= 8 and int.from_bytes(head[:8], "little") + 8 <= size:
        return False  # a safetensors header length that fits the file
    return head.startswith(_ZIP_MAGIC) or head[:1] == b"\x80"


def _fail(path: str, msg: str) -> TorchFileError:
    return TorchFileError(f"{path}: glassnet.load: {msg}")


def _refuse_non_zip(path: str, head: bytes) -> None:
    if head.startswith(_LEGACY_MAGIC):
        raise _fail(
            path,
            "this is torch's legacy file format (torch.save(..., "
            "_use_new_zipfile_serialization=False), or a file from torch < 1.6), which glassnet "
            "does not read. Where torch is installed, re-save it in the zip format: "
            "torch.save(torch.load(path, weights_only=True), path)",
        )
    if head[:1] == b"\x80":
        raise _fail(
            path,
            "this is a plain pickle stream, not a torch.save zip archive; glassnet never "
            "unpickles arbitrary objects (loading a pickle can run code). " + _CONVERT_HINT,
        )
    raise _fail(path, "not a torch.save file (neither a zip archive nor a pickle)")


def _archive_prefix(path: str, names: list[str]) -> str:
    tops = {n.split("/", 1)[0] for n in names}
    if any(n.split("/", 1)[-1] in ("constants.pkl", "code/") or "/code/" in n for n in names):
        raise _fail(
            path,
            "this is a TorchScript archive (torch.jit.save), which holds code; glassnet does not "
            "read it. Where torch is installed, save the weights instead: "
            "torch.save(torch.jit.load(path).state_dict(), 'weights.pt')",
        )
    found = [n for n in names if n.count("/") == 1 and n.endswith("/data.pkl")]
    if len(found) != 1 or len(tops) != 1:
        raise _fail(
            path,
            "a zip archive that is not in torch.save's layout (expected one folder holding "
            f"data.pkl, got members {names[:5]})",
        )
    return found[0][: -len("data.pkl")]


def _read_member(path: str, zf: zipfile.ZipFile, name: str, nbytes: int) -> np.ndarray:
    try:
        info = zf.getinfo(name)
    except KeyError:
        raise _fail(path, f"the storage member {name!r} is missing from the archive") from None
    if info.file_size != nbytes:
        raise _fail(
            path,
            f"the storage member {name!r} has {info.file_size} bytes, but the tensors "
            f"that use it need {nbytes}",
        )
    buf = bytearray(nbytes)
    view = memoryview(buf)
    with zf.open(info) as fh:
        done = 0
        while done < nbytes:
            n = fh.readinto(view[done:])
            if not n:
                raise _fail(path, f"the storage member {name!r} ends early (file truncated)")
            done += n
    return np.frombuffer(buf, dtype=np.uint8)


class _RestrictedUnpickler(pickle._Unpickler):
    """The pure-Python unpickler with every code-running opcode checked (see the module doc).

    The Python implementation (not the C one) is used so that ``REDUCE``,
    ``BUILD``, ``NEWOBJ`` and the container opcodes can be checked one by one,
    not only ``find_class``.
    """

    dispatch = dict(pickle._Unpickler.dispatch)

    def __init__(
        self,
        path: str,
        zf: zipfile.ZipFile,
        prefix: str,
        big_endian: bool,
        place: Callable[[Tensor, str], Tensor],
        note: str,
    ) -> None:
        super().__init__(io.BytesIO(zf.read(prefix + "data.pkl")), encoding="utf-8")
        self.path, self.zf, self.prefix = path, zf, prefix
        self.big_endian, self.place, self.note = big_endian, place, note
        self.storages: dict[str, _Storage] = {}

    def fail(self, msg: str) -> TorchFileError:
        return _fail(self.path, msg + self.note)

    # ------------------------------------------------------------------ globals
    def find_class(self, module: str, name: str) -> _Global:
        module = "builtins" if module == "__builtin__" else module
        full = f"{module}.{name}"
        found = ALLOWED_GLOBALS.get(full)
        if found is not None:
            return found
        why = _UNSUPPORTED.get(name) if module.startswith("torch") else None
        if why is not None:
            raise self.fail(f"the file holds {why} ({full}), which glassnet does not read")
        trusted = (" It was passed to torch.serialization.add_safe_globals, which glassnet "
                   "records but does not act on.") if full in _trusted_names() else ""  # fmt: skip
        raise self.fail(
            f"refused global {full!r}: glassnet rebuilds only tensors, storages and plain "
            "containers from torch files (what torch.load(weights_only=True) accepts), and "
            "loading never runs code, so objects of other classes and functions are not "
            f"unpickled.{trusted} " + _CONVERT_HINT
        )

    def persistent_load(self, pid: Any) -> _Storage:
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"):
            raise self.fail(f"unknown persistent id {pid!r:.80} (expected a torch storage)")
        _, cls, key, location, numel = pid
        if not (isinstance(cls, _Global) and cls.name in _STORAGE_GLOBALS):
            raise self.fail(f"persistent id {pid!r:.80} names no torch storage class")
        if not (isinstance(key, str) and isinstance(location, str)):
            raise self.fail(f"bad storage key or location in {pid!r:.80}")
        if type(numel) is not int or numel < 0:
            raise self.fail(f"storage {key!r}: bad size {numel!r:.40}")
        old = self.storages.get(key)
        if old is not None:
            if old.kind != cls.kind:
                raise self.fail(f"storage {key!r} is used both as {old.kind} and {cls.kind}")
            return old
        nbytes = numel * _KINDS[cls.kind][0].itemsize
        raw = _read_member(self.path, self.zf, f"{self.prefix}data/{key}", nbytes)
        self.storages[key] = _Storage(key, raw, cls.kind, location)
        return self.storages[key]

    # ------------------------------------------------------------------ opcodes
    def _check_call(self, func: Any, what: str) -> Callable[..., Any]:
        if not (isinstance(func, _Global) and func.call is not None):
            raise self.fail(f"{what} on {func!r:.60}, which is not a permitted constructor")
        return func.call

    def _load_reduce(self) -> None:
        args = self.stack.pop()
        call = self._check_call(self.stack[-1], "REDUCE")
        if not isinstance(args, tuple):
            raise self.fail("REDUCE with arguments that are not a tuple")
        self.stack[-1] = call(self, *args)

    def _load_newobj(self) -> None:
        args = self.stack.pop()
        cls = self.stack.pop()
        if not (isinstance(cls, _Global) and cls.name in _CONTAINER_CLASSES):
            raise self.fail(f"NEWOBJ of {cls!r:.60}, which is not a permitted class")
        self.append(self._check_call(cls, "NEWOBJ")(self, *args))

    def _load_build(self) -> None:
        state = self.stack.pop()
        inst = self.stack[-1]
        if isinstance(state, tuple) and len(state) == 2 and state[1] is None:
            state = state[0]
        if not (
            type(inst) in (collections.OrderedDict, collections.Counter)
            and isinstance(state, dict)
            and all(
                isinstance(k, str) and k.isidentifier() and not k.startswith("__") for k in state
            )
        ):
            raise self.fail(
                f"BUILD (setting the state of an object) on a {type(inst).__name__}; only "
                "plain attributes of an OrderedDict (a state dict's _metadata) are set"
            )
        inst.__dict__.update(state)

    def _refused_opcode(self) -> None:
        raise self.fail("the pickle creates objects with INST/OBJ/EXT opcodes, which are refused")

    def _container_op(name: str, types: tuple[type, ...], where: int) -> Callable[[Any], None]:
        """``name``'s opcode, run only when its target (``where``: its place on the stack,
        0 for the object below the mark) has one of ``types``."""
        original = pickle._Unpickler.dispatch[getattr(pickle, name)[0]]

        def op(self: _RestrictedUnpickler) -> None:
            stack = self.metastack[-1] if where == 0 and self.metastack else self.stack
            pos = -1 if where == 0 else where
            target = stack[pos] if len(stack) >= -pos else None
            if type(target) not in types:
                raise self.fail(f"{name} on a {type(target).__name__}")
            original(self)

        return op

    dispatch[pickle.REDUCE[0]] = _load_reduce
    dispatch[pickle.NEWOBJ[0]] = _load_newobj
    dispatch[pickle.NEWOBJ_EX[0]] = _refused_opcode
    dispatch[pickle.BUILD[0]] = _load_build
    for _op in ("INST", "OBJ", "EXT1", "EXT2", "EXT4"):
        dispatch[getattr(pickle, _op)[0]] = _refused_opcode
    _LISTS, _DICTS = (list,), (dict, collections.OrderedDict, collections.Counter)
    dispatch[pickle.APPEND[0]] = _container_op("APPEND", _LISTS, -2)
    dispatch[pickle.APPENDS[0]] = _container_op("APPENDS", _LISTS, 0)
    dispatch[pickle.SETITEM[0]] = _container_op("SETITEM", _DICTS, -3)
    dispatch[pickle.SETITEMS[0]] = _container_op("SETITEMS", _DICTS, 0)
    dispatch[pickle.ADDITEMS[0]] = _container_op("ADDITEMS", (set,), 0)
    del _op, _container_op, _LISTS, _DICTS


# ----------------------------------------------------------------------------- rebuilders
def _ints(u: _RestrictedUnpickler, what: str, v: Any) -> tuple[int, ...]:
    if not (isinstance(v, tuple) and all(type(n) is int and n >= 0 for n in v)):
        raise u.fail(f"tensor {what} must be a tuple of non-negative ints, got {v!r:.80}")
    return v


def _elements(u: _RestrictedUnpickler, storage: _Storage, kind: str) -> np.ndarray:
    """The storage's bytes as a 1-D native array of torch dtype ``kind`` (shared by views)."""
    flat = storage._decoded.get(kind)
    if flat is not None:
        return flat
    raw_dtype, widen = _KINDS[kind]
    if storage.raw.size % raw_dtype.itemsize:
        raise u.fail(f"storage {storage.key!r} ({storage.raw.size} bytes) is not whole {kind}s")
    flat = storage.raw.view(raw_dtype.newbyteorder(">") if u.big_endian else raw_dtype)
    if not flat.dtype.isnative:
        flat = flat.astype(flat.dtype.newbyteorder("="))
    if kind == "bool" and flat.size and storage.raw.max() > 1:
        raise u.fail(f"bool storage {storage.key!r} holds bytes other than 0 and 1")
    if widen:
        flat = _decode_narrow_float(_NARROW_FLOATS[kind], flat)
    storage._decoded[kind] = flat
    return flat


def _strided(
    flat: np.ndarray, offset: int, size: tuple[int, ...], stride: tuple[int, ...]
) -> np.ndarray:
    """A view of ``flat`` sharing its memory; read-only when the layout overlaps itself.

    An expanded tensor (stride 0) or another self-overlapping layout stays a view,
    as in torch (which also refuses to write to one in place), so a hostile file
    cannot make glassnet materialise a huge array from a small storage.
    """
    dims = sorted((s, n) for s, n in zip(stride, size) if n > 1)
    reach, overlaps = 1, False
    for s, n in dims:  # each dimension must step past everything the smaller ones cover
        overlaps = overlaps or s < reach
        reach = s * n
    return np.lib.stride_tricks.as_strided(
        flat[offset:],
        shape=size,
        strides=[s * flat.itemsize for s in stride],
        writeable=not overlaps,
    )


def _rebuild_tensor(
    u: _RestrictedUnpickler,
    storage: Any,
    offset: Any,
    size: Any,
    stride: Any,
    requires_grad: Any,
    hooks: Any,
    kind: str | None = None,
    metadata: Any = None,
) -> Tensor:
    if not isinstance(storage, _Storage):
        raise u.fail(f"a tensor's storage is a {type(storage).__name__}, expected a storage")
    kind = kind or storage.kind
    size, stride = _ints(u, "size", size), _ints(u, "stride", stride)
    if len(stride) != len(size) or type(offset) is not int or offset < 0:
        raise u.fail(f"bad tensor layout: offset {offset!r:.20}, size {size}, stride {stride}")
    if hooks or metadata:
        raise u.fail(
            "a tensor with backward hooks or extra metadata (a conjugate or negative view); "
            "save t.detach().clone() instead"
        )
    if type(requires_grad) is not bool:
        raise u.fail(f"requires_grad must be a bool, got {requires_grad!r:.20}")
    flat = _elements(u, storage, kind)
    if 0 in size:
        arr = np.empty(size, dtype=flat.dtype)
    else:
        last = offset + sum((n - 1) * s for n, s in zip(size, stride))
        if last >= flat.size:
            raise u.fail(
                f"a tensor of size {size}, stride {stride} at offset {offset} reaches element "
                f"{last} of storage {storage.key!r}, which has {flat.size}"
            )
        arr = _strided(flat, offset, size, stride)
    t = Tensor(arr, requires_grad=requires_grad and arr.dtype.kind == "f")
    try:
        return u.place(t, storage.location)
    except ValueError as exc:
        raise u.fail(
            f"a tensor saved on device {storage.location!r} cannot be placed ({exc}); pass "
            "map_location='cpu' (or another device glassnet has)"
        ) from None


def _rebuild_tensor_v3(
    u: _RestrictedUnpickler, storage: Any, offset: Any, size: Any, stride: Any,
    requires_grad: Any, hooks: Any, dtype: Any, metadata: Any = None,
) -> Tensor:  # fmt: skip
    if not (isinstance(dtype, _Global) and dtype.kind):
        raise u.fail(f"a tensor's dtype is {dtype!r:.40}, expected a torch dtype")
    if isinstance(storage, _Storage) and storage.kind != "uint8" and storage.kind != dtype.kind:
        raise u.fail(f"storage {storage.key!r} of {storage.kind} read as {dtype.kind}")
    return _rebuild_tensor(
        u, storage, offset, size, stride, requires_grad, hooks, dtype.kind, metadata
    )


def _rebuild_parameter(
    u: _RestrictedUnpickler, data: Any, requires_grad: Any, hooks: Any, state: Any = None
) -> Tensor:
    if not isinstance(data, Tensor) or type(requires_grad) is not bool:
        raise u.fail("a Parameter whose data is not a tensor")
    if hooks or state:
        raise u.fail(
            "a Parameter with backward hooks or extra Python attributes; save "
            "model.state_dict() instead"
        )
    if data.dtype.kind != "f":  # torch allows integer parameters (requires_grad=False)
        return data
    return Parameter(data, requires_grad=requires_grad)  # shares data's memory


def _rebuild_from_type(
    u: _RestrictedUnpickler, func: Any, new_type: Any, args: Any, state: Any
) -> Any:
    if not (
        isinstance(func, _Global) and func.name in _TENSOR_REBUILDERS and isinstance(args, tuple)
    ):
        raise u.fail(f"_rebuild_from_type_v2 of {func!r:.60}, expected a tensor rebuild function")
    if not (
        isinstance(new_type, _Global)
        and new_type.name in ("torch.Tensor", "torch.nn.parameter.Parameter")
    ):
        raise u.fail(f"a tensor subclass {new_type!r:.60}, which glassnet does not read")
    if state:
        raise u.fail("a tensor with extra Python attributes; save t.detach().clone() instead")
    t = func.call(u, *args)
    if new_type.name.endswith("Parameter") and t.dtype.kind == "f":
        return Parameter(t, requires_grad=t.requires_grad)
    return t


def _make_size(u: _RestrictedUnpickler, dims: Any = ()) -> Size:
    return Size(_ints(u, "torch.Size", tuple(dims) if isinstance(dims, list) else dims))


def _make_device(u: _RestrictedUnpickler, kind: Any, index: Any = None) -> Device:
    spec = kind if index is None else f"{kind}:{index}"
    try:
        return Device(spec)
    except (TypeError, ValueError) as exc:
        raise u.fail(f"torch.device({spec!r:.40}): {exc}") from None


def _encode_bytes(u: _RestrictedUnpickler, text: Any, encoding: Any = "utf-8") -> bytes:
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise u.fail(
            f"_codecs.encode({type(text).__name__}, {encoding!r:.20}): only bytes as latin1"
        )
    return text.encode("latin-1")


def _plain(cls: type) -> Callable[..., Any]:
    def make(u: _RestrictedUnpickler, *args: Any) -> Any:
        if cls in (set, bytearray, collections.OrderedDict, collections.Counter) and any(
            not isinstance(a, (list, tuple, dict, str, bytes)) for a in args
        ):
            raise u.fail(f"{cls.__name__}() of {[type(a).__name__ for a in args]}")
        return cls(*args)

    return make


def _allowed_globals() -> dict[str, _Global]:
    table = {
        "torch._utils._rebuild_tensor_v2": _rebuild_tensor,
        "torch._utils._rebuild_tensor_v3": _rebuild_tensor_v3,
        "torch._utils._rebuild_parameter": _rebuild_parameter,
        "torch._utils._rebuild_parameter_with_state": _rebuild_parameter,
        "torch._tensor._rebuild_from_type_v2": _rebuild_from_type,
        "torch.Size": _make_size,
        "torch.device": _make_device,
        "_codecs.encode": _encode_bytes,
        "collections.OrderedDict": _plain(collections.OrderedDict),
        "collections.Counter": _plain(collections.Counter),
        "builtins.set": _plain(set),
        "builtins.bytearray": _plain(bytearray),
        "builtins.complex": _plain(complex),
    }
    out = {name: _Global(name, call) for name, call in table.items()}
    for name in ("torch.Tensor", "torch.nn.parameter.Parameter"):
        out[name] = _Global(name)
    for cls, kind in _STORAGE_KINDS.items():
        for module in ("torch", "torch.storage"):
            out[f"{module}.{cls}"] = _Global(f"{module}.{cls}", kind=kind)
    for kind in _KINDS:
        out[f"torch.{kind}"] = _Global(f"torch.{kind}", kind=kind)
    return out


#: The globals a torch file may name, each mapped to glassnet's own reconstructor.
ALLOWED_GLOBALS: dict[str, _Global] = _allowed_globals()
_STORAGE_GLOBALS = {n for n, g in ALLOWED_GLOBALS.items() if n.endswith("Storage")}
_TENSOR_REBUILDERS = {"torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor_v3"}
_CONTAINER_CLASSES = {
    "collections.OrderedDict", "collections.Counter", "builtins.set", "builtins.complex",
    "builtins.bytearray",
}  # fmt: skip


# ----------------------------------------------------------------------------- finishing
def _finish(u: _RestrictedUnpickler, obj: Any, seen: dict[int, Any]) -> Any:
    """The loaded object with dtype tags as NumPy dtypes; a bare storage or tag is refused."""
    if isinstance(obj, (Tensor, str, bytes, int, float, complex, type(None), Device, bytearray)):
        return obj
    if isinstance(obj, _Global):
        if obj.kind and obj.name.count(".") == 1 and obj.name[6:] in _KINDS:
            return _kind_dtype(obj.kind)  # torch.bfloat16 as a value: float32, as its tensors
        raise u.fail(f"{obj.name} appears as a value; glassnet does not load bare classes")
    if isinstance(obj, _Storage):
        raise u.fail(
            f"storage {obj.key!r} appears outside a tensor; glassnet loads tensors, not bare "
            "storages (save the tensor instead)"
        )
    if id(obj) in seen:
        return seen[id(obj)]
    if isinstance(obj, dict):
        seen[id(obj)] = obj
        items = [(_finish(u, k, seen), _finish(u, v, seen)) for k, v in obj.items()]
        if any(a is not k or b is not v for (a, b), (k, v) in zip(items, obj.items())):
            obj.clear()
            for k, v in items:
                obj[k] = v
        return obj
    if isinstance(obj, list):
        seen[id(obj)] = obj
        obj[:] = [_finish(u, v, seen) for v in obj]
        return obj
    if isinstance(obj, (tuple, set, frozenset)):
        items = [_finish(u, v, seen) for v in obj]
        if all(a is b for a, b in zip(items, obj)):
            seen[id(obj)] = obj
            return obj
        seen[id(obj)] = new = type(obj)(items)
        return new
    raise u.fail(f"unexpected {type(obj).__name__} in the loaded object")


def _cpu(t: Tensor, location: str) -> Tensor:
    return t


def load_torch_file(
    path: str | os.PathLike,
    *,
    place: Callable[[Tensor, str], Tensor] | None = None,
    weights_only: bool | None = None,
) -> Any:
    """Read a ``torch.save`` zip file into glassnet objects, running none of its code.

    Parameters
    ----------
    path : str or os.PathLike
    place : callable, optional
        ``place(tensor, saved_location) -> tensor`` moves each tensor where it
        should go (``glassnet.load`` passes one built from ``map_location``);
        default: every tensor stays on the CPU.
    weights_only : bool, optional
        Changes nothing (the loader is always restricted); with False, an error
        says so.

    Returns
    -------
    object
        The saved object: tensors as glassnet Tensors (torch Parameters as
        :class:`~glassnet.nn.Parameter`; bfloat16/float8 widened to float32;
        views of one storage share memory), dicts, OrderedDicts, lists,
        tuples, sets, numbers, strings, bytes, None; ``torch.Size`` as
        :class:`~glassnet.Size`, ``torch.device`` as :class:`~glassnet.Device`,
        dtypes as NumPy dtypes.

    Raises
    ------
    TorchFileError
        A global outside :data:`ALLOWED_GLOBALS`, a damaged or truncated
        archive, the legacy format, a TorchScript archive, complex / quantized
        / sparse tensors; the message names the file.
    """
    path = os.fspath(path)
    head, _ = _head(path)
    if not head.startswith(_ZIP_MAGIC):
        _refuse_non_zip(path, head)
    note = (
        " (weights_only=False does not change this: glassnet never unpickles arbitrary objects)"
        if weights_only is False
        else ""
    )
    try:
        with zipfile.ZipFile(path) as zf:
            prefix = _archive_prefix(path, zf.namelist())
            order = _byteorder(path, zf, prefix)
            u = _RestrictedUnpickler(path, zf, prefix, order == "big", place or _cpu, note)
            obj = u.load()
            return _finish(u, obj, {})
    except TorchFileError:
        raise
    except RecursionError:
        raise _fail(path, "the saved object is nested too deeply") from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile) as exc:
        raise _fail(path, f"a damaged or truncated zip archive ({exc})") from None
    except EOFError:
        raise _fail(path, "a damaged or truncated file (data.pkl or a storage ends early)") from None
    except (pickle.UnpicklingError, IndexError, KeyError, TypeError, AttributeError,
            ValueError, UnicodeDecodeError, OverflowError) as exc:  # fmt: skip
        raise _fail(path, f"a damaged pickle in data.pkl ({type(exc).__name__}: {exc})") from None


def _byteorder(path: str, zf: zipfile.ZipFile, prefix: str) -> str:
    names = set(zf.namelist())
    if prefix + "byteorder" not in names:  # files from torch before 1.12 were little-endian
        return "little"
    order = zf.read(prefix + "byteorder").decode("ascii", "replace").strip()
    if order not in ("little", "big"):
        raise _fail(path, f"unknown byteorder record {order!r:.20}")
    return order


def load_torch_file_state_dict(path: str | os.PathLike) -> collections.OrderedDict[str, np.ndarray]:
    """A torch file holding a state dict, as an ordered dict of NumPy arrays (on the CPU).

    Parameters
    ----------
    path : str or os.PathLike
        From ``torch.save(model.state_dict(), path)``.

    Returns
    -------
    OrderedDict of str to ndarray

    Raises
    ------
    TorchFileError
        The file holds something other than a flat mapping of names to tensors
        (a checkpoint dict: read it with ``glassnet.load`` and pick its state dict).
    """
    path = os.fspath(path)
    obj = load_torch_file(path)
    if isinstance(obj, Tensor) or not isinstance(obj, dict):
        raise _fail(path, f"expected a state dict (names to tensors), got a {type(obj).__name__}")
    bad = [k for k, v in obj.items() if not (isinstance(k, str) and isinstance(v, Tensor))]
    if bad:
        raise _fail(
            path,
            f"expected a state dict (names to tensors), but {bad[:5]!r:.200} are not tensors; a "
            "checkpoint dict loads with glassnet.load(path), then pick its model state",
        )
    return collections.OrderedDict((k, v.numpy()) for k, v in obj.items())
