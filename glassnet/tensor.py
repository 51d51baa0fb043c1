"""``Tensor``: an array with a gradient, the user-facing half of the autograd.

This module holds the data structure and what needs no op: shape, dtype,
device, conversion, ``requires_grad``/``retain_grad``. The methods and operators,
differentiable or not (``x + y``, ``x > 0``, ``x.sum()``, ``x.reshape``,
``x.to``, ``x.backward()``, ...) call ops, which build on ``Tensor``; they are
attached in one place, :mod:`glassnet._tensor_methods`, which
``glassnet/__init__.py`` imports once the ops exist. So this module imports
nothing above it and the package has no import cycle.
"""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from . import _tensor_str, backend
from . import random as _random
from ._errors import ShapeError

if TYPE_CHECKING:  # for type checkers and editors only: the methods are attached at import
    from ._tensor_methods import TensorMethods as _Methods
else:
    _Methods = object

__all__ = ["Size", "Tensor", "tensor", "as_tensor", "zeros", "ones", "randn", "rand", "arange", "full"]

Axis = int | Sequence[int] | None


class Size(tuple):
    """A tensor's shape (``x.shape``, ``x.size()``): a tuple of ints, as ``torch.Size``.

    It prints as a tuple, ``(2, 3)``; while ``glassnet run``'s import hook makes ``torch``
    glassnet it prints as PyTorch's, ``torch.Size([2, 3])``. Sums with tuples stay sizes, as
    PyTorch's do; a slice is a plain tuple (PyTorch: a size), because a Python-level
    ``__getitem__`` would slow every ``x.shape[i]`` in glassnet's own code.
    """

    #: The module name it prints with (``torch`` under the import hook); None: a plain tuple.
    repr_module: str | None = None

    def numel(self) -> int:
        """The number of elements a tensor of this shape holds."""
        n = 1
        for s in self:
            n *= int(s)
        return n

    def __add__(self, other: Any) -> Size:
        return Size(tuple.__add__(self, other))

    def __radd__(self, other: Any) -> Size:
        if not isinstance(other, tuple):
            return NotImplemented
        return Size(tuple.__add__(other, self))

    def __mul__(self, times: Any) -> Size:
        return Size(tuple.__mul__(self, times))

    __rmul__ = __mul__

    def __repr__(self) -> str:
        if Size.repr_module is None:
            return tuple.__repr__(self)
        return f"{Size.repr_module}.Size({list(self)})"

    __str__ = __repr__


def _to_array(data: Any, dtype: Any, xp: Any = np) -> Any:
    if isinstance(data, Tensor):
        data = data.array
    if dtype is not None:
        return xp.asarray(data, dtype=dtype)
    arr = xp.asarray(data)
    if arr.dtype.kind == "f" and arr.dtype != backend.default_dtype():
        if not isinstance(data, (np.ndarray, np.generic)) and not backend.is_cupy_array(data):
            arr = arr.astype(backend.default_dtype())
    elif arr.dtype.kind in "fc":
        pass
    return arr


_NO_DATA = object()


def _called_as_torch_tensor() -> bool:
    """Is ``Tensor(...)`` called as ``torch.Tensor(...)``: ``torch`` is glassnet (inside
    ``glassnet run`` or ``torch_aliases()``) and the caller is outside glassnet?"""
    import sys

    glassnet = sys.modules.get(__name__.rpartition(".")[0])
    if glassnet is None or sys.modules.get("torch") is not glassnet:
        return False
    caller = sys._getframe(2).f_globals.get("__name__", "")
    return not (caller == glassnet.__name__ or caller.startswith(glassnet.__name__ + "."))


