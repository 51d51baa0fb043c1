"""Reverse-mode differentiation over the recorded graph: plan, then execute.

A backward pass has two steps.

1. :func:`plan` looks at the graph and decides, without running or changing
   anything: the order of the nodes (reverse topological, computed
   iteratively, never by recursion) and, for each node whose backward will
   run, which of its inputs get a gradient. For ``backward()`` that is what
   each node recorded (``needs_input_grad``); for ``autograd.grad()`` only the
   inputs that lead to the requested tensors, so a layer's weight gradient is
   not computed when only its input's is asked for.
2. The nodes run in that order. :func:`backprop_node` calls one node's
   ``backward`` with the summed gradients of its outputs (zeros for outputs
   that took part in nothing). The engine sums each returned gradient down to
   its input's shape (un-broadcasting) and adds it to what that input already
   received. After a node's backward has run, its saved arrays and its
   references to its inputs are dropped (unless ``retain_graph``), so
   intermediates are garbage as soon as nothing else holds them.

``backward()`` and ``autograd.grad()`` differ only in where the gradients that
reach the graph's ends go: into the leaves' ``.grad`` (and the ``.grad`` of
non-leaf tensors that asked for it with ``retain_grad()``), or into the tuple
``grad()`` returns, touching no ``.grad``. A node is never modified by the
engine except to free it: when the plan asks for fewer input gradients than a
node recorded, its backward runs on a shallow copy that says so.

Aliasing rule: a gradient array handed to a leaf's ``.grad`` never shares
memory with another leaf's gradient, so in-place updates of ``.grad``
(clipping, weight decay) are safe. Arrays the engine did not allocate are
never modified in place.

The engine works on any tensor type with ``data``, ``requires_grad``,
``grad``, ``_ctx`` and ``_index`` (and a ``_make`` constructor); it does not
import :mod:`glassnet.tensor`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..backend import get_array_module
from . import anomaly
from . import hooks as _hooks

__all__ = ["Plan", "backprop_node", "backward", "grad", "plan", "unbroadcast"]


def unbroadcast(grad: Any, shape: tuple[int, ...]) -> Any:
    """Sum ``grad`` down to ``shape``, undoing NumPy broadcasting.

    Parameters
    ----------
    grad : ndarray
        Gradient with the broadcast (output) shape.
    shape : tuple of int
        The shape of the input that was broadcast.

    Returns
    -------
    ndarray
        Gradient of shape ``shape``.
    """
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra > 0:
        grad = grad.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    if grad.shape != shape:
        grad = grad.reshape(shape)
    return grad


# ----------------------------------------------------------------------------- the plan
@dataclass(frozen=True)
class Plan:
    """What a backward pass will do, decided before any gradient is computed.

    Attributes
    ----------
    order : tuple of Function
        Every node reachable from the outputs, consumers before producers:
        the order the nodes are visited in.
    needs : dict of int to tuple of bool
        For each node whose backward runs (keyed by ``id(node)``; ``order``
        keeps the nodes alive), which of its positional inputs get a
        gradient. A visited node that is not a key is only freed.
    """

    order: tuple
    needs: dict

    def needs_of(self, node: Any) -> tuple | None:
        """Which inputs of ``node`` get a gradient; ``None`` when its backward does not run."""
        return self.needs.get(id(node))


def _alive_inputs(node: Any) -> tuple:
    inputs = node.__dict__.get("inputs")
    if inputs is None:
        raise RuntimeError(
            "backward: trying to backward through the graph a second time "
            "(its saved arrays were freed after the first backward); "
            "pass retain_graph=True to the first backward() if you need this"
        )
    return inputs


def _parents(node: Any) -> tuple:
    """Per input of ``node``: ``(node that made it, output index)`` when the op ran, or
    ``None`` for a constant. An op's recorded edges win over the input tensor's current
    node, which an in-place change inside the graph has replaced since."""
    edges = node.__dict__.get("edges")
    if edges is not None:
        return edges
    inputs = _alive_inputs(node)  # a custom Function's node, or a freed graph (raises)
    return tuple(None if t is None else (t._ctx, t._index) for t in inputs)


def _toposort(roots: Sequence[Any]) -> list:
    """Nodes reachable from the nodes ``roots`` in post-order (inputs before consumers).

    Iterative depth-first search: a graph thousands of nodes deep needs no recursion.
    Raises ``RuntimeError`` when a reachable node was already freed by a backward pass.
    """
    order: list = []
    seen: set[int] = set()
    stack: list = [(r, False) for r in reversed(roots)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        for parent in _parents(node):
            if parent is not None and parent[0] is not None and id(parent[0]) not in seen:
                stack.append((parent[0], False))
    return order


def _needs_toward(inputs_first: list, targets: Sequence[Any]) -> dict:
    """For each node with a path to one of ``targets``, the inputs on such a path.

    A non-leaf target is found by its node and output index, not by identity: an op may
    have recorded a second tensor of the same node as its input (``glassnet/_views.py``).
    """
    target_ids = {id(t) for t in targets}
    target_outputs = {(id(t._ctx), t._index) for t in targets if t._ctx is not None}
    needs: dict = {}
    for node in inputs_first:
        mask = tuple(
            bool(need)
            and inp is not None
            and (
                id(inp) in target_ids
                or (par[0] is not None and (id(par[0]), par[1]) in target_outputs)
                or (par[0] is not None and id(par[0]) in needs)
            )
            for inp, par, need in zip(node.inputs, _parents(node), node.needs_input_grad)
        )
        if any(mask):
            needs[id(node)] = mask
    return needs


def plan(outputs: Sequence[Any], inputs: Sequence[Any] | None = None) -> Plan:
    """Decide the order and the gradients of a backward pass from ``outputs``.

    Reads the graph only: no node is modified.

    Parameters
    ----------
    outputs : sequence of Tensor
        The tensors differentiated (their graphs must not have been freed).
    inputs : sequence of Tensor, optional
        The tensors whose gradients are wanted (``autograd.grad``). ``None``
        (``backward()``): every input each node recorded as needing one.

    Returns
    -------
    Plan
    """
    inputs_first = _toposort([t._ctx for t in outputs if t._ctx is not None])
    if inputs is None:
        needs = {id(node): node.needs_input_grad for node in inputs_first}
    else:
        needs = _needs_toward(inputs_first, inputs)
    return Plan(order=tuple(reversed(inputs_first)), needs=needs)


# ------------------------------------------------------------------------ execution
def backprop_node(node: Any, grads: list, needs: tuple) -> tuple:
    """Run one node's backward; one gradient (or ``None``) per positional input.

    Parameters
    ----------
    node : Function
    grads : list of ndarray or None
        The summed gradient of each output; ``None`` where an output took part in
        nothing (it is given zeros of that output's shape, unless the node has
        ``materialize_grads`` false).
    needs : tuple of bool
        Which inputs need a gradient. When it differs from what the node recorded,
        ``backward`` runs on a shallow copy of the node that says so; the node itself
        is left as it was.
    """
    _check_unchanged(node)
    materialize = node.__dict__.get("materialize_grads", True)
    if node.n_outputs > 1 and materialize and any(g is None for g in grads):
        xp = get_array_module(*[g for g in grads if g is not None])
        grads = [
            xp.zeros(shape, dtype=dtype) if g is None else g
            for g, (shape, dtype) in zip(grads, node.out_meta)
        ]
    runner = node if needs == node.needs_input_grad else _asking_for(node, needs)
    result = runner.backward(*grads)
    if type(result) is not tuple:
        result = (result,)
    if len(result) != len(node.inputs):
        raise RuntimeError(
            f"{type(node).__name__}.backward returned {len(result)} gradients "
            f"for {len(node.inputs)} inputs"
        )
    if anomaly._state["enabled"]:
        anomaly.check(node, result)
    return result


def _check_unchanged(node: Any) -> None:
    """PyTorch's error when an input or output of ``node`` changed in place after it ran.

    Raises
    ------
    RuntimeError
        Naming the tensor's shape and its versions, as torch does.
    """
    versions = node.__dict__.get("versions")
    if versions is not None:
        ran_on = node.__dict__.get("edge_arrays") or (None,) * len(versions)
        for inp, v, array in zip(node.inputs, versions, ran_on):
            if inp is not None and array is not None and inp.array is not array:
                continue  # changed inside the graph: a new array, the op's is intact
            if inp is not None and inp._version != v:
                raise RuntimeError(
                    "one of the variables needed for gradient computation has been modified "
                    f"by an inplace operation: [{inp.dtype} tensor of shape {tuple(inp.shape)}] "
                    f"is at version {inp._version}; expected version {v} instead "
                    f"(input of {type(node).__name__})"
                )
    if node.__dict__.get("output_modified") and not node.__dict__.get("checks_saved_versions"):
        raise RuntimeError(
            "one of the variables needed for gradient computation has been modified by an "
            f"inplace operation: the output of {type(node).__name__} was changed in place "
            "after it was computed"
        )


def _asking_for(node: Any, needs: tuple) -> Any:
    """A shallow copy of ``node`` (same saved arrays) whose ``needs_input_grad`` is ``needs``."""
    cls = type(node)
    runner = cls.__new__(cls)
    runner.__dict__.update(node.__dict__)
    runner.needs_input_grad = needs
    return runner


class _Pending:
    """Gradients that reached a node's outputs and wait for the node to run.

    Sums contributions without modifying arrays it did not allocate itself.
    """

    __slots__ = ("slots", "owned", "leaves")

    def __init__(self) -> None:
        self.slots: dict[int, list] = {}
        self.owned: set[int] = set()
        self.leaves: dict[int, tuple[Any, Any]] = {}  # hooked leaves: id -> (tensor, sum)

    def hooked_leaf(self, t: Any, g: Any) -> None:
        """Add ``g`` to the gradient of leaf ``t`` (which has hooks), summed until the end."""
        prev = self.leaves.get(id(t))
        self.leaves[id(t)] = (t, g if prev is None else prev[1] + g)

    def add(self, node: Any, index: int, g: Any) -> None:
        slot = self.slots.get(id(node))
        if slot is None:
            slot = [None] * node.n_outputs
            self.slots[id(node)] = slot
        cur = slot[index]
        if cur is None:
            slot[index] = g
        elif id(cur) in self.owned:
            cur += g  # in place for an array; a NumPy scalar (a 0-d op's result) is rebound
            if cur is not slot[index]:
                self.owned.add(id(cur))
                slot[index] = cur
        else:
            new = cur + g
            self.owned.add(id(new))
            slot[index] = new

    def pop(self, node: Any) -> list | None:
        slot = self.slots.pop(id(node), None)
        if slot is not None:
            for g in slot:
                if g is not None:
                    self.owned.discard(id(g))
        return slot


def _root(a: Any) -> Any:
    while a.base is not None:
        a = a.base
    return a


class _IntoDotGrad:
    """``backward()``: gradients accumulate into the leaves' ``.grad``.

    Non-leaf tensors that called ``retain_grad()`` get a copy of their gradient
    when their node is reached (added to the ``.grad`` they hold, as torch does). No two leaves' ``.grad`` share memory.
    """

    __slots__ = ("claimed", "fresh_leaf")

    def __init__(self) -> None:
        self.claimed: set[int] = set()  # ids of arrays (and array bases) some .grad holds
        self.fresh_leaf: set[int] = set()  # .grad arrays the engine did not allocate

    def reached(self, node: Any, grads: list) -> None:
        retained = node.__dict__.get("retained")
        if retained is None:
            return
        for i, ref in retained.items():
            out = ref()
            if out is not None and grads[i] is not None:  # accumulated, as a leaf's (torch)
                g = grads[i].copy() if out.grad is None else out.grad.array + grads[i]
                out.grad = out._make(g, False, None, 0)

    def leaf(self, t: Any, g: Any) -> None:
        g, fresh = _writable(g, t.array.dtype)
        if t.grad is None:
            t.grad = t._make(self._claim(g, fresh), False, None, 0)
            return
        cur = t.grad.array
        if id(cur) in self.fresh_leaf:
            self.fresh_leaf.discard(id(cur))
            new = cur.copy()
            new += g
            self.claimed.add(id(new))
            t.grad = t._make(new, False, None, 0)
        else:
            cur += g

    def _claim(self, g: Any, fresh: bool) -> Any:
        """``g`` as a first ``.grad``: copied if another leaf's gradient shares its memory."""
        if not fresh:
            r = _root(g)
            if id(r) in self.claimed:
                g = g.copy()
            else:
                self.claimed.add(id(r))
                self.fresh_leaf.add(id(g))
                return g
        self.claimed.add(id(g))
        return g


