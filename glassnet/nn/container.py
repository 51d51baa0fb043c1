"""Containers: ``Sequential``, ``ModuleList``, ``ModuleDict``, ``ParameterList``,
``ParameterDict``."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from ..autograd import tracing
from ..autograd.grad_mode import is_grad_enabled
from ..tensor import Tensor
from .module import Module, Parameter

__all__ = ["Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict"]


def _swapped(a: Module, b: Module) -> bool:
    """Whether ``Sequential`` runs the adjacent modules ``a, b`` as ``a(b(x))``: ``b`` says
    it may run before ``a`` (:meth:`Module.runs_before`), and neither has hooks, which would
    see other values than the written order gives them."""
    return b.runs_before(a) and not _hooked(a) and not _hooked(b)


def _hooked(m: Module) -> bool:
    """Whether ``m`` has forward (pre-)hooks, which must see the written order's values."""
    return bool(m._forward_hooks or m._forward_pre_hooks)


def _run_fused(mods: tuple[Module, ...], i: int, x: Any, graph: bool) -> tuple[Any, int] | None:
    """``(output, next index)`` when ``mods[i]`` offers a fusion with the modules after it
    (:meth:`Module.graph_fusion` when ``graph``, else :meth:`Module.inference_fusion`),
    none of them has hooks and the fused function covers ``x``; else None."""
    m = mods[i]
    if _hooked(m):
        return None
    plan = m.graph_fusion(mods[i + 1 :]) if graph else m.inference_fusion(mods[i + 1 :])
    if plan is None:
        return None
    k, fn = plan
    if any(_hooked(n) for n in mods[i + 1 : i + 1 + k]):
        return None
    y = fn(x)
    return None if y is None else (y, i + 1 + k)


class Sequential(Module):
    """Modules applied in order; ``Sequential(a, b, c)(x) == c(b(a(x)))``.

    Accepts modules positionally (named ``'0'``, ``'1'``, ...) or one
    ``OrderedDict`` of named modules.

    A module may run before the one written just before it when it says that
    gives exactly the same values and gradients for less work
    (:meth:`Module.runs_before`: ``MaxPool2d`` after ``ReLU``); forward hooks on
    either keep the written order. A module may also run fused with the ones after it
    (``Conv2d``, ``ReLU``, ``MaxPool2d(2)`` as one blocked pass): without a graph
    (``no_grad``) through :meth:`Module.inference_fusion`, with one through
    :meth:`Module.graph_fusion`; again only where none of them has hooks, and not while an
    op trace is recorded (ONNX export).
    """

    def __init__(self, *modules: Module | Mapping[str, Module]) -> None:
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], Mapping):
            for name, m in modules[0].items():
                self.add_module(name, _check(m, name))
        else:
            for i, m in enumerate(modules):
                self.add_module(str(i), _check(m, str(i)))

    def forward(self, x: Any) -> Any:
        mods = tuple(self._modules.values())
        last = len(mods) - 1
        fuse = tracing.current() is None  # a trace sees every op
        graph = is_grad_enabled()
        i = 0
        while i <= last:
            m = mods[i]
            if fuse:
                fused = _run_fused(mods, i, x, graph)
                if fused is not None:
                    x, i = fused
                    continue
            if i < last and _swapped(m, mods[i + 1]):
                x = m(mods[i + 1](x))
                i += 2
            else:
                x = m(x)
                i += 1
        return x

    def append(self, module: Module) -> Sequential:
        """Add ``module`` at the end (named by its position); return self."""
        name = str(len(self._modules))
        self.add_module(name, _check(module, name))
        return self

    def __getitem__(self, idx: int | slice) -> Any:
        items = list(self._modules.items())
        if isinstance(idx, slice):
            return Sequential(OrderedDict(items[idx]))
        return items[idx][1]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())


class ModuleList(Module):
    """A list of modules, registered so their parameters are found."""

    def __init__(self, modules: Iterable[Module] = ()) -> None:
        super().__init__()
        for m in modules:
            self.append(m)

    def append(self, module: Module) -> ModuleList:
        """Add ``module`` at the end (named by its position); return self."""
        name = str(len(self._modules))
        self.add_module(name, _check(module, name))
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        for m in modules:
            self.append(m)
        return self

    def __getitem__(self, idx: int | slice) -> Any:
        items = list(self._modules.values())
        if isinstance(idx, slice):
            return ModuleList(items[idx])
        return items[idx]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())


class ModuleDict(Module):
    """A dict of modules, registered so their parameters are found."""

    def __init__(self, modules: Mapping[str, Module] | None = None) -> None:
        super().__init__()
        for k, m in (modules or {}).items():
            self[k] = m

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, _check(module, key))

    def __getitem__(self, key: str) -> Module:
        return self._modules[key]

    def __contains__(self, key: str) -> bool:
        return key in self._modules

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def keys(self) -> Iterable[str]:
        return self._modules.keys()

    def values(self) -> Iterable[Module]:
        return self._modules.values()

    def items(self) -> Iterable[tuple[str, Module]]:
        return self._modules.items()