def _torch_constructor(data: Any, requires_grad: Any, dtype: Any, sizes: tuple) -> tuple:
    """torch's legacy constructor ``torch.Tensor(...)`` as ``(data, requires_grad, dtype)``
    for glassnet's: sizes (``torch.Tensor(2, 3)``, ``torch.Tensor(torch.Size([2, 3]))``)
    give zeros, nothing gives an empty tensor, and data (numbers, lists, arrays) is cast to
    the default dtype (float32), as torch does; a Tensor keeps its dtype."""
    extra = [a for a in (requires_grad, dtype) if a is not False and a is not None]
    if data is _NO_DATA:
        return np.zeros((0,), backend.default_dtype()), False, None
    if isinstance(data, Size) or _is_int(data):
        dims = (*data, *extra, *sizes) if isinstance(data, Size) else (data, *extra, *sizes)
        if not all(_is_int(d) for d in dims):
            raise TypeError(f"torch.Tensor(*sizes): expected ints as sizes, got {dims}")
        return np.zeros(tuple(int(d) for d in dims), backend.default_dtype()), False, None
    if extra or sizes:
        raise TypeError(
            "torch.Tensor(data): takes the data alone (as torch's legacy constructor); use "
            "torch.tensor(data, dtype=..., requires_grad=...) for more"
        )
    if isinstance(data, Tensor):
        return data, False, None
    return data, False, backend.default_dtype()


def _is_int(v: Any) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def _torch_repr_suffix(arr: Any, dtype: Any) -> str:
    """torch's ``size=`` and ``dtype=`` in a tensor's repr: the dtype unless it is the default
    one, int64 or bool (only the default for an empty tensor, with its size unless 1-D)."""
    if arr.size:
        return "" if dtype in (backend.default_dtype(), np.int64, np.bool_) else f", dtype={dtype}"
    size = f", size={tuple(arr.shape)}" if arr.ndim != 1 else ""
    return size + ("" if dtype == backend.default_dtype() else f", dtype={dtype}")


#: glassnet nodes that are one torch node whatever their arguments, under torch's name (the
#: name torch 2.13 gives on the CPU; tests/torch_dialect/test_grad_fn_names.py checks each).
#: A node missing here and from ``_TORCH_NAME_RULES`` keeps glassnet's name (``<ClipBackward>``):
#: ``Reshape`` (view / reshape / flatten / unsqueeze / squeeze), ``Transpose`` (t / transpose /
#: permute / ``.T``) and ``Clip`` (clamp / hardtanh / relu6) stand for several torch nodes that
#: glassnet's node does not tell apart; composite ops show the nodes glassnet records.
_TORCH_NODE_NAMES = {
    "ReLU": "ReluBackward0", "Sigmoid": "SigmoidBackward0", "Tanh": "TanhBackward0",
    "Softmax": "SoftmaxBackward0", "LogSoftmax": "LogSoftmaxBackward0",
    "BCEWithLogits": "BinaryCrossEntropyWithLogitsBackward0", "BCE": "BinaryCrossEntropyBackward0",
    "Add": "AddBackward0", "Mul": "MulBackward0", "Neg": "NegBackward0", "Exp": "ExpBackward0",
    "Log": "LogBackward0", "Sqrt": "SqrtBackward0", "Abs": "AbsBackward0",
    "Concat": "CatBackward0", "Stack": "StackBackward0", "Embedding": "EmbeddingBackward0",
    "Dropout": "MulBackward0",  # torch's CPU dropout multiplies by a scaled mask
    "BatchNorm": "NativeBatchNormBackward0", "GELU": "GeluBackward0",
    "LeakyReLU": "LeakyReluBackward0", "ELU": "EluBackward0", "Softplus": "SoftplusBackward0",
    "Conv1d": "ConvolutionBackward0", "Conv2d": "ConvolutionBackward0",
    "Conv3d": "ConvolutionBackward0", "MaxPool2d": "MaxPool2DWithIndicesBackward0",
    "AvgPool2d": "AvgPool2DBackward0", "AdaptiveAvgPool2d": "AdaptiveAvgPool2DBackward0",
}  # fmt: skip
#: ``Regression`` nodes by their ``kind`` (torch's l1_loss is a mean of abs: no one node)
_TORCH_REGRESSION_NAMES = {
    "mse": "MseLossBackward0", "smooth_l1": "SmoothL1LossBackward0", "huber": "HuberLossBackward0",
}
#: ``(ndim of a, ndim of b)`` of a 1-D/2-D ``MatMul`` -> torch's node; a 3-D or higher ``a``
#: gives ``UnsafeViewBackward0`` (torch's bmm / mm, then a view back to the batch shape)
_TORCH_MATMUL_NAMES = {
    (2, 2): "MmBackward0", (2, 1): "MvBackward0", (1, 1): "DotBackward0",
    (1, 2): "SqueezeBackward4",
}
#: ``Linear`` by (input ndim, has bias); 3-D and higher inputs as 3-D: torch's addmm / mm on
#: the flattened input, then a view back (the view is the node torch's ``grad_fn`` shows)
_TORCH_LINEAR_NAMES = {
    (2, True): "AddmmBackward0", (2, False): "MmBackward0",
    (3, True): "ViewBackward0", (3, False): "UnsafeViewBackward0", (1, True): "ViewBackward0",
}


