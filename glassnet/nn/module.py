"""``Module`` and ``Parameter``: the building blocks of models.

A module registers parameters, buffers and child modules by plain attribute
assignment (``self.weight = Parameter(...)``, ``self.fc = Linear(...)``);
``parameters()``, ``state_dict()``, ``train()``/``eval()``, ``to()`` and the
printed tree all follow from that registration, as in PyTorch.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from typing import Any, NamedTuple

import numpy as np

from .. import _dtypes, backend
from .. import _memory_format as _mf
from .._torch_args import to_args as _to_args
from ..jit import SCRIPT_MODULE_ONLY
from ..tensor import Tensor
from .backward_hooks import hooked_call
from .summary import ModelSummary, summarize

__all__ = [
    "Module", "Parameter", "Buffer", "IncompatibleKeys", "RemovableHandle", "StateDictKeyError",
]  # fmt: skip


class Parameter(Tensor):
    """A tensor that a :class:`Module` registers as a learnable parameter.

    Parameters
    ----------
    data : array-like
        Initial values (float32 unless an array of another float dtype is given).
    requires_grad : bool, default True
    """

    __slots__ = ()

    def __init__(self, data: Any, requires_grad: bool = True) -> None:
        if isinstance(data, Tensor):
            data = data.array
        super().__init__(data, requires_grad=requires_grad)
        if self.array.dtype.kind != "f":
            raise TypeError(f"Parameter: expected floating data, got dtype {self.array.dtype}")

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


class Buffer(Tensor):
    """Marks a tensor to register as a (non-learnable) buffer: ``self.stats = Buffer(...)``."""

    __slots__ = ()


class StateDictKeyError(KeyError, RuntimeError):
    """Missing or unexpected keys in a strict ``load_state_dict``: a ``KeyError``, and the
    ``RuntimeError`` torch raises, so ``except RuntimeError:`` fallbacks in scripts work."""

    def __str__(self) -> str:  # the message as written, as RuntimeError's (not KeyError's repr)
        return str(self.args[0]) if self.args else ""


def _torch_key_lines(name: str, missing: list[str], unexpected: list[str]) -> str:
    """torch's wording of a strict ``load_state_dict`` failure (scripts search it for
    ``"Missing key(s)"``), appended to glassnet's own message."""
    lines = [f"\n\tError(s) in loading state_dict for {name}:"]
    for title, keys in (("Missing", missing), ("Unexpected", unexpected)):
        if keys:
            lines.append(f"\n\t{title} key(s) in state_dict: " + ", ".join(f'"{k}"' for k in keys) + ".")
    return "".join(lines)


class IncompatibleKeys(NamedTuple):
    missing_keys: list[str]
    unexpected_keys: list[str]

    def __repr__(self) -> str:
        """torch's text: ``<All keys matched successfully>`` when nothing is missing or
        unexpected (``print(model.load_state_dict(sd))``), else the keys."""
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return f"_IncompatibleKeys(missing_keys={self.missing_keys}, unexpected_keys={self.unexpected_keys})"

    __str__ = __repr__


class _KwargsHook:
    """A forward (pre-)hook registered with ``with_kwargs=True``: it also gets the keyword
    arguments of the call, as torch's."""

    def __init__(self, hook: Callable) -> None:
        self.hook = hook

    def __call__(self, *args: Any) -> Any:
        return self.hook(*args)


class RemovableHandle:
    """Returned by ``register_*_hook``; ``remove()`` unregisters the hook."""

    _next_id = 0

    def __init__(self, registry: dict) -> None:
        self.registry = registry
        self.id = RemovableHandle._next_id
        RemovableHandle._next_id += 1

    def remove(self) -> None:
        self.registry.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


def _is_plain_tensor(value: Any) -> bool:
    return isinstance(value, Tensor) and not isinstance(value, (Parameter, Buffer))


