"""Grad-CAM on a fixed-weight conv model computed by hand; upsampling against torch; errors."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.explain import GradCAM
from glassnet.explain.gradcam import conv_layer_names, upsample_linear
from glassnet.nn import Linear, Sequential

from .helpers import GlobalAvgPool, PointwiseConv, Relu, assert_same_state, give_grads, snapshot


@pytest.fixture
def tiny():
    """conv 1x1 with channels (x, -x) -> ReLU -> global mean -> linear head V."""
    conv = PointwiseConv(np.array([1.0, -1.0]).reshape(2, 1, 1, 1))
    head = Linear(2, 2).double()
    head.weight.array[...] = [[1.0, 2.0], [-1.0, 1.0]]
    head.bias.array[...] = 0.0
    return Sequential(conv, Relu(), GlobalAvgPool(), head)


X = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])


def test_hand_computed(tiny):
    # after the ReLU: R0 = x, R1 = 0; class 0 score = mean(R0) * 1 + mean(R1) * 2,
    # so alpha = (1/4, 2/4) and the map is relu(x/4 + 0) = x / 4
    cam = GradCAM(tiny, layer="1").attribute(X, target=0)
    np.testing.assert_allclose(cam, X / 4)
    # class 1: alpha = (-1/4, 1/4): map -x/4, all negative, so the ReLU leaves 0
    np.testing.assert_allclose(GradCAM(tiny, layer="1").attribute(X, target=1), 0.0)
    np.testing.assert_allclose(GradCAM(tiny, layer="1").attribute(X, target=1, relu=False), -X / 4)
    # at the conv output (before the ReLU) channel 1 is negative everywhere: its gradient is 0
    np.testing.assert_allclose(GradCAM(tiny, layer="0").attribute(X, target=0), X / 4)
    np.testing.assert_allclose(
        GradCAM(tiny, layer="0").attribute(X, target=0, normalize=True), X / 4
    )
    # default layer: the last conv layer; target=None on a two-class model is refused
    assert GradCAM(tiny).layer == "0"
    np.testing.assert_allclose(GradCAM(tiny).attribute(X, target=0), X / 4)
    with pytest.raises(ValueError, match=r"GradCAM: the model has 2 outputs per row; pass target="):
        GradCAM(tiny).attribute(X)


def test_upsampled_to_input_size(tiny):
    pooled = Sequential(
        PointwiseConv(np.array([1.0, -1.0]).reshape(2, 1, 1, 1)),
        Relu(),
        _Pool2(),
        GlobalAvgPool(),
        tiny[3],
    )
    x = np.arange(16.0).reshape(1, 1, 4, 4) + 1
    cam = GradCAM(pooled, layer="2").attribute(x, target=0)
    assert cam.shape == (1, 1, 4, 4)
    small = GradCAM(pooled, layer="2").attribute(x, target=0, upsample=False)
    assert small.shape == (1, 1, 2, 2)
    np.testing.assert_allclose(cam, upsample_linear(small, (4, 4)))


class _Pool2(gn.nn.Module):
    """2x2 average pooling from reshapes."""

    def forward(self, x):
        n, c, h, w = x.shape
        return x.reshape(n, c, h // 2, 2, w // 2, 2).mean(axis=(3, 5))


@pytest.mark.parametrize("size", [(7, 5), (2, 3), (4, 4)])
def test_upsample_matches_torch_bilinear(size, rng, torch):
    maps = rng.standard_normal((2, 1, 3, 4))
    ref = torch.nn.functional.interpolate(
        torch.tensor(maps), size=size, mode="bilinear", align_corners=False
    )
    np.testing.assert_allclose(upsample_linear(maps, size), ref.numpy(), rtol=1e-12, atol=1e-12)
    ref1 = torch.nn.functional.interpolate(
        torch.tensor(maps[:, :, 0]), size=size[:1], mode="linear", align_corners=False
    )
    np.testing.assert_allclose(upsample_linear(maps[:, :, 0], size[:1]), ref1.numpy(), rtol=1e-12)


def test_batch_and_no_state_left(tiny, rng):
    x = rng.standard_normal((3, 1, 2, 2))
    tiny.train()
    give_grads(tiny)
    before = snapshot(tiny)
    cam = GradCAM(tiny, layer="1")
    batch = cam.attribute(x, target=[0, 1, 0])
    rows = np.concatenate(
        [cam.attribute(x[i : i + 1], target=[t]) for i, t in enumerate([0, 1, 0])]
    )
    np.testing.assert_allclose(batch, rows)
    assert_same_state(before, snapshot(tiny))


def test_unknown_layer_lists_conv_layers(tiny):
    assert conv_layer_names(tiny) == ["0"]
    with pytest.raises(
        ValueError, match=r"GradCAM: Sequential has no layer 'features.3'; conv layers are: 0"
    ):
        GradCAM(tiny, layer="features.3")
    with pytest.raises(ValueError, match=r"GradCAM: Sequential has no conv layer"):
        GradCAM(Sequential(Linear(2, 2)))
    with pytest.raises(TypeError, match=r"GradCAM: model must be a glassnet Module, got function"):
        GradCAM(lambda x: x, layer="0")


def test_layer_with_wrong_output(tiny):
    with pytest.raises(
        ValueError,
        match=r"GradCAM: layer '3' gives outputs of shape \(1, 2\), with no spatial axes.*"
        r"pass upsample=False",
    ):
        GradCAM(tiny, layer="3").attribute(X, target=0)
    assert GradCAM(tiny, layer="3").attribute(X, target=0, upsample=False).shape == (1, 1)
    with pytest.raises(ValueError, match=r"target 2 is out of range for a model with 2 outputs"):
        GradCAM(tiny, layer="1").attribute(X, target=2)
    assert all(len(m._forward_hooks) == 0 for m in tiny.modules())


def test_hand_computed_with_conv2d():
    """Conv2d 2x2 stride 2 with kernels +1 / -1 on a 4x4 image: block sums S and -S."""
    conv_mod = pytest.importorskip("glassnet.nn.layers.conv")
    conv = conv_mod.Conv2d(1, 2, 2, stride=2, bias=False, dtype=np.float64)
    conv.weight.array[...] = np.stack([np.ones((1, 2, 2)), -np.ones((1, 2, 2))])
    head = Linear(2, 2).double()
    head.weight.array[...] = [[1.0, 2.0], [-1.0, 1.0]]
    head.bias.array[...] = 0.0
    model = Sequential(conv, Relu(), GlobalAvgPool(), head)
    assert conv_layer_names(model) == ["0"]
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    s = x[0, 0].reshape(2, 2, 2, 2).sum(axis=(1, 3))  # the 2x2 block sums
    # class 0 score = mean(relu(S)) * 1 + mean(relu(-S)) * 2: alpha = (1/4, 0) at the conv output
    small = GradCAM(model).attribute(x, target=0, upsample=False)
    np.testing.assert_allclose(small[0, 0], s / 4)
    np.testing.assert_allclose(
        GradCAM(model).attribute(x, target=0), upsample_linear(s[None, None] / 4, (4, 4))
    )
    np.testing.assert_allclose(GradCAM(model, layer="1").attribute(x, target=1), 0.0)
