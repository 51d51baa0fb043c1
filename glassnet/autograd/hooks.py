"""Gradient hooks on tensors: torch's ``Tensor.register_hook``.

A hook is ``hook(grad) -> Tensor or None``. It is called with the gradient of the
loss with respect to its tensor, once per backward pass, when that gradient is
complete; a tensor it returns replaces the gradient from there on (what flows
into the graph below, what ``retain_grad()`` keeps, what a leaf's ``.grad``
accumulates, what ``autograd.grad()`` returns). Hooks run in the order they were
registered, each on the previous one's result.

Where the hooks live:

- a tensor made by an op: on the node that made it, under the tensor's output
  index, so they last as long as the graph (as in PyTorch) and the engine finds
  them when it reaches the node;
- a leaf (an input or a parameter): in a table here keyed by the tensor's
  ``id``, dropped when the tensor is garbage-collected. The engine sums a leaf's
  contributions first, so its hooks see the whole gradient once.

The engine (:mod:`glassnet.autograd.engine`) calls :func:`node_hooks`,
:func:`leaf_hooks` and :func:`run`.
"""

from __future__ import annotations

import itertools
import weakref
from collections.abc import Callable
from typing import Any

__all__ = [
    "HookHandle", "register", "node_hooks", "leaf_hooks", "run", "register_post_accumulate",
    "post_accumulate_hooks",
]  # fmt: skip

Hook = Callable[[Any], Any]

_ids = itertools.count()
#: Leaf tensors' hooks: ``id(tensor) -> {handle id: hook}``.
_leaf: dict[int, dict[int, Hook]] = {}
#: Leaves' post-accumulate-grad hooks: ``id(tensor) -> {handle id: hook(tensor)}``.
_post: dict[int, dict[int, Hook]] = {}


class HookHandle:
    """What :meth:`Tensor.register_hook` returns; :meth:`remove` unregisters the hook."""

    __slots__ = ("_registry", "id")

    def __init__(self, registry: dict[int, Hook]) -> None:
        self._registry = registry
        self.id = next(_ids)

    def remove(self) -> None:
        """Unregister the hook (a second call does nothing)."""
        self._registry.pop(self.id, None)

    def __enter__(self) -> HookHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


def register(t: Any, hook: Hook) -> HookHandle:
    """Register ``hook`` on tensor ``t`` (which must require gradients).

    Raises
    ------
    RuntimeError
        When ``t`` does not require gradients (no gradient will ever reach it).
    TypeError
        When ``hook`` is not callable.
    """
    if not callable(hook):
        raise TypeError(f"register_hook: expected a callable hook(grad), got {type(hook).__name__}")
    if not t.requires_grad:
        raise RuntimeError(
            "register_hook: cannot register a hook on a tensor that does not require grad"
        )
    if t._ctx is not None:
        by_index = t._ctx.__dict__.setdefault("grad_hooks", {})
        registry = by_index.setdefault(t._index, {})
    else:
        registry = _leaf.get(id(t))
        if registry is None:
            registry = _leaf[id(t)] = {}
            weakref.finalize(t, _leaf.pop, id(t), None)
    handle = HookHandle(registry)
    registry[handle.id] = hook
    return handle


def register_post_accumulate(t: Any, hook: Hook) -> HookHandle:
    """Register ``hook(t)`` to run after ``backward()`` has accumulated leaf ``t``'s ``.grad``.

    Raises
    ------
    RuntimeError
        When ``t`` is not a leaf that requires gradients.
    TypeError
        When ``hook`` is not callable.
    """
    who = "register_post_accumulate_grad_hook"
    if not callable(hook):
        raise TypeError(f"{who}: expected a callable hook(tensor), got {type(hook).__name__}")
    if not t.requires_grad:
        raise RuntimeError(f"{who}: cannot register a hook on a tensor that does not require grad")
    if t._ctx is not None:
        raise RuntimeError(
            f"{who}: expected a leaf tensor (a parameter or input), got the result of an op; "
            "use register_hook for those"
        )
    registry = _post.get(id(t))
    if registry is None:
        registry = _post[id(t)] = {}
        weakref.finalize(t, _post.pop, id(t), None)
    handle = HookHandle(registry)
    registry[handle.id] = hook
    return handle


def post_accumulate_hooks(t: Any) -> dict[int, Hook] | None:
    """The post-accumulate-grad hooks of leaf tensor ``t`` (None or empty when none)."""
    return _post.get(id(t))


def node_hooks(node: Any) -> dict[int, dict[int, Hook]] | None:
    """The hooks on a node's outputs, ``{output index: {handle id: hook}}``, or None."""
    return node.__dict__.get("grad_hooks")


def leaf_hooks(t: Any) -> dict[int, Hook] | None:
    """The hooks on leaf tensor ``t`` (None or empty when it has none)."""
    return _leaf.get(id(t))


def run(hooks: dict[int, Hook], g: Any, like: Any) -> Any:
    """``g`` (an array) passed through ``hooks`` in order; ``like`` is the hooked tensor.

    Each hook gets ``g`` as a tensor outside the graph and returns None (keep it) or a
    tensor or array of the same shape (use it instead).
    """
    for hook in list(hooks.values()):
        out = hook(like._make(g, False, None, 0))
        if out is None:
            continue
        new = out.array if hasattr(out, "_ctx") else out
        if getattr(new, "shape", None) != g.shape:
            raise ValueError(
                f"register_hook: the hook {getattr(hook, '__name__', hook)!r} returned a "
                f"gradient of shape {getattr(new, 'shape', type(new).__name__)}, expected the "
                f"tensor's shape {tuple(g.shape)}"
            )
        g = new.astype(g.dtype, copy=False)
    return g
