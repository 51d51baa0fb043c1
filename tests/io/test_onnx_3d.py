"""3-D convolution and pooling export to ONNX (Conv / MaxPool / AveragePool with three spatial
axes) and onnxruntime gives glassnet's outputs, on the traced batch size and another."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
import glassnet.io as gio
from glassnet import nn
from tests.nn.onnx_check import assert_onnx_matches

pytest.importorskip("onnxruntime")
onnx = pytest.importorskip("onnx")

MODELS = {
    "conv": lambda: nn.Conv3d(4, 6, (3, 2, 3), stride=(1, 2, 1), padding=(1, 0, 2),
                              dilation=(2, 1, 1), groups=2),  # fmt: skip
    "conv_same_no_bias": lambda: nn.Conv3d(4, 6, 2, padding="same", bias=False),
    "conv_reflect": lambda: nn.Conv3d(4, 6, 3, padding=1, padding_mode="reflect"),
    "max_pool_ceil": lambda: nn.MaxPool3d(3, 2, 1, ceil_mode=True),
    "max_pool_dilated": lambda: nn.MaxPool3d(2, 2, 0, dilation=(1, 2, 1)),
    "avg_pool": lambda: nn.AvgPool3d(3, 2, 1),
    "avg_pool_ceil": lambda: nn.AvgPool3d(3, 2, 1, ceil_mode=True),
    "avg_pool_exclude_pad": lambda: nn.AvgPool3d(3, 2, 1, ceil_mode=True, count_include_pad=False),
    "avg_pool_divisor": lambda: nn.AvgPool3d(3, 2, 1, ceil_mode=True, divisor_override=7),
    "adaptive_max_bins": lambda: nn.AdaptiveMaxPool3d((3, 2, 4)),
    "adaptive_max_tiles": lambda: nn.AdaptiveMaxPool3d((7, 3, 3)),
    "conv_transpose": lambda: nn.ConvTranspose3d(4, 6, 3, stride=2, padding=1, output_padding=1),
}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_3d_layer_exports(name, rng, tmp_path):
    x = rng.standard_normal((2, 4, 7, 6, 9)).astype(np.float32)
    x2 = rng.standard_normal((3, 4, 7, 6, 9)).astype(np.float32)
    assert_onnx_matches(nn.Sequential(MODELS[name]()), [x], tmp_path, others=[(x2,)])


def test_3d_nodes_are_the_standard_ones(rng, tmp_path):
    model = nn.Sequential(nn.Conv3d(2, 3, 3, padding=1), nn.MaxPool3d(2), nn.AvgPool3d(2))
    path = gio.export_onnx(model.eval(), gn.tensor(rng.standard_normal((1, 2, 4, 4, 4)).astype(np.float32)),
                           tmp_path / "m.onnx")  # fmt: skip
    nodes = {n.op_type: n for n in onnx.load(str(path)).graph.node}
    assert {"Conv", "MaxPool", "AveragePool"} <= set(nodes)
    kernel = [a.ints for a in nodes["Conv"].attribute if a.name == "kernel_shape"][0]
    assert list(kernel) == [3, 3, 3]


def test_video_net_exports(rng, tmp_path):
    from tests.nn.test_layers_3d import _video_net

    x = rng.standard_normal((2, 3, 4, 20, 20)).astype(np.float32)
    x2 = rng.standard_normal((1, 3, 4, 20, 20)).astype(np.float32)
    assert_onnx_matches(_video_net(nn), [x], tmp_path, others=[(x2,)])