def _writable(g: Any, dtype: Any) -> tuple[Any, bool]:
    """``g`` in ``dtype`` as an array that can be updated in place, and whether it is new."""
    if g.dtype != dtype:
        g = g.astype(dtype)
        fresh = True
    else:
        fresh = False
    if g.ndim == 0 or not getattr(g.flags, "writeable", True) or 0 in g.strides:
        # NumPy scalars (0-d results) and broadcast views (sum/mean backward) cannot be
        # updated in place: the leaf gets an array of its own
        g, fresh = get_array_module(g).array(g, copy=True), True
    return g, fresh


class _Collect:
    """``autograd.grad()``: the gradients of ``targets`` are kept; no ``.grad`` is touched."""

    __slots__ = ("targets", "ids", "at_node", "found")

    def __init__(self, targets: Sequence[Any]) -> None:
        self.targets = targets
        self.ids = {id(t) for t in targets}
        # non-leaf targets: their gradient is complete when their node is reached
        self.at_node = {(id(t._ctx), t._index): t for t in targets if t._ctx is not None}
        self.found: dict[int, Any] = {}

    def reached(self, node: Any, grads: list) -> None:
        if not self.at_node:
            return
        for i, g in enumerate(grads):
            t = self.at_node.get((id(node), i))
            if t is not None and g is not None:
                self.found[id(t)] = g

    def leaf(self, t: Any, g: Any) -> None:
        if id(t) in self.ids:
            prev = self.found.get(id(t))
            self.found[id(t)] = g if prev is None else prev + g

    def results(self, allow_unused: bool) -> tuple:
        """One gradient tensor per target (``None`` for unused ones when allowed)."""
        result = []
        for i, t in enumerate(self.targets):
            g = self.found.get(id(t))
            if g is None and not allow_unused:
                raise RuntimeError(
                    f"grad: input {i} (shape {t.shape}) is not used to compute the outputs; "
                    "pass allow_unused=True to get None for it"
                )
            result.append(None if g is None else t._make(g, False, None, 0))
        return tuple(result)


