"""Shapley values of feature groups: sampled over permutations, or exact over all coalitions.

A feature group (``feature_mask`` ids, as in :class:`FeatureAblation`; default:
every scalar feature alone, numbered across the inputs) is *present* when it
has the input's values and *absent* when it has the baseline's. The Shapley
value of a group is its marginal effect on the explained output, averaged over
the orders in which the groups can be added to the baseline; every feature of
the group gets that value, as in Captum.

- :class:`ShapleyValueSampling` averages over ``n_samples`` random orders
  (Captum's ``ShapleyValueSampling``; glassnet draws the orders from ``seed``,
  so its numbers agree with Captum's in expectation, and exactly when every
  order gives the same effects, e.g. for additive models);
- :class:`ShapleyValues` computes the exact average over all orders (Captum's
  ``ShapleyValues``), from the model's outputs on all ``2**G`` coalitions of
  the ``G`` groups.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from .base import Attribution, Inputs, Target, positive_int_arg, row_seed
from .inputs import ForwardArgs
from .occlusion import FeatureAblation

__all__ = ["ShapleyValueSampling", "ShapleyValues", "KernelShap"]

#: Above this many groups ShapleyValues refuses (2**G model evaluations per row).
MAX_EXACT_GROUPS = 16


class _Coalitions(Attribution):
    """Model outputs for inputs where some feature groups are present."""

    keeps_integer_inputs = True  # token ids are replaced by baseline ids, as in Captum
    _masks = FeatureAblation._masks
    _mask = FeatureAblation._mask

    def _setup(
        self, inputs: Any, baselines: Any, feature_mask: Any, per_eval: int
    ) -> tuple[Inputs, Inputs, list[np.ndarray], np.ndarray, bool]:
        xs, as_tuple = self.prepare_all(inputs)
        positive_int_arg(self._who, "perturbations_per_eval", per_eval)
        bs = self.prepare_all_baselines(baselines, xs, as_tuple)
        masks = self._masks(feature_mask, xs, as_tuple)
        groups = np.unique(np.concatenate([m.ravel() for m in masks]))
        return xs, bs, masks, groups, as_tuple

    def _values(
        self,
        present: np.ndarray,
        data: tuple[Inputs, Inputs, list[np.ndarray], np.ndarray],
        targets: np.ndarray | str | None,
        extra: ForwardArgs,
        per_eval: int,
    ) -> np.ndarray:
        """Explained outputs ``(K, N, 1)`` for ``K`` coalitions (``(K, N, O)``, every output
        of a row, for ``targets='all'``); ``present[k, g]`` says whether group ``groups[g]``
        is present in coalition ``k``."""
        xs, bs, masks, groups = data
        n = xs[0].shape[0]
        where = [np.searchsorted(groups, m) for m in masks]  # group index of every feature
        out = []
        for start in range(0, len(present), per_eval):
            part = present[start : start + per_eval]
            batch = tuple(
                np.concatenate([np.where(p[w], x, b) for p in part])
                for x, b, w in zip(xs, bs, where)
            )  # fmt: skip
            rows = np.tile(np.arange(n), len(part))
            vals = self.forward(batch, extra=extra, rows=rows)
            if isinstance(targets, str):
                self.out_shape = vals.shape[1:]
                picked = vals.reshape(len(rows), -1)
            else:
                picked = self.select(vals, None if targets is None else targets[rows])
            out.append(picked.astype(np.float64).reshape(len(part), n, -1))
        return np.concatenate(out)

    def _targets(self, target: Target, xs: Inputs, extra: ForwardArgs) -> np.ndarray | str | None:
        """Resolved targets; ``'all'`` for ``target=None`` on a model with outputs other than
        ``(N,)``: as in Captum, every output is explained, attributions ``(N, *out, *in)``."""
        if target is None:
            out_shape = self.first_output(xs, extra).shape[1:]
            if out_shape != ():
                self.out_shape = out_shape
                return "all"
        return self.targets_for(target, xs, extra)

    def _spread(
        self,
        phi: np.ndarray,
        xs: Inputs,
        masks: list[np.ndarray],
        groups: np.ndarray,
        targets: np.ndarray | str | None,
    ) -> list[np.ndarray]:
        """Per input, every feature gets its group's value; ``phi`` is ``(G, N, O)``."""
        res = []
        for x, m in zip(xs, masks):
            w = np.searchsorted(groups, m)
            rows = np.arange(x.shape[0]).reshape((-1,) + (1,) * (x.ndim - 1))
            a = np.moveaxis(phi[w, rows], -1, 1)  # (N, O, *in)
            if isinstance(targets, str):
                a = a.reshape(x.shape[:1] + tuple(self.out_shape) + x.shape[1:])
            else:
                a = a[:, 0]
            res.append(a.astype(self.result_dtype(x)))
        return res


