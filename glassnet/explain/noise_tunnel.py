"""``NoiseTunnel``: average (or square, or take the variance of) attributions of noisy copies."""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np

from .base import Attribution, Target, choice_arg, float_arg, positive_int_arg, row_seed
from .inputs import ForwardArgs, as_array, per_input, repeat_forward_args

__all__ = ["NoiseTunnel", "NT_TYPES", "NOISE_SCALES"]

NT_TYPES = ("smoothgrad", "smoothgrad_sq", "vargrad")
#: How ``stdevs`` is read: a fraction of each example's range, or the standard deviation itself.
NOISE_SCALES = ("range", "absolute")


class NoiseTunnel(Attribution):
    """SmoothGrad (Smilkov et al., 2017) and VarGrad around any attribution method.

    Each of ``nt_samples`` copies of the input gets Gaussian noise with
    standard deviation ``stdevs`` (Captum's meaning and defaults: 5 copies, 1.0;
    with ``noise_scale='range'``: ``stdevs * (max(x) - min(x))`` per example and
    input, as the SmoothGrad paper sets it); the
    wrapped method explains every copy, always for the row's ``target``, and
    the results are combined:

    - ``smoothgrad``: the mean of the attributions;
    - ``smoothgrad_sq``: the mean of their squares;
    - ``vargrad``: their variance.

    Parameters
    ----------
    method : Attribution
        E.g. ``Saliency(model)`` or ``IntegratedGradients(model)``.

    Examples
    --------
    >>> import glassnet as gn
    >>> from glassnet.explain import NoiseTunnel, Saliency
    >>> model = gn.nn.Linear(5, 3)
    >>> nt = NoiseTunnel(Saliency(model, abs=False))
    >>> nt.attribute(gn.randn(2, 5), nt_type="smoothgrad", nt_samples=8, stdevs=0.1, target=0).shape
    (2, 5)
    """

    def __init__(self, method: Attribution) -> None:
        if not isinstance(method, Attribution) or isinstance(method, NoiseTunnel):
            raise TypeError(
                "NoiseTunnel: method must be an attribution method such as Saliency(model) or "
                f"IntegratedGradients(model), got {type(method).__name__}"
            )
        super().__init__(method.model)
        self.method = method

    def __repr__(self) -> str:
        return f"NoiseTunnel({self.method!r})"

    def attribute(
        self,
        inputs: Any,
        nt_type: str = "smoothgrad",
        nt_samples: int = 5,
        nt_samples_batch_size: int | None = None,
        stdevs: float | tuple[float, ...] = 1.0,
        draw_baseline_from_distrib: bool = False,
        *,
        noise_scale: str = "absolute",
        seed: int | np.random.Generator | None = 0,
        target: Target = None,
        **kwargs: Any,
    ) -> Any:
        """Combined attributions over noisy copies of the inputs.

        Parameters
        ----------
        inputs : Tensor or ndarray, shape (N, *), or a tuple of them
        nt_type : {'smoothgrad', 'smoothgrad_sq', 'vargrad'}
        nt_samples : int, default 5
            Noisy copies per example (Captum's default).
        nt_samples_batch_size : int, optional
            Noisy copies of the batch explained by one call of the wrapped
            method (``N * nt_samples_batch_size`` rows); default: all of them.
            The result does not depend on it.
        stdevs : float or tuple of float (one per input), default 1.0
            Noise standard deviation itself (``noise_scale='absolute'``, Captum's
            meaning and default), or a fraction of each example's range
            ``max - min`` (``noise_scale='range'``: the SmoothGrad paper's noise
            level, which glassnet's CLI and gallery use with 0.15).
        draw_baseline_from_distrib : bool, default False
            Captum's option for GradientShap-style baselines; only False is
            supported.
        noise_scale : {'absolute', 'range'}, default 'absolute'
            How ``stdevs`` is read, see above.
        seed : int, Generator or None, default 0
            Seed of the noise (None: fresh randomness each call).
        target : int or sequence of int
            Class explained for every noisy copy of a row (not needed for
            one-output models).
        **kwargs
            Passed to the wrapped method's ``attribute`` (``baselines``,
            ``additional_forward_args``, ``n_steps``,
            ``sliding_window_shapes``, ``return_convergence_delta``, ...).

        Returns
        -------
        attributions : ndarray, shape (N, *), or a tuple of them for tuple inputs
        delta : ndarray, shape (N * nt_samples,)
            Only with ``return_convergence_delta=True`` (a method that has
            one, such as IntegratedGradients): the delta of every noisy copy,
            example by example (``delta.reshape(N, nt_samples)``).
        """
        choice_arg("NoiseTunnel", "nt_type", nt_type, NT_TYPES)
        choice_arg("NoiseTunnel", "noise_scale", noise_scale, NOISE_SCALES)
        samples = positive_int_arg("NoiseTunnel", "nt_samples", nt_samples)
        per_call = samples
        if nt_samples_batch_size is not None:
            per_call = min(
                samples,
                positive_int_arg("NoiseTunnel", "nt_samples_batch_size", nt_samples_batch_size),
            )
        if draw_baseline_from_distrib:
            raise ValueError(
                "NoiseTunnel: draw_baseline_from_distrib=True is not supported; for baselines "
                "drawn from a distribution use GradientShap(model).attribute(inputs, baselines)"
            )
        with_delta = bool(kwargs.get("return_convergence_delta"))
        if with_delta and not _has_delta(self.method):
            raise ValueError(
                f"NoiseTunnel: return_convergence_delta=True needs a method that computes one "
                f"(IntegratedGradients), got {type(self.method).__name__}"
            )
        base_seed = row_seed("NoiseTunnel", seed)
        xs, as_tuple = self.method.prepare_all(inputs)
        _refuse_integers(self.method, xs, as_tuple)
        sds = self._noise_sd(stdevs, xs, as_tuple, noise_scale)
        n = xs[0].shape[0]
        per_row = None
        takes_target = "target" in inspect.signature(self.method.attribute).parameters
        if takes_target:
            with self.evaluating():
                extra = ForwardArgs(kwargs.get("additional_forward_args"), n)
                out1 = self.first_output(xs, extra)
                targets = self.resolve_target(target, np.broadcast_to(out1, (n,) + out1.shape[1:]))
            per_row = self.target_arg(targets, out1.shape)  # one int, or one index tuple, per row
        elif target is not None:  # neuron methods, LayerActivation: nothing to pick
            raise ValueError(
                f"NoiseTunnel: {type(self.method).__name__} takes no target, got {target!r}"
            )
        noise = _draw_noise(xs, samples, base_seed)
        totals: list[np.ndarray] = []  # per attribution the method returns (one per input,
        totals_sq: list[np.ndarray] = []  # or one map for Grad-CAM), from the first call
        deltas = []
        for start in range(0, samples, per_call):
            k = min(per_call, samples - start)
            noisy = tuple(
                np.concatenate([x + z[start + j] * sd for j in range(k)]).astype(x.dtype)
                for x, z, sd in zip(xs, noise, sds)
            )
            call = _repeat_kwargs(kwargs, xs, as_tuple, k)
            if takes_target:
                call["target"] = None if per_row is None else np.concatenate([per_row] * k)
            out = self.method.attribute(self.pack(noisy, as_tuple), **call)
            if with_delta:
                out, delta = out
                deltas.append(np.asarray(delta).reshape(k, n))
            parts = out if isinstance(out, tuple) else (out,)
            for i, a in enumerate(parts):
                a = np.asarray(a, dtype=np.float64)
                a = a.reshape((k, n) + a.shape[1:])
                if i == len(totals):
                    totals.append(np.zeros(a.shape[1:]))
                    totals_sq.append(np.zeros(a.shape[1:]))
                totals[i] += a.sum(axis=0)
                totals_sq[i] += (a * a).sum(axis=0)
        combined = [
            _combine(nt_type, t, t2, samples).astype(xs[min(i, len(xs) - 1)].dtype)
            for i, (t, t2) in enumerate(zip(totals, totals_sq))
        ]
        result = self.pack(combined, isinstance(out, tuple))
        if with_delta:
            return result, np.concatenate(deltas).T.reshape(-1)
        return result

    def _noise_sd(
        self, stdevs: Any, xs: tuple[np.ndarray, ...], as_tuple: bool, noise_scale: str
    ) -> list[np.ndarray]:
        """The noise's standard deviation per input, shaped ``(N, 1, ...)`` (float64)."""
        each = per_input("NoiseTunnel", "stdevs", stdevs, len(xs), as_tuple)
        sds = []
        for s, x in zip(each, xs):
            s = float_arg("NoiseTunnel", "stdevs", s, positive=False)
            if noise_scale == "range":
                flat = x.reshape(x.shape[0], -1)
                spread = (flat.max(axis=1) - flat.min(axis=1)).astype(np.float64) * s
            else:
                spread = np.full(x.shape[0], s)
            sds.append(spread.reshape((-1,) + (1,) * (x.ndim - 1)))
        return sds


