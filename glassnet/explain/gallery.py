"""Explaining image classifiers by method name: what ``glassnet explain`` and the demo draw.

:func:`explain_images` runs one method with settings that suit 28x28 images
and always returns maps in image space ``(N, 1, H, W)``, whatever layout the
model reads (flat vectors, images, or rows as time steps);
:func:`demo_explanations` writes one picture per image with several methods
side by side.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..nn.module import Module
from ..tensor import Tensor
from .attention import AttentionMaps, attention_layer_names
from .base import Target, as_array
from .deeplift import DeepLift
from .gradcam import GradCAM, conv_layer_names
from .guided import GuidedBackprop
from .integrated_gradients import IntegratedGradients
from .lime import LimeSurrogate
from .noise_tunnel import NoiseTunnel
from .occlusion import FeatureAblation, Occlusion
from .plots import plot_panels
from .saliency import InputXGradient, Saliency
from .shapley import ShapleyValueSampling

__all__ = [
    "METHODS", "LAYOUTS", "explain_images", "image_logits", "demo_explanations", "default_methods",
]  # fmt: skip

#: Method names accepted by :func:`explain_images` (and ``glassnet explain --method``).
METHODS = (
    "saliency", "input_x_gradient", "ig", "smoothgrad", "occlusion", "ablation", "gradcam",
    "attention", "lime", "deeplift", "guided_backprop", "shapley",
)  # fmt: skip
#: How a model reads a batch of images ``(N, 1, H, W)``: see ``glassnet.models.registry``.
LAYOUTS = ("image", "flat", "rows")


class _FromImages(Module):
    """Feeds images ``(N, 1, H, W)`` to a model that reads another layout."""

    def __init__(self, inner: Module, layout: str) -> None:
        super().__init__()
        self.inner = inner
        self.layout = layout

    def forward(self, x: Tensor) -> Any:
        n, _, h, w = x.shape
        if self.layout == "flat":
            return self.inner(x.reshape(n, h * w))
        if self.layout == "rows":
            return self.inner(x.reshape(n, h, w))
        return self.inner(x)


def _images(images: Any) -> np.ndarray:
    x = as_array(images)
    if x.ndim == 3:
        x = x[:, None]
    if x.ndim != 4 or x.shape[1] != 1:
        raise ValueError(
            f"explain_images: expected greyscale images (N, 1, H, W) or (N, H, W), got {x.shape}"
        )
    return x


def _reading_images(who: str, model: Module, layout: str) -> Module:
    """``model`` as a module that takes images ``(N, 1, H, W)``, for a model reading ``layout``."""
    if layout not in LAYOUTS:
        raise ValueError(f"{who}: layout must be one of {', '.join(LAYOUTS)}, got {layout!r}")
    return model if layout == "image" else _FromImages(model, layout)


def image_logits(model: Module, images: Any, *, layout: str = "image") -> np.ndarray:
    """The model's outputs ``(N, C)`` for greyscale images, in eval mode (its mode restored)."""
    method = Saliency(_reading_images("image_logits", model, layout))
    with method.evaluating():
        return method.forward(_images(images))


def default_methods(model: Module) -> list[str]:
    """The methods that suit ``model``: gradients and occlusion always, Grad-CAM with conv
    layers, attention maps with attention layers."""
    methods = ["saliency", "ig", "smoothgrad", "occlusion"]
    if conv_layer_names(model):
        methods.append("gradcam")
    if attention_layer_names(model):
        methods.append("attention")
    return methods


