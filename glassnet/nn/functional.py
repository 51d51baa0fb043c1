"""The public lowercase functions (``import glassnet.nn.functional as F``).

Each is defined next to its ``Function`` class in ``glassnet/ops/``; this
module gathers them in one namespace, like ``torch.nn.functional``.
``glassnet.functional`` is this same module (an alias).

Functions that take a dim read ``dim`` (and ``keepdim``) as in PyTorch, with
NumPy's ``axis`` (and ``keepdims``) accepted too. Activations take
``inplace``: with ``inplace=True`` the result is written back into the input
with ``copy_`` (PyTorch's semantics and errors; see ``Tensor.copy_``) and the
input is returned.
"""

from __future__ import annotations

import warnings
from typing import Any

from .._torch_functions import (
    cat,
    concat,
    flatten,
    logsumexp,
    max,
    mean,
    min,
    pdist,
    reshape,
    split,
    squeeze,
    stack,
    sum,
    transpose,
    unsqueeze,
    var,
)
from .._torch_more import gumbel_softmax
from ..ops import activation as _A
from ..ops import activation_composed as _C
from ..ops import activation_shrink as _K
from ..ops import dropout as _D
from ..ops import dropout_variants as _DV
from ..ops.activation import (
    erf,
    gelu,
    sigmoid,
    softplus,
    tanh,
)
from ..ops.activation_composed import logsigmoid, prelu, softsign
from ..ops.activation_shrink import glu, hardshrink, softshrink, tanhshrink
from ..ops.arithmetic import (
    abs,
    add,
    cast,
    clip,
    clone,
    div,
    exp,
    log,
    matmul,
    maximum,
    minimum,
    mul,
    neg,
    pow,
    sqrt,
    sub,
    where,
)
from ..ops.attention import (
    additive_attention,
    dot_product_attention,
    masked_softmax,
    scaled_dot_product_attention,
    weighted_sum,
)
from ..ops.bilinear import bilinear
from ..ops.conv import conv1d, conv2d
from ..ops.conv3d import conv3d, conv_transpose3d
from ..ops.conv_transpose import conv_transpose1d, conv_transpose2d
from ..ops.ctc import ctc_loss
from ..ops.einsum import einsum
from ..ops.embedding import embedding, one_hot
from ..ops.embedding_bag import embedding_bag
from ..ops.fold import fold, unfold
from ..ops.grid_sample import affine_grid, grid_sample
from ..ops.linear import linear
from ..ops.local_response_norm import local_response_norm
from ..ops.loss import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    half_mse_loss,
    huber_loss,
    kl_div,
    l1_loss,
    mse_loss,
    nll_loss,
    smooth_l1_loss,
)
from ..ops.loss_composed import (
    cosine_embedding_loss,
    gaussian_nll_loss,
    margin_ranking_loss,
    pairwise_distance,
    poisson_nll_loss,
    triplet_margin_loss,
    triplet_margin_with_distance_loss,
)
from ..ops.loss_margin import (
    hinge_embedding_loss,
    multi_margin_loss,
    multilabel_margin_loss,
    multilabel_soft_margin_loss,
    soft_margin_loss,
)
from ..ops.lp_pool import lp_pool1d, lp_pool2d
from ..ops.norm import batch_norm
from ..ops.norm_composed import group_norm, instance_norm, layer_norm, normalize, rms_norm
from ..ops.pixel_shuffle import (
    channel_shuffle,
    native_channel_shuffle,
    pixel_shuffle,
    pixel_unshuffle,
)
from ..ops.pointwise import cosine_similarity
from ..ops.pool import adaptive_avg_pool2d, avg_pool2d, global_avg_pool2d, max_pool2d
from ..ops.pool3d import adaptive_max_pool3d, avg_pool3d, max_pool3d
from ..ops.pool_indices import max_unpool1d, max_unpool2d
from ..ops.pool_more import (
    adaptive_avg_pool1d,
    adaptive_avg_pool3d,
    adaptive_max_pool1d,
    adaptive_max_pool2d,
    avg_pool1d,
    max_pool1d,
)
from ..ops.resize import interpolate, pad
from ..ops.rnn import gru_cell, gru_layer, lstm_cell, lstm_layer, rnn_cell, rnn_layer
from ..ops.shape import broadcast_to, getitem, swapaxes
from ..tensor import Tensor

clamp = clip


