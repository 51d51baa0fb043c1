"""Every functional op gives the same values and gradients on the CPU and on a GPU.

Each case runs once on the CPU and once on the device of the ``device``
fixture (the fake CuPy everywhere, a real GPU when present); outputs and the
gradients of ``sum(out * w)`` with respect to every floating input must agree.
On the fake device any op that calls NumPy on a device array, or mixes a host
array into a device computation, fails here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import glassnet as gn
import glassnet.functional as F
from glassnet.ops.conv_fused import conv2d_relu_maxpool2

from . import device_params
from .device_params import host, tolerances

gpu = device_params.gpu  # the fixture

R = np.random.default_rng(7)


def _f(*shape: int, lo: float = -1.0, hi: float = 1.0) -> np.ndarray:
    return R.uniform(lo, hi, shape).astype(np.float32)


def _pos(*shape: int) -> np.ndarray:
    return _f(*shape, lo=0.2, hi=2.0)


def _prob(*shape: int) -> np.ndarray:
    return _f(*shape, lo=0.05, hi=0.95)


def _labels(n: int, c: int) -> np.ndarray:
    return R.integers(0, c, n)


def _onehot_probs(n: int, c: int) -> np.ndarray:
    p = _pos(n, c)
    return p / p.sum(axis=1, keepdims=True)


def _lstm_w(f: int, h: int) -> list[np.ndarray]:
    return [_f(4 * h, f), _f(4 * h, h), _f(4 * h), _f(4 * h)]


def _gru_w(f: int, h: int) -> list[np.ndarray]:
    return [_f(3 * h, f), _f(3 * h, h), _f(3 * h), _f(3 * h)]


def _conv_relu_pool(x: gn.Tensor, w: gn.Tensor, b: gn.Tensor) -> gn.Tensor:
    """The fused block where it applies (ConvReluPool2d on the CPU with the compiled
    kernels), else the three ops, as ``nn.Sequential`` runs them."""
    y = conv2d_relu_maxpool2(x, w, b, (1, 1), (1, 1, 1, 1), (1, 1))
    return y if y is not None else F.relu(F.max_pool2d(F.conv2d(x, w, b, padding=1), 2))


def _assigned(a: Any, index: Any, v: Any) -> Any:
    """``x[index] = v`` on a tensor computed from ``a`` (recorded by ``__setitem__``)."""
    x = a * 1
    x[index] = v
    return x


def _added_through_view(a: Any, v: Any) -> Any:
    """``x[1].add_(v)``: the change written back into ``x`` through the view."""
    x = a * 1
    x[1].add_(v)
    return x


_ZEROS = _f(3, 6)
_ZEROS[0, 2] = _ZEROS[1, 0] = _ZEROS[1, 3] = _ZEROS[2, 5] = 0.0  # first zeros, and a second

MASK = R.random((2, 3, 5)) > 0.3
MASK[:, :, 0] = True

# name -> (function of tensors, inputs). Integer and boolean inputs are constants.
CASES: dict[str, tuple[Callable[..., Any], list[np.ndarray]]] = {
    # arithmetic
    "add_broadcast": (lambda a, b: a + b, [_f(3, 4), _f(4)]),
    "sub_scalar": (lambda a: 2 - a, [_f(3, 4)]),
    "mul": (lambda a, b: a * b, [_f(3, 1), _f(1, 5)]),
    "div": (lambda a, b: a / b, [_f(3, 4), _pos(3, 4)]),
    "pow": (lambda a, b: a**b, [_pos(3, 4), _f(3, 4)]),
    "pow_const": (lambda a: a**3, [_f(3, 4)]),
    "neg_abs": (lambda a: -abs(a), [_f(3, 4)]),
    "exp_log_sqrt": (lambda a: F.exp(a) + F.log(a) + F.sqrt(a), [_pos(3, 4)]),
    "expm1_log1p": (lambda a: gn.expm1(a) * gn.log1p(a), [_pos(3, 4)]),
    "atan2": (lambda a, b: gn.atan2(a, b) + a.atan2(2.0), [_f(3, 4), _f(4)]),
    "lerp_number": (lambda a, b: a.lerp(b, 0.3) * gn.lerp(a, b, 0.7), [_f(3, 4), _f(3, 4)]),
    "lerp_tensor": (lambda a, b, w: gn.lerp(a, b, w), [_f(3, 4), _f(4), _f(3, 1, lo=-0.2, hi=1.2)]),
    "erf_erfc_erfinv": (
        lambda a, y: gn.erf(a) * a.erfc() + y.erfinv(),
        [_f(3, 4, lo=-2.5, hi=2.5), _f(3, 4, lo=-0.9, hi=0.9)],
    ),
    # draws on the host from a seeded generator: the same samples on every device
    "multinomial_gather": (
        lambda p: p.gather(1, p.multinomial(3, generator=gn.Generator().manual_seed(0))),
        [_pos(4, 6)],
    ),
    "einsum_matmul": (lambda a, b: gn.einsum("ij,jk->ik", a, b), [_f(3, 4), _f(4, 5)]),
    "einsum_batch_sum": (lambda a, b: gn.einsum("bij,bj", a, b), [_f(2, 3, 4), _f(2, 4)]),
    "einsum_reduce_one": (lambda a, b: gn.einsum("ij,k->i", a, b), [_f(3, 4), _f(5)]),
    "einsum_diagonal": (lambda a, b: gn.einsum("bii,ij->bj", a, b), [_f(2, 3, 3), _f(3, 4)]),
    "sin_cos": (lambda a: a.sin() * gn.cos(a), [_f(3, 4, lo=-3, hi=3)]),
    "clip": (lambda a: F.clip(a, -0.3, 0.4), [_f(3, 4)]),
    "maximum": (F.maximum, [_f(3, 4), _f(3, 4)]),
    "minimum_const": (lambda a: F.minimum(a, 0.1), [_f(3, 4)]),
    "where": (lambda c, a, b: F.where(c, a, b), [R.random((3, 4)) > 0.5, _f(3, 4), _f(3, 4)]),
    "matmul_batched": (F.matmul, [_f(2, 3, 4), _f(4, 5)]),
    "matmul_vector": (F.matmul, [_f(4), _f(4, 5)]),
    "cast_clone": (lambda a: F.clone(a).astype(np.float64).sum(axis=1), [_f(3, 4)]),
    "linear": (F.linear, [_f(5, 3, 4), _f(6, 4), _f(6)]),
    # activations
    "sigmoid": (F.sigmoid, [_f(3, 4, lo=-8, hi=8)]),
    "tanh": (F.tanh, [_f(3, 4)]),
    "relu": (F.relu, [_f(3, 4)]),
    "leaky_relu": (lambda a: F.leaky_relu(a, 0.1), [_f(3, 4)]),
    "elu": (F.elu, [_f(3, 4)]),
    "gelu": (F.gelu, [_f(3, 4, lo=-3, hi=3)]),
    "gelu_tanh": (lambda a: F.gelu(a, approximate="tanh"), [_f(3, 4)]),
    "softplus": (F.softplus, [_f(3, 4, lo=-30, hi=30)]),
    "silu": (F.silu, [_f(3, 4)]),
    "softmax": (lambda a: F.softmax(a, axis=0), [_f(3, 4)]),
    "log_softmax": (F.log_softmax, [_f(3, 4)]),
    # reductions
    "sum_mean": (lambda a: a.sum(axis=1) + a.mean(axis=(0, 1), keepdims=True), [_f(2, 3, 4)]),
    "max_min": (lambda a: a.amax(axis=1) - a.min(), [_f(3, 4)]),
    "max_min_dim": (lambda a: a.max(1).values[:, None] - a.min(dim=0, keepdim=True)[0], [_f(3, 4)]),
    "prod": (lambda a: a.prod(1) + a.prod(), [_f(3, 4, lo=0.5, hi=1.5)]),
    "prod_zero": (lambda a: gn.cat([a[:, :1], a[:, 1:2] * 0, a[:, 2:]], 1).prod(dim=1), [_f(3, 4)]),
    "cumsum": (lambda a: a.cumsum(1) * a.cumsum(dim=0), [_f(3, 4)]),
    "cumprod": (lambda a: a.cumprod(1) + gn.cumprod(a, dim=0), [_f(3, 4)]),
    "cumprod_zeros": (lambda a: a.cumprod(dim=-1), [_ZEROS]),
    "diff": (lambda a, p: (a.diff(n=2, dim=1, prepend=p), gn.diff(a, dim=0)), [_f(3, 5), _f(3, 1)]),
    "var_std": (lambda a: a.var(axis=0) + a.std(), [_f(3, 4)]),
    "logsumexp": (lambda a: F.logsumexp(a, axis=1), [_f(3, 4)]),
    # shape
    "reshape_transpose": (lambda a: a.reshape(4, 6).T.transpose(1, 0).permute(1, 0), [_f(2, 3, 4)]),
    "swapaxes_flatten": (lambda a: F.flatten(F.swapaxes(a, 0, 2), 1), [_f(2, 3, 4)]),
    "getitem_basic": (lambda a: a[1:, None, ::2], [_f(3, 4)]),
    "getitem_list": (lambda a: a[[0, 2, 2]], [_f(3, 4)]),
    "getitem_array": (lambda a, i: a[:, i], [_f(3, 4), np.array([3, 0, 3])]),
    "getitem_bool": (lambda a, m: a[m], [_f(3, 4), R.random((3, 4)) > 0.4]),
    "max_unpool2d": (
        lambda a: F.max_unpool2d(*F.max_pool2d(a, 2, return_indices=True), 2, output_size=(5, 4)),
        [_f(2, 3, 5, 4)],
    ),
    "setitem_slice": (lambda a, v: _assigned(a, (slice(1, 3), slice(None, None, 2)), v), [_f(3, 4), _f(2, 1)]),
    "setitem_view_add": (lambda a, v: _added_through_view(a, v), [_f(3, 4), _f(4)]),
    # linear algebra (well-conditioned: identity plus a small random part)
    "linalg_inv": (lambda a: gn.linalg.inv(a), [np.eye(3) * 2 + _f(2, 3, 3) * 0.3]),
    "linalg_det": (lambda a: gn.linalg.det(a), [np.eye(3) + _f(2, 3, 3) * 0.5]),
    "linalg_slogdet": (lambda a: gn.linalg.slogdet(a)[1], [np.eye(3) * 2 + _f(3, 3) * 0.3]),
    "linalg_solve": (lambda a, b: gn.linalg.solve(a, b), [np.eye(3) * 2 + _f(2, 3, 3) * 0.3, _f(2, 3, 2)]),
    # decompositions: symmetric inputs as a + a^T (each reads one triangle); vectors squared,
    # which does not depend on their signs
    "linalg_cholesky": (lambda a: gn.linalg.cholesky(a + a.mT, upper=True), [np.eye(3) * 2 + _f(2, 3, 3) * 0.3]),
    "linalg_eigh": (lambda a: gn.linalg.eigh(a + a.mT)[1] ** 2 + gn.linalg.eigvalsh(a + a.mT)[..., None, :], [_f(2, 3, 3)]),
    "linalg_svd": (lambda a: gn.linalg.svd(a, False)[0] ** 2 + gn.linalg.svd(a, False)[1][..., None, :], [_f(2, 4, 3)]),
    "linalg_svd_vh": (lambda a: gn.linalg.svd(a)[2][..., :2, :] ** 2, [_f(2, 2, 4)]),
    "linalg_qr": (lambda a: gn.linalg.qr(a)[0] + gn.linalg.qr(a)[1].sum(-2, keepdim=True), [_f(2, 4, 3)]),
    "linalg_qr_wide": (lambda a: gn.linalg.qr(a)[1], [_f(3, 5)]),
    "scatter_reduce_prod": (lambda a, s: a.scatter_reduce(1, np.array([[0, 2, 2], [1, 1, 0]]), s, "prod"), [_f(2, 3), _f(2, 3)]),
    "scatter_reduce_amax": (lambda a, s: a.scatter_reduce(0, np.array([[1, 0, 1]]), s, "amax", include_self=False), [_f(2, 3), _f(1, 3)]),
    "scatter_reduce_mean": (lambda a, s: a.scatter_reduce(1, np.array([[0, 0, 2]]), s, "mean"), [_f(1, 3), _f(1, 3)]),
    "asinh": (lambda a: a.asinh(), [_f(3, 4) * 3]),
    "acosh": (lambda a: a.acosh(), [np.abs(_f(3, 4)) + 1.2]),
    "atanh": (lambda a: a.atanh(), [np.tanh(_f(3, 4))]),
    "concat_split": (
        lambda a, b: F.split(F.concat([a, b], axis=1), 2, axis=1)[1],
        [_f(3, 2), _f(3, 3)],
    ),
    "stack": (lambda a, b: F.stack([a, b], axis=1), [_f(3, 2), _f(3, 2)]),
    "pad": (lambda a: F.pad(a, (1, 2, 0, 1), value=0.5), [_f(3, 4)]),
    "squeeze_unsqueeze": (lambda a: F.unsqueeze(F.squeeze(a, 1), 0), [_f(3, 1, 4)]),
    "broadcast_to": (lambda a: F.broadcast_to(a, (2, 3, 4)), [_f(3, 1)]),
    # convolution, pooling, normalisation
    "conv2d": (
        lambda x, w, b: F.conv2d(x, w, b, padding=1),
        [_f(2, 3, 6, 6), _f(4, 3, 3, 3), _f(4)],
    ),
    "conv2d_stride_dil": (
        lambda x, w: F.conv2d(x, w, stride=2, dilation=2, padding="valid"),
        [_f(2, 2, 9, 9), _f(3, 2, 3, 3)],
    ),  # fmt: skip
    "conv2d_groups": (
        lambda x, w: F.conv2d(x, w, groups=2, padding="same"),
        [_f(2, 4, 5, 5), _f(4, 2, 3, 3)],
    ),
    "conv2d_rect_stride_pad": (
        lambda x, w, b: F.conv2d(x, w, b, stride=(2, 1), padding=(2, 1)),
        [_f(2, 3, 7, 6), _f(4, 3, 3, 2), _f(4)],
    ),
    "conv2d_many_channels": (  # above PER_TAP_MAX_CHANNELS: one product per block
        lambda x, w: F.conv2d(x, w, stride=2, padding=1),
        [_f(2, 66, 5, 5), _f(3, 66, 3, 3)],
    ),
    # Conv2d -> ReLU -> MaxPool2d(2) as one node (CPU, compiled kernels); the modules elsewhere
    "conv2d_relu_maxpool2": (_conv_relu_pool, [_f(2, 3, 6, 6), _f(4, 3, 3, 3), _f(4)]),
    "conv2d_relu_maxpool2_rows": (_conv_relu_pool, [_f(2, 6, 4, 6), _f(3, 6, 3, 3), _f(3)]),
    "conv1d": (lambda x, w, b: F.conv1d(x, w, b, padding=1), [_f(2, 3, 7), _f(4, 3, 3), _f(4)]),
    "max_pool2d": (lambda x: F.max_pool2d(x, 2), [_f(2, 3, 6, 6)]),
    "max_pool2d_pad": (
        lambda x: F.max_pool2d(x, 3, stride=2, padding=1, ceil_mode=True),
        [_f(2, 3, 7, 7)],
    ),
    "avg_pool2d": (
        lambda x: F.avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False),
        [_f(2, 3, 7, 7)],
    ),  # fmt: skip
    "adaptive_avg_pool2d": (lambda x: F.adaptive_avg_pool2d(x, (3, 2)), [_f(2, 3, 7, 5)]),
    "global_avg_pool2d": (F.global_avg_pool2d, [_f(2, 3, 4, 4)]),
    "batch_norm_train": (
        lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
        [_f(4, 3, 5, 5), _pos(3), _f(3)],
    ),  # fmt: skip
    "batch_norm_1d": (
        lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
        [_f(6, 5), _pos(5), _f(5)],
    ),  # fmt: skip
    "batch_norm_eval": (
        lambda x, m, v: F.batch_norm(x, m, v, training=False),
        [_f(4, 3, 2, 2), _f(3), _pos(3)],
    ),  # fmt: skip
    "composed_activations": (
        lambda x, w: F.hardtanh(x, -0.5, 0.5) + F.hardswish(x) + F.mish(x) + F.logsigmoid(x)
        + F.softmin(x, 1) + F.selu(x) + F.celu(x, 0.5) + F.softsign(x) + F.relu6(x * 8)
        + F.hardsigmoid(x * 4) + F.prelu(x, w),
        [_f(4, 3), _pos(3)],
    ),  # fmt: skip
    "layer_group_instance_norm": (
        lambda x, w, b: F.layer_norm(x, (3, 4), None, None) + F.group_norm(x, 2, w, b)
        + F.instance_norm(x, weight=w, bias=b) + F.normalize(x, 2.0, 1),
        [_f(2, 4, 3, 4), _pos(4), _f(4)],
    ),  # fmt: skip
    "embedding": (
        lambda w: F.embedding(np.array([[0, 2], [3, 2]]), w),
        [_f(4, 3)],
    ),  # fmt: skip
    "grid_sample_bicubic": (
        lambda x, g: F.grid_sample(x, g, mode="bicubic", padding_mode="reflection")
        + F.grid_sample(x, g, mode="bicubic", padding_mode="zeros", align_corners=True),
        [_f(2, 3, 4, 5), _f(2, 3, 4, 2, lo=-1.2, hi=1.2)],
    ),  # fmt: skip
    "pad_modes_interpolate": (
        lambda x: F.pad(x, (1, 2, 2, 1), "reflect").sum() + F.pad(x[0], (1, 1), "replicate").sum()
        + F.interpolate(x, size=(5, 7), mode="bilinear").sum()
        + F.interpolate(x, scale_factor=2).sum(),
        [_f(2, 3, 4, 5)],
    ),  # fmt: skip
    "pool1d_adaptive_max": (
        lambda x: F.max_pool1d(x[:, :, 0], 2).sum() + F.avg_pool1d(x[:, :, 1], 2).sum()
        + F.adaptive_max_pool2d(x, (3, 2)).sum(),
        [_f(2, 3, 4, 5)],
    ),  # fmt: skip
    "conv_transpose": (
        lambda x, w, b: F.conv_transpose2d(x, w, b, 2, 1, 1, 2).sum()
        + F.conv_transpose1d(x[:, :, 0], w[:, :, 0], None, 2).sum(),
        [_f(2, 4, 3, 3), _f(4, 3, 3, 3), _f(6)],
    ),  # fmt: skip
    # losses
    "cross_entropy": (F.cross_entropy, [_f(6, 5), _labels(6, 5)]),
    "cross_entropy_weighted": (
        lambda x, t, w: F.cross_entropy(x, t, weight=w.array, ignore_index=1, label_smoothing=0.1),
        [_f(6, 5), _labels(6, 5), _pos(5)],
    ),  # fmt: skip
    "cross_entropy_probs": (F.cross_entropy, [_f(6, 5), _onehot_probs(6, 5)]),
    "cross_entropy_spatial": (
        lambda x, t: F.cross_entropy(x, t, reduction="none"),
        [_f(2, 4, 3, 3), R.integers(0, 4, (2, 3, 3))],
    ),  # fmt: skip
    "nll_loss": (
        lambda x, t: F.nll_loss(F.log_softmax(x, 1), t, reduction="sum"),
        [_f(6, 5), _labels(6, 5)],
    ),
    "bce_with_logits": (
        lambda x, t, pw: F.binary_cross_entropy_with_logits(x, t, pos_weight=pw.array),
        [_f(6, 3), _prob(6, 3), _pos(3)],
    ),  # fmt: skip
    "bce": (F.binary_cross_entropy, [_prob(6, 3), _prob(6, 3)]),
    "mse_l1": (
        lambda x, t: F.mse_loss(x, t) + F.l1_loss(x, t, reduction="sum"),
        [_f(6, 3), _f(6, 3)],
    ),
    "huber_smooth_l1": (
        lambda x, t: F.huber_loss(x, t, delta=0.5) + F.smooth_l1_loss(x, t, beta=0.3),
        [_f(6, 3), _f(6, 3)],
    ),  # fmt: skip
    "half_mse": (F.half_mse_loss, [_f(6, 3), _f(6, 3)]),
    "kl_div": (
        lambda x, t: F.kl_div(F.log_softmax(x, 1), t, reduction="batchmean"),
        [_f(4, 5), _onehot_probs(4, 5)],
    ),  # fmt: skip
    "cosine_embedding": (
        lambda a, b: F.cosine_embedding_loss(a, b, np.array([1, -1, 1, -1]), 0.1),
        [_f(4, 5), _f(4, 5)],
    ),  # fmt: skip
    "margin_ranking": (
        lambda a, b, t: F.margin_ranking_loss(a, b, t, 0.2, reduction="sum"),
        [_f(6), _f(6), np.array([1, -1, 1, 1, -1, -1], np.float32)],
    ),  # fmt: skip
    "triplet_margin_swap": (
        lambda a, p, n: F.triplet_margin_loss(a, p, n, 0.5, 2.0, 1e-6, True),
        [_f(4, 3), _f(4, 3), _f(4, 3)],
    ),  # fmt: skip
    "poisson_nll_full": (
        lambda x, t: F.poisson_nll_loss(x, t, full=True),
        [_f(4, 3), _f(4, 3, lo=1.5, hi=4.0)],  # away from the Stirling term's step at 1
    ),  # fmt: skip
    "gaussian_nll": (
        lambda x, t, v: F.gaussian_nll_loss(x, t, v, full=True),
        [_f(4, 3), _f(4, 3), _pos(4, 1)],
    ),  # fmt: skip
    # attention
    "masked_softmax": (lambda x, m: F.masked_softmax(x, m), [_f(2, 3, 5), MASK]),
    "sdpa_bool_mask": (
        lambda q, k, v, m: F.scaled_dot_product_attention(q, k, v, m),
        [_f(2, 3, 4), _f(2, 5, 4), _f(2, 5, 6), MASK],
    ),  # fmt: skip
    "sdpa_float_mask": (
        lambda q, k, v, m: F.scaled_dot_product_attention(q, k, v, m),
        [_f(2, 3, 4), _f(2, 5, 4), _f(2, 5, 6), _f(3, 5)],
    ),  # fmt: skip
    "additive_attention": (
        lambda h, wk, v, b, m: F.additive_attention(h, wk, v, b, mask=m),
        [_f(2, 5, 4), _f(3, 4), _f(3), _f(3), MASK[:, 0]],
    ),  # fmt: skip
    "additive_attention_query": (
        lambda h, wk, v, q, wq: F.additive_attention(h, wk, v, query=q, weight_q=wq),
        [_f(2, 5, 4), _f(3, 4), _f(3), _f(2, 6), _f(3, 6)],
    ),  # fmt: skip
    "weighted_sum": (F.weighted_sum, [_prob(2, 5), _f(2, 5, 4)]),
    # recurrent
    "lstm_layer": (
        lambda x, h0, c0, *w: F.lstm_layer(x, h0, c0, *w, batch_first=True),
        [_f(3, 4, 2), _f(3, 5), _f(3, 5), *_lstm_w(2, 5)],
    ),  # fmt: skip
    "lstm_layer_reverse": (
        lambda x, *w: F.lstm_layer(x, None, None, *w, reverse=True),
        [_f(4, 3, 2), *_lstm_w(2, 5)],
    ),  # fmt: skip
    "gru_layer": (lambda x, h0, *w: F.gru_layer(x, h0, *w), [_f(4, 3, 2), _f(3, 5), *_gru_w(2, 5)]),
    "rnn_layer_relu": (
        lambda x, *w: F.rnn_layer(x, None, *w, nonlinearity="relu"),
        [_f(4, 3, 2), _f(5, 2), _f(5, 5), _f(5), _f(5)],
    ),  # fmt: skip
    "lstm_cell": (
        lambda x, h, c, *w: F.lstm_cell(x, h, c, *w),
        [_f(3, 2), _f(3, 5), _f(3, 5), *_lstm_w(2, 5)],
    ),
    "gru_cell": (lambda x, h, *w: F.gru_cell(x, h, *w), [_f(3, 2), _f(3, 5), *_gru_w(2, 5)]),
    "rnn_cell": (lambda x, h, *w: F.rnn_cell(x, h, *w), [_f(3, 2), _f(3, 5), _f(5, 2), _f(5, 5)]),
    # the torch dialect's methods composed from indexing (index arrays follow the tensor)
    "gather_scatter": (
        lambda a, b: a.gather(1, gn.tensor([[0, 2], [1, 1], [3, 0]]))
        + a.scatter(1, gn.tensor([[1], [0], [2]]), b)[:, :2],
        [_f(3, 4), _f(3, 4)],
    ),  # fmt: skip
    "scatter_add_index_add": (
        lambda a, b: a.scatter_add(1, gn.tensor([[0, 0], [2, 1], [3, 3]]), b)
        + a.index_add(0, gn.tensor([2, 0, 2]), b, alpha=0.5),
        [_f(3, 4), _f(3, 4)],
    ),  # fmt: skip
    "sort_topk_max_dim": (
        lambda a: a.sort(1, descending=True).values[:, :2] + a.topk(2, 1, largest=False).values
        + a.max(1, keepdim=True).values,
        [_f(3, 4)],
    ),  # fmt: skip
    "select_flip_roll_repeat": (
        lambda a: a.masked_fill(a > 0.5, 0.0).flip(0).roll(1, 1).repeat(2, 1)[1:4]
        + a.index_select(1, gn.tensor([3, 2, 1, 0])),
        [_f(3, 4)],
    ),  # fmt: skip
    "tril_norm_cosine": (
        lambda a, b: gn.tril(a, 1) * a.norm(dim=1, keepdim=True)
        + F.cosine_similarity(a, b, dim=1)[:, None],
        [_f(3, 4), _f(3, 4)],
    ),  # fmt: skip
    "median_kthvalue_chunk": (
        lambda a: a.median(1).values + a.kthvalue(2, 1).values + a.chunk(2, 1)[1].sum(1),
        [_f(3, 5)],
    ),  # fmt: skip
    "nanmedian_dim_and_all": (  # NaN made inside: central differences see no NaN input
        lambda a: gn.where(a > 0.5, float("nan"), a).nanmedian(1).values
        + gn.nanmedian(gn.where(a < -0.6, float("nan"), a)),
        [_f(3, 6)],
    ),  # fmt: skip
    "mode_with_copies": (  # the copied entries stay equal when one is nudged
        lambda a: gn.cat([a, a[:, :2], a[:, 1:2]], 1).mode(1).values + gn.mode(a, 0, True)[0].sum(),
        [_f(3, 5)],
    ),  # fmt: skip
    "logcumsumexp": (lambda a: gn.logcumsumexp(a * 4, 1) + a.logcumsumexp(dim=0), [_f(3, 5)]),
    # dropout with a host generator: the same mask on every device
    "dropout_host_rng": (lambda a: F.dropout(a, 0.4, rng=np.random.default_rng(3)), [_f(5, 6)]),
    # torch's layers composed from other ops (pixel shuffle, bilinear, LRN, LP pooling, SDPA)
    "pixel_shuffle_unshuffle": (
        lambda a: F.pixel_unshuffle(F.pixel_shuffle(a, 2) ** 2, 2), [_f(2, 8, 2, 3)],
    ),  # fmt: skip
    "bilinear": (F.bilinear, [_f(2, 3, 4), _f(2, 3, 2), _f(5, 4, 2), _f(5)]),
    "local_response_norm": (lambda a: F.local_response_norm(a, 3, 0.5, 0.75, 1.0), [_f(2, 5, 3)]),
    "lp_pool": (
        lambda a, b: F.lp_pool2d(a, 2.5, (2, 3), 1).sum() + F.lp_pool1d(b, 3, 2, ceil_mode=True).sum(),
        [_pos(1, 2, 4, 5), _pos(2, 2, 5)],
    ),  # fmt: skip
    "sdpa_causal_gqa": (
        lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=True),
        [_f(2, 4, 3, 4), _f(2, 2, 5, 4), _f(2, 2, 5, 3)],
    ),  # fmt: skip
    # round 4: CTC loss (padded and concatenated targets, an impossible alignment zeroed)
    "ctc_loss": (
        lambda x: F.ctc_loss(
            F.log_softmax(x, dim=2), np.array([[1, 1, 2], [3, 0, 0]]), (5, 4), (3, 1),
            reduction="none",
        ) + F.ctc_loss(F.log_softmax(x, dim=2), np.array([2, 1, 1]), (5, 4), (1, 2), blank=3),
        [_f(5, 2, 4)],
    ),  # fmt: skip
    "ctc_loss_zero_infinity": (
        lambda x: F.ctc_loss(
            F.log_softmax(x, dim=-1), np.array([[1, 1], [2, 1]]), (2, 3), (2, 2),
            reduction="sum", zero_infinity=True,
        ),
        [_f(3, 2, 3)],
    ),  # fmt: skip
    "multilabel_margin": (
        lambda x: F.multilabel_margin_loss(x, np.array([[3, 0, -1, 1], [1, 1, 2, -1], [-1, 0, 0, 0]]),
                                           reduction="none"),
        [_f(3, 4)],
    ),  # fmt: skip
    "triplet_with_distance_swap": (
        lambda a, p, n: F.triplet_margin_with_distance_loss(
            a, p, n, distance_function=lambda u, v: 1 - F.cosine_similarity(u, v), margin=0.5,
            swap=True, reduction="none",
        ),
        [_f(4, 3), _f(4, 3), _f(4, 3)],
    ),  # fmt: skip
    "channel_shuffle": (lambda x: F.channel_shuffle(x, 3) * x, [_f(2, 6, 2, 1)]),
    "interpolate_bicubic": (
        lambda x: F.interpolate(x, size=(3, 5), mode="bicubic").sum()
        + F.interpolate(x, scale_factor=0.7, mode="bicubic", align_corners=True).sum(),
        [_f(1, 2, 4, 3)],
    ),  # fmt: skip
    "index_put_masked_scatter": (
        lambda a, v, s: a.index_put((gn.tensor([2, 0, 2]), gn.tensor([1, 1, 3])), v, accumulate=True)
        + a.index_put((gn.tensor([True, False, True]),), v[:2, None]).masked_scatter(
            gn.tensor([[True, False, True, False]]), s),
        [_f(3, 4), _f(3), _f(2, 3)],
    ),  # fmt: skip
    # 3-D convolution and pooling (video, volumes): tiny volumes, the 3-D options each once
    "conv3d": (
        lambda x, w, b: F.conv3d(x, w, b, stride=(1, 2, 1), padding=(1, 0, 1), groups=2),
        [_f(2, 4, 3, 4, 3), _f(4, 2, 2, 2, 3), _f(4)],
    ),
    "conv3d_same_dil": (
        lambda x, w: F.conv3d(x, w, padding="same", dilation=(1, 2, 1)),
        [_f(1, 2, 3, 4, 3), _f(2, 2, 2, 2, 2)],
    ),
    "conv_transpose3d": (
        lambda x, w, b: F.conv_transpose3d(x, w, b, stride=2, padding=1, output_padding=(1, 0, 1)),
        [_f(1, 2, 2, 3, 2), _f(2, 3, 3, 2, 3), _f(3)],
    ),
    "max_pool3d": (
        lambda x: F.max_pool3d(x, 2, stride=(1, 2, 2), padding=1, ceil_mode=True).sum()
        + F.max_pool3d(x, (2, 3, 2), dilation=(1, 1, 2), stride=1).sum(),
        [_f(2, 2, 3, 4, 5)],
    ),
    "avg_pool3d": (
        lambda x: F.avg_pool3d(x, 3, stride=2, padding=1, ceil_mode=True, count_include_pad=False).sum()
        + F.avg_pool3d(x, (1, 2, 2), divisor_override=3).sum() + F.avg_pool3d(x, 2, padding=1).sum(),
        [_f(2, 2, 4, 5, 3)],
    ),
    "adaptive_max_pool3d": (
        lambda x: F.adaptive_max_pool3d(x, (2, 3, None)).sum() + F.adaptive_max_pool3d(x, 1).sum(),
        [_f(2, 2, 4, 5, 3)],
    ),
    # the gamma family (glassnet/ops/gamma.py): the shifted asymptotic series for x > 0,
    # the reflection formulas for x < 0
    "lgamma_digamma_polygamma": (
        lambda a, b: gn.lgamma(a) * b.lgamma() + a.digamma() + gn.polygamma(2, b) + b.polygamma(1),
        [_f(3, 4, lo=0.3, hi=20.0), _f(3, 4, lo=-1.8, hi=-1.2)],
    ),
    "mvlgamma": (lambda a: gn.mvlgamma(a, 3), [_f(2, 3, lo=1.2, hi=4.0)]),
    # the modified Bessel functions (glassnet/ops/bessel.py): the power series to |x| = 30,
    # the large-argument expansion beyond
    "bessel_i0_i1": (
        lambda a, b: gn.special.i0(a) * 0.01 + gn.special.i1(a) * 0.01 + gn.special.i0e(b)
        + gn.special.i1e(b) * b,
        [_f(3, 4, lo=-6.0, hi=6.0), _f(3, 4, lo=-45.0, hi=45.0)],
    ),
    "log_ndtr_ndtri": (  # glassnet/ops/normal_cdf.py
        lambda x, p: gn.special.log_ndtr(x) + gn.special.ndtri(p),
        [_f(3, 4, lo=-9.0, hi=4.0), _f(3, 4, lo=0.01, hi=0.99)],
    ),
}


def _run(fn: Callable[..., Any], arrays: list[np.ndarray], device: str) -> tuple[list, list]:
    ins = []
    for a in arrays:
        floating = a.dtype.kind == "f"
        ins.append(gn.tensor(a, requires_grad=floating).to(device))
    out = fn(*ins)
    outs = list(out) if isinstance(out, (tuple, list)) else [out]
    w_rng = np.random.default_rng(1)
    total = None
    for o in outs:
        if o.dtype.kind != "f":
            continue
        w = gn.tensor(w_rng.standard_normal(o.shape).astype(o.dtype)).to(device)
        part = (o * w).sum()
        total = part if total is None else total + part
    total.backward()
    grads = [host(t.grad) if t.grad is not None else None for t in ins]
    return [host(o) for o in outs], grads


@pytest.mark.parametrize("name", sorted(CASES))
def test_op_same_on_gpu(name: str, gpu: str) -> None:
    fn, arrays = CASES[name]
    want_out, want_grads = _run(fn, arrays, "cpu")
    got_out, got_grads = _run(fn, arrays, gpu)
    tol = tolerances(gpu)
    for k, (g, w) in enumerate(zip(got_out, want_out)):
        assert g.dtype == w.dtype, f"output {k}: dtype {g.dtype} on the GPU, {w.dtype} on the CPU"
        np.testing.assert_allclose(g, w, err_msg=f"{name}: output {k}", **tol)
    for i, (g, w) in enumerate(zip(got_grads, want_grads)):
        assert (g is None) == (w is None), f"{name}: gradient of input {i} missing on one device"
        if g is not None:
            assert g.dtype == w.dtype
            np.testing.assert_allclose(g, w, err_msg=f"{name}: gradient of input {i}", **tol)


@pytest.mark.parametrize("name", sorted(CASES))
def test_backward_keeps_each_input_dtype(name: str) -> None:
    """No op hands back a gradient in another dtype than its input's (a float64 gradient for
    a float32 input doubles the memory traffic of everything upstream, on any device)."""
    from glassnet.autograd.engine import _toposort

    fn, arrays = CASES[name]
    ins = [gn.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    out = fn(*ins)
    outs = [o for o in (out if isinstance(out, (tuple, list)) else [out]) if o.dtype.kind == "f"]
    bad: list[str] = []
    for node in _toposort([o._ctx for o in outs if o._ctx is not None]):
        inputs, original = node.inputs, node.backward

        def checked(
            *grads: Any, _node: Any = node, _inputs: Any = inputs, _f: Any = original
        ) -> Any:
            res = _f(*grads)
            for t, g in zip(_inputs, res if isinstance(res, tuple) else (res,)):
                if t is not None and g is not None and g.dtype != t.dtype:
                    bad.append(f"{type(_node).__name__}: {g.dtype} gradient for a {t.dtype} input")
            return res

        node.backward = checked
    sum(o.sum() for o in outs).backward()
    assert not bad, bad
