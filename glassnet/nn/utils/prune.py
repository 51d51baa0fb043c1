"""Pruning by masks (``torch.nn.utils.prune``), as torch's: the same names, state-dict keys
and hook mechanism.

Pruning ``module.weight`` moves the parameter to ``weight_orig``, adds the buffer
``weight_mask`` (1 keeps an entry, 0 prunes it) and recomputes ``module.weight = weight_mask
* weight_orig`` (a plain tensor attribute) in a forward pre-hook before each call, so the
pruned entries get no gradient. Pruning the same tensor again prunes among the entries still
kept (a :class:`PruningContainer` holds the history); :func:`remove` makes the pruning
permanent (``weight`` is a parameter again, holding the masked values)::

    prune.l1_unstructured(conv, name="weight", amount=0.3)   # 30 % smallest |w| set to 0
    prune.ln_structured(conv, name="weight", amount=0.5, n=2, dim=0)  # half the filters
    prune.remove(conv, "weight")

A pruning method of one's own subclasses :class:`BasePruningMethod`, sets
``PRUNING_TYPE`` (``'unstructured'``, ``'structured'`` or ``'global'``) and defines
``compute_mask(t, default_mask)``. ``amount`` is a fraction of the entries (a float in
[0, 1], rounded) or a count (an int). Entries of equal magnitude are ranked by glassnet's
``topk``, which may order ties differently from torch's.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable
from typing import Any

import numpy as np

from ... import _memory_format as _mf
from ... import random as _random
from ...autograd import grad_mode
from ...tensor import Tensor
from ..module import Module, Parameter

__all__ = [
    "BasePruningMethod", "PruningContainer", "Identity", "RandomUnstructured",
    "L1Unstructured", "RandomStructured", "LnStructured", "CustomFromMask", "identity",
    "random_unstructured", "l1_unstructured", "random_structured", "ln_structured",
    "global_unstructured", "custom_from_mask", "remove", "is_pruned",
]  # fmt: skip


# ------------------------------------------------------------------ the amount to prune
def _check_amount(amount: Any, who: str) -> None:
    if isinstance(amount, bool) or not isinstance(amount, numbers.Real):
        raise TypeError(f"{who}: amount must be a float in [0, 1] or an int >= 0, got {amount!r}")
    if isinstance(amount, numbers.Integral):
        if amount < 0:
            raise ValueError(f"{who}: amount must be an int >= 0 as a count, got {amount}")
    elif not 0.0 <= float(amount) <= 1.0:
        raise ValueError(f"{who}: amount must be in [0, 1] as a fraction, got {amount}")


def _count(amount: Any, size: int, who: str) -> int:
    """How many of ``size`` entries (or channels) ``amount`` prunes."""
    n = int(amount) if isinstance(amount, numbers.Integral) else round(float(amount) * size)
    if n > size:
        raise ValueError(f"{who}: amount={amount} is more than the {size} entries to prune")
    return n


def _check_dim(t: Tensor, dim: int, who: str) -> int:
    if t.ndim <= 1:
        raise ValueError(f"{who}: structured pruning needs a tensor of 2 dims or more, "
                         f"got shape {tuple(t.shape)}")  # fmt: skip
    if not -t.ndim <= dim < t.ndim:
        raise IndexError(f"{who}: dim {dim} is out of range for a {t.ndim}-D tensor")
    return dim % t.ndim


def _mask_copy(default_mask: Tensor) -> Tensor:
    return default_mask.clone(memory_format=_mf.contiguous_format)


# ----------------------------------------------------------------------- the methods
class BasePruningMethod:
    """A way to compute a pruning mask; its instance is the module's forward pre-hook."""

    PRUNING_TYPE: str = "unstructured"
    _tensor_name: str

    def __call__(self, module: Module, inputs: Any) -> None:
        setattr(module, self._tensor_name, self.apply_mask(module))

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        """The new mask for ``t`` (same shape), pruning within ``default_mask``'s ones."""
        raise NotImplementedError(f"{type(self).__name__}: define compute_mask(t, default_mask)")

    def apply_mask(self, module: Module) -> Tensor:
        """``mask * orig``: the pruned tensor, in the graph of ``orig``."""
        name = self._tensor_name
        orig, mask = getattr(module, name + "_orig"), getattr(module, name + "_mask")
        return mask.to(dtype=orig.dtype) * orig

    @classmethod
    def apply(cls, module: Module, name: str, *args: Any, importance_scores: Any = None,
              **kwargs: Any) -> BasePruningMethod:  # fmt: skip
        """Prune ``module.<name>`` with ``cls(*args, **kwargs)``, composed with any earlier
        pruning of it; the method returned is the module's new pre-hook."""
        method = _composite(cls, module, name, *args, **kwargs)
        orig = getattr(module, name)
        scores = orig if importance_scores is None else importance_scores
        if tuple(scores.shape) != tuple(orig.shape):
            raise ValueError(f"{cls.__name__}: importance_scores of shape {tuple(scores.shape)} "
                             f"for {name!r} of shape {tuple(orig.shape)}")  # fmt: skip
        fresh = not isinstance(method, PruningContainer)
        if fresh:
            if not isinstance(orig, Parameter):
                raise TypeError(f"{cls.__name__}: {type(module).__name__}.{name} is not a "
                                "parameter to prune")  # fmt: skip
            module.register_parameter(name + "_orig", orig)
            del module._parameters[name]
            default_mask = Tensor(np.ones(orig.shape, dtype=orig.dtype))
        else:
            default_mask = _mask_copy(getattr(module, name + "_mask").detach())
        try:
            with grad_mode.no_grad():
                mask = method.compute_mask(scores.detach(), default_mask=default_mask)
            module.register_buffer(name + "_mask", mask)
            setattr(module, name, method.apply_mask(module))
            module.register_forward_pre_hook(method)
        except Exception:
            if fresh:  # put the parameter back as it was
                module.register_parameter(name, module._parameters.pop(name + "_orig"))
            raise
        return method

    def prune(self, t: Tensor, default_mask: Tensor | None = None,
              importance_scores: Tensor | None = None) -> Tensor:  # fmt: skip
        """``t`` times the mask this method computes for it (nothing registered)."""
        scores = t if importance_scores is None else importance_scores
        mask = Tensor(np.ones(t.shape, dtype=t.dtype)) if default_mask is None else default_mask
        with grad_mode.no_grad():
            mask = self.compute_mask(scores.detach(), default_mask=mask)
        return t * mask

    def remove(self, module: Module) -> None:
        """Make the pruning permanent: ``module.<name>`` a parameter holding the masked values."""
        name = self._tensor_name
        with grad_mode.no_grad():
            weight = self.apply_mask(module)
        if name in module.__dict__:
            del module.__dict__[name]
        orig = module._parameters.pop(name + "_orig")
        orig.data = weight.data
        del module._buffers[name + "_mask"]
        module._non_persistent.discard(name + "_mask")
        setattr(module, name, orig)


