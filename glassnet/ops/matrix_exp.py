"""The matrix exponential ``exp(A) = sum_k A^k / k!`` (``torch.matrix_exp``,
``torch.linalg.matrix_exp``), differentiable.

Scaling and squaring with a Taylor polynomial, written with glassnet's matrix products so
the gradient is theirs: ``A`` is divided by ``2^s`` until its 1-norm is at most 1/2 (one
``s`` for the whole batch), the degree-18 Taylor polynomial is evaluated by Horner's rule
(truncation below 1e-22 relative there), and the result is squared ``s`` times.
"""

from __future__ import annotations

import math

from ..backend import get_array_module
from ..tensor import Tensor
from .arithmetic import cast

__all__ = ["matrix_exp"]

_DEGREE = 18
_TARGET_NORM = 0.5


def _squarings(a: Tensor) -> int:
    """How many times to halve ``a`` so that every matrix has 1-norm at most 1/2."""
    xp = get_array_module(a.array)
    if a.numel() == 0:
        return 0
    norm = float(xp.abs(a.array).sum(axis=-2).max())
    if not math.isfinite(norm) or norm <= _TARGET_NORM:
        return 0
    return int(math.ceil(math.log2(norm / _TARGET_NORM)))


def matrix_exp(input: Tensor) -> Tensor:  # noqa: A002 - torch's name
    """The exponential of each square matrix of ``input``.

    Parameters
    ----------
    input : Tensor, shape (..., n, n)
        Floating (integer input is refused, as torch's).

    Returns
    -------
    Tensor, shape (..., n, n)
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"matrix_exp: expected a Tensor, got {type(input).__name__}")
    if input.ndim < 2 or input.shape[-1] != input.shape[-2]:
        raise ValueError(
            f"matrix_exp: expected a tensor of square matrices (..., n, n), got shape "
            f"{tuple(input.shape)}"
        )
    if input.dtype.kind != "f":
        raise TypeError(f"matrix_exp: expected a floating tensor, got dtype {input.dtype}")
    s = _squarings(input)
    a = input * (0.5**s) if s else input
    n = input.shape[-1]
    eye = Tensor(get_array_module(input.array).eye(n, dtype=input.dtype))
    out = eye + a / _DEGREE
    for k in range(_DEGREE - 1, 0, -1):
        out = eye + (a @ out) / k
    for _ in range(s):
        out = out @ out
    return cast(out, input.dtype) if out.dtype != input.dtype else out

