"""``torch.linalg``'s decompositions and what is built on them.

``cholesky``, ``eigh``/``eigvalsh``, ``svd``/``svdvals`` and ``qr`` are the ops of
:mod:`glassnet.ops.decomp` (gradients as torch's); ``pinv``, ``matrix_rank``, ``cond``,
``lstsq``, the singular-value matrix norms, ``matrix_power`` and ``multi_dot`` are
composed of them and of other differentiable ops (``cond`` is in :mod:`glassnet.linalg`). Results come as torch's named tuples
(``U, S, Vh = linalg.svd(a)`` or ``linalg.svd(a).S``). Only real matrices.
:mod:`glassnet.linalg` re-exports the public names; torch's top-level ``svd``, ``qr``,
``cholesky``, ``pinverse``, ``cholesky_solve``, ``cholesky_inverse`` and the Tensor
methods are in :class:`DecompositionMethods`.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from .ops import arithmetic as _ar
from .ops import reduce as _red
from .ops.decomp import QR, SVD, Cholesky, Eigh
from .ops.linalg import inv, solve
from .tensor import Tensor

__all__ = [
    "LinAlgError", "cholesky", "eigh", "eigvalsh", "svd", "svdvals", "qr", "pinv",
    "matrix_rank", "lstsq", "matrix_power", "multi_dot", "svd_norm",
    "torch_svd", "torch_qr", "cholesky_solve", "cholesky_inverse", "pinverse",
    "DecompositionMethods",
]  # fmt: skip


class LinAlgError(RuntimeError, np.linalg.LinAlgError):
    """A matrix the decomposition cannot handle (``torch.linalg.LinAlgError``): also
    NumPy's ``LinAlgError``, so either ``except`` catches it."""


class linalg_eigh(NamedTuple):  # noqa: N801 - named as torch.return_types.linalg_eigh
    eigenvalues: Tensor
    eigenvectors: Tensor


class linalg_svd(NamedTuple):  # noqa: N801
    U: Tensor  # noqa: N815 - torch's field names
    S: Tensor  # noqa: N815
    Vh: Tensor  # noqa: N815


class linalg_qr(NamedTuple):  # noqa: N801
    Q: Tensor  # noqa: N815
    R: Tensor  # noqa: N815


class linalg_lstsq(NamedTuple):  # noqa: N801
    solution: Tensor
    residuals: Tensor
    rank: Tensor
    singular_values: Tensor


class torch_svd_result(NamedTuple):  # noqa: N801 - torch.return_types.svd
    U: Tensor  # noqa: N815
    S: Tensor  # noqa: N815
    V: Tensor  # noqa: N815


def _matrices(who: str, a: Any, square: bool = False) -> Tensor:
    """``a`` checked: a floating Tensor of shape ``(..., m, n)`` (square when asked)."""
    if not isinstance(a, Tensor):
        raise TypeError(f"linalg.{who}: expected a Tensor, got {type(a).__name__}")
    if a.ndim < 2 or (square and a.shape[-1] != a.shape[-2]):
        what = "a square matrix or a batch of them (..., n, n)" if square else "(..., m, n)"
        raise ValueError(f"linalg.{who}: expected {what}, got shape {tuple(a.shape)}")
    if a.dtype.kind != "f":
        raise TypeError(f"linalg.{who}: expected a floating tensor, got dtype {a.dtype}")
    return a


def _uplo(who: str, uplo: str) -> bool:
    if uplo not in ("L", "U"):
        raise ValueError(f"linalg.{who}: UPLO must be 'L' or 'U', got {uplo!r}")
    return uplo == "U"


# ------------------------------------------------------------------ the decompositions
def cholesky(a: Tensor, *, upper: bool = False, out: None = None) -> Tensor:
    """The Cholesky factor of each symmetric positive-definite matrix (``torch.linalg.cholesky``).

    Parameters
    ----------
    a : Tensor, shape (..., n, n)
    upper : bool, default False
        Return the upper factor ``U = L^T`` (``A = U^T U``) instead of ``L``.

    Returns
    -------
    Tensor, shape (..., n, n)

    Raises
    ------
    LinAlgError
        When a matrix is not positive definite.
    """
    _matrices("cholesky", a, square=True)
    if out is not None:
        raise NotImplementedError("linalg.cholesky(out=...): assign the result instead")
    try:
        return Cholesky.apply(a, upper=upper)
    except np.linalg.LinAlgError as err:
        raise LinAlgError(
            f"linalg.cholesky: the factorization could not be completed because the input "
            f"of shape {tuple(a.shape)} is not positive-definite ({err})"
        ) from None


