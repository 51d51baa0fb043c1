"""Training checkpoints as one safetensors file: weights, optimizer, scheduler, RNG, progress.

Layout of a checkpoint (format version 1):

- tensors ``model.<name>``: the model's ``state_dict()``;
- tensors ``optim.<path>`` (``optim.state.<param_index>.<name>``), ``sched.<path>`` and
  ``extra.<path>``: every array found in the optimizer / scheduler state or in ``extra``;
- ``__metadata__`` strings, each a JSON document: ``format`` (``"glassnet.checkpoint"``),
  ``format_version``, ``epoch``, ``step``, ``optimizer``, ``scheduler``, ``rng_state``, ``extra``.

Values that JSON cannot say directly are written as small tagged objects:
``{"__array__": "<tensor name>"}``, ``{"__tuple__": [...]}``,
``{"__items__": [[key, value], ...]}`` (dicts whose keys are not all strings),
``{"__float__": "inf"}`` and ``{"__numpy__": "float32", "value": 0.5}``.
Nothing is ever unpickled, so loading a checkpoint cannot run code.
"""

from __future__ import annotations

import json
import math
import os
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

import numpy as np

from .. import random as _random
from .._validate import is_int
from ..tensor import Tensor
from .safetensors import CheckpointError, safe_open, save_file
from .torch_file import is_torch_file, load_torch_file_state_dict

__all__ = [
    "save_checkpoint", "load_checkpoint", "check_restorable", "save", "load", "FORMAT",
    "FORMAT_VERSION",
]  # fmt: skip

FORMAT = "glassnet.checkpoint"
FORMAT_VERSION = 1

_TAGS = ("__array__", "__tuple__", "__items__", "__float__", "__numpy__")
_NUMPY_SCALARS = {
    np.dtype(t).name: np.dtype(t).type
    for t in (
        np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32,
        np.uint64, np.float16, np.float32, np.float64,
    )
}  # fmt: skip
_PREFIX = {"optimizer": "optim.", "scheduler": "sched.", "extra": "extra."}


# --------------------------------------------------------------------------- encoding
class _Encoder:
    """Turns a state structure into JSON, moving its arrays into ``tensors``."""

    def __init__(
        self, what: str, prefix: str, tensors: dict[str, Any], who: str = "save_checkpoint"
    ) -> None:
        self.what = what
        self.prefix = prefix
        self.tensors = tensors
        self.who = who

    def _fail(self, path: list[str], msg: str) -> Any:
        where = self.what + "".join(f"[{p!r}]" for p in path)
        raise TypeError(f"{self.who}: {where} {msg}")

    def encode(self, v: Any, path: list[str]) -> Any:
        if (
            isinstance(v, np.generic) and v.dtype.name in _NUMPY_SCALARS
        ):  # before float: np.float64 is one
            return {"__numpy__": v.dtype.name, "value": self.encode(v.item(), path)}
        if v is None or isinstance(v, (bool, str, int)):
            return v
        if isinstance(v, float):
            if math.isfinite(v):
                return v
            return {"__float__": "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")}
        if isinstance(v, (np.ndarray, Tensor)):
            key = self.prefix + ".".join(path)
            if key in self.tensors:
                self._fail(path, f"gives the tensor name {key!r} twice")
            self.tensors[key] = v
            return {"__array__": key}
        if isinstance(v, list):
            return [self.encode(x, path + [str(i)]) for i, x in enumerate(v)]
        if isinstance(v, tuple):
            return {"__tuple__": [self.encode(x, path + [str(i)]) for i, x in enumerate(v)]}
        if isinstance(v, Mapping):
            if all(isinstance(k, str) for k in v) and not any(k in _TAGS for k in v):
                return {k: self.encode(x, path + [k]) for k, x in v.items()}
            return {
                "__items__": [
                    [self._key(k, path), self.encode(x, path + [str(k)])] for k, x in v.items()
                ]
            }
        return self._fail(
            path,
            f"is a {type(v).__name__}, which a checkpoint cannot store (it holds numbers, "
            "strings, lists, tuples, dicts and arrays; no pickle)",
        )

    def _key(self, k: Any, path: list[str]) -> Any:
        if k is None or isinstance(k, (bool, int, float, str, tuple, np.generic)):
            return self.encode(k, path)
        return self._fail(
            path, f"has a key of type {type(k).__name__}, which a checkpoint cannot store"
        )


