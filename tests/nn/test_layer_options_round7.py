"""Round 7 of differential testing against torch.nn: more constructor and functional OPTIONS.

Reuses round 6's harness (weights copied from torch's ``state_dict``, float64 inputs, values,
input gradients, parameter gradients and buffers compared) with new combinations, and checks
besides ``state_dict`` keys and shapes, ``repr`` and ``extra_repr``. Composite calls (pool then
unpool, ``output_size=`` in a transposed convolution's forward) go through ``lib``-generic
functions run once with glassnet and once with torch. Where torch raises, glassnet must too,
naming the layer or function.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import glassnet as gn
from glassnet import nn
from glassnet.nn import functional as F
from glassnet.testing import check_gradients

from .test_layer_options_round6 import FN, LS, TE, C, L, _check_layer, _pair, _same, _t, _x


def _check_structure(name: str, args: tuple, kwargs: dict, torch: Any) -> None:
    """``state_dict`` keys / shapes and ``extra_repr`` as torch's."""
    g, t = _pair(name, args, kwargs, torch)
    gs, ts = g.state_dict(), t.state_dict()
    assert list(gs) == list(ts)
    for k, v in ts.items():
        assert tuple(gs[k].shape) == tuple(v.shape), k
    if "Attention" not in name and "Transformer" not in name:
        assert g.extra_repr().replace(", nonlinearity='relu'", "") == t.extra_repr()


CONV = [
    # groups + dilation + stride together
    L("Conv1d", 6, 9, 3, stride=2, dilation=2, groups=3, padding=2, x=(2, 6, 13)),
    L("Conv2d", 4, 8, (3, 2), stride=(2, 1), dilation=(1, 3), groups=4, padding=(1, 2),
      x=(2, 4, 9, 10)),
    L("Conv3d", 4, 6, (2, 3, 2), stride=(1, 2, 2), dilation=(2, 1, 2), groups=2,
      x=(1, 4, 6, 7, 7)),
    L("Conv2d", 6, 6, 3, groups=6, dilation=3, padding="same", bias=False, x=(2, 6, 10, 9)),
    # padding='same' with the non-zero padding modes and odd / even kernels
    L("Conv1d", 2, 3, 5, padding="same", padding_mode="replicate", x=(2, 2, 8)),
    L("Conv1d", 2, 3, 4, padding="same", padding_mode="circular", dilation=2, x=(2, 2, 9)),
    L("Conv1d", 2, 3, 6, padding="same", padding_mode="reflect", x=(2, 2, 9)),
    L("Conv2d", 2, 3, (3, 4), padding="same", padding_mode="replicate", x=(2, 2, 6, 7)),
    L("Conv2d", 4, 4, (2, 3), padding="same", padding_mode="reflect", groups=2, x=(1, 4, 5, 6)),
    L("Conv3d", 2, 3, (2, 2, 3), padding="same", padding_mode="circular", x=(1, 2, 4, 5, 4)),
    L("Conv3d", 2, 3, 3, padding="same", padding_mode="replicate", dilation=(1, 2, 1),
      x=(1, 2, 4, 6, 4)),
    L("Conv1d", 3, 2, 4, padding="valid", stride=3, x=(2, 3, 14)),
    L("Conv2d", 3, 2, (2, 3), padding="valid", stride=(2, 3), dilation=2, x=(2, 3, 9, 12)),
    # padding modes with stride / dilation / asymmetric tuples
    L("Conv1d", 2, 4, 3, padding=2, padding_mode="reflect", stride=3, dilation=2,
      x=(2, 2, 10)),
    L("Conv2d", 2, 3, (2, 3), padding=(2, 1), padding_mode="circular", dilation=(2, 1),
      x=(1, 2, 5, 6)),
    L("Conv2d", 2, 4, 3, padding=(0, 2), padding_mode="reflect", groups=2, stride=(1, 2),
      x=(2, 2, 6, 7)),
    L("Conv2d", 2, 3, 3, padding=3, padding_mode="replicate", stride=3, x=(1, 2, 4, 5)),
    L("Conv3d", 2, 2, 2, padding=(0, 1, 2), padding_mode="circular", groups=2,
      x=(1, 2, 3, 4, 5)),
    L("Conv3d", 2, 3, 3, padding=1, padding_mode="reflect", stride=2, bias=False,
      x=(2, 4, 5, 6)),
    L("Conv1d", 2, 3, 3, padding=1, padding_mode="circular", x=(2, 6)),
    L("Conv2d", 2, 2, 1, padding=2, padding_mode="replicate", x=(2, 3, 3)),
    # transposed: groups + dilation + stride + output_padding together
    L("ConvTranspose1d", 4, 6, 3, stride=3, dilation=2, groups=2, output_padding=2,
      padding=1, x=(2, 4, 5)),
    L("ConvTranspose2d", 4, 4, (3, 2), stride=(2, 3), dilation=(2, 1), groups=4,
      output_padding=(1, 2), padding=(2, 0), x=(2, 4, 4, 3)),
    L("ConvTranspose3d", 4, 2, (2, 3, 2), stride=(2, 1, 2), dilation=(1, 2, 1), groups=2,
      output_padding=(1, 0, 1), x=(1, 4, 3, 3, 3)),
    L("ConvTranspose1d", 3, 2, 5, padding=4, x=(2, 3, 7)),
    L("ConvTranspose2d", 2, 3, 3, padding=(0, 1), stride=(1, 2), bias=False, x=(2, 3, 4)),
    L("ConvTranspose3d", 2, 2, 3, stride=2, padding=2, output_padding=1, x=(2, 3, 3, 3)),
    # output_size= in the forward
    L("ConvTranspose1d", 2, 3, 3, stride=3, x=(2, 2, 4), fkw={"output_size": [13]}),
    L("ConvTranspose1d", 2, 3, 3, stride=3, padding=1, x=(2, 2, 4),
      fkw={"output_size": (2, 3, 12)}),
    L("ConvTranspose2d", 2, 3, 3, stride=2, padding=1, x=(2, 2, 4, 5),
      fkw={"output_size": (8, 10)}),
    L("ConvTranspose2d", 2, 4, (2, 3), stride=(3, 2), groups=2, dilation=2, x=(1, 2, 3, 4),
      fkw={"output_size": [1, 4, 9, 12]}),
    L("ConvTranspose3d", 2, 3, 2, stride=2, x=(1, 2, 2, 3, 2), fkw={"output_size": (5, 6, 5)}),
    L("ConvTranspose2d", 2, 3, 3, stride=2, x=(2, 3, 3), fkw={"output_size": (8, 7)}),
    L("ConvTranspose1d", 2, 3, 3, stride=2, x=(2, 4), fkw={"output_size": (3, 10)}),
    L("ConvTranspose1d", 2, 3, 3, stride=2, dilation=3, x=(2, 2, 4),
      fkw={"output_size": [14]}),
]

POOL = [
    L("MaxPool1d", 4, stride=3, padding=2, dilation=2, ceil_mode=True, x=(2, 3, 13)),
    L("MaxPool1d", 3, padding=1, ceil_mode=True, return_indices=True, x=(2, 3, 11)),
    L("MaxPool1d", 2, stride=1, dilation=4, x=(3, 9)),
    L("MaxPool2d", (3, 2), stride=(2, 3), padding=(1, 1), dilation=(2, 1), ceil_mode=True,
      x=(2, 3, 9, 8)),
    L("MaxPool2d", 3, stride=3, padding=1, ceil_mode=True, return_indices=True,
      x=(2, 2, 8, 7)),
    L("MaxPool2d", 2, dilation=2, return_indices=True, x=(2, 7, 7)),
    L("MaxPool3d", (2, 3, 2), stride=(2, 2, 1), padding=(1, 1, 0), ceil_mode=True,
      return_indices=True, x=(1, 2, 5, 7, 4)),
    L("MaxPool3d", 2, stride=1, dilation=2, x=(2, 4, 5, 4)),
    L("AvgPool1d", 5, stride=2, padding=2, ceil_mode=True, count_include_pad=False,
      x=(2, 3, 10)),
    L("AvgPool1d", 2, x=(3, 7)),
    L("AvgPool2d", (3, 2), stride=(2, 3), padding=(1, 1), ceil_mode=True, divisor_override=4,
      x=(2, 3, 8, 9)),
    L("AvgPool2d", 4, stride=3, padding=2, count_include_pad=False, x=(2, 3, 9, 10)),
    L("AvgPool3d", (2, 3, 2), stride=(1, 2, 2), padding=(1, 1, 0), count_include_pad=False,
      ceil_mode=True, x=(1, 2, 4, 7, 5)),
    L("AvgPool3d", 2, ceil_mode=True, x=(2, 3, 5, 3)),
    L("AdaptiveAvgPool1d", 4, x=(3, 9)),
    L("AdaptiveAvgPool1d", 1, x=(2, 3, 7)),
    L("AdaptiveAvgPool2d", (None, 4), x=(2, 3, 5, 7)),
    L("AdaptiveAvgPool2d", (3, 1), x=(2, 3, 8, 5)),
    L("AdaptiveAvgPool2d", (5, 6), x=(2, 3, 3, 4)),
    L("AdaptiveAvgPool3d", (3, None, 2), x=(2, 5, 4, 7)),
    L("AdaptiveMaxPool1d", 5, return_indices=True, x=(3, 11)),
    L("AdaptiveMaxPool2d", (3, None), return_indices=True, x=(2, 3, 8, 5)),
    L("AdaptiveMaxPool2d", 4, x=(3, 9, 6)),
    L("AdaptiveMaxPool2d", (6, 5), x=(2, 3, 4, 3)),
    L("AdaptiveMaxPool3d", (None, None, 3), return_indices=True, x=(1, 2, 3, 4, 7)),
    L("LPPool1d", 2, 4, stride=3, ceil_mode=True, x=(2, 3, 11)),
    L("LPPool1d", 1.0, 3, x=(3, 9)),
    L("LPPool2d", 3.0, (3, 2), stride=(1, 2), x=np.abs(_x(2, 3, 6, 7)) + 0.1),
    L("LPPool2d", 2, 3, stride=2, ceil_mode=True, x=(3, 7, 8)),
    L("LPPool2d", 4.0, 2, x=(2, 2, 4, 6)),
]

NORM = [
    L("BatchNorm1d", 4, momentum=None, track_running_stats=False, x=(5, 4, 3), modes=TE),
    L("BatchNorm1d", 4, affine=False, momentum=0.5, eps=1e-2, x=(6, 4), modes="train,eval"),
    L("BatchNorm2d", 2, momentum=None, x=(3, 2, 3, 4), modes="train,train,train,eval"),
    L("BatchNorm2d", 2, track_running_stats=False, x=(3, 2, 3, 4), modes="eval,train"),
    L("BatchNorm2d", 3, x=(2, 3, 4, 5), modes="eval"),
    L("BatchNorm3d", 3, affine=False, momentum=None, eps=1e-4, x=(2, 3, 2, 3, 4),
      modes="train,train,eval"),
    L("BatchNorm3d", 2, momentum=0.0, x=(2, 2, 3, 2, 3), modes=TE),
    L("InstanceNorm1d", 4, affine=True, track_running_stats=True, momentum=None,
      x=(4, 7), modes="train,train,eval"),
    L("InstanceNorm2d", 3, eps=1e-2, x=(2, 3, 4, 5), modes=TE),
    L("InstanceNorm3d", 2, track_running_stats=True, momentum=0.4, x=(2, 2, 3, 3, 4),
      modes=TE),
    L("GroupNorm", 1, 6, x=(2, 6, 3, 4)),
    L("GroupNorm", 6, 6, x=(2, 6, 5)),
    L("GroupNorm", 3, 6, affine=False, eps=1e-2, x=(2, 6, 2, 2, 3)),
    L("GroupNorm", 2, 6, x=(3, 6)),
    L("GroupNorm", 1, 2, x=np.zeros((0, 2, 3))),
    L("LayerNorm", 3, x=np.zeros((0, 3))),
    L("LayerNorm", (3, 4, 5), x=(2, 3, 4, 5)),
    L("LayerNorm", (4, 5), elementwise_affine=False, bias=False, x=(4, 5)),
    L("LayerNorm", 5, bias=False, eps=1e-3, x=(2, 3, 4, 5)),
    L("LayerNorm", [3], x=(3,)),
    L("RMSNorm", 5, x=(3, 5)),
    L("RMSNorm", [4, 5], eps=None, x=(2, 3, 4, 5)),
    L("RMSNorm", (4, 5), elementwise_affine=False, x=(3, 4, 5)),
    L("RMSNorm", 5, eps=1e-2, x=(5,)),
    L("LocalResponseNorm", 3, x=(2, 5, 4)),
    L("LocalResponseNorm", 4, alpha=1e-2, beta=0.5, k=2.0, x=(2, 6, 3, 4)),
    L("LocalResponseNorm", 2, alpha=0.1, x=(1, 5, 2, 3, 3)),
    L("LocalResponseNorm", 7, k=0.5, x=(2, 4, 5)),
]

