"""Input-shape checks shared by layers (argument checks: ``glassnet/_validate.py``); errors name the layer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..._errors import ShapeError

# The argument checks every layer uses, from the package's one validator module.
from ..._validate import positive_int, probability
from ...ops.shape import squeeze, unsqueeze
from ...tensor import as_tensor

__all__ = ["positive_int", "probability", "check_input", "unbatched", "as_given"]


def as_given(value: Any) -> int | float:
    """A number option as torch keeps it (and shows it in ``repr``): an int stays an int.

    ``Dropout(0)`` shows ``p=0`` and ``LayerNorm(3, eps=1)`` ``eps=1``, as in torch; a float,
    a NumPy scalar or a bool-free number of any other type becomes a Python float.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return float(value)


def check_input(
    layer: Any, x: Any, ranks: tuple[int, ...], dim: int | None, size: int | None, what: str
) -> None:
    """Raise a :class:`ShapeError` (a ``ValueError``; torch's ``RuntimeError``) naming ``layer``
    when ``x`` has the wrong rank or feature size.

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
        raise ShapeError(f"{layer!r}: expected input of shape {what}, got {shape}")
    if not ranks and len(shape) == 0:
        raise ShapeError(f"{layer!r}: expected input of shape {what}, got a scalar")
    if dim is not None and size is not None and shape[dim] != size:
        raise ShapeError(
            f"{layer!r}: expected input of shape {what} with {size} at axis {dim}, got {shape}"
        )


def unbatched(forward: Callable[..., Any], x: Any, *args: Any, **kwargs: Any) -> Any:
    """``forward`` on ``x`` given without its batch axis, as PyTorch's layers accept it.

    Parameters
    ----------
    forward : callable
        The layer's batched forward, taking ``(1, *x.shape)``.
    x : Tensor or array
        One sample, e.g. ``(C, H, W)`` for a 2-D convolution.
    *args, **kwargs
        Passed on to ``forward``.

    Returns
    -------
    Tensor
        ``forward``'s result with the batch axis of one removed again.
    """
    out = forward(unsqueeze(as_tensor(x), 0), *args, **kwargs)
    if isinstance(out, tuple):  # (values, indices) of return_indices=True
        return tuple(squeeze(o, 0) for o in out)
    return squeeze(out, 0)
