"""Layer attributions as Captum computes them: activations, gradient x activation, conductance.

Each method reads one layer (or, for :class:`LayerActivation` and
:class:`LayerGradientXActivation`, a list of layers) of the model: its output,
or with ``attribute_to_layer_input=True`` its positional inputs. A layer that
returns (or takes) several tensors gets a tuple of attributions, one per
tensor; a list of layers gets a list, one entry per layer. A layer called
several times in one forward pass is read at its last call, as in Captum.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..autograd import grad as _autograd_grad
from ..autograd.grad_mode import enable_grad, no_grad
from ..nn.module import Module
from ..ops.resize import interpolate as _interpolate
from ..tensor import Tensor
from .base import Attribution, Inputs, Target, positive_int_arg
from .inputs import ForwardArgs
from .integrated_gradients import path_rule
from .layer_integrated_gradients import submodule_name

__all__ = [
    "LayerAttribution", "LayerActivation", "LayerGradientXActivation", "LayerConductance",
    "LayerGradCam",
]  # fmt: skip

#: Per layer: the tensors it gave (its output, or its inputs), as host arrays.
LayerValues = list[tuple[np.ndarray, ...]]


class LayerAttribution(Attribution):
    """Base of the layer methods: the model, the layer(s) and a forward pass that reads them.

    Parameters
    ----------
    model : Module
    layer : str, Module, or a list of them
        Dotted names (``model.named_modules()`` lists them) or submodules.
    device_ids : None
        Accepted for Captum's signature; must be None.
    """

    #: Whether a list of layers is accepted (Captum's ``ModuleOrModuleList``).
    takes_layer_list: bool = True

    def __init__(self, model: Module, layer: Any, device_ids: Any = None) -> None:
        super().__init__(model)
        if not isinstance(model, Module):
            raise TypeError(
                f"{self._who}: model must be a glassnet Module, got {type(model).__name__}"
            )
        if device_ids is not None:
            raise ValueError(f"{self._who}: device_ids must be None, got {device_ids!r}")
        self.is_list = isinstance(layer, (list, tuple))
        if self.is_list and (not self.takes_layer_list or not layer):
            raise TypeError(
                f"{self._who}: layer must be one layer (a name or a submodule), got {layer!r}"
            )
        names = [submodule_name(self._who, model, m) for m in (layer if self.is_list else [layer])]
        self.layers = names
        self.modules_ = [model.get_submodule(n) for n in names]

    def __repr__(self) -> str:
        shown = self.layers if self.is_list else self.layers[0]
        return f"{self._who}(model={type(self.model).__name__}, layer={shown!r})"

    @staticmethod
    def interpolate(
        layer_attribution: Any,
        interpolate_dims: int | tuple[int, ...],
        interpolate_mode: str = "nearest",
    ) -> np.ndarray:
        """Resize layer attributions ``(N, C, *spatial)`` to ``interpolate_dims``, as Captum's
        ``LayerAttribution.interpolate`` (``F.interpolate(attr, dims, mode=...)``).

        Parameters
        ----------
        layer_attribution : ndarray or Tensor, shape (N, C, L), (N, C, H, W) or (N, C, D, H, W)
        interpolate_dims : int or tuple of int
            The new spatial size.
        interpolate_mode : str, default 'nearest'
            ``'nearest'``, ``'area'``, ``'linear'`` (3-D), ``'bilinear'`` or
            ``'bicubic'`` (4-D), ``'trilinear'`` (5-D).

        Returns
        -------
        ndarray, shape (N, C, *interpolate_dims)
        """
        t = Tensor(np.asarray(layer_attribution))
        with no_grad():
            return _interpolate(t, interpolate_dims, mode=interpolate_mode).numpy()

    # ------------------------------------------------------------ reading
    def _hooks(self, seen: list[list[tuple[Tensor, ...]]], to_input: bool) -> list[Any]:
        def reader(k: int) -> Any:
            def hook(module: Module, args: tuple, out: Any) -> None:
                value = args if to_input else out
                seen[k].append(tuple(value) if isinstance(value, (tuple, list)) else (value,))

            return hook

        return [m.register_forward_hook(reader(k)) for k, m in enumerate(self.modules_)]

    def _checked(self, seen: list[list[tuple]], to_input: bool) -> list[tuple[Tensor, ...]]:
        where = "inputs" if to_input else "output"
        values = []
        for name, calls in zip(self.layers, seen):
            if not calls:
                raise RuntimeError(
                    f"{self._who}: layer {name!r} was not called during the forward pass"
                )
            last = calls[-1]
            if not last or not all(isinstance(v, Tensor) for v in last):
                kinds = [type(v).__name__ for v in last]
                raise ValueError(
                    f"{self._who}: layer {name!r} gives {where} {kinds}; expected tensors "
                    "(a layer returning nested tuples, such as an LSTM, is not supported: "
                    "pick a layer after it)"
                )
            values.append(last)
        return values

    def _check_differentiable(self, layer_ts: list[tuple[Tensor, ...]], to_input: bool) -> None:
        """Refuse a layer value with no gradient (token ids entering an embedding)."""
        where = "input" if to_input else "output"
        for name, ts in zip(self.layers, layer_ts):
            for t in ts:
                if not t.requires_grad:
                    raise ValueError(
                        f"{self._who}: the {where} of layer {name!r} ({t.dtype} values of shape "
                        f"{tuple(t.shape)}) has no gradient, e.g. token ids; attribute to the "
                        "layer's output (attribute_to_layer_input=False) or use "
                        "LayerIntegratedGradients on the embedding layer"
                    )

    def read_layers(
        self,
        xs: Inputs,
        extra: ForwardArgs,
        rows: np.ndarray | None,
        to_input: bool,
        targets: np.ndarray | None = None,
        gradients: bool = False,
    ) -> tuple[LayerValues, LayerValues | None]:
        """The layers' values for inputs ``xs`` and, with ``gradients``, the gradient of each
        row's explained output (``targets``) w.r.t. them; host arrays per layer and tensor."""
        seen: list[list[tuple]] = [[] for _ in self.modules_]
        handles = self._hooks(seen, to_input)
        args = extra.at(np.arange(xs[0].shape[0]) if rows is None else rows)
        try:
            with enable_grad() if gradients else no_grad():
                ts = [
                    self._to_model(x, requires_grad=gradients and x.dtype.kind == "f") for x in xs
                ]
                out = self._call(ts, args)
                layer_ts = self._checked(seen, to_input)
                grads = None
                if gradients:
                    self._check_differentiable(layer_ts, to_input)
                    flat = [t for ts in layer_ts for t in ts]
                    gs = _autograd_grad(
                        out, flat, grad_outputs=self._seed(out, targets), allow_unused=True
                    )
                    arrays = [
                        np.zeros(t.shape, t.dtype) if g is None else g.numpy()
                        for t, g in zip(flat, gs)
                    ]
                    grads = self._regroup(arrays, layer_ts)
        finally:
            for h in handles:
                h.remove()
        values = self._regroup([t.numpy() for ts in layer_ts for t in ts], layer_ts)
        return values, grads

    @staticmethod
    def _regroup(flat: list[np.ndarray], like: list[tuple]) -> LayerValues:
        out, k = [], 0
        for ts in like:
            out.append(tuple(np.asarray(a) for a in flat[k : k + len(ts)]))
            k += len(ts)
        return out

    def format_layers(self, per_layer: Sequence[Sequence[np.ndarray]]) -> Any:
        """Captum's form: per layer one array (or a tuple for several tensors); a list
        for a list of layers."""
        each = [tuple(v) if len(v) > 1 else v[0] for v in per_layer]
        return each if self.is_list else each[0]