ACT = [
    L("GELU", approximate="tanh", x=(3, 5)),
    L("GELU", approximate="none", x=(2, 3, 4)),
    L("Softplus", beta=2.0, threshold=1.0, x=(3, 5)),
    L("Softplus", beta=0.5, threshold=3.0, x=(4, 6)),
    L("Softplus", beta=-1.0, x=(3, 5)),
    L("RReLU", 0.2, 0.5, x=(3, 5), modes="eval"),
    L("RReLU", x=(2, 3, 4), modes="eval"),
    L("Hardtanh", -2.0, 0.5, x=(3, 5)),
    L("Hardtanh", min_val=0.0, max_val=6.0, x=(3, 5)),
    L("ReLU6", x=(3, 5)),
    L("Threshold", 0.1, 20.0, x=(3, 5)),
    L("Threshold", -0.5, -2.0, x=(2, 3, 4)),
    L("CELU", alpha=0.5, x=(3, 5)),
    L("CELU", x=(4,)),
    L("ELU", alpha=2.0, x=(3, 5)),
    L("SELU", x=(3, 5)),
    L("LeakyReLU", 0.2, x=(3, 5)),
    L("LeakyReLU", negative_slope=-0.5, x=(3, 5)),
    L("GLU", x=(3, 4)),
    L("GLU", dim=0, x=(4, 3)),
    L("GLU", 1, x=(2, 6, 3)),
    L("GLU", dim=-2, x=(2, 4, 3)),
    L("Softmax2d", x=(2, 3, 4, 5)),
    L("Softmax2d", x=(3, 4, 5)),
    L("Softmax", dim=0, x=(3, 4, 5)),
    L("Softmax", -2, x=(3, 4, 5)),
    L("LogSoftmax", dim=1, x=(3, 4, 5)),
    L("LogSoftmax", dim=-1, x=(5,)),
    L("Softmin", dim=2, x=(2, 3, 4)),
    L("Softmin", dim=0, x=(3, 5)),
    L("PReLU", x=(3, 5)),
    L("PReLU", num_parameters=4, x=(2, 4, 3, 3)),
    L("PReLU", 3, init=0.1, x=(2, 3)),
    L("PReLU", num_parameters=3, x=(2, 3, 6)),
    L("Mish", x=(3, 5)),
    L("Hardswish", x=(3, 5)),
    L("SiLU", x=(3, 5)),
    L("Sigmoid", x=(3, 5)),
    L("Tanh", x=(3, 5)),
    L("Tanhshrink", x=(3, 5)),
    L("Softshrink", 0.3, x=(3, 5)),
    L("Hardshrink", lambd=0.7, x=(3, 5)),
    L("Softsign", x=(3, 5)),
    L("LogSigmoid", x=(3, 5)),
    L("Identity", 3, unused=4, x=(3, 5)),
    L("Dropout", 0.4, x=(3, 5), modes="eval"),
    L("Dropout1d", 0.5, x=(2, 3, 5), modes="eval"),
    L("Dropout2d", p=0.3, x=(2, 3, 4, 5), modes="eval"),
    L("Dropout3d", x=(1, 2, 3, 4, 5), modes="eval"),
    L("AlphaDropout", 0.3, x=(3, 5), modes="eval"),
    L("FeatureAlphaDropout", 0.2, x=(2, 3, 4, 5), modes="eval"),
    L("Dropout", 0.0, x=(3, 5)),
    # a 0-D input: torch's softmax of a scalar is 1 (dim 0 or -1)
    L("Softmax", dim=0, x=np.array(1.3)),
    L("LogSoftmax", dim=-1, x=np.array(-0.4)),
    L("Softmin", dim=0, x=np.array(0.7)),
    # integer inputs keep their dtype
    L("Threshold", 1, 0.5, x=C(np.array([0, 2, 3, -4]))),
    L("ReLU6", x=C(np.array([-1, 3, 8]))),
    L("Hardtanh", 0.5, 2.5, x=C(np.array([0, 2, 3]))),
]

RNN = [
    L("RNN", 3, 4, num_layers=2, nonlinearity="relu", bidirectional=True, batch_first=True,
      x=[(2, 5, 3), (4, 2, 4)]),
    L("RNN", 3, 4, nonlinearity="relu", bias=False, x=[(5, 3), (1, 4)]),
    L("RNN", 3, 4, num_layers=2, dropout=0.0, batch_first=True, x=(3, 4, 3)),
    L("LSTM", 3, 4, proj_size=2, batch_first=True, x=[(2, 5, 3), ((1, 2, 2), (1, 2, 4))]),
    L("LSTM", 3, 4, proj_size=1, bidirectional=True, x=[(5, 3), ((2, 1), (2, 4))]),
    L("LSTM", 3, 4, num_layers=3, proj_size=3, x=(4, 2, 3)),
    L("LSTM", 3, 4, bidirectional=True, batch_first=True, bias=False, x=(5, 3)),
    L("LSTM", 3, 4, num_layers=2, bidirectional=True, x=[(5, 2, 3), ((4, 2, 4), (4, 2, 4))]),
    L("GRU", 3, 4, num_layers=2, batch_first=True, x=[(2, 5, 3), (2, 2, 4)]),
    L("GRU", 3, 4, bidirectional=True, num_layers=2, bias=False, x=(5, 3)),
    L("GRU", 3, 4, batch_first=True, x=[(5, 3), (1, 4)]),
    L("RNNCell", 3, 4, nonlinearity="relu", x=[(3,), (4,)]),
    L("RNNCell", 3, 4, bias=False, x=[(2, 3), (2, 4)]),
    L("RNNCell", 3, 4, x=(2, 3)),
    L("LSTMCell", 3, 4, x=[(3,), ((4,), (4,))]),
    L("LSTMCell", 3, 4, x=(2, 3)),
    L("GRUCell", 3, 4, x=(3,)),
    L("GRUCell", 3, 4, x=(2, 3)),
    # one step from zero states: W_hh gets a zero gradient (not None), as in torch
    L("LSTM", 3, 4, proj_size=2, batch_first=True, bias=False, x=(1, 3)),
    L("LSTM", 3, 4, proj_size=1, num_layers=2, x=(1, 2, 3)),
    L("LSTM", 3, 4, x=(1, 2, 3)),
    L("GRU", 3, 4, bidirectional=True, x=(1, 3)),
    L("RNN", 3, 4, num_layers=2, x=(1, 2, 3)),
]

_rng = np.random.default_rng(17)
KPM = np.array([[False, True, False, False], [False, False, False, True]])
KPM_F = np.where(KPM, -1e9, 0.0) + _rng.standard_normal((2, 4)) * 0.2
FMASK = _rng.standard_normal((3, 4))
BMASK3 = np.zeros((4, 3, 4), dtype=bool)
BMASK3[:, :, 1] = True
BMASK3[1, 2, 3] = True
CAUS3 = np.triu(np.full((3, 3), -np.inf), 1)
MHA = [
    L("MultiheadAttention", 4, 2, kdim=3, vdim=5, batch_first=True,
      x=[(2, 3, 4), (2, 4, 3), (2, 4, 5)], fkw={"average_attn_weights": False}),
    L("MultiheadAttention", 4, 2, x=[(3, 2, 4), (4, 2, 4), (4, 2, 4)],
      fkw={"attn_mask": FMASK}),
    L("MultiheadAttention", 4, 2, x=[(3, 2, 4), (4, 2, 4), (4, 2, 4)],
      fkw={"attn_mask": BMASK3, "need_weights": False}),
    L("MultiheadAttention", 4, 2, add_zero_attn=True, x=[(3, 2, 4), (4, 2, 4), (4, 2, 4)],
      fkw={"key_padding_mask": KPM_F}),
    L("MultiheadAttention", 4, 2, add_bias_kv=True, bias=False,
      x=[(3, 2, 4), (4, 2, 4), (4, 2, 4)], fkw={"attn_mask": FMASK}),
    L("MultiheadAttention", 4, 4, x=[(3, 4), (4, 4), (4, 4)],
      fkw={"key_padding_mask": KPM[0], "average_attn_weights": False}),
    L("MultiheadAttention", 6, 3, kdim=2, vdim=2, add_zero_attn=True,
      x=[(3, 2, 6), (4, 2, 2), (4, 2, 2)], fkw={"need_weights": False}),
    L("MultiheadAttention", 4, 2, batch_first=True, x=[(2, 3, 4), (2, 3, 4), (2, 3, 4)],
      fkw={"attn_mask": CAUS3, "is_causal": True, "need_weights": False}),
    L("MultiheadAttention", 4, 2, x=[(3, 2, 4), (3, 2, 4), (3, 2, 4)],
      fkw={"attn_mask": CAUS3, "key_padding_mask": KPM[:, :3], "average_attn_weights": False}),
]

TF = [
    L("TransformerEncoderLayer", 4, 2, 6, 0.0, activation="relu", norm_first=True,
      batch_first=True, x=(2, 3, 4), fkw={"src_key_padding_mask": KPM[:, :3]}),
    L("TransformerEncoderLayer", 4, 2, 6, 0.0, activation="gelu", bias=False, x=(3, 2, 4),
      fkw={"src_mask": FMASK[:, :3]}),
    L("TransformerEncoderLayer", 4, 1, 6, 0.0, layer_norm_eps=1e-2, x=(3, 4)),
    L("TransformerDecoderLayer", 4, 2, 6, 0.0, norm_first=True, bias=False,
      x=[(3, 2, 4), (4, 2, 4)], fkw={"memory_mask": FMASK}),
    L("TransformerDecoderLayer", 4, 2, 6, 0.0, activation="gelu", batch_first=True,
      x=[(2, 3, 4), (2, 4, 4)], fkw={"tgt_key_padding_mask": KPM[:, :3],
                                     "memory_key_padding_mask": KPM}),
    L("TransformerDecoderLayer", 4, 2, 6, 0.0, x=[(3, 4), (4, 4)],
      fkw={"tgt_mask": CAUS3, "tgt_is_causal": True}),
]

IDX = np.array([[1, 4, 0, 4], [3, 2, 9, 1]])
BAG = np.array([1, 4, 0, 4, 3, 2, 9, 1, 0])
OFFS = np.array([0, 2, 2, 6])
PSW = np.random.default_rng(4).standard_normal(9)
PSW2 = np.random.default_rng(5).standard_normal((2, 4))
MISC = [
    L("Embedding", 10, 3, padding_idx=-3, x=IDX),
    L("Embedding", 10, 3, padding_idx=-10, max_norm=0.8, x=IDX),
    L("Embedding", 10, 4, max_norm=1.5, norm_type=3.0, x=IDX),
    L("Embedding", 10, 3, scale_grad_by_freq=True, x=IDX),
    L("Embedding", 10, 3, max_norm=2.0, norm_type=1.0, x=np.array(4)),
    L("EmbeddingBag", 10, 3, mode="max", padding_idx=4, x=[BAG, OFFS]),
    L("EmbeddingBag", 10, 3, mode="sum", padding_idx=0, x=[BAG, OFFS, PSW]),
    L("EmbeddingBag", 10, 3, mode="sum", x=[IDX, None, PSW2]),
    L("EmbeddingBag", 10, 3, mode="mean", include_last_offset=True, x=[BAG, OFFS]),
    L("EmbeddingBag", 10, 3, mode="max", x=IDX),
    L("EmbeddingBag", 10, 3, mode="mean", max_norm=0.7, norm_type=1.5, x=[BAG, OFFS]),
    L("EmbeddingBag", 10, 3, mode="sum", include_last_offset=True, padding_idx=-1,
      x=[BAG, np.append(OFFS, 9)]),
    L("Upsample", scale_factor=(2, 3), mode="nearest-exact", x=(1, 2, 3, 4)),
    L("Upsample", size=(4, 9), mode="bicubic", align_corners=False, x=(1, 2, 3, 4)),
    L("Upsample", scale_factor=0.6, mode="bilinear", recompute_scale_factor=True,
      x=(1, 2, 7, 8)),
    L("Upsample", size=(3, 5, 2), mode="nearest-exact", x=(1, 2, 4, 3, 5)),
    L("PixelShuffle", 1, x=(2, 3, 4, 5)),
    L("PixelShuffle", 2, x=(2, 3, 8, 2, 3)),
    L("PixelUnshuffle", 2, x=(2, 3, 2, 4, 6)),
    L("Fold", (3, 7), (2, 2), dilation=(1, 3), stride=(1, 2), x=(2, 8, 4)),
    L("Fold", 5, 3, padding=2, stride=2, x=(9, 16)),
    L("Unfold", (3, 2), dilation=2, stride=(1, 2), padding=(2, 0), x=(2, 2, 5, 6)),
    L("Unfold", 1, stride=2, x=(2, 5, 5)),
    L("Bilinear", 2, 3, 4, x=[(2, 3, 2), (2, 3, 3)]),
    L("Linear", 4, 3, bias=False, x=(2, 5, 4)),
    L("Linear", 4, 1, x=(4,)),
    L("CosineSimilarity", dim=0, eps=1e-4, x=[(3, 4), (3, 1)]),
    L("PairwiseDistance", p=1.5, eps=1e-3, keepdim=True, x=[(3, 4), (1, 4)]),
    L("ZeroPad1d", (2, -1), x=(2, 3, 5)),
    L("ConstantPad2d", (1, 0, -1, 2), 0.7, x=(2, 3, 4, 5)),
    L("ReflectionPad1d", (3, 1), x=(2, 3, 5)),
    L("ReflectionPad2d", (0, 2, 3, 1), x=(3, 4, 5)),
    L("ReflectionPad3d", 1, x=(1, 2, 3, 3, 4)),
    L("ReplicationPad1d", (0, 4), x=(3, 5)),
    L("ReplicationPad2d", (2, 1, 0, 3), x=(2, 3, 4, 5)),
    L("ReplicationPad3d", (1, 0, 0, 2, 1, 1), x=(1, 2, 3, 3, 4)),
    L("CircularPad1d", (2, 3), x=(2, 3, 5)),
    L("CircularPad2d", (1, -1, 2, 0), x=(2, 3, 4, 5)),
    L("CircularPad3d", (1, 1, 0, 2, 2, 0), x=(1, 2, 3, 3, 4)),
    L("ChannelShuffle", 2, x=(2, 6, 3)),
]


@pytest.mark.parametrize("name,args,kwargs,inputs,fkw,modes", CONV + POOL + NORM + ACT + RNN
                         + MHA + TF + MISC)
def test_layer_options_as_torch(name, args, kwargs, inputs, fkw, modes, torch):
    _check_structure(name, args, kwargs, torch)
    _check_layer(name, args, kwargs, inputs, fkw, modes, torch)


# ---- composites: one function of ``lib`` run on glassnet and on torch -------------------

def _unpool(dims: int, k: Any, s: Any = None, p: Any = 0, size: Any = None) -> Any:
    def fn(lib: Any, x: Any) -> Any:
        pool = getattr(lib.nn, f"MaxPool{dims}d")(k, s, p, return_indices=True)
        unpool = getattr(lib.nn, f"MaxUnpool{dims}d")(k, s, p)
        out, idx = pool(x)
        return unpool(out, idx, output_size=size)
    return fn


