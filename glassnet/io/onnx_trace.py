"""Tracing a module for ONNX export: run it once and record every op (Function) it runs.

:func:`trace` installs a :class:`Tape` as the autograd trace recorder
(``glassnet.autograd.tracing``) and calls the module. Each ``Function.apply`` then
runs the op's ``forward`` and appends a :class:`TracedOp` to the tape: the Function
instance, its positional arguments (tensors, or constants such as ``None``), its
keyword attributes and its output tensors. Ops on tensors that do not require
gradients are recorded too, so constants derived from inputs stay in the graph.

Child modules that must not be traced into (they have a ``to_onnx`` method or a
converter registered for their class) are run with recording suspended and appear
on the tape as one :class:`HookCall`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ..autograd import tracing
from ..autograd.grad_mode import no_grad
from ..nn.module import Module
from ..tensor import Tensor

__all__ = ["TracedOp", "HookCall", "Tape", "trace", "leaves"]


@dataclass(eq=False)
class TracedOp:
    """One op the traced module ran.

    Attributes
    ----------
    fn : Function
        The op's Function instance (its class picks the converter).
    args : tuple
        Positional arguments as given to ``apply``: tensors, ``None`` or constants.
    attrs : dict
        The keyword attributes of the op (``axis=``, ``stride=``, masks, ...).
    outputs : tuple of Tensor
        One tensor per array the forward returned.
    multi : bool
        The forward returned a tuple (even of one array).
    scope : str
        Dotted name of the module whose forward ran the op (``""`` at the top).
    """

    fn: Any
    args: tuple
    attrs: dict
    outputs: tuple
    multi: bool
    scope: str


@dataclass(eq=False)
class HookCall:
    """A child module run as one opaque step (converted by its own converter)."""

    module: Module
    scope: str
    args: tuple
    kwargs: dict
    result: Any
    outputs: tuple = field(default_factory=tuple)


class Tape:
    """The recorder installed while a module is traced: ops and hooked calls, in run order."""

    def __init__(self) -> None:
        self.steps: list[TracedOp | HookCall] = []
        self.scopes: list[str] = [""]

    def apply(self, cls: type, args: tuple, kwargs: dict) -> Any:
        """Run ``cls`` on ``args`` (no graph, nothing saved for backward) and record it."""
        ctx = cls()
        ctx.requires_grad = False
        ctx.needs_input_grad = (False,) * len(args)
        arrays = [a.array if isinstance(a, Tensor) else a for a in args]
        out = ctx.forward(*arrays, **kwargs)
        multi = type(out) is tuple
        outs = tuple(Tensor._make(o, False, None, 0) for o in (out if multi else (out,)))
        self.steps.append(TracedOp(ctx, tuple(args), dict(kwargs), outs, multi, self.scopes[-1]))
        return outs if multi else outs[0]


def leaves(tree: Any) -> list[Tensor]:
    """The tensors of a nested tuple/list structure, in order."""
    if isinstance(tree, (tuple, list)):
        return [leaf for t in tree for leaf in leaves(t)]
    return [tree] if isinstance(tree, Tensor) else []


def _wrapped(tape: Tape, sub: Module, orig: Callable, path: str, opaque: bool) -> Callable:
    def forward(*args: Any, **kwargs: Any) -> Any:
        if tracing.current() is not tape:
            return orig(*args, **kwargs)
        if opaque:
            with tracing.recording(None):
                out = orig(*args, **kwargs)
            tape.steps.append(HookCall(sub, path, args, kwargs, out, tuple(leaves(out))))
            return out
        tape.scopes.append(path)
        try:
            return orig(*args, **kwargs)
        finally:
            tape.scopes.pop()

    return forward


class _Patched:
    """Instance-level ``forward`` wrappers on the children of a module (removed on exit)."""

    def __init__(self, tape: Tape, module: Module, names: dict, opaque: Callable) -> None:
        self.subs = [m for m in module.modules() if m is not module]
        self.tape, self.names, self.opaque = tape, names, opaque

    def __enter__(self) -> None:
        for sub in self.subs:
            path = self.names.get(id(sub), type(sub).__name__)
            fwd = _wrapped(self.tape, sub, sub.forward, path, self.opaque(sub))
            object.__setattr__(sub, "forward", fwd)

    def __exit__(self, *exc: object) -> None:
        for sub in self.subs:
            sub.__dict__.pop("forward", None)


def trace(
    module: Module, args: tuple, kwargs: dict, names: dict[int, str],
    opaque: Callable[[Module], bool], scope: str = "",
) -> tuple[Tape, Any]:  # fmt: skip
    """Run ``module(*args, **kwargs)`` once, recording its ops; return the tape and the result.

    Parameters
    ----------
    module : Module
    args, kwargs
        The call's arguments (tensors where the forward takes tensors).
    names : dict
        ``id(module) -> dotted name`` for the scopes of recorded ops.
    opaque : callable
        ``opaque(child) -> bool``: run that child as one :class:`HookCall`.
    scope : str
        The name of ``module`` itself.
    """
    tape = Tape()
    tape.scopes = [scope]
    with no_grad(), _Patched(tape, module, names, opaque), tracing.recording(tape):
        result = module(*args, **kwargs)
    return tape, result


def iter_objects(step: TracedOp | HookCall) -> Iterator[Any]:
    """The arguments of a step, positional then keyword, flattened (tensors, arrays, constants)."""
    args = step.args
    kwargs = step.attrs if isinstance(step, TracedOp) else step.kwargs
    for a in (*args, *kwargs.values()):
        if isinstance(a, (tuple, list)):
            yield from _flatten(a)
        else:
            yield a


def _flatten(tree: Any) -> Iterator[Any]:
    if isinstance(tree, (tuple, list)):
        for t in tree:
            yield from _flatten(t)
    else:
        yield tree