class LayerActivation(LayerAttribution):
    """A layer's activations (Captum's ``LayerActivation``).

    Parameters
    ----------
    model : Module
    layer : str, Module, or a list of them
    device_ids : None

    Examples
    --------
    >>> import glassnet as gn
    >>> from glassnet.explain import LayerActivation
    >>> model = gn.nn.Sequential(gn.nn.Linear(3, 4), gn.nn.ReLU(), gn.nn.Linear(4, 2))
    >>> LayerActivation(model, model[1]).attribute(gn.randn(5, 3)).shape
    (5, 4)
    """

    keeps_integer_inputs = True  # token ids go to the model as they are

    def attribute(
        self,
        inputs: Any,
        additional_forward_args: Any = None,
        attribute_to_layer_input: bool = False,
    ) -> Any:
        """The layer's output (or inputs) for each row.

        Parameters
        ----------
        inputs : Tensor or ndarray, shape (N, *), or a tuple of them
        additional_forward_args : any or tuple, optional
        attribute_to_layer_input : bool, default False
            Return the layer's positional inputs instead of its output.

        Returns
        -------
        ndarray, shape (N, *layer_shape)
            A tuple for a layer with several output (input) tensors; a list,
            one entry per layer, for a list of layers.
        """
        xs, _ = self.prepare_all(inputs)
        extra = ForwardArgs(additional_forward_args, xs[0].shape[0])
        with self.evaluating():
            values, _ = self.read_layers(xs, extra, None, bool(attribute_to_layer_input))
        return self.format_layers(values)


