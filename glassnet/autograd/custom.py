"""User-defined autograd Functions in PyTorch's form, on top of the array-level engine.

A subclass of :class:`~glassnet.autograd.Function` whose ``forward`` is a
``@staticmethod`` is a Function in PyTorch's form::

    class Exp(glassnet.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, grad):
            (y,) = ctx.saved_tensors
            return grad * y

``Exp.apply(x)`` runs ``forward`` on Tensors with gradient recording off,
then connects its outputs to one node of the graph. When ``backward()``
reaches that node, :class:`CustomNode` wraps the incoming gradient arrays as
Tensors, calls the user's ``backward`` (recording off again) and hands the
returned gradients, as arrays, back to the engine. So the engine sees an
ordinary node and un-broadcasts and accumulates as for any op.

The context (:class:`FunctionCtx`) and the graph node are two objects, so any
attribute a user puts on ``ctx`` is safe from the engine's own bookkeeping.

Rules taken from PyTorch:

* ``backward`` returns one gradient per positional argument of ``apply``
  (a single value when there is one argument); extra trailing ``None`` are
  allowed, too few is an error naming the Function. Keyword arguments are
  constants and get no gradient.
* A gradient for an argument that is not a Tensor must be ``None``.
* A gradient's shape must broadcast from the input's shape; its dtype is
  converted to the input's.
* Outputs that are not floating, or that ``ctx.mark_non_differentiable``
  names, do not require grad. Non-Tensor outputs are returned as they are and
  get ``None`` as their gradient.
* ``ctx.saved_tensors`` raises PyTorch's "modified by an inplace operation"
  error when a saved tensor changed in place since it was saved.

With ``create_graph=True`` the user's ``backward`` runs with recording on, on gradient
Tensors (:meth:`CustomNode.backward_graph`), so a backward written in Tensor ops is
differentiable again; one decorated with ``@once_differentiable`` is refused there.

Not supported (each raises ``NotImplementedError`` naming it): ``ctx.mark_dirty``
(in-place forward), ``jvp``/``vmap``.
"""

from __future__ import annotations

import functools
import inspect
import weakref
from collections.abc import Callable
from typing import Any

from ..tensor import Tensor
from . import grad_mode, tracing

__all__ = ["CustomNode", "FunctionCtx", "apply_torch_form", "is_torch_form", "once_differentiable"]


def is_torch_form(cls: type) -> bool:
    """Is ``cls`` a Function in PyTorch's form (``forward`` is a ``staticmethod``)?"""
    return isinstance(inspect.getattr_static(cls, "forward", None), staticmethod)


class FunctionCtx:
    """The ``ctx`` a Function in PyTorch's form receives in ``forward`` and ``backward``.

    Any attribute may be set on it in ``forward`` and read in ``backward``.

    Attributes
    ----------
    needs_input_grad : tuple of bool
        One flag per positional argument of ``apply``: does it need a gradient?
    materialize_grads : bool
        Whether ``backward`` gets zeros (True, the default) or ``None`` for
        outputs that received no gradient.
    """

    def __init__(self, name: str, needs_input_grad: tuple[bool, ...]) -> None:
        self._name = name
        self.needs_input_grad = needs_input_grad
        self.materialize_grads = True
        self._saved: tuple = ()
        self._saved_versions: tuple = ()
        self._non_differentiable: set[int] = set()

    def save_for_backward(self, *tensors: Tensor | None) -> None:
        """Keep ``tensors`` (Tensors or ``None``) for ``backward``, as ``ctx.saved_tensors``."""
        for i, t in enumerate(tensors):
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(
                    f"save_for_backward can only save tensors or None, but argument {i} "
                    f"is of type {type(t).__name__} ({self._name}; keep other values as "
                    "attributes of ctx)"
                )
        self._saved = tensors
        self._saved_versions = tuple(None if t is None else t._version for t in tensors)

    @property
    def saved_tensors(self) -> tuple:
        """The tensors given to :meth:`save_for_backward`, checked against in-place changes.

        Raises
        ------
        RuntimeError
            When a saved tensor was changed in place after it was saved.
        """
        for i, (t, v) in enumerate(zip(self._saved, self._saved_versions)):
            if t is not None and t._version != v:
                raise RuntimeError(
                    "one of the variables needed for gradient computation has been modified "
                    f"by an inplace operation: [{t.dtype} tensor of shape {tuple(t.shape)}], "
                    f"saved tensor {i} of {self._name}, is at version {t._version}; expected "
                    f"version {v} instead"
                )
        return self._saved

    @property
    def saved_variables(self) -> tuple:
        """Old name of :attr:`saved_tensors`."""
        return self.saved_tensors

    def mark_non_differentiable(self, *tensors: Tensor) -> None:
        """Say that the outputs ``tensors`` need no gradient (indices, masks)."""
        self._non_differentiable.update(id(t) for t in tensors)

    def set_materialize_grads(self, value: bool) -> None:
        """Give ``backward`` ``None`` instead of zeros for outputs without a gradient (``False``)."""
        self.materialize_grads = bool(value)

    def mark_dirty(self, *tensors: Tensor) -> None:
        """Not supported: a Function that changes its inputs in place."""
        raise NotImplementedError(
            f"{self._name}: ctx.mark_dirty (a custom Function changing its inputs in place) "
            "is not supported by glassnet; return a new tensor from forward instead"
        )


