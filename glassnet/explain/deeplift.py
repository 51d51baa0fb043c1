"""DeepLift (Shrikumar et al., 2017), rescale rule, and DeepLiftShap, as Captum computes them.

The inputs and the baselines go through the model as one batch ``[x; b]``.
Linear modules keep their gradient; at each ReLU, ELU, LeakyReLU, Sigmoid,
Tanh, Softplus, Softmax and MaxPool module (Captum's list, matched by exact
class) the gradient is replaced by a multiplier ``delta_out / delta_in``, the
change of the module's output over the change of its input between ``x`` and
``b`` (:func:`glassnet.explain.module_rules.backward_rules`). Where
``|delta_in| < eps`` the ordinary gradient is kept. Activations called as
functions (``F.relu`` inside a ``forward``) and other modules (GELU, SiLU, ...)
keep their ordinary gradient, as in Captum. Where ruled modules meet
(``ReLU -> MaxPool2d``, ``h + relu(h)``) the rules combine as Captum's hooks
do (see :mod:`glassnet.explain.module_rules`).

MaxPool follows Captum's rule: each window's share of the output change goes
to the window's maximum, the shares of the inputs' and the baselines' maxima
summed. Where windows overlap and one position is the maximum of several of
them, it keeps only the last window's share (as ``max_unpool`` does), and
the attributions then no longer add up to ``F(x) - F(b)``; the convergence
delta shows by how much.

As in Captum, the Softmax rule subtracts the mean of the multipliers over the
whole batch (inputs and baselines together), so with a Softmax module the
attributions of one row depend slightly on the other rows.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import backend, nn
from ..autograd.grad_mode import no_grad
from ..nn import functional as F
from ..nn.module import Module
from ..tensor import Tensor
from .base import Attribution, Inputs, Target, float_arg
from .inputs import ForwardArgs, call_baselines
from .module_rules import ModuleCall, Rule, backward_rules

__all__ = ["DeepLift", "DeepLiftShap", "deeplift_rules"]


def _diffs(call: ModuleCall) -> tuple[Any, Any]:
    """``(delta_in, delta_out)`` between the input half and the baseline half of the batch,
    each repeated for both halves (shape of the whole batch)."""
    xp = backend.get_array_module(call.input)
    n = call.input.shape[0] // 2
    d_in = call.input[:n] - call.input[n:]
    d_out = call.output[:n] - call.output[n:]
    return xp.concatenate([d_in, d_in]), xp.concatenate([d_out, d_out])


def _rescale(
    call: ModuleCall, d_in: Any, numerator: Any, eps: float, fallback: Any = None
) -> Any:
    """``numerator / d_in`` where ``|d_in| >= eps``, the ordinary gradient (or ``fallback``)
    elsewhere."""
    xp = backend.get_array_module(d_in)
    near = xp.abs(d_in) < eps
    ratio = numerator / xp.where(near, 1, d_in)
    if not bool(near.any()):
        return ratio
    return xp.where(near, call.grad_input if fallback is None else fallback, ratio)


def _elementwise(eps: float) -> Rule:
    def rule(call: ModuleCall) -> Any:
        d_in, d_out = _diffs(call)
        return _rescale(call, d_in, call.grad_output * d_out, eps)

    return rule


def _softmax(eps: float) -> Rule:
    def rule(call: ModuleCall) -> Any:
        d_in, d_out = _diffs(call)
        m = _rescale(call, d_in, call.grad_output * d_out, eps)
        return m - m.sum() / m.size  # Captum's normalisation, over the whole batch

    return rule


def _unpool_last(call: ModuleCall, pool: Callable[..., Any], values: Any) -> Any:
    """``values`` ``(B, C, *out)`` put at each window's argmax in the module's input
    ``(B, C, *in)``; a position that is the maximum of several (overlapping) windows keeps
    the last window's value in raster order, as ``torch.nn.functional.max_unpool2d`` does."""
    m, inp = call.module, call.input
    with no_grad():
        _, idx = pool(
            Tensor(inp), m.kernel_size, m.stride, m.padding, m.dilation, m.ceil_mode, True
        )
    xp = backend.get_array_module(inp)
    planes, size = inp.shape[0] * inp.shape[1], int(np.prod(inp.shape[2:]))
    offsets = (xp.arange(planes) * size).reshape(inp.shape[:2] + (1,) * (inp.ndim - 2))
    flat = xp.zeros(planes * size, dtype=values.dtype)
    flat[(idx.array + offsets).ravel()] = values.ravel()
    return flat.reshape(inp.shape)


