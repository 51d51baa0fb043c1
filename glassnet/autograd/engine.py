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
    order: list = []
    seen: set[int] = set()
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
            if inp is not None and inp._ctx is not None and id(inp._ctx) not in seen:
                stack.append((inp._ctx, False))
    return order


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
            new = cur + g
            self.claimed.add(id(new))
            t.grad = Tensor._make(new, False, None, 0)
        else:
            cur += g


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
    from ..tensor import Tensor

    if grad_tensors is None:
        grad_tensors = [None] * len(tensors)
    acc = _Accumulator()
    roots = []
    for t, g in zip(tensors, grad_tensors):
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
            g = xp.ones(t.shape, dtype=t.data.dtype)
        else:
            g = g.data if isinstance(g, Tensor) else g
            g = xp.array(g, dtype=t.data.dtype, copy=True)
            if g.shape != t.shape:
                raise ValueError(
                    f"backward: gradient has shape {g.shape}, expected the output's shape {t.shape}"
                )
        acc.owned.add(id(g))
        if t._ctx is None:
            acc.to_leaf(t, g)
        else:
            _alive_inputs(t._ctx)
            acc.to_node(t._ctx, t._index, g)
            roots.append(t._ctx)

    for node in reversed(_toposort(roots)):
        grads = acc.pop(node)
        if grads is None:
            continue
        retained = node.__dict__.get("retained")
        if retained is not None:
            for i, ref in retained.items():
                out = ref()
                if out is not None and grads[i] is not None:
                    out.grad = Tensor._make(grads[i].copy(), False, None, 0)
        if node.n_outputs == 1:
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
        for inp, need, g in zip(inputs, needs, result):
            if not need or g is None:
                continue
            if g.shape != inp.data.shape:
                g = unbroadcast(g, inp.data.shape)
            if inp._ctx is None:
                acc.to_leaf(inp, g)
            else:
                acc.to_node(inp._ctx, inp._index, g)
