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
    Target,
    as_array,
    choice_arg,
    float_arg,
    group_ids,
    positive_int_arg,
    row_seed,
)
from .inputs import ForwardArgs, per_input

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
        baselines: Any = 0.0,
        target: Target = None,
        additional_forward_args: Any = None,
        feature_mask: Any = None,
        n_samples: int = 1000,
        *,
        perturbation: str = "auto",
        feature_std: Any = 1.0,
        patch_size: int = 4,
        kernel_width: float | None = None,
        seed: int | np.random.Generator | None = 0,
        batch_size: int = 256,
        return_score: bool = False,
    ) -> Any:
        """Surrogate coefficients of each row.

        The first six arguments are Captum's ``Lime.attribute`` arguments, in its order.

        Parameters
        ----------
        inputs : Tensor or ndarray, shape (N, *), or a tuple of them
            With a tuple, one surrogate is fitted over the features of all inputs.
        baselines : float or array of shape (*) or (N, *), or a tuple (one per input), default 0
            Values of switched-off features (``'mask'``, ``'patches'``).
        target : int or sequence of int
            Class explained per row (not needed for one-output models).
        additional_forward_args : any or tuple, optional
            Passed to the model after the inputs (see :mod:`glassnet.explain.inputs`).
        feature_mask : int array of shape (*), or a tuple (one per input), optional
            Group ids for ``'mask'`` (default: every feature alone); ids are
            shared across the inputs of a tuple.
        n_samples : int, default 1000
            Perturbed samples per example (the example itself is the first).
        perturbation : {'auto', 'gaussian', 'mask', 'patches'}
        feature_std : float or array of shape (*), or a tuple (one per input), default 1
            Noise scale per feature for ``'gaussian'``; pass the training
            data's standard deviation (``X_train.std(0)``) for raw features.
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
        attributions : ndarray, shape (N, *), or a tuple of them for tuple inputs
        r2 : ndarray, shape (N,)
            Only with ``return_score=True``.
        """
        who = self._who
        choice_arg(who, "perturbation", perturbation, LIME_PERTURBATIONS)
        samples = positive_int_arg(who, "n_samples", n_samples, 2)
        batch = positive_int_arg(who, "batch_size", batch_size)
        if kernel_width is not None:
            float_arg(who, "kernel_width", kernel_width, positive=True)
        xs, as_tuple = self.prepare_all(inputs)
        if perturbation == "auto":
            perturbation = "patches" if all(x.ndim == 4 for x in xs) else "gaussian"
        flat = _Flat(xs)
        groups = std = None
        if perturbation == "patches":
            groups = self._patch_groups(xs, patch_size)
        elif perturbation == "mask":
            groups = self._groups(feature_mask, xs, as_tuple)
        else:
            each = per_input(who, "feature_std", feature_std, len(xs), as_tuple)
            std = np.concatenate([self._std(s, x.shape[1:]) for s, x in zip(each, xs)])
        base_seed = row_seed(who, seed)
        b = flat.join(self.prepare_all_baselines(baselines, xs, as_tuple))
        x_flat = flat.join(xs)
        attributions = np.zeros(x_flat.shape, dtype=np.float64)
        scores = np.zeros(x_flat.shape[0])
        extra = ForwardArgs(additional_forward_args, x_flat.shape[0])
        with self.evaluating():
            targets = self.targets_for(target, xs, extra)
            for i in range(x_flat.shape[0]):
                fit = _Fit(self, flat, extra, i, None if targets is None else targets[i], batch)
                rng = np.random.default_rng(base_seed)  # the same draws whatever the batch
                if groups is None:
                    attributions[i], scores[i] = fit.gaussian(
                        x_flat[i], std, samples, kernel_width, rng
                    )
                else:
                    coef, scores[i] = fit.masks(x_flat[i], b[i], groups, samples, kernel_width, rng)
                    attributions[i] = coef[np.searchsorted(np.unique(groups), groups)]
        result = self.pack(
            [a.astype(x.dtype) for a, x in zip(flat.split(attributions), xs)], as_tuple
        )
        return (result, scores) if return_score else result

    # ------------------------------------------------------------------ parts
    def _patch_groups(self, xs: tuple[np.ndarray, ...], patch_size: int) -> np.ndarray:
        """Patch ids of every feature of every input (flat), each input's ids after the last's."""
        patch = positive_int_arg(self._who, "patch_size", patch_size)
        ids, offset = [], 0
        for x in xs:
            if x.ndim < 3:
                raise ValueError(
                    f"{self._who}: perturbation='patches' needs image inputs (N, C, H, W) or "
                    f"(N, H, W), got shape {x.shape}"
                )
            g = _patch_ids(x.shape[1:], patch)
            ids.append(g.ravel() + offset)
            offset += int(g.max()) + 1
        return np.concatenate(ids)

    def _groups(self, feature_mask: Any, xs: tuple[np.ndarray, ...], as_tuple: bool) -> np.ndarray:
        """Group ids of every feature of every input (flat); ids are shared across inputs, an
        input without a mask gets one id per feature above the given ones."""
        each = per_input(self._who, "feature_mask", feature_mask, len(xs), as_tuple)
        given = [None if m is None else self._group_mask(m, x.shape[1:]) for m, x in zip(each, xs)]
        next_id = 1 + max((int(m.max()) for m in given if m is not None), default=-1)
        ids = []
        for m, x in zip(given, xs):
            if m is None:
                size = int(np.prod(x.shape[1:]))
                m = np.arange(next_id, next_id + size)
                next_id += size
            ids.append(np.asarray(m).ravel())
        return np.concatenate(ids)

    def _group_mask(self, feature_mask: Any, feat: tuple[int, ...]) -> np.ndarray:
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