def _seed_grad(t: Any, g: Any) -> Any:
    """The starting gradient for output ``t`` (ones for a one-element output)."""
    if not t.requires_grad:
        raise RuntimeError(
            "backward: the tensor does not require grad and has no graph "
            "(was it computed under no_grad(), or from tensors with requires_grad=False?)"
        )
    xp = get_array_module(t.array)
    if g is None:
        if t.array.size != 1:
            raise RuntimeError(
                f"backward: a gradient can be created implicitly only for a single-element "
                f"output, got shape {t.shape}; pass gradient= with that shape"
            )
        return xp.ones(t.shape, dtype=t.array.dtype)
    g = g.array if _is_tensor(g) else g
    g = xp.array(g, dtype=t.array.dtype, copy=True)
    if g.shape != t.shape:
        raise ValueError(
            f"backward: gradient has shape {g.shape}, expected the output's shape {t.shape}"
        )
    return g


def _is_tensor(x: Any) -> bool:
    return hasattr(x, "_ctx") and hasattr(x, "data")


def _send(
    inputs: tuple, parents: tuple, needs: tuple, result: tuple, pending: _Pending, sink: Any
) -> None:
    """Hand each needed input gradient, un-broadcast, to its producer or to the sink."""
    for inp, parent, need, g in zip(inputs, parents, needs, result):
        if not need or g is None:
            continue
        if g.shape != inp.array.shape:
            g = unbroadcast(g, inp.array.shape)
        _to_leaf_or_node(inp, g, pending, sink, parent)


