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

In-place changes (``out += identity``, ``x.relu_()``, ``F.relu(x, inplace=True)``)
reach the tape through :meth:`Tape.inplace`: the op is recorded out of place, the
steps so far are rewritten to read the tensor's old value under a new tensor, and an
identity step makes the changed tensor the new value. A later step that reads the old
array through another tensor (a view) is refused, since the graph could not follow.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..autograd import tracing
from ..autograd.grad_mode import no_grad
from ..nn.module import Module
from ..ops.arithmetic import Clone
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
        self.originals: dict[int, Tensor] = {}
        self._changes: list[tuple[int, Tensor, str, str]] = []
        self._keep: list[Tensor] = []
        self._pending: tuple[Tensor, Tensor] | None = None

    def apply(self, cls: type, args: tuple, kwargs: dict) -> Any:
        """Run ``cls`` on ``args`` (no graph, nothing saved for backward) and record it."""
        if self._pending is not None:  # the tensor changing in place is read as its old value
            args, kwargs = _swap(args, *self._pending), _swap(kwargs, *self._pending)
        ctx = cls()
        ctx.requires_grad = False
        ctx.needs_input_grad = (False,) * len(args)
        arrays = [a.array if isinstance(a, Tensor) else a for a in args]
        out = ctx.forward(*arrays, **kwargs)
        multi = type(out) is tuple
        outs = tuple(Tensor._make(o, False, None, 0) for o in (out if multi else (out,)))
        self.steps.append(TracedOp(ctx, tuple(args), dict(kwargs), outs, multi, self.scopes[-1]))
        return outs if multi else outs[0]

    def inplace(self, t: Tensor, name: str, compute: Callable[[Tensor], Tensor]) -> None:
        """Record the in-place op ``name`` on ``t``: ``t`` becomes ``compute(old value)``.

        The steps recorded so far are rewritten to read (and make) a new tensor that
        holds ``t``'s old array; ``compute`` runs the op out of place on that tensor
        (recorded as usual), and an identity step gives ``t`` the result.
        """
        before = Tensor._make(t.array, False, None, 0)
        self.originals.setdefault(id(t), before)
        self._keep.append(t)
        for step in self.steps:
            _swap_step(step, t, before)
        self._changes.append((len(self.steps), before, name, self.scopes[-1]))
        self._pending = (t, before)
        try:
            out = compute(before)
        finally:
            self._pending = None
        ctx = Clone()
        ctx.requires_grad, ctx.needs_input_grad = False, (False,)
        self.steps.append(TracedOp(ctx, (out,), {}, (t,), False, self.scopes[-1]))
        t.array = out.array

    def original(self, t: Any) -> Any:
        """The tensor that stands for ``t``'s value before any in-place change (else ``t``)."""
        return self.originals.get(id(t), t) if isinstance(t, Tensor) else t

    def check_views(self, result: Any) -> None:
        """Refuse a later read of an array changed in place through another tensor (a view):
        the in-place op wrote into that memory, which the graph cannot follow."""
        for start, before, name, scope in self._changes:
            old = before.array
            later = [o for s in self.steps[start:] for o in iter_objects(s)] + leaves(result)
            for obj in later:
                arr = obj.array if isinstance(obj, Tensor) else obj
                if obj is before or not isinstance(arr, np.ndarray) or arr.size == 0:
                    continue
                if np.may_share_memory(arr, old):
                    where = f"module {scope!r}" if scope else "the model"
                    raise RuntimeError(
                        f"export_onnx: {name} in {where} changes a tensor of shape "
                        f"{tuple(old.shape)} in place, and a tensor that shares its memory (a "
                        f"view, such as x[0] or x.view(...), or the tensor the view was taken "
                        f"of) is read afterwards; the exported graph cannot follow the change "
                        f"through the view. Use the out-of-place op ({name.rstrip('_')}) there"
                    )


def _swap(tree: Any, t: Tensor, new: Tensor) -> Any:
    if tree is t:
        return new
    if isinstance(tree, (tuple, list)):
        items = [_swap(x, t, new) for x in tree]
        return type(tree)(*items) if hasattr(tree, "_fields") else type(tree)(items)
    if isinstance(tree, dict):
        return {k: _swap(v, t, new) for k, v in tree.items()}
    return tree


def _swap_step(step: TracedOp | HookCall, t: Tensor, new: Tensor) -> None:
    """Make ``step`` read and produce ``new`` where it had ``t``."""
    step.args = _swap(step.args, t, new)
    step.outputs = _swap(step.outputs, t, new)
    if isinstance(step, TracedOp):
        step.attrs = _swap(step.attrs, t, new)
    else:
        step.kwargs = _swap(step.kwargs, t, new)
        step.result = _swap(step.result, t, new)


def leaves(tree: Any) -> list[Tensor]:
    """The tensors of a nested tuple/list/dict structure (dict values in order), in order."""
    if isinstance(tree, (tuple, list)):
        return [leaf for t in tree for leaf in leaves(t)]
    if isinstance(tree, dict):
        return [leaf for t in tree.values() for leaf in leaves(t)]
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
        except Exception as e:
            _note_scope(e, path, sub)
            raise
        finally:
            tape.scopes.pop()

    return forward


def _note_scope(e: Exception, path: str, module: Module) -> None:
    """Name the innermost module whose forward raised ``e`` while tracing (a note on ``e``)."""
    if not getattr(e, "_glassnet_scope_noted", False):
        e.add_note(f"(raised while tracing module {path!r} ({type(module).__name__}) for export)")
        e._glassnet_scope_noted = True  # type: ignore[attr-defined]


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
    tape.check_views(result)
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
