"""Converting a module by tracing it: ``OnnxBuilder.call`` and the view converters get of an op.

``builder.call(module, *values)`` converts ``module`` applied to graph values:

1. a module with a ``to_onnx`` method or a registered converter is opaque: its
   converter emits the nodes (see ``onnx_registry.py``);
2. any other module is traced (``onnx_trace.py``): run once on the example values
   (twice with a dynamic batch: once more on a batch of another size, to learn which
   sizes follow the batch), then the recorded graph is walked back from the outputs
   to the inputs and each op it needs is converted, in run order, by the converter
   registered for its Function class. Parameters and buffers become initializers
   (named like their ``state_dict`` keys) by identity; other tensors and arrays the
   ops read are constants.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .._validate import is_number
from ..autograd import tracing
from ..autograd.grad_mode import no_grad
from ..nn.module import Module
from ..tensor import Tensor
from .onnx_builder import GraphBuilder, OnnxValue, _describe, _leaves, _map, _name
from .onnx_registry import (
    batch_attrs,
    function_converter,
    module_converter,
    not_exportable_reason,
    onnx_function_converters,
)
from .onnx_trace import HookCall, TracedOp, iter_objects, leaves, trace

__all__ = ["OnnxBuilder", "OpView"]


class OnnxBuilder(GraphBuilder):
    """The builder converters receive: :class:`GraphBuilder` plus :meth:`call` for modules.

    Parameters
    ----------
    root : Module
        The exported model (its ``state_dict`` names the initializers).
    opset : int
    dynamic : bool, default True
        The batch axis is symbolic: the second trace runs on a batch of another size
        to find the sizes that follow it (without it, the second trace runs on the
        example's samples reordered, which only checks that no constant depends on
        the input's values).
    """

    def __init__(self, root: Module, opset: int, *, dynamic: bool = True) -> None:
        super().__init__(root, opset)
        self.dynamic = dynamic
        self._state: dict[int, tuple[Any, str]] = {}
        for name, t in [*root.named_parameters(), *root.named_buffers()]:
            if t is not None:
                self._state.setdefault(id(t), (t, name))
                self._state.setdefault(id(t.array), (t, name))

    def where(self, module: Module) -> str:
        """The dotted name of ``module`` in the exported model (``"(model)"`` for the model)."""
        return self.module_names.get(id(module), type(module).__name__) or "(model)"

    def state_param(self, obj: Any) -> str | None:
        """The initializer of a parameter or buffer (given as tensor or array), else ``None``."""
        hit = self._state.get(id(obj))
        if hit is None:
            return None
        t, name = hit
        if id(t) not in self._params:
            self._params[id(t)] = self.initializer(t.numpy(), name)
        return self._params[id(t)]

    def call(self, module: Module, *args: Any, **kwargs: Any) -> Any:
        """Convert ``module`` applied to ``args``; return its outputs as :class:`OnnxValue`.

        ``args`` are :class:`OnnxValue` (or nested tuples of them) where the
        module's forward takes tensors; other arguments pass through unchanged.
        """
        if not isinstance(module, Module):
            raise TypeError(f"OnnxBuilder.call: expected a Module, got {type(module).__name__}")
        where = self.where(module)
        convert = module_converter(module)
        if convert is not None:
            ex1 = module_outputs(module, _examples(args, False), _examples(kwargs, False))
            ex2 = None
            if _has_alt((args, kwargs)):
                ex2 = module_outputs(module, _examples(args, True), _examples(kwargs, True))
            return self.run_converter(convert, module, where, args, kwargs, ex1, ex2)
        if type(module).forward is Module.forward:
            raise TypeError(
                f"export_onnx: module {where!r} ({type(module).__name__}) has no forward to "
                f"trace; export a module that computes something, or give "
                f"{type(module).__name__} a method to_onnx(self, builder, *inputs)"
            )
        return _Conversion(self, module, where).run(args, kwargs)

    def run_converter(
        self, convert: Callable, module: Module, where: str, args: Any, kwargs: Any,
        expected: Any, alt: Any = None,
    ) -> Any:  # fmt: skip
        """Run a module's own converter and pair its names with the module's outputs."""
        with self.scope_of(module):
            names = convert(self, module, *args, **kwargs)
        return _pair(names, expected, alt, where, module)


def module_outputs(module: Module, args: Any, kwargs: Any) -> Any:
    """``module(*args, **kwargs)`` without a graph and without recording a trace."""
    with tracing.recording(None), no_grad():
        return module(*args, **kwargs)


def _examples(tree: Any, alt: bool) -> Any:
    def one(a: Any) -> Any:
        if not isinstance(a, OnnxValue):
            return a
        return Tensor(a.alt if alt and a.alt is not None else a.example)

    if isinstance(tree, dict):
        return {k: _map(one, v) for k, v in tree.items()}
    return _map(one, tree)


def _has_alt(tree: Any) -> bool:
    if isinstance(tree, dict):
        return any(_has_alt(v) for v in tree.values())
    return any(v.alt is not None for v in _leaves(tree, (OnnxValue,)))


def _pair(names: Any, expected: Any, alt: Any, where: str, module: Module) -> Any:
    if isinstance(expected, Tensor):
        if isinstance(names, (str, OnnxValue)):
            return OnnxValue(_name(names), expected, alt)
    elif isinstance(expected, (tuple, list)):
        if isinstance(names, (tuple, list)) and len(names) == len(expected):
            alts = alt if isinstance(alt, (tuple, list)) else [None] * len(expected)
            return tuple(_pair(n, e, a, where, module) for n, e, a in zip(names, expected, alts))
    elif expected is None and names is None:
        return None
    raise TypeError(
        f"export_onnx: the converter of {where!r} ({type(module).__name__}) returned "
        f"{_describe(names)}, but the module returns {_describe(expected)}"
    )


#: How an array comes to depend on the input's values without the trace seeing it.
_UNTRACED = ".numpy() or .data, .tolist() or .item()"


def _tile(data: np.ndarray, alt: np.ndarray) -> np.ndarray | None:
    """The block (length 1 on the axes whose size changed) that ``data`` and ``alt`` both
    repeat along those axes (an index tiled over the batch), or ``None``."""
    if data.ndim != alt.ndim or data.size == 0 or alt.size == 0:
        return None
    axes = tuple(i for i, (n1, n2) in enumerate(zip(data.shape, alt.shape)) if n1 != n2)
    if any(data.shape[i] != alt.shape[i] for i in range(data.ndim) if i not in axes):
        return None
    block = data[tuple(slice(0, 1) if i in axes else slice(None) for i in range(data.ndim))]
    same = data.dtype.kind in "fc"
    for arr in (data, alt):
        if not np.array_equal(arr, np.broadcast_to(block, arr.shape), equal_nan=same):
            return None
    return np.ascontiguousarray(block)


def _arange_like(data: np.ndarray, alt: np.ndarray) -> bool:
    """Are ``data`` and ``alt`` (its value on the other batch) both ``start + step * arange(n)``
    (of two lengths, at least 2 entries, the same start and step, in a real dtype)?"""
    if data.ndim != 1 or alt.ndim != 1 or min(data.size, alt.size) < 2 or data.dtype != alt.dtype:
        return False
    if data.dtype.kind not in "iuf":
        return False
    start, step = data[0], data[1] - data[0]
    with np.errstate(all="ignore"):
        want = [(start + step * np.arange(a.size)).astype(data.dtype) for a in (data, alt)]
    return all(np.array_equal(w, a) for w, a in zip(want, (data, alt)))


# ---------------------------------------------------------------- one traced module
class _Conversion:
    """The conversion of one traced module call: its tapes and the names of their values."""

    def __init__(self, g: OnnxBuilder, module: Module, where: str) -> None:
        self.g, self.module, self.where = g, module, where
        self.values: dict[int, OnnxValue] = {}
        self.alt: dict[int, Any] = {}
        self.consts: dict[int, str] = {}
        self.batch_ref: tuple[OnnxValue, int] | None = None
        self._batch: str | None = None

    def run(self, args: tuple, kwargs: dict) -> Any:
        module = self.module
        ex1, kw1 = _examples(args, False), _examples(kwargs, False)
        tape1, res1 = self._trace(ex1, kw1)
        tape2 = res2 = None
        self._bind_inputs((args, kwargs), (ex1, kw1), tape1)
        if _has_alt((args, kwargs)):
            ex2, kw2 = _examples(args, True), _examples(kwargs, True)
            try:
                tape2, res2 = self._trace(ex2, kw2)
            except Exception as e:
                raise RuntimeError(
                    f"export_onnx: {self.where!r} ({type(module).__name__}) fails on "
                    f"{self._other()} ({type(e).__name__}: {e}); {self._fail_advice()}"
                ) from e
        if tape2 is not None:
            # the inputs as they came in (a model may change one in place)
            self._alt_inputs = [tape2.original(t) for t in leaves(ex2) + leaves(list(kw2.values()))]
            self._match(tape1, tape2, res1, res2)
        for step in self._needed(tape1.steps, leaves(res1)):
            self._convert(step)
        return self._result(res1)

    def _trace(self, args: Any, kwargs: Any) -> tuple:
        opaque = lambda m: module_converter(m) is not None  # noqa: E731
        return trace(self.module, args, kwargs, self.g.module_names, opaque, self.where)

    # -------------------------------------------------------------- values
    def _bind_inputs(self, given: Any, ex1: Any, tape: Any) -> None:
        vals = _leaves(given[0], (OnnxValue,)) + _leaves(list(given[1].values()), (OnnxValue,))
        ts = [tape.original(t) for t in leaves(ex1[0]) + leaves(list(ex1[1].values()))]
        for v, t in zip(vals, ts):
            self.values[id(t)] = self.values[id(t.array)] = v
            if self.batch_ref is None and v.dynamic_axes:
                self.batch_ref = (v, v.dynamic_axes[0])
        self._inputs1 = ts

    def _match(self, tape1: Any, tape2: Any, res1: Any, res2: Any) -> None:
        s1, s2 = tape1.steps, tape2.steps
        kinds1 = [_kind(s) for s in s1]
        if kinds1 != [_kind(s) for s in s2] or len(leaves(res1)) != len(leaves(res2)):
            raise RuntimeError(
                f"export_onnx: {self.where!r} ({type(self.module).__name__}) runs other ops on "
                f"{self._other()} ({len(s1)} vs {len(s2)} ops); {self._advice()}"
            )
        for a, b in zip(s1, s2):
            outs2 = b.outputs
            for o1, o2 in zip((*iter_objects(a), *a.outputs), (*iter_objects(b), *outs2)):
                if isinstance(o1, (Tensor, np.ndarray)) and isinstance(o2, (Tensor, np.ndarray)):
                    self.alt[id(o1)] = o2
            if isinstance(a, HookCall):
                self.alt[id(a)] = b.result
            else:
                self._check_numbers(a, b)
                self._check_attrs(a, b)
        for o1, o2 in zip(leaves(res1), leaves(res2)):
            self.alt[id(o1)] = o2
        for t1, t2 in zip(self._inputs1, self._alt_inputs):
            self.alt[id(t1)] = t2

    def _other(self) -> str:
        """What the second trace ran on, for messages."""
        if self.g.dynamic:
            return "a batch of another size"
        return "the example with its samples reordered"

    def _advice(self) -> str:
        if self.g.dynamic:
            return "a graph that depends on the batch size exports only with dynamic_batch=False"
        return "a graph that depends on the input's values cannot be exported"

    def _fail_advice(self) -> str:
        if self.g.dynamic:
            return (
                "if an input's batch is not on axis 0 (a time-major sequence, an (L, N, H) "
                "recurrent state), give batch_axes=; otherwise export with dynamic_batch=False"
            )
        return (
            "a model whose ops depend on the input's values cannot be exported; an input "
            "whose entries must keep their order (embedding_bag offsets, positions into "
            "another input) can be left out of the reordering with batch_axes=[..., None] "
            "(glassnet.io.export_onnx), or by naming only the other inputs in "
            "glassnet.onnx.export's dynamic_axes"
        )

    def _check_numbers(self, a: TracedOp, b: TracedOp) -> None:
        """Numbers an op takes as operands must not change with the input (they would be
        baked into the graph)."""
        for x, y in zip(a.args, b.args):
            if is_number(x) and x != y:
                raise ValueError(
                    f"export_onnx: {self.where!r} ({type(self.module).__name__}) gives "
                    f"{type(a.fn).__name__} a constant of shape () that changes with the input "
                    f"({x} here, {y} on {self._other()}); compute it with tensor ops"
                )

    def _check_attrs(self, a: TracedOp, b: TracedOp) -> None:
        """An op's attributes (slice bounds, pad widths, sizes) must not change with the batch
        or the input's values, unless its converter computes them in the graph."""
        computed = batch_attrs(type(a.fn))
        for key, x in a.attrs.items():
            y = b.attrs.get(key)
            if key in computed or _same_attr(x, y):
                continue
            where = a.scope or self.where
            raise ValueError(
                f"export_onnx: {type(a.fn).__name__} (run by module {where!r}) takes "
                f"{key}={_attr_text(x)} here but {key}={_attr_text(y)} on {self._other()}: the "
                f"attribute is computed from the input's shape or values (x.shape[0] in a "
                f"slice, a pad width), and the graph would hold the example's; "
                f"{self._advice()}"
            )

    def _needed(self, steps: list, outputs: list) -> list:
        """The steps the outputs depend on (walking back from them), in run order."""
        producer: dict[int, int] = {}
        for i, s in enumerate(steps):
            for t in s.outputs:
                producer[id(t)] = producer[id(t.array)] = i
        keep: set[int] = set()
        stack = [producer.get(id(t), producer.get(id(t.array))) for t in outputs]
        stack = [i for i in stack if i is not None]
        while stack:
            i = stack.pop()
            if i in keep:
                continue
            keep.add(i)
            for obj in iter_objects(steps[i]):
                j = producer.get(id(obj))
                if j is None and isinstance(obj, Tensor):  # a tensor around an output's array
                    j = producer.get(id(obj.array))  # (x.detach(), Tensor(y.array))
                if j is not None and j not in keep:
                    stack.append(j)
        return [s for i, s in enumerate(steps) if i in keep]

    def value_of(self, obj: Any) -> OnnxValue:
        """The graph value of a tensor or array an op reads (an input, an op's output, a
        parameter, or a constant added now)."""
        hit = self.values.get(id(obj))
        if hit is None and isinstance(obj, Tensor):
            hit = self.values.get(id(obj.array))  # a tensor made around a value's array
        if hit is not None:
            return hit
        data = obj.array if isinstance(obj, Tensor) else np.asarray(obj)
        name = self.g.state_param(obj)
        if name is None:
            name = self._constant(obj, data)
        alt = self.alt.get(id(obj))
        v = OnnxValue(name, data, None if alt is None else _raw(alt))
        if isinstance(obj, (Tensor, np.ndarray)):
            self.values[id(obj)] = v
        return v

    def _constant(self, obj: Any, data: np.ndarray) -> str:
        alt = self.alt.get(id(obj))
        if alt is not None and _raw(alt).shape != data.shape:
            return self._dynamic_constant(data, _raw(alt))
        if alt is not None and not np.array_equal(
            _raw(alt), data, equal_nan=data.dtype.kind in "fc"
        ):
            raise ValueError(
                f"export_onnx: {self.where!r} ({type(self.module).__name__}) uses a constant of "
                f"shape {data.shape} that changes with the input (an array computed outside "
                f"the ops the trace records: {_UNTRACED}); compute it with tensor ops or pass it "
                f"to the model as an input{self._reader()}"
            )
        # (``ascontiguousarray`` alone would make a 0-d constant 1-D)
        data = np.ascontiguousarray(data).reshape(data.shape)
        return self.g.initializer(data, f"{self.g.scope or 'const'}.const")

    def _dynamic_constant(self, data: np.ndarray, alt: np.ndarray) -> str:
        flat = data.reshape(-1)
        if _arange_like(data, alt):  # ``arange(x.shape[1])``: a Range of the size in the graph
            return self._range(data, alt)
        block = _tile(data, alt)
        if block is not None:  # the same block repeated along the batch: Expand it
            one = self.g.const(block, dtype=data.dtype)
            return self.g.node("Expand", [one, self.shape_of(data.shape, alt.shape)])
        if flat.size == 0 or not (flat == flat[0]).all() or data.ndim != alt.ndim:
            raise ValueError(
                f"export_onnx: {self.where!r} ({type(self.module).__name__}) uses a constant of "
                f"shape {data.shape} whose size follows the batch and whose values vary; build "
                f"it from the input with tensor ops (e.g. zeros_like). Computed from the input's "
                f"values ({_UNTRACED}), it cannot be exported; otherwise export with "
                f"dynamic_batch=False{self._reader()}"
            )
        scalar = self.g.const(flat[:1], dtype=data.dtype)
        return self.g.node("Expand", [scalar, self.shape_of(data.shape, alt.shape)])

    def _reader(self) -> str:
        """`` (read by the op X, run by module 'm')`` for the op being converted, else ``""``."""
        step = getattr(self, "_step", None)
        if step is None:
            return ""
        return f" (read by the op {type(step.fn).__name__}, run by module {step.scope or self.where!r})"

    def _range(self, data: np.ndarray, alt: np.ndarray) -> str:
        """``start + step * [0, 1, ..., n)`` in ``data``'s dtype, ``n`` following the batch."""
        g, dt = self.g, data.dtype
        n = g.node("Squeeze", [self.batch_multiple(data.size, alt.size)])
        count = g.node("Range", [g.const(0), n, g.const(1)])
        start, step = data[0], data[1] - data[0]
        out = count if dt == np.int64 else g.node("Cast", [count], to=g.elem_type(dt))
        if step != 1:
            out = g.node("Mul", [out, g.scalar(step, dt)])
        return out if start == 0 else g.node("Add", [out, g.scalar(start, dt)])

    def shape_of(self, shape: tuple, alt_shape: tuple) -> str:
        """A 1-D int64 shape value: ``shape`` with each size that follows the batch computed."""
        parts, static = [], []
        for n1, n2 in zip(shape, alt_shape):
            if n1 == n2:
                static.append(n1)
                continue
            if static:
                parts.append(self.g.const(static))
                static = []
            parts.append(self.batch_multiple(n1, n2))
        if static:
            parts.append(self.g.const(static))
        return self.g.concat(parts, axis=0) if parts else self.g.const([], dtype=np.int64)

    def batch_multiple(self, n1: int, n2: int) -> str:
        """A 1-element int64 value ``k * batch`` for a size that is ``n1`` at the example batch
        and ``n2`` at the other one."""
        if self.batch_ref is None:
            raise ValueError(
                f"export_onnx: {self.where!r}: a size follows the batch, but no input does"
            )
        ref, axis = self.batch_ref
        b1, b2 = ref.shape[axis], ref.alt.shape[axis]
        k, rem = divmod(n2 - n1, b2 - b1)
        if rem or k * b1 != n1 or k <= 0:
            raise ValueError(
                f"export_onnx: {self.where!r}: a size ({n1} at batch {b1}, {n2} at batch {b2}) is "
                f"not a multiple of the batch; export with dynamic_batch=False"
            )
        if self._batch is None:
            self._batch = self.g.node("Shape", [ref], start=axis, end=axis + 1)
        return self._batch if k == 1 else self.g.node("Mul", [self._batch, self.g.const([k])])

    # -------------------------------------------------------------- steps
    def _convert(self, step: TracedOp | HookCall) -> None:
        if isinstance(step, HookCall):
            self._convert_hook(step)
            return
        cls = type(step.fn)
        convert = function_converter(cls)
        if convert is None:
            raise TypeError(self._no_converter(step, cls))
        self._step = step
        with self.g.named_scope(step.scope):
            names = convert(self.g, OpView(self, step))
        self._step = None
        names = list(names) if isinstance(names, (tuple, list)) else [names]
        if len(names) != len(step.outputs):
            raise TypeError(
                f"export_onnx: the converter of {cls.__name__} returned {len(names)} value(s) "
                f"for {len(step.outputs)} output(s)"
            )
        for n, t in zip(names, step.outputs):
            self._bind(t, _name(n))

    def _bind(self, t: Tensor, name: str) -> None:
        alt = self.alt.get(id(t))
        v = OnnxValue(name, t.array, None if alt is None else _raw(alt))
        self.values[id(t)] = self.values[id(t.array)] = v

    def _no_converter(self, step: TracedOp, cls: type) -> str:
        owner = self.g.module_names
        where = step.scope or self.where
        mod = next((m for m in self.module.modules() if owner.get(id(m)) == step.scope), None)
        mname = type(mod if mod is not None else self.module).__name__
        reason = not_exportable_reason(cls)
        if reason is not None:
            return f"export_onnx: {cls.__name__} (run by module {where!r} ({mname})) {reason}"
        supported = ", ".join(sorted(c.__name__ for c in onnx_function_converters()))
        return (
            f"export_onnx: no ONNX converter for the op {cls.__name__}, run by module {where!r} "
            f"({mname}); supported: {supported}. Give {mname} a method "
            f"to_onnx(self, builder, *inputs), register one with "
            f"glassnet.io.register_onnx_converter({mname}, fn), or register a converter for "
            f"the op with glassnet.io.register_onnx_function({cls.__name__}, fn)"
        )

    def _convert_hook(self, step: HookCall) -> None:
        def val(a: Any) -> Any:
            return self.value_of(a) if isinstance(a, Tensor) else a

        args = _map(val, step.args)
        kwargs = {k: _map(val, v) for k, v in step.kwargs.items()}
        convert = module_converter(step.module)
        out = self.g.run_converter(
            convert, step.module, step.scope, args, kwargs, step.result, self.alt.get(id(step))
        )
        for v, t in zip(_leaves(out, (OnnxValue,)), step.outputs):
            self.values[id(t)] = self.values[id(t.array)] = v

    def _result(self, res: Any) -> Any:
        if isinstance(res, Tensor):
            return self.value_of(res)
        if isinstance(res, (tuple, list)):
            return tuple(self._result(r) for r in res)
        if isinstance(res, dict):  # flattened in order, as torch.onnx does
            return tuple(self._result(r) for r in res.values())
        return res


def _same_attr(x: Any, y: Any) -> bool:
    """Equal attributes, arrays and tensors aside (those are values, checked as constants)."""
    if isinstance(x, (Tensor, np.ndarray)) or isinstance(y, (Tensor, np.ndarray)):
        return True
    if isinstance(x, (tuple, list)) and isinstance(y, (tuple, list)):
        return len(x) == len(y) and all(_same_attr(p, q) for p, q in zip(x, y))
    if isinstance(x, dict) and isinstance(y, dict):
        return x.keys() == y.keys() and all(_same_attr(x[k], y[k]) for k in x)
    try:
        return bool(x == y) or (x != x and y != y)  # NaN equals NaN here
    except (TypeError, ValueError):
        return x is y


def _attr_text(x: Any) -> str:
    text = repr(x)
    return text if len(text) <= 80 else text[:77] + "..."


def _kind(step: TracedOp | HookCall) -> Any:
    return type(step.fn) if isinstance(step, TracedOp) else id(step.module)


def _raw(x: Any) -> np.ndarray:
    return x.array if isinstance(x, Tensor) else np.asarray(x)


# ---------------------------------------------------------------- what a converter sees
class OpView:
    """One traced op as its converter sees it.

    Attributes
    ----------
    fn : Function
        The op's Function instance (read its public attributes only).
    attrs : dict
        The op's keyword attributes, as the op received them.
    n_inputs : int
        The number of positional arguments.
    """

    def __init__(self, conv: _Conversion, step: TracedOp) -> None:
        self._conv = conv
        self._step = step
        self.fn = step.fn
        self.attrs = step.attrs
        self.n_inputs = len(step.args)

    def arg(self, i: int) -> Any:
        """The raw positional argument ``i`` (a tensor, ``None`` or a constant)."""
        return self._step.args[i]

    def value(self, i: int) -> OnnxValue | None:
        """Positional argument ``i`` as a graph value (``None`` where the op got ``None``)."""
        a = self._step.args[i]
        return None if a is None else self._conv.value_of(a)

    def input(self, i: int, dtype: Any = None) -> str:
        """The value name of positional argument ``i`` (``""`` for ``None``), optionally as ``dtype``."""
        return self.name_of(self._step.args[i], dtype)

    def name_of(self, obj: Any, dtype: Any = None) -> str:
        """The value name of any tensor, array or number the op read (``""`` for ``None``).

        With ``dtype``, a number or constant is made in that dtype and a graph value of
        another dtype is cast.
        """
        if obj is None:
            return ""
        if dtype is not None and not isinstance(obj, (Tensor, np.ndarray)):
            return self._conv.g.const(obj, dtype=dtype)
        v = self._conv.value_of(obj)
        if dtype is None or v.dtype == np.dtype(dtype):
            return v.name
        return self._conv.g.node("Cast", [v], to=self._conv.g.elem_type(dtype))

    def shape(self, i: int) -> tuple[int, ...]:
        return tuple(_raw(self._step.args[i]).shape)

    def out(self, k: int = 0) -> np.ndarray:
        """The example value of output ``k``."""
        return self._step.outputs[k].array

    def out_dynamic_axes(self, k: int = 0) -> tuple[int, ...]:
        """The axes of output ``k`` whose size follows the batch."""
        t = self._step.outputs[k]
        alt = self._conv.alt.get(id(t))
        if alt is None:
            return ()
        return tuple(i for i, (a, b) in enumerate(zip(t.shape, _raw(alt).shape)) if a != b)

    def dynamic_shape(self, k: int = 0) -> str:
        """Output ``k``'s shape as a 1-D int64 value, sizes that follow the batch computed."""
        t = self._step.outputs[k]
        alt = self._conv.alt.get(id(t))
        shape = tuple(t.shape)
        return self._conv.shape_of(shape, shape if alt is None else tuple(_raw(alt).shape))