def _maxpool(eps: float, pool: Callable[..., Any]) -> Rule:
    def rule(call: ModuleCall) -> Any:
        xp = backend.get_array_module(call.input)
        n = call.input.shape[0] // 2
        d_in, _ = _diffs(call)
        y, y_ref = call.output[:n], call.output[n:]
        top = xp.maximum(y, y_ref)
        # the change of the output, split between the inputs' and the baselines' maxima
        to_max = xp.concatenate([top - y_ref, y - top]) * call.grad_output
        spread = _unpool_last(call, pool, to_max)  # each half's share to its own argmax
        numerator = spread[:n] + spread[n:]
        # Captum's quirk: where the input does not change, every row gets the ordinary
        # gradient of the batch's first row (its ``grad_input[0]``)
        return _rescale(call, d_in, xp.concatenate([numerator, numerator]), eps,
                        call.grad_input[:1])  # fmt: skip

    return rule


def deeplift_rules(eps: float = 1e-10) -> dict[type, Rule]:
    """DeepLift's backward rules by module class (Captum's ``SUPPORTED_NON_LINEAR``)."""
    rules: dict[type, Rule] = {}
    for name in ("ReLU", "ELU", "LeakyReLU", "Sigmoid", "Tanh", "Softplus"):
        rules[getattr(nn, name)] = _elementwise(eps)
    for d in (1, 2, 3):
        module, pool = getattr(nn, f"MaxPool{d}d", None), getattr(F, f"max_pool{d}d", None)
        if module is not None and pool is not None:
            rules[module] = _maxpool(eps, pool)
    rules[nn.Softmax] = _softmax(eps)
    return rules


def _custom(func: Callable[..., Any], mults: Inputs, xs: Inputs, bs: Inputs) -> tuple:
    """Captum's ``custom_attribution_func``: called with the multipliers, then the inputs
    and the baselines, as many as it takes."""
    n_args = len(inspect.signature(func).parameters)
    args = (mults, xs, bs)[: max(1, min(n_args, 3))]
    out = func(*args)
    return tuple(out) if isinstance(out, (tuple, list)) else (out,)


