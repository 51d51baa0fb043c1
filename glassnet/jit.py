"""``torch.jit`` in glassnet: scripting and tracing run the code eagerly.

PyTorch compiles a scripted or traced model to TorchScript, a graph it can run without
Python and save to a file. glassnet has no second runtime: :func:`script` and
:func:`trace` hand back the module or function itself, so a script that compiles its
model for speed (``model = torch.jit.script(model)``) runs unchanged and computes the
same values. Each says so once with a warning, as ``torch.compile`` does here.

What differs, and says so:

- Nothing is compiled. A traced function keeps its Python control flow: where PyTorch
  freezes the branch the example took (and warns with a ``TracerWarning``), glassnet
  follows the branch each call takes, so the values are those of the eager model.
  :func:`trace` runs the model on the example as many times as PyTorch's tracer does
  (once; with ``check_trace=True`` five times for a module, three for a function), so
  that batch-norm statistics match.
- TorchScript files cannot be written or read: :func:`save` and :func:`load` refuse,
  naming the alternatives (a state dict with ``torch.save``, or ONNX with
  ``torch.onnx.export``). A module that :func:`script` returned has no ``.save()``
  either; the error names the same alternatives.
- :func:`is_scripting` and :func:`is_tracing` are False: the code always runs as Python.

The decorators (:func:`ignore`, :func:`unused`, :func:`export`, :func:`interface`,
:func:`script_if_tracing`) return what they decorate, :func:`annotate` its value, and
:func:`fork` runs the call at once, returning a :class:`Future` whose :meth:`Future.wait`
gives the result.
"""

from __future__ import annotations

import typing
import warnings
from collections.abc import Callable
from typing import Any

__all__ = [
    "script", "trace", "trace_module", "ignore", "unused", "export", "interface",
    "script_if_tracing", "is_scripting", "is_tracing", "annotate", "freeze",
    "optimize_for_inference", "save", "load", "fork", "wait", "Future", "Final",
    "Attribute", "ScriptModule", "ScriptFunction", "TracerWarning", "Error",
    "SCRIPT_MODULE_ONLY",
]  # fmt: skip

#: ``typing.Final``: TorchScript's marker for constant attributes (ignored here).
Final = typing.Final

#: What to use instead of a TorchScript file.
_ALTERNATIVES = (
    "save the weights with torch.save(model.state_dict(), path) (glassnet.save) or export an "
    "ONNX file with torch.onnx.export (glassnet.onnx.export)"
)

#: ``ScriptModule`` members that an eager module lacks; ``Module.__getattr__`` names
#: the alternatives when one is asked for.
SCRIPT_MODULE_ONLY = frozenset({"save", "code", "graph", "inlined_graph", "code_with_constants"})

_warned: set[str] = set()


class TracerWarning(Warning):
    """torch.jit's warning category for tracing; glassnet never raises it (nothing is traced)."""


class Error(RuntimeError):
    """torch.jit.Error: the exception TorchScript code raises; glassnet raises it nowhere."""


class ScriptModule:
    """torch.jit.ScriptModule: no glassnet object is one (:func:`script` returns the module)."""


class ScriptFunction:
    """torch.jit.ScriptFunction: no glassnet object is one (:func:`script` returns the function)."""


class Attribute:
    """``torch.jit.Attribute(value, type)``: gives ``value`` back, its type unchecked."""

    def __new__(cls, value: Any, type: Any = None) -> Any:  # noqa: A002 - torch's name
        return value


def _say_once(what: str) -> None:
    if what not in _warned:
        _warned.add(what)
        warnings.warn(
            f"torch.jit.{what}: glassnet runs the code eagerly (no TorchScript); the results "
            "are the same",
            stacklevel=3,
        )


def _callable(who: str, obj: Any) -> Any:
    if not callable(obj):
        raise TypeError(f"torch.jit.{who}: expected a Module or a function, got {type(obj).__name__}")
    return obj


def script(obj: Any, optimize: Any = None, _frames_up: int = 0, _rcb: Any = None,
           example_inputs: Any = None) -> Any:  # fmt: skip
    """``torch.jit.script``: ``obj`` itself (a Module, a function or a class), run eagerly.

    Parameters
    ----------
    obj : Module, function or class
    optimize, _frames_up, _rcb, example_inputs
        Accepted and unused (they steer TorchScript's compiler).

    Returns
    -------
    The same object.
    """
    _say_once("script")
    return _callable("script", obj)


def _traced_runs(module: bool, check_trace: bool) -> int:
    """How often PyTorch's tracer runs the code on the example: once; with its check, a
    function three times in Python, and a module five times (two traces, both traced graphs
    replayed, and the Python forward once more), each updating batch-norm statistics."""
    if not check_trace:
        return 1
    return 5 if module else 3


def _run_as_traced(who: str, fn: Callable, example_inputs: Any, runs: int,
                   kwargs: dict | None) -> None:  # fmt: skip
    if example_inputs is None and kwargs is None:
        raise ValueError(f"torch.jit.{who}: expected example_inputs (a tensor or a tuple), got None")
    args = example_inputs if isinstance(example_inputs, tuple) else (
        () if example_inputs is None else (example_inputs,))  # fmt: skip
    for _ in range(runs):
        fn(*args, **(kwargs or {}))


