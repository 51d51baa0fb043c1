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
from .ops.dropout import dropout
from .ops.linear import linear
from .ops.reduce import logsumexp, max, mean, min, sum, var
from .ops.shape import (
    broadcast_to,
    concat,
    flatten,
    getitem,
    pad,
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
