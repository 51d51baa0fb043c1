"""3-D layers with torch's weights give torch's outputs; torch's arguments, keys and reprs."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
import glassnet.functional as F
import glassnet.io as gio
from glassnet import nn


def _load(layer, tlayer) -> None:
    state = {k: v.detach().numpy() for k, v in tlayer.state_dict().items()}
    assert list(layer.state_dict()) == list(state)
    layer.load_state_dict(state)


def _same(layer, tlayer, x: np.ndarray, torch, *args) -> None:
    got = layer(gn.tensor(x), *args)
    want = tlayer(torch.tensor(x), *args)
    np.testing.assert_allclose(got.numpy(), want.detach().numpy(), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("mode", ["zeros", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("padding", [1, "same", (0, 1, 2)])
def test_conv3d_with_torch_weights(mode, padding, rng, torch):
    kw = dict(stride=1, padding=padding, groups=2, padding_mode=mode)
    tl = torch.nn.Conv3d(4, 6, (3, 2, 3), **kw).double()
    gl = nn.Conv3d(4, 6, (3, 2, 3), dtype=np.float64, **kw)
    _load(gl, tl)
    assert repr(gl) == repr(tl)
    x = rng.standard_normal((2, 4, 4, 5, 6))
    _same(gl, tl, x, torch)
    _same(gl, tl, x[0], torch)  # one unbatched sample


def test_conv3d_strided_dilated_no_bias(rng, torch):
    tl = torch.nn.Conv3d(3, 5, 3, (1, 2, 2), (1, 3, 3), (2, 1, 1), bias=False).double()
    gl = nn.Conv3d(3, 5, 3, (1, 2, 2), (1, 3, 3), (2, 1, 1), bias=False, dtype=np.float64)
    _load(gl, tl)
    assert repr(gl) == repr(tl) and gl.weight.shape == (5, 3, 3, 3, 3)
    _same(gl, tl, rng.standard_normal((1, 3, 5, 8, 7)), torch)


def test_conv3d_trains(rng):
    layer = nn.Conv3d(2, 3, 2, padding=1)
    x = gn.tensor(rng.standard_normal((2, 2, 3, 3, 3)).astype(np.float32))
    layer(x).pow(2).mean().backward()
    assert layer.weight.grad.shape == layer.weight.shape and layer.bias.grad.shape == (3,)


def test_conv_transpose3d_with_torch_weights(rng, torch):
    tl = torch.nn.ConvTranspose3d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2).double()
    gl = nn.ConvTranspose3d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2,
                            dtype=np.float64)  # fmt: skip
    _load(gl, tl)
    assert repr(gl) == repr(tl)
    x = rng.standard_normal((2, 4, 3, 4, 2))
    _same(gl, tl, x, torch)
    _same(gl, tl, x[0], torch)
    tl0 = torch.nn.ConvTranspose3d(4, 6, 3, stride=2, padding=1).double()
    gl0 = nn.ConvTranspose3d(4, 6, 3, stride=2, padding=1, dtype=np.float64)
    _load(gl0, tl0)
    _same(gl0, tl0, x, torch, (6, 8, 4))  # output_size picks the output_padding


@pytest.mark.parametrize(
    "make",
    [
        lambda m: m.MaxPool3d(3, 2, 1),
        lambda m: m.MaxPool3d((1, 3, 3), (1, 2, 2), (0, 1, 1), ceil_mode=True),
        lambda m: m.AvgPool3d((1, 2, 2)),
        lambda m: m.AvgPool3d(3, 2, 1, True, False),
        lambda m: m.AvgPool3d(2, 1, divisor_override=3),
        lambda m: m.AdaptiveMaxPool3d((1, 3, None)),
        lambda m: m.AdaptiveMaxPool3d(2),
    ],
)
def test_pool3d_layers_match_torch(make, rng, torch):
    gl, tl = make(nn), make(torch.nn)
    assert repr(gl) == repr(tl)
    x = rng.standard_normal((2, 3, 5, 6, 7))
    _same(gl, tl, x, torch)
    _same(gl, tl, x[0], torch)


def test_pool3d_layers_return_indices(rng, torch):
    x = rng.standard_normal((1, 2, 4, 5, 6))
    for make in (lambda m: m.MaxPool3d(2, return_indices=True),
                 lambda m: m.AdaptiveMaxPool3d(3, return_indices=True)):  # fmt: skip
        (gy, gi), (ty, ti) = make(nn)(gn.tensor(x)), make(torch.nn)(torch.tensor(x))
        np.testing.assert_array_equal(gi.numpy(), ti.numpy())
        np.testing.assert_allclose(gy.numpy(), ty.numpy())


@pytest.mark.parametrize(
    "make,match",
    [
        (lambda: nn.Conv3d(3, 4, (3, 3)), "kernel_size must be a positive int or 3"),
        (lambda: nn.Conv3d(3, 4, 3, padding_mode="mirror"), "padding_mode"),
        (lambda: nn.Conv3d(3, 4, 3, groups=2), "groups=2 must divide"),
        (lambda: nn.Conv3d(3, 4, 3, stride=2, padding="same"), "needs stride 1"),
        (lambda: nn.MaxPool3d(2, padding=2), "padding must be at most half"),
        (lambda: nn.AvgPool3d(2, divisor_override=0), "divisor_override"),
        (lambda: nn.AdaptiveMaxPool3d((2, 2)), "output_size must have 3 values"),
        (lambda: nn.ConvTranspose3d(3, 4, 3, padding_mode="reflect"), "padding_mode='zeros'"),
        # were taken unchecked: a 2-D kernel for a 3-D layer, a zero kernel dividing by zero
        (lambda: nn.ConvTranspose3d(3, 4, (3, 3)), "ConvTranspose3d: kernel_size must be a positive int or 3"),
        (lambda: nn.ConvTranspose2d(3, 4, 0), "ConvTranspose2d: kernel_size must be a positive int or 2"),
        (lambda: nn.ConvTranspose3d(3, 4, 2, padding=-1), "padding must be a non-negative int"),
    ],
)
def test_3d_layer_argument_errors(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_conv3d_input_errors():
    layer = nn.Conv3d(3, 4, 3)
    with pytest.raises(ValueError, match=r"expected input of shape \(N, 3, D, H, W\) or \(3, D, H, W\)"):
        layer(gn.zeros(1, 3, 5, 5))
    with pytest.raises(ValueError, match="with 3 channels"):
        layer(gn.zeros(1, 2, 5, 5, 5))
    with pytest.raises(ValueError, match="kernel 3x3x3 is larger than the padded input 2x5x5"):
        layer(gn.zeros(1, 3, 2, 5, 5))


def test_summary_counts_conv3d():
    model = nn.Sequential(nn.Conv3d(3, 8, 3, padding=1), nn.ReLU(), nn.MaxPool3d(2),
                          nn.AvgPool3d(2), nn.AdaptiveMaxPool3d(1), nn.Flatten(), nn.Linear(8, 2))  # fmt: skip
    text = str(model.summary((2, 3, 4, 8, 8)))
    assert "Conv3d" in text and "MaxPool3d" in text and "[2, 8, 4, 8, 8]" in text
    flops = 2 * 3 * 27 * (2 * 8 * 4 * 8 * 8) + 2 * 8 * 2 * 2
    assert f"FLOPs per forward pass: {flops:,}" in text


def test_3d_names_are_no_longer_refused():
    for name in ("Conv3d", "ConvTranspose3d", "MaxPool3d", "AvgPool3d", "AdaptiveMaxPool3d"):
        assert name in nn.__all__ and callable(getattr(nn, name))
    for name in ("conv3d", "conv_transpose3d", "max_pool3d", "avg_pool3d", "adaptive_max_pool3d"):
        assert callable(getattr(F, name))


def _video_net(m):
    """A small video classifier: a strided 3-D stem, pooling, a temporal convolution, a
    transposed convolution, and the 3-D pools down to a linear head."""
    return m.Sequential(
        m.Conv3d(3, 8, (3, 7, 7), (1, 2, 2), (1, 3, 3), bias=False), m.BatchNorm3d(8), m.ReLU(),
        m.MaxPool3d((1, 3, 3), (1, 2, 2), (0, 1, 1)), m.Conv3d(8, 8, (3, 1, 1), padding=(1, 0, 0)),
        m.ReLU(), m.ConvTranspose3d(8, 4, 2, 2), m.AvgPool3d(2, ceil_mode=True),
        m.AdaptiveMaxPool3d((1, 2, 2)), m.Flatten(), m.Linear(16, 5),
    )  # fmt: skip


def test_video_net_with_torch_weights_trains_as_torch(rng, torch):
    tm, gm = _video_net(torch.nn).double(), _video_net(nn).double()
    gio.from_torch_state_dict(gm, tm.state_dict())
    x = rng.standard_normal((2, 3, 4, 20, 20))
    gx, tx = gn.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    gy, ty = gm(gx), tm(tx)
    np.testing.assert_allclose(gy.numpy(), ty.detach().numpy(), rtol=1e-9, atol=1e-12)
    gy.pow(2).sum().backward()
    ty.pow(2).sum().backward()
    np.testing.assert_allclose(gx.grad.numpy(), tx.grad.numpy(), rtol=1e-9, atol=1e-12)
    params = dict(gm.named_parameters())
    for name, p in tm.named_parameters():
        np.testing.assert_allclose(params[name].grad.numpy(), p.grad.numpy(), rtol=1e-9, atol=1e-12)
