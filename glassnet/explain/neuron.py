"""Neuron attributions and internal influence, as Captum computes them.

A *neuron* is one unit (or, with slices, the sum of several units) of a layer's
output, or with ``attribute_to_neuron_input=True`` of its input, picked by
``neuron_selector`` (Captum's argument):

- an ``int`` or a tuple of ints / slices indexing one row of the layer's value
  (the batch axis left out): ``layer_out[(slice(None), *selector)]``; with
  slices the selected units are summed per row;
- a callable taking the layer's value (a Tensor, or a tuple of them for a layer
  with several tensors) and returning one value per row, shape ``(N,)``.

:class:`NeuronGradient`, :class:`NeuronIntegratedGradients` and
:class:`NeuronConductance` attribute the neuron (or, for conductance, the
model's output *through* the neuron) to the input features;
:class:`InternalInfluence` attributes the model's output to a layer's units.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .._validate import is_int
from ..autograd import grad as _autograd_grad
from ..autograd.grad_mode import enable_grad
from ..nn.module import Module
from ..tensor import Tensor
from .base import Inputs, Target, positive_int_arg
from .inputs import ForwardArgs
from .integrated_gradients import path_rule
from .layer_methods import LayerAttribution, LayerConductance

__all__ = [
    "NeuronGradient", "NeuronIntegratedGradients", "NeuronConductance", "InternalInfluence",
]  # fmt: skip

NeuronSelector = int | tuple[int | slice, ...] | Callable[..., Any]


def _check_selector(who: str, selector: Any) -> None:
    if callable(selector) or is_int(selector):
        return
    if isinstance(selector, tuple) and selector and all(
        is_int(s) or isinstance(s, slice) for s in selector
    ):
        return
    raise TypeError(
        f"{who}: neuron_selector must be an int, a tuple of ints / slices (one per axis of the "
        f"layer's value after the batch axis) or a callable returning one value per row, "
        f"got {selector!r}"
    )


def _select(who: str, values: tuple[Any, ...], selector: NeuronSelector) -> Any:
    """The neuron of each row, ``(N,)``, from the layer's value(s) (Tensors or arrays)."""
    if callable(selector):
        return selector(values if len(values) > 1 else values[0])
    if len(values) != 1:
        raise ValueError(
            f"{who}: the layer gives {len(values)} tensors; an index neuron_selector picks from "
            "one: pass a callable selector taking the tuple"
        )
    v = values[0]
    index = (selector,) if is_int(selector) else tuple(selector)
    if len(index) > v.ndim - 1:
        raise ValueError(
            f"{who}: neuron_selector {selector!r} has {len(index)} indices for a layer value of "
            f"shape {tuple(v.shape)} ({v.ndim - 1} axes after the batch axis)"
        )
    picked = v[(slice(None), *index)]
    if any(isinstance(s, slice) for s in index):
        return picked.reshape(picked.shape[0], -1).sum(1)
    return picked


