"""PyTorch's tensor-creating functions: ``zeros_like``, ``eye``, ``linspace``, ``randint``, ...

Random ones draw from glassnet's global generator (``glassnet.manual_seed``)
on the host and move the result to ``device``, like :func:`glassnet.randn`.
``glassnet/__init__.py`` re-exports ``__all__``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from . import _dtypes, backend
from . import random as _random
from .tensor import Tensor, _shape_arg
from .tensor import as_tensor as _as_tensor
from .tensor import full as _full

__all__ = [
    "full", "empty", "empty_strided", "zeros_like", "ones_like", "full_like", "empty_like", "rand_like",
    "randn_like", "randint_like", "eye", "linspace", "logspace", "randint", "randperm",
    "normal", "bernoulli", "from_numpy", "as_tensor",
]  # fmt: skip


def _finish(data: np.ndarray, device: Any, requires_grad: bool) -> Tensor:
    """A tensor of host ``data`` on ``device``, requiring grad when asked."""
    out = Tensor._make(data, False, None, 0)
    if device is not None and backend.Device(device).type != "cpu":
        out = out.to(device)
    return out.requires_grad_(True) if requires_grad else out


def _dt(dtype: Any, default: Any) -> np.dtype:
    return np.dtype(default) if dtype is None else _dtypes.to_dtype(dtype, "dtype argument")


def _fill_dtype(value: Any) -> np.dtype:
    """PyTorch's dtype for a fill value: bool, int64, or the default floating dtype."""
    if isinstance(value, (bool, np.bool_)):
        return np.dtype(np.bool_)
    if isinstance(value, (int, np.integer)):
        return np.dtype(np.int64)
    return backend.default_dtype()


