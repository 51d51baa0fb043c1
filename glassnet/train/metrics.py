"""Classification metrics: functions on a batch and streaming objects over many batches.

Functions (``accuracy``, ``error_rate``, ``top_k_accuracy``,
``confusion_matrix``) take model outputs and targets as NumPy arrays or
tensors and return plain numbers/arrays. Streaming metrics (``Accuracy``,
``ErrorRate``, ``TopKAccuracy``, ``Mean``, ``ConfusionMatrix``) accumulate
with ``update(outputs, targets)`` and report with ``result()``;
``get_metric("accuracy")`` makes one by name (the trainer's ``metrics=``).

Outputs may be:

- scores ``(N, C)`` (logits or probabilities; the prediction is the argmax
  over axis 1), also ``(N, C, d1, ...)`` for per-position classes;
- one column ``(N, 1)`` or a vector ``(N,)`` of probabilities: binary,
  predicted class 1 where ``output >= threshold`` (0.5; use 0.0 for logits);
- integer predicted labels, the targets' shape.

Targets may be class indices (integers) or one-hot / probability rows of
the outputs' shape (argmax taken), or 0/1 labels for binary outputs.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from .._validate import is_number, positive_int
from ..tensor import Tensor

__all__ = [
    "accuracy", "error_rate", "top_k_accuracy", "confusion_matrix",
    "Metric", "Accuracy", "ErrorRate", "TopKAccuracy", "Mean", "ConfusionMatrix",
    "get_metric", "METRICS",
]  # fmt: skip


def _host(a: Any) -> np.ndarray:
    """A NumPy array from a Tensor, a CuPy or torch array, a list or a number."""
    if isinstance(a, Tensor):
        return np.asarray(a.numpy())
    if type(a).__module__.startswith("cupy"):
        return a.get()
    if hasattr(a, "detach") and hasattr(a, "cpu"):  # a torch tensor
        return a.detach().cpu().numpy()
    return np.asarray(a)


def _is_binary(out: np.ndarray) -> bool:
    return out.ndim == 1 or (out.ndim >= 2 and out.shape[1] == 1)


def _labels(
    who: str, outputs: Any, targets: Any, threshold: float
) -> tuple[np.ndarray, np.ndarray]:
    """Predicted and true class labels, two integer arrays of the same shape."""
    out, tgt = _host(outputs), _host(targets)
    if out.ndim == 0:
        raise ValueError(f"{who}: outputs must have a batch axis, got a scalar")
    if len(out) != (len(tgt) if tgt.ndim else -1):
        raise ValueError(
            f"{who}: outputs {out.shape} and targets {tgt.shape} hold different numbers of samples"
        )
    if out.dtype.kind in "iub":  # predicted labels already
        pred = out.astype(np.int64)
    elif _is_binary(out):
        pred = (out.reshape(len(out), -1) >= threshold).astype(np.int64).reshape(out.shape)
    else:
        pred = out.argmax(axis=1)
    if tgt.dtype.kind == "f" and tgt.shape == out.shape and not _is_binary(out):
        true = tgt.argmax(axis=1)  # one-hot or probability rows
    elif tgt.dtype.kind == "f":
        if np.any(tgt != np.round(tgt)):
            raise ValueError(
                f"{who}: floating targets of shape {tgt.shape} must be whole class labels or "
                f"one-hot rows of the outputs' shape {out.shape}"
            )
        true = tgt.astype(np.int64)
    elif tgt.dtype.kind in "iub":
        true = tgt.astype(np.int64)
    else:
        raise TypeError(f"{who}: targets must be numeric, got dtype {tgt.dtype}")
    if pred.shape != true.shape and _is_binary(out) and pred.size == true.size:
        pred, true = pred.reshape(-1), true.reshape(-1)
    if pred.shape != true.shape:
        raise ValueError(
            f"{who}: targets of shape {tgt.shape} do not match outputs of shape {out.shape}; "
            f"expected class indices of shape {pred.shape} or one-hot rows of shape {out.shape}"
        )
    return pred, true


def _check_threshold(who: str, threshold: Any) -> float:
    if not is_number(threshold):
        raise TypeError(f"{who}: threshold must be a number, got {threshold!r}")
    return float(threshold)


def accuracy(outputs: Any, targets: Any, *, threshold: float = 0.5) -> float:
    """Fraction of samples whose predicted class is the target class.

    Parameters
    ----------
    outputs : array-like or Tensor, shape (N, C), (N, C, ...), (N, 1) or (N,)
        Scores (argmax over axis 1), binary probabilities, or integer labels.
    targets : array-like or Tensor, shape (N,), (N, ...) or (N, C)
        Class indices, or one-hot / probability rows of the outputs' shape.
    threshold : float, default 0.5
        Decision threshold for single-column (binary) outputs; 0.0 for logits.

    Returns
    -------
    float
        In ``[0, 1]``; ``nan`` for an empty batch.
    """
    pred, true = _labels("accuracy", outputs, targets, _check_threshold("accuracy", threshold))
    return float((pred == true).mean()) if pred.size else float("nan")


def error_rate(outputs: Any, targets: Any, *, threshold: float = 0.5) -> float:
    """The classification error rate ``1 - accuracy`` (the seed's metric); see :func:`accuracy`."""
    pred, true = _labels("error_rate", outputs, targets, _check_threshold("error_rate", threshold))
    return float((pred != true).mean()) if pred.size else float("nan")


def _check_k(who: str, k: Any) -> int:
    k = positive_int(who, "k", k)
    return int(k)


def _top_k_hits(who: str, outputs: Any, targets: Any, k: int) -> np.ndarray:
    out, tgt = _host(outputs), _host(targets)
    if out.ndim != 2 or out.shape[1] < 2:
        raise ValueError(
            f"{who}: outputs must be scores of shape (N, C) with C >= 2, got {out.shape}"
        )
    n, c = out.shape
    if k > c:
        raise ValueError(f"{who}: k={k} exceeds the number of classes {c}")
    if tgt.dtype.kind == "f" and tgt.shape == out.shape:
        tgt = tgt.argmax(axis=1)
    if tgt.shape != (n,) or tgt.dtype.kind not in "iu":
        raise ValueError(
            f"{who}: targets must be class indices of shape ({n},) or one-hot rows of shape "
            f"{out.shape}, got shape {tgt.shape} and dtype {tgt.dtype}"
        )
    _check_range(who, tgt, c)
    target_score = out[np.arange(n), tgt][:, None]
    return (out > target_score).sum(axis=1) < k


def top_k_accuracy(outputs: Any, targets: Any, *, k: int = 5) -> float:
    """Fraction of samples whose target class is among the ``k`` highest scores.

    A target tied with the k-th score counts as a hit (fewer than ``k``
    classes score strictly higher).

    Parameters
    ----------
    outputs : array-like or Tensor, shape (N, C)
    targets : array-like or Tensor, shape (N,) indices or (N, C) one-hot
    k : int, default 5

    Returns
    -------
    float
    """
    k = _check_k("top_k_accuracy", k)
    hits = _top_k_hits("top_k_accuracy", outputs, targets, k)
    return float(hits.mean()) if hits.size else float("nan")


def _check_range(who: str, labels: np.ndarray, num_classes: int) -> None:
    bad = (labels < 0) | (labels >= num_classes)
    if bad.any():
        raise ValueError(
            f"{who}: class label {int(labels[bad].reshape(-1)[0])} is outside [0, {num_classes})"
        )


def confusion_matrix(
    preds: Any, targets: Any, num_classes: int, *, threshold: float = 0.5
) -> np.ndarray:
    """Counts ``M[i, j]`` of samples of true class ``i`` predicted as class ``j``.

    Parameters
    ----------
    preds : array-like or Tensor
        Predicted labels, or outputs as for :func:`accuracy` (argmax taken).
    targets : array-like or Tensor
        Class indices or one-hot rows.
    num_classes : int
    threshold : float, default 0.5
        For single-column (binary) outputs.

    Returns
    -------
    ndarray of int64, shape (num_classes, num_classes)
        Rows are true classes, columns predicted ones (scikit-learn's layout);
        the diagonal holds the correct predictions.
    """
    who = "confusion_matrix"
    num_classes = positive_int(who, "num_classes", num_classes)
    pred, true = _labels(who, preds, targets, _check_threshold(who, threshold))
    pred, true = pred.reshape(-1), true.reshape(-1)
    _check_range(who, pred, num_classes)
    _check_range(who, true, num_classes)
    flat = np.bincount(true * num_classes + pred, minlength=num_classes * num_classes)
    return flat.reshape(num_classes, num_classes).astype(np.int64)


# ------------------------------------------------------------------ streaming
class Metric:
    """Base of streaming metrics: ``update(outputs, targets)``, ``result()``, ``reset()``."""

    name = "metric"

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def update(self, outputs: Any, targets: Any) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def result(self) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}(result={self.result()!r})"


