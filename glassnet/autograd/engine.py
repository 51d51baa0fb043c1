"""Reverse-mode differentiation over the recorded graph.

The engine walks the graph of :class:`~glassnet.autograd.function.Function`
nodes in reverse topological order (computed iteratively, never by
recursion), calls each node's ``backward`` once with the summed gradients of
its outputs, sums every returned gradient down to its input's shape
(un-broadcasting), and accumulates it. After a node's backward has run, its
saved arrays and its references to inputs are dropped, so intermediates are
garbage as soon as nothing else holds them.

Aliasing rule: a gradient array handed to a leaf's ``.grad`` never shares
memory with another leaf's gradient, so in-place updates of ``.grad``
(clipping, weight decay) are safe. Arrays the engine did not allocate are
never modified in place.

Fusion: a node that declares ``absorbs_relu`` (max pooling) and reads the output
of a ReLU node that nothing else reads computes the gradient of the ReLU's input
itself (``backward_through_relu``), masking its own gradient, which is smaller
than the ReLU's. The result is the same; the ReLU's full-size backward pass is
saved. ``autograd.grad`` (used by the explanation methods) never fuses.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["backward", "unbroadcast"]


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


def _root(a: Any) -> Any:
    while a.base is not None:
        a = a.base
    return a


def _toposort(roots: Sequence[Any]) -> list:
    """Nodes reachable from ``roots`` in post-order (inputs before consumers)."""
    return _graph(roots)[0]


def _graph(roots: Sequence[Any]) -> tuple[list, dict[int, int]]:
    """Nodes reachable from ``roots`` in post-order (inputs before consumers), and for each
    node the number of graph edges that read its outputs (plus one per root it is)."""
    order: list = []
    seen: set[int] = set()
    readers: dict[int, int] = {}
    for r in roots:
        readers[id(r)] = readers.get(id(r), 0) + 1
    stack: list = [(r, False) for r in roots]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        for inp in _alive_inputs(node):
            if inp is not None and inp._ctx is not None:
                ctx = inp._ctx
                readers[id(ctx)] = readers.get(id(ctx), 0) + 1
                if id(ctx) not in seen:
                    stack.append((ctx, False))
    return order, readers


def _fusable_producer(node: Any, readers: dict[int, int]) -> Any:
    """The ReLU node whose output ``node`` (a single-input consumer that can apply the ReLU's
    mask itself) alone reads, or None.

    Fusing is exact: the consumer routes its gradient straight to the ReLU's input,
    applying the mask on its own (smaller) gradient. It is skipped whenever anything
    else could see the ReLU output's gradient: another reader, ``retain_grad``, or the
    graph having been freed.
    """
    x = node.inputs[0]
    producer = x._ctx if x is not None else None
    if (
        producer is None
        or not getattr(producer, "mask_fusable", False)
        or readers.get(id(producer)) != 1
        or "retained" in producer.__dict__
        or producer.__dict__.get("inputs") is None
    ):
        return None
    return producer


def _alive_inputs(node: Any) -> tuple:
    inputs = node.__dict__.get("inputs")
    if inputs is None:
        raise RuntimeError(
            "backward: trying to backward through the graph a second time "
            "(its saved arrays were freed after the first backward); "
            "pass retain_graph=True to the first backward() if you need this"
        )
    return inputs


class _Accumulator:
    """Sums gradient contributions without modifying arrays it does not own."""

    __slots__ = ("pending", "owned", "claimed", "fresh_leaf")

    def __init__(self) -> None:
        self.pending: dict[int, list] = {}
        self.owned: set[int] = set()
        self.claimed: set[int] = set()
        self.fresh_leaf: set[int] = set()

    def to_node(self, node: Any, index: int, g: Any) -> None:
        slot = self.pending.get(id(node))
        if slot is None:
            slot = [None] * node.n_outputs
            self.pending[id(node)] = slot
        cur = slot[index]
        if cur is None:
            slot[index] = g
        elif id(cur) in self.owned:
            cur += g
        else:
            new = cur + g
            self.owned.add(id(new))
            slot[index] = new

    def pop(self, node: Any) -> list | None:
        slot = self.pending.pop(id(node), None)
        if slot is not None:
            for g in slot:
                if g is not None:
                    self.owned.discard(id(g))
        return slot

    def to_leaf(self, t: Any, g: Any) -> None:
        from ..tensor import Tensor

        if g.dtype != t.data.dtype:
            g = g.astype(t.data.dtype)
            fresh = True
        else:
            fresh = False
        if g.ndim == 0 or not getattr(g.flags, "writeable", True) or 0 in g.strides:
            # NumPy scalars (0-d results) and broadcast views (sum/mean backward) cannot be
            # updated in place: the leaf gets an array of its own
            from ..backend import get_array_module

            g, fresh = get_array_module(g).array(g, copy=True), True
        if t.grad is None:
            if not fresh:
                r = _root(g)
                if id(r) in self.claimed:
                    g = g.copy()
                    fresh = True
                else:
                    self.claimed.add(id(r))
                    self.fresh_leaf.add(id(g))
            if fresh:
                self.claimed.add(id(g))
            t.grad = Tensor._make(g, False, None, 0)
            return
        cur = t.grad.data
        if id(cur) in self.fresh_leaf:
            self.fresh_leaf.discard(id(cur))
            new = cur.copy()
            new += g
            self.claimed.add(id(new))
            t.grad = Tensor._make(new, False, None, 0)
        else:
            cur += g


def _seed_grad(t: Any, g: Any) -> Any:
    """The starting gradient for output ``t`` (ones for a one-element output)."""
    from ..tensor import Tensor

    if not t.requires_grad:
        raise RuntimeError(
            "backward: the tensor does not require grad and has no graph "
            "(was it computed under no_grad(), or from tensors with requires_grad=False?)"
        )
    xp = t.xp
    if g is None:
        if t.data.size != 1:
            raise RuntimeError(
                f"backward: a gradient can be created implicitly only for a single-element "
                f"output, got shape {t.shape}; pass gradient= with that shape"
            )
        return xp.ones(t.shape, dtype=t.data.dtype)
    g = g.data if isinstance(g, Tensor) else g
    g = xp.array(g, dtype=t.data.dtype, copy=True)
    if g.shape != t.shape:
        raise ValueError(
            f"backward: gradient has shape {g.shape}, expected the output's shape {t.shape}"
        )
    return g


def _useful_nodes(order: list, target_ids: set[int]) -> set[int]:
    """Ids of nodes with a path to one of the target tensors (``order``: inputs first)."""
    useful: set[int] = set()
    for node in order:
        for inp in node.inputs:
            if inp is None:
                continue
            if id(inp) in target_ids or (inp._ctx is not None and id(inp._ctx) in useful):
                useful.add(id(node))
                break
    return useful


def _run(
    tensors: Sequence[Any],
    grad_tensors: Sequence[Any],
    retain_graph: bool,
    targets: Sequence[Any] | None,
) -> dict[int, Any]:
    """The backward pass. Without ``targets``, gradients accumulate into leaves' ``.grad``;
    with ``targets``, the gradients of those tensors are returned (keyed by ``id``) and no
    ``.grad`` is touched."""
    from ..tensor import Tensor

    acc = _Accumulator()
    found: dict[int, Any] = {}
    target_ids = {id(t) for t in targets} if targets is not None else set()
    # non-leaf targets: their gradient is complete when their node is reached
    at_node: dict[tuple[int, int], Any] = {}
    if targets is not None:
        for t in targets:
            if t._ctx is not None:
                at_node[(id(t._ctx), t._index)] = t

    def to_leaf(t: Any, g: Any) -> None:
        if targets is None:
            acc.to_leaf(t, g)
        elif id(t) in target_ids:
            prev = found.get(id(t))
            found[id(t)] = g if prev is None else prev + g

    roots = []
    for t, g in zip(tensors, grad_tensors):
        g = _seed_grad(t, g)
        acc.owned.add(id(g))
        if t._ctx is None:
            to_leaf(t, g)
        else:
            _alive_inputs(t._ctx)
            acc.to_node(t._ctx, t._index, g)
            roots.append(t._ctx)

    order, readers = _graph(roots)
    useful = _useful_nodes(order, target_ids) if targets is not None else None
    for node in reversed(order):
        grads = acc.pop(node)
        if grads is None:
            continue
        retained = node.__dict__.get("retained")
        if retained is not None and targets is None:
            for i, ref in retained.items():
                out = ref()
                if out is not None and grads[i] is not None:
                    out.grad = Tensor._make(grads[i].copy(), False, None, 0)
        if at_node:
            for i, g in enumerate(grads):
                t = at_node.get((id(node), i))
                if t is not None and g is not None:
                    found[id(t)] = g
        saved_needs = None
        if useful is not None:
            if id(node) not in useful:
                if not retain_graph:
                    node.__dict__.clear()
                continue
            saved_needs = node.needs_input_grad
            node.needs_input_grad = tuple(
                need
                and inp is not None
                and (id(inp) in target_ids or (inp._ctx is not None and id(inp._ctx) in useful))
                for inp, need in zip(node.inputs, saved_needs)
            )
        producer = None
        if targets is None and getattr(node, "absorbs_relu", False):
            producer = _fusable_producer(node, readers)
        if producer is not None:
            # the consumer's gradient goes straight to the ReLU's input (see above)
            result = (node.backward_through_relu(grads[0]),)
            if not retain_graph:
                node.__dict__.clear()
            node = producer
        elif node.n_outputs == 1:
            result = node.backward(grads[0])
        else:
            xp = None
            for i, g in enumerate(grads):
                if g is None:
                    if xp is None:
                        from ..backend import get_array_module

                        xp = get_array_module(*[x for x in grads if x is not None])
                    shape, dtype = node.out_meta[i]
                    grads[i] = xp.zeros(shape, dtype=dtype)
            result = node.backward(*grads)
        if type(result) is not tuple:
            result = (result,)
        inputs = node.inputs
        needs = node.needs_input_grad
        if len(result) != len(inputs):
            raise RuntimeError(
                f"{type(node).__name__}.backward returned {len(result)} gradients "
                f"for {len(inputs)} inputs"
            )
        if not retain_graph:
            node.__dict__.clear()
        elif saved_needs is not None:
            node.needs_input_grad = saved_needs
        for inp, need, g in zip(inputs, needs, result):
            if not need or g is None:
                continue
            if g.shape != inp.data.shape:
                g = unbroadcast(g, inp.data.shape)
            if inp._ctx is None:
                to_leaf(inp, g)
            else:
                acc.to_node(inp._ctx, inp._index, g)
    return found


def backward(
    tensors: Sequence[Any],
    grad_tensors: Sequence[Any | None] | None = None,
    retain_graph: bool = False,
) -> None:
    """Accumulate gradients of ``tensors`` into the ``.grad`` of the leaves.

    Parameters
    ----------
    tensors : sequence of Tensor
        Outputs to differentiate.
    grad_tensors : sequence of array-like or None, optional
        Gradient with respect to each output; ``None`` means ones, which is
        allowed only for single-element outputs.
    retain_graph : bool, default False
        Keep the graph (and its saved arrays) so backward can run again.
    """
    if grad_tensors is None:
        grad_tensors = [None] * len(tensors)
    _run(tensors, grad_tensors, retain_graph, None)


def grad(
    outputs: Any,
    inputs: Any,
    grad_outputs: Any = None,
    *,
    retain_graph: bool = False,
    allow_unused: bool = False,
) -> tuple:
    """Gradients of ``outputs`` with respect to ``inputs``, returned instead of accumulated.

    Unlike ``backward()``, no ``.grad`` attribute anywhere is touched, and only
    the part of the graph that leads to ``inputs`` is differentiated (a
    layer's weight gradient is skipped when only the input's is asked for).
    ``inputs`` may be leaves or intermediate tensors (e.g. a layer's output).

    Parameters
    ----------
    outputs : Tensor or sequence of Tensor
    inputs : Tensor or sequence of Tensor
    grad_outputs : array-like or sequence, optional
        Gradient w.r.t. each output (ones for one-element outputs when omitted).
    retain_graph : bool, default False
    allow_unused : bool, default False
        Return ``None`` for inputs the outputs do not depend on instead of raising.

    Returns
    -------
    tuple of Tensor or None
        One gradient per input, with the input's shape.
    """
    from ..tensor import Tensor

    outs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    ins = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if grad_outputs is None:
        gouts = [None] * len(outs)
    elif isinstance(grad_outputs, (list, tuple)) and len(outs) > 1:
        gouts = list(grad_outputs)
    else:
        gouts = [grad_outputs]
    for i, t in enumerate(ins):
        if not t.requires_grad:
            raise RuntimeError(f"grad: input {i} (shape {t.shape}) does not require grad")
    found = _run(outs, gouts, retain_graph, ins)
    result = []
    for i, t in enumerate(ins):
        g = found.get(id(t))
        if g is None:
            if not allow_unused:
                raise RuntimeError(
                    f"grad: input {i} (shape {t.shape}) is not used to compute the outputs; "
                    "pass allow_unused=True to get None for it"
                )
            result.append(None)
        else:
            result.append(Tensor._make(g, False, None, 0))
    return tuple(result)
