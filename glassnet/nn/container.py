"""Containers: ``Sequential``, ``ModuleList``, ``ModuleDict``, ``ParameterList``,
``ParameterDict``."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import numpy as np

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
    """Whether ``m`` has forward (pre-)hooks, which must see the written order's values, or
    backward hooks, which need the module called on its own."""
    d = m.__dict__
    return bool(
        m._forward_hooks or m._forward_pre_hooks or d.get("_backward_hooks")
        or d.get("_backward_pre_hooks")
    )


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


class _ModuleSequence(Module):
    """The list operations ``Sequential`` and ``ModuleList`` share, with torch's semantics:
    children are named by position, and deleting or inserting renumbers them."""

    def _key(self, idx: Any) -> str:
        """The name of the child at position ``idx`` (negative counts from the end)."""
        if isinstance(idx, bool) or not hasattr(idx, "__index__"):
            raise TypeError(
                f"{type(self).__name__}: indices must be integers or slices, got {idx!r}"
            )
        n, idx = len(self._modules), idx.__index__()
        if not -n <= idx < n:
            raise IndexError(f"index {idx} is out of range")
        return list(self._modules)[idx % n]

    def _renumber(self, mods: list[Module] | None = None) -> None:
        """Name the children (``mods``, or the present ones) ``'0'``, ``'1'``, ... in order."""
        mods = list(self._modules.values()) if mods is None else mods
        self._modules.clear()
        self._modules.update((str(i), m) for i, m in enumerate(mods))

    def __setitem__(self, idx: int, module: Module) -> None:
        key = self._key(idx)
        self._modules[key] = _check(module, key)

    def __delitem__(self, idx: int | slice) -> None:
        keys = list(self._modules)[idx] if isinstance(idx, slice) else [self._key(idx)]
        for key in keys:
            del self._modules[key]
        self._renumber()

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __dir__(self) -> list[str]:
        return [k for k in super().__dir__() if not k.isdigit()]

    def append(self, module: Module) -> Any:
        """Add ``module`` at the end (named by its position); return self."""
        name = str(len(self._modules))
        self.add_module(name, _check(module, name))
        return self

    def extend(self, modules: Iterable[Module]) -> Any:
        """Append each of ``modules``; return self."""
        for m in modules:
            self.append(m)
        return self

    def insert(self, index: int, module: Module) -> Any:
        """Put ``module`` at position ``index`` (negative counts from the end, as a list's
        ``insert``); the modules from there on move up one; return self."""
        mods = list(self._modules.values())
        n = len(mods)
        if not -n <= index <= n:
            raise IndexError(f"{type(self).__name__}.insert: index {index} is out of range")
        mods.insert(index, _check(module, str(index)))
        self._renumber(mods)
        return self

    def pop(self, idx: int | slice = -1) -> Any:
        """Remove the module(s) at ``idx`` and return it (them), renumbering the rest."""
        taken = self[idx]
        del self[idx]
        return taken


class Sequential(_ModuleSequence):
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

    def __getitem__(self, idx: int | slice) -> Any:
        if isinstance(idx, slice):  # the modules keep their names, as in torch
            return Sequential(OrderedDict(list(self._modules.items())[idx]))
        return self._modules[self._key(idx)]

    def __add__(self, other: Sequential) -> Sequential:
        if not isinstance(other, Sequential):
            raise ValueError(f"Sequential: + takes another Sequential, got {type(other).__name__}")
        return Sequential(*self, *other)

    def __iadd__(self, other: Sequential) -> Sequential:
        if not isinstance(other, Sequential):
            raise ValueError(f"Sequential: += takes another Sequential, got {type(other).__name__}")
        return self.extend(list(other))

    def __mul__(self, times: int) -> Sequential:
        return Sequential(*(list(self) * _repeats(times)))

    __rmul__ = __mul__

    def __imul__(self, times: int) -> Sequential:
        return self.extend(list(self) * (_repeats(times) - 1))


def _repeats(times: Any) -> int:
    """``times`` for ``Sequential * times``: a positive int, as torch requires."""
    if isinstance(times, bool) or not isinstance(times, int):
        raise TypeError(f"Sequential: can only be multiplied by an int, got {type(times).__name__}")
    if times <= 0:
        raise ValueError(f"Sequential: can only be multiplied by a positive int, got {times}")
    return times


class ModuleList(_ModuleSequence):
    """A list of modules, registered so their parameters are found.

    Indexing, slicing, ``append``, ``extend``, ``insert``, ``pop``, ``del``, ``+`` and
    ``+=`` behave as torch's (children are renamed ``'0'``, ``'1'``, ... after a change);
    ``insert`` also takes a negative index, as a Python list does.
    """

    def __init__(self, modules: Iterable[Module] = ()) -> None:
        super().__init__()
        for m in modules:
            self.append(m)

    def __getitem__(self, idx: int | slice) -> Any:
        if isinstance(idx, slice):
            return ModuleList(list(self._modules.values())[idx])
        return self._modules[self._key(idx)]

    def __add__(self, other: Iterable[Module]) -> ModuleList:
        return ModuleList([*self, *other])

    def __iadd__(self, other: Iterable[Module]) -> ModuleList:
        return self.extend(other)

    def insert(self, index: int, module: Module) -> None:  # torch's returns None here
        """Put ``module`` at position ``index``; the modules from there on move up one."""
        super().insert(index, module)

    def __repr__(self) -> str:
        """torch's: a run of children with the same repr is one line, ``(2-4): 3 x ReLU()``."""
        runs: list[list] = []  # [first index, last index, repr]
        for i, m in enumerate(self):
            r = repr(m)
            if runs and runs[-1][2] == r:
                runs[-1][1] = i
            else:
                runs.append([i, i, r])
        if not runs:
            return "ModuleList()"
        lines = []
        for first, last, r in runs:
            r = r.replace("\n", "\n  ")
            head = f"({first})" if first == last else f"({first}-{last}): {last - first + 1} x"
            lines.append(f"  {head}: {r}" if first == last else f"  {head} {r}")
        return f"{type(self).__name__}(\n" + "\n".join(lines) + "\n)"


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

    def __delitem__(self, key: str) -> None:
        del self._modules[key]

    def pop(self, key: str) -> Module:
        """Remove the module under ``key`` and return it."""
        return self._modules.pop(key)

    def clear(self) -> None:
        """Remove every module."""
        self._modules.clear()

    def update(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]]) -> None:
        """Add (or replace) modules from a mapping or from ``(key, module)`` pairs."""
        pairs = modules.items() if isinstance(modules, (Mapping, ModuleDict)) else modules
        for j, pair in enumerate(pairs):
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise ValueError(
                    f"ModuleDict.update: element #{j} should be a (key, module) pair, got {pair!r}"
                )
            self[pair[0]] = pair[1]

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