def _composite(cls: type, module: Module, name: str, *args: Any, **kwargs: Any) -> Any:
    """``cls(*args, **kwargs)`` for ``name``, joined to the pruning already on it (its hook
    is taken off; :meth:`BasePruningMethod.apply` registers the result)."""
    keys = [k for k, h in module._forward_pre_hooks.items()
            if isinstance(h, BasePruningMethod) and h._tensor_name == name]  # fmt: skip
    old = module._forward_pre_hooks[keys[0]] if keys else None
    for k in keys:
        del module._forward_pre_hooks[k]
    method = cls(*args, **kwargs)
    method._tensor_name = name
    if old is None:
        return method
    container = old if isinstance(old, PruningContainer) else PruningContainer(old)
    container.add_pruning_method(method)
    return container


class PruningContainer(BasePruningMethod):
    """The pruning methods applied one after the other to one tensor: each new one prunes
    among the entries (unstructured) or channels (structured) the earlier ones kept."""

    def __init__(self, *methods: BasePruningMethod) -> None:
        self._pruning_methods: tuple[BasePruningMethod, ...] = ()
        if len(methods) == 1 and isinstance(methods[0], Iterable):
            methods = tuple(methods[0])
        for m in methods:
            self.add_pruning_method(m)

    def add_pruning_method(self, method: BasePruningMethod) -> None:
        if not isinstance(method, BasePruningMethod) and method is not None:
            raise TypeError(f"PruningContainer: {type(method).__name__} is not a pruning method")
        if method is None:
            return
        if self._pruning_methods and method._tensor_name != self._tensor_name:
            raise ValueError(f"PruningContainer: can only add pruning methods acting on the "
                             f"tensor {self._tensor_name!r}, got {method._tensor_name!r}")  # fmt: skip
        if not self._pruning_methods:
            self._tensor_name = method._tensor_name
        self._pruning_methods += (method,)

    def __len__(self) -> int:
        return len(self._pruning_methods)

    def __iter__(self) -> Any:
        return iter(self._pruning_methods)

    def __getitem__(self, idx: int) -> BasePruningMethod:
        return self._pruning_methods[idx]

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        method = self._pruning_methods[-1]
        kind = method.PRUNING_TYPE
        keep = default_mask.array
        if kind == "unstructured":
            where: Any = keep == 1
        elif kind == "structured":
            dim = _check_dim(t, method.dim, type(method).__name__)
            others = tuple(d for d in range(t.ndim) if d != dim)
            where = [slice(None)] * t.ndim
            where[dim] = np.flatnonzero(keep.sum(axis=others) != 0)
            where = tuple(where)
        elif kind == "global":
            where = tuple(slice(None) for _ in range(t.ndim))
        else:
            raise ValueError(f"PruningContainer: unknown PRUNING_TYPE {kind!r} of "
                             f"{type(method).__name__}")  # fmt: skip
        part = method.compute_mask(Tensor(t.array[where]), default_mask=Tensor(keep[where]))
        mask = keep.astype(t.dtype, copy=True)
        mask[where] = part.array
        return Tensor(mask)


