"""torch's hook-based ``weight_norm`` and ``spectral_norm`` (``torch.nn.utils.weight_norm`` /
``spectral_norm``), with their ``remove_*`` inverses.

They replace the parameter ``weight`` by new parameters and recompute ``module.weight`` (a
plain tensor attribute) in a forward pre-hook before each call, as torch does, with torch's
state-dict keys:

* :func:`weight_norm`: ``weight_g`` (magnitude) and ``weight_v`` (direction),
  ``weight = g * v / ||v||``;
* :func:`spectral_norm`: the parameter ``weight_orig`` and the buffers ``weight_u`` and
  ``weight_v``; in training mode each call first runs ``n_power_iterations`` steps of the
  power method (``v`` then ``u``), then ``weight = weight_orig / (u . W v)``.
"""

from __future__ import annotations

from typing import Any

from ... import random as _random
from ...autograd import grad_mode
from ...backend import get_array_module
from ...tensor import Tensor
from ..layers.conv_transpose import ConvTranspose1d, ConvTranspose2d
from ..module import Module, Parameter
from .parametrizations import _normalize, _weight_dim, norm_except_dim

__all__ = ["weight_norm", "remove_weight_norm", "spectral_norm", "remove_spectral_norm"]


def _parameter(module: Module, name: str, who: str) -> Parameter:
    p = module._parameters.get(name)
    if p is None:
        raise ValueError(f"{who}: {type(module).__name__} has no parameter named {name!r}")
    return p


def _hook_of(module: Module, kind: type, name: str) -> tuple[Any, Any]:
    for key, hook in module._forward_pre_hooks.items():
        if isinstance(hook, kind) and hook.name == name:
            return key, hook
    return None, None


class WeightNorm:
    """The forward pre-hook of :func:`weight_norm`: ``module.<name> = g * v / ||v||``."""

    def __init__(self, name: str, dim: int) -> None:
        self.name, self.dim = name, dim

    def compute_weight(self, module: Module) -> Tensor:
        g = getattr(module, self.name + "_g")
        v = getattr(module, self.name + "_v")
        return v * (g / norm_except_dim(v, self.dim))

    def __call__(self, module: Module, inputs: tuple) -> None:
        setattr(module, self.name, self.compute_weight(module))


def weight_norm(module: Module, name: str = "weight", dim: int | None = 0) -> Module:
    """Split ``module.<name>`` into a magnitude ``<name>_g`` and a direction ``<name>_v``.

    Parameters
    ----------
    module : Module
    name : str, default "weight"
    dim : int or None, default 0
        The dimension kept by the norm; ``None`` (or -1) takes the norm of the whole tensor
        (``<name>_g`` is then a 0-d tensor).

    Returns
    -------
    Module
        ``module``, with the parameters ``<name>_g`` (shape 1 everywhere but ``dim``) and
        ``<name>_v`` (the weight's shape).
    """
    weight = _parameter(module, name, "weight_norm")
    if _hook_of(module, WeightNorm, name)[1] is not None:
        raise RuntimeError(f"Cannot register two weight_norm hooks on the same parameter {name}")
    hook = WeightNorm(name, _weight_dim(dim, weight.ndim))
    del module._parameters[name]
    with grad_mode.no_grad():
        g = norm_except_dim(weight, hook.dim)
    module.register_parameter(name + "_g", Parameter(g.detach(), weight.requires_grad))
    module.register_parameter(name + "_v", Parameter(weight.detach(), weight.requires_grad))
    setattr(module, name, hook.compute_weight(module))
    module.register_forward_pre_hook(hook)
    return module


def remove_weight_norm(module: Module, name: str = "weight") -> Module:
    """Undo :func:`weight_norm`: ``<name>`` is a parameter again, with the current values."""
    key, hook = _hook_of(module, WeightNorm, name)
    if hook is None:
        raise ValueError(f"weight_norm of '{name}' not found in {type(module).__name__}")
    with grad_mode.no_grad():
        weight = hook.compute_weight(module)
    del module._forward_pre_hooks[key]
    module.__dict__.pop(name, None)
    del module._parameters[name + "_g"], module._parameters[name + "_v"]
    module.register_parameter(name, Parameter(weight.detach()))
    return module


