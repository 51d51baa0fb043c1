"""``torch.func``: function transforms built on glassnet's reverse-mode autograd.

- :func:`functional_call` runs a module with other tensors in place of its parameters
  and buffers (for per-sample gradients, meta-learning, model ensembles).
- :func:`grad`, :func:`grad_and_value`, :func:`vjp` differentiate a function of tensors
  (or of dicts, tuples and lists of tensors). They compose with :func:`vmap` in either
  order; one inside another (``grad(grad(f))``) is refused with a message (use
  :func:`hessian`, or ``torch.autograd.grad(create_graph=True)``, for second derivatives).
- :func:`jacrev`, :func:`jacfwd` and :func:`hessian` use
  :mod:`glassnet.autograd.functional` (one reverse pass per output element).
- :func:`vmap` maps a function over a batch dimension by calling it once per slice and
  stacking the results: the values are PyTorch's, the speed is a Python loop's (PyTorch
  batches the operations instead). ``randomness`` works as PyTorch's: ``'error'`` refuses
  a random draw inside the function, ``'same'`` gives every slice the same draws,
  ``'different'`` lets them differ.

Under ``glassnet run`` this module is ``torch.func`` (and ``torch.nn.utils.stateless``,
whose ``functional_call`` it also serves).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import numpy as np

from . import autograd
from ._torch_config import get_rng_state, set_rng_state
from .autograd import functional as _functional
from .autograd.grad_mode import enable_grad
from .nn.module import Module
from .ops.shape import stack
from .tensor import Tensor

__all__ = [
    "functional_call", "grad", "grad_and_value", "vjp", "jvp", "jacrev", "jacfwd", "hessian",
    "vmap", "stack_module_state", "functionalize",
]  # fmt: skip

_nesting = threading.local()


# ------------------------------------------------------------------ pytrees
def _flatten(tree: Any) -> tuple[list, Callable[[list], Any]]:
    """The Tensor leaves of nested dicts / tuples / lists, and a function that rebuilds the
    same structure from new leaves (other values are kept as they are)."""
    if isinstance(tree, Tensor):
        return [tree], lambda leaves: leaves[0]
    if isinstance(tree, Mapping):
        keys = list(tree)
        parts = [_flatten(tree[k]) for k in keys]
        return _join(parts, lambda values: type(tree)(zip(keys, values)) if isinstance(tree, dict)
                     else dict(zip(keys, values)))  # fmt: skip
    if isinstance(tree, (tuple, list)):
        parts = [_flatten(item) for item in tree]
        kind = type(tree)
        return _join(parts, lambda values: kind(values) if kind in (tuple, list)
                     else kind(*values))  # fmt: skip
    return [], lambda leaves: tree


def _join(parts: list, build: Callable[[list], Any]) -> tuple[list, Callable[[list], Any]]:
    leaves = [leaf for p, _ in parts for leaf in p]
    counts = [len(p) for p, _ in parts]

    def rebuild(new: list) -> Any:
        out, i = [], 0
        for (_, sub), n in zip(parts, counts):
            out.append(sub(new[i : i + n]))
            i += n
        return build(out)

    return leaves, rebuild


# ---------------------------------------------------------- functional_call
def _owner(module: Module, name: str) -> tuple[Module, str]:
    *path, attr = name.split(".")
    for part in path:
        module = getattr(module, part)
    return module, attr


@contextmanager
def _swapped(module: Module, values: dict[str, Any]) -> Iterator[None]:
    undo = []
    try:
        for name, value in values.items():
            owner, attr = _owner(module, name)
            for store in (owner._parameters, owner._buffers):
                if attr in store:
                    undo.append((store, attr, store[attr]))
                    store[attr] = value
                    break
            else:
                undo.append((owner, attr, _MISSING))
                object.__setattr__(owner, attr, value)
        yield
    finally:
        for where, attr, old in reversed(undo):
            if old is _MISSING:
                object.__delattr__(where, attr)
            else:
                where[attr] = old


_MISSING = object()


def _merged(dicts: Any) -> dict[str, Any]:
    if isinstance(dicts, Mapping):
        return dict(dicts)
    merged: dict[str, Any] = {}
    for d in dicts:
        for key, value in d.items():
            if key in merged:
                raise ValueError(f"functional_call: {key!r} appeared in multiple dictionaries; "
                                 "behavior of functional call is ambiguous")  # fmt: skip
            merged[key] = value
    return merged


def _tied(module: Module, values: dict[str, Any]) -> dict[str, Any]:
    """``values`` with each given tensor also put in place of the parameters tied to it."""
    names: dict[int, list[str]] = {}
    for name, p in module.named_parameters(remove_duplicate=False):
        names.setdefault(id(p), []).append(name)
    out = dict(values)
    for group in names.values():
        given = [n for n in group if n in values]
        for n in group:
            if given and n not in out:
                out[n] = values[given[0]]
    return out


def functional_call(module: Module, parameter_and_buffer_dicts: Any, args: Any = None,
                    kwargs: dict | None = None, *, tie_weights: bool = True,
                    strict: bool = False) -> Any:  # fmt: skip
    """``module(*args, **kwargs)`` with the given tensors in place of its parameters and buffers.

    Parameters
    ----------
    module : Module
    parameter_and_buffer_dicts : dict or tuple of dicts
        Dotted names (``"0.weight"``) to tensors; gradients flow to these tensors.
    args : Tensor or tuple, optional
    kwargs : dict, optional
    tie_weights : bool, default True
        A tensor given for one of several tied parameters stands in for all of them.
    strict : bool, default False
        Require exactly the module's parameters and buffers.

    Returns
    -------
    The module's output; the module's own tensors are back in place afterwards.
    """
    values = _merged(parameter_and_buffer_dicts)
    if strict:
        _check_strict(module, values)
    if tie_weights:
        values = _tied(module, values)
    args = () if args is None else args if isinstance(args, tuple) else (args,)
    with _swapped(module, values):
        return module(*args, **(kwargs or {}))


def _check_strict(module: Module, values: dict[str, Any]) -> None:
    names = {n for n, _ in module.named_parameters()} | {n for n, _ in module.named_buffers()}
    missing = sorted(names - set(values))
    unexpected = sorted(set(values) - names)
    if missing or unexpected:
        lines = [f"Error(s) in reparametrizing for {type(module).__name__}:"]
        if unexpected:
            lines.append("\tUnexpected key(s): " + ", ".join(f"'{k}'" for k in unexpected) + ".")
        if missing:
            lines.append("\tMissing key(s): " + ", ".join(f"'{k}'" for k in missing) + ".")
        raise RuntimeError("\n".join(lines))


def stack_module_state(models: Any) -> tuple[dict[str, Tensor], dict[str, Tensor]]:
    """The models' parameters and buffers stacked along a new first axis, for :func:`vmap`.

    Parameters
    ----------
    models : sequence of Module
        Of one architecture.

    Returns
    -------
    (params, buffers) : (dict, dict)
        Each parameter stacked ``(len(models), *shape)``, a new leaf that requires a gradient
        where the parameters do; buffers stacked too.
    """
    models = list(models)
    if not models:
        raise RuntimeError("stack_module_state: Expected at least one model, got 0.")
    if any(m.training != models[0].training for m in models):
        raise RuntimeError("stack_module_state: Expected all models to have the same training/eval mode.")
    params = {name: stack([dict(m.named_parameters())[name].detach() for m in models])
              for name, _ in models[0].named_parameters()}  # fmt: skip
    for name, p in models[0].named_parameters():
        params[name].requires_grad_(p.requires_grad)
    buffers = {name: stack([dict(m.named_buffers())[name] for m in models])
               for name, _ in models[0].named_buffers()}  # fmt: skip
    return params, buffers


# -------------------------------------------------------------------- grad
def _depth() -> int:
    return getattr(_nesting, "depth", 0)


@contextmanager
def _nested() -> Iterator[None]:
    _nesting.depth = _depth() + 1
    try:
        yield
    finally:
        _nesting.depth -= 1


def _variable(leaf: Tensor) -> Tensor:
    """A fresh leaf to differentiate with respect to."""
    return leaf.detach().requires_grad_(True)


def _refuse_nesting(who: str) -> None:
    if _depth() > 0:
        raise NotImplementedError(
            f"torch.func.{who} inside another grad transform is not supported by glassnet; "
            "for second derivatives use torch.func.hessian or torch.autograd.grad("
            "create_graph=True); vmap(grad(f)) and grad(vmap(f)) work"
        )


def _argnums(argnums: Any, n: int, who: str) -> tuple[int, ...]:
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    if not nums or any(not isinstance(i, int) or not -n <= i < n for i in nums):
        raise RuntimeError(f"{who}: Got argnums={argnums!r} for a function of {n} positional arguments")
    return tuple(i % n for i in nums)


def _differentiate(who: str, func: Callable, argnums: Any, has_aux: bool, args: tuple,
                   kwargs: dict) -> tuple:  # fmt: skip
    _refuse_nesting(who)
    nums = _argnums(argnums, len(args), who)
    args = list(args)
    trees = []
    for i in nums:
        leaves, rebuild = _flatten(args[i])
        fresh = [_variable(t) for t in leaves]
        args[i] = rebuild(fresh)
        trees.append((fresh, rebuild))
    with enable_grad(), _nested():
        result = func(*args, **kwargs)
    out, aux = _split_aux(who, result, has_aux)
    if not isinstance(out, Tensor) or out.numel() != 1 or out.ndim != 0:
        dims = out.ndim if isinstance(out, Tensor) else type(out).__name__
        raise RuntimeError(f"{who}(f)(*args): Expected f(*args) to return a scalar Tensor, got "
                           f"tensor with {dims} dims. Maybe you wanted to use the vjp or jacrev "
                           "APIs instead?")  # fmt: skip
    flat = [t for fresh, _ in trees for t in fresh]
    grads = autograd.grad(out, flat, allow_unused=True) if flat else ()
    grads = [g.detach() if g is not None else _zeros_like(t) for g, t in zip(grads, flat)]
    results, i = [], 0
    for fresh, rebuild in trees:
        results.append(rebuild(grads[i : i + len(fresh)]))
        i += len(fresh)
    g = results[0] if isinstance(argnums, int) else tuple(results)
    return g, out.detach(), aux


def _zeros_like(t: Tensor) -> Tensor:
    return Tensor(t.array * 0)


def _split_aux(who: str, result: Any, has_aux: bool) -> tuple:
    if not has_aux:
        return result, None
    if not isinstance(result, tuple) or len(result) != 2:
        raise RuntimeError(f"{who}(f)(*args): output of function f should be a tuple: "
                           "(output, aux) if has_aux is True")  # fmt: skip
    return result


def grad(func: Callable, argnums: int | tuple[int, ...] = 0, has_aux: bool = False) -> Callable:
    """A function that returns the gradient of ``func`` (a scalar) with respect to its
    ``argnums`` argument(s), in their structure; ``(grads, aux)`` with ``has_aux``."""

    def grad_f(*args: Any, **kwargs: Any) -> Any:
        g, _, aux = _differentiate("grad", func, argnums, has_aux, args, kwargs)
        return (g, aux) if has_aux else g

    return grad_f


def grad_and_value(func: Callable, argnums: int | tuple[int, ...] = 0,
                   has_aux: bool = False) -> Callable:  # fmt: skip
    """Like :func:`grad`, returning ``(grads, value)`` (``(grads, (value, aux))`` with ``has_aux``)."""

    def grad_and_value_f(*args: Any, **kwargs: Any) -> Any:
        g, value, aux = _differentiate("grad_and_value", func, argnums, has_aux, args, kwargs)
        return (g, (value, aux)) if has_aux else (g, value)

    return grad_and_value_f


def vjp(func: Callable, *primals: Any, has_aux: bool = False) -> tuple:
    """``(func(*primals), vjp_fn)``: ``vjp_fn(cotangents)`` gives the vector-Jacobian
    products, one per primal (``(output, vjp_fn, aux)`` with ``has_aux``)."""
    _refuse_nesting("vjp")
    flat_in, rebuilds = [], []
    args = []
    for p in primals:
        leaves, rebuild = _flatten(p)
        fresh = [_variable(t) for t in leaves]
        args.append(rebuild(fresh))
        flat_in.append(fresh)
        rebuilds.append(rebuild)
    with enable_grad(), _nested():
        result = func(*args)
    out, aux = _split_aux("vjp", result, has_aux)
    out_leaves, _ = _flatten(out)

    def vjp_fn(cotangents: Any) -> tuple:
        cots, _ = _flatten(cotangents)
        if len(cots) != len(out_leaves):
            raise RuntimeError(f"vjp_fn: expected {len(out_leaves)} cotangents, got {len(cots)}")
        inputs = [t for fresh in flat_in for t in fresh]
        grads = autograd.grad(out_leaves, inputs, grad_outputs=cots, retain_graph=True,
                              allow_unused=True)  # fmt: skip
        grads = [g.detach() if g is not None else _zeros_like(t) for g, t in zip(grads, inputs)]
        results, i = [], 0
        for fresh, rebuild in zip(flat_in, rebuilds):
            results.append(rebuild(grads[i : i + len(fresh)]))
            i += len(fresh)
        return tuple(results)

    value = _flatten(out)[1]([t.detach() for t in out_leaves])
    return (value, vjp_fn, aux) if has_aux else (value, vjp_fn)


def jvp(func: Callable, primals: tuple, tangents: tuple, *, strict: bool = False,
        has_aux: bool = False) -> tuple:  # fmt: skip
    """``(func(*primals), J @ tangents)`` (``glassnet.autograd.functional.jvp``)."""
    if has_aux:
        raise NotImplementedError("torch.func.jvp: has_aux=True is not supported in glassnet; "
                                  "return the auxiliary value from a separate call")  # fmt: skip
    return _functional.jvp(func, tuple(primals), tuple(tangents), strict=strict)


def _jacobian(who: str, func: Callable, argnums: Any, has_aux: bool) -> Callable:
    def jac_f(*args: Any) -> Any:
        nums = _argnums(argnums, len(args), who)
        if any(not isinstance(args[i], Tensor) for i in nums):
            raise NotImplementedError(f"torch.func.{who}: glassnet differentiates with respect to "
                                      "Tensor arguments only (not dicts or tuples of them)")  # fmt: skip
        aux_box = []

        def selected(*sel: Tensor) -> Any:
            full = list(args)
            for i, t in zip(nums, sel):
                full[i] = t
            out, aux = _split_aux(who, func(*full), has_aux)
            aux_box.append(aux)
            return out

        jac = _functional.jacobian(selected, tuple(args[i] for i in nums))
        jac = _per_argnum(jac, isinstance(argnums, int))
        return (jac, aux_box[0]) if has_aux else jac

    return jac_f


def _per_argnum(jac: Any, single: bool) -> Any:
    """glassnet's jacobian of a tuple of inputs as torch.func returns it for ``argnums``."""
    if not single:
        return jac
    if isinstance(jac, tuple) and jac and isinstance(jac[0], tuple):  # several outputs
        return tuple(row[0] for row in jac)
    return jac[0] if isinstance(jac, tuple) else jac