def eigh(a: Tensor, UPLO: str = "L") -> linalg_eigh:  # noqa: N803 - torch's name
    """Eigenvalues (ascending) and eigenvectors of symmetric matrices (``torch.linalg.eigh``).

    Parameters
    ----------
    a : Tensor, shape (..., n, n)
        Only the triangle named by ``UPLO`` is read.
    UPLO : {'L', 'U'}

    Returns
    -------
    linalg_eigh
        ``eigenvalues`` (..., n) and ``eigenvectors`` (..., n, n), one per column.
    """
    _matrices("eigh", a, square=True)
    w, v = Eigh.apply(a, upper=_uplo("eigh", UPLO))
    return linalg_eigh(w, v)


def eigvalsh(a: Tensor, UPLO: str = "L") -> Tensor:  # noqa: N803
    """The eigenvalues of symmetric matrices, ascending: shape ``(..., n)``."""
    _matrices("eigvalsh", a, square=True)
    return Eigh.apply(a, upper=_uplo("eigvalsh", UPLO))[0]


def svd(a: Tensor, full_matrices: bool = True, *, driver: str | None = None) -> linalg_svd:
    """The singular value decomposition ``A = U diag(S) Vh`` (``torch.linalg.svd``).

    Parameters
    ----------
    a : Tensor, shape (..., m, n)
    full_matrices : bool, default True
        ``U`` (..., m, m) and ``Vh`` (..., n, n); False: (..., m, k) and (..., k, n),
        ``k = min(m, n)``. Gradients flow through the first ``k`` columns (rows) only.
    driver : None
        A CUDA option of torch's; only None is taken.

    Returns
    -------
    linalg_svd
        ``U``, ``S`` (..., k) descending, ``Vh``.
    """
    _matrices("svd", a)
    if driver is not None:
        raise NotImplementedError(f"linalg.svd: driver={driver!r} is a CUDA option; pass None")
    u, s, vh = SVD.apply(a, full_matrices=full_matrices)
    return linalg_svd(u, s, vh)


def svdvals(a: Tensor, *, driver: str | None = None) -> Tensor:
    """The singular values of each matrix, descending: shape ``(..., min(m, n))``."""
    return svd(a, False, driver=driver).S


def qr(a: Tensor, mode: str = "reduced") -> linalg_qr:
    """The QR decomposition (``torch.linalg.qr``).

    Parameters
    ----------
    a : Tensor, shape (..., m, n)
    mode : {'reduced', 'complete', 'r'}
        ``'reduced'``: ``Q`` (..., m, k), ``R`` (..., k, n); ``'complete'``: ``Q``
        (..., m, m), ``R`` (..., m, n); ``'r'``: an empty ``Q`` and the reduced ``R``
        (which here, unlike torch, can be differentiated).

    Returns
    -------
    linalg_qr
    """
    _matrices("qr", a)
    if mode not in ("reduced", "complete", "r"):
        raise ValueError(f"linalg.qr: mode must be 'reduced', 'complete' or 'r', got {mode!r}")
    q, r = QR.apply(a, mode="complete" if mode == "complete" else "reduced")
    if mode == "r":
        q = Tensor(a.xp.zeros((0,), dtype=a.dtype))
    return linalg_qr(q, r)


# ----------------------------------------------------------------- built on them
def _cutoff(s: Tensor, m: int, n: int, atol: Any, rtol: Any) -> Any:
    """The singular values at or below which a matrix counts as rank-deficient, ``(..., 1)``."""
    xp = s.xp
    smax = s.array[..., :1]
    if rtol is None:
        rtol = 0.0 if atol is not None and float(np.max(np.asarray(atol))) > 0 else (
            np.finfo(s.dtype).eps * max(m, n)
        )
    atol = 0.0 if atol is None else atol
    return xp.maximum(xp.asarray(atol, dtype=s.dtype), rtol * smax)