def _to_leaf_or_node(
    t: Any, g: Any, pending: _Pending, sink: Any, parent: tuple | None = None
) -> None:
    """``g`` to the node that made ``t`` (``parent``: that node and output index, when the
    op that used ``t`` recorded them), or to the sink for a leaf; a leaf with hooks
    collects its contributions first (:meth:`_Pending.hooked_leaf`)."""
    node, index = parent if parent is not None else (t._ctx, t._index)
    if node is not None:
        pending.add(node, index, g)
    elif _hooks.leaf_hooks(t) or _hooks.post_accumulate_hooks(t):
        pending.hooked_leaf(t, g)
    else:
        sink.leaf(t, g)


def _run_node_hooks(node: Any, grads: list, like: Any) -> None:
    """Pass the gradients of ``node``'s outputs through their tensors' hooks, in place."""
    by_index = _hooks.node_hooks(node)
    if not by_index:
        return
    for i, hooks in by_index.items():
        if hooks and grads[i] is not None:
            grads[i] = _hooks.run(hooks, grads[i], like)


def _flush_hooked_leaves(pending: _Pending, sink: Any) -> None:
    """Each hooked leaf's summed gradient through its hooks, then to the sink; after a leaf's
    ``.grad`` is accumulated (``backward()`` only), its post-accumulate-grad hooks."""
    for t, g in pending.leaves.values():
        hooks = _hooks.leaf_hooks(t)
        sink.leaf(t, _hooks.run(hooks, g, t) if hooks else g)
        post = _hooks.post_accumulate_hooks(t)
        if post and isinstance(sink, _IntoDotGrad):
            for hook in list(post.values()):
                hook(t)
    pending.leaves.clear()