def _as_parameter(value: Any) -> Any:
    """As torch's parameter containers: a plain Tensor becomes a :class:`Parameter`."""
    if isinstance(value, Tensor) and not isinstance(value, Parameter):
        return Parameter(value)
    return value


def _describe(value: Any) -> str:
    """One line for a parameter container's repr, as torch prints it."""
    if isinstance(value, Tensor):
        kind = "Parameter containing" if isinstance(value, Parameter) else "Tensor"
        size = "x".join(str(n) for n in value.shape)
        return f"{kind}: [glassnet.{value.dtype} of size {size}]"
    return f"Object of type: {type(value).__name__}"


class ParameterList(Module):
    """A list of parameters, registered (as ``'0'``, ``'1'``, ...) so optimizers find them.

    Plain tensors put in the list become :class:`Parameter` s, as in torch.

    Parameters
    ----------
    values : iterable of Tensor, optional
    """

    def __init__(self, values: Iterable[Any] | None = None) -> None:
        super().__init__()
        object.__setattr__(self, "_size", 0)
        if values is not None:
            self.extend(values)

    def _index(self, idx: int) -> str:
        if not isinstance(idx, int) or isinstance(idx, bool):
            raise TypeError(f"ParameterList: index must be an int or slice, got {idx!r}")
        n = self._size
        if not -n <= idx < n:
            raise IndexError(f"ParameterList: index {idx} is out of range for length {n}")
        return str(idx % n)

    def __getitem__(self, idx: int | slice) -> Any:
        if isinstance(idx, slice):
            return ParameterList(self[i] for i in range(self._size)[idx])
        return getattr(self, self._index(idx))

    def __setitem__(self, idx: int, value: Any) -> None:
        setattr(self, self._index(idx), _as_parameter(value))

    def __len__(self) -> int:
        return self._size

    def __iter__(self) -> Iterator[Any]:
        return (self[i] for i in range(self._size))

    def __iadd__(self, values: Iterable[Any]) -> ParameterList:
        return self.extend(values)

    def append(self, value: Any) -> ParameterList:
        """Add ``value`` at the end; return self."""
        object.__setattr__(self, "_size", self._size + 1)
        self[self._size - 1] = value
        return self

    def extend(self, values: Iterable[Any]) -> ParameterList:
        """Append each of ``values``; return self."""
        for v in values:
            self.append(v)
        return self

    def extra_repr(self) -> str:
        lines = [f"  ({i}): {_describe(v)}" for i, v in enumerate(self)]
        return "\n" + "\n".join(lines) + "\n" if lines else ""


class ParameterDict(Module):
    """A dict of parameters, registered under their keys so optimizers find them.

    Plain tensors put in the dict become :class:`Parameter` s, as in torch; keys keep their
    insertion order.

    Parameters
    ----------
    parameters : mapping or iterable of (str, Tensor) pairs, optional
    """

    def __init__(self, parameters: Any = None) -> None:
        super().__init__()
        object.__setattr__(self, "_keys", {})
        if parameters is not None:
            self.update(parameters)

    def __getitem__(self, key: str) -> Any:
        if key not in self._keys:
            raise KeyError(key)
        return getattr(self, key)

    def __setitem__(self, key: str, value: Any) -> None:
        if not isinstance(key, str):
            raise TypeError(f"ParameterDict: keys must be str, got {key!r}")
        self._keys[key] = None
        setattr(self, key, _as_parameter(value))

    def __delitem__(self, key: str) -> None:
        del self._keys[key]
        delattr(self, key)

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def __len__(self) -> int:
        return len(self._keys)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._keys))

    def keys(self) -> Iterable[str]:
        """The keys, in insertion order."""
        return list(self._keys)

    def values(self) -> Iterable[Any]:
        """The values, in insertion order."""
        return [self[k] for k in self._keys]

    def items(self) -> Iterable[tuple[str, Any]]:
        """``(key, value)`` pairs, in insertion order."""
        return [(k, self[k]) for k in self._keys]

    def get(self, key: str, default: Any = None) -> Any:
        """``self[key]`` if present, else ``default``."""
        return self[key] if key in self._keys else default

    def pop(self, key: str) -> Any:
        """Remove ``key`` and return its value."""
        value = self[key]
        del self[key]
        return value

    def setdefault(self, key: str, default: Any = None) -> Any:
        """``self[key]``, first setting it to ``default`` when absent."""
        if key not in self._keys:
            self[key] = default
        return self[key]

    def clear(self) -> None:
        """Remove every entry."""
        for k in list(self._keys):
            del self[k]

    def update(self, parameters: Any) -> None:
        """Add the entries of a mapping or of an iterable of ``(key, value)`` pairs."""
        pairs = (
            parameters.items() if isinstance(parameters, Mapping | ParameterDict) else parameters
        )
        for k, v in pairs:
            self[k] = v

    def extra_repr(self) -> str:
        lines = [f"  ({k}): {_describe(v)}" for k, v in self.items()]
        return "\n" + "\n".join(lines) + "\n" if lines else ""


def _check(m: Any, name: str) -> Module:
    if not isinstance(m, Module):
        raise TypeError(f"container: entry {name!r} is {type(m).__name__}, expected a Module")
    return m