class ShapleyValueSampling(_Coalitions):
    """Shapley values estimated from random orders of the feature groups (Captum's
    ``ShapleyValueSampling``).

    For each of ``n_samples`` random orders, the groups are switched from the
    baseline to the input one after another, and each group is credited
    with the change of the explained output; the credits are averaged.

    Parameters
    ----------
    model : Module or callable

    Examples
    --------
    >>> import glassnet as gn
    >>> from glassnet.explain import ShapleyValueSampling
    >>> model = gn.nn.Sequential(gn.nn.Linear(4, 3), gn.nn.Tanh(), gn.nn.Linear(3, 2))
    >>> ShapleyValueSampling(model).attribute(gn.randn(2, 4), target=0, n_samples=5).shape
    (2, 4)
    """

    def attribute(
        self,
        inputs: Any,
        baselines: Any = None,
        target: Target = None,
        additional_forward_args: Any = None,
        feature_mask: Any = None,
        n_samples: int = 25,
        perturbations_per_eval: int = 1,
        show_progress: bool = False,
        *,
        seed: int | np.random.Generator | None = 0,
    ) -> Any:
        """Sampled Shapley values, row by row.

        The arguments are Captum's, in Captum's order; ``seed`` is glassnet's.

        Parameters
        ----------
        inputs : Tensor or ndarray, shape (N, *), or a tuple of them
        baselines : None, scalar, array of shape (*) or (N, *), or a tuple (one per input)
            The values of absent features (None: zeros).
        target : int, sequence of int, tensor or tuple, optional
            Output explained per row. None on a model whose outputs are not
            ``(N,)`` explains every output, as Captum does: attributions
            ``(N, *output_shape, *input_shape)``.
        additional_forward_args : any or tuple, optional
        feature_mask : int array of shape (*) or (N, *), or a tuple (one per input), optional
            Group id of every feature (broadcastable to the input); ids are
            shared across the inputs of a tuple. Default: every feature alone.
        n_samples : int, default 25
            Number of random orders.
        perturbations_per_eval : int, default 1
            Coalitions evaluated in one forward pass.
        show_progress : bool, default False
            Accepted for Captum's signature; glassnet shows no progress bar.
        seed : int, Generator or None, default 0
            Draws the orders (the same for every row).

        Returns
        -------
        ndarray, shape (N, *), or a tuple of them for tuple inputs
        """
        n_samples = positive_int_arg(self._who, "n_samples", n_samples)
        xs, bs, masks, groups, as_tuple = self._setup(
            inputs, baselines, feature_mask, perturbations_per_eval
        )
        rng = np.random.default_rng(row_seed(self._who, seed))
        n_groups = len(groups)
        extra = ForwardArgs(additional_forward_args, xs[0].shape[0])
        phi = 0.0
        with self.evaluating():
            targets = self._targets(target, xs, extra)
            data = (xs, bs, masks, groups)
            base = self._values(np.zeros((1, n_groups), bool), data, targets, extra, 1)
            for _ in range(n_samples):
                order = rng.permutation(n_groups)
                rank = np.empty(n_groups, dtype=np.int64)
                rank[order] = np.arange(n_groups)
                present = rank[None, :] <= np.arange(n_groups)[:, None]  # after k+1 groups
                vals = self._values(present, data, targets, extra, perturbations_per_eval)
                phi = phi + np.diff(np.concatenate([base, vals]), axis=0)[np.argsort(order)]
        return self.pack(self._spread(phi / n_samples, xs, masks, groups, targets), as_tuple)


class ShapleyValues(_Coalitions):
    """Exact Shapley values of the feature groups (Captum's ``ShapleyValues``).

    Computed from the explained output on every coalition ``S`` of the ``G``
    groups: ``phi_g = sum_S |S|! (G - |S| - 1)! / G! * (F(S + g) - F(S))``,
    the average over all ``G!`` orders that Captum enumerates. That takes
    ``2**G`` evaluations per row; more than 16 groups are refused (use
    :class:`ShapleyValueSampling`).

    Parameters
    ----------
    model : Module or callable
    """

    def attribute(
        self,
        inputs: Any,
        baselines: Any = None,
        target: Target = None,
        additional_forward_args: Any = None,
        feature_mask: Any = None,
        perturbations_per_eval: int = 1,
        show_progress: bool = False,
    ) -> Any:
        """Exact Shapley values, row by row.

        The arguments are Captum's, in Captum's order (see
        :meth:`ShapleyValueSampling.attribute`).

        Returns
        -------
        ndarray, shape (N, *), or a tuple of them for tuple inputs
        """
        xs, bs, masks, groups, as_tuple = self._setup(
            inputs, baselines, feature_mask, perturbations_per_eval
        )
        g = len(groups)
        if g > MAX_EXACT_GROUPS:
            raise ValueError(
                f"{self._who}: {g} feature groups would take 2**{g} model evaluations per row; "
                f"at most {MAX_EXACT_GROUPS} are computed exactly. Group the features with "
                "feature_mask= or use ShapleyValueSampling"
            )
        if g >= 10:
            warnings.warn(f"{self._who}: {g} feature groups take 2**{g} evaluations", stacklevel=2)
        codes = np.arange(2**g)
        present = ((codes[:, None] >> np.arange(g)) & 1).astype(bool)
        extra = ForwardArgs(additional_forward_args, xs[0].shape[0])
        with self.evaluating():
            targets = self._targets(target, xs, extra)
            vals = self._values(present, (xs, bs, masks, groups), targets, extra,
                                max(perturbations_per_eval, 1))  # fmt: skip
        size = present.sum(axis=1)
        phi = np.zeros((g,) + vals.shape[1:])
        for k in range(g):
            without = ~present[:, k]
            s = size[without]
            w = np.array(
                [math.factorial(v) * math.factorial(g - v - 1) for v in s]
            ) / math.factorial(g)
            phi[k] = np.tensordot(w, vals[codes[without] | (1 << k)] - vals[without], axes=1)
        return self.pack(self._spread(phi, xs, masks, groups, targets), as_tuple)