def full(
    size: Any,
    fill_value: Any,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """``size`` filled with ``fill_value``; the dtype follows the value (bool, int64 or float32)
    unless given, as in PyTorch."""
    shape = (size,) if isinstance(size, (int, np.integer)) else tuple(size)
    dt = _dt(dtype, _fill_dtype(fill_value))
    return _full(shape, fill_value, dtype=dt, requires_grad=requires_grad, device=device)


def empty(
    *sizes: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False,
    size: Any = None, **torch_options: Any,
) -> Tensor:  # fmt: skip
    """Zeros (glassnet never hands out uninitialised memory); ``pin_memory``/``memory_format``
    of torch's are accepted when they ask for nothing (False, None)."""
    for name, value in torch_options.items():
        if name not in ("pin_memory", "memory_format", "layout") or value not in (None, False):
            if not (name == "layout" and repr(value) == "torch.strided"):
                raise TypeError(f"empty() got an unexpected keyword argument {name}={value!r}")
    shape = _shape_arg(sizes, size)
    return _full(shape, 0, dtype=dtype, requires_grad=requires_grad, device=device)


def empty_strided(
    size: Sequence[int], stride: Sequence[int], *, dtype: Any = None, layout: Any = None,
    device: Any = None, requires_grad: bool = False, pin_memory: bool = False,
) -> Tensor:  # fmt: skip
    """A tensor of shape ``size`` whose memory is laid out with ``stride`` (in elements), as
    torch's ``empty_strided``; zeros, as :func:`empty` (torch leaves them uninitialised).

    The array is a strided view over a fresh buffer just large enough, so ``stride()``
    gives ``stride`` (on CPU; a tensor moved to another device is contiguous there).
    Overlapping strides (a 0) share elements, as in torch.
    """
    shape, steps = tuple(int(n) for n in size), tuple(int(s) for s in stride)
    if len(shape) != len(steps):
        raise RuntimeError(
            f"empty_strided: expected size and stride of the same length, got {shape} and {steps}"
        )
    if min((*shape, *steps), default=0) < 0:
        raise RuntimeError(f"empty_strided: expected sizes and strides >= 0, got {shape} and {steps}")
    if layout is not None and repr(layout) != "torch.strided" or pin_memory:
        raise TypeError(f"empty_strided: layout={layout!r}, pin_memory={pin_memory!r} not available")
    dt = _dt(dtype, _dtypes.get_default_dtype())
    extent = 1 + sum((n - 1) * s for n, s in zip(shape, steps)) if all(shape) else 0
    buf = np.zeros(max(extent, 1), dtype=dt)
    data = np.lib.stride_tricks.as_strided(buf, shape, tuple(s * dt.itemsize for s in steps))
    return _finish(data, device, requires_grad)


def _like(input: Tensor, value: Any, dtype: Any, device: Any, requires_grad: bool) -> Tensor:  # noqa: A002
    dt = _dt(dtype, input.dtype)
    return _full(
        input.shape, value, dtype=dt, requires_grad=requires_grad,
        device=input.device if device is None else device,
    )  # fmt: skip


def zeros_like(
    input: Tensor, *, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:  # noqa: A002
    """Zeros with ``input``'s shape, dtype and device (unless given)."""
    return _like(input, 0, dtype, device, requires_grad)


def ones_like(
    input: Tensor, *, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:  # noqa: A002
    return _like(input, 1, dtype, device, requires_grad)


def empty_like(
    input: Tensor, *, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:  # noqa: A002
    return _like(input, 0, dtype, device, requires_grad)


def full_like(
    input: Tensor,
    fill_value: Any,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:  # noqa: A002
    return _like(input, fill_value, dtype, device, requires_grad)


def _random_like(input: Tensor, draw: Any, dtype: Any, device: Any, requires_grad: bool) -> Tensor:  # noqa: A002
    dt = _dt(dtype, input.dtype)
    if dt.kind != "f":
        raise TypeError(f"random *_like: needs a floating dtype, got {dt} (give dtype=)")
    data = draw(_random.get_rng(), input.shape).astype(dt)
    return _finish(data, input.device if device is None else device, requires_grad)


def rand_like(
    input: Tensor, *, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:  # noqa: A002
    """Uniform samples on [0, 1) with ``input``'s shape, dtype and device."""
    return _random_like(input, lambda r, s: r.random(s), dtype, device, requires_grad)


def randn_like(
    input: Tensor, *, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:  # noqa: A002
    """Standard-normal samples with ``input``'s shape, dtype and device."""
    return _random_like(input, lambda r, s: r.standard_normal(s), dtype, device, requires_grad)


def randint_like(
    input: Tensor, low: int = 0, high: int | None = None, *, dtype: Any = None, device: Any = None
) -> Tensor:  # noqa: A002
    """Integers in ``[low, high)`` (``randint_like(x, high)`` reads ``low=0``) with ``input``'s shape."""
    if high is None:
        low, high = 0, low
    data = _random.get_rng().integers(low, high, input.shape).astype(_dt(dtype, input.dtype))
    return _finish(data, input.device if device is None else device, False)


def eye(
    n: int,
    m: int | None = None,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """The ``(n, m)`` identity matrix (``m = n`` by default)."""
    return _finish(np.eye(n, m, dtype=_dt(dtype, backend.default_dtype())), device, requires_grad)


def linspace(
    start: float,
    end: float,
    steps: int,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive (the default dtype)."""
    data = np.linspace(float(start), float(end), int(steps)).astype(
        _dt(dtype, backend.default_dtype())
    )
    return _finish(data, device, requires_grad)


def logspace(
    start: float,
    end: float,
    steps: int,
    base: float = 10.0,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """``base ** linspace(start, end, steps)``."""
    data = np.logspace(float(start), float(end), int(steps), base=base).astype(
        _dt(dtype, backend.default_dtype())
    )
    return _finish(data, device, requires_grad)


def _randint_args(args: tuple, low: Any, high: Any, size: Any) -> tuple[Any, Any, Any]:
    """torch's ways of naming ``(low, high, size)``: positionally, by keyword, or mixed."""
    rest = list(args)
    if size is None and rest:
        size = rest.pop()
    if high is None and rest:
        high = rest.pop()
    if low is None and rest:
        low = rest.pop()
    if rest or size is None or high is None:
        raise TypeError(
            "randint: expected (high, size) or (low, high, size), positionally or by keyword "
            f"(e.g. randint(10, size=(3,))), got {len(args)} positional argument(s)"
        )
    return (0 if low is None else low), high, size


def randint(
    *args: Any,
    low: Any = None,
    high: Any = None,
    size: Any = None,
    dtype: Any = None,
    device: Any = None,
    generator: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Integers in ``[low, high)``: ``randint(high, size)`` or ``randint(low, high, size)`` (int64).

    Any of ``low``, ``high`` and ``size`` may be given by keyword, as in torch
    (``randint(10, size=(3,))``). ``generator`` is a NumPy Generator (glassnet's global one
    by default).
    """
    low, high, size = _randint_args(args, low, high, size)
    rng = generator if generator is not None else _random.get_rng()
    data = rng.integers(int(low), int(high), _shape_arg((size,))).astype(_dt(dtype, np.int64))
    return _finish(data, device, requires_grad)


def randperm(n: int, *, dtype: Any = None, device: Any = None, generator: Any = None) -> Tensor:
    """A random permutation of ``0 .. n-1`` (int64)."""
    rng = generator if generator is not None else _random.get_rng()
    return _finish(rng.permutation(int(n)).astype(_dt(dtype, np.int64)), device, False)


def normal(
    mean: Any = 0.0,
    std: Any = 1.0,
    size: Any = None,
    *,
    generator: Any = None,
    dtype: Any = None,
    device: Any = None,
) -> Tensor:
    """Samples of N(mean, std²): ``mean``/``std`` numbers (then ``size`` is needed) or tensors
    (broadcast together; the result has their shape)."""
    m = mean.numpy() if isinstance(mean, Tensor) else np.asarray(mean)
    s = std.numpy() if isinstance(std, Tensor) else np.asarray(std)
    shape = np.broadcast_shapes(m.shape, s.shape) if size is None else _shape_arg((size,))
    rng = generator if generator is not None else _random.get_rng()
    floats = [a.dtype for a in (mean, std) if isinstance(a, Tensor) and a.dtype.kind == "f"]
    dt = _dt(dtype, floats[0] if floats else backend.default_dtype())
    ref = mean if isinstance(mean, Tensor) else std
    dev = device if device is not None else (ref.device if isinstance(ref, Tensor) else None)
    return _finish((m + s * rng.standard_normal(shape)).astype(dt), dev, False)


def bernoulli(input: Tensor, p: float | None = None, *, generator: Any = None) -> Tensor:  # noqa: A002
    """0/1 samples with probability ``input`` (or ``p``), in ``input``'s dtype."""
    rng = generator if generator is not None else _random.get_rng()
    probs = input.numpy() if p is None else np.full(input.shape, p)
    data = (rng.random(input.shape) < probs).astype(input.dtype)
    return _finish(data, input.device, False)


def from_numpy(ndarray: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``ndarray`` (changes to one show in the other); keeps its dtype."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"from_numpy: expected a numpy.ndarray, got {type(ndarray).__name__}")
    if ndarray.dtype.kind not in "biuf":
        raise TypeError(
            f"from_numpy: expected an array of bool, integer or floating dtype, got dtype "
            f"{ndarray.dtype} (glassnet has no complex, string or object tensors)"
        )
    return Tensor._make(ndarray, False, None, 0)


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """A tensor of ``data``, sharing memory when it already is an array of that dtype."""
    out = _as_tensor(data, dtype)
    return out if device is None else out.to(device)
