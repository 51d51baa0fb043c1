"""``FeatureWeights``: read a linear model's weights; contributions ``weight * x``.

The seed article's traditional models are explained "through feature
weights": for ``y = W x + b`` the weight ``W[c, i]`` is how much class ``c``'s
score moves per unit of feature ``i``, and ``W[c, i] * x_i`` is feature ``i``'s
share of the score (the shares plus ``b[c]`` add up to the score exactly).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..nn.container import Sequential
from ..nn.module import Module
from .base import Attribution, Target

__all__ = ["FeatureWeights"]

# modules that only reshape (or are the identity in eval mode) may precede the linear layer
_RESHAPING = {"Identity", "Flatten", "Dropout", "Dropout1d", "Dropout2d", "AlphaDropout"}


def _is_linear_layer(m: Module) -> bool:
    params = dict(m.named_parameters())
    w = params.get("weight")
    return (
        w is not None
        and w.ndim in (1, 2)
        and set(params) <= {"weight", "bias"}
        and not any(True for _ in m.children())
    )


def _find_linear(model: Any) -> Module:
    if isinstance(model, Module) and _is_linear_layer(model):
        return model
    if isinstance(model, Sequential):
        layers = list(model)
        with_params = [i for i, m in enumerate(layers) if any(True for _ in m.parameters())]
        if len(with_params) == 1 and _is_linear_layer(layers[with_params[0]]):
            k = with_params[0]
            if all(type(m).__name__ in _RESHAPING for m in layers[:k]):
                return layers[k]
    raise TypeError(
        "FeatureWeights: model must be a linear model: a Linear or Perceptron layer, or a "
        "Sequential whose only layer with parameters is one of them (only Flatten/Identity/"
        "Dropout before it, parameter-free activations after it); got "
        f"{type(model).__name__}. Use IntegratedGradients or LimeSurrogate for other models"
    )


class FeatureWeights(Attribution):
    """Weights and per-feature contributions of a linear model (``Linear``, ``Perceptron``).

    Contributions are on the scale of the linear layer's output (the logit
    when a sigmoid or softmax follows it).

    Parameters
    ----------
    model : Module
        A ``Linear``/``Perceptron`` layer, or a ``Sequential`` ending in one
        (optionally with ``Flatten`` before it and activations after it).

    Attributes
    ----------
    weights : ndarray, shape (C, F)
        One row of feature weights per output.
    bias : ndarray, shape (C,)
        Zeros when the layer has no bias.

    Examples
    --------
    >>> import glassnet as gn
    >>> from glassnet.explain import FeatureWeights
    >>> fw = FeatureWeights(gn.nn.Linear(3, 2))
    >>> fw.weights.shape
    (2, 3)
    >>> x = gn.randn(5, 3)
    >>> contrib = fw.attribute(x, target=1)      # weights[1] * x, shape (5, 3)
    """

    def __init__(self, model: Module) -> None:
        super().__init__(model)
        self.layer = _find_linear(model)

    @property
    def weights(self) -> np.ndarray:
        w = np.array(self.layer.weight.numpy())
        return w.reshape(1, -1) if w.ndim == 1 else w

    @property
    def bias(self) -> np.ndarray:
        b = getattr(self.layer, "bias", None)
        if b is None:
            return np.zeros(self.weights.shape[0], dtype=self.weights.dtype)
        return np.array(b.numpy()).reshape(-1)

    def attribute(self, inputs: Any, *, target: Target = None) -> np.ndarray:
        """Contributions ``weights[target] * x`` of each feature to each row's score.

        Parameters
        ----------
        inputs : Tensor or ndarray, shape (N, *)
            ``*`` flattens to the layer's ``F`` input features.
        target : int, sequence of int or None
            None: the predicted class.

        Returns
        -------
        ndarray, shape (N, *)
        """
        x = self.prepare_inputs(inputs)
        w = self.weights
        flat = x.reshape(x.shape[0], -1)
        if flat.shape[1] != w.shape[1]:
            raise ValueError(
                f"FeatureWeights: inputs of shape {x.shape} have {flat.shape[1]} features per "
                f"row, the linear layer expects {w.shape[1]}"
            )
        with self.evaluating():
            targets = self.targets_for(target, x)
        rows = w[np.zeros(x.shape[0], dtype=np.int64) if targets is None else targets]
        return (flat * rows).reshape(x.shape).astype(x.dtype)