def _encode(what: str, value: Any, tensors: dict[str, np.ndarray]) -> str:
    enc = _Encoder(what, _PREFIX.get(what, what + "."), tensors)
    try:
        doc = enc.encode(value, [])
    except RecursionError:
        raise ValueError(
            f"save_checkpoint: {what} is nested too deeply (or contains itself)"
        ) from None
    return json.dumps(doc, allow_nan=False, separators=(",", ":"))


# --------------------------------------------------------------------------- decoding
class _Decoder:
    def __init__(
        self, path: str, field: str, tensors: Mapping[str, np.ndarray], used: set[str]
    ) -> None:
        self.path = path
        self.field = field
        self.tensors = tensors
        self.used = used

    def _fail(self, msg: str) -> Any:
        raise CheckpointError(f"{self.path}: checkpoint field {self.field!r}: {msg}")

    def decode(self, v: Any) -> Any:
        if isinstance(v, list):
            return [self.decode(x) for x in v]
        if not isinstance(v, dict):
            return v
        tags = [t for t in _TAGS if t in v]
        if not tags:
            return {k: self.decode(x) for k, x in v.items()}
        tag = tags[0]
        if set(v) != ({tag, "value"} if tag == "__numpy__" else {tag}):
            self._fail(f"malformed {tag} object with keys {sorted(v)}")
        return self._TAG_READERS[tag](self, v)

    def _array(self, v: dict[str, Any]) -> np.ndarray:
        body = v["__array__"]
        if not isinstance(body, str) or body not in self.tensors:
            self._fail(f"refers to a tensor {body!r:.80} that the file does not hold")
        self.used.add(body)
        return self.tensors[body]

    def _tuple(self, v: dict[str, Any]) -> tuple:
        body = v["__tuple__"]
        if not isinstance(body, list):
            self._fail(f"__tuple__ must hold a list, got {body!r:.80}")
        return tuple(self.decode(x) for x in body)

    def _float(self, v: dict[str, Any]) -> float:
        body = v["__float__"]
        if body not in ("inf", "-inf", "nan"):
            self._fail(f"__float__ must be 'inf', '-inf' or 'nan', got {body!r:.80}")
        return float(body)

    def _numpy(self, v: dict[str, Any]) -> Any:
        body = v["__numpy__"]
        value = self.decode(v["value"])
        if (
            body not in _NUMPY_SCALARS
            or value is None
            or isinstance(value, (list, dict, tuple, str))
        ):
            self._fail(f"bad __numpy__ scalar {body!r:.40}: {value!r:.80}")
        try:
            return _NUMPY_SCALARS[body](value)
        except (OverflowError, ValueError, TypeError) as exc:
            return self._fail(f"bad __numpy__ scalar {body}: {exc}")

    def _items(self, v: dict[str, Any]) -> dict[Any, Any]:
        body = v["__items__"]
        if not isinstance(body, list) or not all(isinstance(p, list) and len(p) == 2 for p in body):
            self._fail(f"__items__ must be a list of [key, value] pairs, got {body!r:.80}")
        out = {}
        for k, x in body:
            key = self.decode(k)
            try:
                hash(key)
            except TypeError:
                self._fail(f"unhashable dict key {key!r:.80}")
            out[key] = self.decode(x)
        return out

    _TAG_READERS = {
        "__array__": _array, "__tuple__": _tuple, "__float__": _float,
        "__numpy__": _numpy, "__items__": _items,
    }  # fmt: skip