class LayerGradientXActivation(LayerAttribution):
    """A layer's activations times the gradient of the explained output w.r.t. them
    (Captum's ``LayerGradientXActivation``).

    Parameters
    ----------
    model : Module
    layer : str, Module, or a list of them
    device_ids : None
    multiply_by_inputs : bool, default True
        False returns the layer gradient alone.

    Examples
    --------
    >>> import glassnet as gn
    >>> from glassnet.explain import LayerGradientXActivation
    >>> model = gn.nn.Sequential(gn.nn.Linear(3, 4), gn.nn.ReLU(), gn.nn.Linear(4, 2))
    >>> LayerGradientXActivation(model, model[1]).attribute(gn.randn(5, 3), target=0).shape
    (5, 4)
    """

    keeps_integer_inputs = True  # token ids go to the model as they are (the layer is read)

    def __init__(
        self, model: Module, layer: Any, device_ids: Any = None, multiply_by_inputs: bool = True
    ) -> None:
        super().__init__(model, layer, device_ids)
        self.multiply_by_inputs = bool(multiply_by_inputs)

    def attribute(
        self,
        inputs: Any,
        target: Target = None,
        additional_forward_args: Any = None,
        attribute_to_layer_input: bool = False,
    ) -> Any:
        """Gradient x activation of the layer, row by row.

        Parameters
        ----------
        inputs : Tensor or ndarray, shape (N, *), or a tuple of them
        target : int, sequence of int, tensor or tuple
            Output explained per row (not needed for one-output models).
        additional_forward_args : any or tuple, optional
        attribute_to_layer_input : bool, default False

        Returns
        -------
        ndarray, shape (N, *layer_shape)
            A tuple / list as for :class:`LayerActivation`.
        """
        xs, _ = self.prepare_all(inputs)
        extra = ForwardArgs(additional_forward_args, xs[0].shape[0])
        with self.evaluating():
            targets = self.targets_for(target, xs, extra)
            values, grads = self.read_layers(
                xs, extra, None, bool(attribute_to_layer_input), targets, gradients=True
            )
        if not self.multiply_by_inputs:
            return self.format_layers(grads)
        return self.format_layers(
            [tuple(g * v for g, v in zip(gl, vl)) for gl, vl in zip(grads, values)]
        )


