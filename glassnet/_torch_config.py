"""torch's process-wide settings and queries: matmul precision, determinism, threads, the
default device, the random state, ``torch.compile``, and dtype promotion.

On the CPU glassnet computes in the precision asked for and its kernels are
deterministic, so the precision and determinism switches record what was asked and
change nothing (torch's CPU kernels behave the same way). ``torch.compile`` returns what
it was given and says once that glassnet runs it eagerly: the results are the same.
"""

from __future__ import annotations

import json
import warnings
from typing import Any

import numpy as np

from . import _dtypes
from . import random as _random
from .backend import Device
from .tensor import Tensor

__all__ = [
    "set_float32_matmul_precision", "get_float32_matmul_precision",
    "use_deterministic_algorithms", "are_deterministic_algorithms_enabled",
    "is_deterministic_algorithms_warn_only_enabled", "set_flush_denormal",
    "get_num_interop_threads", "set_num_interop_threads", "set_default_device",
    "get_default_device", "seed", "initial_seed", "get_rng_state", "set_rng_state", "compile",
    "dtype", "result_type", "promote_types", "can_cast", "is_nonzero",
]  # fmt: skip

_settings: dict[str, Any] = {
    "matmul_precision": "highest", "deterministic": False, "warn_only": False,
    "interop_threads": 1, "compile_warned": False,
}  # fmt: skip

#: ``torch.dtype``: glassnet's dtypes are NumPy dtypes, so ``isinstance(x.dtype, torch.dtype)``
dtype = np.dtype


def set_float32_matmul_precision(precision: str) -> None:
    """Record ``'highest'``, ``'high'`` or ``'medium'`` (TF32/bfloat16 products are a GPU
    matter; glassnet's float32 products are always full float32)."""
    if precision not in ("highest", "high", "medium"):
        raise RuntimeError(
            f"set_float32_matmul_precision: expected 'highest', 'high' or 'medium', got "
            f"{precision!r}"
        )
    _settings["matmul_precision"] = precision


def get_float32_matmul_precision() -> str:
    return _settings["matmul_precision"]


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Record the flag: glassnet's CPU kernels are deterministic already."""
    _settings["deterministic"], _settings["warn_only"] = bool(mode), bool(warn_only)


def are_deterministic_algorithms_enabled() -> bool:
    return _settings["deterministic"]


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    return _settings["warn_only"]


def set_flush_denormal(mode: bool) -> bool:
    """False: NumPy gives no control over denormal flushing (torch's answer where the CPU
    cannot do it), so nothing changes."""
    return False


def get_num_interop_threads() -> int:
    return _settings["interop_threads"]


def set_num_interop_threads(n: int) -> None:
    """Record ``n``: glassnet runs no inter-op thread pool (its ops run one after another)."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise RuntimeError(f"set_num_interop_threads: expected a positive int, got {n!r}")
    _settings["interop_threads"] = n


def set_default_device(device: Any) -> None:
    """Only the CPU (or None) is taken: creation functions put new tensors there anyway."""
    if device is not None and str(device) != "cpu" and str(getattr(device, "type", "")) != "cpu":
        raise NotImplementedError(
            f"set_default_device({device!r}): glassnet creates tensors on the CPU by default; "
            "pass device= to each creation function or move the model with .to(device)"
        )


def get_default_device() -> Device:
    return Device("cpu")


def seed() -> int:
    """Seed the global generator from fresh entropy and return the seed."""
    value = int(np.random.SeedSequence().entropy % (2**63))
    _random.manual_seed(value)
    return value


def initial_seed() -> int:
    """The seed last given to ``manual_seed`` (or :func:`seed`)."""
    return _random.initial_seed()


def get_rng_state() -> Tensor:
    """The global generator's state as a uint8 tensor, for :func:`set_rng_state`."""
    raw = json.dumps(_random.get_state()).encode()
    return Tensor(np.frombuffer(raw, dtype=np.uint8).copy())


