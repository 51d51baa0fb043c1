"""Inputs as the attribution methods take them: one array or a tuple, and the model's extra arguments.

As in Captum, ``inputs`` is one array ``(N, *)`` or a tuple of arrays that
share ``N`` (the model is called ``model(x1, x2, ...)``); the attributions
come back in the same form. ``additional_forward_args`` (one value or a
tuple) follow the inputs in every call of the model. An array or tensor
among them whose first axis has length ``N`` holds one entry per example:
whenever a method evaluates the model on perturbed or interpolated copies
of the examples, each copy gets its example's entry. Anything else
(scalars, strings, arrays of another length) is passed unchanged.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import backend
from ..tensor import Tensor

__all__ = [
    "as_array", "format_inputs", "pack", "per_input", "ForwardArgs", "repeat_forward_args",
    "call_baselines",
]  # fmt: skip


def call_baselines(baselines: Any, inputs: Any) -> Any:
    """Baselines given as a callable, called as Captum does: ``baselines()`` when it takes no
    argument, else ``baselines(inputs)``; anything else is returned unchanged."""
    if not callable(baselines) or isinstance(baselines, Tensor):
        return baselines
    try:
        takes_none = not inspect.signature(baselines).parameters
    except (TypeError, ValueError):
        takes_none = False
    return baselines() if takes_none else baselines(inputs)


def _is_torch(x: Any) -> bool:
    return type(x).__module__.split(".")[0] == "torch" and hasattr(x, "detach")


def as_array(x: Any) -> np.ndarray:
    """A host NumPy copy of a tensor (glassnet, or torch even with ``requires_grad=True``),
    a NumPy/CuPy array or array-like."""
    if isinstance(x, Tensor) or backend.is_cupy_array(x) or _is_torch(x):
        return np.array(backend.to_host(x))
    return np.array(x)


def format_inputs(who: str, inputs: Any) -> tuple[tuple[Any, ...], bool]:
    """``(inputs as a tuple, whether they came as a tuple)``; refuses an empty tuple."""
    if isinstance(inputs, tuple):
        if not inputs:
            raise ValueError(
                f"{who}: inputs is an empty tuple; expected one array or a tuple of them"
            )
        return inputs, True
    if isinstance(inputs, list) and any(_is_array(v) or _is_torch(v) for v in inputs):
        raise ValueError(
            f"{who}: inputs is a list of {len(inputs)} arrays/tensors; pass a tuple for several "
            "inputs of the model (Captum's form), or one array (N, *) for one input"
        )
    return (inputs,), False


def pack(values: Sequence[Any], as_tuple: bool) -> Any:
    """One value per input, given back as a tuple or (one input) alone, as the inputs came."""
    return tuple(values) if as_tuple else values[0]


def per_input(who: str, name: str, value: Any, n_inputs: int, as_tuple: bool) -> tuple[Any, ...]:
    """An argument given per input (baselines, feature_mask, ...) as one value per input.

    With tuple inputs it must be a tuple of ``n_inputs`` values; a scalar or
    None applies to every input. With one input (alone or in a tuple of one) a
    tuple of one value is that value, and so is the value alone (Captum accepts
    both forms).
    """
    if not as_tuple:
        return value if isinstance(value, tuple) and len(value) == 1 else (value,)
    if isinstance(value, tuple):
        if len(value) != n_inputs:
            raise ValueError(
                f"{who}: {name} is a tuple of {len(value)}, expected one entry per input "
                f"({n_inputs})"
            )
        return value
    if value is None or isinstance(value, (int, float, np.number)) or n_inputs == 1:
        return (value,) * n_inputs  # a tuple of one input takes its value alone, as in Captum
    raise ValueError(
        f"{who}: with a tuple of {n_inputs} inputs, {name} must be a tuple with one entry per "
        f"input (or a scalar for all), got {type(value).__name__}"
    )


def _is_array(a: Any) -> bool:
    return isinstance(a, (Tensor, np.ndarray)) or backend.is_cupy_array(a)


def _per_row(a: Any, n: int) -> bool:
    return _is_array(a) and a.ndim >= 1 and a.shape[0] == n


def _take(a: Any, rows: np.ndarray) -> Any:
    if isinstance(a, Tensor):
        return Tensor(a.array[a.xp.asarray(rows)])
    return a[backend.get_array_module(a).asarray(rows)]


def _as_items(args: Any) -> tuple[Any, ...]:
    if args is None:
        return ()
    items = args if isinstance(args, tuple) else (args,)
    return tuple(as_array(a) if _is_torch(a) else a for a in items)


class ForwardArgs:
    """``additional_forward_args``, handed to the model after the inputs.

    Parameters
    ----------
    args : any, tuple or None
        One value or a tuple of values (torch tensors become NumPy arrays).
    n : int
        Number of examples: arrays/tensors whose first axis has this length
        are per-example and are indexed like the inputs' rows.
    """

    def __init__(self, args: Any, n: int) -> None:
        self.items = _as_items(args)
        self.per_row = tuple(_per_row(a, n) for a in self.items)

    def at(self, rows: np.ndarray | None) -> tuple[Any, ...]:
        """The arguments for a batch whose row ``k`` is a copy of example ``rows[k]``
        (None: the examples themselves, in order)."""
        if rows is None:
            return self.items
        return tuple(_take(a, rows) if p else a for a, p in zip(self.items, self.per_row))


def repeat_forward_args(args: Any, n: int, k: int) -> Any:
    """``additional_forward_args`` for ``k`` copies of an ``n``-example batch stacked along the
    batch axis (copy ``j`` at rows ``j*n .. (j+1)*n - 1``)."""
    if args is None or k == 1:
        return args
    items = _as_items(args)
    rows = np.tile(np.arange(n), k)
    out = tuple(_take(a, rows) if _per_row(a, n) else a for a in items)
    return out if isinstance(args, tuple) else out[0]
