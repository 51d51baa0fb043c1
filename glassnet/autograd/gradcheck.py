"""Finite-difference gradient checking, shared by every op's test.

``gradcheck(fn, inputs)`` compares the gradient that ``backward()`` computes
with central differences in float64. ``fn`` maps tensors to a tensor; the
check differentiates ``sum(fn(*inputs) * w)`` for a fixed random ``w``, so
every output element takes part with a distinct weight.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..tensor import Tensor
from .grad_mode import no_grad

__all__ = ["gradcheck", "numerical_grad", "GradcheckError"]


class GradcheckError(AssertionError):
    """Raised when analytic and numerical gradients disagree."""


def _as_tuple(out: Any) -> tuple:
    return out if isinstance(out, tuple) else (out,)


def numerical_grad(
    fn: Callable[..., Any],
    arrays: Sequence[np.ndarray],
    weights: Sequence[np.ndarray],
    index: int,
    eps: float = 1e-6,
) -> np.ndarray:
    """Central-difference gradient of ``sum_k sum(fn(*arrays)[k] * weights[k])`` w.r.t. ``arrays[index]``."""
    x = arrays[index]
    grad = np.zeros_like(x, dtype=np.float64)
    flat = x.reshape(-1)
    gflat = grad.reshape(-1)

    def value() -> float:
        with no_grad():
            outs = _as_tuple(fn(*[Tensor(a) for a in arrays]))
        return float(
            sum(np.sum(np.asarray(o.array, dtype=np.float64) * w) for o, w in zip(outs, weights))
        )

    for i in range(flat.size):
        orig = flat[i]
        flat[i] = orig + eps
        plus = value()
        flat[i] = orig - eps
        minus = value()
        flat[i] = orig
        gflat[i] = (plus - minus) / (2 * eps)
    return grad


def gradcheck(
    fn: Callable[..., Any],
    inputs: Sequence[Any],
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-4,
    check: Sequence[bool] | None = None,
    seed: int = 0,
) -> bool:
    """Check ``backward()`` of ``fn`` against central differences in float64.

    Parameters
    ----------
    fn : callable
        Takes as many tensors as ``inputs`` and returns a tensor or a tuple of tensors.
    inputs : sequence of array-like
        Points to check at; floating inputs are converted to float64. Integer
        inputs (indices, labels) are passed through and not differentiated.
    eps : float
        Finite-difference step.
    atol, rtol : float
        Tolerances of ``|analytic - numerical| <= atol + rtol * |numerical|``.
    check : sequence of bool, optional
        Which inputs to differentiate (default: all floating inputs).
    seed : int
        Seed of the random output weights.

    Returns
    -------
    bool
        True; a mismatch raises :class:`GradcheckError` naming the input and
        the worst element.
    """
    arrays = []
    for a in inputs:
        a = a.array if isinstance(a, Tensor) else a
        a = np.array(a)
        if np.issubdtype(a.dtype, np.floating):
            a = a.astype(np.float64)
        arrays.append(a)
    if check is None:
        check = [np.issubdtype(a.dtype, np.floating) for a in arrays]
    tensors = [Tensor(a.copy(), requires_grad=bool(c)) for a, c in zip(arrays, check)]
    outs = _as_tuple(fn(*tensors))
    rng = np.random.default_rng(seed)
    weights = [rng.standard_normal(o.shape) for o in outs]
    total = None
    for o, w in zip(outs, weights):
        if o.array.dtype != np.float64:
            raise GradcheckError(f"gradcheck: output dtype is {o.array.dtype}, expected float64")
        term = (o * Tensor(w)).sum()
        total = term if total is None else total + term
    total.backward()
    for i, (t, c) in enumerate(zip(tensors, check)):
        if not c:
            continue
        analytic = np.zeros_like(arrays[i]) if t.grad is None else t.grad.array
        numeric = numerical_grad(fn, arrays, weights, i, eps)
        err = np.abs(analytic - numeric)
        bound = atol + rtol * np.abs(numeric)
        if not np.all(err <= bound):
            j = np.unravel_index(int(np.argmax(err - bound)), err.shape)
            raise GradcheckError(
                f"gradcheck: input {i} (shape {arrays[i].shape}): analytic {analytic[j]!r} vs "
                f"numerical {numeric[j]!r} at index {tuple(int(k) for k in j)}; "
                f"max abs error {err.max():.3g}"
            )
    return True
