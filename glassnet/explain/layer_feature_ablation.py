"""Captum's ``LayerFeatureAblation``: feature ablation on a layer's output (or input).

Each group of the layer's units (``layer_mask``) is replaced by its baseline in turn and
the change of the explained output is that group's attribution, as :class:`FeatureAblation`
does on the model's inputs. The layer's value is replaced through a forward hook while the
model runs on the original inputs.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..nn.module import Module
from ..tensor import Tensor
from .base import Target
from .inputs import ForwardArgs
from .layer_methods import LayerAttribution
from .occlusion import FeatureAblation

__all__ = ["LayerFeatureAblation"]


class LayerFeatureAblation(LayerAttribution):
    """Ablation of a layer's units (Captum's ``LayerFeatureAblation``).

    Parameters
    ----------
    model : Module
    layer : str or Module
        One layer (a dotted name or the submodule) giving a tensor or a flat tuple of them.
    device_ids : None
        Accepted for Captum's signature; must be None.

    Examples
    --------
    >>> import glassnet as gn
    >>> from glassnet.explain import LayerFeatureAblation
    >>> model = gn.nn.Sequential(gn.nn.Linear(3, 4), gn.nn.ReLU(), gn.nn.Linear(4, 2))
    >>> LayerFeatureAblation(model, model[1]).attribute(gn.randn(5, 3), target=0).shape
    (5, 4)
    """

    takes_layer_list = False
    keeps_integer_inputs = True  # token ids go to the model as they are

    def attribute(
        self,
        inputs: Any,
        layer_baselines: Any = None,
        target: Target = None,
        additional_forward_args: Any = None,
        layer_mask: Any = None,
        attribute_to_layer_input: bool = False,
        perturbations_per_eval: int = 1,
    ) -> Any:
        """Ablation attributions of the layer's units.

        The arguments are Captum's, in Captum's order.

        Parameters
        ----------
        inputs : Tensor or ndarray, shape (N, *), or a tuple of them
        layer_baselines : float or array of the layer's shape (*) or (N, *), optional
            The value a unit takes when ablated (a tuple for a layer of several tensors);
            default 0.
        target : int, sequence of int, tensor or tuple
            Output explained per row (not needed for one-output models).
        additional_forward_args : any or tuple, optional
        layer_mask : int array broadcastable to the layer's shape, optional
            Group id of every unit; default: every unit alone.
        attribute_to_layer_input : bool, default False
            Ablate the layer's inputs instead of its output.
        perturbations_per_eval : int, default 1
            Groups evaluated in one forward pass.

        Returns
        -------
        ndarray, shape (N, *layer_shape), or a tuple of them for a layer of several tensors
        """
        xs, _ = self.prepare_all(inputs)
        n = xs[0].shape[0]
        extra = ForwardArgs(additional_forward_args, n)
        to_input = bool(attribute_to_layer_input)
        with self.evaluating():
            targets = self.targets_for(target, xs, extra)
            values, _ = self.read_layers(xs, extra, None, to_input)
            layer = values[0]
            forward = _LayerForward(self, len(layer), len(xs), targets, to_input)
            ablation = FeatureAblation(forward)
            args = (*xs, *extra.items, np.arange(n))
            attr = ablation.attribute(
                layer if len(layer) > 1 else layer[0],
                0.0 if layer_baselines is None else layer_baselines,
                None,
                args,
                layer_mask,
                perturbations_per_eval,
            )
        return attr


class _LayerForward:
    """``forward(*layer_values, *inputs, *extra_args, rows)``: the model on the inputs with
    the layer's value replaced, giving each row's explained output ``(M,)``; ``rows`` says
    which example each row copies (for its target)."""

    def __init__(
        self,
        owner: LayerFeatureAblation,
        n_layer: int,
        n_inputs: int,
        targets: np.ndarray | None,
        to_input: bool,
    ) -> None:
        self.owner, self.n_layer, self.n_inputs = owner, n_layer, n_inputs
        self.targets, self.to_input = targets, to_input

    def __call__(self, *args: Any) -> Tensor:
        owner = self.owner
        # the ablated values come as host tensors (FeatureAblation of a plain callable)
        layer = [owner._to_model(np.asarray(v.numpy() if isinstance(v, Tensor) else v))
                 for v in args[: self.n_layer]]  # fmt: skip
        inputs = args[self.n_layer : self.n_layer + self.n_inputs]
        extra, rows = args[self.n_layer + self.n_inputs : -1], np.asarray(args[-1])
        module: Module = owner.modules_[0]

        def on_output(module: Module, call_args: tuple, output: Any) -> Any:
            return tuple(layer) if isinstance(output, (tuple, list)) else layer[0]

        def on_input(module: Module, call_args: tuple) -> Any:
            return (*layer, *call_args[len(layer) :])

        if self.to_input:
            handle = module.register_forward_pre_hook(on_input)
        else:
            handle = module.register_forward_hook(on_output)
        try:
            ts = [v if isinstance(v, Tensor) else owner._to_model(np.asarray(v)) for v in inputs]
            out = owner._call(ts, tuple(extra))
        finally:
            handle.remove()
        flat = out.reshape(out.shape[0], -1)
        if self.targets is None:
            return flat[:, 0]
        return flat[np.arange(out.shape[0]), self.targets[rows]]
