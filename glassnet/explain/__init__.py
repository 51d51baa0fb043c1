"""Explanations of model decisions: attribution methods, attention maps and pictures.

Every method follows one calling convention, Captum's::

    from glassnet.explain import IntegratedGradients
    attr = IntegratedGradients(model).attribute(x, baselines=None, target=labels)

``attribute`` returns a NumPy array with the input's shape (Grad-CAM: one map
per example, ``(N, 1, H, W)``), or a tuple of them for a tuple of inputs;
``additional_forward_args`` follow the inputs in every call of the model. A
model with several outputs needs ``target=`` (None is refused, as in Captum).
See ``docs/explain.md``.
"""

from . import plots
from .attention import AttentionMaps
from .base import Attribution
from .deeplift import DeepLift, DeepLiftShap
from .feature_weights import FeatureWeights
from .gallery import demo_explanations, explain_images
from .gradcam import GradCAM
from .gradient_shap import GradientShap
from .guided import Deconvolution, GuidedBackprop, GuidedGradCam
from .integrated_gradients import IntegratedGradients
from .layer_integrated_gradients import LayerIntegratedGradients
from .layer_methods import (
    LayerActivation,
    LayerAttribution,
    LayerConductance,
    LayerGradCam,
    LayerGradientXActivation,
)
from .lime import LimeSurrogate
from .noise_tunnel import NoiseTunnel
from .occlusion import FeatureAblation, Occlusion
from .saliency import InputXGradient, Saliency
from .sanity import cascading_randomization, spearman
from .shapley import KernelShap, ShapleyValues, ShapleyValueSampling

__all__ = [
    "Attribution", "FeatureWeights", "Saliency", "InputXGradient", "IntegratedGradients",
    "LayerIntegratedGradients", "GradientShap", "NoiseTunnel", "Occlusion", "FeatureAblation",
    "GradCAM", "AttentionMaps", "LimeSurrogate", "DeepLift", "DeepLiftShap", "GuidedBackprop",
    "Deconvolution", "GuidedGradCam", "LayerAttribution", "LayerActivation",
    "LayerGradientXActivation", "LayerConductance", "ShapleyValueSampling", "ShapleyValues",
    "KernelShap", "LayerGradCam",
    "cascading_randomization", "spearman", "explain_images", "demo_explanations", "plots",
]  # fmt: skip