def _funpool(dims: int, k: Any, s: Any = None, p: Any = 0, size: Any = None) -> Any:
    def fn(lib: Any, x: Any) -> Any:
        Fl = lib.nn.functional
        out, idx = getattr(Fl, f"max_pool{dims}d")(x, k, s, p, return_indices=True)
        return getattr(Fl, f"max_unpool{dims}d")(out, idx, k, s, p, output_size=size)
    return fn


def _adaptive_unpool(lib: Any, x: Any) -> Any:
    out, idx = lib.nn.functional.adaptive_max_pool2d(x, (2, 3), return_indices=True)
    return lib.nn.functional.max_unpool2d(out, idx, 2, output_size=x.shape[-2:]) * 1.0


def _distance(a: Any, b: Any) -> Any:
    return ((a - b) ** 2).sum(-1).sqrt()


def _triplet_fn(reduction: str, **kw: Any) -> Any:
    def fn(lib: Any, a: Any, p: Any, n: Any) -> Any:
        return lib.nn.TripletMarginWithDistanceLoss(reduction=reduction, **kw)(a, p, n)
    return fn


def _triplet_cos(lib: Any, a: Any, p: Any, n: Any) -> Any:
    dist = lib.nn.CosineSimilarity(dim=-1)
    return lib.nn.TripletMarginWithDistanceLoss(distance_function=lambda u, v: 1.0 - dist(u, v),
                                                margin=0.7, swap=True)(a, p, n)


def _conv_t_output_size(lib: Any, x: Any, w: Any) -> Any:
    return lib.nn.functional.conv_transpose2d(x, w, stride=2, padding=1, output_padding=1,
                                              groups=2)


def CP(ident: str, fn: Any, *x: Any) -> Any:
    inputs = [a if isinstance(a, (C, np.ndarray)) else _x(*a, seed=i) for i, a in enumerate(x)]
    return pytest.param(fn, inputs, id=ident)


COMPOSITE = [
    CP("unpool1d", _unpool(1, 2), (2, 3, 8)),
    CP("unpool1d_size", _unpool(1, 3, 2, 1, [10]), (2, 3, 9)),
    CP("unpool2d", _unpool(2, 2), (2, 3, 4, 6)),
    CP("unpool2d_size", _unpool(2, 2, 2, 0, (5, 7)), (2, 3, 5, 7)),
    CP("unpool2d_size_full", _unpool(2, (2, 3), (2, 3), (1, 1), (1, 2, 6, 9)), (1, 2, 6, 9)),
    CP("unpool2d_unbatched", _unpool(2, 3, 2, 1, (7, 6)), (3, 7, 6)),
    CP("funpool1d", _funpool(1, 2, 2, 0, (2, 3, 9)), (2, 3, 9)),
    CP("funpool2d", _funpool(2, (3, 2), (2, 2), (1, 0)), (2, 3, 7, 6)),
    CP("adaptive_unpool", _adaptive_unpool, (2, 3, 4, 6)),
    CP("triplet_distance_default_mean", _triplet_fn("mean"), (4, 5), (4, 5), (4, 5)),
    CP("triplet_distance_swap_sum", _triplet_fn("sum", swap=True, margin=2.0), (4, 5), (4, 5),
       (4, 5)),
    CP("triplet_distance_fn_none", _triplet_fn("none", distance_function=_distance, margin=0.3),
       (4, 5), (4, 5), (4, 5)),
    CP("triplet_distance_cos", _triplet_cos, (4, 5), (4, 5), (4, 5)),
    CP("conv_transpose2d_groups", _conv_t_output_size, (2, 4, 3, 4), (4, 3, 3, 2)),
]


@pytest.mark.parametrize("fn,inputs", COMPOSITE)
def test_composites_as_torch(fn, inputs, torch):
    _same(lambda *a: fn(gn, *a), lambda *a: fn(torch, *a), inputs, torch)


# ---- losses -----------------------------------------------------------------------------

_r = np.random.default_rng(23)
LOGITS = _r.standard_normal((5, 4))
LAB = np.array([3, 0, 1, 3, 2])
PROBS = np.exp(_r.standard_normal((5, 4)))
PROBS /= PROBS.sum(1, keepdims=True)
LOGITS3 = _r.standard_normal((2, 4, 6))
LAB3 = _r.integers(0, 4, (2, 6))
PROBS3 = np.exp(_r.standard_normal((2, 4, 6)))
PROBS3 /= PROBS3.sum(1, keepdims=True)
W4 = _r.random(4) + 0.3
P01 = 1 / (1 + np.exp(-_r.standard_normal((4, 3))))
T01 = (_r.random((4, 3)) > 0.5).astype(np.float64)
POS = np.abs(_r.standard_normal((4, 3))) + 0.1
CNT = _r.poisson(1.5, (4, 3)).astype(np.float64)
SGN = np.array([1.0, -1.0, 1.0, -1.0])
MM_T = np.array([3, 0, 1, 3, 2])
ML_T1 = np.array([2, 0, -1, 1])
ML_T = np.array([[2, 0, -1, 1], [3, -1, 0, 0], [0, 1, 2, 3]])
_CTC = np.log(np.exp(_r.standard_normal((7, 3, 5))) / 4)
_CTC /= 1.0
_CTC = _CTC - np.log(np.exp(_CTC).sum(-1, keepdims=True))
LOSSES = [
    *LS("L1Loss", [(3, 4), (3, 4)]),
    *LS("MSELoss", [(2, 3, 4), (2, 3, 4)]),
    *LS("MSELoss", [(4,), C(_x(4, seed=8))]),
    *LS("CrossEntropyLoss", [LOGITS, C(PROBS)], label_smoothing=0.25),
    *LS("CrossEntropyLoss", [LOGITS3, C(PROBS3)], label_smoothing=0.1),
    *LS("CrossEntropyLoss", [LOGITS3, C(LAB3)], weight=C(W4), label_smoothing=0.2),
    *LS("CrossEntropyLoss", [LOGITS3, C(LAB3)], ignore_index=0, label_smoothing=0.4),
    *LS("CrossEntropyLoss", [LOGITS, C(LAB)], ignore_index=-1),
    *LS("CrossEntropyLoss", [LOGITS[0], C(PROBS[0])], weight=C(W4)),
    *LS("CrossEntropyLoss", [LOGITS, C(np.array([3, 3, 3, 3, 3]))], ignore_index=3),
    *LS("NLLLoss", [LOGITS3, C(LAB3)], weight=C(W4)),
    *LS("NLLLoss", [LOGITS, C(LAB)], weight=C(W4), ignore_index=3),
    *LS("NLLLoss", [_x(2, 4, 2, 3), C(_r.integers(0, 4, (2, 2, 3)))], ignore_index=2),
    *LS("BCELoss", [P01, C(T01)]),
    *LS("BCELoss", [P01[0], C(T01[0])], weight=C(W4[:3])),
    *LS("BCEWithLogitsLoss", [(4, 3), C(P01)], pos_weight=C(W4[:3])),
    *LS("BCEWithLogitsLoss", [(4, 3), C(T01)], weight=C(W4.reshape(4, 1)),
        pos_weight=C(np.array([2.0]))),
    *LS("BCEWithLogitsLoss", [(3,), C(T01[0])]),
    *LS("PoissonNLLLoss", [(4, 3), C(CNT)]),
    *LS("PoissonNLLLoss", [(4, 3), C(CNT)], log_input=True, full=True, eps=1e-2),
    *LS("PoissonNLLLoss", [POS, C(CNT)], log_input=False, full=False, eps=0.5),
    *LS("GaussianNLLLoss", [(4, 3), C(_x(4, 3, seed=7)), POS], full=True, eps=1e-1),
    *LS("GaussianNLLLoss", [(4, 3), (4, 3), POS[:, :1].copy()]),
    *LS("GaussianNLLLoss", [(4, 3), C(_x(4, 3, seed=7)), C(POS)], eps=0.2),
    *LS("KLDivLoss", [(4, 3), C(POS / POS.sum(1, keepdims=True))], "mean,sum,none,batchmean",
        log_target=False),
    *LS("KLDivLoss", [(4, 3), C(np.log(POS))], "mean,batchmean", log_target=True),
    *LS("KLDivLoss", [(4, 3), C(np.array([[0.0, 0.5, 0.5]] * 4))], "sum,none"),
    *LS("CTCLoss", [_CTC, C(np.array([1, 2, 2, 3, 1, 4, 4, 4])), C(np.array([7, 6, 5])),
                    C(np.array([3, 2, 3]))]),
    *LS("CTCLoss", [_CTC, C(np.array([[1, 1, 1, 1], [2, 3, 2, 3], [1, 2, 3, 4]])),
                    C(np.array([7, 3, 7])), C(np.array([4, 4, 2]))], zero_infinity=True),
    *LS("CTCLoss", [_CTC, C(np.array([[1, 1, 1, 1], [2, 3, 2, 3], [1, 2, 3, 4]])),
                    C(np.array([7, 6, 7])), C(np.array([4, 2, 2]))], blank=4,
        zero_infinity=False),
    *LS("MultiLabelMarginLoss", [(4,), C(ML_T1)]),
    *LS("MultiLabelMarginLoss", [(3, 4), C(ML_T)]),
    *LS("MultiMarginLoss", [LOGITS, C(MM_T)]),
    *LS("MultiMarginLoss", [LOGITS, C(MM_T)], p=2, margin=0.7),
    *LS("MultiMarginLoss", [LOGITS, C(MM_T)], weight=C(W4), margin=1.5),
    *LS("MultiMarginLoss", [LOGITS[1], C(np.array(2))], p=2, weight=C(W4)),
    *LS("HingeEmbeddingLoss", [(4, 3), C(np.sign(_r.standard_normal((4, 3))))]),
    *LS("HingeEmbeddingLoss", [(5,), C(np.array([1.0, -1.0, -1.0, 1.0, -1.0]))], margin=2.0),
    *LS("CosineEmbeddingLoss", [(4, 5), (4, 5), C(SGN)]),
    *LS("CosineEmbeddingLoss", [(4, 5), (4, 5), C(-SGN)], margin=0.3),
    *LS("SoftMarginLoss", [(4, 3), C(np.sign(_r.standard_normal((4, 3))))]),
    *LS("MarginRankingLoss", [(4,), (4,), C(SGN)]),
    *LS("MarginRankingLoss", [(4,), (4,), C(-SGN)], margin=-0.2),
    *LS("SmoothL1Loss", [(4, 3), (4, 3)], beta=2.0),
    *LS("HuberLoss", [(4, 3), C(_x(4, 3, seed=4))], delta=0.5),
    *LS("MultiLabelSoftMarginLoss", [(4, 3), C(T01)]),
    *LS("TripletMarginLoss", [(4, 5), (4, 5), (4, 5)], p=1.5, margin=0.4, swap=True),
]


@pytest.mark.parametrize("name,kwargs,inputs", LOSSES)
def test_loss_options_as_torch(name, kwargs, inputs, torch):
    from .test_layer_options_round6 import _to
    g = getattr(nn, name)(**{k: _to(v, gn) for k, v in kwargs.items()})
    t = getattr(torch.nn, name)(**{k: _to(v, torch) for k, v in kwargs.items()})
    # docs/nn.md: glassnet's loss repr shows the settings, torch's none
    assert repr(t) == f"{name}()" and f"reduction={kwargs['reduction']!r}" in repr(g)
    _same(g, t, inputs, torch)


# ---- nn.functional options --------------------------------------------------------------

