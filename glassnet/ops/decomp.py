"""Matrix decompositions with gradients: Cholesky, symmetric eigen-decomposition, SVD, QR.

Each works on the last two axes (leading axes are a batch) through ``xp.linalg`` (NumPy
or CuPy) and keeps the input's dtype. Only real matrices: glassnet has no complex dtype.
The backward formulas are PyTorch's (same values, including its choices where the
decomposition is not unique), written with ``A^T`` for the transpose:

* ``cholesky`` (``A = L L^T``): with ``P = tril(L^T gL)``,
  ``S = (P + tril(P, -1)^T) / 2`` and ``gA = L^-T S L^-1`` (symmetric);
* ``eigh`` (``A = V diag(w) V^T``, ascending ``w``): with ``E_ij = w_j - w_i`` (1 on the
  diagonal), ``K = skew(V^T gV) / 2 / E``, diagonal ``gw``, ``gA = V K V^T``;
* ``svd`` (``A = U diag(s) Vh``, reduced): with ``E_ij = s_j^2 - s_i^2``,
  ``skew(X) = X - X^T``, ``K = (skew(U^T gU) s_j + s_i skew(Vh gVh^T)) / E + diag(gs)``,
  ``gA = U K Vh`` plus, for a tall (wide) matrix, the part of ``gU`` (``gVh``) outside the
  span of ``U`` (``Vh``) divided by ``s``. ``full_matrices=True`` differentiates through
  the first ``k = min(m, n)`` columns of ``U`` and rows of ``Vh`` only, as torch does;
* ``qr`` (``A = Q R``, reduced): for ``m >= n``, with ``M = R gR^T - gQ^T Q``,
  ``gA = (gQ + Q copyltu(M)) R^-T`` where ``copyltu`` mirrors the lower triangle onto the
  upper; a wide matrix ``[X | Y] = Q [U | V]`` takes ``gY = Q gV`` and ``gX`` from the
  square case with ``gQ + Y gV^T``.

Gradients assume what torch's do: distinct eigenvalues (singular values), a positive
definite matrix for the Cholesky factor, a full-rank matrix for QR and SVD's ``U``/``Vh``.
"""

from __future__ import annotations

from typing import Any

from ..autograd.function import Function
from ..backend import get_array_module

__all__ = ["Cholesky", "Eigh", "SVD", "QR"]


def _mT(a: Any) -> Any:
    return a.swapaxes(-1, -2)


def _diag_embed(xp: Any, v: Any) -> Any:
    """``(..., k)`` -> ``(..., k, k)`` with ``v`` on the diagonal."""
    out = xp.zeros(v.shape + v.shape[-1:], dtype=v.dtype)
    idx = xp.arange(v.shape[-1])
    out[..., idx, idx] = v
    return out


def _right_solve(xp: Any, b: Any, a: Any) -> Any:
    """``B A^-1``."""
    return _mT(xp.linalg.solve(_mT(a), _mT(b)))


class Cholesky(Function):
    """``L`` (or ``L^T`` when ``upper``) with ``A = L L^T``."""

    def forward(self, a: Any, upper: bool = False) -> Any:
        low = get_array_module(a).linalg.cholesky(a)
        self.upper = upper
        if self.requires_grad:
            self.low = low
        return _mT(low).copy() if upper else low

    def backward(self, g: Any) -> Any:
        xp = get_array_module(g)
        low = self.low
        g_low = _mT(g) if self.upper else g
        p = xp.tril(_mT(low) @ g_low)
        s = 0.5 * (p + _mT(xp.tril(p, -1)))
        return _right_solve(xp, xp.linalg.solve(_mT(low), s), low)


class Eigh(Function):
    """``(w, V)``: ascending eigenvalues and orthonormal eigenvectors of a symmetric matrix,
    read from its lower (``upper=False``) or upper triangle."""

    def forward(self, a: Any, upper: bool = False) -> tuple:
        w, v = get_array_module(a).linalg.eigh(a, UPLO="U" if upper else "L")
        self.upper = upper
        self.materialize_grads = False  # an unused output gets None, and its term is skipped
        if self.requires_grad:
            self.w, self.v = w, v
        return w, v

    def backward(self, gw: Any, gv: Any) -> Any:
        xp = get_array_module(self.v)
        w, v = self.w, self.v
        if gv is None:
            k = _diag_embed(xp, xp.zeros_like(w) if gw is None else gw)
        else:
            vtg = _mT(v) @ gv
            e = w[..., None, :] - w[..., :, None]
            idx = xp.arange(w.shape[-1])
            e[..., idx, idx] = 1
            k = 0.5 * (vtg - _mT(vtg)) / e
            k[..., idx, idx] = 0 if gw is None else gw
        return v @ k @ _mT(v)


