"""Conv2d / Conv1d layers: shapes, PyTorch's initialisation, repr and state dicts, and the
errors at construction and in forward."""

from __future__ import annotations

import math

import numpy as np
import pytest

import glassnet as gn
from glassnet.nn.layers.conv import Conv1d, Conv2d

pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same':UserWarning")

CONV2D_CONFIGS = [
    ((1, 32, 3), {"padding": 1}),
    ((3, 8, (3, 5)), {"stride": 2, "padding": (1, 2), "bias": False}),
    ((4, 8, 3), {"dilation": 2, "groups": 2}),
    ((4, 4, 2), {"padding": "same", "groups": 4}),
    ((2, 6, 1), {}),
]


@pytest.mark.parametrize("args, kwargs", CONV2D_CONFIGS)
def test_conv2d_repr_shapes_and_state_dict_match_torch(args, kwargs, rng, torch):
    layer = Conv2d(*args, **kwargs)
    ref = torch.nn.Conv2d(*args, **kwargs).double()
    assert repr(layer) == repr(ref)
    assert {k: v.shape for k, v in layer.state_dict().items()} == {
        k: tuple(v.shape) for k, v in ref.state_dict().items()
    }
    layer.double().load_state_dict(ref.state_dict())
    x = rng.standard_normal((2, args[0], 9, 8))
    np.testing.assert_allclose(
        layer(gn.tensor(x)).numpy(), ref(torch.tensor(x)).detach().numpy(), rtol=1e-10, atol=1e-12
    )


def test_conv2d_initialisation_follows_torch():
    gn.manual_seed(1)
    layer = Conv2d(16, 32, 3)
    bound = 1 / math.sqrt(16 * 9)  # kaiming_uniform(a=sqrt(5)) and the bias both use 1/sqrt(fan_in)
    w, b = layer.weight.numpy(), layer.bias.numpy()
    assert layer.weight.shape == (32, 16, 3, 3) and w.dtype == np.float32
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert np.abs(w).max() > 0.9 * bound  # really uniform over the whole range
    assert abs(w.std() - bound / math.sqrt(3)) < 0.05 * bound


def test_conv2d_layer_output_and_gradients(rng):
    layer = Conv2d(1, 32, 3, padding=1)
    x = gn.tensor(rng.standard_normal((4, 1, 28, 28)).astype(np.float32))
    y = layer(x)
    assert y.shape == (4, 32, 28, 28) and y.dtype == np.float32
    y.sum().backward()
    assert layer.weight.grad.shape == (32, 1, 3, 3) and layer.bias.grad.shape == (32,)
    np.testing.assert_allclose(layer.bias.grad.numpy(), np.full(32, 4 * 28 * 28), rtol=1e-6)


def test_conv2d_workspace_stays_put_across_steps(rng):
    layer = Conv2d(8, 16, 3, padding=1)
    x = gn.tensor(rng.standard_normal((2, 8, 6, 6)).astype(np.float32), requires_grad=True)
    layer(x).sum().backward()
    n = layer.workspace.allocations
    for _ in range(3):
        layer(x).sum().backward()
    assert layer.workspace.allocations == n


def test_conv2d_docstring_seed_arithmetic():
    # the seed: width 7, kernel 3, stride 1, zero padding -> 7 (not 11)
    assert "floor((7 + 2 - 1*(3 - 1) - 1) / 1) + 1 = 7" in Conv2d.__doc__
    assert Conv2d(1, 1, 3, padding=1)(gn.zeros(1, 1, 7, 7)).shape == (1, 1, 7, 7)
    assert Conv2d(1, 1, 3)(gn.zeros(1, 1, 7, 7)).shape == (1, 1, 5, 5)