GRID5 = np.random.default_rng(8).uniform(-1.2, 1.2, (1, 2, 3, 4, 3))
GRID4 = np.random.default_rng(9).uniform(-1.1, 1.1, (2, 4, 3, 2))
THETA3 = np.random.default_rng(10).standard_normal((2, 3, 4)) * 0.5
THETA2 = np.random.default_rng(11).standard_normal((1, 2, 3)) * 0.5
FUNCTIONAL = [
    FN("pad", (2, 3, 5), pad=(-1, -2)),
    FN("pad", (2, 3, 4, 5), pad=(-1, 2, -2, 1), mode="constant", value=-1.5),
    FN("pad", (2, 3, 5), pad=(3, -1), mode="replicate"),
    FN("pad", (2, 3, 4, 5), pad=(2, -1, -1, 3), mode="circular"),
    FN("pad", (2, 3, 4, 5), pad=(-1, 2, 3, -2), mode="reflect"),
    FN("pad", (3, 4, 5), pad=(1, 2), mode="reflect"),
    FN("pad", (3, 4, 5), pad=(1, 2, 0, 3), mode="replicate"),
    FN("pad", (1, 2, 3, 4, 5), pad=(0, 1, 2, 0, 1, 1), mode="replicate"),
    FN("pad", (1, 2, 3, 4, 5), pad=(2, 1, 1, 2, 0, 2), mode="circular"),
    FN("pad", (2, 3, 4), pad=(1, 1, 2, 0, 1, 1)),
    FN("pad", (4,), pad=(2, 3), value=2.0),
    FN("pad", (2, 3, 4), pad=(1, 1, 1, 1), mode="replicate"),
    FN("pad", (2, 3, 4), pad=(3, 3), mode="circular"),
    FN("pad", (2, 3, 4), pad=(-2, -2)),
    FN("interpolate", (2, 3, 8, 9), scale_factor=0.5, mode="bilinear", antialias=True),
    FN("interpolate", (2, 3, 8, 9), size=(3, 4), mode="bicubic", antialias=True),
    FN("interpolate", (2, 3, 5, 6), size=(9, 11), mode="bilinear", antialias=True),
    FN("interpolate", (2, 3, 8, 9), scale_factor=(0.4, 0.6), mode="bilinear", antialias=True,
       recompute_scale_factor=True),
    FN("interpolate", (2, 3, 7), scale_factor=0.45, mode="linear", align_corners=True),
    FN("interpolate", (2, 3, 7), scale_factor=2.5, mode="nearest", recompute_scale_factor=True),
    FN("interpolate", (2, 3, 7), size=4, mode="nearest-exact"),
    FN("interpolate", (2, 3, 5, 6), scale_factor=(1.5, 0.5), mode="area"),
    FN("interpolate", (1, 2, 4, 5, 6), size=(2, 3, 3), mode="area"),
    FN("interpolate", (1, 2, 3, 4, 5), scale_factor=0.6, mode="trilinear",
       recompute_scale_factor=True),
    FN("interpolate", (2, 3, 4, 5), scale_factor=1.75, mode="bicubic"),
    FN("interpolate", (2, 3, 4, 5), size=(2, 9), mode="bicubic", align_corners=True),
    FN("affine_grid", THETA2, [1, 1, 1, 4], align_corners=False),
    FN("grid_sample", (2, 3, 4, 5), C(GRID4), mode="nearest", padding_mode="zeros",
       align_corners=False),
    FN("grid_sample", (2, 3, 4, 5), C(GRID4), mode="nearest", padding_mode="border",
       align_corners=True),
    FN("grid_sample", (2, 3, 4, 5), GRID4, mode="bilinear", padding_mode="border",
       align_corners=False),
    FN("grid_sample", (2, 3, 4, 5), GRID4 * 1.4, mode="bilinear", padding_mode="reflection",
       align_corners=True),
    FN("unfold", (2, 3, 6, 7), 3, dilation=2, padding=(2, 1), stride=2),
    FN("unfold", (2, 3, 4, 4), [1, 2], stride=(2, 1)),
    FN("fold", (2, 3 * 6, 6), [5, 6], [2, 3], dilation=(2, 1), padding=(1, 0), stride=(2, 3)),
    FN("fold", (12, 18), 5, 2, stride=(1, 2), padding=1),
    FN("pixel_shuffle", (3, 18, 2, 2), 3),
    FN("pixel_unshuffle", (8, 6, 9), 3),
    FN("normalize", (3, 4, 5), p=2.0, dim=1),
    FN("normalize", (3, 4), p=1.5, dim=-2, eps=0.1),
    FN("normalize", (5,), p=float("inf"), dim=0),
    FN("normalize", (3, 4), p=0.5, dim=1),
    FN("cosine_similarity", (3, 1, 5), (4, 5), dim=-1),
    FN("cosine_similarity", (5,), (5,), dim=0),
    FN("pairwise_distance", (4, 5), (1, 5), p=2.0, eps=0.0),
    FN("pairwise_distance", (4, 5), (4, 5), p=float("inf")),
    FN("pairwise_distance", (2, 4, 5), (4, 5), p=0.7, keepdim=True),
    FN("pairwise_distance", (5,), (5,), p=1.0),
    FN("one_hot", C(np.array([3, 0, 2])), num_classes=-1),
    FN("one_hot", C(np.array([[3, 0], [1, 1]])), -1),
    FN("one_hot", C(np.array(2)), num_classes=4),
    FN("embedding", C(np.array([[1, 3], [3, 0]])), (5, 3), max_norm=1.0),
    FN("embedding", C(np.array([4, 2, 4])), (5, 3), padding_idx=-1, max_norm=0.5, norm_type=1.0),
    FN("dropout", (3, 5), p=0.5, training=False, inplace=False),
    FN("dropout1d", (2, 3, 5), p=0.5, training=False),
    FN("dropout2d", (2, 3, 4, 5), p=0.3, training=False),
    FN("dropout3d", (2, 3, 2, 4, 5), p=0.3, training=False),
    FN("alpha_dropout", (3, 5), p=0.2),
    FN("feature_alpha_dropout", (2, 3, 4), p=0.2, training=False),
    FN("dropout", (3, 5), p=0.0),
    FN("gelu", (3, 5), approximate="none"),
    FN("softplus", (3, 5), beta=-2.0, threshold=5.0),
    FN("hardtanh", (3, 5), -0.3, 0.3),
    FN("relu6", (3, 5)),
    FN("threshold", (3, 5), -0.2, 3.0),
    FN("glu", (4, 3), 0),
    FN("glu", (2, 3, 4), dim=-1),
    FN("prelu", (2, 3, 4), (3,)),
    FN("prelu", (2, 3), (1,)),
    FN("rrelu", (3, 5), 0.2, 0.25),
    FN("selu", (3, 5)),
    FN("mish", (3, 5)),
    FN("hardswish", (3, 5)),
    FN("softshrink", (3, 5), 0.4),
    FN("hardshrink", (3, 5), 0.2),
    FN("tanhshrink", (3, 5)),
    FN("logsigmoid", (3, 5)),
    FN("softsign", (3, 5)),
    FN("silu", (3, 5)),
    FN("elu", (3, 5), 0.7),
    FN("leaky_relu", (3, 5), 0.05),
    FN("softmax", (2, 3, 4), dim=1),
    FN("softmin", (2, 3, 4), -1),
    FN("log_softmax", (2, 3, 4), 0),
    FN("local_response_norm", (2, 5, 6), 2, alpha=0.3, beta=0.7, k=1.5),
    FN("local_response_norm", (1, 4, 2, 2, 3), 3),
    FN("rms_norm", (3, 4, 5), [4, 5], (4, 5), eps=None),
    FN("rms_norm", (3, 5), [5], None, eps=1e-2),
    FN("layer_norm", (3, 4), [4], None, (4,)),
    FN("group_norm", (2, 4, 3, 2), 4, (4,), (4,), eps=1e-3),
    FN("batch_norm", (5, 3, 2), C(_x(3)), C(np.ones(3) * 1.5), (3,), None, training=True,
       momentum=0.2),
    FN("instance_norm", (2, 3, 4, 5), None, None, (3,), (3,)),
    FN("linear", (2, 3, 4), (5, 4), None),
    FN("bilinear", (3, 2), (3, 4), (5, 2, 4), (5,)),
    FN("conv1d", (2, 4, 9), (6, 2, 3), (6,), stride=2, padding=2, dilation=2, groups=2),
    FN("conv2d", (2, 2, 6, 7), (3, 2, 2, 3), None, padding="valid", stride=(2, 1)),
    FN("conv3d", (1, 4, 4, 5, 4), (4, 1, 2, 2, 2), (4,), padding="same", groups=4,
       dilation=(1, 2, 1)),
    FN("conv_transpose3d", (1, 2, 2, 3, 2), (2, 3, 2, 2, 3), (3,), stride=(2, 1, 2),
       output_padding=(1, 0, 1), dilation=(1, 2, 1)),
    FN("conv_transpose1d", (2, 6, 4), (6, 1, 3), None, stride=2, groups=3, padding=1),
    FN("max_pool3d", (1, 2, 5, 6, 5), [2, 3, 2], stride=2, padding=1, dilation=(1, 1, 2),
       ceil_mode=True, return_indices=True),
    FN("max_pool1d", (3, 9), 3, 2, 1, return_indices=True),
    FN("avg_pool1d", (3, 9), 3, 2, 1, ceil_mode=True, count_include_pad=False),
    FN("avg_pool2d", (3, 7, 8), [2, 3], stride=(2, 2), padding=(1, 1), divisor_override=5),
    FN("adaptive_avg_pool2d", (2, 3, 7, 9), [None, 4]),
    FN("adaptive_avg_pool3d", (2, 5, 6, 7), 3),
    FN("adaptive_max_pool1d", (2, 3, 10), 4, return_indices=True),
    FN("adaptive_max_pool3d", (1, 2, 5, 6, 4), [3, None, 2], return_indices=True),
    FN("lp_pool1d", np.abs(_x(2, 3, 9)) + 0.1, 3.0, 3, ceil_mode=True),
    FN("lp_pool2d", (3, 6, 6), 1.0, 2, stride=(1, 2)),
    FN("scaled_dot_product_attention", (2, 3, 4), (2, 5, 4), (2, 5, 3),
       C(np.triu(np.ones((3, 5), dtype=bool), 2)), enable_gqa=False),
    FN("scaled_dot_product_attention", (1, 4, 3, 4), (1, 2, 5, 4), (1, 2, 5, 3),
       enable_gqa=True),
    FN("scaled_dot_product_attention", (2, 2, 3, 4), (2, 2, 3, 4), (2, 2, 3, 2),
       is_causal=True, scale=0.8),
    FN("mse_loss", (3, 4), C(_x(3, 4, seed=3)), reduction="sum"),
    FN("l1_loss", (3, 4), (3, 4), reduction="none"),
    FN("cross_entropy", LOGITS, C(PROBS), label_smoothing=0.3, reduction="sum"),
    FN("cross_entropy", LOGITS3, C(LAB3), weight=C(W4), ignore_index=1),
    FN("nll_loss", LOGITS, C(LAB), reduction="none"),
    FN("binary_cross_entropy", P01, C(T01), weight=C(W4[:3])),
    FN("binary_cross_entropy_with_logits", (4, 3), C(P01), pos_weight=C(W4[:3]),
       reduction="sum"),
    FN("kl_div", (4, 3), C(POS), reduction="batchmean"),
    FN("kl_div", (4, 3), (4, 3), reduction="sum", log_target=True),
    FN("poisson_nll_loss", (4, 3), C(CNT), log_input=True, full=True, reduction="none"),
    FN("gaussian_nll_loss", (4, 3), C(CNT), POS, full=True, eps=0.3, reduction="sum"),
    FN("huber_loss", (4, 3), (4, 3), delta=0.4),
    FN("smooth_l1_loss", (4, 3), (4, 3), beta=0.25, reduction="none"),
    FN("soft_margin_loss", (4, 3), C(np.sign(_x(4, 3, seed=5)))),
    FN("multi_margin_loss", LOGITS, C(MM_T), p=1, margin=0.5, weight=C(W4)),
    FN("multilabel_margin_loss", (3, 4), C(ML_T), reduction="sum"),
    FN("multilabel_soft_margin_loss", (4, 3), C(T01), weight=C(W4[:3])),
    FN("hinge_embedding_loss", (4, 3), C(np.sign(_x(4, 3, seed=6))), margin=0.5),
    FN("cosine_embedding_loss", (4, 5), (4, 5), C(SGN), margin=0.1, reduction="none"),
    FN("margin_ranking_loss", (4,), (4,), C(SGN), margin=0.5, reduction="sum"),
    FN("triplet_margin_loss", (4, 5), (4, 5), (4, 5), margin=0.3, p=1.0, swap=True),
    FN("triplet_margin_with_distance_loss", (4, 5), (4, 5), (4, 5), margin=0.6, swap=True),
    FN("ctc_loss", _CTC, C(np.array([1, 2, 2, 3, 1, 4, 4, 4])), C(np.array([7, 6, 5])),
       C(np.array([3, 2, 3])), blank=0, reduction="sum", zero_infinity=True),
]


@pytest.mark.parametrize("name,inputs,kwargs", FUNCTIONAL)
def test_functional_options_as_torch(name, inputs, kwargs, torch):
    _same(getattr(F, name), getattr(torch.nn.functional, name), inputs, torch, kwargs)


def test_log_softmax_dim_none_warns_and_picks_torchs_dim(torch):
    # torch's implicit-dim choice: dim 0 for 0-D / 1-D / 3-D inputs, else 1 (with a warning)
    for shape in [(5,), (3, 4), (2, 3, 4), (2, 3, 4, 5)]:
        x = _x(*shape)
        for name in ("softmax", "log_softmax", "softmin"):
            with pytest.warns(UserWarning):
                want = getattr(torch.nn.functional, name)(torch.tensor(x)).numpy()
            with pytest.warns(UserWarning, match="dim"):
                got = getattr(F, name)(gn.tensor(x)).numpy()
            np.testing.assert_allclose(got, want, rtol=1e-12, err_msg=f"{name}{shape}")
        with pytest.warns(UserWarning, match="dim"):
            got = nn.LogSoftmax()(gn.tensor(x)).numpy()
        with pytest.warns(UserWarning):
            want = torch.nn.LogSoftmax()(torch.tensor(x)).numpy()
        np.testing.assert_allclose(got, want, rtol=1e-12)


def test_gumbel_softmax_semantics(torch):
    # the noise differs from torch's generator: check what torch guarantees instead
    x = gn.tensor(_x(6, 5), requires_grad=True)
    soft = F.gumbel_softmax(x, tau=0.5)
    np.testing.assert_allclose(soft.sum(-1).numpy(), np.ones(6), rtol=1e-12)
    assert (soft.numpy() > 0).all()
    hard = F.gumbel_softmax(x, tau=2.0, hard=True, dim=0)
    h = hard.numpy()
    assert set(np.unique(h)) <= {0.0, 1.0}
    np.testing.assert_array_equal(h.sum(0), np.ones(5))
    # straight-through: the gradient is the soft sample's
    (hard * gn.tensor(_x(6, 5, seed=2))).sum().backward()
    assert x.grad is not None and np.abs(x.grad.numpy()).sum() > 0
    th = torch.nn.functional.gumbel_softmax(torch.tensor(_x(6, 5)), tau=2.0, hard=True, dim=0)
    assert tuple(th.shape) == tuple(hard.shape)


def test_rrelu_train_samples_slopes_in_range(torch):
    x = gn.tensor(-np.abs(_x(200)) - 0.1)
    out = F.rrelu(x, 0.1, 0.3, training=True).numpy() / x.numpy()
    assert (out >= 0.1 - 1e-12).all() and (out <= 0.3 + 1e-12).all()
    assert len(np.unique(np.round(out, 10))) > 10
    tx = torch.tensor(-np.abs(_x(200)) - 0.1)
    tout = (torch.nn.functional.rrelu(tx, 0.1, 0.3, training=True) / tx).numpy()
    assert (tout >= 0.1 - 1e-12).all() and (tout <= 0.3 + 1e-12).all()


# ---- where torch raises, glassnet raises naming the layer ---------------------------------