class Identity(BasePruningMethod):
    """Prunes nothing (the mask is all ones)."""

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        return default_mask

    @classmethod
    def apply(cls, module: Module, name: str) -> BasePruningMethod:  # type: ignore[override]
        return super().apply(module, name)


class RandomUnstructured(BasePruningMethod):
    """Prunes ``amount`` of the entries, chosen at random (glassnet's generator)."""

    def __init__(self, amount: Any) -> None:
        _check_amount(amount, "RandomUnstructured")
        self.amount = amount

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        n = _count(self.amount, t.numel(), "RandomUnstructured")
        mask = _mask_copy(default_mask)
        if n:
            drop = np.argsort(_random.get_rng().random(t.numel()), kind="stable")[:n]
            mask.array.reshape(-1)[drop] = 0
        return mask

    @classmethod
    def apply(cls, module: Module, name: str, amount: Any) -> BasePruningMethod:  # type: ignore[override]
        return super().apply(module, name, amount=amount)


class L1Unstructured(BasePruningMethod):
    """Prunes the ``amount`` entries of smallest absolute value."""

    def __init__(self, amount: Any) -> None:
        _check_amount(amount, "L1Unstructured")
        self.amount = amount

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        n = _count(self.amount, t.numel(), "L1Unstructured")
        mask = _mask_copy(default_mask)
        if n:
            smallest = t.abs().reshape(-1).topk(n, largest=False).indices
            mask.array.reshape(-1)[smallest.array] = 0
        return mask

    @classmethod
    def apply(cls, module: Module, name: str, amount: Any,  # type: ignore[override]
              importance_scores: Any = None) -> BasePruningMethod:  # fmt: skip
        return super().apply(module, name, amount=amount, importance_scores=importance_scores)


def _channel_mask(t: Tensor, dim: int, kept: Any, default_mask: Tensor) -> Tensor:
    """Ones on the ``kept`` channels of ``dim``, times ``default_mask``."""
    mask = np.zeros(t.shape, dtype=t.dtype)
    where = [slice(None)] * t.ndim
    where[dim] = kept
    mask[tuple(where)] = 1
    return Tensor(mask * default_mask.array.astype(t.dtype))


class RandomStructured(BasePruningMethod):
    """Prunes ``amount`` of the channels along ``dim``, chosen at random."""

    PRUNING_TYPE = "structured"

    def __init__(self, amount: Any, dim: int = -1) -> None:
        _check_amount(amount, "RandomStructured")
        self.amount, self.dim = amount, dim

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        dim = _check_dim(t, self.dim, "RandomStructured")
        size = t.shape[dim]
        n = _count(self.amount, size, "RandomStructured")
        if n == 0:
            return default_mask
        kept = np.sort(np.argsort(_random.get_rng().random(size), kind="stable")[n:])
        return _channel_mask(t, dim, kept, default_mask)

    @classmethod
    def apply(cls, module: Module, name: str, amount: Any, dim: int = -1) -> BasePruningMethod:  # type: ignore[override]
        return super().apply(module, name, amount=amount, dim=dim)


class LnStructured(BasePruningMethod):
    """Prunes the ``amount`` channels along ``dim`` of smallest ``n``-norm."""

    PRUNING_TYPE = "structured"

    def __init__(self, amount: Any, n: Any, dim: int = -1) -> None:
        _check_amount(amount, "LnStructured")
        self.amount, self.n, self.dim = amount, n, dim

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        dim = _check_dim(t, self.dim, "LnStructured")
        size = t.shape[dim]
        n = _count(self.amount, size, "LnStructured")
        if n == 0:
            return default_mask
        others = [d for d in range(t.ndim) if d != dim]
        norms = t.norm(p=self.n, dim=others)
        kept = norms.topk(size - n, largest=True).indices
        return _channel_mask(t, dim, kept.array, default_mask)

    @classmethod
    def apply(cls, module: Module, name: str, amount: Any, n: Any, dim: int,  # type: ignore[override]
              importance_scores: Any = None) -> BasePruningMethod:  # fmt: skip
        return super().apply(module, name, amount=amount, n=n, dim=dim,
                             importance_scores=importance_scores)  # fmt: skip