def jacrev(func: Callable, argnums: int | tuple[int, ...] = 0, *, has_aux: bool = False,
           chunk_size: int | None = None, _preallocate_and_copy: bool = False) -> Callable:  # fmt: skip
    """A function returning the Jacobian of ``func`` with respect to its ``argnums``
    argument(s): block shape ``output.shape + input.shape``."""
    return _jacobian("jacrev", func, argnums, has_aux)


def jacfwd(func: Callable, argnums: int | tuple[int, ...] = 0, has_aux: bool = False, *,
           randomness: str = "error") -> Callable:  # fmt: skip
    """As :func:`jacrev` (glassnet computes it in reverse mode; the values are the same)."""
    return _jacobian("jacfwd", func, argnums, has_aux)


def hessian(func: Callable, argnums: int | tuple[int, ...] = 0) -> Callable:
    """A function returning the Hessian of the scalar ``func`` with respect to one Tensor argument."""

    def hessian_f(*args: Any) -> Any:
        (i,) = _argnums(argnums, len(args), "hessian") if isinstance(argnums, int) else (None,)
        if i is None:
            raise NotImplementedError("torch.func.hessian: glassnet takes one argnum (an int)")

        def selected(t: Tensor) -> Any:
            full = list(args)
            full[i] = t
            return func(*full)

        return _functional.hessian(selected, args[i])

    return hessian_f