def _execute(
    outputs: Sequence[Any],
    grad_outputs: Sequence[Any],
    retain_graph: bool,
    sink: Any,
    inputs: Sequence[Any] | None = None,
) -> None:
    """Seed the outputs' gradients, plan, and run every planned node once."""
    seeds = [_seed_grad(t, g) for t, g in zip(outputs, grad_outputs)]
    the_plan = plan(outputs, inputs)
    pending = _Pending()
    for t, g in zip(outputs, seeds):
        pending.owned.add(id(g))
        _to_leaf_or_node(t, g, pending, sink)
    seeds = g = None  # pending holds them now: each goes once its node has run
    for node in the_plan.order:
        grads = pending.pop(node)
        if grads is None:
            continue
        _run_node_hooks(node, grads, outputs[0])
        sink.reached(node, grads)
        needs = the_plan.needs_of(node)
        result = None if needs is None else backprop_node(node, grads, needs)
        node_inputs, parents = node.inputs, _parents(node)
        if not retain_graph:
            node.__dict__.clear()
        if result is not None:
            _send(node_inputs, parents, needs, result, pending, sink)
    _flush_hooked_leaves(pending, sink)


class _CreateGraphSlot:
    """Where :mod:`glassnet.autograd.higher_order` puts itself when it is imported: the
    differentiable pass that ``create_graph=True`` hands over to (it builds on this module,
    so this module cannot import it)."""

    runner: Any = None


_create_graph = _CreateGraphSlot()


def _as_list(x: Any) -> list:
    return [x] if _is_tensor(x) else list(x)


def backward(
    tensors: Any,
    grad_tensors: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    grad_variables: Any = None,
    inputs: Any = None,
) -> None:
    """Accumulate gradients of ``tensors`` into the ``.grad`` of the leaves (PyTorch's signature).

    Parameters
    ----------
    tensors : Tensor or sequence of Tensor
        Outputs to differentiate.
    grad_tensors : Tensor, array-like or sequence of them (or None), optional
        Gradient with respect to each output; ``None`` means ones, which is
        allowed only for single-element outputs.
    retain_graph : bool, optional
        Keep the graph (and its saved arrays) so backward can run again
        (default: ``create_graph``, that is False).
    create_graph : bool, default False
        Record the backward pass as a graph, for higher-order gradients
        (:mod:`glassnet.autograd.higher_order`; ops without a differentiable backward
        raise ``NotImplementedError`` naming the op).
    grad_variables : optional
        Old name of ``grad_tensors``.
    inputs : Tensor or sequence of Tensor, optional
        Accumulate only into the ``.grad`` of these tensors (leaves or not).
    """
    retain = bool(create_graph if retain_graph is None else retain_graph)
    outs = _as_list(tensors)
    if grad_tensors is None:
        grad_tensors = grad_variables
    gouts = _grad_outputs(grad_tensors, tensors, len(outs))
    if create_graph:
        ins = None if inputs is None else _as_list(inputs)
        _create_graph.runner.backward(outs, gouts, retain, ins)
        return
    if inputs is not None:
        ins = _as_list(inputs)
        found = grad(outs, ins, gouts, retain_graph=retain, allow_unused=True)
        for t, g in zip(ins, found):
            if g is not None:
                t.grad = g if t.grad is None else t._make(t.grad.array + g.array, False, None, 0)
        return
    _execute(outs, gouts, retain, _IntoDotGrad())


