"""Grad-CAM (Selvaraju et al., 2017): where in the image a conv layer's evidence lies."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import grad as _autograd_grad
from ..autograd.grad_mode import enable_grad
from ..nn.module import Module
from ..tensor import Tensor
from .base import Attribution, Target

__all__ = ["GradCAM", "conv_layer_names", "upsample_linear"]


def conv_layer_names(model: Module) -> list[str]:
    """Dotted names of the modules holding a convolution kernel (a weight with >= 3 dims)."""
    names = []
    for name, m in model.named_modules():
        w = m._parameters.get("weight")
        if name and (w is not None and w.ndim >= 3 or "Conv" in type(m).__name__):
            names.append(name)
    return names


def _interp_matrix(n_in: int, n_out: int) -> np.ndarray:
    """``(n_out, n_in)`` weights of linear interpolation with ``align_corners=False``."""
    scale = n_in / n_out
    src = np.maximum((np.arange(n_out) + 0.5) * scale - 0.5, 0.0)
    lo = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    hi = np.minimum(lo + 1, n_in - 1)
    frac = src - lo
    m = np.zeros((n_out, n_in))
    np.add.at(m, (np.arange(n_out), lo), 1.0 - frac)
    np.add.at(m, (np.arange(n_out), hi), frac)
    return m


def upsample_linear(maps: np.ndarray, size: tuple[int, ...]) -> np.ndarray:
    """Resize the trailing axes of ``maps`` to ``size`` by (bi)linear interpolation.

    Matches ``torch.nn.functional.interpolate(mode='bilinear'/'linear',
    align_corners=False)``.

    Parameters
    ----------
    maps : ndarray, shape (..., h, w) or (..., l)
    size : tuple of int
        ``(H, W)`` or ``(L,)``.

    Returns
    -------
    ndarray, shape (..., H, W) or (..., L)
    """
    out = np.asarray(maps, dtype=np.float64)
    for k, n_out in enumerate(size):
        axis = out.ndim - len(size) + k
        m = _interp_matrix(out.shape[axis], n_out)
        out = np.moveaxis(np.tensordot(m, out, axes=([1], [axis])), 0, axis)
    return out


class GradCAM(Attribution):
    """Grad-CAM: channel maps of a conv layer weighted by their averaged gradients.

    For the layer's output ``A`` of shape ``(N, K, h, w)`` and the explained
    score ``y``: ``alpha_k = mean_{h,w} dy/dA_k`` and the map is
    ``ReLU(sum_k alpha_k A_k)``, upsampled to the input's size.

    Parameters
    ----------
    model : Module
    layer : str, optional
        Dotted name of the layer whose output is used, e.g. ``'features.3'``
        (``model.named_modules()`` lists them). Default: the last conv layer.

    Examples
    --------
    >>> from glassnet.explain import GradCAM
    >>> cam = GradCAM(model, layer="features.3")                # doctest: +SKIP
    >>> maps = cam.attribute(images, target=None, normalize=True)  # (N, 1, H, W)  # doctest: +SKIP
    """

    def __init__(self, model: Module, layer: str | None = None) -> None:
        super().__init__(model)
        if not isinstance(model, Module):
            raise TypeError(f"GradCAM: model must be a glassnet Module, got {type(model).__name__}")
        convs = conv_layer_names(model)
        if layer is None:
            if not convs:
                raise ValueError(
                    f"GradCAM: {type(model).__name__} has no conv layer; pass layer= the name of "
                    "a layer with output (N, C, H, W)"
                )
            layer = convs[-1]
        if not isinstance(layer, str):
            raise TypeError(f"GradCAM: layer must be a module name (str), got {layer!r}")
        names = {n for n, _ in model.named_modules() if n}
        if layer not in names:
            raise ValueError(
                f"GradCAM: {type(model).__name__} has no layer {layer!r}; conv layers are: "
                f"{', '.join(convs) or '(none)'}"
            )
        self.layer = layer
        self.module = model.get_submodule(layer)

    def __repr__(self) -> str:
        return f"GradCAM(model={type(self.model).__name__}, layer={self.layer!r})"

    def attribute(
        self,
        inputs: Any,
        *,
        target: Target = None,
        relu: bool = True,
        upsample: bool = True,
        normalize: bool = False,
    ) -> np.ndarray:
        """Grad-CAM maps.

        Parameters
        ----------
        inputs : Tensor or ndarray, shape (N, C, H, W) (or (N, C, L))
        target : int, sequence of int or None
        relu : bool, default True
            Keep only evidence for the target (the paper's ReLU).
        upsample : bool, default True
            Resize the map to the input's ``(H, W)`` (bilinear,
            ``align_corners=False``).
        normalize : bool, default False
            Divide each map by its largest absolute value, so it lies in [0, 1]
            (or [-1, 1] with ``relu=False``).

        Returns
        -------
        ndarray, shape (N, 1, H, W)
            ``(N, 1, h, w)`` at the layer's resolution when ``upsample=False``.
        """
        x = self.prepare_inputs(inputs)
        captured: list[Tensor] = []

        def hook(module: Module, args: tuple, output: Any) -> None:
            captured.append(output[0] if isinstance(output, (tuple, list)) else output)

        with self.evaluating():
            targets = self.targets_for(target, x)
            handle = self.module.register_forward_hook(hook)
            try:
                with enable_grad():
                    xt = self._to_model(x, requires_grad=True)
                    out = self._call(xt)
                    if not captured:
                        raise RuntimeError(
                            f"GradCAM: layer {self.layer!r} was not called during the forward pass"
                        )
                    act = captured[-1]
                    if not isinstance(act, Tensor) or act.ndim not in (3, 4):
                        raise ValueError(
                            f"GradCAM: layer {self.layer!r} gives output of shape "
                            f"{getattr(act, 'shape', type(act).__name__)}; expected (N, C, H, W) "
                            f"or (N, C, L) from a conv layer"
                        )
                    (g,) = _autograd_grad(
                        out, act, grad_outputs=self._seed(out, targets), allow_unused=True
                    )
            finally:
                handle.remove()
        a = np.asarray(act.numpy(), dtype=np.float64)
        grads = np.zeros_like(a) if g is None else np.asarray(g.numpy(), dtype=np.float64)
        spatial = tuple(range(2, a.ndim))
        alpha = grads.mean(axis=spatial, keepdims=True)
        cam = (alpha * a).sum(axis=1, keepdims=True)
        if relu:
            cam = np.maximum(cam, 0.0)
        n_sp = cam.ndim - 2
        if upsample and x.ndim - 1 < n_sp:
            raise ValueError(
                f"GradCAM: cannot upsample maps of shape {cam.shape} to inputs of shape "
                f"{x.shape}; pass upsample=False"
            )
        if upsample and cam.shape[2:] != x.shape[x.ndim - n_sp :]:
            cam = upsample_linear(cam, x.shape[x.ndim - n_sp :])
        if normalize:
            peak = np.abs(cam).reshape(cam.shape[0], -1).max(axis=1)
            cam = cam / np.where(peak > 0, peak, 1.0).reshape((-1,) + (1,) * (cam.ndim - 1))
        return cam.astype(x.dtype)
