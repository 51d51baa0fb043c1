"""Square-matrix ops: inverse, determinant, log-determinant and linear solve.

Each works on the last two axes (leading axes are a batch) through ``xp.linalg`` (NumPy
or CuPy). The gradients:

* ``inv``: ``dA = -Y^T G Y^T`` with ``Y = A^-1``;
* ``det``: ``dA = g * C``, with ``C`` the cofactor matrix ``det(A) A^-T`` taken from the
  singular value decomposition ``A = U S V^T`` as ``det(U) det(V) U diag(prod_{j != i}
  s_j) V^T``, which holds for singular matrices too (torch's gradient there as well);
* ``slogdet``: ``dA = g * A^-T`` for the log of the absolute value (the sign has none);
* ``solve``: ``X = A^-1 B``, ``dB = A^-T G``, ``dA = -dB X^T``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import return_types as _rt
from ..autograd.function import Function
from ..backend import get_array_module
from ..tensor import Tensor

__all__ = ["inv", "det", "slogdet", "solve"]


def _mT(a: Any) -> Any:
    return a.swapaxes(-1, -2)


class Inverse(Function):
    def forward(self, a: Any) -> Any:
        y = get_array_module(a).linalg.inv(a)
        if self.requires_grad:
            self.y = y
        return y

    def backward(self, g: Any) -> Any:
        yt = _mT(self.y)
        return -(yt @ g @ yt)


class Det(Function):
    def forward(self, a: Any) -> Any:
        d = get_array_module(a).linalg.det(a)
        if self.requires_grad:
            self.a = a
        return d

    def backward(self, g: Any) -> Any:
        xp = get_array_module(g)
        u, s, vt = xp.linalg.svd(self.a)
        one = xp.ones_like(s[..., :1])  # others[i] = prod of s_j for j != i
        left = xp.concatenate([one, xp.cumprod(s[..., :-1], axis=-1)], axis=-1)
        right = xp.concatenate([xp.cumprod(s[..., :0:-1], axis=-1)[..., ::-1], one], axis=-1)
        others = left * right
        sign = xp.linalg.det(u) * xp.linalg.det(vt)
        cof = (u * others[..., None, :]) @ vt
        return (g * sign)[..., None, None] * cof


class LogAbsDet(Function):
    def forward(self, a: Any) -> Any:
        sign, logabs = get_array_module(a).linalg.slogdet(a)
        if self.requires_grad:
            self.a = a
        return logabs

    def backward(self, g: Any) -> Any:
        xp = get_array_module(g)
        return g[..., None, None] * _mT(xp.linalg.inv(self.a))


class Solve(Function):
    def forward(self, a: Any, b: Any) -> Any:
        x = get_array_module(a).linalg.solve(a, b)
        if self.requires_grad:
            self.a, self.x, self.dtypes = a, x, (a.dtype, b.dtype)
        return x

    def backward(self, g: Any) -> tuple:
        na, nb = self.needs_input_grad
        gb = get_array_module(g).linalg.solve(_mT(self.a), g)
        ga = -(gb @ _mT(self.x)).astype(self.dtypes[0], copy=False) if na else None
        return ga, gb.astype(self.dtypes[1], copy=False) if nb else None


def _square(who: str, a: Tensor) -> None:
    if not isinstance(a, Tensor):
        raise TypeError(f"linalg.{who}: expected a Tensor, got {type(a).__name__}")
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise ValueError(
            f"linalg.{who}: expected a square matrix or a batch of them (..., n, n), "
            f"got shape {a.shape}"
        )
    if a.dtype.kind != "f":
        raise TypeError(f"linalg.{who}: expected a floating tensor, got dtype {a.dtype}")


def inv(a: Tensor) -> Tensor:
    """The inverse of each ``(n, n)`` matrix of ``a`` (``torch.linalg.inv``).

    Raises
    ------
    ValueError
        For a non-square input; NumPy's ``LinAlgError`` for a singular matrix.
    """
    _square("inv", a)
    return Inverse.apply(a)


def det(a: Tensor) -> Tensor:
    """The determinant of each ``(n, n)`` matrix: shape ``a.shape[:-2]``."""
    _square("det", a)
    return Det.apply(a)


def slogdet(a: Tensor) -> _rt.slogdet:
    """``(sign, logabsdet)`` of each matrix, a named pair as torch's; only the second carries
    a gradient."""
    _square("slogdet", a)
    sign, _ = a.xp.linalg.slogdet(a.array)
    return _rt.slogdet(Tensor(sign), LogAbsDet.apply(a))


def logdet(a: Tensor) -> Tensor:
    """``log(det(a))``: NaN where the determinant is negative, ``-inf`` where it is 0."""
    sign, logabs = slogdet(a)
    xp = a.xp
    bad = xp.where(sign.array < 0, xp.nan, xp.where(sign.array == 0, -xp.inf, 0.0))
    return logabs + Tensor(bad.astype(a.dtype))


def solve(a: Tensor, b: Tensor, *, left: bool = True) -> Tensor:
    """``X`` with ``a @ X = b`` (``torch.linalg.solve``); ``b`` of shape ``(..., n, k)`` or
    a vector ``(..., n)`` (when its dims are one fewer than ``a``'s)."""
    _square("solve", a)
    if not left:
        raise NotImplementedError("linalg.solve(left=False): solve a.mT X^T = b.mT instead")
    if not isinstance(b, Tensor):
        raise TypeError(f"linalg.solve: expected b to be a Tensor, got {type(b).__name__}")
    # torch's rule: b is a (batch of) vector(s) when 1-D or shaped as a's batch + (n,)
    vector = b.ndim == 1 or (b.ndim == a.ndim - 1 and tuple(b.shape) == tuple(a.shape[:-1]))
    bb = b.unsqueeze(-1) if vector else b
    if bb.ndim < 2 or bb.shape[-2] != a.shape[-1]:
        raise ValueError(f"linalg.solve: a has shape {a.shape} but b has shape {b.shape}")
    batch = tuple(np.broadcast_shapes(tuple(a.shape[:-2]), tuple(bb.shape[:-2])))
    if tuple(a.shape[:-2]) != batch:  # the batch dims broadcast (as views: grads flow back)
        a = a.expand(*batch, *a.shape[-2:])
    if tuple(bb.shape[:-2]) != batch:
        bb = bb.expand(*batch, *bb.shape[-2:])
    x = Solve.apply(a, bb)
    return x.squeeze(-1) if vector else x
