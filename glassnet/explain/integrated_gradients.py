"""Integrated Gradients (Sundararajan et al., 2017) with five quadrature rules."""

from __future__ import annotations

from typing import Any

import numpy as np

from .base import Attribution, Baselines, Target, choice_arg, positive_int_arg

__all__ = ["IntegratedGradients", "path_rule", "IG_METHODS"]

IG_METHODS = (
    "riemann_trapezoid",
    "riemann_left",
    "riemann_right",
    "riemann_middle",
    "gausslegendre",
)


def path_rule(method: str, n_steps: int) -> tuple[np.ndarray, np.ndarray]:
    """Points ``alpha`` in [0, 1] and weights (summing to 1) for integrating along the path.

    Parameters
    ----------
    method : {'riemann_trapezoid', 'riemann_left', 'riemann_right', 'riemann_middle', 'gausslegendre'}
        ``riemann_trapezoid`` uses ``n_steps`` equally spaced points including
        both ends, the end points weighted 1/2; ``gausslegendre`` the
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
        weights = np.full(n, 1.0 / (n - 1))
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

    def attribute(
        self,
        inputs: Any,
        *,
        target: Target = None,
        baselines: Baselines = None,
        n_steps: int = 50,
        method: str = "riemann_trapezoid",
        internal_batch_size: int | None = None,
        return_convergence_delta: bool = False,
    ) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
        """Integrated gradients of each row.

        Parameters
        ----------
        inputs : Tensor or ndarray, shape (N, *)
        target : int, sequence of int or None
            Class explained per row; None: the class predicted for ``inputs``.
        baselines : None, float, or array of shape (*) or (N, *)
            The path's start; None means zeros.
        n_steps : int, default 50
            Points on the path.
        method : str, default 'riemann_trapezoid'
            Quadrature rule, see :func:`path_rule`.
        internal_batch_size : int, optional
            Rows per forward/backward pass; the ``n_steps * N`` path points are
            evaluated in chunks of this size to bound memory (default: all at once).
        return_convergence_delta : bool, default False
            Also return ``sum(attributions) - (F(x) - F(baseline))`` per row.

        Returns
        -------
        attributions : ndarray, shape (N, *)
        delta : ndarray, shape (N,)
            Only with ``return_convergence_delta=True``.
        """
        alphas, weights = path_rule(method, n_steps)
        if internal_batch_size is not None:
            positive_int_arg(self._who, "internal_batch_size", internal_batch_size)
        x = self.prepare_inputs(inputs)
        b = self.prepare_baselines(baselines, x)
        n = x.shape[0]
        diff = x - b
        total = np.zeros(x.shape, dtype=np.float64)
        feat = (1,) * (x.ndim - 1)
        with self.evaluating():
            out_x = self.forward(x, internal_batch_size)
            targets = self.resolve_target(target, out_x)
            n_points = len(alphas) * n
            chunk = n_points if internal_batch_size is None else internal_batch_size
            for start in range(0, n_points, chunk):
                idx = np.arange(start, min(start + chunk, n_points))
                step, row = idx // n, idx % n
                points = b[row] + alphas[step].reshape((-1,) + feat).astype(x.dtype) * diff[row]
                g, _ = self.gradients(points, None if targets is None else targets[row])
                np.add.at(total, row, weights[step].reshape((-1,) + feat) * g)
            attributions = (diff * total).astype(x.dtype)
            if not return_convergence_delta:
                return attributions
            out_b = self.forward(b, internal_batch_size)
        gap = self.select(out_x, targets).astype(np.float64) - self.select(out_b, targets)
        delta = (diff * total).reshape(n, -1).sum(axis=1) - gap
        return attributions, delta