#: the torch names of nodes a ``backward()`` started from, taken before it frees their state
_NAMED_ROOTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def remember_grad_fn(ctx: Any) -> None:
    """Keep the torch name of ``ctx`` (the node ``backward()`` starts from) past the freeing
    of its state, so ``loss.backward(); print(loss)`` prints the name it printed before."""
    if ctx is None or type(ctx).__name__ not in _TORCH_NAME_RULES:
        return
    name = _torch_node_name(ctx)
    if name is not None:
        with contextlib.suppress(TypeError):  # a node that takes no weak reference
            _NAMED_ROOTS[ctx] = name


def _torch_grad_fn_text(ctx: Any) -> str:
    """``ctx`` as torch's repr names it where glassnet's node is the node torch records
    (``x[:2]``: ``<SliceBackward0>``, ``x[:, 1]``: ``<SelectBackward0>``, ReLU, softmax,
    cross-entropy on class indices without smoothing: ``<NllLossBackward0>``); any other
    node keeps glassnet's name (a documented difference)."""
    known = _torch_node_name(ctx)
    if known is None:
        with contextlib.suppress(TypeError):
            known = _NAMED_ROOTS.get(ctx)
    if known:
        return f"<{known}>"
    name = getattr(ctx, "name", None)  # torch's tensor repr shows no address: not repr(ctx)
    return f"<{name()}>" if callable(name) else repr(ctx)




def _edge_is_constant(ctx: Any, i: int) -> bool | None:
    """Was positional input ``i`` of ``ctx`` a constant (a Python number), not a Tensor?"""
    edges = ctx.__dict__.get("edges")
    return None if edges is None or len(edges) <= i else edges[i] is None


def _getitem_name(ctx: Any) -> str | None:  # torch names the last index not a whole slice or ...
    index = ctx.__dict__.get("index")
    parts = index if isinstance(index, tuple) else (index,)
    if all(isinstance(i, slice) or _is_int(i) for i in parts if i is not Ellipsis):
        last = [i for i in parts if i is not Ellipsis and i != slice(None)] or [slice(None)]
        return "SliceBackward0" if isinstance(last[-1], slice) else "SelectBackward0"
    return None


def _cross_entropy_name(ctx: Any) -> str | None:  # 2-D and above: NllLoss2D; smoothing: no node
    z = ctx.__dict__.get("z")
    if ctx.__dict__.get("eps", 1) or z is None:
        return None
    if z.ndim <= 2:
        return "NllLossBackward0"
    return "NllLoss2DBackward0" if ctx.__dict__.get("reduction") in ("mean", "sum") else None


def _by_operands(names: dict) -> Any:
    """A rule naming a two-operand node by which operand is a Python number: ``names`` maps
    ``(a is constant, b is constant)`` to torch's name."""

    def rule(ctx: Any) -> str | None:
        return names.get((_edge_is_constant(ctx, 0), _edge_is_constant(ctx, 1)))

    return rule