def _refuse_integers(method: Attribution, xs: tuple[np.ndarray, ...], as_tuple: bool) -> None:
    """A ``ValueError`` for integer inputs (token ids) kept as they are by ``method``:
    Gaussian noise has no meaning on them."""
    for i, x in enumerate(xs):
        if x.dtype.kind in "iu":
            name = f"inputs[{i}]" if as_tuple else "inputs"
            raise ValueError(
                f"NoiseTunnel: {name} have integer dtype {x.dtype} (e.g. token ids), to which "
                f"Gaussian noise cannot be added; explain them with {type(method).__name__} "
                "alone, or pass floating inputs"
            )


def _has_delta(method: Attribution) -> bool:
    return "return_convergence_delta" in inspect.signature(method.attribute).parameters


def _draw_noise(xs: tuple[np.ndarray, ...], samples: int, seed: int) -> list[np.ndarray]:
    """Standard normal noise ``(samples, N, *)`` per input. Every row draws from the same seed,
    over the features of all its inputs side by side (a tuple of inputs gets the noise that
    their concatenation would), so a row's result does not depend on the rest of the batch."""
    sizes = [int(np.prod(x.shape[1:])) for x in xs]
    noise = [np.empty((samples,) + x.shape) for x in xs]
    for r in range(xs[0].shape[0]):
        z = np.random.default_rng(seed).standard_normal((samples, sum(sizes)))
        for out, part, x in zip(noise, np.split(z, np.cumsum(sizes)[:-1], axis=1), xs):
            out[:, r] = part.reshape((samples,) + x.shape[1:])
    return noise