RAISES = {
    # name: (build-and-call, a word the message must contain)
    "conv_transpose_output_size_range": (lambda lib: lib.nn.ConvTranspose1d(2, 3, 3, stride=2)(
        _t(lib, 1, 2, 4), output_size=[13]), "ConvTranspose1d"),
    "conv_transpose_output_size_len": (lambda lib: lib.nn.ConvTranspose2d(2, 3, 3, stride=2)(
        _t(lib, 1, 2, 4, 4), output_size=[9, 9, 9]), "ConvTranspose2d"),
    "conv_transpose_groups": (lambda lib: lib.nn.ConvTranspose2d(3, 4, 3, groups=2),
                              "ConvTranspose2d"),
    "conv_zero_stride": (lambda lib: lib.nn.Conv1d(2, 3, 3, stride=0)(_t(lib, 1, 2, 5)),
                         "Conv1d"),
    "conv_negative_padding": (lambda lib: lib.nn.Conv2d(2, 3, 3, padding=-1)(
        _t(lib, 1, 2, 5, 5)), "Conv2d"),
    "conv_circular_too_wide": (lambda lib: lib.nn.Conv1d(2, 3, 3, padding=5,
                                                         padding_mode="circular")(
        _t(lib, 1, 2, 4)), "Conv1d"),
    "conv_same_reflect_stride": (lambda lib: lib.nn.Conv1d(2, 3, 3, stride=2, padding="same",
                                                           padding_mode="reflect"), "Conv1d"),
    "conv3d_4d_channels": (lambda lib: lib.nn.Conv3d(2, 3, 2)(_t(lib, 3, 4, 4, 4)), "Conv3d"),
    "conv_1d_input_2d": (lambda lib: lib.nn.Conv2d(2, 3, 2)(_t(lib, 2, 4)), "Conv2d"),
    "max_unpool_output_size": (lambda lib: lib.nn.MaxUnpool2d(2)(
        *lib.nn.MaxPool2d(2, return_indices=True)(_t(lib, 1, 2, 4, 4)), output_size=(9, 9)),
        "unpool"),
    "max_pool_zero_stride": (lambda lib: lib.nn.MaxPool1d(2, stride=0)(_t(lib, 1, 2, 5)),
                             "pool"),
    "max_pool_zero_dilation": (lambda lib: lib.nn.MaxPool2d(2, dilation=0)(_t(lib, 1, 2, 5, 5)),
                               "pool"),
    "avg_pool_kernel_too_big": (lambda lib: lib.nn.AvgPool2d(6)(_t(lib, 1, 2, 5, 5)), "pool"),
    "adaptive_pool_zero_input": (lambda lib: lib.nn.AdaptiveAvgPool2d(3)(_t(lib, 1, 2, 0, 4)),
                                 "adaptive"),
    "adaptive_pool_size_len": (lambda lib: lib.nn.AdaptiveMaxPool2d((2, 2, 2))(
        _t(lib, 1, 2, 4, 4)), "adaptive"),
    "lp_pool_2d_on_1d": (lambda lib: lib.nn.LPPool2d(2, 2)(_t(lib, 2, 4)), "pool"),
    "group_norm_channels": (lambda lib: lib.nn.GroupNorm(2, 4)(_t(lib, 2, 6, 3)), "GroupNorm"),
    "rms_norm_shape": (lambda lib: lib.nn.RMSNorm((3, 4))(_t(lib, 2, 4, 3)), "rms_norm"),
    "instance_norm_channels": (lambda lib: lib.nn.InstanceNorm1d(3, affine=True)(
        _t(lib, 2, 4, 5)), "InstanceNorm"),
    "batch_norm_3d_on_2d": (lambda lib: lib.nn.BatchNorm2d(3)(_t(lib, 2, 3, 4)), "BatchNorm2d"),
    "local_response_norm_2d": (lambda lib: lib.nn.LocalResponseNorm(2)(_t(lib, 3, 4)),
                               "local_response_norm"),
    "glu_odd": (lambda lib: lib.nn.GLU()(_t(lib, 2, 5)), "glu"),
    "softmax2d_2d": (lambda lib: lib.nn.Softmax2d()(_t(lib, 3, 4)), "Softmax2d"),
    "prelu_channels": (lambda lib: lib.nn.PReLU(3)(_t(lib, 2, 4, 5)), "prelu"),
    "gelu_approximate": (lambda lib: lib.nn.GELU(approximate="fast")(_t(lib, 3)), "gelu"),
    "hardtanh_bounds": (lambda lib: lib.nn.Hardtanh(1.0, -1.0), "Hardtanh"),
    "hardtanh_equal_bounds": (lambda lib: lib.nn.Hardtanh(1.0, 1.0), "Hardtanh"),
    "one_hot_empty_infer": (lambda lib: lib.nn.functional.one_hot(lib.zeros(0, dtype=lib.long)),
                            "one_hot"),
    "softmax_scalar_dim1": (lambda lib: lib.nn.Softmax(dim=1)(_t(lib)), "Softmax"),
    "conv_transpose_output_size_dilation": (lambda lib: lib.nn.ConvTranspose1d(
        2, 3, 3, dilation=3)(_t(lib, 1, 2, 4), output_size=[11]), "ConvTranspose1d"),
    "conv_transpose_unbatched_output_size_len": (lambda lib: lib.nn.ConvTranspose1d(
        2, 3, 3, stride=2)(_t(lib, 2, 4), output_size=[1, 3, 9]), "ConvTranspose1d"),
    "rrelu_bounds": (lambda lib: lib.nn.functional.rrelu(_t(lib, 3), 0.5, 0.1, training=True),
                     "rrelu"),
    "rnn_cell_hidden_shape": (lambda lib: lib.nn.RNNCell(3, 4)(_t(lib, 2, 3), _t(lib, 3, 4)),
                              "RNNCell"),
    "lstm_cell_input_size": (lambda lib: lib.nn.LSTMCell(3, 4)(_t(lib, 2, 5)), "LSTMCell"),
    "gru_cell_3d": (lambda lib: lib.nn.GRUCell(3, 4)(_t(lib, 2, 2, 3)), "GRUCell"),
    "lstm_c0_shape": (lambda lib: lib.nn.LSTM(3, 4)(_t(lib, 5, 2, 3), (_t(lib, 1, 2, 4),
                                                                       _t(lib, 1, 3, 4))),
                      "LSTM"),
    "lstm_proj_h0_shape": (lambda lib: lib.nn.LSTM(3, 4, proj_size=2)(
        _t(lib, 5, 2, 3), (_t(lib, 1, 2, 4), _t(lib, 1, 2, 4))), "LSTM"),
    "rnn_dropout_range": (lambda lib: lib.nn.GRU(3, 4, dropout=1.5), "dropout"),
    "rnn_4d_input": (lambda lib: lib.nn.RNN(3, 4)(_t(lib, 2, 5, 2, 3)), "RNN"),
    "embedding_padding_idx_low": (lambda lib: lib.nn.Embedding(5, 3, padding_idx=-6),
                                  "padding_idx"),
    "embedding_bag_psw_shape": (lambda lib: lib.nn.EmbeddingBag(5, 3, mode="sum")(
        lib.tensor([1, 2, 3]), lib.tensor([0, 1]), per_sample_weights=lib.ones(2)),
        "per_sample_weights"),
    "embedding_bag_psw_max": (lambda lib: lib.nn.EmbeddingBag(5, 3, mode="max")(
        lib.tensor([1, 2, 3]), lib.tensor([0, 1]), per_sample_weights=lib.ones(3)),
        "per_sample_weights"),
    "embedding_bag_offsets_start": (lambda lib: lib.nn.EmbeddingBag(5, 3)(
        lib.tensor([1, 2, 3]), lib.tensor([1, 2])), "offsets"),
    "mha_kdim_mismatch": (lambda lib: lib.nn.MultiheadAttention(4, 2, kdim=3)(
        _t(lib, 3, 2, 4), _t(lib, 4, 2, 4), _t(lib, 4, 2, 4)), "MultiheadAttention"),
    "mha_key_value_len": (lambda lib: lib.nn.MultiheadAttention(4, 2)(
        _t(lib, 3, 2, 4), _t(lib, 4, 2, 4), _t(lib, 5, 2, 4)), "MultiheadAttention"),
    "mha_batch_mismatch": (lambda lib: lib.nn.MultiheadAttention(4, 2)(
        _t(lib, 3, 2, 4), _t(lib, 4, 3, 4), _t(lib, 4, 3, 4)), "MultiheadAttention"),
    "mha_3d_mask_heads": (lambda lib: lib.nn.MultiheadAttention(4, 2)(
        _t(lib, 3, 2, 4), _t(lib, 4, 2, 4), _t(lib, 4, 2, 4),
        attn_mask=lib.zeros(2, 3, 4, dtype=lib.bool)), "MultiheadAttention"),
    "transformer_heads": (lambda lib: lib.nn.TransformerEncoderLayer(6, 4, 8), "embed_dim"),
    "transformer_d_model": (lambda lib: lib.nn.TransformerEncoderLayer(4, 2, 8)(
        _t(lib, 3, 2, 5)), "MultiheadAttention"),  # the layer's self_attn
    "pad_reflect_too_wide": (lambda lib: lib.nn.functional.pad(_t(lib, 1, 2, 4), (4, 0),
                                                               mode="reflect"), "pad"),
    "pad_odd_length": (lambda lib: lib.nn.functional.pad(_t(lib, 1, 2, 4), (1, 2, 3)), "pad"),
    "pad_replicate_two_values_4d": (lambda lib: lib.nn.functional.pad(
        _t(lib, 1, 2, 3, 4), (1, 1), mode="replicate"), "pad"),
    "pad_circular_four_values_5d": (lambda lib: lib.nn.functional.pad(
        _t(lib, 1, 2, 3, 4, 5), (1, 1, 1, 1), mode="circular"), "pad"),
    "pad_reflect_two_values_5d": (lambda lib: lib.nn.functional.pad(
        _t(lib, 1, 2, 3, 4, 5), (1, 1), mode="reflect"), "pad"),
    "pad_bad_mode": (lambda lib: lib.nn.functional.pad(_t(lib, 1, 2, 4), (1, 1), mode="edge"),
                     "pad"),
    "pad_negative_empty": (lambda lib: lib.nn.functional.pad(_t(lib, 1, 2, 4), (-3, -2)),
                           "pad"),
    "pad_circular_too_wide": (lambda lib: lib.nn.functional.pad(_t(lib, 1, 2, 3), (4, 0),
                                                                mode="circular"), "pad"),
    "interpolate_antialias_nearest": (lambda lib: lib.nn.functional.interpolate(
        _t(lib, 1, 2, 4, 4), scale_factor=0.5, antialias=True), "antialias"),
    "interpolate_size_len": (lambda lib: lib.nn.functional.interpolate(
        _t(lib, 1, 2, 4, 4), size=(2, 2, 2)), "interpolate"),
    "interpolate_trilinear_4d": (lambda lib: lib.nn.functional.interpolate(
        _t(lib, 1, 2, 4, 4), scale_factor=2.0, mode="trilinear"), "trilinear"),
    "interpolate_linear_align_area": (lambda lib: lib.nn.functional.interpolate(
        _t(lib, 1, 2, 4), size=2, mode="area", align_corners=True), "align_corners"),
    "affine_grid_theta_shape": (lambda lib: lib.nn.functional.affine_grid(
        _t(lib, 2, 3, 3), [2, 1, 4, 4], align_corners=False), "affine_grid"),
    "affine_grid_size_batch": (lambda lib: lib.nn.functional.affine_grid(
        _t(lib, 2, 2, 3), [3, 1, 4, 4], align_corners=False), "affine_grid"),
    "grid_sample_grid_shape": (lambda lib: lib.nn.functional.grid_sample(
        _t(lib, 1, 2, 4, 4), _t(lib, 1, 3, 3, 3), align_corners=False), "grid_sample"),
    "grid_sample_mode": (lambda lib: lib.nn.functional.grid_sample(
        _t(lib, 1, 2, 4, 4), _t(lib, 1, 3, 3, 2), mode="linear", align_corners=False),
        "grid_sample"),
    "grid_sample_bicubic_5d": (lambda lib: lib.nn.functional.grid_sample(
        _t(lib, 1, 2, 3, 4, 4), _t(lib, 1, 2, 3, 3, 3), mode="bicubic", align_corners=False),
        "grid_sample"),
    "unfold_3d_input": (lambda lib: lib.nn.functional.unfold(_t(lib, 2, 3, 4, 4, 4), 2),
                        "unfold"),
    "fold_2d_input": (lambda lib: lib.nn.functional.fold(_t(lib, 12, 12, 1), (4, 5), 2),
                      "fold"),
    "pixel_shuffle_1d": (lambda lib: lib.nn.functional.pixel_shuffle(_t(lib, 4, 3), 2),
                         "pixel_shuffle"),
    "one_hot_too_few_classes": (lambda lib: lib.nn.functional.one_hot(lib.tensor([0, 3]), 3),
                                "one_hot"),
    "one_hot_negative": (lambda lib: lib.nn.functional.one_hot(lib.tensor([0, -1])),
                         "one_hot"),
    "one_hot_float": (lambda lib: lib.nn.functional.one_hot(lib.tensor([0.0, 1.0])),
                      "one_hot"),
    "normalize_dim": (lambda lib: lib.nn.functional.normalize(_t(lib, 3, 4), dim=2),
                      "dim"),
    "cosine_similarity_shapes": (lambda lib: lib.nn.functional.cosine_similarity(
        _t(lib, 3, 4), _t(lib, 2, 4)), "cosine_similarity"),
    "dropout_p_range": (lambda lib: lib.nn.Dropout(p=1.5), "Dropout"),
    "alpha_dropout_p_range": (lambda lib: lib.nn.functional.alpha_dropout(
        _t(lib, 3, 4), p=-0.1, training=True), "dropout"),
    "gumbel_softmax_tau": (lambda lib: lib.nn.functional.gumbel_softmax(
        _t(lib, 3, 4), dim=3), "dim"),
    "multi_margin_p": (lambda lib: lib.nn.MultiMarginLoss(p=3), "p"),
    "multi_margin_weight": (lambda lib: lib.nn.MultiMarginLoss(weight=lib.ones(3))(
        _t(lib, 5, 4), lib.tensor([0, 1, 2, 3, 0])), "weight"),
    "multi_margin_target_range": (lambda lib: lib.nn.MultiMarginLoss()(
        _t(lib, 5, 4), lib.tensor([0, 1, 2, 4, 0])), "target"),
    "multilabel_margin_shape": (lambda lib: lib.nn.MultiLabelMarginLoss()(
        _t(lib, 3, 4), lib.tensor([[0, 1, -1]])), "multilabel_margin"),
    "ctc_blank_range": (lambda lib: lib.nn.CTCLoss(blank=5)(
        lib.tensor(_CTC).float(), lib.tensor([[1, 2]] * 3), lib.tensor([7, 7, 7]),
        lib.tensor([2, 2, 2])), "blank"),
    "poisson_nll_shapes": (lambda lib: lib.nn.PoissonNLLLoss()(_t(lib, 3, 4), _t(lib, 3, 5)),
                           "poisson_nll_loss"),
    "cosine_embedding_target_dim": (lambda lib: lib.nn.CosineEmbeddingLoss()(
        _t(lib, 4, 5), _t(lib, 4, 5), lib.ones(4, 1)), "cosine_embedding_loss"),
    "margin_ranking_shape": (lambda lib: lib.nn.MarginRankingLoss()(
        _t(lib, 4), _t(lib, 3), lib.ones(4)), "margin_ranking_loss"),
    "kldiv_shapes": (lambda lib: lib.nn.KLDivLoss()(_t(lib, 3, 4), _t(lib, 4, 4)), "kl_div"),
    "bce_with_logits_pos_weight": (lambda lib: lib.nn.BCEWithLogitsLoss(
        pos_weight=lib.ones(4))(_t(lib, 3, 5), lib.rand(3, 5)), "binary_cross_entropy"),
    "nll_weight_size": (lambda lib: lib.nn.NLLLoss(weight=lib.ones(3))(
        _t(lib, 4, 5), lib.tensor([0, 1, 3, 2])), "weight"),
    "triplet_distance_shapes": (lambda lib: lib.nn.TripletMarginWithDistanceLoss()(
        _t(lib, 4, 5), _t(lib, 4, 5), _t(lib, 3, 5)), "triplet"),
    # more bad arguments and shapes: each message names the layer or its function
    "conv_neg_dilation": (lambda lib: lib.nn.Conv1d(2, 3, 3, dilation=0)(_t(lib, 1, 2, 5)), "Conv1d"),
    "conv_groups0": (lambda lib: lib.nn.Conv1d(2, 2, 3, groups=0), "Conv1d"),
    "convT_output_padding_ge": (lambda lib: lib.nn.ConvTranspose2d(2, 3, 3, stride=2, dilation=1, output_padding=2)(_t(lib, 1, 2, 3, 3)), "conv_transpose2d"),
    "conv_padding_tuple_len": (lambda lib: lib.nn.Conv2d(2, 3, 3, padding=(1, 1, 1))(_t(lib, 1, 2, 5, 5)), "Conv2d"),
    "conv_kernel_tuple_len": (lambda lib: lib.nn.Conv2d(2, 3, (3, 3, 3))(_t(lib, 1, 2, 5, 5)), "Conv2d"),
    "maxpool_kernel0": (lambda lib: lib.nn.MaxPool2d(0)(_t(lib, 1, 2, 4, 4)), "MaxPool2d"),
    "maxpool_neg_pad": (lambda lib: lib.nn.MaxPool1d(2, padding=-1)(_t(lib, 1, 2, 4)), "max_pool1d"),
    "avgpool_stride0": (lambda lib: lib.nn.AvgPool1d(2, stride=0)(_t(lib, 1, 2, 4)), "avg_pool1d"),
    "avgpool_2d_on_2d": (lambda lib: lib.nn.AvgPool2d(2)(_t(lib, 4, 4)), "AvgPool2d"),
    "lppool_kernel_too_big": (lambda lib: lib.nn.LPPool1d(2, 5)(_t(lib, 1, 2, 4)), "lp_pool1d"),
    "adaptive_neg": (lambda lib: lib.nn.AdaptiveAvgPool1d(-1)(_t(lib, 1, 2, 4)), "adaptive_avg_pool1d"),
    "unpool_bad_indices_shape": (lambda lib: lib.nn.MaxUnpool1d(2)(_t(lib, 1, 2, 3), lib.zeros(1, 2, 4, dtype=lib.long)), "max_unpool1d"),
    "bn_4d_input_1d": (lambda lib: lib.nn.BatchNorm1d(3)(_t(lib, 2, 3, 4, 5)), "BatchNorm1d"),
    "in_1d_on_4d": (lambda lib: lib.nn.InstanceNorm1d(3)(_t(lib, 2, 3, 4, 5)), "InstanceNorm1d"),
    "ln_empty_shape": (lambda lib: lib.nn.LayerNorm(())(_t(lib, 2, 3)), "LayerNorm"),
    "gn_groups0": (lambda lib: lib.nn.GroupNorm(0, 4), "GroupNorm"),
    "lrn_size0": (lambda lib: lib.nn.LocalResponseNorm(0)(_t(lib, 2, 3, 4)), "LocalResponseNorm"),
    "prelu_num0": (lambda lib: lib.nn.PReLU(0)(_t(lib, 2, 3)), "PReLU"),
    "glu_dim_range": (lambda lib: lib.nn.GLU(dim=3)(_t(lib, 2, 4)), "GLU"),
    "softmax_dim_range": (lambda lib: lib.nn.Softmax(dim=-3)(_t(lib, 2, 4)), "Softmax"),
    "rnn_hidden0": (lambda lib: lib.nn.RNN(3, 0), "RNN"),
    "rnn_layers0": (lambda lib: lib.nn.LSTM(3, 4, num_layers=0), "LSTM"),
    "lstm_proj_neg": (lambda lib: lib.nn.LSTM(3, 4, proj_size=-1), "LSTM"),
    "rnn_input_float_size": (lambda lib: lib.nn.GRU(3.5, 4), "GRU"),
    "rnn_h0_unbatched_3d": (lambda lib: lib.nn.GRU(3, 4)(_t(lib, 5, 3), _t(lib, 1, 1, 4)), "GRU"),
    "lstm_hx_not_tuple": (lambda lib: lib.nn.LSTM(3, 4)(_t(lib, 5, 2, 3), _t(lib, 1, 2, 4)), "LSTM"),
    "lstmcell_hx_shape": (lambda lib: lib.nn.LSTMCell(3, 4)(_t(lib, 2, 3), (_t(lib, 2, 4), _t(lib, 3, 4))), "LSTMCell"),
    "rnncell_unbatched_h_batched": (lambda lib: lib.nn.RNNCell(3, 4)(_t(lib, 3), _t(lib, 1, 4)), "RNNCell"),
    "embedding_bag_offsets_float": (lambda lib: lib.nn.EmbeddingBag(5, 3)(lib.tensor([1, 2]), lib.tensor([0.0, 1.0])), "embedding_bag"),
    "embedding_bag_offsets_too_big": (lambda lib: lib.nn.EmbeddingBag(5, 3)(lib.tensor([1, 2, 3]), lib.tensor([0, 4])), "embedding_bag"),
    "mha_num_heads0": (lambda lib: lib.nn.MultiheadAttention(4, 0), "MultiheadAttention"),
    "mha_kpm_unbatched_2d": (lambda lib: lib.nn.MultiheadAttention(4, 2)(_t(lib, 3, 4), _t(lib, 5, 4), _t(lib, 5, 4), key_padding_mask=lib.zeros(1, 5, dtype=lib.bool)), "MultiheadAttention"),
    "mha_mask_float_int": (lambda lib: lib.nn.MultiheadAttention(4, 2)(_t(lib, 3, 2, 4), _t(lib, 5, 2, 4), _t(lib, 5, 2, 4), attn_mask=lib.zeros(3, 5, dtype=lib.long)), "MultiheadAttention"),
    "tel_dropout_range": (lambda lib: lib.nn.TransformerEncoderLayer(4, 2, dropout=1.5), "MultiheadAttention"),
    "upsample_neither": (lambda lib: lib.nn.Upsample()(_t(lib, 1, 2, 4)), "Upsample"),
    "upsample_neg_scale": (lambda lib: lib.nn.Upsample(scale_factor=-2.0)(_t(lib, 1, 2, 4)), "interpolate"),
    "interp_size0": (lambda lib: lib.nn.functional.interpolate(_t(lib, 1, 2, 4), size=0), "interpolate"),
    "interp_bicubic_3d": (lambda lib: lib.nn.functional.interpolate(_t(lib, 1, 2, 4), size=5, mode="bicubic"), "interpolate"),
    "interp_linear_4d": (lambda lib: lib.nn.functional.interpolate(_t(lib, 1, 2, 4, 4), size=5, mode="linear"), "interpolate"),
    "interp_2d_input": (lambda lib: lib.nn.functional.interpolate(_t(lib, 2, 4), size=5), "interpolate"),
    "pixel_shuffle_factor_float": (lambda lib: lib.nn.PixelShuffle(2.0)(_t(lib, 1, 4, 2, 2)), "PixelShuffle"),
    "pixel_unshuffle_3d_bad": (lambda lib: lib.nn.PixelUnshuffle(2)(_t(lib, 2, 3)), "pixel_unshuffle"),
    "fold_kernel0": (lambda lib: lib.nn.Fold((4, 4), 0)(_t(lib, 1, 4, 4)), "Fold"),
    "unfold_pad_neg": (lambda lib: lib.nn.Unfold(2, padding=-1)(_t(lib, 1, 2, 4, 4)), "Unfold"),
    "unfold_too_big": (lambda lib: lib.nn.Unfold(5)(_t(lib, 1, 2, 4, 4)), "Unfold"),
    "bilinear_in0": (lambda lib: lib.nn.Bilinear(0, 3, 2), "Bilinear"),
    "linear_wrong_in": (lambda lib: lib.nn.Linear(3, 2)(_t(lib, 2, 4)), "Linear"),
    "flatten_bad_dims": (lambda lib: lib.nn.Flatten(2, 1)(_t(lib, 2, 3, 4)), "Flatten"),
    "unflatten_neg_two": (lambda lib: lib.nn.Unflatten(1, (-1, -1))(_t(lib, 2, 6)), "Unflatten"),
    "pad_layer_wrong_len": (lambda lib: lib.nn.ReflectionPad2d((1, 2, 3))(_t(lib, 1, 2, 4, 4)), "ReflectionPad2d"),
    "reflection_pad_too_big": (lambda lib: lib.nn.ReflectionPad1d(4)(_t(lib, 1, 2, 4)), "ReflectionPad1d"),
    "replication_pad_1d_on_4d": (lambda lib: lib.nn.ReplicationPad1d(1)(_t(lib, 1, 2, 3, 4)), "ReplicationPad1d"),
    "circular_pad_too_big": (lambda lib: lib.nn.CircularPad1d(5)(_t(lib, 1, 2, 4)), "CircularPad1d"),
    "channel_shuffle_groups": (lambda lib: lib.nn.ChannelShuffle(4)(_t(lib, 1, 6, 2)), "channel_shuffle"),
    "cos_sim_dim": (lambda lib: lib.nn.CosineSimilarity(dim=2)(_t(lib, 2, 3), _t(lib, 2, 3)), "cosine_similarity"),
    "pdist_3d": (lambda lib: lib.nn.functional.pdist(_t(lib, 2, 3, 4)), "pdist"),
    "ce_3d_target_wrong": (lambda lib: lib.nn.CrossEntropyLoss()(_t(lib, 2, 3, 4), lib.zeros(2, 5, dtype=lib.long)), "cross_entropy"),
    "nll_1d_input_2d_target": (lambda lib: lib.nn.NLLLoss()(_t(lib, 3), lib.tensor([1, 2])), "nll_loss"),
    "bce_weight_shape": (lambda lib: lib.nn.BCELoss(weight=lib.ones(4))(lib.rand(3, 5), lib.rand(3, 5)), "binary_cross_entropy"),
    "bce_input_range": (lambda lib: lib.nn.BCELoss()(lib.rand(3) + 1.0, lib.rand(3)), "binary_cross_entropy"),
    "bce_logits_target_shape": (lambda lib: lib.nn.BCEWithLogitsLoss()(_t(lib, 3), lib.rand(4)), "binary_cross_entropy_with_logits"),
    "huber_shape": (lambda lib: lib.nn.HuberLoss()(_t(lib, 3), _t(lib, 4)), "huber_loss"),
    "kl_log_target_shape": (lambda lib: lib.nn.KLDivLoss(log_target=True)(_t(lib, 3), _t(lib, 2)), "kl_div"),
    "gnll_var_wrong": (lambda lib: lib.nn.GaussianNLLLoss()(_t(lib, 3, 4), _t(lib, 3, 4), lib.ones(2, 4)), "gaussian_nll_loss"),
    "ctc_lengths_count": (lambda lib: lib.nn.CTCLoss()(_t(lib, 6, 2, 5).log_softmax(-1), lib.tensor([[1, 2], [1, 2]]), lib.tensor([6]), lib.tensor([2, 2])), "ctc_loss"),
    "ctc_input_len_too_big": (lambda lib: lib.nn.CTCLoss()(_t(lib, 6, 2, 5).log_softmax(-1), lib.tensor([[1, 2], [1, 2]]), lib.tensor([7, 6]), lib.tensor([2, 2])), "ctc_loss"),
    "multimargin_target_2d": (lambda lib: lib.nn.MultiMarginLoss()(_t(lib, 3, 4), lib.zeros(3, 1, dtype=lib.long)), "multi_margin_loss"),
    "multilabel_target_range": (lambda lib: lib.nn.MultiLabelMarginLoss()(_t(lib, 2, 3), lib.tensor([[3, -1, 0], [0, 1, -1]])), "multilabel_margin_loss"),
    "hinge_shape": (lambda lib: lib.nn.HingeEmbeddingLoss()(_t(lib, 3), lib.ones(4)), "hinge_embedding_loss"),
    "soft_margin_shape": (lambda lib: lib.nn.SoftMarginLoss()(_t(lib, 3), lib.ones(4)), "soft_margin_loss"),
    "margin_ranking_target_shape": (lambda lib: lib.nn.MarginRankingLoss()(_t(lib, 3), _t(lib, 3), lib.ones(4)), "margin_ranking_loss"),
    "triplet_dims": (lambda lib: lib.nn.TripletMarginLoss()(_t(lib, 2, 3), _t(lib, 3), _t(lib, 2, 3)), "triplet_margin_loss"),
    "one_hot_num_classes_neg2": (lambda lib: lib.nn.functional.one_hot(lib.tensor([0, 1]), -2), "one_hot"),
    "grid_sample_batch": (lambda lib: lib.nn.functional.grid_sample(_t(lib, 2, 2, 4, 4), _t(lib, 1, 3, 3, 2), align_corners=False), "grid_sample"),
    "grid_sample_padding_mode": (lambda lib: lib.nn.functional.grid_sample(_t(lib, 1, 2, 4, 4), _t(lib, 1, 3, 3, 2), padding_mode="wrap", align_corners=False), "grid_sample"),
    "affine_grid_size_len": (lambda lib: lib.nn.functional.affine_grid(_t(lib, 1, 2, 3), [1, 2, 4], align_corners=False), "affine_grid"),
    "dropout_p_neg": (lambda lib: lib.nn.functional.dropout(_t(lib, 3), p=-0.1), "dropout"),
    "dropout2d_1d": (lambda lib: lib.nn.functional.dropout2d(_t(lib, 3), p=0.5), "dropout2d"),
    "feature_alpha_1d": (lambda lib: lib.nn.functional.feature_alpha_dropout(_t(lib, 3), 0.5, True), "feature_alpha_dropout"),
    "sdpa_shape": (lambda lib: lib.nn.functional.scaled_dot_product_attention(_t(lib, 2, 3, 4), _t(lib, 2, 5, 3), _t(lib, 2, 5, 4)), "scaled_dot_product_attention"),
    "sdpa_mask_shape": (lambda lib: lib.nn.functional.scaled_dot_product_attention(_t(lib, 2, 3, 4), _t(lib, 2, 5, 4), _t(lib, 2, 5, 4), attn_mask=lib.zeros(4, 5)), "scaled_dot_product_attention"),
    "sdpa_causal_and_mask": (lambda lib: lib.nn.functional.scaled_dot_product_attention(_t(lib, 2, 3, 4), _t(lib, 2, 3, 4), _t(lib, 2, 3, 4), attn_mask=lib.zeros(3, 3), is_causal=True), "scaled_dot_product_attention"),
    "sdpa_int_mask": (lambda lib: lib.nn.functional.scaled_dot_product_attention(
        _t(lib, 2, 3, 4), _t(lib, 2, 5, 4), _t(lib, 2, 5, 4),
        attn_mask=lib.zeros(3, 5, dtype=lib.long)), "scaled_dot_product_attention"),
    "mha_int_key_padding_mask": (lambda lib: lib.nn.MultiheadAttention(4, 2)(
        _t(lib, 3, 2, 4), _t(lib, 5, 2, 4), _t(lib, 5, 2, 4),
        key_padding_mask=lib.zeros(2, 5, dtype=lib.long)), "MultiheadAttention"),
}


