"""``glassnet explain`` for a run trained on its own data: colour images and tables.

Greyscale images go through :func:`glassnet.explain.gallery.explain_images`
like the built-in data sets. Colour images and table rows are explained here
with the attribution classes directly: the model reads the sample as it is.
Tables are drawn as bars, one per feature, named by the CSV's columns.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..explain import (
    DeepLift,
    FeatureAblation,
    GradCAM,
    GuidedBackprop,
    InputXGradient,
    IntegratedGradients,
    NoiseTunnel,
    Occlusion,
    Saliency,
    ShapleyValueSampling,
)
from ..explain.plots import plot_feature_attribution, plot_image_attribution
from .options import UsageError

__all__ = ["OWN_METHODS", "explain_array", "plot_explanation"]

#: Methods for colour images and for tables (the others assume greyscale image geometry).
OWN_METHODS = {
    "images": ("ig", "saliency", "input_x_gradient", "smoothgrad", "occlusion", "gradcam",
               "deeplift", "guided_backprop"),
    "table": ("ig", "saliency", "input_x_gradient", "smoothgrad", "ablation", "deeplift",
              "shapley"),
}


def explain_array(
    model: Any, x: np.ndarray, method: str, kind: str, *, target: int | None, seed: int
) -> np.ndarray:
    """Attributions of ``x`` (``(1, C, H, W)`` or ``(1, F)``, as the model reads it) by ``method``.

    Raises
    ------
    UsageError
        ``method`` does not apply to ``kind`` (the message lists the ones that do).
    """

    allowed = OWN_METHODS[kind]
    if method not in allowed:
        what = "colour images" if kind == "images" else "tables"
        raise UsageError(
            f"--method: {method!r} is not available for {what}; choose one of {', '.join(allowed)}"
        )
    if method == "ig":
        return IntegratedGradients(model).attribute(
            x, target=target, method="gausslegendre", n_steps=32
        )
    if method == "saliency":
        return Saliency(model).attribute(x, target=target)
    if method == "input_x_gradient":
        return InputXGradient(model).attribute(x, target=target)
    if method == "smoothgrad":
        return NoiseTunnel(Saliency(model)).attribute(
            x, target=target, nt_samples=16, stdevs=0.15, noise_scale="range", seed=seed
        )
    if method == "ablation":  # one feature at a time set to 0: the training mean
        return FeatureAblation(model).attribute(x, target=target)
    if method == "gradcam":
        return GradCAM(model).attribute(x, target=target, normalize=True)
    if method == "deeplift":  # from zeros: the training mean of a table, black for images
        return np.asarray(DeepLift(model).attribute(x, target=target))
    if method == "guided_backprop":
        return np.asarray(GuidedBackprop(model).attribute(x, target=target))
    if method == "shapley":  # each feature's Shapley value against 0, 25 permutations
        return np.asarray(ShapleyValueSampling(model).attribute(x, target=target, n_samples=25))
    c = x.shape[1]
    return Occlusion(model).attribute(x, (c, 4, 4), strides=(c, 2, 2), target=target)


def plot_explanation(
    sample: np.ndarray, attribution: np.ndarray, spec: Any, path: str, title: str, method: str
) -> None:
    """An image with its attribution laid over it, or a table row's features as bars."""

    if spec.kind == "table":
        names = spec.feature_names or None  # a table from an .npz has no column names
        plot_feature_attribution(attribution[0], path, feature_names=names, title=title)
        return
    signed = False if method in ("saliency", "smoothgrad", "gradcam") else None
    plot_image_attribution(sample, attribution[0], path, title=title, signed=signed)
