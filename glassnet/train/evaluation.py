"""``evaluate`` and ``predict``: a model's loss, metrics and outputs, in evaluation mode."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from .._validate import int_at_least
from ..autograd.grad_mode import no_grad
from .logs import MetricSet
from .loop import batch_device, make_loader, on_device, resolve_loss, split_batch

__all__ = ["evaluate", "predict", "run_evaluation", "DEFAULT_EVAL_BATCH"]

DEFAULT_EVAL_BATCH = 256


def run_evaluation(
    model: Any,
    loader: Any,
    loss_fn: Any,
    metrics: MetricSet,
    prefix: str = "",
    world: Any = None,
) -> dict[str, float]:
    """Loss and metrics over every batch of ``loader`` (no gradients, evaluation mode).

    With a ``world`` of several ranks, each rank evaluates its shard and the
    sample-weighted loss, the sample count and the metrics' counts are summed
    over ranks, so every rank gets the figures of the whole data set.
    """
    was_training = model.training
    model.eval()
    dev = batch_device(model)
    total, count = 0.0, 0
    try:
        with no_grad():
            for batch in loader:
                x, y = split_batch("evaluate", batch)
                if y is None:
                    raise ValueError("evaluate: batches must be (x, y) pairs; got inputs only")
                n = len(x)
                if n == 0:  # a rank's share of a tiny last batch
                    continue
                if dev is not None:
                    x, y = on_device(x, dev), on_device(y, dev)
                out = model(x)
                if loss_fn is not None:
                    total += float(loss_fn(out, y).array) * n
                count += n
                metrics.update(out.array, getattr(y, "array", y))
    finally:
        model.train(was_training)
    if world is not None and world.size > 1:
        total, count = world.sum_scalars([total, count])
        metrics.reduce(world)
    logs: dict[str, float] = {}
    if loss_fn is not None:
        logs[prefix + "loss"] = total / count if count else math.nan
    logs.update(metrics.results(prefix))
    return logs


def evaluate(
    model: Any,
    data: Any,
    *,
    loss: Any = None,
    metrics: Iterable[Any] = ("accuracy",),
    batch_size: int = DEFAULT_EVAL_BATCH,
) -> dict[str, float]:
    """Loss and metrics of ``model`` on ``data``, in evaluation mode without gradients.

    Parameters
    ----------
    model : Module
    data : tuple (X, y), Dataset or DataLoader
    loss : str, callable or Module, optional
        As in :func:`fit`; without it only the metrics are computed.
    metrics : iterable, default ("accuracy",)
    batch_size : int, default 256

    Returns
    -------
    dict of str to float
        ``{"loss": ..., "accuracy": ...}``: sample-weighted means over all batches.
        The model's train/eval mode is restored afterwards.
    """
    batch_size = int_at_least("evaluate", "batch_size", batch_size, 1)
    loss_fn = None if loss is None else resolve_loss("evaluate", loss)
    loader = make_loader("evaluate", data, batch_size=batch_size, seed=0)
    return run_evaluation(model, loader, loss_fn, MetricSet("evaluate", metrics), "")


def _per_sample(out: np.ndarray, x: Any) -> np.ndarray:
    """``out``, checked to hold one output per sample of the batch ``x`` (first axis) when
    ``x`` is one array (other batches, such as dicts, say nothing about their size)."""
    if getattr(x, "shape", None) is None or len(x.shape) == 0:
        return out
    if out.ndim == 0 or out.shape[0] != x.shape[0]:
        raise ValueError(
            f"predict: expected the model to return one output per sample (first axis "
            f"{x.shape[0]}) for a batch of shape {tuple(x.shape)}, got shape {tuple(out.shape)}; "
            "the first axis of the data counts the samples (one sample x is x[None])"
        )
    return out


def predict(model: Any, data: Any, *, batch_size: int = DEFAULT_EVAL_BATCH) -> np.ndarray:
    """The model's outputs for ``data``, batch by batch, as one NumPy array.

    Parameters
    ----------
    model : Module
    data : array, Tensor, tuple (X,) or (X, y), Dataset or DataLoader
        Targets, if present, are ignored.
    batch_size : int, default 256

    Returns
    -------
    ndarray, shape (N, *output_shape)
        Computed in evaluation mode under ``no_grad``; the model's previous
        mode is restored afterwards.
    """
    batch_size = int_at_least("predict", "batch_size", batch_size, 1)
    loader = make_loader("predict", data, batch_size=batch_size, seed=0)
    was_training = model.training
    model.eval()
    dev = batch_device(model)
    outs = []
    try:
        with no_grad():
            for batch in loader:
                x, _ = split_batch("predict", batch)
                outs.append(_per_sample(model(on_device(x, dev)).numpy(), x))
    finally:
        model.train(was_training)
    if not outs:
        raise ValueError("predict: the data holds no samples")
    return np.concatenate(outs)
