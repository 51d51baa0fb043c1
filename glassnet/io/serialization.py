"""``glassnet.save`` / ``glassnet.load``: torch.save's job in a safetensors file, without pickle.

::

    gn.save(model.state_dict(), "model.pt")
    model.load_state_dict(gn.load("model.pt"))
    gn.save({"model": model.state_dict(), "optim": opt.state_dict(), "epoch": 3}, "ckpt.pt")

What is stored: Tensors, NumPy arrays and any nesting of dicts, lists and tuples
of them with numbers, strings, booleans and None (an optimizer's ``state_dict()``
is such a nesting). Tensors go into the safetensors body, named by their path
in the object (a state dict's tensors keep their keys, so the file is also an
ordinary safetensors file); the structure goes into the header's
``__metadata__`` as JSON (the tagged values of :mod:`glassnet.io.checkpoint`).

A Module, an optimizer or any other object would need pickle, which glassnet
never uses: :func:`save` refuses it and names ``state_dict()``. :func:`load`
also reads PyTorch's own ``.pt``/``.pth`` files (torch.save's zip format) with
:mod:`glassnet.io.torch_file`, which rebuilds tensors and plain containers
only and never runs code from the file (as ``torch.load(weights_only=True)``).
"""

from __future__ import annotations

import io
import json
import os
import tempfile
from typing import Any

import numpy as np

from ..backend import Device
from ..nn.module import Module
from ..tensor import Tensor
from .checkpoint import _decode, _Encoder
from .safetensors import CheckpointError, safe_open, save_file
from .torch_file import is_torch_file, load_torch_file
from .torch_interop import _torch_to_numpy, is_torch_tensor

__all__ = ["save", "load", "FORMAT", "ObjectNeedsPickle"]

FORMAT = "glassnet.save"
FORMAT_VERSION = 1


class ObjectNeedsPickle(NotImplementedError, TypeError):
    """``torch.save`` of a whole Module or optimizer: out of scope, since it needs pickle."""


def _refuse_object(obj: Any) -> None:
    if isinstance(obj, Module):
        raise ObjectNeedsPickle(
            f"glassnet.save: got a whole {type(obj).__name__} (a Module); saving a module object "
            "needs pickle, which glassnet never uses. Save its weights with "
            "glassnet.save(model.state_dict(), path) and restore them with "
            "model.load_state_dict(glassnet.load(path))"
        )
    if callable(getattr(obj, "state_dict", None)) and not isinstance(obj, (dict, list, tuple)):
        raise ObjectNeedsPickle(
            f"glassnet.save: got a {type(obj).__name__} object; saving it needs pickle, which "
            f"glassnet never uses. Save its state_dict() instead and load it back with "
            f"load_state_dict()"
        )


class _SaveEncoder(_Encoder):
    """The checkpoint encoder, with tensor names that are the object's paths."""

    def encode(self, v: Any, path: list[str]) -> Any:
        where = "obj" + "".join(f"[{p!r}]" for p in path)
        if is_torch_tensor(v):  # a torch checkpoint converts as it is: torch tensors as Tensors
            v = Tensor(_torch_to_numpy(where, v))
        if isinstance(v, (Tensor, np.ndarray)) and not path:
            path = ["tensor"]
        if not isinstance(v, (Tensor, np.ndarray, np.generic, list, tuple, dict)) and (
            v is not None and not isinstance(v, (bool, int, float, str))
        ):
            kind = type(v).__qualname__
            if type(v).__module__ != "builtins":
                kind = f"{type(v).__module__}.{kind}"
            raise TypeError(
                f"glassnet.save: {where} is a {kind}, which needs pickle (glassnet never "
                "pickles). glassnet.save stores glassnet Tensors, NumPy arrays, torch tensors, "
                "numbers, strings, None and dicts / lists / tuples of them: save a module's or "
                "optimizer's state_dict()"
            )
        return super().encode(v, path)


def _check_path(who: str, f: Any) -> str:
    if not isinstance(f, (str, os.PathLike)):
        raise TypeError(
            f"{who}: expected a file path (str or os.PathLike) or a binary file object, "
            f"got {type(f).__name__}"
        )
    return os.fspath(f)


def _save_to_file_object(obj: Any, f: Any) -> None:
    """``torch.save(obj, open(path, 'wb'))`` / a BytesIO: the same bytes as a path gives."""
    with tempfile.TemporaryDirectory() as folder:
        tmp = os.path.join(folder, "obj.safetensors")
        save(obj, tmp)
        with open(tmp, "rb") as fh:
            f.write(fh.read())


def _load_from_file_object(f: Any, map_location: Any, weights_only: bool | None) -> Any:
    """``torch.load(open(path, 'rb'))`` / a BytesIO holding what :func:`save` wrote."""
    data = b"" if isinstance(f, io.TextIOBase) else f.read()
    if isinstance(f, io.TextIOBase) or not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(
            f"glassnet.load: the file object must be opened in binary mode ('rb'), got "
            f"{type(f).__name__}"
        )
    with tempfile.TemporaryDirectory() as folder:
        tmp = os.path.join(folder, "obj.safetensors")
        with open(tmp, "wb") as fh:
            fh.write(data)
        return load(tmp, map_location, weights_only)  # arrays are read in, no mapping kept