def _grad_outputs(grad_outputs: Any, outputs: Any, n: int) -> list:
    """One seed gradient (or None) per output, from what the caller passed."""
    if grad_outputs is None:
        return [None] * n
    if _is_tensor(outputs) or not isinstance(grad_outputs, (list, tuple)):
        return [grad_outputs]
    if len(grad_outputs) != n:
        raise RuntimeError(
            f"grad_outputs: got {len(grad_outputs)} gradients for {n} outputs; "
            "pass one per output (None for a one-element output)"
        )
    return list(grad_outputs)


def grad(
    outputs: Any,
    inputs: Any,
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    only_inputs: bool = True,
    allow_unused: bool | None = None,
    is_grads_batched: bool = False,
    materialize_grads: bool = False,
) -> tuple:
    """Gradients of ``outputs`` with respect to ``inputs``, returned instead of accumulated.

    PyTorch's signature. Unlike ``backward()``, no ``.grad`` attribute
    anywhere is touched, and only the part of the graph that leads to
    ``inputs`` is differentiated (a layer's weight gradient is skipped when
    only the input's is asked for). ``inputs`` may be leaves or intermediate
    tensors (e.g. a layer's output).

    Parameters
    ----------
    outputs : Tensor or sequence of Tensor
    inputs : Tensor or sequence of Tensor
    grad_outputs : Tensor, array-like or sequence of them, optional
        Gradient w.r.t. each output (ones for one-element outputs when omitted
        or ``None``).
    retain_graph : bool, optional
        Keep the graph for another pass (default: ``create_graph``, that is False).
    create_graph : bool, default False
        Record the backward pass as a graph, for higher-order gradients
        (:mod:`glassnet.autograd.higher_order`; ops without a differentiable backward
        raise ``NotImplementedError`` naming the op).
    only_inputs : bool, default True
        Ignored, as in PyTorch (deprecated there).
    allow_unused : bool, optional
        Return ``None`` for inputs the outputs do not depend on instead of
        raising (default: ``materialize_grads``).
    is_grads_batched : bool, default False
        ``True`` (vmap over ``grad_outputs``) raises ``NotImplementedError``.
    materialize_grads : bool, default False
        Return zeros instead of ``None`` for unused inputs.

    Returns
    -------
    tuple of Tensor or None
        One gradient per input, with the input's shape.
    """
    if is_grads_batched:
        raise NotImplementedError(
            "grad: is_grads_batched=True is not supported by glassnet; call grad once per "
            "row of grad_outputs"
        )
    if allow_unused is None:
        allow_unused = materialize_grads
    elif materialize_grads and not allow_unused:
        raise ValueError("grad: materialize_grads=True needs allow_unused True or None")
    retain = bool(create_graph if retain_graph is None else retain_graph)
    outs = _as_list(outputs)
    ins = _as_list(inputs)
    gouts = _grad_outputs(grad_outputs, outputs, len(outs))
    for i, t in enumerate(ins):
        if not t.requires_grad:
            raise RuntimeError(f"grad: input {i} (shape {t.shape}) does not require grad")
    if create_graph:
        result = _create_graph.runner.grad(outs, ins, gouts, retain, allow_unused)
    else:
        sink = _Collect(ins)
        _execute(outs, gouts, retain, sink, ins)
        result = sink.results(allow_unused)
    if materialize_grads:
        result = tuple(
            t._make(t.xp.zeros_like(t.array), False, None, 0) if g is None else g
            for t, g in zip(ins, result)
        )
    return result