class _NeuronAttribution(LayerAttribution):
    """One layer; gradients of a neuron of it w.r.t. the inputs (and of the output w.r.t. it)."""

    takes_layer_list = False

    def neuron_gradients(
        self,
        xs: Inputs,
        extra: ForwardArgs,
        rows: np.ndarray | None,
        to_input: bool,
        selector: NeuronSelector,
        targets: np.ndarray | None = None,
        through_output: bool = False,
    ) -> tuple[tuple[np.ndarray, ...], np.ndarray | None]:
        """d neuron / d inputs per row and, with ``through_output``, the explained output's
        gradient w.r.t. the neuron, ``(N,)`` (Captum's selection applied to dF/d layer)."""
        seen: list[list[tuple]] = [[]]
        handles = self._hooks(seen, to_input)
        args = extra.at(np.arange(xs[0].shape[0]) if rows is None else rows)
        try:
            with enable_grad():
                ts = [self._to_model(x, requires_grad=True) for x in xs]
                out = self._call(ts, args)
                layer_ts = self._checked(seen, to_input)[0]
                neuron = _select(self._who, layer_ts, selector)
                if not isinstance(neuron, Tensor) or neuron.shape != (xs[0].shape[0],):
                    raise ValueError(
                        f"{self._who}: neuron_selector must give one value per row, shape "
                        f"({xs[0].shape[0]},), got {getattr(neuron, 'shape', type(neuron))}"
                    )
                ones = neuron.xp.ones(neuron.shape, dtype=neuron.dtype)
                gs = _autograd_grad(
                    neuron, ts, grad_outputs=ones, retain_graph=through_output, allow_unused=True
                )
                mid = None
                if through_output:
                    lg = _autograd_grad(
                        out, list(layer_ts), grad_outputs=self._seed(out, targets),
                        allow_unused=True,
                    )  # fmt: skip
                    lg = tuple(
                        Tensor(np.zeros(t.shape, t.dtype)) if g is None else g
                        for t, g in zip(layer_ts, lg)
                    )
                    mid = np.asarray(_select(self._who, lg, selector).numpy())
        finally:
            for h in handles:
                h.remove()
        grads = tuple(
            np.zeros_like(x) if g is None else np.asarray(g.numpy(), dtype=x.dtype).reshape(x.shape)
            for x, g in zip(xs, gs)
        )
        return grads, mid

    def _path(
        self,
        xs: Inputs,
        bs: Inputs,
        alphas: np.ndarray,
        weights: np.ndarray,
        extra: ForwardArgs,
        chunk: int | None,
        to_input: bool,
        selector: NeuronSelector,
        targets: np.ndarray | None,
        through_output: bool,
    ) -> list[np.ndarray]:
        """``sum_k w_k * dN/dx(b + a_k (x - b))`` per input (times dF/dN with ``through_output``),
        float64."""
        n = xs[0].shape[0]
        totals = [np.zeros(x.shape, dtype=np.float64) for x in xs]
        total = len(alphas) * n
        step_rows = total if chunk is None else chunk
        for start in range(0, total, step_rows):
            idx = np.arange(start, min(start + step_rows, total))
            step, row = idx // n, idx % n
            pts = tuple(
                b[row] + alphas[step].reshape((-1,) + (1,) * (x.ndim - 1)).astype(x.dtype)
                * (x[row] - b[row])
                for x, b in zip(xs, bs)
            )
            picked = None if targets is None else targets[row]
            gs, mid = self.neuron_gradients(
                pts, extra, row, to_input, selector, picked, through_output
            )
            for t, g in zip(totals, gs):
                w = weights[step] if mid is None else weights[step] * mid
                np.add.at(t, row, w.reshape((-1,) + (1,) * (g.ndim - 1)) * g)
        return totals