class DeepLift(Attribution):
    """DeepLift's rescale rule (Captum's ``DeepLift``).

    The attribution of each input feature is ``(x - b) * m``, where ``m`` is
    the gradient of the explained output with DeepLift's multipliers at the
    nonlinear modules (see the module docstring). For a model made of linear
    layers and the supported modules the attributions of a row add up to
    ``F(x) - F(b)`` (the convergence delta is the difference).

    Parameters
    ----------
    model : Module
        Nonlinearities must be modules (``nn.ReLU()``, ``nn.MaxPool2d``) to get
        DeepLift's rule; see the module docstring.
    multiply_by_inputs : bool, default True
        False returns the multipliers ``m`` alone.
    eps : float, default 1e-10
        Where ``|x - b|`` at a module's input is below ``eps`` the ordinary
        gradient is used.

    Examples
    --------
    >>> import glassnet as gn
    >>> from glassnet.explain import DeepLift
    >>> model = gn.nn.Sequential(gn.nn.Linear(3, 4), gn.nn.ReLU(), gn.nn.Linear(4, 2))
    >>> attr, delta = DeepLift(model).attribute(
    ...     gn.randn(5, 3), target=1, return_convergence_delta=True)
    >>> attr.shape, bool(abs(delta).max() < 1e-4)
    ((5, 3), True)
    """

    def __init__(self, model: Module, multiply_by_inputs: bool = True, eps: float = 1e-10) -> None:
        super().__init__(model)
        if not isinstance(model, Module):
            raise TypeError(
                f"{self._who}: model must be a glassnet Module (its nonlinear modules get "
                f"DeepLift's rule), got {type(model).__name__}"
            )
        self.multiply_by_inputs = bool(multiply_by_inputs)
        self.eps = float_arg(self._who, "eps", eps, positive=False)

    def attribute(
        self,
        inputs: Any,
        baselines: Any = None,
        target: Target = None,
        additional_forward_args: Any = None,
        return_convergence_delta: bool = False,
        custom_attribution_func: Callable[..., Any] | None = None,
    ) -> Any:
        """DeepLift attributions, row by row.

        The arguments are Captum's, in Captum's order.

        Parameters
        ----------
        inputs : Tensor or ndarray, shape (N, *), or a tuple of them
        baselines : None, scalar, array of shape (*), (1, *) or (N, *), or a tuple (one per input)
            The reference inputs (None: zeros).
        target : int, sequence of int, tensor or tuple
            Output explained per row (not needed for one-output models).
        additional_forward_args : any or tuple, optional
            Passed to the model after the inputs (see :mod:`glassnet.explain.inputs`).
        return_convergence_delta : bool, default False
            Also return ``sum(attributions) - (F(x) - F(b))`` per row.
        custom_attribution_func : callable, optional
            ``f(multipliers)``, ``f(multipliers, inputs)`` or
            ``f(multipliers, inputs, baselines)`` (tuples, one entry per input)
            returning the attributions; replaces ``(x - b) * m``.

        Returns
        -------
        attributions : ndarray, shape (N, *), or a tuple of them for tuple inputs
        delta : ndarray, shape (N,)
            Only with ``return_convergence_delta=True``.
        """
        xs, as_tuple = self.prepare_all(inputs)
        bs = self.prepare_all_baselines(baselines, xs, as_tuple)
        extra = ForwardArgs(additional_forward_args, xs[0].shape[0])
        with self.evaluating():
            targets = self.targets_for(target, xs, extra)
            mults, gap = self.multipliers(xs, bs, targets, extra)
        return self.finish(xs, bs, mults, gap, as_tuple, return_convergence_delta,
                           custom_attribution_func)  # fmt: skip

    def multipliers(
        self, xs: Inputs, bs: Inputs, targets: np.ndarray | None, extra: ForwardArgs
    ) -> tuple[Inputs, np.ndarray]:
        """DeepLift's multipliers per input ``(N, *)`` and ``F(x) - F(b)`` per row ``(N,)``."""
        n = xs[0].shape[0]
        both = tuple(np.concatenate([x, b]) for x, b in zip(xs, bs))
        rows = np.concatenate([np.arange(n), np.arange(n)])
        twice = None if targets is None else np.concatenate([targets, targets])
        with backward_rules(self.model, deeplift_rules(self.eps)):
            grads, values = self.gradients(both, twice, extra, rows)
        return tuple(g[:n] for g in grads), values[:n] - values[n:].astype(np.float64)

    def finish(
        self,
        xs: Inputs,
        bs: Inputs,
        mults: Inputs,
        gap: np.ndarray,
        as_tuple: bool,
        with_delta: bool,
        custom: Callable[..., Any] | None,
    ) -> Any:
        """Attributions from the multipliers (and the convergence delta when asked)."""
        if custom is not None:
            attrs = tuple(np.asarray(a) for a in _custom(custom, mults, xs, bs))
        elif self.multiply_by_inputs:
            attrs = tuple((x - b) * m for x, b, m in zip(xs, bs, mults))
        else:
            attrs = mults
        result = self.pack(attrs, as_tuple)
        if not with_delta:
            return result
        n = xs[0].shape[0]
        total = sum(a.reshape(n, -1).sum(axis=1, dtype=np.float64) for a in attrs)
        return result, total - gap


