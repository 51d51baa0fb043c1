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

import functools
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from ._out import write_out
from .ops import arithmetic as _ar
from .ops import reduce as _red
from .ops.decomp import QR, SVD, Cholesky, Eigh
from .ops.linalg import inv, solve
from .tensor import Tensor

__all__ = [
    "LinAlgError", "cholesky", "eigh", "eigvalsh", "svd", "svdvals", "qr", "pinv",
    "matrix_rank", "lstsq", "matrix_power", "multi_dot", "svd_norm",
    "torch_svd", "torch_qr", "cholesky_solve", "cholesky_inverse", "pinverse",
    "solve_triangular", "DecompositionMethods",
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


def _matrices(who: str, a: Any, square: bool = False, integer: bool = False) -> Tensor:
    """``a`` checked: a floating Tensor of shape ``(..., m, n)`` (square when asked;
    integer tensors too when ``integer``)."""
    if not isinstance(a, Tensor):
        raise TypeError(f"linalg.{who}: expected a Tensor, got {type(a).__name__}")
    if a.ndim < 2 or (square and a.shape[-1] != a.shape[-2]):
        what = "a square matrix or a batch of them (..., n, n)" if square else "(..., m, n)"
        raise ValueError(f"linalg.{who}: expected {what}, got shape {tuple(a.shape)}")
    if a.dtype.kind != "f" and not (integer and a.dtype.kind in "iu"):
        raise TypeError(f"linalg.{who}: expected a floating tensor, got dtype {a.dtype}")
    return a


def accepts_out(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` with torch's ``out=`` keyword: the result is written into ``out`` (a tensor, or
    a tuple of tensors for a named-tuple result) and ``out`` is returned."""

    @functools.wraps(fn)
    def with_out(*args: Any, out: Any = None, **kwargs: Any) -> Any:
        result = fn(*args, **kwargs)
        if out is None:
            return result
        return write_out(f"linalg.{fn.__name__}", result, out)

    return with_out


def _uplo(who: str, uplo: str) -> bool:
    if uplo not in ("L", "U"):
        raise ValueError(f"linalg.{who}: UPLO must be 'L' or 'U', got {uplo!r}")
    return uplo == "U"


# ------------------------------------------------------------------ the decompositions
@accepts_out
def cholesky(input: Tensor, *, upper: bool = False) -> Tensor:  # noqa: A002 - torch's name
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
    a = _matrices("cholesky", input, square=True)
    try:
        return Cholesky.apply(a, upper=upper)
    except np.linalg.LinAlgError as err:
        raise LinAlgError(
            f"linalg.cholesky: the factorization could not be completed because the input "
            f"of shape {tuple(a.shape)} is not positive-definite ({err})"
        ) from None


@accepts_out
def eigh(input: Tensor, UPLO: str = "L") -> linalg_eigh:  # noqa: N803, A002 - torch's names
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
    a = _matrices("eigh", input, square=True)
    w, v = Eigh.apply(a, upper=_uplo("eigh", UPLO))
    return linalg_eigh(w, v)


@accepts_out
def eigvalsh(input: Tensor, UPLO: str = "L") -> Tensor:  # noqa: N803, A002
    """The eigenvalues of symmetric matrices, ascending: shape ``(..., n)``."""
    a = _matrices("eigvalsh", input, square=True)
    return Eigh.apply(a, upper=_uplo("eigvalsh", UPLO))[0]


@accepts_out
def svd(A: Tensor, full_matrices: bool = True, *, driver: str | None = None) -> linalg_svd:  # noqa: N803
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
    a = _matrices("svd", A)
    if driver is not None:
        raise NotImplementedError(f"linalg.svd: driver={driver!r} is a CUDA option; pass None")
    u, s, vh = SVD.apply(a, full_matrices=full_matrices)
    return linalg_svd(u, s, vh)


@accepts_out
def svdvals(A: Tensor, *, driver: str | None = None) -> Tensor:  # noqa: N803
    """The singular values of each matrix, descending: shape ``(..., min(m, n))``."""
    return svd(A, False, driver=driver).S


@accepts_out
def qr(A: Tensor, mode: str = "reduced") -> linalg_qr:  # noqa: N803
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
    a = _matrices("qr", A)
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


@accepts_out
def pinv(
    input: Tensor,  # noqa: A002
    rcond: Any = None,
    hermitian: bool = False,
    *,
    atol: Any = None,
    rtol: Any = None,
) -> Tensor:
    """The Moore-Penrose pseudo-inverse (``torch.linalg.pinv``): shape ``(..., n, m)``.

    Singular values at or below ``max(atol, rtol * s_max)`` count as zero; with neither
    given, ``rtol = eps * max(m, n)``; ``rcond`` (torch's older spelling) is ``rtol``.
    Differentiable through the SVD (``hermitian`` is accepted and computed the same way).
    """
    a = _matrices("pinv", input)
    if rcond is not None:
        if rtol is not None or atol is not None:
            raise TypeError("linalg.pinv: give rcond, or atol/rtol, not both")
        rtol = rcond
    m, n = a.shape[-2:]
    u, s, vh = svd(a, full_matrices=False)
    keep = s.array > _cutoff(s, m, n, atol, rtol)
    s_safe = _ar.where(Tensor(keep), s, Tensor(s.xp.ones_like(s.array)))
    inv_s = _ar.where(Tensor(keep), 1.0 / s_safe, Tensor(s.xp.zeros_like(s.array)))
    return (vh.transpose(-1, -2) * inv_s.unsqueeze(-2)) @ u.transpose(-1, -2)


@accepts_out
def matrix_rank(
    input: Tensor,  # noqa: A002
    tol: Any = None,
    hermitian: bool = False,
    *,
    atol: Any = None,
    rtol: Any = None,
) -> Tensor:
    """The number of singular values above the cutoff of :func:`pinv`: int64, shape ``(...)``."""
    a = _matrices("matrix_rank", input)
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
    if ord == "nuc" or (ord == 2 and s.shape[-1] == 0):  # no singular values: 0, as torch's
        out = _red.sum(s, -1, False)
    else:
        out = (_red.max if ord == 2 else _red.min)(s, -1, False)
    if keepdim:
        for d in sorted(dims):
            out = out.unsqueeze(d)
    return out


def lstsq(
    input: Tensor, b: Tensor, rcond: float | None = None, *, driver: str | None = None  # noqa: A002
) -> linalg_lstsq:
    """The least-squares solution of ``a X = b`` (``torch.linalg.lstsq``).

    Computed as ``pinv(a) @ b`` (differentiable). As torch's on the CPU: the default
    driver ``'gelsy'`` gives ``rank`` and empty ``residuals`` and ``singular_values``;
    ``'gelsd'``/``'gelss'`` also give the singular values, and the squared residuals
    when ``m > n`` and every matrix has full rank; ``'gels'`` gives no rank (an empty
    int64 tensor) and the squared residuals when ``m > n``.
    """
    a = _matrices("lstsq", input)
    driver = "gelsy" if driver is None else driver
    if driver not in ("gels", "gelsy", "gelsd", "gelss"):
        raise ValueError(
            f"linalg.lstsq: driver must be 'gels', 'gelsy', 'gelsd' or 'gelss', got {driver!r}"
        )
    if not isinstance(b, Tensor) or b.ndim not in (a.ndim, a.ndim - 1):
        raise ValueError(
            f"linalg.lstsq: b must have as many dims as input (..., m, k) or one fewer "
            f"(..., m), got shapes {tuple(a.shape)} and {tuple(getattr(b, 'shape', ()))}"
        )
    vector = b.ndim == a.ndim - 1
    bb = b.unsqueeze(-1) if vector else b
    m, n = a.shape[-2:]
    sol = pinv(a, rtol=rcond) @ bb
    xp, empty = a.xp, Tensor(a.xp.zeros((0,), dtype=a.dtype))
    if driver == "gels":  # no rank (an empty int64 tensor), residuals assuming full rank
        rank = Tensor(xp.zeros((0,), dtype=np.int64))
    else:
        rank = matrix_rank(a, rtol=rcond)
    sv, res = empty, empty
    if driver in ("gelsd", "gelss"):
        sv = Tensor(xp.linalg.svd(a.array, compute_uv=False))
    if m > n and driver != "gelsy" and (driver == "gels" or bool((rank.array == n).all())):
        res = _red.sum((a @ sol - bb) ** 2, -2, False)
    return linalg_lstsq(sol.squeeze(-1) if vector else sol, res, rank, sv)


@accepts_out
def matrix_power(input: Tensor, n: int) -> Tensor:  # noqa: A002
    """``input`` multiplied by itself ``n`` times (``n = 0``: the identity; ``n < 0``:
    powers of the inverse), by repeated squaring; integer matrices for ``n >= 0``."""
    a = _matrices("matrix_power", input, square=True, integer=True)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"linalg.matrix_power: n must be an int, got {n!r}")
    if n == 0:
        eye = a.xp.broadcast_to(a.xp.eye(a.shape[-1], dtype=a.dtype), a.shape)
        return Tensor(eye.copy())
    if n < 0 and a.dtype.kind != "f":
        raise TypeError(
            f"linalg.matrix_power: a negative power needs a floating tensor, got dtype {a.dtype}"
        )
    base, n = (inv(a), -n) if n < 0 else (a, int(n))
    result = None
    while n:
        if n & 1:
            result = base if result is None else result @ base
        n >>= 1
        if n:
            base = base @ base
    return result.clone() if result is a else result  # a new tensor, as torch's


@accepts_out
def multi_dot(tensors: list[Tensor] | tuple[Tensor, ...]) -> Tensor:
    """The product of a chain of matrices, the first may be a vector ``(n,)`` and the
    last a vector ``(n,)`` (``torch.linalg.multi_dot``)."""
    if len(tensors) < 2:
        raise ValueError(f"linalg.multi_dot: expected at least 2 tensors, got {len(tensors)}")
    for i, t in enumerate(tensors):
        ends = i in (0, len(tensors) - 1)
        if t.ndim != 2 and not (ends and t.ndim == 1):
            where = "the first and last tensors must be 1-D or 2-D" if ends else (
                "the tensors between the first and the last must be 2-D"
            )
            raise ValueError(f"linalg.multi_dot: {where}, got shape {tuple(t.shape)} at {i}")
    out = tensors[0]
    for t in tensors[1:]:
        out = out @ t
    return out


# ------------------------------------------------------- torch's top-level functions
def torch_svd(input: Tensor, some: bool = True, compute_uv: bool = True) -> torch_svd_result:  # noqa: A002
    """``torch.svd``: ``(U, S, V)`` with ``V = Vh^T`` (reduced when ``some``); with
    ``compute_uv=False``, ``U`` (m, m) and ``V`` (n, n) are zeros, as torch's."""
    a = _matrices("svd", input)
    if not compute_uv:
        xp, (m, n), lead = a.xp, a.shape[-2:], tuple(a.shape[:-2])
        return torch_svd_result(
            Tensor(xp.zeros(lead + (m, m), dtype=a.dtype)),
            svdvals(a),
            Tensor(xp.zeros(lead + (n, n), dtype=a.dtype)),
        )
    u, s, vh = svd(a, full_matrices=not some)
    return torch_svd_result(u, s, vh.transpose(-1, -2))


def torch_qr(input: Tensor, some: bool = True) -> linalg_qr:  # noqa: A002
    """``torch.qr``: the reduced (``some``) or complete decomposition."""
    return qr(input, "reduced" if some else "complete")


def _full_from_factor(factor: Tensor, upper: bool) -> tuple[Tensor, Tensor]:
    """``(L, L^T)`` from a lower (or, with ``upper``, an upper) Cholesky factor."""
    low = factor.transpose(-1, -2) if upper else factor
    return low, low.transpose(-1, -2)


def cholesky_solve(input: Tensor, input2: Tensor, upper: bool = False) -> Tensor:  # noqa: A002
    """``X`` with ``A X = B`` given ``A``'s Cholesky factor (``torch.cholesky_solve``).

    Parameters
    ----------
    input : Tensor, shape (..., n, k)
        The right-hand sides ``B`` (at least 2-D, as torch's).
    input2 : Tensor, shape (..., n, n)
        The lower (or, with ``upper``, upper) Cholesky factor of ``A``; the batch dims of
        both broadcast.
    upper : bool, default False

    Returns
    -------
    Tensor, shape (broadcast batch..., n, k)
    """
    b = _matrices("cholesky_solve", input)
    factor = _matrices("cholesky_solve", input2, square=True)
    if b.dtype != factor.dtype:
        raise TypeError(
            f"cholesky_solve: expected input and input2 of the same dtype, got {b.dtype} "
            f"and {factor.dtype}"
        )
    b, factor = _broadcast_batch(b, factor)
    low, high = _full_from_factor(factor, upper)
    return solve(high, solve(low, b))


@accepts_out
def solve_triangular(
    A: Tensor,  # noqa: N803 - torch's name
    B: Tensor,  # noqa: N803
    *,
    upper: bool,
    left: bool = True,
    unitriangular: bool = False,
) -> Tensor:
    """``X`` with ``A X = B`` (``X A = B`` when not ``left``) for triangular ``A``
    (``torch.linalg.solve_triangular``).

    Only ``A``'s upper (``upper``) or lower triangle is read, its diagonal taken as ones
    when ``unitriangular``; the gradient reaches only the entries read, as torch's.

    Parameters
    ----------
    A : Tensor, shape (..., n, n)
    B : Tensor, shape (..., n, k) (``(..., k, n)`` when not ``left``)
        The batch dims of both broadcast.
    upper : bool
        Keyword-only and required, as in torch.
    left : bool, default True
    unitriangular : bool, default False

    Returns
    -------
    Tensor, shape of the broadcast ``B``
    """
    a = _matrices("solve_triangular", A, square=True)
    b = _matrices("solve_triangular", B)
    if a.dtype != b.dtype:
        raise TypeError(
            f"linalg.solve_triangular: expected A and B of the same dtype, got {a.dtype} "
            f"and {b.dtype}"
        )
    if unitriangular:
        strict = a.triu(1) if upper else a.tril(-1)
        tri = strict + Tensor(a.xp.eye(a.shape[-1], dtype=a.dtype))
    else:
        tri = a.triu() if upper else a.tril()
    if not left:  # X A = B  <=>  A^T X^T = B^T
        b, tri = _broadcast_batch(b.transpose(-1, -2), tri.transpose(-1, -2))
        return solve(tri, b).transpose(-1, -2)
    b, tri = _broadcast_batch(b, tri)
    return solve(tri, b)


def _broadcast_batch(b: Tensor, a: Tensor) -> tuple[Tensor, Tensor]:
    """``b`` (..., n, k) and ``a`` (..., n, n) expanded to their common batch dims."""
    batch = tuple(np.broadcast_shapes(tuple(b.shape[:-2]), tuple(a.shape[:-2])))
    if tuple(b.shape[:-2]) != batch:
        b = b.expand(*batch, *b.shape[-2:])
    if tuple(a.shape[:-2]) != batch:
        a = a.expand(*batch, *a.shape[-2:])
    return b, a


def cholesky_inverse(input: Tensor, upper: bool = False) -> Tensor:  # noqa: A002
    """``A^-1`` given ``A``'s Cholesky factor (``torch.cholesky_inverse``)."""
    low, high = _full_from_factor(_matrices("cholesky_inverse", input, square=True), upper)
    return inv(low @ high)


def pinverse(input: Tensor, rcond: float = 1e-15) -> Tensor:  # noqa: A002
    """``torch.pinverse``: :func:`pinv` with ``rtol = rcond``."""
    return pinv(input, rtol=rcond)


def torch_cholesky(input: Tensor, upper: bool = False) -> Tensor:  # noqa: A002
    """``torch.cholesky`` (deprecated in torch): :func:`cholesky`."""
    return cholesky(input, upper=upper)


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
