"""Parametrizations (``glassnet.nn.utils.parametrize``), as ``torch.nn.utils.parametrize``.

:func:`register_parametrization` replaces a tensor of a module (``"weight"``) by a function
of an unconstrained original: reading ``module.weight`` computes
``parametrization(original)`` (in the graph, so gradients reach the original), and
assigning ``module.weight = value`` stores ``right_inverse(value)`` in the original when
the parametrization defines one. As in torch, the module's class is swapped for a
subclass (``ParametrizedLinear``) with a property per parametrized tensor, the originals
live in ``module.parametrizations[name].original`` (``original0``, ``original1``, ... when
``right_inverse`` returns several tensors), and the state-dict keys are torch's::

    class Symmetric(nn.Module):
        def forward(self, x):
            return x.triu() + x.triu(1).transpose(-1, -2)

    layer = nn.Linear(3, 3)
    parametrize.register_parametrization(layer, "weight", Symmetric())
    layer.weight                 # symmetric, computed from parametrizations.weight.original
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from ...autograd import grad_mode
from ...tensor import Tensor
from ..container import ModuleDict, ModuleList
from ..module import Module, Parameter

__all__ = [
    "register_parametrization", "remove_parametrizations", "is_parametrized", "cached",
    "type_before_parametrizations", "transfer_parametrizations_and_params",
    "ParametrizationList",
]  # fmt: skip

_cache_depth = 0
_cache: dict[tuple[int, str], Tensor] = {}


@contextmanager
def cached() -> Iterator[None]:
    """Compute each parametrized tensor once inside the ``with`` block (then reuse it).

    Useful when a parametrized weight is read several times per forward (RNN steps)."""
    global _cache_depth
    _cache_depth += 1
    try:
        yield
    finally:
        _cache_depth -= 1
        if not _cache_depth:
            _cache.clear()


def _store(owner: Module, name: str, tensor: Tensor, as_parameter: bool) -> None:
    if as_parameter:
        owner.register_parameter(name, tensor)
    else:
        owner.register_buffer(name, tensor)


def _as_parameter(value: Tensor, requires_grad: bool) -> Parameter:
    return value if isinstance(value, Parameter) else Parameter(value.detach(), requires_grad)


class ParametrizationList(ModuleList):
    """The parametrizations of one tensor, applied in order, and the original(s) they act on.

    Parameters
    ----------
    modules : sequence of Module
        The parametrizations (each a Module whose ``forward`` maps the tensor).
    original : Tensor
        The tensor being parametrized (a Parameter stays one, a buffer stays a buffer).
    unsafe : bool
        Skip the checks that the parametrization keeps the shape and dtype.
    """

    def __init__(self, modules: Sequence[Module], original: Tensor, unsafe: bool = False) -> None:
        super().__init__(modules)
        self.unsafe = unsafe
        is_param = isinstance(original, Parameter)
        new: Any = original
        with grad_mode.no_grad():
            for module in reversed(list(self)):
                if hasattr(module, "right_inverse"):
                    try:
                        new = module.right_inverse(new)
                    except NotImplementedError:  # as torch: taken as the identity here
                        pass
        if isinstance(new, Tensor):
            if new.dtype != original.dtype:
                raise ValueError(
                    f"register_parametrization: right_inverse returned dtype {new.dtype}, "
                    f"expected the original's {original.dtype}"
                )
            self.is_tensor, self.ntensors = True, 1
            if new is not original:  # in place: an optimizer holding the original keeps it
                original.array = new.array.copy() if new.array is original.array else new.array
            _store(self, "original", original, is_param)
        elif isinstance(new, (tuple, list)) and all(isinstance(t, Tensor) for t in new):
            self.is_tensor, self.ntensors = False, len(new)
            for i, t in enumerate(new):
                t = _as_parameter(t, original.requires_grad) if is_param else t.detach()
                _store(self, f"original{i}", t, is_param)
        else:
            raise TypeError(
                "register_parametrization: right_inverse must return a Tensor or a sequence of "
                f"Tensors, got {type(new).__name__}"
            )

    def originals(self) -> list[Tensor]:
        """The stored original tensor(s)."""
        if self.is_tensor:
            return [self.original]
        return [getattr(self, f"original{i}") for i in range(self.ntensors)]

    def forward(self) -> Tensor:
        """The parametrized tensor: the parametrizations applied to the original(s)."""
        mods = list(self)
        x = mods[0](*self.originals())
        for module in mods[1:]:
            x = module(x)
        return x

    def right_inverse(self, value: Tensor) -> None:
        """Store ``value`` as the parametrized tensor: through each ``right_inverse``, in
        reverse order, into the original(s), in place."""
        with grad_mode.no_grad():
            for module in reversed(list(self)):
                if hasattr(module, "right_inverse"):
                    value = module.right_inverse(value)
                elif not self.unsafe and module is not list(self)[0]:
                    raise RuntimeError(
                        f"parametrization {type(module).__name__} has no right_inverse: the "
                        "tensor cannot be assigned"
                    )
            values = [value] if self.is_tensor else list(value)
            if len(values) != self.ntensors:
                raise ValueError(
                    f"right_inverse returned {len(values)} tensors, expected {self.ntensors}"
                )
            for original, v in zip(self.originals(), values):
                arr = v.array if isinstance(v, Tensor) else v
                if tuple(arr.shape) != tuple(original.shape):
                    raise ValueError(
                        f"right_inverse returned shape {tuple(arr.shape)}, expected "
                        f"{tuple(original.shape)}"
                    )
                original.array[...] = arr


def _parametrized_class(cls: type) -> type:
    """The ``Parametrized<Class>`` subclass of ``cls`` that parametrized modules take."""

    def __setattr__(self: Module, name: str, value: Any) -> None:
        if is_parametrized(self, name):
            self.parametrizations[name].right_inverse(value)
        else:
            cls.__setattr__(self, name, value)

    def adapt_state_dict(self: Module, state: Any, prefix: str) -> Any:
        """torch's legacy keys ``<name>_g``/``<name>_v`` (hook-based ``weight_norm``) as
        ``parametrizations.<name>.original0``/``original1`` (``Module.load_state_dict``
        calls this first; the state dict passed in is not modified)."""
        renamed = None
        for name, plist in self.parametrizations.items():
            first = list(plist)[0]
            new0 = f"{prefix}parametrizations.{name}.original0"
            old_g, old_v = f"{prefix}{name}_g", f"{prefix}{name}_v"
            if getattr(first, "legacy_weight_norm_keys", False) and old_g in state and new0 not in state:
                renamed = dict(state) if renamed is None else renamed
                renamed[new0] = renamed.pop(old_g)
                renamed[f"{prefix}parametrizations.{name}.original1"] = renamed.pop(old_v)
        return state if renamed is None else renamed

    return type(
        f"Parametrized{cls.__name__}",
        (cls,),
        {"__setattr__": __setattr__, "adapt_state_dict": adapt_state_dict, "_unparametrized": cls},
    )


def _add_property(module: Module, name: str) -> None:
    def get(self: Module) -> Tensor:
        plist = self.parametrizations[name]
        if not _cache_depth:
            return plist()
        key = (id(self), name)
        if key not in _cache:
            _cache[key] = plist()
        return _cache[key]

    def set_(self: Module, value: Any) -> None:
        self.parametrizations[name].right_inverse(value)

    setattr(type(module), name, property(get, set_))


def register_parametrization(
    module: Module, tensor_name: str, parametrization: Module, *, unsafe: bool = False
) -> Module:
    """Make ``module.<tensor_name>`` the output of ``parametrization`` on a stored original.

    Parameters
    ----------
    module : Module
        Holds a parameter or buffer named ``tensor_name``.
    tensor_name : str
        The tensor to parametrize (``"weight"``). Registering again on the same tensor
        appends the parametrization (applied after the earlier ones).
    parametrization : Module
        Its ``forward`` maps the original(s) to the tensor; an optional
        ``right_inverse(tensor)`` maps back (returning a Tensor or a tuple of Tensors).
    unsafe : bool, default False
        Skip the check that the parametrization keeps the tensor's shape and dtype.

    Returns
    -------
    Module
        ``module`` itself (its class is now ``Parametrized<Class>``).
    """
    if not isinstance(parametrization, Module):
        raise TypeError(
            "register_parametrization: the parametrization must be a Module, got "
            f"{type(parametrization).__name__}"
        )
    if is_parametrized(module, tensor_name):
        plist = module.parametrizations[tensor_name]
        if not unsafe:
            current = getattr(module, tensor_name)
            _check_same(parametrization(current), current, type(parametrization).__name__)
        plist.append(parametrization)
        plist.unsafe = plist.unsafe or unsafe
        return module
    original = _tensor_of(module, tensor_name)
    plist = ParametrizationList([parametrization], original, unsafe=unsafe)
    if not unsafe:
        with grad_mode.no_grad():
            _check_same(plist(), original, type(parametrization).__name__)
    module._parameters.pop(tensor_name, None)
    module._buffers.pop(tensor_name, None)
    module._non_persistent.discard(tensor_name)
    if not is_parametrized(module):
        cls = type(module)
        object.__setattr__(module, "__class__", _parametrized_class(cls))
        Module.__setattr__(module, "parametrizations", ModuleDict())
    module.parametrizations[tensor_name] = plist
    _add_property(module, tensor_name)
    return module


def _tensor_of(module: Module, name: str) -> Tensor:
    if name in module._parameters and module._parameters[name] is not None:
        return module._parameters[name]
    if name in module._buffers and module._buffers[name] is not None:
        return module._buffers[name]
    raise ValueError(
        f"register_parametrization: {type(module).__name__} has no parameter or buffer "
        f"named {name!r}"
    )


def _check_same(out: Any, original: Tensor, who: str) -> None:
    if not isinstance(out, Tensor):
        raise TypeError(f"parametrization {who} must return a Tensor, got {type(out).__name__}")
    if tuple(out.shape) != tuple(original.shape) or out.dtype != original.dtype:
        raise ValueError(
            f"parametrization {who} changes the tensor from shape {tuple(original.shape)} "
            f"{original.dtype} to {tuple(out.shape)} {out.dtype}; pass unsafe=True to allow it"
        )


def is_parametrized(module: Module, tensor_name: str | None = None) -> bool:
    """Whether ``module`` has parametrizations (on ``tensor_name``, when given)."""
    plists = module.__dict__.get("_modules", {}).get("parametrizations")
    if not isinstance(plists, ModuleDict) or not hasattr(type(module), "_unparametrized"):
        return False
    return len(plists) > 0 if tensor_name is None else tensor_name in plists


def type_before_parametrizations(module: Module) -> type:
    """The module's class before :func:`register_parametrization` swapped it."""
    cls = type(module)
    return cls._unparametrized if is_parametrized(module) else cls


