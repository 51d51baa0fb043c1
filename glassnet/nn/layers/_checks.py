"""Argument and input-shape checks shared by layers; errors name the layer and echo the value."""

from __future__ import annotations

from typing import Any


def positive_int(layer: str, name: str, value: Any) -> int:
    """``value`` as an int > 0, or ``ValueError: Layer: name must be a positive int, got ...``."""
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{layer}: {name} must be a positive int, got {value!r}")
    return value


def probability(layer: str, name: str, value: Any) -> float:
    """``value`` as a float in ``[0, 1)``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value < 1.0:
        raise ValueError(f"{layer}: {name} must be a probability in [0, 1), got {value!r}")
    return float(value)


def check_input(
    layer: Any, x: Any, ranks: tuple[int, ...], dim: int | None, size: int | None, what: str
) -> None:
    """Raise a ``ValueError`` naming ``layer`` when ``x`` has the wrong rank or feature size.

    Parameters
    ----------
    layer : Module
        The layer (its ``repr`` goes in the message).
    x : Tensor
    ranks : tuple of int
        Allowed numbers of dimensions (empty: any rank >= 1).
    dim : int or None
        The axis whose size is checked.
    size : int or None
        The expected size of that axis.
    what : str
        The expected shape in words, e.g. ``"(N, C_in, H, W)"``.
    """
    shape = tuple(x.shape)
    if ranks and len(shape) not in ranks:
        raise ValueError(f"{layer!r}: expected input of shape {what}, got {shape}")
    if not ranks and len(shape) == 0:
        raise ValueError(f"{layer!r}: expected input of shape {what}, got a scalar")
    if dim is not None and size is not None and shape[dim] != size:
        raise ValueError(
            f"{layer!r}: expected input of shape {what} with {size} at axis {dim}, got {shape}"
        )