class NeuronGradient(_NeuronAttribution):
    """Gradient of one neuron of a layer w.r.t. the inputs (Captum's ``NeuronGradient``).

    Parameters
    ----------
    model : Module
    layer : str or Module
    device_ids : None

    Examples
    --------
    >>> import glassnet as gn
    >>> from glassnet.explain import NeuronGradient
    >>> model = gn.nn.Sequential(gn.nn.Linear(3, 4), gn.nn.ReLU(), gn.nn.Linear(4, 2))
    >>> NeuronGradient(model, model[0]).attribute(gn.randn(5, 3), 2).shape
    (5, 3)
    """

    def attribute(
        self,
        inputs: Any,
        neuron_selector: NeuronSelector,
        additional_forward_args: Any = None,
        attribute_to_neuron_input: bool = False,
    ) -> Any:
        """d neuron / d inputs, row by row.

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
        _check_selector(self._who, neuron_selector)
        xs, as_tuple = self.prepare_all(inputs)
        extra = ForwardArgs(additional_forward_args, xs[0].shape[0])
        with self.evaluating():
            gs, _ = self.neuron_gradients(
                xs, extra, None, bool(attribute_to_neuron_input), neuron_selector
            )
        return self.pack(list(gs), as_tuple)


class NeuronIntegratedGradients(_NeuronAttribution):
    """Integrated Gradients of one neuron of a layer (Captum's ``NeuronIntegratedGradients``).

    ``(x - b) * integral_0^1 dN/dx at b + a (x - b) da`` for the neuron ``N``,
    with the quadrature ``method`` (see
    :func:`glassnet.explain.integrated_gradients.path_rule`).

    Parameters
    ----------
    model : Module
    layer : str or Module
    device_ids : None
    multiply_by_inputs : bool, default True
        False returns the path integral of the gradient alone.

    Examples
    --------
    >>> import glassnet as gn
    >>> from glassnet.explain import NeuronIntegratedGradients
    >>> model = gn.nn.Sequential(gn.nn.Linear(3, 4), gn.nn.ReLU(), gn.nn.Linear(4, 2))
    >>> NeuronIntegratedGradients(model, model[1]).attribute(gn.randn(5, 3), 0, n_steps=8).shape
    (5, 3)
    """

    def __init__(
        self, model: Module, layer: Any, device_ids: Any = None, multiply_by_inputs: bool = True
    ) -> None:
        super().__init__(model, layer, device_ids)
        self.multiply_by_inputs = bool(multiply_by_inputs)

    def attribute(
        self,
        inputs: Any,
        neuron_selector: NeuronSelector,
        baselines: Any = None,
        additional_forward_args: Any = None,
        n_steps: int = 50,
        method: str = "gausslegendre",
        internal_batch_size: int | None = None,
        attribute_to_neuron_input: bool = False,
    ) -> Any:
        """Integrated gradients of the neuron, row by row (Captum's arguments and order).

        Parameters
        ----------
        inputs : Tensor or ndarray, shape (N, *), or a tuple of them
        neuron_selector : int, tuple of int / slice, or callable
        baselines : None, scalar, array of shape (*) or (N, *), or a tuple (one per input)
        additional_forward_args : any or tuple, optional
        n_steps : int, default 50
        method : str, default 'gausslegendre'
        internal_batch_size : int, optional
            Path points per forward/backward pass (default: all at once).
        attribute_to_neuron_input : bool, default False

        Returns
        -------
        ndarray, shape (N, *), or a tuple of them for tuple inputs
        """
        _check_selector(self._who, neuron_selector)
        return self._integrate(
            inputs, neuron_selector, baselines, None, additional_forward_args, n_steps, method,
            internal_batch_size, bool(attribute_to_neuron_input), through_output=False,
        )  # fmt: skip

    def _integrate(
        self,
        inputs: Any,
        selector: NeuronSelector,
        baselines: Any,
        target: Target,
        additional_forward_args: Any,
        n_steps: int,
        method: str,
        internal_batch_size: int | None,
        to_input: bool,
        through_output: bool,
    ) -> Any:
        alphas, weights = path_rule(method, n_steps)
        chunk = None
        if internal_batch_size is not None:
            chunk = positive_int_arg(self._who, "internal_batch_size", internal_batch_size)
        xs, as_tuple = self.prepare_all(inputs)
        bs = self.prepare_all_baselines(baselines, xs, as_tuple)
        extra = ForwardArgs(additional_forward_args, xs[0].shape[0])
        with self.evaluating():
            targets = self.targets_for(target, xs, extra) if through_output else None
            totals = self._path(xs, bs, alphas, weights, extra, chunk, to_input, selector,
                                targets, through_output)  # fmt: skip
        if self.multiply_by_inputs:
            totals = [t * (x - b) for t, x, b in zip(totals, xs, bs)]
        return self.pack([t.astype(x.dtype) for t, x in zip(totals, xs)], as_tuple)


class NeuronConductance(NeuronIntegratedGradients):
    """Conductance of the inputs through one neuron (Dhamdhere et al., 2018; Captum's
    ``NeuronConductance``).

    ``(x_i - b_i) * integral_0^1 dF/dN * dN/dx_i at b + a (x - b) da``: the
    part of input ``i``'s integrated gradient that flows through the neuron
    ``N``. As in Captum, the default quadrature is ``riemann_trapezoid``
    (with Captum's weights, see
    :func:`glassnet.explain.integrated_gradients.path_rule`); with slices or
    a callable selector ``dF/dN`` is the selector applied to ``dF/d layer``.

    Parameters
    ----------
    model : Module
    layer : str or Module
    device_ids : None
    multiply_by_inputs : bool, default True

    Examples
    --------
    >>> import glassnet as gn
    >>> from glassnet.explain import NeuronConductance
    >>> model = gn.nn.Sequential(gn.nn.Linear(3, 4), gn.nn.ReLU(), gn.nn.Linear(4, 2))
    >>> NeuronConductance(model, model[1]).attribute(gn.randn(5, 3), 2, target=1).shape
    (5, 3)
    """

    def attribute(  # type: ignore[override]
        self,
        inputs: Any,
        neuron_selector: NeuronSelector,
        baselines: Any = None,
        target: Target = None,
        additional_forward_args: Any = None,
        n_steps: int = 50,
        method: str = "riemann_trapezoid",
        internal_batch_size: int | None = None,
        attribute_to_neuron_input: bool = False,
    ) -> Any:
        """Conductance through the neuron, row by row (Captum's arguments and order).

        Parameters
        ----------
        inputs : Tensor or ndarray, shape (N, *), or a tuple of them
        neuron_selector : int, tuple of int / slice, or callable
        baselines : None, scalar, array of shape (*) or (N, *), or a tuple (one per input)
        target : int, sequence of int, tensor or tuple
            Output explained per row (not needed for one-output models).
        additional_forward_args : any or tuple, optional
        n_steps : int, default 50
        method : str, default 'riemann_trapezoid'
        internal_batch_size : int, optional
        attribute_to_neuron_input : bool, default False

        Returns
        -------
        ndarray, shape (N, *), or a tuple of them for tuple inputs
        """
        _check_selector(self._who, neuron_selector)
        return self._integrate(
            inputs, neuron_selector, baselines, target, additional_forward_args, n_steps, method,
            internal_batch_size, bool(attribute_to_neuron_input), through_output=True,
        )  # fmt: skip


class InternalInfluence(LayerConductance):
    """The explained output's gradient w.r.t. a layer, integrated along the input path
    (Leino et al., 2018; Captum's ``InternalInfluence``).

    ``integral_0^1 dF/dA at b + a (x - b) da`` for the layer's activations
    ``A``, with the quadrature ``method``; shaped like the layer's output (or
    input). Unlike :class:`LayerConductance` nothing is multiplied by a
    difference of activations.

    Parameters
    ----------
    model : Module
    layer : str or Module
    device_ids : None

    Examples
    --------
    >>> import glassnet as gn
    >>> from glassnet.explain import InternalInfluence
    >>> model = gn.nn.Sequential(gn.nn.Linear(3, 4), gn.nn.ReLU(), gn.nn.Linear(4, 2))
    >>> InternalInfluence(model, model[1]).attribute(gn.randn(5, 3), target=1, n_steps=8).shape
    (5, 4)
    """

    def attribute(  # type: ignore[override]
        self,
        inputs: Any,
        baselines: Any = None,
        target: Target = None,
        additional_forward_args: Any = None,
        n_steps: int = 50,
        method: str = "gausslegendre",
        internal_batch_size: int | None = None,
        attribute_to_layer_input: bool = False,
    ) -> Any:
        """Internal influence of each unit of the layer, row by row (Captum's arguments).

        Parameters
        ----------
        inputs : Tensor or ndarray, shape (N, *), or a tuple of them
        baselines : None, scalar, array of shape (*) or (N, *), or a tuple (one per input)
        target : int, sequence of int, tensor or tuple
        additional_forward_args : any or tuple, optional
        n_steps : int, default 50
        method : str, default 'gausslegendre'
        internal_batch_size : int, optional
            Path points per forward/backward pass (default: all at once).
        attribute_to_layer_input : bool, default False

        Returns
        -------
        ndarray, shape (N, *layer_shape), or a tuple (a layer with several tensors)
        """
        alphas, weights = path_rule(method, n_steps)
        xs, as_tuple = self.prepare_all(inputs)
        bs = self.prepare_all_baselines(baselines, xs, as_tuple)
        n = xs[0].shape[0]
        chunk = n * len(alphas)
        if internal_batch_size is not None:
            chunk = positive_int_arg(self._who, "internal_batch_size", internal_batch_size)
        extra = ForwardArgs(additional_forward_args, n)
        with self.evaluating():
            targets = self.targets_for(target, xs, extra)
            _, grads = self._along_path(xs, bs, alphas, targets, extra, chunk,
                                        bool(attribute_to_layer_input))  # fmt: skip
        attrs = []
        for g in grads:
            dtype = g.dtype
            g = g.reshape((len(alphas), n) + g.shape[1:]).astype(np.float64)
            w = weights.reshape((-1,) + (1,) * (g.ndim - 1))
            attrs.append((w * g).sum(axis=0).astype(dtype))
        return tuple(attrs) if len(attrs) > 1 else attrs[0]
