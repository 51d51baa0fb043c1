"""Checks that an explanation depends on what the model learned (Adebayo et al., 2018).

A saliency map that stays the same when the trained weights are replaced
by random ones explains the input (edges, bright pixels), not the model.
:func:`cascading_randomization` re-draws the weights layer by layer from the
output down and measures, with :func:`spearman`, how similar each map stays
to the trained model's map.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import backend
from ..nn.module import Module
from .base import as_array

__all__ = ["rank", "spearman", "cascading_randomization"]


def rank(a: Any) -> np.ndarray:
    """Ranks ``0..n-1`` of the values of each row of ``a`` (ties get their average rank).

    Parameters
    ----------
    a : array, shape (N, *) or (n,)

    Returns
    -------
    ndarray of float, shape (N, n) (or (n,) for 1-d input)
    """
    x = as_array(a).astype(np.float64)
    one = x.ndim == 1
    x = x.reshape(1, -1) if one else x.reshape(x.shape[0], -1)
    order = np.argsort(x, axis=1, kind="stable")
    ranks = np.empty_like(x)
    np.put_along_axis(ranks, order, np.arange(x.shape[1], dtype=np.float64)[None], axis=1)
    for i in range(x.shape[0]):  # average the ranks of tied values
        values, inverse, counts = np.unique(x[i], return_inverse=True, return_counts=True)
        if counts.size < x.shape[1]:
            sums = np.bincount(inverse, weights=ranks[i], minlength=values.size)
            ranks[i] = (sums / counts)[inverse]
    return ranks[0] if one else ranks


def spearman(a: Any, b: Any) -> np.ndarray:
    """Spearman rank correlation between paired maps, one value per row.

    Parameters
    ----------
    a, b : array, shape (N, *)
        Two sets of maps (e.g. attributions of N examples by two models).

    Returns
    -------
    ndarray, shape (N,)
        In [-1, 1]; 0 for a row where either map is constant.
    """
    ra, rb = rank(np.atleast_2d(as_array(a))), rank(np.atleast_2d(as_array(b)))
    if ra.shape != rb.shape:
        raise ValueError(
            f"spearman: the maps have different shapes {as_array(a).shape} and {as_array(b).shape}"
        )
    ra = ra - ra.mean(axis=1, keepdims=True)
    rb = rb - rb.mean(axis=1, keepdims=True)
    denom = np.sqrt((ra * ra).sum(axis=1) * (rb * rb).sum(axis=1))
    num = (ra * rb).sum(axis=1)
    return np.where(denom > 0, num / np.where(denom > 0, denom, 1.0), 0.0)


def cascading_randomization(
    model: Module,
    explain: Callable[[Module], Any],
    *,
    absolute: bool = True,
    seed: int = 0,
) -> list[tuple[str, float]]:
    """Randomise layers from the top down and compare each map with the trained one.

    The model itself is not changed: a deep copy is randomised. Each
    parameter of a layer is redrawn from a normal distribution with the
    trained parameter's standard deviation; layers stay randomised as the
    cascade moves down.

    Parameters
    ----------
    model : Module
        The trained model.
    explain : callable
        ``explain(model) -> attributions (N, *)``; called on the trained model
        and after each randomisation step, e.g.
        ``lambda m: Saliency(m).attribute(x, target=t)``. Pass an explicit
        target so every step explains the same class.
    absolute : bool, default True
        Compare ``|map|`` (as Adebayo et al. do for saliency).
    seed : int, default 0

    Returns
    -------
    list of (str, float)
        ``('trained', 1.0)`` then, per randomised layer (top first), its name
        and the mean Spearman correlation of the maps with the trained maps.
        Examples whose trained map is constant (e.g. an all-zero Grad-CAM map,
        where every class-weighted activation is negative) carry no ranking
        and are left out of the mean.
    """
    if not isinstance(model, Module):
        raise TypeError(
            f"cascading_randomization: model must be a glassnet Module, got {type(model).__name__}"
        )
    rng = np.random.default_rng(seed)
    work = copy.deepcopy(model)

    def maps(m: Module) -> np.ndarray:
        a = as_array(explain(m)).astype(np.float64)
        return np.abs(a) if absolute else a

    reference = maps(work)
    flat = reference.reshape(reference.shape[0], -1)
    informative = flat.max(axis=1) > flat.min(axis=1)
    if not informative.any():
        raise ValueError(
            "cascading_randomization: every map of the trained model is constant, "
            "so there is no ranking to compare; explain other examples or another target"
        )
    reference = reference[informative]
    results: list[tuple[str, float]] = [("trained", float(spearman(reference, reference).mean()))]
    layers = [
        (n, m) for n, m in work.named_modules() if any(True for _ in m.parameters(recurse=False))
    ]
    for name, layer in reversed(layers):
        for p in layer.parameters(recurse=False):
            scale = float(p.numpy().std()) or 0.01
            fresh = rng.standard_normal(p.shape) * scale
            p.array[...] = backend.to_device(fresh.astype(p.dtype), p.device)
        results.append((name, float(spearman(reference, maps(work)[informative]).mean())))
    return results