class CustomFromMask(BasePruningMethod):
    """Prunes where the given ``mask`` is 0."""

    PRUNING_TYPE = "global"

    def __init__(self, mask: Tensor) -> None:
        self.mask = mask

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        if tuple(default_mask.shape) != tuple(self.mask.shape):
            raise ValueError(f"CustomFromMask: mask of shape {tuple(self.mask.shape)} for a "
                             f"tensor of shape {tuple(default_mask.shape)}")  # fmt: skip
        return default_mask * self.mask.to(dtype=default_mask.dtype)

    @classmethod
    def apply(cls, module: Module, name: str, mask: Tensor) -> BasePruningMethod:  # type: ignore[override]
        return super().apply(module, name, mask=mask)


# ------------------------------------------------------------------- the functions
def identity(module: Module, name: str) -> Module:
    """Prune nothing, but give ``module`` the ``<name>_orig`` / ``<name>_mask`` pair."""
    Identity.apply(module, name)
    return module


def random_unstructured(module: Module, name: str, amount: Any) -> Module:
    RandomUnstructured.apply(module, name, amount)
    return module


def l1_unstructured(module: Module, name: str, amount: Any,
                    importance_scores: Any = None) -> Module:  # fmt: skip
    """Prune the ``amount`` entries of ``module.<name>`` (or of ``importance_scores``) of
    smallest absolute value: a float in [0, 1] is a fraction, an int a count."""
    L1Unstructured.apply(module, name, amount=amount, importance_scores=importance_scores)
    return module


def random_structured(module: Module, name: str, amount: Any, dim: int) -> Module:
    RandomStructured.apply(module, name, amount, dim)
    return module


def ln_structured(module: Module, name: str, amount: Any, n: Any, dim: int,
                  importance_scores: Any = None) -> Module:  # fmt: skip
    """Prune the ``amount`` channels along ``dim`` of smallest ``n``-norm (``dim=0``: the
    output filters of a conv)."""
    LnStructured.apply(module, name, amount, n, dim, importance_scores=importance_scores)
    return module


def global_unstructured(parameters: Iterable[tuple[Module, str]], pruning_method: type,
                        importance_scores: dict | None = None, **kwargs: Any) -> None:  # fmt: skip
    """Prune the ``(module, name)`` tensors together: ``pruning_method(**kwargs)`` (an
    unstructured method, such as :class:`L1Unstructured` with ``amount=``) ranks all
    their entries as one vector."""
    if not isinstance(parameters, Iterable):
        raise TypeError("global_unstructured: parameters must be an iterable of (module, name)")
    pairs = list(parameters)
    scores = importance_scores or {}
    flat = [scores.get((m, n), getattr(m, n)).detach().array.reshape(-1) for m, n in pairs]
    masks = [getattr(m, n + "_mask").array.reshape(-1) if hasattr(m, n + "_mask")
             else np.ones(getattr(m, n).numel(), dtype=flat[i].dtype)
             for i, (m, n) in enumerate(pairs)]  # fmt: skip
    method = pruning_method(**kwargs)
    if method.PRUNING_TYPE != "unstructured":
        raise TypeError(f"global_unstructured: only unstructured pruning methods, got "
                        f"{pruning_method.__name__} ({method.PRUNING_TYPE})")  # fmt: skip
    method._tensor_name = "temp"
    container = PruningContainer(method)
    with grad_mode.no_grad():
        final = container.compute_mask(Tensor(np.concatenate(flat)), Tensor(np.concatenate(masks)))
    start = 0
    for m, n in pairs:
        size = getattr(m, n).numel()
        part = Tensor(final.array[start:start + size].reshape(tuple(getattr(m, n).shape)))
        custom_from_mask(m, n, mask=part)
        start += size


def custom_from_mask(module: Module, name: str, mask: Tensor) -> Module:
    CustomFromMask.apply(module, name, mask)
    return module


def remove(module: Module, name: str) -> Module:
    """Make the pruning of ``module.<name>`` permanent and drop its hook, ``_orig`` and
    ``_mask``."""
    for key, hook in module._forward_pre_hooks.items():
        if isinstance(hook, BasePruningMethod) and hook._tensor_name == name:
            hook.remove(module)
            del module._forward_pre_hooks[key]
            return module
    raise ValueError(f"prune.remove: parameter {name!r} of {type(module).__name__} has to be "
                     "pruned before its pruning can be removed")  # fmt: skip


def is_pruned(module: Module) -> bool:
    """Does ``module`` or a module below it carry a pruning hook?"""
    return any(isinstance(h, BasePruningMethod)
               for _, m in module.named_modules() for h in m._forward_pre_hooks.values())  # fmt: skip