def _reduction_name(full: str, by_dim: str) -> Any:
    """``x.sum()`` -> ``full``; over some dims or ``keepdim=True`` -> ``by_dim`` (torch's
    ``x.sum(dim=<every dim>)`` is ``by_dim`` too: glassnet keeps only the axes, so says ``full``)."""

    def rule(ctx: Any) -> str | None:
        shape = ctx.__dict__.get("shape")
        if shape is None:
            return None
        every = tuple(ctx.__dict__.get("axes", ())) == tuple(range(len(shape)))
        return full if every and not ctx.__dict__.get("keepdims") else by_dim

    return rule


def _matmul_name(ctx: Any) -> str | None:
    shapes = ctx.__dict__.get("a_shape"), ctx.__dict__.get("b_shape")
    if None in shapes:
        return None
    ranks = (len(shapes[0]), len(shapes[1]))
    if ranks[0] >= 3:
        return "UnsafeViewBackward0"
    return _TORCH_MATMUL_NAMES.get(ranks)  # a 2-D @ 3-D is torch's clone or view, by its grads


def _linear_name(ctx: Any) -> str | None:
    x_shape, edges = ctx.__dict__.get("x_shape"), ctx.__dict__.get("edges")
    if x_shape is None or edges is None:
        return None
    bias = len(edges) > 2 and edges[2] is not None
    return _TORCH_LINEAR_NAMES.get((min(len(x_shape), 3), bias))


def _nll_name(ctx: Any) -> str | None:
    return "NllLossBackward0" if len(ctx.__dict__.get("shape", (0, 0, 0))) <= 2 else None


#: nodes whose torch name depends on their arguments, read from the node's saved state (freed
#: by ``backward()``: only the node ``backward()`` starts from keeps its name past that)
_TORCH_NAME_RULES = {
    "GetItem": _getitem_name, "CrossEntropy": _cross_entropy_name, "NLLLoss": _nll_name,
    "Regression": lambda ctx: _TORCH_REGRESSION_NAMES.get(ctx.__dict__.get("kind")),
    # (a is a number, b is a number): ``2 - x`` is torch's rsub, ``2 / x`` a reciprocal and a mul
    "Sub": _by_operands({(False, False): "SubBackward0", (True, False): "RsubBackward1",
                         (False, True): "SubBackward0"}),
    "Div": _by_operands({(False, False): "DivBackward0", (False, True): "DivBackward0"}),
    "Pow": _by_operands({(False, False): "PowBackward1", (False, True): "PowBackward0",
                         (True, False): "PowBackward2"}),
    "Sum": _reduction_name("SumBackward0", "SumBackward1"),
    "Mean": _reduction_name("MeanBackward0", "MeanBackward1"),
    "MatMul": _matmul_name, "Linear": _linear_name,
}  # fmt: skip


def _torch_node_name(ctx: Any) -> str | None:
    """torch's name for ``ctx``, or None where it is not known (or its state was freed)."""
    kind = type(ctx).__name__
    rule = _TORCH_NAME_RULES.get(kind)
    return _TORCH_NODE_NAMES.get(kind) if rule is None else rule(ctx)


def torch_grad_fn_name(ctx: Any) -> str:
    """``grad_fn.name()`` under ``glassnet run``: torch's name where :func:`_torch_node_name`
    knows it (or ``backward()`` kept it), else glassnet's (``RegressionBackward``)."""
    known = _torch_node_name(ctx)
    if known is None:
        with contextlib.suppress(TypeError):
            known = _NAMED_ROOTS.get(ctx)
    return known or f"{type(ctx).__name__}Backward"


def torch_grad_fn_repr(ctx: Any) -> str:
    """``repr(grad_fn)`` under ``glassnet run``, in torch's form:
    ``<MseLossBackward0 object at 0x7f...>``."""
    return f"<{torch_grad_fn_name(ctx)} object at {id(ctx):#x}>"


