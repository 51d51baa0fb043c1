"""Parameter initialisation, in place: Xavier/Glorot and He/Kaiming (uniform and normal), constants.

Each function takes a tensor, fills its data from glassnet's global generator
(or ``generator``, a ``numpy.random.Generator``; ``rng=`` is the same) and returns
it. Arguments are PyTorch's, in PyTorch's order (``tensor``, ``val``, ``generator``).
Fan-in and fan-out follow PyTorch: for a weight
of shape ``(out, in, *kernel)``, ``fan_in = in * prod(kernel)`` and
``fan_out = out * prod(kernel)``.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from ..backend import to_device
from ..random import get_rng
from ..tensor import Tensor

__all__ = [
    "calculate_gain", "fan_in_and_fan_out", "uniform_", "normal_", "zeros_", "ones_", "constant_",
    "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_", "he_uniform_",
    "he_normal_", "trunc_normal_", "orthogonal_", "eye_", "dirac_", "sparse_",
    # torch's deprecated un-suffixed names
    "uniform", "normal", "constant", "eye", "dirac", "xavier_uniform", "xavier_normal",
    "kaiming_uniform", "kaiming_normal", "orthogonal", "sparse",
]  # fmt: skip


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """Recommended gain for ``nonlinearity`` ('linear', 'sigmoid', 'tanh', 'relu', 'leaky_relu', 'selu')."""
    if nonlinearity in ("linear", "conv1d", "conv2d", "sigmoid", "identity"):
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"calculate_gain: unknown nonlinearity {nonlinearity!r}")


def fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """``(fan_in, fan_out)`` of a weight of shape ``(out, in, *kernel)``."""
    if tensor.ndim < 2:
        raise ValueError(
            f"fan_in_and_fan_out: needs a tensor with at least 2 dims, got {tensor.shape}"
        )
    receptive = int(np.prod(tensor.shape[2:])) if tensor.ndim > 2 else 1
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


#: torch's private name, which custom layers copied from ``nn.Linear.reset_parameters`` call.
_calculate_fan_in_and_fan_out = fan_in_and_fan_out


def _calculate_correct_fan(tensor: Tensor, mode: str) -> int:
    """torch's private helper: the fan-in or fan-out of ``tensor`` (``mode``)."""
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of fan_in, fan_out")
    fan_in, fan_out = fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def _fill(tensor: Tensor, values: np.ndarray) -> Tensor:
    tensor.array[...] = to_device(values.astype(tensor.dtype, copy=False), tensor.device)
    return tensor


def _rng(generator: Any, rng: Any = None) -> np.random.Generator:
    """The generator to draw from: ``generator`` (PyTorch's name), ``rng``, or the global one."""
    given = generator if generator is not None else rng
    if given is None:
        return get_rng()
    if not isinstance(given, np.random.Generator):
        raise TypeError(
            f"nn.init: generator must be a numpy.random.Generator, got {type(given).__name__}"
        )
    return given


def uniform_(
    tensor: Tensor, a: float = 0.0, b: float = 1.0, generator: Any = None, *, rng: Any = None
) -> Tensor:
    """Fill ``tensor`` with samples of ``U(a, b)``."""
    return _fill(tensor, _rng(generator, rng).uniform(a, b, tensor.shape))


def normal_(
    tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator: Any = None, *, rng: Any = None
) -> Tensor:
    """Fill ``tensor`` with samples of ``N(mean, std^2)``."""
    return _fill(tensor, _rng(generator, rng).normal(mean, std, tensor.shape))


def trunc_normal_(
    tensor: Tensor,
    mean: float = 0.0,
    std: float = 1.0,
    a: float = -2.0,
    b: float = 2.0,
    generator: Any = None,
    *,
    rng: Any = None,
) -> Tensor:
    """Normal samples redrawn until they fall in ``[a, b]`` (TensorFlow's ``truncated_normal`` uses ±2 std)."""
    g = _rng(generator, rng)
    out = g.normal(mean, std, tensor.shape)
    bad = (out < a) | (out > b)
    while bad.any():
        out[bad] = g.normal(mean, std, int(bad.sum()))
        bad = (out < a) | (out > b)
    return _fill(tensor, out)


def zeros_(tensor: Tensor) -> Tensor:
    """Fill ``tensor`` with 0."""
    tensor.array[...] = 0
    return tensor