def _reject_constant(name: str) -> Any:
    raise ValueError(f"non-standard JSON constant {name}")


def _decode(
    path: str, field: str, text: str, tensors: Mapping[str, np.ndarray], used: set[str]
) -> Any:
    try:
        doc = json.loads(text, parse_constant=_reject_constant)
        return _Decoder(path, field, tensors, used).decode(doc)
    except RecursionError:
        raise CheckpointError(f"{path}: checkpoint field {field!r} is nested too deeply") from None
    except ValueError as exc:
        if isinstance(exc, CheckpointError):
            raise
        raise CheckpointError(
            f"{path}: checkpoint field {field!r} is not valid JSON: {exc}"
        ) from None


# --------------------------------------------------------------------------- public API
def _state_dict_of(obj: Any, who: str) -> Mapping[str, Any]:
    if isinstance(obj, Mapping):
        return obj
    if hasattr(obj, "state_dict") and callable(obj.state_dict):
        return obj.state_dict()
    raise TypeError(f"{who}: expected a Module or a state dict, got {type(obj).__name__}")


def _check_count(name: str, value: Any) -> None:
    if value is not None and (not is_int(value) or value < 0):
        raise ValueError(
            f"save_checkpoint: {name} must be a non-negative int or None, got {value!r}"
        )


def save_checkpoint(
    path: str | os.PathLike,
    *,
    model: Any,
    optimizer: Any = None,
    scheduler: Any = None,
    epoch: int | None = None,
    step: int | None = None,
    rng_state: bool = True,
    extra: Any = None,
) -> None:
    """Write a training checkpoint to one safetensors file, atomically.

    Parameters
    ----------
    path : str or os.PathLike
    model : Module or mapping of str to array
        Its ``state_dict()`` is stored as tensors ``model.<name>``.
    optimizer : object with ``state_dict()``, optional
        A glassnet optimizer (PyTorch's state-dict layout).
    scheduler : object with ``state_dict()``, optional
        A learning-rate scheduler.
    epoch, step : int, optional
        Progress counters, returned by :func:`load_checkpoint`.
    rng_state : bool, default True
        Store glassnet's global random state (``glassnet.random.get_state()``).
    extra : JSON-like, optional
        Anything made of numbers, strings, lists, tuples, dicts and arrays.

    Raises
    ------
    TypeError
        A value a checkpoint cannot hold (the message gives its place, e.g. ``optimizer['state'][0]['fn']``).
    """
    _check_count("epoch", epoch)
    _check_count("step", step)
    if not isinstance(rng_state, bool):
        raise TypeError(f"save_checkpoint: rng_state must be True or False, got {rng_state!r}")
    tensors: dict[str, Any] = {}
    for k, v in _state_dict_of(model, "save_checkpoint: model").items():
        tensors["model." + k] = v
    meta = {
        "format": FORMAT,
        "format_version": str(FORMAT_VERSION),
        "epoch": json.dumps(None if epoch is None else int(epoch)),
        "step": json.dumps(None if step is None else int(step)),
    }
    for what, obj in (("optimizer", optimizer), ("scheduler", scheduler)):
        if obj is None:
            continue
        if not callable(getattr(obj, "state_dict", None)):
            raise TypeError(
                f"save_checkpoint: {what} has no state_dict() method ({type(obj).__name__})"
            )
        meta[what] = _encode(what, obj.state_dict(), tensors)
    if extra is not None:
        meta["extra"] = _encode("extra", extra, tensors)
    if rng_state:
        meta["rng_state"] = _encode("rng_state", _random.get_state(), tensors)
    save_file(tensors, path, metadata=meta)