def trace(func: Any, example_inputs: Any = None, optimize: Any = None, check_trace: bool = True,
          check_inputs: Any = None, check_tolerance: float = 1e-5, strict: bool = True,
          _force_outplace: bool = False, _module_class: Any = None, _compilation_unit: Any = None,
          example_kwarg_inputs: dict | None = None, _store_inputs: bool = True) -> Any:  # fmt: skip
    """``torch.jit.trace``: ``func`` itself, after running it on the example as PyTorch does.

    Parameters
    ----------
    func : Module or function
    example_inputs : Tensor or tuple of Tensors
        Run through ``func`` as often as PyTorch's tracer runs it (once; with
        ``check_trace``, five times for a Module and three for a function), so side
        effects such as batch-norm statistics match.
    check_trace : bool, default True
    example_kwarg_inputs : dict, optional
        Keyword arguments for the runs (instead of ``example_inputs``).
    optimize, check_inputs, check_tolerance, strict, ...
        Accepted and unused.

    Returns
    -------
    The same Module or function; later calls run its Python code (see the module notes).
    """
    _say_once("trace")
    is_module = hasattr(func, "state_dict") and hasattr(func, "forward")
    _run_as_traced("trace", _callable("trace", func), example_inputs,
                   _traced_runs(is_module, check_trace), example_kwarg_inputs)  # fmt: skip
    return func


def trace_module(mod: Any, inputs: dict, optimize: Any = None, check_trace: bool = True,
                 check_inputs: Any = None, check_tolerance: float = 1e-5, strict: bool = True,
                 _force_outplace: bool = False, _module_class: Any = None,
                 _compilation_unit: Any = None, example_inputs_is_kwarg: bool = False,
                 _store_inputs: bool = True) -> Any:  # fmt: skip
    """``torch.jit.trace_module``: ``mod`` itself, each named method run on its example.

    Parameters
    ----------
    mod : Module
    inputs : dict
        Method name -> example input(s) (a dict of keyword arguments with
        ``example_inputs_is_kwarg``).
    """
    _say_once("trace_module")
    if not isinstance(inputs, dict):
        raise TypeError(f"torch.jit.trace_module: expected a dict of method name -> example "
                        f"inputs, got {type(inputs).__name__}")  # fmt: skip
    for name, example in inputs.items():
        method = getattr(mod, name)
        runs = _traced_runs(True, check_trace)
        if example_inputs_is_kwarg:
            _run_as_traced("trace_module", method, None, runs, example)
        else:
            _run_as_traced("trace_module", method, example, runs, None)
    return mod


def ignore(drop: Any = False, **kwargs: Any) -> Any:
    """``@torch.jit.ignore`` and ``@torch.jit.ignore(drop=True)``: the function itself."""
    if callable(drop):
        return drop
    return lambda fn: fn


def unused(fn: Callable) -> Callable:
    """``@torch.jit.unused``: the function itself."""
    return fn


def export(fn: Callable) -> Callable:
    """``@torch.jit.export``: the method itself."""
    return fn


def interface(obj: Any) -> Any:
    """``@torch.jit.interface``: the class itself."""
    return obj


def script_if_tracing(fn: Callable) -> Callable:
    """``@torch.jit.script_if_tracing``: the function itself."""
    return fn


def is_scripting() -> bool:
    """False: glassnet always runs the Python code."""
    return False


def is_tracing() -> bool:
    """False: glassnet always runs the Python code."""
    return False


def annotate(the_type: Any, the_value: Any) -> Any:
    """``torch.jit.annotate``: ``the_value``."""
    return the_value


def freeze(mod: Any, preserved_attrs: list[str] | None = None, optimize_numerics: bool = True) -> Any:
    """``torch.jit.freeze``: ``mod`` itself (PyTorch needs it in eval mode; so does glassnet)."""
    if getattr(mod, "training", False):
        raise RuntimeError("torch.jit.freeze: expected a module in eval mode (call .eval() "
                           "first), got one in training mode")  # fmt: skip
    return mod


def optimize_for_inference(mod: Any, other_methods: list[str] | None = None) -> Any:
    """``torch.jit.optimize_for_inference``: ``mod`` itself, in eval mode as PyTorch leaves it."""
    if hasattr(mod, "eval"):
        mod.eval()
    return mod


def save(m: Any, f: Any, _extra_files: Any = None) -> None:
    """Refused: glassnet writes no TorchScript archives."""
    raise NotImplementedError(f"torch.jit.save: glassnet cannot write TorchScript; {_ALTERNATIVES}")


def load(f: Any, map_location: Any = None, _extra_files: Any = None) -> Any:
    """Refused: glassnet cannot run TorchScript archives."""
    raise NotImplementedError(
        f"torch.jit.load: glassnet cannot read TorchScript archives ({f!r}); load a state dict "
        "saved with torch.save(model.state_dict(), path) into the model's class instead"
    )


class Future:
    """The result of :func:`fork`, already computed."""

    def __init__(self, value: Any) -> None:
        self._value = value

    def wait(self) -> Any:
        """The forked call's result."""
        return self._value

    def done(self) -> bool:
        """True: the call ran when it was forked."""
        return True

    def value(self) -> Any:
        """The forked call's result."""
        return self._value


def fork(func: Callable, *args: Any, **kwargs: Any) -> Future:
    """``torch.jit.fork``: runs ``func(*args, **kwargs)`` now; ``wait`` gives its result."""
    return Future(func(*args, **kwargs))


def wait(future: Future) -> Any:
    """``torch.jit.wait``: the result of a :func:`fork`."""
    if not isinstance(future, Future):
        raise TypeError(f"torch.jit.wait: expected the Future that torch.jit.fork returned, got "
                        f"{type(future).__name__}")  # fmt: skip
    return future.wait()