def functionalize(func: Callable, *, remove: str = "mutations") -> Callable:
    """``func`` itself: glassnet runs it as it is (functionalization changes no values)."""
    return func


# -------------------------------------------------------------------- vmap
def _in_dim_leaves(arg: Any, dim: Any, who: str) -> list:
    leaves, _ = _flatten(arg)
    if dim is None or isinstance(dim, int):
        return [dim] * len(leaves)
    dims = _flatten_dims(dim)
    if len(dims) != len(leaves):
        raise ValueError(f"{who}: in_dims is not compatible with the structure of the inputs")
    return dims


def _flatten_dims(tree: Any) -> list:
    """The dims (ints or None) of an ``in_dims``/``out_dims`` tree, in leaf order."""
    if tree is None or isinstance(tree, int):
        return [tree]
    if isinstance(tree, Mapping):
        return [d for v in tree.values() for d in _flatten_dims(v)]
    return [d for v in tree for d in _flatten_dims(v)]


def vmap(func: Callable, in_dims: Any = 0, out_dims: Any = 0, randomness: str = "error", *,
         chunk_size: int | None = None) -> Callable:  # fmt: skip
    """``func`` mapped over a batch dimension of its inputs (see the module notes).

    Parameters
    ----------
    func : callable
        Takes and returns Tensors (or dicts / tuples / lists of them).
    in_dims : int, None or a tuple matching the arguments, default 0
        The batch dimension of each argument; None: not batched (passed whole).
    out_dims : int or tuple matching the outputs, default 0
        Where the batch dimension goes in each output.
    randomness : {'error', 'same', 'different'}, default 'error'
    chunk_size : int, optional
        Accepted (glassnet calls ``func`` once per slice anyway).
    """
    if randomness not in ("error", "same", "different"):
        raise RuntimeError(f"Only allowed values for randomness are 'error', 'different', or "
                           f"'same'. Got {randomness}")  # fmt: skip

    def vmapped(*args: Any, **kwargs: Any) -> Any:
        dims = in_dims if isinstance(in_dims, tuple) else (in_dims,) * len(args)
        if len(dims) != len(args):
            raise ValueError(f"vmap(f, in_dims={in_dims!r}, ...)(<inputs>): in_dims is not "
                             f"compatible with the structure of `inputs`: {len(args)} inputs")  # fmt: skip
        plan = [(_flatten(a), _in_dim_leaves(a, d, "vmap")) for a, d in zip(args, dims)]
        size = _batch_size(plan)
        state = get_rng_state()
        outs = [_call_slice(func, plan, i, kwargs, randomness, state) for i in range(size)]
        return _stack_outputs(outs, out_dims)

    return vmapped


