"""Module backward hooks in torch's form: ``register_full_backward_hook`` and
``register_full_backward_pre_hook``.

When a module with such hooks is called while gradients are recorded, its tensor inputs
that require grad and its tensor outputs pass through two identity nodes of the graph
(:class:`_InputsHook`, :class:`_OutputsHook`; they share the arrays, nothing is copied).
In backward the outputs' node receives the gradients of all outputs at once
(``grad_output``): the pre-hooks see them and may replace them. The inputs' node then
receives the gradients of all inputs at once (``grad_input``; a tensor input that needs no
gradient gets zeros, as in torch): the hooks see ``(module, grad_input, grad_output)`` and may return
a replacement ``grad_input``. As in torch, where no input requires grad the hooks are
called from the outputs' node with ``grad_input`` all ``None``.
"""

from __future__ import annotations

import warnings
from typing import Any

from ..autograd import grad_mode
from ..autograd.function import Function
from ..tensor import Tensor

__all__ = ["hooked_call"]


class _State:
    """What the two nodes of one call share."""

    __slots__ = ("module", "grad_output", "slots", "inputs_meta")

    def __init__(self, module: Any, slots: list[int], inputs_meta: list[tuple]) -> None:
        self.module = module
        self.grad_output: tuple | None = None
        self.slots = slots  # for each hooked input, its place among the tensor inputs
        self.inputs_meta = inputs_meta  # (array module, shape, dtype) of each tensor input


def _wrap(arrays: tuple) -> tuple:
    return tuple(None if a is None else Tensor._make(a, False, None, 0) for a in arrays)


def _unwrap(who: str, grads: Any, like: tuple) -> tuple:
    grads = tuple(grads) if isinstance(grads, (tuple, list)) else (grads,)
    if len(grads) != len(like):
        raise RuntimeError(f"{who}: expected {len(like)} gradients, got {len(grads)}")
    out = []
    for g, old in zip(grads, like):
        g = g.array if isinstance(g, Tensor) else g
        if g is not None and old is not None and g.shape != old.shape:
            raise RuntimeError(f"{who}: a gradient has shape {g.shape}, expected {old.shape}")
        out.append(g)
    return tuple(out)


def _call_hooks(state: _State, grad_input: tuple) -> tuple:
    """The module's full backward hooks in order; each may replace ``grad_input``."""
    for hook in list(state.module.__dict__.get("_backward_hooks", {}).values()):
        res = hook(state.module, grad_input, state.grad_output)
        if res is not None:
            res = tuple(res) if isinstance(res, (tuple, list)) else (res,)
            if len(res) != len(grad_input):
                raise RuntimeError(
                    f"{type(state.module).__name__} backward hook: returned {len(res)} "
                    f"gradients, expected {len(grad_input)} (one per tensor input)"
                )
            grad_input = res
    return grad_input


class _OutputsHook(Function):
    """Identity on the module's outputs; its backward runs the backward pre-hooks."""

    def forward(self, *arrays: Any, state: _State) -> Any:
        self.state = state
        return arrays if len(arrays) > 1 else arrays[0]

    def backward(self, *grads: Any) -> tuple:
        state = self.state
        grad_output = _wrap(grads)
        for hook in list(state.module.__dict__.get("_backward_pre_hooks", {}).values()):
            res = hook(state.module, grad_output)
            if res is not None:
                grad_output = _wrap(_unwrap("backward pre-hook", res, grads))
        state.grad_output = grad_output
        if not state.slots and state.module.__dict__.get("_backward_hooks"):
            warnings.warn(
                f"{type(state.module).__name__}: full backward hook is firing when gradients "
                "are computed with respect to module outputs since no inputs require "
                "gradients (as torch: grad_input is all None)",
                UserWarning,
                stacklevel=2,
            )
            _call_hooks(state, (None,) * max(len(state.inputs_meta), 1))
        return tuple(g.array for g in grad_output)


class _InputsHook(Function):
    """Identity on the module's inputs that require grad; its backward runs the hooks."""

    def forward(self, *arrays: Any, state: _State) -> Any:
        self.state = state
        return arrays if len(arrays) > 1 else arrays[0]

    def backward(self, *grads: Any) -> tuple:
        state = self.state
        # an input that needs no gradient gets zeros, as in torch
        full = [Tensor._make(xp.zeros(shape, dtype), False, None, 0) for xp, shape, dtype in state.inputs_meta]
        for slot, g in zip(state.slots, grads):
            full[slot] = Tensor._make(g, False, None, 0)
        if state.module.__dict__.get("_backward_hooks"):
            full = list(_call_hooks(state, tuple(full)))
        picked = tuple(full[slot] for slot in state.slots)
        return _unwrap("backward hook", picked, grads)


def hooked_call(module: Any, args: tuple, kwargs: dict, call: Any) -> Any:
    """``call(*args, **kwargs)`` with ``module``'s backward hooks attached (see the module
    docstring); a plain call where no gradient is recorded."""
    if not grad_mode.is_grad_enabled():
        return call(*args, **kwargs)
    tensor_args = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
    hooked = [i for i in tensor_args if args[i].requires_grad]
    meta = [(args[i].xp, args[i].shape, args[i].dtype) for i in tensor_args]
    state = _State(module, [tensor_args.index(i) for i in hooked], meta)
    if hooked:
        new = _InputsHook.apply(*(args[i] for i in hooked), state=state)
        new = new if isinstance(new, tuple) else (new,)
        args = list(args)
        for i, t in zip(hooked, new):
            args[i] = t
        args = tuple(args)
    out = call(*args, **kwargs)
    if isinstance(out, Tensor):
        return _OutputsHook.apply(out, state=state) if out.requires_grad else out
    if isinstance(out, tuple) and out and all(isinstance(o, Tensor) for o in out):
        if not any(o.requires_grad for o in out):
            return out
        new = _OutputsHook.apply(*out, state=state)
        return type(out)(*new) if hasattr(out, "_fields") else tuple(new)
    raise NotImplementedError(
        f"{type(module).__name__}: full backward hooks need the module to return a Tensor or "
        f"a tuple of Tensors, got {type(out).__name__}"
    )
