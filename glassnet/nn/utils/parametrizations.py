"""Weight and spectral normalisation as parametrizations (``torch.nn.utils.parametrizations``).

Both register a parametrization with :func:`~glassnet.nn.utils.parametrize.register_parametrization`,
so the state-dict keys are torch's and a torch state dict loads:

* :func:`weight_norm`: ``parametrizations.weight.original0`` (the magnitude ``g``) and
  ``original1`` (the direction ``v``); ``weight = g * v / ||v||`` with the norm over every
  dimension but ``dim`` (over all of them for ``dim=None``); a state dict saved with the
  hook form's keys ``weight_g``/``weight_v`` loads too, as in torch;
* :func:`spectral_norm`: ``parametrizations.weight.original`` and the power-iteration
  vectors ``parametrizations.weight.0._u`` / ``_v``; ``weight = original / sigma`` with
  ``sigma = u . (W v)``, ``W`` the weight as a matrix (``dim`` first). In training mode
  each read runs ``n_power_iterations`` steps on ``u`` and ``v`` first (no gradient).

``u``/``v`` start from glassnet's random generator (not torch's): a fresh module matches
torch only after loading torch's state dict, which holds them.
"""

from __future__ import annotations

from typing import Any

from ... import random as _random
from ...autograd import grad_mode
from ...backend import get_array_module
from ...ops.norm_composed import normalize
from ...tensor import Tensor
from ..layers.conv_transpose import ConvTranspose1d, ConvTranspose2d
from ..module import Module
from . import parametrize

__all__ = ["weight_norm", "spectral_norm"]


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