class SpectralNorm:
    """The forward pre-hook of :func:`spectral_norm`: ``module.<name> = orig / sigma``."""

    def __init__(self, name: str, n_power_iterations: int, dim: int, eps: float) -> None:
        self.name, self.n_power_iterations, self.dim, self.eps = name, n_power_iterations, dim, eps

    def matrix(self, weight: Tensor) -> Tensor:
        """``weight`` with ``dim`` first, flattened to ``(size of dim, rest)``."""
        if self.dim != 0:
            order = [self.dim, *(d for d in range(weight.ndim) if d != self.dim)]
            weight = weight.permute(*order)
        return weight.reshape(weight.shape[0], -1)

    def compute_weight(self, module: Module, do_power_iteration: bool) -> Tensor:
        weight = getattr(module, self.name + "_orig")
        u_buf = getattr(module, self.name + "_u")
        v_buf = getattr(module, self.name + "_v")
        mat = self.matrix(weight)
        if do_power_iteration:
            m = mat.detach().array
            for _ in range(self.n_power_iterations):
                v_buf.array[...] = _normalize(m.T @ u_buf.array, self.eps)
                u_buf.array[...] = _normalize(m @ v_buf.array, self.eps)
        u, v = Tensor(u_buf.array.copy()), Tensor(v_buf.array.copy())
        sigma = (u * (mat @ v)).sum()
        return weight / sigma

    def __call__(self, module: Module, inputs: tuple) -> None:
        setattr(module, self.name, self.compute_weight(module, module.training))


def spectral_norm(
    module: Module,
    name: str = "weight",
    n_power_iterations: int = 1,
    eps: float = 1e-12,
    dim: int | None = None,
) -> Module:
    """Divide ``module.<name>`` by its spectral norm, estimated by power iteration.

    Parameters
    ----------
    module : Module
    name : str, default "weight"
    n_power_iterations : int, default 1
        Steps per call in training mode.
    eps : float, default 1e-12
        Floor of the norms when normalising ``u`` and ``v``.
    dim : int, optional
        The output dimension: 1 for ConvTranspose layers, 0 otherwise.

    Returns
    -------
    Module
        ``module``, with the parameter ``<name>_orig`` and the buffers ``<name>_u`` (shape
        ``(size of dim,)``) and ``<name>_v`` (the other dimensions flattened).
    """
    weight = _parameter(module, name, "spectral_norm")
    if _hook_of(module, SpectralNorm, name)[1] is not None:
        raise RuntimeError(f"Cannot register two spectral_norm hooks on the same parameter {name}")
    if not isinstance(n_power_iterations, int) or n_power_iterations <= 0:
        raise ValueError(
            "Expected n_power_iterations to be positive, but got "
            f"n_power_iterations={n_power_iterations}"
        )
    if dim is None:
        transposed = isinstance(module, (ConvTranspose1d, ConvTranspose2d)) or (
            type(module).__name__ == "ConvTranspose3d"
        )
        dim = 1 if transposed else 0
    hook = SpectralNorm(name, n_power_iterations, dim % max(weight.ndim, 1), eps)
    mat = hook.matrix(weight.detach()).array
    xp = get_array_module(mat)
    rng = _random.get_rng()
    u = xp.asarray(_normalize(rng.standard_normal(mat.shape[0]), eps), dtype=mat.dtype)
    v = xp.asarray(_normalize(rng.standard_normal(mat.shape[1]), eps), dtype=mat.dtype)
    del module._parameters[name]
    module.register_parameter(name + "_orig", weight)
    setattr(module, name, weight.detach())
    module.register_buffer(name + "_u", u)
    module.register_buffer(name + "_v", v)
    module.register_forward_pre_hook(hook)
    return module


def remove_spectral_norm(module: Module, name: str = "weight") -> Module:
    """Undo :func:`spectral_norm`: ``<name>`` is a parameter again, ``orig / sigma`` with the
    stored ``u`` and ``v``."""
    key, hook = _hook_of(module, SpectralNorm, name)
    if hook is None:
        raise ValueError(f"spectral_norm of '{name}' not found in {type(module).__name__}")
    with grad_mode.no_grad():
        weight = hook.compute_weight(module, do_power_iteration=False)
    del module._forward_pre_hooks[key]
    module.__dict__.pop(name, None)
    del module._parameters[name + "_orig"]
    del module._buffers[name + "_u"], module._buffers[name + "_v"]
    module.register_parameter(name, Parameter(weight.detach()))
    return module