def load_checkpoint(
    path: str | os.PathLike,
    *,
    model: Any = None,
    optimizer: Any = None,
    scheduler: Any = None,
    strict: bool = True,
    restore_rng: bool = True,
) -> dict[str, Any]:
    """Read a checkpoint written by :func:`save_checkpoint`, restoring what is passed in.

    Parameters
    ----------
    path : str or os.PathLike
    model : Module, optional
        Receives the weights (``model.load_state_dict(weights, strict=strict)``).
    optimizer, scheduler : optional
        Receive their state through ``load_state_dict``; the checkpoint must hold it.
    strict : bool, default True
        Passed to the model's ``load_state_dict``.
    restore_rng : bool, default True
        Restore glassnet's global random state when the checkpoint holds one.

    Returns
    -------
    dict
        ``model`` (OrderedDict of arrays), ``optimizer``, ``scheduler``, ``epoch``, ``step``,
        ``rng_state``, ``extra`` (None where absent) and ``format_version``.

    Raises
    ------
    CheckpointError
        Not a valid glassnet checkpoint (the message names the file and the fault).
    """
    path = os.fspath(path)
    version, meta, tensors = _read(path)
    out = _decode_fields(path, meta, tensors)
    out["format_version"] = version
    rng = out["rng_state"] if restore_rng else None
    # everything is checked before anything is restored
    check_restorable(
        path, out, model=model, optimizer=optimizer, scheduler=scheduler, strict=strict, rng=rng
    )
    if model is not None:
        model.load_state_dict(out["model"], strict=strict)
    if optimizer is not None:
        optimizer.load_state_dict(out["optimizer"])
    if scheduler is not None:
        scheduler.load_state_dict(out["scheduler"])
    if rng is not None:
        _random.set_state(rng)
    return out


def _read(path: str) -> tuple[int, dict[str, str], OrderedDict[str, np.ndarray]]:
    """The format version, the metadata and the tensors of checkpoint ``path``."""
    with safe_open(path) as f:
        meta = f.metadata()
        if meta.get("format") != FORMAT:
            raise CheckpointError(
                f"{path}: not a glassnet checkpoint (metadata 'format' is {meta.get('format')!r}); "
                "plain weights files load with glassnet.io.load"
            )
        version = meta.get("format_version", "")
        if not (version.isascii() and version.isdigit()) or int(version) < 1:
            raise CheckpointError(f"{path}: bad checkpoint format_version {version!r:.40}")
        if int(version) > FORMAT_VERSION:
            raise CheckpointError(
                f"{path}: checkpoint format version {int(version)} is newer than this glassnet "
                f"reads ({FORMAT_VERSION}); upgrade glassnet"
            )
        tensors = OrderedDict((k, f.get_tensor(k)) for k in f.keys())
    return int(version), meta, tensors


def _decode_fields(
    path: str, meta: Mapping[str, str], tensors: OrderedDict[str, np.ndarray]
) -> dict[str, Any]:
    """The JSON fields decoded, the counters checked, and every tensor accounted for."""
    used: set[str] = set()
    out: dict[str, Any] = {}
    for field in ("epoch", "step", "optimizer", "scheduler", "rng_state", "extra"):
        text = meta.get(field)
        out[field] = None if text is None else _decode(path, field, text, tensors, used)
    for field in ("epoch", "step"):
        v = out[field]
        if v is not None and (not is_int(v)):
            raise CheckpointError(
                f"{path}: checkpoint field {field!r} must be an int, got {v!r:.80}"
            )
        if v is not None and v < 0:
            raise CheckpointError(f"{path}: checkpoint field {field!r} must be >= 0, got {v}")
    stray = [k for k in tensors if not k.startswith("model.") and k not in used]
    if stray:
        raise CheckpointError(f"{path}: tensors {stray[:5]} are not referenced by the checkpoint")
    out["model"] = OrderedDict((k[6:], v) for k, v in tensors.items() if k.startswith("model."))
    return out


