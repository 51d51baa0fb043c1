"""Lazy layers: the input size is read from the first batch (``nn.LazyLinear``, ...), as torch's.

Until the first call the parameters are :class:`UninitializedParameter` placeholders
(no values, shape ``(0,)``); the first forward builds the layer they become (``Linear``
for ``LazyLinear``) with the input's size, initialises it exactly as that layer
initialises itself, moves the values into the placeholders (the same objects, so an
optimizer created before the first call updates them) and turns the module into that
layer, class included: ``type(layer)`` is ``Linear`` afterwards, as in torch.

Shape
-----
- Linear: in features = ``input.shape[-1]``
- Conv1d/2d, ConvTranspose1d/2d, BatchNorm1d/2d, InstanceNorm1d/2d: channels =
  ``input.shape[1]`` (``input.shape[0]`` for an unbatched input)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...backend import default_dtype
from ...tensor import Tensor
from ..module import Module, Parameter
from .conv import Conv1d, Conv2d
from .conv_transpose import ConvTranspose1d, ConvTranspose2d
from .linear import Linear
from .norm import BatchNorm1d, BatchNorm2d
from .norm_more import InstanceNorm1d, InstanceNorm2d

__all__ = [
    "UninitializedParameter", "LazyLinear", "LazyConv1d", "LazyConv2d", "LazyConvTranspose1d",
    "LazyConvTranspose2d", "LazyBatchNorm1d", "LazyBatchNorm2d", "LazyInstanceNorm1d",
    "LazyInstanceNorm2d",
]  # fmt: skip

_OWN_STATE = (
    "_parameters", "_buffers", "_non_persistent", "_modules", "_forward_hooks",
    "_forward_pre_hooks", "_backward_hooks", "_backward_pre_hooks", "training",
)  # fmt: skip


class UninitializedParameter(Parameter):
    """A parameter whose shape is not known yet: a lazy layer fills it on its first call."""

    __slots__ = ()

    def __init__(self, requires_grad: bool = True, device: Any = None, dtype: Any = None) -> None:
        dt = np.dtype(dtype) if dtype is not None else default_dtype()
        super().__init__(np.empty((0,), dtype=dt), requires_grad=requires_grad)

    def __repr__(self) -> str:
        return "<UninitializedParameter>"


class _LazyModule(Module):
    """Holds the constructor arguments until the first call builds the real layer."""

    _becomes: type
    _input_rank: int  # the rank of a batched input (unbatched: one less)
    _size_name: str  # the constructor argument the input size fills

    def __init__(self, **kwargs: Any) -> None:
        super().__init__()
        dtype = kwargs.pop("dtype", None)
        self._lazy_kwargs = kwargs
        self._lazy_dtype = np.dtype(dtype) if dtype is not None else default_dtype()
        probe = self._becomes(**{self._size_name: kwargs.get("groups", 1)}, **kwargs)
        for name, p in probe._parameters.items():
            placeholder = None if p is None else UninitializedParameter(dtype=dtype)
            self.register_parameter(name, placeholder)
        for name, b in probe._buffers.items():  # torch lists them in the state dict too
            if b is not None and b.ndim:  # running statistics: empty until the first call
                b = Tensor(np.empty((0,), dtype=b.dtype))
            self.register_buffer(name, b)

    def has_uninitialized_params(self) -> bool:
        """True until the first call (torch's ``LazyModuleMixin`` method)."""
        return any(isinstance(p, UninitializedParameter) for p in self._parameters.values())

    def initialize_parameters(self, x: Tensor, *args: Any) -> None:
        """Build the layer for ``x``'s size and take its place (torch's name for the step)."""
        if not isinstance(x, Tensor):
            raise TypeError(f"{type(self).__name__}: expected a Tensor input, got {type(x).__name__}")
        self._materialize(self._input_size(x))

    def adapt_state_dict(self, state: Any, prefix: str) -> Any:
        """Build the layer from the shapes of a state dict's entries (``load_state_dict``
        before the first call, as torch allows); nothing when they are absent. Returns
        ``state`` unchanged (``Module.load_state_dict`` calls this first)."""
        weight = state.get(prefix + "weight")
        if weight is not None and len(weight.shape) >= 2:
            groups = self._lazy_kwargs.get("groups", 1)
            transposed = self._becomes in (ConvTranspose1d, ConvTranspose2d)
            size = weight.shape[0] if transposed else weight.shape[1] * groups
        else:
            entry = next((state[prefix + k] for k in ("weight", "running_mean") if prefix + k in state), None)
            if entry is None:
                return state
            size = entry.shape[0]
        self._materialize(int(size))
        return state

    def _materialize(self, size: int) -> None:
        placeholders = [p for p in self._parameters.values() if p is not None]
        dtype = placeholders[0].dtype if placeholders else self._lazy_dtype
        device = placeholders[0].device if placeholders else None
        real = self._becomes(**{self._size_name: size}, **self._lazy_kwargs, dtype=dtype)
        if device is not None and device != real.device:
            real.to(device)
        for name, p in real._parameters.items():
            mine = self._parameters.get(name)
            if p is None or mine is None:
                self._parameters[name] = p
                continue
            mine.array = p.array  # the same object: an optimizer made before holds it
            mine.__class__ = Parameter
        self._buffers.update(real._buffers)
        for key, value in real.__dict__.items():
            if key not in _OWN_STATE:
                self.__dict__[key] = value
        for key in ("_lazy_kwargs", "_lazy_dtype"):
            self.__dict__.pop(key, None)
        self.__class__ = type(real)

    def _input_size(self, x: Tensor) -> int:
        if x.ndim not in (self._input_rank, self._input_rank - 1) or x.ndim == 0:
            raise ValueError(
                f"{type(self).__name__}: expected a {self._input_rank - 1}-d or "
                f"{self._input_rank}-d input, got shape {tuple(x.shape)}"
            )
        if self._becomes is Linear:
            return int(x.shape[-1])
        return int(x.shape[1] if x.ndim == self._input_rank else x.shape[0])

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.initialize_parameters(*args)
        return self(*args, **kwargs)  # now the real layer (hooks included)

    def extra_repr(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self._lazy_kwargs.items())
        return f"{self._size_name}=0, {args}"


class LazyLinear(_LazyModule):
    """``Linear`` whose ``in_features`` is the last size of the first input.

    Parameters
    ----------
    out_features : int
    bias : bool, default True
    device, dtype : optional
        ``dtype`` of the parameters; ``device`` is ignored until the first call.
    """

    _becomes, _input_rank, _size_name = Linear, 2, "in_features"

    def __init__(self, out_features: int, bias: bool = True, device: Any = None, dtype: Any = None) -> None:
        super().__init__(out_features=out_features, bias=bias, dtype=dtype)

    def _input_size(self, x: Tensor) -> int:
        if x.ndim == 0:
            raise ValueError("LazyLinear: expected an input with at least one dimension, got a 0-d one")
        return int(x.shape[-1])


def _conv_kwargs(out_channels: int, kernel_size: Any, **rest: Any) -> dict[str, Any]:
    return {"out_channels": out_channels, "kernel_size": kernel_size, **rest}


class LazyConv1d(_LazyModule):
    """``Conv1d`` whose ``in_channels`` is read from the first input (same arguments, less it)."""

    _becomes, _input_rank, _size_name = Conv1d, 3, "in_channels"

    def __init__(self, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
                 dilation: Any = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None) -> None:  # fmt: skip
        super().__init__(**_conv_kwargs(
            out_channels, kernel_size, stride=stride, padding=padding, dilation=dilation,
            groups=groups, bias=bias, padding_mode=padding_mode, dtype=dtype,
        ))  # fmt: skip


class LazyConv2d(LazyConv1d):
    """``Conv2d`` whose ``in_channels`` is read from the first input (same arguments, less it)."""

    _becomes, _input_rank = Conv2d, 4


class LazyConvTranspose1d(_LazyModule):
    """``ConvTranspose1d`` whose ``in_channels`` is read from the first input."""

    _becomes, _input_rank, _size_name = ConvTranspose1d, 3, "in_channels"

    def __init__(self, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
                 output_padding: Any = 0, groups: int = 1, bias: bool = True, dilation: Any = 1,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None) -> None:  # fmt: skip
        super().__init__(**_conv_kwargs(
            out_channels, kernel_size, stride=stride, padding=padding,
            output_padding=output_padding, groups=groups, bias=bias, dilation=dilation,
            padding_mode=padding_mode, dtype=dtype,
        ))  # fmt: skip


class LazyConvTranspose2d(LazyConvTranspose1d):
    """``ConvTranspose2d`` whose ``in_channels`` is read from the first input."""

    _becomes, _input_rank = ConvTranspose2d, 4


class LazyBatchNorm1d(_LazyModule):
    """``BatchNorm1d`` whose ``num_features`` is read from the first input."""

    _becomes, _input_rank, _size_name = BatchNorm1d, 3, "num_features"

    def __init__(self, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, device: Any = None, dtype: Any = None, *,
                 bias: bool = True) -> None:  # fmt: skip
        super().__init__(eps=eps, momentum=momentum, affine=affine,
                         track_running_stats=track_running_stats, dtype=dtype, bias=bias)  # fmt: skip

    def _input_size(self, x: Tensor) -> int:
        if x.ndim not in (2, 3):
            raise ValueError(f"LazyBatchNorm1d: expected a 2-d or 3-d input, got shape {tuple(x.shape)}")
        return int(x.shape[1])


class LazyBatchNorm2d(LazyBatchNorm1d):
    """``BatchNorm2d`` whose ``num_features`` is read from the first input."""

    _becomes, _input_rank = BatchNorm2d, 4

    def _input_size(self, x: Tensor) -> int:
        return _LazyModule._input_size(self, x)


class LazyInstanceNorm1d(_LazyModule):
    """``InstanceNorm1d`` whose ``num_features`` is read from the first input.

    As torch's, ``affine`` and ``track_running_stats`` default to True here (False for
    ``InstanceNorm1d``).
    """

    _becomes, _input_rank, _size_name = InstanceNorm1d, 3, "num_features"

    def __init__(self, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, device: Any = None, dtype: Any = None, *,
                 bias: bool = True) -> None:  # fmt: skip
        super().__init__(eps=eps, momentum=momentum, affine=affine,
                         track_running_stats=track_running_stats, dtype=dtype, bias=bias)  # fmt: skip


class LazyInstanceNorm2d(LazyInstanceNorm1d):
    """``InstanceNorm2d`` whose ``num_features`` is read from the first input."""

    _becomes, _input_rank = InstanceNorm2d, 4