class SVD(Function):
    """``(U, s, Vh)`` with ``A = U diag(s) Vh`` and ``s`` descending."""

    def forward(self, a: Any, full_matrices: bool = False) -> tuple:
        u, s, vh = get_array_module(a).linalg.svd(a, full_matrices=full_matrices)
        self.full_matrices = full_matrices
        self.materialize_grads = False
        if self.requires_grad:
            k = s.shape[-1]
            self.u, self.s, self.vh = u[..., :k], s, vh[..., :k, :]
        return u, s, vh

    def backward(self, gu: Any, gs: Any, gvh: Any) -> Any:
        xp = get_array_module(self.s)
        u, s, vh = self.u, self.s, self.vh
        k = s.shape[-1]
        m, n = u.shape[-2], vh.shape[-1]
        if gu is None and gvh is None:
            gs = xp.zeros_like(s) if gs is None else gs
            return (u * gs[..., None, :]) @ vh
        gu = None if gu is None else gu[..., :k]
        gvh = None if gvh is None else gvh[..., :k, :]
        inner = self._inner(xp, u, s, vh, gu, gs, gvh)
        if m > k and gu is not None:
            gus = gu / s[..., None, :]
            return (u @ inner + gus - u @ (_mT(u) @ gus)) @ vh
        if n > k and gvh is not None:
            sgv = gvh / s[..., :, None]
            return u @ (inner @ vh + sgv - (sgv @ _mT(vh)) @ vh)
        return u @ inner @ vh

    @staticmethod
    def _inner(xp: Any, u: Any, s: Any, vh: Any, gu: Any, gs: Any, gvh: Any) -> Any:
        """``K``: the gradient in the basis of the singular vectors, ``(..., k, k)``."""
        s2 = s * s
        e = s2[..., None, :] - s2[..., :, None]
        idx = xp.arange(s.shape[-1])
        e[..., idx, idx] = 1
        k = xp.zeros(e.shape, dtype=s.dtype)
        if gu is not None:
            utg = _mT(u) @ gu
            k += (utg - _mT(utg)) * s[..., None, :]
        if gvh is not None:
            vtg = vh @ _mT(gvh)
            k += s[..., :, None] * (vtg - _mT(vtg))
        k /= e
        if gs is not None:
            k[..., idx, idx] += gs
        return k


class QR(Function):
    """``(Q, R)``: ``Q`` with orthonormal columns, ``R`` upper triangular (``mode`` as
    ``numpy.linalg.qr``'s: ``'reduced'`` or ``'complete'``)."""

    def forward(self, a: Any, mode: str = "reduced") -> tuple:
        q, r = get_array_module(a).linalg.qr(a, mode=mode)
        self.mode = mode
        if self.requires_grad:
            self.a, self.q, self.r = a, q, r
        return q, r

    def backward(self, gq: Any, gr: Any) -> Any:
        xp = get_array_module(self.q)
        m, n = self.a.shape[-2:]
        if self.mode == "complete" and m > n:
            raise RuntimeError(
                "linalg.qr: the QR decomposition is not differentiable when mode='complete' "
                "and nrows > ncols"
            )
        q, r = self.q, self.r
        if m >= n:
            return self._square_or_tall(xp, q, r, gq, gr)
        y = self.a[..., m:]
        gv = gr[..., m:]
        gx = self._square_or_tall(xp, q, r[..., :m], gq + y @ _mT(gv), gr[..., :m])
        return xp.concatenate([gx, q @ gv], axis=-1)

    @staticmethod
    def _square_or_tall(xp: Any, q: Any, r: Any, gq: Any, gr: Any) -> Any:
        """``gA`` for ``A = Q R`` with ``R`` square ``(n, n)``."""
        m = r @ _mT(gr) - _mT(gq) @ q
        low = xp.tril(m, -1)
        sym = low + _mT(low) + _diag_embed(xp, xp.diagonal(m, axis1=-2, axis2=-1))
        return _right_solve(xp, gq + q @ sym, _mT(r))