def _result(input: Tensor, out: Tensor, inplace: bool) -> Tensor:  # noqa: A002
    """``out``, or ``input`` changed in place to it (``inplace=True``)."""
    return input.copy_(out) if inplace else out


def relu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """``max(input, 0)``; the gradient at 0 is 0 (as in PyTorch)."""
    return _result(input, _A.relu(input), inplace)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """``min(max(input, 0), 6)``."""
    return _result(input, _C.relu6(input), inplace)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:  # noqa: A002
    """``input`` where positive, ``negative_slope * input`` elsewhere."""
    return _result(input, _A.leaky_relu(input, negative_slope), inplace)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:  # noqa: A002
    """``input`` where positive, ``alpha * (exp(input) - 1)`` elsewhere."""
    return _result(input, _A.elu(input, alpha), inplace)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:  # noqa: A002
    return _result(input, _C.celu(input, alpha), inplace)


def selu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    return _result(input, _C.selu(input), inplace)


def silu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """``input * sigmoid(input)`` (swish)."""
    return _result(input, _A.silu(input), inplace)


def mish(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    return _result(input, _C.mish(input), inplace)


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    return _result(input, _C.hardswish(input), inplace)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    return _result(input, _C.hardsigmoid(input), inplace)


def hardtanh(
    input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False
) -> Tensor:  # noqa: A002
    return _result(input, _C.hardtanh(input, min_val, max_val), inplace)


def dropout(
    input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False, *, rng: Any = None
) -> Tensor:  # noqa: A002
    """Zero entries with probability ``p`` and scale the rest by ``1/(1-p)`` when ``training``."""
    return _result(input, _D.dropout(input, p, training, rng), inplace)


def dropout1d(
    input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False
) -> Tensor:  # noqa: A002
    return _result(input, _DV.dropout1d(input, p, training), inplace)


def dropout2d(
    input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False
) -> Tensor:  # noqa: A002
    return _result(input, _DV.dropout2d(input, p, training), inplace)


def dropout3d(
    input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False
) -> Tensor:  # noqa: A002
    return _result(input, _DV.dropout3d(input, p, training), inplace)


def alpha_dropout(
    input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False
) -> Tensor:  # noqa: A002
    return _result(input, _DV.alpha_dropout(input, p, training), inplace)


def feature_alpha_dropout(
    input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False
) -> Tensor:  # noqa: A002
    return _result(input, _DV.feature_alpha_dropout(input, p, training), inplace)


def _softmax_dim(who: str, input: Tensor, dim: Any, axis: Any) -> int:  # noqa: A002
    """``dim`` (or ``axis``); without either, PyTorch's implicit choice, with its warning."""
    d = dim if axis is None else axis
    if dim is not None and axis is not None:
        raise TypeError(f"{who}: give dim or axis, not both")
    if d is None:
        d = 0 if input.ndim in (0, 1, 3) else 1
        warnings.warn(
            f"Implicit dimension choice for {who} has been deprecated. Change the call to "
            f"include dim=X as an argument.",
            UserWarning,
            stacklevel=3,
        )
    return d


def _as_dtype(input: Tensor, dtype: Any) -> Tensor:  # noqa: A002
    return input if dtype is None else input.to(dtype)


def softmax(
    input: Tensor,
    dim: int | None = None,
    _stacklevel: int = 3,
    dtype: Any = None,
    *,
    axis: int | None = None,
) -> Tensor:  # noqa: A002
    """``exp(x) / sum(exp(x))`` along ``dim``."""
    return _A.softmax(_as_dtype(input, dtype), _softmax_dim("softmax", input, dim, axis))


def log_softmax(
    input: Tensor,
    dim: int | None = None,
    _stacklevel: int = 3,
    dtype: Any = None,
    *,
    axis: int | None = None,
) -> Tensor:  # noqa: A002
    """``log(softmax(x))`` along ``dim``, computed stably."""
    return _A.log_softmax(_as_dtype(input, dtype), _softmax_dim("log_softmax", input, dim, axis))


def softmin(
    input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None
) -> Tensor:  # noqa: A002
    """``softmax(-x)`` along ``dim``."""
    return _C.softmin(_as_dtype(input, dtype), _softmax_dim("softmin", input, dim, None))


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:  # noqa: A002
    """``input`` where ``input > threshold``, else ``value`` (PyTorch's ``F.threshold``)."""
    return _result(input, _K.threshold(input, threshold, value), inplace)


def rrelu(
    input: Tensor,  # noqa: A002
    lower: float = 1.0 / 8,
    upper: float = 1.0 / 3,
    training: bool = False,
    inplace: bool = False,
) -> Tensor:
    """Randomised leaky ReLU: negative slopes drawn from ``[lower, upper]`` in training.

    Without ``training`` the slope is ``(lower + upper) / 2``; training slopes come from
    glassnet's global generator (``gn.manual_seed``).
    """
    return _result(input, _K.rrelu(input, lower, upper, bool(training)), inplace)


# ---------------------------------------------------- PyTorch's deprecated aliases
def upsample(
    input: Tensor, size: Any = None, scale_factor: Any = None, mode: str = "nearest",  # noqa: A002
    align_corners: bool | None = None,
) -> Tensor:  # fmt: skip
    """PyTorch's deprecated name of :func:`interpolate` (the same arguments)."""
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input: Tensor, size: Any = None, scale_factor: Any = None) -> Tensor:  # noqa: A002
    """PyTorch's deprecated ``interpolate(..., mode='nearest')``."""
    return interpolate(input, size, scale_factor, "nearest")