class CustomNode:
    """The graph node of one call of a Function in PyTorch's form.

    Holds what the engine reads (``inputs``, ``needs_input_grad``,
    ``n_outputs``, ``out_meta``) and the user's ``ctx``; its :meth:`backward`
    takes and returns arrays, as every node's does.
    """

    def __init__(self, fn: type, ctx: FunctionCtx, inputs: tuple, outputs: tuple) -> None:
        self.fn = fn
        self.ctx = ctx
        self.inputs = inputs
        self.needs_input_grad = ctx.needs_input_grad
        self.n_outputs = len(outputs)
        # non-Tensor outputs get a 0-d placeholder here; backward hands them None
        self.out_meta = tuple(
            (o.shape, o.dtype) if isinstance(o, Tensor) else ((), "float64") for o in outputs
        )
        self.tensor_out = tuple(isinstance(o, Tensor) for o in outputs)
        self.got_grad = tuple(_differentiable(o, ctx) for o in outputs)
        # read by the engine: without materialized grads, outputs no gradient reached get None
        self.materialize_grads = ctx.materialize_grads
        # read by the engine: an output changed in place matters only if it was saved,
        # which ctx.saved_tensors checks itself (PyTorch's rule)
        self.checks_saved_versions = True

    def backward(self, *grads: Any) -> tuple:
        """Run the user's ``backward`` on Tensors; one gradient array (or None) per input."""
        ctx = self.ctx
        args = []
        for g, is_tensor, diff in zip(grads, self.tensor_out, self.got_grad):
            if g is None or not is_tensor or (not diff and not ctx.materialize_grads):
                args.append(None)
            else:
                args.append(Tensor._make(g, False, None, 0))
        with grad_mode.no_grad():
            result = _backward_of(self.fn)(ctx, *args)
        result = result if isinstance(result, tuple) else (result,)
        return self._check(result)

    def backward_graph(self, *grads: Any) -> tuple:
        """``create_graph=True``: the user's ``backward`` run on gradient Tensors with
        recording on (the pass enables it), so the gradients it returns carry a graph."""
        backward = _backward_of(self.fn)
        if getattr(backward, "_once_differentiable", False):
            raise RuntimeError(
                f"{self.fn.__name__}Backward: its backward is decorated with "
                "@once_differentiable, so it cannot be differentiated again (create_graph=True)"
            )
        ctx = self.ctx
        args = [
            None if g is None or not is_tensor or (not diff and not ctx.materialize_grads) else g
            for g, is_tensor, diff in zip(grads, self.tensor_out, self.got_grad)
        ]
        result = backward(ctx, *args)
        result = result if isinstance(result, tuple) else (result,)
        return self._check(result, tensors=True)

    def _check(self, result: tuple, tensors: bool = False) -> tuple:
        """PyTorch's checks on what ``backward`` returned, and the arrays for the engine
        (the Tensors, in the input's dtype, with ``tensors``)."""
        name = f"{self.fn.__name__}Backward"
        n = len(self.inputs)
        if len(result) > n and all(g is None for g in result[n:]):
            result = result[:n]
        if len(result) != n:
            raise RuntimeError(
                f"function {name} returned an incorrect number of gradients "
                f"(expected {n}, got {len(result)})"
            )
        out = []
        for i, (g, inp) in enumerate(zip(result, self.inputs)):
            if g is None:
                out.append(None)
                continue
            if inp is None:
                raise RuntimeError(
                    f"function {name} returned a gradient different than None at position "
                    f"{i + 1}, but the corresponding forward input was not a Tensor"
                )
            if not isinstance(g, Tensor):
                raise RuntimeError(
                    f"function {name}: expected a Tensor or None as gradient {i}, "
                    f"got {type(g).__name__}"
                )
            fitted = _fit(g.array, inp, name, i)
            out.append((g if g.dtype == inp.dtype else g.to(inp.dtype)) if tensors else fitted)
        return tuple(out)

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"

    def name(self) -> str:
        """``grad_fn.name()``: the Function's class name + ``Backward``, as torch's (read from
        the node's class, so that it survives the node being freed by ``backward()``)."""
        return type(self).__name__