def pinv(
    a: Tensor, *, atol: Any = None, rtol: Any = None, hermitian: bool = False
) -> Tensor:
    """The Moore-Penrose pseudo-inverse (``torch.linalg.pinv``): shape ``(..., n, m)``.

    Singular values at or below ``max(atol, rtol * s_max)`` count as zero; with neither
    given, ``rtol = eps * max(m, n)``. Differentiable through the SVD (``hermitian`` is
    accepted and computed the same way).
    """
    _matrices("pinv", a)
    m, n = a.shape[-2:]
    u, s, vh = svd(a, full_matrices=False)
    keep = s.array > _cutoff(s, m, n, atol, rtol)
    s_safe = _ar.where(Tensor(keep), s, Tensor(s.xp.ones_like(s.array)))
    inv_s = _ar.where(Tensor(keep), 1.0 / s_safe, Tensor(s.xp.zeros_like(s.array)))
    return (vh.transpose(-1, -2) * inv_s.unsqueeze(-2)) @ u.transpose(-1, -2)


def matrix_rank(
    a: Tensor, *, atol: Any = None, rtol: Any = None, hermitian: bool = False, tol: Any = None
) -> Tensor:
    """The number of singular values above the cutoff of :func:`pinv`: int64, shape ``(...)``."""
    _matrices("matrix_rank", a)
    if tol is not None:
        atol, rtol = tol, 0.0
    s = Tensor(a.xp.linalg.svd(a.array, compute_uv=False))
    keep = s.array > _cutoff(s, *a.shape[-2:], atol, rtol)
    return Tensor(keep.sum(axis=-1).astype(np.int64))


def svd_norm(a: Tensor, ord: Any, dims: tuple[int, int], keepdim: bool) -> Tensor:
    """The matrix norms made of singular values: ``'nuc'`` (their sum), ``2`` (the
    largest), ``-2`` (the smallest), over the two axes ``dims``."""
    moved = a.movedim(dims, (-2, -1))
    s = svdvals(moved)
    if ord == "nuc":
        out = _red.sum(s, -1, False)
    else:
        out = (_red.max if ord == 2 else _red.min)(s, -1, False)
    if keepdim:
        for d in sorted(dims):
            out = out.unsqueeze(d)
    return out


def lstsq(
    a: Tensor, b: Tensor, rcond: float | None = None, *, driver: str | None = None
) -> linalg_lstsq:
    """The least-squares solution of ``a X = b`` (``torch.linalg.lstsq``).

    Computed as ``pinv(a) @ b`` (differentiable). As torch's on the CPU: the default
    driver ``'gelsy'`` gives ``rank`` and empty ``residuals`` and ``singular_values``;
    ``'gelsd'``/``'gelss'`` also give the singular values, and the squared residuals
    when ``m > n`` and every matrix has full rank; ``'gels'`` gives the solution only.
    """
    _matrices("lstsq", a)
    driver = "gelsy" if driver is None else driver
    if driver not in ("gels", "gelsy", "gelsd", "gelss"):
        raise ValueError(
            f"linalg.lstsq: driver must be 'gels', 'gelsy', 'gelsd' or 'gelss', got {driver!r}"
        )
    vector = b.ndim == a.ndim - 1
    bb = b.unsqueeze(-1) if vector else b
    m, n = a.shape[-2:]
    sol = pinv(a, rtol=rcond) @ bb
    xp, empty = a.xp, Tensor(a.xp.zeros((0,), dtype=a.dtype))
    rank = empty if driver == "gels" else matrix_rank(a, rtol=rcond)
    sv, res = empty, empty
    if driver in ("gelsd", "gelss"):
        sv = Tensor(xp.linalg.svd(a.array, compute_uv=False))
        if m > n and bool((rank.array == n).all()):
            res = _red.sum((a @ sol - bb) ** 2, -2, False)
    return linalg_lstsq(sol.squeeze(-1) if vector else sol, res, rank, sv)