class Tensor(_Methods):
    """An n-dimensional array that can record the operations applied to it.

    Parameters
    ----------
    data : array-like
        Values. Python floats and lists of floats become float32 (the default
        dtype); NumPy arrays keep their dtype; integer data stays integer.
    requires_grad : bool, default False
        Record operations on this tensor so ``backward()`` fills ``.grad``.
    dtype : dtype, optional
        Convert the data to this dtype.

    Attributes
    ----------
    data : ndarray
        The values (a NumPy array, or a CuPy array on a GPU).
    grad : Tensor or None
        Gradient accumulated by ``backward()`` (leaves, and tensors that
        called :meth:`retain_grad`).
    """

    __slots__ = (
        "array", "grad", "requires_grad", "_ctx", "_index", "_version", "_base", "__weakref__"
    )  # fmt: skip
    __array_priority__ = 1000

    def __init__(
        self, data: Any = _NO_DATA, requires_grad: Any = False, dtype: Any = None, *sizes: int
    ) -> None:
        if _called_as_torch_tensor():
            data, requires_grad, dtype = _torch_constructor(data, requires_grad, dtype, sizes)
        elif data is _NO_DATA or sizes:
            raise TypeError(
                "Tensor(data, requires_grad=False, dtype=None): expected the data, got "
                f"{'nothing' if data is _NO_DATA else f'{3 + len(sizes)} positional arguments'}"
            )
        arr = _to_array(data, dtype, backend.get_array_module(data))
        if arr.dtype.kind not in "biuf":
            raise TypeError(
                f"Tensor: expected booleans or numbers (a bool, integer or floating dtype), got "
                f"dtype {arr.dtype} (glassnet has no complex, string or object tensors)"
            )
        if requires_grad and arr.dtype.kind != "f":
            raise TypeError(
                f"Tensor: only floating tensors can require gradients, got dtype {arr.dtype}"
            )
        self.array = arr
        self.grad: Tensor | None = None
        self.requires_grad = bool(requires_grad)
        self._ctx = None
        self._index = 0
        self._version = 0

    @classmethod
    def _make(cls, data: Any, requires_grad: bool, ctx: Any, index: int) -> Tensor:
        t = Tensor.__new__(Tensor)
        # a NumPy scalar (what a full reduction may give) as a 0-d array, which in-place
        # ops can write into (``acc = 0; acc += (pred == y).sum()`` then ``acc += ...``)
        t.array = np.asarray(data) if isinstance(data, np.generic) else data
        t.grad = None
        t.requires_grad = requires_grad
        t._ctx = ctx
        t._index = index
        t._version = 0
        return t

    # ------------------------------------------------------------------ data
    @property
    def data(self) -> Tensor:
        """This tensor's values as a new tensor outside the graph, sharing memory.

        As in PyTorch: ``p.data.mul_(0.5)`` changes ``p``; autograd does not
        see the change (it bumps no version of ``p``). The array itself is
        :attr:`array` (or ``.numpy()`` for a host copy).
        """
        return Tensor._make(self.array, False, None, 0)

    @data.setter
    def data(self, value: Any) -> None:
        new = value.array if isinstance(value, Tensor) else backend.get_array_module(value).asarray(value)
        if new.shape != self.array.shape and self.requires_grad and self._ctx is not None:
            raise RuntimeError(
                f"Tensor.data: cannot give a tensor in a graph new data of shape {new.shape} "
                f"(it has shape {self.array.shape})"
            )
        self.array = new

    # ------------------------------------------------------------------ info
    @property
    def shape(self) -> Size:
        """The shape, a :class:`Size` (a tuple of ints)."""
        return Size(self.array.shape)

    @property
    def dtype(self) -> np.dtype:
        return self.array.dtype

    @property
    def ndim(self) -> int:
        return self.array.ndim

    def size(self, dim: int | None = None) -> Size | int:
        """The shape as a :class:`Size` (a tuple), or the length of dimension ``dim``."""
        if dim is None:
            return Size(self.array.shape)
        return self.array.shape[dim]

    def numel(self) -> int:
        """The number of elements."""
        return int(self.array.size)

    def dim(self) -> int:
        """The number of dimensions (``ndim``)."""
        return self.array.ndim

    nelement = numel
    ndimension = dim

    @property
    def xp(self):
        """The array module of this tensor's data (``numpy`` or ``cupy``)."""
        return backend.get_array_module(self.array)

    @property
    def device(self) -> backend.Device:
        return backend.device_of(self.array)

    @property
    def is_leaf(self) -> bool:
        return self._ctx is None

    @property
    def grad_fn(self) -> Any:
        return self._ctx

    def __len__(self) -> int:
        return len(self.array)

    def __repr__(self) -> str:
        body = _tensor_str.tensor_body(np.asarray(self.numpy()))  # torch's text for the values
        dt = self.dtype  # a TorchDType under glassnet run: printed by torch's rules
        if isinstance(dt, np.dtype):
            shown = dt not in (backend.default_dtype(), np.int64) or dt.kind == "b"
            extra = f", dtype={dt}" if shown else ""
        else:
            extra = _torch_repr_suffix(self.array, dt)
        if self.device.type != "cpu":
            extra += f", device='{self.device}'"
        if self._ctx is not None:  # torch's node names for torch's dtypes (glassnet run)
            node = repr(self._ctx) if isinstance(dt, np.dtype) else _torch_grad_fn_text(self._ctx)
            extra += f", grad_fn={node}"
        elif self.requires_grad:
            extra += ", requires_grad=True"
        return _tensor_str.close(f"tensor({body}", extra)

    # ------------------------------------------------------------ conversion
    def numpy(self, *, force: bool = False) -> np.ndarray:
        """The data as a NumPy array (sharing memory on the CPU; copied to the host from a
        GPU). ``force`` is torch's flag for that copy and for tensors that require grad:
        glassnet gives the array either way."""
        if backend.is_cupy_array(self.array):
            return self.array.get()
        return self.array

    def item(self) -> float | int | bool:
        """The single value of a one-element tensor as a Python number."""
        if self.array.size != 1:
            raise ShapeError(  # a ValueError, and torch's RuntimeError
                f"item: only one-element tensors convert (a Tensor with {self.array.size} "
                f"elements cannot be converted to Scalar), got shape {self.shape}"
            )
        return self.array.reshape(()).item()

    def tolist(self) -> Any:
        return self.numpy().tolist()

    def __float__(self) -> float:
        return float(self.item())

    def __format__(self, spec: str) -> str:
        """``f"{t:.2f}"`` formats a 0-d tensor's value, as torch does; others only with ``{}``."""
        if self.ndim == 0:
            return format(self.item(), spec)
        return object.__format__(self, spec)

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        """A one-element integer (or bool) tensor as an index: ``seq[t]``, ``x[i : i + n]``,
        ``range(t)``, as torch allows; any other tensor raises torch's ``TypeError``."""
        if self.array.size != 1 or self.array.dtype.kind not in "iub":
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __bool__(self) -> bool:
        if self.array.size != 1:
            raise ValueError(
                f"the truth value of a tensor with {self.array.size} elements is ambiguous"
            )
        return bool(self.item())

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        # a 0-d tensor may hold a NumPy scalar; NumPy requires an ndarray here
        arr = np.asarray(self.numpy())
        if dtype is not None:
            return arr.astype(dtype, copy=bool(copy))
        return arr.copy() if copy else arr

    def __hash__(self) -> int:
        return id(self)

    def detach(self) -> Tensor:
        """A tensor sharing this data, cut from the graph."""
        return Tensor._make(self.array, False, None, 0)

    def requires_grad_(self, flag: bool = True) -> Tensor:
        if flag and self.array.dtype.kind != "f":
            raise TypeError(
                f"requires_grad_: only floating tensors can require gradients, got {self.dtype}"
            )
        if self._ctx is not None and not flag:
            raise RuntimeError("requires_grad_: use detach() on a non-leaf tensor")
        self.requires_grad = bool(flag)
        return self

    def retain_grad(self) -> Tensor:
        """Keep ``.grad`` of this non-leaf tensor after ``backward()``."""
        if self._ctx is None:
            return self
        if not self.requires_grad:
            raise RuntimeError("retain_grad: the tensor does not require grad")
        retained = self._ctx.__dict__.setdefault("retained", {})
        retained[self._index] = weakref.ref(self)
        return self

    def zero_grad(self) -> None:
        self.grad = None