@pytest.mark.parametrize("case", sorted(RAISES))
def test_raises_where_torch_raises_naming_it(case, torch):
    call, word = RAISES[case]
    with pytest.raises(Exception):  # noqa: B017 - torch's types vary (RuntimeError/ValueError)
        call(torch)
    with pytest.raises(Exception) as info:  # noqa: B017
        call(gn)
    assert word.lower() in str(info.value).lower(), (case, str(info.value))


# ---- documented differences (docs/nn.md, docs/pytorch.md) ----------------------------------

REFUSED = [
    (lambda: F.interpolate(gn.tensor(_x(1, 2, 8, 9)), size=(3, 4), mode="bilinear",
                           align_corners=True, antialias=True), "antialias"),
    (lambda: F.affine_grid(gn.tensor(THETA3), [2, 1, 3, 4, 5], align_corners=False),
     "affine_grid"),
    (lambda: F.grid_sample(gn.tensor(_x(1, 2, 4, 5, 3)), gn.tensor(GRID5), align_corners=True),
     "grid_sample"),
    (lambda: nn.EmbeddingBag(5, 3, scale_grad_by_freq=True), "scale_grad_by_freq"),
]


@pytest.mark.parametrize("call,word", REFUSED)
def test_missing_options_are_refused_by_name(call, word):
    with pytest.raises(NotImplementedError, match=word):
        call()


