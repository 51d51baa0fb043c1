"""The ONNX converter registries: one converter per Function class, and per-Module overrides.

A traced model is converted op by op: each :class:`~glassnet.autograd.function.Function`
class has one converter, registered with :func:`register_onnx_function` (glassnet's own
live in ``onnx_ops.py``, ``onnx_nn.py`` and ``onnx_seq.py``). Function classes that can
not be exported say why with :func:`mark_not_exportable`.

A Module is never converted as such, except when it asks to be opaque: a ``to_onnx``
method on its class, or a converter registered for it with
:func:`register_onnx_converter`. Its forward is then not traced into.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..autograd.function import Function
from ..nn.module import Module

__all__ = [
    "register_onnx_function", "mark_not_exportable", "onnx_function_converters",
    "not_exportable_functions", "register_onnx_converter", "supported_onnx_modules",
]  # fmt: skip

Converter = Callable[..., Any]
_FUNCTIONS: dict[type, Converter] = {}
_NOT_EXPORTABLE: dict[type, str] = {}
_MODULES: dict[type, Converter] = {}
_BATCH_AXES: dict[type, Callable[..., list]] = {}
_BATCH_ATTRS: dict[type, set[str]] = {}


# ------------------------------------------------------------------ Functions
def register_onnx_function(cls: type, fn: Converter | None = None) -> Any:
    """Register ``fn(builder, op)`` as the ONNX converter of the Function class ``cls``.

    Usable as a decorator: ``@register_onnx_function(MyOp)``. A later registration
    for the same class replaces the earlier one.

    Parameters
    ----------
    cls : type
        A :class:`~glassnet.autograd.function.Function` subclass (subclasses need
        their own converter: their forward may differ).
    fn : callable, optional
        ``fn(builder, op)``, where ``op`` is an :class:`~glassnet.io.onnx_graph.OpView`
        (the Function instance as ``op.fn``, its keyword attributes as ``op.attrs``,
        its inputs as ONNX value names through ``op.input(i)``). It emits nodes with
        the builder and returns the output value name, or one name per output for an
        op that returns a tuple.

    Returns
    -------
    callable
        ``fn`` (or a decorator when ``fn`` is omitted).
    """
    if not (isinstance(cls, type) and issubclass(cls, Function)):
        raise TypeError(f"register_onnx_function: cls must be a Function subclass, got {cls!r}")
    if fn is None:
        return lambda f: register_onnx_function(cls, f)
    if not callable(fn):
        raise TypeError(f"register_onnx_function: fn must be callable, got {fn!r}")
    _FUNCTIONS[cls] = fn
    _NOT_EXPORTABLE.pop(cls, None)
    return fn


def mark_batch_attrs(cls: type, *names: str) -> None:
    """Say that the converter of the Function class ``cls`` computes its keyword attributes
    ``names`` from the graph when they change with the batch size (a ``Reshape``'s
    ``shape``). Any other attribute that changes with the batch size is refused on export,
    since the graph would hold the example's value."""
    _BATCH_ATTRS.setdefault(cls, set()).update(names)


def batch_attrs(cls: type) -> set[str]:
    """The attributes of ``cls`` its converter computes when they follow the batch."""
    return _BATCH_ATTRS.get(cls, set())


def mark_not_exportable(cls: type, reason: str) -> None:
    """Record that the Function class ``cls`` has no ONNX form, and why (shown on export)."""
    if not (isinstance(cls, type) and issubclass(cls, Function)):
        raise TypeError(f"mark_not_exportable: cls must be a Function subclass, got {cls!r}")
    _NOT_EXPORTABLE[cls] = str(reason)


def onnx_function_converters() -> dict[type, Converter]:
    """``{Function class: converter}`` for every Function class that exports (a copy)."""
    return dict(_FUNCTIONS)


def not_exportable_functions() -> dict[type, str]:
    """``{Function class: reason}`` for the Function classes that have no ONNX form (a copy)."""
    return dict(_NOT_EXPORTABLE)


def function_converter(cls: type) -> Converter | None:
    return _FUNCTIONS.get(cls)


def not_exportable_reason(cls: type) -> str | None:
    return _NOT_EXPORTABLE.get(cls)


# ------------------------------------------------------------------ Modules
def register_onnx_converter(
    cls: type, fn: Converter | None = None, *, batch_axes: Callable[..., list] | None = None
) -> Any:
    """Register ``fn(builder, module, *args, **kwargs)`` as the ONNX converter of a Module class.

    Only for opaque custom ops: modules made of glassnet ops need no converter (the
    exporter traces their forward). A module with a converter is not traced into;
    the converter emits its nodes instead, exactly like a ``to_onnx`` method.
    Usable as a decorator: ``@register_onnx_converter(MyLayer)``.

    Parameters
    ----------
    cls : type
        A :class:`~glassnet.nn.Module` subclass. The converter also serves
        subclasses that do not override ``forward``.
    fn : callable, optional
        ``fn(builder, module, *args, **kwargs)``; ``args`` are
        :class:`~glassnet.io.OnnxValue` where the module's forward receives
        tensors. It returns ONNX value names in the structure ``forward`` returns.
    batch_axes : callable, optional
        ``batch_axes(module, *example_args) -> list`` giving, for each tensor
        input in order, the axis that :func:`~glassnet.io.export_onnx` makes
        dynamic when this module is the exported model (``None`` for none).

    Returns
    -------
    callable
        ``fn`` (or a decorator when ``fn`` is omitted).
    """
    if not (isinstance(cls, type) and issubclass(cls, Module)):
        raise TypeError(f"register_onnx_converter: cls must be a Module subclass, got {cls!r}")
    if fn is None:
        return lambda f: register_onnx_converter(cls, f, batch_axes=batch_axes)
    if not callable(fn):
        raise TypeError(f"register_onnx_converter: fn must be callable, got {fn!r}")
    _MODULES[cls] = fn
    if batch_axes is not None:
        _BATCH_AXES[cls] = batch_axes
    else:
        _BATCH_AXES.pop(cls, None)
    return fn


def register_batch_axes(cls: type, fn: Callable[..., list]) -> None:
    """Say which axis of each input is the batch when a ``cls`` module is the exported model."""
    _BATCH_AXES[cls] = fn


def supported_onnx_modules() -> list[str]:
    """Names of the Module classes with a registered converter (opaque custom ops), sorted."""
    return sorted({c.__name__ for c in _MODULES})


def _registered_class(module: Module) -> type | None:
    for cls in type(module).__mro__:
        if cls in _MODULES and (cls is type(module) or type(module).forward is cls.forward):
            return cls
    return None


def module_converter(module: Module) -> Converter | None:
    """The converter that makes ``module`` opaque (its ``to_onnx``, or a registered one)."""
    if callable(getattr(type(module), "to_onnx", None)):
        return lambda b, m, *a, **k: m.to_onnx(b, *a, **k)
    cls = _registered_class(module)
    return None if cls is None else _MODULES[cls]


def default_batch_axes(module: Module) -> Callable[..., list] | None:
    """The batch-axes rule for ``module`` as the exported model (by class, through the MRO)."""
    for cls in type(module).__mro__:
        if cls in _BATCH_AXES:
            return _BATCH_AXES[cls]
    return None