def upsample_bilinear(input: Tensor, size: Any = None, scale_factor: Any = None) -> Tensor:  # noqa: A002
    """PyTorch's deprecated ``interpolate(..., mode='bilinear', align_corners=True)``."""
    return interpolate(input, size, scale_factor, "bilinear", True)


def relu_(input: Tensor) -> Tensor:  # noqa: A002
    """:func:`relu` in place."""
    return relu(input, True)


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:  # noqa: A002
    """:func:`leaky_relu` in place."""
    return leaky_relu(input, negative_slope, True)


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:  # noqa: A002
    """:func:`elu` in place."""
    return elu(input, alpha, True)


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:  # noqa: A002
    """:func:`celu` in place."""
    return celu(input, alpha, True)


def selu_(input: Tensor) -> Tensor:  # noqa: A002
    """:func:`selu` in place."""
    return selu(input, True)


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:  # noqa: A002
    """:func:`hardtanh` in place."""
    return hardtanh(input, min_val, max_val, True)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:  # noqa: A002
    """:func:`threshold` in place."""
    return _result(input, _K.threshold(input, threshold, value), True)


def rrelu_(
    input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False  # noqa: A002
) -> Tensor:
    """:func:`rrelu` in place."""
    return rrelu(input, lower, upper, training, True)


def _with_indices(pool: Any, name: str) -> Any:
    def pooled(*args: Any, **kwargs: Any) -> tuple[Tensor, Tensor]:
        kwargs.pop("return_indices", None)
        return pool(*args, **kwargs, return_indices=True)

    pooled.__name__ = pooled.__qualname__ = name
    pooled.__doc__ = f"torch's ``{name}``: :func:`{pool.__name__}` with ``return_indices=True``."
    return pooled


max_pool1d_with_indices = _with_indices(max_pool1d, "max_pool1d_with_indices")
max_pool2d_with_indices = _with_indices(max_pool2d, "max_pool2d_with_indices")
max_pool3d_with_indices = _with_indices(max_pool3d, "max_pool3d_with_indices")
adaptive_max_pool1d_with_indices = _with_indices(adaptive_max_pool1d, "adaptive_max_pool1d_with_indices")
adaptive_max_pool2d_with_indices = _with_indices(adaptive_max_pool2d, "adaptive_max_pool2d_with_indices")
adaptive_max_pool3d_with_indices = _with_indices(adaptive_max_pool3d, "adaptive_max_pool3d_with_indices")


#: torch.nn.functional names glassnet does not implement: asking for one says so
_NOT_IMPLEMENTED = frozenset({
    "conv_tbc", "lp_pool3d", "max_unpool3d", "fractional_max_pool2d",
    "fractional_max_pool3d", "gumbel_softmax",
    "multi_head_attention_forward", "linear_cross_entropy", "grouped_mm", "scaled_mm",
    "scaled_grouped_mm",
})  # fmt: skip


def __getattr__(name: str) -> Any:
    if name in _NOT_IMPLEMENTED:
        raise AttributeError(
            f"glassnet.nn.functional has no {name!r}: torch.nn.functional.{name} is not "
            "implemented in glassnet (docs/nn.md lists what is)"
        )
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