@pytest.mark.parametrize("name,a,b", [
    ("l1_loss", (3, 4), (4,)), ("mse_loss", (4,), (3, 1)), ("smooth_l1_loss", (2, 3), (1, 3)),
    ("huber_loss", (3, 1), (3,)),
])  # fmt: skip
def test_broadcasting_loss_shapes_refused_where_torch_warns(name, a, b, torch):
    with pytest.warns(UserWarning, match="broadcast"):
        getattr(torch.nn.functional, name)(torch.tensor(_x(*a)), torch.tensor(_x(*b, seed=1)))
    with pytest.raises(ValueError, match=name):
        getattr(F, name)(gn.tensor(_x(*a)), gn.tensor(_x(*b, seed=1)))


@pytest.mark.parametrize("name,layer,kwargs", [
    ("hardsigmoid", "Hardsigmoid", {}), ("celu", "CELU", {"alpha": 0.3}),
    ("celu", "CELU", {"alpha": 0.7}),
])  # fmt: skip
def test_float32_constants_in_torchs_float64_backward(name, layer, kwargs, torch, monkeypatch):
    # torch's float64 backward multiplies by 1/6 (1/alpha) rounded to float32: its gradient is
    # a relative 1e-8..1e-7 off; glassnet's is the forward's own (finite differences agree)
    from . import test_layer_options_round6 as r6
    x = _x(3, 5)
    _same(lambda a: getattr(F, name)(a, **kwargs),
          lambda a: getattr(torch.nn.functional, name)(a, **kwargs), [x], torch, grad=False)
    monkeypatch.setattr(r6, "RTOL", 1e-6)
    _check_layer(layer, (), kwargs, [x], {}, ["train"], torch)
    assert check_gradients(lambda a: getattr(F, name)(a, **kwargs), gn.tensor(x))


def test_cosine_similarity_short_vectors_values_as_torch_gradient_of_the_forward(torch):
    # docs/nn.md: torch clamps the norms in place, unseen by autograd
    x, y = _x(2, 3) * 0.4, _x(2, 3, seed=1) * 0.4
    _same(F.cosine_similarity, torch.nn.functional.cosine_similarity, [x, y], torch,
          {"dim": 0, "eps": 1.0}, grad=False)
    assert check_gradients(lambda a, b: F.cosine_similarity(a, b, dim=0, eps=1.0),
                           gn.tensor(x), gn.tensor(y))


@pytest.mark.parametrize("batch_first", [False, True])
def test_mha_is_causal_without_mask_is_torchs_causal_mask(batch_first, torch):
    # torch refuses is_causal=True without attn_mask; glassnet builds the mask (docs/pytorch.md)
    g, t = _pair("MultiheadAttention", (4, 2), {"batch_first": batch_first}, torch)
    q = _x(2, 3, 4) if batch_first else _x(3, 2, 4)
    mask = torch.triu(torch.full((3, 3), float("-inf"), dtype=torch.float64), 1)
    want = t(*(torch.tensor(q),) * 3, attn_mask=mask, is_causal=True)[0].detach().numpy()
    got = g(*(gn.tensor(q),) * 3, is_causal=True)[0].numpy()
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-11)


# ---- stacks built by the same code on both libraries --------------------------------------

STACKS = {
    "encoder_norm_mask": (lambda lib: lib.nn.TransformerEncoder(
        lib.nn.TransformerEncoderLayer(4, 2, 6, 0.0), 2, norm=lib.nn.LayerNorm(4),
        enable_nested_tensor=False), [(3, 2, 4)], {"mask": CAUS3}),
    "encoder_padding": (lambda lib: lib.nn.TransformerEncoder(
        lib.nn.TransformerEncoderLayer(4, 2, 6, 0.0, batch_first=True, norm_first=True,
                                       activation="gelu"), 2, enable_nested_tensor=False),
        [(2, 4, 4)], {"src_key_padding_mask": KPM}),
    "decoder_norm_causal": (lambda lib: lib.nn.TransformerDecoder(
        lib.nn.TransformerDecoderLayer(4, 2, 6, 0.0, batch_first=True, norm_first=True), 2,
        norm=lib.nn.LayerNorm(4)), [(2, 3, 4), (2, 4, 4)],
        {"tgt_mask": CAUS3, "tgt_is_causal": True, "memory_key_padding_mask": KPM}),
    "transformer": (lambda lib: lib.nn.Transformer(4, 2, 1, 1, 6, 0.0, batch_first=True),
                    [(2, 4, 4), (2, 3, 4)], {"tgt_mask": CAUS3, "src_key_padding_mask": KPM}),
    "transformer_gelu_bias": (lambda lib: lib.nn.Transformer(
        4, 2, 2, 1, 6, 0.0, activation="gelu", norm_first=True, bias=False),
        [(4, 2, 4), (3, 2, 4)], {"memory_mask": FMASK}),
    "conv_bn_pool_linear": (lambda lib: lib.nn.Sequential(
        lib.nn.Conv1d(2, 4, 3, padding=1, padding_mode="reflect"), lib.nn.BatchNorm1d(4),
        lib.nn.GELU("tanh"), lib.nn.AdaptiveAvgPool1d(2), lib.nn.Flatten(), lib.nn.Linear(8, 3)),
        [(3, 2, 7)], {}),
    "conv_transpose_stack": (lambda lib: lib.nn.Sequential(
        lib.nn.ConvTranspose2d(3, 4, 3, stride=2, padding=1, output_padding=1, groups=1),
        lib.nn.GroupNorm(2, 4), lib.nn.SiLU(), lib.nn.Conv2d(4, 2, 3, padding="same",
                                                             padding_mode="circular")),
        [(2, 3, 3, 4)], {}),
}


@pytest.mark.parametrize("case", sorted(STACKS))
def test_stacks_as_torch(case, torch):
    build, shapes, fkw = STACKS[case]
    torch.manual_seed(0)
    t = build(torch).double()
    g = build(gn)
    g.to(dtype=np.float64)
    gs, ts = g.state_dict(), t.state_dict()
    assert list(gs) == list(ts)
    assert all(tuple(gs[k].shape) == tuple(v.shape) for k, v in ts.items())
    g.load_state_dict(ts)
    inputs = [_x(*s, seed=i) for i, s in enumerate(shapes)]
    for mode in (True, False):
        g.train(mode)
        t.train(mode)
        _same(g, t, inputs, torch, fkw, params=(g, t))


def test_circular_pad_cropping_one_side_wraps_the_cropped_axis(torch):
    # torch reads memory it never wrote for the first entry (docs/nn.md); the rest is torch's
    x = _x(2, 3, 4)
    got = F.pad(gn.tensor(x), (3, -2), mode="circular").numpy()
    np.testing.assert_array_equal(got, np.pad(x[..., :2], ((0, 0), (0, 0), (3, 0)), mode="wrap"))
    want = torch.nn.functional.pad(torch.tensor(x), (3, -2), mode="circular").numpy()
    np.testing.assert_array_equal(got[..., 1:], want[..., 1:])


# ---- more calls, each one function of ``lib`` run on glassnet and on torch ----------------