def save(obj: Any, f: str | os.PathLike) -> None:
    """Write ``obj`` (Tensors, state dicts, nested dicts/lists of them) to ``f``, atomically.

    Parameters
    ----------
    obj : Tensor, ndarray, or dict / list / tuple nesting of them and plain values
        E.g. ``model.state_dict()``, ``optimizer.state_dict()`` or a dict of both.
    f : str or os.PathLike
        Destination; any extension (``.pt`` is fine). It is a safetensors file.

    Raises
    ------
    TypeError
        ``obj`` is (or holds) a Module, an optimizer or another object that
        would need pickle; the message names ``state_dict()``.
    """
    if not isinstance(f, (str, os.PathLike)) and hasattr(f, "write"):
        _save_to_file_object(obj, f)
        return
    path = _check_path("glassnet.save", f)
    _refuse_object(obj)
    tensors: dict[str, Any] = {}
    enc = _SaveEncoder("obj", "", tensors, who="glassnet.save")
    try:
        doc = enc.encode(obj, [])
    except RecursionError:
        raise ValueError("glassnet.save: obj is nested too deeply (or contains itself)") from None
    kinds = {k: "ndarray" for k, v in tensors.items() if not isinstance(v, Tensor)}
    devices = {
        k: str(v.device)
        for k, v in tensors.items()
        if isinstance(v, Tensor) and v.device.type != "cpu"
    }
    meta = {
        "format": FORMAT,
        "format_version": str(FORMAT_VERSION),
        "structure": json.dumps(doc, allow_nan=False, separators=(",", ":")),
        "ndarrays": json.dumps(sorted(kinds)),
        "devices": json.dumps(devices),
    }
    save_file(tensors, path, metadata=meta)


def _target_device(saved: str, map_location: Any) -> Device | None:
    """Where a tensor saved on ``saved`` goes; None keeps it on the CPU."""
    if map_location is None:
        return None if saved == "cpu" else Device(saved)
    if isinstance(map_location, dict):
        target = str(map_location.get(saved, saved))
        return None if target == "cpu" else Device(target)
    if callable(map_location):
        raise NotImplementedError(
            "torch.load(map_location=<function>) is not available in glassnet; pass a device "
            "('cpu', 'cuda'), a glassnet.device, or a dict {'cuda:0': 'cpu'}"
        )
    dev = Device(str(map_location))
    return None if dev.type == "cpu" else dev


def load(f: str | os.PathLike, map_location: Any = None, weights_only: bool | None = None) -> Any:
    """Read what :func:`save` wrote (or any safetensors file, as a dict of Tensors).

    Parameters
    ----------
    f : str or os.PathLike
    map_location : str, Device or dict, optional
        Where tensors go: ``'cpu'``, ``'cuda'``, a device, or ``{'cuda:0': 'cpu'}``.
        Default: the device each tensor was saved from.
    weights_only : bool, optional
        Accepted for torch's sake. glassnet's files hold only data, and a torch
        ``.pt``/``.pth`` file is always read the restricted way
        (``weights_only=True``'s), so nothing can run code; with False, a file
        that needs more (a whole Module, a class of the script's) is refused
        with a message saying so.

    Returns
    -------
    object
        Arrays come back as Tensors (NumPy arrays that were saved as arrays stay arrays);
        a plain safetensors file gives an ordered dict of Tensors. A torch file
        gives its object with torch tensors as Tensors (Parameters as Parameters,
        bfloat16/float8 widened to float32), see :func:`~glassnet.io.torch_file.load_torch_file`.

    Raises
    ------
    TorchFileError
        A torch file holding objects other than tensors and plain containers,
        torch's legacy format, a TorchScript archive, or a damaged file.
    """
    if not isinstance(f, (str, os.PathLike)) and hasattr(f, "read"):
        return _load_from_file_object(f, map_location, weights_only)
    path = _check_path("glassnet.load", f)
    if weights_only not in (None, True, False):
        raise TypeError(f"glassnet.load: weights_only must be a bool or None, got {weights_only!r}")
    if is_torch_file(path):
        return load_torch_file(
            path,
            place=lambda t, saved: _place(t, saved, map_location),
            weights_only=weights_only,
        )
    with safe_open(path) as sf:
        meta = sf.metadata()
        arrays = {k: sf.get_tensor(k) for k in sf.keys()}
    if meta.get("format") != FORMAT:
        return {k: _place(Tensor(a), "cpu", map_location) for k, a in arrays.items()}
    try:
        keep = set(json.loads(meta.get("ndarrays", "[]")))
        devices = json.loads(meta.get("devices", "{}"))
    except ValueError as exc:
        raise CheckpointError(f"{path}: glassnet.load: damaged header field: {exc}") from None
    values = {
        k: a if k in keep else _place(Tensor(a), devices.get(k, "cpu"), map_location)
        for k, a in arrays.items()
    }
    return _decode(path, "structure", meta.get("structure", "null"), values, set())


def _place(t: Tensor, saved: str, map_location: Any) -> Tensor:
    dev = _target_device(saved, map_location)
    return t if dev is None else t.to(dev)