class _Counting(Metric):
    def reset(self) -> None:
        self.hits = 0
        self.count = 0

    def result(self) -> float:
        return self.hits / self.count if self.count else float("nan")


class Accuracy(_Counting):
    """Streaming accuracy: correct predictions over all samples seen since ``reset()``.

    Parameters
    ----------
    threshold : float, default 0.5
        For single-column (binary) outputs; 0.0 for logits.
    """

    name = "accuracy"

    def __init__(self, *, threshold: float = 0.5) -> None:
        self.threshold = _check_threshold("Accuracy", threshold)
        super().__init__()

    def update(self, outputs: Any, targets: Any) -> None:
        pred, true = _labels(type(self).__name__, outputs, targets, self.threshold)
        self.hits += int((pred == true).sum())
        self.count += int(pred.size)


class ErrorRate(Accuracy):
    """Streaming classification error rate: ``1 - accuracy`` over all samples seen."""

    name = "error_rate"

    def result(self) -> float:
        return 1.0 - self.hits / self.count if self.count else float("nan")


class TopKAccuracy(_Counting):
    """Streaming top-``k`` accuracy (see :func:`top_k_accuracy`).

    Parameters
    ----------
    k : int, default 5
    """

    def __init__(self, k: int = 5) -> None:
        self.k = _check_k("TopKAccuracy", k)
        self.name = f"top{self.k}_accuracy"
        super().__init__()

    def update(self, outputs: Any, targets: Any) -> None:
        hits = _top_k_hits("TopKAccuracy", outputs, targets, self.k)
        self.hits += int(hits.sum())
        self.count += int(hits.size)


