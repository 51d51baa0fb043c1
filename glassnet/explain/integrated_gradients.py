"""Integrated Gradients (Sundararajan et al., 2017) with five quadrature rules."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..nn.module import Module
from .base import Attribution, Target, choice_arg, positive_int_arg
from .inputs import ForwardArgs

__all__ = ["IntegratedGradients", "path_rule", "IG_METHODS"]

IG_METHODS = (
    "riemann_trapezoid",
    "riemann_left",
    "riemann_right",
    "riemann_middle",
    "gausslegendre",
)


def path_rule(method: str, n_steps: int) -> tuple[np.ndarray, np.ndarray]:
    """Points ``alpha`` in [0, 1] and weights for integrating along the path, Captum's rules.

    Parameters
    ----------
    method : {'riemann_trapezoid', 'riemann_left', 'riemann_right', 'riemann_middle', 'gausslegendre'}
        ``riemann_trapezoid`` uses ``n_steps`` equally spaced points including
        both ends with Captum's weights: ``1 / n_steps`` each, the end points
        half that, so they sum to ``(n_steps - 1) / n_steps`` (Captum's rule,
        kept so the attributions agree; the path integral comes out scaled by
        that factor, and the convergence delta shows it); ``gausslegendre`` the
        Gauss-Legendre nodes mapped from [-1, 1] to [0, 1] (exact for
        polynomials of degree ``2 * n_steps - 1``).
    n_steps : int
        Number of points (at least 2 for the trapezoid rule).

    Returns
    -------
    alphas : ndarray, shape (n_steps,)
    weights : ndarray, shape (n_steps,)
    """
    choice_arg("IntegratedGradients", "method", method, IG_METHODS)
    n = positive_int_arg(
        "IntegratedGradients", "n_steps", n_steps, 2 if method == "riemann_trapezoid" else 1
    )
    if method == "riemann_trapezoid":
        alphas = np.linspace(0.0, 1.0, n)
        weights = np.full(n, 1.0 / n)
        weights[[0, -1]] *= 0.5
    elif method == "riemann_left":
        alphas, weights = np.arange(n) / n, np.full(n, 1.0 / n)
    elif method == "riemann_right":
        alphas, weights = np.arange(1, n + 1) / n, np.full(n, 1.0 / n)
    elif method == "riemann_middle":
        alphas, weights = (np.arange(n) + 0.5) / n, np.full(n, 1.0 / n)
    else:
        nodes, w = np.polynomial.legendre.leggauss(n)
        alphas, weights = (nodes + 1.0) / 2.0, w / 2.0
    return alphas, weights


class IntegratedGradients(Attribution):
    """Integrated Gradients: the gradient averaged along the straight path from a baseline.

    ``IG_i(x) = (x_i - b_i) * integral_0^1 dF(b + a (x - b)) / dx_i da``. The
    attributions of a row add up to ``F(x) - F(b)`` (completeness); the
    quadrature error is returned as the convergence delta.

    Parameters
    ----------
    model : Module or callable
    multiply_by_inputs : bool, default True
        Multiply the path integral by ``x - b`` (IG's attributions, Captum's
        default); False returns the path integral of the gradient alone
        (Captum's "local" attributions), whose rows do not add up to
        ``F(x) - F(b)``.

    Examples
    --------
    >>> import glassnet as gn
    >>> from glassnet.explain import IntegratedGradients
    >>> model = gn.nn.Sequential(gn.nn.Linear(4, 8), gn.nn.Linear(8, 3))
    >>> ig = IntegratedGradients(model)
    >>> attr, delta = ig.attribute(gn.randn(2, 4), target=0, return_convergence_delta=True)
    >>> attr.shape, delta.shape
    ((2, 4), (2,))
    """

    def __init__(self, model: Module | Callable[..., Any], multiply_by_inputs: bool = True) -> None:
        super().__init__(model)
        self.multiply_by_inputs = bool(multiply_by_inputs)

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
    ) -> Any:
        """Integrated gradients of each row.

        The arguments are Captum's, in Captum's order.

        Parameters
        ----------
        inputs : Tensor or ndarray, shape (N, *), or a tuple of them
        baselines : None, float, array of shape (*) or (N, *), or a tuple (one per input)
            The path's start; None means zeros.
        target : int or sequence of int
            Class explained per row (not needed for one-output models).
        additional_forward_args : any or tuple, optional
            Passed to the model after the inputs (see :mod:`glassnet.explain.inputs`).
        n_steps : int, default 50
            Points on the path.
        method : str, default 'gausslegendre'
            Quadrature rule, see :func:`path_rule` (Captum's default).
        internal_batch_size : int, optional
            Rows per forward/backward pass; the ``n_steps * N`` path points are
            evaluated in chunks of this size to bound memory (default: all at once).
        return_convergence_delta : bool, default False
            Also return ``sum(attributions) - (F(x) - F(baseline))`` per row
            (summed over all inputs).

        Returns
        -------
        attributions : ndarray, shape (N, *), or a tuple of them for tuple inputs
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
        diffs = [x - b for x, b in zip(xs, bs)]
        with self.evaluating():
            out_x = self.forward(xs, internal_batch_size, extra)
            targets = self.resolve_target(target, out_x)
            totals = self._path_integral(
                alphas, weights, bs, diffs, targets, extra, internal_batch_size
            )
            if self.multiply_by_inputs:
                totals = [d * t for d, t in zip(diffs, totals)]
            attributions = [t.astype(x.dtype) for t, x in zip(totals, xs)]
            if not return_convergence_delta:
                return self.pack(attributions, as_tuple)
            out_b = self.forward(bs, internal_batch_size, extra)
        gap = self.select(out_x, targets).astype(np.float64) - self.select(out_b, targets)
        summed = sum(t.reshape(n, -1).sum(axis=1) for t in totals)
        return self.pack(attributions, as_tuple), summed - gap

    def _path_integral(
        self,
        alphas: np.ndarray,
        weights: np.ndarray,
        bs: tuple[np.ndarray, ...],
        diffs: list[np.ndarray],
        targets: np.ndarray | None,
        extra: ForwardArgs,
        internal_batch_size: int | None,
    ) -> list[np.ndarray]:
        """``integral_0^1 dF(b + a (x - b)) / dx da`` per input, by the rule's weighted sum (float64)."""
        n = bs[0].shape[0]
        totals = [np.zeros(b.shape, dtype=np.float64) for b in bs]
        n_points = len(alphas) * n
        chunk = n_points if internal_batch_size is None else internal_batch_size
        for start in range(0, n_points, chunk):
            idx = np.arange(start, min(start + chunk, n_points))
            step, row = idx // n, idx % n
            points = tuple(
                b[row] + alphas[step].reshape((-1,) + (1,) * (b.ndim - 1)).astype(b.dtype) * d[row]
                for b, d in zip(bs, diffs)
            )
            gs, _ = self.gradients(points, None if targets is None else targets[row], extra, row)
            for total, g in zip(totals, gs):
                np.add.at(total, row, weights[step].reshape((-1,) + (1,) * (g.ndim - 1)) * g)
        return totals