def tensor(
    data: Any, *, dtype: Any = None, requires_grad: bool = False, device: Any = None
) -> Tensor:
    """Make a tensor from data (copied). See :class:`Tensor`."""
    if isinstance(data, Tensor):
        data = data.array
    xp = backend.get_array_module(data)
    t = Tensor(xp.array(data, copy=True), requires_grad=False, dtype=dtype)
    if dtype is None and t.array.dtype.kind == "f" and not isinstance(data, (np.ndarray,)):
        t.array = t.array.astype(_float_dtype_of(data), copy=False)
    if device is not None:
        t = t.to(device)
    return t.requires_grad_(requires_grad) if requires_grad else t


def _float_scan(data: Any, found: set) -> bool:
    """Collect the dtypes of NumPy floating scalars and arrays (and Tensors) in (nested)
    ``data`` into ``found``; True when a Python float (or int) is there too."""
    if isinstance(data, Tensor):
        data = data.array
    if isinstance(data, (np.floating, np.ndarray)):  # a NumPy array in a list keeps its dtype
        if data.dtype.kind == "f":
            found.add(data.dtype)
        return False
    if isinstance(data, (list, tuple)):
        python = False
        for item in data:
            python = _float_scan(item, found) or python
        return python
    return isinstance(data, (float, int))


