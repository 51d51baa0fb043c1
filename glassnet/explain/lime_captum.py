"""Captum's ``Lime``: a sparse linear model of the output on groups of features switched on and off.

For each example, ``n_samples`` random coalitions ``z`` of the feature groups
(each group present with probability 1/2) are evaluated with the absent groups
set to the baseline; each sample is weighted by its similarity to the example
(Captum's default: ``exp(-d^2 / 2)``, ``d`` the cosine distance between the
flattened example and the perturbed input) and an interpretable linear model
is fitted to the explained outputs. Its coefficients, one per group, are the
attributions. Captum's default model is scikit-learn's ``Lasso(alpha=0.01)``;
glassnet solves the same weighted Lasso problem with NumPy (no scikit-learn
needed). See :class:`glassnet.explain.LimeSurrogate` for glassnet's own LIME
(Gaussian and patch perturbations, R^2).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from ..nn.module import Module
from .base import Inputs, Target, positive_int_arg, row_seed
from .inputs import ForwardArgs
from .occlusion import FeatureAblation
from .shapley import _Coalitions

__all__ = ["Lime", "exp_kernel_similarity", "weighted_lasso"]

INTERPRETABLE_MODELS = ("lasso", "linear")


def exp_kernel_similarity(
    distance_mode: str = "cosine", kernel_width: float = 1.0
) -> Callable[..., float]:
    """Captum's ``get_exp_kernel_similarity_function``: ``exp(-d^2 / (2 kernel_width^2))``
    with ``d`` the cosine (or Euclidean) distance of the flattened original and perturbed
    inputs (tuples concatenated)."""
    if distance_mode not in ("cosine", "euclidean"):
        raise ValueError(
            f"exp_kernel_similarity: distance_mode must be 'cosine' or 'euclidean', "
            f"got {distance_mode!r}"
        )

    def similarity(original: Any, perturbed: Any, _interpretable: Any, **kwargs: Any) -> float:
        a = _flat(original)
        b = _flat(perturbed)
        if distance_mode == "cosine":
            norms = max(float(np.linalg.norm(a) * np.linalg.norm(b)), 1e-8)
            d = 1.0 - float(a @ b) / norms
        else:
            d = float(np.linalg.norm(a - b))
        return float(np.exp(-(d**2) / (2.0 * kernel_width**2)))

    return similarity


def _flat(x: Any) -> np.ndarray:
    parts = x if isinstance(x, tuple) else (x,)
    return np.concatenate([np.asarray(p, dtype=np.float64).ravel() for p in parts])


def weighted_lasso(
    z: np.ndarray, y: np.ndarray, w: np.ndarray, alpha: float = 0.01, tol: float = 1e-12
) -> np.ndarray:
    """Coefficients of scikit-learn's ``Lasso(alpha)`` with an intercept and sample weights:
    minimise ``sum_i v_i (y_i - b - z_i @ c)^2 / 2 + alpha * |c|_1`` with ``v = w / sum(w)``,
    by coordinate descent to convergence.

    Parameters
    ----------
    z : ndarray, shape (S, G)
    y : ndarray, shape (S,)
    w : ndarray, shape (S,), non-negative
    alpha : float, default 0.01
    tol : float, default 1e-12
        Stop when no coefficient moves by more than this.

    Returns
    -------
    ndarray, shape (G,)
    """
    v = np.asarray(w, dtype=np.float64)
    v = v / v.sum()
    zc = z - v @ z
    yc = y - v @ y
    scale = v @ (zc * zc)  # per column
    coef = np.zeros(z.shape[1])
    resid = yc.copy()
    for _ in range(10000):
        biggest = 0.0
        for j in np.flatnonzero(scale > 0):
            old = coef[j]
            rho = v @ (zc[:, j] * resid) + scale[j] * old
            new = np.sign(rho) * max(abs(rho) - alpha, 0.0) / scale[j]
            if new != old:
                resid -= zc[:, j] * (new - old)
                coef[j] = new
                biggest = max(biggest, abs(new - old))
        if biggest <= tol:
            break
    return coef


def _weighted_linear(z: np.ndarray, y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted least squares with an intercept (scikit-learn's ``LinearRegression``;
    the minimum-norm fit when the samples do not determine it)."""
    v = np.asarray(w, dtype=np.float64)
    v = v / v.sum()
    root = np.sqrt(v)[:, None]
    coef, *_ = np.linalg.lstsq(root * (z - v @ z), root[:, 0] * (y - v @ y), rcond=None)
    return coef