def set_rng_state(new_state: Tensor) -> None:
    """Restore a state returned by :func:`get_rng_state`."""
    data = np.asarray(new_state.array if isinstance(new_state, Tensor) else new_state)
    if data.dtype != np.uint8 or data.ndim != 1:
        raise TypeError(
            f"set_rng_state: expected the uint8 tensor get_rng_state returned, got dtype "
            f"{data.dtype} and shape {data.shape}"
        )
    try:
        state = json.loads(data.tobytes().decode())
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(
            "set_rng_state: this is not a state from glassnet's get_rng_state (torch's "
            "states are for torch's generator)"
        ) from err
    _random.set_state(state)


def compile(model: Any = None, **options: Any) -> Any:  # noqa: A001 - torch's name
    """``torch.compile``: ``model`` itself (or, without one, a decorator that returns its
    function), run eagerly; says so once."""
    if not _settings["compile_warned"]:
        warnings.warn(
            "torch.compile: glassnet runs the model eagerly (no compilation); the results "
            "are the same",
            stacklevel=2,
        )
        _settings["compile_warned"] = True
    if model is None:
        return lambda fn: fn
    if not callable(model):
        raise TypeError(f"compile: expected a Module or a function, got {type(model).__name__}")
    return model


def _dtype_of(x: Any) -> np.dtype:
    if isinstance(x, Tensor):
        return x.dtype
    if isinstance(x, bool):
        return np.dtype(np.bool_)
    if isinstance(x, int):
        return np.dtype(np.int64)
    if isinstance(x, float):
        return _dtypes.get_default_dtype()
    raise TypeError(f"result_type: expected a Tensor or a number, got {type(x).__name__}")


_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}


def promote_types(type1: Any, type2: Any) -> np.dtype:
    """The dtype both convert to (``torch.promote_types``): the one of the higher category
    (bool < integer < floating), else NumPy's promotion within the category (so int32 with
    float16 is float16, where NumPy says float64)."""
    a, b = np.dtype(type1), np.dtype(type2)
    ca, cb = _CATEGORY[a.kind], _CATEGORY[b.kind]
    if ca != cb:
        return a if ca > cb else b
    return np.dtype(np.promote_types(a, b))


def _combine(higher: np.dtype | None, lower: np.dtype | None) -> np.dtype | None:
    """torch's rule between a group of operands and a lower-priority group."""
    if higher is None or lower is None:
        return lower if higher is None else higher
    if higher.kind == "f":
        return higher
    if higher.kind == "b" or lower.kind == "f":
        return promote_types(higher, lower)
    return higher


def result_type(tensor1: Any, tensor2: Any) -> np.dtype:
    """The dtype ``tensor1 op tensor2`` gets (``torch.result_type``): tensors with
    dimensions decide within a category, then 0-d tensors, then Python numbers (a float
    among those counts as the default dtype)."""
    return result_type_of(tensor1, tensor2)


def result_type_of(*operands: Any) -> np.dtype:
    """:func:`result_type` of any number of operands (tensors, numbers, NumPy scalars)."""
    groups: list[np.dtype | None] = [None, None, None]
    for x in operands:
        if isinstance(x, np.generic):
            x = x.item()
        rank = 0 if isinstance(x, Tensor) and x.ndim else (1 if isinstance(x, Tensor) else 2)
        d = _dtype_of(x)
        groups[rank] = d if groups[rank] is None else promote_types(groups[rank], d)
    return _combine(groups[0], _combine(groups[1], groups[2]))


def can_cast(from_: Any, to: Any) -> bool:
    """torch's casting rule: allowed unless it lowers the category (float to int, int to
    bool, ...)."""
    return _CATEGORY[np.dtype(from_).kind] <= _CATEGORY[np.dtype(to).kind]


def is_nonzero(input: Tensor) -> bool:  # noqa: A002 - torch's name
    """The truth of a one-element tensor."""
    if input.numel() != 1:
        raise RuntimeError(
            f"is_nonzero: expected a tensor with one element, got {input.numel()} "
            "(Boolean value of Tensor with more than one value is ambiguous)"
        )
    return bool(input.array.reshape(()))