def _repeat_kwargs(kwargs: dict, xs: tuple[np.ndarray, ...], as_tuple: bool, k: int) -> dict:
    """The wrapped method's arguments for ``k`` noisy copies of the batch stacked along the batch
    axis: per-example baselines, feature masks and additional forward arguments repeated."""
    if k == 1:
        return kwargs
    n = xs[0].shape[0]
    out = dict(kwargs)
    if "additional_forward_args" in out:
        out["additional_forward_args"] = repeat_forward_args(out["additional_forward_args"], n, k)
    for name in ("baselines", "feature_mask"):
        if out.get(name) is None:
            continue
        values = per_input("NoiseTunnel", name, out[name], len(xs), as_tuple)
        tiled = tuple(_tile_full(v, x, k) for v, x in zip(values, xs))
        out[name] = tiled if as_tuple else tiled[0]
    return out


def _tile_full(value: Any, x: np.ndarray, k: int) -> Any:
    """``value`` repeated ``k`` times along the batch axis when it has ``x``'s full shape ``(N, *)``."""
    if isinstance(value, (int, float, np.number)) or value is None:
        return value
    a = as_array(value)
    if a.ndim == x.ndim and a.shape[0] == x.shape[0] and x.shape[0] > 1:
        return np.concatenate([a] * k)
    return value


def _combine(nt_type: str, total: np.ndarray, total_sq: np.ndarray, samples: int) -> np.ndarray:
    mean = total / samples
    if nt_type == "smoothgrad":
        return mean
    if nt_type == "smoothgrad_sq":
        return total_sq / samples
    return np.maximum(total_sq / samples - mean * mean, 0.0)
