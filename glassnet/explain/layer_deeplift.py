"""DeepLift on a layer: Captum's ``LayerDeepLift`` and ``LayerDeepLiftShap``.

The inputs and the baselines go through the model as one batch ``[x; b]`` with
DeepLift's rules on the nonlinear modules (see :mod:`glassnet.explain.deeplift`);
the layer's multipliers are the gradient of the explained outputs w.r.t. the
layer's value for the inputs' half, and the attributions are
``(A(x) - A(b)) * multipliers`` for the layer's activations ``A``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..nn.module import Module
from ..tensor import Tensor
from .base import Inputs, Target
from .deeplift import DeepLiftShap, _custom, _Rows, deeplift_rules
from .inputs import ForwardArgs, call_baselines
from .layer_methods import LayerAttribution
from .module_rules import backward_rules

__all__ = ["LayerDeepLift", "LayerDeepLiftShap"]


class LayerDeepLift(LayerAttribution):
    """DeepLift's rescale rule, attributing to a layer (Captum's ``LayerDeepLift``).

    The attributions of a row add up to about ``F(x) - F(b)`` (exactly for
    models made of linear layers and the ruled modules; the convergence delta
    is the difference).

    Parameters
    ----------
    model : Module
        Nonlinearities must be modules to get DeepLift's rule (as for
        :class:`~glassnet.explain.DeepLift`).
    layer : str or Module
    multiply_by_inputs : bool, default True
        False returns the layer's multipliers alone.

    Examples
    --------
    >>> import glassnet as gn
    >>> from glassnet.explain import LayerDeepLift
    >>> model = gn.nn.Sequential(gn.nn.Linear(3, 4), gn.nn.ReLU(), gn.nn.Linear(4, 2))
    >>> LayerDeepLift(model, model[1]).attribute(gn.randn(5, 3), target=1).shape
    (5, 4)
    """

    takes_layer_list = False

    def __init__(self, model: Module, layer: Any, multiply_by_inputs: bool = True) -> None:
        super().__init__(model, layer)
        self.multiply_by_inputs = bool(multiply_by_inputs)

    def attribute(
        self,
        inputs: Any,
        baselines: Any = None,
        target: Target = None,
        additional_forward_args: Any = None,
        return_convergence_delta: bool = False,
        attribute_to_layer_input: bool = False,
        custom_attribution_func: Callable[..., Any] | None = None,
    ) -> Any:
        """DeepLift attributions of the layer's units, row by row (Captum's arguments).

        Parameters
        ----------
        inputs : Tensor or ndarray, shape (N, *), or a tuple of them
        baselines : None, scalar, array of shape (*), (1, *) or (N, *), or a tuple (one per input)
        target : int, sequence of int, tensor or tuple
        additional_forward_args : any or tuple, optional
        return_convergence_delta : bool, default False
            Also return ``sum(attributions) - (F(x) - F(b))`` per row.
        attribute_to_layer_input : bool, default False
        custom_attribution_func : callable, optional
            ``f(multipliers)``, ``f(multipliers, layer_inputs)`` or
            ``f(multipliers, layer_inputs, layer_baselines)`` (tuples, one entry
            per tensor of the layer) returning the attributions.

        Returns
        -------
        attributions : ndarray, shape (N, *layer_shape), or a tuple (several tensors)
        delta : ndarray, shape (N,)
            Only with ``return_convergence_delta=True``.
        """
        xs, as_tuple = self.prepare_all(inputs)
        bs = self.prepare_all_baselines(baselines, xs, as_tuple)
        n = xs[0].shape[0]
        extra = ForwardArgs(additional_forward_args, n)
        with self.evaluating():
            targets = self.targets_for(target, xs, extra)
            attrs, delta = self._pairs(xs, bs, targets, extra, bool(attribute_to_layer_input),
                                       custom_attribution_func, return_convergence_delta)  # fmt: skip
        result = attrs if len(attrs) > 1 else attrs[0]
        return (result, delta) if return_convergence_delta else result

    def _hooks(self, seen: list[list[tuple]], to_input: bool) -> list[Any]:
        """Read the layer's value and pass the model a copy (as Captum's layer hooks do), so a
        ruled module right after the layer gets its own rule (no ``ReLU -> MaxPool2d``
        chain through the layer's value)."""
        module = self.modules_[0]

        def copy(v: Any) -> Any:
            return v.clone() if isinstance(v, Tensor) else v

        def on_output(mod: Module, args: tuple, out: Any) -> Any:
            many = isinstance(out, (tuple, list))
            seen[0].append(tuple(out) if many else (out,))
            return type(out)(copy(v) for v in out) if many else copy(out)

        def on_input(mod: Module, args: tuple) -> Any:
            seen[0].append(tuple(args))
            return tuple(copy(v) for v in args)

        if to_input:
            return [module.register_forward_pre_hook(on_input)]
        return [module.register_forward_hook(on_output)]

    def _pairs(
        self,
        xs: Inputs,
        bs: Inputs,
        targets: np.ndarray | None,
        extra: ForwardArgs,
        to_input: bool,
        custom: Callable[..., Any] | None,
        with_delta: bool,
    ) -> tuple[tuple[np.ndarray, ...], np.ndarray | None]:
        """Attributions per layer tensor for the (input, baseline) pairs of ``xs``, ``bs``, and
        the deltas ``(N,)`` when asked."""
        n = xs[0].shape[0]
        both = tuple(np.concatenate([x, b]) for x, b in zip(xs, bs))
        rows = np.concatenate([np.arange(n), np.arange(n)])
        twice = None if targets is None else np.concatenate([targets, targets])
        with backward_rules(self.model, deeplift_rules()):
            values, grads = self.read_layers(both, extra, rows, to_input, twice, gradients=True)
        a_x = tuple(v[:n] for v in values[0])
        a_b = tuple(v[n:] for v in values[0])
        mults = tuple(g[:n] for g in grads[0])
        if custom is not None:
            attrs = tuple(np.asarray(a) for a in _custom(custom, mults, a_x, a_b))
        elif self.multiply_by_inputs:
            attrs = tuple((x - b) * m for x, b, m in zip(a_x, a_b, mults))
        else:
            attrs = mults
        if not with_delta:
            return attrs, None
        out = self.forward(both, extra=extra, rows=rows)
        picked = self.select(out, twice).astype(np.float64)
        total = sum(a.reshape(n, -1).sum(axis=1, dtype=np.float64) for a in attrs)
        return attrs, total - (picked[:n] - picked[n:])


class LayerDeepLiftShap(LayerDeepLift):
    """LayerDeepLift averaged over a distribution of baselines (Captum's
    ``LayerDeepLiftShap``).

    Every row is explained against every row of ``baselines`` ``(B, *)``
    (``B > 1``) and the attributions are averaged over the baselines.

    Parameters
    ----------
    model : Module
    layer : str or Module
    multiply_by_inputs : bool, default True

    Examples
    --------
    >>> import glassnet as gn
    >>> from glassnet.explain import LayerDeepLiftShap
    >>> model = gn.nn.Sequential(gn.nn.Linear(3, 4), gn.nn.ReLU(), gn.nn.Linear(4, 2))
    >>> LayerDeepLiftShap(model, "1").attribute(gn.randn(5, 3), gn.randn(4, 3), target=1).shape
    (5, 4)
    """

    def attribute(  # type: ignore[override]
        self,
        inputs: Any,
        baselines: Any,
        target: Target = None,
        additional_forward_args: Any = None,
        return_convergence_delta: bool = False,
        attribute_to_layer_input: bool = False,
        custom_attribution_func: Callable[..., Any] | None = None,
    ) -> Any:
        """LayerDeepLift attributions averaged over the baselines (Captum's arguments).

        Parameters
        ----------
        inputs : Tensor or ndarray, shape (N, *), or a tuple of them
        baselines : array (B, *) with B > 1, a tuple of them, or a callable
            The baseline distribution (a callable is called first, as in Captum).
        target, additional_forward_args, attribute_to_layer_input, custom_attribution_func
            As in :meth:`LayerDeepLift.attribute`.
        return_convergence_delta : bool, default False
            Also return the delta of every (row, baseline) pair, shape
            ``(N * B,)``, all baselines of row 0 first.

        Returns
        -------
        attributions : ndarray, shape (N, *layer_shape), or a tuple (several tensors)
        delta : ndarray, shape (N * B,)
            Only with ``return_convergence_delta=True``.
        """
        baselines = call_baselines(baselines, inputs)
        xs, as_tuple = self.prepare_all(inputs)
        n = xs[0].shape[0]
        dist = DeepLiftShap._distribution(self, baselines, xs, as_tuple)  # type: ignore[arg-type]
        k = dist[0].shape[0]
        rows = np.repeat(np.arange(n), k)
        big_x = tuple(x[rows] for x in xs)
        big_b = tuple(np.tile(b, (n,) + (1,) * (b.ndim - 1)) for b in dist)
        extra = ForwardArgs(additional_forward_args, n)
        with self.evaluating():
            targets = self.targets_for(target, xs, extra)
            big_t = None if targets is None else targets[rows]
            attrs, delta = self._pairs(big_x, big_b, big_t, _Rows(extra, rows),
                                       bool(attribute_to_layer_input), custom_attribution_func,
                                       return_convergence_delta)  # fmt: skip
        mean = tuple(a.reshape((n, k) + a.shape[1:]).mean(axis=1) for a in attrs)
        result = mean if len(mean) > 1 else mean[0]
        return (result, delta) if return_convergence_delta else result
