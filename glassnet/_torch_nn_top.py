"""The ``torch.nn.functional`` operations torch also has at its top level (``torch.conv2d``,
``torch.dropout``, ``torch.layer_norm``, ...), under torch's top-level signatures.

Most take the same arguments as ``F``'s function and are the same function. Where the
top-level form differs, it is adapted here: ``torch.dropout(input, p, train)`` (``train``
required), ``torch.batch_norm``/``instance_norm`` (weight and bias before the running
statistics, and a trailing ``cudnn_enabled``), ``torch.embedding(weight, indices)``
(weight first), ``torch.adaptive_max_pool1d`` (always values and indices) and the
``cudnn_enable(d)`` flags of ``layer_norm``/``group_norm``.
"""

from __future__ import annotations

from typing import Any

from . import random as _random
from .nn import functional as F
from .nn.functional import pdist  # torch.pdist is F.pdist
from .tensor import Tensor

__all__ = [
    "conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d", "max_pool1d", "max_pool2d",
    "avg_pool1d", "adaptive_avg_pool1d", "adaptive_max_pool1d", "batch_norm", "layer_norm",
    "group_norm", "instance_norm", "embedding", "pixel_shuffle", "pixel_unshuffle",
    "threshold", "hardshrink", "prelu", "rrelu", "selu", "celu", "dropout", "alpha_dropout",
    "feature_dropout", "feature_alpha_dropout", "pdist", "cosine_similarity",
    "pairwise_distance", "bilinear", "rms_norm", "conv3d", "conv_transpose3d", "max_pool3d",
]  # fmt: skip

conv1d = F.conv1d
conv2d = F.conv2d
conv_transpose1d = F.conv_transpose1d
conv_transpose2d = F.conv_transpose2d
conv3d = F.conv3d
conv_transpose3d = F.conv_transpose3d
max_pool3d = F.max_pool3d
max_pool1d = F.max_pool1d
max_pool2d = F.max_pool2d
avg_pool1d = F.avg_pool1d
adaptive_avg_pool1d = F.adaptive_avg_pool1d
pixel_shuffle = F.pixel_shuffle
pixel_unshuffle = F.pixel_unshuffle
hardshrink = F.hardshrink
prelu = F.prelu
cosine_similarity = F.cosine_similarity
pairwise_distance = F.pairwise_distance
bilinear = F.bilinear
rms_norm = F.rms_norm


def adaptive_max_pool1d(input: Tensor, output_size: Any) -> tuple[Tensor, Tensor]:  # noqa: A002
    """``(values, indices)``, as ``torch.adaptive_max_pool1d`` returns them."""
    return F.adaptive_max_pool1d(input, output_size, return_indices=True)


def batch_norm(
    input: Tensor, weight: Tensor | None, bias: Tensor | None,  # noqa: A002
    running_mean: Tensor | None, running_var: Tensor | None, training: bool, momentum: float,
    eps: float, cudnn_enabled: bool = True,
) -> Tensor:  # fmt: skip
    """``torch.batch_norm``: ``F.batch_norm`` with weight and bias first."""
    return F.batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


def instance_norm(
    input: Tensor, weight: Tensor | None, bias: Tensor | None,  # noqa: A002
    running_mean: Tensor | None, running_var: Tensor | None, use_input_stats: bool,
    momentum: float, eps: float, cudnn_enabled: bool = True,
) -> Tensor:  # fmt: skip
    """``torch.instance_norm``: ``F.instance_norm`` with weight and bias first."""
    return F.instance_norm(
        input, running_mean, running_var, weight, bias, use_input_stats, momentum, eps
    )


def layer_norm(
    input: Tensor, normalized_shape: Any, weight: Tensor | None = None,  # noqa: A002
    bias: Tensor | None = None, eps: float = 1e-5, cudnn_enable: bool = True,
) -> Tensor:  # fmt: skip
    return F.layer_norm(input, normalized_shape, weight, bias, eps)


def group_norm(
    input: Tensor, num_groups: int, weight: Tensor | None = None,  # noqa: A002
    bias: Tensor | None = None, eps: float = 1e-5, cudnn_enabled: bool = True,
) -> Tensor:  # fmt: skip
    return F.group_norm(input, num_groups, weight, bias, eps)


def embedding(
    weight: Tensor, indices: Any, padding_idx: int = -1, scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> Tensor:  # fmt: skip
    """``torch.embedding(weight, indices)``: rows of ``weight`` (``padding_idx=-1``: none)."""
    pad = None if padding_idx is None or padding_idx < 0 else padding_idx
    return F.embedding(indices, weight, pad, scale_grad_by_freq=scale_grad_by_freq, sparse=sparse)


def threshold(input: Tensor, threshold: float, value: float) -> Tensor:  # noqa: A002
    return F.threshold(input, threshold, value)


def rrelu(
    input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3,  # noqa: A002
    training: bool = False, generator: Any = None,
) -> Tensor:  # fmt: skip
    return F.rrelu(input, lower, upper, training)


def selu(input: Tensor) -> Tensor:  # noqa: A002
    return F.selu(input)


def celu(input: Tensor, alpha: float = 1.0) -> Tensor:  # noqa: A002
    return F.celu(input, alpha)


def dropout(input: Tensor, p: float, train: bool) -> Tensor:  # noqa: A002
    """``torch.dropout(input, p, train)``: ``train`` is required, as in torch."""
    return F.dropout(input, p, train)


def alpha_dropout(input: Tensor, p: float, train: bool) -> Tensor:  # noqa: A002
    return F.alpha_dropout(input, p, train)


def feature_dropout(input: Tensor, p: float, train: bool) -> Tensor:  # noqa: A002
    """Whole channels (axis 1 of ``(N, C, ...)``) zeroed with probability ``p``, the others
    scaled by ``1 / (1 - p)``."""
    if not 0 <= p <= 1:
        raise ValueError(f"feature_dropout: p must be in [0, 1], got {p}")
    if not train or p == 0:
        return input
    shape = tuple(input.shape[:2]) + (1,) * (input.ndim - 2)
    keep = _random.get_rng().random(shape) >= p
    scale = 0.0 if p == 1 else 1.0 / (1.0 - p)
    return input * Tensor((keep * scale).astype(input.dtype))


def feature_alpha_dropout(input: Tensor, p: float, train: bool) -> Tensor:  # noqa: A002
    return F.feature_alpha_dropout(input, p, train)


