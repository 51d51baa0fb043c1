"""Guided Backprop, Deconvolution and Guided Grad-CAM, as Captum computes them.

Both gradient methods change only how the gradient passes back through each
``nn.ReLU`` module (and its subclasses); ReLUs called as functions
(``F.relu``) keep their ordinary gradient, as in Captum:

- Guided Backprop (Springenberg et al., 2015) keeps the positive part of the
  ReLU's ordinary gradient: ``max(g * (x > 0), 0)``;
- Deconvolution (Zeiler & Fergus, 2014) passes the positive part of the
  incoming gradient, whatever the ReLU's input: ``max(g, 0)``.

Guided Grad-CAM multiplies Guided Backprop's map by the layer's Grad-CAM map
(with the ReLU) upsampled to the input's size. ``NeuronGuidedBackprop`` and
``NeuronDeconvolution`` apply the same rules to the gradient of one neuron of a
layer (Captum's neuron selectors, see :mod:`glassnet.explain.neuron`).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .. import backend, nn
from ..nn.module import Module
from .base import Attribution, Target
from .gradcam import GradCAM
from .inputs import ForwardArgs
from .layer_methods import LayerAttribution
from .module_rules import ModuleCall, backward_rules
from .neuron import NeuronGradient, NeuronSelector

__all__ = [
    "GuidedBackprop", "Deconvolution", "GuidedGradCam", "NeuronGuidedBackprop",
    "NeuronDeconvolution",
]  # fmt: skip


def _positive(values: Any) -> Any:
    return backend.get_array_module(values).maximum(values, 0)


class _ModifiedReluGradient(Attribution):
    """The gradient with a changed backward at every ``nn.ReLU`` module."""

    #: Whether the rule reads the incoming gradient (Deconvolution) rather than the
    #: ReLU's ordinary gradient (Guided Backprop).
    from_grad_output: bool = False

    def __init__(self, model: Module) -> None:
        super().__init__(model)
        if not isinstance(model, Module):
            raise TypeError(
                f"{self._who}: model must be a glassnet Module (its nn.ReLU modules get the "
                f"rule), got {type(model).__name__}"
            )

    def _rule(self, call: ModuleCall) -> Any:
        return _positive(call.grad_output if self.from_grad_output else call.grad_input)

    def attribute(
        self, inputs: Any, target: Target = None, additional_forward_args: Any = None
    ) -> Any:
        """The modified gradient of each row's explained output w.r.t. its inputs.

        Parameters
        ----------
        inputs : Tensor or ndarray, shape (N, *), or a tuple of them
        target : int, sequence of int, tensor or tuple
            Output explained per row (not needed for one-output models).
        additional_forward_args : any or tuple, optional
            Passed to the model after the inputs (see :mod:`glassnet.explain.inputs`).

        Returns
        -------
        ndarray, shape (N, *), or a tuple of them for tuple inputs
        """
        xs, as_tuple = self.prepare_all(inputs)
        extra = ForwardArgs(additional_forward_args, xs[0].shape[0])
        with self.evaluating():
            targets = self.targets_for(target, xs, extra)
            with backward_rules(self.model, {nn.ReLU: self._rule}, match="isinstance"):
                grads, _ = self.gradients(xs, targets, extra)
        return self.pack(grads, as_tuple)


class GuidedBackprop(_ModifiedReluGradient):
    """Guided Backprop (Captum's ``GuidedBackprop``): at each ``nn.ReLU`` only positive
    gradients pass back, and only where the ReLU's input was positive.

    Parameters
    ----------
    model : Module

    Examples
    --------
    >>> import glassnet as gn
    >>> from glassnet.explain import GuidedBackprop
    >>> model = gn.nn.Sequential(gn.nn.Linear(3, 4), gn.nn.ReLU(), gn.nn.Linear(4, 2))
    >>> GuidedBackprop(model).attribute(gn.randn(5, 3), target=1).shape
    (5, 3)
    """


class Deconvolution(_ModifiedReluGradient):
    """Deconvolution (Captum's ``Deconvolution``): at each ``nn.ReLU`` the positive part
    of the incoming gradient passes back, whatever the ReLU's input was.

    Parameters
    ----------
    model : Module
    """

    from_grad_output = True


class GuidedGradCam(Attribution):
    """Guided Grad-CAM (Captum's ``GuidedGradCam``): Guided Backprop times Grad-CAM.

    The layer's Grad-CAM map (with the ReLU, at the layer's resolution) is
    resized to each input's spatial size with
    :meth:`LayerAttribution.interpolate` and multiplied into that input's
    Guided Backprop attributions.

    Parameters
    ----------
    model : Module
    layer : str or Module
        The conv layer for Grad-CAM: its dotted name or the submodule.
    device_ids : None
        Accepted for Captum's signature; must be None.

    Examples
    --------
    >>> from glassnet.explain import GuidedGradCam
    >>> GuidedGradCam(model, model.features[3]).attribute(images, target=labels)  # doctest: +SKIP
    """

    def __init__(self, model: Module, layer: str | Module, device_ids: Any = None) -> None:
        super().__init__(model)
        if device_ids is not None:
            raise ValueError(f"{self._who}: device_ids must be None, got {device_ids!r}")
        self.grad_cam = GradCAM(model, layer)
        self.guided_backprop = GuidedBackprop(model)

    def __repr__(self) -> str:
        return f"GuidedGradCam(model={type(self.model).__name__}, layer={self.grad_cam.layer!r})"

    def attribute(
        self,
        inputs: Any,
        target: Target = None,
        additional_forward_args: Any = None,
        interpolate_mode: str = "nearest",
        attribute_to_layer_input: bool = False,
    ) -> Any:
        """Guided Grad-CAM maps.

        Parameters
        ----------
        inputs : Tensor or ndarray, shape (N, C, *spatial), or a tuple of them
        target : int, sequence of int, tensor or tuple
        additional_forward_args : any or tuple, optional
        interpolate_mode : str, default 'nearest'
            How the Grad-CAM map is resized (see :meth:`LayerAttribution.interpolate`).
        attribute_to_layer_input : bool, default False
            Grad-CAM on the layer's input instead of its output.

        Returns
        -------
        ndarray, shape (N, C, *spatial), or a tuple of them for tuple inputs
            An input whose spatial axes the map cannot be resized to gets an
            empty array (and a warning), as in Captum.
        """
        cam = self.grad_cam.attribute(
            inputs, target, additional_forward_args, attribute_to_layer_input,
            relu_attributions=True, upsample=False,
        )  # fmt: skip
        guided = self.guided_backprop.attribute(inputs, target, additional_forward_args)
        as_tuple = isinstance(guided, tuple)
        out = []
        for i, g in enumerate(guided if as_tuple else (guided,)):
            try:
                up = LayerAttribution.interpolate(cam, tuple(g.shape[2:]), interpolate_mode)
            except (ValueError, TypeError, NotImplementedError) as err:
                warnings.warn(
                    f"GuidedGradCam: cannot resize the Grad-CAM map {cam.shape} to input {i} of "
                    f"shape {g.shape} ({err}); its attributions are an empty array",
                    stacklevel=2,
                )
                out.append(np.empty(0, dtype=g.dtype))
                continue
            out.append((g * up).astype(g.dtype))
        return self.pack(out, as_tuple)


class _NeuronModifiedReluGradient(NeuronGradient):
    """A neuron's gradient w.r.t. the inputs with a changed backward at every ``nn.ReLU``."""

    from_grad_output: bool = False

    def __init__(self, model: Module, layer: str | Module, device_ids: Any = None) -> None:
        if not isinstance(model, Module):
            raise TypeError(
                f"{type(self).__name__}: model must be a glassnet Module (its nn.ReLU modules "
                f"get the rule), got {type(model).__name__}"
            )
        super().__init__(model, layer, device_ids)

    def _rule(self, call: ModuleCall) -> Any:
        return _positive(call.grad_output if self.from_grad_output else call.grad_input)

    def attribute(
        self,
        inputs: Any,
        neuron_selector: NeuronSelector,
        additional_forward_args: Any = None,
        attribute_to_neuron_input: bool = False,
    ) -> Any:
        """The neuron's modified gradient w.r.t. the inputs, row by row.

        Parameters
        ----------
        inputs : Tensor or ndarray, shape (N, *), or a tuple of them
        neuron_selector : int, tuple of int / slice, or callable
            See :mod:`glassnet.explain.neuron`.
        additional_forward_args : any or tuple, optional
        attribute_to_neuron_input : bool, default False
            Pick the neuron from the layer's input instead of its output.

        Returns
        -------
        ndarray, shape (N, *), or a tuple of them for tuple inputs
        """
        with backward_rules(self.model, {nn.ReLU: self._rule}, match="isinstance"):
            return super().attribute(
                inputs, neuron_selector, additional_forward_args, attribute_to_neuron_input
            )


class NeuronGuidedBackprop(_NeuronModifiedReluGradient):
    """Guided Backprop of one neuron of a layer (Captum's ``NeuronGuidedBackprop``): the
    neuron's gradient w.r.t. the inputs where, at each ``nn.ReLU``, only positive gradients
    pass back, and only where the ReLU's input was positive.

    Parameters
    ----------
    model : Module
    layer : str or Module
    device_ids : None

    Examples
    --------
    >>> import glassnet as gn
    >>> from glassnet.explain import NeuronGuidedBackprop
    >>> model = gn.nn.Sequential(gn.nn.Linear(3, 4), gn.nn.ReLU(), gn.nn.Linear(4, 2))
    >>> NeuronGuidedBackprop(model, model[2]).attribute(gn.randn(5, 3), 1).shape
    (5, 3)
    """


class NeuronDeconvolution(_NeuronModifiedReluGradient):
    """Deconvolution of one neuron of a layer (Captum's ``NeuronDeconvolution``): at each
    ``nn.ReLU`` the positive part of the incoming gradient passes back.

    Parameters
    ----------
    model : Module
    layer : str or Module
    device_ids : None
    """

    from_grad_output = True