def explain_images(
    model: Module,
    images: Any,
    method: str,
    *,
    layout: str = "image",
    target: Target = None,
    seed: int = 0,
) -> np.ndarray:
    """Attribution maps of greyscale images by one method, in image space.

    Parameters
    ----------
    model : Module
        A classifier returning logits ``(N, C)``.
    images : array, shape (N, 1, H, W) or (N, H, W)
    method : {'saliency', 'input_x_gradient', 'ig', 'smoothgrad', 'occlusion', 'ablation', \
'gradcam', 'attention', 'lime', 'deeplift', 'guided_backprop', 'shapley'}
        ``saliency``: |gradient|; ``input_x_gradient``: gradient times
        input (signed); ``ig``: Integrated Gradients from a black
        image (Gauss-Legendre, 32 steps); ``smoothgrad``: |gradient| averaged
        over 16 noisy copies (15% noise); ``occlusion``: 4x4 windows set to 0 (black),
        stride 2; ``ablation``: feature ablation of 7x7 blocks (a 4x4 grid of
        groups, each set to 0 in turn); ``gradcam``: the last conv layer, normalised to [0, 1];
        ``attention``: the weights of the model's attention over time steps
        (``rows`` layout: one weight per image row); ``lime``: surrogate on
        4x4 patches, 500 samples; ``deeplift``: DeepLift's rescale rule from a black
        image (Captum's); ``guided_backprop``: gradients through ``nn.ReLU`` modules kept
        where positive (Captum's); ``shapley``: Shapley value sampling over the 16 blocks
        of ``ablation``, 10 permutations.
    layout : {'image', 'flat', 'rows'}, default 'image'
        What the model reads: images, ``(N, H*W)`` vectors or ``(N, H, W)`` rows.
    target : int, sequence of int or None
        None: the predicted class of each image (unlike the attribution
        methods themselves, which ask for ``target=`` on multi-class models).
    seed : int, default 0
        Seed of the random methods (smoothgrad, lime).

    Returns
    -------
    ndarray, shape (N, 1, H, W)
    """
    if method not in METHODS:
        raise ValueError(
            f"explain_images: method must be one of {', '.join(METHODS)}, got {method!r}"
        )
    wrapped = _reading_images("explain_images", model, layout)
    x = _images(images)
    if target is None and method != "attention":
        target = image_logits(model, x, layout=layout).argmax(axis=1)
    if method == "saliency":
        return Saliency(wrapped).attribute(x, target=target)
    if method == "input_x_gradient":
        return InputXGradient(wrapped).attribute(x, target=target)
    if method in ("ablation", "shapley"):
        h, w = x.shape[2:]
        blocks = (np.arange(h)[:, None] * 4 // h) * 4 + np.arange(w)[None, :] * 4 // w
        if method == "shapley":
            return as_array(ShapleyValueSampling(wrapped).attribute(
                x, feature_mask=blocks[None], target=target, n_samples=10, seed=seed
            ))  # fmt: skip
        return FeatureAblation(wrapped).attribute(
            x, feature_mask=blocks[None], target=target, perturbations_per_eval=16
        )
    if method == "ig":
        return IntegratedGradients(wrapped).attribute(
            x, target=target, method="gausslegendre", n_steps=32, internal_batch_size=256
        )
    if method == "smoothgrad":
        return NoiseTunnel(Saliency(wrapped)).attribute(
            x, target=target, nt_samples=16, stdevs=0.15, noise_scale="range", seed=seed
        )
    if method == "occlusion":
        return Occlusion(wrapped).attribute(
            x, (1, 4, 4), strides=(1, 2, 2), target=target, perturbations_per_eval=64
        )
    if method == "gradcam":
        return GradCAM(wrapped).attribute(x, target=target, normalize=True)
    if method == "deeplift":
        return as_array(DeepLift(wrapped).attribute(x, target=target))
    if method == "guided_backprop":
        return as_array(GuidedBackprop(wrapped).attribute(x, target=target))
    if method == "lime":
        return LimeSurrogate(wrapped).attribute(
            x, target=target, perturbation="patches", patch_size=4, n_samples=500, seed=seed
        )
    return _attention_map(model, x, layout)


def _attention_map(model: Module, x: np.ndarray, layout: str) -> np.ndarray:
    """Attention over time steps drawn on the image: each row (time step) gets its weight."""
    n, _, h, w = x.shape
    AttentionMaps(model)  # raises, naming the model, when it has no attention layer
    maps = AttentionMaps(_FromImages(model, layout)).attribute(x)
    for weights in maps.values():
        a = weights if weights.ndim == 2 else weights.mean(axis=tuple(range(1, weights.ndim - 1)))
        if a.shape == (n, h):
            return np.broadcast_to(a[:, None, :, None], (n, 1, h, w)).astype(x.dtype)
    shapes = {k: v.shape for k, v in maps.items()}
    raise ValueError(
        f"explain_images: no attention layer of the model attends over the {h} image rows "
        f"(weights by layer: {shapes})"
    )


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower() or "class"


def demo_explanations(
    model: Module,
    images: Any,
    labels: Any,
    out_dir: str | os.PathLike,
    class_names: Sequence[str],
    *,
    layout: str = "image",
    methods: Sequence[str] | None = None,
) -> list[str]:
    """Write one PNG per image: the image, then a map per method, titled with true and predicted class.

    Parameters
    ----------
    model : Module
        A trained classifier.
    images : array, shape (N, 1, H, W) or (N, H, W)
        A few test images (each gets a picture; 4 to 8 is a good number).
    labels : array of int, shape (N,)
        Their true classes.
    out_dir : str or PathLike
        Folder for the PNGs (created).
    class_names : sequence of str
    layout : {'image', 'flat', 'rows'}, default 'image'
        What the model reads (see :func:`explain_images`).
    methods : sequence of str, optional
        Default: :func:`default_methods` of the model.

    Returns
    -------
    list of str
        The PNG paths, ``explain_00_<class>.png``, ... in the order of ``images``.

    Examples
    --------
    >>> paths = demo_explanations(model, x_test[:4], y_test[:4], "runs/demo/explain",
    ...                           FASHION_MNIST_CLASSES)   # doctest: +SKIP
    """
    x = _images(images)
    y = np.asarray(labels).reshape(-1)
    if y.shape[0] != x.shape[0]:
        raise ValueError(f"demo_explanations: {x.shape[0]} images but {y.shape[0]} labels")
    names = list(class_names)
    chosen = list(methods) if methods is not None else default_methods(model)
    for m in chosen:
        if m not in METHODS:
            raise ValueError(
                f"demo_explanations: method must be one of {', '.join(METHODS)}, got {m!r}"
            )
    logits = image_logits(model, x, layout=layout).astype(np.float64)
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    probs = shifted / shifted.sum(axis=1, keepdims=True)
    pred = probs.argmax(axis=1)
    maps = {m: explain_images(model, x, m, layout=layout, target=pred) for m in chosen}
    os.makedirs(os.fspath(out_dir), exist_ok=True)
    paths = []
    for i in range(x.shape[0]):
        true_name = names[int(y[i])] if 0 <= int(y[i]) < len(names) else str(int(y[i]))
        pred_name = names[int(pred[i])] if int(pred[i]) < len(names) else str(int(pred[i]))
        title = f"true: {true_name}   predicted: {pred_name} ({probs[i, pred[i]]:.2f})"
        path = os.path.join(os.fspath(out_dir), f"explain_{i:02d}_{_slug(true_name)}.png")
        paths.append(plot_panels(x[i], {m: maps[m][i] for m in chosen}, path, title=title))
    return paths