_CTC2 = np.log(np.exp(_x(6, 2, 5)) / 7)
_CTC2 = _CTC2 - np.log(np.exp(_CTC2).sum(-1, keepdims=True))
LIB_CASES = {
    "ctc_zero_len_target": (lambda lib, lp: lib.nn.functional.ctc_loss(lp, lib.tensor([[1, 2], [0, 0]]), lib.tensor([6, 4]), lib.tensor([2, 0]), reduction="mean"), [_CTC2]),
    "ctc_zero_len_none": (lambda lib, lp: lib.nn.functional.ctc_loss(lp, lib.tensor([1, 2]), lib.tensor([6, 4]), lib.tensor([2, 0]), reduction="none"), [_CTC2]),
    "ctc_unbatched": (lambda lib, lp: lib.nn.functional.ctc_loss(lp, lib.tensor([1, 3, 3]), lib.tensor(6), lib.tensor(3)), [_CTC2[:, 0]]),
    "nll_unbatched_w": (lambda lib, x: lib.nn.functional.nll_loss(x, lib.tensor(2), weight=lib.tensor([1., 2, 3, 4], dtype=lib.float64)), [_x(4)]),
    "avgpool_allpad_window": (lambda lib, x: lib.nn.functional.avg_pool1d(x, 2, 2, 1, ceil_mode=True, count_include_pad=False), [_x(1, 2, 4)]),
    "avgpool_ceil_incl": (lambda lib, x: lib.nn.functional.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=True), [_x(1, 2, 6, 6)]),
    "maxpool1d_unbatched_idx": (lambda lib, x: lib.nn.functional.max_pool1d(x, 3, 2, 1, return_indices=True), [_x(2, 9)]),
    "interp_list_scale": (lambda lib, x: lib.nn.functional.interpolate(x, scale_factor=[2, 3], mode="nearest"), [_x(1, 2, 3, 4)]),
    "interp_recompute_false": (lambda lib, x: lib.nn.functional.interpolate(x, scale_factor=1.5, mode="bilinear", recompute_scale_factor=False), [_x(1, 2, 3, 5)]),
    "interp_size_list": (lambda lib, x: lib.nn.functional.interpolate(x, size=[5], mode="linear"), [_x(1, 2, 3)]),
    "interp_area_scale": (lambda lib, x: lib.nn.functional.interpolate(x, scale_factor=0.5, mode="area"), [_x(1, 2, 7, 5)]),
    "interp_nearest_exact_down": (lambda lib, x: lib.nn.functional.interpolate(x, scale_factor=0.3, mode="nearest-exact"), [_x(1, 2, 11, 7)]),
    "interp_bicubic_down_ac": (lambda lib, x: lib.nn.functional.interpolate(x, size=(3, 2), mode="bicubic", align_corners=True), [_x(1, 2, 7, 5)]),
    "interp_antialias_bicubic_up": (lambda lib, x: lib.nn.functional.interpolate(x, scale_factor=2.0, mode="bicubic", antialias=True), [_x(1, 2, 3, 4)]),
    "interp_antialias_bilinear_mixed": (lambda lib, x: lib.nn.functional.interpolate(x, size=(2, 9), mode="bilinear", antialias=True), [_x(1, 2, 7, 5)]),
    "upsample_trilinear_ac": (lambda lib, x: lib.nn.Upsample(scale_factor=(0.5, 1.5, 2), mode="trilinear", align_corners=True)(x), [_x(1, 1, 4, 3, 2)]),
    "pad_const_value_5d": (lambda lib, x: lib.nn.functional.pad(x, (1, 0, 0, 2, 1, 1, 0, 1), value=-3.0), [_x(1, 2, 2, 3, 2)]),
    "pad_reflect_3d_neg": (lambda lib, x: lib.nn.functional.pad(x, (1, -1, 0, 1, -1, 2), mode="reflect"), [_x(1, 2, 3, 4, 5)]),
    "pad_replicate_neg": (lambda lib, x: lib.nn.functional.pad(x, (-1, 2, 2, -2), mode="replicate"), [_x(1, 2, 4, 5)]),
    "emb_bag_max_empty_bag": (lambda lib, w: lib.nn.functional.embedding_bag(lib.tensor([1, 2, 3]), w, lib.tensor([0, 0, 2]), mode="max"), [_x(5, 3)]),
    "emb_bag_mean_empty_bag": (lambda lib, w: lib.nn.functional.embedding_bag(lib.tensor([1, 2, 3]), w, lib.tensor([0, 2, 2]), mode="mean"), [_x(5, 3)]),
    "emb_bag_sum_psw_2d": (lambda lib, w, p: lib.nn.functional.embedding_bag(lib.tensor([[1, 2], [3, 1]]), w, per_sample_weights=p, mode="sum"), [_x(5, 3), _x(2, 2)]),
    "emb_bag_padding_all": (lambda lib, w: lib.nn.functional.embedding_bag(lib.tensor([2, 2, 1]), w, lib.tensor([0, 2]), mode="mean", padding_idx=2), [_x(5, 3)]),
    "emb_bag_max_padding": (lambda lib, w: lib.nn.functional.embedding_bag(lib.tensor([2, 2, 1]), w, lib.tensor([0, 2]), mode="max", padding_idx=2), [_x(5, 3)]),
    "grid_sample_nearest_border_ac": (lambda lib, x, g: lib.nn.functional.grid_sample(x, g, mode="nearest", padding_mode="border", align_corners=False), [_x(1, 2, 3, 4), C(np.random.default_rng(3).uniform(-1.5, 1.5, (1, 2, 5, 2)))]),
    "affine_grid_ac_false_grad": (lambda lib, t: lib.nn.functional.affine_grid(t, [1, 2, 3, 2], align_corners=False), [_x(1, 2, 3)]),
    "unfold_unbatched_dil": (lambda lib, x: lib.nn.functional.unfold(x, 2, dilation=2, padding=1, stride=2), [_x(2, 5, 6)]),
    "fold_unbatched": (lambda lib, x: lib.nn.functional.fold(x, (4, 4), 2, stride=2), [_x(8, 4)]),
    "normalize_p0": (lambda lib, x: lib.nn.functional.normalize(x, p=0, dim=1), [_x(3, 4)]),
    "normalize_neg_p": (lambda lib, x: lib.nn.functional.normalize(x, p=-2.0, dim=1), [_x(3, 4)]),
    "pdist_p": (lambda lib, x: lib.nn.functional.pdist(x, p=3.0), [_x(4, 3)]),
    "pdist_inf": (lambda lib, x: lib.nn.functional.pdist(x, p=float("inf")), [_x(4, 3)]),
    "cdist": (lambda lib, a, b: lib.cdist(a, b, p=1.5), [_x(2, 4, 3), _x(2, 5, 3)]),
    "bilinear_fn_nobias": (lambda lib, a, b, w: lib.nn.functional.bilinear(a, b, w), [_x(3, 2), _x(3, 4), _x(5, 2, 4)]),
    "softmax_dtype": (lambda lib, x: lib.nn.functional.softmax(x, dim=1, dtype=lib.float64), [_x(3, 4)]),
    "log_softmax_dtype": (lambda lib, x: lib.nn.functional.log_softmax(x.float(), dim=0, dtype=lib.float64), [_x(3, 4)]),
    "glu_neg_dim": (lambda lib, x: lib.nn.functional.glu(x, -3), [_x(4, 3, 2)]),
    "rrelu_eval_default": (lambda lib, x: lib.nn.functional.rrelu(x), [_x(3, 4)]),
    "hardtanh_fn_equal": (lambda lib, x: lib.nn.functional.hardtanh(x, 0.3, 0.3), [_x(3, 4)]),
    "elu_neg_alpha": (lambda lib, x: lib.nn.functional.elu(x, alpha=-0.5), [_x(3, 4)]),
    "leaky_big_slope": (lambda lib, x: lib.nn.functional.leaky_relu(x, 2.0), [_x(3, 4)]),
    "softshrink0": (lambda lib, x: lib.nn.functional.softshrink(x, 0.0), [_x(3, 4)]),
    "gelu_tanh_big": (lambda lib, x: lib.nn.functional.gelu(x * 10, approximate="tanh"), [_x(3, 4)]),
    "silu_big": (lambda lib, x: lib.nn.functional.silu(x * 50), [_x(3, 4)]),
    "mish_big": (lambda lib, x: lib.nn.functional.mish(x * 30), [_x(3, 4)]),
    "logsigmoid_big": (lambda lib, x: lib.nn.functional.logsigmoid(x * 100), [_x(3, 4)]),
    "softplus_thresh_neg_beta": (lambda lib, x: lib.nn.functional.softplus(x, beta=-2, threshold=0.5), [_x(3, 4)]),
    "batch_norm_fn_no_running": (lambda lib, x, w, b: lib.nn.functional.batch_norm(x, None, None, w, b, training=True), [_x(4, 3, 2), _x(3), _x(3)]),
    "instance_norm_fn_running_eval": (lambda lib, x: lib.nn.functional.instance_norm(x, lib.zeros(3, dtype=lib.float64), lib.ones(3, dtype=lib.float64), use_input_stats=False), [_x(2, 3, 4)]),
    "layer_norm_fn_bias_only": (lambda lib, x, b: lib.nn.functional.layer_norm(x, (4,), None, b), [_x(3, 4), _x(4)]),
    "local_response_norm_size1": (lambda lib, x: lib.nn.functional.local_response_norm(x, 1), [_x(2, 3, 4)]),
    "lp_pool2d_p1": (lambda lib, x: lib.nn.functional.lp_pool2d(x, 1, 2), [_x(1, 2, 4, 4)]),
    "multi_margin_p2_w": (lambda lib, x: lib.nn.functional.multi_margin_loss(x, lib.tensor([0, 2, 1]), p=2, margin=0.3, weight=lib.tensor([1., 2, 3], dtype=lib.float64), reduction="none"), [_x(3, 3)]),
    "multilabel_soft_none": (lambda lib, x: lib.nn.functional.multilabel_soft_margin_loss(x, lib.tensor([[1., 0, 1], [0, 0, 1]]), reduction="none"), [_x(2, 3)]),
    "poisson_full_small_target": (lambda lib, x: lib.nn.functional.poisson_nll_loss(x, lib.tensor([[0., 1., 2.], [3., 0.5, 1.5]], dtype=lib.float64), full=True), [_x(2, 3)]),
    "gnll_var_broadcast_last": (lambda lib, x, v: lib.nn.functional.gaussian_nll_loss(x, lib.zeros(2, 3, dtype=lib.float64), v.abs() + 0.1, reduction="none"), [_x(2, 3), _x(2, 1)]),
    "kl_div_log_target_none": (lambda lib, x, y: lib.nn.functional.kl_div(x, y, reduction="none", log_target=True), [_x(2, 3), _x(2, 3)]),
    "bce_logits_posw_bcast": (lambda lib, x: lib.nn.functional.binary_cross_entropy_with_logits(x, lib.ones(2, 3, 4, dtype=lib.float64) * 0.3, pos_weight=lib.tensor([1., 2., 3., 4.], dtype=lib.float64)), [_x(2, 3, 4)]),
    "huber_big_delta": (lambda lib, x, y: lib.nn.functional.huber_loss(x, y, delta=10.0, reduction="sum"), [_x(3, 4), _x(3, 4)]),
    "smooth_l1_beta0": (lambda lib, x, y: lib.nn.functional.smooth_l1_loss(x, y, beta=0.0), [_x(3, 4), _x(3, 4)]),
    "soft_margin_0d": (lambda lib, x: lib.nn.functional.soft_margin_loss(x, lib.tensor(-1.0, dtype=lib.float64)), [np.array(0.3)]),
    "hinge_emb_0d": (lambda lib, x: lib.nn.functional.hinge_embedding_loss(x, lib.tensor(-1.0, dtype=lib.float64), margin=2.0), [np.array(0.3)]),
    "cos_emb_1d": (lambda lib, a, b: lib.nn.functional.cosine_embedding_loss(a, b, lib.tensor(-1.0, dtype=lib.float64), margin=-0.5), [_x(4), _x(4)]),
    "triplet_1d": (lambda lib, a, p, n: lib.nn.functional.triplet_margin_loss(a, p, n, swap=True, p=1.0), [_x(4), _x(4), _x(4)]),
    "margin_rank_0d": (lambda lib, a, b: lib.nn.functional.margin_ranking_loss(a, b, lib.tensor(1.0, dtype=lib.float64), margin=0.1), [np.array(0.3), np.array(0.5)]),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(LIB_CASES))
def test_lib_calls_as_torch(case, torch):
    fn, inputs = LIB_CASES[case]
    _same(lambda *a: fn(gn, *a), lambda *a: fn(torch, *a), inputs, torch)


# ---- repr of constructions (int options stay ints, inplace shown, as torch) ---------------

REPRS = [
    ("Softplus", (), dict(beta=2, threshold=3)), ("Softplus", (), dict(beta=-1.0)),
    ("ELU", (), dict(alpha=2, inplace=True)), ("CELU", (), dict(alpha=2)),
    ("LeakyReLU", (1,), {}), ("RReLU", (0, 1), {}), ("Hardtanh", (-2, 2), {}),
    ("Threshold", (1, 2), {}), ("Softshrink", (1,), {}), ("Hardshrink", (1,), {}),
    ("PReLU", (), dict(init=1, num_parameters=3)), ("Dropout", (0,), {}),
    ("Dropout2d", (0,), dict(inplace=True)), ("AlphaDropout", (0,), {}),
    ("FeatureAlphaDropout", (0.2,), {}), ("Mish", (), dict(inplace=True)),
    ("Hardswish", (), dict(inplace=True)), ("SiLU", (), dict(inplace=True)),
    ("LocalResponseNorm", (3,), dict(alpha=1, beta=1, k=2)), ("LPPool1d", (2, 3), {}),
    ("LPPool2d", (1, 2), dict(stride=1, ceil_mode=True)),
    ("BatchNorm1d", (3,), dict(eps=1, momentum=0)), ("BatchNorm3d", (3,), dict(momentum=None)),
    ("LayerNorm", (3,), dict(eps=1)), ("LayerNorm", ((2, 3),), dict(bias=False)),
    ("GroupNorm", (1, 3), dict(eps=1)), ("RMSNorm", (3,), dict(eps=1)),
    ("RMSNorm", ((2, 3),), dict(eps=None, elementwise_affine=False)),
    ("InstanceNorm1d", (3,), dict(eps=1, momentum=1)), ("InstanceNorm2d", (3,), dict(momentum=None)),
    ("ConstantPad1d", (2, 3), {}), ("ConstantPad2d", (1, 0), {}),
    ("ConstantPad3d", ((1, 0, 0, 1, 2, 2), -1), {}), ("ZeroPad2d", ((1, 2, 0, -1),), {}),
    ("Embedding", (5, 3), dict(max_norm=1, norm_type=1)),
    ("Embedding", (5, 3), dict(scale_grad_by_freq=True, padding_idx=-1)),
    ("EmbeddingBag", (5, 3), dict(max_norm=1, norm_type=3)),
    ("EmbeddingBag", (10, 3), dict(padding_idx=-2, mode="sum", include_last_offset=True)),
    ("Upsample", (), dict(scale_factor=2)),
    ("Upsample", (), dict(scale_factor=(2, 3), mode="nearest-exact", recompute_scale_factor=True)),
    ("CosineSimilarity", (), dict(eps=1)), ("PairwiseDistance", (), dict(p=1, eps=0)),
    ("Conv1d", (2, 3, 3), dict(padding="valid")),
    ("Conv2d", (2, 4, (1, 3)), dict(padding=(0, 1), padding_mode="circular", groups=2, bias=False)),
    ("Conv3d", (2, 4, 3), dict(stride=(1, 2, 1), padding=1, padding_mode="replicate")),
    ("ConvTranspose2d", (2, 4, 3), dict(groups=2, dilation=2, bias=False)),
    ("ConvTranspose3d", (2, 4, (1, 2, 3)), dict(stride=2, output_padding=(0, 1, 1),
                                                padding=(0, 1, 1))),
    ("MaxPool1d", (3,), dict(stride=1, padding=1, dilation=2, return_indices=True,
                            ceil_mode=True)),
    ("AvgPool3d", (2,), dict(padding=1, count_include_pad=False, divisor_override=3)),
    ("AdaptiveMaxPool3d", ((2, None, 3),), dict(return_indices=True)),
    ("MaxUnpool2d", ((2, 3),), dict(stride=(1, 2), padding=1)),
    ("RNN", (3, 4), dict(num_layers=2, bidirectional=True, batch_first=True, dropout=0, bias=False)),
    ("LSTM", (3, 4), dict(proj_size=2, num_layers=2)), ("GRUCell", (3, 4), dict(bias=False)),
    ("Fold", ((4, 5), 2), dict(dilation=2, padding=1, stride=1)), ("Unfold", (3,), dict(stride=2)),
    ("Unflatten", (1, (2, 3)), {}), ("ChannelShuffle", (2,), {}), ("GLU", (), dict(dim=0)),
]


@pytest.mark.parametrize("name,args,kwargs", REPRS, ids=[f"{n}{a}{k}" for n, a, k in REPRS])
def test_repr_as_torch(name, args, kwargs, torch):
    assert repr(getattr(nn, name)(*args, **kwargs)) == repr(getattr(torch.nn, name)(*args, **kwargs))