class LayerConductance(LayerAttribution):
    """Conductance of a layer's units (Dhamdhere et al., 2018; Captum's ``LayerConductance``).

    Along the straight path from the baselines to the inputs, evaluated at
    ``n_steps + 1`` points ``alpha_0 < ... < alpha_n`` of the quadrature
    ``method``: ``sum_k dF/dA(alpha_k) * (A(alpha_{k+1}) - A(alpha_k))`` for
    the layer's activations ``A``, as Captum computes it. The attributions of
    a row add up to about ``F(x) - F(b)``.

    Parameters
    ----------
    model : Module
    layer : str or Module
    device_ids : None

    Examples
    --------
    >>> import glassnet as gn
    >>> from glassnet.explain import LayerConductance
    >>> model = gn.nn.Sequential(gn.nn.Linear(3, 4), gn.nn.ReLU(), gn.nn.Linear(4, 2))
    >>> LayerConductance(model, model[1]).attribute(gn.randn(5, 3), target=1, n_steps=10).shape
    (5, 4)
    """

    takes_layer_list = False

    def attribute(
        self,
        inputs: Any,
        baselines: Any = None,
        target: Target = None,
        additional_forward_args: Any = None,
        n_steps: int = 50,
        method: str = "gausslegendre",
        internal_batch_size: int | None = None,
        return_convergence_delta: bool = False,
        attribute_to_layer_input: bool = False,
    ) -> Any:
        """Conductance of each unit of the layer, row by row.

        The arguments are Captum's, in Captum's order.

        Parameters
        ----------
        inputs : Tensor or ndarray, shape (N, *), or a tuple of them
        baselines : None, scalar, array of shape (*) or (N, *), or a tuple (one per input)
        target : int, sequence of int, tensor or tuple
        additional_forward_args : any or tuple, optional
        n_steps : int, default 50
            The path has ``n_steps + 1`` points.
        method : str, default 'gausslegendre'
            See :func:`glassnet.explain.integrated_gradients.path_rule`.
        internal_batch_size : int, optional
            Rows per forward/backward pass (default: all path points at once).
        return_convergence_delta : bool, default False
            Also return ``sum(attributions) - (F(x) - F(b))`` per row.
        attribute_to_layer_input : bool, default False

        Returns
        -------
        attributions : ndarray, shape (N, *layer_shape), or a tuple (several tensors)
        delta : ndarray, shape (N,)
            Only with ``return_convergence_delta=True``.
        """
        n_steps = positive_int_arg(self._who, "n_steps", n_steps)
        alphas, _ = path_rule(method, n_steps + 1)
        xs, _ = self.prepare_all(inputs)
        bs = self.prepare_all_baselines(baselines, xs, isinstance(inputs, tuple))
        n = xs[0].shape[0]
        chunk = n * (n_steps + 1)
        if internal_batch_size is not None:
            chunk = positive_int_arg(self._who, "internal_batch_size", internal_batch_size)
        extra = ForwardArgs(additional_forward_args, n)
        with self.evaluating():
            targets = self.targets_for(target, xs, extra)
            values, grads = self._along_path(xs, bs, alphas, targets, extra, chunk,
                                             bool(attribute_to_layer_input))  # fmt: skip
            gap = None
            if return_convergence_delta:
                out = self.forward(xs, internal_batch_size, extra)
                out_b = self.forward(bs, internal_batch_size, extra)
                gap = self.select(out, targets).astype(np.float64) - self.select(out_b, targets)
        attrs = []
        for a, g in zip(values, grads):
            a = a.reshape((n_steps + 1, n) + a.shape[1:])
            g = g.reshape(a.shape).astype(np.float64)
            attrs.append((g[:-1] * (a[1:] - a[:-1])).sum(axis=0).astype(a.dtype))
        result = tuple(attrs) if len(attrs) > 1 else attrs[0]
        if gap is None:
            return result
        total = sum(a.reshape(n, -1).sum(axis=1, dtype=np.float64) for a in attrs)
        return result, total - gap

    def _along_path(
        self,
        xs: Inputs,
        bs: Inputs,
        alphas: np.ndarray,
        targets: np.ndarray | None,
        extra: ForwardArgs,
        chunk: int,
        to_input: bool,
    ) -> tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...]]:
        """The layer's values and gradients at every path point, rows ordered point-major
        (row ``k * N + i`` is point ``k`` of example ``i``)."""
        n = xs[0].shape[0]
        total = len(alphas) * n
        vals: list[list[np.ndarray]] = []
        grads: list[list[np.ndarray]] = []
        for start in range(0, total, chunk):
            idx = np.arange(start, min(start + chunk, total))
            step, row = idx // n, idx % n
            pts = []
            for x, b in zip(xs, bs):
                a = alphas[step].reshape((-1,) + (1,) * (x.ndim - 1)).astype(x.dtype)
                pts.append(b[row] + a * (x[row] - b[row]))
            picked = None if targets is None else targets[row]
            v, g = self.read_layers(tuple(pts), extra, row, to_input, picked, gradients=True)
            vals.append(list(v[0]))
            grads.append(list(g[0]))
        join = lambda parts: tuple(np.concatenate(p) for p in zip(*parts))  # noqa: E731
        return join(vals), join(grads)