def check_restorable(
    path: str,
    checkpoint: Mapping[str, Any],
    *,
    model: Any = None,
    optimizer: Any = None,
    scheduler: Any = None,
    strict: bool = True,
    rng: Any = None,
) -> None:
    """Check that ``checkpoint`` (from :func:`load_checkpoint`) fits the objects given, changing none.

    The model's keys and shapes, the optimizer's and the scheduler's state
    (their ``check_state_dict``, where they have one: glassnet's do) and the
    RNG state ``rng`` are all checked, so that a restore that starts cannot
    fail half-way.

    Raises
    ------
    CheckpointError
        Naming ``path``, the field and the fault (a renamed optimizer entry, a
        scheduler key of the wrong type, a weight of the wrong shape, ...).
    """
    if rng is not None:  # on a scratch generator: a failed set may leave it half-set
        scratch = type(_random.get_rng().bit_generator)()
        try:
            scratch.state = rng
        except (TypeError, ValueError, KeyError, OverflowError) as exc:
            raise CheckpointError(
                f"{path}: checkpoint field 'rng_state' is not a valid state: {exc}"
            ) from None
    if model is not None:
        _check_weights(path, model, checkpoint["model"], strict)
    for what, obj in (("optimizer", optimizer), ("scheduler", scheduler)):
        if obj is None:
            continue
        if checkpoint.get(what) is None:
            raise CheckpointError(
                f"{path}: the checkpoint holds no {what} state, but a {what} was given"
            )
        check = getattr(obj, "check_state_dict", None)
        if callable(check):
            try:
                check(checkpoint[what])
            except (TypeError, ValueError, KeyError) as exc:
                msg = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
                raise CheckpointError(f"{path}: checkpoint field {what!r}: {msg}") from None


def _check_weights(path: str, model: Any, weights: Mapping[str, Any], strict: bool) -> None:
    """The weights' names and shapes against ``model.state_dict()``."""
    targets = _state_dict_of(model, "load_checkpoint: model")
    if strict:
        missing = [k for k in targets if k not in weights]
        unexpected = [k for k in weights if k not in targets]
        if missing or unexpected:
            raise KeyError(  # the error Module.load_state_dict raises, with the file
                f"{path}: {type(model).__name__}.load_state_dict: missing keys {missing}, "
                f"unexpected keys {unexpected}"
            )
    for k, t in targets.items():
        if k in weights and tuple(np.shape(weights[k])) != tuple(t.shape):
            raise CheckpointError(  # Module.load_state_dict's words, with the file
                f"{path}: {type(model).__name__}.load_state_dict: {k!r} has shape "
                f"{tuple(np.shape(weights[k]))} in the checkpoint, expected {tuple(t.shape)}"
            )


def save(
    model_or_state_dict: Any, path: str | os.PathLike, metadata: Mapping[str, str] | None = None
) -> None:
    """Write a model's weights (or a state dict) to a safetensors file, atomically.

    Parameters
    ----------
    model_or_state_dict : Module or mapping of str to array
    path : str or os.PathLike
    metadata : mapping of str to str, optional
    """
    save_file(_state_dict_of(model_or_state_dict, "save"), path, metadata=metadata)


def load(path: str | os.PathLike) -> OrderedDict[str, np.ndarray]:
    """Read weights saved by :func:`save` (or the model part of a checkpoint).

    A torch file of a state dict (``torch.save(model.state_dict(), "m.pth")``)
    loads too, with :func:`~glassnet.io.torch_file.load_torch_file_state_dict`.

    Returns
    -------
    OrderedDict of str to ndarray
        Pass it to ``model.load_state_dict``.
    """
    if is_torch_file(path):
        return load_torch_file_state_dict(path)
    with safe_open(path) as f:
        if f.metadata().get("format") == FORMAT:
            return OrderedDict((k[6:], f.get_tensor(k)) for k in f.keys() if k.startswith("model."))
        return OrderedDict((k, f.get_tensor(k)) for k in f.keys())
