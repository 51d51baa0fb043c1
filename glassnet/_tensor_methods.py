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

from . import _dtypes, _inplace, _views, backend
from . import _memory_format as _mf
from . import _torch_args as _args
from ._decompositions import DecompositionMethods
from ._inplace import InplaceMethods
from ._tensor_dialect import DialectMethods
from ._tensor_extra import ExtraMethods
from ._tensor_flags import FlagMethods
from ._tensor_info import InfoMethods
from ._tensor_reductions import ReductionMethods
from ._torch_config import result_type_of
from ._torch_elementwise import ElementwiseMethods
from ._torch_math import MathMethods
from ._torch_more import MoreMethods
from ._torch_scatter_views import ScatterViewMethods
from ._torch_shapes import ShapeMethods
from .autograd import engine as _engine
from .autograd import grad_mode, tracing
from .ops import activation as _act
from .ops import arithmetic as _ar
from .ops import logic as _logic
from .ops import pointwise as _pw
from .ops import shape as _sh
from .ops import special as _sp
from .special import SpecialMethods
from .tensor import Size, Tensor, remember_grad_fn

__all__ = ["TensorMethods", "attach"]

Axis = int | Sequence[int] | None


class TensorMethods(InplaceMethods):
    """The methods :func:`attach` copies onto :class:`~glassnet.tensor.Tensor` (never instantiated)."""

    # ----------------------------------------------------------- conversion
    def clone(self, *, memory_format: Any = None) -> Tensor:
        """A copy that stays in the graph (gradients flow back to this tensor); laid out in
        ``memory_format`` when one other than ``preserve_format`` is given
        (``torch.channels_last``), else C-contiguous: glassnet's own NHWC results (conv
        outputs) must not pass their layout on, so a channels_last tensor's clone is
        contiguous here where torch keeps its strides (same values)."""
        out = _ar.clone(self)
        if memory_format not in (None, _mf.preserve_format):
            out.array = _mf.arrange(out.array, memory_format, "Tensor.clone")
        return out

    def astype(self, dtype: Any) -> Tensor:
        """Cast to ``dtype``; differentiable between floating dtypes."""
        return _ar.cast(self, dtype=np.dtype(dtype))

    def float(self) -> Tensor:
        return self.astype(np.float32)

    def double(self) -> Tensor:
        return self.astype(np.float64)

    def half(self) -> Tensor:
        """Cast to float16 (NumPy's half precision: slow, for storage and checks)."""
        return self.astype(np.float16)

    def long(self) -> Tensor:
        return self.astype(np.int64)

    def int(self) -> Tensor:
        return self.astype(np.int32)

    def short(self) -> Tensor:
        return self.astype(np.int16)

    def byte(self) -> Tensor:
        return self.astype(np.uint8)

    def char(self) -> Tensor:
        return self.astype(np.int8)

    def bool(self) -> Tensor:
        return self.astype(np.bool_)

    def to(self, *args: Any, **kwargs: Any) -> Tensor:
        """Move and/or cast: ``to(device)``, ``to(dtype)``, ``to(other)``, ``to(device, dtype)``,
        or the keywords ``device=``, ``dtype=``, ``copy=``, ``memory_format=``.

        A leaf moved to another device gives a new leaf that keeps
        ``requires_grad`` (``x = gn.randn(3, requires_grad=True).to('cuda')``
        is a leaf on the GPU whose ``.grad`` backward fills). A tensor computed
        from others stays in the graph: its gradient flows back to the device
        it came from. A cast alone stays in the graph. Nothing to change gives
        this tensor itself (a copy with ``copy=True``), as in PyTorch.
        """
        device, dtype, copy = _args.to_args(args, kwargs)
        out = self
        if device is not None and backend.Device(device) != self.device:
            if self._ctx is not None and self.requires_grad and grad_mode.is_grad_enabled():
                out = _ar.move(self, device)
            else:
                data = backend.to_device(self.array, device)
                out = Tensor._make(data, self.requires_grad and self._ctx is None, None, 0)
        if dtype is not None and dtype != out.dtype:
            out = out.astype(dtype)
        fmt = kwargs.get("memory_format")
        if fmt not in (None, _mf.preserve_format) and not _mf.is_in(out.array, fmt, "Tensor.to"):
            out = out.clone(memory_format=fmt)  # torch.channels_last: same values, NHWC strides
        return out.clone() if copy and out is self else out

    def type(self, dtype: Any = None) -> Any:
        """Without ``dtype``, torch's type name (``'torch.FloatTensor'``, so scripts comparing
        with it keep working); with it, a cast."""
        if dtype is None:
            return _type_name(self.dtype)
        return self.to(_dtypes.to_dtype(dtype, "Tensor.type"))

    def type_as(self, other: Tensor) -> Tensor:
        """Cast to ``other``'s dtype."""
        return self.to(other.dtype)

    def is_floating_point(self) -> bool:
        return self.dtype.kind == "f"

    def element_size(self) -> int:
        """Bytes per element."""
        return int(self.array.itemsize)

    @property
    def itemsize(self) -> int:
        """Bytes per element (torch's ``Tensor.itemsize``)."""
        return int(self.array.itemsize)

    @property
    def nbytes(self) -> int:
        """Bytes of all the elements (torch's ``Tensor.nbytes``)."""
        return int(self.array.size * self.array.itemsize)

    def cpu(self) -> Tensor:
        return self.to("cpu")

    def cuda(self, device: Any = None) -> Tensor:
        """Move to the GPU (``device``: an index or ``'cuda:N'``; the current one by default)."""
        if isinstance(device, int):
            device = f"cuda:{device}"
        return self.to("cuda" if device is None else device)

    @property
    def is_cuda(self) -> bool:
        return self.device.type == "cuda"

    @property
    def is_xpu(self) -> bool:
        """False: glassnet has no Intel XPU device (as torch on a machine without one)."""
        return self.device.type == "xpu"

    @property
    def is_mps(self) -> bool:
        """False: glassnet has no Apple MPS device (as torch on a machine without one)."""
        return self.device.type == "mps"

    def contiguous(self, memory_format: Any = None) -> Tensor:
        """This tensor if its memory is C-contiguous (or in ``memory_format``), else such a
        copy in the graph (as torch's: ``x.permute(1, 0, 2).contiguous().view(3, -1)``)."""
        fmt = _mf.contiguous_format if memory_format is None else memory_format
        if _mf.is_in(self.array, fmt, "Tensor.contiguous"):
            return self
        return self.clone(memory_format=fmt)

    def is_contiguous(self, memory_format: Any = None) -> bool:
        """Is this tensor's memory C-contiguous (row-major, torch's default format), or
        laid out in ``memory_format`` (``torch.channels_last``: NHWC underneath)?"""
        fmt = _mf.contiguous_format if memory_format is None else memory_format
        return _mf.is_in(self.array, fmt)

    # ------------------------------------------------------------ new tensors
    def _new(self, shape: tuple, fill: Any, dtype: Any, device: Any, requires_grad: bool) -> Tensor:
        dt = self.dtype if dtype is None else _dtypes.to_dtype(dtype, "Tensor.new_*")
        out = Tensor._make(self.xp.full(_shape(shape), fill, dtype=dt), False, None, 0)
        out = out.to(device) if device is not None else out
        return out.requires_grad_(requires_grad) if requires_grad else out

    def new(self, *args: Any) -> Tensor:
        """torch's legacy ``x.new(...)``: this tensor's dtype and device, with sizes
        (``x.new(2, 3)``, zeros here: glassnet hands out no uninitialised memory), data
        (``x.new([1, 2])``) or nothing (an empty tensor)."""
        if not args:
            return self._new((0,), 0, None, None, False)
        if len(args) == 1 and isinstance(args[0], Size):
            args = tuple(args[0])
        if all(isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in args):
            return self._new(args, 0, None, None, False)
        if len(args) != 1:
            raise TypeError(f"Tensor.new: expected sizes or one piece of data, got {args!r}")
        data = args[0].array if isinstance(args[0], Tensor) else args[0]
        return Tensor._make(self.xp.array(data, dtype=self.dtype), False, None, 0)

    def new_zeros(
        self, *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False
    ) -> Tensor:
        """Zeros of ``size`` with this tensor's dtype and device (unless given)."""
        return self._new(size, 0, dtype, device, requires_grad)

    def new_ones(
        self, *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False
    ) -> Tensor:
        return self._new(size, 1, dtype, device, requires_grad)

    def new_full(
        self,
        size: Any,
        fill_value: Any,
        *,
        dtype: Any = None,
        device: Any = None,
        requires_grad: bool = False,
    ) -> Tensor:
        return self._new((size,), fill_value, dtype, device, requires_grad)

    def new_empty(
        self, *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False
    ) -> Tensor:
        """Like :meth:`new_zeros` (glassnet never hands out uninitialised memory)."""
        return self._new(size, 0, dtype, device, requires_grad)

    def new_tensor(
        self, data: Any, *, dtype: Any = None, device: Any = None, requires_grad: bool = False
    ) -> Tensor:
        """A copy of ``data`` with this tensor's dtype and device (unless given)."""
        dt = self.dtype if dtype is None else _dtypes.to_dtype(dtype, "Tensor.new_tensor")
        src = data.numpy() if isinstance(data, Tensor) else data
        out = Tensor._make(np.array(src, dtype=dt), False, None, 0)
        out = out.to(self.device if device is None else device)
        return out.requires_grad_(requires_grad) if requires_grad else out

    # -------------------------------------------------------------- autograd
    def backward(
        self,
        gradient: Any = None,
        retain_graph: bool | None = None,
        create_graph: bool = False,
        inputs: Any = None,
    ) -> None:
        """Compute gradients of this tensor w.r.t. the graph's leaves (PyTorch's signature).

        Parameters
        ----------
        gradient : array-like, optional
            Gradient w.r.t. this tensor; needed unless it has one element.
        retain_graph : bool, optional
            Keep the graph so backward can be called again (default False).
        create_graph : bool, default False
            Record the backward pass, so ``.grad`` carries a graph (higher-order
            gradients; see ``glassnet.autograd.higher_order``).
        inputs : Tensor or sequence of Tensor, optional
            Accumulate only into these tensors' ``.grad``.
        """
        remember_grad_fn(self._ctx)  # print(loss) after backward() keeps torch's grad_fn name
        _engine.backward([self], [gradient], retain_graph, create_graph, inputs=inputs)

    # ------------------------------------------------------------- operators
    def __add__(self, other: Any) -> Tensor:
        return _ar.add(*_args.promote(self, other))

    def __radd__(self, other: Any) -> Tensor:
        return _ar.add(*_args.promote(other, self))

    def __sub__(self, other: Any) -> Tensor:
        _no_bool_sub(self, other)
        return _ar.sub(*_args.promote(self, other))

    def __rsub__(self, other: Any) -> Tensor:
        _no_bool_sub(self, other)
        return _ar.sub(*_args.promote(other, self))

    def __mul__(self, other: Any) -> Tensor:
        return _ar.mul(*_args.promote(self, other))

    def __rmul__(self, other: Any) -> Tensor:
        return _ar.mul(*_args.promote(other, self))

    def __truediv__(self, other: Any) -> Tensor:
        a, b = _args.promote(self, other)
        if a.array.dtype.kind == "f":  # floating: plain division (promote cast b if needed)
            return _ar.div(a, b)
        return _pw.div_rounded(a, b, None)

    def __rtruediv__(self, other: Any) -> Tensor:
        return _pw.div_rounded(*_args.promote(other, self), None)

    def __floordiv__(self, other: Any) -> Tensor:
        return _floor_divide(*_args.promote(self, other))

    def __rfloordiv__(self, other: Any) -> Tensor:
        return _floor_divide(*_args.promote(other, self))

    def __mod__(self, other: Any) -> Tensor:
        return _remainder(*_args.promote(self, other))

    def __rmod__(self, other: Any) -> Tensor:
        return _remainder(*_args.promote(other, self))

    def __pow__(self, other: Any) -> Tensor:
        if type(other) is int and other < 0 and self.array.dtype.kind in "iu":
            _pow(self, other)  # refused before promote wraps it into an unsigned range
        return _pow(*_args.promote(self, other))

    def __rpow__(self, other: Any) -> Tensor:
        return _pow(*_args.promote(other, self))

    def __matmul__(self, other: Any) -> Tensor:
        _same_dtype("matmul", self, other)
        return _ar.matmul(self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return _ar.matmul(other, self)

    def __neg__(self) -> Tensor:
        return _ar.neg(self)

    def __pos__(self) -> Tensor:
        return self

    def __abs__(self) -> Tensor:
        return _ar.abs(_not_bool(self, "abs"))

    # comparisons and logic: boolean tensors without a gradient (ops/logic.py)
    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        if other is None:  # as torch: a tensor is not None (``if t == None``)
            return False
        if isinstance(other, (list, tuple)):  # as torch: never equal to a list (no broadcast)
            return False
        return _logic.compare(self, other, "__eq__")

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        if other is None or isinstance(other, (list, tuple)):
            return True
        return _logic.compare(self, other, "__ne__")

    def __lt__(self, other: Any) -> Tensor:
        return _logic.compare(self, other, "__lt__")

    def __le__(self, other: Any) -> Tensor:
        return _logic.compare(self, other, "__le__")

    def __gt__(self, other: Any) -> Tensor:
        return _logic.compare(self, other, "__gt__")

    def __ge__(self, other: Any) -> Tensor:
        return _logic.compare(self, other, "__ge__")

    def __invert__(self) -> Tensor:
        return _logic.invert(self)

    def __and__(self, other: Any) -> Tensor:
        return _logic.logic(self, other, "__and__")

    def __or__(self, other: Any) -> Tensor:
        return _logic.logic(self, other, "__or__")

    def __xor__(self, other: Any) -> Tensor:
        return _logic.logic(self, other, "__xor__")

    def __iter__(self) -> Any:
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.shape[0]))

    def __contains__(self, element: Any) -> bool:
        """``element in x``: does any entry equal ``element`` (a number or tensor)?"""
        return bool((self == element).any())

    def __getitem__(self, index: Any) -> Tensor:
        if type(index) is list:
            _flat_list_index(index)
        return _sh.getitem(self, index)

    def __setitem__(self, index: Any, value: Any) -> None:
        """``x[index] = value``, as torch does.

        Outside the graph the value is written into this tensor's array (and so into
        every tensor sharing it). When this tensor or the value takes part in the
        graph, the assignment is recorded (:func:`glassnet.ops.shape.setitem`): the
        tensor takes the result, the gradient reaches the value at ``index`` and the
        tensor's earlier value elsewhere, and a tensor this one is a view of
        (``x[0]``, ``x.view(...)``) changes too. As in torch, a leaf that requires
        grad (or a view of one) may not be assigned into while gradients are recorded.
        """
        if type(index) is list:
            _flat_list_index(index)
        split = _sh.split_int_index(index, self.xp)
        if split is not None:  # torch applies the ints first: x[1, :, idx] is x[1][:, idx]
            self[split[0]][split[1]] = value
            return
        if tracing.current() is not None:  # an exporter traces: record it out of place
            _inplace.traced_setitem(self, index, value)
            return
        recording = grad_mode.is_grad_enabled() and (
            self.requires_grad or (isinstance(value, Tensor) and value.requires_grad)
        )
        if recording:
            _inplace.update(
                self, "__setitem__", lambda s, v: _sh.setitem(s, index, v), value, region=index
            )
            return
        value = value.array if isinstance(value, Tensor) else value
        if hasattr(value, "shape"):  # arrays follow the tensor to its device
            if backend.is_cupy_array(self.array):
                value = backend.to_device(value, self.device)
            elif backend.is_cupy_array(value):
                value = value.get()
        self.array[_sh.unwrap_bool_scalars(index)] = value
        self._version += 1
        if self._ctx is not None:  # its op may have kept this array for backward
            self._ctx.__dict__["output_modified"] = True
        _views.bump_shared(self)  # the tensors this one views (and their views) changed too

    # ----------------------------------------------- arithmetic by name (torch)
    def add(self, other: Any, *, alpha: Any = 1) -> Tensor:
        """``self + alpha * other``."""
        _integral_alpha("add", self, other, alpha)
        return self + (other if alpha == 1 else other * alpha)

    def sub(self, other: Any, *, alpha: Any = 1) -> Tensor:
        """``self - alpha * other``."""
        _integral_alpha("sub", self, other, alpha)
        return self - (other if alpha == 1 else other * alpha)

    subtract = sub

    def mul(self, other: Any) -> Tensor:
        return self * other

    multiply = mul

    def div(self, other: Any, *, rounding_mode: str | None = None) -> Tensor:
        """``self / other``; ``rounding_mode`` ``'trunc'`` or ``'floor'`` rounds the quotient."""
        return _pw.div_rounded(*_args.promote(self, other), rounding_mode)

    divide = div
    true_divide = div

    def floor_divide(self, other: Any) -> Tensor:
        return self // other

    def remainder(self, other: Any) -> Tensor:
        return self % other

    def pow(self, exponent: Any) -> Tensor:
        return self**exponent

    def matmul(self, other: Any) -> Tensor:
        _same_dtype("matmul", self, other)
        return _ar.matmul(self, other)

    def mm(self, other: Any) -> Tensor:
        """Matrix product of two 2-D tensors."""
        _need_dims("mm", 2, self, other)
        _same_dtype("mm", self, other)
        return _ar.matmul(self, other)

    def bmm(self, other: Any) -> Tensor:
        """Batched matrix product of two 3-D tensors."""
        _need_dims("bmm", 3, self, other)
        _same_dtype("bmm", self, other)
        return _ar.matmul(self, other)

    def dot(self, other: Any) -> Tensor:
        _need_dims("dot", 1, self, other)
        return _ar.matmul(self, other)

    def t(self) -> Tensor:
        """Transpose of a tensor with at most 2 dims."""
        if self.ndim > 2:
            raise ValueError(f"t: expects a tensor with <= 2 dims, got {self.ndim} (use transpose)")
        return _sh.transpose(self, None) if self.ndim == 2 else self

    # ------------------------------------------------------------ elementwise
    def exp(self) -> Tensor:
        return _ar.exp(_args.floating(self))

    def log(self) -> Tensor:
        return _ar.log(_args.floating(self))

    def expm1(self) -> Tensor:
        """``exp(x) - 1``, accurate near 0."""
        return _ar.expm1(_args.floating(self))

    def log1p(self) -> Tensor:
        """``log(1 + x)``, accurate near 0."""
        return _ar.log1p(_args.floating(self))

    def sqrt(self) -> Tensor:
        return _ar.sqrt(_args.floating(self))

    def erf(self) -> Tensor:
        """The error function, elementwise."""
        return _sp.erf(_args.floating(self))

    def erfc(self) -> Tensor:
        """``1 - erf(x)``, accurate where it is small."""
        return _sp.erfc(_args.floating(self))

    def erfinv(self) -> Tensor:
        """The inverse error function (``+-inf`` at ``+-1``, NaN outside ``[-1, 1]``)."""
        return _sp.erfinv(_args.floating(self))

    def atan2(self, other: Any) -> Tensor:
        """The angle of the point ``(x=other, y=self)``, in ``[-pi, pi]``."""
        a, b = _args.promote(self, other)  # torch's result dtype first, then floating
        return _ar.atan2(_args.floating(a), _args.floating(b) if isinstance(b, Tensor) else b)

    arctan2 = atan2

    def lerp(self, end: Any, weight: Any) -> Tensor:
        """``self + weight * (end - self)`` (``weight`` a number or a tensor)."""
        if isinstance(end, Tensor) and end.dtype != self.dtype:
            raise RuntimeError(
                f"lerp: expected end of dtype {self.dtype} (as torch: no promotion), got "
                f"{end.dtype}"
            )
        return _ar.lerp(self, end, weight)

    def sin(self) -> Tensor:
        return _ar.sin(_args.floating(self))

    def cos(self) -> Tensor:
        return _ar.cos(_args.floating(self))

    def abs(self) -> Tensor:
        return _ar.abs(_not_bool(self, "abs"))

    def neg(self) -> Tensor:
        return _ar.neg(self)

    negative = neg

    def clip(self, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
        """``min(max(self, min), max)`` in torch's result dtype of ``self`` and the bounds
        (an integer tensor with a float bound gives the default float dtype; a 0-d tensor
        bound does not widen ``self``)."""
        min, max = (b.item() if isinstance(b, np.generic) else b for b in (min, max))  # noqa: A001
        bounds = [b for b in (min, max) if b is not None]
        if len(bounds) == 2 and isinstance(min, Tensor) != isinstance(max, Tensor):
            raise TypeError(
                "clamp: min and max must both be tensors or both be numbers (as torch), got "
                f"{type(min).__name__} and {type(max).__name__}"
            )
        dt = result_type_of(self, *bounds) if bounds else self.dtype
        if bounds and np.dtype(dt) == np.bool_:
            raise NotImplementedError("clamp: not implemented for bool (as torch); give int bounds or cast")
        x = self if self.dtype == dt else _ar.cast(self, dt)
        if not any(isinstance(b, Tensor) for b in bounds):
            _bounds_fit(x.array.dtype, bounds)
            return _ar.clip(x, min, max)
        # tensor bounds: a bound takes the gradient where it is the result, as in torch
        lo, hi = (
            _ar.cast(b, dt) if isinstance(b, Tensor) and b.dtype != dt else b for b in (min, max)
        )
        if lo is not None and hi is not None:
            return _clamp_both(x, lo, hi)
        if lo is not None:
            x = _ar.where(x < lo, lo, x)
        if hi is not None:
            x = _ar.where(x > hi, hi, x)
        return x

    clamp = clip

    def maximum(self, other: Any) -> Tensor:
        return _ar.maximum(*_args.promote(self, other))

    def minimum(self, other: Any) -> Tensor:
        return _ar.minimum(*_args.promote(self, other))

    def sigmoid(self) -> Tensor:
        return _act.sigmoid(self)

    def tanh(self) -> Tensor:
        return _act.tanh(self)

    def relu(self) -> Tensor:
        return _act.relu(self)

    def softmax(
        self, dim: int | None = None, dtype: Any = None, *, axis: int | None = None
    ) -> Tensor:
        return _act.softmax(_args.cast_for(self, dtype), _need_dim("softmax", dim, axis))

    def log_softmax(
        self, dim: int | None = None, dtype: Any = None, *, axis: int | None = None
    ) -> Tensor:
        return _act.log_softmax(_args.cast_for(self, dtype), _need_dim("log_softmax", dim, axis))

    def floor(self) -> Tensor:
        return _pw.floor(_not_bool(self, "floor"))

    def ceil(self) -> Tensor:
        return _pw.ceil(_not_bool(self, "ceil"))

    def round(self, decimals: int = 0) -> Tensor:
        if decimals != 0 and self.array.dtype.kind in "iu":
            raise NotImplementedError(
                f"round: decimals= is not implemented for integer tensors, as in torch, got {self.dtype}"
            )
        return _pw.round(_not_bool(self, "round"), decimals)

    def trunc(self) -> Tensor:
        return _pw.trunc(_not_bool(self, "trunc"))

    def sign(self) -> Tensor:
        return _pw.sign(self)

    def reciprocal(self) -> Tensor:
        return _pw.reciprocal(self)

    def rsqrt(self) -> Tensor:
        return _pw.rsqrt(self)

    def square(self) -> Tensor:
        if self.array.dtype.kind == "b":  # as torch: a bool tensor squares to int64
            return _pw.square(self.long())
        return _pw.square(self)

    def isnan(self) -> Tensor:
        return _pw.isnan(self)

    def isinf(self) -> Tensor:
        return _pw.isinf(self)

    def isfinite(self) -> Tensor:
        return _pw.isfinite(self)

    # ----------------------------------------------------------------- shape
    def reshape(self, *shape: Any) -> Tensor:
        return _sh.reshape(self, _shape(shape))

    def view(self, *shape: Any) -> Tensor:
        """A tensor of ``shape`` with these values (``view(dtype)`` is not supported)."""
        if len(shape) == 1 and _dtypes.is_dtype(shape[0]):
            raise NotImplementedError(
                "view(dtype): reinterpreting bytes is not supported; use .to(dtype)"
            )
        return _sh.view(self, _shape(shape))

    def view_as(self, other: Tensor) -> Tensor:
        return _sh.view(self, other.shape)

    def reshape_as(self, other: Tensor) -> Tensor:
        return _sh.reshape(self, other.shape)

    def expand_as(self, other: Tensor) -> Tensor:
        return _sh.broadcast_to(self, other.shape)

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        return _sh.flatten(self, start_dim, end_dim)

    def transpose(self, *axes: Any) -> Tensor:
        """With two ints, swap those axes (PyTorch); otherwise permute like NumPy."""
        axes = _shape(axes) if axes else axes
        if len(axes) == 2:
            return _sh.swapaxes(self, axes[0], axes[1])
        return _sh.transpose(self, axes or None)

    def swapaxes(self, axis0: int, axis1: int) -> Tensor:
        return _sh.swapaxes(self, axis0, axis1)

    swapdims = swapaxes

    def permute(self, *dims: Any) -> Tensor:
        return _sh.transpose(self, _shape(dims))

    @property
    def T(self) -> Tensor:
        return _sh.transpose(self, None)

    @property
    def mT(self) -> Tensor:
        """The last two dims swapped (a batch of matrices transposed)."""
        return _sh.swapaxes(self, -2, -1)

    def squeeze(self, dim: Axis = None, *, axis: Axis = None) -> Tensor:
        return _sh.squeeze(self, _args.dim_arg("squeeze", dim, axis))

    def unsqueeze(self, dim: int | None = None, *, axis: int | None = None) -> Tensor:
        d = _args.dim_arg("unsqueeze", dim, axis)
        if d is None:
            raise TypeError("unsqueeze: missing dim")
        return _sh.unsqueeze(self, d)

    def expand(self, *shape: Any) -> Tensor:
        size = _shape(shape)
        if any(s == -1 for s in size[: len(size) - self.ndim]):
            raise RuntimeError(
                f"expand: -1 is not allowed in a new leading dim, got {tuple(size)} for a "
                f"{self.ndim}-D tensor"
            )
        return _sh.broadcast_to(self, size)

    def broadcast_to(self, *shape: Any) -> Tensor:
        return self.expand(*shape)  # torch's rules: -1 keeps a dim, never a new one


def _integral(a: Any, b: Any) -> bool:
    """Are both operands integers or booleans (tensors or Python numbers)?"""
    return all(
        (x.array.dtype.kind if isinstance(x, Tensor) else np.asarray(x).dtype.kind) in "iub"
        for x in (a, b)
    )


def _clamp_both(x: Tensor, lo: Any, hi: Any) -> Tensor:
    """``min(max(x, lo), hi)`` with tensor bounds and torch's gradients: ``x`` takes it where
    ``lo <= x <= hi``, ``lo`` where ``x < lo < hi``, ``hi`` where ``x > hi`` or ``hi < lo``;
    where ``x < lo == hi`` (or at NaN) nothing does."""
    plain = [b.detach() if isinstance(b, Tensor) else b for b in (x, lo, hi)]
    value = _ar.where(plain[0] < plain[1], plain[1], plain[0])
    value = _ar.where(value > plain[2], plain[2], value)
    out = _ar.where((x >= lo) & (x <= hi), x, value)
    out = _ar.where((x < lo) & (lo < hi), lo, out)
    return _ar.where((x > hi) | (hi < lo), hi, out)


def _floor_divide(a: Any, b: Any) -> Tensor:
    """``a // b`` of promoted operands; one :class:`~glassnet.ops.logic.IntDivide` op for
    integers while an exporter traces (floats record ``Div`` and ``floor``)."""
    _no_bool_pair("floor_divide", a, b)
    if _logic.tracing_active() and _integral(a, b):
        return _logic.int_divide(a, b, "floor_divide")
    return _pw.div_rounded(a, b, "floor")


def _remainder(a: Any, b: Any) -> Tensor:
    """``a % b`` of promoted operands (the sign of ``b``); one
    :class:`~glassnet.ops.logic.IntDivide` op for integers while an exporter traces."""
    _no_bool_pair("remainder", a, b)
    if _logic.tracing_active() and _integral(a, b):
        return _logic.int_divide(a, b, "remainder")
    out = _ar.sub(a, _ar.mul(_pw.div_rounded(a, b, "floor"), b))
    bb = b.array if isinstance(b, Tensor) else np.asarray(b)
    if out.dtype.kind == "f" and bool(out.xp.isinf(bb).any()) and not _logic.tracing_active():
        # an infinite divisor: torch's fmod, moved to b's sign (1 % inf = 1, -1 % inf = inf)
        aa = a.array if isinstance(a, Tensor) else np.asarray(a)
        with np.errstate(invalid="ignore"):
            mod = out.xp.fmod(aa, bb).astype(out.dtype, copy=False)
            mod = out.xp.where((mod != 0) & ((bb < 0) != (mod < 0)), mod + bb, mod)
        out = _ar.where(out.xp.isinf(bb), mod.astype(out.dtype, copy=False), out)
    return out


def _same_dtype(who: str, a: Tensor, b: Any) -> None:
    """Refuse a matrix product of tensors of two dtypes, as torch does (no promotion)."""
    if isinstance(b, Tensor) and a.array.dtype != b.array.dtype:
        raise RuntimeError(
            f"{who}: expected both operands to have the same dtype, got {a.dtype} and "
            f"{b.dtype} (cast one with .to())"
        )


def _integral_alpha(who: str, a: Tensor, b: Any, alpha: Any) -> None:
    """Refuse a floating ``alpha`` with integer operands, as torch does."""
    if isinstance(alpha, float) and _integral(a, b):
        raise RuntimeError(
            f"{who}: for integral input tensors, alpha must not be a floating point number, "
            f"got {alpha}"
        )


def _flat_list_index(index: list) -> None:
    """Refuse a list index holding sequences, tensors, slices, None or ``...``: torch reads
    ``x[[i, j]]`` then as ``x[i, j]`` (deprecated), NumPy as one index array."""
    if any(p is None or p is Ellipsis or isinstance(p, (list, tuple, slice, np.ndarray, Tensor))
           for p in index):  # fmt: skip
        raise IndexError(
            "indexing: a list holding lists, tensors, slices or None is ambiguous (torch reads "
            "it as a tuple of indices, NumPy as one index array); write x[tuple(seq)] or "
            "x[torch.tensor(seq)]"
        )


def _no_bool_sub(a: Tensor, b: Any) -> None:
    """Refuse ``-`` with a bool tensor, as torch does (NumPy would give integers)."""
    if a.array.dtype.kind == "b" or (isinstance(b, Tensor) and b.array.dtype.kind == "b"):
        raise RuntimeError(
            "sub: subtraction, the `-` operator, with a bool tensor is not supported (as in "
            "torch); to invert a mask use `~` or logical_not()"
        )


def _bounds_fit(dtype: np.dtype, bounds: list) -> None:
    """torch's refusal of a number bound the tensor's dtype cannot hold (``uint8`` with
    ``min=-1``, ``float16`` with ``max=70000``)."""
    if dtype.kind in "iu":
        info: Any = np.iinfo(dtype)
    elif dtype.kind == "f":
        info = np.finfo(dtype)
    else:
        return
    for b in bounds:
        if isinstance(b, (int, float)) and np.isfinite(b) and not info.min <= b <= info.max:
            raise RuntimeError(f"clamp: value {b} cannot be converted to type {dtype} without overflow")


def _no_bool_pair(who: str, a: Any, b: Any) -> None:
    """Refuse two operands promoted to bool, as torch does (``mask // mask``)."""
    if all(getattr(getattr(x, "array", x), "dtype", None) == np.bool_ for x in (a, b)):
        raise NotImplementedError(f"{who}: not implemented for bool tensors, as in torch (cast first)")


def _not_bool(x: Tensor, who: str) -> Tensor:
    """``x``, refused as torch does when it is a bool tensor (rounding a mask)."""
    if x.array.dtype.kind == "b":
        raise NotImplementedError(f"{who}: not implemented for bool tensors, as in torch (cast first)")
    return x


def _pow(a: Any, b: Any) -> Tensor:
    """``a ** b`` of promoted operands with torch's integer rules: a bool tensor to a Python
    int is int64; an integer tensor to a negative Python int is an error; an integer
    exponent tensor with negatives gives 0 there (1 for base 1, +-1 for base -1), where NumPy
    raises."""
    if type(a) is int and isinstance(b, Tensor) and b.array.dtype.kind in "iu":
        a = Tensor._make(b.xp.asarray(a, dtype=b.array.dtype), False, None, 0)  # 2 ** int8: int8
    kinds = [x.array.dtype.kind if isinstance(x, Tensor) else type(x) for x in (a, b)]
    kinds[0] = "i" if kinds[0] is int else kinds[0]
    if kinds[0] == "b" and kinds[1] == "b":
        raise NotImplementedError("pow: not implemented for bool tensors, as in torch (cast first)")
    if kinds[0] == "b" and type(b) is int:
        a = _ar.cast(a, np.int64)
        kinds[0] = "i"
    if kinds[0] not in ("i", "u") or not (type(b) is int or kinds[1] in ("i", "u")):
        return _ar.pow(a, b)
    if type(b) is int:
        if b < 0:
            raise RuntimeError("pow: Integers to negative integer powers are not allowed.")
        return _ar.pow(a, b)
    xp, e = b.xp, b.array
    aa = a.array if isinstance(a, Tensor) else xp.asarray(a)
    if not (e < 0).any():
        return _ar.pow(a, b)
    out = aa ** xp.where(e < 0, 0, e)
    special = xp.where(aa == 1, 1, xp.where(aa == -1, 1 - 2 * (e % 2 != 0), 0))
    return Tensor._make(xp.where(e < 0, special, out).astype(out.dtype), False, None, 0)


def _shape(args: tuple) -> tuple:
    """``f(2, 3)``, ``f((2, 3))``, ``f([2, 3])`` and ``f(x.size())`` all as ``(2, 3)``."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        return tuple(args[0])
    return tuple(args)


def _need_dims(who: str, n: int, *tensors: Any) -> None:
    for t in tensors:
        if getattr(t, "ndim", n) != n:
            raise ValueError(f"{who}: expected {n}-D tensors, got shape {tuple(t.shape)}")


def _need_dim(who: str, dim: Any, axis: Any) -> Any:
    """The dim of a method that PyTorch requires it for: -1 when missing (glassnet's default)."""
    d = _args.dim_arg(who, dim, axis)
    return -1 if d is None else d


_TYPE_NAMES = {
    "float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor",
    "int64": "LongTensor", "int32": "IntTensor", "int16": "ShortTensor", "int8": "CharTensor",
    "uint8": "ByteTensor", "bool": "BoolTensor",
}  # fmt: skip


def _type_name(dtype: np.dtype) -> str:
    name = np.dtype(dtype).name  # the NumPy name, also for a TorchDType (glassnet run)
    return f"torch.{_TYPE_NAMES.get(name, name)}"


#: Class attributes of ``TensorMethods`` that are not methods to copy (``__hash__`` is the
#: ``None`` Python sets beside ``__eq__``; ``Tensor`` hashes by identity).
_NOT_METHODS = frozenset(
    {"__module__", "__qualname__", "__doc__", "__dict__", "__weakref__", "__hash__"}
)


def attach(cls: type = Tensor) -> None:
    """Copy every method and property of :class:`TensorMethods` and
    :class:`~glassnet._tensor_reductions.ReductionMethods`,
    :class:`~glassnet._tensor_dialect.DialectMethods`,
    :class:`~glassnet._tensor_extra.ExtraMethods`,
    :class:`~glassnet._torch_more.MoreMethods`,
    :class:`~glassnet._decompositions.DecompositionMethods`,
    :class:`~glassnet._torch_math.MathMethods`,
    :class:`~glassnet._torch_shapes.ShapeMethods`,
    :class:`~glassnet._tensor_info.InfoMethods`,
    :class:`~glassnet._torch_elementwise.ElementwiseMethods`,
    :class:`~glassnet._tensor_flags.FlagMethods`,
    :class:`~glassnet._torch_scatter_views.ScatterViewMethods`,
    :class:`~glassnet.special.SpecialMethods` and
    :class:`~glassnet._inplace.InplaceMethods` onto ``cls``.

    Raises
    ------
    RuntimeError
        When ``cls`` already defines one of them: each method has one home.
    """
    sources = (
        TensorMethods, ReductionMethods, DialectMethods, ExtraMethods, MoreMethods,
        DecompositionMethods, MathMethods, ShapeMethods, InfoMethods, ElementwiseMethods,
        FlagMethods, ScatterViewMethods, InplaceMethods, SpecialMethods,
    )  # fmt: skip
    for source in sources:
        for name, value in vars(source).items():
            if name in _NOT_METHODS:
                continue
            if name in vars(cls) and vars(cls)[name] is not value:
                raise RuntimeError(f"attach: {cls.__name__}.{name} is defined in two places")
            setattr(cls, name, value)


attach()
