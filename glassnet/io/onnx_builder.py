"""The graph under construction: ``OnnxValue`` and ``GraphBuilder`` (nodes, names, initializers
and the shape helpers converters use).

``onnx_graph.OnnxBuilder`` adds ``call`` (converting a module by tracing it) on top;
converters receive that builder.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from ..nn.module import Module
from ..tensor import Tensor

__all__ = ["GraphBuilder", "OnnxValue"]


def _onnx() -> Any:
    try:
        import onnx
    except ImportError as e:
        raise ImportError(
            "export_onnx needs the 'onnx' package; install the extra with "
            "pip install 'glassnet[onnx]' (onnx + onnxruntime)"
        ) from e
    return onnx


# ------------------------------------------------------------------ values
class OnnxValue:
    """A value of the graph being built: its ONNX name and its value on the example input.

    Parameters
    ----------
    name : str
        The ONNX value name.
    example : ndarray
        What glassnet computes for this value on the example input (gives
        shapes and dtypes to converters).
    alt : ndarray, optional
        The same value when the model runs on a batch of another size (the
        exporter's second run, with a dynamic batch); ``None`` when there is none.
    """

    __slots__ = ("name", "example", "alt")

    def __init__(self, name: str, example: Any, alt: Any = None) -> None:
        self.name = name
        self.example = _array(example)
        self.alt = None if alt is None else _array(alt)

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.example.shape)

    @property
    def ndim(self) -> int:
        return self.example.ndim

    @property
    def dtype(self) -> np.dtype:
        return self.example.dtype

    @property
    def dynamic_axes(self) -> tuple[int, ...]:
        """The axes whose length follows the batch size (empty without a second run)."""
        if self.alt is None or self.alt.ndim != self.example.ndim:
            return ()
        return tuple(i for i, (a, b) in enumerate(zip(self.shape, self.alt.shape)) if a != b)

    def tensor(self) -> Tensor:
        """The example as a glassnet tensor."""
        return Tensor(self.example)

    def __repr__(self) -> str:
        return f"OnnxValue({self.name!r}, shape={self.shape}, dtype={self.dtype})"


def _array(x: Any) -> np.ndarray:
    return np.asarray(x.numpy() if isinstance(x, Tensor) else x)


def _name(x: Any) -> str:
    if isinstance(x, OnnxValue):
        return x.name
    if x is None:
        return ""  # an omitted optional input
    if isinstance(x, str):
        return x
    raise TypeError(f"OnnxBuilder: expected a value name or OnnxValue, got {type(x).__name__}")


def _map(fn: Callable[[Any], Any], tree: Any) -> Any:
    if isinstance(tree, (tuple, list)):
        items = [_map(fn, t) for t in tree]
        return type(tree)(*items) if hasattr(tree, "_fields") else type(tree)(items)
    if isinstance(tree, dict):
        return {k: _map(fn, v) for k, v in tree.items()}
    return fn(tree)


def _leaves(tree: Any, kinds: tuple[type, ...]) -> list:
    """The ``kinds`` objects in a nested tuple/list/dict (dict values in order), in order."""
    if isinstance(tree, (tuple, list)):
        return [leaf for t in tree for leaf in _leaves(t, kinds)]
    if isinstance(tree, dict):
        return [leaf for t in tree.values() for leaf in _leaves(t, kinds)]
    return [tree] if isinstance(tree, kinds) else []


# ------------------------------------------------------------------ builder
class GraphBuilder:
    """Collects the nodes and initializers of the ONNX graph while a model is converted.

    Converters use :meth:`node` for ONNX
    operators, :meth:`param` / :meth:`const` for weights and constants, and
    the shape helpers (:meth:`reshape`, :meth:`transpose`, ...), which take
    value names or :class:`OnnxValue` and return value names.

    Attributes
    ----------
    opset : int
        The ONNX opset being written.
    """

    def __init__(self, root: Module, opset: int) -> None:
        self.opset = opset
        self.nodes: list[Any] = []
        self.initializers: dict[str, np.ndarray] = {}
        self._names: set[str] = set()
        self._params: dict[int, str] = {}
        self._consts: dict[tuple, str] = {}
        self._transposed: dict[int, str] = {}
        self._module_names = {id(m): n for n, m in root.named_modules()}
        self._scope: list[str] = []
        self._count = 0

    # ---------------------------------------------------------------- names
    def reserve(self, name: str) -> str:
        """Claim ``name`` for a graph input or output; a clear error if it is taken."""
        if not isinstance(name, str) or not name:
            raise ValueError(f"export_onnx: value names must be non-empty strings, got {name!r}")
        if name in self._names:
            raise ValueError(f"export_onnx: the name {name!r} is used twice in the graph")
        self._names.add(name)
        return name

    def fresh(self, hint: str) -> str:
        """A value name not used yet, based on ``hint``."""
        name, k = hint, 1
        while name in self._names:
            name, k = f"{hint}_{k}", k + 1
        self._names.add(name)
        return name

    @property
    def scope(self) -> str:
        """Dotted name of the module being converted (``""`` at the top)."""
        return self._scope[-1] if self._scope else ""

    @property
    def module_names(self) -> dict[int, str]:
        """``id(module) -> dotted name`` for every module of the exported model."""
        return self._module_names

    @contextlib.contextmanager
    def named_scope(self, name: str) -> Iterator[None]:
        """Name what is made inside the ``with`` block after the module path ``name``."""
        self._scope.append(name)
        try:
            yield
        finally:
            self._scope.pop()

    # ---------------------------------------------------------------- nodes
    def node(self, op_type: str, inputs: Sequence[Any], *, outputs: int = 1, **attrs: Any) -> Any:
        """Append an ONNX node; return its output name (a list of names when ``outputs > 1``).

        ``inputs`` are names, :class:`OnnxValue` or ``None`` (an omitted
        optional input); attributes whose value is ``None`` are left out.
        """
        onnx = _onnx()
        self._count += 1
        base = f"{self.scope}/{op_type}_{self._count}" if self.scope else f"{op_type}_{self._count}"
        outs = [self.fresh(f"{base}:{j}") for j in range(outputs)]
        args = [_name(x) for x in inputs]
        while args and args[-1] == "":
            args.pop()
        kept = {k: v for k, v in attrs.items() if v is not None}
        self.nodes.append(onnx.helper.make_node(op_type, args, outs, name=base, **kept))
        return outs[0] if outputs == 1 else outs

    def initializer(self, array: Any, name: str) -> str:
        """Add a constant tensor to the graph under (a unique variant of) ``name``."""
        name = self.fresh(name)
        self.initializers[name] = np.array(array, order="C")  # (keeps 0-d arrays 0-d)
        return name

    def param(self, tensor: Any, name: str = "param") -> str:
        """The initializer holding a parameter or buffer (added once however often it is used).

        Parameters
        ----------
        tensor : Tensor
            A module's parameter or buffer.
        name : str, default "param"
            The attribute name; the initializer is called ``<module path>.<name>``
            (``fc1.weight``), like the ``state_dict`` key.
        """
        key = id(tensor)
        if key in self._params:
            return self._params[key]
        full = f"{self.scope}.{name}" if self.scope else name
        out = self.initializer(tensor.numpy() if isinstance(tensor, Tensor) else tensor, full)
        self._params[key] = out
        return out

    def const(self, values: Any, dtype: Any = np.int64) -> str:
        """A small constant (shapes, axes, scalars), shared between nodes that use the same one."""
        arr = np.asarray(values, dtype=dtype)
        key = (arr.dtype.str, arr.shape, arr.tobytes())
        if key not in self._consts:
            self._consts[key] = self.initializer(arr, f"const_{len(self._consts)}")
        return self._consts[key]

    # ------------------------------------------------------------- modules
    @contextlib.contextmanager
    def scope_of(self, module: Module) -> Iterator[None]:
        """Name what is made inside the ``with`` block after ``module`` (its parameters too)."""
        self._scope.append(self._module_names.get(id(module), type(module).__name__))
        try:
            yield
        finally:
            self._scope.pop()

    def value(self, name: Any, example: Any, alt: Any = None) -> OnnxValue:
        """Wrap a value name with its example (for values a converter makes itself)."""
        return OnnxValue(_name(name), example, alt)

    # ------------------------------------------------------ common patterns
    def reshape(self, x: Any, shape: Sequence[int]) -> str:
        """``Reshape`` to ``shape`` (0 copies that input dim, -1 is inferred)."""
        return self.node("Reshape", [x, self.const(list(shape))])

    def transpose(self, x: Any, perm: Sequence[int]) -> str:
        return self.node("Transpose", [x], perm=list(perm))

    def squeeze(self, x: Any, axes: Sequence[int]) -> str:
        return self.node("Squeeze", [x, self.const(list(axes))])

    def unsqueeze(self, x: Any, axes: Sequence[int]) -> str:
        return self.node("Unsqueeze", [x, self.const(list(axes))])

    def concat(self, xs: Sequence[Any], axis: int) -> str:
        return xs[0] if len(xs) == 1 else self.node("Concat", list(xs), axis=axis)

    def slice(self, x: Any, starts: Sequence[int], ends: Sequence[int], axes: Sequence[int]) -> str:
        return self.node("Slice", [x, self.const(starts), self.const(ends), self.const(axes)])

    def gather(self, x: Any, index: int, axis: int) -> str:
        """``x`` at ``index`` along ``axis`` (that axis removed; negative indices count from the end)."""
        return self.node("Gather", [x, self.const(index)], axis=axis)

    def reduce_mean(self, x: Any, axes: Sequence[int], keepdims: bool = True) -> str:
        """``ReduceMean`` (axes are an attribute before opset 18 and an input from 18)."""
        if self.opset < 18:
            return self.node("ReduceMean", [x], axes=list(axes), keepdims=int(keepdims))
        return self.node("ReduceMean", [x, self.const(list(axes))], keepdims=int(keepdims))

    @staticmethod
    def elem_type(dtype: Any) -> int:
        """The ONNX element type (``TensorProto`` enum) of a NumPy dtype, for ``Cast(to=...)``."""
        return _onnx().helper.np_dtype_to_tensor_dtype(np.dtype(dtype))

    def scalar(self, value: float, dtype: Any) -> str:
        """A scalar constant of ``dtype`` (for arithmetic with values of that dtype)."""
        return self.const(value, dtype=dtype)

    def linear(self, x: Any, ndim: int, weight: Any, bias: Any = None) -> str:
        """``x @ weight.T + bias`` for ``x`` of rank ``ndim``: ``Gemm`` on 2-D, else ``MatMul``."""
        if ndim == 2:
            b = None if bias is None else self.param(bias, "bias")
            return self.node("Gemm", [x, self.param(weight, "weight"), b], transB=1)
        if id(weight) not in self._transposed:
            w = weight.numpy() if isinstance(weight, Tensor) else np.asarray(weight)
            full = f"{self.scope}.weight_t" if self.scope else "weight_t"
            self._transposed[id(weight)] = self.initializer(w.T, full)
        y = self.node("MatMul", [x, self._transposed[id(weight)]])
        return y if bias is None else self.node("Add", [y, self.param(bias, "bias")])


def _describe(x: Any) -> str:
    if isinstance(x, (tuple, list)):
        return "(" + ", ".join(_describe(t) for t in x) + (",)" if len(x) == 1 else ")")
    if isinstance(x, (Tensor, OnnxValue)):
        return "a tensor" if isinstance(x, Tensor) else "a value"
    if isinstance(x, str):
        return "a value"
    return "None" if x is None else type(x).__name__