class DeepLiftShap(DeepLift):
    """DeepLift averaged over a distribution of baselines (Captum's ``DeepLiftShap``).

    Each row is explained against every baseline of ``baselines`` ``(B, *)``
    with :class:`DeepLift`, and the attributions are averaged over the
    baselines (an approximation of SHAP values).

    Parameters
    ----------
    model : Module
    multiply_by_inputs : bool, default True

    Examples
    --------
    >>> import glassnet as gn
    >>> from glassnet.explain import DeepLiftShap
    >>> model = gn.nn.Sequential(gn.nn.Linear(3, 4), gn.nn.ReLU(), gn.nn.Linear(4, 2))
    >>> DeepLiftShap(model).attribute(gn.randn(5, 3), gn.randn(8, 3), target=0).shape
    (5, 3)
    """

    def __init__(self, model: Module, multiply_by_inputs: bool = True) -> None:
        super().__init__(model, multiply_by_inputs=multiply_by_inputs)

    def attribute(  # type: ignore[override]
        self,
        inputs: Any,
        baselines: Any,
        target: Target = None,
        additional_forward_args: Any = None,
        return_convergence_delta: bool = False,
        custom_attribution_func: Callable[..., Any] | None = None,
    ) -> Any:
        """DeepLift attributions averaged over the baselines.

        Parameters
        ----------
        inputs : Tensor or ndarray, shape (N, *), or a tuple of them
        baselines : array (B, *) with B > 1, a tuple of them, or a callable
            The baseline distribution; a callable is called with the inputs
            and returns it.
        target, additional_forward_args, custom_attribution_func
            As in :meth:`DeepLift.attribute`.
        return_convergence_delta : bool, default False
            Also return the delta of every (row, baseline) pair, shape
            ``(N * B,)``, row-major (all baselines of row 0 first).

        Returns
        -------
        attributions : ndarray, shape (N, *), or a tuple of them for tuple inputs
        delta : ndarray, shape (N * B,)
            Only with ``return_convergence_delta=True``.
        """
        baselines = call_baselines(baselines, inputs)
        xs, as_tuple = self.prepare_all(inputs)
        n = xs[0].shape[0]
        dist = self._distribution(baselines, xs, as_tuple)
        k = dist[0].shape[0]
        rows = np.repeat(np.arange(n), k)
        big_x = tuple(x[rows] for x in xs)
        big_b = tuple(np.tile(b, (n,) + (1,) * (b.ndim - 1)) for b in dist)
        extra = ForwardArgs(additional_forward_args, n)
        with self.evaluating():
            targets = self.targets_for(target, xs, extra)
            big_t = None if targets is None else targets[rows]
            mults, gap = self.multipliers(big_x, big_b, big_t, _Rows(extra, rows))
        out = self.finish(big_x, big_b, mults, gap, True, return_convergence_delta,
                          custom_attribution_func)  # fmt: skip
        attrs, delta = out if return_convergence_delta else (out, None)
        mean = tuple(a.reshape((n, k) + a.shape[1:]).mean(axis=1) for a in attrs)
        result = self.pack(mean, as_tuple)
        return result if delta is None else (result, delta)

    def _distribution(self, baselines: Any, xs: Inputs, as_tuple: bool) -> Inputs:
        each = baselines if as_tuple and isinstance(baselines, tuple) else (baselines,)
        if isinstance(baselines, tuple) and not as_tuple and len(baselines) == 1:
            each = baselines
        if len(each) != len(xs):
            raise ValueError(
                f"{self._who}: baselines must be one array (B, *) per input ({len(xs)}), "
                f"got {len(each)}"
            )
        dist = []
        for i, (b, x) in enumerate(zip(each, xs)):
            b = np.asarray(self._one_input(b, f"baselines[{i}]"), dtype=x.dtype)
            if b.shape[1:] != x.shape[1:]:
                raise ValueError(
                    f"{self._who}: baselines[{i}] have shape {b.shape}; expected (B, "
                    f"{', '.join(map(str, x.shape[1:]))}) like the inputs' rows"
                )
            dist.append(b)
        if len({b.shape[0] for b in dist}) > 1 or dist[0].shape[0] < 2:
            raise ValueError(
                f"{self._who}: baselines must be a distribution of B > 1 examples (the same B "
                f"for every input), got {[b.shape[0] for b in dist]}; for one baseline use "
                "DeepLift"
            )
        return tuple(dist)


class _Rows(ForwardArgs):
    """The additional forward arguments of examples ``rows`` (an expanded batch)."""

    def __init__(self, extra: ForwardArgs, rows: np.ndarray) -> None:
        self.items, self.per_row, self._rows = extra.items, extra.per_row, rows

    def at(self, rows: np.ndarray | None) -> tuple[Any, ...]:
        return super().at(self._rows if rows is None else self._rows[rows])
