"""``torch.autograd.functional``'s first-order tools: ``jacobian``, ``vjp`` and ``jvp``.

All three run reverse mode on glassnet's graph: ``jacobian`` one backward pass per
output element (``retain_graph``), so it suits the small functions it is used for
(a layer's input-output map, a physics model's few parameters). Second derivatives
(``hessian``, ``hvp``, ``vhp``, ``create_graph=True``) need a graph of the backward
pass, which glassnet's ops do not build: they raise ``NotImplementedError``.
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


def _leaves(inputs: tuple[Tensor, ...]) -> tuple[Tensor, ...]:
    """Fresh leaves of the inputs' values that require grad (torch's functional API
    differentiates with respect to copies, leaving the caller's tensors untouched)."""
    return tuple(Tensor._make(t.array.copy(), True, None, 0) for t in inputs)


def _refuse_create_graph(who: str, create_graph: bool) -> None:
    if create_graph:
        raise NotImplementedError(
            f"{who}(create_graph=True): glassnet does not build a graph of the backward "
            "pass, so there are no higher-order derivatives"
        )


def _grads(out: Tensor, leaves: tuple[Tensor, ...], seed: Any, strict: bool, who: str) -> list:
    """Gradients of ``sum(out * seed)`` with respect to ``leaves`` (zeros where unused)."""
    if not out.requires_grad:
        if strict:
            raise RuntimeError(f"{who}: the output does not depend on the inputs (strict=True)")
        return [np.zeros_like(t.array) for t in leaves]
    got = engine.grad(out, leaves, grad_outputs=Tensor(seed), retain_graph=True, allow_unused=True)
    result = []
    for g, t in zip(got, leaves):
        if g is None and strict:
            raise RuntimeError(f"{who}: an input takes no part in the output (strict=True)")
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
        ``True`` raises ``NotImplementedError``.
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
    _refuse_create_graph("jacobian", create_graph)
    if strategy not in ("reverse-mode", "forward-mode"):
        raise ValueError(
            f"jacobian: strategy must be 'reverse-mode' or 'forward-mode', got {strategy!r}"
        )
    ins, many_in = _as_tuple("jacobian", "inputs", inputs)
    leaves = _leaves(ins)
    with enable_grad():
        outs, many_out = _as_tuple("jacobian", "the output of func", func(*leaves))
    blocks = []
    for out in outs:
        rows = [np.zeros((out.numel(),) + t.shape, dtype=t.dtype) for t in leaves]
        for k in range(out.numel()):
            seed = out.xp.zeros(out.shape, dtype=out.dtype)
            seed.reshape(-1)[k] = 1
            for row, g in zip(rows, _grads(out, leaves, seed, strict, "jacobian")):
                row[k] = g
        blocks.append(tuple(Tensor(r.reshape(out.shape + t.shape)) for r, t in zip(rows, leaves)))
    per_out = [b if many_in else b[0] for b in blocks]
    return tuple(per_out) if many_out else per_out[0]


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
    _refuse_create_graph("vjp", create_graph)
    ins, many_in = _as_tuple("vjp", "inputs", inputs)
    leaves = _leaves(ins)
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
        seed = v.array if isinstance(v, Tensor) else np.asarray(v)
        if tuple(seed.shape) != out.shape:
            raise RuntimeError(f"vjp: v has shape {tuple(seed.shape)}, the output {out.shape}")
    grads = tuple(Tensor(g) for g in _grads(out, leaves, seed, strict, "vjp"))
    return Tensor._make(out.array, False, None, 0), grads if many_in else grads[0]


def jvp(
    func: Callable[..., Any],
    inputs: Any,
    v: Any = None,
    create_graph: bool = False,
    strict: bool = False,
) -> tuple:
    """``(func(inputs), J v)``, as ``torch.autograd.functional.jvp`` (from the Jacobian)."""
    _refuse_create_graph("jvp", create_graph)
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
    jac = jacobian(func, tuple(ins), strict=strict)
    with enable_grad():
        out = func(*_leaves(ins))
    if not isinstance(out, Tensor):
        raise TypeError(f"jvp: func must return one Tensor, got {type(out).__name__}")
    total = sum(
        (j.array.reshape(out.numel(), -1) @ a.reshape(-1)).reshape(out.shape)
        for j, a in zip(jac, vs)
    )
    return Tensor._make(out.array, False, None, 0), Tensor(total)


def _second_order(name: str) -> Callable[..., Any]:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(
            f"torch.autograd.functional.{name}: second derivatives need a graph of the "
            "backward pass, which glassnet's ops do not build; use jacobian of a function "
            "that returns a gradient you compute by hand, or finite differences"
        )

    refuse.__name__ = name
    refuse.__doc__ = f"``{name}`` is not available: glassnet has no higher-order gradients."
    return refuse


hessian = _second_order("hessian")
hvp = _second_order("hvp")
vhp = _second_order("vhp")
