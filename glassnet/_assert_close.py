"""``torch.testing.assert_close``: compare tensors, numbers and containers of them.

:func:`assert_close` passes when ``actual`` and ``expected`` have the same structure
(sequences of the same length, mappings with the same keys, tensors of the same shape,
dtype and device) and their values are close: ``|actual - expected| <= atol + rtol *
|expected|`` elementwise, exactly equal for integers and booleans. The tolerances
default by dtype, as PyTorch's do (float32: ``rtol=1.3e-6, atol=1e-5``). A failure
raises ``AssertionError`` with PyTorch's message: how many elements differ, the
greatest absolute and relative differences and where, and which item of a container
failed. Inputs the comparison cannot pair (a tensor against a number, strings) raise
``TypeError``.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from ._torch_config import promote_types
from .backend import to_host
from .random import get_rng
from .tensor import Tensor

__all__ = ["assert_close", "assert_allclose", "make_tensor"]

#: (rtol, atol) by dtype; other dtypes compare exactly.
_TOLERANCES = {
    np.dtype(np.float16): (1e-3, 1e-5),
    np.dtype(np.float32): (1.3e-6, 1e-5),
    np.dtype(np.float64): (1e-7, 1e-7),
    np.dtype(np.complex64): (1.3e-6, 1e-5),
    np.dtype(np.complex128): (1e-7, 1e-7),
}
#: assert_allclose's older defaults.
_LEGACY_TOLERANCES = {
    np.dtype(np.float16): (1e-3, 1e-3),
    np.dtype(np.float32): (1e-4, 1e-5),
    np.dtype(np.float64): (1e-5, 1e-8),
}


class _Failure(AssertionError):
    """A mismatch, with the path of the container item it was found at."""

    def __init__(self, message: str, path: str = "") -> None:
        super().__init__(message)
        self.message, self.path = message, path


def _tolerances(dtypes: Sequence[np.dtype], rtol: float | None, atol: float | None,
                table: dict = _TOLERANCES) -> tuple[float, float]:  # fmt: skip
    if (rtol is None) != (atol is None):
        missing = "atol" if atol is None else "rtol"
        raise ValueError(f"Both 'rtol' and 'atol' must be either specified or omitted, but got no {missing}.")
    if rtol is not None:
        return float(rtol), float(atol)
    pairs = [table.get(np.dtype(d), (0.0, 0.0)) for d in dtypes]
    return max(p[0] for p in pairs), max(p[1] for p in pairs)


def _is_tensor_like(x: Any) -> bool:
    return isinstance(x, (Tensor, np.ndarray))


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float, complex)) and not isinstance(x, bool)


# ------------------------------------------------------------------- scalars
def _compare_scalars(actual: Any, expected: Any, rtol: float | None, atol: float | None,
                     equal_nan: bool, check_dtype: bool) -> None:  # fmt: skip
    if isinstance(actual, bool) or isinstance(expected, bool):
        if not (isinstance(actual, bool) and isinstance(expected, bool)):
            raise TypeError(_unpaired(actual, expected))
        if actual is not expected:
            raise _Failure(f"Booleans mismatch: {actual} is not {expected}")
        return
    if check_dtype and type(actual) is not type(expected):
        raise _Failure(f"The (d)types do not match: {type(actual)} != {type(expected)}.")
    exact = isinstance(actual, int) and isinstance(expected, int)
    r, a = (0.0, 0.0) if exact else _tolerances([np.float64], rtol, atol)
    if actual == expected or (equal_nan and _both_nan(actual, expected)):
        return
    diff = abs(actual - expected)
    if not exact and diff <= a + r * abs(expected):
        return
    rel = diff / abs(expected) if expected != 0 else math.inf
    if exact:
        raise _Failure(f"Scalars are not equal!\n\nExpected {expected} but got {actual}.\n"
                       f"Absolute difference: {diff}\nRelative difference: {rel}")  # fmt: skip
    raise _Failure(f"Scalars are not close!\n\nExpected {expected} but got {actual}.\n"
                   f"Absolute difference: {diff} (up to {a} allowed)\n"
                   f"Relative difference: {rel} (up to {r} allowed)")  # fmt: skip


def _both_nan(a: Any, b: Any) -> bool:
    return isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b)


# ------------------------------------------------------------------- tensors
def _attributes(actual: Any, expected: Any, check_device: bool, check_dtype: bool,
                check_stride: bool) -> None:  # fmt: skip
    a, e = np.asarray(to_host(actual)), np.asarray(to_host(expected))
    if a.shape != e.shape:
        raise _Failure(f"The values for attribute 'shape' do not match: {_size(a.shape)} != "
                       f"{_size(e.shape)}.")  # fmt: skip
    if check_device and isinstance(actual, Tensor) and isinstance(expected, Tensor):
        if str(actual.device) != str(expected.device):
            raise _Failure(f"The values for attribute 'device' do not match: {actual.device} "
                           f"!= {expected.device}.")  # fmt: skip
    if check_dtype and a.dtype != e.dtype:
        raise _Failure(f"The values for attribute 'dtype' do not match: {a.dtype} != {e.dtype}.")
    if check_stride and _strides(a) != _strides(e):
        raise _Failure(f"The values for attribute 'stride()' do not match: {_strides(a)} != "
                       f"{_strides(e)}.")  # fmt: skip


def _size(shape: tuple) -> str:
    return f"torch.Size({list(shape)})"


def _strides(a: np.ndarray) -> tuple:
    return tuple(s // a.itemsize for s in a.strides) if a.itemsize else a.strides


def _compare_tensors(actual: Any, expected: Any, rtol: float | None, atol: float | None,
                     equal_nan: bool, check_device: bool, check_dtype: bool,
                     check_stride: bool) -> None:  # fmt: skip
    if isinstance(actual, Tensor) != isinstance(expected, Tensor):
        raise TypeError(_unpaired(actual, expected))
    _attributes(actual, expected, check_device, check_dtype, check_stride)
    a, e = np.asarray(to_host(actual)), np.asarray(to_host(expected))
    common = np.dtype(promote_types(a.dtype, e.dtype))  # torch's rule: float32 with int64 is float32
    a, e = a.astype(common, copy=False), e.astype(common, copy=False)
    exact = common.kind in "biu"
    r, t = (0.0, 0.0) if exact else _tolerances([a.dtype, e.dtype], rtol, atol)
    if a.ndim == 0 and not exact:
        _compare_scalars(a.item(), e.item(), r, t, equal_nan, False)
        return
    with np.errstate(invalid="ignore", over="ignore"):
        matches = _close(a, e, r, t, equal_nan, exact)
    if matches.all():
        return
    raise _Failure(_mismatch_message(a, e, matches, r, t, exact))


def _close(a: np.ndarray, e: np.ndarray, rtol: float, atol: float, equal_nan: bool,
           exact: bool) -> np.ndarray:  # fmt: skip
    if exact:
        return a == e
    same = a == e  # infinities of the same sign
    if equal_nan:
        same |= np.isnan(a) & np.isnan(e)
    diff = np.abs(a - e)
    return same | (np.isfinite(diff) & (diff <= atol + rtol * np.abs(e)))


def _mismatch_message(a: np.ndarray, e: np.ndarray, matches: np.ndarray, rtol: float,
                      atol: float, exact: bool) -> str:  # fmt: skip
    work = np.float32 if exact or a.dtype.itemsize < 4 else a.dtype
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        abs_diff = np.abs(a.astype(work) - e.astype(work))
        rel_diff = abs_diff / np.abs(e.astype(work))
    abs_diff[matches], rel_diff[matches] = 0, 0
    total, bad = matches.size, int((~matches).sum())
    word = "equal" if exact else "close"
    lines = [f"Tensor-likes are not {word}!", "", f"Mismatched elements: {bad} / {total} "
             f"({bad / total:.1%})"]  # fmt: skip
    for label, values, tol in (("absolute", abs_diff, atol), ("relative", rel_diff, rtol)):
        where = _argmax_nan_first(values)
        value = values[where].item()
        if label == "absolute" and exact:
            value = int(value)
        allowed = "" if exact else f" (up to {tol} allowed)"
        lines.append(f"Greatest {label} difference: {value} at index {where}{allowed}")
    return "\n".join(lines)


def _argmax_nan_first(values: np.ndarray) -> tuple:
    flat = values.reshape(-1)
    nan = np.flatnonzero(np.isnan(flat))
    i = int(nan[0]) if nan.size else int(np.argmax(flat))
    return tuple(int(k) for k in np.unravel_index(i, values.shape))


# ---------------------------------------------------------------- containers
def _unpaired(actual: Any, expected: Any) -> str:
    return (f"No comparison pair was able to handle inputs of type {type(actual)} and "
            f"{type(expected)}.")  # fmt: skip


def _compare(actual: Any, expected: Any, path: str, options: dict) -> None:
    try:
        _compare_one(actual, expected, path, options)
    except _Failure as failure:
        if failure.path or not path:
            raise
        raise _Failure(failure.message, path) from None


def _compare_one(actual: Any, expected: Any, path: str, options: dict) -> None:
    if actual is None and expected is None:
        return
    if _is_tensor_like(actual) or _is_tensor_like(expected):
        if not (_is_tensor_like(actual) and _is_tensor_like(expected)):
            raise TypeError(_unpaired(actual, expected))
        _compare_tensors(actual, expected, **options)
        return
    if isinstance(actual, Mapping) and isinstance(expected, Mapping):
        _compare_mappings(actual, expected, path, options)
        return
    if _is_sequence(actual) and _is_sequence(expected):
        if len(actual) != len(expected):
            raise _Failure(f"The length of the sequences mismatch: {len(actual)} != {len(expected)}")
        for i, (x, y) in enumerate(zip(actual, expected)):
            _compare(x, y, f"{path}[{i}]", options)
        return
    if (_is_number(actual) or isinstance(actual, bool)) and (
        _is_number(expected) or isinstance(expected, bool)
    ):
        _compare_scalars(actual, expected, options["rtol"], options["atol"],
                         options["equal_nan"], options["check_dtype"])  # fmt: skip
        return
    raise TypeError(_unpaired(actual, expected))


def _is_sequence(x: Any) -> bool:
    return isinstance(x, Sequence) and not isinstance(x, (str, bytes))


def _compare_mappings(actual: Mapping, expected: Mapping, path: str, options: dict) -> None:
    if set(actual) != set(expected):
        missing = sorted(set(expected) - set(actual), key=repr)
        extra = sorted(set(actual) - set(expected), key=repr)
        raise _Failure("The keys of the mappings do not match:\n"
                       f"Missing keys in the actual mapping: {missing}\n"
                       f"Additional keys in the actual mapping: {extra}")  # fmt: skip
    for key in expected:
        _compare(actual[key], expected[key], f"{path}[{key!r}]", options)


def assert_close(
    actual: Any,
    expected: Any,
    *,
    allow_subclasses: bool = True,
    rtol: float | None = None,
    atol: float | None = None,
    equal_nan: bool = False,
    check_device: bool = True,
    check_dtype: bool = True,
    check_layout: bool = True,
    check_stride: bool = False,
    msg: str | Callable[[str], str] | None = None,
) -> None:
    """Assert that ``actual`` and ``expected`` are close (``torch.testing.assert_close``).

    Parameters
    ----------
    actual, expected : Tensor, ndarray, number, or a sequence / mapping of those
        Compared pairwise; containers must have the same length or keys.
    rtol, atol : float, optional
        Give both or neither; by default they follow the dtype (float32: 1.3e-6 and 1e-5,
        float64: 1e-7 and 1e-7, float16: 1e-3 and 1e-5; integers and booleans: exact).
    equal_nan : bool, default False
        Whether NaN equals NaN.
    check_device, check_dtype, check_stride : bool
        Whether those attributes must match (``check_stride`` off by default).
    msg : str or callable, optional
        Replaces the failure message, or turns it into another.
    allow_subclasses, check_layout : bool
        Accepted (glassnet has one tensor class and one layout).

    Raises
    ------
    AssertionError
        When they differ, with what differs and where.
    TypeError
        When the inputs cannot be compared (a tensor against a number, strings).
    ValueError
        When only one of ``rtol`` and ``atol`` is given.
    """
    if (rtol is None) != (atol is None):
        _tolerances([], rtol, atol)
    options = dict(rtol=rtol, atol=atol, equal_nan=equal_nan, check_device=check_device,
                   check_dtype=check_dtype, check_stride=check_stride)  # fmt: skip
    try:
        _compare(actual, expected, "", options)
    except _Failure as failure:
        text = failure.message
        if failure.path:
            text += f"\n\nThe failure occurred for item {failure.path}"
        if callable(msg):
            text = msg(text)
        elif msg is not None:
            text = msg
        raise AssertionError(text) from None


def assert_allclose(actual: Any, expected: Any, rtol: float | None = None,
                    atol: float | None = None, equal_nan: bool = True, msg: str = "") -> None:  # fmt: skip
    """The deprecated ``torch.testing.assert_allclose``: ``expected`` is taken as a tensor of
    ``actual``'s dtype, the tolerances default to the older table (float32: 1e-4, 1e-5),
    NaN equals NaN."""
    warnings.warn(
        "`torch.testing.assert_allclose()` is deprecated since 1.12 and will be removed in a "
        "future release. Please use `torch.testing.assert_close()` instead.",
        FutureWarning,
        stacklevel=2,
    )
    a = actual if isinstance(actual, Tensor) else Tensor(np.asarray(actual))
    e = Tensor(np.asarray(to_host(expected) if isinstance(expected, Tensor) else expected,
                          dtype=a.dtype))  # fmt: skip
    r, t = _tolerances([a.dtype], rtol, atol, _LEGACY_TOLERANCES)
    assert_close(a, e, rtol=r, atol=t, equal_nan=equal_nan, check_device=True,
                 check_dtype=False, msg=msg or None)  # fmt: skip


def make_tensor(*shape: Any, dtype: Any, device: Any = None, low: float | None = None,
                high: float | None = None, requires_grad: bool = False,
                noncontiguous: bool = False, exclude_zero: bool = False,
                memory_format: Any = None) -> Tensor:  # fmt: skip
    """A tensor of ``shape`` with random values in ``[low, high)`` (``torch.testing.make_tensor``).

    Floats default to ``[-9, 9)``, integers to ``[-9, 10)`` (``[0, 10)`` unsigned), booleans
    are random. The values come from glassnet's generator, not PyTorch's.
    """
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    dt = np.dtype(dtype)
    rng = get_rng()
    if dt == np.bool_:
        values = rng.random(shape) < 0.5
    elif dt.kind in "iu":
        lo = int(math.ceil(low)) if low is not None else (0 if dt.kind == "u" else -9)
        hi = int(math.ceil(high)) if high is not None else 10
        values = rng.integers(lo, hi, size=shape).astype(dt)
        if exclude_zero:
            values[values == 0] = 1
    else:
        lo = -9.0 if low is None else float(low)
        hi = 9.0 if high is None else float(high)
        values = rng.uniform(lo, hi, size=shape).astype(dt)
        if exclude_zero:
            values[values == 0] = np.finfo(dt).tiny
    t = Tensor(np.ascontiguousarray(values))
    if device is not None:
        t = t.to(device)
    if requires_grad:
        t.requires_grad_(True)
    return t