@pytest.mark.parametrize(
    "args, kwargs, match",
    [
        ((1, 32, 0), {}, r"Conv2d: kernel_size must be a positive int or pair of ints, got 0"),
        ((1, 32, (3, -1)), {}, r"Conv2d: kernel_size must be .* got \(3, -1\)"),
        ((0, 32, 3), {}, r"Conv2d: in_channels must be a positive int, got 0"),
        ((1, 32, 3), {"stride": 0}, r"Conv2d: stride must be a positive int or pair of ints, got 0"),
        ((1, 32, 3), {"padding": -1}, r"Conv2d: padding must be .* got -1"),
        ((1, 32, 3), {"padding": "circular"}, r"Conv2d: padding must be .* got 'circular'"),
        ((1, 32, 3), {"padding": "same", "stride": 2}, r"Conv2d: padding='same' needs stride 1"),
        ((1, 32, 3), {"dilation": 0}, r"Conv2d: dilation must be a positive int or pair of ints, got 0"),
        ((4, 6, 3), {"groups": 4}, r"Conv2d: groups=4 must divide in_channels=4 and out_channels=6"),
        ((4, 8, 3), {"groups": 0}, r"Conv2d: groups must be a positive int, got 0"),
    ],
)  # fmt: skip
def test_conv2d_construction_errors(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        Conv2d(*args, **kwargs)


def test_conv2d_optional_arguments_take_torchs_positional_order():
    # issue 13: PyTorch's order (in, out, kernel_size, stride, padding, dilation, groups, bias,
    # padding_mode, device, dtype); before, everything after kernel_size was keyword-only
    conv = Conv2d(1, 32, 3, 2, 1)
    assert conv.stride == (2, 2) and conv.padding == (1, 1)
    with pytest.raises(TypeError):
        Conv2d(1, 32, 3, 1, 0, 1, 1, True, "zeros", None, None, 5)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    "shape, match",
    [
        ((28, 28, 1), r"Conv2d\(1, 32, .*\): expected input of shape \(N, 1, H, W\) or \(1, H, W\) with 1 channels, got \(28, 28, 1\)"),
        ((4, 3, 28, 28), r"Conv2d\(1, 32, .*\): expected input of shape \(N, 1, H, W\) or \(1, H, W\) with 1 channels, got \(4, 3, 28, 28\)"),
        ((28, 28), r"Conv2d\(1, 32, .*\): expected input of shape \(N, 1, H, W\) or \(1, H, W\), got \(28, 28\)"),
    ],
)  # fmt: skip
def test_conv2d_forward_shape_errors(shape, match):
    with pytest.raises(ValueError, match=match):
        Conv2d(1, 32, 3, padding=1)(gn.zeros(*shape))


def test_conv2d_kernel_larger_than_padded_input():
    with pytest.raises(
        ValueError,
        match=r"Conv2d\(1, 2, kernel_size=\(5, 5\).*\): kernel 5x5 is larger than the padded input 3x3",
    ):
        Conv2d(1, 2, 5)(gn.zeros(1, 1, 3, 3))


# ---------------------------------------------------------------------------------- Conv1d
@pytest.mark.parametrize(
    "args, kwargs",
    [((3, 8, 3), {"padding": 1}), ((4, 8, 5), {"stride": 2, "dilation": 2, "groups": 2, "bias": False}),
     ((2, 4, 4), {"padding": "same"})],
)  # fmt: skip
def test_conv1d_matches_torch(args, kwargs, rng, torch):
    layer = Conv1d(*args, **kwargs)
    ref = torch.nn.Conv1d(*args, **kwargs).double()
    assert repr(layer) == repr(ref)
    layer.double().load_state_dict(ref.state_dict())
    x = rng.standard_normal((2, args[0], 17))
    np.testing.assert_allclose(
        layer(gn.tensor(x)).numpy(), ref(torch.tensor(x)).detach().numpy(), rtol=1e-10, atol=1e-12
    )


@pytest.mark.parametrize(
    "args, kwargs, match",
    [
        ((1, 8, 0), {}, r"Conv1d: kernel_size must be a positive int, got 0"),
        ((1, 8, 3), {"padding": -1}, r"Conv1d: padding must be a non-negative int, 'same' or 'valid', got -1"),
        ((1, 8, 3), {"stride": 2, "padding": "same"}, r"Conv1d: padding='same' needs stride 1"),
        ((3, 8, 3), {"groups": 2}, r"Conv1d: groups=2 must divide in_channels=3"),
    ],
)  # fmt: skip
def test_conv1d_construction_errors(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        Conv1d(*args, **kwargs)


def test_conv1d_forward_errors():
    layer = Conv1d(2, 4, 5)
    with pytest.raises(
        ValueError, match=r"Conv1d\(2, 4, .*\): expected input of shape \(N, 2, L\) or \(2, L\), got \(9,\)"
    ):
        layer(gn.zeros(9))
    with pytest.raises(ValueError, match=r"or \(2, L\) with 2 channels, got \(3, 9\)"):
        layer(gn.zeros(3, 9))
    with pytest.raises(
        ValueError, match=r"Conv1d\(2, 4, .*\): kernel 5 is larger than the padded input 3"
    ):
        layer(gn.zeros(1, 2, 3))