def matrix_power(a: Tensor, n: int) -> Tensor:
    """``a`` multiplied by itself ``n`` times (``n = 0``: the identity; ``n < 0``: powers
    of the inverse), by repeated squaring."""
    _matrices("matrix_power", a, square=True)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"linalg.matrix_power: n must be an int, got {n!r}")
    if n == 0:
        eye = a.xp.broadcast_to(a.xp.eye(a.shape[-1], dtype=a.dtype), a.shape)
        return Tensor(eye.copy())
    base, n = (inv(a), -n) if n < 0 else (a, int(n))
    result = None
    while n:
        if n & 1:
            result = base if result is None else result @ base
        n >>= 1
        if n:
            base = base @ base
    return result


def multi_dot(tensors: list[Tensor] | tuple[Tensor, ...]) -> Tensor:
    """The product of a chain of matrices, the first may be a vector ``(n,)`` and the
    last a vector ``(n,)`` (``torch.linalg.multi_dot``)."""
    if len(tensors) < 2:
        raise ValueError(f"linalg.multi_dot: expected at least 2 tensors, got {len(tensors)}")
    out = tensors[0]
    for t in tensors[1:]:
        out = out @ t
    return out


# ------------------------------------------------------- torch's top-level functions
def torch_svd(a: Tensor, some: bool = True, compute_uv: bool = True) -> torch_svd_result:
    """``torch.svd``: ``(U, S, V)`` with ``V = Vh^T`` (reduced when ``some``); with
    ``compute_uv=False``, ``U`` (m, m) and ``V`` (n, n) are zeros, as torch's."""
    if not compute_uv:
        xp, (m, n), lead = a.xp, a.shape[-2:], tuple(a.shape[:-2])
        return torch_svd_result(
            Tensor(xp.zeros(lead + (m, m), dtype=a.dtype)),
            svdvals(a),
            Tensor(xp.zeros(lead + (n, n), dtype=a.dtype)),
        )
    u, s, vh = svd(a, full_matrices=not some)
    return torch_svd_result(u, s, vh.transpose(-1, -2))


def torch_qr(a: Tensor, some: bool = True) -> linalg_qr:
    """``torch.qr``: the reduced (``some``) or complete decomposition."""
    return qr(a, "reduced" if some else "complete")


def _full_from_factor(factor: Tensor, upper: bool) -> tuple[Tensor, Tensor]:
    """``(L, L^T)`` from a lower (or, with ``upper``, an upper) Cholesky factor."""
    low = factor.transpose(-1, -2) if upper else factor
    return low, low.transpose(-1, -2)


def cholesky_solve(b: Tensor, factor: Tensor, upper: bool = False) -> Tensor:
    """``X`` with ``A X = b`` given ``A``'s Cholesky factor (``torch.cholesky_solve``)."""
    low, high = _full_from_factor(factor, upper)
    return solve(high, solve(low, b))


def cholesky_inverse(factor: Tensor, upper: bool = False) -> Tensor:
    """``A^-1`` given ``A``'s Cholesky factor (``torch.cholesky_inverse``)."""
    low, high = _full_from_factor(factor, upper)
    return inv(low @ high)


def pinverse(a: Tensor, rcond: float = 1e-15) -> Tensor:
    """``torch.pinverse``: :func:`pinv` with ``rtol = rcond``."""
    return pinv(a, rtol=rcond)


def torch_cholesky(a: Tensor, upper: bool = False) -> Tensor:
    """``torch.cholesky`` (deprecated in torch): :func:`cholesky`."""
    return cholesky(a, upper=upper)


class DecompositionMethods:
    """The Tensor methods of this module (attached by ``_tensor_methods.attach``)."""

    def svd(self, some: bool = True, compute_uv: bool = True) -> torch_svd_result:
        return torch_svd(self, some, compute_uv)

    def qr(self, some: bool = True) -> linalg_qr:
        return torch_qr(self, some)

    def cholesky(self, upper: bool = False) -> Tensor:
        return cholesky(self, upper=upper)

    def pinverse(self, rcond: float = 1e-15) -> Tensor:
        return pinverse(self, rcond)

    def cholesky_solve(self, factor: Tensor, upper: bool = False) -> Tensor:
        return cholesky_solve(self, factor, upper)

    def cholesky_inverse(self, upper: bool = False) -> Tensor:
        return cholesky_inverse(self, upper)

    def matrix_power(self, n: int) -> Tensor:
        return matrix_power(self, n)
