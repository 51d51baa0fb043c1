"""``LimeSurrogate``: a weighted linear model fitted around one example (Ribeiro et al., 2016).

The seed article's "local influence": perturb the example, ask the model,
and fit a linear model that is accurate near the example. Its coefficients
are the explanation; its weighted R^2 says how far to trust them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .base import (
    Attribution,
    Baselines,
    Target,
    as_array,
    choice_arg,
    float_arg,
    group_ids,
    positive_int_arg,
    row_seed,
)

__all__ = ["LimeSurrogate", "LIME_PERTURBATIONS", "weighted_least_squares"]

LIME_PERTURBATIONS = ("auto", "gaussian", "mask", "patches")


def weighted_least_squares(
    features: np.ndarray, y: np.ndarray, weights: np.ndarray
) -> tuple[np.ndarray, float, float]:
    """Fit ``y ~ intercept + features @ coef`` minimising ``sum w (y - fit)^2``.

    Parameters
    ----------
    features : ndarray, shape (S, P)
    y : ndarray, shape (S,)
    weights : ndarray, shape (S,)
        Non-negative sample weights.

    Returns
    -------
    coef : ndarray, shape (P,)
    intercept : float
    r2 : float
        Weighted coefficient of determination (1 when ``y`` is constant and fitted exactly).
    """
    design = np.concatenate([np.ones((features.shape[0], 1)), features], axis=1)
    sw = np.sqrt(weights)
    sol, *_ = np.linalg.lstsq(design * sw[:, None], y * sw, rcond=None)
    fit = design @ sol
    mean = np.sum(weights * y) / np.sum(weights)
    ss_res = float(np.sum(weights * (y - fit) ** 2))
    ss_tot = float(np.sum(weights * (y - mean) ** 2))
    scale = max(float(np.sum(weights * y * y)), 1e-300)
    if ss_tot <= 1e-12 * scale:
        r2 = 1.0 if ss_res <= 1e-12 * scale else 0.0
    else:
        r2 = 1.0 - ss_res / ss_tot
    return sol[1:], float(sol[0]), r2


def _patch_ids(shape: tuple[int, ...], patch: int) -> np.ndarray:
    """Patch index of every feature for inputs ``(*, H, W)``: a grid of ``patch``-sized squares."""
    h, w = shape[-2:]
    cols = -(-w // patch)
    ids = (np.arange(h)[:, None] // patch) * cols + np.arange(w)[None, :] // patch
    return np.broadcast_to(ids, shape)


class LimeSurrogate(Attribution):
    """Local linear surrogate of the model around each example.

    Perturbations, by ``perturbation=``:

    - ``'gaussian'`` (tabular): ``x + noise * feature_std``; the surrogate is
      linear in the features themselves, so its coefficients are local slopes
      (for a linear model: its weights).
    - ``'mask'`` (tabular): random on/off masks over features (or over the
      groups of ``feature_mask``); an off feature takes the baseline's value.
      Coefficients are each feature's (group's) contribution.
    - ``'patches'`` (images ``(N, C, H, W)`` or ``(N, H, W)``): on/off masks
      over a grid of ``patch_size`` squares; coefficients are broadcast to the
      pixels (and channels) of their patch.
    - ``'auto'``: ``'patches'`` for 4-d inputs, else ``'gaussian'``.

    Samples are weighted by ``exp(-d^2 / kernel_width^2)``, ``d`` the distance
    to the example (Euclidean on standardised features for ``'gaussian'``,
    cosine distance of the mask to all-on otherwise), and a weighted
    least-squares fit with an intercept gives the coefficients.

    Parameters
    ----------
    model : Module or callable

    Examples
    --------
    >>> import glassnet as gn
    >>> from glassnet.explain import LimeSurrogate
    >>> model = gn.nn.Linear(4, 2)
    >>> coef, r2 = LimeSurrogate(model).attribute(
    ...     gn.randn(1, 4), target=0, perturbation="gaussian", return_score=True)
    >>> bool(r2[0] > 0.99)          # a linear model is its own surrogate
    True
    """

    def attribute(
        self,
        inputs: Any,
        *,
        target: Target = None,
        perturbation: str = "auto",
        n_samples: int = 1000,
        baselines: Baselines = 0.0,
        feature_std: Any = 1.0,
        feature_mask: Any = None,
        patch_size: int = 4,
        kernel_width: float | None = None,
        seed: int | np.random.Generator | None = 0,
        batch_size: int = 256,
        return_score: bool = False,
    ) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
        """Surrogate coefficients of each row.

        Parameters
        ----------
        inputs : Tensor or ndarray, shape (N, *)
        target : int, sequence of int or None
        perturbation : {'auto', 'gaussian', 'mask', 'patches'}
        n_samples : int, default 1000
            Perturbed samples per example (the example itself is the first).
        baselines : float or array of shape (*) or (N, *), default 0
            Values of switched-off features (``'mask'``, ``'patches'``).
        feature_std : float or array of shape (*), default 1
            Noise scale per feature for ``'gaussian'``; pass the training
            data's standard deviation (``X_train.std(0)``) for raw features.
        feature_mask : int array of shape (*), optional
            Group ids for ``'mask'`` (default: every feature alone).
        patch_size : int, default 4
            Side of the square patches for ``'patches'``.
        kernel_width : float, optional
            Default ``0.75 * sqrt(F)`` for ``'gaussian'``, 0.25 for masks.
        seed : int, Generator or None, default 0
        batch_size : int, default 256
            Rows per forward pass.
        return_score : bool, default False
            Also return each surrogate's weighted R^2.

        Returns
        -------
        attributions : ndarray, shape (N, *)
        r2 : ndarray, shape (N,)
            Only with ``return_score=True``.
        """
        who = self._who
        choice_arg(who, "perturbation", perturbation, LIME_PERTURBATIONS)
        samples = positive_int_arg(who, "n_samples", n_samples, 2)
        batch = positive_int_arg(who, "batch_size", batch_size)
        if kernel_width is not None:
            float_arg(who, "kernel_width", kernel_width, positive=True)
        x = self.prepare_inputs(inputs)
        feat = x.shape[1:]
        if perturbation == "auto":
            perturbation = "patches" if x.ndim == 4 else "gaussian"
        groups = None
        if perturbation == "patches":
            if x.ndim < 3:
                raise ValueError(
                    f"{who}: perturbation='patches' needs image inputs (N, C, H, W) or (N, H, W), "
                    f"got shape {x.shape}"
                )
            groups = _patch_ids(feat, positive_int_arg(who, "patch_size", patch_size))
        elif perturbation == "mask":
            groups = self._groups(feature_mask, feat)
        base_seed = row_seed(who, seed)
        b = self.prepare_baselines(baselines, x)
        std = self._std(feature_std, feat) if perturbation == "gaussian" else None
        attributions = np.zeros(x.shape, dtype=np.float64)
        scores = np.zeros(x.shape[0])
        with self.evaluating():
            targets = self.targets_for(target, x)
            for i in range(x.shape[0]):
                t = None if targets is None else targets[i : i + 1]
                rng = np.random.default_rng(base_seed)  # the same draws whatever the batch
                if groups is None:
                    coef, scores[i] = self._fit_gaussian(
                        x[i], std, t, samples, kernel_width, rng, batch
                    )
                    attributions[i] = coef.reshape(feat)
                else:
                    coef, scores[i] = self._fit_masks(
                        x[i], b[i], groups, t, samples, kernel_width, rng, batch
                    )
                    attributions[i] = coef[np.searchsorted(np.unique(groups), groups)]
        attributions = attributions.astype(x.dtype)
        return (attributions, scores) if return_score else attributions

    # ------------------------------------------------------------------ parts
    def _groups(self, feature_mask: Any, feat: tuple[int, ...]) -> np.ndarray:
        if feature_mask is None:
            return np.arange(int(np.prod(feat))).reshape(feat)
        m = group_ids(self._who, feature_mask)
        try:
            return np.broadcast_to(m, feat)
        except ValueError:
            raise ValueError(
                f"{self._who}: feature_mask of shape {m.shape} does not match the inputs' "
                f"feature shape {feat}"
            ) from None

    def _std(self, feature_std: Any, feat: tuple[int, ...]) -> np.ndarray:
        s = as_array(feature_std).astype(np.float64)
        try:
            s = np.broadcast_to(s, feat)
        except ValueError:
            raise ValueError(
                f"{self._who}: feature_std of shape {s.shape} does not match the inputs' "
                f"feature shape {feat}"
            ) from None
        if np.any(s <= 0) or not np.all(np.isfinite(s)):
            raise ValueError(f"{self._who}: feature_std must be positive and finite")
        return s.reshape(-1)

    def _evaluate(self, z: np.ndarray, t: np.ndarray | None, batch: int) -> np.ndarray:
        out = self.forward(z, batch)
        return self.select(out, None if t is None else np.repeat(t, z.shape[0])).astype(np.float64)

    def _fit_gaussian(
        self, x: np.ndarray, std: np.ndarray, t: Any, samples: int, width: Any, rng: Any, batch: int
    ) -> tuple[np.ndarray, float]:
        n_feat = std.size
        noise = rng.standard_normal((samples, n_feat))
        noise[0] = 0.0
        offsets = noise * std
        z = (x.reshape(1, -1) + offsets).astype(x.dtype).reshape((samples,) + x.shape)
        y = self._evaluate(z, t, batch)
        width = 0.75 * np.sqrt(n_feat) if width is None else float(width)
        d2 = np.sum(noise * noise, axis=1)
        coef, _, r2 = weighted_least_squares(offsets, y, np.exp(-d2 / width**2))
        return coef, r2

    def _fit_masks(
        self,
        x: np.ndarray,
        b: np.ndarray,
        groups: np.ndarray,
        t: Any,
        samples: int,
        width: Any,
        rng: Any,
        batch: int,
    ) -> tuple[np.ndarray, float]:
        ids, inverse = np.unique(groups, return_inverse=True)
        inverse = inverse.reshape(groups.shape)
        on = rng.random((samples, ids.size)) < 0.5
        on[0] = True
        z = np.where(on[:, inverse], x[None], b[None]).astype(x.dtype)
        y = self._evaluate(z, t, batch)
        n_on = on.sum(axis=1)
        cos = n_on / np.sqrt(np.maximum(n_on, 1) * ids.size)
        width = 0.25 if width is None else float(width)
        d = 1.0 - cos
        coef, _, r2 = weighted_least_squares(on.astype(np.float64), y, np.exp(-(d**2) / width**2))
        return coef, r2
