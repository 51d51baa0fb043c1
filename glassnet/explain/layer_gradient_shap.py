"""GradientShap on a layer (Captum's ``LayerGradientShap``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..nn.module import Module
from .base import Target, float_arg, positive_int_arg, row_seed
from .gradient_shap import GradientShap, _samples
from .inputs import ForwardArgs, call_baselines, per_input
from .layer_methods import LayerAttribution

__all__ = ["LayerGradientShap"]


class LayerGradientShap(LayerAttribution):
    """GradientShap of a layer's units (Captum's ``LayerGradientShap``).

    Each of ``n_samples`` samples of an example draws a reference row ``b`` of
    ``baselines``, a point ``a`` uniformly in [0, 1] and Gaussian noise ``z``
    (as :class:`~glassnet.explain.GradientShap`, from ``seed``); its attribution
    is ``dF/dA at b + a (x + z - b)`` times ``A(x + z) - A(b)`` for the layer's
    activations ``A``; the result is the mean over the samples.

    Parameters
    ----------
    model : Module
    layer : str or Module
    device_ids : None
    multiply_by_inputs : bool, default True
        False returns the layer gradients alone (averaged).

    Examples
    --------
    >>> import glassnet as gn
    >>> from glassnet.explain import LayerGradientShap
    >>> model = gn.nn.Sequential(gn.nn.Linear(3, 4), gn.nn.ReLU(), gn.nn.Linear(4, 2))
    >>> LayerGradientShap(model, "1").attribute(gn.randn(5, 3), gn.randn(6, 3), target=1).shape
    (5, 4)
    """

    takes_layer_list = False

    def __init__(
        self, model: Module, layer: Any, device_ids: Any = None, multiply_by_inputs: bool = True
    ) -> None:
        super().__init__(model, layer, device_ids)
        self.multiply_by_inputs = bool(multiply_by_inputs)

    def attribute(
        self,
        inputs: Any,
        baselines: Any,
        n_samples: int = 5,
        stdevs: float | tuple[float, ...] = 0.0,
        target: Target = None,
        additional_forward_args: Any = None,
        return_convergence_delta: bool = False,
        attribute_to_layer_input: bool = False,
        *,
        seed: int | np.random.Generator | None = 0,
    ) -> Any:
        """GradientShap attributions of the layer, row by row (Captum's arguments and order;
        ``seed`` is glassnet's).

        Parameters
        ----------
        inputs : Tensor or ndarray, shape (N, *), or a tuple of them
        baselines : array (B, *) or (*), or a scalar; a tuple (one per input); or a callable
            The baseline distribution (see :meth:`GradientShap.attribute`).
        n_samples : int, default 5
        stdevs : float or tuple of float (one per input), default 0.0
        target : int, sequence of int, tensor or tuple
        additional_forward_args : any or tuple, optional
        return_convergence_delta : bool, default False
            Also return, for every sample, ``sum(attributions) - (F(x + z) - F(b))``.
        attribute_to_layer_input : bool, default False
        seed : int, Generator or None, default 0
            Seed of the draws; every example makes the same draws.

        Returns
        -------
        attributions : ndarray, shape (N, *layer_shape), or a tuple (several tensors)
        delta : ndarray, shape (N * n_samples,)
            Only with ``return_convergence_delta=True``: example by example.
        """
        samples = positive_int_arg(self._who, "n_samples", n_samples)
        base_seed = row_seed(self._who, seed)
        baselines = call_baselines(baselines, inputs)
        xs, as_tuple = self.prepare_all(inputs)
        refs = GradientShap._reference_rows(self, baselines, xs, as_tuple)  # type: ignore[arg-type]
        sds = [
            float_arg(self._who, "stdevs", s, positive=False)
            for s in per_input(self._who, "stdevs", stdevs, len(xs), as_tuple)
        ]
        n = xs[0].shape[0]
        rows = np.repeat(np.arange(n), samples)
        starts, ends, points = _samples(xs, refs, sds, samples, base_seed)
        extra = ForwardArgs(additional_forward_args, n)
        to_input = bool(attribute_to_layer_input)
        with self.evaluating():
            targets = self.targets_for(target, xs, extra)
            per_row = None if targets is None else targets[rows]
            _, grads = self.read_layers(points, extra, rows, to_input, per_row, gradients=True)
            each = list(grads[0])
            if self.multiply_by_inputs:
                a_end, _ = self.read_layers(ends, extra, rows, to_input)
                a_start, _ = self.read_layers(starts, extra, rows, to_input)
                each = [g * (e - s) for g, e, s in zip(each, a_end[0], a_start[0])]
            mean = tuple(
                v.reshape((n, samples) + v.shape[1:]).mean(axis=1).astype(v.dtype) for v in each
            )
            result = mean if len(mean) > 1 else mean[0]
            if not return_convergence_delta:
                return result
            f_end = self.select(self.forward(ends, extra=extra, rows=rows), per_row)
            f_start = self.select(self.forward(starts, extra=extra, rows=rows), per_row)
        summed = sum(v.reshape(n * samples, -1).sum(axis=1, dtype=np.float64) for v in each)
        return result, summed - (f_end.astype(np.float64) - f_start)