def ones_(tensor: Tensor) -> Tensor:
    """Fill ``tensor`` with 1."""
    tensor.array[...] = 1
    return tensor


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill ``tensor`` with ``val``."""
    tensor.array[...] = val
    return tensor


def xavier_uniform_(
    tensor: Tensor, gain: float = 1.0, generator: Any = None, *, rng: Any = None
) -> Tensor:
    """Glorot uniform: ``U(-a, a)`` with ``a = gain * sqrt(6 / (fan_in + fan_out))``."""
    fi, fo = fan_in_and_fan_out(tensor)
    a = gain * math.sqrt(6.0 / (fi + fo))
    return uniform_(tensor, -a, a, generator, rng=rng)


def xavier_normal_(
    tensor: Tensor, gain: float = 1.0, generator: Any = None, *, rng: Any = None
) -> Tensor:
    """Glorot normal: ``N(0, std^2)`` with ``std = gain * sqrt(2 / (fan_in + fan_out))``."""
    fi, fo = fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fi + fo)), generator, rng=rng)


def _kaiming_std(tensor: Tensor, a: float, mode: str, nonlinearity: str) -> float:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"kaiming init: mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fi, fo = fan_in_and_fan_out(tensor)
    fan = fi if mode == "fan_in" else fo
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform_(
    tensor: Tensor,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: Any = None,
    *,
    rng: Any = None,
) -> Tensor:
    """He uniform: ``U(-b, b)`` with ``b = gain * sqrt(3 / fan)``."""
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity)
    return uniform_(tensor, -bound, bound, generator, rng=rng)


def kaiming_normal_(
    tensor: Tensor,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: Any = None,
    *,
    rng: Any = None,
) -> Tensor:
    """He normal: ``N(0, std^2)`` with ``std = gain / sqrt(fan)``."""
    return normal_(tensor, 0.0, _kaiming_std(tensor, a, mode, nonlinearity), generator, rng=rng)


def he_uniform_(tensor: Tensor, generator: Any = None, *, rng: Any = None) -> Tensor:
    """He uniform for ReLU networks (``kaiming_uniform_`` with ``nonlinearity='relu'``)."""
    return kaiming_uniform_(tensor, nonlinearity="relu", generator=generator, rng=rng)


def he_normal_(tensor: Tensor, generator: Any = None, *, rng: Any = None) -> Tensor:
    """He normal for ReLU networks."""
    return kaiming_normal_(tensor, nonlinearity="relu", generator=generator, rng=rng)


def orthogonal_(
    tensor: Tensor, gain: float = 1.0, generator: Any = None, *, rng: Any = None
) -> Tensor:
    """A (semi-)orthogonal matrix, the rows of ``tensor`` flattened past the first dim."""
    rows = tensor.shape[0]
    cols = int(np.prod(tensor.shape[1:]))
    flat = _rng(generator, rng).standard_normal((max(rows, cols), min(rows, cols)))
    q, r = np.linalg.qr(flat)
    q *= np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return _fill(tensor, gain * q[:rows, :cols].reshape(tensor.shape))


def eye_(tensor: Tensor) -> Tensor:
    """The identity matrix (ones on the diagonal of a 2-D tensor, zeros elsewhere)."""
    if tensor.ndim != 2:
        raise ValueError(f"eye_: only 2-D tensors are supported, got shape {tuple(tensor.shape)}")
    return _fill(tensor, np.eye(*tensor.shape))


def dirac_(tensor: Tensor, groups: int = 1) -> Tensor:
    """The Dirac delta of a convolution weight ``(out, in, *kernel)``: each of the first
    ``min(out / groups, in)`` output channels of a group passes its input channel through
    the kernel's centre unchanged."""
    if tensor.ndim not in (3, 4, 5):
        raise ValueError(
            f"dirac_: only 3-, 4- and 5-D tensors are supported, got shape {tuple(tensor.shape)}"
        )
    out_per_group = tensor.shape[0] // groups
    if tensor.shape[0] % groups:
        raise ValueError(f"dirac_: dim 0 ({tensor.shape[0]}) must be divisible by groups ({groups})")
    values = np.zeros(tensor.shape)
    centre = tuple(k // 2 for k in tensor.shape[2:])
    for g in range(groups):
        for d in range(min(out_per_group, tensor.shape[1])):
            values[(g * out_per_group + d, d, *centre)] = 1
    return _fill(tensor, values)


def sparse_(
    tensor: Tensor, sparsity: float, std: float = 0.01, generator: Any = None, *, rng: Any = None
) -> Tensor:
    """A 2-D tensor drawn from ``N(0, std^2)`` with ``ceil(sparsity * rows)`` entries of each
    column set to zero (the rows picked at random per column)."""
    if tensor.ndim != 2:
        raise ValueError(f"sparse_: only 2-D tensors are supported, got shape {tuple(tensor.shape)}")
    rows, cols = tensor.shape
    draw = _rng(generator, rng)
    values = draw.normal(0.0, std, (rows, cols))
    zeros = int(math.ceil(sparsity * rows))
    for c in range(cols):
        values[draw.permutation(rows)[:zeros], c] = 0
    return _fill(tensor, values)


def _deprecated(new: Any) -> Any:
    """torch's un-suffixed old name of ``new``: the same function, with torch's warning."""
    old = new.__name__[:-1]

    def call(*args: Any, **kwargs: Any) -> Any:
        warnings.warn(
            f"nn.init.{old} is now deprecated in favor of nn.init.{new.__name__}.",
            FutureWarning,
            stacklevel=2,
        )
        return new(*args, **kwargs)

    call.__name__ = call.__qualname__ = old
    call.__doc__ = f"Deprecated (as in torch): :func:`{new.__name__}`."
    return call


uniform = _deprecated(uniform_)
normal = _deprecated(normal_)
constant = _deprecated(constant_)
eye = _deprecated(eye_)
dirac = _deprecated(dirac_)
xavier_uniform = _deprecated(xavier_uniform_)
xavier_normal = _deprecated(xavier_normal_)
kaiming_uniform = _deprecated(kaiming_uniform_)
kaiming_normal = _deprecated(kaiming_normal_)
orthogonal = _deprecated(orthogonal_)
sparse = _deprecated(sparse_)