def remove_parametrizations(
    module: Module, tensor_name: str, leave_parametrized: bool = True
) -> Module:
    """Undo :func:`register_parametrization` on ``tensor_name``.

    Parameters
    ----------
    module : Module
    tensor_name : str
    leave_parametrized : bool, default True
        Keep the current (parametrized) values in the restored tensor; False restores
        the original (only possible when there is a single original tensor).

    Returns
    -------
    Module
        ``module`` (its class restored once no tensor is parametrized).
    """
    if not is_parametrized(module, tensor_name):
        raise ValueError(f"Module {type(module).__name__} does not have a parametrization on {tensor_name}")
    plist = module.parametrizations[tensor_name]
    originals = plist.originals()
    is_param = isinstance(originals[0], Parameter)
    if plist.is_tensor:
        tensor = originals[0]
        if leave_parametrized:
            with grad_mode.no_grad():
                value = getattr(module, tensor_name)
            tensor.array = value.array.copy()  # same object: optimizers keep it
    elif leave_parametrized:
        with grad_mode.no_grad():
            value = getattr(module, tensor_name)
        tensor = Parameter(value.detach(), originals[0].requires_grad) if is_param else value.detach()
    else:
        raise ValueError(
            "remove_parametrizations: leave_parametrized=False needs a single original tensor, "
            f"{tensor_name!r} has {plist.ntensors}"
        )
    del module.parametrizations[tensor_name]
    delattr(type(module), tensor_name)
    _store(module, tensor_name, tensor, is_param)
    if not len(module.parametrizations):
        del module._modules["parametrizations"]
        object.__setattr__(module, "__class__", type(module)._unparametrized)
    return module


def transfer_parametrizations_and_params(
    from_module: Module, to_module: Module, tensor_name: str | None = None
) -> Module:
    """Not available: refused by name (torch's helper for module swapping)."""
    raise NotImplementedError(
        "torch.nn.utils.parametrize.transfer_parametrizations_and_params is not available in "
        "glassnet; register the parametrizations on the new module and load the state_dict"
    )