class KernelShap(_Coalitions):
    """Kernel SHAP (Lundberg & Lee, 2017; Captum's ``KernelShap``): Shapley values from a
    weighted linear regression on random coalitions of the feature groups.

    The first two coalitions are all groups present and none present (weight
    1e6, so the values add up to ``F(x) - F(b)``); the others have ``k``
    groups present with probability proportional to ``(G - 1) / (k (G - k))``
    (weight 1), as in Captum. A linear regression with intercept of the
    explained output on the coalitions gives one coefficient per group. The
    coalitions come from ``seed`` (Captum's are unseeded), so the two agree in
    expectation, and exactly for additive models once the coalitions span
    every group.

    Parameters
    ----------
    model : Module or callable
    """

    def attribute(
        self,
        inputs: Any,
        baselines: Any = None,
        target: Target = None,
        additional_forward_args: Any = None,
        feature_mask: Any = None,
        n_samples: int = 25,
        perturbations_per_eval: int = 1,
        return_input_shape: bool = True,
        show_progress: bool = False,
        *,
        seed: int | np.random.Generator | None = 0,
    ) -> Any:
        """Kernel SHAP values, row by row.

        The arguments are Captum's, in Captum's order; ``seed`` is glassnet's.

        Parameters
        ----------
        inputs, baselines, additional_forward_args, feature_mask, perturbations_per_eval
            As in :meth:`ShapleyValueSampling.attribute`.
        target : int, sequence of int, tensor or tuple
            Output explained per row (not needed for one-output models).
        n_samples : int, default 25
            Coalitions evaluated, the two fixed ones included (at least 2).
        return_input_shape : bool, default True
            False returns the coefficients, one per group: ``(N, G)`` with the
            groups in increasing id order.
        show_progress : bool, default False
            Accepted for Captum's signature.
        seed : int, Generator or None, default 0
            Draws the coalitions (the same for every row).

        Returns
        -------
        ndarray, shape (N, *), or a tuple of them for tuple inputs; (N, G) with
        ``return_input_shape=False``
        """
        n_samples = positive_int_arg(self._who, "n_samples", n_samples, minimum=2)
        xs, bs, masks, groups, as_tuple = self._setup(
            inputs, baselines, feature_mask, perturbations_per_eval
        )
        rng = np.random.default_rng(row_seed(self._who, seed))
        present = _kernel_coalitions(len(groups), n_samples, rng)
        weights = np.where(present.all(axis=1) | ~present.any(axis=1), 1e6, 1.0)
        extra = ForwardArgs(additional_forward_args, xs[0].shape[0])
        with self.evaluating():
            targets = self.targets_for(target, xs, extra)
            vals = self._values(present, (xs, bs, masks, groups), targets, extra,
                                perturbations_per_eval)[:, :, 0]  # fmt: skip
        phi = _weighted_regression(present.astype(np.float64), vals, weights)  # (G, N)
        if not return_input_shape:
            return phi.T.astype(self.result_dtype(xs[0]))
        return self.pack(self._spread(phi[:, :, None], xs, masks, groups, targets), as_tuple)


def _kernel_coalitions(g: int, n_samples: int, rng: np.random.Generator) -> np.ndarray:
    """``(n_samples, g)`` coalitions: all present, none present, then Kernel SHAP's draws."""
    present = np.zeros((n_samples, g), dtype=bool)
    present[0] = True
    if g < 2:
        return present
    k = np.arange(1, g)
    probs = (g - 1) / (k * (g - k))
    sizes = rng.choice(k, size=max(n_samples - 2, 0), p=probs / probs.sum())
    for i, size in enumerate(sizes, start=2):
        present[i, rng.choice(g, size=size, replace=False)] = True
    return present


def _weighted_regression(z: np.ndarray, y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Coefficients ``(G, N)`` of the weighted least squares fit ``y ~ z @ coef + intercept``
    for each column of ``y`` ``(S, N)``; the minimum-norm fit when the coalitions do not
    determine it (as scikit-learn's ``LinearRegression``, which centres the data)."""
    w = w / w.sum()
    zc = z - w @ z
    yc = y - w @ y
    root = np.sqrt(w)[:, None]
    coef, *_ = np.linalg.lstsq(root * zc, root * yc, rcond=None)
    return coef
