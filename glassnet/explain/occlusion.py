"""Perturbation methods: ``Occlusion`` (sliding windows) and ``FeatureAblation`` (feature groups)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np

from .._validate import is_int
from .base import Attribution, Baselines, Target, group_ids, positive_int_arg

__all__ = ["Occlusion", "FeatureAblation"]


def _int_tuple(who: str, name: str, value: Any, ndim: int) -> tuple[int, ...]:
    if is_int(value):
        value = (int(value),) * ndim
    if (
        not isinstance(value, Sequence)
        or len(value) != ndim
        or not all(is_int(v) and v > 0 for v in value)
    ):
        raise ValueError(
            f"{who}: {name} must be a positive int or a tuple of {ndim} positive ints "
            f"(one per feature axis of the inputs), got {value!r}"
        )
    return tuple(int(v) for v in value)


class _Perturbation(Attribution):
    """Shared evaluation loop: replace parts of the input by a baseline, measure the drop."""

    def _reference(self, x: np.ndarray, target: Target) -> tuple[np.ndarray | None, np.ndarray]:
        """The resolved targets and the explained output ``F(x)`` of each row (float64)."""
        out_x = self.forward(x)
        targets = self.resolve_target(target, out_x)
        return targets, self.select(out_x, targets).astype(np.float64)

    def _effects(
        self,
        x: np.ndarray,
        b: np.ndarray,
        masks: list[np.ndarray],
        fx: np.ndarray,
        targets: np.ndarray | None,
        per_eval: int,
    ) -> list[np.ndarray]:
        """``F(x) - F(x with mask -> baseline)`` per row, for each boolean mask of shape (N, *)."""
        effects = []
        for start in range(0, len(masks), per_eval):
            group = masks[start : start + per_eval]
            batch = np.concatenate([np.where(m, b, x) for m in group], axis=0)
            out = self.forward(batch)
            rows = np.tile(np.arange(x.shape[0]), len(group))
            vals = self.select(out, None if targets is None else targets[rows])
            for k in range(len(group)):
                effects.append(fx - vals[k * x.shape[0] : (k + 1) * x.shape[0]])
        return effects


class Occlusion(_Perturbation):
    """Slide a window over the input, replace it by a baseline, record the output's drop.

    Every feature gets the mean effect ``F(x) - F(x occluded)`` of the windows
    that cover it (features that no window covers get 0). With 1x1 windows
    on a linear model the result is exactly ``w_i * (x_i - baseline_i)``.

    Parameters
    ----------
    model : Module or callable

    Examples
    --------
    >>> import glassnet as gn
    >>> from glassnet.explain import Occlusion
    >>> model = gn.nn.Sequential(gn.nn.Linear(16, 3))
    >>> occ = Occlusion(lambda x: model(x.reshape(x.shape[0], 16)))
    >>> occ.attribute(gn.randn(2, 1, 4, 4), sliding_window_shapes=(1, 2, 2), strides=2).shape
    (2, 1, 4, 4)
    """

    def attribute(
        self,
        inputs: Any,
        sliding_window_shapes: int | Sequence[int],
        *,
        strides: int | Sequence[int] | None = None,
        baselines: Baselines = 0.0,
        target: Target = None,
        perturbations_per_eval: int = 16,
    ) -> np.ndarray:
        """Occlusion attributions.

        Parameters
        ----------
        inputs : Tensor or ndarray, shape (N, *)
        sliding_window_shapes : int or tuple of int
            Window size along each feature axis (``(C, kh, kw)`` for images).
        strides : int or tuple of int, optional
            Step along each feature axis (default 1).
        baselines : float or array of shape (*) or (N, *), default 0
            What the window is replaced by.
        target : int, sequence of int or None
        perturbations_per_eval : int, default 16
            Window positions evaluated in one forward pass.

        Returns
        -------
        ndarray, shape (N, *)
        """
        x = self.prepare_inputs(inputs)
        feat = x.shape[1:]
        window = _int_tuple(self._who, "sliding_window_shapes", sliding_window_shapes, len(feat))
        step = _int_tuple(self._who, "strides", 1 if strides is None else strides, len(feat))
        per_eval = positive_int_arg(self._who, "perturbations_per_eval", perturbations_per_eval)
        if any(w > d for w, d in zip(window, feat)):
            raise ValueError(
                f"Occlusion: sliding_window_shapes {window} is larger than the inputs' feature "
                f"shape {feat}"
            )
        b = self.prepare_baselines(baselines, x)
        starts = [range(0, d - w + 1, s) for d, w, s in zip(feat, window, step)]
        slices = [
            tuple(slice(p, p + w) for p, w in zip(pos, window))
            for pos in itertools.product(*starts)
        ]
        total = np.zeros(x.shape, dtype=np.float64)
        count = np.zeros(feat, dtype=np.int64)
        with self.evaluating():
            targets, fx = self._reference(x, target)
            for start in range(0, len(slices), per_eval):
                part = slices[start : start + per_eval]
                masks = []
                for sl in part:
                    m = np.zeros((1,) + feat, dtype=bool)
                    m[(slice(None),) + sl] = True
                    masks.append(m)
                effects = self._effects(x, b, masks, fx, targets, per_eval)
                for sl, eff in zip(part, effects):
                    total[(slice(None),) + sl] += eff.reshape((-1,) + (1,) * len(feat))
                    count[sl] += 1
        return (total / np.maximum(count, 1)).astype(x.dtype)


class FeatureAblation(_Perturbation):
    """Replace groups of features by a baseline, one group at a time.

    Each feature gets ``F(x) - F(x with its group ablated)``; features of
    one group share that value.

    Parameters
    ----------
    model : Module or callable

    Examples
    --------
    >>> import glassnet as gn
    >>> from glassnet.explain import FeatureAblation
    >>> model = gn.nn.Linear(4, 2)
    >>> groups = [0, 0, 1, 1]              # features 0-1 and 2-3 together
    >>> FeatureAblation(model).attribute(gn.randn(3, 4), feature_mask=groups, target=0).shape
    (3, 4)
    """

    def attribute(
        self,
        inputs: Any,
        *,
        feature_mask: Any = None,
        baselines: Baselines = 0.0,
        target: Target = None,
        perturbations_per_eval: int = 16,
    ) -> np.ndarray:
        """Ablation attributions.

        Parameters
        ----------
        inputs : Tensor or ndarray, shape (N, *)
        feature_mask : int array of shape (*) or (N, *), optional
            Group id of every feature (broadcastable, e.g. ``(1, H, W)`` to
            group the channels of a pixel); default: every feature alone.
        baselines : float or array of shape (*) or (N, *), default 0
        target : int, sequence of int or None
        perturbations_per_eval : int, default 16
            Groups evaluated in one forward pass.

        Returns
        -------
        ndarray, shape (N, *)
        """
        x = self.prepare_inputs(inputs)
        per_eval = positive_int_arg(self._who, "perturbations_per_eval", perturbations_per_eval)
        b = self.prepare_baselines(baselines, x)
        if feature_mask is None:
            mask = np.arange(int(np.prod(x.shape[1:]))).reshape((1,) + x.shape[1:])
        else:
            mask = group_ids(self._who, feature_mask)
            given = mask.shape
            if mask.ndim < x.ndim:
                mask = mask.reshape((1,) * (x.ndim - mask.ndim) + mask.shape)
            try:
                mask = np.broadcast_to(mask, x.shape)
            except ValueError:
                raise ValueError(
                    f"FeatureAblation: feature_mask of shape {given} does "
                    f"not match inputs of shape {x.shape}; expected shape {x.shape[1:]} or "
                    f"{x.shape} (or broadcastable to it)"
                ) from None
        groups = np.unique(mask)
        total = np.zeros(x.shape, dtype=np.float64)
        with self.evaluating():
            targets, fx = self._reference(x, target)
            for start in range(0, len(groups), per_eval):
                part = [
                    np.broadcast_to(mask == g, x.shape) for g in groups[start : start + per_eval]
                ]
                effects = self._effects(x, b, part, fx, targets, per_eval)
                for m, eff in zip(part, effects):
                    total += np.where(m, eff.reshape((-1,) + (1,) * (x.ndim - 1)), 0.0)
        return total.astype(x.dtype)