_NODE_TYPES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _node_type(fn: type) -> type:
    """The node class of Function ``fn``: a :class:`CustomNode` named ``<fn>Backward``, as
    torch names ``type(y.grad_fn)`` (one per Function class, kept while the class lives)."""
    node_type = _NODE_TYPES.get(fn)
    if node_type is None:
        node_type = _NODE_TYPES[fn] = type(f"{fn.__name__}Backward", (CustomNode,), {})
    return node_type


def _backward_of(fn: type) -> Callable[..., Any]:
    """``fn.backward``, or ``fn.vjp`` (PyTorch's other name for it), as a static method."""
    for name in ("backward", "vjp"):
        if isinstance(inspect.getattr_static(fn, name, None), staticmethod):
            return getattr(fn, name)
    raise NotImplementedError(
        f"{fn.__name__}: you must implement backward (or vjp) as a @staticmethod "
        "backward(ctx, *grads) for this custom autograd Function to be differentiated"
    )


def _fit(g: Any, inp: Tensor, name: str, i: int) -> Any:
    """Gradient array ``g`` checked against input ``inp``'s shape and cast to its dtype."""
    shape = tuple(inp.shape)
    gshape = tuple(g.shape)
    ok = len(gshape) >= len(shape) and all(
        s == 1 or s == d for s, d in zip(shape[::-1], gshape[::-1])
    )
    if not ok:
        raise RuntimeError(
            f"Function {name} returned an invalid gradient at index {i} - got {list(gshape)} "
            f"but expected shape compatible with {list(shape)}"
        )
    if g.dtype != inp.dtype:
        g = g.astype(inp.dtype)
    return g


def _differentiable(o: Any, ctx: FunctionCtx) -> bool:
    return isinstance(o, Tensor) and o.dtype.kind == "f" and id(o) not in ctx._non_differentiable


def _run_forward(cls: type, ctx: FunctionCtx, args: tuple, kwargs: dict) -> Any:
    """``forward(ctx, ...)``, or ``forward(...)`` then ``setup_context(ctx, inputs, output)``."""
    setup = inspect.getattr_static(cls, "setup_context", None)
    if isinstance(setup, staticmethod):
        out = cls.forward(*args, **kwargs)
        cls.setup_context(ctx, args, out)
        return out
    return cls.forward(ctx, *args, **kwargs)


def _attach(o: Any, node: CustomNode, index: int, inputs: tuple, diff: bool) -> Any:
    """Output ``o`` of forward connected to ``node`` (a new Tensor when it is an input or leaf)."""
    if not isinstance(o, Tensor):
        return o
    if not diff:
        if o.requires_grad:  # an input or outside tensor returned as it is
            return Tensor._make(o.array, False, None, 0)
        return o
    if any(o is t for t in inputs) or o.requires_grad or o._ctx is not None:
        # an input (or another tensor with a graph of its own) returned as it is:
        # the caller gets a new tensor sharing its memory, as PyTorch returns a view
        return Tensor._make(o.array, True, node, index)
    o._ctx, o._index, o.requires_grad = node, index, True
    return o


def apply_torch_form(cls: type, args: tuple, kwargs: dict) -> Any:
    """``cls.apply(*args, **kwargs)`` for a Function in PyTorch's form.

    Returns
    -------
    Any
        What ``forward`` returned, its Tensors connected to the graph when a
        gradient is needed.
    """
    if tracing.current() is not None:  # an exporter traces the ops forward is made of
        ctx = FunctionCtx(f"{cls.__name__}Backward", (False,) * len(args))
        return _run_forward(cls, ctx, args, kwargs)
    needs = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
    record = any(needs) and grad_mode.is_grad_enabled()
    ctx = FunctionCtx(f"{cls.__name__}Backward", needs if record else (False,) * len(args))
    with grad_mode.no_grad():
        out = _run_forward(cls, ctx, args, kwargs)
    if not record:
        return out
    multi = isinstance(out, tuple)
    outs = out if multi else (out,)
    inputs = tuple(a if isinstance(a, Tensor) else None for a in args)
    node = _node_type(cls)(cls, ctx, inputs, outs)
    outs = tuple(
        _attach(o, node, i, inputs, diff) for i, (o, diff) in enumerate(zip(outs, node.got_grad))
    )
    return outs if multi else outs[0]


def once_differentiable(backward: Callable[..., Any]) -> Callable[..., Any]:
    """Decorate a ``backward`` that is not itself differentiable (PyTorch's decorator).

    The decorated ``backward`` runs with gradient recording off, and a
    ``create_graph=True`` pass through it is refused (``RuntimeError``), as in PyTorch.
    """

    @functools.wraps(backward)
    def wrapper(ctx: Any, *grads: Any) -> Any:
        with grad_mode.no_grad():
            return backward(ctx, *grads)

    wrapper._once_differentiable = True  # create_graph=True refuses to differentiate it
    return wrapper