def _batch_size(plan: list) -> int:
    sizes = [leaf.shape[d] for (leaves, _), ds in plan for leaf, d in zip(leaves, ds)
             if d is not None]  # fmt: skip
    if not sizes:
        raise ValueError("vmap(f, in_dims=..., ...)(<inputs>): at least one input must be batched "
                         "(in_dims all None)")  # fmt: skip
    if len(set(sizes)) != 1:
        raise ValueError("vmap: Expected all tensors to have the same size in the mapped "
                         f"dimension, got sizes {sizes} for the mapped dimension")  # fmt: skip
    return sizes[0]


def _call_slice(func: Callable, plan: list, i: int, kwargs: dict, randomness: str,
                state: Tensor) -> Any:  # fmt: skip
    if randomness == "same":
        set_rng_state(state)
    before = get_rng_state() if randomness == "error" else None
    args = [rebuild([leaf if d is None else leaf.select(d, i) for leaf, d in zip(leaves, ds)])
            for (leaves, rebuild), ds in plan]  # fmt: skip
    out = func(*args, **kwargs)
    if before is not None and not np.array_equal(get_rng_state().array, before.array):
        raise RuntimeError("vmap: called random operation while in randomness error mode. Please "
                           "either use the 'same' or 'different' randomness flags on vmap or "
                           "perform the randomness operation out of vmap")  # fmt: skip
    return out


def _stack_outputs(outs: list, out_dims: Any) -> Any:
    leaves0, rebuild = _flatten(outs[0])
    first = outs[0]
    if not leaves0 and not isinstance(first, Tensor):
        raise ValueError(f"vmap: `func` must only return Tensors, got type {type(first)}")
    dims = [out_dims] * len(leaves0) if isinstance(out_dims, int) else _flatten_dims(out_dims)
    if len(dims) != len(leaves0):
        raise ValueError("vmap: out_dims is not compatible with the structure of the outputs")
    per_slice = [_flatten(o)[0] for o in outs]
    stacked = [stack([leaves[k] for leaves in per_slice], axis=d) for k, d in enumerate(dims)]
    return rebuild(stacked)