class Module:
    """Base class of all layers and models.

    Subclasses create parameters and children in ``__init__`` and define
    ``forward``; calling the module runs ``forward`` (with any hooks).
    """

    training: bool

    def __init__(self) -> None:
        # plain dicts, as torch's (ModuleDict.keys() prints dict_keys([...]))
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_buffers", {})
        object.__setattr__(self, "_non_persistent", set())
        object.__setattr__(self, "_modules", {})
        object.__setattr__(self, "_forward_hooks", OrderedDict())
        object.__setattr__(self, "_forward_pre_hooks", OrderedDict())
        object.__setattr__(self, "training", True)

    # ----------------------------------------------------------- registration
    def __setattr__(self, name: str, value: Any) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError(
                f"{type(self).__name__}: call super().__init__() before assigning attributes"
            )
        if name in self._buffers and (value is None or _is_plain_tensor(value)):
            self._buffers[name] = value  # as torch: a tensor assigned to a buffer stays one
            return
        if name in self._parameters and value is not None and not isinstance(value, Parameter):
            raise TypeError(
                f"{type(self).__name__}: cannot assign {type(value).__name__} as parameter "
                f"{name!r} (a Parameter or None expected; to change its values in place use "
                f"`with no_grad(): self.{name}.copy_(value)`)"
            )
        if isinstance(value, Parameter):
            target, stored = self._parameters, value
        elif isinstance(value, Module):
            target, stored = self._modules, value
        elif isinstance(value, Buffer):
            target, stored = self._buffers, Tensor._make(value.array, False, None, 0)
        else:
            target, stored = None, value
        for store in (self._parameters, self._buffers, self._modules):
            if store is not target:
                store.pop(name, None)
        if target is None:
            object.__setattr__(self, name, value)
        else:
            # as torch: replacing a child or parameter keeps its place in the order
            target[name] = stored
            self.__dict__.pop(name, None)

    def __getattr__(self, name: str) -> Any:
        d = self.__dict__
        for store in ("_parameters", "_buffers", "_modules"):
            if store in d and name in d[store]:
                return d[store][name]
        if name in SCRIPT_MODULE_ONLY:
            raise AttributeError(
                f"'{type(self).__name__}' object has no attribute '{name}': it is a TorchScript "
                "module's, and glassnet's torch.jit.script/trace return the module itself (run "
                "eagerly); save the weights with torch.save(model.state_dict(), path) or export "
                "ONNX with torch.onnx.export"
            )
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        for store in (self._parameters, self._buffers, self._modules):
            if name in store:
                del store[name]
                return
        object.__delattr__(self, name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Register ``param`` under ``name`` (``None`` declares an absent parameter, e.g. no bias)."""
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"register_parameter: expected a Parameter for {name!r}")
        self.__dict__.pop(name, None)
        self._parameters[name] = param

    def register_buffer(self, name: str, value: Any, persistent: bool = True) -> None:
        """Register a non-learnable tensor (running statistics); saved in ``state_dict`` if persistent."""
        self.__dict__.pop(name, None)
        self._buffers[name] = None if value is None else Tensor(value)
        if not persistent:
            self._non_persistent.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        """Register ``module`` as the child ``name`` (``None`` declares an absent child)."""
        self.__dict__.pop(name, None)
        self._modules[name] = module

    def register_module(self, name: str, module: Module | None) -> None:
        """torch's other name of :meth:`add_module`."""
        self.add_module(name, module)

    # ------------------------------------------------------------- traversal
    def named_parameters(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Parameter]]:
        """``(name, parameter)`` pairs with dotted names (``'fc1.weight'``); shared ones once
        unless ``remove_duplicate=False`` (then under every name, as torch's)."""
        seen: set[int] = set()
        mods = (
            self.named_modules(prefix, remove_duplicate=remove_duplicate)
            if recurse
            else [(prefix, self)]
        )
        for mprefix, m in mods:
            for name, p in m._parameters.items():
                if p is None or (remove_duplicate and id(p) in seen):
                    continue
                seen.add(id(p))
                yield (f"{mprefix}.{name}" if mprefix else name), p

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = "", recurse: bool = True) -> Iterator[tuple[str, Tensor]]:
        mods = self.named_modules(prefix) if recurse else [(prefix, self)]
        for mprefix, m in mods:
            for name, b in m._buffers.items():
                if b is not None:
                    yield (f"{mprefix}.{name}" if mprefix else name), b

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def named_children(self) -> Iterator[tuple[str, Module]]:
        for name, m in self._modules.items():
            if m is not None:
                yield name, m

    def children(self) -> Iterator[Module]:
        for _, m in self.named_children():
            yield m

    def named_modules(
        self, prefix: str = "", *, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Module]]:
        """This module and all below it, depth first, with dotted names (iterative).

        A module reached under several names is given once, under its first, unless
        ``remove_duplicate=False`` (as torch's).
        """
        seen: set[int] = set()
        stack: list[tuple[str, Module]] = [(prefix, self)]
        while stack:
            name, m = stack.pop()
            if remove_duplicate and id(m) in seen:
                continue
            seen.add(id(m))
            yield name, m
            kids = [(f"{name}.{k}" if name else k, c) for k, c in m.named_children()]
            stack.extend(reversed(kids))

    def modules(self) -> Iterator[Module]:
        for _, m in self.named_modules():
            yield m

    def get_submodule(self, target: str) -> Module:
        """The module at a dotted path such as ``'features.0'``; a clear error if absent."""
        if target == "":
            return self
        mod: Module = self
        for part in target.split("."):
            if part not in mod._modules or mod._modules[part] is None:
                names = [n for n, _ in self.named_modules() if n]
                raise AttributeError(
                    f"{type(self).__name__} has no submodule {target!r}; "
                    f"submodules are: {', '.join(names) or '(none)'}"
                )
            mod = mod._modules[part]
        return mod

    def get_parameter(self, target: str) -> Parameter:
        """The parameter at a dotted path such as ``'features.0.weight'`` (torch's)."""
        return self._get_entry(target, "_parameters", "parameter")

    def get_buffer(self, target: str) -> Tensor:
        """The buffer at a dotted path such as ``'bn.running_mean'`` (torch's)."""
        return self._get_entry(target, "_buffers", "buffer")

    def _get_entry(self, target: str, store: str, kind: str) -> Any:
        path, _, name = target.rpartition(".")
        mod = self.get_submodule(path)
        found = mod.__dict__[store].get(name)
        if found is None:
            raise AttributeError(f"{type(mod).__name__} has no {kind} {name!r} (asked for {target!r})")
        return found

    def apply(self, fn: Callable[[Module], None]) -> Module:
        """Call ``fn`` on every submodule, children before parents, then this module; return self."""
        for m in list(self.modules())[::-1]:
            fn(m)
        return self

    def num_parameters(self, trainable_only: bool = False) -> int:
        """The number of parameter elements (only those that require grad with ``trainable_only``)."""
        return sum(p.numel() for p in self.parameters() if p.requires_grad or not trainable_only)

    def summary(
        self, input_shape: Any = None, *, dtype: Any = None, input_data: Any = None
    ) -> ModelSummary:
        """A table of the layers: output shape, parameters, FLOPs and activation memory.

        Runs the model once on zeros of ``input_shape`` (batch dimension
        included, e.g. ``(1, 1, 28, 28)``; a list of shapes for several inputs;
        ``dtype=gn.int64`` for token indices) or on ``input_data`` (a Tensor, a
        list of them, or a dict of keyword arguments) with forward hooks;
        ``print()`` the result. FLOPs are 2 x multiply-adds (see
        :func:`glassnet.nn.summary.summarize`).
        """
        return summarize(self, input_shape, dtype=dtype, input_data=input_data)

    # ----------------------------------------------------------------- modes
    def train(self, mode: bool = True) -> Module:
        """Set training mode (dropout active, batch norm updates statistics) here and below."""
        for m in self.modules():
            object.__setattr__(m, "training", bool(mode))
        return self

    def eval(self) -> Module:
        """Evaluation mode: ``train(False)``."""
        return self.train(False)

    def requires_grad_(self, flag: bool = True) -> Module:
        """Set ``requires_grad`` on every parameter (``False`` freezes the module); return self."""
        for p in self.parameters():
            p.requires_grad = flag
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear the parameters' gradients (set them to None, or fill them with 0)."""
        for p in self.parameters():
            if set_to_none or p.grad is None:
                p.grad = None
            else:
                p.grad.array[...] = 0

    # ------------------------------------------------------------- state dict
    def state_dict(
        self, prefix: str = "", *, destination: Any = None, keep_vars: bool = False
    ) -> OrderedDict[str, Tensor]:
        """Parameters and persistent buffers by dotted name, as tensors outside the graph.

        As in PyTorch, each value shares memory with the parameter or buffer
        it names (``{k: v.clone() for k, v in sd.items()}`` keeps a copy) and
        stays on its device. Names and shapes follow PyTorch's, so a glassnet
        state dict and a torch one interchange (see :meth:`load_state_dict`);
        ``np.asarray(value)`` gives a host array. As in torch, ``prefix`` is put
        before each key as it is (``"net."``), ``keep_vars=True`` gives the
        parameters and buffers themselves (not detached), and ``destination``
        (a dict) receives the entries and is returned.
        """
        out = destination if destination is not None else OrderedDict()
        if self._state_dict_hooked("_state_dict_pre_hooks", "_state_dict_hooks"):
            self._state_dict_walk(out, prefix, keep_vars)
            return out
        for k, t in self._state_tensors().items():
            out[prefix + k] = t if keep_vars else t.detach()
        return out

    def _state_dict_walk(self, out: dict, prefix: str, keep_vars: bool) -> None:
        """:meth:`state_dict` with hooks, in torch's order: this module's pre-hooks, its
        entries, its children's (each the same way), then its post-hooks."""
        for hook in list(self.__dict__.get("_state_dict_pre_hooks", {}).values()):
            hook(self, prefix, keep_vars)
        for name, t in (*self._parameters.items(), *self._buffers.items()):
            if t is not None and name not in self._non_persistent:
                out[prefix + name] = t if keep_vars else t.detach()
        for name, child in self._modules.items():
            if child is not None:
                child._state_dict_walk(out, f"{prefix}{name}.", keep_vars)
        for hook in list(self.__dict__.get("_state_dict_hooks", {}).values()):
            if hook(self, out, prefix, {"version": 1}) is not None:
                raise RuntimeError("state_dict post-hook must return None")

    def _state_dict_hooked(self, *stores: str) -> list[tuple[str, Module]]:
        """``(prefix with a trailing dot, module)`` for every module below (pre-order, shared
        modules under each name) when any has hooks in ``stores``; else empty (no cost)."""
        pairs = list(self.named_modules(remove_duplicate=False))
        if not any(m.__dict__.get(s) for _, m in pairs for s in stores):
            return []
        return [(f"{n}." if n else "", m) for n, m in pairs]

    def register_state_dict_pre_hook(self, hook: Callable[[Module, str, bool], None]) -> RemovableHandle:
        """Call ``hook(module, prefix, keep_vars)`` before :meth:`state_dict` collects this
        module's entries, as torch's (a module's hooks run before its children's)."""
        return self._add_hook("_state_dict_pre_hooks", hook, False)

    def register_state_dict_post_hook(
        self, hook: Callable[[Module, dict, str, dict], None]
    ) -> RemovableHandle:
        """Call ``hook(module, state_dict, prefix, local_metadata)`` after :meth:`state_dict`
        has collected the entries, as torch's: it may edit ``state_dict`` in place and must
        return None (else ``RuntimeError``, as torch). As in torch, it runs once this module's
        and its children's entries are in ``state_dict`` (children's hooks first)."""
        return self._add_hook("_state_dict_hooks", hook, False)

    def register_load_state_dict_pre_hook(self, hook: Callable[..., None]) -> RemovableHandle:
        """Call ``hook(module, state_dict, prefix, local_metadata, strict, missing_keys,
        unexpected_keys, error_msgs)`` before :meth:`load_state_dict` loads, as torch's.

        ``state_dict`` is a copy of the one given: the hook may add, rename or drop keys
        (the keys under ``prefix`` are this module's). Messages appended to ``error_msgs``
        make the load raise ``RuntimeError``; keys appended to ``missing_keys`` /
        ``unexpected_keys`` are reported (and, with ``strict``, raise) with the others.
        """
        return self._add_hook("_load_state_dict_pre_hooks", hook, False)

    def register_load_state_dict_post_hook(
        self, hook: Callable[[Module, IncompatibleKeys], None]
    ) -> RemovableHandle:
        """Call ``hook(module, incompatible_keys)`` after :meth:`load_state_dict` has copied
        the values, as torch's: the hook may edit ``incompatible_keys.missing_keys`` /
        ``unexpected_keys`` in place before ``strict`` is checked (clearing both avoids the
        error) and must return None (else ``AssertionError``, as torch). Children's hooks
        run before their parent's, each with the whole load's keys (torch gives a child
        only the keys found so far)."""
        return self._add_hook("_load_state_dict_post_hooks", hook, False)

    def _state_tensors(self, prefix: str = "") -> OrderedDict[str, Tensor]:
        """Parameters and persistent buffers by dotted name: what a state dict holds.

        A module used under several names (``Sequential(block, block)``) appears under each,
        as in torch's state dicts, so they load into each other.
        """
        out: OrderedDict[str, Tensor] = OrderedDict()
        for mprefix, m in self.named_modules(prefix, remove_duplicate=False):
            for name, p in m._parameters.items():
                if p is not None:
                    out[f"{mprefix}.{name}" if mprefix else name] = p
            for name, b in m._buffers.items():
                if b is not None and name not in m._non_persistent:
                    out[f"{mprefix}.{name}" if mprefix else name] = b
        return out

    def load_state_dict(self, state: Any, strict: bool = True) -> IncompatibleKeys:
        """Copy values into this module's parameters and buffers, in place.

        Parameters
        ----------
        state : mapping of str to array-like
            NumPy arrays, glassnet tensors or PyTorch tensors.
        strict : bool, default True
            Raise when keys are missing or unexpected. Shape mismatches always raise.

        Returns
        -------
        IncompatibleKeys
            ``(missing_keys, unexpected_keys)``.
        """
        hooked = self._state_dict_hooked("_load_state_dict_pre_hooks", "_load_state_dict_post_hooks")
        pre_missing: list[str] = []
        pre_unexpected: list[str] = []
        if hooked:
            state, errors = OrderedDict(state), []  # hooks edit a copy, as torch's
            for mprefix, m in hooked:
                for hook in list(m.__dict__.get("_load_state_dict_pre_hooks", {}).values()):
                    hook(m, state, mprefix, {}, strict, pre_missing, pre_unexpected, errors)
            if errors:
                raise RuntimeError(
                    f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                    + "\n\t".join(errors)
                )
        # lazy layers take the entries' shapes; weight_norm reads torch's legacy keys
        for mprefix, m in list(self.named_modules()):
            adapt = getattr(type(m), "adapt_state_dict", None)
            if adapt is not None:
                state = adapt(m, state, f"{mprefix}." if mprefix else "")
        targets = self._state_tensors()
        missing = pre_missing + [k for k in targets if k not in state]
        unexpected = pre_unexpected + [k for k in state if k not in targets]
        post = any(m.__dict__.get("_load_state_dict_post_hooks") for _, m in hooked)
        if not post:
            self._check_state_keys(strict, missing, unexpected)
        arrays = self._state_arrays(state, targets)
        for k, arr in arrays.items():
            t = targets[k]
            t.array[...] = backend.to_device(arr.astype(t.dtype, copy=False), t.device)
        keys = IncompatibleKeys(missing, unexpected)
        if post:  # torch: after the copy, then strict sees what the hooks left
            for _, m in reversed(hooked):
                for hook in list(m.__dict__.get("_load_state_dict_post_hooks", {}).values()):
                    if hook(m, keys) is not None:
                        raise AssertionError(
                            "Hooks registered with ``register_load_state_dict_post_hook`` are "
                            "not expected to return new values, if incompatible_keys need to be "
                            "modified, it should be done inplace."
                        )
            self._check_state_keys(strict, missing, unexpected)
        return keys

    def _check_state_keys(self, strict: bool, missing: list[str], unexpected: list[str]) -> None:
        if strict and (missing or unexpected):
            raise StateDictKeyError(
                f"{type(self).__name__}.load_state_dict: missing keys {missing}, "
                f"unexpected keys {unexpected}{_torch_key_lines(type(self).__name__, missing, unexpected)}"
            )

    def _state_arrays(self, state: Any, targets: dict[str, Tensor]) -> dict[str, Any]:
        """Host arrays of the entries of ``state`` that ``targets`` names, shapes checked."""
        arrays = {}
        for k, t in targets.items():
            if k not in state:
                continue
            arr = backend.to_host(state[k])  # Tensor, NumPy/CuPy array or torch tensor
            if t.ndim == 0 and arr.ndim == 1:  # torch's rule for 0-d entries saved 1-d
                arr = arr[0]
            if arr.shape != t.shape:
                raise ValueError(
                    f"{type(self).__name__}.load_state_dict: {k!r} has shape {arr.shape} in the "
                    f"state dict, expected {t.shape}"
                )
            if arr.dtype.kind == "c" and t.array.dtype.kind != "c":
                raise TypeError(
                    f"{type(self).__name__}.load_state_dict: {k!r} holds complex values "
                    f"({arr.dtype}) in the state dict, expected {t.array.dtype} (the imaginary "
                    "part would be lost)"
                )
            arrays[k] = arr
        return arrays

    # --------------------------------------------------------------- devices
    def to(self, *args: Any, **kwargs: Any) -> Module:
        """Move parameters and buffers to ``device`` and/or cast floating ones to ``dtype``, in place.

        torch's forms: ``to(device)``, ``to(dtype)``, ``to(device, dtype)``, ``to(tensor)``,
        the keywords ``device=``, ``dtype=``, ``memory_format=`` (``torch.channels_last``
        lays the 4-D parameters out NHWC, same values) and ``non_blocking=`` (accepted;
        copies here are synchronous).
        """
        device, dtype, _ = _to_args(args, kwargs)
        dev = backend.Device(device) if device is not None else None
        dt = np.dtype(dtype) if dtype is not None else None
        fmt = kwargs.get("memory_format")  # torch.channels_last: for the 4-D (5-D) tensors
        for t in list(self.parameters()) + list(self.buffers()):
            data = t.array
            if dev is not None and backend.device_of(data) != dev:
                data = backend.to_device(data, dev)
            if dt is not None and data.dtype.kind == "f" and data.dtype != dt:
                data = data.astype(dt)
            if fmt is not None and data.ndim == (getattr(fmt, "rank", None) or -1):
                data = _mf.arrange(data, fmt, f"{type(self).__name__}.to")
            t.array = data
            if t.grad is not None:
                g = t.grad.array
                if dev is not None:
                    g = backend.to_device(g, dev)
                if dt is not None and g.dtype != data.dtype:
                    g = g.astype(data.dtype)
                t.grad.array = g
        return self

    def cpu(self) -> Module:
        return self.to("cpu")

    def cuda(self) -> Module:
        return self.to("cuda")

    def float(self) -> Module:
        return self.to(dtype=np.float32)

    def double(self) -> Module:
        return self.to(dtype=np.float64)

    def half(self) -> Module:
        """Cast the floating parameters and buffers to float16 (NumPy's half precision:
        slow, for storage and checks), as torch's ``Module.half()``."""
        return self.to(dtype=np.float16)

    def type(self, dst_type: Any) -> Module:  # noqa: A003 - torch's name
        """Cast every parameter and buffer, integer ones too, to ``dst_type`` (a dtype or
        torch's ``torch.DoubleTensor``), in place, as torch's ``Module.type``."""
        dt = _dtypes.to_dtype(dst_type, f"{self.__class__.__name__}.type")
        for t in list(self.parameters()) + list(self.buffers()):
            t.array = t.array.astype(dt, copy=False)
            if t.grad is not None:
                t.grad.array = t.grad.array.astype(dt, copy=False)
        return self

    def share_memory(self) -> Module:
        """torch's ``share_memory()`` before worker processes: nothing to do (glassnet runs in
        one process); returns the module."""
        return self

    @property
    def device(self) -> backend.Device:
        """The device of the first parameter (the CPU for a module without parameters)."""
        for p in self.parameters():
            return p.device
        return backend.Device("cpu")

    # --------------------------------------------------------------- calling
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self._forward_pre_hooks:
            for hook in list(self._forward_pre_hooks.values()):
                if isinstance(hook, _KwargsHook):
                    res = hook(self, args, kwargs)
                    if res is not None:
                        args, kwargs = res
                    continue
                res = hook(self, args)
                if res is not None:
                    args = res if isinstance(res, tuple) else (res,)
        if self.__dict__.get("_backward_hooks") or self.__dict__.get("_backward_pre_hooks"):
            out = hooked_call(self, args, kwargs, self.forward)
        else:
            out = self.forward(*args, **kwargs)
        if self._forward_hooks:
            for hook in list(self._forward_hooks.values()):
                kw = (kwargs,) if isinstance(hook, _KwargsHook) else ()
                res = hook(self, args, *kw, out)
                if res is not None:
                    out = res
        return out

    def register_forward_hook(
        self, hook: Callable[..., Any], *, prepend: bool = False, with_kwargs: bool = False,
        always_call: bool = False,
    ) -> RemovableHandle:  # fmt: skip
        """Call ``hook(module, inputs, output)`` after each forward (``hook(module, inputs,
        kwargs, output)`` with ``with_kwargs=True``); a non-None return replaces the output.
        ``prepend=True`` runs it before the hooks already registered."""
        if always_call:
            raise NotImplementedError(
                f"{self.__class__.__name__}.register_forward_hook(always_call=True) is not "
                "available in glassnet; call the hook in a try/finally around the forward"
            )
        return self._forward_hook_into(self._forward_hooks, hook, prepend, with_kwargs)

    @staticmethod
    def _forward_hook_into(hooks: dict, hook: Callable, prepend: bool, with_kwargs: bool) -> RemovableHandle:
        handle = RemovableHandle(hooks)
        hooks[handle.id] = _KwargsHook(hook) if with_kwargs else hook
        if prepend:
            hooks.move_to_end(handle.id, last=False)
        return handle

    def register_full_backward_hook(
        self, hook: Callable[[Module, tuple, tuple], Any], prepend: bool = False
    ) -> RemovableHandle:
        """Call ``hook(module, grad_input, grad_output)`` when the gradients of this module's
        inputs are computed, as torch's; a non-None return replaces ``grad_input``. See
        :mod:`glassnet.nn.backward_hooks`."""
        return self._add_hook("_backward_hooks", hook, prepend)

    def register_full_backward_pre_hook(
        self, hook: Callable[[Module, tuple], Any], prepend: bool = False
    ) -> RemovableHandle:
        """Call ``hook(module, grad_output)`` when the gradients of this module's outputs
        are computed, as torch's; a non-None return replaces ``grad_output``."""
        return self._add_hook("_backward_pre_hooks", hook, prepend)

    def register_backward_hook(self, hook: Callable) -> RemovableHandle:
        """torch's deprecated module backward hook: refused (its ``grad_input`` is that of
        the module's last op, not of the module's inputs)."""
        raise NotImplementedError(
            f"{type(self).__name__}.register_backward_hook (torch's deprecated form) is not "
            "available in glassnet; use register_full_backward_hook(hook), whose grad_input "
            "is the gradient of the module's inputs"
        )

    def _add_hook(self, store: str, hook: Callable, prepend: bool) -> RemovableHandle:
        hooks = self.__dict__.get(store)
        if hooks is None:
            hooks = OrderedDict()
            object.__setattr__(self, store, hooks)
        handle = RemovableHandle(hooks)
        hooks[handle.id] = hook
        if prepend:
            hooks.move_to_end(handle.id, last=False)
        return handle

    def register_forward_pre_hook(
        self, hook: Callable[..., Any], *, prepend: bool = False, with_kwargs: bool = False
    ) -> RemovableHandle:
        """Call ``hook(module, inputs)`` before each forward; a non-None return replaces the
        inputs. With ``with_kwargs=True``, ``hook(module, inputs, kwargs)`` and a non-None
        return is the pair ``(inputs, kwargs)``. ``prepend=True`` runs it first."""
        return self._forward_hook_into(self._forward_pre_hooks, hook, prepend, with_kwargs)

    def inference_fusion(self, following: Sequence[Module]) -> tuple[int, Callable] | None:
        """A way to run this module together with the modules after it when no graph is
        recorded: ``(k, fn)``, where ``fn(x)`` computes this module and the next ``k`` of
        ``following`` at once, or returns None where it does not cover ``x`` (the modules
        then run one by one). None (the default): no fusion.

        ``Sequential`` asks for it under ``no_grad``/``inference_mode`` only, and skips it
        when any of the modules has forward hooks. Offer one only where the result is the
        same as the modules' one by one (``Conv2d`` followed by ``ReLU`` and a 2x2
        ``MaxPool2d``: see :mod:`glassnet.ops.conv_fused`).
        """
        return None

    def graph_fusion(self, following: Sequence[Module]) -> tuple[int, Callable] | None:
        """As :meth:`inference_fusion`, for calls that record a graph (gradients enabled).

        ``fn(x)`` returns a tensor whose graph gives the same gradients as the modules one
        by one (to float rounding), or None. ``Sequential`` asks for it when gradients are
        enabled, and skips it when any of the modules has forward hooks or an op trace is
        recorded. None (the default): no fusion. ``Conv2d`` offers one with the compiled
        kernels (:class:`glassnet.ops.conv_fused.ConvReluPool2d`).
        """
        return None

    def runs_before(self, previous: Module) -> bool:
        """Whether a container may run this module before ``previous``, its predecessor.

        ``Sequential`` computes ``previous(self(x))`` in place of ``self(previous(x))``
        when this is true and neither module has forward hooks. Say true only where
        the output and every gradient are exactly the same in both orders and the
        swapped order is cheaper (``MaxPool2d`` after a ``ReLU``). The default is False.
        """
        return False

    # ------------------------------------------------------------------ repr
    def extra_repr(self) -> str:
        """One line of constructor arguments shown in the printed tree."""
        return ""

    def __repr__(self) -> str:
        """torch's text: ``Name(extra)`` for one line of options and no children, else the
        option lines and then each ``(name): child`` on its own indented line."""
        extra = self.extra_repr()
        lines = extra.split("\n") if extra else []
        children = [f"({name}): " + repr(m).replace("\n", "\n  ") for name, m in self._modules.items()]
        if len(lines) == 1 and not children:
            return f"{type(self).__name__}({extra})"
        body = "".join(f"\n  {line}" for line in lines + children)
        return f"{type(self).__name__}({body}\n)" if body else f"{type(self).__name__}()"

    def __dir__(self) -> list[str]:
        return sorted(
            set(super().__dir__()) | set(self._parameters) | set(self._modules) | set(self._buffers)
        )
