"""Backward passes that are themselves differentiable: ``create_graph=True``.

The array engine (:mod:`glassnet.autograd.engine`) computes gradients on raw
arrays, outside any graph: fast, and all a first derivative needs. Higher-order
gradients (a gradient penalty, a PDE residual ``u_xx``, second-order MAML, a
Hessian-vector product) differentiate the backward pass itself, so its
gradients must be Tensors recorded in a graph of their own. This module runs
that pass; the engine hands ``backward(create_graph=True)`` and
``grad(create_graph=True)`` to it and is otherwise untouched.

The pass visits the same nodes in the same order as the engine (its
:func:`~glassnet.autograd.engine.plan`), but the gradients it carries are
Tensors and, at each node, it calls the op's *differentiable backward*::

    def backward_graph(self, *grads: Tensor) -> Tensor | None | tuple[Tensor | None, ...]

a method of the op's :class:`~glassnet.autograd.Function` subclass, next to
its ``backward``. It receives one gradient Tensor per output and returns one per
positional input (``None`` where ``self.needs_input_grad[i]`` is false), built
from glassnet Tensor ops on the node's saved input Tensors (``self.inputs``;
constants the op ran on are in ``self.edge_arrays``) and on what ``forward``
saved that is constant under differentiation (masks, shapes, indices). Since
every step is a recorded op, the result can be differentiated again, to any
order. Un-broadcasting is done here with Tensor ops, so it is differentiable too.

A node whose op has no ``backward_graph`` stops the pass with a
``NotImplementedError`` naming the op and listing those that have one.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

from . import engine
from . import hooks as _hooks
from .function import Function
from .grad_mode import enable_grad

__all__ = ["backward", "grad", "supported_ops", "unbroadcast"]


def unbroadcast(g: Any, shape: tuple[int, ...]) -> Any:
    """Tensor ``g`` summed down to ``shape`` with recorded ops (the engine's
    :func:`~glassnet.autograd.engine.unbroadcast`, differentiable).

    Parameters
    ----------
    g : Tensor
        Gradient with the broadcast (output) shape.
    shape : tuple of int
        The shape of the input that was broadcast.

    Returns
    -------
    Tensor, shape ``shape``
    """
    if tuple(g.shape) == tuple(shape):
        return g
    extra = g.ndim - len(shape)
    if extra > 0:
        g = g.sum(dim=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    if axes:
        g = g.sum(dim=axes, keepdim=True)
    if tuple(g.shape) != tuple(shape):
        g = g.reshape(tuple(shape))
    return g


def _all_subclasses(cls: type) -> list:
    found, todo = [], [cls]
    while todo:
        for sub in todo.pop().__subclasses__():
            found.append(sub)
            todo.append(sub)
    return found


def supported_ops() -> list[str]:
    """Names of the ops whose backward is differentiable (they define ``backward_graph``)."""
    names = {c.__name__ for c in _all_subclasses(Function) if "backward_graph" in vars(c)}
    return sorted(names)


def _refuse(who: str, node: Any) -> None:
    cls = type(node)
    raise NotImplementedError(
        f"{who}(create_graph=True): {cls.__name__} (glassnet op {cls.__module__}."
        f"{cls.__qualname__}) has no differentiable backward yet, so its gradient cannot be "
        f"differentiated again; supported: {', '.join(supported_ops())}. Compute this part "
        "without create_graph, or write it with supported ops"
    )


def _as_ran(node: Any) -> tuple | None:
    """The node's inputs as the op ran on them, where an in-place change inside the graph
    has since replaced an input tensor's value and node (``None`` when none was): a new
    Tensor on the op's own array, connected to the node that made it, so the differentiable
    backward sees the original value and its graph."""
    edges = node.__dict__.get("edges")
    if edges is None:
        return None
    arrays = node.__dict__.get("edge_arrays") or (None,) * len(edges)
    inputs, changed = list(node.inputs), False
    for i, (inp, edge, array) in enumerate(zip(node.inputs, edges, arrays)):
        if inp is None or edge is None or edge == (inp._ctx, inp._index):
            continue
        # edge[0] None: the op ran on a tensor outside the graph, a constant for it
        inputs[i] = inp._make(array, edge[0] is not None, edge[0], edge[1])
        changed = True
    return tuple(inputs) if changed else None


def _node_backward(who: str, node: Any, grads: list, needs: tuple) -> tuple:
    """One node's differentiable backward: one gradient Tensor (or None) per input."""
    if getattr(type(node), "backward_graph", None) is None:
        _refuse(who, node)
    engine._check_unchanged(node)
    as_ran = _as_ran(node)
    if node.n_outputs > 1 and node.__dict__.get("materialize_grads", True):
        like = next(g for g in grads if g is not None)
        grads = [
            like._make(like.xp.zeros(shape, dtype=dtype), False, None, 0) if g is None else g
            for g, (shape, dtype) in zip(grads, node.out_meta)
        ]
    runner = node if needs == node.needs_input_grad else engine._asking_for(node, needs)
    if as_ran is not None:
        runner = engine._asking_for(node, needs)
        runner.inputs = as_ran
    with enable_grad():
        result = runner.backward_graph(*grads)
    if type(result) is not tuple:
        result = (result,)
    if len(result) != len(node.inputs):
        raise RuntimeError(
            f"{type(node).__name__}.backward_graph returned {len(result)} gradients "
            f"for {len(node.inputs)} inputs"
        )
    return result


