"""Permutation feature importance (Captum's ``FeaturePermutation``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..nn.module import Module
from .base import Inputs, Target, positive_int_arg, row_seed
from .inputs import ForwardArgs
from .occlusion import FeatureAblation

__all__ = ["FeaturePermutation"]

#: ``perm_func(x, mask) -> x'``: ``x`` ``(N, *)``, ``mask`` a boolean array broadcastable to
#: it (the features of one group); returns ``x`` with the masked features shuffled across rows.
PermFunc = Callable[[np.ndarray, np.ndarray], np.ndarray]


class FeaturePermutation(FeatureAblation):
    """Shuffle one group of features across the rows of the batch, measure the change.

    Each feature gets ``F(x) - F(x with its group's values taken from another
    row)``, row by row: the rows of the batch are permuted (never the identity)
    for the group's features only, as Captum's ``FeaturePermutation`` does. The
    batch needs at least two rows. A group is every feature alone by default,
    or given by ``feature_mask`` (ids shared across a tuple of inputs).

    Parameters
    ----------
    model : Module or callable
    perm_func : callable, optional
        ``perm_func(x, mask)`` with ``x`` an input ``(N, *)`` (NumPy) and
        ``mask`` a boolean array broadcastable to it; returns the permuted
        input. Default: ``x[perm]`` on the masked features, ``perm`` a random
        permutation of the rows other than the identity, drawn from
        ``attribute(seed=)``.

    Examples
    --------
    >>> import glassnet as gn
    >>> from glassnet.explain import FeaturePermutation
    >>> model = gn.nn.Linear(4, 2)
    >>> FeaturePermutation(model).attribute(gn.randn(6, 4), target=0).shape
    (6, 4)
    """

    def __init__(self, model: Module | Callable[..., Any], perm_func: PermFunc | None = None) -> None:
        super().__init__(model)
        if perm_func is not None and not callable(perm_func):
            raise TypeError(
                f"FeaturePermutation: perm_func must be callable (x, mask) -> x, got "
                f"{type(perm_func).__name__}"
            )
        self.perm_func = perm_func

    def attribute(  # type: ignore[override]
        self,
        inputs: Any,
        target: Target = None,
        additional_forward_args: Any = None,
        feature_mask: Any = None,
        perturbations_per_eval: int = 1,
        show_progress: bool = False,
        *,
        seed: int | np.random.Generator | None = 0,
    ) -> Any:
        """Permutation attributions.

        The arguments are Captum's, in Captum's order (``show_progress`` is
        accepted and ignored); ``seed`` (glassnet's) draws the permutations.

        Parameters
        ----------
        inputs : Tensor or ndarray, shape (N, *) with N >= 2, or a tuple of them
        target : int, sequence of int, tensor or tuple
            Output explained per row (not needed for one-output models).
        additional_forward_args : any or tuple, optional
        feature_mask : int array of shape (*) or (N, *), or a tuple (one per input), optional
            Group id of every feature; default: every feature alone.
        perturbations_per_eval : int, default 1
            Groups evaluated in one forward pass (each with its own permutation).
        show_progress : bool, default False
        seed : int, Generator or None, default 0
            Seed of the default permutations (None: fresh randomness).

        Returns
        -------
        ndarray, shape (N, *), or a tuple of them for tuple inputs
        """
        xs, as_tuple = self.prepare_all(inputs)
        n = xs[0].shape[0]
        if n < 2:
            raise ValueError(
                f"FeaturePermutation: needs a batch of at least 2 rows to permute, got {n}; "
                "for one row use FeatureAblation(model).attribute(inputs, baselines=...)"
            )
        per_eval = positive_int_arg(self._who, "perturbations_per_eval", perturbations_per_eval)
        masks = self._masks(feature_mask, xs, as_tuple)
        groups = _groups_in_captums_order(masks)
        rng = np.random.default_rng(row_seed(self._who, seed))
        permute = self.perm_func or (lambda x, m: _permute_rows(x, m, rng))
        totals = [np.zeros(x.shape, dtype=np.float64) for x in xs]
        extra = ForwardArgs(additional_forward_args, n)
        with self.evaluating():
            targets, fx = self._reference(xs, target, extra)
            for start in range(0, len(groups), per_eval):
                part = groups[start : start + per_eval]
                batch = self._permuted(xs, masks, part, permute)
                rows = np.tile(np.arange(n), len(part))
                out = self.forward(batch, extra=extra, rows=rows)
                vals = self.select(out, None if targets is None else targets[rows])
                for k, g in enumerate(part):
                    eff = (fx - vals[k * n : (k + 1) * n]).astype(np.float64)
                    for total, m in zip(totals, masks):
                        total += np.where(m == g, eff.reshape((-1,) + (1,) * (total.ndim - 1)), 0.0)
        return self.pack([t.astype(self.result_dtype(x)) for t, x in zip(totals, xs)], as_tuple)

    def _permuted(
        self, xs: Inputs, masks: list[np.ndarray], part: list[int], permute: PermFunc
    ) -> Inputs:
        """The inputs of one forward pass: one copy of the batch per group of ``part``, that
        group's features permuted (inputs without any group of ``part`` left alone; the
        permutations are drawn input by input, then group by group, as Captum does)."""
        out = []
        for x, m in zip(xs, masks):
            if not any(np.any(m == g) for g in part):
                out.append(np.concatenate([x] * len(part)))
                continue
            copies = []
            for g in part:
                y = np.asarray(permute(x, m == g))
                if y.shape != x.shape:
                    raise ValueError(
                        f"FeaturePermutation: perm_func must return the input's shape {x.shape}, "
                        f"got {y.shape}"
                    )
                copies.append(y.astype(x.dtype, copy=False))
            out.append(np.concatenate(copies))
        return tuple(out)


def _groups_in_captums_order(masks: list[np.ndarray]) -> list[int]:
    """Group ids in the order Captum visits them: input by input, sorted within each."""
    seen: dict[int, None] = {}
    for m in masks:
        for g in np.unique(m):
            seen.setdefault(int(g), None)
    return list(seen)


def _permute_rows(x: np.ndarray, mask: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``x`` with the ``mask``-ed features taken from a random other arrangement of the rows."""
    n = x.shape[0]
    perm = rng.permutation(n)
    while np.all(perm == np.arange(n)):
        perm = rng.permutation(n)
    return np.where(mask, x[perm], x)
