"""Checking a scheduler's saved state against the scheduler it is loaded into.

A scheduler's state is its counters and settings (``last_epoch``, ``base_lrs``,
``gamma``, ...). The schema of a saved state is the live scheduler's own
:meth:`state_dict`: the same keys, each value of the same kind.

- ``bool``, ``int``, ``float``, ``str`` and ``None`` values keep their kind (an
  int is accepted where a float is, as JSON writes ``1.0`` as ``1``); a count
  that is >= 0 stays >= 0, a finite number stays finite;
- strings either are among the key's documented choices or equal the live value
  (they name group keys and modes, and are not free text);
- lists keep the kind of their items; per-group lists (``base_lrs``,
  ``_last_lr``, ``min_lrs``) keep their length; lists of dicts and dicts keep
  their length and keys.

So a checkpoint cannot add attributes (``"step": 1`` would have replaced the
scheduler's method) or set one to a value of another type.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = ["checked_like", "TORCH_ONLY_KEYS", "PER_GROUP"]

#: Keys PyTorch's schedulers save that glassnet's do not keep: accepted and dropped.
TORCH_ONLY_KEYS = ("_get_lr_called_within_step", "verbose", "mode_worse")
#: Lists with one item per parameter group.
PER_GROUP = ("base_lrs", "_last_lr", "min_lrs")


def checked_like(
    who: str,
    current: Mapping[str, Any],
    saved: Any,
    *,
    choices: Mapping[str, tuple[Any, ...]] | None = None,
) -> dict[str, Any]:
    """``saved`` checked against ``current`` (see the module docstring), in ``current``'s types.

    Parameters
    ----------
    who : str
        Names the loader in messages (``"StepLR.load_state_dict"``).
    current : mapping
        The live object's ``state_dict()``: the schema.
    saved : Any
        The state to load.
    choices : mapping, optional
        Key -> the values a top-level string (or other) setting may take.

    Returns
    -------
    dict
        The keys of ``current`` with the saved values (ints become floats
        where ``current`` holds a float).

    Raises
    ------
    TypeError, ValueError
        Naming the key, what was expected and what came.
    """
    if not isinstance(saved, Mapping):
        raise TypeError(f"{who}: expected a dict, got {type(saved).__name__}")
    keys = ", ".join(current)
    for k in saved:
        if k not in current and k not in TORCH_ONLY_KEYS:
            raise ValueError(f"{who}: unknown key {k!r:.80} (the state holds {keys})")
    for k in current:
        if k not in saved:
            raise ValueError(f"{who}: the state has no {k!r} (it must hold {keys})")
    out = {}
    for k, cur in current.items():
        value = saved[k]
        allowed = (choices or {}).get(k)
        if allowed is not None:
            if value not in allowed or type(value) is not type(allowed[0]):
                raise ValueError(f"{who}: {k!r} must be one of {list(allowed)}, got {value!r:.80}")
            out[k] = value
            continue
        out[k] = _like(f"{who}: {k!r}", cur, value, last_epoch=k == "last_epoch")
        if k in PER_GROUP and isinstance(cur, list) and len(out[k]) != len(cur):
            raise ValueError(
                f"{who}: {k!r} has {len(out[k])} items, one per parameter group ({len(cur)})"
            )
    return out


def _is_int(v: Any) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def _is_number(v: Any) -> bool:
    return _is_int(v) or isinstance(v, (float, np.floating))


def _like(where: str, cur: Any, value: Any, *, last_epoch: bool = False) -> Any:
    """``value`` if it is of ``cur``'s kind (converted to it), else an error naming ``where``."""
    if isinstance(cur, bool):
        if not isinstance(value, (bool, np.bool_)):
            raise TypeError(f"{where} must be true or false, got {value!r:.80}")
        return bool(value)
    if _is_int(cur):
        low = -1 if last_epoch else 0
        if not _is_int(value) or (cur >= low and value < low):
            want = f"an int >= {low}" if cur >= low else "an int"
            raise TypeError(f"{where} must be {want}, got {value!r:.80}")
        return int(value)
    if isinstance(cur, float):
        return _like_float(where, cur, value)
    if isinstance(cur, str):
        if value != cur:
            raise ValueError(f"{where} must be {cur!r}, got {value!r:.80}")
        return value
    if cur is None:
        if value is not None and not isinstance(value, (bool, str)) and not _is_number(value):
            raise TypeError(f"{where} must be None, a number or a string, got {value!r:.80}")
        return value
    if isinstance(cur, (list, tuple)):
        return _like_list(where, cur, value)
    if isinstance(cur, Mapping):
        return _like_dict(where, cur, value)
    raise TypeError(f"{where}: a {type(cur).__name__} cannot be checked, so it is not loaded")


def _like_float(where: str, cur: float, value: Any) -> float:
    if not _is_number(value):
        raise TypeError(f"{where} must be a number, got {value!r:.80}")
    v = float(value)
    if math.isfinite(cur) and not math.isfinite(v):
        raise ValueError(f"{where} must be a finite number, got {value!r:.80}")
    if cur >= 0 and v < 0:
        raise ValueError(f"{where} must be a number >= 0, got {value!r:.80}")
    return v


def _like_list(where: str, cur: Any, value: Any) -> Any:
    if not isinstance(value, (list, tuple)):
        raise TypeError(f"{where} must be a list, got {value!r:.80}")
    numbers = all(_is_number(c) for c in cur)
    if numbers and len({type(c) for c in cur}) <= 1:
        # a list of like scalars (milestones, learning rates): any length, items of that kind
        item = cur[0] if cur else 0.0
        items = [_like(f"{where}[{i}]", item, v) for i, v in enumerate(value)]
    else:
        if len(value) != len(cur):
            raise ValueError(f"{where} must have {len(cur)} items, got {len(value)}")
        items = [_like(f"{where}[{i}]", c, v) for i, (c, v) in enumerate(zip(cur, value))]
    return tuple(items) if isinstance(cur, tuple) else items


def _like_dict(where: str, cur: Mapping[str, Any], value: Any) -> dict[str, Any]:
    if not isinstance(value, Mapping) or set(value) != set(cur):
        shown = sorted(map(str, value)) if isinstance(value, Mapping) else repr(value)[:80]
        raise ValueError(f"{where} must be a dict with keys {sorted(cur)}, got {shown}")
    return {k: _like(f"{where}[{k!r}]", c, value[k]) for k, c in cur.items()}
