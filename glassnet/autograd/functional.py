"""``torch.autograd.functional``: ``jacobian``, ``vjp``, ``jvp``, ``hessian``, ``hvp``, ``vhp``.

All run reverse mode on glassnet's graph: ``jacobian`` one backward pass per
output element (``retain_graph``), so it suits the small functions it is used for
(a layer's input-output map, a physics model's few parameters). Second derivatives
differentiate a backward pass recorded with ``create_graph=True``
(:mod:`glassnet.autograd.higher_order`): ``hessian`` is the Jacobian of the
gradient, ``vhp``/``hvp`` the gradient of ``<gradient, v>``. An op without a
differentiable backward raises ``NotImplementedError`` naming it.

With ``create_graph=True`` the results keep a graph back to the caller's inputs
(that require grad), as in torch; otherwise the functions differentiate fresh
copies of the inputs and return tensors without a graph.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..tensor import Tensor
from . import engine
from .grad_mode import enable_grad

__all__ = ["jacobian", "vjp", "jvp", "hessian", "hvp", "vhp"]


def _as_tuple(who: str, what: str, x: Any) -> tuple[tuple[Tensor, ...], bool]:
    many = isinstance(x, (tuple, list))
    items = tuple(x) if many else (x,)
    for t in items:
        if not isinstance(t, Tensor):
            raise TypeError(
                f"{who}: {what} must be a Tensor or a tuple of Tensors, got {type(t).__name__}"
            )
    return items, many


def _leaves(inputs: tuple[Tensor, ...], create_graph: bool = False) -> tuple[Tensor, ...]:
    """The tensors to differentiate with respect to. Fresh leaves of the inputs' values
    (torch's functional API leaves the caller's tensors untouched), except with
    ``create_graph`` for inputs that require grad: there a view of the input, so the
    results keep a graph back to it (torch's rule)."""
    return tuple(
        t.view_as(t) if create_graph and t.requires_grad else Tensor._make(t.array.copy(), True, None, 0)
        for t in inputs
    )


def _zeros(t: Tensor) -> Tensor:
    return Tensor._make(t.xp.zeros_like(t.array), False, None, 0)


def _grads(
    out: Tensor, leaves: tuple[Tensor, ...], seed: Any, strict: bool, who: str,
    create_graph: bool = False,
) -> list:  # fmt: skip
    """Gradients of ``sum(out * seed)`` with respect to ``leaves`` (zeros where unused):
    arrays, or Tensors that carry a graph with ``create_graph``."""
    if not out.requires_grad:
        if strict:
            raise RuntimeError(f"{who}: the output does not depend on the inputs (strict=True)")
        return [_zeros(t) if create_graph else np.zeros_like(t.array) for t in leaves]
    seed = seed if isinstance(seed, Tensor) else Tensor(seed)
    got = engine.grad(
        out, leaves, grad_outputs=seed, retain_graph=True, create_graph=create_graph,
        allow_unused=True,
    )  # fmt: skip
    result = []
    for g, t in zip(got, leaves):
        if g is None and strict:
            raise RuntimeError(f"{who}: an input takes no part in the output (strict=True)")
        if create_graph:
            result.append(_zeros(t) if g is None else g)
        else:
            result.append(t.xp.zeros_like(t.array) if g is None else g.array)
    return result


def jacobian(
    func: Callable[..., Any],
    inputs: Any,
    create_graph: bool = False,
    strict: bool = False,
    vectorize: bool = False,
    strategy: str = "reverse-mode",
) -> Any:
    """The Jacobian of ``func`` at ``inputs``, as ``torch.autograd.functional.jacobian``.

    Parameters
    ----------
    func : callable
        Takes the input tensors, returns a tensor or a tuple of tensors.
    inputs : Tensor or tuple of Tensor
    create_graph : bool, default False
        Return blocks that carry a graph back to the inputs (for higher derivatives).
    strict : bool, default False
        Raise when an output does not depend on an input (else that block is zeros).
    vectorize, strategy
        Accepted (torch's); glassnet runs one reverse pass per output element.

    Returns
    -------
    Tensor, tuple of Tensor, or tuple of tuples
        Block ``[i][j]`` has shape ``outputs[i].shape + inputs[j].shape``; a single
        input or output drops its level of tuple, as in torch.
    """
    if strategy not in ("reverse-mode", "forward-mode"):
        raise ValueError(
            f"jacobian: strategy must be 'reverse-mode' or 'forward-mode', got {strategy!r}"
        )
    ins, many_in = _as_tuple("jacobian", "inputs", inputs)
    leaves = _leaves(ins, create_graph)
    with enable_grad():
        outs, many_out = _as_tuple("jacobian", "the output of func", func(*leaves))
    blocks = []
    for out in outs:
        rows = [[] for _ in leaves]
        for k in range(out.numel()):
            seed = out.xp.zeros(out.shape, dtype=out.dtype)
            seed.reshape(-1)[k] = 1
            with enable_grad():
                grads = _grads(out, leaves, seed, strict, "jacobian", create_graph)
            for row, g in zip(rows, grads):
                row.append(g)
        blocks.append(tuple(_block(r, out, t, create_graph) for r, t in zip(rows, leaves)))
    per_out = [b if many_in else b[0] for b in blocks]
    return tuple(per_out) if many_out else per_out[0]


def _block(rows: list, out: Tensor, t: Tensor, create_graph: bool) -> Tensor:
    """One Jacobian block ``out.shape + t.shape`` from its rows (one per output element)."""
    shape = tuple(out.shape) + tuple(t.shape)
    if not rows:
        return Tensor(np.zeros(shape, dtype=t.dtype))
    if create_graph:  # sum_k e_k (x) row_k: recorded ops only (no stack op at this layer)
        n = len(rows)
        total = None
        for k, row in enumerate(rows):
            e_k = np.zeros((n,) + (1,) * row.ndim, dtype=t.dtype)
            e_k[k] = 1
            term = row.unsqueeze(0) * t.xp.asarray(e_k)
            total = term if total is None else total + term
        return total.reshape(shape)
    return Tensor(np.stack(rows).reshape(shape))


def _value_and(out: Tensor, grads: Any, create_graph: bool, many_in: bool) -> tuple:
    """``(output, gradients)`` as torch's functional API returns them: with their graphs
    under ``create_graph``, detached otherwise; one input drops its level of tuple."""
    grads = tuple(grads) if create_graph else tuple(Tensor(g) for g in grads)
    value = out if create_graph else Tensor._make(out.array, False, None, 0)
    return value, grads if many_in else grads[0]


def vjp(
    func: Callable[..., Any],
    inputs: Any,
    v: Any = None,
    create_graph: bool = False,
    strict: bool = False,
) -> tuple:
    """``(func(inputs), v^T J)``, as ``torch.autograd.functional.vjp``.

    ``v`` has the output's shape (it may be omitted for a one-element output); the second
    item has the inputs' structure."""
    ins, many_in = _as_tuple("vjp", "inputs", inputs)
    leaves = _leaves(ins, create_graph)
    with enable_grad():
        out = func(*leaves)
    if not isinstance(out, Tensor):
        raise TypeError(f"vjp: func must return one Tensor, got {type(out).__name__}")
    if v is None:
        if out.numel() != 1:
            raise RuntimeError(
                f"vjp: v can be omitted only for a one-element output, got shape {out.shape}"
            )
        seed = out.xp.ones(out.shape, dtype=out.dtype)
    else:
        if isinstance(v, Tensor):
            seed = v if create_graph else v.array  # a v with a graph keeps it (create_graph)
        else:
            seed = np.asarray(v)
        if tuple(seed.shape) != out.shape:
            raise RuntimeError(f"vjp: v has shape {tuple(seed.shape)}, the output {out.shape}")
    with enable_grad():
        got = _grads(out, leaves, seed, strict, "vjp", create_graph)
    return _value_and(out, got, create_graph, many_in)


def jvp(
    func: Callable[..., Any],
    inputs: Any,
    v: Any = None,
    create_graph: bool = False,
    strict: bool = False,
) -> tuple:
    """``(func(inputs), J v)``, as ``torch.autograd.functional.jvp`` (from the Jacobian)."""
    ins, _ = _as_tuple("jvp", "inputs", inputs)
    if v is None:
        if any(t.numel() != 1 for t in ins):
            raise RuntimeError("jvp: v can be omitted only for one-element inputs")
        vs = tuple(np.ones(t.shape, dtype=t.dtype) for t in ins)
    else:
        given, _ = _as_tuple("jvp", "v", v)
        vs = tuple(t.array for t in given)
        if len(vs) != len(ins) or any(a.shape != t.shape for a, t in zip(vs, ins)):
            raise RuntimeError("jvp: v must have the inputs' shapes")
    jac = jacobian(func, tuple(ins), create_graph=create_graph, strict=strict)
    with enable_grad():
        out = func(*_leaves(ins, create_graph))
    if not isinstance(out, Tensor):
        raise TypeError(f"jvp: func must return one Tensor, got {type(out).__name__}")
    if create_graph:
        total = None
        for j, a in zip(jac, vs):
            term = (j.reshape(out.numel(), -1) @ j.xp.asarray(a).reshape(-1)).reshape(out.shape)
            total = term if total is None else total + term
        return out, total
    total = sum(
        (j.array.reshape(out.numel(), -1) @ a.reshape(-1)).reshape(out.shape)
        for j, a in zip(jac, vs)
    )
    return Tensor._make(out.array, False, None, 0), Tensor(total)


def _scalar_output(who: str, out: Any) -> Tensor:
    if not isinstance(out, Tensor):
        raise TypeError(f"{who}: func must return one Tensor, got {type(out).__name__}")
    if out.numel() != 1:
        raise RuntimeError(
            f"{who}: the function given must return a single-element Tensor, got shape {out.shape}"
        )
    return out


def hessian(
    func: Callable[..., Any],
    inputs: Any,
    create_graph: bool = False,
    strict: bool = False,
    vectorize: bool = False,
    outer_jacobian_strategy: str = "reverse-mode",
) -> Any:
    """The Hessian of the scalar ``func`` at ``inputs``, as ``torch.autograd.functional.hessian``.

    The Jacobian of the gradient, which is computed with ``create_graph=True``.

    Parameters
    ----------
    func : callable
        Takes the input tensors, returns a one-element tensor.
    inputs : Tensor or tuple of Tensor
    create_graph : bool, default False
        Return blocks that carry a graph back to the inputs.
    strict : bool, default False
        Raise when the output (or the gradient) does not depend on an input.
    vectorize, outer_jacobian_strategy
        Accepted (torch's); glassnet runs one reverse pass per gradient element.

    Returns
    -------
    Tensor or tuple of tuples of Tensor
        Block ``[i][j]`` has shape ``inputs[i].shape + inputs[j].shape``; a single
        input gives one Tensor, as in torch.
    """
    ins, many_in = _as_tuple("hessian", "inputs", inputs)

    def gradient(*xs: Tensor) -> Any:
        out = _scalar_output("hessian", func(*xs))
        grads = _grads(out.reshape(()), xs, np.ones((), out.dtype), strict, "hessian", True)
        return tuple(grads) if many_in else grads[0]

    return jacobian(gradient, ins if many_in else ins[0], create_graph, strict,
                    strategy=outer_jacobian_strategy)  # fmt: skip


def _v_product(
    who: str, func: Callable[..., Any], inputs: Any, v: Any, create_graph: bool, strict: bool
) -> tuple:
    """``(func(inputs), v^T H)`` from the gradient of ``<grad func, v>``."""
    ins, many_in = _as_tuple(who, "inputs", inputs)
    if v is None:
        if any(t.numel() != 1 for t in ins):
            raise RuntimeError(f"{who}: v can be omitted only for one-element inputs")
        vs = tuple(Tensor(np.ones(t.shape, dtype=t.dtype)) for t in ins)
    else:
        vs, _ = _as_tuple(who, "v", v)
        if len(vs) != len(ins) or any(a.shape != t.shape for a, t in zip(vs, ins)):
            raise RuntimeError(f"{who}: v must have the inputs' shapes")
    leaves = _leaves(ins, create_graph)
    with enable_grad():
        out = _scalar_output(who, func(*leaves))
        grads = _grads(out.reshape(()), leaves, np.ones((), out.dtype), strict, who, True)
        dot = None
        for g, a in zip(grads, vs):
            term = (g * a).sum()
            dot = term if dot is None else dot + term
        result = _grads(dot, leaves, np.ones((), dot.dtype), strict, who, create_graph)
    return _value_and(out, result, create_graph, many_in)


def vhp(
    func: Callable[..., Any],
    inputs: Any,
    v: Any = None,
    create_graph: bool = False,
    strict: bool = False,
) -> tuple:
    """``(func(inputs), v^T H)``, as ``torch.autograd.functional.vhp`` (``func`` scalar;
    ``v`` has the inputs' structure and may be omitted for one-element inputs)."""
    return _v_product("vhp", func, inputs, v, create_graph, strict)


def hvp(
    func: Callable[..., Any],
    inputs: Any,
    v: Any = None,
    create_graph: bool = False,
    strict: bool = False,
) -> tuple:
    """``(func(inputs), H v)``, as ``torch.autograd.functional.hvp``. The Hessian of a
    twice continuously differentiable ``func`` is symmetric, so this is ``v^T H``
    computed by one double-backward (torch computes the same value another way)."""
    return _v_product("hvp", func, inputs, v, create_graph, strict)