class Lime(_Coalitions):
    """Captum's ``Lime`` with Captum's constructor and ``attribute`` arguments.

    Parameters
    ----------
    model : Module or callable
    interpretable_model : None, 'lasso', 'linear' or an estimator, optional
        The surrogate fitted to each example's samples. None / ``'lasso'``:
        the weighted Lasso with ``alpha=0.01`` (Captum's default,
        ``SkLearnLasso(alpha=0.01)``), see :func:`weighted_lasso`;
        ``'linear'``: weighted least squares (Captum's
        ``SkLearnLinearRegression``); or any object with scikit-learn's
        ``fit(X, y, sample_weight=w)`` and ``coef_`` (e.g.
        ``sklearn.linear_model.Ridge()``). Captum's own ``Model`` objects
        are refused.
    similarity_func : callable, optional
        ``similarity_func(original_inputs, perturbed_inputs, interpretable_sample,
        **kwargs) -> float`` on NumPy arrays (tuples for tuple inputs; the sample
        ``(1, G)`` of 0/1; ``kwargs`` as for ``perturb_func`` below); default
        :func:`exp_kernel_similarity` (cosine distance, width 1, Captum's).
    perturb_func : callable, optional
        ``perturb_func(original_inputs, **kwargs)`` returning a binary array
        ``(1, G)`` (which groups are present); ``kwargs`` hold
        ``num_interp_features``, ``baselines`` and ``feature_mask`` (the
        example's, Captum's), and ``rng`` (glassnet's generator) when the
        function takes it. Default: each group present with
        probability 1/2, drawn from ``attribute(seed=)``.

    Examples
    --------
    >>> import glassnet as gn
    >>> from glassnet.explain import Lime
    >>> model = gn.nn.Linear(4, 2)
    >>> Lime(model).attribute(gn.randn(3, 4), target=1, n_samples=40).shape
    (3, 4)
    """

    def __init__(
        self,
        model: Module | Callable[..., Any],
        interpretable_model: Any = None,
        similarity_func: Callable[..., Any] | None = None,
        perturb_func: Callable[..., Any] | None = None,
    ) -> None:
        super().__init__(model)
        if isinstance(interpretable_model, str):
            if interpretable_model not in INTERPRETABLE_MODELS:
                raise ValueError(
                    f"{self._who}: interpretable_model must be None, 'lasso', 'linear' or an "
                    f"estimator with fit(X, y, sample_weight=) and coef_, got "
                    f"{interpretable_model!r}"
                )
        elif interpretable_model is not None and not hasattr(interpretable_model, "fit"):
            raise TypeError(
                f"{self._who}: interpretable_model must be None, 'lasso', 'linear' or an "
                f"estimator with fit(X, y, sample_weight=) and coef_, got "
                f"{type(interpretable_model).__name__}"
            )
        elif type(interpretable_model).__module__.startswith("captum"):
            raise TypeError(
                f"{self._who}: Captum's interpretable models (torch) are not supported; pass "
                "None or 'lasso' for SkLearnLasso(alpha=0.01), 'linear' for "
                "SkLearnLinearRegression, or a scikit-learn estimator"
            )
        for name, f in (("similarity_func", similarity_func), ("perturb_func", perturb_func)):
            if f is not None and not callable(f):
                raise TypeError(f"{self._who}: {name} must be callable, got {type(f).__name__}")
        self.interpretable_model = interpretable_model
        self.similarity_func = similarity_func or exp_kernel_similarity()
        self.perturb_func = perturb_func

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
        """LIME coefficients, one surrogate per example (Captum's arguments and order).

        Parameters
        ----------
        inputs : Tensor or ndarray, shape (N, *), or a tuple of them
        baselines : None, scalar, array of shape (*) or (N, *), or a tuple (one per input)
            The value of an absent group; None means zeros.
        target : int, sequence of int, tensor or tuple
            Output explained per row (not needed for one-output models).
        additional_forward_args : any or tuple, optional
        feature_mask : int array of shape (*) or (N, *), or a tuple (one per input), optional
            Group ids, numbered from 0 (Captum shifts them to start at 0; an id
            below the largest that no feature has still gets a coefficient,
            0 with Lasso); default: every feature alone.
        n_samples : int, default 25
            Coalitions drawn per example.
        perturbations_per_eval : int, default 1
            Coalitions evaluated in one forward pass.
        return_input_shape : bool, default True
            False returns the coefficients, ``(N, G)``.
        show_progress : bool, default False
            Accepted for Captum's signature.
        seed : int, Generator or None, default 0
            Seed of the default coalitions (None: fresh randomness).

        Returns
        -------
        ndarray, shape (N, *), or a tuple of them for tuple inputs; (N, G) with
        ``return_input_shape=False``
        """
        samples = positive_int_arg(self._who, "n_samples", n_samples)
        per_eval = positive_int_arg(self._who, "perturbations_per_eval", perturbations_per_eval)
        xs, as_tuple = self.prepare_all(inputs)
        bs = self.prepare_all_baselines(baselines, xs, as_tuple)
        masks = self._captum_masks(feature_mask, xs, as_tuple)
        g = 1 + max(int(m.max()) for m in masks)
        rng = np.random.default_rng(row_seed(self._who, seed))
        n = xs[0].shape[0]
        extra = ForwardArgs(additional_forward_args, n)
        coefs = np.zeros((n, g))
        with self.evaluating():
            targets = self.targets_for(target, xs, extra)
            for i in range(n):
                coefs[i] = self._one(i, xs, bs, masks, g, samples, per_eval, targets, extra, rng)
        if not return_input_shape:
            return coefs.astype(self.result_dtype(xs[0]))
        res = []
        for x, m in zip(xs, masks):
            rows = np.arange(n).reshape((-1,) + (1,) * (x.ndim - 1))
            res.append(coefs[rows, m].astype(self.result_dtype(x)))
        return self.pack(res, as_tuple)

    def _captum_masks(self, feature_mask: Any, xs: Inputs, as_tuple: bool) -> list[np.ndarray]:
        """Group ids per input (broadcast to it), shifted to start at 0 as Captum does."""
        masks = FeatureAblation._masks(self, feature_mask, xs, as_tuple)  # type: ignore[arg-type]
        low = min(int(m.min()) for m in masks)
        return [m - low for m in masks] if low else masks

    def _one(
        self,
        i: int,
        xs: Inputs,
        bs: Inputs,
        masks: list[np.ndarray],
        g: int,
        samples: int,
        per_eval: int,
        targets: np.ndarray | None,
        extra: ForwardArgs,
        rng: np.random.Generator,
    ) -> np.ndarray:
        """The surrogate's coefficients ``(G,)`` for example ``i``."""
        x1 = tuple(x[i : i + 1] for x in xs)
        b1 = tuple(b[i : i + 1] for b in bs)
        m1 = tuple(m[i : i + 1] for m in masks)
        orig = x1 if len(xs) > 1 else x1[0]
        kw = {"num_interp_features": g, "baselines": b1 if len(xs) > 1 else b1[0],
              "feature_mask": m1 if len(xs) > 1 else m1[0]}  # fmt: skip
        zs, sims, batch = [], [], []
        gen = None
        if inspect.isgeneratorfunction(self.perturb_func):  # Captum: one generator per example
            gen = self.perturb_func(orig, **kw, **self._rng_arg(rng))
        for _ in range(samples):
            if gen is not None:
                z = next(gen, None)
                if z is None:
                    raise ValueError(
                        f"{self._who}: perturb_func's generator stopped after {len(zs)} of "
                        f"{samples} samples; lower n_samples or yield more"
                    )
            z = self._draw(orig, kw, rng, g) if gen is None else self._checked_sample(z, g)
            pert = tuple(np.where(z[m], x, b) for x, b, m in zip(x1, b1, m1))
            zs.append(z)
            one = pert if len(xs) > 1 else pert[0]
            sims.append(float(self.similarity_func(orig, one, z[None].astype(np.int64), **kw)))
            batch.append(pert)
        vals = []
        for start in range(0, samples, per_eval):
            part = batch[start : start + per_eval]
            stacked = tuple(np.concatenate(p) for p in zip(*part))
            rows = np.full(len(part), i)
            out = self.forward(stacked, extra=extra, rows=rows)
            vals.append(self.select(out, None if targets is None else targets[rows]))
        y = np.concatenate(vals).astype(np.float64)
        return self._fit(np.array(zs, dtype=np.float64), y, np.array(sims))

    def _draw(self, orig: Any, kw: dict, rng: np.random.Generator, g: int) -> np.ndarray:
        if self.perturb_func is None:
            z = rng.integers(0, 2, (1, g))
        else:
            z = np.asarray(self.perturb_func(orig, **kw, **self._rng_arg(rng)))
        return self._checked_sample(z, g)

    def _checked_sample(self, z: Any, g: int) -> np.ndarray:
        z = np.asarray(z).reshape(-1)
        if z.shape != (g,) or not np.all((z == 0) | (z == 1)):
            raise ValueError(
                f"{self._who}: perturb_func must return a binary array (1, {g}), one entry per "
                f"feature group, got shape {np.shape(z)}"
            )
        return z.astype(bool)

    def _rng_arg(self, rng: np.random.Generator) -> dict:
        """``{'rng': rng}`` when ``perturb_func`` takes it (by name or ``**kwargs``)."""
        try:
            params = inspect.signature(self.perturb_func).parameters.values()
        except (TypeError, ValueError):
            return {}
        takes = any(p.kind is p.VAR_KEYWORD or p.name == "rng" for p in params)
        return {"rng": rng} if takes else {}

    def _fit(self, z: np.ndarray, y: np.ndarray, w: np.ndarray) -> np.ndarray:
        if np.sum(w) <= 0:
            raise ValueError(
                f"{self._who}: every sample has similarity 0 to the example; the surrogate "
                "cannot be fitted (check similarity_func or use more samples)"
            )
        est = self.interpretable_model
        if est is None or est == "lasso":
            return weighted_lasso(z, y, w, alpha=0.01)
        if est == "linear":
            return _weighted_linear(z, y, w)
        est.fit(z, y, sample_weight=w)
        return np.asarray(est.coef_, dtype=np.float64).reshape(-1)