class Mean(Metric):
    """A running (weighted) mean, e.g. of batch losses.

    ``update(value, weight=1)`` adds a number (or every element of an
    array) with the given weight, e.g. the batch size for a mean batch loss,
    so ``result()`` is the per-sample mean.

    Parameters
    ----------
    name : str, default "mean"
    """

    def __init__(self, name: str = "mean") -> None:
        self.name = name
        super().__init__()

    def reset(self) -> None:
        self.total = 0.0
        self.weight = 0.0

    def update(self, value: Any, weight: Any = 1.0) -> None:
        v = _host(value).astype(np.float64)
        if not is_number(weight) or weight < 0:  # fmt: skip
            raise ValueError(f"Mean: weight must be a non-negative number, got {weight!r}")
        self.total += float(v.sum()) * float(weight)
        self.weight += v.size * float(weight)

    def result(self) -> float:
        return self.total / self.weight if self.weight else float("nan")


class ConfusionMatrix(Metric):
    """Streaming confusion matrix (see :func:`confusion_matrix`); ``result()`` is the array.

    Parameters
    ----------
    num_classes : int
    threshold : float, default 0.5
    """

    name = "confusion_matrix"

    def __init__(self, num_classes: int, *, threshold: float = 0.5) -> None:
        num_classes = positive_int("ConfusionMatrix", "num_classes", num_classes)
        self.num_classes = num_classes
        self.threshold = _check_threshold("ConfusionMatrix", threshold)
        super().__init__()

    def reset(self) -> None:
        self.matrix = np.zeros((self.num_classes, self.num_classes), dtype=np.int64)

    def update(self, outputs: Any, targets: Any) -> None:
        self.matrix += confusion_matrix(
            outputs, targets, self.num_classes, threshold=self.threshold
        )

    def result(self) -> np.ndarray:
        return self.matrix.copy()

    def __repr__(self) -> str:
        return f"ConfusionMatrix(num_classes={self.num_classes})"


#: Names accepted by :func:`get_metric` (``topK_accuracy`` works for any K).
METRICS: dict[str, type[Metric]] = {
    "accuracy": Accuracy,
    "acc": Accuracy,
    "error_rate": ErrorRate,
    "error": ErrorRate,
    "top_k_accuracy": TopKAccuracy,
}

_TOP_K = re.compile(r"top_?(\d+)(_accuracy)?$")


def get_metric(name: str) -> Metric:
    """A fresh streaming metric by name.

    Parameters
    ----------
    name : str
        ``"accuracy"`` (``"acc"``), ``"error_rate"`` (``"error"``),
        ``"top_k_accuracy"`` (k=5) or ``"top3_accuracy"`` / ``"top_3"`` for any k.
        Case-insensitive.

    Raises
    ------
    ValueError
        For an unknown name; the message lists the known ones.
    """
    if not isinstance(name, str):
        raise TypeError(f"get_metric: name must be a string, got {name!r}")
    key = name.lower()
    if key in METRICS:
        return METRICS[key]()
    m = _TOP_K.match(key)
    if m:
        return TopKAccuracy(int(m.group(1)))
    raise ValueError(
        f"get_metric: unknown metric {name!r}; known: {', '.join(sorted(METRICS))}, topK_accuracy"
    )
