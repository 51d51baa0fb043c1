"""Backward rules for chosen modules, in force only inside a ``with`` block.

DeepLift, Guided Backprop and Deconvolution differ from the plain gradient
only in how a gradient passes back through some modules (ReLU, Sigmoid,
MaxPool, ...). :func:`backward_rules` puts that change in one place, with
the tensor gradient hooks of :mod:`glassnet.autograd.hooks` (the mechanism
Captum's module backward hooks use in PyTorch): while the block runs, each call
of a chosen module

- records the gradient that reaches its output (a hook on the output), and
- replaces the gradient of its input tensor by the rule's result (a hook on
  the input; the module itself runs on a copy of the input, so the hook sees
  the input's whole gradient once it is complete).

Outside the block the model and the autograd engine are untouched. Because
the rules are tensor hooks, they behave as Captum's do where modules meet:

- when a ruled module feeds another one directly (``ReLU -> MaxPool2d``), the
  first one records the gradient at the shared tensor *before* the second
  one's rule replaces it (hooks run in the order they were registered);
- when a ruled module's input is also used elsewhere (``h + relu(h)``), the
  rule's result replaces the gradient of ``h`` from all its uses.

Example: Guided Backprop's rule for ReLU keeps the positive gradients::

    rules = {ReLU: lambda call: np.maximum(call.grad_input, 0)}
    with backward_rules(model, rules, match="isinstance"):
        grads = autograd.grad(model(x)[:, 3].sum(), x)
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from ..nn.module import Module
from ..tensor import Tensor

__all__ = ["ModuleCall", "Rule", "backward_rules"]


@dataclass
class ModuleCall:
    """One call of a module, as a backward rule sees it (host or device arrays).

    Attributes
    ----------
    module : Module
    input : array, shape (B, *)
        The module's (first) input for the whole batch.
    output : array, shape (B, *)
        Its output.
    grad_output : array, shape like ``output``
        The gradient that reached the output (see the module docstring).
    grad_input : array, shape like ``input``
        The ordinary gradient of the input tensor, from all its uses.
    """

    module: Module
    input: Any
    output: Any
    grad_output: Any
    grad_input: Any


#: A rule maps a module call to the new gradient of the module's input.
Rule = Callable[[ModuleCall], Any]


def _picks(rules: dict[type, Rule], match: str) -> Callable[[Module], Rule | None]:
    if match == "type":
        return lambda m: rules.get(type(m))
    return lambda m: next((r for t, r in rules.items() if isinstance(m, t)), None)


@contextlib.contextmanager
def backward_rules(model: Module, rules: dict[type, Rule], match: str = "type") -> Iterator[None]:
    """Inside the block, the backward of every module of ``model`` whose class is a key of
    ``rules`` is that rule.

    Parameters
    ----------
    model : Module
    rules : dict mapping a Module class to a :data:`Rule`
    match : {'type', 'isinstance'}, default 'type'
        Whether a module's exact class must be a key (DeepLift, as in Captum) or
        a subclass suffices (Guided Backprop's ``isinstance(m, ReLU)``).

    Notes
    -----
    A module called several times in one forward pass gets the rule at each
    call, with that call's own input, output and gradients. For a module made
    with ``inplace=True`` the rule sees its input as it was before the call.
    """
    pick = _picks(rules, match)
    handles: list[Any] = []  # the modules' hooks, then the tensor hooks the calls add
    for m in model.modules():
        rule = pick(m)
        if rule is not None:
            calls: list[dict[str, Any]] = []  # one entry per call in flight, innermost last
            handles.append(m.register_forward_pre_hook(_on_input(calls, rule, handles)))
            handles.append(m.register_forward_hook(_on_output(calls, handles)))
    try:
        yield
    finally:
        for h in handles:
            h.remove()


def _on_input(
    calls: list[dict[str, Any]], rule: Rule, handles: list[Any]
) -> Callable[[Module, tuple], Any]:
    def pre_hook(module: Module, args: tuple) -> Any:
        x = args[0] if args else None
        if not isinstance(x, Tensor):
            raise TypeError(
                f"{type(module).__name__}: a backward rule needs a tensor as the module's first "
                f"input, got {type(x).__name__}"
            )
        call: dict[str, Any] = {"input": x.array.copy()}
        calls.append(call)
        if not x.requires_grad:
            return None

        def replace(grad: Tensor) -> Any:
            if "grad_output" not in call:  # the output's gradient never came: keep this one
                return None
            return rule(ModuleCall(module, call["input"], call["output"], call["grad_output"],
                                   grad.array))  # fmt: skip

        handles.append(x.register_hook(replace))
        return (x.clone(), *args[1:])  # the module's graph starts after the hooked tensor

    return pre_hook


def _on_output(
    calls: list[dict[str, Any]], handles: list[Any]
) -> Callable[[Module, tuple, Any], Any]:
    def hook(module: Module, args: tuple, out: Any) -> None:
        call = calls.pop()
        if not isinstance(out, Tensor):
            raise TypeError(
                f"{type(module).__name__}: a backward rule needs one tensor output, got "
                f"{type(out).__name__}"
            )
        call["output"] = out.array.copy()
        if out.requires_grad:

            def record(grad: Tensor) -> None:
                call["grad_output"] = grad.array

            handles.append(out.register_hook(record))

    return hook
