"""The fused Conv2d -> ReLU -> MaxPool2d(2) node (ops/conv_fused.py, ConvReluPool2d): float64
central differences, and values and gradients against PyTorch's three ops. (Against the
modules one by one: tests/nn/test_graph_fusion.py.)"""

from __future__ import annotations

import numpy as np
import pytest

from glassnet import kernels
from glassnet.ops.conv_fused import ConvReluPool2d, conv2d_relu_maxpool2
from glassnet.testing import check_against_torch, check_gradients, torch_available

pytestmark = pytest.mark.skipif(not kernels.available(), reason="numba is not installed")

GEOMETRIES = [  # (x shape, w shape, stride, pads, dilation)
    ((2, 2, 6, 6), (3, 2, 3, 3), (1, 1), (1, 1, 1, 1), (1, 1)),  # tap columns
    ((2, 6, 7, 7), (4, 6, 3, 3), (1, 1), (0, 1, 0, 1), (1, 1)),  # row columns, uneven pads
    ((1, 3, 11, 11), (2, 3, 3, 3), (2, 2), (1, 1, 1, 1), (1, 1)),  # stride 2
    ((1, 5, 10, 10), (2, 5, 3, 3), (1, 1), (0, 0, 0, 0), (2, 2)),  # dilation
]


def _fused(stride, pads, dilation):
    def fn(x, w, b):
        y = conv2d_relu_maxpool2(x, w, b, stride, pads, dilation)
        assert y is not None
        assert isinstance(y.grad_fn, ConvReluPool2d) or not y.requires_grad
        return y

    return fn


@pytest.mark.parametrize("xs, ws, stride, pads, dilation", GEOMETRIES)
def test_gradients_match_central_differences(monkeypatch, rng, xs, ws, stride, pads, dilation):
    monkeypatch.setenv(kernels.ENV, "numba")
    x, w, b = rng.standard_normal(xs), rng.standard_normal(ws), rng.standard_normal(ws[0])
    assert check_gradients(_fused(stride, pads, dilation), x, w, b)


@pytest.mark.skipif(not torch_available(), reason="torch is not installed")
@pytest.mark.parametrize("xs, ws, stride, pads, dilation", GEOMETRIES)
def test_agrees_with_torch(monkeypatch, rng, xs, ws, stride, pads, dilation):
    import torch
    import torch.nn.functional as TF

    monkeypatch.setenv(kernels.ENV, "numba")

    def torch_fn(x, w, b):
        xp = TF.pad(x, (pads[2], pads[3], pads[0], pads[1]))
        return TF.relu(TF.max_pool2d(TF.conv2d(xp, w, b, stride, 0, dilation), 2))

    x, w, b = rng.standard_normal(xs), rng.standard_normal(ws), rng.standard_normal(ws[0])
    check_against_torch(_fused(stride, pads, dilation), torch_fn, x, w, b)
    check_against_torch(_fused(stride, pads, dilation), torch_fn, x, w, b, dtype=np.float32,
                        atol=1e-4, rtol=1e-4)  # fmt: skip
    assert torch is not None