def _float_dtype_of(data: Any) -> np.dtype:
    """The floating dtype ``torch.tensor(data)`` infers: Python floats are the default
    dtype, a NumPy scalar keeps its own (``torch.tensor(np.float64(0.5))`` is float64), and
    a mix promotes."""
    found: set = set()
    python = _float_scan(data, found)
    if not found:
        return backend.default_dtype()
    return np.result_type(*found, *((backend.default_dtype(),) if python else ()))


def as_tensor(data: Any, dtype: Any = None) -> Tensor:
    """A tensor view of ``data`` (no copy when it already is an array of that dtype); a
    list or number gets the dtype :func:`tensor` infers (``[np.float64(1), 2]``: float64)."""
    if isinstance(data, Tensor) and (dtype is None or data.dtype == np.dtype(dtype)):
        return data
    if dtype is None and isinstance(data, (list, tuple, float, np.floating)):
        return tensor(data)
    return Tensor(data, dtype=dtype)


def _shape_arg(shape: Iterable[Any], size: Any = None) -> tuple[int, ...]:
    """The sizes given as ``f(2, 3)``, ``f((2, 3))`` or torch's keyword ``f(size=(2, 3))``."""
    shape = tuple(shape)
    if size is not None:
        if shape:
            raise TypeError(f"expected the sizes either as arguments or as size=, got both: "
                            f"{shape} and size={size!r}")  # fmt: skip
        shape = (size,) if isinstance(size, int) else (tuple(size),)
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    return tuple(int(s) for s in shape)


def _placed(data: np.ndarray, requires_grad: bool, device: Any) -> Tensor:
    """A tensor of host ``data`` on ``device`` (the CPU when None)."""
    if device is not None and backend.Device(device).type != "cpu":
        data = backend.to_device(data, device)
    return Tensor(data, requires_grad)


