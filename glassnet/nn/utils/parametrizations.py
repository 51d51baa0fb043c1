"""Weight and spectral normalisation and orthogonal weights as parametrizations
(``torch.nn.utils.parametrizations``).

Each registers a parametrization with :func:`~glassnet.nn.utils.parametrize.register_parametrization`,
so the state-dict keys are torch's and a torch state dict loads:

* :func:`weight_norm`: ``parametrizations.weight.original0`` (the magnitude ``g``) and
  ``original1`` (the direction ``v``); ``weight = g * v / ||v||`` with the norm over every
  dimension but ``dim`` (over all of them for ``dim=None``); a state dict saved with the
  hook form's keys ``weight_g``/``weight_v`` loads too, as in torch;
* :func:`spectral_norm`: ``parametrizations.weight.original`` and the power-iteration
  vectors ``parametrizations.weight.0._u`` / ``_v``; ``weight = original / sigma`` with
  ``sigma = u . (W v)``, ``W`` the weight as a matrix (``dim`` first). In training mode
  each read runs ``n_power_iterations`` steps on ``u`` and ``v`` first (no gradient);
* :func:`orthogonal`: ``parametrizations.weight.original`` and the buffer
  ``parametrizations.weight.0.base``; ``weight = base @ exp(A)`` (or the Cayley map of
  ``A``), ``A`` the skew-symmetric matrix of the original's lower triangle.

``u``/``v`` start from glassnet's random generator (not torch's): a fresh module matches
torch only after loading torch's state dict, which holds them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ... import random as _random
from ...autograd import grad_mode
from ...backend import get_array_module
from ...ops import shape as _sh
from ...ops.linalg import solve
from ...ops.matrix_exp import matrix_exp
from ...ops.norm_composed import normalize
from ...tensor import Tensor
from ..layers.conv_transpose import ConvTranspose1d, ConvTranspose2d
from ..module import Module
from . import parametrize

__all__ = ["weight_norm", "spectral_norm", "orthogonal"]


def norm_except_dim(v: Tensor, dim: int) -> Tensor:
    """The 2-norm of ``v`` over every dimension but ``dim`` (all of them for ``dim == -1``).

    Parameters
    ----------
    v : Tensor (any shape)
    dim : int
        ``-1`` for the norm of the whole tensor (torch's convention, kept for ``dim=None``).

    Returns
    -------
    Tensor
        Shape ``()`` for ``dim == -1``, else ``v``'s shape with 1 everywhere but ``dim``.
    """
    if dim == -1:
        return (v * v).sum().sqrt()
    axes = tuple(a for a in range(v.ndim) if a != dim)
    return (v * v).sum(dim=axes, keepdim=True).sqrt()


def _weight_dim(dim: Any, ndim: int) -> int:
    if dim is None:
        return -1
    if not isinstance(dim, int) or isinstance(dim, bool) or not -ndim <= dim < max(ndim, 1):
        raise ValueError(f"weight_norm: dim must be an int in [-{ndim}, {ndim}) or None, got {dim!r}")
    return dim  # torch keeps a negative dim as given: -1 means the whole tensor


class _WeightNorm(Module):
    """``weight = g * v / ||v||`` (norm over every dimension but ``dim``)."""

    legacy_weight_norm_keys = True  # a state dict of the hook form (weight_g, weight_v) loads

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, weight_g: Tensor, weight_v: Tensor) -> Tensor:
        return weight_v * (weight_g / norm_except_dim(weight_v, self.dim))

    def right_inverse(self, weight: Tensor) -> tuple[Tensor, Tensor]:
        return norm_except_dim(weight, self.dim), weight


def weight_norm(module: Module, name: str = "weight", dim: int | None = 0) -> Module:
    """Reparametrize ``module.<name>`` as ``g * v / ||v||`` (torch's ``parametrizations.weight_norm``).

    Parameters
    ----------
    module : Module
    name : str, default "weight"
    dim : int or None, default 0
        The dimension kept by the norm (one magnitude per output channel for 0);
        ``None`` (or -1) takes the norm of the whole tensor.

    Returns
    -------
    Module
        ``module``, with ``parametrizations.<name>.original0`` (``g``) and ``original1``
        (``v``) as parameters.
    """
    weight = parametrize._tensor_of(module, name)
    plain = _WeightNorm(_weight_dim(dim, weight.ndim))
    return parametrize.register_parametrization(module, name, plain, unsafe=True)


def _normalize(x: Any, eps: float) -> Any:
    xp = get_array_module(x)
    return x / max(float(xp.sqrt((x * x).sum())), eps)


class _SpectralNorm(Module):
    """``weight / sigma``, ``sigma`` the largest singular value by power iteration."""

    def __init__(self, weight: Tensor, n_power_iterations: int, dim: int, eps: float) -> None:
        super().__init__()
        ndim = weight.ndim
        self.dim = dim if dim >= 0 else dim + ndim
        self.eps = eps
        self.n_power_iterations = n_power_iterations
        if ndim > 1:
            mat = self._matrix(weight).array
            h, w = mat.shape
            rng = _random.get_rng()
            xp = get_array_module(mat)
            u = xp.asarray(_normalize(rng.standard_normal(h), eps), dtype=mat.dtype)
            v = xp.asarray(_normalize(rng.standard_normal(w), eps), dtype=mat.dtype)
            self.register_buffer("_u", u)
            self.register_buffer("_v", v)
            self._power_method(mat, 15)

    def _matrix(self, weight: Tensor) -> Tensor:
        if self.dim != 0:
            order = [self.dim, *(d for d in range(weight.ndim) if d != self.dim)]
            weight = weight.permute(*order)
        return weight.reshape(weight.shape[0], -1)

    def _power_method(self, mat: Any, steps: int) -> None:
        u, v = self._u.array, self._v.array
        for _ in range(steps):
            u[...] = _normalize(mat @ v, self.eps)
            v[...] = _normalize(mat.T @ u, self.eps)

    def forward(self, weight: Tensor) -> Tensor:
        if weight.ndim == 1:
            return normalize(weight, dim=0, eps=self.eps)
        mat = self._matrix(weight)
        if self.training:
            self._power_method(mat.detach().array, self.n_power_iterations)
        u, v = Tensor(self._u.array.copy()), Tensor(self._v.array.copy())
        sigma = (u * (mat @ v)).sum()
        return weight / sigma

    def right_inverse(self, value: Tensor) -> Tensor:
        return value


def spectral_norm(
    module: Module,
    name: str = "weight",
    n_power_iterations: int = 1,
    eps: float = 1e-12,
    dim: int | None = None,
) -> Module:
    """Divide ``module.<name>`` by its spectral norm (torch's ``parametrizations.spectral_norm``).

    Parameters
    ----------
    module : Module
    name : str, default "weight"
    n_power_iterations : int, default 1
        Power-iteration steps per read in training mode.
    eps : float, default 1e-12
        Floor of the norms when normalising ``u`` and ``v``.
    dim : int, optional
        The output dimension: 1 for ConvTranspose layers, 0 otherwise.

    Returns
    -------
    Module
        ``module``, with ``parametrizations.<name>.original`` and the buffers ``_u``/``_v``.
    """
    weight = parametrize._tensor_of(module, name)
    if not isinstance(n_power_iterations, int) or n_power_iterations < 0:
        raise ValueError(
            f"spectral_norm: n_power_iterations must be an int >= 0, got {n_power_iterations!r}"
        )
    if dim is None:
        transposed = isinstance(module, (ConvTranspose1d, ConvTranspose2d)) or (
            type(module).__name__ == "ConvTranspose3d"
        )
        dim = 1 if transposed else 0
    with grad_mode.no_grad():
        sn = _SpectralNorm(weight, n_power_iterations, dim, eps)
    return parametrize.register_parametrization(module, name, sn)


_ORTHOGONAL_MAPS = ("matrix_exp", "cayley", "householder")


def _make_orthogonal(a: Any) -> Any:
    """The Q of ``a = QR`` with R's diagonal made non-negative (torch's geqrf + sign fix)."""
    xp = get_array_module(a)
    q, r = xp.linalg.qr(a)
    signs = xp.sign(xp.diagonal(r, axis1=-2, axis2=-1))
    return q * signs[..., None, :]


def _is_orthogonal(q: Any) -> bool:
    xp = get_array_module(q)
    n, k = q.shape[-2], q.shape[-1]
    eps = 10.0 * n * float(np.finfo(q.dtype).eps)
    return bool(xp.allclose(xp.swapaxes(q, -1, -2) @ q, xp.eye(k, dtype=q.dtype), atol=eps))


class _Orthogonal(Module):
    """``base @ Q(X)``: ``Q`` the exponential (or Cayley map) of the skew-symmetric matrix
    built from the lower triangle of ``X``, its first ``k`` columns for a tall matrix."""

    def __init__(self, weight: Tensor, orthogonal_map: str, use_trivialization: bool) -> None:
        super().__init__()
        self.shape = tuple(weight.shape)
        self.orthogonal_map = orthogonal_map
        if use_trivialization:
            self.register_buffer("base", None)

    def forward(self, X: Tensor) -> Tensor:
        n, k = X.shape[-2], X.shape[-1]
        transposed = n < k
        if transposed:
            X = X.mT
            n, k = k, n
        xp = get_array_module(X.array)
        X = X.tril()
        if n != k:  # embed the tall matrix in a square one
            X = _sh.concat([X, Tensor(xp.zeros((*X.shape[:-1], n - k), dtype=X.dtype))], -1)
        A = X - X.mT
        if self.orthogonal_map == "matrix_exp":
            Q = matrix_exp(A)
        else:  # Cayley: (I - A/2)^-1 (I + A/2)
            eye = Tensor(xp.eye(n, dtype=A.dtype))
            Q = solve(eye - 0.5 * A, eye + 0.5 * A)
        if n != k:
            Q = Q[..., :k]
        if "base" in self._buffers:
            Q = self.base @ Q
        return Q.mT if transposed else Q

    def right_inverse(self, Q: Tensor) -> Tensor:
        if tuple(Q.shape) != self.shape:
            raise ValueError(
                f"parametrizations.orthogonal: expected a matrix or batch of matrices of shape "
                f"{self.shape}, got a tensor of shape {tuple(Q.shape)}"
            )
        if "base" not in self._buffers:
            raise NotImplementedError(
                "parametrizations.orthogonal: assigning to the matrix_exp or cayley "
                "parametrization needs use_trivialization=True (torch refuses it too); at "
                "registration the weight becomes the original as it is"
            )
        q = Q.detach().array
        if q.shape[-2] < q.shape[-1]:
            q = _swap_last(q)
        n, k = q.shape[-2], q.shape[-1]
        xp = get_array_module(q)
        if n == k:
            q = q.copy() if _is_orthogonal(q) else _make_orthogonal(q)
        else:  # complete to an n x n orthogonal matrix with random columns (glassnet's draw)
            extra = _random.get_rng().standard_normal((*q.shape[:-1], n - k))
            q = _make_orthogonal(xp.concatenate([q, xp.asarray(extra, dtype=q.dtype)], -1))
        self.base = Tensor(q)
        neg_id = xp.zeros(Q.shape, dtype=Q.dtype)
        idx = xp.arange(min(Q.shape[-2:]))
        neg_id[..., idx, idx] = -1.0
        return Tensor(neg_id)


def _swap_last(a: Any) -> Any:
    """``a`` with its last two axes swapped."""
    return get_array_module(a).swapaxes(a, -1, -2)


def orthogonal(
    module: Module,
    name: str = "weight",
    orthogonal_map: str | None = None,
    *,
    use_trivialization: bool = True,
) -> Module:
    """Keep ``module.<name>`` an orthogonal matrix (torch's ``parametrizations.orthogonal``).

    Parameters
    ----------
    module : Module
    name : str, default "weight"
        A tensor of shape ``(..., n, k)``; orthonormal columns when ``n >= k``, rows otherwise.
    orthogonal_map : {"matrix_exp", "cayley"}, optional
        How the skew-symmetric matrix becomes an orthogonal one (default ``"matrix_exp"``).
        ``"householder"`` (torch's default for a non-square matrix) is refused: glassnet has no
        ``linalg.householder_product``.
    use_trivialization : bool, default True
        Keep the start point in the buffer ``parametrizations.<name>.0.base`` and
        parametrize ``base @ Q(X)``, as torch does. With ``False`` the weight itself becomes
        the original and ``Q(X)`` the weight; assigning to it is then refused, as in torch.

    Returns
    -------
    Module
        ``module``, with ``parametrizations.<name>.original`` and ``....0.base``.
    """
    weight = parametrize._tensor_of(module, name)
    if weight.ndim < 2:
        raise ValueError(
            f"parametrizations.orthogonal: expected a matrix or batch of matrices, got a "
            f"tensor of {weight.ndim} dimensions"
        )
    if orthogonal_map is None:
        square = weight.shape[-2] == weight.shape[-1]
        orthogonal_map = "matrix_exp" if square else "householder"
    if orthogonal_map not in _ORTHOGONAL_MAPS:
        raise ValueError(
            f"parametrizations.orthogonal: orthogonal_map must be one of {_ORTHOGONAL_MAPS}, "
            f"got {orthogonal_map!r}"
        )
    if orthogonal_map == "householder":
        raise NotImplementedError(
            "parametrizations.orthogonal(orthogonal_map='householder') needs "
            "torch.linalg.householder_product, which glassnet lacks (the default for a "
            "non-square weight); pass orthogonal_map='matrix_exp' or 'cayley'"
        )
    orth = _Orthogonal(weight, orthogonal_map, use_trivialization)
    return parametrize.register_parametrization(module, name, orth, unsafe=True)