#: torch's legacy tensor type names, which ``ParameterDict``'s repr prints (``torch.typename``)
_LEGACY_TYPES = {
    "float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor", "int64": "LongTensor",
    "int32": "IntTensor", "int16": "ShortTensor", "int8": "CharTensor", "uint8": "ByteTensor",
    "bool": "BoolTensor",
}


def _describe(value: Any, legacy: bool = False) -> str:
    """One line for a parameter container's repr, as torch prints it (``legacy``: the type
    named as ``torch.FloatTensor``, as torch's ``ParameterDict`` names it)."""
    if isinstance(value, Tensor):
        kind = "Parameter containing" if isinstance(value, Parameter) else "Tensor"
        size = "x".join(str(n) for n in value.shape)
        dtype = value.dtype  # a TorchDType, printed as torch.float32, under glassnet run
        name = f"glassnet.{dtype}" if isinstance(dtype, np.dtype) else str(dtype)
        if legacy and not isinstance(dtype, np.dtype) and np.dtype(dtype).name in _LEGACY_TYPES:
            name = f"torch.{_LEGACY_TYPES[np.dtype(dtype).name]}"
        return f"{kind}: [{name} of size {size}]"
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
        return "\n".join(f"  ({i}): {_describe(v)}" for i, v in enumerate(self))  # torch's indent


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
        return "\n".join(f"  ({k}): {_describe(v, legacy=True)}" for k, v in self.items())


def _check(m: Any, name: str) -> Module:
    if not isinstance(m, Module):
        raise TypeError(f"container: entry {name!r} is {type(m).__name__}, expected a Module")
    return m
