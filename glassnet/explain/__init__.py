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
from .feature_permutation import FeaturePermutation
from .feature_weights import FeatureWeights
from .gallery import demo_explanations, explain_images
from .gradcam import GradCAM
from .gradient_shap import GradientShap
from .guided import (
    Deconvolution,
    GuidedBackprop,
    GuidedGradCam,
    NeuronDeconvolution,
    NeuronGuidedBackprop,
)
from .integrated_gradients import IntegratedGradients
from .layer_deeplift import LayerDeepLift, LayerDeepLiftShap
from .layer_feature_ablation import LayerFeatureAblation
from .layer_gradient_shap import LayerGradientShap
from .layer_integrated_gradients import LayerIntegratedGradients
from .layer_methods import (
    LayerActivation,
    LayerAttribution,
    LayerConductance,
    LayerGradCam,
    LayerGradientXActivation,
)
from .lime import LimeSurrogate
from .lime_captum import Lime
from .metrics import infidelity, infidelity_perturb_func_decorator, sensitivity_max
from .neuron import (
    InternalInfluence,
    NeuronConductance,
    NeuronGradient,
    NeuronIntegratedGradients,
)
from .noise_tunnel import NoiseTunnel
from .occlusion import FeatureAblation, Occlusion
from .saliency import InputXGradient, Saliency
from .sanity import cascading_randomization, spearman
from .shapley import KernelShap, ShapleyValues, ShapleyValueSampling
from .tokens import TokenReferenceBase

__all__ = [
    "Attribution", "FeatureWeights", "Saliency", "InputXGradient", "IntegratedGradients",
    "LayerIntegratedGradients", "GradientShap", "NoiseTunnel", "Occlusion", "FeatureAblation",
    "GradCAM", "AttentionMaps", "LimeSurrogate", "DeepLift", "DeepLiftShap", "GuidedBackprop",
    "Deconvolution", "GuidedGradCam", "LayerAttribution", "LayerActivation",
    "LayerGradientXActivation", "LayerConductance", "ShapleyValueSampling", "ShapleyValues",
    "KernelShap", "LayerGradCam", "FeaturePermutation", "NeuronGradient",
    "NeuronIntegratedGradients", "NeuronConductance", "InternalInfluence", "Lime",
    "LayerDeepLift", "LayerDeepLiftShap", "LayerGradientShap", "NeuronGuidedBackprop",
    "NeuronDeconvolution", "TokenReferenceBase", "LayerFeatureAblation",
    "cascading_randomization", "spearman", "explain_images", "demo_explanations", "plots",
    "infidelity", "infidelity_perturb_func_decorator", "sensitivity_max",
]  # fmt: skip

#: Captum classes glassnet does not have, with the nearest glassnet API (for the error).
_NOT_IN_GLASSNET = {
    "LRP": "DeepLift(model) (rescale rule) or InputXGradient(model)",
    "LayerLRP": "LayerGradientXActivation(model, layer) or LayerConductance(model, layer)",
    "LayerFeaturePermutation": "FeaturePermutation(model) on the inputs",
    "NeuronGradientShap": "LayerGradientShap(model, layer) (the layer's units), or "
    "NeuronIntegratedGradients(model, layer)",
    "NeuronDeepLift": "LayerDeepLift(model, layer) (the layer's units), or "
    "NeuronIntegratedGradients(model, layer)",
    "NeuronDeepLiftShap": "LayerDeepLiftShap(model, layer), or NeuronIntegratedGradients",
    "NeuronFeatureAblation": "NeuronGradient(model, layer) or NeuronIntegratedGradients",
    "LimeBase": "Lime(model, interpretable_model, similarity_func, perturb_func) or "
    "LimeSurrogate(model)",
    "LLMAttribution": "LayerIntegratedGradients(model, embedding_layer) on token ids",
    "LLMGradientAttribution": "LayerIntegratedGradients(model, embedding_layer) on token ids",
    "InterpretableEmbeddingBase": "LayerIntegratedGradients(model, embedding_layer)",
    "configure_interpretable_embedding_layer": "LayerIntegratedGradients(model, "
    "embedding_layer) on token ids, or the method on the embedded inputs",
    "remove_interpretable_embedding_layer": "LayerIntegratedGradients(model, embedding_layer)",
    "visualization": "glassnet.explain.plots (heatmaps and overlays of attribution arrays)",
    "DataLoaderAttribution": "FeatureAblation(model) called batch by batch",
    "ProductBaselines": "baselines given as an array (N, *) or a tuple of arrays",
}
for _base in ("GradientAttribution", "PerturbationAttribution", "NeuronAttribution"):
    _NOT_IN_GLASSNET[_base] = "glassnet.explain.Attribution (the base of every method) or LayerAttribution"
for _stat in ("Summarizer", "ClassSummarizer", "SummarizerSingleTensor", "CommonStats", "StatValue",
              "Mean", "Var", "StdDev", "Min", "Max", "Sum", "Count", "MSE"):  # fmt: skip
    _NOT_IN_GLASSNET[_stat] = "NumPy reductions over the attribution arrays (np.mean, np.var, ...)"
for _text in ("InterpretableInput", "TextTokenInput", "TextTemplateInput", "ImageMaskInput",
              "LLMAttributionResult", "RemoteLLMAttribution", "RemoteLLMProvider", "VLLMProvider"):  # fmt: skip
    _NOT_IN_GLASSNET[_text] = (
        "LayerIntegratedGradients(model, embedding_layer) on token ids, or FeatureAblation with "
        "feature_mask= grouping tokens or image segments"
    )
del _base, _stat, _text


def __getattr__(name: str) -> object:
    """A clear ``ImportError`` for Captum classes glassnet does not offer, naming the
    nearest glassnet API; ``AttributeError`` for any other missing name."""
    if name in _NOT_IN_GLASSNET:
        raise ImportError(
            f"glassnet.explain: Captum's {name} is not available in glassnet; the nearest is "
            f"{_NOT_IN_GLASSNET[name]} (see docs/explain.md)",
            name=name,
        )
    raise AttributeError(f"module 'glassnet.explain' has no attribute {name!r}")
