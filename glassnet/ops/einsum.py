"""``einsum``: sums of products named by index letters (``'ij,jk->ik'``), as ``torch.einsum``.

The gradient of each operand is itself an einsum: the output gradient with
the other operands, onto the operand's letters. A letter that only one
operand has and the output lacks is summed in the forward pass; its gradient
is broadcast back along it. A letter repeated within one operand (``'ii->i'``, a
diagonal) reads that operand's diagonal; its gradient is written back onto the diagonal.
Ellipses (``...``) are expanded by ``glassnet.einsum`` before they reach this module.
"""

from __future__ import annotations

from typing import Any

from .._errors import ShapeError
from ..autograd.function import Function
from ..backend import get_array_module
from ..tensor import Tensor

__all__ = ["einsum", "Einsum", "parse_equation"]


def parse_equation(equation: str, n_operands: int) -> tuple[list[str], str]:
    """``(input subscripts, output subscripts)`` of ``equation``, the output made explicit.

    Raises
    ------
    ValueError
        For a wrong number of operands, an ellipsis, a subscript that is not a letter, or
        an output letter no input has (or has twice).
    """
    eq = equation.replace(" ", "")
    if "..." in eq:
        raise ValueError(f"einsum: ellipsis ('...') is not supported, got {equation!r}")
    lhs, _, rhs = eq.partition("->")
    ins = lhs.split(",")
    if len(ins) != n_operands:
        raise ShapeError(
            f"einsum: {equation!r} names {len(ins)} operands, got {n_operands} tensors"
        )
    for s in ins:
        if not all(c.isalpha() for c in s):
            raise ValueError(f"einsum: operand subscripts must be letters, got {s!r}")
    if "->" not in eq:  # implicit output: the letters that appear once, in alphabetical order
        letters = "".join(ins)
        rhs = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    if len(set(rhs)) != len(rhs) or set(rhs) - set("".join(ins)):
        raise ValueError(f"einsum: bad output subscripts {rhs!r} in {equation!r}")
    return ins, rhs


class Einsum(Function):
    def forward(self, *operands: Any, equation: str = "") -> Any:
        ins, out = parse_equation(equation, len(operands))
        for s, a in zip(ins, operands):
            if len(s) != a.ndim:
                raise ShapeError(
                    f"einsum: subscripts {s!r} for an operand with {a.ndim} dims (shape {a.shape})"
                )
        if self.requires_grad:
            self.operands, self.ins, self.out = operands, ins, out
        try:
            return get_array_module(*operands).einsum(f"{','.join(ins)}->{out}", *operands)
        except ValueError as e:  # NumPy's "operands could not be broadcast ..." for unequal sizes
            raise ShapeError(f"einsum: operand sizes do not match {equation!r}: {e}") from e

    def backward(self, g: Any) -> tuple:
        xp = get_array_module(g)
        grads = []
        for i, (sub, a) in enumerate(zip(self.ins, self.operands)):
            if not self.needs_input_grad[i]:
                grads.append(None)
                continue
            others = [(s, o) for j, (s, o) in enumerate(zip(self.ins, self.operands)) if j != i]
            known = set(self.out).union(*[set(s) for s, _ in others])
            uniq = "".join(dict.fromkeys(sub))  # a repeated letter (diagonal) once
            size = {c: a.shape[k] for k, c in enumerate(sub)}
            kept = "".join(c for c in uniq if c in known)
            terms = ",".join([self.out, *[s for s, _ in others]])
            part = xp.einsum(f"{terms}->{kept}", g, *[o for _, o in others])
            if kept != uniq:  # letters summed only in this operand: broadcast back along them
                shape = [size[c] if c in known else 1 for c in uniq]
                part = xp.broadcast_to(part.reshape(shape), tuple(size[c] for c in uniq))
            if uniq != sub:
                part = _onto_diagonal(xp, part, uniq, sub, size)
            grads.append(part.astype(a.dtype, copy=False))
        return tuple(grads)


def _onto_diagonal(xp: Any, part: Any, uniq: str, sub: str, size: dict[str, int]) -> Any:
    """``part`` (over the distinct letters ``uniq``) laid on the diagonals of ``sub``.

    Each repeat of a letter gets a fresh letter tied to the first by an identity matrix:
    the gradient of ``'ii->i'`` is ``einsum('i,ij->ij', g, eye)``.
    """
    free = iter(c for c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" if c not in sub)
    spelt, eyes, seen = "", [], set()
    for c in sub:
        if c in seen:
            fresh = next(free)
            spelt += fresh
            eyes.append((c + fresh, xp.eye(size[c], dtype=part.dtype)))
        else:
            seen.add(c)
            spelt += c
    terms = ",".join([uniq, *[t for t, _ in eyes]])
    return xp.einsum(f"{terms}->{spelt}", part, *[e for _, e in eyes])


def einsum(equation: str, *operands: Any) -> Tensor:
    """Sum of products of ``operands`` over the letters of ``equation`` (``'bij,bjk->bik'``).

    ``einsum(eq, [a, b])`` (a list) works too, as in PyTorch.
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    parse_equation(equation, len(operands))
    return Einsum.apply(*operands, equation=equation)
