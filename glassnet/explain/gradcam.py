"""Grad-CAM (Selvaraju et al., 2017): where in the image a conv layer's evidence lies."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import grad as _autograd_grad
from ..autograd.grad_mode import enable_grad
from ..nn.module import Module
from ..tensor import Tensor
from .base import Attribution, Target
from .inputs import ForwardArgs

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
    layer : str or Module, optional
        The layer whose output is used: its dotted name, e.g. ``'features.3'``
        (``model.named_modules()`` lists them), or the submodule itself (as
        Captum's ``LayerGradCam(model, model.features[3])``). Default: the
        last conv layer.

    Examples
    --------
    >>> from glassnet.explain import GradCAM
    >>> cam = GradCAM(model, layer="features.3")                # doctest: +SKIP
    >>> maps = cam.attribute(images, target=labels, normalize=True)  # (N, 1, H, W)  # doctest: +SKIP
    """

    def __init__(self, model: Module, layer: str | Module | None = None) -> None:
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
        if isinstance(layer, Module):
            layer = _name_of(model, layer)
        if not isinstance(layer, str):
            raise TypeError(
                f"GradCAM: layer must be a module name (str) or a submodule of the model, "
                f"got {layer!r}"
            )
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
        target: Target = None,
        additional_forward_args: Any = None,
        attribute_to_layer_input: bool = False,
        relu_attributions: bool | None = None,
        *,
        relu: bool | None = None,
        upsample: bool = True,
        normalize: bool = False,
    ) -> np.ndarray:
        """Grad-CAM maps.

        The first five arguments are Captum's ``LayerGradCam.attribute``
        arguments, in its order.

        Parameters
        ----------
        inputs : Tensor or ndarray, shape (N, C, H, W) (or (N, C, L)), or a tuple of inputs
            With a tuple, maps are upsampled to the first input's size.
        target : int or sequence of int
            Class explained per row (not needed for one-output models).
        additional_forward_args : any or tuple, optional
            Passed to the model after the inputs (see :mod:`glassnet.explain.inputs`).
        attribute_to_layer_input : bool, default False
            Use the layer's input (its first argument) instead of its output.
        relu_attributions : bool, optional
            Captum's name for ``relu``.
        relu : bool, default True
            Keep only evidence for the target (the paper's ReLU). Captum's
            ``relu_attributions`` defaults to False.
        upsample : bool, default True
            Resize the map to the input's ``(H, W)`` (bilinear,
            ``align_corners=False``). Captum's LayerGradCam does not upsample.
        normalize : bool, default False
            Divide each map by its largest absolute value, so it lies in [0, 1]
            (or [-1, 1] with ``relu=False``).

        Returns
        -------
        ndarray, shape (N, 1, H, W)
            ``(N, 1, h, w)`` at the layer's resolution when ``upsample=False``;
            ``(N, 1)`` for a layer with outputs ``(N, C)`` (only with ``upsample=False``,
            Captum's ``LayerGradCam`` on such a layer).
        """
        if (
            relu is not None
            and relu_attributions is not None
            and bool(relu) != bool(relu_attributions)
        ):
            raise ValueError(
                f"GradCAM: relu={relu!r} and relu_attributions={relu_attributions!r} disagree; "
                "they are one option, pass one of them"
            )
        use_relu = (
            True
            if relu is None and relu_attributions is None
            else bool(relu if relu is not None else relu_attributions)
        )
        xs, _ = self.prepare_all(inputs)
        extra = ForwardArgs(additional_forward_args, xs[0].shape[0])
        with self.evaluating():
            targets = self.targets_for(target, xs, extra)
            a, grads = self._layer_values(xs, targets, extra, attribute_to_layer_input)
        alpha = grads.mean(axis=tuple(range(2, a.ndim)), keepdims=True)
        cam = (alpha * a).sum(axis=1, keepdims=True)
        if use_relu:
            cam = np.maximum(cam, 0.0)
        x = xs[0]
        n_sp = cam.ndim - 2
        if upsample and n_sp == 0:
            raise ValueError(
                f"GradCAM: layer {self.layer!r} gives outputs of shape {a.shape}, with no spatial "
                "axes to map onto the input; pass upsample=False for one value per row, "
                "shape (N, 1), as Captum's LayerGradCam gives"
            )
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

    def _layer_values(
        self,
        xs: tuple[np.ndarray, ...],
        targets: np.ndarray | None,
        extra: ForwardArgs,
        to_input: bool,
    ) -> tuple[np.ndarray, np.ndarray]:
        """The layer's output (or input) ``A`` and ``dy/dA``, as float64 host arrays."""
        captured: list[Any] = []
        where = "input" if to_input else "output"

        def hook(module: Module, args: tuple, output: Any) -> None:
            value = args if to_input else output
            captured.append(value[0] if isinstance(value, (tuple, list)) else value)

        handle = self.module.register_forward_hook(hook)
        try:
            with enable_grad():
                ts = [self._to_model(x, requires_grad=True) for x in xs]
                out = self._call(ts, extra.at(np.arange(xs[0].shape[0])))
                if not captured:
                    raise RuntimeError(
                        f"GradCAM: layer {self.layer!r} was not called during the forward pass"
                    )
                act = captured[-1]
                if not isinstance(act, Tensor) or act.ndim < 2:
                    raise ValueError(
                        f"GradCAM: layer {self.layer!r} gives {where} of shape "
                        f"{getattr(act, 'shape', type(act).__name__)}; expected (N, C, H, W) "
                        f"or (N, C, L) from a conv layer (or (N, C) with upsample=False)"
                    )
                (g,) = _autograd_grad(
                    out, act, grad_outputs=self._seed(out, targets), allow_unused=True
                )
        finally:
            handle.remove()
        a = np.asarray(act.numpy(), dtype=np.float64)
        return a, (np.zeros_like(a) if g is None else np.asarray(g.numpy(), dtype=np.float64))


def _name_of(model: Module, layer: Module) -> str:
    """The dotted name of submodule ``layer`` in ``model``."""
    for name, m in model.named_modules():
        if m is layer and name:
            return name
    raise ValueError(
        f"GradCAM: layer {type(layer).__name__} is not a submodule of the model "
        f"{type(model).__name__}"
    )