class _Pass:
    """The state of one differentiable backward pass: gradients waiting at nodes, and the
    leaves' (or requested tensors') summed gradients."""

    def __init__(self, targets: Sequence[Any] | None) -> None:
        self.pending: dict[int, list] = {}
        self.leaves: dict[int, tuple[Any, Any]] = {}
        self.target_ids = None if targets is None else {id(t) for t in targets}
        self.at_node = {
            (id(t._ctx), t._index): t for t in (targets or ()) if t._ctx is not None
        }

    def add(self, t: Any, g: Any, parent: tuple | None = None) -> None:
        if g.dtype != t.dtype:
            g = g.to(t.dtype)
        node, index = parent if parent is not None else (t._ctx, t._index)
        if node is None:
            if self.target_ids is None or id(t) in self.target_ids:
                prev = self.leaves.get(id(t))
                self.leaves[id(t)] = (t, g if prev is None else prev[1] + g)
            return
        slot = self.pending.setdefault(id(node), [None] * node.n_outputs)
        slot[index] = g if slot[index] is None else slot[index] + g

    def reached(self, node: Any, grads: list) -> None:
        """Record gradients of non-leaf targets (``grad``) or of ``retain_grad`` tensors."""
        for i, g in enumerate(grads):
            t = self.at_node.get((id(node), i))
            if t is not None and g is not None:
                self.leaves[id(t)] = (t, g)
        if self.target_ids is None:
            retained = node.__dict__.get("retained") or {}
            for i, ref in retained.items():
                out = ref()
                if out is not None and grads[i] is not None:
                    out.grad = grads[i] if out.grad is None else out.grad + grads[i]


def _through_hooks(hooks: dict, g: Any) -> Any:
    """Gradient Tensor ``g`` passed through tensor hooks (``register_hook``): each gets the
    Tensor itself, with its graph, and may return a replacement."""
    for hook in list(hooks.values()):
        out = hook(g)
        if out is not None:
            if tuple(out.shape) != tuple(g.shape):
                raise ValueError(
                    f"register_hook: the hook {getattr(hook, '__name__', hook)!r} returned a "
                    f"gradient of shape {tuple(out.shape)}, expected {tuple(g.shape)}"
                )
            g = out
    return g


def _run_node_hooks(node: Any, grads: list) -> None:
    for i, hooks in (_hooks.node_hooks(node) or {}).items():
        if hooks and grads[i] is not None:
            grads[i] = _through_hooks(hooks, grads[i])


def _seed(t: Any, g: Any) -> Any:
    """The starting gradient Tensor of output ``t`` (a given Tensor keeps its graph)."""
    if engine._is_tensor(g):
        if tuple(g.shape) != tuple(t.shape):
            raise ValueError(
                f"backward: gradient has shape {tuple(g.shape)}, expected the output's shape "
                f"{tuple(t.shape)}"
            )
        return g if g.dtype == t.dtype else g.to(t.dtype)
    return t._make(engine._seed_grad(t, g), False, None, 0)


def _run(
    who: str,
    outputs: Sequence[Any],
    grad_outputs: Sequence[Any],
    retain_graph: bool,
    targets: Sequence[Any] | None,
) -> _Pass:
    """Seed, plan and visit every planned node once, with Tensor gradients."""
    for t in outputs:
        if not t.requires_grad:
            engine._seed_grad(t, None)  # raises its error: no graph
    seeds = [_seed(t, g) for t, g in zip(outputs, grad_outputs)]
    the_plan = engine.plan(outputs, targets)
    state = _Pass(targets)
    for t, g in zip(outputs, seeds):
        state.add(t, g)
    for node in the_plan.order:
        grads = state.pending.pop(id(node), None)
        if grads is None:
            continue
        _run_node_hooks(node, grads)
        state.reached(node, grads)
        needs = the_plan.needs_of(node)
        result = None if needs is None else _node_backward(who, node, grads, needs)
        node_inputs, parents = node.inputs, engine._parents(node)
        if not retain_graph:
            node.__dict__.clear()
        if result is None:
            continue
        for inp, parent, need, g in zip(node_inputs, parents, needs, result):
            if need and g is not None:
                state.add(inp, unbroadcast(g, tuple(inp.shape)), parent)
    for key, (t, g) in state.leaves.items():
        hooks = _hooks.leaf_hooks(t) if t._ctx is None else None
        if hooks:
            state.leaves[key] = (t, _through_hooks(hooks, g))
    return state


def backward(
    outputs: Sequence[Any], grad_outputs: Sequence[Any], retain_graph: bool, inputs: Any
) -> None:
    """``backward(create_graph=True)``: accumulate gradient Tensors that carry a graph into
    the leaves' ``.grad`` (or only into ``inputs``' ``.grad``)."""
    state = _run("backward", outputs, grad_outputs, retain_graph, inputs)
    for t, g in state.leaves.values():
        t.grad = g.contiguous() if t.grad is None else t.grad + g
        for hook in list((_hooks.post_accumulate_hooks(t) or {}).values()):
            hook(t)


def grad(
    outputs: Sequence[Any],
    inputs: Sequence[Any],
    grad_outputs: Sequence[Any],
    retain_graph: bool,
    allow_unused: bool,
) -> tuple:
    """``autograd.grad(create_graph=True)``: one gradient Tensor with a graph per input."""
    state = _run("grad", outputs, grad_outputs, retain_graph, inputs)
    result = []
    for i, t in enumerate(inputs):
        found = state.leaves.get(id(t))
        if found is None and not allow_unused:
            raise RuntimeError(
                f"grad: input {i} (shape {tuple(t.shape)}) is not used to compute the "
                "outputs; pass allow_unused=True to get None for it"
            )
        # contiguous, as torch's (a gradient made by slicing is a strided view here)
        result.append(None if found is None else found[1].contiguous())
    return tuple(result)


engine._create_graph.runner = sys.modules[__name__]
