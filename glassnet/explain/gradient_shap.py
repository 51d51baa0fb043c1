"""GradientShap (Lundberg and Lee, 2017): expected gradients over a distribution of baselines."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..nn.module import Module
from .base import Attribution, Inputs, Target, float_arg, positive_int_arg, row_seed
from .inputs import ForwardArgs, as_array, call_baselines, per_input

__all__ = ["GradientShap"]


class GradientShap(Attribution):
    """SHAP values approximated by gradients at random points between inputs and baselines.

    For every example, each of ``n_samples`` samples draws a baseline ``b``
    from the rows of ``baselines``, a point ``a`` uniformly in [0, 1] and
    (with ``stdevs > 0``) Gaussian noise ``z`` on the input; its attribution
    is ``dF/dx at b + a (x + z - b)`` times ``x + z - b``. The result is the
    mean over the samples (Captum's ``GradientShap``). On a linear model it is
    exactly ``w * (x - mean of the baselines)`` when ``stdevs=0``.

    Parameters
    ----------
    model : Module or callable
    multiply_by_inputs : bool, default True
        False returns the mean gradient alone, without the factor
        ``x + z - b`` (Captum's option).

    Examples
    --------
    >>> import glassnet as gn
    >>> from glassnet.explain import GradientShap
    >>> model = gn.nn.Linear(4, 3)
    >>> background = gn.randn(10, 4)            # baselines: a sample of the data
    >>> GradientShap(model).attribute(gn.randn(2, 4), background, target=1).shape
    (2, 4)
    """

    def __init__(self, model: Module | Callable[..., Any], multiply_by_inputs: bool = True) -> None:
        super().__init__(model)
        self.multiply_by_inputs = bool(multiply_by_inputs)

    def attribute(
        self,
        inputs: Any,
        baselines: Any,
        n_samples: int = 5,
        stdevs: float | tuple[float, ...] = 0.0,
        target: Target = None,
        additional_forward_args: Any = None,
        return_convergence_delta: bool = False,
        *,
        seed: int | np.random.Generator | None = 0,
    ) -> Any:
        """GradientShap attributions of each row.

        The arguments are Captum's, in Captum's order; ``seed`` is glassnet's.

        Parameters
        ----------
        inputs : Tensor or ndarray, shape (N, *), or a tuple of them
        baselines : array (B, *) or (*), or a scalar; a tuple (one per input) for tuple inputs
            The baseline distribution: each sample draws one of its ``B`` rows
            (the same row for every input). A callable is called first, as in
            Captum: ``baselines()``, or ``baselines(inputs)`` when it takes an argument.
        n_samples : int, default 5
            Samples per example.
        stdevs : float or tuple of float (one per input), default 0.0
            Standard deviation of the Gaussian noise added to the inputs.
        target : int or sequence of int
            Output explained per row (not needed for one-output models).
        additional_forward_args : any or tuple, optional
            Passed to the model after the inputs (see :mod:`glassnet.explain.inputs`).
        return_convergence_delta : bool, default False
            Also return, for every sample, ``sum(attributions) - (F(x + z) - F(b))``.
        seed : int, Generator or None, default 0
            Seed of the draws (None: fresh randomness each call). Every example
            makes the same draws, so its result does not depend on the batch.

        Returns
        -------
        attributions : ndarray, shape (N, *), or a tuple of them for tuple inputs
        delta : ndarray, shape (N * n_samples,)
            Only with ``return_convergence_delta=True``: example by example
            (``delta.reshape(N, n_samples)``).
        """
        samples = positive_int_arg(self._who, "n_samples", n_samples)
        base_seed = row_seed(self._who, seed)
        baselines = call_baselines(baselines, inputs)
        xs, as_tuple = self.prepare_all(inputs)
        refs = self._reference_rows(baselines, xs, as_tuple)
        sds = [
            float_arg(self._who, "stdevs", s, positive=False)
            for s in per_input(self._who, "stdevs", stdevs, len(xs), as_tuple)
        ]
        n = xs[0].shape[0]
        rows = np.repeat(np.arange(n), samples)  # example-major: row r's samples together
        starts, ends, points = _samples(xs, refs, sds, samples, base_seed)
        extra = ForwardArgs(additional_forward_args, n)
        with self.evaluating():
            targets = self.targets_for(target, xs, extra)
            per_row = None if targets is None else targets[rows]
            grads, _ = self.gradients(points, per_row, extra, rows)
            each = [
                g * (e - s) if self.multiply_by_inputs else g
                for g, e, s in zip(grads, ends, starts)
            ]
            mean = [
                v.reshape((n, samples) + v.shape[1:]).mean(axis=1).astype(x.dtype)
                for v, x in zip(each, xs)
            ]
            if not return_convergence_delta:
                return self.pack(mean, as_tuple)
            f_end = self.select(self.forward(ends, extra=extra, rows=rows), per_row)
            f_start = self.select(self.forward(starts, extra=extra, rows=rows), per_row)
        summed = sum(v.reshape(n * samples, -1).sum(axis=1, dtype=np.float64) for v in each)
        return self.pack(mean, as_tuple), summed - (f_end.astype(np.float64) - f_start)

    def _reference_rows(self, baselines: Any, xs: Inputs, as_tuple: bool) -> Inputs:
        """The baseline distribution per input as ``(B, *)`` arrays sharing ``B``."""
        if baselines is None:
            raise ValueError(
                f"{self._who}: baselines are required: an array (B, *) of reference rows "
                "(e.g. a sample of the training data), or a scalar"
            )
        each = per_input(self._who, "baselines", baselines, len(xs), as_tuple)
        refs = []
        for i, (b, x) in enumerate(zip(each, xs)):
            name = f"baselines[{i}]" if as_tuple else "baselines"
            arr = as_array(b)
            if arr.ndim < x.ndim:  # a scalar or one row (*): a distribution of one
                r = self.prepare_baselines(arr, x[:1], name)
            else:
                r = self._one_input(arr, name).astype(x.dtype, copy=False)
                if r.shape[1:] != x.shape[1:]:
                    raise ValueError(
                        f"{self._who}: {name} of shape {r.shape} do not match inputs of shape "
                        f"{x.shape}; expected (B, {', '.join(map(str, x.shape[1:]))}) reference "
                        "rows, one row or a scalar"
                    )
            refs.append(r)
        counts = [r.shape[0] for r in refs]
        if len(set(counts)) > 1:
            raise ValueError(
                f"{self._who}: the baselines of the inputs must have the same number of "
                f"reference rows, got {counts}"
            )
        return tuple(refs)


def _samples(
    xs: Inputs, refs: Inputs, sds: list[float], samples: int, seed: int
) -> tuple[Inputs, Inputs, Inputs]:
    """Per input, the drawn baselines, the noisy inputs and the points between them, each
    ``(N * samples, *)``, example by example."""
    n = xs[0].shape[0]
    pick, alphas, noise = _draws(seed, samples, refs[0].shape[0], xs)
    rows = np.repeat(np.arange(n), samples)
    ends = tuple(x[rows] + (z * sd).astype(x.dtype) for x, z, sd in zip(xs, noise, sds))
    starts = tuple(r[np.tile(pick, n)] for r in refs)
    a = np.tile(alphas, n)
    points = tuple(
        s + a.reshape((-1,) + (1,) * (e.ndim - 1)).astype(e.dtype) * (e - s)
        for s, e in zip(starts, ends)
    )
    return starts, ends, points


def _draws(
    seed: int, samples: int, n_refs: int, xs: Inputs
) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """The baseline row, the path point and the standard normal noise (over the features of
    all inputs side by side) of each sample, ``(samples,)``, ``(samples,)`` and
    ``(N * samples, *)`` per input: every example draws the same from ``seed``."""
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, n_refs, samples)
    alphas = rng.uniform(0.0, 1.0, samples)
    sizes = [int(np.prod(x.shape[1:])) for x in xs]
    z = rng.standard_normal((samples, sum(sizes)))
    n = xs[0].shape[0]
    parts = np.split(z, np.cumsum(sizes)[:-1], axis=1)
    noise = [np.tile(p.reshape((samples,) + x.shape[1:]), (n,) + (1,) * (x.ndim - 1))
             for p, x in zip(parts, xs)]  # fmt: skip
    return pick, alphas, noise
