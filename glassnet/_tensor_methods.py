"""The Tensor's differentiable methods and operators, attached from this one place.

``glassnet/tensor.py`` defines the :class:`~glassnet.tensor.Tensor` data
structure and imports no op; the ops (``glassnet/ops``) and the engine build on
it. The Python-side methods that call them (``x + y``, ``x.sum()``,
``x.reshape(...)``, ``x.to(device)``, ``x.backward()``, ...) are written below
as the body of :class:`TensorMethods` and copied onto ``Tensor`` by
:func:`attach`, which runs when ``glassnet/__init__.py`` imports this module,
after the ops exist. PyTorch does the same with ``torch/_tensor.py``.

To give ``Tensor`` a new method: add it here, next to its family, as a thin
call into the op (never a computation of its own).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from . import backend
from ._inplace import InplaceMethods
from .autograd import engine as _engine
from .autograd import grad_mode
from .ops import activation as _act
from .ops import arithmetic as _ar
from .ops import reduce as _red
from .ops import shape as _sh
from .tensor import Tensor

__all__ = ["TensorMethods", "attach"]

Axis = int | Sequence[int] | None


class TensorMethods(InplaceMethods):
    """The methods :func:`attach` copies onto :class:`~glassnet.tensor.Tensor` (never instantiated)."""

    # ----------------------------------------------------------- conversion
    def clone(self) -> Tensor:
        """A copy that stays in the graph (gradients flow back to this tensor)."""
        return _ar.clone(self)

    def astype(self, dtype: Any) -> Tensor:
        """Cast to ``dtype``; differentiable between floating dtypes."""
        return _ar.cast(self, dtype=np.dtype(dtype))

    def float(self) -> Tensor:
        return self.astype(np.float32)

    def double(self) -> Tensor:
        return self.astype(np.float64)

    def long(self) -> Tensor:
        return self.astype(np.int64)

    def to(self, device: Any = None, dtype: Any = None) -> Tensor:
        """Move to ``device`` (``'cpu'``, ``'cuda'``, ``'cuda:N'``) and/or cast to ``dtype``.

        A leaf moved to another device gives a new leaf that keeps
        ``requires_grad`` (``x = gn.randn(3, requires_grad=True).to('cuda')``
        is a leaf on the GPU whose ``.grad`` backward fills). A tensor computed
        from others stays in the graph: its gradient flows back to the device
        it came from. A cast alone stays in the graph.
        """
        out = self
        if device is not None and backend.Device(device) != self.device:
            if self._ctx is not None and self.requires_grad and grad_mode.is_grad_enabled():
                out = _ar.move(self, device)
            else:
                data = backend.to_device(self.array, device)
                out = Tensor._make(data, self.requires_grad and self._ctx is None, None, 0)
        if dtype is not None and np.dtype(dtype) != out.dtype:
            out = out.astype(dtype)
        return out

    def cpu(self) -> Tensor:
        return self.to("cpu")

    def cuda(self) -> Tensor:
        return self.to("cuda")

    # -------------------------------------------------------------- autograd
    def backward(self, gradient: Any = None, retain_graph: bool = False) -> None:
        """Compute gradients of this tensor w.r.t. the graph's leaves.

        Parameters
        ----------
        gradient : array-like, optional
            Gradient w.r.t. this tensor; needed unless it has one element.
        retain_graph : bool, default False
            Keep the graph so backward can be called again.
        """
        _engine.backward([self], [gradient], retain_graph=retain_graph)

    # ------------------------------------------------------------- operators
    def __add__(self, other: Any) -> Tensor:
        return _ar.add(self, other)

    def __radd__(self, other: Any) -> Tensor:
        return _ar.add(other, self)

    def __sub__(self, other: Any) -> Tensor:
        return _ar.sub(self, other)

    def __rsub__(self, other: Any) -> Tensor:
        return _ar.sub(other, self)

    def __mul__(self, other: Any) -> Tensor:
        return _ar.mul(self, other)

    def __rmul__(self, other: Any) -> Tensor:
        return _ar.mul(other, self)

    def __truediv__(self, other: Any) -> Tensor:
        return _ar.div(self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        return _ar.div(other, self)

    def __pow__(self, other: Any) -> Tensor:
        return _ar.pow(self, other)

    def __rpow__(self, other: Any) -> Tensor:
        return _ar.pow(other, self)

    def __matmul__(self, other: Any) -> Tensor:
        return _ar.matmul(self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return _ar.matmul(other, self)

    def __neg__(self) -> Tensor:
        return _ar.neg(self)

    def __pos__(self) -> Tensor:
        return self

    def __abs__(self) -> Tensor:
        return _ar.abs(self)

    def __getitem__(self, index: Any) -> Tensor:
        return _sh.getitem(self, index)

    def __setitem__(self, index: Any, value: Any) -> None:
        if self.requires_grad and grad_mode.is_grad_enabled():
            raise RuntimeError(
                "Tensor.__setitem__: in-place assignment to a tensor that requires grad; "
                "wrap it in no_grad() or build a new tensor with where()/concat()"
            )
        value = value.array if isinstance(value, Tensor) else value
        if hasattr(value, "shape"):  # arrays follow the tensor to its device
            if backend.is_cupy_array(self.array):
                value = backend.to_device(value, self.device)
            elif backend.is_cupy_array(value):
                value = value.get()
        self.array[index] = value

    # comparisons give boolean tensors outside the graph
    # ------------------------------------------------------------ elementwise
    def exp(self) -> Tensor:
        return _ar.exp(self)

    def log(self) -> Tensor:
        return _ar.log(self)

    def sqrt(self) -> Tensor:
        return _ar.sqrt(self)

    def abs(self) -> Tensor:
        return _ar.abs(self)

    def clip(self, min: float | None = None, max: float | None = None) -> Tensor:
        return _ar.clip(self, min, max)

    clamp = clip

    def maximum(self, other: Any) -> Tensor:
        return _ar.maximum(self, other)

    def minimum(self, other: Any) -> Tensor:
        return _ar.minimum(self, other)

    def sigmoid(self) -> Tensor:
        return _act.sigmoid(self)

    def tanh(self) -> Tensor:
        return _act.tanh(self)

    def relu(self) -> Tensor:
        return _act.relu(self)

    def softmax(self, axis: int = -1) -> Tensor:
        return _act.softmax(self, axis)

    def log_softmax(self, axis: int = -1) -> Tensor:
        return _act.log_softmax(self, axis)

    # ------------------------------------------------------------ reductions
    def sum(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return _red.sum(self, axis, keepdims)

    def mean(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return _red.mean(self, axis, keepdims)

    def max(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return _red.max(self, axis, keepdims)

    def min(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return _red.min(self, axis, keepdims)

    def var(self, axis: Axis = None, keepdims: bool = False, correction: int = 1) -> Tensor:
        return _red.var(self, axis, keepdims, correction=correction)

    def std(self, axis: Axis = None, keepdims: bool = False, correction: int = 1) -> Tensor:
        return _red.var(self, axis, keepdims, correction=correction).sqrt()

    # ----------------------------------------------------------------- shape
    def reshape(self, *shape: Any) -> Tensor:
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return _sh.reshape(self, shape)

    view = reshape

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        return _sh.flatten(self, start_dim, end_dim)

    def transpose(self, *axes: Any) -> Tensor:
        """With two ints, swap those axes (PyTorch); otherwise permute like NumPy."""
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        if len(axes) == 2:
            return _sh.swapaxes(self, axes[0], axes[1])
        return _sh.transpose(self, axes or None)

    def permute(self, *axes: Any) -> Tensor:
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        return _sh.transpose(self, axes)

    @property
    def T(self) -> Tensor:
        return _sh.transpose(self, None)

    def squeeze(self, axis: Axis = None) -> Tensor:
        return _sh.squeeze(self, axis)

    def unsqueeze(self, axis: int) -> Tensor:
        return _sh.unsqueeze(self, axis)

    def expand(self, *shape: Any) -> Tensor:
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return _sh.broadcast_to(self, shape)


#: Class attributes of ``TensorMethods`` that are not methods to copy.
_NOT_METHODS = frozenset({"__module__", "__qualname__", "__doc__", "__dict__", "__weakref__"})


def attach(cls: type = Tensor) -> None:
    """Copy every method and property of :class:`TensorMethods` and
    :class:`~glassnet._inplace.InplaceMethods` onto ``cls``.

    Raises
    ------
    RuntimeError
        When ``cls`` already defines one of them: each method has one home.
    """
    for source in (TensorMethods, InplaceMethods):
        for name, value in vars(source).items():
            if name in _NOT_METHODS:
                continue
            if name in vars(cls) and vars(cls)[name] is not value:
                raise RuntimeError(f"attach: {cls.__name__}.{name} is defined in two places")
            setattr(cls, name, value)


attach()