class _Flat:
    """The features of all inputs of a row side by side, ``(N, F_1 + F_2 + ...)``, and back."""

    def __init__(self, xs: tuple[np.ndarray, ...]) -> None:
        self.shapes = [x.shape[1:] for x in xs]
        self.dtype = xs[0].dtype
        self.cuts = np.cumsum([int(np.prod(f)) for f in self.shapes])[:-1]

    def join(self, xs: tuple[np.ndarray, ...]) -> np.ndarray:
        return np.concatenate([x.reshape(x.shape[0], -1) for x in xs], axis=1)

    def split(self, flat: np.ndarray) -> list[np.ndarray]:
        parts = np.split(flat, self.cuts, axis=1)
        return [p.reshape((flat.shape[0],) + f) for p, f in zip(parts, self.shapes)]


class _Fit:
    """The surrogate fits of one example ``i``: samples around it, the model's outputs, WLS."""

    def __init__(
        self, lime: LimeSurrogate, flat: _Flat, extra: ForwardArgs, i: int, t: Any, batch: int
    ) -> None:
        self.lime, self.flat, self.extra, self.i, self.t, self.batch = (
            lime,
            flat,
            extra,
            i,
            t,
            batch,
        )

    def evaluate(self, z: np.ndarray) -> np.ndarray:
        """The explained output for samples ``z`` ``(S, F)`` of the example (float64)."""
        rows = np.full(z.shape[0], self.i)
        out = self.lime.forward(tuple(self.flat.split(z)), self.batch, self.extra, rows)
        t = None if self.t is None else np.full(z.shape[0], self.t)
        return self.lime.select(out, t).astype(np.float64)

    def gaussian(
        self, x: np.ndarray, std: np.ndarray, samples: int, width: Any, rng: Any
    ) -> tuple[np.ndarray, float]:
        n_feat = std.size
        noise = rng.standard_normal((samples, n_feat))
        noise[0] = 0.0
        offsets = noise * std
        y = self.evaluate((x.reshape(1, -1) + offsets).astype(x.dtype))
        width = 0.75 * np.sqrt(n_feat) if width is None else float(width)
        d2 = np.sum(noise * noise, axis=1)
        coef, _, r2 = weighted_least_squares(offsets, y, np.exp(-d2 / width**2))
        return coef, r2

    def masks(
        self, x: np.ndarray, b: np.ndarray, groups: np.ndarray, samples: int, width: Any, rng: Any
    ) -> tuple[np.ndarray, float]:
        ids, inverse = np.unique(groups, return_inverse=True)
        on = rng.random((samples, ids.size)) < 0.5
        on[0] = True
        y = self.evaluate(np.where(on[:, inverse], x[None], b[None]).astype(x.dtype))
        n_on = on.sum(axis=1)
        cos = n_on / np.sqrt(np.maximum(n_on, 1) * ids.size)
        width = 0.25 if width is None else float(width)
        d = 1.0 - cos
        coef, _, r2 = weighted_least_squares(on.astype(np.float64), y, np.exp(-(d**2) / width**2))
        return coef, r2
