"""Perturbation methods: ``Occlusion`` (sliding windows) and ``FeatureAblation`` (feature groups)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np

from .._validate import is_int
from .base import Attribution, Inputs, Target, group_ids, positive_int_arg
from .inputs import ForwardArgs, per_input

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


def _is_sequence(value: Any) -> bool:
    """Whether ``value`` is a list/tuple (of window sizes), not an int or a string."""
    return isinstance(value, Sequence) and not isinstance(value, str)


def _per_input_shapes(
    who: str, name: str, value: Any, xs: Inputs, as_tuple: bool
) -> list[tuple[int, ...]]:
    """A window shape or stride per input: with tuple inputs, a tuple of one per input (an int
    applies to all; with one input a single shape is accepted too)."""
    n = len(xs)
    if not as_tuple and isinstance(value, tuple) and len(value) == 1 and _is_sequence(value[0]):
        each, names = [value[0]], [name]  # Captum's tuple of one shape for one input
    elif not as_tuple:
        each, names = [value], [name]
    elif isinstance(value, (int, np.integer)):
        each, names = [value] * n, [name] * n
    elif isinstance(value, Sequence) and len(value) == n:
        each, names = list(value), [f"{name}[{i}]" for i in range(n)]
    elif n == 1:
        each, names = [value], [name]
    else:
        raise ValueError(
            f"{who}: with a tuple of {n} inputs, {name} must be a tuple with one entry per "
            f"input, got {value!r}"
        )
    return [_int_tuple(who, nm, v, x.ndim - 1) for nm, v, x in zip(names, each, xs)]


def _window_starts(d: int, w: int, s: int) -> range:
    """Window starts along one axis: every ``s`` from 0 until a window reaches the end (the last
    one clipped at the edge when the windows do not tile the axis, as in Captum)."""
    count = -(-(d - w) // s) + 1
    return range(0, count * s, s)


class _Perturbation(Attribution):
    """Shared evaluation loop: replace parts of the inputs by a baseline, measure the drop.

    Integer inputs (token ids, category codes) are perturbed as they are, with integer
    baselines, as in Captum; their attributions are floats.
    """

    keeps_integer_inputs = True

    def _reference(
        self, xs: Inputs, target: Target, extra: ForwardArgs
    ) -> tuple[np.ndarray | None, np.ndarray]:
        """The resolved targets and the explained output ``F(x)`` of each row (float64)."""
        out_x = self.forward(xs, extra=extra)
        targets = self.resolve_target(target, out_x)
        return targets, self.select(out_x, targets).astype(np.float64)

    def _effects(
        self,
        xs: Inputs,
        bs: Inputs,
        masks: list[tuple[np.ndarray | None, ...]],
        fx: np.ndarray,
        targets: np.ndarray | None,
        extra: ForwardArgs,
    ) -> list[np.ndarray]:
        """``F(x) - F(x with mask -> baseline)`` per row, for each perturbation, in one forward
        pass. A perturbation has one boolean mask per input (broadcastable to it; None: the
        input is left alone)."""
        n = xs[0].shape[0]
        batch = tuple(
            np.concatenate([x if m[i] is None else np.where(m[i], b, x) for m in masks], axis=0)
            for i, (x, b) in enumerate(zip(xs, bs))
        )
        rows = np.tile(np.arange(n), len(masks))
        out = self.forward(batch, extra=extra, rows=rows)
        vals = self.select(out, None if targets is None else targets[rows])
        return [fx - vals[k * n : (k + 1) * n] for k in range(len(masks))]


class Occlusion(_Perturbation):
    """Slide a window over the input, replace it by a baseline, record the output's drop.

    Every feature gets the mean effect ``F(x) - F(x occluded)`` of the windows
    that cover it. Windows start every ``strides`` until one reaches the end
    of the axis; when they do not tile it the last one is clipped at the edge
    (as in Captum), so with ``strides <= sliding_window_shapes`` every feature
    is covered (features no window covers, with larger strides, get 0). With
    1x1 windows on a linear model the result is exactly
    ``w_i * (x_i - baseline_i)``. With a tuple of inputs each input is
    occluded on its own, the others left as they are.

    Parameters
    ----------
    model : Module or callable

    Examples
    --------
    >>> import glassnet as gn
    >>> from glassnet.explain import Occlusion
    >>> model = gn.nn.Sequential(gn.nn.Linear(16, 3))
    >>> occ = Occlusion(lambda x: model(x.reshape(x.shape[0], 16)))
    >>> occ.attribute(gn.randn(2, 1, 4, 4), sliding_window_shapes=(1, 2, 2), strides=2,
    ...               target=0).shape
    (2, 1, 4, 4)
    """

    def attribute(
        self,
        inputs: Any,
        sliding_window_shapes: Any,
        strides: Any = None,
        baselines: Any = 0.0,
        target: Target = None,
        additional_forward_args: Any = None,
        perturbations_per_eval: int = 16,
        show_progress: bool = False,
    ) -> Any:
        """Occlusion attributions.

        The arguments are Captum's, in Captum's order.

        Parameters
        ----------
        inputs : Tensor or ndarray, shape (N, *), or a tuple of them
        sliding_window_shapes : int or tuple of int (a tuple of them per input for tuple inputs)
            Window size along each feature axis (``(C, kh, kw)`` for images).
        strides : int or tuple of int (per input for tuple inputs), optional
            Step along each feature axis (default 1).
        baselines : float or array of shape (*) or (N, *), or a tuple (one per input), default 0
            What the window is replaced by.
        target : int or sequence of int
            Class explained per row (not needed for one-output models).
        additional_forward_args : any or tuple, optional
            Passed to the model after the inputs (see :mod:`glassnet.explain.inputs`).
        perturbations_per_eval : int, default 16
            Window positions evaluated in one forward pass.
        show_progress : bool, default False
            Accepted for Captum's signature (no progress bar is shown).

        Returns
        -------
        ndarray, shape (N, *), or a tuple of them for tuple inputs
        """
        xs, as_tuple = self.prepare_all(inputs)
        who = self._who
        windows = _per_input_shapes(
            who, "sliding_window_shapes", sliding_window_shapes, xs, as_tuple
        )
        steps = _per_input_shapes(who, "strides", 1 if strides is None else strides, xs, as_tuple)
        per_eval = positive_int_arg(who, "perturbations_per_eval", perturbations_per_eval)
        for window, x in zip(windows, xs):
            if any(w > d for w, d in zip(window, x.shape[1:])):
                raise ValueError(
                    f"Occlusion: sliding_window_shapes {window} is larger than the inputs' "
                    f"feature shape {x.shape[1:]}"
                )
        bs = self.prepare_all_baselines(baselines, xs, as_tuple)
        places = [
            (i, tuple(slice(p, p + w) for p, w in zip(pos, window)))
            for i, (x, window, step) in enumerate(zip(xs, windows, steps))
            for pos in itertools.product(
                *(_window_starts(d, w, s) for d, w, s in zip(x.shape[1:], window, step))
            )
        ]
        totals = [np.zeros(x.shape, dtype=np.float64) for x in xs]
        counts = [np.zeros(x.shape[1:], dtype=np.int64) for x in xs]
        extra = ForwardArgs(additional_forward_args, xs[0].shape[0])
        with self.evaluating():
            targets, fx = self._reference(xs, target, extra)
            for start in range(0, len(places), per_eval):
                part = places[start : start + per_eval]
                masks = [self._window_mask(xs, i, sl) for i, sl in part]
                for (i, sl), eff in zip(part, self._effects(xs, bs, masks, fx, targets, extra)):
                    totals[i][(slice(None),) + sl] += eff.reshape((-1,) + (1,) * len(sl))
                    counts[i][sl] += 1
        means = [t / np.maximum(c, 1) for t, c in zip(totals, counts)]
        return self.pack([m.astype(self.result_dtype(x)) for m, x in zip(means, xs)], as_tuple)

    @staticmethod
    def _window_mask(xs: Inputs, i: int, sl: tuple[slice, ...]) -> tuple[np.ndarray | None, ...]:
        m = np.zeros((1,) + xs[i].shape[1:], dtype=bool)
        m[(slice(None),) + sl] = True
        return tuple(m if j == i else None for j in range(len(xs)))


class FeatureAblation(_Perturbation):
    """Replace groups of features by a baseline, one group at a time.

    Each feature gets ``F(x) - F(x with its group ablated)``; features of
    one group share that value. With a tuple of inputs, group ids are shared
    across the inputs (as in Captum): features of several inputs with the same
    id are ablated together.

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
        baselines: Any = 0.0,
        target: Target = None,
        additional_forward_args: Any = None,
        feature_mask: Any = None,
        perturbations_per_eval: int = 16,
        show_progress: bool = False,
    ) -> Any:
        """Ablation attributions.

        The arguments are Captum's, in Captum's order.

        Parameters
        ----------
        inputs : Tensor or ndarray, shape (N, *), or a tuple of them
        baselines : float or array of shape (*) or (N, *), or a tuple (one per input), default 0
        target : int or sequence of int
            Class explained per row (not needed for one-output models).
        additional_forward_args : any or tuple, optional
            Passed to the model after the inputs (see :mod:`glassnet.explain.inputs`).
        feature_mask : int array of shape (*) or (N, *), or a tuple (one per input), optional
            Group id of every feature (broadcastable, e.g. ``(1, H, W)`` to
            group the channels of a pixel); default: every feature alone.
        perturbations_per_eval : int, default 16
            Groups evaluated in one forward pass.
        show_progress : bool, default False
            Accepted for Captum's signature (no progress bar is shown).

        Returns
        -------
        ndarray, shape (N, *), or a tuple of them for tuple inputs
        """
        xs, as_tuple = self.prepare_all(inputs)
        per_eval = positive_int_arg(self._who, "perturbations_per_eval", perturbations_per_eval)
        bs = self.prepare_all_baselines(baselines, xs, as_tuple)
        masks = self._masks(feature_mask, xs, as_tuple)
        groups = np.unique(np.concatenate([m.ravel() for m in masks]))
        totals = [np.zeros(x.shape, dtype=np.float64) for x in xs]
        extra = ForwardArgs(additional_forward_args, xs[0].shape[0])
        with self.evaluating():
            targets, fx = self._reference(xs, target, extra)
            for start in range(0, len(groups), per_eval):
                part = [tuple(m == g for m in masks) for g in groups[start : start + per_eval]]
                for p, eff in zip(part, self._effects(xs, bs, part, fx, targets, extra)):
                    for total, m in zip(totals, p):
                        total += np.where(m, eff.reshape((-1,) + (1,) * (total.ndim - 1)), 0.0)
        return self.pack([t.astype(self.result_dtype(x)) for t, x in zip(totals, xs)], as_tuple)

    def _masks(self, feature_mask: Any, xs: Inputs, as_tuple: bool) -> list[np.ndarray]:
        """Group ids per input, broadcast to its shape; inputs without a mask get one id per
        feature, above every given id."""
        each = per_input(self._who, "feature_mask", feature_mask, len(xs), as_tuple)
        given = [
            None if m is None else self._mask(m, x, as_tuple, i)
            for i, (m, x) in enumerate(zip(each, xs))
        ]
        next_id = 1 + max((int(m.max()) for m in given if m is not None), default=-1)
        masks = []
        for m, x in zip(given, xs):
            if m is None:
                size = int(np.prod(x.shape[1:]))
                m = np.broadcast_to(
                    np.arange(next_id, next_id + size).reshape((1,) + x.shape[1:]), x.shape
                )
                next_id += size
            masks.append(m)
        return masks

    def _mask(self, feature_mask: Any, x: np.ndarray, as_tuple: bool, i: int) -> np.ndarray:
        mask = group_ids(self._who, feature_mask)
        given = mask.shape
        if mask.ndim < x.ndim:
            mask = mask.reshape((1,) * (x.ndim - mask.ndim) + mask.shape)
        try:
            return np.broadcast_to(mask, x.shape)
        except ValueError:
            name = f"feature_mask[{i}]" if as_tuple else "feature_mask"
            raise ValueError(
                f"{self._who}: {name} of shape {given} does not match inputs of shape "
                f"{x.shape}; expected shape {x.shape[1:]} or {x.shape} (or broadcastable to it)"
            ) from None