class LayerGradCam(LayerAttribution):
    """Captum's ``LayerGradCam``: Grad-CAM at the layer's resolution, Captum's defaults.

    For the layer's output ``A`` ``(N, K, *spatial)`` and the explained score
    ``y``: ``sum_k mean_spatial(dy/dA_k) * A_k``, shape ``(N, 1, *spatial)``, with
    no ReLU and no upsampling unless asked (:class:`GradCAM` has the paper's
    defaults: ReLU and upsampling to the input). A layer without spatial axes
    (``(N, K)``) uses the gradient itself as the weights.

    Parameters
    ----------
    model : Module
    layer : str or Module
    device_ids : None

    Examples
    --------
    >>> import glassnet as gn
    >>> from glassnet.explain import LayerGradCam
    >>> model = gn.nn.Sequential(gn.nn.Conv2d(1, 2, 3), gn.nn.Flatten(), gn.nn.Linear(8, 2))
    >>> LayerGradCam(model, model[0]).attribute(gn.randn(3, 1, 4, 4), target=1).shape
    (3, 1, 2, 2)
    """

    takes_layer_list = False

    def attribute(
        self,
        inputs: Any,
        target: Target = None,
        additional_forward_args: Any = None,
        attribute_to_layer_input: bool = False,
        relu_attributions: bool = False,
        attr_dim_summation: bool = True,
    ) -> Any:
        """Grad-CAM maps of the layer, row by row.

        Parameters
        ----------
        inputs : Tensor or ndarray, shape (N, *), or a tuple of them
        target : int, sequence of int, tensor or tuple
        additional_forward_args : any or tuple, optional
        attribute_to_layer_input : bool, default False
        relu_attributions : bool, default False
            Keep only the positive part (the paper's ReLU).
        attr_dim_summation : bool, default True
            False keeps one map per channel, ``(N, K, *spatial)``.

        Returns
        -------
        ndarray, shape (N, 1, *spatial), or a tuple (a layer with several tensors)
        """
        xs, _ = self.prepare_all(inputs)
        extra = ForwardArgs(additional_forward_args, xs[0].shape[0])
        with self.evaluating():
            targets = self.targets_for(target, xs, extra)
            values, grads = self.read_layers(
                xs, extra, None, bool(attribute_to_layer_input), targets, gradients=True
            )
        maps = []
        for a, g in zip(values[0], grads[0]):
            weights = g.mean(axis=tuple(range(2, g.ndim)), keepdims=True) if g.ndim > 2 else g
            cam = weights * a
            if attr_dim_summation:
                cam = cam.sum(axis=1, keepdims=True)
            maps.append(np.maximum(cam, 0) if relu_attributions else cam)
        return self.format_layers([maps])
