"""The public lowercase functions (``import glassnet.functional as F``).

Each is defined next to its ``Function`` class in ``glassnet/ops/``; this
module gathers them in one namespace, like ``torch.nn.functional``.
"""

from .ops.activation import (
    elu,
    erf,
    gelu,
    leaky_relu,
    log_softmax,
    relu,
    sigmoid,
    silu,
    softmax,
    softplus,
    tanh,
)
from .ops.activation_composed import (
    celu,
    hardsigmoid,
    hardswish,
    hardtanh,
    logsigmoid,
    mish,
    prelu,
    relu6,
    selu,
    softmin,
    softsign,
)
from .ops.arithmetic import (
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
from .ops.attention import (
    additive_attention,
    masked_softmax,
    scaled_dot_product_attention,
    weighted_sum,
)
from .ops.conv import conv1d, conv2d
from .ops.conv_transpose import conv_transpose1d, conv_transpose2d
from .ops.dropout import dropout
from .ops.dropout_variants import (
    alpha_dropout,
    dropout1d,
    dropout2d,
    dropout3d,
    feature_alpha_dropout,
)
from .ops.embedding import embedding, one_hot
from .ops.linear import linear
from .ops.loss import (
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
from .ops.loss_composed import (
    cosine_embedding_loss,
    gaussian_nll_loss,
    margin_ranking_loss,
    pairwise_distance,
    poisson_nll_loss,
    triplet_margin_loss,
)
from .ops.norm import batch_norm
from .ops.norm_composed import group_norm, instance_norm, layer_norm, normalize
from .ops.pool import adaptive_avg_pool2d, avg_pool2d, global_avg_pool2d, max_pool2d
from .ops.pool_more import (
    adaptive_avg_pool1d,
    adaptive_max_pool1d,
    adaptive_max_pool2d,
    avg_pool1d,
    max_pool1d,
)
from .ops.reduce import logsumexp, max, mean, min, sum, var
from .ops.resize import interpolate, pad
from .ops.rnn import gru_cell, gru_layer, lstm_cell, lstm_layer, rnn_cell, rnn_layer
from .ops.shape import (
    broadcast_to,
    concat,
    flatten,
    getitem,
    reshape,
    split,
    squeeze,
    stack,
    swapaxes,
    transpose,
    unsqueeze,
)

clamp = clip
cat = concat
