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
    """Central-difference gradient of ``sum_k sum(fn(*arrays)[k] * weights[k])`` w.r.t. ``arrays[index]``.

    Arrays are given to ``fn`` as tensors; anything else (``None``, numbers) as it is.
    """
    x = arrays[index]
    grad = np.zeros_like(x, dtype=np.float64)
    flat = x.reshape(-1)
    gflat = grad.reshape(-1)

    def value() -> float:
        with no_grad():
            outs = _as_tuple(fn(*[Tensor(a) if isinstance(a, np.ndarray) else a for a in arrays]))
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


def _prepare(inputs: Sequence[Any], torch_style: bool) -> tuple[list, list[bool]]:
    """Arrays to perturb (float64 copies) and, per input, whether it is passed through as is."""
    arrays: list = []
    constant: list[bool] = []
    for a in inputs:
        through = a is None or isinstance(a, (str, bytes)) or callable(a)
        through = through or (torch_style and isinstance(a, (bool, int, float)))
        constant.append(through)
        if through:
            arrays.append(a)
            continue
        a = np.array(a.array if isinstance(a, Tensor) else a)
        if np.issubdtype(a.dtype, np.floating):
            a = a.astype(np.float64)
        arrays.append(a)
    return arrays, constant


def _default_check(inputs: Sequence[Any], arrays: list, constant: list, torch_style: bool) -> list:
    if torch_style:  # PyTorch's rule: the tensors that require grad
        return [isinstance(a, Tensor) and a.requires_grad for a in inputs]
    return [not c and np.issubdtype(a.dtype, np.floating) for a, c in zip(arrays, constant)]


def _refuse_unsupported(options: dict) -> None:
    for name, value in options.items():
        if value:
            raise NotImplementedError(
                f"gradcheck: {name}=True is not supported by glassnet (it checks reverse-mode "
                "gradients against central differences only)"
            )


def gradcheck(
    fn: Callable[..., Any],
    inputs: Any,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-4,
    raise_exception: bool = True,
    check: Sequence[bool] | None = None,
    seed: int = 0,
    nondet_tol: float = 0.0,
    check_undefined_grad: bool = True,
    check_grad_dtypes: bool = False,
    check_batched_grad: bool = False,
    check_batched_forward_grad: bool = False,
    check_forward_ad: bool = False,
    check_backward_ad: bool = True,
    fast_mode: bool = False,
    masked: bool | None = None,
) -> bool:
    """Check ``backward()`` of ``fn`` against central differences in float64.

    Called as PyTorch's ``gradcheck``: ``gradcheck(MyOp.apply, (x, w))`` with
    tensors that require grad checks those tensors (a Function in PyTorch's
    form included); with arrays, every floating input is checked.

    Parameters
    ----------
    fn : callable
        Takes as many arguments as ``inputs`` and returns a tensor or a tuple
        (its floating tensors that require grad are checked).
    inputs : Tensor, array-like or sequence of them
        Points to check at; floating inputs are converted to float64. Integer
        inputs (indices, labels) are passed through and not differentiated;
        so are ``None`` and, in a call with tensors that require grad, Python
        numbers.
    eps : float
        Finite-difference step.
    atol, rtol : float
        Tolerances of ``|analytic - numerical| <= atol + rtol * |numerical|``.
    raise_exception : bool, default True
        Raise on a mismatch; ``False`` returns ``False`` instead.
    check : sequence of bool, optional
        Which inputs to differentiate (default: the tensors that require grad
        when there are some, else all floating inputs).
    seed : int
        Seed of the random output weights.
    nondet_tol, check_undefined_grad, check_grad_dtypes, fast_mode, masked, check_backward_ad
        Accepted for PyTorch's signature; the check is always the full,
        deterministic reverse-mode one.
    check_batched_grad, check_batched_forward_grad, check_forward_ad : bool
        ``True`` raises ``NotImplementedError``.

    Returns
    -------
    bool
        True; a mismatch raises :class:`GradcheckError` naming the input and
        the worst element (or returns False when ``raise_exception`` is False).
    """
    _refuse_unsupported(
        {
            "check_batched_grad": check_batched_grad,
            "check_batched_forward_grad": check_batched_forward_grad,
            "check_forward_ad": check_forward_ad,
        }
    )
    if isinstance(inputs, Tensor):
        inputs = (inputs,)
    torch_style = any(isinstance(a, Tensor) and a.requires_grad for a in inputs)
    arrays, constant = _prepare(inputs, torch_style)
    if check is None:
        check = _default_check(inputs, arrays, constant, torch_style)
    try:
        _compare(fn, arrays, constant, check, eps, atol, rtol, seed)
    except GradcheckError:
        if raise_exception:
            raise
        return False
    return True


def _args(arrays: list, constant: list, check: Sequence[bool]) -> list:
    """The arguments ``fn`` is called with: tensors, and constants as they came."""
    return [
        a if c else Tensor(a.copy(), requires_grad=bool(k))
        for a, c, k in zip(arrays, constant, check)
    ]


def _checked_outputs(out: Any) -> list[int]:
    """Indices of the outputs the check differentiates: floating tensors in the graph."""
    outs = _as_tuple(out)
    return [i for i, o in enumerate(outs) if isinstance(o, Tensor) and o.requires_grad]


def _compare(
    fn: Callable[..., Any],
    arrays: list,
    constant: list,
    check: Sequence[bool],
    eps: float,
    atol: float,
    rtol: float,
    seed: int,
) -> None:
    tensors = _args(arrays, constant, check)
    outs = _as_tuple(fn(*tensors))
    picked = _checked_outputs(outs)
    rng = np.random.default_rng(seed)
    weights = {i: rng.standard_normal(outs[i].shape) for i in picked}
    total = None
    for i in picked:
        o = outs[i]
        if o.array.dtype != np.float64:
            raise GradcheckError(f"gradcheck: output dtype is {o.array.dtype}, expected float64")
        term = (o * Tensor(weights[i])).sum()
        total = term if total is None else total + term
    if total is not None:
        total.backward()

    def value_fn(*args: Any) -> tuple:
        got = _as_tuple(fn(*args))
        return tuple(got[i] for i in picked)

    ws = [weights[i] for i in picked]
    for i, (t, c) in enumerate(zip(tensors, check)):
        if not c:
            continue
        analytic = np.zeros_like(arrays[i]) if t.grad is None else t.grad.array
        numeric = numerical_grad(value_fn, arrays, ws, i, eps)
        err = np.abs(analytic - numeric)
        bound = atol + rtol * np.abs(numeric)
        if not np.all(err <= bound):
            j = np.unravel_index(int(np.argmax(err - bound)), err.shape)
            raise GradcheckError(
                f"gradcheck: input {i} (shape {arrays[i].shape}): analytic {analytic[j]!r} vs "
                f"numerical {numeric[j]!r} at index {tuple(int(k) for k in j)}; "
                f"max abs error {err.max():.3g}"
            )