def _filled(shape: tuple, value: Any, dtype: Any, requires_grad: bool, device: Any) -> Tensor:
    """``shape`` filled with ``value``, allocated directly on ``device``."""
    dt = np.dtype(dtype) if dtype is not None else backend.default_dtype()
    dev = backend.Device(device) if device is not None else None
    if dev is None or dev.type == "cpu":
        return Tensor(np.full(shape, value, dtype=dt), requires_grad)
    cp = dev.xp
    with cp.cuda.Device(dev.index):
        return Tensor(cp.full(shape, value, dtype=dt), requires_grad)


def zeros(
    *shape: Any, dtype: Any = None, requires_grad: bool = False, device: Any = None,
    size: Any = None,
) -> Tensor:  # fmt: skip
    """A tensor of zeros (float32 unless ``dtype``), on ``device`` (``'cpu'`` or ``'cuda'``)."""
    return _filled(_shape_arg(shape, size), 0, dtype, requires_grad, device)


def ones(
    *shape: Any, dtype: Any = None, requires_grad: bool = False, device: Any = None,
    size: Any = None,
) -> Tensor:  # fmt: skip
    """A tensor of ones (float32 unless ``dtype``), on ``device``."""
    return _filled(_shape_arg(shape, size), 1, dtype, requires_grad, device)


def full(
    shape: Sequence[int],
    value: float,
    *,
    dtype: Any = None,
    requires_grad: bool = False,
    device: Any = None,
) -> Tensor:
    """A tensor of ``shape`` filled with ``value`` (float32 unless ``dtype``), on ``device``."""
    return _filled(tuple(shape), value, dtype, requires_grad, device)


def _given_rng(generator: Any, rng: Any) -> Any:
    """The generator to draw from: torch's ``generator=``, glassnet's ``rng=``, else the global one."""
    if generator is not None and rng is not None and generator is not rng:
        raise TypeError("random: pass generator= or rng= (the same thing), not both")
    given = generator if generator is not None else rng
    return given if given is not None else _random.get_rng()


def randn(
    *shape: Any, dtype: Any = None, requires_grad: bool = False, rng: Any = None, device: Any = None,
    generator: Any = None, size: Any = None,
) -> Tensor:  # fmt: skip
    """Standard-normal samples (from ``generator`` or ``rng``, a NumPy Generator such as
    ``glassnet.Generator()``, or glassnet's global generator, seeded by ``gn.manual_seed``).

    The samples are drawn on the host and copied to ``device``, so a seeded
    ``rng`` gives the same values on every device.
    """
    rng = _given_rng(generator, rng)
    data = rng.standard_normal(_shape_arg(shape, size)).astype(dtype or backend.default_dtype())
    return _placed(data, requires_grad, device)


def rand(
    *shape: Any, dtype: Any = None, requires_grad: bool = False, rng: Any = None, device: Any = None,
    generator: Any = None, size: Any = None,
) -> Tensor:  # fmt: skip
    """Uniform samples on [0, 1) (drawn on the host like :func:`randn`, then moved to ``device``)."""
    rng = _given_rng(generator, rng)
    data = rng.random(_shape_arg(shape, size)).astype(dtype or backend.default_dtype())
    return _placed(data, requires_grad, device)


def arange(*args: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """``start, stop, step`` like ``numpy.arange``, on ``device``.

    As in PyTorch, any floating argument gives the default dtype (float32),
    integers give int64.
    """
    if dtype is None:
        floating = any(isinstance(a, float) or getattr(a, "dtype", np.dtype(int)).kind == "f" for a in args)
        dtype = backend.default_dtype() if floating else np.int64
    _arange_bounds(*args)
    return _placed(np.arange(*args, dtype=dtype), requires_grad, device)


def _arange_bounds(start: Any, stop: Any = None, step: Any = 1) -> None:
    """Refuse a zero step, or bounds the step's sign cannot reach, as torch does (NumPy
    gives an empty array)."""
    lo, hi = (0, start) if stop is None else (start, stop)
    if step == 0:
        raise RuntimeError("arange: step must be nonzero")
    if (hi - lo) * step < 0:
        raise RuntimeError(
            f"arange: upper bound {hi} and lower bound {lo} are inconsistent with step sign ({step})"
        )
