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
        (or, with ``attribute_to_layer_input=True``, take as first argument) one
        tensor ``(N, *)``. A list of layers (Captum's) is refused: explain one
        layer per instance.
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
        if isinstance(layer, (list, tuple)):
            raise TypeError(
                f"LayerIntegratedGradients: a list of layers is not supported, got {len(layer)} "
                "layers; make one LayerIntegratedGradients(model, layer) per layer"
            )
        self.layer = submodule_name(self._who, model, layer)
        self.module = model.get_submodule(self.layer)
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
            Use the layer's (first) input instead of its output.

        Returns
        -------
        attributions : ndarray, shape (N, *layer_shape)
            The layer's output (or input) shape.
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
            a_x = self._activation(xs, extra, to_input)
            a_b = self._activation(bs, extra, to_input)
            dtype = a_x.dtype  # the layer's, given to the model along the path
            a_x, a_b = a_x.astype(np.float64), a_b.astype(np.float64)
            total = self._path_integral(
                alphas, weights, xs, (a_b, a_x - a_b), targets, extra, to_input,
                internal_batch_size, dtype,
            )  # fmt: skip
            out_b = (
                self.forward(bs, internal_batch_size, extra) if return_convergence_delta else None
            )
        full = total * (a_x - a_b) if self.multiply_by_inputs else total
        attr = full.astype(dtype)
        if out_b is None:
            return attr
        gap = self.select(out_x, targets).astype(np.float64) - self.select(out_b, targets)
        # of the attributions returned, as Captum (without multiply_by_inputs, not a gap)
        return attr, full.reshape(n, -1).sum(axis=1) - gap

    # ------------------------------------------------------------- the layer
    def _hooked(self, replace: Any, to_input: bool) -> tuple[list[Any], Any]:
        """Register a hook on the layer that records its value (and replaces it by
        ``replace`` unless None); return the list it records into and the handle."""
        seen: list[Any] = []

        def on_output(module: Module, args: tuple, output: Any) -> Any:
            seen.append(output)
            return replace

        def on_input(module: Module, args: tuple) -> Any:
            seen.append(args[0] if args else None)
            return None if replace is None else (replace, *args[1:])

        if to_input:
            return seen, self.module.register_forward_pre_hook(on_input)
        return seen, self.module.register_forward_hook(on_output)

    def _checked(self, seen: list[Any], to_input: bool, n: int) -> Tensor:
        where = "input" if to_input else "output"
        if len(seen) != 1:
            raise ValueError(
                f"{self._who}: layer {self.layer!r} was called {len(seen)} times in one forward "
                "pass; expected once (its value is replaced along the path)"
            )
        value = seen[0]
        if not isinstance(value, Tensor) or value.ndim == 0 or value.shape[0] != n:
            got = getattr(value, "shape", type(value).__name__)
            raise ValueError(
                f"{self._who}: layer {self.layer!r} gives {where} {got}; expected one tensor "
                f"(N, *) with N = {n} rows (a layer returning a tuple, such as an LSTM, is not "
                "supported: pick a layer after it)"
            )
        return value

    def _activation(self, xs: Inputs, extra: ForwardArgs, to_input: bool) -> np.ndarray:
        """The layer's output (or input) for inputs ``xs``, as a host array of its dtype."""
        seen, handle = self._hooked(None, to_input)
        try:
            with no_grad():
                self._call([self._to_model(v) for v in xs], extra.at(np.arange(xs[0].shape[0])))
        finally:
            handle.remove()
        value = self._checked(seen, to_input, xs[0].shape[0])
        if value.dtype.kind != "f":
            raise ValueError(
                f"{self._who}: layer {self.layer!r} has {'input' if to_input else 'output'} of "
                f"dtype {value.dtype}; a path can only run through floating values (for token "
                "ids, pick the embedding layer's output)"
            )
        return np.asarray(value.numpy())

    def _path_integral(
        self,
        alphas: np.ndarray,
        weights: np.ndarray,
        xs: Inputs,
        path: tuple[np.ndarray, np.ndarray],
        targets: np.ndarray | None,
        extra: ForwardArgs,
        to_input: bool,
        internal_batch_size: int | None,
        dtype: np.dtype,
    ) -> np.ndarray:
        """``integral_0^1 dF/dA at A(b) + a (A(x) - A(b)) da`` per row, float64; ``path`` is
        ``(A(b), A(x) - A(b))`` and ``dtype`` the layer's."""
        a_b, diff = path
        n = xs[0].shape[0]
        total = np.zeros(a_b.shape)
        n_points = len(alphas) * n
        chunk = n_points if internal_batch_size is None else internal_batch_size
        for start in range(0, n_points, chunk):
            idx = np.arange(start, min(start + chunk, n_points))
            step, row = idx // n, idx % n
            shape = (-1,) + (1,) * (a_b.ndim - 1)
            point = a_b[row] + alphas[step].reshape(shape) * diff[row]
            point = point.astype(dtype)
            g = self._layer_gradient(point, [v[row] for v in xs], targets, extra, row, to_input)
            np.add.at(total, row, weights[step].reshape(shape) * g)
        return total

    def _layer_gradient(
        self,
        point: np.ndarray,
        xs: list[np.ndarray],
        targets: np.ndarray | None,
        extra: ForwardArgs,
        row: np.ndarray,
        to_input: bool,
    ) -> np.ndarray:
        """d(explained output)/d(layer value) with the layer's value set to ``point``."""
        with enable_grad():
            value = self._to_model(point, requires_grad=True)
            seen, handle = self._hooked(value, to_input)
            try:
                out = self._call([self._to_model(v) for v in xs], extra.at(row))
            finally:
                handle.remove()
            self._checked(seen, to_input, len(row))
            picked = None if targets is None else targets[row]
            (g,) = _autograd_grad(
                out, value, grad_outputs=self._seed(out, picked), allow_unused=True
            )
        return np.zeros(point.shape) if g is None else np.asarray(g.numpy(), dtype=np.float64)
