"""Layer Integrated Gradients: Integrated Gradients on a layer's output (or input).

The path runs between the layer's activations for the baselines and for the
inputs; the model is evaluated on the inputs with the layer's value replaced by
each point of the path. This explains models whose inputs cannot be
interpolated, such as token ids read by an ``Embedding``: attributions come per
embedding coordinate, ``(N, T, D)``, and ``attr.sum(-1)`` gives one per token.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import grad as _autograd_grad
from ..autograd.grad_mode import enable_grad, no_grad
from ..nn.module import Module
from ..tensor import Tensor
from .base import Attribution, Inputs, Target, positive_int_arg
from .inputs import ForwardArgs
from .integrated_gradients import path_rule

__all__ = ["LayerIntegratedGradients"]


def submodule_name(who: str, model: Module, layer: str | Module) -> str:
    """The dotted name of ``layer`` (a name or a submodule) in ``model``, or an error naming
    ``who`` and what was given."""
    if isinstance(layer, Module):
        for name, m in model.named_modules():
            if m is layer and name:
                return name
        raise ValueError(
            f"{who}: layer {type(layer).__name__} is not a submodule of the model "
            f"{type(model).__name__}"
        )
    if not isinstance(layer, str):
        raise TypeError(
            f"{who}: layer must be a module name (str) or a submodule of the model, got {layer!r}"
        )
    names = [n for n, _ in model.named_modules() if n]
    if layer not in names:
        shown = ", ".join(names[:12]) + (", ..." if len(names) > 12 else "")
        raise ValueError(
            f"{who}: {type(model).__name__} has no layer {layer!r}; its layers are: {shown}"
        )
    return layer


class LayerIntegratedGradients(Attribution):
    """Integrated Gradients of a layer's activations (Captum's ``LayerIntegratedGradients``).

    With ``A(x)`` the layer's output (or input) for inputs ``x`` and baselines
    ``b``: ``attr = (A(x) - A(b)) * integral_0^1 dF/dA at A(b) + a (A(x) - A(b)) da``,
    where ``F`` is evaluated on the inputs ``x`` with the layer's value replaced
    by the path point. The attributions of a row add up to ``F(x) - F(b)``
    (up to the quadrature error, returned as the convergence delta).

    Parameters
    ----------
    model : Module
    layer : str or Module
        The layer: its dotted name (``model.named_modules()`` lists them) or the
        submodule itself. It must be called once per forward pass and return
        (or, with ``attribute_to_layer_input=True``, take as positional inputs)
        tensors ``(N, *)``: one, or a flat tuple of them (each gets its own
        attributions, as in Captum). A list of layers, as in Captum, replaces every layer's
        value along the path at once (the same step) and gives a list of
        attributions, one per layer; the delta then sums over all of them.
    device_ids : None
        Accepted for Captum's signature and order; must be None (a bool here is
        read as ``multiply_by_inputs``, glassnet's earlier third argument).
    multiply_by_inputs : bool, default True
        False returns the path integral of the gradient alone, without the
        factor ``A(x) - A(b)`` (Captum's option).

    Examples
    --------
    >>> import glassnet as gn
    >>> from glassnet.explain import LayerIntegratedGradients
    >>> model = gn.nn.Sequential(gn.nn.Embedding(20, 4), gn.nn.Flatten(), gn.nn.Linear(12, 2))
    >>> ids = gn.tensor([[3, 7, 1], [5, 0, 2]])
    >>> lig = LayerIntegratedGradients(model, model[0])
    >>> lig.attribute(ids, baselines=0, target=1, n_steps=8).shape   # per token and coordinate
    (2, 3, 4)
    """

    keeps_integer_inputs = True  # token ids go to the model as they are

    def __init__(
        self,
        model: Module,
        layer: str | Module,
        device_ids: Any = None,
        multiply_by_inputs: bool = True,
    ) -> None:
        super().__init__(model)
        if not isinstance(model, Module):
            raise TypeError(
                f"LayerIntegratedGradients: model must be a glassnet Module, got "
                f"{type(model).__name__}"
            )
        if isinstance(device_ids, bool):  # glassnet's earlier (model, layer, multiply_by_inputs)
            device_ids, multiply_by_inputs = None, device_ids
        if device_ids is not None:
            raise ValueError(
                f"LayerIntegratedGradients: device_ids must be None, got {device_ids!r}"
            )
        if isinstance(layer, tuple):
            raise TypeError(
                f"LayerIntegratedGradients: layers must be one layer or a list of them (Captum's "
                f"form), got a tuple of {len(layer)}"
            )
        self.is_list = isinstance(layer, list)
        if self.is_list and not layer:
            raise ValueError("LayerIntegratedGradients: the list of layers is empty")
        self.layers = [submodule_name(self._who, model, m) for m in (layer if self.is_list else [layer])]
        self.modules = [model.get_submodule(name) for name in self.layers]
        self.layer = self.layers if self.is_list else self.layers[0]
        self.module = self.modules if self.is_list else self.modules[0]
        self.multiply_by_inputs = bool(multiply_by_inputs)

    def __repr__(self) -> str:
        return f"LayerIntegratedGradients(model={type(self.model).__name__}, layer={self.layer!r})"

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
        """Integrated gradients of the layer's activations, row by row.

        The arguments are Captum's, in Captum's order.

        Parameters
        ----------
        inputs : Tensor or ndarray, shape (N, *), or a tuple of them
            Integer inputs (token ids) are passed to the model as they are.
        baselines : None, scalar, array of shape (*) or (N, *), or a tuple (one per input)
            The inputs whose layer activations start the path (None: zeros;
            whole numbers for integer inputs, e.g. a padding id).
        target : int or sequence of int
            Output explained per row (not needed for one-output models).
        additional_forward_args : any or tuple, optional
            Passed to the model after the inputs (see :mod:`glassnet.explain.inputs`).
        n_steps : int, default 50
        method : str, default 'gausslegendre'
            Quadrature rule, see :func:`glassnet.explain.integrated_gradients.path_rule`.
        internal_batch_size : int, optional
            Path points per forward/backward pass (default: all at once).
        return_convergence_delta : bool, default False
            Also return ``sum(attributions) - (F(x) - F(baselines))`` per row.
        attribute_to_layer_input : bool, default False
            Use the layer's positional inputs instead of its output.

        Returns
        -------
        attributions : ndarray, shape (N, *layer_shape)
            The layer's output (or input) shape; a tuple of them for a layer giving
            several tensors; for a list of layers, a list (one entry per layer).
        delta : ndarray, shape (N,)
            Only with ``return_convergence_delta=True``.
        """
        alphas, weights = path_rule(method, n_steps)
        if internal_batch_size is not None:
            positive_int_arg(self._who, "internal_batch_size", internal_batch_size)
        xs, as_tuple = self.prepare_all(inputs)
        bs = self.prepare_all_baselines(baselines, xs, as_tuple)
        n = xs[0].shape[0]
        extra = ForwardArgs(additional_forward_args, n)
        to_input = bool(attribute_to_layer_input)
        with self.evaluating():
            out_x = self.forward(xs, internal_batch_size, extra)
            targets = self.resolve_target(target, out_x)
            a_x, counts = self._activation(xs, extra, to_input)
            a_b, _ = self._activation(bs, extra, to_input)
            dtypes = [a.dtype for a in a_x]  # the layers', given to the model along the path
            a_x = [a.astype(np.float64) for a in a_x]
            a_b = [a.astype(np.float64) for a in a_b]
            totals = self._path_integral(
                alphas, weights, xs, (a_b, [ax - ab for ax, ab in zip(a_x, a_b)]), targets,
                extra, to_input, counts, internal_batch_size, dtypes,
            )  # fmt: skip
            out_b = (
                self.forward(bs, internal_batch_size, extra) if return_convergence_delta else None
            )
        fulls = [
            t * (ax - ab) if self.multiply_by_inputs else t for t, ax, ab in zip(totals, a_x, a_b)
        ]
        attrs = [f.astype(d) for f, d in zip(fulls, dtypes)]
        per_layer, k = [], 0  # a layer giving several tensors gets a tuple, as in Captum
        for c in counts:
            per_layer.append(attrs[k] if c == 1 else tuple(attrs[k : k + c]))
            k += c
        attr = per_layer if self.is_list else per_layer[0]
        if out_b is None:
            return attr
        gap = self.select(out_x, targets).astype(np.float64) - self.select(out_b, targets)
        # of the attributions returned, as Captum (without multiply_by_inputs, not a gap)
        return attr, sum(f.reshape(n, -1).sum(axis=1) for f in fulls) - gap

    # ------------------------------------------------------------- the layer
    def _hooked_all(
        self, replace: list[Any] | None, to_input: bool, counts: list[int] | None = None
    ) -> tuple[list, list]:
        """:meth:`_hooked` on every layer: the lists they record into and the handles;
        ``replace`` is the flat list of all layers' values, ``counts[i]`` of them layer i's."""
        parts: list[Any] = [None] * len(self.modules)
        if replace is not None:
            ends = np.cumsum(counts)
            parts = [tuple(replace[e - c : e]) for c, e in zip(counts, ends)]
        pairs = [self._hooked(m, r, to_input) for m, r in zip(self.modules, parts)]
        return [p[0] for p in pairs], [p[1] for p in pairs]

    @staticmethod
    def _hooked(module: Module, replace: Any, to_input: bool) -> tuple[list[Any], Any]:
        """Register a hook on ``module`` that records its value (its output, or the tuple of
        its positional inputs) and replaces it by the tuple ``replace`` unless None; return
        the list it records into and the handle."""
        seen: list[Any] = []

        def on_output(module: Module, args: tuple, output: Any) -> Any:
            seen.append(output)
            if replace is None:
                return None
            return tuple(replace) if isinstance(output, (tuple, list)) else replace[0]

        def on_input(module: Module, args: tuple) -> Any:
            seen.append(args)
            return None if replace is None else (*replace, *args[len(replace) :])

        if to_input:
            return seen, module.register_forward_pre_hook(on_input)
        return seen, module.register_forward_hook(on_output)

    def _checked(self, seen: list[Any], to_input: bool, n: int, name: str) -> tuple[Tensor, ...]:
        """The layer's tensors (one, or those of a flat tuple) from its one recorded call."""
        where = "inputs" if to_input else "output"
        if len(seen) != 1:
            raise ValueError(
                f"{self._who}: layer {name!r} was called {len(seen)} times in one forward "
                "pass; expected once (its value is replaced along the path)"
            )
        value = seen[0]
        values = tuple(value) if isinstance(value, (tuple, list)) else (value,)
        if not values or any(
            not isinstance(v, Tensor) or v.ndim == 0 or v.shape[0] != n for v in values
        ):
            got = [getattr(v, "shape", type(v).__name__) for v in values]
            raise ValueError(
                f"{self._who}: layer {name!r} gives {where} {got}; expected tensors (N, *) with "
                f"N = {n} rows, or a flat tuple of them (a layer giving nested tuples, such as "
                "an LSTM, is not supported: pick a layer after it)"
            )
        return values

    def _activation(
        self, xs: Inputs, extra: ForwardArgs, to_input: bool
    ) -> tuple[list[np.ndarray], list[int]]:
        """The layers' output (or input) tensors for inputs ``xs``, as one flat list of host
        arrays of their dtype, and how many of them each layer gives."""
        seens, handles = self._hooked_all(None, to_input)
        try:
            with no_grad():
                self._call([self._to_model(v) for v in xs], extra.at(np.arange(xs[0].shape[0])))
        finally:
            for handle in handles:
                handle.remove()
        out, counts = [], []
        for seen, name in zip(seens, self.layers):
            values = self._checked(seen, to_input, xs[0].shape[0], name)
            for value in values:
                if value.dtype.kind != "f":
                    raise ValueError(
                        f"{self._who}: layer {name!r} has {'input' if to_input else 'output'} "
                        f"of dtype {value.dtype}; a path can only run through floating values "
                        "(for token ids, pick the embedding layer's output)"
                    )
                out.append(np.asarray(value.numpy()))
            counts.append(len(values))
        return out, counts

    def _path_integral(
        self,
        alphas: np.ndarray,
        weights: np.ndarray,
        xs: Inputs,
        path: tuple[list[np.ndarray], list[np.ndarray]],
        targets: np.ndarray | None,
        extra: ForwardArgs,
        to_input: bool,
        counts: list[int],
        internal_batch_size: int | None,
        dtypes: list[np.dtype],
    ) -> list[np.ndarray]:
        """``integral_0^1 dF/dA at A(b) + a (A(x) - A(b)) da`` per row and layer tensor,
        float64; ``path`` is ``(A(b), A(x) - A(b))`` per tensor (``counts[i]`` of them layer
        i's) and ``dtypes`` the tensors'."""
        a_bs, diffs = path
        n = xs[0].shape[0]
        totals = [np.zeros(a_b.shape) for a_b in a_bs]
        n_points = len(alphas) * n
        chunk = n_points if internal_batch_size is None else internal_batch_size
        for start in range(0, n_points, chunk):
            idx = np.arange(start, min(start + chunk, n_points))
            step, row = idx // n, idx % n
            shapes = [(-1,) + (1,) * (a_b.ndim - 1) for a_b in a_bs]
            points = [
                (a_b[row] + alphas[step].reshape(s) * d[row]).astype(dt)
                for a_b, d, s, dt in zip(a_bs, diffs, shapes, dtypes)
            ]
            gs = self._layer_gradient(
                points, [v[row] for v in xs], targets, extra, row, (to_input, counts)
            )
            for total, g, s in zip(totals, gs, shapes):
                np.add.at(total, row, weights[step].reshape(s) * g)
        return totals

    def _layer_gradient(
        self,
        points: list[np.ndarray],
        xs: list[np.ndarray],
        targets: np.ndarray | None,
        extra: ForwardArgs,
        row: np.ndarray,
        reading: tuple[bool, list[int]],
    ) -> list[np.ndarray]:
        """d(explained output)/d(layer tensor) with each layer tensor set to its point;
        ``reading`` is ``(attribute_to_layer_input, tensors per layer)``."""
        to_input, counts = reading
        with enable_grad():
            values = [self._to_model(p, requires_grad=True) for p in points]
            seens, handles = self._hooked_all(values, to_input, counts)
            try:
                out = self._call([self._to_model(v) for v in xs], extra.at(row))
            finally:
                for handle in handles:
                    handle.remove()
            for seen, name in zip(seens, self.layers):
                self._checked(seen, to_input, len(row), name)
            picked = None if targets is None else targets[row]
            gs = _autograd_grad(
                out, values, grad_outputs=self._seed(out, picked), allow_unused=True
            )
        return [
            np.zeros(p.shape) if g is None else np.asarray(g.numpy(), dtype=np.float64)
            for p, g in zip(points, gs)
        ]
