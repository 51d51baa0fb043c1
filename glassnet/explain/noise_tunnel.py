"""``NoiseTunnel``: average (or square, or take the variance of) attributions of noisy copies."""

from __future__ import annotations

from typing import Any

import numpy as np

from .base import Attribution, Target, choice_arg, float_arg, positive_int_arg, row_seed

__all__ = ["NoiseTunnel", "NT_TYPES"]

NT_TYPES = ("smoothgrad", "smoothgrad_sq", "vargrad")


class NoiseTunnel(Attribution):
    """SmoothGrad (Smilkov et al., 2017) and VarGrad around any attribution method.

    Each of ``nt_samples`` copies of the input gets Gaussian noise with
    standard deviation ``stdevs * (max(x) - min(x))`` (per example); the
    wrapped method explains every copy, always for the class chosen on the
    clean input, and the results are combined:

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
    >>> nt.attribute(gn.randn(2, 5), nt_type="smoothgrad", nt_samples=8, stdevs=0.1).shape
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
        *,
        nt_type: str = "smoothgrad",
        nt_samples: int = 10,
        stdevs: float = 0.15,
        seed: int | np.random.Generator | None = 0,
        target: Target = None,
        **kwargs: Any,
    ) -> np.ndarray:
        """Combined attributions over noisy copies of the inputs.

        Parameters
        ----------
        inputs : Tensor or ndarray, shape (N, *)
        nt_type : {'smoothgrad', 'smoothgrad_sq', 'vargrad'}
        nt_samples : int, default 10
            Noisy copies per example.
        stdevs : float, default 0.15
            Noise standard deviation as a fraction of each example's range
            ``max - min``.
        seed : int, Generator or None, default 0
            Seed of the noise (None: fresh randomness each call).
        target : int, sequence of int or None
            None: the class predicted for the clean inputs.
        **kwargs
            Passed to the wrapped method's ``attribute`` (``baselines``,
            ``n_steps``, ``sliding_window_shapes``, ...).

        Returns
        -------
        ndarray, shape (N, *)
        """
        choice_arg("NoiseTunnel", "nt_type", nt_type, NT_TYPES)
        samples = positive_int_arg("NoiseTunnel", "nt_samples", nt_samples)
        stdevs = float_arg("NoiseTunnel", "stdevs", stdevs, positive=False)
        if kwargs.get("return_convergence_delta"):
            raise ValueError("NoiseTunnel: return_convergence_delta is not supported")
        base_seed = row_seed("NoiseTunnel", seed)
        x = self.method.prepare_inputs(inputs)
        with self.method.evaluating():
            targets = self.method.targets_for(target, x)
        flat = x.reshape(x.shape[0], -1)
        spread = (flat.max(axis=1) - flat.min(axis=1)) * float(stdevs)
        sd = spread.reshape((-1,) + (1,) * (x.ndim - 1)).astype(np.float64)
        total = np.zeros(x.shape, dtype=np.float64)
        total_sq = np.zeros(x.shape, dtype=np.float64)
        # each row draws its noise from the same seed: a row's result does not depend on the batch
        noise = np.stack(
            [np.random.default_rng(base_seed).standard_normal((samples,) + x.shape[1:]) for _ in x],
            axis=1,
        )
        for k in range(samples):
            noisy = (x + noise[k] * sd).astype(x.dtype)
            a = np.asarray(self.method.attribute(noisy, target=targets, **kwargs), dtype=np.float64)
            total += a
            total_sq += a * a
        mean = total / samples
        if nt_type == "smoothgrad":
            out = mean
        elif nt_type == "smoothgrad_sq":
            out = total_sq / samples
        else:
            out = np.maximum(total_sq / samples - mean * mean, 0.0)
        return out.astype(x.dtype)
